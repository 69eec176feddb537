//! Campaigns: multipliers in their window, early access by tier, eligibility, caps, no
//! stacking, participation records, validation and the overlap warning.
mod common;

use common::{at, config_from, seed_json, Member};
use serde_json::{json, Value};
use zailai::{Config, Event, State};

fn with_campaigns(campaigns: Value) -> Config {
    let mut v = seed_json();
    v["campaigns"] = campaigns;
    // The seed's cards and lottery follow its Spring Festival campaign, replaced here.
    v.as_object_mut().unwrap().remove("cards");
    v.as_object_mut().unwrap().remove("lotteries");
    config_from(v)
}

fn holiday() -> Value {
    json!({"id": "double_week", "name": {"zh-CN": "签到翻倍周", "en": "Double week"},
           "start": "2026-11-10", "days": 7, "checkin_multiplier": 2})
}

/// Points credited by `events`, by source.
fn credits(events: &[Event]) -> Vec<(String, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PointsCredited {
                source, granted, ..
            } => Some((source.clone(), *granted)),
            _ => None,
        })
        .collect()
}

#[test]
fn check_in_points_double_inside_the_window_only() {
    let mut m = Member::with(with_campaigns(json!([holiday()])), at(2026, 11, 8, 9, 0));
    let before = m.check_in(at(2026, 11, 9, 23, 59)).unwrap();
    assert_eq!(credits(&before), [("check_in".to_owned(), 5)]);
    let first = m.check_in(at(2026, 11, 10, 0, 0)).unwrap();
    assert_eq!(
        credits(&first),
        [
            ("check_in".to_owned(), 5),
            ("campaign:double_week".to_owned(), 5)
        ]
    );
    assert!(first
        .iter()
        .any(|e| matches!(e, Event::CampaignJoined { campaign, .. } if campaign == "double_week")));
    let second = m.check_in(at(2026, 11, 11, 9, 0)).unwrap();
    assert!(
        !second
            .iter()
            .any(|e| matches!(e, Event::CampaignJoined { .. })),
        "joined once"
    );
    // The 11th is the streak's 3rd day: base 5, campaign 5, milestone 10 (milestones are not
    // multiplied).
    assert_eq!(
        m.state
            .checkins
            .get(&zailai::day::days_from_civil(2026, 11, 11))
            .unwrap()
            .points,
        20
    );
    let after = m.check_in(at(2026, 11, 17, 9, 0)).unwrap();
    assert!(
        credits(&after).iter().all(|(r, _)| r == "check_in"),
        "the 17th is past the 7 days"
    );
    let entry = m.state.campaigns.get("double_week").unwrap();
    assert_eq!(
        (entry.joined, entry.actions),
        (zailai::day::days_from_civil(2026, 11, 10), 2)
    );
}

#[test]
fn gold_members_join_an_hour_early_and_tier_lists_limit_who_joins() {
    let mut gold_only = holiday();
    gold_only["tiers"] = json!(["gold", "diamond"]);
    let cfg = with_campaigns(
        json!([holiday(), {"id": "vip", "name": {"en": "VIP"}, "start": "2026-11-20", "days": 3, "checkin_multiplier": 3, "tiers": ["gold"]}]),
    );
    let mut gold = Member::with(cfg.clone(), at(2026, 11, 1, 9, 0));
    gold.ok(
        at(2026, 11, 1, 9, 0),
        json!({"type": "buy_membership", "plan": "yearly"}),
    );
    let mut plain = Member::with(cfg, at(2026, 11, 1, 9, 0));
    // 23:30 on the 9th: the campaign starts at midnight, gold's early access an hour before.
    let g = gold.check_in(at(2026, 11, 9, 23, 30)).unwrap();
    let p = plain.check_in(at(2026, 11, 9, 23, 30)).unwrap();
    assert_eq!(
        credits(&g),
        [
            ("check_in".to_owned(), 12),
            ("campaign:double_week".to_owned(), 12)
        ]
    );
    assert_eq!(credits(&p), [("check_in".to_owned(), 5)]);
    // The gold-only campaign: ×3 for gold, nothing (and no participation) for the others.
    let g = gold.check_in(at(2026, 11, 20, 9, 0)).unwrap();
    let p = plain.check_in(at(2026, 11, 20, 9, 0)).unwrap();
    assert_eq!(
        credits(&g),
        [("check_in".to_owned(), 12), ("campaign:vip".to_owned(), 24)]
    );
    assert_eq!(credits(&p), [("check_in".to_owned(), 5)]);
    assert!(plain.state.campaigns.get("vip").is_none());
}

#[test]
fn multipliers_do_not_stack_and_caps_still_cut() {
    let cfg = with_campaigns(json!([
        holiday(),
        {"id": "triple", "name": {"en": "Triple"}, "start": "2026-11-12", "days": 2, "checkin_multiplier": 3, "action_multiplier": 2}
    ]));
    let mut m = Member::with(cfg, at(2026, 11, 8, 9, 0));
    let e = m.check_in(at(2026, 11, 12, 9, 0)).unwrap();
    assert_eq!(
        credits(&e),
        [
            ("check_in".to_owned(), 5),
            ("campaign:triple".to_owned(), 10)
        ],
        "the larger, not both"
    );
    assert_eq!(m.state.campaigns.len(), 2, "took part in both");
    // Actions: share 30 ×2 within the daily cap of 100: 15 (check-in) + 30 + 30 = 75, then
    // review 20 + 20 reaches 100 with 15 cut.
    let e = m.ok(
        at(2026, 11, 12, 10, 0),
        json!({"type": "track", "action": "share"}),
    );
    assert_eq!(
        credits(&e),
        [
            ("earn:share".to_owned(), 30),
            ("campaign:triple".to_owned(), 30)
        ]
    );
    let e = m.ok(
        at(2026, 11, 12, 11, 0),
        json!({"type": "track", "action": "review"}),
    );
    assert_eq!(
        credits(&e),
        [
            ("earn:review".to_owned(), 20),
            ("campaign:triple".to_owned(), 5)
        ]
    );
    assert_eq!(
        m.state
            .days
            .get(&zailai::day::days_from_civil(2026, 11, 12))
            .unwrap()
            .earned,
        100
    );
}

