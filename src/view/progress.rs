//! Tier progress: per dimension and overall, with the label that names what decides it.

use super::{local, percent};
use crate::config::{Benefits, Config, Dimension, Mode};
use crate::day::{Date, Day};
use crate::engine::tiers::{dimension_value, effective};
use crate::state::State;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct TierInfo {
    pub index: u8,
    pub id: String,
    pub name: String,
    pub benefits: Benefits,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct DimensionProgress {
    pub dimension: Dimension,
    pub current: u64,
    pub target: u64,
    pub remaining: u64,
    pub percentage: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct TierProgress {
    pub tier: TierInfo,
    /// Last day of a paid membership that sets the tier, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_until: Option<Date>,
    /// The next tier up; `None` at the top.
    pub next: Option<TierInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Overall progress to `next`: the smallest dimension for `all`, the largest for `any`.
    pub percentage: u8,
    pub label: String,
    pub dimensions: Vec<DimensionProgress>,
}

fn info(cfg: &Config, index: u8, locale: &str) -> Option<TierInfo> {
    cfg.tiers.levels.get(usize::from(index)).map(|t| TierInfo {
        index,
        id: t.id.clone(),
        name: local(&t.name, locale, cfg),
        benefits: t.benefits.clone(),
    })
}

/// Once per render of the tier card: built for size in the wasm module.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn tier_progress(st: &State, cfg: &Config, now: i64, locale: &str) -> TierProgress {
    let today = cfg.clock().day_of(now);
    let current = effective(st, today);
    let tier = info(cfg, current, locale)
        .or_else(|| info(cfg, 0, locale))
        .unwrap_or(TierInfo {
            index: 0,
            id: String::new(),
            name: String::new(),
            benefits: Benefits {
                discount_percent: 100,
                free_services_per_month: 0,
                checkin_points: 0,
                lottery_weight: 1,
                early_access_minutes: 0,
            },
        });
    let paid_until = st
        .paid
        .as_ref()
        .filter(|p| p.until >= today && p.tier >= st.tier)
        .map(|p| Date::from_day(p.until));
    let messages = cfg.messages();
    let next_index = current.saturating_add(1);
    let Some(next) = info(cfg, next_index, locale) else {
        let label = messages.render(locale, "tier.top", &[("tier", tier.name.clone())]);
        return TierProgress {
            tier,
            paid_until,
            next: None,
            mode: None,
            percentage: 100,
            label,
            dimensions: Vec::new(),
        };
    };
    let upgrade = cfg
        .tiers
        .levels
        .get(usize::from(next_index))
        .and_then(|t| t.upgrade.as_ref());
    let dimensions: Vec<DimensionProgress> = upgrade
        .map(|up| {
            up.conditions
                .iter()
                .map(|(d, target)| progress(st, cfg, d, target, today))
                .collect()
        })
        .unwrap_or_default();
    let mode = upgrade.map(|u| u.mode);
    // The deciding dimension: the furthest behind for `all`, the closest for `any`.
    let deciding = match mode {
        Some(Mode::Any) => dimensions
            .iter()
            .max_by_key(|d| (d.percentage, std::cmp::Reverse(d.dimension))),
        _ => dimensions
            .iter()
            .min_by_key(|d| (d.percentage, d.dimension)),
    };
    let percentage = deciding.map_or(0, |d| d.percentage);
    let label = deciding.map_or_else(String::new, |d| label_for(cfg, locale, d, &next.name));
    TierProgress {
        tier,
        paid_until,
        next: Some(next),
        mode,
        percentage,
        label,
        dimensions,
    }
}

fn progress(st: &State, cfg: &Config, d: Dimension, target: u64, today: Day) -> DimensionProgress {
    let current = dimension_value(st, cfg, d, today);
    DimensionProgress {
        dimension: d,
        current,
        target,
        remaining: target.saturating_sub(current),
        percentage: percent(current, target),
    }
}

fn label_for(cfg: &Config, locale: &str, d: &DimensionProgress, tier: &str) -> String {
    let key = format!("tier.need.{}", d.dimension.name());
    let n = if d.dimension == Dimension::SpendCents {
        yuan(d.remaining)
    } else {
        d.remaining.to_string()
    };
    cfg.messages().render(
        locale,
        &key,
        &[("tier", tier.to_owned()), ("n", n.clone()), ("amount", n)],
    )
}

/// Cents as yuan: `10000` → `100`, `10050` → `100.50`.
pub fn yuan(cents: u64) -> String {
    if cents.is_multiple_of(100) {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}
