//! The coupon an order consumed (issue 27, 权益使用率): an order may name a coupon the member
//! holds; the oldest unused, unexpired grant of it is used, a cancel or whole refund gives it
//! back unless it has expired by then, a partial refund keeps it used (`docs/rules.md`).

mod common;

use common::{as_json, at, find, Member};
use serde_json::{json, Value};
use zailai::state::CouponGrant;
use zailai::{view, ErrorCode, State};

const DAY: i64 = 86_400_000;

/// A member with 1000 points on 2026-06-01, 09:00.
fn member() -> (Member, i64) {
    let t = at(2026, 6, 1, 9, 0);
    let mut m = Member::seed(t);
    m.grant(t, 1000);
    (m, t)
}

/// A grant of `coupon` on business day `day`, valid through `expires`.
fn give(m: &mut Member, coupon: &str, day: i32, expires: Option<i32>) {
    m.state.coupons.push(CouponGrant {
        coupon: coupon.into(),
        day,
        source: "test".into(),
        expires,
        used: None,
    });
}

fn order(id: &str, coupon: &str) -> Value {
    json!({"type": "order", "order": id, "amount_cents": 10_000, "coupon": coupon})
}

fn day_of(m: &Member, t: i64) -> i32 {
    m.cfg.clock().day_of(t)
}

fn used(m: &Member) -> Vec<Option<i32>> {
    m.state.coupons.iter().map(|c| c.used).collect()
}

fn available(m: &Member, now: i64) -> Vec<String> {
    view::summary(&m.state, &m.cfg, now).coupons
}

#[test]
fn an_order_uses_a_redeemed_coupon_once() {
    let (mut m, t) = member();
    m.ok(t + 1000, json!({"type": "redeem", "item": "coupon_5_yuan"}));
    assert_eq!(available(&m, t + 1000), ["coupon_5_yuan"]);
    let events = as_json(&m.ok(t + 2000, order("A", "coupon_5_yuan")));
    let placed = find(&events, "order_placed").unwrap();
    assert_eq!(placed["coupon"], "coupon_5_yuan");
    assert_eq!(used(&m), [Some(day_of(&m, t))]);
    assert_eq!(m.state.orders["A"].coupon, Some(0));
    assert!(
        available(&m, t + 2000).is_empty(),
        "a used coupon is not offered"
    );
    // The same coupon again: refused, nothing changes.
    let before = m.state.clone();
    let e = m.op(t + 3000, order("B", "coupon_5_yuan")).unwrap_err();
    assert_eq!(e.code, ErrorCode::CouponNotHeld);
    assert!(e.detail.contains("`coupon_5_yuan`"), "{}", e.detail);
    assert_eq!(m.state, before);
}

#[test]
fn an_order_without_a_coupon_says_none_and_leaves_coupons_alone() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "c", today, None);
    let events = as_json(&m.ok(
        t + 1000,
        json!({"type": "order", "order": "A", "amount_cents": 10_000}),
    ));
    let placed = find(&events, "order_placed").unwrap();
    assert!(placed.get("coupon").is_none(), "{placed}");
    assert_eq!(m.state.orders["A"].coupon, None);
    assert_eq!(used(&m), [None]);
    let events = as_json(&m.ok(t + 2000, json!({"type": "cancel_order", "order": "A"})));
    assert!(find(&events, "order_cancelled")
        .unwrap()
        .get("coupon")
        .is_none());
    assert_eq!(used(&m), [None]);
}

#[test]
fn a_coupon_never_held_or_of_another_id_is_refused() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "other", today, None);
    let before = m.state.clone();
    for c in ["nope", "othe", "other2"] {
        let e = m.op(t + 1000, order("A", c)).unwrap_err();
        assert_eq!(e.code, ErrorCode::CouponNotHeld, "{c}");
        assert_eq!(e.detail, format!("no unused, unexpired coupon `{c}` held"));
    }
    assert_eq!(m.state, before);
}

#[test]
fn a_refused_coupon_takes_no_points_and_places_no_order() {
    let (mut m, t) = member();
    let before = m.state.clone();
    let op = json!({"type": "order", "order": "A", "amount_cents": 10_000, "points": 100, "coupon": "c"});
    assert_eq!(
        m.op(t + 1000, op).unwrap_err().code,
        ErrorCode::CouponNotHeld
    );
    assert_eq!(m.state, before);
    assert_eq!(m.balance(), 1000);
}

