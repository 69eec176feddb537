//! The points ledger: capped credits into dated lots, debits oldest-expiry first, reversals
//! back into the original lots, and expiry of what is left.

use super::Ctx;
use crate::config::Config;
use crate::day::{month_of, Date, Day};
use crate::error::{ErrorCode, RuleError};
use crate::event::{Cap, Event, LotTake};
use crate::state::{Debit, Lot, State};

/// Last business day on which points earned on `day` can be used.
pub fn expiry_of(cfg: &Config, day: Day) -> Day {
    Date::from_day(day)
        .add_months(u32::from(cfg.points.expiry_months))
        .to_day()
}

/// Room left under the daily and monthly caps on `day`.
pub fn cap_room(st: &State, cfg: &Config, day: Day) -> (u32, u32) {
    let today = st.days.get(&day).map_or(0, |d| d.earned);
    let month = st.month_earned.get(&month_of(day)).copied().unwrap_or(0);
    (
        cfg.points.daily_cap.saturating_sub(today),
        cfg.points.monthly_cap.saturating_sub(month),
    )
}

/// Credits `amount` earned on the op's day. `capped` credits count against the daily and
/// monthly caps and are cut to fit; operator grants are not. Returns what was granted.
/// `source` is the event's, in two parts (`earn:` and the action): joined only when the
/// event is built.
pub fn credit(
    st: &mut State,
    cx: &mut Ctx,
    amount: u32,
    source: (&str, &str),
    capped: bool,
) -> u32 {
    if amount == 0 {
        return 0;
    }
    let day = cx.day;
    let (granted, cap) = if capped {
        let (day_room, month_room) = cap_room(st, cx.cfg, day);
        let granted = amount.min(day_room).min(month_room);
        let cap = (granted < amount).then_some(if day_room <= month_room {
            Cap::Daily
        } else {
            Cap::Monthly
        });
        (granted, cap)
    } else {
        (amount, None)
    };
    if capped {
        st.days.entry_or_default(day).earned += granted;
        *st.month_earned.entry_or_default(month_of(day)) += granted;
    }
    let expires = expiry_of(cx.cfg, day);
    if granted > 0 {
        add_to_lot(st, day, expires, granted);
        st.totals.credited += u64::from(granted);
    }
    st.totals.cut += u64::from(amount - granted);
    emit!(
        cx,
        Event::PointsCredited {
            date: Date::from_day(day),
            source: source.0.to_owned() + source.1,
            requested: amount,
            granted,
            cut: amount - granted,
            cap,
            expires: Date::from_day(expires),
        }
    );
    granted
}

/// Puts points into the lot of the day they were earned (made anew if it was used up).
fn add_to_lot(st: &mut State, earned: Day, expires: Day, amount: u32) {
    match st.lots.get_mut(&earned) {
        Some(lot) => lot.remaining += u64::from(amount),
        None => {
            st.lots.insert(
                earned,
                Lot {
                    expires,
                    remaining: u64::from(amount),
                },
            );
        }
    }
    st.balance += u64::from(amount);
}

/// Debits `amount`, oldest expiry first, and records which lots it took. Fails with
/// `INSUFFICIENT_POINTS` (and changes nothing) when the balance is short.
pub fn debit(
    st: &mut State,
    cx: &mut Ctx,
    amount: u32,
    reason: String,
) -> Result<usize, RuleError> {
    ensure_balance(st, amount)?;
    let mut left = u64::from(amount);
    let mut takes = Vec::new();
    for (&lot_day, lot) in st.lots.iter_mut() {
        if left == 0 {
            break;
        }
        let take = lot.remaining.min(left);
        if take > 0 {
            lot.remaining -= take;
            left -= take;
            takes.push((lot_day, take as u32));
        }
    }
    st.lots.retain(|_, l| l.remaining > 0);
    st.balance = st.balance.saturating_sub(u64::from(amount));
    st.totals.spent += u64::from(amount);
    let spent = st.month_spent.entry_or_default(month_of(cx.day));
    *spent = spent.saturating_add(amount);
    cx.events.push(Event::PointsDebited {
        date: Date::from_day(cx.day),
        reason: reason.clone(),
        amount,
        lots: takes
            .iter()
            .map(|&(d, a)| LotTake {
                lot: Date::from_day(d),
                amount: a,
            })
            .collect(),
    });
    st.debits.push(Debit {
        day: cx.day,
        reason,
        amount,
        takes,
        reversed: false,
    });
    Ok(st.debits.len() - 1)
}

