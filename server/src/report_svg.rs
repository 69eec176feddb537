//! The report's charts as SVG: a cohort retention heatmap, tiers week by week as stacked
//! bars, and each campaign's retention of participants against comparable others.

use crate::report::{Rate, Report};
use std::fmt::Write;
use zailai::render::escape;

const FONT: &str = "-apple-system, PingFang SC, Helvetica Neue, sans-serif";
/// Tier colours, lowest first (more tiers reuse the last).
pub(crate) const TIER_COLOURS: [&str; 6] = [
    "#c8c9cc", "#9ecbff", "#ffb38a", "#ff6034", "#ee0a24", "#7232dd",
];

pub(crate) fn open(out: &mut String, w: u32, h: u32, title: &str) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="12"><title>{}</title><rect width="{w}" height="{h}" fill="#ffffff"/>"##,
        escape(title)
    );
}

pub(crate) fn text(out: &mut String, x: u32, y: u32, anchor: &str, fill: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="{anchor}" dominant-baseline="central" fill="{fill}">{}</text>"#,
        escape(s)
    );
}

pub(crate) fn percent(rate: Option<Rate>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| percent_of(r.rate))
}

/// A rate (0–1) as a percentage with one decimal.
pub(crate) fn percent_of(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// White to the accent colour by `rate` (0–1).
fn heat(rate: f64) -> String {
    let mix = |from: u8, to: u8| {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * rate.clamp(0.0, 1.0)).round() as u8
    };
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(0xff, 0xff),
        mix(0xf5, 0x60),
        mix(0xf0, 0x34)
    )
}