#[test]
fn the_oldest_unused_grant_is_used_first() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    // Pushed newest first, so the oldest is not simply the first in the list.
    give(&mut m, "c", today, None);
    give(&mut m, "c", today - 3, None);
    give(&mut m, "d", today - 9, None);
    give(&mut m, "c", today - 3, Some(today + 30));
    m.ok(t + 1000, order("A", "c"));
    assert_eq!(used(&m), [None, Some(today), None, None]);
    assert_eq!(m.state.orders["A"].coupon, Some(1));
    // Two grants of the same day: the one granted first.
    m.ok(t + 2000, order("B", "c"));
    assert_eq!(used(&m), [None, Some(today), None, Some(today)]);
    m.ok(t + 3000, order("C", "c"));
    assert_eq!(used(&m), [Some(today), Some(today), None, Some(today)]);
    assert_eq!(
        m.op(t + 4000, order("D", "c")).unwrap_err().code,
        ErrorCode::CouponNotHeld
    );
    assert_eq!(available(&m, t + 4000), ["d"]);
}

#[test]
fn a_coupon_is_usable_through_its_expires_day_and_not_after() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "w", today - 5, Some(today));
    give(&mut m, "w", today - 4, Some(today + 1));
    give(&mut m, "old", today - 5, Some(today - 1));
    assert_eq!(available(&m, t), ["w", "w"]);
    // The grant expiring today is past on the next business day: the later one is used.
    m.ok(t + DAY, order("A", "w"));
    assert_eq!(used(&m), [None, Some(today + 1), None]);
    assert_eq!(
        m.op(t + DAY + 1000, order("B", "w")).unwrap_err().code,
        ErrorCode::CouponNotHeld
    );
    assert_eq!(
        m.op(t + DAY + 2000, order("C", "old")).unwrap_err().code,
        ErrorCode::CouponNotHeld
    );
    assert!(available(&m, t + DAY).is_empty());
}

#[test]
fn on_its_expires_day_a_coupon_is_still_used() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "w", today - 2, Some(today));
    m.ok(t + 1000, order("A", "w"));
    assert_eq!(used(&m), [Some(today)]);
}

#[test]
fn a_cancel_gives_the_coupon_back_and_it_can_be_used_again() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "c", today, None);
    m.ok(t + 1000, order("A", "c"));
    let events = as_json(&m.ok(t + DAY, json!({"type": "cancel_order", "order": "A"})));
    assert_eq!(find(&events, "order_cancelled").unwrap()["coupon"], "c");
    assert_eq!(used(&m), [None]);
    assert_eq!(available(&m, t + DAY), ["c"]);
    // The order still names the grant it used.
    assert_eq!(m.state.orders["A"].coupon, Some(0));
    m.ok(t + DAY + 1000, order("B", "c"));
    assert_eq!(used(&m), [Some(today + 1)]);
}

#[test]
fn a_refund_in_whole_gives_the_coupon_back_a_partial_one_keeps_it_used() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "c", today, None);
    give(&mut m, "c", today, None);
    m.ok(t + 1000, order("A", "c"));
    m.ok(t + 2000, order("B", "c"));
    let events = as_json(&m.ok(
        t + 3000,
        json!({"type": "refund_order", "order": "A", "amount_cents": 4000}),
    ));
    assert!(find(&events, "order_refunded").is_some());
    assert_eq!(used(&m), [Some(today), Some(today)], "partial: still used");
    let events = as_json(&m.ok(
        t + 4000,
        json!({"type": "refund_order", "order": "B", "amount_cents": 10_000}),
    ));
    assert_eq!(find(&events, "order_cancelled").unwrap()["coupon"], "c");
    assert_eq!(
        used(&m),
        [Some(today), None],
        "B's grant comes back, A's stays used"
    );
    // What is left of A refunded: now A's comes back too.
    m.ok(
        t + 5000,
        json!({"type": "refund_order", "order": "A", "amount_cents": 6000}),
    );
    assert_eq!(used(&m), [None, None]);
}

#[test]
fn a_coupon_expired_by_the_cancel_stays_used() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "w", today, Some(today + 1));
    give(&mut m, "v", today, Some(today + 1));
    m.ok(t + 1000, order("A", "w"));
    m.ok(t + 2000, order("B", "v"));
    // Cancelled on its last day: back.
    let events = as_json(&m.ok(t + DAY, json!({"type": "cancel_order", "order": "A"})));
    assert_eq!(find(&events, "order_cancelled").unwrap()["coupon"], "w");
    // Cancelled the day after: expired, stays used, the event names no coupon.
    let events = as_json(&m.ok(t + 2 * DAY, json!({"type": "cancel_order", "order": "B"})));
    assert!(find(&events, "order_cancelled")
        .unwrap()
        .get("coupon")
        .is_none());
    assert_eq!(used(&m), [None, Some(today)]);
}

