//! The report's charts as data for the operator console (issue 28, ECharts): the same six
//! charts the SVGs draw, each as categories and aligned series of numbers, in one shape
//! (`docs/report.md`, "Charts as data"). A pure function of the report and the rules' tiers:
//! `GET /v1/admin/report/charts` and `zailai report --charts FILE` print the same.

use crate::report::{Rate, Report};
use crate::report_svg_scorecard::{threshold_percent, Lines};
use serde::Serialize;
use zailai::config::Tier;
use zailai::day::Date;

/// A text in the console's two languages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    #[serde(rename = "zh-CN")]
    pub zh: String,
    pub en: String,
}

fn t(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        zh: zh.into(),
        en: en.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Series over `x` as lines.
    Line,
    /// Series side by side on each category of `x`.
    Bar,
    /// Series stacked on each category of `x`.
    Stacked,
    /// Rows (the series) by columns (`x`), each cell shaded by its value.
    Heatmap,
    /// The first series' values narrowing along `x`.
    Funnel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Members,
    /// A share, 0–1 (4 decimals).
    Rate,
    /// Money in cents (fen): divide by 100 for yuan.
    Cents,
    Points,
    /// A plain ratio (a campaign's ROI).
    Ratio,
}

/// A number of a series: counts, points and cents stay integers in the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Real(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Stable key (a tier or campaign id, a metric name).
    pub name: String,
    pub label: Text,
    /// One per category of `x`; `null` where the report has no value.
    pub values: Vec<Option<Num>>,
    /// Set where it differs from the chart's (a second value axis).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// A value a series should reach: values under `min` call for action (seed 001 §五).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub series: String,
    pub min: f64,
    pub label: Text,
}

/// A figure of the range shown beside a chart (a caption, not a series).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub name: String,
    pub label: Text,
    pub value: Option<Num>,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// The SVG chart of the same name (`report_svg::CHARTS`).
    pub id: &'static str,
    pub title: Text,
    pub kind: Kind,
    pub unit: Unit,
    /// The categories: days (`YYYY-MM-DD`), `D1`/`D7`/`D30`, tier or campaign ids.
    pub x: Vec<String>,
    /// Where `x` holds ids with names in the rules (the tiers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub x_labels: Vec<Text>,
    /// No series, or none with a value, means no data in the range: the console says so.
    pub series: Vec<Series>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    pub from: Date,
    pub to: Date,
    pub charts: Vec<Chart>,
}

/// An integer as it is (points and cents past i64 cannot occur: they would not sum in SQL).
fn int(n: impl TryInto<i64>) -> Option<Num> {
    Some(Num::Int(n.try_into().unwrap_or(i64::MAX)))
}

fn rate(r: Option<Rate>) -> Option<Num> {
    r.map(|r| Num::Real(r.rate))
}

fn real(v: Option<f64>) -> Option<Num> {
    v.map(Num::Real)
}

fn series(name: &str, label: Text, values: Vec<Option<Num>>) -> Series {
    Series {
        name: name.to_owned(),
        label,
        values,
        unit: None,
    }
}

fn chart(id: &'static str, title: Text, kind: Kind, unit: Unit, x: Vec<String>) -> Chart {
    Chart {
        id,
        title,
        kind,
        unit,
        x,
        x_labels: Vec::new(),
        series: Vec::new(),
        targets: Vec::new(),
        figures: Vec::new(),
    }
}

/// The rules' tier ids, lowest first, then those the report counts that the rules no longer
/// name, each with its name (the id where the rules have none).
fn tier_names(r: &Report, levels: &[Tier]) -> Vec<(String, Text)> {
    let name = |t: &Tier, lang: &str| t.name.get(lang).cloned().unwrap_or_else(|| t.id.clone());
    let mut out: Vec<(String, Text)> = levels
        .iter()
        .map(|l| (l.id.clone(), t(name(l, "zh-CN"), name(l, "en"))))
        .collect();
    for week in &r.tiers {
        for id in week.counts.keys() {
            if !out.iter().any(|(known, _)| known == id) {
                out.push((id.clone(), t(id.as_str(), id.as_str())));
            }
        }
    }
    out
}

