//! The scorecard's charts as SVG (issue 27): points outstanding week by week with their value
//! in yuan, the tier funnel with the upgrade rate on each step, and each campaign's cost,
//! revenue and baseline with its ROI against the seed's target. Same look and helpers as
//! `report_svg.rs`; every text from the report goes through `escape` (ids are operators').

use crate::report::Report;
use crate::report_svg::{open, percent_of, text, TIER_COLOURS};
use std::fmt::Write;
use zailai::render::escape;

/// The lines the charts draw against: the thresholds of the scorecard's rules `upgrade_rate`
/// (an upgrade step under it calls for action) and `roi_target` (a campaign's ROI at or above
/// it meets the target), so a `--scorecard` file moves the charts with its diagnoses. Where
/// a file leaves a rule out, the seed's value (001 §五: 10 %, 1.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lines {
    pub upgrade: f64,
    pub roi: f64,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            upgrade: 0.10,
            roi: 1.5,
        }
    }
}

/// A threshold rate as the seeds write it: `10%`, `12.5%`.
pub fn threshold_percent(rate: f64) -> String {
    let p = (rate * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p}%")
    }
}

impl Lines {
    pub fn of(scorecard: &crate::diagnoses::Scorecard) -> Lines {
        let threshold = |id: &str| {
            scorecard
                .diagnoses
                .iter()
                .find(|rule| rule.id == id)
                .map(|rule| rule.threshold)
        };
        let seed = Lines::default();
        Lines {
            upgrade: threshold("upgrade_rate").unwrap_or(seed.upgrade),
            roi: threshold("roi_target").unwrap_or(seed.roi),
        }
    }
}

const GREY: &str = "#969799";
const INK: &str = "#323233";
const ACCENT: &str = "#ff6034";
const ALERT: &str = "#ee0a24";
const GOOD: &str = "#07c160";

/// `1234567` as `1,234,567`, `-1234` as `-1,234`.
pub fn grouped(n: impl Into<i128>) -> String {
    let n = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Cents as yuan: `123456` as `¥1,234.56`, `-5` as `-¥0.05` (refunds can outweigh orders).
pub fn yuan(cents: impl Into<i128>) -> String {
    let cents = cents.into();
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}¥{}.{:02}", grouped((abs / 100) as i128), abs % 100)
}

/// Ticks a value axis holds above 0.
const TICKS: u64 = 4;

/// The step between the ticks of a value axis reaching `max`: the smallest 1, 2, 3, 4, 5, 6
/// or 8 × 10ⁿ that `TICKS` steps reach `max` with (at least 1), so the line fills the plot.
fn axis_step(max: u64) -> u64 {
    let need = max.div_ceil(TICKS).max(1);
    // `need` is at most u64::MAX / 4 + 1 < 5 × 10¹⁸: the search ends before overflowing.
    let mut unit = 1u64;
    loop {
        if let Some(m) = [1, 2, 3, 4, 5, 6, 8].into_iter().find(|m| m * unit >= need) {
            return m * unit;
        }
        unit *= 10;
    }
}

/// Text in a smaller type, for labels on points and bars.
fn small(out: &mut String, x: u32, y: u32, anchor: &str, fill: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="{anchor}" dominant-baseline="central" font-size="10" fill="{fill}">{}</text>"#,
        escape(s)
    );
}

/// `y` of value `v` on an axis of `plot_h` pixels from `top` whose top is `max`.
fn y_of(v: u64, max: u64, top: u32, plot_h: u32) -> u32 {
    top + plot_h - (f64::from(plot_h) * v as f64 / max as f64).round() as u32
}

