//! A share poster as Canvas 2D draw commands: the core lays it out, js/ replays it on a
//! mini-program `<canvas type="2d">` or an HTML canvas (`drawCommands`). The commands are a
//! compact JSON array of arrays, in CSS pixels (the replayer scales by the pixel ratio):
//!
//! | command | meaning |
//! | --- | --- |
//! | `["fill", colour]` | `fillStyle = colour` |
//! | `["rect", x, y, w, h, r]` | fill a rectangle with corner radius `r` |
//! | `["stroke", colour, width]` | `strokeStyle`, `lineWidth` |
//! | `["strokeRect", x, y, w, h, r]` | stroke a rounded rectangle |
//! | `["font", size, weight]` | `font = "<weight> <size>px <theme font family>"` |
//! | `["text", s, x, y, align]` | `textAlign = align`, `textBaseline = "middle"`, `fillText(s, x, y)` |

use super::svg::{status_colours, MONTHS_EN, WEEKDAYS_EN, WEEKDAYS_ZH};
use super::theme::Theme;
use crate::config::Config;
use crate::error::RuleError;
use crate::state::State;
use crate::view::{self, CalendarView};
use std::fmt::Write;

/// Poster size in CSS pixels.
pub const POSTER_WIDTH: u32 = 375;
pub const POSTER_HEIGHT: u32 = 640;

struct Commands {
    out: String,
}

enum Arg<'a> {
    N(u32),
    S(&'a str),
}

impl Commands {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn push(&mut self, name: &str, args: &[Arg]) {
        self.out.push(if self.out.len() > 1 { ',' } else { '[' });
        self.out.push_str("[\"");
        self.out.push_str(name);
        self.out.push('"');
        for a in args {
            self.out.push(',');
            match a {
                Arg::N(n) => {
                    let _ = write!(self.out, "{n}");
                }
                Arg::S(s) => json_string(&mut self.out, s),
            }
        }
        self.out.push(']');
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn fill(&mut self, colour: &str) {
        self.push("fill", &[Arg::S(colour)]);
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn rect(&mut self, x: u32, y: u32, w: u32, h: u32, r: u32) {
        self.push(
            "rect",
            &[Arg::N(x), Arg::N(y), Arg::N(w), Arg::N(h), Arg::N(r)],
        );
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn font(&mut self, size: u32, bold: bool) {
        let weight = if bold { "bold" } else { "normal" };
        self.push("font", &[Arg::N(size), Arg::S(weight)]);
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn text(&mut self, s: &str, x: u32, y: u32, align: &str) {
        self.push("text", &[Arg::S(s), Arg::N(x), Arg::N(y), Arg::S(align)]);
    }
}

/// `s` as a JSON string literal.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The poster of `st` at `now`: the streak, points, tier and this month's calendar.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn poster(
    st: &State,
    cfg: &Config,
    now: i64,
    locale: &str,
    theme: &Theme,
) -> Result<String, RuleError> {
    let today = crate::day::Date::from_day(cfg.clock().day_of(now));
    let cal = view::calendar(st, cfg, today.year, today.month, now, locale)?;
    let tier = view::tier_progress(st, cfg, now, locale);
    let balance = view::points_summary(st, cfg, now).balance;
    let messages = cfg.messages();
    let t = theme;
    let mut c = Commands {
        out: String::with_capacity(8 * 1024),
    };
    let (w, mid) = (POSTER_WIDTH, POSTER_WIDTH / 2);
    c.fill(&t.background);
    c.rect(0, 0, w, POSTER_HEIGHT, 0);
    c.fill(&t.checked);
    c.rect(0, 0, w, 190, 0);
    c.fill(&t.background);
    c.font(18, true);
    c.text(
        &messages.render(locale, "poster.title", &[]),
        mid,
        36,
        "center",
    );
    c.font(64, true);
    c.text(&cal.streak.to_string(), mid, 100, "center");
    c.font(16, false);
    c.text(&cal.streak_label, mid, 156, "center");
    c.fill(&t.text);
    c.font(16, true);
    let points = messages.render(locale, "poster.points", &[("points", balance.to_string())]);
    c.text(&points, 32, 224, "left");
    c.text(&tier.tier.name, w - 32, 224, "right");
    month_grid(&mut c, &cal, cfg, t, locale, 256);
    c.fill(&t.muted);
    c.font(13, false);
    c.text(
        &messages.render(locale, "poster.footer", &[]),
        mid,
        POSTER_HEIGHT - 28,
        "center",
    );
    c.out.push(']');
    Ok(c.out)
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn month_grid(
    c: &mut Commands,
    cal: &CalendarView,
    cfg: &Config,
    t: &Theme,
    locale: &str,
    top: u32,
) {
    let zh = locale == "zh-CN";
    let (cell, gap) = (38, 6);
    let pitch = cell + gap;
    let left = (POSTER_WIDTH - (7 * pitch - gap)) / 2;
    c.fill(&t.text);
    c.font(15, true);
    let title = cfg.messages().render(
        locale,
        "calendar.title",
        &[
            ("year", cal.year.to_string()),
            ("month", cal.month.to_string()),
            (
                "month_name",
                MONTHS_EN[usize::from(cal.month - 1)].to_owned(),
            ),
        ],
    );
    c.text(&title, POSTER_WIDTH / 2, top + 10, "center");
    c.fill(&t.muted);
    c.font(12, false);
    for col in 0..7u32 {
        let wd = (u32::from(cal.first_weekday) + col) as usize % 7;
        let label = if zh { WEEKDAYS_ZH[wd] } else { WEEKDAYS_EN[wd] };
        c.text(label, left + col * pitch + cell / 2, top + 36, "center");
    }
    c.font(13, false);
    for (row, week) in cal.weeks.iter().enumerate() {
        for (col, d) in week.iter().enumerate() {
            if d.status == view::DayStatus::OutsideMonth {
                continue;
            }
            let (x, y) = (left + col as u32 * pitch, top + 52 + row as u32 * pitch);
            let (fill, stroke, fg) = status_colours(t, d.status);
            c.fill(fill);
            c.rect(x, y, cell, cell, t.radius.min(cell / 2));
            if let Some(s) = stroke {
                c.push("stroke", &[Arg::S(s), Arg::N(2)]);
                c.push(
                    "strokeRect",
                    &[
                        Arg::N(x),
                        Arg::N(y),
                        Arg::N(cell),
                        Arg::N(cell),
                        Arg::N(t.radius.min(cell / 2)),
                    ],
                );
            }
            c.fill(fg);
            c.text(&d.day.to_string(), x + cell / 2, y + cell / 2, "center");
        }
    }
}
