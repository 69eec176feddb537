//! The scorecard of seed 001 §五 beside the report's retention figures (issue 27): paid
//! conversion, upgrades between adjacent tiers, benefit use, the points ledger (issued by
//! source, redeemed, expired, liability, breakage, expiring soon) and each campaign's return
//! on its cost. Definitions: `docs/report.md`, "The scorecard". Computed from the fact tables
//! (`report::build`) and, as the reference, from a replay of the op logs
//! (`report::replay_build`).

use crate::facts_ledger::{COUPONS, COUPONS_USED, EXPIRED, ISSUED, RESTORED, SPEND_CENTS, SPENT};
use serde::Serialize;
use std::collections::BTreeMap;
use zailai::day::{month_bounds, month_of, Date, Day};
use zailai::Config;

/// `count` of `of`, with the rate (4 decimals); `None` where `of` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub count: u64,
    pub of: u64,
    pub rate: f64,
}

impl Share {
    pub fn new(count: u64, of: u64) -> Option<Share> {
        (of > 0).then(|| Share {
            count,
            of,
            rate: (count as f64 / of as f64 * 10_000.0).round() / 10_000.0,
        })
    }
}

/// 会员体系: conversion, the tier funnel and the use of benefits over the report's range.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Membership {
    /// 会员转化率: of the members with an op of their own in the range, those with a paid
    /// membership running on its last day.
    pub paid_conversion: Option<Share>,
    /// Upgrades between adjacent tiers, lowest first.
    pub upgrades: Vec<Upgrade>,
    /// 权益使用率, free services: used in the range's months of those their tiers granted.
    pub services: Option<Share>,
    /// 权益使用率, coupons: coupons orders used in the range, of those granted in it.
    pub coupons: Option<Share>,
}

/// Of the members holding tier `from` on the range's first day, those who held `to` or a
/// higher tier on a later day of the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    pub from: String,
    pub to: String,
    pub upgraded: Option<Share>,
}

/// The points ledger over the range (积分: issued, redeemed, expired) and what members hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ledger {
    /// Points credited in the range by source (the op that earned them: `checkin`,
    /// `make_up`, `action:open`, `claim_task`, `draw`, `grant`…).
    pub issued: BTreeMap<String, u64>,
    pub issued_total: u64,
    /// Points spent in the range (redemptions, draws, make-ups, checkout) less those given
    /// back by reversals in it (below 0 when more came back than was spent).
    pub redeemed: i64,
    pub expired: u64,
    /// Points whose lot ran out in the range (the day after its last usable day), recorded or
    /// not yet (the member has not come back since).
    /// Breakage: `expired / (redeemed + expired)`, the share of the points that left
    /// members' balances in the range by expiring.
    pub breakage: Option<f64>,
    /// Points usable on `to` by the end of it, and their value at the checkout rate (cents).
    pub outstanding: u64,
    pub liability_cents: u64,
    /// Points in lots whose last usable day falls in the 30 days after `to`, as the lots
    /// stand at each member's last commit.
    pub expiring_30d: u64,
    /// `outstanding` at the end of each week touching the range (the liability chart).
    pub weekly: Vec<LiabilityWeek>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LiabilityWeek {
    pub week_end: Date,
    pub points: u64,
    pub cents: u64,
}

/// 活动 ROI: what a campaign cost against the revenue it brought.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Roi {
    /// Points credited to participants during the campaign at the checkout rate, and the
    /// coupons granted to them during it at face value (`--values`), cents.
    pub cost_cents: u64,
    /// Participants' merchant orders placed during the campaign and the 7 days after (paid
    /// less refunded), cents.
    pub revenue_cents: i64,
    /// What as many comparable non-participants (active in the 7 days before) spent on
    /// orders of the same days, per member times participants, cents.
    pub baseline_cents: i64,
    /// `(revenue − baseline) / cost`, 4 decimals; `None` without cost or comparable members.
    pub roi: Option<f64>,
}

/// Face value of coupons by id, cents (the scorecard file's `coupon_values_cents`).
pub type CouponValues = BTreeMap<String, u64>;

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Points at the checkout rate, cents.
fn cents_of(cfg: &Config, points: i64) -> i64 {
    let c = &cfg.points.checkout;
    points * i64::from(c.cents) / i64::from(c.points.max(1))
}

fn sum_of(amounts: &[(String, i64)], kind: &str) -> i64 {
    amounts
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, n)| n)
        .sum()
}

/// The days the ledger's balance is sampled on: each week end, `to` for the week it ends in.
pub fn balance_days(week_ends: &[Day], to: Day) -> Vec<Day> {
    let mut days: Vec<Day> = week_ends.iter().map(|&w| w.min(to)).collect();
    days.dedup();
    days
}

