//! The report facts of a commit are a pure function of the rules in effect, the member's
//! state before and after it, and the op rows it applied (`facts::commit`): the rules are the
//! version in effect at the commit's newest applied op, so a campaign a later version adds is
//! counted from that version on, and a refused op does not choose the version.

use serde_json::json;
use zailai::timeline::{Timeline, Version};
use zailai::{Config, Op, OpKind, State};
use zailai_server::facts::{commit, rules_instant, FactRules, FactTimeline};
use zailai_server::store::OpRow;

const DAY: i64 = 86_400_000;
/// 2026-11-02 10:00 UTC+8.
const T: i64 = 1_793_584_800_000;
/// Version 2 takes effect on 2026-11-04 10:00 UTC+8.
const T2: i64 = T + 2 * DAY;

/// The seed's rules, plus a campaign over 2026-11-05 … 11-11 (version 2).
fn with_campaign() -> Config {
    let mut v = serde_json::to_value(Config::seed()).unwrap();
    v["campaigns"].as_array_mut().unwrap().push(json!({
        "id": "late", "name": {"en": "Late"}, "start": "2026-11-05", "days": 7,
        "checkin_multiplier": 2
    }));
    Config::parse(&v.to_string()).unwrap()
}

fn timeline() -> FactTimeline {
    let versions = vec![
        Version::new(1, T - DAY, Config::seed()),
        Version::new(2, T2, with_campaign()),
    ];
    FactTimeline::of(&Timeline::from_versions(versions).unwrap())
}

fn check_in(seq: u32, at: i64) -> Op {
    Op {
        device: "phone".into(),
        seq,
        at,
        op: OpKind::CheckIn {},
    }
}

fn row(op: &Op, result: &str) -> OpRow {
    OpRow::of(op, result.into())
}

/// A member joined at `T`, then checked in on 2026-11-05 under version 2 (joining `late`):
/// the states before and after that check-in.
fn before_and_after() -> (State, State, Op) {
    let v1 = Config::seed();
    let mut st = State::join(&v1, "u1", T);
    st.apply(&v1, &check_in(1, T)).unwrap();
    let before = st.clone();
    let op = check_in(2, T + 3 * DAY);
    st.apply(&with_campaign(), &op).unwrap();
    assert!(
        st.campaigns.contains_key("late"),
        "the check-in joins the campaign"
    );
    (before, st, op)
}

#[test]
fn the_rules_instant_is_the_newest_applied_op() {
    let (a, b) = (check_in(1, T), check_in(2, T + 5));
    assert_eq!(
        rules_instant(&[row(&b, "applied"), row(&a, "applied")]),
        T + 5
    );
    assert_eq!(rules_instant(&[row(&a, "applied"), row(&b, "TOO_OLD")]), T);
    assert_eq!(rules_instant(&[row(&b, "TOO_OLD")]), i64::MAX);
    assert_eq!(rules_instant(&[]), i64::MAX);
}

#[test]
fn a_campaign_of_the_version_in_effect_at_the_commit_is_counted() {
    let (before, after, op) = before_and_after();
    let joined = Config::seed().clock().day_of(T);
    let c = commit(&timeline(), &before, false, &after, &[row(&op, "applied")]);
    assert_eq!(c.campaigns, [("late".to_owned(), 1)]);
    assert_eq!(c.days, [joined + 3]);
    assert_eq!(c.member, None, "joined and paid_until did not change");
    // The same commit under the first version's rules alone knows no such campaign.
    let fixed = FactTimeline::single(FactRules::of(&Config::seed()));
    let c = commit(&fixed, &before, false, &after, &[row(&op, "applied")]);
    assert!(c.campaigns.is_empty(), "{:?}", c.campaigns);
    assert_eq!(c.days, [joined + 3]);
}

#[test]
fn the_version_changes_at_its_instant_exactly() {
    let (before, after, _) = before_and_after();
    let at = |t: i64| {
        let c = commit(
            &timeline(),
            &before,
            false,
            &after,
            &[row(&check_in(2, t), "applied")],
        );
        c.campaigns
    };
    assert!(at(T2 - 1).is_empty(), "a millisecond before version 2");
    assert_eq!(at(T2), [("late".to_owned(), 1)]);
    // Before the first version's instant, the first version holds.
    assert!(at(T - 30 * DAY).is_empty());
    // A refused op dated under version 2 does not choose it.
    let rows = [
        row(&check_in(2, T2 - 1), "applied"),
        row(&check_in(3, T2 + DAY), "TOO_OLD"),
    ];
    assert!(commit(&timeline(), &before, false, &after, &rows)
        .campaigns
        .is_empty());
    // Without an applied op, the newest version: its campaign is counted, and no day is.
    let c = commit(&timeline(), &before, false, &after, &[]);
    assert_eq!(c.campaigns, [("late".to_owned(), 1)]);
    assert!(c.days.is_empty());
}

#[test]
fn a_new_member_gets_the_whole_facts_and_an_unchanged_one_none() {
    let v1 = Config::seed();
    let fresh = State::join(&v1, "u2", T);
    let mut st = fresh.clone();
    let op = check_in(1, T + DAY);
    st.apply(&v1, &op).unwrap();
    let joined = v1.clock().day_of(T);
    let c = commit(&timeline(), &fresh, true, &st, &[row(&op, "applied")]);
    assert_eq!(c.member, Some((joined, None)));
    assert_eq!(c.days, [joined + 1]);
    assert_eq!(c.returned, zailai_server::facts::return_bit(1));
    assert_eq!(c.tiers.as_ref().map(|t| t.0), Some(joined));
    // The same state before and after, no op: nothing to write.
    let none = commit(&timeline(), &st, false, &st, &[]);
    assert_eq!(none, zailai_server::facts::Changes::default());
}
