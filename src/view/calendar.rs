//! The month calendar: a grid of weeks, each day with its status and reward.

use crate::config::Config;
use crate::day::{days_in_month, week_column, Date, Day};
use crate::engine::{makeup_refusal, milestone_at, streak_ending, tiers};
use crate::error::{ErrorCode, RuleError};
use crate::state::{Mark, State};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    Checked,
    MadeUp,
    Frozen,
    Missed,
    MakeupAvailable,
    TodayPending,
    TodayDone,
    Future,
    /// In the month but before the member joined.
    BeforeJoin,
    /// Padding from the previous or next month.
    OutsideMonth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CalendarDay {
    pub date: Date,
    pub day: u8,
    pub status: DayStatus,
    /// Points the day gave (checked, made up) or would give (today, future) by the rules.
    pub points: u32,
    /// The day pays (or paid) a streak milestone.
    pub milestone: bool,
    /// The milestone's reward includes a coupon.
    pub coupon: bool,
    /// Points a make-up of this day costs, when one is available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub makeup_cost: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CalendarView {
    pub year: i32,
    pub month: u8,
    pub today: Date,
    /// 0 = Sunday … 6 = Saturday, the first column.
    pub first_weekday: u8,
    pub streak: u32,
    pub streak_label: String,
    pub makeups_left: u16,
    pub weeks: Vec<Vec<CalendarDay>>,
}

/// The month grid for `year`-`month` as seen at `now`.
pub fn calendar(
    st: &State,
    cfg: &Config,
    year: i32,
    month: u8,
    now: i64,
    locale: &str,
) -> Result<CalendarView, RuleError> {
    let first = Date::new(year, month, 1)
        .ok_or_else(|| {
            RuleError::new(
                ErrorCode::InvalidDate,
                format!("{year}-{month:02} is not a month between 1970 and 9999"),
            )
        })?
        .to_day();
    let last = first + i32::from(days_in_month(year, month)) - 1;
    let today = cfg.clock().day_of(now);
    let column = |d: Day| week_column(d, cfg.first_weekday);
    let start = first - column(first);
    let end = last + (6 - column(last));
    let next_position = if st.checkins.contains_key(&today) {
        streak_ending(st, today)
    } else {
        streak_ending(st, today - 1) + 1
    };
    let tier = usize::from(tiers::effective(st, today));
    let base = cfg
        .tiers
        .levels
        .get(tier)
        .map_or(0, |t| t.benefits.checkin_points);
    let mut weeks = Vec::new();
    let mut week = Vec::with_capacity(7);
    for d in start..=end {
        let date = Date::from_day(d);
        let mut cell = CalendarDay {
            date,
            day: date.day,
            status: DayStatus::OutsideMonth,
            points: 0,
            milestone: false,
            coupon: false,
            makeup_cost: None,
        };
        if (first..=last).contains(&d) {
            fill(&mut cell, st, cfg, d, today, next_position, base);
        }
        week.push(cell);
        if week.len() == 7 {
            weeks.push(std::mem::replace(&mut week, Vec::with_capacity(7)));
        }
    }
    let streak = crate::engine::current_streak(st, today);
    let used = st
        .makeups
        .get(&crate::day::month_of(today))
        .copied()
        .unwrap_or(0);
    Ok(CalendarView {
        year,
        month,
        today: Date::from_day(today),
        first_weekday: cfg.first_weekday,
        streak,
        streak_label: cfg
            .messages()
            .render(locale, "streak.label", &[("n", streak.to_string())]),
        makeups_left: u16::try_from(
            u32::from(cfg.checkin.makeup.monthly_limit).saturating_sub(used),
        )
        .unwrap_or(0),
        weeks,
    })
}

fn fill(
    cell: &mut CalendarDay,
    st: &State,
    cfg: &Config,
    d: Day,
    today: Day,
    next_position: u32,
    base: u32,
) {
    if let Some(rec) = st.checkins.get(&d) {
        cell.status = match (rec.mark, d == today) {
            (_, true) => DayStatus::TodayDone,
            (Mark::Checked, _) => DayStatus::Checked,
            (Mark::MadeUp, _) => DayStatus::MadeUp,
            (Mark::Frozen, _) => DayStatus::Frozen,
        };
        cell.points = rec.points;
        cell.milestone = rec.milestone.is_some();
        cell.coupon = rec
            .milestone
            .and_then(|m| cfg.checkin.streak_bonuses.iter().find(|b| b.day == m))
            .is_some_and(|b| !b.reward.coupons.is_empty());
        return;
    }
    if d < st.joined {
        cell.status = DayStatus::BeforeJoin;
    } else if d < today {
        cell.status = match makeup_refusal(st, cfg, today, d) {
            None => {
                cell.makeup_cost = Some(cfg.checkin.makeup.cost_points);
                DayStatus::MakeupAvailable
            }
            Some(_) => DayStatus::Missed,
        };
    } else {
        cell.status = if d == today {
            DayStatus::TodayPending
        } else {
            DayStatus::Future
        };
        // What checking in every day from today on would pay on this day (a campaign running
        // that day multiplies the base).
        let position = next_position + (d - today) as u32;
        let tier = usize::from(crate::engine::tiers::effective(st, today));
        let boost = crate::engine::campaigns::active(cfg, tier, cfg.clock().start_of(d))
            .map(|c| c.checkin_multiplier)
            .max()
            .unwrap_or(1);
        cell.points = base * u32::from(boost);
        if let Some(bonus) = milestone_at(cfg, position) {
            cell.points += bonus.reward.points;
            cell.milestone = true;
            cell.coupon = !bonus.reward.coupons.is_empty();
        }
    }
}
