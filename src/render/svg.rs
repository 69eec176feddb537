//! SVG strings: the month calendar and progress bars. Integer pixel arithmetic only (no float
//! printing in the wasm module); every text is XML-escaped.

use super::theme::Theme;
use crate::config::Config;
use crate::day::Day;
use crate::view::{status_class, CalendarView, DayStatus, ProgressValue};
use std::fmt::Write;

pub(super) const WEEKDAYS_ZH: [&str; 7] = ["日", "一", "二", "三", "四", "五", "六"];
pub(super) const WEEKDAYS_EN: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub(super) const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `s` with `& < > " '` escaped, for text and attribute values.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn open_svg(out: &mut String, w: u32, h: u32, t: &Theme, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" font-size="{}"><title>{}</title>"#,
        t.font_family,
        t.font_size,
        escape(title)
    );
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn text(out: &mut String, x: u32, y: u32, size: u32, fill: &str, weight: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" text-anchor="middle" dominant-baseline="central"{weight}>{}</text>"#,
        escape(s)
    );
}

/// Fill, stroke (make-up available: dashed; today: a ring) and text colour of a day.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub(super) fn status_colours(t: &Theme, status: DayStatus) -> (&str, Option<&str>, &str) {
    match status {
        DayStatus::Checked | DayStatus::TodayDone => (&t.checked, None, &t.background),
        DayStatus::MadeUp => (&t.made_up, None, &t.background),
        DayStatus::Frozen => (&t.frozen, None, &t.background),
        DayStatus::Missed => (&t.missed, None, &t.muted),
        DayStatus::MakeupAvailable => (
            &t.background,
            Some(&t.makeup_available),
            &t.makeup_available,
        ),
        DayStatus::TodayPending => (&t.background, Some(&t.today), &t.today),
        DayStatus::Future => (&t.background, None, &t.text),
        DayStatus::BeforeJoin | DayStatus::OutsideMonth => (&t.background, None, &t.muted),
    }
}

/// The month as an SVG: title, weekday header (from the rules' first weekday), each day by
/// status, milestone badges, the current streak as a band under its days, and the streak label.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn calendar_svg(view: &CalendarView, cfg: &Config, theme: &Theme, locale: &str) -> String {
    let t = theme;
    let zh = locale == "zh-CN";
    let (cell, gap) = (t.cell, t.gap);
    let pitch = cell + gap;
    let width = 7 * pitch + gap;
    let title_h = cell;
    let head_h = t.font_size * 2;
    let grid_top = title_h + head_h;
    let rows = view.weeks.len() as u32;
    let height = grid_top + rows * pitch + cell;
    let title = cfg.messages().render(
        locale,
        "calendar.title",
        &[
            ("year", view.year.to_string()),
            ("month", view.month.to_string()),
            (
                "month_name",
                MONTHS_EN[usize::from(view.month - 1)].to_owned(),
            ),
        ],
    );
    let mut out = String::with_capacity(16 * 1024);
    open_svg(&mut out, width, height, t, &title);
    let _ = write!(
        out,
        r#"<rect width="{width}" height="{height}" rx="{}" fill="{}"/>"#,
        t.radius, t.background
    );
    let big = t.font_size + t.font_size / 4;
    text(
        &mut out,
        width / 2,
        title_h / 2 + gap,
        big,
        &t.text,
        r#" font-weight="600""#,
        &title,
    );
    for col in 0..7u32 {
        let wd = (u32::from(view.first_weekday) + col) as usize % 7;
        let label = if zh { WEEKDAYS_ZH[wd] } else { WEEKDAYS_EN[wd] };
        let x = gap + col * pitch + cell / 2;
        text(
            &mut out,
            x,
            title_h + head_h / 2,
            t.font_size * 4 / 5,
            &t.muted,
            "",
            label,
        );
    }
    // The current streak: the last `streak` days up to today (done) or yesterday.
    let today = view.today.to_day();
    let today_done = view
        .weeks
        .iter()
        .flatten()
        .any(|d| d.status == DayStatus::TodayDone);
    let streak_end: Day = if today_done { today } else { today - 1 };
    let streak_start = streak_end - view.streak as Day + 1;
    let small = (t.font_size * 2 / 3).max(8);
    for (row, week) in view.weeks.iter().enumerate() {
        for (col, d) in week.iter().enumerate() {
            let x = gap + col as u32 * pitch;
            let y = grid_top + row as u32 * pitch;
            let day = d.date.to_day();
            let _ = write!(out, r#"<g class="zl-{}">"#, status_class(d.status));
            let (fill, stroke, fg) = status_colours(t, d.status);
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" rx="{}" fill="{fill}""#,
                t.radius
            );
            match stroke {
                Some(s) if d.status == DayStatus::MakeupAvailable => {
                    let _ = write!(
                        out,
                        r#" stroke="{s}" stroke-width="2" stroke-dasharray="4 3""#
                    );
                }
                Some(s) => {
                    let _ = write!(out, r#" stroke="{s}" stroke-width="2""#);
                }
                None => {}
            }
            out.push_str("/>");
            if d.status == DayStatus::TodayDone {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                    x.saturating_sub(2),
                    y.saturating_sub(2),
                    cell + 4,
                    cell + 4,
                    t.radius + 2,
                    t.today
                );
            }
            text(
                &mut out,
                x + cell / 2,
                y + cell / 2,
                t.font_size,
                fg,
                "",
                &d.day.to_string(),
            );
            let outside = d.status == DayStatus::OutsideMonth;
            if view.streak > 0 && (streak_start..=streak_end).contains(&day) && !outside {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="3" rx="1" fill="{}"/>"#,
                    x + cell / 4,
                    y + cell + gap / 2 - 1,
                    cell / 2,
                    t.accent
                );
            }
            if d.milestone && !outside {
                let r = small;
                let (cx, cy) = (x + cell - r / 2, y + r / 2);
                let _ = write!(
                    out,
                    r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{}"/>"#,
                    t.accent
                );
                let badge = if d.coupon {
                    if zh {
                        "券"
                    } else {
                        "C"
                    }
                } else {
                    "+"
                };
                text(
                    &mut out,
                    cx,
                    cy,
                    small,
                    &t.background,
                    r#" font-weight="700""#,
                    badge,
                );
            }
            out.push_str("</g>");
        }
    }
    let footer_y = grid_top + rows * pitch + cell / 2;
    text(
        &mut out,
        width / 2,
        footer_y,
        t.font_size,
        &t.text,
        "",
        &view.streak_label,
    );
    out.push_str("</svg>");
    out
}

