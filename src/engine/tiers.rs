//! Tier dimensions over rolling windows, upgrade checks, the effective tier (earned or paid),
//! and month-start downgrades.

use super::Ctx;
use crate::config::{Config, Dimension, Mode, Upgrade};
use crate::day::Day;
use crate::event::{Event, TierReason};
use crate::state::State;

/// The member's value on a dimension for the window ending on `day` (inclusive).
pub fn dimension_value(st: &State, cfg: &Config, d: Dimension, day: Day) -> u64 {
    let e = &cfg.tiers.evaluation;
    let window = |w: u16| st.days.range(day - i32::from(w) + 1..=day).map(|(_, s)| s);
    match d {
        Dimension::ActiveDays => {
            window(e.active_days_window).filter(|s| s.opens > 0).count() as u64
        }
        Dimension::Minutes => window(e.minutes_window).map(|s| u64::from(s.minutes)).sum(),
        Dimension::Shares => window(e.shares_window).map(|s| u64::from(s.shares)).sum(),
        Dimension::SpendCents => window(e.spend_window).map(|s| s.spend_cents).sum(),
        Dimension::Orders => window(e.orders_window).map(|s| u64::from(s.orders)).sum(),
        Dimension::TasksCompleted => u64::from(st.tasks_completed),
    }
}

/// Whether the member meets an upgrade condition set on `day`.
pub fn meets(st: &State, cfg: &Config, up: &Upgrade, day: Day) -> bool {
    let mut dims = up
        .conditions
        .iter()
        .map(|(d, t)| dimension_value(st, cfg, d, day) >= t);
    match up.mode {
        Mode::All => dims.all(|ok| ok),
        Mode::Any => dims.any(|ok| ok),
    }
}

/// The highest tier whose conditions the member meets on `day`.
pub fn highest_met(st: &State, cfg: &Config, day: Day) -> u8 {
    let mut best = 0;
    for (i, tier) in cfg.tiers.levels.iter().enumerate() {
        if let Some(up) = &tier.upgrade {
            if meets(st, cfg, up, day) {
                best = i as u8;
            }
        }
    }
    best
}

/// Earned tier, raised by an active paid membership.
pub fn effective(st: &State, day: Day) -> u8 {
    match &st.paid {
        Some(p) if p.until >= day => st.tier.max(p.tier),
        _ => st.tier,
    }
}

pub fn tier_id(cfg: &Config, index: u8) -> String {
    cfg.tiers
        .levels
        .get(usize::from(index))
        .map(|t| t.id.clone())
        .unwrap_or_default()
}

/// Emits `TierChanged` when the effective tier differs from `before`.
pub fn note_change(st: &mut State, cx: &mut Ctx, before: u8, reason: TierReason) {
    let after = effective(st, cx.day.max(st.advanced_to));
    if after != before {
        // Only a rise is worth congratulating (the `tier_reached` prompt).
        if after > before {
            st.tier_reached = (after, cx.day);
        }
        cx.events.push(Event::TierChanged {
            from: tier_id(cx.cfg, before),
            to: tier_id(cx.cfg, after),
            reason,
        });
    }
}

/// Upgrades take effect at once, to the highest tier met.
pub fn upgrade(st: &mut State, cx: &mut Ctx) {
    let met = highest_met(st, cx.cfg, cx.day);
    if met > st.tier {
        let before = effective(st, cx.day);
        st.tier = met;
        note_change(st, cx, before, TierReason::Upgrade);
    }
}

/// After a refund or cancellation: the earned tier falls to the highest tier the member
/// still meets, but never below `floor` (the tier held before the order) and never rises.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn recheck(st: &mut State, cx: &mut Ctx, floor: u8) {
    let keep = highest_met(st, cx.cfg, cx.day).max(floor);
    if st.tier > keep {
        let before = effective(st, cx.day);
        st.tier = keep;
        note_change(st, cx, before, TierReason::Refund);
    }
}

/// `tier_steps` of a reward: one step up per step, never past the top tier.
pub fn boost(st: &mut State, cx: &mut Ctx, steps: u16) {
    let top = cx.cfg.tiers.levels.len().saturating_sub(1) as u8;
    let before = effective(st, cx.day);
    st.tier = st.tier.saturating_add(steps.min(255) as u8).min(top);
    note_change(st, cx, before, TierReason::Boost);
}
