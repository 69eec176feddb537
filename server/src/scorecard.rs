//! The scorecard of seed 001 §五 beside the report's retention figures (issue 27): paid
//! conversion, upgrades between adjacent tiers, benefit use, the points ledger (issued by
//! source, redeemed, expired, liability, breakage, expiring soon) and each campaign's return
//! on its cost. Definitions: `docs/report.md`, "The scorecard". Computed from the fact tables
//! (`report::build`) and, as the reference, from a replay of the op logs
//! (`report::replay_build`).

use serde::Serialize;
use std::collections::BTreeMap;
use zailai::day::Date;

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
    /// 权益使用率, coupons: of the coupons granted in the range, those an order used by `to`.
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
    /// back by reversals in it.
    pub redeemed: u64,
    pub expired: u64,
    /// Breakage: `expired / (redeemed + expired)`, the share of the points that left
    /// members' balances in the range by expiring.
    pub breakage: Option<f64>,
    /// Points held at the end of `to`, and their value at the checkout rate (cents).
    pub outstanding: u64,
    pub liability_cents: u64,
    /// Points in lots whose last usable day falls in the 30 days after `to`.
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
    /// Participants' merchant orders (paid less refunded) during the campaign and the 7
    /// days after, cents.
    pub revenue_cents: u64,
    /// What as many comparable non-participants (active in the 7 days before) spent in the
    /// same days, per member times participants, cents.
    pub baseline_cents: u64,
    /// `(revenue − baseline) / cost`, 4 decimals; `None` without cost.
    pub roi: Option<f64>,
}