#[test]
fn a_used_coupon_an_order_keeps_stays_in_the_state_and_indices_follow_archiving() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    // A year-old grant without expiry, and a wake-up coupon that expires tomorrow.
    give(&mut m, "old", today - 360, None);
    give(&mut m, "w", today, Some(today + 1));
    give(&mut m, "keep", today, None);
    m.ok(t + 1000, order("A", "old"));
    m.ok(t + 2000, order("B", "keep"));
    // Thirty days later: "old" is past COUPON_KEEP_DAYS but order A (kept) used it; "w"
    // expired longer ago than the offline window and leaves.
    m.check_in(t + 30 * DAY).unwrap();
    let ids: Vec<&str> = m.state.coupons.iter().map(|c| c.coupon.as_str()).collect();
    assert_eq!(ids, ["old", "keep"]);
    assert_eq!(m.state.orders["A"].coupon, Some(0));
    assert_eq!(m.state.orders["B"].coupon, Some(1), "renumbered");
    // The cancel of B finds its own grant after the renumbering.
    let events = as_json(&m.ok(
        t + 30 * DAY + 1000,
        json!({"type": "cancel_order", "order": "B"}),
    ));
    assert_eq!(find(&events, "order_cancelled").unwrap()["coupon"], "keep");
    assert_eq!(used(&m), [Some(today), None]);
    // Once A leaves the state (past ORDER_KEEP_DAYS), its year-old grant may leave too.
    m.check_in(t + 130 * DAY).unwrap();
    assert!(!m.state.orders.contains_key("A"));
    let ids: Vec<&str> = m.state.coupons.iter().map(|c| c.coupon.as_str()).collect();
    assert_eq!(ids, ["keep"]);
}

#[test]
fn a_state_whose_order_points_at_a_missing_coupon_is_refused() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "c", today, None);
    m.ok(t + 1000, order("A", "c"));
    let json = m.state.to_json();
    assert_eq!(State::from_json(&json).unwrap(), m.state);
    assert_eq!(State::from_binary(&m.state.to_binary()).unwrap(), m.state);
    let mut v: Value = serde_json::from_str(&json).unwrap();
    v["coupons"] = json!([]);
    let e = State::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.code, ErrorCode::StateInvalid);
    assert!(
        e.detail.contains("order `A` points at a missing coupon"),
        "{}",
        e.detail
    );
    let mut bad = m.state.clone();
    bad.coupons.clear();
    let e = State::from_binary(&bad.to_binary()).unwrap_err();
    assert_eq!(e.code, ErrorCode::StateInvalid);
}

#[test]
fn a_v3_state_reads_with_coupons_unused_and_orders_without_one() {
    let (mut m, t) = member();
    let today = day_of(&m, t);
    give(&mut m, "c", today, None);
    m.ok(
        t + 1000,
        json!({"type": "order", "order": "A", "amount_cents": 10_000}),
    );
    let mut v: Value = serde_json::from_str(&m.state.to_json()).unwrap();
    assert_eq!(v["v"], 4);
    assert_eq!(v["coupons"][0]["used"], Value::Null);
    v["v"] = json!(3);
    v["coupons"][0].as_object_mut().unwrap().remove("used");
    v["orders"]["A"].as_object_mut().unwrap().remove("coupon");
    let read = State::from_json(&v.to_string()).unwrap();
    assert_eq!(read, m.state);
    assert_eq!(read.v, 4);
    // A stored used coupon reads back as used.
    v["coupons"][0]["used"] = json!(20_000);
    v["orders"]["A"]["coupon"] = json!(0);
    let read = State::from_json(&v.to_string()).unwrap();
    assert_eq!(read.coupons[0].used, Some(20_000));
    assert_eq!(read.orders["A"].coupon, Some(0));
    v["coupons"][0]["used"] = json!("x");
    let e = State::from_json(&v.to_string()).unwrap_err();
    assert!(e.detail.contains("coupons[0].used"), "{}", e.detail);
}

