mod common;

use common::{as_json, at, config_from, find, granted, seed_json, Member};
use serde_json::json;
use zailai::{view, ErrorCode};

#[test]
fn earning_rules_with_per_rule_daily_limits() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    assert_eq!(granted(&m.track(at(2026, 11, 1, 9, 0), "open")), 10);
    assert_eq!(
        granted(&m.track(at(2026, 11, 1, 9, 1), "open")),
        0,
        "first use of the day only"
    );
    assert_eq!(granted(&m.track(at(2026, 11, 1, 9, 2), "share")), 30);
    assert_eq!(
        granted(&m.track(at(2026, 11, 1, 9, 3), "share")),
        0,
        "share at most once a day"
    );
    assert_eq!(granted(&m.track(at(2026, 11, 1, 9, 4), "review")), 20);
    assert_eq!(
        granted(&m.track(at(2026, 11, 2, 9, 0), "share")),
        30,
        "limits reset with the business day"
    );
    let err = m
        .op(
            at(2026, 11, 2, 9, 1),
            json!({"type": "track", "action": "dance"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownAction);
}

#[test]
fn daily_cap_grants_in_part_and_says_what_was_cut() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let t = at(2026, 11, 1, 9, 0);
    for _ in 0..6 {
        m.track(t, "core_action"); // 6 × 15 = 90 (newbie task adds 20 on the first: 110 asked)
    }
    assert_eq!(m.balance(), 100);
    let ev = as_json(&m.track(t, "core_action"));
    let c = find(&ev, "points_credited").unwrap();
    assert_eq!(
        (
            c["requested"].as_u64(),
            c["granted"].as_u64(),
            c["cut"].as_u64()
        ),
        (Some(15), Some(0), Some(15))
    );
    assert_eq!(c["cap"], "daily");
    // Operator grants are not capped.
    m.grant(t, 50);
    assert_eq!(m.balance(), 150);
    let s = view::points_summary(&m.state, &m.cfg, t);
    assert_eq!((s.earned_today, s.left_today), (100, 0));
}

#[test]
fn partial_credit_at_the_cap_boundary() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let t = at(2026, 11, 1, 9, 0);
    m.track(t, "review"); // 20
    m.track(t, "share"); // 30
    m.track(t, "review"); // 20
    m.track(t, "review"); // 20 → 90
    let ev = as_json(&m.track(t, "core_action")); // 15 asked, 10 room; newbie task then cut entirely
    let credits: Vec<_> = ev
        .iter()
        .filter(|e| e["type"] == "points_credited")
        .collect();
    assert_eq!(
        (credits[0]["granted"].as_u64(), credits[0]["cut"].as_u64()),
        (Some(10), Some(5))
    );
    assert_eq!(
        (credits[1]["granted"].as_u64(), credits[1]["cut"].as_u64()),
        (Some(0), Some(20))
    );
    assert_eq!(m.balance(), 100);
}

/// A credit that fills the day's room exactly is whole: it reports no cap.
#[test]
fn a_credit_that_exactly_fills_the_cap_is_not_cut() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let t = at(2026, 11, 1, 9, 0);
    for _ in 0..4 {
        m.track(t, "review"); // 4 × 20 = 80
    }
    let ev = as_json(&m.track(t, "review")); // 20 asked, 20 room
    let c = find(&ev, "points_credited").unwrap();
    assert_eq!(
        (c["granted"].as_u64(), c["cut"].as_u64()),
        (Some(20), Some(0))
    );
    assert!(c["cap"].is_null(), "{c}");
    assert_eq!(m.balance(), 100);
    let ev = as_json(&m.track(t, "review"));
    assert_eq!(find(&ev, "points_credited").unwrap()["cap"], "daily");
}

#[test]
fn monthly_cap() {
    let mut v = seed_json();
    v["points"]["monthly_cap"] = json!(250);
    let mut m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    for d in 1..=3 {
        for _ in 0..7 {
            m.track(at(2026, 11, d, 9, 0), "core_action");
        }
    }
    assert_eq!(m.balance(), 250);
    let ev = as_json(&m.track(at(2026, 11, 4, 9, 0), "review"));
    assert_eq!(find(&ev, "points_credited").unwrap()["cap"], "monthly");
    // Nothing granted, so no lot: an empty lot would show as 0 points expiring.
    assert!(m.state.lots.values().all(|l| l.remaining > 0));
    assert_eq!(m.state.lots.len(), 3);
    // A new month has room again.
    assert_eq!(granted(&m.track(at(2026, 12, 1, 9, 0), "review")), 20);
}

