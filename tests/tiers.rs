mod common;

use common::{as_json, at, find, Member};
use serde_json::json;
use zailai::view;

fn use_day(m: &mut Member, d: u8) {
    m.track(at(2026, 11, d, 9, 0), "open");
}

#[test]
fn upgrade_needs_all_dimensions_and_happens_at_once() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    for d in 1..=12 {
        use_day(&mut m, d);
        m.track(at(2026, 11, d, 9, 1), "query"); // daily task: one completion a day
    }
    assert_eq!(m.state.tier, 0, "minutes are still missing");
    let p = view::tier_progress(&m.state, &m.cfg, at(2026, 11, 12, 10, 0), "zh-CN");
    assert_eq!(p.label, "距离白银会员还差 10 分钟使用时长");
    assert_eq!(p.percentage, 0);
    let ev = as_json(&m.ok(
        at(2026, 11, 12, 10, 0),
        json!({"type": "session", "minutes": 10}),
    ));
    let t = find(&ev, "tier_changed").unwrap();
    assert_eq!(
        (t["from"].as_str(), t["to"].as_str(), t["reason"].as_str()),
        (Some("regular"), Some("silver"), Some("upgrade"))
    );
    assert_eq!(
        view::summary(&m.state, &m.cfg, at(2026, 11, 12, 10, 0)).tier,
        "silver"
    );
}

#[test]
fn progress_labels_name_the_deciding_dimension() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 8, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    for d in 1..=18 {
        use_day(&mut m, d);
    }
    // Gold is `any` of 20 active days or 500 yuan: active days are closest.
    let p = view::tier_progress(&m.state, &m.cfg, at(2026, 11, 18, 10, 0), "zh-CN");
    assert_eq!(p.tier.id, "silver");
    assert_eq!(p.label, "距离黄金会员还差 2 次使用");
    assert_eq!(p.percentage, 90);
    let en = view::tier_progress(&m.state, &m.cfg, at(2026, 11, 18, 10, 0), "en");
    assert_eq!(en.label, "2 more days of use to reach Gold");

    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 8, 0),
        json!({"type": "buy_membership", "plan": "monthly"}),
    );
    m.ok(
        at(2026, 11, 2, 8, 0),
        json!({"type": "order", "order": "A", "amount_cents": 40000}),
    );
    let p = view::tier_progress(&m.state, &m.cfg, at(2026, 11, 2, 10, 0), "zh-CN");
    assert_eq!(p.label, "再消费 100 元即可升级");
    assert_eq!(p.percentage, 80);
    let spend = p
        .dimensions
        .iter()
        .find(|d| d.remaining == 10000)
        .expect("spend dimension");
    assert_eq!(spend.current, 40000);
}

#[test]
fn downgrade_one_step_at_a_month_start_when_conditions_lapse() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    for d in 1..=14 {
        use_day(&mut m, d);
        m.track(at(2026, 11, d, 9, 1), "query");
    }
    m.ok(
        at(2026, 11, 14, 10, 0),
        json!({"type": "session", "minutes": 15}),
    );
    assert_eq!(m.state.tier, 1);
    // 1 December: November still holds 14 active days: kept.
    let ev = as_json(&m.track(at(2026, 12, 1, 9, 0), "open"));
    assert!(find(&ev, "tier_changed").is_none());
    // 1 January: December had one active day: down one tier.
    let ev = as_json(&m.track(at(2027, 1, 1, 9, 0), "open"));
    let t = find(&ev, "tier_changed").unwrap();
    assert_eq!(
        (t["to"].as_str(), t["reason"].as_str()),
        (Some("regular"), Some("downgrade"))
    );
}

#[test]
fn paid_membership_grants_its_tier_for_its_term_and_ends() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let ev = as_json(&m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    ));
    assert_eq!(
        find(&ev, "membership_started").unwrap()["until"],
        "2027-10-31"
    );
    assert_eq!(find(&ev, "tier_changed").unwrap()["to"], "gold");
    let p = view::tier_progress(&m.state, &m.cfg, at(2027, 10, 31, 9, 0), "en");
    assert_eq!(
        (p.tier.id.as_str(), p.paid_until.map(|d| d.to_string())),
        ("gold", Some("2027-10-31".into()))
    );
    let ev = as_json(&m.track(at(2027, 11, 1, 9, 0), "open"));
    assert!(find(&ev, "membership_ended").is_some());
    assert_eq!(find(&ev, "tier_changed").unwrap()["reason"], "paid_ended");
}

#[test]
fn paid_tier_never_lowers_an_earned_higher_tier() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "order", "order": "A", "amount_cents": 50000}),
    );
    assert_eq!(m.state.tier, 2, "gold is `any`: 500 yuan is enough");
    let ev = as_json(&m.ok(
        at(2026, 11, 1, 9, 1),
        json!({"type": "buy_membership", "plan": "monthly"}),
    ));
    assert!(find(&ev, "tier_changed").is_none());
    assert_eq!(
        view::tier_progress(&m.state, &m.cfg, at(2026, 11, 1, 10, 0), "en")
            .tier
            .id,
        "gold"
    );
}

#[test]
fn top_tier_has_no_next() {
    let mut v = common::seed_json();
    v["tiers"]["paid"][1]["tier"] = json!("diamond");
    let mut m = Member::with(common::config_from(v), at(2026, 11, 1, 9, 0));
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    let p = view::tier_progress(&m.state, &m.cfg, at(2026, 11, 1, 10, 0), "zh-CN");
    assert!(p.next.is_none());
    assert_eq!(
        (p.percentage, p.label.as_str()),
        (100, "您已是最高等级:钻石会员")
    );
}

#[test]
fn free_services_per_month_follow_the_tier() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let err = m
        .op(at(2026, 11, 1, 9, 0), json!({"type": "use_service"}))
        .unwrap_err();
    assert_eq!(err.code, zailai::ErrorCode::NoFreeServiceLeft);
    m.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    for left in [2, 1, 0] {
        let ev = as_json(&m.ok(at(2026, 11, 2, 9, 0), json!({"type": "use_service"})));
        assert_eq!(find(&ev, "service_used").unwrap()["left"], left);
    }
    assert!(m
        .op(at(2026, 11, 2, 9, 0), json!({"type": "use_service"}))
        .is_err());
    m.ok(at(2026, 12, 1, 9, 0), json!({"type": "use_service"}));
}

/// The upgrade check after an op tries only the tiers above the earned one: a late op (dated
/// before a paid term bought since) by a member who still meets her earned silver changes
/// nothing and reports no tier change (the plan's gold was reported when it was bought).
#[test]
fn a_late_op_before_a_paid_term_reports_no_tier_change() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    for d in 1..=12 {
        use_day(&mut m, d);
        m.track(at(2026, 11, d, 9, 1), "query");
    }
    m.ok(
        at(2026, 11, 12, 10, 0),
        json!({"type": "session", "minutes": 10}),
    );
    assert_eq!(m.state.tier, 1);
    let bought = as_json(&m.ok(
        at(2026, 11, 14, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    ));
    assert_eq!(find(&bought, "tier_changed").unwrap()["to"], "gold");
    let reached = m.state.tier_reached;
    // An offline open of the 13th arrives after the purchase.
    let late = as_json(&m.track(at(2026, 11, 13, 9, 0), "open"));
    assert!(find(&late, "tier_changed").is_none(), "{late:?}");
    assert_eq!((m.state.tier, m.state.tier_reached), (1, reached));
}
