//! View models for WXML (Vant/TDesign-shaped calendar cells, progress values) and the SVG
//! renderer: what each day shows, labels from the rules' messages, escaping, themes.
mod common;

use common::{at, config_from, seed_json, Member};
use serde_json::json;
use zailai::render::{calendar_svg, progress_svg, Theme};
use zailai::view::{self, ProgressValue};

/// Member who joined 2026-11-02, checked in 2nd–4th, made up nothing, missed 5th–6th; now
/// the 7th at noon, not yet checked in.
fn member() -> (Member, i64) {
    let mut m = Member::seed(at(2026, 11, 2, 9, 0));
    for d in 2..=4 {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    (m, at(2026, 11, 7, 12, 0))
}

/// A minimal well-formedness check: every element opened is closed in order.
fn balanced(svg: &str) -> bool {
    let mut stack = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map(|e| i + e).unwrap();
        let tag = &rest[i + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name.to_owned()) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_owned());
        }
        rest = &rest[end + 1..];
    }
    stack.is_empty()
}

#[test]
fn calendar_cells_are_vant_formatter_days() {
    let (m, now) = member();
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    let cells = view::calendar_cells(&cal, &m.cfg, "zh-CN");
    assert_eq!(cells.len(), cal.weeks.len() * 7);
    let day = |date: &str| cells.iter().find(|c| c.date == date).unwrap();
    // The 4th was the 3rd day of the streak: 5 points and a 10-point milestone.
    let fourth = serde_json::to_value(day("2026-11-04")).unwrap();
    assert_eq!(
        fourth,
        json!({"date": "2026-11-04", "type": "selected", "text": "4", "topInfo": "+15",
               "bottomInfo": "已签", "className": "zl-day zl-checked zl-milestone"})
    );
    assert_eq!(day("2026-11-03").top_info, "");
    assert_eq!(day("2026-11-05").bottom_info, "可补签");
    assert_eq!(day("2026-11-05").kind, "");
    assert_eq!(day("2026-11-07").bottom_info, "待签到");
    assert_eq!(day("2026-11-01").kind, "disabled", "before joining");
    // Checking in every day from today: the 7th is the 1st of a new streak, the 9th its 3rd.
    assert_eq!(day("2026-11-09").top_info, "+15");
    assert_eq!(day("2026-11-09").bottom_info, "", "the reward is on top");
    assert_eq!(day("2026-11-08").bottom_info, "+5");
    assert_eq!(
        day("2026-11-13").class_name,
        "zl-day zl-future zl-milestone zl-coupon"
    );
    let en = view::calendar_cells(&cal, &m.cfg, "en");
    assert_eq!(
        en.iter()
            .find(|c| c.date == "2026-11-05")
            .unwrap()
            .bottom_info,
        "Make up"
    );
}

#[test]
fn progress_values_for_tier_streak_and_tasks() {
    let (mut m, now) = member();
    let p = view::progress_values(&m.state, &m.cfg, now, "zh-CN");
    assert_eq!(
        p.streak.label, "再签 3 天可得 10 积分",
        "streak broken: 3 days to the 3-day milestone"
    );
    assert_eq!(p.streak.percentage, 0);
    assert_eq!(
        p.tier.label,
        view::tier_progress(&m.state, &m.cfg, now, "zh-CN").label
    );
    m.check_in(now).unwrap();
    m.check_in(at(2026, 11, 8, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 9, 9, 0)).unwrap();
    let p = view::progress_values(&m.state, &m.cfg, at(2026, 11, 9, 12, 0), "en");
    // Past the 3-day milestone: the bar restarts towards the 7th day.
    assert_eq!(p.streak.label, "4 more days for 30 points");
    assert_eq!(p.streak.percentage, 0);
    let query = p.tasks.iter().find(|t| t.id == "daily_query").unwrap();
    assert_eq!((query.label.as_str(), query.percentage), ("0/1", 0));
}

