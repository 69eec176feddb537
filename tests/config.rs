mod common;

use common::seed_json;
use serde_json::json;
use zailai::Config;

#[test]
fn seed_preset_is_valid_and_has_the_seed_numbers() {
    let c = Config::seed();
    assert_eq!(c.business_day.utc_offset_minutes, 480);
    assert_eq!(c.checkin.streak_bonuses[0].day, 3);
    assert_eq!(c.checkin.streak_bonuses[0].reward.points, 10);
    assert_eq!(c.checkin.streak_bonuses[1].reward.points, 30);
    assert_eq!(c.checkin.makeup.cost_points, 10);
    let base: Vec<u32> = c
        .tiers
        .levels
        .iter()
        .map(|t| t.benefits.checkin_points)
        .collect();
    assert_eq!(base, [5, 8, 12, 15]);
    assert_eq!(c.points.earning["share"].points, 30);
    assert_eq!(c.points.earning["share"].daily_limit, Some(1));
    assert_eq!(
        (
            c.points.daily_cap,
            c.points.monthly_cap,
            c.points.expiry_months
        ),
        (100, 2000, 12)
    );
    assert_eq!(
        (c.points.checkout.points, c.points.checkout.cents),
        (100, 1000)
    );
    let discounts: Vec<u8> = c
        .tiers
        .levels
        .iter()
        .map(|t| t.benefits.discount_percent)
        .collect();
    assert_eq!(discounts, [100, 98, 95, 90]);
    assert_eq!(c.tiers.levels[3].benefits.lottery_weight, 2);
}

#[test]
fn milestone_order_error_has_path_and_reason() {
    let mut v = seed_json();
    v["checkin"]["streak_bonuses"][1]["day"] = json!(2);
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(err.code, "CONFIG_INVALID");
    let shown: Vec<String> = err.issues.iter().map(|i| i.to_string()).collect();
    assert!(
        shown.contains(
            &"checkin.streak_bonuses[1].day: must be greater than the previous milestone"
                .to_owned()
        ),
        "{shown:?}"
    );
}

#[test]
fn validation_returns_every_problem() {
    let mut v = seed_json();
    v["points"]["daily_cap"] = json!(3000);
    v["business_day"]["day_start_hour"] = json!(24);
    v["tiers"]["levels"][2]["upgrade"]["conditions"]["active_days"] = json!(5);
    v["tasks"][0]["action"] = json!("querry");
    v["tiers"]["paid"][0]["tier"] = json!("platinum");
    v["messages"] = json!({"en": {"streak.label": "{days} days", "nope": "x"}});
    let err = Config::parse(&v.to_string()).unwrap_err();
    let paths: Vec<&str> = err.issues.iter().map(|i| i.path.as_str()).collect();
    for expected in [
        "points.monthly_cap",
        "business_day.day_start_hour",
        "tiers.levels[2].upgrade.conditions.active_days",
        "tasks[0].action",
        "tiers.paid[0].tier",
        "messages.en.streak.label",
        "messages.en.nope",
    ] {
        assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
    }
    let tier_issue = err
        .issues
        .iter()
        .find(|i| i.path == "tiers.levels[2].upgrade.conditions.active_days")
        .unwrap();
    assert!(
        tier_issue
            .reason
            .contains("tiers.levels[1].upgrade.conditions.active_days (12)"),
        "{}",
        tier_issue.reason
    );
}

#[test]
fn unknown_fields_are_errors_with_their_path() {
    let mut v = seed_json();
    v["checkin"]["makeup"]["colour"] = json!("red");
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(err.issues.len(), 1);
    assert_eq!(err.issues[0].path, "checkin.makeup.colour");
    assert!(
        err.issues[0].reason.contains("unknown field"),
        "{}",
        err.issues[0].reason
    );
}

#[test]
fn type_errors_name_the_path() {
    let mut v = seed_json();
    v["tiers"]["levels"][1]["benefits"]["checkin_points"] = json!("eight");
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(
        err.issues[0].path,
        "tiers.levels[1].benefits.checkin_points"
    );
}

#[test]
fn syntax_errors_say_where() {
    let err = Config::parse("{\"schema_version\": \"1.0\",").unwrap_err();
    assert_eq!(err.code, "CONFIG_INVALID");
    assert!(
        err.issues[0].reason.contains("line 1"),
        "{}",
        err.issues[0].reason
    );
}

#[test]
fn tolerant_parse_ignores_unknown_fields_with_warnings() {
    let mut v = seed_json();
    v["schema_version"] = json!("1.7");
    v["lottery"] = json!({"prizes": []});
    v["tasks"][2]["icon"] = json!("star.png");
    let parsed = Config::parse_tolerant(&v.to_string()).unwrap();
    let paths: Vec<&str> = parsed.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["lottery", "tasks[2].icon"]);
    assert_eq!(parsed.config.tasks[2].id, "growth_use_10");
    // The strict parser refuses the same document.
    assert!(Config::parse(&v.to_string()).is_err());
}

#[test]
fn newer_major_is_refused_as_too_new() {
    let mut v = seed_json();
    v["schema_version"] = json!("2.0");
    assert_eq!(
        Config::parse_tolerant(&v.to_string()).unwrap_err().code,
        "CONFIG_TOO_NEW"
    );
    assert_eq!(
        Config::parse(&v.to_string()).unwrap_err().code,
        "CONFIG_TOO_NEW"
    );
    v["schema_version"] = json!("one");
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(
        (err.code, err.issues[0].path.as_str()),
        ("CONFIG_INVALID", "schema_version")
    );
}

