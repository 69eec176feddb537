//! A membership taken back (`revoke_membership`: a refund, a chargeback): the paid tier ends at
//! once, or from a later business day, and the tier is re-checked at once (RULES.md, Tiers).

mod common;

use common::{as_json, at, find, Member};
use serde_json::{json, Value};
use zailai::{view, ErrorCode, Op};

fn buy(m: &mut Member, t: i64, plan: &str) -> Vec<Value> {
    as_json(&m.ok(t, json!({"type": "buy_membership", "plan": plan})))
}

fn tier_at(m: &Member, t: i64) -> String {
    view::tier_progress(&m.state, &m.cfg, t, "en").tier.id
}

#[test]
fn a_device_cannot_revoke_and_the_op_reads_strictly() {
    let t = at(2026, 12, 7, 9, 0);
    let mut m = Member::seed(t);
    buy(&mut m, t, "yearly");
    let before = m.state.clone();
    let op = json!({"device": "phone", "seq": 1, "at": t + 1000,
        "op": {"type": "revoke_membership", "plan": "yearly"}});
    let op = Op::from_json(&op.to_string()).unwrap();
    assert!(op.op.server_only());
    let err = m.state.apply(&m.cfg, &op).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotAllowed);
    assert_eq!(m.state, before);
    for (bad, path) in [
        (
            json!({"type": "revoke_membership", "plan": "yearly", "from": "2026-13-01"}),
            "op.from",
        ),
        (
            json!({"type": "revoke_membership", "plan": "yearly", "why": "x"}),
            "op.why",
        ),
        (json!({"type": "revoke_membership"}), "missing field `plan`"),
        (json!({"type": "revoke_membership", "plan": ""}), "op.plan"),
    ] {
        let op = json!({"device": "~merchant", "seq": 1, "at": t, "op": bad});
        let err = Op::from_json(&op.to_string()).unwrap_err();
        assert_eq!(err.code, ErrorCode::OpInvalid, "{bad}");
        assert!(err.detail.contains(path), "{bad}: {}", err.detail);
    }
}

