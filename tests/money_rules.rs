//! The engine's money rules as RULES.md states them (issue 25): holds lapse by the server's
//! clock only; the refund window by the order's day against the op's; the server's and the
//! merchant's ops are not the member's activity; a refund re-checks only the tiers its spend
//! earned; paid benefits count from the purchase day; month-end plan arithmetic; the
//! campaign view for any `now`.

mod common;

use common::{as_json, at, find, Member};
use serde_json::json;
use zailai::{view, ErrorCode, OpKind};

const SEC: i64 = 1000;
const DAY: i64 = 86_400_000;

/// A member holding `points` granted at `t`.
fn member_with(t: i64, points: u32) -> Member {
    let mut m = Member::seed(t);
    m.grant(t, points);
    m
}

// ---- Holds end by the server's clock only --------------------------------------------

/// The repro of issue 25: a 900 s hold of 800 points; at 601 s a push dated 299 s ahead (at
/// the hold's end) tries to spend the held points on coupons. None of them is reached, and the
/// shop's order at 601 s gets its 800 points.
#[test]
fn a_device_op_dated_ahead_never_lapses_a_merchant_hold() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    m.ok(
        t,
        json!({"type": "hold_points", "order": "A-1", "points": 800, "until": t + 900 * SEC}),
    );
    assert_eq!(m.balance(), 200);
    let device_at = t + 601 * SEC + 299 * SEC;
    let mut bought = 0;
    for _ in 0..16 {
        match m.op(
            device_at,
            json!({"type": "redeem", "item": "coupon_5_yuan"}),
        ) {
            Ok(events) => {
                assert!(find(&as_json(&events), "hold_released").is_none());
                bought += 1;
            }
            Err(e) => assert_eq!(e.code, ErrorCode::InsufficientPoints),
        }
    }
    assert_eq!(bought, 4, "only the 200 points not held");
    assert!(m.state.holds.contains_key("A-1"));
    let events = as_json(&m.ok(
        t + 601 * SEC,
        json!({"type": "order", "order": "A-1", "amount_cents": 20_000, "points": 800}),
    ));
    assert_eq!(find(&events, "order_placed").unwrap()["points"], 800);
    assert_eq!(m.balance(), 0);
    assert!(m.state.holds.is_empty());
}

#[test]
fn a_server_op_at_or_after_a_holds_end_lapses_it_first() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    m.ok(
        t,
        json!({"type": "hold_points", "order": "A", "points": 600, "until": t + 60 * SEC}),
    );
    // A server op one millisecond before the end leaves it.
    m.grant(t + 60 * SEC - 1, 1);
    assert!(m.state.holds.contains_key("A"));
    // One at the end gives the points back, as lapsed, before its own effect.
    let events = as_json(&m.ok(
        t + 60 * SEC,
        json!({"type": "grant", "points": 1, "reason": "x"}),
    ));
    let released = events
        .iter()
        .position(|e| e["type"] == "hold_released")
        .unwrap();
    let credited = events
        .iter()
        .position(|e| e["type"] == "points_credited")
        .unwrap();
    assert!(released < credited, "{events:?}");
    assert_eq!(events[released]["expired"], true);
    assert_eq!(events[released]["points"], 600);
    assert_eq!(m.balance(), 1002);
}

#[test]
fn the_servers_release_of_a_lapsed_hold_lapses_every_due_hold() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    for (id, points, secs) in [("A", 300, 60), ("B", 200, 30), ("C", 100, 600)] {
        m.ok(
            t,
            json!({"type": "hold_points", "order": id, "points": points, "until": t + secs * SEC}),
        );
    }
    let events = as_json(&m.ok(t + 120 * SEC, json!({"type": "release_hold", "order": "A"})));
    let released: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "hold_released")
        .map(|e| {
            (
                e["order"].as_str().unwrap(),
                e["points"].clone(),
                e["expired"].clone(),
            )
        })
        .collect();
    assert_eq!(
        released,
        [
            ("B", json!(200), json!(true)),
            ("A", json!(300), json!(true))
        ]
    );
    assert_eq!(m.balance(), 900);
    assert_eq!(m.state.holds.keys().collect::<Vec<_>>(), ["C"]);
    // Released before its end: not lapsed.
    let events = as_json(&m.ok(t + 121 * SEC, json!({"type": "release_hold", "order": "C"})));
    assert_eq!(find(&events, "hold_released").unwrap()["expired"], false);
    assert_eq!(m.balance(), 1000);
}