/// The ledger: `in_range` the amounts of the range by kind, `balances` the points members held
/// by the ledger at the end of each of [`balance_days`], `lots` the points in lots by last
/// usable day as they stand.
pub fn ledger(
    cfg: &Config,
    in_range: &[(String, i64)],
    balances: &[(Day, i64)],
    lots: &[(Day, i64)],
    (from, to): (Day, Day),
) -> Ledger {
    let mut issued = BTreeMap::new();
    for (kind, n) in in_range {
        if let Some(source) = kind.strip_prefix(ISSUED) {
            *issued.entry(source.to_owned()).or_default() += u64::try_from(*n).unwrap_or(0);
        }
    }
    let lots_in = |first: Day, last: Day| -> i64 {
        lots.iter()
            .filter(|(e, _)| (first..=last).contains(e))
            .map(|(_, n)| n)
            .sum()
    };
    // Lots past their last day that no op has taken out yet are not usable any more.
    let usable = |day: Day, balance: i64| balance - lots_in(Day::MIN, day - 1);
    let redeemed = sum_of(in_range, SPENT) - sum_of(in_range, RESTORED);
    let expired = sum_of(in_range, EXPIRED) + lots_in(from - 1, to - 1);
    let weekly: Vec<LiabilityWeek> = balances
        .iter()
        .map(|&(day, balance)| {
            let points = usable(day, balance).max(0);
            LiabilityWeek {
                week_end: Date::from_day(day),
                points: points as u64,
                cents: cents_of(cfg, points) as u64,
            }
        })
        .collect();
    let last = weekly.last().copied();
    let left = redeemed + expired;
    Ledger {
        issued_total: issued.values().sum(),
        issued,
        redeemed,
        expired: expired.max(0) as u64,
        breakage: (left > 0).then(|| round4(expired as f64 / left as f64)),
        outstanding: last.map_or(0, |w| w.points),
        liability_cents: last.map_or(0, |w| w.cents),
        expiring_30d: lots_in(to + 1, to + 30).max(0) as u64,
        weekly,
    }
}

/// Free services the tiers granted in the months touching the range: each member's tier's
/// monthly allowance, by the tier held at the month's end (`to` for a month ending later);
/// `members_on(day)` counts members by tier index on a day.
pub fn services_granted(
    cfg: &Config,
    (from, to): (Day, Day),
    members_on: impl Fn(Day) -> BTreeMap<u8, u64>,
) -> u64 {
    let mut granted = 0;
    for month in month_of(from)..=month_of(to) {
        let day = month_bounds(month).1.min(to);
        for (tier, n) in members_on(day) {
            let allowance = cfg
                .tiers
                .levels
                .get(usize::from(tier))
                .map_or(0, |t| t.benefits.free_services_per_month);
            granted += n * u64::from(allowance);
        }
    }
    granted
}

/// The first day of the first month touching a range starting on `from`.
pub fn services_from(from: Day) -> Day {
    month_bounds(month_of(from)).0
}

/// 会员体系: `upgrades` is (tier held on `from`, holders, upgraded) by tier index;
/// `in_range` the ledger amounts of the range by kind.
pub fn membership(
    cfg: &Config,
    (active, paid): (u64, u64),
    upgrades: &[(u8, u64, u64)],
    (services_used, services_granted): (u64, u64),
    in_range: &[(String, i64)],
) -> Membership {
    let levels = &cfg.tiers.levels;
    let coupons_granted: i64 = in_range
        .iter()
        .filter(|(k, _)| k.starts_with(COUPONS))
        .map(|(_, n)| n)
        .sum();
    Membership {
        paid_conversion: Share::new(paid, active),
        upgrades: levels
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let (holders, up) = upgrades
                    .iter()
                    .find(|u| usize::from(u.0) == i)
                    .map_or((0, 0), |u| (u.1, u.2));
                Upgrade {
                    from: pair[0].id.clone(),
                    to: pair[1].id.clone(),
                    upgraded: Share::new(up, holders),
                }
            })
            .collect(),
        services: Share::new(services_used, services_granted),
        coupons: Share::new(
            sum_of(in_range, COUPONS_USED).max(0) as u64,
            coupons_granted.max(0) as u64,
        ),
    }
}

/// 活动 ROI: `amounts` the participants' (kind, during the campaign, from its start to the
/// 7th day after); `others` the comparable non-participants and their order money then.
pub fn roi(
    cfg: &Config,
    values: &CouponValues,
    amounts: &[(String, i64, i64)],
    participants: u32,
    (others, others_revenue): (u32, i64),
) -> Roi {
    let mut cost = 0;
    let mut revenue = 0;
    for (kind, during, through) in amounts {
        if kind.starts_with(ISSUED) {
            cost += cents_of(cfg, *during);
        } else if let Some(coupon) = kind.strip_prefix(COUPONS) {
            cost += during * values.get(coupon).map_or(0, |&v| v as i64);
        } else if kind == SPEND_CENTS {
            revenue += through;
        }
    }
    let baseline =
        (others > 0).then(|| others_revenue * i64::from(participants) / i64::from(others));
    Roi {
        cost_cents: cost.max(0) as u64,
        revenue_cents: revenue,
        baseline_cents: baseline.unwrap_or(0),
        roi: baseline
            .filter(|_| cost > 0)
            .map(|b| round4((revenue - b) as f64 / cost as f64)),
    }
}