#[test]
fn a_refunded_yearly_plan_stops_being_gold_that_business_day() {
    let t = at(2026, 12, 7, 9, 0);
    let mut m = Member::seed(t);
    buy(&mut m, t, "yearly");
    m.ok(t + 60_000, json!({"type": "use_service"}));
    assert_eq!(tier_at(&m, t + 120_000), "gold");

    let later = at(2026, 12, 9, 15, 0);
    let ev = as_json(&m.ok(
        later,
        json!({"type": "revoke_membership", "plan": "yearly"}),
    ));
    let revoked = find(&ev, "membership_revoked").unwrap();
    assert_eq!(
        (revoked["plan"].as_str(), revoked["from"].as_str()),
        (Some("yearly"), Some("2026-12-09"))
    );
    let changed = find(&ev, "tier_changed").unwrap();
    assert_eq!(
        (changed["from"].as_str(), changed["to"].as_str()),
        (Some("gold"), Some("regular"))
    );
    assert_eq!(changed["reason"], "revoked");
    assert!(m.state.paid.is_none());
    assert!(find(&ev, "member_returned").is_none());
    // At once, the same business day: the tier, and the benefits that follow it.
    assert_eq!(tier_at(&m, later + 1000), "regular");
    let err = m
        .op(later + 2000, json!({"type": "use_service"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NoFreeServiceLeft);
    // The service used while it ran stays used: the past is not rewritten.
    assert_eq!(m.state.services_used.values().sum::<u32>(), 1);
    // Nothing is left to revoke, and the next day ends nothing more.
    let kept = m.state.clone();
    let err = m
        .op(
            later + 3000,
            json!({"type": "revoke_membership", "plan": "yearly"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NoMembership);
    assert_eq!(m.state, kept);
    let ev = as_json(&m.track(at(2026, 12, 10, 9, 0), "open"));
    assert!(find(&ev, "membership_ended").is_none());
    assert!(find(&ev, "tier_changed").is_none());
}

#[test]
fn a_date_in_the_past_takes_back_only_what_is_left() {
    let t = at(2026, 12, 1, 9, 0);
    let mut m = Member::seed(t);
    buy(&mut m, t, "monthly");
    let now = at(2026, 12, 7, 9, 0);
    let ev = as_json(&m.ok(
        now,
        json!({"type": "revoke_membership", "plan": "monthly", "from": "2026-12-01"}),
    ));
    assert_eq!(
        find(&ev, "membership_revoked").unwrap()["from"],
        "2026-12-07"
    );
    assert_eq!(find(&ev, "tier_changed").unwrap()["to"], "regular");
    assert!(m.state.paid.is_none());
}

#[test]
fn a_refunded_renewal_ends_the_term_where_the_first_one_ended() {
    let t = at(2026, 12, 7, 9, 0);
    let mut m = Member::seed(t);
    buy(&mut m, t, "monthly");
    let ev = buy(&mut m, t + 60_000, "monthly");
    assert_eq!(
        find(&ev, "membership_started").unwrap()["until"],
        "2027-02-06"
    );
    // The renewal (from 2027-01-07) is charged back; the first month stays.
    let ev = as_json(&m.ok(
        t + 120_000,
        json!({"type": "revoke_membership", "plan": "monthly", "from": "2027-01-07"}),
    ));
    assert_eq!(
        find(&ev, "membership_revoked").unwrap()["from"],
        "2027-01-07"
    );
    assert!(find(&ev, "tier_changed").is_none(), "still silver today");
    assert_eq!(m.state.paid.as_ref().unwrap().until, day("2027-01-06"));
    assert_eq!(tier_at(&m, at(2027, 1, 6, 23, 0)), "silver");
    let ev = as_json(&m.track(at(2027, 1, 7, 9, 0), "open"));
    assert!(find(&ev, "membership_ended").is_some());
    assert_eq!(find(&ev, "tier_changed").unwrap()["reason"], "paid_ended");

    // A `from` after the term's last day takes nothing back.
    let mut m = Member::seed(t);
    buy(&mut m, t, "monthly");
    let kept = m.state.clone();
    let err = m
        .op(
            t + 1000,
            json!({"type": "revoke_membership", "plan": "monthly", "from": "2027-01-07"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidDate);
    assert!(err.detail.contains("2027-01-06"), "{}", err.detail);
    assert_eq!(m.state, kept);
    // Its last day is still something to take back.
    let ev = as_json(&m.ok(
        t + 2000,
        json!({"type": "revoke_membership", "plan": "monthly", "from": "2027-01-06"}),
    ));
    assert_eq!(
        find(&ev, "membership_revoked").unwrap()["from"],
        "2027-01-06"
    );
    assert_eq!(m.state.paid.as_ref().unwrap().until, day("2027-01-05"));
}

#[test]
fn only_the_running_plan_can_be_revoked() {
    let t = at(2026, 12, 7, 9, 0);
    let mut m = Member::seed(t);
    let none = m
        .op(t, json!({"type": "revoke_membership", "plan": "yearly"}))
        .unwrap_err();
    assert_eq!(none.code, ErrorCode::NoMembership);
    assert!(none.detail.contains("yearly"), "{}", none.detail);
    buy(&mut m, t, "monthly");
    let kept = m.state.clone();
    let other = m
        .op(
            t + 1,
            json!({"type": "revoke_membership", "plan": "yearly"}),
        )
        .unwrap_err();
    assert_eq!(other.code, ErrorCode::NoMembership);
    assert_eq!(m.state, kept);
    // After its term it ended by itself: nothing to revoke.
    m.track(at(2027, 1, 7, 9, 0), "open");
    assert!(m.state.paid.is_none());
    let ended = m
        .op(
            at(2027, 1, 7, 10, 0),
            json!({"type": "revoke_membership", "plan": "monthly"}),
        )
        .unwrap_err();
    assert_eq!(ended.code, ErrorCode::NoMembership);
}

#[test]
fn an_earned_tier_above_the_paid_one_stays() {
    let t = at(2026, 12, 7, 9, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 50000}),
    );
    assert_eq!(m.state.tier, 2, "gold earned by 500 yuan of spend");
    buy(&mut m, t + 1000, "monthly");
    let ev = as_json(&m.ok(
        t + 2000,
        json!({"type": "revoke_membership", "plan": "monthly"}),
    ));
    assert!(find(&ev, "membership_revoked").is_some());
    assert!(find(&ev, "tier_changed").is_none());
    assert_eq!(tier_at(&m, t + 3000), "gold");
}

fn day(d: &str) -> zailai::day::Day {
    zailai::day::Date::parse(d).unwrap().to_day()
}