fn cohorts(r: &Report) -> Chart {
    let mut c = chart(
        "cohorts",
        t("按周同期群留存", "Retention by weekly cohort"),
        Kind::Heatmap,
        Unit::Rate,
        ["D1", "D7", "D30"].map(String::from).to_vec(),
    );
    c.series = r
        .cohorts
        .iter()
        .map(|k| {
            series(
                &k.week.to_string(),
                t(
                    format!("{}（{} 人）", k.week, k.size),
                    format!("{} (n={})", k.week, k.size),
                ),
                vec![rate(k.d1), rate(k.d7), rate(k.d30)],
            )
        })
        .collect();
    c
}

fn tiers(r: &Report, names: &[(String, Text)]) -> Chart {
    let mut c = chart(
        "tiers",
        t("每周各等级会员数", "Members by tier, week by week"),
        Kind::Stacked,
        Unit::Members,
        r.tiers.iter().map(|w| w.week_end.to_string()).collect(),
    );
    if !r.tiers.is_empty() {
        c.series = names
            .iter()
            .map(|(id, label)| {
                let values = r
                    .tiers
                    .iter()
                    .map(|w| int(w.counts.get(id).copied().unwrap_or(0)))
                    .collect();
                series(id, label.clone(), values)
            })
            .collect();
    }
    c
}

fn uplift(r: &Report) -> Chart {
    let mut c = chart(
        "uplift",
        t("活动留存提升", "Campaign retention uplift"),
        Kind::Bar,
        Unit::Rate,
        r.campaigns.iter().map(|k| k.id.clone()).collect(),
    );
    let each = |f: fn(&crate::report::CampaignReport) -> Option<Num>| {
        r.campaigns.iter().map(f).collect::<Vec<_>>()
    };
    c.series = vec![
        series(
            "participants",
            t(
                "参与者 7 日内活跃",
                "Participants active in the 7 days after",
            ),
            each(|k| rate(k.participants_retained)),
        ),
        series(
            "others",
            t("可比非参与者", "Comparable others"),
            each(|k| rate(k.others_retained)),
        ),
        series("uplift", t("提升", "Uplift"), each(|k| real(k.uplift))),
    ];
    c
}

fn liability(r: &Report) -> Chart {
    let l = &r.ledger;
    let mut c = chart(
        "liability",
        t("每周未兑付积分", "Points outstanding week by week"),
        Kind::Line,
        Unit::Points,
        l.weekly.iter().map(|w| w.week_end.to_string()).collect(),
    );
    c.series = vec![
        series(
            "outstanding",
            t("未兑付积分", "Points outstanding"),
            l.weekly.iter().map(|w| int(w.points)).collect(),
        ),
        Series {
            unit: Some(Unit::Cents),
            ..series(
                "liability",
                t("按兑换比例折合金额", "Value at the checkout rate"),
                l.weekly.iter().map(|w| int(w.cents)).collect(),
            )
        },
    ];
    // The report keeps these for the whole range only, not per week.
    let figure = |name: &str, label: Text, value: Option<Num>, unit: Unit| Figure {
        name: name.to_owned(),
        label,
        value,
        unit,
    };
    c.figures = vec![
        figure(
            "issued",
            t("发放", "Issued"),
            int(l.issued_total),
            Unit::Points,
        ),
        figure(
            "redeemed",
            t("消耗", "Redeemed"),
            int(l.redeemed),
            Unit::Points,
        ),
        figure(
            "expired",
            t("过期", "Expired"),
            int(l.expired),
            Unit::Points,
        ),
        figure(
            "breakage",
            t("过期占比", "Breakage"),
            real(l.breakage),
            Unit::Rate,
        ),
        figure(
            "expiring_30d",
            t("30 天内到期", "Expiring in the 30 days after"),
            int(l.expiring_30d),
            Unit::Points,
        ),
    ];
    c
}

