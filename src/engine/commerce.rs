//! Spending and paying: redeem, orders with points deduction, holds, refunds and
//! cancellations, paid membership, free services, operator grants. The merchant's ops are
//! written by the server; on a phone they run only on replays of its snapshot's history
//! (golden vectors) and when a hold lapses, so they are built for size there, not speed.

use super::archive::ORDER_KEEP_DAYS;
use super::{ledger, rewards, tiers, Ctx};
use crate::day::{month_of, Date, Day};
use crate::error::{ErrorCode, RuleError};
use crate::event::{Event, TierReason};
use crate::state::{DayStats, Hold, Order, PaidTerm, State};

/// Holds open at once for a member, at most (`HOLD_LIMIT` beyond): each is a record in the
/// state until it is used, released or lapses.
pub const MAX_HOLDS: usize = 20;

/// Largest order amount accepted: 100 million yuan, far above any real order, so sums fit.
pub const MAX_ORDER_CENTS: u64 = 10_000_000_000;

#[cfg_attr(zailai_cold_size, optimize(size))] // a catalog redeem: a few a month
#[inline(never)]
pub fn redeem(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let cfg = cx.cfg;
    let item =
        cfg.catalog.iter().find(|i| i.id == id).ok_or_else(|| {
            RuleError::new(ErrorCode::UnknownItem, format!("no catalog item `{id}`"))
        })?;
    let max = cfg.checkin.freeze.max_held;
    if item.reward.freezes > 0 && st.freezes + item.reward.freezes > max {
        return Err(RuleError::new(
            ErrorCode::FreezeLimitReached,
            format!("holds {} streak freezes, at most {max} allowed", st.freezes),
        ));
    }
    ledger::debit(st, cx, item.cost_points, format!("redeem:{id}"))?;
    cx.events.push(Event::Redeemed {
        item: id.to_owned(),
        cost: item.cost_points,
    });
    rewards::grant(st, cx, &item.reward, &format!("redeem:{id}"));
    Ok(())
}

/// Checks an order's amount and points against the checkout rules; returns the deduction in
/// cents. Changes nothing.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn deduction_of(
    cfg: &crate::config::Config,
    amount_cents: u64,
    points: u32,
) -> Result<u64, RuleError> {
    if amount_cents == 0 || amount_cents > MAX_ORDER_CENTS {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            format!("amount_cents must be whole cents from 1 to {MAX_ORDER_CENTS}"),
        ));
    }
    let rate = &cfg.points.checkout;
    let value = u64::from(points) * u64::from(rate.cents);
    if value % u64::from(rate.points) != 0 {
        return Err(RuleError::new(
            ErrorCode::DeductionNotExact,
            format!(
                "{points} points are not a whole number of cents at {} points = {} cents",
                rate.points, rate.cents
            ),
        ));
    }
    let deduction = value / u64::from(rate.points);
    let max = amount_cents * u64::from(rate.max_order_percent) / 100;
    if deduction > max {
        return Err(RuleError::new(
            ErrorCode::DeductionTooLarge,
            format!(
                "deduction {deduction} cents exceeds {}% of the order ({max} cents)",
                rate.max_order_percent
            ),
        ));
    }
    Ok(deduction)
}

/// Points a debit still holds: what it took, less what partial restores gave back.
fn debit_left(st: &State, index: usize) -> u32 {
    st.debits
        .get(index)
        .filter(|d| !d.reversed)
        .map_or(0, |d| d.takes.iter().map(|&(_, n)| n).sum())
}

fn order_id_taken(st: &State, id: &str) -> Result<(), RuleError> {
    if st.orders.contains_key(id) || st.holds.contains_key(id) {
        return Err(RuleError::new(
            ErrorCode::OrderExists,
            format!("order `{id}` exists"),
        ));
    }
    Ok(())
}

/// Sets `points` aside for order `id` until `until` (epoch ms): debited now, so they cannot
/// be spent elsewhere; the order takes them when it is paid.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn hold(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    points: u32,
    until: i64,
) -> Result<(), RuleError> {
    order_id_taken(st, id)?;
    if st.holds.len() >= MAX_HOLDS {
        return Err(RuleError::new(
            ErrorCode::HoldLimit,
            format!("at most {MAX_HOLDS} holds open at once"),
        ));
    }
    if points == 0 {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            "a hold needs 1 point or more",
        ));
    }
    let debit = ledger::debit(st, cx, points, format!("hold:{id}"))?;
    st.holds.insert(id.to_owned(), Hold { debit, until });
    cx.events.push(Event::PointsHeld {
        order: id.to_owned(),
        points,
        until,
    });
    Ok(())
}