#[test]
fn a_release_at_a_holds_very_end_is_its_lapse() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    for id in ["A", "B"] {
        m.ok(
            t,
            json!({"type": "hold_points", "order": id, "points": 100, "until": t + 60 * SEC}),
        );
    }
    let events = as_json(&m.ok(
        t + 60 * SEC - 1,
        json!({"type": "release_hold", "order": "A"}),
    ));
    assert_eq!(find(&events, "hold_released").unwrap()["expired"], false);
    let events = as_json(&m.ok(t + 60 * SEC, json!({"type": "release_hold", "order": "B"})));
    assert_eq!(find(&events, "hold_released").unwrap()["expired"], true);
}

#[test]
fn views_show_a_hold_past_its_end_as_lapsed() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    m.ok(
        t,
        json!({"type": "hold_points", "order": "A", "points": 800, "until": t + 900 * SEC}),
    );
    let before = t + 900 * SEC - 1;
    let after = t + 900 * SEC;
    assert_eq!(view::points_summary(&m.state, &m.cfg, before).balance, 200);
    assert_eq!(view::points_summary(&m.state, &m.cfg, after).balance, 1000);
    assert_eq!(view::summary(&m.state, &m.cfg, after).balance, 1000);
    let quote = view::checkout_quote(&m.state, &m.cfg, after, 1_000_000).unwrap();
    assert_eq!(quote.balance, 1000);
    assert!(view::catalog(&m.state, &m.cfg, before, "en")
        .iter()
        .all(|c| c.affordable));
    // The state is unchanged: the server releases it at its next write.
    assert_eq!(m.balance(), 200);
}

#[test]
fn a_lapsed_hold_of_points_that_expired_meanwhile_shows_none_of_them() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 500);
    let later = at(2027, 10, 30, 10, 0);
    m.grant(later, 100);
    // Holds 500 of the November 2026 lot (usable through 2 November 2027) and 100 of
    // October 2027's, for a day.
    m.ok(
        later,
        json!({"type": "hold_points", "order": "A", "points": 600, "until": later + DAY}),
    );
    assert_eq!(
        view::points_summary(&m.state, &m.cfg, later + DAY - 1).balance,
        0
    );
    let now = at(2027, 11, 2, 10, 0);
    assert_eq!(view::points_summary(&m.state, &m.cfg, now).balance, 600);
    let now = at(2027, 11, 3, 10, 0);
    assert_eq!(view::points_summary(&m.state, &m.cfg, now).balance, 100);
}

#[test]
fn an_order_that_uses_exactly_its_hold_restores_nothing() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    m.ok(
        t,
        json!({"type": "hold_points", "order": "A", "points": 500, "until": t + 900 * SEC}),
    );
    let events = as_json(&m.ok(
        t + SEC,
        json!({"type": "order", "order": "A", "amount_cents": 10_000, "points": 500}),
    ));
    assert!(find(&events, "points_restored").is_none(), "{events:?}");
    assert_eq!(m.balance(), 500);
    assert_eq!(m.state.totals.spent, 500);
    assert_eq!(m.state.totals.restored, 0);
    let debit = &m.state.debits[m.state.orders["A"].debit.unwrap()];
    assert_eq!((debit.reason.as_str(), debit.amount), ("order:A", 500));
    // The order keeps all 500: a cancel gives all of them back.
    let events = as_json(&m.ok(t + 2 * SEC, json!({"type": "cancel_order", "order": "A"})));
    assert_eq!(find(&events, "points_restored").unwrap()["restored"], 500);
    assert_eq!(m.balance(), 1000);
}

// ---- The refund window: the order's day against the op's ---------------------------