pub fn ensure_balance(st: &State, amount: u32) -> Result<(), RuleError> {
    if st.balance < u64::from(amount) {
        return Err(RuleError::new(
            ErrorCode::InsufficientPoints,
            format!("needs {amount} points, balance is {}", st.balance),
        ));
    }
    Ok(())
}

/// Reverses debit `index`: each take goes back to its lot with its original expiry; points
/// whose lot has expired meanwhile are recorded as expired at once. The takes stay as they
/// were, for audits; the debit is marked reversed.
pub fn restore(st: &mut State, cx: &mut Ctx, index: usize, reason: String) {
    give_back(st, cx, index, None, reason);
}

/// Gives back `amount` of debit `index` (a partial refund, or what a hold had beyond its
/// order's points), from the takes with the latest expiry first: what the debit keeps is
/// what would have expired soonest. The debit's takes shrink by what came back.
pub fn restore_part(st: &mut State, cx: &mut Ctx, index: usize, amount: u32, reason: String) {
    give_back(st, cx, index, Some(amount), reason);
}

/// One body for both (one copy in the wasm module): `None` gives back the whole debit.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
fn give_back(st: &mut State, cx: &mut Ctx, index: usize, amount: Option<u32>, reason: String) {
    let Some(debit) = st.debits.get_mut(index).filter(|d| !d.reversed) else {
        return;
    };
    let mut back = Vec::new();
    match amount {
        None => {
            debit.reversed = true;
            back.clone_from(&debit.takes);
        }
        Some(mut left) => {
            for take in debit.takes.iter_mut().rev() {
                if left == 0 {
                    break;
                }
                let n = take.1.min(left);
                take.1 -= n;
                left -= n;
                back.insert(0, (take.0, n));
            }
            debit.takes.retain(|&(_, n)| n > 0);
        }
    }
    // What comes back is no longer spent in the month it was spent.
    let month = month_of(debit.day);
    let back_total: u32 = back.iter().map(|&(_, n)| n).sum();
    if let Some(spent) = st.month_spent.get_mut(&month) {
        *spent = spent.saturating_sub(back_total);
    }
    let (mut restored, mut expired) = (0u32, 0u32);
    let mut lots = Vec::new();
    for (lot_day, n) in back {
        let expires = expiry_of(cx.cfg, lot_day);
        st.totals.restored += u64::from(n);
        if expires >= st.advanced_to {
            add_to_lot(st, lot_day, expires, n);
            restored += n;
            lots.push(LotTake {
                lot: Date::from_day(lot_day),
                amount: n,
            });
        } else {
            st.totals.expired += u64::from(n);
            expired += n;
        }
    }
    cx.events.push(Event::PointsRestored {
        reason,
        restored,
        expired,
        lots,
    });
}

/// Expires what is left of every lot whose last usable day is before `today`; returns the
/// lots it removed (so a refused op can put them back).
pub fn expire(st: &mut State, cx: &mut Ctx, today: Day) -> Vec<(Day, Lot)> {
    let due: Vec<Day> = st
        .lots
        .iter()
        .filter(|(_, l)| l.expires < today)
        .map(|(d, _)| *d)
        .collect();
    let mut removed = Vec::new();
    for lot_day in due {
        if let Some(lot) = st.lots.remove(&lot_day) {
            // Saturating: a hand-built inconsistent state must not panic here.
            st.balance = st.balance.saturating_sub(lot.remaining);
            st.totals.expired += lot.remaining;
            emit!(
                cx,
                Event::PointsExpired {
                    lot: Date::from_day(lot_day),
                    amount: u32::try_from(lot.remaining).unwrap_or(u32::MAX),
                }
            );
            removed.push((lot_day, lot));
        }
    }
    removed
}
