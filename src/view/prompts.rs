//! The prompts worth showing when the page opens, most important first.

use super::points::expiring_within;
use crate::config::Config;
use crate::day::month_of;
use crate::engine::{streak_ending, tiers};
use crate::state::State;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct Prompt {
    /// `points_expiring`, `tier_reached`, `streak_at_risk`, `benefit_available`.
    pub kind: &'static str,
    /// Lower shows first.
    pub priority: u8,
    pub text: String,
}

#[cfg_attr(zailai_cold_size, optimize(size))] // a page open, not a hot path
pub fn prompts(st: &State, cfg: &Config, now: i64, locale: &str) -> Vec<Prompt> {
    let today = cfg.clock().day_of(now);
    let m = cfg.messages();
    let mut out = Vec::new();
    // Points expiring: the tightest reminder window that holds any expiring points.
    // Reminder windows are validated strictly decreasing: the tightest is last.
    let windows: Vec<u16> = cfg.points.reminder_days.iter().rev().copied().collect();
    if let Some((i, lots)) = windows
        .iter()
        .enumerate()
        .map(|(i, &d)| (i, expiring_within(st, today, i32::from(d))))
        .find(|(_, lots)| !lots.is_empty())
    {
        let total: u64 = lots.iter().map(|e| e.points).sum();
        let date = lots[0].date;
        let args = [
            ("points", total.to_string()),
            ("date", date.to_string()),
            ("days", windows[i].to_string()),
        ];
        out.push(Prompt {
            kind: "points_expiring",
            priority: if i == 0 { 10 } else { 30 },
            text: m.render(locale, "prompt.points_expiring", &args),
        });
    }
    let (tier, reached) = st.tier_reached;
    let effective = tiers::effective(st, today);
    if reached == today && tier == effective && tier > 0 {
        let name = cfg
            .tiers
            .levels
            .get(usize::from(tier))
            .map(|t| super::local(&t.name, locale, cfg))
            .unwrap_or_default();
        out.push(Prompt {
            kind: "tier_reached",
            priority: 15,
            text: m.render(locale, "prompt.tier_reached", &[("tier", name)]),
        });
    }
    let streak = streak_ending(st, today - 1);
    if streak > 0 && !st.checkins.contains_key(&today) {
        out.push(Prompt {
            kind: "streak_at_risk",
            priority: 20,
            text: m.render(
                locale,
                "prompt.streak_at_risk",
                &[("n", streak.to_string())],
            ),
        });
    }
    if let Some(t) = cfg.tiers.levels.get(usize::from(effective)) {
        let used = st.services_used.get(&month_of(today)).copied().unwrap_or(0);
        let left = u32::from(t.benefits.free_services_per_month).saturating_sub(used);
        if left > 0 {
            let args = [
                ("n", left.to_string()),
                ("tier", super::local(&t.name, locale, cfg)),
            ];
            out.push(Prompt {
                kind: "benefit_available",
                priority: 40,
                text: m.render(locale, "prompt.benefit_available", &args),
            });
        }
    }
    crate::ordered::ordered_by(out, |p| p.priority)
}