/// Points held at the end of each week (`ledger.weekly`) as an area, each week labelled with
/// its value in yuan at the checkout rate; below, the range's totals (the report keeps issued,
/// redeemed and expired for the whole range only, not per week) and earning by source.
pub fn liability(r: &Report) -> String {
    let l = &r.ledger;
    let weeks = &l.weekly;
    let (left, top, plot_h, step) = (80u32, 40u32, 180u32, 64u32);
    let plot_w = step * weeks.len().max(4) as u32;
    let w = (left + plot_w + 30).max(700);
    let summary_top = top + plot_h + 40;
    let h = summary_top + 3 * 18 + 10;
    let mut out = String::new();
    open(
        &mut out,
        w,
        h,
        &format!("Points outstanding week by week, {} to {}", r.from, r.to),
    );
    let step_v = axis_step(weeks.iter().map(|x| x.points).max().unwrap_or(0));
    let max = step_v.saturating_mul(TICKS);
    text(&mut out, left - 8, top - 20, "end", GREY, "points");
    for k in 0..=TICKS {
        let v = step_v.saturating_mul(k);
        let y = y_of(v, max, top, plot_h);
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{y}" x2="{}" y2="{y}" stroke="#ebedf0"/>"##,
            left + plot_w
        );
        text(&mut out, left - 8, y, "end", GREY, &grouped(v));
    }
    if weeks.is_empty() {
        text(
            &mut out,
            left + plot_w / 2,
            top + plot_h / 2,
            "middle",
            GREY,
            "no points data in this range",
        );
    } else {
        let at = |i: usize, p: u64| (left + step * i as u32 + step / 2, y_of(p, max, top, plot_h));
        let line: Vec<String> = weeks
            .iter()
            .enumerate()
            .map(|(i, wk)| {
                let (x, y) = at(i, wk.points);
                format!("{x},{y}")
            })
            .collect();
        let base = top + plot_h;
        let (first_x, _) = at(0, 0);
        let (last_x, _) = at(weeks.len() - 1, 0);
        let _ = write!(
            out,
            r##"<polygon class="area" points="{first_x},{base} {} {last_x},{base}" fill="#ffe8e0"/><polyline points="{}" fill="none" stroke="{ACCENT}" stroke-width="2"/>"##,
            line.join(" "),
            line.join(" ")
        );
        for (i, wk) in weeks.iter().enumerate() {
            let (x, y) = at(i, wk.points);
            let _ = write!(
                out,
                r#"<circle class="point" cx="{x}" cy="{y}" r="3" fill="{ACCENT}"><title>{}: {} points = {}</title></circle>"#,
                wk.week_end,
                grouped(wk.points),
                yuan(wk.cents)
            );
            small(
                &mut out,
                x,
                y.saturating_sub(12),
                "middle",
                INK,
                &yuan(wk.cents),
            );
            text(
                &mut out,
                x,
                base + 14,
                "middle",
                GREY,
                &wk.week_end.to_string()[5..],
            );
        }
    }
    let breakage = l
        .breakage
        .map_or_else(|| "–".to_owned(), |b| format!("{:.1}%", b * 100.0));
    let mut sources: Vec<(&String, &u64)> = l.issued.iter().collect();
    sources.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut by_source = sources
        .iter()
        .take(5)
        .map(|(s, n)| format!("{s} {}", grouped(**n)))
        .collect::<Vec<_>>()
        .join(" · ");
    if sources.len() > 5 {
        let _ = write!(by_source, " · {} more", sources.len() - 5);
    }
    if sources.is_empty() {
        by_source.push_str("none");
    }
    for (i, line) in [
        format!(
            "In the range (totals; the report has no weekly split): issued {} · redeemed {} · expired {} points · breakage {breakage}",
            grouped(l.issued_total),
            grouped(l.redeemed),
            grouped(l.expired)
        ),
        format!(
            "Outstanding at the end of {}: {} points = {} · expiring in the 30 days after: {} points",
            r.to,
            grouped(l.outstanding),
            yuan(l.liability_cents),
            grouped(l.expiring_30d)
        ),
        format!("Issued by source: {by_source}"),
    ]
    .iter()
    .enumerate()
    {
        text(&mut out, 8, summary_top + i as u32 * 18, "start", INK, line);
    }
    out.push_str("</svg>");
    out
}

