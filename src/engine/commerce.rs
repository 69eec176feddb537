//! Spending and paying: redeem, orders with points deduction, cancellations, paid
//! membership, free services, operator grants.

use super::{ledger, rewards, tiers, Ctx};
use crate::day::{month_of, Date};
use crate::error::{ErrorCode, RuleError};
use crate::event::{Event, TierReason};
use crate::state::{DayStats, Order, PaidTerm, State};

/// Largest order amount accepted: 100 million yuan, far above any real order, so sums fit.
pub const MAX_ORDER_CENTS: u64 = 10_000_000_000;

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

pub fn order(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    amount_cents: u64,
    points: u32,
) -> Result<(), RuleError> {
    if st.orders.contains_key(id) {
        return Err(RuleError::new(
            ErrorCode::OrderExists,
            format!("order `{id}` exists"),
        ));
    }
    if amount_cents == 0 || amount_cents > MAX_ORDER_CENTS {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            format!("amount_cents must be 1..={MAX_ORDER_CENTS}"),
        ));
    }
    let rate = &cx.cfg.points.checkout;
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
    let debit = if points > 0 {
        Some(ledger::debit(st, cx, points, format!("order:{id}"))?)
    } else {
        None
    };
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
        },
    );
    cx.events.push(Event::OrderPlaced {
        order: id.to_owned(),
        amount_cents,
        points,
        deduction_cents: deduction,
    });
    super::tasks::bump(st, cx, "order", 1);
    Ok(())
}

pub fn cancel_order(st: &mut State, cx: &mut Ctx, id: &str) -> Result<(), RuleError> {
    let order = match st.orders.get_mut(id) {
        None => {
            return Err(RuleError::new(
                ErrorCode::UnknownOrder,
                format!("no order `{id}`"),
            ))
        }
        Some(o) if o.cancelled => {
            return Err(RuleError::new(
                ErrorCode::OrderAlreadyCancelled,
                format!("order `{id}` is cancelled already"),
            ))
        }
        Some(o) => o,
    };
    order.cancelled = true;
    let (day, paid, debit) = (order.day, order.paid_cents, order.debit);
    // The order no longer counts toward spend and orders (if its day is still in the window).
    if let Some(stats) = st.days.get_mut(&day) {
        let DayStats {
            spend_cents,
            orders,
            ..
        } = stats;
        *spend_cents = spend_cents.saturating_sub(paid);
        *orders = orders.saturating_sub(1);
    }
    cx.events.push(Event::OrderCancelled {
        order: id.to_owned(),
    });
    if let Some(index) = debit {
        ledger::restore(st, cx, index, format!("order:{id}"));
    }
    Ok(())
}

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
    // Buying the same plan again extends the running term.
    let start = match &st.paid {
        Some(p) if p.plan == plan.id && p.until >= cx.day => p.until + 1,
        _ => cx.day,
    };
    let until = Date::from_day(start)
        .add_months(u32::from(plan.months))
        .to_day()
        - 1;
    let before = tiers::effective(st, cx.day);
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

pub fn grant(st: &mut State, cx: &mut Ctx, points: u32, reason: &str) -> Result<(), RuleError> {
    if points == 0 || points > 1_000_000 {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            "grant points must be 1..=1000000",
        ));
    }
    ledger::credit(st, cx, points, format!("grant:{reason}"), false);
    Ok(())
}
