//! The replica under rule versions (RULES.md, "Rule versions"): a device holds the current and
//! the next version, records and replays each op under the version in effect at its own `at`,
//! offline, and a rebuild after a rebase keeps yesterday's rules for yesterday's ops.

mod common;

use common::{at, config_from, granted, seed_json};
use serde_json::json;
use zailai::replica::Replica;
use zailai::snapshot::Payload;
use zailai::timeline::{Timeline, Version};
use zailai::vecmap::VecMap;
use zailai::{Config, OpKind, State};

/// The night the new version takes effect: 2026-11-02 00:00 in the rules' zone.
fn midnight() -> i64 {
    at(2026, 11, 2, 0, 0)
}

fn joined() -> i64 {
    at(2026, 11, 1, 9, 0)
}

fn review_worth(points: u32) -> Config {
    let mut v = seed_json();
    v["points"]["earning"]["review"] = json!({ "points": points });
    config_from(v)
}

fn review() -> OpKind {
    OpKind::Track {
        action: "review".into(),
        count: 1,
    }
}

/// What a phone holds the evening before: the current version (reviews worth 20) and the next
/// one, scheduled for midnight (worth 35).
fn current_and_next() -> Timeline {
    let mut t = Timeline::single(review_worth(20));
    t.push(Version::new(2, midnight(), review_worth(35)))
        .unwrap();
    t
}

/// The server's snapshot of a member who joined at `joined()` and did nothing it saw, having
/// processed `acked` ops of the phone.
fn base(cfg: &Config, acked: u32) -> Payload {
    let mut map = VecMap::new();
    map.insert("phone".to_owned(), acked);
    Payload {
        user: "u".into(),
        server_version: 1,
        issued_at: joined(),
        config_hash: String::new(),
        acked: map,
        state: State::join(cfg, "u", joined()),
    }
}

#[test]
fn ops_on_either_side_of_effective_from_take_their_own_version() {
    let rules = current_and_next();
    let mut phone = Replica::new(&rules, "u", "phone", joined());
    let before = phone.act(&rules, midnight() - 1, review()).unwrap();
    let after = phone.act(&rules, midnight(), review()).unwrap();
    assert_eq!(
        granted(&before),
        20,
        "the last millisecond of the old version"
    );
    assert_eq!(granted(&after), 35, "the first millisecond of the new one");
    assert_eq!(phone.state().balance, 55);
}

#[test]
fn the_switch_happens_offline_with_nothing_fetched_in_between() {
    // Evening: the phone has both versions and goes into a tunnel; nothing reaches it until
    // the next day, and nothing is rebased or rebuilt in between.
    let rules = current_and_next();
    let mut phone = Replica::new(&rules, "u", "phone", joined());
    let evening = at(2026, 11, 1, 21, 0);
    let morning = at(2026, 11, 2, 7, 30);
    assert_eq!(granted(&phone.act(&rules, evening, review()).unwrap()), 20);
    assert_eq!(granted(&phone.act(&rules, morning, review()).unwrap()), 35);
    // Views at `now` read the version in effect then.
    assert_eq!(
        rules
            .config_at(evening)
            .points
            .earning
            .get("review")
            .unwrap()
            .points,
        20
    );
    assert_eq!(
        rules
            .config_at(morning)
            .points
            .earning
            .get("review")
            .unwrap()
            .points,
        35
    );
    // A replay of the same log gives the same member: each op under its own version.
    let recorded = phone.state().clone();
    assert!(phone.rebuild(&rules).is_empty());
    assert_eq!(phone.state(), &recorded);
    assert_eq!(phone.state().balance, 55);
}

#[test]
fn a_rebuild_after_a_rebase_keeps_yesterdays_rules_for_yesterdays_ops() {
    let rules = current_and_next();
    let mut phone = Replica::new(&rules, "u", "phone", joined());
    phone.act(&rules, at(2026, 11, 1, 22, 0), review()).unwrap();
    phone.act(&rules, at(2026, 11, 2, 8, 0), review()).unwrap();
    // The next day's sync brings a snapshot that processed none of them yet (another device's
    // push raced ahead): both ops are replayed on it.
    let refused = phone.rebase(&rules, base(&review_worth(20), 0)).unwrap();
    assert!(refused.is_empty());
    assert_eq!(
        phone.state().balance,
        20 + 35,
        "yesterday's op keeps yesterday's 20"
    );
    // Under today's rules alone, yesterday would have been re-priced: the difference this
    // test is about.
    let mut repriced = phone.clone();
    repriced.rebuild(&review_worth(35));
    assert_eq!(repriced.state().balance, 35 + 35);
    // A snapshot that processed yesterday's op: the rest replays under today's version.
    let mut server = State::join(&review_worth(20), "u", joined());
    server
        .apply(&review_worth(20), &phone.pending()[0])
        .unwrap();
    let mut acked = base(&review_worth(20), 1);
    acked.state = server;
    acked.server_version = 2;
    phone.rebase(&rules, acked).unwrap();
    assert_eq!(phone.pending().len(), 1);
    assert_eq!(phone.state().balance, 55);
}

#[test]
fn a_relaunch_replays_the_stored_log_under_each_ops_version() {
    let rules = current_and_next();
    let mut phone = Replica::new(&rules, "u", "phone", joined());
    phone.act(&rules, midnight() - 60_000, review()).unwrap();
    phone.act(&rules, midnight() + 60_000, review()).unwrap();
    let (back, refused) = Replica::restore(
        &rules,
        "u",
        "phone",
        joined(),
        phone.seq(),
        None,
        phone.pending().to_vec(),
    )
    .unwrap();
    assert!(refused.is_empty());
    assert_eq!(back.state().balance, 55);
    assert_eq!(back.state(), phone.state());
    // A base set aside replays on the join state, again per op.
    let mut dropped = back.clone();
    assert!(dropped.drop_base(&rules).is_empty());
    assert_eq!(dropped.state().balance, 55);
    // An op applied without recording it (a preview) takes its own version too.
    let mut preview = back.clone();
    let op = zailai::Op {
        device: "other".into(),
        seq: 1,
        at: midnight() + 120_000,
        op: review(),
    };
    assert_eq!(granted(&preview.apply_unrecorded(&rules, &op).unwrap()), 35);
}

#[test]
fn a_timeline_a_device_builds_starts_with_the_version_it_was_sent() {
    // The current version took effect last week; for the device it also covers every instant
    // before (a member's older ops were the server's to price).
    let current = Version {
        number: 4,
        effective_from: midnight() - 7 * 86_400_000,
        hash: "h4".into(),
        config: std::sync::Arc::new(review_worth(20)),
    };
    let mut t = Timeline::starting(current);
    assert_eq!(t.version_at(i64::MIN).number, 4);
    assert_eq!(
        t.version_at(midnight()).hash,
        "h4",
        "no hash computed: the one sent"
    );
    t.push(Version::new(5, midnight(), review_worth(35)))
        .unwrap();
    assert_eq!(
        t.config_at(midnight() - 1)
            .points
            .earning
            .get("review")
            .unwrap()
            .points,
        20
    );
    assert_eq!(
        t.config_at(midnight())
            .points
            .earning
            .get("review")
            .unwrap()
            .points,
        35
    );
}