/// Members per tier at the last week end of the range, lowest tier at the top, as centred bars;
/// between two adjacent tiers, the share of those holding the lower one on `from` who reached
/// the next by `to` (`membership.upgrades`), in red where under [`UPGRADE_ALERT`].
pub fn funnel(r: &Report, tier_order: &[String], lines: Lines) -> String {
    let last = r.tiers.last();
    let mut tiers: Vec<&str> = tier_order.iter().map(String::as_str).collect();
    // Tiers the report counts that the rules no longer name still show, after the others.
    for id in last.iter().flat_map(|w| w.counts.keys()) {
        if !tiers.contains(&id.as_str()) {
            tiers.push(id);
        }
    }
    let count = |id: &str| last.and_then(|w| w.counts.get(id)).copied().unwrap_or(0);
    let max = tiers.iter().map(|t| count(t)).max().unwrap_or(0).max(1);
    let (left, top, plot_w, bar_h, gap) = (120u32, 60u32, 360u32, 30u32, 34u32);
    let shown = if last.is_some() { tiers.len() } else { 0 };
    let w = left + plot_w + 140;
    let h = top + (bar_h + gap) * shown.max(1) as u32;
    let mut out = String::new();
    let title = match last {
        Some(week) => format!(
            "Tier funnel: members on {}, upgrades {} to {}",
            week.week_end, r.from, r.to
        ),
        None => format!("Tier funnel, {} to {}", r.from, r.to),
    };
    open(&mut out, w, h, &title);
    let Some(week) = last else {
        text(
            &mut out,
            w / 2,
            top + bar_h / 2,
            "middle",
            GREY,
            "no members in this range",
        );
        out.push_str("</svg>");
        return out;
    };
    let notes = [
        format!("members by tier on {}", week.week_end),
        format!(
            "each step: of a tier's members on {}, the share at the next tier or higher by {}",
            r.from, r.to
        ),
    ];
    for (i, note) in notes.iter().enumerate() {
        text(&mut out, 8, 14 + 16 * i as u32, "start", GREY, note);
    }
    let cx = left + plot_w / 2;
    for (i, id) in tiers.iter().enumerate() {
        let y = top + i as u32 * (bar_h + gap);
        let n = count(id);
        let bw = if n == 0 { 0 } else { (plot_w * n / max).max(2) };
        let colour = TIER_COLOURS[i.min(TIER_COLOURS.len() - 1)];
        let _ = write!(
            out,
            r#"<rect class="bar" x="{}" y="{y}" width="{bw}" height="{bar_h}" fill="{colour}"><title>{}: {n}</title></rect>"#,
            cx - bw / 2,
            escape(id)
        );
        text(&mut out, left - 10, y + bar_h / 2, "end", INK, id);
        text(
            &mut out,
            left + plot_w + 10,
            y + bar_h / 2,
            "start",
            INK,
            &grouped(u64::from(n)),
        );
        let Some(next) = tiers.get(i + 1) else {
            continue;
        };
        let step_y = y + bar_h + gap / 2;
        let upgrade = r
            .membership
            .upgrades
            .iter()
            .find(|u| u.from == *id && u.to == *next);
        match upgrade.map(|u| u.upgraded) {
            Some(Some(s)) if s.rate < lines.upgrade => {
                let _ = write!(out, r#"<g class="alert">"#);
                text(
                    &mut out,
                    cx,
                    step_y,
                    "middle",
                    ALERT,
                    &format!(
                        "↓ {} of {id} reached {next} ({}/{}): under {}, act",
                        percent_of(s.rate),
                        s.count,
                        s.of,
                        threshold_percent(lines.upgrade)
                    ),
                );
                out.push_str("</g>");
            }
            Some(Some(s)) => text(
                &mut out,
                cx,
                step_y,
                "middle",
                GREY,
                &format!(
                    "↓ {} of {id} reached {next} ({}/{})",
                    percent_of(s.rate),
                    s.count,
                    s.of
                ),
            ),
            Some(None) => text(
                &mut out,
                cx,
                step_y,
                "middle",
                GREY,
                &format!("↓ upgrades –: nobody held {id} on {}", r.from),
            ),
            None => text(&mut out, cx, step_y, "middle", GREY, "↓ upgrades –"),
        }
    }
    out.push_str("</svg>");
    out
}

/// Per campaign: its cost, the revenue of its participants and the baseline of as many
/// comparable others (yuan, one scale), and its ROI on a scale with the target marked.
pub fn roi(r: &Report, lines: Lines) -> String {
    let (left, top, bars_w, bar_h) = (150u32, 70u32, 260u32, 14u32);
    let row_h = 3 * (bar_h + 4) + 18;
    let (roi_x, roi_w) = (left + bars_w + 110, 180u32);
    let w = roi_x + roi_w + 90;
    let h = top + row_h * r.campaigns.len().max(1) as u32;
    let mut out = String::new();
    open(
        &mut out,
        w,
        h,
        &format!("Campaign ROI, {} to {}", r.from, r.to),
    );
    let series = [
        ("cost", "#969799"),
        ("revenue (during and 7 days after)", ACCENT),
        ("baseline (as many comparable others)", "#c8c9cc"),
    ];
    let mut lx = 8;
    for (name, colour) in series {
        let _ = write!(
            out,
            r#"<rect x="{lx}" y="12" width="12" height="12" fill="{colour}"/>"#
        );
        text(&mut out, lx + 18, 18, "start", INK, name);
        lx += 30 + 6 * name.chars().count() as u32;
    }
    text(
        &mut out,
        8,
        38,
        "start",
        GREY,
        "ROI = (revenue − baseline) / cost",
    );
    if r.campaigns.is_empty() {
        text(
            &mut out,
            w / 2,
            top + 10,
            "middle",
            GREY,
            "no campaign in this range",
        );
        out.push_str("</svg>");
        return out;
    }
    // Revenue and baseline are below 0 where refunds outweigh orders: no bar, the label says.
    let money = |c: &crate::report::CampaignReport| {
        [
            i128::from(c.roi.cost_cents),
            i128::from(c.roi.revenue_cents),
            i128::from(c.roi.baseline_cents),
        ]
    };
    let money_max = r.campaigns.iter().flat_map(money).max().unwrap_or(0).max(1);
    let rois = r.campaigns.iter().filter_map(|c| c.roi.roi);
    let lo = rois.clone().fold(0.0_f64, f64::min);
    let hi = rois.fold(2.0 * lines.roi, f64::max);
    let at = |v: f64| roi_x + ((v - lo) / (hi - lo) * f64::from(roi_w)).round() as u32;
    let (zero, target) = (at(0.0), at(lines.roi));
    let _ = write!(
        out,
        r##"<line x1="{zero}" y1="{}" x2="{zero}" y2="{h}" stroke="#c8c9cc"/><line class="target" x1="{target}" y1="{}" x2="{target}" y2="{h}" stroke="{GOOD}" stroke-dasharray="4 3"/>"##,
        top - 8,
        top - 8
    );
    text(
        &mut out,
        target,
        top - 16,
        "middle",
        GOOD,
        &format!("target ≥ {}", lines.roi),
    );
    for (i, c) in r.campaigns.iter().enumerate() {
        let y = top + i as u32 * row_h;
        text(&mut out, 8, y + row_h / 2 - 9, "start", INK, &c.id);
        for (k, (cents, (name, colour))) in money(c).into_iter().zip(series).enumerate() {
            let by = y + k as u32 * (bar_h + 4);
            let len = (f64::from(bars_w) * cents.max(0) as f64 / money_max as f64).round() as u32;
            let _ = write!(
                out,
                r#"<rect class="bar" x="{left}" y="{by}" width="{len}" height="{bar_h}" fill="{colour}"><title>{}: {}</title></rect>"#,
                escape(name),
                yuan(cents)
            );
            small(
                &mut out,
                left + len + 6,
                by + bar_h / 2,
                "start",
                INK,
                &yuan(cents),
            );
        }
        let mid = y + (3 * (bar_h + 4)) / 2 - 2;
        match c.roi.roi {
            Some(v) => {
                let end = at(v);
                let colour = if v >= lines.roi { GOOD } else { ALERT };
                let _ = write!(
                    out,
                    r#"<rect class="roi" x="{}" y="{}" width="{}" height="16" fill="{colour}"/>"#,
                    zero.min(end),
                    mid - 8,
                    zero.abs_diff(end)
                );
                text(
                    &mut out,
                    zero.max(end) + 6,
                    mid,
                    "start",
                    colour,
                    &format!("ROI {v:.2}"),
                );
            }
            None => text(&mut out, zero + 6, mid, "start", GREY, "ROI – (no cost)"),
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TierWeek;
    use crate::report_svg::tests::{balanced, report};
    use crate::scorecard::{LiabilityWeek, Share, Upgrade};
    use std::collections::BTreeMap;
    use zailai::day::Date;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn week(end: &str, points: u64) -> LiabilityWeek {
        LiabilityWeek {
            week_end: d(end),
            points,
            cents: points * 10,
        }
    }

    /// The sample report with a ledger: three weeks, three sources (one needing escaping).
    fn with_ledger() -> Report {
        let mut r = report();
        let l = &mut r.ledger;
        l.issued = BTreeMap::from([
            ("checkin".to_owned(), 2000),
            ("<grant>".to_owned(), 1500),
            ("action:open".to_owned(), 300),
        ]);
        l.issued_total = 3800;
        (l.redeemed, l.expired, l.breakage) = (800, 200, Some(0.2));
        (l.outstanding, l.liability_cents, l.expiring_30d) = (2500, 25_000, 300);
        l.weekly = vec![
            week("2026-11-08", 1200),
            week("2026-11-15", 3000),
            week("2026-11-22", 2500),
        ];
        r
    }

    fn upgrade(from: &str, to: &str, count: u64, of: u64) -> Upgrade {
        Upgrade {
            from: from.into(),
            to: to.into(),
            upgraded: Share::new(count, of),
        }
    }

    fn tiers() -> Vec<String> {
        ["regular", "silver", "gold"].map(String::from).to_vec()
    }

    #[test]
    fn numbers_read_as_an_operator_writes_them() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, s) in cases {
            assert_eq!(grouped(n), s);
        }
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(123_456), "¥1,234.56");
        assert_eq!(grouped(-1234), "-1,234");
        assert_eq!(yuan(-5), "-¥0.05");
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(-123_456), "-¥1,234.56");
        let steps = [
            (0, 1),
            (4, 1),
            (5, 2),
            (9, 3),
            (13, 4),
            (17, 5),
            (21, 6),
            (25, 8),
        ];
        for (max, step) in steps {
            assert_eq!(axis_step(max), step, "max {max}");
        }
        assert_eq!(axis_step(102_400), 30_000, "0 to 120,000, not 200,000");
        assert_eq!(axis_step(4_000), 1_000);
        assert_eq!(
            axis_step(u64::MAX),
            5_000_000_000_000_000_000,
            "no overflow"
        );
    }

    #[test]
    fn liability_draws_each_week_in_points_and_yuan_with_the_totals() {
        let svg = liability(&with_ledger());
        assert!(balanced(&svg));
        assert_eq!(svg.matches(r#"class="point""#).count(), 3);
        assert!(svg.contains("<title>2026-11-15: 3,000 points = ¥300.00</title>"));
        assert!(svg.contains(">¥120.00<") && svg.contains(">¥250.00<"));
        // Ticks every 800 up to 3,200 (3,000 rounded up); 3,000 points sit 169 of 180 pixels
        // up from the base at 220, in the second week's column.
        assert!([">0<", ">800<", ">1,600<", ">2,400<", ">3,200<"]
            .iter()
            .all(|t| svg.contains(t)));
        assert!(svg.contains(r#"cx="176" cy="51""#));
        assert!(svg.contains("issued 3,800 · redeemed 800 · expired 200 points · breakage 20.0%"));
        assert!(svg.contains("Outstanding at the end of 2026-11-20: 2,500 points = ¥250.00"));
        assert!(svg.contains("expiring in the 30 days after: 300 points"));
        assert!(svg.contains("checkin 2,000 · &lt;grant&gt; 1,500 · action:open 300<"));
        assert!(!svg.contains("<grant>"));
    }

    #[test]
    fn liability_without_data_says_so_and_lists_sources_beyond_five_as_more() {
        let mut r = report();
        let svg = liability(&r);
        assert!(balanced(&svg));
        assert!(svg.contains(">no points data in this range<"));
        assert!(!svg.contains("class=\"point\"") && !svg.contains("class=\"area\""));
        assert!(svg.contains("issued 0 · redeemed 0 · expired 0 points · breakage –"));
        assert!(svg.contains(">Issued by source: none<"));
        assert_eq!(svg.matches("<line ").count(), 5, "an axis from 0 to 4");
        assert!(svg.contains(">4<"));
        r.ledger.weekly = vec![week("2026-11-08", 7)];
        let svg = liability(&r);
        assert!(svg.contains(">6<") && svg.contains(">8<") && !svg.contains(">10<"));
        r.ledger.issued = (1..=7).map(|i| (format!("s{i}"), i)).collect();
        let svg = liability(&r);
        assert!(svg.contains(">Issued by source: s7 7 · s6 6 · s5 5 · s4 4 · s3 3 · 2 more<"));
    }

    #[test]
    fn funnel_labels_each_step_and_marks_one_under_ten_percent() {
        let mut r = report();
        r.membership.upgrades = vec![
            upgrade("regular", "silver", 1, 4),
            upgrade("silver", "gold", 0, 1),
        ];
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(balanced(&svg));
        assert!(svg.contains(
            "<title>Tier funnel: members on 2026-11-15, upgrades 2026-11-02 to 2026-11-20</title>"
        ));
        // Week 2026-11-15: 3 regular (the widest, 360 px, centred on 300), 1 silver, no gold.
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3);
        assert!(svg.contains(r#"x="120" y="60" width="360""#));
        assert!(svg.contains(r#"x="240" y="124" width="120""#));
        assert!(svg.contains(r##"width="0" height="30" fill="#ffb38a"><title>gold: 0</title>"##));
        assert!(svg.contains(r##"fill="#969799">↓ 25.0% of regular reached silver (1/4)</text>"##));
        assert_eq!(svg.matches(r#"<g class="alert">"#).count(), 1);
        assert!(svg.contains(
            r##"fill="#ee0a24">↓ 0.0% of silver reached gold (0/1): under 10%, act</text></g>"##
        ));
    }

    /// A `--scorecard` file's thresholds move the marks; a file without the rules keeps the
    /// seed's.
    #[test]
    fn the_scorecards_thresholds_move_the_funnel_alert_and_the_roi_target() {
        let mut card = crate::diagnoses::Scorecard::default_settings();
        assert_eq!(Lines::of(&card), Lines::default());
        for rule in &mut card.diagnoses {
            match rule.id.as_str() {
                "upgrade_rate" => rule.threshold = 0.3,
                "roi_target" => rule.threshold = 2.25,
                _ => {}
            }
        }
        let lines = Lines::of(&card);
        assert_eq!((lines.upgrade, lines.roi), (0.3, 2.25));
        let mut r = report();
        r.membership.upgrades = vec![upgrade("regular", "silver", 1, 4)];
        assert!(!funnel(&r, &tiers(), Lines::default()).contains("class=\"alert\""));
        assert!(funnel(&r, &tiers(), lines)
            .contains("↓ 25.0% of regular reached silver (1/4): under 30%, act"));
        r.campaigns[0].roi.cost_cents = 100;
        r.campaigns[0].roi.roi = Some(2.0);
        assert!(roi(&r, Lines::default()).contains(r##"fill="#07c160">ROI 2.00<"##));
        let svg = roi(&r, lines);
        assert!(svg.contains(r##"fill="#ee0a24">ROI 2.00<"##) && svg.contains(">target ≥ 2.25<"));
        card.diagnoses.clear();
        assert_eq!(Lines::of(&card), Lines::default());
        assert_eq!(threshold_percent(0.1), "10%");
        assert_eq!(threshold_percent(0.125), "12.5%");
    }

    #[test]
    fn funnel_marks_under_ten_percent_only() {
        let mut r = report();
        r.membership.upgrades = vec![upgrade("regular", "silver", 1, 10)];
        assert!(
            !funnel(&r, &tiers(), Lines::default()).contains("class=\"alert\""),
            "10.0% is not under"
        );
        r.membership.upgrades = vec![upgrade("regular", "silver", 999, 10_000)];
        assert!(funnel(&r, &tiers(), Lines::default())
            .contains("↓ 10.0% of regular reached silver (999/10000): under 10%"));
        r.membership.upgrades = vec![upgrade("regular", "silver", 0, 0)];
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(svg.contains(">↓ upgrades –: nobody held regular on 2026-11-02<"));
        assert!(
            svg.contains(">↓ upgrades –<"),
            "silver → gold: not in the report"
        );
        assert!(!svg.contains("nobody held silver"));
    }

    #[test]
    fn funnel_steps_take_their_own_pair_and_tiers_past_six_reuse_the_last_colour() {
        let mut r = report();
        // Pairs that are not steps, listed first, each matching a step on one side only.
        r.membership.upgrades = vec![
            upgrade("regular", "gold", 9, 10),
            upgrade("gold", "silver", 9, 10),
            upgrade("regular", "silver", 1, 4),
        ];
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(svg.contains(">↓ 25.0% of regular reached silver (1/4)<"));
        assert!(
            svg.contains(">↓ upgrades –<"),
            "silver → gold is not in the report"
        );
        assert!(!svg.contains("90.0%"));
        let many: Vec<String> = (1..=8).map(|i| format!("t{i}")).collect();
        r.tiers.last_mut().unwrap().counts = many.iter().map(|t| (t.clone(), 1)).collect();
        let svg = funnel(&r, &many, Lines::default());
        for (tier, colour) in [
            ("t6", "#7232dd"),
            ("t7", "#7232dd"),
            ("t8", "#7232dd"),
            ("t5", "#ee0a24"),
        ] {
            assert!(
                svg.contains(&format!(r#"fill="{colour}"><title>{tier}: 1</title>"#)),
                "{tier}"
            );
        }
    }

    #[test]
    fn funnel_shows_tiers_the_rules_no_longer_name_escaped_and_says_when_empty() {
        let mut r = report();
        r.tiers.push(TierWeek {
            week_end: d("2026-11-22"),
            counts: BTreeMap::from([("regular".to_owned(), 2), ("<vip>".to_owned(), 1)]),
        });
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(balanced(&svg));
        assert_eq!(svg.matches(r#"class="bar""#).count(), 4);
        assert!(svg.contains("<title>&lt;vip&gt;: 1</title>") && !svg.contains("<vip>"));
        assert!(svg.contains("members on 2026-11-22"));
        r.tiers.clear();
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(balanced(&svg));
        assert!(svg.contains(">no members in this range<") && !svg.contains("class=\"bar\""));
    }

    #[test]
    fn roi_draws_cost_revenue_baseline_and_roi_against_the_target() {
        let mut r = report();
        let mut second = r.campaigns[0].clone();
        let mut third = r.campaigns[0].clone();
        r.campaigns[0].roi = crate::scorecard::Roi {
            cost_cents: 10_000,
            revenue_cents: 40_000,
            baseline_cents: 15_000,
            roi: Some(2.5),
        };
        second.id = "c2".into();
        second.roi = crate::scorecard::Roi {
            cost_cents: 20_000,
            revenue_cents: 10_000,
            baseline_cents: 30_000,
            roi: Some(-1.0),
        };
        third.id = "c3".into();
        r.campaigns.extend([second, third]);
        let svg = roi(&r, Lines::default());
        assert!(balanced(&svg));
        assert!(
            svg.contains(r#"width="790" height="286""#),
            "three rows of 72 from 70"
        );
        assert!(svg.contains("&lt;mid&gt;") && !svg.contains("<mid>"));
        // Yuan on one scale: ¥400 is the longest bar, 260 px.
        assert!(
            svg.contains(r##"width="65" height="14" fill="#969799"><title>cost: ¥100.00</title>"##)
        );
        assert!(svg.contains(r#"width="260" height="14""#) && svg.contains(">¥400.00<"));
        assert!(svg.contains(r#"width="98" height="14""#), "¥150 of ¥400");
        // ROI from −1 to 3 over 180 px from 520: 0 at 565, the target 1.5 at 633.
        assert!(svg.contains(r#"class="target" x1="633""#) && svg.contains(">target ≥ 1.5<"));
        assert!(
            svg.contains(r##"class="roi" x="565" y="87" width="113" height="16" fill="#07c160""##)
        );
        assert!(svg.contains(r##"fill="#07c160">ROI 2.50<"##));
        assert!(
            svg.contains(r##"class="roi" x="520" y="159" width="45" height="16" fill="#ee0a24""##)
        );
        assert!(svg.contains(r##"fill="#ee0a24">ROI -1.00<"##));
        assert!(svg.contains(">ROI – (no cost)<"));
        assert_eq!(svg.matches(r#"class="roi""#).count(), 2);
    }

    #[test]
    fn roi_below_target_is_red_and_without_campaigns_says_so() {
        let mut r = report();
        r.campaigns[0].roi.cost_cents = 100;
        r.campaigns[0].roi.roi = Some(1.4999);
        assert!(
            roi(&r, Lines::default()).contains(r##"fill="#ee0a24">ROI 1.50<"##),
            "1.4999 misses 1.5"
        );
        r.campaigns[0].roi.roi = Some(1.5);
        assert!(roi(&r, Lines::default()).contains(r##"fill="#07c160">ROI 1.50<"##));
        r.campaigns.clear();
        let svg = roi(&r, Lines::default());
        assert!(balanced(&svg));
        assert!(svg.contains(">no campaign in this range<") && !svg.contains("class=\"bar\""));
    }

    /// `<text x=".." y=".."` opening a text at that place.
    fn text_at(x: u32, y: u32) -> String {
        format!(r##"<text x="{x}" y="{y}""##)
    }

    #[test]
    fn liability_lays_out_its_axis_line_and_summary() {
        let r = with_ledger();
        let svg = liability(&r);
        // Three weeks fill four 64 px columns from 80, narrower than the 700 px floor; the
        // summary's three lines start 40 px under the 180 px plot that starts at 40.
        assert!(svg.contains(r##"width="700" height="324""##));
        assert!(svg.contains(&format!("{}{}", text_at(72, 20), r##" text-anchor="end""##)));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(72, 220),
            r##" text-anchor="end" dominant-baseline="central" fill="#969799">0<"##
        )));
        assert!(svg.contains(r##"<line x1="80" y1="220" x2="336" y2="220""##));
        // Week centres at 112, 176, 240; 1,200, 3,000 and 2,500 of 3,200 points over 180 px.
        assert!(svg.contains(r##"points="112,220 112,152 176,51 240,79 240,220""##));
        assert!(svg.contains(r##"<polyline points="112,152 176,51 240,79""##));
        assert!(svg.contains(&format!("{}{}", text_at(176, 39), r##" text-anchor="middle" dominant-baseline="central" font-size="10" fill="#323233">¥300.00<"##)));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(176, 234),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">11-15<"##
        )));
        for (i, start) in ["In the range", "Outstanding at", "Issued by source"]
            .iter()
            .enumerate()
        {
            let at = format!(
                "{}{}",
                text_at(8, 260 + 18 * i as u32),
                r##" text-anchor="start" dominant-baseline="central" fill="#323233">"##
            );
            assert!(svg.contains(&format!("{at}{start}")), "{start}");
        }
        // Thirteen weeks widen it past the floor: 80 + 13 × 64 + 30.
        let mut long = r.clone();
        long.ledger.weekly = (0..13).map(|i| week("2026-11-08", 100 * i)).collect();
        assert!(liability(&long).contains(r##"width="942" height="324""##));
        // Five sources are all shown: no "more".
        let mut five = r;
        five.ledger.issued = (1..=5).map(|i| (format!("s{i}"), i)).collect();
        assert!(liability(&five).contains(">Issued by source: s5 5 · s4 4 · s3 3 · s2 2 · s1 1<"));
        let empty = liability(&report());
        assert!(empty.contains(&format!(
            "{}{}",
            text_at(208, 130),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">no points data"##
        )));
    }

    #[test]
    fn funnel_lays_out_rows_steps_and_counts() {
        let mut r = report();
        r.membership.upgrades = vec![upgrade("regular", "silver", 1, 4)];
        let svg = funnel(&r, &tiers(), Lines::default());
        // Rows of 30 px every 64 px from 60, the labels right-aligned at 110, counts at 490,
        // each step 47 px under its row's top, centred on 300.
        assert!(svg.contains(r##"width="620" height="252""##));
        assert!(svg.contains(&format!("{}{}", text_at(8, 14), r##" text-anchor="start" dominant-baseline="central" fill="#969799">members by tier on 2026-11-15<"##)));
        assert!(svg.contains(&format!("{}{}", text_at(8, 30), r##" text-anchor="start" dominant-baseline="central" fill="#969799">each step: of a tier's members on 2026-11-02, the share at the next tier or higher by 2026-11-20<"##).replace('\'', "&#39;")));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(110, 139),
            r##" text-anchor="end" dominant-baseline="central" fill="#323233">silver<"##
        )));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(490, 75),
            r##" text-anchor="start" dominant-baseline="central" fill="#323233">3<"##
        )));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(300, 107),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">↓ 25.0%"##
        )));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(300, 171),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">↓ upgrades –<"##
        )));
        assert!(
            svg.contains(r##"x="300" y="188" width="0""##),
            "no gold: an empty bar at the centre"
        );
        r.tiers.clear();
        let svg = funnel(&r, &tiers(), Lines::default());
        assert!(svg.contains(r##"width="620" height="124""##));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(310, 75),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">no members"##
        )));
    }

    #[test]
    fn roi_lays_out_legend_rows_and_scale() {
        let mut r = report();
        r.campaigns[0].roi = crate::scorecard::Roi {
            cost_cents: 10_000,
            revenue_cents: -5_000,
            baseline_cents: 20_000,
            roi: Some(-2.5),
        };
        let svg = roi(&r, Lines::default());
        // One row of 72 px from 70; the ROI scale runs 180 px from 520, over −2.5 to 3.
        assert!(svg.contains(r##"width="790" height="142""##));
        for (x, name) in [
            (26, "cost"),
            (80, "revenue (during"),
            (308, "baseline (as many"),
        ] {
            assert!(
                svg.contains(&format!(
                    "{}{}{name}",
                    text_at(x, 18),
                    r##" text-anchor="start" dominant-baseline="central" fill="#323233">"##
                )),
                "{name}"
            );
        }
        assert!(svg.contains(r##"<rect x="62" y="12" width="12" height="12""##));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(8, 38),
            r##" text-anchor="start" dominant-baseline="central" fill="#969799">ROI = "##
        )));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(8, 97),
            r##" text-anchor="start" dominant-baseline="central" fill="#323233">&lt;mid&gt;<"##
        )));
        // Revenue below 0 (refunds outweigh orders): no bar, the label says.
        assert!(svg.contains(r##"<rect class="bar" x="150" y="88" width="0" height="14""##));
        assert!(svg.contains(&format!("{}{}", text_at(156, 95), r##" text-anchor="start" dominant-baseline="central" font-size="10" fill="#323233">-¥50.00<"##)));
        assert!(svg.contains(r##"<rect class="bar" x="150" y="106" width="260" height="14""##));
        assert!(svg.contains(&format!("{}{}", text_at(416, 113), r##" text-anchor="start" dominant-baseline="central" font-size="10" fill="#323233">¥200.00<"##)));
        // 0 at 520 + 2.5/5.5 × 180 = 602, the target at 651; ROI −2.5 from 520 to 602.
        assert!(svg.contains(r##"<line x1="602" y1="62" x2="602" y2="142""##));
        assert!(svg.contains(r##"class="target" x1="651" y1="62" x2="651" y2="142""##));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(651, 54),
            r##" text-anchor="middle""##
        )));
        assert!(svg.contains(r##"class="roi" x="520" y="87" width="82""##));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(608, 95),
            r##" text-anchor="start" dominant-baseline="central" fill="#ee0a24">ROI -2.50<"##
        )));
        // Without an ROI the scale starts at 0, at 520.
        r.campaigns[0].roi.roi = None;
        let svg = roi(&r, Lines::default());
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(526, 95),
            r##" text-anchor="start" dominant-baseline="central" fill="#969799">ROI – (no cost)<"##
        )));
        r.campaigns.clear();
        let svg = roi(&r, Lines::default());
        assert!(svg.contains(r##"width="790" height="142""##));
        assert!(svg.contains(&format!(
            "{}{}",
            text_at(395, 80),
            r##" text-anchor="middle" dominant-baseline="central" fill="#969799">no campaign"##
        )));
    }

    #[test]
    fn every_chart_is_drawn_by_its_name() {
        let r = with_ledger();
        let titles = [
            "Retention by weekly cohort",
            "Members by tier, week by week",
            "Campaign retention uplift",
            "Points outstanding week by week",
            "Tier funnel",
            "Campaign ROI",
        ];
        for (name, title) in crate::report_svg::CHARTS.iter().zip(titles) {
            let svg = crate::report_svg::draw(name, &r, &tiers(), Lines::default()).unwrap();
            assert!(balanced(&svg), "{name}");
            assert!(svg.contains(&format!("<title>{title}")), "{name}");
        }
        assert!(crate::report_svg::draw("pie", &r, &tiers(), Lines::default()).is_none());
    }
}
