//! Campaigns at work: which one boosts an op (active at its time, member eligible), the extra
//! points it pays, and the record of who took part (for the operator's participation figures).

use super::{ledger, tiers, Ctx};
use crate::config::{Campaign, Config};
use crate::day::Date;
use crate::event::Event;
use crate::state::{CampaignEntry, State};

/// What a multiplier applies to.
#[derive(Clone, Copy)]
pub enum Boost {
    CheckIn,
    Action,
}

/// The instant window `[start, end)` of `c` for a member of tier `tier` (early access moves
/// the start earlier).
pub fn window(cfg: &Config, c: &Campaign, tier: usize) -> (i64, i64) {
    let clock = cfg.clock();
    let first = c.start.to_day();
    let early = cfg
        .tiers
        .levels
        .get(tier)
        .map_or(0, |t| i64::from(t.benefits.early_access_minutes) * 60_000);
    (
        clock.start_of(first) - early,
        clock.start_of(first + i32::from(c.days)),
    )
}

pub fn eligible(cfg: &Config, c: &Campaign, tier: usize) -> bool {
    c.tiers.is_empty() || c.tiers.iter().any(|id| cfg.tier_index(id) == Some(tier))
}

/// Records an op (and `spend_cents` paid in it) in every campaign running for the member;
/// returns their indexes in the config.
pub fn take_part(st: &mut State, cx: &mut Ctx, spend_cents: u64) -> Vec<usize> {
    let tier = usize::from(tiers::effective(st, cx.day));
    let running: Vec<usize> = (0..cx.cfg.campaigns.len())
        .filter(|&i| {
            let c = &cx.cfg.campaigns[i];
            let (start, end) = window(cx.cfg, c, tier);
            eligible(cx.cfg, c, tier) && (start..end).contains(&cx.at)
        })
        .collect();
    for &i in &running {
        let id = &cx.cfg.campaigns[i].id;
        if !st.campaigns.contains_key(id) {
            st.campaigns.insert(
                id.clone(),
                CampaignEntry {
                    joined: cx.day,
                    actions: 0,
                    spend_cents: 0,
                },
            );
            emit!(
                cx,
                Event::CampaignJoined {
                    campaign: id.clone(),
                    date: Date::from_day(cx.day),
                }
            );
        }
        if let Some(entry) = st.campaigns.get_mut(id) {
            entry.actions += 1;
            entry.spend_cents += spend_cents;
        }
    }
    running
}

/// The campaigns running at `at` for a member of tier `tier`.
pub fn active(cfg: &Config, tier: usize, at: i64) -> impl Iterator<Item = &Campaign> {
    cfg.campaigns.iter().filter(move |c| {
        let (start, end) = window(cfg, c, tier);
        eligible(cfg, c, tier) && (start..end).contains(&at)
    })
}

fn multiplier(c: &Campaign, boost: Boost) -> u8 {
    match boost {
        Boost::CheckIn => c.checkin_multiplier,
        Boost::Action => c.action_multiplier,
    }
}

/// Records participation in every running campaign and pays the largest multiplier's extra
/// on `base` points (multipliers do not stack). Returns the points credited.
pub fn boost(st: &mut State, cx: &mut Ctx, base: u32, kind: Boost) -> u32 {
    if cx.cfg.campaigns.is_empty() {
        return 0;
    }
    let running = take_part(st, cx, 0);
    let best = running
        .iter()
        .map(|&i| &cx.cfg.campaigns[i])
        .max_by_key(|c| multiplier(c, kind))
        .filter(|c| multiplier(c, kind) > 1);
    match best {
        Some(c) if base > 0 => {
            let extra = base.saturating_mul(u32::from(multiplier(c, kind)) - 1);
            ledger::credit(st, cx, extra, ("campaign:", &c.id), true)
        }
        _ => 0,
    }
}
