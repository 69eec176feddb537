//! Tests that pin the money code where mutants of it survived (issue 25, item 13): a partial
//! give-back over several lots, renewing or switching a paid plan, the active-days window,
//! the streak before today's check-in, a push of exactly the most ops, a paid tier after its
//! term, and the segments' active days.

mod common;

use common::{as_json, at, find, Member};
use serde_json::json;
use zailai::config::Dimension;
use zailai::{view, ErrorCode};

const DAY: i64 = 86_400_000;

fn lots(m: &Member) -> Vec<(String, u64)> {
    m.state
        .lots
        .iter()
        .map(|(&d, l)| (zailai::Date::from_day(d).to_string(), l.remaining))
        .collect()
}

#[test]
fn a_partial_give_back_over_several_lots_takes_the_latest_expiry_first() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    for d in 0..3 {
        m.grant(t + d * DAY, 100);
    }
    m.ok(
        t + 3 * DAY,
        json!({"type": "order", "order": "A", "amount_cents": 10_000, "points": 250}),
    );
    assert_eq!(lots(&m), [("2026-11-03".into(), 50)]);
    let events = as_json(&m.ok(
        t + 3 * DAY + 1000,
        json!({"type": "refund_order", "order": "A", "points": 120}),
    ));
    let restored = find(&events, "points_restored").unwrap();
    assert_eq!(restored["restored"], 120);
    assert_eq!(
        restored["lots"],
        json!([{"lot": "2026-11-02", "amount": 70}, {"lot": "2026-11-03", "amount": 50}])
    );
    assert_eq!(
        lots(&m),
        [("2026-11-02".into(), 70), ("2026-11-03".into(), 100)]
    );
    let debit = &m.state.debits[m.state.orders["A"].debit.unwrap()];
    assert_eq!(
        debit.takes,
        [
            (zailai::day::days_from_civil(2026, 11, 1), 100),
            (zailai::day::days_from_civil(2026, 11, 2), 30)
        ]
    );
    assert_eq!(m.balance(), 170);
    // The rest: 30 of the 2nd, then 100 of the 1st.
    let events = as_json(&m.ok(
        t + 3 * DAY + 2000,
        json!({"type": "refund_order", "order": "A", "points": 130}),
    ));
    assert_eq!(
        find(&events, "points_restored").unwrap()["lots"],
        json!([{"lot": "2026-11-01", "amount": 100}, {"lot": "2026-11-02", "amount": 30}])
    );
    assert_eq!(m.balance(), 300);
    let err = m
        .op(
            t + 3 * DAY + 3000,
            json!({"type": "refund_order", "order": "A", "points": 1}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::RefundTooLarge);
    let tot = &m.state.totals;
    assert_eq!((tot.spent, tot.restored), (250, 250));
}