/// A progress bar with its label above it.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn progress_svg(value: &ProgressValue, theme: &Theme) -> String {
    let t = theme;
    let (w, h) = (t.bar_width, t.bar_height);
    let label_h = t.font_size * 3 / 2;
    let height = label_h + h;
    let filled = w * u32::from(value.percentage.min(100)) / 100;
    let mut out = String::with_capacity(512);
    open_svg(&mut out, w, height, t, &value.label);
    let _ = write!(
        out,
        r#"<text x="0" y="{}" fill="{}" dominant-baseline="central">{}</text><text x="{w}" y="{}" fill="{}" text-anchor="end" dominant-baseline="central">{}%</text>"#,
        label_h / 2,
        t.text,
        escape(&value.label),
        label_h / 2,
        t.muted,
        value.percentage
    );
    let r = h / 2;
    let _ = write!(
        out,
        r#"<rect y="{label_h}" width="{w}" height="{h}" rx="{r}" fill="{}"/><rect y="{label_h}" width="{filled}" height="{h}" rx="{r}" fill="{}"/></svg>"#,
        t.track, t.fill
    );
    out
}

/// The monthly member report as a 375 px card: the month's four figures, the tier bar, and
/// next month's benefits.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn monthly_svg(
    r: &crate::view::MonthlyReport,
    cfg: &Config,
    theme: &Theme,
    locale: &str,
) -> String {
    let t = theme;
    let m = cfg.messages();
    let (w, h) = (375u32, 330u32);
    let title = m.render(
        locale,
        "report.title",
        &[
            ("month", r.month.to_string()),
            ("month_name", MONTHS_EN[usize::from(r.month - 1)].to_owned()),
            ("year", r.year.to_string()),
        ],
    );
    let mut out = String::with_capacity(4096);
    open_svg(&mut out, w, h, t, &title);
    let _ = write!(
        out,
        r#"<rect width="{w}" height="{h}" rx="{}" fill="{}"/><rect width="{w}" height="64" rx="{}" fill="{}"/>"#,
        t.radius, t.background, t.radius, t.checked
    );
    text(
        &mut out,
        w / 2,
        32,
        t.font_size + 4,
        &t.background,
        r#" font-weight="600""#,
        &title,
    );
    let earned = r
        .points_earned
        .map_or_else(|| "–".to_owned(), |p| p.to_string());
    let figures = [
        ("report.earned", earned),
        ("report.spent", r.points_spent.to_string()),
        ("report.checkins", r.checkins.to_string()),
        ("report.streak", r.longest_streak.to_string()),
    ];
    for (i, (key, value)) in figures.iter().enumerate() {
        let (col, row) = (i as u32 % 2, i as u32 / 2);
        let (x, y) = (w / 4 + col * w / 2, 100 + row * 80);
        text(
            &mut out,
            x,
            y,
            t.font_size * 2,
            &t.text,
            r#" font-weight="600""#,
            value,
        );
        text(
            &mut out,
            x,
            y + 30,
            t.font_size,
            &t.muted,
            "",
            &m.render(locale, key, &[]),
        );
    }
    let bar_y = 262;
    text(
        &mut out,
        24,
        bar_y - 14,
        t.font_size,
        &t.text,
        "",
        &r.tier.name,
    );
    let _ = write!(
        out,
        r#"<rect x="24" y="{bar_y}" width="{}" height="8" rx="4" fill="{}"/><rect x="24" y="{bar_y}" width="{}" height="8" rx="4" fill="{}"/>"#,
        w - 48,
        t.track,
        (w - 48) * u32::from(r.tier_percentage.min(100)) / 100,
        t.fill
    );
    text(
        &mut out,
        w / 2,
        bar_y + 24,
        t.font_size * 4 / 5,
        &t.muted,
        "",
        &r.tier_label,
    );
    let next = m.render(
        locale,
        "report.next",
        &[
            ("tier", r.next_month.name.clone()),
            ("points", r.next_month.benefits.checkin_points.to_string()),
        ],
    );
    text(
        &mut out,
        w / 2,
        h - 18,
        t.font_size * 4 / 5,
        &t.text,
        "",
        &next,
    );
    out.push_str("</svg>");
    out
}