#[test]
fn tier_count_and_entry_tier_rules() {
    let mut v = seed_json();
    let levels = v["tiers"]["levels"].as_array().unwrap().clone();
    v["tiers"]["levels"] = json!([levels[0], levels[1]]);
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert!(err
        .issues
        .iter()
        .any(|i| i.path == "tiers.levels" && i.reason.contains("3 to 5")));
    let mut v = seed_json();
    v["tiers"]["levels"][0]["upgrade"] = json!({"mode": "all", "conditions": {"orders": 1}});
    v["tiers"]["levels"][1]["id"] = json!("regular");
    let err = Config::parse(&v.to_string()).unwrap_err();
    let paths: Vec<&str> = err.issues.iter().map(|i| i.path.as_str()).collect();
    assert!(paths.contains(&"tiers.levels[0].upgrade"), "{paths:?}");
    assert!(paths.contains(&"tiers.levels[1].id"), "{paths:?}");
}

#[test]
fn makeup_window_variants_parse() {
    let mut v = seed_json();
    v["checkin"]["makeup"]["window"] = json!({"kind": "last_days", "days": 7});
    assert!(Config::parse(&v.to_string()).is_ok());
    v["checkin"]["makeup"]["window"] = json!({"kind": "last_days", "days": 0});
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert_eq!(err.issues[0].path, "checkin.makeup.window.days");
    v["checkin"]["makeup"]["window"] = json!({"kind": "forever"});
    assert!(Config::parse(&v.to_string()).is_err());
}

#[test]
fn locales_resolve_once_exact_then_language_then_default() {
    let cfg = Config::seed();
    // WeChat's spelling (wx.getAppBaseInfo().language) and BCP 47 alike.
    for (asked, got) in [
        (Some("zh_CN"), "zh-CN"),
        (Some("zh-cn"), "zh-CN"),
        (Some("zh_TW"), "zh-CN"),
        (Some("en"), "en"),
        (Some("en_US"), "en"),
        (Some("EN-gb"), "en"),
        (Some("fr"), "zh-CN"),
        (Some(""), "zh-CN"),
        (None, "zh-CN"),
    ] {
        assert_eq!(cfg.locale(asked), got, "{asked:?}");
    }
    // A locale the rules define is known too; its missing templates come from default_locale.
    let mut cfg = Config::seed();
    let mut ja = zailai::vecmap::VecMap::new();
    ja.insert("streak.label".to_owned(), "{n}日連続".to_owned());
    cfg.messages.insert("ja".to_owned(), ja);
    cfg.default_locale = "en".to_owned();
    assert_eq!(cfg.locale(Some("ja_JP")), "ja");
    assert_eq!(cfg.locale(Some("zh_CN")), "zh-CN");
    assert_eq!(cfg.locale(Some("de")), "en");
    let m = cfg.messages();
    assert_eq!(
        m.render("ja", "streak.label", &[("n", "3".into())]),
        "3日連続"
    );
    assert_eq!(
        m.render("ja", "tier.top", &[("tier", "Gold".into())]),
        m.render("en", "tier.top", &[("tier", "Gold".into())]),
        "a key the locale lacks comes from default_locale"
    );
    assert_ne!(
        m.render("zh-CN", "tier.top", &[("tier", "金".into())]),
        m.render("en", "tier.top", &[("tier", "金".into())])
    );
}

#[test]
fn every_shape_problem_of_a_rule_file_is_reported_at_once() {
    let mut doc = seed_json();
    doc["points"]["daily_cap"] = json!("100");
    doc["points"]["monthly_cap"] = json!(-3);
    doc["checkin"]["makeup"]
        .as_object_mut()
        .unwrap()
        .remove("cost_points");
    doc["tiers"]["levelz"] = json!([]);
    doc["tasks"][1]["targt"] = json!(3);
    doc["tasks"].as_array_mut().unwrap().push(json!({"id": "late", "kind": "weekly", "title": {"en": "x"}, "action": "open", "target": "2", "reward": {}, "claim": "auto"}));
    doc["points"]["earning"]["custom"] = json!({"points": "ten"});
    let err = Config::parse(&doc.to_string()).unwrap_err();
    let got: Vec<(&str, &str)> = err
        .issues
        .iter()
        .map(|i| (i.path.as_str(), i.reason.as_str()))
        .collect();
    let paths: Vec<&str> = got.iter().map(|g| g.0).collect();
    for want in [
        "points.daily_cap",
        "points.monthly_cap",
        "checkin.makeup",
        "tiers.levelz",
        "tasks[1].targt",
        "tasks[6].kind",
        "tasks[6].target",
        "points.earning.custom.points",
    ] {
        assert!(paths.contains(&want), "{want} missing from {got:#?}");
    }
    assert_eq!(got.len(), 8, "each once: {got:#?}");
    assert!(got.contains(&("checkin.makeup", "missing field `cost_points`")));
    // A file with one problem still reports exactly it.
    let mut one = seed_json();
    one["newbie_days"] = json!(true);
    let err = Config::parse(&one.to_string()).unwrap_err();
    assert_eq!(err.issues.len(), 1);
    assert_eq!(err.issues[0].path, "newbie_days");
}
