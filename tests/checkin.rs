mod common;

use common::{as_json, at, config_from, find, granted, seed_json, Member};
use serde_json::json;
use zailai::{ErrorCode, Event};

fn streak_of(events: &[Event]) -> u32 {
    events
        .iter()
        .find_map(|e| match e {
            Event::CheckedIn { streak, .. } => Some(*streak),
            _ => None,
        })
        .expect("a check-in event")
}

#[test]
fn one_check_in_per_business_day_and_a_second_changes_nothing() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let ev = m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    assert_eq!(granted(&ev), 5);
    let before = m.state.to_json();
    let err = m.check_in(at(2026, 11, 1, 23, 59)).unwrap_err();
    assert_eq!(err.code, ErrorCode::AlreadyCheckedIn);
    assert_eq!(
        m.state.to_json(),
        before,
        "a refused op leaves the state byte-identical"
    );
}

#[test]
fn midnight_in_utc8_starts_a_new_day_whatever_the_device_zone() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    // 23:59:59 and 00:00:00 local are two business days.
    m.check_in(at(2026, 11, 1, 23, 59) + 59_000).unwrap();
    let ev = m.check_in(at(2026, 11, 2, 0, 0)).unwrap();
    assert_eq!(streak_of(&ev), 2);
}

#[test]
fn four_am_day_start_counts_a_late_night_to_the_previous_day() {
    let mut v = seed_json();
    v["business_day"]["day_start_hour"] = json!(4);
    let mut m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    // 02:00 on the 2nd still belongs to business day the 1st.
    assert_eq!(
        m.check_in(at(2026, 11, 2, 2, 0)).unwrap_err().code,
        ErrorCode::AlreadyCheckedIn
    );
    let ev = m.check_in(at(2026, 11, 2, 4, 0)).unwrap();
    assert_eq!(streak_of(&ev), 2);
}

#[test]
fn streak_crosses_month_year_and_leap_day() {
    let mut m = Member::seed(at(2028, 2, 27, 9, 0));
    let days = [(2028, 2, 27), (2028, 2, 28), (2028, 2, 29), (2028, 3, 1)];
    for (i, (y, mo, d)) in days.into_iter().enumerate() {
        let ev = m.check_in(at(y, mo, d, 9, 0)).unwrap();
        assert_eq!(streak_of(&ev), i as u32 + 1);
    }
    let mut m = Member::seed(at(2026, 12, 31, 9, 0));
    m.check_in(at(2026, 12, 31, 9, 0)).unwrap();
    assert_eq!(streak_of(&m.check_in(at(2027, 1, 1, 9, 0)).unwrap()), 2);
}

#[test]
fn milestones_repeat_every_cycle_and_the_streak_keeps_growing() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let mut paid = Vec::new();
    for d in 1..=14u8 {
        let ev = m.check_in(at(2026, 11, d, 9, 0)).unwrap();
        assert_eq!(streak_of(&ev), u32::from(d));
        paid.push(granted(&ev));
        let coupon = ev.iter().any(|e| matches!(e, Event::CouponGranted { .. }));
        assert_eq!(coupon, d % 7 == 0, "coupon on day {d}");
    }
    // Base 5; day 3 and 10 +10; day 7 and 14 +30.
    assert_eq!(paid, [5, 5, 15, 5, 5, 5, 35, 5, 5, 15, 5, 5, 5, 35]);
}

#[test]
fn a_missed_day_restarts_the_streak() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 2, 9, 0)).unwrap();
    assert_eq!(streak_of(&m.check_in(at(2026, 11, 4, 9, 0)).unwrap()), 1);
}

#[test]
fn base_reward_scales_with_tier() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 8, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    // Gold: 12 a check-in.
    assert_eq!(granted(&m.check_in(at(2026, 11, 1, 9, 0)).unwrap()), 12);
}

#[test]
fn makeup_costs_points_restores_the_streak_and_pays_no_base() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 8, 0), 100);
    for d in [1, 2, 4] {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    let ev = as_json(&m.ok(
        at(2026, 11, 4, 10, 0),
        json!({"type": "make_up", "date": "2026-11-03"}),
    ));
    assert_eq!(find(&ev, "points_debited").unwrap()["amount"], 10);
    assert_eq!(find(&ev, "made_up").unwrap()["streak"], 4);
    assert!(
        find(&ev, "points_credited").is_none(),
        "a make-up earns no base reward"
    );
    // Milestone not paid by default for the made-up day (position 3).
    assert!(find(&ev, "streak_milestone").is_none());
    assert_eq!(m.balance(), 100 + 5 + 5 + 5 - 10);
    // The next check-in continues the recomputed streak.
    assert_eq!(streak_of(&m.check_in(at(2026, 11, 5, 9, 0)).unwrap()), 5);
}

#[test]
fn makeup_pays_missed_milestone_when_configured() {
    let mut v = seed_json();
    v["checkin"]["makeup"]["pays_missed_milestones"] = json!(true);
    let mut m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 8, 0), 100);
    for d in [1, 2, 4] {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    let ev = as_json(&m.ok(
        at(2026, 11, 4, 10, 0),
        json!({"type": "make_up", "date": "2026-11-03"}),
    ));
    assert_eq!(find(&ev, "streak_milestone").unwrap()["cycle_day"], 3);
    assert_eq!(find(&ev, "points_credited").unwrap()["granted"], 10);
}