/// Gives the points of hold `id` back to their lots.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn release(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let Some(hold) = st.holds.remove(id) else {
        return Err(RuleError::new(
            ErrorCode::UnknownHold,
            format!("no points are held for order `{id}`"),
        ));
    };
    // A hold the server releases at its end (`docs/merchant.md`) lapsed, rather than released.
    let lapsed = hold.until <= cx.at;
    give_back_hold(st, cx, id.to_owned(), &hold, lapsed);
    Ok(())
}

/// The points of a hold taken out of `holds` go back to their lots: released or `expired`.
fn give_back_hold(st: &mut State, cx: &mut Ctx, id: String, hold: &Hold, expired: bool) {
    let points = debit_left(st, hold.debit);
    ledger::restore(st, cx, hold.debit, format!("hold:{id}"));
    cx.events.push(Event::HoldReleased {
        order: id,
        points,
        expired,
    });
}

/// Releases every hold whose time has passed at `cx.at`, but `releasing` (the hold the op
/// itself releases). Runs before each server op only, whose `at` is the server's clock: a
/// device may date its ops minutes ahead, and a hold protects the merchant's money. The
/// server releases lapsed holds itself (`docs/merchant.md`); views show them by `now`.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn expire_holds(st: &mut State, cx: &mut Ctx, releasing: Option<&str>) {
    let due: Vec<String> = st
        .holds
        .iter()
        .filter(|(id, h)| h.until <= cx.at && releasing != Some(id.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    for id in due {
        if let Some(hold) = st.holds.remove(&id) {
            give_back_hold(st, cx, id, &hold, true);
        }
    }
}

/// A paid order. Its points come from the order's hold when there is one (what the hold
/// has beyond them goes back), else straight from the balance.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn order(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    amount_cents: u64,
    points: u32,
    coupon: Option<&str>,
) -> Result<(), RuleError> {
    if st.orders.contains_key(id) {
        return Err(RuleError::new(
            ErrorCode::OrderExists,
            format!("order `{id}` exists"),
        ));
    }
    let deduction = deduction_of(cx.cfg, amount_cents, points)?;
    let held = st.holds.get(id).map(|h| (h.debit, debit_left(st, h.debit)));
    // Without a hold the debit below checks the balance before it changes anything.
    if let Some((_, left)) = held.filter(|&(_, left)| points > left) {
        return Err(RuleError::new(
            ErrorCode::HoldExceeded,
            format!("order `{id}` deducts {points} points, its hold has {left}"),
        ));
    }
    let grant = match coupon {
        Some(c) => Some(coupon_held(st, c, cx.day)?),
        None => None,
    };
    let tier_before = st.tier;
    let debit = match held {
        Some((index, left)) => {
            st.holds.remove(id);
            if points == 0 {
                ledger::restore(st, cx, index, format!("hold:{id}"));
                None
            } else {
                if left > points {
                    ledger::restore_part(st, cx, index, left - points, format!("hold:{id}"));
                }
                st.debits[index].reason = format!("order:{id}");
                Some(index)
            }
        }
        None if points > 0 => Some(ledger::debit(st, cx, points, format!("order:{id}"))?),
        None => None,
    };
    if let Some(i) = grant {
        st.coupons[i].used = Some(cx.day);
    }
    let paid = amount_cents - deduction;
    super::campaigns::take_part(st, cx, paid);
    let stats = st.days.entry_or_default(cx.day);
    stats.spend_cents += paid;
    stats.orders += 1;
    st.orders.insert(
        id.to_owned(),
        Order {
            day: cx.day,
            amount_cents,
            paid_cents: paid,
            debit,
            cancelled: false,
            refunded_cents: 0,
            tier_before,
            coupon: grant,
        },
    );
    cx.events.push(Event::OrderPlaced {
        order: id.to_owned(),
        amount_cents,
        points,
        deduction_cents: deduction,
        coupon: coupon.map(str::to_owned),
    });
    super::tasks::bump(st, cx, "order", 1);
    Ok(())
}

