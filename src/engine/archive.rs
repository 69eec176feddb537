//! A member's state stays bounded (issue 14; `docs/ops.md`, State): on the first op of each
//! new business day, records no op can change any more leave the state. The server's op log
//! keeps their history (every op and what became of it), so nothing is lost, only moved out
//! of what every sync signs and every phone stores.

use crate::config::Config;
use crate::day::{month_bounds, month_of, Day};
use crate::state::State;

/// Orders stay refundable for this many business days after they were placed, then leave
/// the state (a later refund or cancel is `UNKNOWN_ORDER`).
pub const ORDER_KEEP_DAYS: i32 = 90;
/// At most this many orders stay in the state, however many a merchant records; the oldest
/// leave first.
pub const MAX_ORDERS: usize = 400;
/// Coupons without an expiry of their own leave the state this many days after the grant.
pub const COUPON_KEEP_DAYS: i32 = 366;

/// Moves out what no op can change any more, as of business day `today`:
/// - cancelled orders older than the offline window, any order past [`ORDER_KEEP_DAYS`],
///   and the oldest orders beyond [`MAX_ORDERS`];
/// - debits older than the offline window that no kept order or hold refers to (the others'
///   indices are renumbered; the monthly report counts `month_spent`);
/// - settled lottery draws from before last month;
/// - coupons expired longer ago than the offline window, or older than [`COUPON_KEEP_DAYS`]
///   without an expiry, unless a kept order used them (their indices are renumbered).
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn archive(st: &mut State, cfg: &Config, today: Day) {
    let window = i32::from(cfg.offline_window_days);
    let last_month = month_bounds(month_of(today - window) - 1).0;
    st.orders.retain(|_, o| {
        !(o.cancelled && o.day < today - window) && o.day >= today - window - ORDER_KEEP_DAYS
    });
    while st.orders.len() > MAX_ORDERS {
        // One or two a day at most: a scan beats a sort (and its code) here.
        let oldest = st
            .orders
            .iter()
            .min_by_key(|(_, o)| o.day)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            st.orders.remove(&id);
        }
    }
    // Debits: keep the recent and the referenced, renumbering the references.
    let referenced = |i: usize, st: &State| {
        st.orders.values().any(|o| o.debit == Some(i)) || st.holds.values().any(|h| h.debit == i)
    };
    let keep: Vec<bool> = (0..st.debits.len())
        .map(|i| st.debits[i].day >= today - window || referenced(i, st))
        .collect();
    if let Some(new_index) = retain_indexed(&mut st.debits, &keep) {
        for (_, o) in st.orders.iter_mut() {
            o.debit = o.debit.map(|d| new_index[d]);
        }
        for (_, h) in st.holds.iter_mut() {
            h.debit = new_index[h.debit];
        }
    }
    st.draws.retain(|d| !d.settled || d.day >= last_month);
    // Coupons: a grant a kept order used stays while the order does (a cancel gives it back).
    let keep: Vec<bool> = st
        .coupons
        .iter()
        .enumerate()
        .map(|(i, c)| {
            st.orders.values().any(|o| o.coupon == Some(i))
                || match c.expires {
                    Some(e) => e >= today - window,
                    None => c.day >= today - COUPON_KEEP_DAYS,
                }
        })
        .collect();
    if let Some(new_index) = retain_indexed(&mut st.coupons, &keep) {
        for (_, o) in st.orders.iter_mut() {
            o.coupon = o.coupon.map(|c| new_index[c]);
        }
    }
}

/// Keeps the items of `items` whose `keep` is true; when any leave, returns each old index's
/// new one (for the records that refer to them by index).
fn retain_indexed<T>(items: &mut Vec<T>, keep: &[bool]) -> Option<Vec<usize>> {
    let new_index = renumbered(keep)?;
    let mut kept = keep.iter();
    items.retain(|_| kept.next() == Some(&true));
    Some(new_index)
}

/// Each index's new one once the items whose `keep` is false leave; None when none leave.
/// Not generic, so its code is not repeated for each kind of item.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
fn renumbered(keep: &[bool]) -> Option<Vec<usize>> {
    if !keep.contains(&false) {
        return None;
    }
    let mut next = 0;
    Some(
        keep.iter()
            .map(|&k| {
                next += usize::from(k);
                next - usize::from(k)
            })
            .collect(),
    )
}