/// Refunds on day 90 after the order are taken, on day 91 they are `UNKNOWN_ORDER`, whether
/// the member was busy every day or never came back.
#[test]
fn refunds_are_taken_for_90_business_days_whatever_the_member_did() {
    for busy in [false, true] {
        let t = at(2026, 11, 2, 10, 0);
        let mut m = Member::seed(t);
        for id in ["A", "B", "C"] {
            m.ok(
                t,
                json!({"type": "order", "order": id, "amount_cents": 1000}),
            );
        }
        if busy {
            for d in 1..=91 {
                m.track(t + d * DAY - 3600 * SEC, "open");
            }
        }
        let day_90 = t + 90 * DAY;
        m.ok(
            day_90,
            json!({"type": "refund_order", "order": "A", "amount_cents": 100}),
        );
        m.ok(day_90, json!({"type": "cancel_order", "order": "B"}));
        let day_91 = t + 91 * DAY;
        for kind in [
            json!({"type": "refund_order", "order": "A", "amount_cents": 100}),
            json!({"type": "cancel_order", "order": "A"}),
        ] {
            let err = m.op(day_91, kind).unwrap_err();
            assert_eq!(err.code, ErrorCode::UnknownOrder, "busy {busy}");
        }
        // The last hour of day 90 is still day 90.
        m.ok(
            day_91 - 11 * 3600 * SEC,
            json!({"type": "cancel_order", "order": "C"}),
        );
    }
}

// ---- The server's and the merchant's ops are not the member's activity ---------------

#[test]
fn server_and_merchant_ops_leave_the_activity_clock_alone() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = member_with(t, 1000);
    m.track(t, "open");
    let away = t + 10 * DAY;
    let server_ops = [
        json!({"type": "order", "order": "A", "amount_cents": 60_000, "points": 100}),
        json!({"type": "refund_order", "order": "A", "amount_cents": 100}),
        json!({"type": "hold_points", "order": "B", "points": 10, "until": away + DAY}),
        json!({"type": "release_hold", "order": "B"}),
        json!({"type": "hold_points", "order": "C", "points": 10, "until": away + DAY}),
        json!({"type": "grant", "points": 5, "reason": "goodwill"}),
        json!({"type": "buy_membership", "plan": "monthly"}),
        json!({"type": "track", "action": "invite"}),
        json!({"type": "cancel_order", "order": "A"}),
    ];
    for (i, kind) in server_ops.into_iter().enumerate() {
        let events = as_json(&m.ok(away + (i as i64 + 1) * 61 * SEC, kind));
        assert!(find(&events, "member_returned").is_none(), "{events:?}");
    }
    let now = away + DAY / 4;
    let s = view::segments(&m.state, &m.cfg, now);
    assert_eq!(s.days_away, 10);
    assert_eq!(s.active_days, 1, "the order's day is not an active day");
    assert_eq!(s.lifecycle, view::Lifecycle::Dormant);
    assert!(m.state.returned.is_none());
    // The member's own op, two days later, is the return: twelve days away.
    let events = as_json(&m.track(away + 2 * DAY, "open"));
    let back = find(&events, "member_returned").unwrap();
    assert_eq!(back["away_days"], 12);
}

// ---- A refund re-checks only the tiers its spend earned ------------------------------

fn use_days(m: &mut Member, from: i64, days: i64) {
    for d in 0..days {
        m.track(from + d * DAY, "open");
    }
}

#[test]
fn a_refund_leaves_a_tier_the_spend_never_held() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 100}),
    );
    use_days(&mut m, t, 20);
    assert_eq!(m.state.tier, 2, "gold from 20 active days");
    // Mid-December the window holds 5 of them; gold stays until the month-start check.
    let dec15 = at(2026, 12, 15, 10, 0);
    m.track(dec15, "open");
    assert_eq!(m.state.tier, 2);
    let events = as_json(&m.ok(
        dec15 + SEC,
        json!({"type": "refund_order", "order": "A", "amount_cents": 50}),
    ));
    assert!(find(&events, "tier_changed").is_none(), "{events:?}");
    assert_eq!(m.state.tier, 2);
}

#[test]
fn a_refund_drops_every_tier_its_spend_earned() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 50_000}),
    );
    assert_eq!(m.state.tier, 2, "gold by 500 yuan");
    let events = as_json(&m.ok(
        t + DAY,
        json!({"type": "refund_order", "order": "A", "amount_cents": 1}),
    ));
    let changed = find(&events, "tier_changed").unwrap();
    assert_eq!(
        (
            changed["from"].as_str(),
            changed["to"].as_str(),
            changed["reason"].as_str()
        ),
        (Some("gold"), Some("regular"), Some("refund"))
    );
}