/// The index of the member's oldest grant of coupon `id` that is unused and not past its
/// `expires` on business day `day` (the order's), else `COUPON_NOT_HELD`.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
fn coupon_held(st: &State, id: &str, day: Day) -> Result<usize, RuleError> {
    st.coupons
        .iter()
        .enumerate()
        .filter(|(_, c)| c.coupon == id && c.used.is_none() && c.expires.is_none_or(|e| e >= day))
        .min_by_key(|(_, c)| c.day)
        .map(|(i, _)| i)
        .ok_or_else(|| {
            RuleError::new(
                ErrorCode::CouponNotHeld,
                format!("no unused, unexpired coupon `{id}` held"),
            )
        })
}

/// The order a refund or cancel on business day `day` may change: one placed at most
/// [`ORDER_KEEP_DAYS`] business days before `day` (RULES.md: by the order's day against the
/// op's, whatever else the member did since), not cancelled.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
fn open_order<'a>(st: &'a State, id: &str, day: Day) -> Result<&'a Order, RuleError> {
    match st.orders.get(id) {
        None => Err(RuleError::new(
            ErrorCode::UnknownOrder,
            format!("no order `{id}`"),
        )),
        Some(o) if day - o.day > ORDER_KEEP_DAYS => Err(RuleError::new(
            ErrorCode::UnknownOrder,
            format!(
                "order `{id}` of {} is past its {ORDER_KEEP_DAYS} days of refunds",
                Date::from_day(o.day)
            ),
        )),
        Some(o) if o.cancelled => Err(RuleError::new(
            ErrorCode::OrderAlreadyCancelled,
            format!("order `{id}` is cancelled or refunded in whole already"),
        )),
        Some(o) => Ok(o),
    }
}

/// Takes `cents` of an order placed on `day` out of the spend its day counts (and, when
/// `whole`, the order out of the order count), while that day is still in the window.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
fn uncount(st: &mut State, day: crate::day::Day, cents: u64, whole: bool) {
    if let Some(stats) = st.days.get_mut(&day) {
        let DayStats {
            spend_cents,
            orders,
            ..
        } = stats;
        *spend_cents = spend_cents.saturating_sub(cents);
        if whole {
            *orders = orders.saturating_sub(1);
        }
    }
}

/// Refunds part of an order: `amount_cents` of the money paid and `points` of its deduction.
/// An order refunded in whole no longer counts, as if cancelled. Tiers are re-checked at once.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn refund(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    amount_cents: u64,
    points: u32,
) -> Result<(), RuleError> {
    let order = open_order(st, id, cx.day)?;
    let money_left = order.paid_cents - order.refunded_cents.min(order.paid_cents);
    let points_left = order.debit.map_or(0, |i| debit_left(st, i));
    if amount_cents == 0 && points == 0 {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            "a refund needs amount_cents or points",
        ));
    }
    if amount_cents > money_left || points > points_left {
        return Err(RuleError::new(
            ErrorCode::RefundTooLarge,
            format!("order `{id}` has {money_left} cents and {points_left} points left to refund"),
        ));
    }
    let whole = amount_cents == money_left && points == points_left;
    let (day, debit, tier_before) = (order.day, order.debit, order.tier_before);
    if whole {
        return cancel_order(st, cx, id);
    }
    if let Some(o) = st.orders.get_mut(id) {
        o.refunded_cents += amount_cents;
    }
    uncount(st, day, amount_cents, false);
    cx.events.push(Event::OrderRefunded {
        order: id.to_owned(),
        amount_cents,
        points,
    });
    if let (Some(index), true) = (debit, points > 0) {
        ledger::restore_part(st, cx, index, points, format!("refund:{id}"));
    }
    tiers::recheck(st, cx, day, tier_before);
    Ok(())
}

