//! Points summary: balance, what expires soon, what is left under the caps.

use crate::config::Config;
use crate::day::{month_of, Date, Day};
use crate::engine::ledger::{cap_room, expiry_of};
use crate::state::State;
use serde::Serialize;

/// Points that expire on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct ExpiringPoints {
    /// Last day the points can be used.
    pub date: Date,
    pub points: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct PointsSummary {
    pub balance: u64,
    /// Points expiring within 30 days, by date, soonest first.
    pub expiring: Vec<ExpiringPoints>,
    pub expiring_total: u64,
    pub earned_today: u32,
    pub left_today: u32,
    pub earned_month: u32,
    pub left_month: u32,
    pub daily_cap: u32,
    pub monthly_cap: u32,
    /// Checkout rate: `rate_points` points are worth `rate_cents` cents, for at most
    /// `max_order_percent` of an order (`checkout_quote`; the JS client's `checkoutQuote`).
    pub rate_points: u32,
    pub rate_cents: u32,
    pub max_order_percent: u8,
}

/// Balance at `now`, not counting lots whose expiry has passed but not yet been applied,
/// and counting the points of holds that lapsed by `now` (the server releases them at its
/// next write for the member; until then the state still holds them) whose lots are live.
pub fn live_balance(st: &State, cfg: &Config, now: i64) -> u64 {
    let today = cfg.clock().day_of(now);
    let live: u64 = st
        .lots
        .values()
        .filter(|l| l.expires >= today)
        .map(|l| l.remaining)
        .sum();
    let lapsed: u64 = st
        .holds
        .values()
        .filter(|h| h.until <= now)
        .filter_map(|h| st.debits.get(h.debit).filter(|d| !d.reversed))
        .flat_map(|d| d.takes.iter())
        .filter(|&&(lot, _)| expiry_of(cfg, lot) >= today)
        .map(|&(_, n)| u64::from(n))
        .sum();
    live + lapsed
}

/// Live lots expiring within `days` days of `today` (inclusive), grouped by expiry date.
/// Lots are keyed by the day they were earned and expiry grows with that day, so they come
/// in expiry order already.
pub fn expiring_within(st: &State, today: Day, days: i32) -> Vec<ExpiringPoints> {
    let mut out: Vec<ExpiringPoints> = Vec::new();
    for lot in st
        .lots
        .values()
        .filter(|l| l.expires >= today && l.expires <= today + days)
    {
        let date = Date::from_day(lot.expires);
        match out.last_mut() {
            Some(e) if e.date == date => e.points += lot.remaining,
            _ => out.push(ExpiringPoints {
                date,
                points: lot.remaining,
            }),
        }
    }
    out
}

pub fn points_summary(st: &State, cfg: &Config, now: i64) -> PointsSummary {
    let today = cfg.clock().day_of(now);
    let expiring = expiring_within(st, today, 30);
    let (left_today, left_month) = cap_room(st, cfg, today);
    let p = &cfg.points;
    PointsSummary {
        balance: live_balance(st, cfg, now),
        expiring_total: expiring.iter().map(|e| e.points).sum(),
        expiring,
        earned_today: st.days.get(&today).map_or(0, |d| d.earned),
        left_today: left_today.min(left_month),
        earned_month: st.month_earned.get(&month_of(today)).copied().unwrap_or(0),
        left_month,
        daily_cap: p.daily_cap,
        monthly_cap: p.monthly_cap,
        rate_points: p.checkout.points,
        rate_cents: p.checkout.cents,
        max_order_percent: p.checkout.max_order_percent,
    }
}

/// An item of the points catalog as a redeem page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CatalogEntry {
    pub id: String,
    pub name: String,
    pub cost_points: u32,
    /// The balance at `now` covers the cost.
    pub affordable: bool,
}

/// The catalog (config `catalog`) with names in `locale` and what the member can afford now.
pub fn catalog(st: &State, cfg: &Config, now: i64, locale: &str) -> Vec<CatalogEntry> {
    let balance = points_summary(st, cfg, now).balance;
    cfg.catalog
        .iter()
        .map(|item| CatalogEntry {
            id: item.id.clone(),
            name: super::local(&item.name, locale, cfg),
            cost_points: item.cost_points,
            affordable: balance >= u64::from(item.cost_points),
        })
        .collect()
}

/// What a checkout page can offer before asking the server: the most points this order may
/// deduct at the checkout rate (whole cents, within the order's percentage and the balance).
/// Offline and advisory: the merchant API decides (`docs/merchant.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CheckoutQuote {
    pub balance: u64,
    pub max_points: u32,
    /// What `max_points` take off the order, cents.
    pub deduction_cents: u64,
    /// What is left to pay in money with `max_points` deducted, cents.
    pub pay_cents: u64,
}

/// The checkout quote for an order of `amount_cents` at `now` (`BAD_AMOUNT` outside
/// 1 ..= `MAX_ORDER_CENTS`).
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn checkout_quote(
    st: &State,
    cfg: &Config,
    now: i64,
    amount_cents: u64,
) -> Result<CheckoutQuote, crate::RuleError> {
    if amount_cents == 0 || amount_cents > crate::engine::MAX_ORDER_CENTS {
        return Err(crate::RuleError::new(
            crate::ErrorCode::BadAmount,
            "amount_cents must be whole cents from 1 to 10000000000",
        ));
    }
    let rate = &cfg.points.checkout;
    let (points, cents) = (u64::from(rate.points), u64::from(rate.cents));
    let balance = live_balance(st, cfg, now);
    let max_cents = amount_cents * u64::from(rate.max_order_percent) / 100;
    // Points come in steps that are worth whole cents.
    let step = points / gcd(points, cents);
    let most = (max_cents * points / cents)
        .min(balance)
        .min(u64::from(u32::MAX));
    let max_points = most - most % step;
    let deduction_cents = max_points * cents / points;
    Ok(CheckoutQuote {
        balance,
        max_points: max_points as u32,
        deduction_cents,
        pay_cents: amount_cents - deduction_cents,
    })
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
