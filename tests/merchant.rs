//! Money from the merchant: holds, paid orders, partial refunds and cancellations, as the
//! server's merchant API writes them (device `~merchant`), and a device's attempts at them.

mod common;

use common::{as_json, at, find, Member};
use serde_json::json;
use zailai::{ErrorCode, Op, OpKind};

const DAY: i64 = 86_400_000;

fn member_with(points: u32) -> (Member, i64) {
    let t = at(2026, 6, 1, 9, 0);
    let mut m = Member::seed(t);
    m.grant(t, points);
    (m, t)
}

#[test]
fn no_device_can_write_money() {
    let (mut m, t) = member_with(1000);
    let before = m.state.clone();
    for kind in [
        json!({"type": "order", "order": "A", "amount_cents": 10_000_000_000u64}),
        json!({"type": "cancel_order", "order": "A"}),
        json!({"type": "buy_membership", "plan": "yearly"}),
        json!({"type": "hold_points", "order": "A", "points": 10, "until": t + 60_000}),
        json!({"type": "release_hold", "order": "A"}),
        json!({"type": "refund_order", "order": "A", "amount_cents": 1}),
    ] {
        let op = json!({"device": "phone", "seq": 1, "at": t + 1000, "op": kind});
        let op = Op::from_json(&op.to_string()).unwrap();
        assert!(op.op.server_only());
        let err = m.state.apply(&m.cfg, &op).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotAllowed, "{kind}");
    }
    assert_eq!(m.state, before);
}