/// Cancels (or refunds in whole) an order: what is left of its money no longer counts, what
/// is left of its points goes back to their lots, and tiers are re-checked at once.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn cancel_order(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let order = open_order(st, id, cx.day)?;
    let (day, left, debit, tier_before, grant) = (
        order.day,
        order.paid_cents.saturating_sub(order.refunded_cents),
        order.debit,
        order.tier_before,
        order.coupon,
    );
    if let Some(o) = st.orders.get_mut(id) {
        o.cancelled = true;
    }
    uncount(st, day, left, true);
    // The coupon comes back unless it has expired by the cancel's day (docs/rules.md).
    let coupon = grant
        .and_then(|i| st.coupons.get_mut(i))
        .filter(|c| c.expires.is_none_or(|e| e >= cx.day))
        .map(|c| {
            c.used = None;
            c.coupon.clone()
        });
    cx.events.push(Event::OrderCancelled {
        order: id.to_owned(),
        coupon,
    });
    if let Some(index) = debit {
        ledger::restore(st, cx, index, format!("order:{id}"));
    }
    tiers::recheck(st, cx, day, tier_before);
    Ok(())
}

#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn buy_membership(st: &mut State, cx: &mut Ctx, plan_id: &str) -> Result<(), RuleError> {
    let cfg = cx.cfg;
    let plan = cfg
        .tiers
        .paid
        .iter()
        .find(|p| p.id == plan_id)
        .ok_or_else(|| {
            RuleError::new(ErrorCode::UnknownPlan, format!("no paid plan `{plan_id}`"))
        })?;
    let tier = cfg.tier_index(&plan.tier).unwrap_or(0) as u8;
    let before = tiers::effective(st, cx.day);
    // Buying the same plan again extends the running term; otherwise a term starts today.
    let start = match &st.paid {
        Some(p) if p.plan == plan.id && p.until >= cx.day => p.until + 1,
        _ => {
            st.offers.insert(tiers::PAID_SINCE.to_owned(), cx.day);
            cx.day
        }
    };
    let until = term_end(start, plan.months);
    st.paid = Some(PaidTerm {
        plan: plan.id.clone(),
        tier,
        until,
    });
    cx.events.push(Event::MembershipStarted {
        plan: plan.id.clone(),
        tier: plan.tier.clone(),
        until: Date::from_day(until),
    });
    tiers::note_change(st, cx, before, TierReason::Paid);
    Ok(())
}

/// The last day of a term of `months` that starts on `start`: the day before the same day
/// of month `months` later, or that month's last day where the day does not exist (RULES.md:
/// bought 31 January → through 28 February; 28 January → through 27 February).
#[cfg_attr(zailai_cold_size, optimize(size))] // a purchase: rare
#[inline(never)]
pub fn term_end(start: Day, months: u16) -> Day {
    let from = Date::from_day(start);
    let to = from.add_months(u32::from(months));
    if to.day == from.day {
        to.to_day() - 1
    } else {
        to.to_day()
    }
}

#[cfg_attr(zailai_cold_size, optimize(size))] // a free service: a few a month
#[inline(never)]
pub fn use_service(st: &mut State, cx: &mut Ctx) -> Result<(), RuleError> {
    let tier = usize::from(tiers::effective(st, cx.day));
    let allowed = cx
        .cfg
        .tiers
        .levels
        .get(tier)
        .map_or(0, |t| u32::from(t.benefits.free_services_per_month));
    let used = st
        .services_used
        .get(&month_of(cx.day))
        .copied()
        .unwrap_or(0);
    if used >= allowed {
        return Err(RuleError::new(
            ErrorCode::NoFreeServiceLeft,
            format!("{used} of {allowed} free services used this month"),
        ));
    }
    st.services_used.insert(month_of(cx.day), used + 1);
    cx.events.push(Event::ServiceUsed {
        left: u16::try_from(allowed - used - 1).unwrap_or(u16::MAX),
    });
    Ok(())
}

#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn grant(
    st: &mut State,
    cx: &mut Ctx,
    points: u32,
    coupon: Option<&String>,
    reason: &str,
) -> Result<(), RuleError> {
    if points > 1_000_000 || (points == 0 && coupon.is_none()) {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            "a grant gives points (a whole number from 1 to 1000000), a coupon, or both",
        ));
    }
    ledger::credit(st, cx, points, ("grant:", reason), false); // 0 points: nothing credited
    if let Some(c) = coupon {
        rewards::give_coupon(st, cx, c, format!("grant:{reason}"), None);
    }
    Ok(())
}