fn funnel(r: &Report, names: &[(String, Text)], lines: Lines) -> Chart {
    let last = r.tiers.last();
    let title = match last {
        Some(w) => t(
            format!("等级漏斗（{} 各等级会员数）", w.week_end),
            format!("Tier funnel (members on {})", w.week_end),
        ),
        None => t("等级漏斗", "Tier funnel"),
    };
    let mut c = chart("funnel", title, Kind::Funnel, Unit::Members, Vec::new());
    let Some(week) = last else {
        return c;
    };
    c.x = names.iter().map(|(id, _)| id.clone()).collect();
    c.x_labels = names.iter().map(|(_, label)| label.clone()).collect();
    let upgrade = |i: usize| {
        let next = names.get(i + 1)?;
        let u = r
            .membership
            .upgrades
            .iter()
            .find(|u| u.from == names[i].0 && u.to == next.0)?;
        real(u.upgraded.map(|s| s.rate))
    };
    c.series = vec![
        series(
            "members",
            t("会员数", "Members"),
            names
                .iter()
                .map(|(id, _)| int(week.counts.get(id).copied().unwrap_or(0)))
                .collect(),
        ),
        Series {
            unit: Some(Unit::Rate),
            ..series(
                "upgrade",
                t("升至下一等级的比例", "Reached the next tier"),
                (0..names.len()).map(upgrade).collect(),
            )
        },
    ];
    c.targets = vec![Target {
        series: "upgrade".into(),
        min: lines.upgrade,
        label: t(
            format!(
                "升级率低于 {} 需调整升级条件或权益",
                threshold_percent(lines.upgrade)
            ),
            format!(
                "An upgrade rate under {} calls for action",
                threshold_percent(lines.upgrade)
            ),
        ),
    }];
    c
}

fn roi(r: &Report, lines: Lines) -> Chart {
    let mut c = chart(
        "roi",
        t("活动投入产出比", "Campaign ROI"),
        Kind::Bar,
        Unit::Cents,
        r.campaigns.iter().map(|k| k.id.clone()).collect(),
    );
    let each = |f: fn(&crate::scorecard::Roi) -> Option<Num>| {
        r.campaigns.iter().map(|k| f(&k.roi)).collect::<Vec<_>>()
    };
    c.series = vec![
        series("cost", t("投入", "Cost"), each(|k| int(k.cost_cents))),
        series(
            "revenue",
            t(
                "参与者收入（活动期间及之后 7 天）",
                "Participants' revenue (during and 7 days after)",
            ),
            each(|k| int(k.revenue_cents)),
        ),
        series(
            "baseline",
            t("可比非参与者基线", "Baseline of comparable others"),
            each(|k| int(k.baseline_cents)),
        ),
        Series {
            unit: Some(Unit::Ratio),
            ..series(
                "roi",
                t(
                    "ROI =（收入 − 基线）/ 投入",
                    "ROI = (revenue − baseline) / cost",
                ),
                each(|k| real(k.roi)),
            )
        },
    ];
    c.targets = vec![Target {
        series: "roi".into(),
        min: lines.roi,
        label: t(
            format!("目标 ROI ≥ {}", lines.roi),
            format!("Target ROI ≥ {}", lines.roi),
        ),
    }];
    c
}