#[test]
fn held_points_cannot_be_spent_elsewhere_and_the_order_takes_them() {
    let (mut m, t) = member_with(1000);
    m.ok(
        t + 1000,
        json!({"type": "hold_points", "order": "A", "points": 800, "until": t + 900_000}),
    );
    assert_eq!(m.balance(), 200);
    // A make-up, a redeem, another order: none reaches the held points.
    let err = m
        .op(
            t + 2000,
            json!({"type": "order", "order": "B", "amount_cents": 100_000, "points": 300}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientPoints);
    // More than the hold: refused, nothing changes.
    let kept = m.state.clone();
    let err = m
        .op(
            t + 3000,
            json!({"type": "order", "order": "A", "amount_cents": 100_000, "points": 900}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::HoldExceeded);
    assert_eq!(m.state.holds, kept.holds);
    assert_eq!(m.balance(), 200);
    // The order uses 500 of the 800 held; 300 come back.
    let events = as_json(&m.ok(
        t + 4000,
        json!({"type": "order", "order": "A", "amount_cents": 100_000, "points": 500}),
    ));
    assert_eq!(m.balance(), 500);
    assert!(m.state.holds.is_empty());
    let placed = find(&events, "order_placed").unwrap();
    assert_eq!(placed["deduction_cents"], 5000);
    assert_eq!(find(&events, "points_restored").unwrap()["restored"], 300);
    // A second hold of the same order id is refused: the order exists.
    let err = m
        .op(
            t + 5000,
            json!({"type": "hold_points", "order": "A", "points": 1, "until": t + 900_000}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OrderExists);
}

#[test]
fn a_hold_lapses_at_its_time_and_a_refused_op_does_not_lose_it() {
    let (mut m, t) = member_with(1000);
    m.ok(
        t + 1000,
        json!({"type": "hold_points", "order": "A", "points": 600, "until": t + 60_000}),
    );
    // After the hold lapsed, a refused server op changes nothing: the hold is still recorded.
    let kept = m.state.clone();
    let err = m
        .op(t + 120_000, json!({"type": "release_hold", "order": "Z"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownHold);
    assert_eq!(m.state.holds, kept.holds);
    assert_eq!(m.balance(), 400);
    // The member's own op never lapses it (RULES.md: the server's clock decides).
    let raw = m.track(t + 180_000, "open");
    assert!(common::find(&as_json(&raw), "hold_released").is_none());
    assert_eq!(m.balance(), 400 + u64::from(common::granted(&raw)));
    // The next server op that applies gives the points back first.
    let events = as_json(&m.ok(
        t + 190_000,
        json!({"type": "grant", "points": 1, "reason": "x"}),
    ));
    let released = find(&events, "hold_released").unwrap();
    assert_eq!(released["points"], 600);
    assert_eq!(released["expired"], true);
    assert_eq!(m.balance(), 1001 + u64::from(common::granted(&raw)));
    // Nothing is held any more: a release is refused.
    let err = m
        .op(t + 200_000, json!({"type": "release_hold", "order": "A"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownHold);
}

#[test]
fn a_released_hold_restores_the_lots_with_their_expiry() {
    let (mut m, t) = member_with(400);
    let lots_before = m.state.lots.clone();
    m.ok(
        t + DAY,
        json!({"type": "hold_points", "order": "A", "points": 400, "until": t + 2 * DAY}),
    );
    assert_eq!(m.balance(), 0);
    m.ok(
        t + DAY + 1000,
        json!({"type": "release_hold", "order": "A"}),
    );
    assert_eq!(m.state.lots, lots_before);
    let t_ = &m.state.totals;
    assert_eq!(
        t_.credited + t_.restored,
        m.balance() + t_.spent + t_.expired
    );
}

#[test]
fn partial_refunds_then_the_rest_close_the_order() {
    let (mut m, t) = member_with(1000);
    m.ok(
        t + 1000,
        json!({"type": "order", "order": "A", "amount_cents": 20_000, "points": 1000}),
    );
    assert_eq!(m.balance(), 0);
    let day = m.state.orders["A"].day;
    assert_eq!(m.state.days[&day].spend_cents, 10_000);
    // Refund 40 yuan and 400 points.
    let events = as_json(&m.ok(
        t + 2000,
        json!({"type": "refund_order", "order": "A", "amount_cents": 4000, "points": 400}),
    ));
    assert!(find(&events, "order_refunded").is_some());
    assert_eq!(m.balance(), 400);
    assert_eq!(m.state.days[&day].spend_cents, 6_000);
    assert_eq!(
        m.state.days[&day].orders, 1,
        "a partly refunded order still counts"
    );
    // More than is left: refused with a code, nothing changes.
    let kept = m.state.clone();
    for (cents, points) in [(6001, 0), (0, 601), (0, 0)] {
        let err = m
            .op(
                t + 3000,
                json!({"type": "refund_order", "order": "A", "amount_cents": cents, "points": points}),
            )
            .unwrap_err();
        let want = if cents + points == 0 {
            ErrorCode::BadAmount
        } else {
            ErrorCode::RefundTooLarge
        };
        assert_eq!(err.code, want, "{cents} {points}");
        assert_eq!(m.state, kept);
    }
    // The rest: the order is closed as if cancelled.
    let events = as_json(&m.ok(
        t + 4000,
        json!({"type": "refund_order", "order": "A", "amount_cents": 6000, "points": 600}),
    ));
    assert!(find(&events, "order_cancelled").is_some());
    assert!(m.state.orders["A"].cancelled);
    assert_eq!(m.balance(), 1000);
    assert_eq!(m.state.days[&day].spend_cents, 0);
    assert_eq!(m.state.days[&day].orders, 0);
    let err = m
        .op(t + 5000, json!({"type": "cancel_order", "order": "A"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OrderAlreadyCancelled);
}

/// RULES.md: a refund re-checks at once every tier its spend earned and may drop more than
/// one step; it never takes away a tier held before the order.
#[test]
fn a_refund_takes_back_the_tiers_its_spend_earned_at_once() {
    let mut cfg = common::seed_json();
    // Tiers by spend alone, so one big order climbs several steps.
    for (i, cents) in [(1, 10_000), (2, 50_000), (3, 100_000)] {
        cfg["tiers"]["levels"][i]["upgrade"] =
            json!({"mode": "any", "conditions": {"spend_cents": cents}});
    }
    let cfg = common::config_from(cfg);
    let t = at(2026, 6, 1, 9, 0);
    let mut m = Member::with(cfg, t);
    m.ok(
        t + 1000,
        json!({"type": "order", "order": "small", "amount_cents": 10_000}),
    );
    assert_eq!(m.state.tier, 1);
    m.ok(
        t + 2000,
        json!({"type": "order", "order": "big", "amount_cents": 200_000}),
    );
    assert_eq!(m.state.tier, 3);
    // A partial refund that leaves 50,000 + 10,000 keeps gold, not diamond.
    let events = as_json(&m.ok(
        t + 3000,
        json!({"type": "refund_order", "order": "big", "amount_cents": 150_000}),
    ));
    assert_eq!(m.state.tier, 2);
    let changed = find(&events, "tier_changed").unwrap();
    assert_eq!(changed["reason"], "refund");
    // Cancelling the rest drops to silver (what the small order earned), two steps in all.
    m.ok(t + 4000, json!({"type": "cancel_order", "order": "big"}));
    assert_eq!(m.state.tier, 1);
    // Cancelling the small order too: the tier held before it (普通).
    m.ok(t + 5000, json!({"type": "cancel_order", "order": "small"}));
    assert_eq!(m.state.tier, 0);
}

#[test]
fn the_checkout_quote_offers_whole_cents_within_the_limits() {
    let (m, t) = member_with(1234);
    let q = zailai::view::checkout_quote(&m.state, &m.cfg, t, 20_000).unwrap();
    // 50% of 200 yuan = 100 yuan = 1000 points at 100 points = 10 yuan.
    assert_eq!(
        (q.balance, q.max_points, q.deduction_cents, q.pay_cents),
        (1234, 1000, 10_000, 10_000)
    );
    let q = zailai::view::checkout_quote(&m.state, &m.cfg, t, 1_000_000).unwrap();
    assert_eq!(
        (q.max_points, q.deduction_cents),
        (1234, 12_340),
        "the balance limits"
    );
    let err = zailai::view::checkout_quote(&m.state, &m.cfg, t, 0).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadAmount);
    // What the quote offers, the merchant's order accepts.
    let mut m2 = m;
    m2.ok(
        t + 1000,
        json!({"type": "order", "order": "Q", "amount_cents": 20_000, "points": 1000}),
    );
    // An odd rate: 3 points = 1 cent, so points come in steps of 3.
    let mut cfg = common::seed_json();
    cfg["points"]["checkout"] = json!({"points": 3, "cents": 1, "max_order_percent": 50});
    let cfg = common::config_from(cfg);
    let q = zailai::view::checkout_quote(&m2.state, &cfg, t, 1000).unwrap();
    assert_eq!(q.max_points % 3, 0);
    assert_eq!(q.max_points, 234, "balance 234 after the order");
}

#[test]
fn hold_ops_check_their_shape() {
    let t = at(2026, 6, 1, 9, 0);
    for (until, ok) in [(t, false), (t - 1, false), (t + 1, true), (i64::MAX, false)] {
        let op = Op {
            device: "~merchant".into(),
            seq: 1,
            at: t,
            op: OpKind::HoldPoints {
                order: "A".into(),
                points: 1,
                until,
            },
        };
        assert_eq!(op.check_shape().is_ok(), ok, "until {until}");
    }
}

/// An order's amount is whole cents from 1 to 100,000,000 yuan: both ends are taken, one cent
/// past either is refused with `BAD_AMOUNT` and changes nothing.
#[test]
fn an_orders_amount_is_taken_up_to_its_limit_and_not_a_cent_past() {
    let (mut m, t) = member_with(1);
    for (i, cents) in [1u64, 10_000_000_000].into_iter().enumerate() {
        let order = format!("ok{i}");
        m.ok(
            t + 1000 + i as i64,
            json!({"type": "order", "order": order, "amount_cents": cents}),
        );
        assert_eq!(m.state.orders[order.as_str()].amount_cents, cents);
    }
    let before = m.state.clone();
    for (i, cents) in [0u64, 10_000_000_001].into_iter().enumerate() {
        let err = m
            .op(
                t + 2000 + i as i64,
                json!({"type": "order", "order": format!("no{i}"), "amount_cents": cents}),
            )
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::BadAmount, "{cents}");
    }
    assert_eq!(m.state, before);
}