#[test]
fn a_coupon_id_is_an_id_and_absent_stays_absent_in_the_op() {
    let op = |coupon: Value| {
        let mut v = json!({"device": "~merchant", "seq": 1, "at": 1_780_275_600_000i64,
            "op": {"type": "order", "order": "A", "amount_cents": 100}});
        if !coupon.is_null() {
            v["op"]["coupon"] = coupon;
        }
        zailai::Op::from_json(&v.to_string())
    };
    let plain = op(Value::Null).unwrap();
    assert!(!serde_json::to_string(&plain).unwrap().contains("coupon"));
    let with = op(json!("c5")).unwrap();
    assert!(serde_json::to_string(&with)
        .unwrap()
        .contains(r#""coupon":"c5""#));
    for bad in [json!(""), json!("x".repeat(129))] {
        let e = op(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::OpInvalid);
        assert!(e.detail.contains("op.coupon"), "{}", e.detail);
    }
    assert!(op(json!("x".repeat(128))).is_ok());
    let e = op(json!(5)).unwrap_err();
    assert!(e.detail.contains("op.coupon"), "{}", e.detail);
}

#[test]
fn archiving_drops_coupons_at_their_boundaries_and_keeps_the_ones_orders_used() {
    let (mut m, t) = member();
    let d = day_of(&m, t) + 30;
    let window = i32::from(m.cfg.offline_window_days);
    let keep = zailai::COUPON_KEEP_DAYS;
    give(&mut m, "expired_in_window", d - 20, Some(d - window));
    give(&mut m, "expired_before", d - 20, Some(d - window - 1));
    give(&mut m, "kept_a_year", d - keep, None);
    give(&mut m, "older_than_a_year", d - keep - 1, None);
    m.check_in(t + 30 * DAY).unwrap();
    let ids: Vec<&str> = m.state.coupons.iter().map(|c| c.coupon.as_str()).collect();
    assert_eq!(ids, ["expired_in_window", "kept_a_year"]);
}

/// An operator's coupon (the console's grant, issue 28): a `grant` may give a coupon, with
/// points or without; an order uses it like any other grant.
#[test]
fn a_grant_gives_a_coupon_an_order_can_use() {
    let (mut m, t) = member();
    let events = as_json(&m.ok(
        t + 1000,
        json!({"type": "grant", "coupon": "补偿券", "reason": "晚到"}),
    ));
    let given = find(&events, "coupon_granted").unwrap();
    assert_eq!(given["coupon"], "补偿券");
    assert_eq!(given["source"], "grant:晚到");
    assert!(
        find(&events, "points_credited").is_none(),
        "no points: none credited"
    );
    assert_eq!(m.balance(), 1000);
    let grant = m.state.coupons.last().unwrap();
    assert_eq!(
        (grant.day, grant.expires, grant.used),
        (day_of(&m, t), None, None)
    );
    assert_eq!(available(&m, t + 1000), ["补偿券"]);
    m.ok(t + 2000, order("A", "补偿券"));
    assert_eq!(used(&m), [Some(day_of(&m, t))]);
}

#[test]
fn a_grant_with_points_and_a_coupon_gives_both() {
    let (mut m, t) = member();
    let events = as_json(&m.ok(
        t + 1000,
        json!({"type": "grant", "points": 50, "coupon": "c", "reason": "r"}),
    ));
    assert_eq!(find(&events, "points_credited").unwrap()["granted"], 50);
    assert_eq!(find(&events, "coupon_granted").unwrap()["coupon"], "c");
    assert_eq!((m.balance(), m.state.coupons.len()), (1050, 1));
}

#[test]
fn a_grant_of_nothing_or_too_much_is_refused_and_changes_nothing() {
    let (mut m, t) = member();
    let before = m.state.clone();
    for op in [
        json!({"type": "grant", "reason": "r"}),
        json!({"type": "grant", "points": 0, "reason": "r"}),
        json!({"type": "grant", "points": 1_000_001, "coupon": "c", "reason": "r"}),
    ] {
        let e = m.op(t + 1000, op.clone()).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadAmount, "{op}");
        assert_eq!(m.state, before, "{op}");
    }
    m.ok(
        t + 1000,
        json!({"type": "grant", "points": 1_000_000, "coupon": "c", "reason": "r"}),
    );
    assert_eq!(m.balance(), 1_001_000, "the most one grant gives");
}

#[test]
fn a_granted_coupon_id_is_an_id_and_a_grant_without_one_has_no_key() {
    let op = |coupon: Value| {
        let mut v = json!({"device": "~console", "seq": 1, "at": 1_780_275_600_000i64,
            "op": {"type": "grant", "points": 5, "reason": "r"}});
        if !coupon.is_null() {
            v["op"]["coupon"] = coupon;
        }
        zailai::Op::from_json(&v.to_string())
    };
    let plain = serde_json::to_string(&op(Value::Null).unwrap()).unwrap();
    assert!(
        plain.ends_with(r#""op":{"type":"grant","points":5,"reason":"r"}}"#),
        "{plain}"
    );
    for bad in [json!(""), json!("x".repeat(129)), json!(7)] {
        let e = op(bad.clone()).unwrap_err();
        assert_eq!(e.code, ErrorCode::OpInvalid, "{bad}");
        assert!(e.detail.contains("op.coupon"), "{bad}: {}", e.detail);
    }
    let longest = op(json!("x".repeat(128))).unwrap();
    assert!(matches!(longest.op, zailai::OpKind::Grant { coupon: Some(c), .. } if c.len() == 128));
}
