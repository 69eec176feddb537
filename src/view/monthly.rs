//! The monthly member report (会员月报): what a month brought (points earned and spent,
//! check-ins, the longest streak), where the tier stands, and next month's benefits. The
//! server renders it for members (`GET /v1/me/report`) and as an SVG card.

use super::{tier_progress, TierInfo};
use crate::config::Config;
use crate::day::{month_bounds, Date};
use crate::error::{ErrorCode, RuleError};
use crate::state::{Mark, State};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct MonthlyReport {
    pub year: i32,
    pub month: u8,
    pub user: String,
    /// Points counted as earned in the month (before expiry; `None` when the month is older
    /// than the state keeps per-month totals).
    pub points_earned: Option<u32>,
    /// Points spent in the month (debits not reversed).
    pub points_spent: u64,
    /// Days checked in or made up.
    pub checkins: u32,
    pub longest_streak: u32,
    pub balance: u64,
    /// The tier and the way to the next, as of the end of the month (or `now`, if sooner).
    pub tier: TierInfo,
    pub tier_label: String,
    pub tier_percentage: u8,
    /// The tier's benefits on the first day of the next month.
    pub next_month: TierInfo,
}

pub fn monthly_report(
    st: &State,
    cfg: &Config,
    year: i32,
    month: u8,
    now: i64,
    locale: &str,
) -> Result<MonthlyReport, RuleError> {
    let first = Date::new(year, month, 1).ok_or_else(|| {
        RuleError::new(
            ErrorCode::InvalidDate,
            format!("{year}-{month:02} is not a month"),
        )
    })?;
    let (start, end) = month_bounds(first.month_index());
    let clock = cfg.clock();
    let at_end = now.min(clock.start_of(end + 1) - 1);
    let marked: Vec<i32> = st
        .checkins
        .range(start..=end)
        .filter(|(_, r)| r.mark != Mark::Frozen)
        .map(|(&d, _)| d)
        .collect();
    let (mut longest, mut run) = (0u32, 0u32);
    for (i, d) in marked.iter().enumerate() {
        run = if i > 0 && marked[i - 1] + 1 == *d {
            run + 1
        } else {
            1
        };
        longest = longest.max(run);
    }
    let progress = tier_progress(st, cfg, at_end, locale);
    Ok(MonthlyReport {
        year,
        month,
        user: st.user.clone(),
        points_earned: st.month_earned.get(&first.month_index()).copied(),
        points_spent: st
            .month_spent
            .get(&first.month_index())
            .map_or(0, |&n| u64::from(n)),
        checkins: marked.len() as u32,
        longest_streak: longest,
        balance: super::points_summary(st, cfg, at_end).balance,
        tier: progress.tier,
        tier_label: progress.label,
        tier_percentage: progress.percentage,
        next_month: tier_progress(st, cfg, clock.start_of(end + 1), locale).tier,
    })
}
