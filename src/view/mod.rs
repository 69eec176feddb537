//! Views: queries on state at a caller-given `now`, ready for `setData` (plain JSON).
//! A view never changes the state; time effects not yet applied (expiry) are accounted for.
//!
//! Names: a wasm build of the core only ever answers JS, whose API names every field in
//! camelCase, so under `target_family = "wasm"` the view and event types (and the rewards and
//! benefits they carry) serialize their fields so; native builds (the server's HTTP bodies,
//! the CLI) keep the rule files' snake_case. String values (event `type`, statuses) are the
//! same on both.

mod calendar;
mod campaigns;
mod compact;
mod monthly;
mod points;
mod progress;
mod prompts;
mod segments;
mod tasks;
mod wx;

pub use calendar::{calendar, CalendarDay, CalendarView, DayStatus};
pub use campaigns::{
    campaigns, CampaignStatus, CampaignView, CardKindView, CardSetView, DrawView, LotteryView,
};
pub use compact::{
    month_words, MONTH_CELL, MONTH_COUPON, MONTH_HAS_COST, MONTH_HEADER, MONTH_MILESTONE,
};
pub use monthly::{monthly_report, MonthlyReport};
pub use points::{
    catalog, checkout_quote, points_summary, CatalogEntry, CheckoutQuote, ExpiringPoints,
    PointsSummary,
};
pub use progress::{tier_progress, DimensionProgress, TierInfo, TierProgress};
pub use prompts::{prompts, Prompt};
pub use segments::{segments, Lifecycle, RfmScore, Segments};
pub use tasks::{tasks, TaskStatus, TaskView};
pub use wx::{
    calendar_cells, progress_values, status_class, CalendarCell, ProgressValue, ProgressValues,
    TaskProgress,
};

use crate::config::{Config, LocalText};
use crate::state::State;
use serde::Serialize;

/// Picks `locale`'s text, else the config's default locale, else any.
pub(crate) fn local(text: &LocalText, locale: &str, cfg: &Config) -> String {
    text.get(locale)
        .or_else(|| text.get(&cfg.default_locale))
        .or_else(|| text.values().next())
        .cloned()
        .unwrap_or_default()
}

/// Integer percentage, floored, 0–100.
pub(crate) fn percent(current: u64, target: u64) -> u8 {
    if target == 0 || current >= target {
        return 100;
    }
    (u128::from(current) * 100 / u128::from(target)) as u8
}

/// A short summary of a member for the CLI and logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct Summary {
    pub user: String,
    pub joined: crate::day::Date,
    pub tier: String,
    pub earned_tier: String,
    pub balance: u64,
    pub streak: u32,
    pub checkins: usize,
    pub freezes: u16,
    pub accelerators: u16,
    /// The coupons the member may use today, in the order granted: neither used by an order
    /// nor past their `expires` (one entry per grant).
    pub coupons: Vec<String>,
    pub tasks_completed: u32,
    pub totals: crate::state::Totals,
}

#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn summary(st: &State, cfg: &Config, now: i64) -> Summary {
    let today = cfg.clock().day_of(now);
    Summary {
        user: st.user.clone(),
        joined: crate::day::Date::from_day(st.joined),
        tier: crate::engine::tiers::tier_id(cfg, crate::engine::tiers::effective(st, today)),
        earned_tier: crate::engine::tiers::tier_id(cfg, st.tier),
        balance: points::live_balance(st, cfg, now),
        streak: crate::engine::current_streak(st, today),
        checkins: st.checkins.len(),
        freezes: st.freezes,
        accelerators: st.accelerators,
        coupons: st
            .coupons
            .iter()
            .filter(|c| c.used.is_none() && c.expires.is_none_or(|e| e >= today))
            .map(|c| c.coupon.clone())
            .collect(),
        tasks_completed: st.tasks_completed,
        totals: st.totals.clone(),
    }
}