#[test]
fn calendar_svg_draws_every_day_by_status() {
    let (m, now) = member();
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    let svg = calendar_svg(&cal, &m.cfg, &Theme::default(), "zh-CN");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(balanced(&svg), "{svg}");
    assert!(svg.contains("<title>2026年11月</title>"));
    assert_eq!(svg.matches("<g class=\"zl-checked\">").count(), 3);
    assert_eq!(svg.matches("<g class=\"zl-makeup-available\">").count(), 2);
    assert_eq!(svg.matches("<g class=\"zl-today-pending\">").count(), 1);
    assert_eq!(
        svg.matches("stroke-dasharray").count(),
        2,
        "make-up days are dashed"
    );
    assert!(svg.contains("连续签到 0 天"));
    // The seed's first weekday is Monday: the header starts with 一 and ends with 日.
    let first = svg.find(">一</text>").unwrap();
    let sunday = svg.find(">日</text>").unwrap();
    assert!(first < sunday);
    // A badge on each milestone day: the 4th (past), then every 3rd and 7th day of the cycle
    // from today: 9, 13, 16, 20, 23, 27, 30 (the 7th days with a coupon).
    assert_eq!(svg.matches("<circle").count(), 8);
    assert_eq!(svg.matches(">券</text>").count(), 3);
}

#[test]
fn the_streak_band_follows_the_current_streak() {
    let mut m = Member::seed(at(2026, 11, 2, 9, 0));
    for d in 2..=4 {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    let now = at(2026, 11, 4, 20, 0);
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, now, "en").unwrap();
    let svg = calendar_svg(&cal, &m.cfg, &Theme::default(), "en");
    assert_eq!(svg.matches("height=\"3\"").count(), 3, "2nd, 3rd, 4th");
    assert!(svg.contains("<title>November 2026</title>"));
    assert!(svg.contains("3-day streak"));
}

#[test]
fn operator_texts_are_escaped() {
    let mut v = seed_json();
    v["messages"] = json!({"zh-CN": {"calendar.title": "<script>alert(1)</script>{year}", "streak.label": "a & b \"{n}\""}});
    let cfg = config_from(v);
    let m = Member::with(cfg, at(2026, 11, 2, 9, 0));
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, at(2026, 11, 2, 10, 0), "zh-CN").unwrap();
    let svg = calendar_svg(&cal, &m.cfg, &Theme::default(), "zh-CN");
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;2026"));
    assert!(svg.contains("a &amp; b &quot;0&quot;"));
    assert!(balanced(&svg));
}