#[test]
fn participation_survives_the_json_round_trip_and_old_states_read() {
    let mut m = Member::with(with_campaigns(json!([holiday()])), at(2026, 11, 8, 9, 0));
    m.check_in(at(2026, 11, 10, 9, 0)).unwrap();
    let json = m.state.to_json();
    assert!(json.contains(r#""campaigns":{"double_week":{"joined":"#));
    assert_eq!(State::from_json(&json).unwrap(), m.state);
    // States written before these fields existed lack them: they read as empty.
    let plain = Member::seed(at(2026, 11, 8, 9, 0));
    let mut old: serde_json::Value = serde_json::from_str(&plain.state.to_json()).unwrap();
    for field in ["campaigns", "returned", "offers", "cards", "draws"] {
        assert!(
            old.as_object_mut().unwrap().remove(field).is_some(),
            "{field} is written"
        );
    }
    assert_eq!(State::from_json(&old.to_string()).unwrap(), plain.state);
}

#[test]
fn bad_campaigns_are_named_by_path() {
    let mut v = seed_json();
    // Cards and lotteries of the seed follow the campaign replaced here.
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    v["campaigns"] = json!([
        {"id": "a", "name": {"en": "A"}, "start": "2026-11-10", "days": 0, "checkin_multiplier": 11},
        {"id": "a", "name": {}, "start": "2026-11-10", "days": 7, "tiers": ["platinum"]},
    ]);
    let e = Config::parse(&v.to_string()).unwrap_err();
    let paths: Vec<&str> = e.issues.iter().map(|i| i.path.as_str()).collect();
    for want in [
        "campaigns[0].days",
        "campaigns[0].checkin_multiplier",
        "campaigns[1].id",
        "campaigns[1].name",
        "campaigns[1].tiers[0]",
    ] {
        assert!(paths.contains(&want), "{want} in {paths:?}");
    }
    // Cards and lotteries of the seed follow the campaign replaced here.
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    v["campaigns"] = json!([{"id": "a", "name": {"en": "A"}, "start": "2026-02-30", "days": 7}]);
    let e = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(e.issues[0].path, "campaigns[0].start");
}

#[test]
fn more_than_two_campaigns_in_a_week_is_a_warning_not_an_error() {
    let c =
        |id: &str, start: &str| json!({"id": id, "name": {"en": id}, "start": start, "days": 3});
    let two = with_campaigns(json!([c("a", "2026-11-10"), c("b", "2026-11-12")]));
    assert!(two.lint().is_empty());
    let three = with_campaigns(json!([
        c("a", "2026-11-10"),
        c("b", "2026-11-12"),
        c("c", "2026-11-15"),
        c("far", "2027-01-01")
    ]));
    let warnings = three.lint();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "campaigns");
    assert!(
        warnings[0].reason.contains("3 campaigns overlap")
            && warnings[0].reason.contains("a, b, c"),
        "{}",
        warnings[0].reason
    );
    let mut v = serde_json::to_value(with_campaigns(json!([
        c("a", "2026-11-10"),
        c("b", "2026-11-12"),
        c("c", "2026-11-15")
    ])))
    .unwrap();
    v["campaign_overlap_limit"] = json!(3);
    assert!(
        config_from(v).lint().is_empty(),
        "the limit is the operator's"
    );
}

#[test]
fn the_campaign_view_says_upcoming_active_ended_and_what_the_calendar_promises() {
    let mut gold_only = json!({"id": "vip", "name": {"zh-CN": "会员专享", "en": "VIP"}, "start": "2026-11-20", "days": 3, "checkin_multiplier": 3, "tiers": ["gold"]});
    gold_only["action_multiplier"] = json!(2);
    let cfg = with_campaigns(
        json!([holiday(), gold_only, {"id": "old", "name": {"en": "Old"}, "start": "2026-01-01", "days": 7}]),
    );
    let mut m = Member::with(cfg, at(2026, 11, 8, 9, 0));
    let now = at(2026, 11, 9, 12, 0);
    let list = zailai::view::campaigns(&m.state, &m.cfg, now, "zh-CN");
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["double_week", "vip"], "long-ended campaigns drop off");
    assert_eq!(list[0].name, "签到翻倍周");
    assert_eq!(serde_json::to_value(list[0].status).unwrap(), "upcoming");
    assert_eq!(list[0].end.to_string(), "2026-11-16");
    assert!(list[0].eligible && !list[0].joined);
    assert!(!list[1].eligible, "gold only");
    // The calendar shows tomorrow's doubled check-in.
    let cal = zailai::view::calendar(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    let tenth = cal
        .weeks
        .iter()
        .flatten()
        .find(|d| d.day == 10 && d.date.month == 11)
        .unwrap();
    assert_eq!(tenth.points, 10);
    m.check_in(at(2026, 11, 10, 9, 0)).unwrap();
    let list = zailai::view::campaigns(&m.state, &m.cfg, at(2026, 11, 10, 10, 0), "en");
    assert_eq!(serde_json::to_value(list[0].status).unwrap(), "active");
    assert!(list[0].joined);
    let list = zailai::view::campaigns(&m.state, &m.cfg, at(2026, 11, 30, 10, 0), "en");
    assert_eq!(serde_json::to_value(list[0].status).unwrap(), "ended");
}