fn until(events: &[zailai::Event]) -> String {
    find(&as_json(events), "membership_started").unwrap()["until"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn buying_the_same_plan_again_extends_its_term_even_on_its_last_day() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    let buy = |m: &mut Member, when: i64, plan: &str| {
        m.ok(when, json!({"type": "buy_membership", "plan": plan}))
    };
    assert_eq!(
        until(&buy(&mut m, at(2026, 11, 1, 10, 0), "monthly")),
        "2026-11-30"
    );
    assert_eq!(
        until(&buy(&mut m, at(2026, 11, 20, 10, 0), "monthly")),
        "2026-12-31"
    );
    // On the term's last day: still running, so extended.
    assert_eq!(
        until(&buy(&mut m, at(2026, 12, 31, 10, 0), "monthly")),
        "2027-01-31"
    );
    // After it ended: a new term from the day.
    assert_eq!(
        until(&buy(&mut m, at(2027, 2, 10, 10, 0), "monthly")),
        "2027-03-09"
    );
}

#[test]
fn switching_plans_starts_a_new_term_from_the_day() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    m.ok(
        at(2026, 11, 1, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    let events = m.ok(
        at(2026, 11, 10, 10, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    assert_eq!(until(&events), "2027-11-09");
    let events_json = as_json(&events);
    let t = find(&events_json, "tier_changed").unwrap();
    assert_eq!(
        (t["from"].as_str(), t["to"].as_str()),
        (Some("silver"), Some("gold"))
    );
    assert_eq!(m.state.paid.as_ref().unwrap().plan, "yearly");
    // Back to monthly while yearly runs: replaced, from the day.
    let events = m.ok(
        at(2026, 11, 12, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    assert_eq!(until(&events), "2026-12-11");
    assert_eq!(m.state.paid.as_ref().unwrap().tier, 1);
}

#[test]
fn a_paid_tier_ends_after_its_last_day_in_views_without_an_op() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    m.ok(
        at(2026, 11, 1, 10, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    let tier_on = |m: &Member, when: i64| view::summary(&m.state, &m.cfg, when).tier;
    assert_eq!(tier_on(&m, at(2026, 11, 1, 9, 0)), "silver");
    assert_eq!(tier_on(&m, at(2026, 11, 30, 23, 59)), "silver");
    assert_eq!(tier_on(&m, at(2026, 12, 1, 0, 0)), "regular");
    // The purchase day is the first day of the term (not a day before it).
    assert_eq!(tier_on(&m, at(2026, 10, 31, 23, 59)), "regular");
    m.ok(at(2026, 11, 1, 11, 0), json!({"type": "use_service"}));
}

fn active_days(m: &Member, when: i64) -> u64 {
    view::tier_progress(&m.state, &m.cfg, when, "en")
        .dimensions
        .iter()
        .find(|d| d.dimension == Dimension::ActiveDays)
        .unwrap()
        .current
}

#[test]
fn active_days_for_tiers_count_opens_within_30_days_ending_today() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    m.track(at(2026, 11, 1, 10, 0), "open");
    // Days with use but no `open` are not active days.
    m.ok(
        at(2026, 11, 15, 10, 0),
        json!({"type": "session", "minutes": 5}),
    );
    m.track(at(2026, 11, 16, 10, 0), "share");
    m.track(at(2026, 11, 29, 10, 0), "open");
    assert_eq!(active_days(&m, at(2026, 11, 29, 12, 0)), 2);
    // 30 November: the window is 1–30 November.
    assert_eq!(active_days(&m, at(2026, 11, 30, 12, 0)), 2);
    // 1 December: 1 November has left it.
    assert_eq!(active_days(&m, at(2026, 12, 1, 12, 0)), 1);
    // A view for an earlier day counts up to that day only.
    assert_eq!(active_days(&m, at(2026, 11, 28, 12, 0)), 1);
}

#[test]
fn the_streak_is_alive_until_today_ends_without_a_check_in() {
    let mut m = Member::seed(at(2026, 11, 1, 10, 0));
    for d in 1..=2 {
        m.check_in(at(2026, 11, d, 10, 0)).unwrap();
    }
    let streak = |m: &Member, when: i64| view::summary(&m.state, &m.cfg, when).streak;
    assert_eq!(
        streak(&m, at(2026, 11, 3, 9, 0)),
        2,
        "not yet checked in today"
    );
    assert_eq!(streak(&m, at(2026, 11, 4, 9, 0)), 0, "yesterday ended it");
    m.check_in(at(2026, 11, 3, 10, 0)).unwrap();
    assert_eq!(streak(&m, at(2026, 11, 3, 11, 0)), 3);
}

#[test]
fn a_push_of_exactly_the_most_ops_is_read() {
    let ops: Vec<_> = (1..=zailai::sync::MAX_OPS_PER_PUSH as u32)
        .map(|i| {
            json!({"device": "d", "seq": i, "at": at(2026, 11, 1, 10, 0), "op": {"type": "check_in"}})
        })
        .collect();
    let formats = [zailai::snapshot::FORMAT];
    let body = json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": formats, "ops": ops});
    let push = zailai::sync::Push::from_json(&body.to_string()).unwrap();
    assert_eq!(push.ops.len(), 500);
}

/// The segments' active days are the member's own: a day the server only wrote on (an
/// invite's credit, with its card chance and an earning rule) is none.
#[test]
fn segments_count_only_days_of_the_members_own_use() {
    let mut v = common::seed_json();
    v["points"]["earning"]["invite"] = json!({"points": 5});
    let cfg = common::config_from(v);
    let start = at(2027, 2, 6, 10, 0);
    let mut m = Member::with(cfg, start);
    m.ok(start, json!({"type": "track", "action": "invite"}));
    let day = &m.state.days[&m.cfg.clock().day_of(start)];
    assert!(day.rule_counts.keys().any(|k| k.starts_with("cards:")));
    assert!(day.rule_counts.contains_key("invite"));
    let now = start + 3 * DAY;
    assert_eq!(view::segments(&m.state, &m.cfg, now).active_days, 0);
    // Each kind of the member's own use makes a day active.
    m.ok(start + DAY, json!({"type": "session", "minutes": 3}));
    assert_eq!(view::segments(&m.state, &m.cfg, now).active_days, 1);
    m.track(start + 2 * DAY, "share");
    assert_eq!(view::segments(&m.state, &m.cfg, now).active_days, 2);
    m.track(start + 3 * DAY, "core_action");
    assert_eq!(view::segments(&m.state, &m.cfg, now).active_days, 3);
    m.track(start + 4 * DAY, "open");
    assert_eq!(
        view::segments(&m.state, &m.cfg, start + 4 * DAY).active_days,
        4
    );
}

#[test]
fn a_member_holds_up_to_the_most_freezes_and_buys_the_last_one() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = Member::seed(t);
    m.grant(t, 200);
    let max = m.cfg.checkin.freeze.max_held;
    for n in 1..=max {
        m.ok(
            t + i64::from(n),
            json!({"type": "redeem", "item": "streak_freeze"}),
        );
        assert_eq!(m.state.freezes, n);
    }
    let err = m
        .op(t + 10, json!({"type": "redeem", "item": "streak_freeze"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::FreezeLimitReached);
    assert_eq!(m.balance(), 200 - 50 * u64::from(max));
}

#[test]
fn the_day_a_member_joined_can_be_made_up() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = Member::seed(t);
    m.grant(t, 100);
    let events = as_json(&m.ok(t + DAY, json!({"type": "make_up", "date": "2026-11-02"})));
    assert!(find(&events, "made_up").is_some(), "{events:?}");
    assert!(m
        .state
        .checkins
        .contains_key(&zailai::day::days_from_civil(2026, 11, 2)));
    let err = m
        .op(t + DAY, json!({"type": "make_up", "date": "2026-11-01"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::MakeupBeforeJoin);
}

#[test]
fn a_free_make_up_debits_nothing() {
    let mut cfg = common::seed_json();
    cfg["checkin"]["makeup"]["cost_points"] = json!(0);
    let t = at(2026, 11, 2, 10, 0);
    let mut m = Member::with(common::config_from(cfg), t);
    let events = as_json(&m.ok(
        t + 2 * DAY,
        json!({"type": "make_up", "date": "2026-11-03"}),
    ));
    assert!(find(&events, "points_debited").is_none(), "{events:?}");
    assert!(m.state.debits.is_empty());
    assert_eq!(m.balance(), 0);
}

#[test]
fn a_money_only_refund_of_an_order_with_points_gives_no_points_back() {
    let t = at(2026, 11, 2, 10, 0);
    let mut m = Member::seed(t);
    m.grant(t, 100);
    m.ok(
        t + 1,
        json!({"type": "order", "order": "A", "amount_cents": 10_000, "points": 100}),
    );
    let events = as_json(&m.ok(
        t + 2,
        json!({"type": "refund_order", "order": "A", "amount_cents": 500}),
    ));
    assert!(find(&events, "order_refunded").is_some(), "{events:?}");
    assert!(find(&events, "points_restored").is_none(), "{events:?}");
    assert_eq!(m.balance(), 0);
}

#[test]
fn an_invite_code_in_a_push_is_1_to_64_bytes() {
    let body = |code: &str| {
        json!({"protocol": 1, "device": "d", "base_version": 0,
               "snapshot_formats": [zailai::snapshot::FORMAT], "ops": [], "invited_by": code})
        .to_string()
    };
    for bad in [String::new(), "x".repeat(65)] {
        let e = zailai::sync::Push::from_json(&body(&bad)).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            ("BAD_REQUEST", "invited_by"),
            "{bad:?}"
        );
    }
    for good in ["A".to_owned(), "x".repeat(64)] {
        let push = zailai::sync::Push::from_json(&body(&good)).unwrap();
        assert_eq!(push.invited_by.as_deref(), Some(good.as_str()));
    }
}

/// Holding more streak freezes than a later rule version allows blocks only buying more of
/// them, never a catalog item that gives none.
#[test]
fn more_freezes_than_a_new_version_allows_block_only_freezes() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    m.grant(t, 200);
    for i in 0..2 {
        m.ok(t + i, json!({"type": "redeem", "item": "streak_freeze"}));
    }
    assert_eq!(m.state.freezes, 2);
    let mut fewer = common::seed_json();
    fewer["checkin"]["freeze"]["max_held"] = json!(1);
    m.cfg = common::config_from(fewer);
    let coupon = json!({"type": "redeem", "item": "coupon_5_yuan"});
    m.ok(t + 10, coupon);
    assert_eq!(m.balance(), 200 - 150);
    let err = m
        .op(t + 11, json!({"type": "redeem", "item": "streak_freeze"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::FreezeLimitReached);
}

/// An offline op dated inside a paid term that has since ended changes no tier and says
/// none changed (the term's end was already reported when the member's days passed it).
#[test]
fn an_op_dated_inside_an_ended_paid_term_reports_no_tier_change() {
    let t = at(2026, 11, 1, 10, 0);
    let mut m = Member::seed(t);
    let started = m.ok(t, json!({"type": "buy_membership", "plan": "monthly"}));
    assert_eq!(until(&started), "2026-11-30");
    let after_term = m.ok(
        at(2026, 12, 3, 10, 0),
        json!({"type": "track", "action": "open"}),
    );
    assert!(find(&as_json(&after_term), "tier_changed").is_some());
    let late = m.ok(
        at(2026, 11, 29, 10, 0),
        json!({"type": "track", "action": "review"}),
    );
    assert!(
        find(&as_json(&late), "tier_changed").is_none(),
        "{:?}",
        as_json(&late)
    );
    assert_eq!(m.state.tier, 0);
}
