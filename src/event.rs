//! Events: what an op did. Dates are business dates (`YYYY-MM-DD`).

use crate::config::Reward;
use crate::day::Date;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(target_family = "wasm", serde(rename_all_fields = "camelCase"))]
pub enum Event {
    CheckedIn {
        date: Date,
        streak: u32,
    },
    StreakMilestone {
        date: Date,
        streak: u32,
        cycle_day: u16,
        reward: Reward,
    },
    MadeUp {
        date: Date,
        cost: u32,
        streak: u32,
    },
    FreezeUsed {
        dates: Vec<Date>,
        held: u16,
    },
    FreezesGranted {
        count: u16,
        held: u16,
        discarded: u16,
    },
    /// A credit; `cut` is what a cap removed, `cap` which one (`daily` or `monthly`).
    PointsCredited {
        date: Date,
        source: String,
        requested: u32,
        granted: u32,
        cut: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        cap: Option<Cap>,
        /// Last business day on which these points can be used.
        expires: Date,
    },
    PointsDebited {
        date: Date,
        reason: String,
        amount: u32,
        lots: Vec<LotTake>,
    },
    /// Points of a reversed debit, back in their lots; `expired` were already past their expiry.
    PointsRestored {
        reason: String,
        restored: u32,
        expired: u32,
        /// The lots the restored points went back to.
        lots: Vec<LotTake>,
    },
    PointsExpired {
        lot: Date,
        amount: u32,
    },
    /// The member's first op after `away_days` without one (dormant: see `lifecycle`).
    MemberReturned {
        date: Date,
        away_days: u32,
    },
    /// The member's first op in a running campaign.
    CampaignJoined {
        campaign: String,
        date: Date,
    },
    CouponGranted {
        coupon: String,
        source: String,
    },
    /// A collect-cards chance paid out: one card of `kind`.
    CardGranted {
        set: String,
        kind: String,
        /// Cards of that kind now held.
        held: u16,
        /// Given by the pity count (保底), not by the chance's roll.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        pity: bool,
    },
    /// A full set was handed in for the set's reward.
    CardsExchanged {
        set: String,
    },
    /// A draw was paid for and waits for the server's decision.
    DrawEntered {
        lottery: String,
        cost: u32,
    },
    /// The server decided a draw: `prize` won, or none.
    DrawSettled {
        lottery: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        prize: Option<String>,
    },
    AcceleratorsGranted {
        count: u16,
        source: String,
    },
    ActionTracked {
        action: String,
        count: u32,
    },
    SessionRecorded {
        minutes: u32,
    },
    TaskCompleted {
        task: String,
        date: Date,
    },
    TaskClaimed {
        task: String,
        reward: Reward,
    },
    Redeemed {
        item: String,
        cost: u32,
    },
    OrderPlaced {
        order: String,
        amount_cents: u64,
        points: u32,
        deduction_cents: u64,
        /// The coupon the order used.
        #[serde(skip_serializing_if = "Option::is_none")]
        coupon: Option<String>,
    },
    OrderCancelled {
        order: String,
        /// The coupon the order used, given back to the member (not when it has expired).
        #[serde(skip_serializing_if = "Option::is_none")]
        coupon: Option<String>,
    },
    /// Part of an order refunded (a refund in whole is `order_cancelled`).
    OrderRefunded {
        order: String,
        amount_cents: u64,
        points: u32,
    },
    /// Points set aside for an unpaid order until `until` (epoch ms).
    PointsHeld {
        order: String,
        points: u32,
        until: i64,
    },
    /// A hold gave its points back: released by the merchant, or `expired`.
    HoldReleased {
        order: String,
        points: u32,
        expired: bool,
    },
    MembershipStarted {
        plan: String,
        tier: String,
        until: Date,
    },
    MembershipEnded {
        plan: String,
    },
    /// The merchant took a membership back (a refund, a chargeback): its paid tier no longer
    /// counts from business day `from` (the op's own day when it ends at once).
    MembershipRevoked {
        plan: String,
        from: Date,
    },
    TierChanged {
        from: String,
        to: String,
        reason: TierReason,
    },
    ServiceUsed {
        left: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    Daily,
    Monthly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TierReason {
    Upgrade,
    Boost,
    Paid,
    PaidEnded,
    Downgrade,
    /// A refund or cancellation took away what earned the tier.
    Refund,
    /// The merchant revoked the paid membership that gave the tier.
    Revoked,
}

/// Points a debit took from one lot (identified by the business day it was earned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct LotTake {
    pub lot: Date,
    pub amount: u32,
}
