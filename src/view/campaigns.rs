//! Campaigns as a member sees them: what runs now or soon, whether they may join, whether they
//! did, and what it pays.

use crate::config::Config;
use crate::day::Date;
use crate::engine::{campaigns, tiers};
use crate::state::State;
use serde::Serialize;

/// Ended campaigns stay listed this many days (a "results" page), then drop off.
const SHOW_ENDED_DAYS: i32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Upcoming,
    Active,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignView {
    pub id: String,
    pub name: String,
    /// First and last business day.
    pub start: Date,
    pub end: Date,
    /// When this member may start (epoch ms; earlier for tiers with early access).
    pub opens_at: i64,
    pub status: CampaignStatus,
    pub eligible: bool,
    pub joined: bool,
    pub checkin_multiplier: u8,
    pub action_multiplier: u8,
}

/// Upcoming, running and recently ended campaigns, in config order.
pub fn campaigns(st: &State, cfg: &Config, now: i64, locale: &str) -> Vec<CampaignView> {
    let today = cfg.clock().day_of(now);
    let tier = usize::from(tiers::effective(st, today));
    cfg.campaigns
        .iter()
        .filter(|c| c.start.to_day() + i32::from(c.days) + SHOW_ENDED_DAYS > today)
        .map(|c| {
            let (opens, closes) = campaigns::window(cfg, c, tier);
            CampaignView {
                id: c.id.clone(),
                name: super::local(&c.name, locale, cfg),
                start: c.start,
                end: Date::from_day(c.start.to_day() + i32::from(c.days) - 1),
                opens_at: opens,
                status: if now < opens {
                    CampaignStatus::Upcoming
                } else if now < closes {
                    CampaignStatus::Active
                } else {
                    CampaignStatus::Ended
                },
                eligible: campaigns::eligible(cfg, c, tier),
                joined: st.campaigns.contains_key(&c.id),
                checkin_multiplier: c.checkin_multiplier,
                action_multiplier: c.action_multiplier,
            }
        })
        .collect()
}