/// Every chart of the report as data, in the order of `report_svg::CHARTS`; `levels` are the
/// rules' tiers, lowest first (their ids order the tier series, their names label them);
/// `lines` the scorecard's thresholds the funnel and ROI charts mark.
pub fn charts(r: &Report, levels: &[Tier], lines: Lines) -> Charts {
    let names = tier_names(r, levels);
    Charts {
        from: r.from,
        to: r.to,
        charts: vec![
            cohorts(r),
            tiers(r, &names),
            uplift(r),
            liability(r),
            funnel(r, &names, lines),
            roi(r, lines),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_svg::tests::report;
    use crate::scorecard::{LiabilityWeek, Roi, Share, Upgrade};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn levels() -> Vec<Tier> {
        zailai::Config::seed().tiers.levels.clone()
    }

    /// The sample report with the scorecard filled: a ledger over two weeks, the upgrades
    /// out of regular and silver, the campaign's return.
    fn sample() -> Report {
        let mut r = report();
        let l = &mut r.ledger;
        l.issued = BTreeMap::from([("checkin".to_owned(), 900), ("draw".to_owned(), 100)]);
        (l.issued_total, l.redeemed, l.expired, l.breakage) = (1000, 300, 100, Some(0.25));
        (l.outstanding, l.liability_cents, l.expiring_30d) = (600, 6000, 40);
        l.weekly = vec![
            LiabilityWeek {
                week_end: d("2026-11-08"),
                points: 400,
                cents: 4000,
            },
            LiabilityWeek {
                week_end: d("2026-11-15"),
                points: 600,
                cents: 6000,
            },
        ];
        r.membership.upgrades = vec![
            Upgrade {
                from: "regular".into(),
                to: "silver".into(),
                upgraded: Share::new(1, 4),
            },
            Upgrade {
                from: "silver".into(),
                to: "gold".into(),
                upgraded: Share::new(0, 1),
            },
        ];
        r.campaigns[0].roi = Roi {
            cost_cents: 10_000,
            revenue_cents: 40_000,
            baseline_cents: 15_000,
            roi: Some(2.5),
        };
        r
    }

    fn ints(v: &[i64]) -> Vec<Option<Num>> {
        v.iter().map(|&n| Some(Num::Int(n))).collect()
    }

    fn names(c: &Chart) -> Vec<&str> {
        c.series.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn every_chart_in_the_order_of_the_svgs() {
        let all = charts(&sample(), &levels(), Lines::default());
        assert_eq!((all.from, all.to), (d("2026-11-02"), d("2026-11-20")));
        let ids: Vec<&str> = all.charts.iter().map(|c| c.id).collect();
        assert_eq!(ids, crate::report_svg::CHARTS);
    }

    #[test]
    fn cohorts_tiers_and_uplift_as_data() {
        let all = charts(&sample(), &levels(), Lines::default());
        let [cohorts, tiers, uplift, ..] = &all.charts[..] else {
            panic!("six charts")
        };
        assert_eq!((cohorts.kind, cohorts.unit), (Kind::Heatmap, Unit::Rate));
        assert_eq!(cohorts.title.zh, "按周同期群留存");
        assert_eq!(cohorts.x, ["D1", "D7", "D30"]);
        assert_eq!(names(cohorts), ["2026-11-02", "2026-11-09"]);
        assert_eq!(
            cohorts.series[0].label,
            t("2026-11-02（3 人）", "2026-11-02 (n=3)")
        );
        assert_eq!(
            cohorts.series[0].values,
            [Some(Num::Real(2.0 / 3.0)), Some(Num::Real(1.0 / 3.0)), None]
        );
        assert_eq!(cohorts.series[1].values[1], Some(Num::Real(1.0)));

        assert_eq!((tiers.kind, tiers.unit), (Kind::Stacked, Unit::Members));
        assert_eq!(tiers.x, ["2026-11-08", "2026-11-15"]);
        assert_eq!(names(tiers), ["regular", "silver", "gold", "diamond"]);
        assert_eq!(tiers.series[1].label, t("白银会员", "Silver"));
        assert_eq!(tiers.series[0].values, ints(&[3, 3]));
        assert_eq!(tiers.series[1].values, ints(&[0, 1]));
        assert_eq!(tiers.series[3].values, ints(&[0, 0]));

        assert_eq!((uplift.kind, uplift.unit), (Kind::Bar, Unit::Rate));
        assert_eq!(uplift.x, ["<mid>"], "data, not markup: the console escapes");
        assert_eq!(names(uplift), ["participants", "others", "uplift"]);
        let values: Vec<_> = uplift.series.iter().map(|s| s.values[0]).collect();
        assert_eq!(
            values,
            [
                Some(Num::Real(0.5)),
                Some(Num::Real(0.0)),
                Some(Num::Real(0.5))
            ]
        );
    }

    #[test]
    fn liability_funnel_and_roi_as_data() {
        let all = charts(&sample(), &levels(), Lines::default());
        let [.., liability, funnel, roi] = &all.charts[..] else {
            panic!("six charts")
        };
        assert_eq!((liability.kind, liability.unit), (Kind::Line, Unit::Points));
        assert_eq!(liability.x, ["2026-11-08", "2026-11-15"]);
        assert_eq!(names(liability), ["outstanding", "liability"]);
        assert_eq!(liability.series[0].values, ints(&[400, 600]));
        assert_eq!(liability.series[0].unit, None);
        assert_eq!(liability.series[1].values, ints(&[4000, 6000]));
        assert_eq!(liability.series[1].unit, Some(Unit::Cents));
        let figures: Vec<_> = liability
            .figures
            .iter()
            .map(|f| (f.name.as_str(), f.value, f.unit))
            .collect();
        assert_eq!(
            figures,
            [
                ("issued", Some(Num::Int(1000)), Unit::Points),
                ("redeemed", Some(Num::Int(300)), Unit::Points),
                ("expired", Some(Num::Int(100)), Unit::Points),
                ("breakage", Some(Num::Real(0.25)), Unit::Rate),
                ("expiring_30d", Some(Num::Int(40)), Unit::Points),
            ]
        );

        assert_eq!((funnel.kind, funnel.unit), (Kind::Funnel, Unit::Members));
        assert_eq!(funnel.title.en, "Tier funnel (members on 2026-11-15)");
        assert_eq!(funnel.x, ["regular", "silver", "gold", "diamond"]);
        assert_eq!(funnel.x_labels[0], t("普通会员", "Regular"));
        assert_eq!(names(funnel), ["members", "upgrade"]);
        assert_eq!(funnel.series[0].values, ints(&[3, 1, 0, 0]));
        assert_eq!(
            funnel.series[1].values,
            [Some(Num::Real(0.25)), Some(Num::Real(0.0)), None, None]
        );
        assert_eq!(funnel.series[1].unit, Some(Unit::Rate));
        assert_eq!(funnel.targets.len(), 1);
        assert_eq!(
            (funnel.targets[0].series.as_str(), funnel.targets[0].min),
            ("upgrade", 0.10)
        );

        assert_eq!((roi.kind, roi.unit), (Kind::Bar, Unit::Cents));
        assert_eq!(roi.x, ["<mid>"]);
        assert_eq!(names(roi), ["cost", "revenue", "baseline", "roi"]);
        let values: Vec<_> = roi.series.iter().map(|s| s.values[0]).collect();
        assert_eq!(
            values,
            [
                Some(Num::Int(10_000)),
                Some(Num::Int(40_000)),
                Some(Num::Int(15_000)),
                Some(Num::Real(2.5))
            ]
        );
        assert_eq!(roi.series[3].unit, Some(Unit::Ratio));
        assert_eq!(
            (roi.targets[0].series.as_str(), roi.targets[0].min),
            ("roi", 1.5)
        );
    }

    #[test]
    fn the_json_the_console_reads() {
        let all = charts(&sample(), &levels(), Lines::default());
        let funnel = serde_json::to_value(&all.charts[4]).unwrap();
        assert_eq!(
            funnel,
            json!({
                "id": "funnel",
                "title": {"zh-CN": "等级漏斗（2026-11-15 各等级会员数）", "en": "Tier funnel (members on 2026-11-15)"},
                "kind": "funnel",
                "unit": "members",
                "x": ["regular", "silver", "gold", "diamond"],
                "x_labels": [
                    {"zh-CN": "普通会员", "en": "Regular"},
                    {"zh-CN": "白银会员", "en": "Silver"},
                    {"zh-CN": "黄金会员", "en": "Gold"},
                    {"zh-CN": "钻石会员", "en": "Diamond"}
                ],
                "series": [
                    {"name": "members", "label": {"zh-CN": "会员数", "en": "Members"}, "values": [3, 1, 0, 0]},
                    {"name": "upgrade", "label": {"zh-CN": "升至下一等级的比例", "en": "Reached the next tier"},
                     "values": [0.25, 0.0, null, null], "unit": "rate"}
                ],
                "targets": [{"series": "upgrade", "min": 0.1, "label": {
                    "zh-CN": "升级率低于 10% 需调整升级条件或权益",
                    "en": "An upgrade rate under 10% calls for action"}}]
            })
        );
        let top = serde_json::to_value(&all).unwrap();
        assert_eq!(
            (&top["from"], &top["to"]),
            (&json!("2026-11-02"), &json!("2026-11-20"))
        );
        let cohorts = &top["charts"][0];
        assert!(cohorts.get("targets").is_none() && cohorts.get("x_labels").is_none());
        assert_eq!(top["charts"][3]["figures"][0]["value"], json!(1000));
    }

    #[test]
    fn an_empty_report_has_charts_without_data() {
        let mut r = report();
        r.cohorts.clear();
        r.tiers.clear();
        r.campaigns.clear();
        let all = charts(&r, &levels(), Lines::default());
        assert_eq!(all.charts.len(), 6);
        for c in &all.charts {
            assert!(c.series.iter().all(|s| s.values.is_empty()), "{}", c.id);
            assert_eq!(
                c.x.is_empty(),
                c.id != "cohorts",
                "{}: D1, D7, D30 stay",
                c.id
            );
        }
        let without_series = all.charts.iter().filter(|c| c.series.is_empty());
        assert_eq!(
            without_series.map(|c| c.id).collect::<Vec<_>>(),
            ["cohorts", "tiers", "funnel"]
        );
        assert_eq!(all.charts[4].title.en, "Tier funnel");
        assert!(all.charts[4].targets.is_empty() && all.charts[4].x_labels.is_empty());
    }

    #[test]
    fn each_funnel_step_takes_its_own_pair_and_money_keeps_its_sign() {
        let mut r = sample();
        // A pair that is not a step, listed first, matching each step on one side only.
        let skip = Upgrade {
            from: "regular".into(),
            to: "gold".into(),
            upgraded: Share::new(9, 10),
        };
        let into_gold = Upgrade {
            from: "diamond".into(),
            to: "gold".into(),
            upgraded: Share::new(1, 10),
        };
        r.membership.upgrades.splice(0..0, [skip, into_gold]);
        r.campaigns[0].roi.revenue_cents = -500;
        let all = charts(&r, &levels(), Lines::default());
        assert_eq!(
            all.charts[4].series[1].values,
            [Some(Num::Real(0.25)), Some(Num::Real(0.0)), None, None]
        );
        assert_eq!(all.charts[5].series[1].values, [Some(Num::Int(-500))]);
        assert_eq!(
            serde_json::to_value(&all.charts[5].series[1].values).unwrap(),
            json!([-500])
        );
    }

    #[test]
    fn a_tier_the_rules_no_longer_name_follows_under_its_id() {
        let mut r = sample();
        r.tiers[0].counts.insert("vip".into(), 2);
        let all = charts(&r, &levels(), Lines::default());
        let tiers = &all.charts[1];
        assert_eq!(
            names(tiers),
            ["regular", "silver", "gold", "diamond", "vip"]
        );
        assert_eq!(tiers.series[4].label, t("vip", "vip"));
        assert_eq!(tiers.series[4].values, ints(&[2, 0]));
        let funnel = &all.charts[4];
        assert_eq!(funnel.x.last().map(String::as_str), Some("vip"));
        assert_eq!(
            funnel.series[0].values[4],
            Some(Num::Int(0)),
            "not held at the end"
        );
        assert_eq!(
            funnel.series[1].values[3], None,
            "diamond → vip: not in the report"
        );
    }
}
