//! The month view in numbers, for the wasm module: JS builds both the grid
//! (`CalendarView`) and the Vant cells (`CalendarCell`) from it (js/src/month.js), so a
//! month crosses the boundary as one `Uint32Array` instead of 42 objects of JSON text
//! (docs/performance-notes.md, "compact month views"). Native code keeps the views.
//!
//! Layout, one `u32` each (`i32`s as their bits):
//! - header: year, month, today (a day number: days since 1970-01-01), first weekday,
//!   streak, make-ups left, the first cell's day number, the cell count `n`;
//! - `n` cells of three words: the status (`DayStatus` in declaration order, 0–9) with the
//!   flags milestone (`1 << 4`), coupon (`1 << 5`) and "has a make-up cost" (`1 << 6`); the
//!   points; the make-up cost (0 when none);
//! - ten texts, each its length in UTF-16 units and then the units: the streak label, the
//!   words of the statuses `Checked` … `TodayDone`, `day.reward` before and after `{points}`.
//!
//! The cells are consecutive days from the first one.

use super::calendar::CalendarView;
use super::wx::Labels;
use crate::config::Config;

/// Words before the first cell.
pub const MONTH_HEADER: usize = 8;
/// Words a cell takes.
pub const MONTH_CELL: usize = 3;
pub const MONTH_MILESTONE: u32 = 1 << 4;
pub const MONTH_COUPON: u32 = 1 << 5;
pub const MONTH_HAS_COST: u32 = 1 << 6;

/// `view` (as `calendar` made it for `locale`) in the layout above.
pub fn month_words(view: &CalendarView, cfg: &Config, locale: &str) -> Vec<u32> {
    let labels = Labels::new(cfg, locale);
    let cells = view.weeks.iter().flatten();
    let count = view.weeks.iter().map(Vec::len).sum::<usize>();
    let first = view.weeks.first().and_then(|w| w.first());
    let mut out = Vec::with_capacity(MONTH_HEADER + count * MONTH_CELL + 64);
    out.extend([
        view.year as u32,
        u32::from(view.month),
        view.today.to_day() as u32,
        u32::from(view.first_weekday),
        view.streak,
        u32::from(view.makeups_left),
        first.map_or(0, |d| d.date.to_day()) as u32,
        count as u32,
    ]);
    for d in cells {
        let mut code = d.status as u32;
        if d.milestone {
            code |= MONTH_MILESTONE;
        }
        if d.coupon {
            code |= MONTH_COUPON;
        }
        if d.makeup_cost.is_some() {
            code |= MONTH_HAS_COST;
        }
        out.extend([code, d.points, d.makeup_cost.unwrap_or(0)]);
    }
    let texts = std::iter::once(view.streak_label.as_str())
        .chain(labels.status.iter().map(|s| s.as_deref().unwrap_or("")))
        .chain([labels.reward.0.as_str(), labels.reward.1.as_str()]);
    for text in texts {
        let at = out.len();
        out.push(0);
        out.extend(text.encode_utf16().map(u32::from));
        out[at] = (out.len() - at - 1) as u32;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{calendar, DayStatus};
    use crate::State;

    #[test]
    fn words_hold_the_header_cells_and_texts() {
        let cfg = Config::seed();
        // 2026-11-03 10:00 in UTC+8; joined on 2026-11-02.
        let now = 1_793_671_200_000;
        let st = State::join(&cfg, "u1", now - 86_400_000);
        let view = calendar(&st, &cfg, 2026, 11, now, "en").unwrap();
        let w = month_words(&view, &cfg, "en");
        assert_eq!(&w[..2], &[2026, 11]);
        assert_eq!(w[2] as i32, view.today.to_day());
        assert_eq!(w[3], 1);
        assert_eq!(w[6] as i32, view.weeks[0][0].date.to_day());
        let n = w[7] as usize;
        assert_eq!(n, view.weeks.len() * 7);
        let cells: Vec<_> = view.weeks.iter().flatten().collect();
        for (i, d) in cells.iter().enumerate() {
            let c = &w[MONTH_HEADER + i * MONTH_CELL..][..MONTH_CELL];
            assert_eq!(c[0] & 15, d.status as u32, "cell {i}");
            assert_eq!(c[0] & MONTH_MILESTONE != 0, d.milestone, "cell {i}");
            assert_eq!(c[0] & MONTH_COUPON != 0, d.coupon, "cell {i}");
            assert_eq!(
                c[0] & MONTH_HAS_COST != 0,
                d.makeup_cost.is_some(),
                "cell {i}"
            );
            assert_eq!(c[1], d.points, "cell {i}");
            assert_eq!(c[2], d.makeup_cost.unwrap_or(0), "cell {i}");
        }
        assert!(cells
            .iter()
            .any(|d| d.status == DayStatus::MakeupAvailable || d.status == DayStatus::Missed));
        // The texts: the streak label first, then the statuses' words, then the reward's halves.
        let mut at = MONTH_HEADER + n * MONTH_CELL;
        let mut texts = Vec::new();
        while at < w.len() {
            let len = w[at] as usize;
            let units: Vec<u16> = w[at + 1..at + 1 + len].iter().map(|&u| u as u16).collect();
            texts.push(String::from_utf16(&units).unwrap());
            at += 1 + len;
        }
        assert_eq!(at, w.len());
        assert_eq!(texts.len(), 10);
        assert_eq!(texts[0], view.streak_label);
        assert_eq!(texts[1], cfg.messages().render("en", "day.checked", &[]));
        assert_eq!(&texts[8..], &["+".to_owned(), String::new()]);
    }
}