#[test]
fn lots_expire_after_twelve_months_and_debits_take_the_oldest_first() {
    let mut m = Member::seed(at(2026, 1, 10, 9, 0));
    m.track(at(2026, 1, 10, 9, 0), "review"); // lot 2026-01-10: 20
    m.track(at(2026, 3, 5, 9, 0), "review"); // lot 2026-03-05: 20
    m.grant(at(2026, 3, 6, 9, 0), 50); // lot 2026-03-06: 50
    let ev = as_json(&m.ok(
        at(2026, 3, 7, 9, 0),
        json!({"type": "redeem", "item": "coupon_5_yuan"}),
    ));
    let d = find(&ev, "points_debited").unwrap();
    assert_eq!(
        d["lots"],
        json!([{"lot": "2026-01-10", "amount": 20}, {"lot": "2026-03-05", "amount": 20}, {"lot": "2026-03-06", "amount": 10}])
    );
    assert_eq!(m.balance(), 40);
    // The January lot was consumed: its expiry takes nothing.
    let ev = as_json(&m.track(at(2027, 1, 11, 9, 0), "open"));
    assert!(find(&ev, "points_expired").is_none());
    // Usable through 2027-03-06; expires on the 7th.
    let ev = as_json(&m.track(at(2027, 3, 6, 9, 0), "review"));
    assert!(find(&ev, "points_expired").is_none());
    let ev = as_json(&m.track(at(2027, 3, 7, 9, 0), "review"));
    let e = find(&ev, "points_expired").unwrap();
    assert_eq!(
        (e["lot"].as_str(), e["amount"].as_u64()),
        (Some("2026-03-06"), Some(40))
    );
    // 40 left after the redeem, then +10 (open), +20, +20 (reviews), −40 expired.
    assert_eq!(m.balance(), 50);
}

#[test]
fn leap_day_lot_is_usable_through_28_february() {
    let mut m = Member::seed(at(2028, 2, 29, 9, 0));
    let ev = as_json(&m.track(at(2028, 2, 29, 9, 0), "review"));
    assert_eq!(
        find(&ev, "points_credited").unwrap()["expires"],
        "2029-02-28"
    );
}

#[test]
fn checkout_deduction_rate_and_maximum_share() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 9, 0), 1000);
    let t = at(2026, 11, 1, 10, 0);
    // 100 points = 10 yuan; at most 50% of a 30-yuan order = 15 yuan = 150 points.
    let err = m
        .op(
            t,
            json!({"type": "order", "order": "A", "amount_cents": 3000, "points": 160}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DeductionTooLarge);
    let ev = as_json(&m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 3000, "points": 150}),
    ));
    assert_eq!(find(&ev, "order_placed").unwrap()["deduction_cents"], 1500);
    assert_eq!(m.balance(), 850);
    let err = m
        .op(
            t,
            json!({"type": "order", "order": "A", "amount_cents": 3000}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OrderExists);
    let err = m
        .op(
            t,
            json!({"type": "order", "order": "B", "amount_cents": 3000, "points": 2000}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DeductionTooLarge);
}

#[test]
fn inexact_deduction_is_refused() {
    let mut v = seed_json();
    v["points"]["checkout"] = json!({"points": 3, "cents": 1, "max_order_percent": 50});
    let mut m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 9, 0), 100);
    let err = m
        .op(
            at(2026, 11, 1, 9, 0),
            json!({"type": "order", "order": "A", "amount_cents": 1000, "points": 10}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DeductionNotExact);
}

