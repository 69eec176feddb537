//! The scorecard of seed 001 §五 beside the report's retention figures (issue 27): paid
//! conversion, upgrades between adjacent tiers, benefit use, the points ledger (issued by
//! source, redeemed, expired, liability, breakage, expiring soon) and each campaign's return
//! on its cost. Definitions: `docs/report.md`, "The scorecard". Computed from the fact tables
//! (`report::build`) and, as the reference, from a replay of the op logs
//! (`report::replay_build`).

use crate::facts_ledger::{COUPONS, COUPONS_USED, EXPIRED, ISSUED, RESTORED, SPENT};
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
    /// 会员转化率 (seed 001 §五(一): 新用户转化为会员的比例): of the members who joined in the
    /// range, those with a paid membership running on its last day.
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

/// 会员体系: `(joined, paid)` the members who joined in the range and those of them paid on
/// `to`; `upgrades` is (tier held on `from`, holders, upgraded) by tier index;
/// `in_range` the ledger amounts of the range by kind.
pub fn membership(
    cfg: &Config,
    (joined, paid): (u64, u64),
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
        paid_conversion: Share::new(paid, joined),
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

/// 活动 ROI: the participants' `points` credited in it and `coupons` granted in it (from the
/// day each joined it), their order money `revenue` from its first day to the 7th after it;
/// `others` the comparable non-participants and their order money over the same days.
pub fn roi(
    cfg: &Config,
    values: &CouponValues,
    (points, coupons): (i64, &[(String, i64)]),
    (participants, revenue): (u32, i64),
    (others, others_revenue): (u32, i64),
) -> Roi {
    let cost = cents_of(cfg, points)
        + coupons
            .iter()
            .map(|(id, n)| n * values.get(id).map_or(0, |&v| v as i64))
            .sum::<i64>();
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

#[cfg(test)]
mod tests {
    //! The scorecard's arithmetic, worked by hand: both the SQL report and the replay call these
    //! functions, so the differential test cannot see a mistake in them.
    use super::*;

    const D: Day = 20_000;

    fn kinds(list: &[(&str, i64)]) -> Vec<(String, i64)> {
        list.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    }

    #[test]
    fn shares_round_to_four_decimals_and_need_a_denominator() {
        assert_eq!(Share::new(0, 0), None);
        let third = Share::new(1, 3).unwrap();
        assert_eq!((third.count, third.of, third.rate), (1, 3, 0.3333));
        assert_eq!(Share::new(2, 3).unwrap().rate, 0.6667);
        assert_eq!(Share::new(3, 3).unwrap().rate, 1.0);
    }

    #[test]
    fn the_ledger_by_hand() {
        let cfg = Config::seed(); // 100 points = 1000 cents
        let in_range = kinds(&[
            ("issued:check_in", 50),
            ("issued:action:open", 30),
            ("spent", 40),
            ("restored", 10),
            ("expired", 5),
            ("coupons:x", 2),
        ]);
        // Lots by last usable day: before the range, on the day before it (runs out on
        // `from`), in it, on `to` (usable through it), in the 30 days after, later.
        let lots = [
            (D - 2, 1),
            (D - 1, 4),
            (D + 2, 7),
            (D + 9, 3),
            (D + 10, 20),
            (D + 39, 6),
            (D + 40, 100),
        ];
        let balances = [(D + 6, 200), (D + 9, 180)];
        let l = ledger(&cfg, &in_range, &balances, &lots, (D, D + 9));
        assert_eq!(
            l.issued,
            BTreeMap::from([("action:open".to_owned(), 30), ("check_in".to_owned(), 50)])
        );
        assert_eq!(l.issued_total, 80);
        assert_eq!(l.redeemed, 40 - 10);
        // Recorded 5, and the lots that ran out on days D … D+9 and no op took out: 4 + 7.
        assert_eq!(l.expired, 16);
        assert_eq!(l.breakage, Some(0.3478)); // 16 / (30 + 16)
                                              // Usable at the end of a day: the balance less lots past their last day (1 + 4 + 7).
        let weekly: Vec<(Day, u64, u64)> = l
            .weekly
            .iter()
            .map(|w| (w.week_end.to_day(), w.points, w.cents))
            .collect();
        assert_eq!(weekly, [(D + 6, 188, 1880), (D + 9, 168, 1680)]);
        assert_eq!((l.outstanding, l.liability_cents), (168, 1680));
        assert_eq!(l.expiring_30d, 20 + 6);
    }

    #[test]
    fn nothing_left_nothing_broken() {
        let cfg = Config::seed();
        let l = ledger(
            &cfg,
            &kinds(&[("spent", 5), ("restored", 5)]),
            &[],
            &[],
            (D, D),
        );
        assert_eq!((l.redeemed, l.expired, l.breakage), (0, 0, None));
        assert_eq!((l.outstanding, l.liability_cents), (0, 0));
        assert!(l.weekly.is_empty());
    }

    #[test]
    fn a_campaigns_return_by_hand() {
        let cfg = Config::seed();
        let values = CouponValues::from([("c5".to_owned(), 500)]);
        let coupons = kinds(&[("c5", 2), ("unpriced", 4)]);
        // Cost: 300 points = 3000 cents, and two ¥5 coupons; 4 coupons without a value cost 0.
        // Baseline: 4 comparable members spent 8000 cents, so 10 participants would spend
        // 20000; ROI = (50000 − 20000) / 4000.
        let r = roi(&cfg, &values, (300, &coupons), (10, 50_000), (4, 8_000));
        assert_eq!(r.cost_cents, 4_000);
        assert_eq!((r.revenue_cents, r.baseline_cents), (50_000, 20_000));
        assert_eq!(r.roi, Some(7.5));
        let r = roi(&cfg, &values, (7, &[]), (3, 1_000), (3, 0));
        assert_eq!(
            (r.cost_cents, r.baseline_cents, r.roi),
            (70, 0, Some(14.2857))
        );
        // Nobody to compare with, or nothing spent on it: no ROI.
        assert_eq!(
            roi(&cfg, &values, (300, &[]), (10, 50_000), (0, 0)).roi,
            None
        );
        assert_eq!(
            roi(&cfg, &values, (0, &[]), (10, 50_000), (4, 100)).roi,
            None
        );
    }

    #[test]
    fn membership_by_hand() {
        let cfg = Config::seed(); // regular, silver, gold, diamond
        let in_range = kinds(&[
            ("coupons:a", 3),
            ("coupons:b", 1),
            ("coupons_used", 2),
            ("issued:check_in", 9),
        ]);
        let m = membership(&cfg, (40, 3), &[(0, 10, 4), (2, 5, 0)], (6, 20), &in_range);
        assert_eq!(m.paid_conversion.unwrap().rate, 0.075);
        let steps: Vec<_> = m
            .upgrades
            .iter()
            .map(|u| {
                (
                    u.from.as_str(),
                    u.to.as_str(),
                    u.upgraded.map(|s| (s.count, s.of)),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("regular", "silver", Some((4, 10))),
                ("silver", "gold", None),
                ("gold", "diamond", Some((0, 5))),
            ]
        );
        assert_eq!(m.services.unwrap().rate, 0.3);
        let c = m.coupons.unwrap();
        assert_eq!((c.count, c.of), (2, 4));
    }

    #[test]
    fn services_granted_by_the_tier_held_at_each_months_end() {
        let cfg = Config::seed(); // 0, 1, 3, 5 free services a month
        let (from, to) = (
            Date::parse("2026-11-20").unwrap().to_day(),
            Date::parse("2026-12-05").unwrap().to_day(),
        );
        let asked = std::cell::RefCell::new(Vec::new());
        let granted = services_granted(&cfg, (from, to), |day| {
            asked.borrow_mut().push(Date::from_day(day).to_string());
            if day < to {
                BTreeMap::from([(0, 10), (1, 2), (3, 1)])
            } else {
                BTreeMap::from([(1, 3), (2, 1)])
            }
        });
        assert_eq!(*asked.borrow(), ["2026-11-30", "2026-12-05"]);
        assert_eq!(granted, (2 + 5) + (3 + 3));
        assert_eq!(
            Date::from_day(services_from(from)).to_string(),
            "2026-11-01"
        );
    }

    #[test]
    fn the_balance_is_sampled_at_each_week_end_and_on_to() {
        let ends = [D + 6, D + 13, D + 20];
        assert_eq!(balance_days(&ends, D + 15), [D + 6, D + 13, D + 15]);
        assert_eq!(balance_days(&ends, D + 13), [D + 6, D + 13]);
    }
}
