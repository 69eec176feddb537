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
    meets_counting(st, cfg, up, day, true)
}

/// `meets`, with spend and orders counted as none unless `spend`: what the member's other
/// dimensions (active days, minutes, tasks, shares) hold.
fn meets_counting(st: &State, cfg: &Config, up: &Upgrade, day: Day, spend: bool) -> bool {
    let value = |d: Dimension| match d {
        Dimension::SpendCents | Dimension::Orders if !spend => 0,
        _ => dimension_value(st, cfg, d, day),
    };
    let mut dims = up.conditions.iter().map(|(d, t)| value(d) >= t);
    match up.mode {
        Mode::All => dims.all(|ok| ok),
        Mode::Any => dims.any(|ok| ok),
    }
}

/// The highest tier whose conditions the member meets on `day`.
pub fn highest_met(st: &State, cfg: &Config, day: Day) -> u8 {
    highest_counting(st, cfg, day, true)
}

/// `highest_met`, with spend and orders counted only when `spend`.
fn highest_counting(st: &State, cfg: &Config, day: Day, spend: bool) -> u8 {
    let mut best = 0;
    for (i, tier) in cfg.tiers.levels.iter().enumerate() {
        if let Some(up) = &tier.upgrade {
            if meets_counting(st, cfg, up, day, spend) {
                best = i as u8;
            }
        }
    }
    best
}

/// The marker in `offers` of the day the running paid term started (its purchase day):
/// kept there so the state's layout stays as it is (`docs/binary.md`). A term bought before
/// it existed has none, and counts as started.
pub const PAID_SINCE: &str = "paid_since";

/// Earned tier, raised by a paid membership whose term covers `day`: from its purchase day
/// (never for days before it: RULES.md) through its last day.
pub fn effective(st: &State, day: Day) -> u8 {
    let started = st.offers.get(PAID_SINCE).is_none_or(|&since| since <= day);
    match &st.paid {
        Some(p) if p.until >= day && started => st.tier.max(p.tier),
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
        emit!(
            cx,
            Event::TierChanged {
                from: tier_id(cx.cfg, before),
                to: tier_id(cx.cfg, after),
                reason,
            }
        );
    }
}

/// Upgrades take effect at once, to the highest tier met. Runs after every op: only the tiers
/// above the earned one can raise it, so only they are tried, from the top (the first met is
/// the highest), and a member at the top tier costs no window sums at all.
pub fn upgrade(st: &mut State, cx: &mut Ctx) {
    let above = cx.cfg.tiers.levels.iter().enumerate();
    let met = above.skip(usize::from(st.tier) + 1).rev().find(|(_, t)| {
        t.upgrade
            .as_ref()
            .is_some_and(|up| meets(st, cx.cfg, up, cx.day))
    });
    if let Some((met, _)) = met {
        let before = effective(st, cx.day);
        st.tier = met as u8;
        note_change(st, cx, before, TierReason::Upgrade);
    }
}

/// After a refund or cancellation of an order placed on business day `placed` (its spend
/// already taken out of the days): the tiers its spend earned are re-checked at once, the
/// others stay (RULES.md, tiers). The earned tier falls to the highest of `floor` (the
/// order's `tier_before`: the tier held before the order, raised by the tier steps given
/// since) and of the tiers met, without the refunded spend, on any day from the order's to
/// today (so a tier reached by activity meanwhile, or held by the member's dimensions
/// today, stays). It never rises, and may drop more than one step.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn recheck(st: &mut State, cx: &mut Ctx, placed: Day, floor: u8) {
    let mut keep = floor;
    let mut day = placed.min(cx.day);
    while keep < st.tier && day <= cx.day {
        keep = keep.max(highest_met(st, cx.cfg, day));
        day += 1;
    }
    if st.tier > keep {
        let before = effective(st, cx.day);
        st.tier = keep;
        note_change(st, cx, before, TierReason::Refund);
    }
}

/// `tier_steps` of a reward: one step up per step, never past the top tier. A refund of an
/// order placed before never takes the steps away: each open order's floor rises by them,
/// from at least what the member's dimensions other than spend hold today.
#[cfg_attr(zailai_cold_size, optimize(size))] // a task or an invite: rare
#[inline(never)]
pub fn boost(st: &mut State, cx: &mut Ctx, steps: u16) {
    let top = cx.cfg.tiers.levels.len().saturating_sub(1) as u8;
    let steps = steps.min(255) as u8;
    let held = highest_counting(st, cx.cfg, cx.day, false);
    for (_, o) in st.orders.iter_mut().filter(|(_, o)| !o.cancelled) {
        o.tier_before = o.tier_before.max(held).saturating_add(steps).min(top);
    }
    let before = effective(st, cx.day);
    st.tier = st.tier.saturating_add(steps).min(top);
    note_change(st, cx, before, TierReason::Boost);
}
