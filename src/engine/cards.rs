//! Collect-cards (集福卡). Each counted action of a set's `grants` is a chance at a card while
//! the set's campaign runs for the member. Chance number n of a member decides both whether a
//! card comes and which, from a hash of (set, member, n): the same on the phone and on the
//! server, and nothing the member can steer (every chance taken moves n on, whatever it
//! gave; `daily_limit` bounds how fast anyone can collect). The pity count (保底,
//! `CardSet::pity`) then guarantees a kind the member lacks after `pity − 1` chances in a row
//! that brought none, so a member who uses every chance can complete the set (RULES.md).

use super::{campaigns, rewards, tiers, Ctx};
use crate::config::CardSet;
use crate::error::{ErrorCode, RuleError};
use crate::event::Event;
use crate::lottery::word;
use crate::state::{CardHolding, State};
use ed25519_compact::sha512::Hash;

/// Whether the set's campaign runs for the member at the op's time.
fn open(st: &State, cx: &Ctx, set: &CardSet) -> bool {
    let tier = usize::from(tiers::effective(st, cx.day));
    campaigns::active(cx.cfg, tier, cx.at).any(|c| c.id == set.campaign)
}

/// The kind (index) chance `n` gives, or `None` when it gives nothing. Not inlined: one copy
/// of the hashing in the wasm module, not one per task counter.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn roll(set: &CardSet, user: &str, n: u32, chance_percent: u8) -> Option<usize> {
    let mut h = Hash::new();
    for part in [
        b"zailai-cards/v1".as_slice(),
        set.id.as_bytes(),
        user.as_bytes(),
    ] {
        h.update(part);
        h.update([0u8]);
    }
    h.update(n.to_le_bytes());
    let d = h.finalize();
    if word(&d, 0) % 100 >= u64::from(chance_percent) {
        return None;
    }
    let total: u64 = set.kinds.iter().map(|k| u64::from(k.weight)).sum();
    let mut at = word(&d, 8) % total.max(1);
    set.kinds.iter().position(|k| {
        let w = u64::from(k.weight);
        let hit = at < w;
        at = at.saturating_sub(w);
        hit
    })
}

/// A counted `action` happened: one chance per set that grants cards for it. Built for
/// size: it runs once per counted action, and only while a set's campaign runs.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn chance(st: &mut State, cx: &mut Ctx, action: &str) {
    let cfg = cx.cfg;
    for set in &cfg.cards {
        let Some(grant) = set.grants.iter().find(|g| g.action == action) else {
            continue;
        };
        if !open(st, cx, set) {
            continue;
        }
        // Cards granted per (set, business day), kept with the day's other counts: a count
        // kept for the last day only would restart whenever ops alternate between two days.
        let key = format!("cards:{}", set.id);
        let stats = st.days.entry_or_default(cx.day);
        let today = stats.rule_counts.get(&key).copied().unwrap_or(0);
        if today >= u32::from(set.daily_limit) {
            continue;
        }
        let holding = st.cards.entry_or_default(set.id.clone());
        let n = holding.chances;
        holding.chances += 1;
        let pity = pity_due(set, holding);
        let got = pity.or_else(|| roll(set, &st.user, n, grant.chance_percent));
        let holding = st.cards.entry_or_default(set.id.clone());
        let new = got.is_some_and(|k| lacks(holding, &set.kinds[k].id));
        holding.dry = if new {
            0
        } else {
            holding.dry.saturating_add(1)
        };
        if let Some(k) = got {
            *st.days
                .entry_or_default(cx.day)
                .rule_counts
                .entry_or_default(key) += 1;
            let holding = st.cards.entry_or_default(set.id.clone());
            // The newest day's count, as the view shows it.
            if cx.day >= holding.day {
                holding.today = if cx.day == holding.day {
                    holding.today.saturating_add(1)
                } else {
                    1
                };
                holding.day = cx.day;
            }
            let kind = &set.kinds[k].id;
            let held = holding.held.entry_or_default(kind.clone());
            *held = held.saturating_add(1);
            emit!(
                cx,
                Event::CardGranted {
                    set: set.id.clone(),
                    kind: kind.clone(),
                    held: *held,
                    pity: pity.is_some(),
                }
            );
        }
    }
}

/// Whether the member holds no card of kind `id`.
fn lacks(holding: &CardHolding, id: &str) -> bool {
    holding.held.get(id).is_none_or(|&n| n == 0)
}

/// The kind the pity count (保底) gives this chance, if it is due: after `pity − 1` chances in
/// a row that brought no kind the member lacks, the rarest kind they lack (the first of the
/// set's order among equally rare ones). `None` when no pity is set, it is not due yet, or
/// the member lacks nothing.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn pity_due(set: &CardSet, holding: &CardHolding) -> Option<usize> {
    if set.pity == 0 || holding.dry < set.pity - 1 {
        return None;
    }
    set.kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| lacks(holding, &k.id))
        .min_by_key(|&(i, k)| (k.weight, i))
        .map(|(i, _)| i)
}

/// Hands in one card of every kind for the set's reward. Allowed after the campaign too, so
/// a set completed on its last day is never lost.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn exchange(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let set =
        cx.cfg.cards.iter().find(|s| s.id == id).ok_or_else(|| {
            RuleError::new(ErrorCode::UnknownCardSet, format!("no card set `{id}`"))
        })?;
    let holding = st.cards.get_mut(id);
    let missing: Vec<&str> = set
        .kinds
        .iter()
        .filter(|k| {
            holding
                .as_ref()
                .and_then(|h| h.held.get(&k.id))
                .is_none_or(|&n| n == 0)
        })
        .map(|k| k.id.as_str())
        .collect();
    let Some(holding) = holding.filter(|_| missing.is_empty()) else {
        return Err(RuleError::new(
            ErrorCode::CardsIncomplete,
            format!("missing {}", missing.join(", ")),
        ));
    };
    for k in &set.kinds {
        if let Some(n) = holding.held.get_mut(&k.id) {
            *n -= 1;
        }
    }
    holding.exchanged += 1;
    cx.events.push(Event::CardsExchanged { set: id.to_owned() });
    rewards::grant(st, cx, &set.reward, &format!("cards:{id}"));
    Ok(())
}