#[test]
fn themes_override_the_defaults_and_bad_ones_name_the_field() {
    let theme = Theme::from_json(r##"{"checked": "#00aa00", "cell": 48, "radius": 0}"##).unwrap();
    assert_eq!(theme.checked, "#00aa00");
    assert_eq!(theme.today, Theme::default().today);
    let (m, now) = member();
    let cal = view::calendar(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    let svg = calendar_svg(&cal, &m.cfg, &theme, "zh-CN");
    assert!(svg.contains(r##"width="48" height="48" rx="0" fill="#00aa00""##));
    for (bad, path) in [
        (r#"{"checked": "red"}"#, "theme.checked"),
        (r##"{"checked": "#12\"/><script>"}"##, "theme.checked"),
        (r#"{"cell": 1000}"#, "theme.cell"),
        (r##"{"colour": "#fff"}"##, "theme.colour"),
        (r#"{"font_family": "x\"><script>"}"#, "theme.font_family"),
    ] {
        let e = Theme::from_json(bad).unwrap_err();
        assert_eq!(e.code.as_str(), "THEME_INVALID");
        assert!(e.detail.starts_with(path), "{bad}: {}", e.detail);
    }
}

#[test]
fn progress_bars_fill_their_share() {
    let value = ProgressValue {
        percentage: 40,
        label: "距离黄金会员还差 2 次使用".into(),
    };
    let svg = progress_svg(&value, &Theme::default());
    assert!(balanced(&svg));
    assert!(svg.contains(r#"width="120" height="8""#), "40% of 300");
    assert!(svg.contains(">40%</text>"));
    let over = progress_svg(
        &ProgressValue {
            percentage: 255,
            label: String::new(),
        },
        &Theme::default(),
    );
    assert!(over.contains(r##"width="300" height="8" rx="4" fill="#ff6034""##));
}

#[test]
fn the_poster_is_canvas_commands_with_streak_points_tier_and_month() {
    let (mut m, now) = member();
    m.check_in(now).unwrap();
    let json = zailai::render::poster(&m.state, &m.cfg, now, "zh-CN", &Theme::default()).unwrap();
    let cmds: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(cmds[0], json!(["fill", "#ffffff"]));
    assert_eq!(cmds[1], json!(["rect", 0, 0, 375, 640, 0]));
    let texts: Vec<&str> = cmds
        .iter()
        .filter(|c| c[0] == "text")
        .map(|c| c[1].as_str().unwrap())
        .collect();
    let balance = view::points_summary(&m.state, &m.cfg, now).balance;
    for want in ["每日签到", "1", "连续签到 1 天", "2026年11月", "一", "30"] {
        assert!(texts.contains(&want), "{want} in {texts:?}");
    }
    assert!(texts.contains(&format!("积分 {balance}").as_str()));
    // Two background rects, then one per day of November; make-up days and today are stroked.
    assert_eq!(cmds.iter().filter(|c| c[0] == "rect").count(), 2 + 30);
    assert_eq!(
        cmds.iter().filter(|c| c[0] == "strokeRect").count(),
        2,
        "5th and 6th can be made up"
    );
    assert!(cmds.iter().all(|c| c[0].is_string()));
}

#[test]
fn poster_texts_are_valid_json_whatever_the_operator_wrote() {
    let mut v = seed_json();
    v["messages"] = json!({"en": {"poster.title": "say \"hi\" \\ \n bye"}});
    let cfg = config_from(v);
    let m = Member::with(cfg, at(2026, 11, 2, 9, 0));
    let json = zailai::render::poster(
        &m.state,
        &m.cfg,
        at(2026, 11, 2, 10, 0),
        "en",
        &Theme::default(),
    )
    .unwrap();
    let cmds: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(cmds.iter().any(|c| c[1] == "say \"hi\" \\ \n bye"));
}

#[test]
fn the_monthly_report_counts_the_month_and_draws_a_card() {
    let mut m = Member::seed(at(2026, 10, 28, 9, 0));
    m.check_in(at(2026, 10, 31, 9, 0)).unwrap(); // October: not in November's figures
    for d in [1, 2, 3, 5, 6] {
        m.check_in(at(2026, 11, d, 9, 0)).unwrap();
    }
    m.ok(
        at(2026, 11, 6, 10, 0),
        json!({"type": "make_up", "date": "2026-11-04"}),
    );
    let now = at(2026, 12, 1, 9, 0);
    let r = view::monthly_report(&m.state, &m.cfg, 2026, 11, now, "zh-CN").unwrap();
    // 1–6 Nov all marked (the 4th made up): 6 days; with the 31st the streak ran 7 days, but
    // only November's days count for the month's longest run: 6.
    assert_eq!((r.checkins, r.longest_streak), (6, 6));
    assert_eq!(r.points_spent, 10, "the make-up");
    // Check-ins 5 × 5, and the 3rd day (2 Nov: 31 Oct, 1, 2) +10. The make-up rejoins the
    // streak to 7 days, but a make-up does not pay the missed 7-day milestone
    // (`pays_missed_milestones: false`).
    assert_eq!(r.points_earned, Some(5 * 5 + 10));
    assert_eq!(r.tier.id, "regular");
    assert_eq!(r.next_month.id, "regular");
    let svg = zailai::render::monthly_svg(&r, &m.cfg, &Theme::default(), "zh-CN");
    assert!(balanced(&svg));
    assert!(svg.contains("<title>11月会员月报</title>"));
    assert!(svg.contains(">35<") && svg.contains(">最长连签<"));
    assert!(svg.contains("下月权益:普通会员,签到 5 积分/天"));
    assert!(view::monthly_report(&m.state, &m.cfg, 2026, 13, now, "en").is_err());
}
