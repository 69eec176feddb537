//! The JS API's names. A wasm build of the core only ever answers JS, which names every field
//! of a view or event in camelCase: under `target_family = "wasm"` the view and event types
//! serialize their fields so, while native builds (the server's HTTP bodies, the CLI) keep
//! the rule files' snake_case. String values (event `type`, statuses) are the same on both.
//!
//! Rewards and benefits are rule types and keep their own snake_case derive everywhere (the
//! snapshot's config hash serializes the rules): views and events carry them through these.

use crate::config::{Benefits, Reward};
use serde::{Serialize, Serializer};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RewardJs<'a> {
    #[serde(skip_serializing_if = "is_zero")]
    points: u32,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    coupons: &'a [String],
    #[serde(skip_serializing_if = "is_zero")]
    freezes: u32,
    #[serde(skip_serializing_if = "is_zero")]
    tier_steps: u32,
    #[serde(skip_serializing_if = "is_zero")]
    accelerators: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

pub(crate) fn reward<S: Serializer>(r: &Reward, s: S) -> Result<S::Ok, S::Error> {
    RewardJs {
        points: r.points,
        coupons: &r.coupons,
        freezes: r.freezes.into(),
        tier_steps: r.tier_steps.into(),
        accelerators: r.accelerators.into(),
    }
    .serialize(s)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BenefitsJs {
    discount_percent: u8,
    free_services_per_month: u16,
    checkin_points: u32,
    lottery_weight: u16,
    early_access_minutes: u16,
}

pub(crate) fn benefits<S: Serializer>(b: &Benefits, s: S) -> Result<S::Ok, S::Error> {
    BenefitsJs {
        discount_percent: b.discount_percent,
        free_services_per_month: b.free_services_per_month,
        checkin_points: b.checkin_points,
        lottery_weight: b.lottery_weight,
        early_access_minutes: b.early_access_minutes,
    }
    .serialize(s)
}
