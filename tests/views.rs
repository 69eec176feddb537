mod common;

use common::{at, config_from, seed_json, Member};
use serde_json::json;
use zailai::view::{self, DayStatus};

fn statuses(cal: &view::CalendarView) -> Vec<(u8, DayStatus)> {
    cal.weeks
        .iter()
        .flatten()
        .filter(|c| c.status != DayStatus::OutsideMonth)
        .map(|c| (c.day, c.status))
        .collect()
}

#[test]
fn calendar_marks_every_kind_of_day() {
    let mut m = Member::seed(at(2026, 11, 3, 9, 0));
    m.grant(at(2026, 11, 3, 9, 0), 100);
    m.check_in(at(2026, 11, 3, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 4, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 6, 9, 0)).unwrap();
    m.ok(
        at(2026, 11, 6, 9, 1),
        json!({"type": "make_up", "date": "2026-11-05"}),
    );
    let now = at(2026, 11, 9, 12, 0);
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    let s = statuses(&cal);
    assert_eq!(s.len(), 30);
    assert_eq!(
        &s[..10],
        &[
            (1, DayStatus::BeforeJoin),
            (2, DayStatus::BeforeJoin),
            (3, DayStatus::Checked),
            (4, DayStatus::Checked),
            (5, DayStatus::MadeUp),
            (6, DayStatus::Checked),
            (7, DayStatus::MakeupAvailable),
            (8, DayStatus::MakeupAvailable),
            (9, DayStatus::TodayPending),
            (10, DayStatus::Future),
        ]
    );
    let day7 = cal
        .weeks
        .iter()
        .flatten()
        .find(|c| c.date.to_string() == "2026-11-07")
        .unwrap();
    assert_eq!(day7.makeup_cost, Some(10));
    assert_eq!(cal.makeups_left, 2);
    // Streak of 4 ended on the 6th; today (the 9th) would start again at position 1.
    assert_eq!(
        (cal.streak, cal.streak_label.as_str()),
        (0, "连续签到 0 天")
    );
    let today = cal
        .weeks
        .iter()
        .flatten()
        .find(|c| c.status == DayStatus::TodayPending)
        .unwrap();
    assert_eq!((today.points, today.milestone), (5, false));
    // 2026-11-01 is a Sunday: with Monday first, the grid starts on 26 October.
    assert_eq!(cal.weeks[0][0].date.to_string(), "2026-10-26");
    assert!(cal.weeks.iter().all(|w| w.len() == 7));
}

#[test]
fn calendar_projects_milestones_and_marks_rewards_given() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    for d in 1..=3 {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, at(2026, 11, 3, 10, 0), "en").unwrap();
    let day = |n: u8| {
        cal.weeks
            .iter()
            .flatten()
            .find(|c| c.status != DayStatus::OutsideMonth && c.day == n)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (day(3).status, day(3).points, day(3).milestone),
        (DayStatus::TodayDone, 15, true)
    );
    assert_eq!(
        (day(7).points, day(7).milestone, day(7).coupon),
        (35, true, true)
    );
    assert_eq!((day(10).points, day(10).milestone), (15, true));
    assert_eq!(cal.streak_label, "3-day streak");
}

#[test]
fn calendar_first_weekday_and_missed_days_after_the_limit() {
    let mut v = seed_json();
    v["first_weekday"] = json!(0);
    v["checkin"]["makeup"]["monthly_limit"] = json!(0);
    let m = Member::with(config_from(v), at(2026, 11, 1, 9, 0));
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, at(2026, 11, 4, 9, 0), "en").unwrap();
    assert_eq!(
        cal.weeks[0][0].date.to_string(),
        "2026-11-01",
        "Sunday first"
    );
    assert_eq!(statuses(&cal)[0], (1, DayStatus::Missed));
    assert!(view::calendar(&m.state, &m.cfg, 2026, 13, 0, "en").is_err());
    assert!(view::calendar(&m.state, &m.cfg, 1969, 12, 0, "en").is_err());
}

