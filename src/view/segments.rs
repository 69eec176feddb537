//! Lifecycle segment and RFM scores of a member at `now`, from the state alone (the server
//! computes the same for its reports and message candidates).

use crate::config::Config;
use crate::engine::lifecycle;
use crate::state::{DayStats, Mark, State};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Within `new_days` of joining.
    New,
    /// Came back from dormancy within `returning_days`.
    Returning,
    Active,
    /// No op for at least `dormant_days[0]` days.
    Dormant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct RfmScore {
    /// 1–5 each; higher is better (more recent, more frequent, more spent).
    pub recency: u8,
    pub frequency: u8,
    pub monetary: u8,
    pub total: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct Segments {
    pub lifecycle: Lifecycle,
    /// Days since the member's last own op (the server's and the merchant's do not count).
    pub days_away: u32,
    /// The largest `dormant_days` threshold passed (7, 15…), when dormant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dormant_level: Option<u16>,
    pub active_days: u32,
    pub spend_cents: u64,
    pub rfm: RfmScore,
    pub high_value: bool,
    pub high_potential: bool,
}

/// 1 + the number of thresholds `value` reaches (`at_least`) or stays within (`!at_least`).
fn band(value: u64, thresholds: &[u64], at_least: bool) -> u8 {
    let passed = thresholds
        .iter()
        .filter(|&&t| if at_least { value >= t } else { value <= t })
        .count();
    1 + passed as u8
}

/// Whether a day's activity shows the member's own use: opens, minutes, shares or an
/// earning action of theirs (the check-ins are counted apart). Orders, prizes and invite
/// credits the server records on a day are not the member's activity (RULES.md).
fn member_active(s: &DayStats, cfg: &Config) -> bool {
    s.opens > 0
        || s.minutes > 0
        || s.shares > 0
        || s.rule_counts
            .iter()
            .any(|(k, _)| !k.starts_with("cards:") && !cfg.witnessed_actions.contains(k))
}

pub fn segments(st: &State, cfg: &Config, now: i64) -> Segments {
    let l = &cfg.lifecycle;
    let clock = cfg.clock();
    let today = clock.day_of(now);
    let last = clock.day_of(st.clock).min(today);
    let days_away = (today - last).max(0) as u32;
    let window = |days: u16| (today - i32::from(days) + 1)..=today;
    let freq = window(l.rfm.frequency_window);
    let mut active: Vec<i32> = st
        .days
        .range(freq.clone())
        .filter(|(_, s)| member_active(s, cfg))
        .map(|(&d, _)| d)
        .collect();
    active.extend(
        st.checkins
            .range(freq)
            .filter(|(_, r)| r.mark == Mark::Checked)
            .map(|(&d, _)| d),
    );
    active.sort_unstable();
    active.dedup();
    let spend: u64 = st
        .days
        .range(window(l.rfm.monetary_window))
        .map(|(_, s)| s.spend_cents)
        .sum();
    let wide = |v: &[u16]| v.iter().map(|&n| u64::from(n)).collect::<Vec<_>>();
    let recency = band(u64::from(days_away), &wide(&l.rfm.recency_days), false);
    let frequency = band(active.len() as u64, &wide(&l.rfm.frequency_days), true);
    let monetary = band(spend, &l.rfm.monetary_cents, true);
    let total = recency + frequency + monetary;
    let dormant_level = l
        .dormant_days
        .iter()
        .copied()
        .filter(|&d| days_away >= u32::from(d))
        .max();
    let lifecycle = if dormant_level.is_some() {
        Lifecycle::Dormant
    } else if today - st.joined < i32::from(l.new_days) {
        Lifecycle::New
    } else if st
        .returned
        .is_some_and(|r| today - r < i32::from(l.returning_days))
    {
        Lifecycle::Returning
    } else {
        Lifecycle::Active
    };
    Segments {
        lifecycle,
        days_away,
        dormant_level,
        active_days: active.len() as u32,
        spend_cents: spend,
        rfm: RfmScore {
            recency,
            frequency,
            monetary,
            total,
        },
        high_value: total >= l.high_value_score,
        high_potential: lifecycle::is_high_potential(st, cfg),
    }
}