#[test]
fn a_refund_keeps_the_tier_the_members_other_dimensions_reach_meanwhile() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 50_000}),
    );
    // Silver's conditions: 12 active days, 10 minutes, 5 tasks (the daily query task).
    for d in 0..12 {
        m.track(t + d * DAY, "open");
        m.track(t + d * DAY + SEC, "query");
    }
    m.ok(t + 11 * DAY, json!({"type": "session", "minutes": 10}));
    assert_eq!(m.state.tier, 2);
    let events = as_json(&m.ok(
        t + 11 * DAY + 60 * SEC,
        json!({"type": "cancel_order", "order": "A"}),
    ));
    assert_eq!(find(&events, "tier_changed").unwrap()["to"], "silver");
    assert_eq!(m.state.tier, 1);
}

/// An invite credited by the server, its task's reward (a tier step) claimed on the phone.
fn invite(m: &mut Member, when: i64) {
    m.ok(when, json!({"type": "track", "action": "invite"}));
    m.ok(
        when + 1,
        json!({"type": "claim_task", "task": "growth_invite"}),
    );
}

#[test]
fn a_refund_never_takes_away_an_invites_tier_step() {
    // Placed before the invite: the invite's step stays.
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 100}),
    );
    invite(&mut m, t + SEC);
    assert_eq!(m.state.tier, 1, "the invite task's tier step");
    let events = as_json(&m.ok(t + DAY, json!({"type": "cancel_order", "order": "A"})));
    assert!(find(&events, "tier_changed").is_none(), "{events:?}");
    assert_eq!(m.state.tier, 1);

    // Gold by spend, then the invite's step (diamond): the refund takes gold, not the step.
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 50_000}),
    );
    invite(&mut m, t + SEC);
    assert_eq!(m.state.tier, 3);
    let events = as_json(&m.ok(t + DAY, json!({"type": "cancel_order", "order": "A"})));
    assert_eq!(find(&events, "tier_changed").unwrap()["to"], "silver");
    assert_eq!(m.state.tier, 1);
}

#[test]
fn an_invites_step_counts_from_what_activity_holds() {
    // Silver by activity and gold by spend; then the invite's step (diamond). Without the
    // order: silver and a step, gold.
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.ok(
        t,
        json!({"type": "order", "order": "A", "amount_cents": 50_000}),
    );
    for d in 0..12 {
        m.track(t + d * DAY, "open");
        m.track(t + d * DAY + SEC, "query");
    }
    m.ok(t + 11 * DAY, json!({"type": "session", "minutes": 10}));
    invite(&mut m, t + 11 * DAY + SEC);
    assert_eq!(m.state.tier, 3);
    m.ok(
        t + 11 * DAY + 2 * SEC,
        json!({"type": "cancel_order", "order": "A"}),
    );
    assert_eq!(m.state.tier, 2);
}

// ---- Paid benefits count from the purchase day ---------------------------------------