#[test]
fn cancelled_order_restores_points_to_their_original_lots() {
    let mut m = Member::seed(at(2026, 1, 10, 9, 0));
    m.grant(at(2026, 1, 10, 9, 0), 100); // lot 2026-01-10
    m.grant(at(2026, 6, 1, 9, 0), 100); // lot 2026-06-01
    m.ok(
        at(2026, 6, 2, 9, 0),
        json!({"type": "order", "order": "A", "amount_cents": 10000, "points": 150}),
    );
    assert_eq!(m.balance(), 50);
    let ev = as_json(&m.ok(
        at(2026, 6, 3, 9, 0),
        json!({"type": "cancel_order", "order": "A"}),
    ));
    assert_eq!(find(&ev, "points_restored").unwrap()["restored"], 150);
    assert_eq!(m.balance(), 200);
    let err = m
        .op(
            at(2026, 6, 3, 9, 1),
            json!({"type": "cancel_order", "order": "A"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OrderAlreadyCancelled);
    // The 100 restored to the January lot still expire with it, after 2027-01-10.
    let ev = as_json(&m.track(at(2027, 1, 11, 9, 0), "open"));
    let e = find(&ev, "points_expired").unwrap();
    assert_eq!(
        (e["lot"].as_str(), e["amount"].as_u64()),
        (Some("2026-01-10"), Some(100))
    );
    // Months later the cancelled order has left the state (the op log keeps it).
    let err = m
        .op(
            at(2027, 1, 11, 9, 1),
            json!({"type": "cancel_order", "order": "A"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownOrder);
    let err = m
        .op(
            at(2027, 1, 11, 9, 1),
            json!({"type": "cancel_order", "order": "Z"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownOrder);
}

#[test]
fn reversal_after_the_lot_expired_records_the_points_as_expired() {
    let mut m = Member::seed(at(2026, 1, 10, 9, 0));
    m.grant(at(2026, 1, 10, 9, 0), 100);
    // Placed a month before the lot's end (it is usable through 10 January 2027), cancelled
    // after it, within the order's 90 days of refunds.
    m.ok(
        at(2026, 12, 11, 9, 0),
        json!({"type": "order", "order": "A", "amount_cents": 100000, "points": 100}),
    );
    let ev = as_json(&m.ok(
        at(2027, 1, 12, 9, 0),
        json!({"type": "cancel_order", "order": "A"}),
    ));
    let r = find(&ev, "points_restored").unwrap();
    assert_eq!(
        (r["restored"].as_u64(), r["expired"].as_u64()),
        (Some(0), Some(100))
    );
    assert_eq!(m.balance(), 0);
    let t = &m.state.totals;
    assert_eq!(t.credited + t.restored, m.balance() + t.spent + t.expired);
}

#[test]
fn insufficient_points_leaves_state_unchanged() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 9, 0), 40);
    let before = m.state.to_json();
    let err = m
        .op(
            at(2026, 11, 2, 9, 0),
            json!({"type": "redeem", "item": "coupon_5_yuan"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientPoints);
    assert_eq!(m.state.to_json(), before);
}

/// The first op of a day runs that day's expiry before its handler decides; when the handler
/// then refuses, the expired lot comes back with the rest (nothing lost, no event).
#[test]
fn an_op_refused_on_the_day_a_lot_expires_puts_the_lot_back() {
    let mut m = Member::seed(at(2026, 3, 6, 9, 0));
    m.track(at(2026, 3, 6, 9, 0), "review"); // lot 2026-03-06: 20, usable through 2027-03-06
    let before = m.state.to_json();
    let err = m
        .op(
            at(2027, 3, 7, 9, 0),
            json!({"type": "redeem", "item": "coupon_5_yuan"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientPoints);
    assert_eq!(m.state.to_json(), before);
    assert_eq!(m.balance(), 20);
    // The next op of that day expires it for good.
    let ev = as_json(&m.track(at(2027, 3, 7, 10, 0), "open"));
    assert_eq!(find(&ev, "points_expired").unwrap()["amount"], 20);
}

/// A rule's daily limit counts what every op of the day earned under it, whatever each
/// op's count (the day's count grows by each credit's count).
#[test]
fn a_rules_daily_limit_counts_the_credits_of_every_op_of_the_day() {
    let mut cfg = seed_json();
    cfg["points"]["earning"]["core_action"]["daily_limit"] = json!(5);
    let mut m = Member::with(config_from(cfg), at(2026, 3, 2, 9, 0));
    // What the rule itself credited (tasks and campaigns credit on their own).
    let mut track = |h: i64, count: u32| {
        let events = m.ok(
            at(2026, 3, 2, h, 0),
            json!({"type": "track", "action": "core_action", "count": count}),
        );
        as_json(&events)
            .into_iter()
            .filter(|e| e["type"] == "points_credited" && e["source"] == "earn:core_action")
            .map(|e| e["granted"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(track(9, 3), 45);
    assert_eq!(track(10, 1), 15);
    // 4 of 5 counted: one more credit fits.
    assert_eq!(track(11, 3), 15);
    assert_eq!(track(12, 1), 0);
}