#[test]
fn points_summary_groups_what_expires_within_30_days() {
    let mut m = Member::seed(at(2025, 11, 1, 9, 0));
    m.grant(at(2025, 11, 1, 9, 0), 30);
    m.grant(at(2025, 11, 20, 9, 0), 40);
    m.grant(at(2025, 11, 20, 10, 0), 5);
    m.grant(at(2026, 1, 5, 9, 0), 100);
    let s = view::points_summary(&m.state, &m.cfg, at(2026, 10, 25, 9, 0));
    assert_eq!(s.balance, 175);
    let exp: Vec<(String, u64)> = s
        .expiring
        .iter()
        .map(|e| (e.date.to_string(), e.points))
        .collect();
    assert_eq!(
        exp,
        [("2026-11-01".to_owned(), 30), ("2026-11-20".to_owned(), 45)]
    );
    assert_eq!(s.expiring_total, 75);
    // Past expiry, a view already leaves the lot out even before an op applies it.
    let s = view::points_summary(&m.state, &m.cfg, at(2026, 11, 2, 9, 0));
    assert_eq!(s.balance, 145);
}

#[test]
fn prompts_in_priority_order() {
    let mut m = Member::seed(at(2025, 11, 1, 9, 0));
    m.grant(at(2025, 11, 1, 9, 0), 100);
    m.ok(
        at(2026, 10, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    m.check_in(at(2026, 10, 27, 9, 0)).unwrap();
    let p = view::prompts(&m.state, &m.cfg, at(2026, 10, 28, 9, 0), "zh-CN");
    let kinds: Vec<&str> = p.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        ["points_expiring", "streak_at_risk", "benefit_available"]
    );
    assert_eq!(p[0].text, "您有 100 积分即将过期(2026-11-01)");
    assert_eq!(p[0].priority, 10, "within 7 days is the urgent bucket");
    let p = view::prompts(&m.state, &m.cfg, at(2026, 10, 10, 9, 0), "en");
    assert_eq!(p[0].priority, 30, "within 30 days");
}

#[test]
fn tier_reached_prompt_on_the_day() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    let p = view::prompts(&m.state, &m.cfg, at(2026, 11, 1, 10, 0), "zh-CN");
    assert_eq!(p[0].text, "恭喜您升级为黄金会员");
    let p = view::prompts(&m.state, &m.cfg, at(2026, 11, 2, 10, 0), "zh-CN");
    assert!(p.iter().all(|p| p.kind != "tier_reached"));
}

#[test]
fn no_congratulation_for_a_downgrade() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "order", "order": "A", "amount_cents": 50000}),
    );
    assert_eq!(m.state.tier, 2, "gold on spend");
    // On 1 February the 90-day spend window no longer holds the order: down to silver.
    let ev = common::as_json(&m.track(at(2027, 2, 1, 9, 0), "open"));
    assert_eq!(common::find(&ev, "tier_changed").unwrap()["to"], "silver");
    let p = view::prompts(&m.state, &m.cfg, at(2027, 2, 1, 10, 0), "zh-CN");
    assert!(p.iter().all(|p| p.kind != "tier_reached"), "{p:?}");
}

#[test]
fn catalog_names_items_and_says_what_is_affordable() {
    let mut m = Member::seed(at(2026, 11, 2, 9, 0));
    m.grant(at(2026, 11, 2, 9, 0), 50);
    let now = at(2026, 11, 2, 10, 0);
    let items = view::catalog(&m.state, &m.cfg, now, "en");
    assert_eq!(items.len(), m.cfg.catalog.len());
    let freeze = items.iter().find(|i| i.id == "streak_freeze").unwrap();
    assert_eq!(
        (freeze.name.as_str(), freeze.cost_points, freeze.affordable),
        ("Streak freeze", 50, true)
    );
    m.ok(now, json!({"type": "redeem", "item": "streak_freeze"}));
    let items = view::catalog(&m.state, &m.cfg, now, "zh-CN");
    assert!(items.iter().all(|i| !i.affordable), "the balance is spent");
    assert_eq!(items[1].name, "5 元优惠券");
}