#[test]
fn paid_benefits_never_count_for_days_before_the_purchase() {
    let joined = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(joined);
    m.track(joined, "open");
    let bought = at(2026, 12, 7, 10, 0);
    m.ok(bought, json!({"type": "buy_membership", "plan": "yearly"}));
    // Backdated into November (within the offline week): no free service, regular base.
    let err = m
        .op(at(2026, 11, 30, 10, 0), json!({"type": "use_service"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NoFreeServiceLeft);
    let base = as_json(&m.check_in(at(2026, 12, 6, 10, 0)).unwrap());
    assert_eq!(
        find(&base, "points_credited").unwrap()["requested"],
        5,
        "regular's base"
    );
    assert_eq!(
        view::summary(&m.state, &m.cfg, at(2026, 12, 6, 12, 0)).tier,
        "regular"
    );
    // From the purchase day on: gold's three.
    for left in [2, 1, 0] {
        let ev = as_json(&m.ok(at(2026, 12, 7, 11, 0), json!({"type": "use_service"})));
        assert_eq!(find(&ev, "service_used").unwrap()["left"], left);
    }
    let base = as_json(&m.check_in(at(2026, 12, 7, 11, 0)).unwrap());
    assert_eq!(find(&base, "points_credited").unwrap()["requested"], 12);
}

#[test]
fn a_renewal_keeps_the_terms_first_day() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    m.ok(
        at(2026, 11, 1, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    m.ok(
        at(2026, 11, 5, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    // A day of the first month, after the renewal's day: still the paid tier.
    m.ok(at(2026, 11, 3, 10, 0), json!({"type": "use_service"}));
}

// ---- Month-end plan arithmetic -------------------------------------------------------

fn until_of(y: i32, mo: u8, d: u8, plan: &str) -> String {
    let mut m = Member::seed(at(y, mo, d, 10, 0));
    let events = as_json(&m.ok(
        at(y, mo, d, 10, 0),
        json!({"type": "buy_membership", "plan": plan}),
    ));
    find(&events, "membership_started").unwrap()["until"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_monthly_term_ends_the_day_before_its_day_next_month_or_at_that_months_end() {
    for (d, until) in [
        (27, "2027-02-26"),
        (28, "2027-02-27"),
        (29, "2027-02-28"),
        (30, "2027-02-28"),
        (31, "2027-02-28"),
    ] {
        assert_eq!(until_of(2027, 1, d, "monthly"), until, "bought 2027-01-{d}");
    }
    // A leap year: 29 February exists.
    assert_eq!(until_of(2028, 1, 29, "monthly"), "2028-02-28");
    assert_eq!(until_of(2028, 1, 30, "monthly"), "2028-02-29");
    assert_eq!(until_of(2028, 1, 31, "monthly"), "2028-02-29");
    assert_eq!(until_of(2026, 12, 15, "monthly"), "2027-01-14");
    // A year from 29 February: no 29 February next year.
    assert_eq!(until_of(2028, 2, 29, "yearly"), "2029-02-28");
    assert_eq!(until_of(2027, 3, 1, "yearly"), "2028-02-29");
}

#[test]
fn a_renewed_month_end_term_runs_from_the_day_after_it() {
    let mut m = Member::seed(at(2027, 1, 31, 10, 0));
    m.ok(
        at(2027, 1, 31, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    let events = as_json(&m.ok(
        at(2027, 2, 10, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    ));
    assert_eq!(
        find(&events, "membership_started").unwrap()["until"],
        "2027-03-31"
    );
}

// ---- The campaign view for any `now` -------------------------------------------------

#[test]
fn cards_left_today_is_right_for_a_past_now() {
    let cfg = zailai::Config::seed();
    let campaign = cfg.cards[0].campaign.clone();
    let c = cfg.campaigns.iter().find(|c| c.id == campaign).unwrap();
    let start = at(c.start.year, c.start.month, c.start.day, 10, 0);
    let mut m = Member::with(cfg.clone(), start);
    let set = cfg.cards[0].id.clone();
    let limit = cfg.cards[0].daily_limit;
    let action = "share".to_owned();
    assert!(cfg.cards[0].grants.iter().any(|g| g.action == action));
    let mut first_day = 0;
    for day in 0..2 {
        for i in 0..5 {
            let when = start + day * DAY + i * 60 * SEC;
            let events = m
                .apply(
                    when,
                    OpKind::Track {
                        action: action.clone(),
                        count: 1,
                    },
                )
                .unwrap();
            if day == 0 {
                first_day += as_json(&events)
                    .iter()
                    .filter(|e| e["type"] == "card_granted")
                    .count() as u16;
            }
        }
    }
    let left_on = |now: i64| {
        view::campaigns(&m.state, &m.cfg, now, "en")
            .iter()
            .flat_map(|v| v.cards.iter())
            .find(|s| s.id == set)
            .unwrap()
            .today_left
    };
    assert!(first_day > 0);
    assert_eq!(left_on(start + 3600 * SEC), limit - first_day);
    let day_two = m.state.days[&(m.cfg.clock().day_of(start) + 1)].rule_counts
        [&format!("cards:{set}")] as u16;
    assert_eq!(left_on(start + DAY + 3600 * SEC), limit - day_two);
    assert_eq!(left_on(start + 2 * DAY + 3600 * SEC), limit);
}