/// Rows: join weeks; columns: D1, D7, D30; each cell shaded by its rate.
pub fn cohort_heatmap(r: &Report) -> String {
    let (left, cell_w, cell_h, top) = (150, 90, 28, 40);
    let w = left + 3 * cell_w + 20;
    let h = top + cell_h * r.cohorts.len().max(1) as u32 + 20;
    let mut out = String::new();
    open(
        &mut out,
        w,
        h,
        &format!("Retention by weekly cohort, {} to {}", r.from, r.to),
    );
    for (i, head) in ["D1", "D7", "D30"].iter().enumerate() {
        text(
            &mut out,
            left + i as u32 * cell_w + cell_w / 2,
            top / 2,
            "middle",
            "#323233",
            head,
        );
    }
    if r.cohorts.is_empty() {
        text(
            &mut out,
            w / 2,
            top + cell_h / 2,
            "middle",
            "#969799",
            "nobody joined in this range",
        );
    }
    for (row, c) in r.cohorts.iter().enumerate() {
        let y = top + row as u32 * cell_h;
        text(
            &mut out,
            8,
            y + cell_h / 2,
            "start",
            "#323233",
            &format!("{} (n={})", c.week, c.size),
        );
        for (col, rate) in [c.d1, c.d7, c.d30].into_iter().enumerate() {
            let x = left + col as u32 * cell_w;
            let fill = rate.map_or_else(|| "#f2f3f5".to_owned(), |r| heat(r.rate));
            let _ = write!(
                out,
                r#"<rect class="cell" x="{x}" y="{y}" width="{}" height="{}" fill="{fill}"/>"#,
                cell_w - 2,
                cell_h - 2
            );
            text(
                &mut out,
                x + cell_w / 2,
                y + cell_h / 2,
                "middle",
                "#323233",
                &percent(rate),
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One stacked bar per week: members by tier, lowest tier at the bottom.
pub fn tier_bars(r: &Report, tier_order: &[String]) -> String {
    let (left, bar_w, gap, top, plot_h) = (40, 36, 14, 30, 200);
    let w = left + (bar_w + gap) * r.tiers.len().max(1) as u32 + 140;
    let h = top + plot_h + 50;
    let max: u32 = r
        .tiers
        .iter()
        .map(|t| t.counts.values().sum())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    open(
        &mut out,
        w,
        h,
        &format!("Members by tier, week by week, {} to {}", r.from, r.to),
    );
    for (i, week) in r.tiers.iter().enumerate() {
        let x = left + i as u32 * (bar_w + gap);
        let mut y = top + plot_h;
        for (k, tier) in tier_order.iter().enumerate() {
            let n = week.counts.get(tier).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let bar = plot_h * n / max;
            y -= bar;
            let colour = TIER_COLOURS[k.min(TIER_COLOURS.len() - 1)];
            let _ = write!(
                out,
                r#"<rect class="bar" x="{x}" y="{y}" width="{bar_w}" height="{bar}" fill="{colour}"><title>{} {}: {n}</title></rect>"#,
                week.week_end,
                escape(tier)
            );
        }
        let label = week.week_end.to_string();
        text(
            &mut out,
            x + bar_w / 2,
            top + plot_h + 14,
            "middle",
            "#969799",
            &label[5..],
        );
    }
    for (k, tier) in tier_order.iter().enumerate() {
        let (x, y) = (w - 120, top + 10 + k as u32 * 18);
        let colour = TIER_COLOURS[k.min(TIER_COLOURS.len() - 1)];
        let _ = write!(
            out,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/>"#,
            y - 6
        );
        text(&mut out, x + 18, y, "start", "#323233", tier);
    }
    out.push_str("</svg>");
    out
}

/// Per campaign: the share of participants and of comparable others active in the week
/// after it, side by side, and the uplift.
pub fn uplift_bars(r: &Report) -> String {
    let (left, row_h, top, plot_w) = (160, 56, 30, 300);
    let w = left + plot_w + 90;
    let h = top + row_h * r.campaigns.len().max(1) as u32 + 10;
    let mut out = String::new();
    open(
        &mut out,
        w,
        h,
        &format!("Campaign retention uplift, {} to {}", r.from, r.to),
    );
    if r.campaigns.is_empty() {
        text(
            &mut out,
            w / 2,
            top + 10,
            "middle",
            "#969799",
            "no campaign in this range",
        );
    }
    for (i, c) in r.campaigns.iter().enumerate() {
        let y = top + i as u32 * row_h;
        text(&mut out, 8, y + 18, "start", "#323233", &c.id);
        for (k, (rate, colour, who)) in [
            (c.participants_retained, "#ff6034", "participants"),
            (c.others_retained, "#c8c9cc", "others"),
        ]
        .into_iter()
        .enumerate()
        {
            let by = y + 4 + k as u32 * 20;
            let len = rate.map_or(0, |r| (r.rate * f64::from(plot_w)).round() as u32);
            let _ = write!(
                out,
                r#"<rect class="bar" x="{left}" y="{by}" width="{len}" height="16" fill="{colour}"><title>{who}</title></rect>"#
            );
            text(
                &mut out,
                left + len + 6,
                by + 8,
                "start",
                "#323233",
                &percent(rate),
            );
        }
        let uplift = c.uplift.map_or_else(
            || "uplift –".to_owned(),
            |u| format!("uplift {:+.1} pt", u * 100.0),
        );
        text(&mut out, 8, y + 36, "start", "#969799", &uplift);
    }
    out.push_str("</svg>");
    out
}

/// The report's charts by name: the files `zailai report --svg DIR` writes (`NAME.svg`) and the
/// `chart` that `GET /v1/admin/report.svg` accepts.
pub const CHARTS: [&str; 6] = ["cohorts", "tiers", "uplift", "liability", "funnel", "roi"];

/// The chart `name` of [`CHARTS`] (`None` for another name); `tier_order` lists the rules'
/// tier ids, lowest first; `lines` the scorecard's thresholds the funnel and ROI mark.
pub fn draw(
    name: &str,
    r: &Report,
    tier_order: &[String],
    lines: crate::report_svg_scorecard::Lines,
) -> Option<String> {
    use crate::report_svg_scorecard as scorecard;
    Some(match name {
        "cohorts" => cohort_heatmap(r),
        "tiers" => tier_bars(r, tier_order),
        "uplift" => uplift_bars(r),
        "liability" => scorecard::liability(r),
        "funnel" => scorecard::funnel(r, tier_order, lines),
        "roi" => scorecard::roi(r, lines),
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::{CampaignReport, Cohort, TierWeek};
    use std::collections::BTreeMap;
    use zailai::day::Date;

    /// A small report: two cohorts, two tier weeks, a campaign whose id needs escaping.
    pub(crate) fn report() -> Report {
        let d = |s| Date::parse(s).unwrap();
        let rate = |retained, of| {
            Some(Rate {
                retained,
                of,
                rate: f64::from(retained) / f64::from(of),
            })
        };
        Report {
            from: d("2026-11-02"),
            to: d("2026-11-20"),
            members: 4,
            cohorts: vec![
                Cohort {
                    week: d("2026-11-02"),
                    size: 3,
                    d1: rate(2, 3),
                    d7: rate(1, 3),
                    d30: None,
                },
                Cohort {
                    week: d("2026-11-09"),
                    size: 1,
                    d1: rate(0, 1),
                    d7: rate(1, 1),
                    d30: None,
                },
            ],
            paid_d7: None,
            unpaid_d7: None,
            paid_d30: None,
            unpaid_d30: None,
            membership: Default::default(),
            ledger: Default::default(),
            tiers: vec![
                TierWeek {
                    week_end: d("2026-11-08"),
                    counts: BTreeMap::from([("regular".to_owned(), 3)]),
                },
                TierWeek {
                    week_end: d("2026-11-15"),
                    counts: BTreeMap::from([("regular".to_owned(), 3), ("silver".to_owned(), 1)]),
                },
            ],
            campaigns: vec![CampaignReport {
                id: "<mid>".into(),
                start: d("2026-11-05"),
                end: d("2026-11-07"),
                active: 2,
                participants: 2,
                participation: Some(1.0),
                completed: 1,
                completion: Some(0.5),
                participants_retained: rate(1, 2),
                others_retained: rate(0, 1),
                uplift: Some(0.5),
                notified: None,
                roi: Default::default(),
            }],
            experiments: Vec::new(),
            diagnoses: Vec::new(),
        }
    }

    /// Every tag opened is closed, in order.
    pub(crate) fn balanced(svg: &str) -> bool {
        let mut stack = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let end = i + rest[i..].find('>').unwrap();
            let tag = &rest[i + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop().as_deref() != Some(name) {
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
    fn heatmap_has_a_cell_per_cohort_and_day() {
        let svg = cohort_heatmap(&report());
        assert!(balanced(&svg));
        assert_eq!(svg.matches(r#"class="cell""#).count(), 6);
        assert!(svg.contains(">66.7%<") && svg.contains(">33.3%<") && svg.contains(">100.0%<"));
        assert_eq!(svg.matches(">–<").count(), 2, "D30 not observable yet");
        assert!(svg.contains(&format!("fill=\"{}\"", heat(1.0))) && heat(1.0) == "#ff6034");
        assert_eq!(heat(0.0), "#fff5f0");
    }

    #[test]
    fn tier_bars_stack_each_week_and_uplift_escapes_names() {
        let r = report();
        let svg = tier_bars(&r, &["regular".into(), "silver".into(), "gold".into()]);
        assert!(balanced(&svg));
        assert_eq!(
            svg.matches(r#"class="bar""#).count(),
            3,
            "regular; regular + silver"
        );
        assert!(svg.contains("<title>2026-11-15 silver: 1</title>"));
        let svg = uplift_bars(&r);
        assert!(balanced(&svg));
        assert!(svg.contains("&lt;mid&gt;") && !svg.contains("<mid>"));
        assert!(svg.contains("uplift +50.0 pt"));
        assert!(svg.contains(r#"width="150" height="16""#), "50% of 300");
    }
}