#[test]
fn makeup_refusals() {
    let mut m = Member::seed(at(2026, 11, 3, 9, 0));
    m.grant(at(2026, 11, 3, 9, 0), 15);
    let code = |m: &mut Member, date: &str, when: i64| {
        m.op(when, json!({"type": "make_up", "date": date}))
            .unwrap_err()
            .code
    };
    let now = at(2026, 11, 10, 9, 0);
    assert_eq!(code(&mut m, "2026-11-10", now), ErrorCode::MakeupNotPast);
    assert_eq!(code(&mut m, "2026-11-11", now), ErrorCode::MakeupNotPast);
    assert_eq!(code(&mut m, "2026-11-02", now), ErrorCode::MakeupBeforeJoin);
    m.check_in(at(2026, 11, 10, 9, 0)).unwrap();
    m.ok(
        at(2026, 11, 10, 9, 1),
        json!({"type": "make_up", "date": "2026-11-09"}),
    );
    assert_eq!(code(&mut m, "2026-11-09", now), ErrorCode::MakeupNotMissed);
    // 15 + 5 - 10 = 10 left: one more make-up, then short.
    m.ok(
        at(2026, 11, 10, 9, 2),
        json!({"type": "make_up", "date": "2026-11-08"}),
    );
    assert_eq!(
        code(&mut m, "2026-11-07", now),
        ErrorCode::InsufficientPoints
    );
    // In December, a November day is outside the current-month window.
    assert_eq!(
        code(&mut m, "2026-11-30", at(2026, 12, 1, 9, 0)),
        ErrorCode::MakeupWindowExceeded
    );
}

#[test]
fn makeup_monthly_limit_counts_the_month_it_is_made_in() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 9, 0), 500);
    let now = at(2026, 11, 20, 9, 0);
    for d in ["2026-11-02", "2026-11-04", "2026-11-06"] {
        m.ok(now, json!({"type": "make_up", "date": d}));
    }
    let err = m
        .op(now, json!({"type": "make_up", "date": "2026-11-08"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::MakeupLimitReached);
}

#[test]
fn last_days_window() {
    let mut v = seed_json();
    v["checkin"]["makeup"]["window"] = json!({"kind": "last_days", "days": 3});
    let mut m = Member::with(config_from(v), at(2026, 10, 20, 9, 0));
    m.grant(at(2026, 10, 20, 9, 0), 100);
    // Crosses the month: allowed within 3 days.
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "make_up", "date": "2026-10-30"}),
    );
    let err = m
        .op(
            at(2026, 11, 1, 9, 0),
            json!({"type": "make_up", "date": "2026-10-28"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::MakeupWindowExceeded);
}

#[test]
fn freezes_bridge_a_gap_they_cover_and_are_kept_when_they_do_not() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.grant(at(2026, 11, 1, 8, 0), 500);
    m.ok(
        at(2026, 11, 1, 8, 1),
        json!({"type": "redeem", "item": "streak_freeze"}),
    );
    m.ok(
        at(2026, 11, 1, 8, 2),
        json!({"type": "redeem", "item": "streak_freeze"}),
    );
    let err = m
        .op(
            at(2026, 11, 1, 8, 3),
            json!({"type": "redeem", "item": "streak_freeze"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::FreezeLimitReached);
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 2, 9, 0)).unwrap();
    // Missed the 3rd and 4th: both freezes used, the streak continues to 5.
    let ev = as_json(&m.check_in(at(2026, 11, 5, 9, 0)).unwrap());
    assert_eq!(
        find(&ev, "freeze_used").unwrap()["dates"],
        json!(["2026-11-03", "2026-11-04"])
    );
    assert_eq!(find(&ev, "checked_in").unwrap()["streak"], 5);
    assert_eq!(m.state.freezes, 0);
    // A gap of 3 with none held: none consumed, streak restarts.
    m.ok(
        at(2026, 11, 5, 10, 0),
        json!({"type": "redeem", "item": "streak_freeze"}),
    );
    let ev = as_json(&m.check_in(at(2026, 11, 9, 9, 0)).unwrap());
    assert!(find(&ev, "freeze_used").is_none());
    assert_eq!(find(&ev, "checked_in").unwrap()["streak"], 1);
    assert_eq!(m.state.freezes, 1);
}

#[test]
fn freezes_granted_past_the_cap_are_discarded_and_said() {
    let mut v = seed_json();
    v["checkin"]["streak_bonuses"][0]["reward"] = json!({"points": 10, "freezes": 3});
    let mut m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    for d in 1..=2 {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    let ev = as_json(&m.check_in(at(2026, 11, 3, 9, 0)).unwrap());
    let g = find(&ev, "freezes_granted").unwrap();
    assert_eq!(
        (
            g["count"].as_u64(),
            g["held"].as_u64(),
            g["discarded"].as_u64()
        ),
        (Some(2), Some(2), Some(1))
    );
}
