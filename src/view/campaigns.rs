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
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
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
    /// The collect-cards sets that run with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardSetView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lotteries: Vec<LotteryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CardSetView {
    pub id: String,
    pub name: String,
    pub kinds: Vec<CardKindView>,
    /// Kinds held at least once, as a bar ("3/5").
    pub progress: super::ProgressValue,
    /// A full set is held: `exchange_cards` pays now.
    pub complete: bool,
    pub exchanged: u16,
    /// Cards still to be had today (while the campaign runs).
    pub today_left: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct CardKindView {
    pub id: String,
    pub name: String,
    pub held: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct LotteryView {
    pub id: String,
    pub name: String,
    pub cost_points: u32,
    /// Draws still allowed today (0 outside the campaign).
    pub draws_left: u16,
    /// The member's draws, newest first.
    pub draws: Vec<DrawView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_family = "wasm", serde(rename_all = "camelCase"))]
pub struct DrawView {
    pub date: Date,
    /// Waiting for the server (an offline draw stays pending until sync).
    pub pending: bool,
    /// The prize's name, when won.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prize: Option<String>,
}

#[cfg_attr(zailai_cold_size, optimize(size))] // a page open, not a hot path
fn card_sets(
    st: &State,
    cfg: &Config,
    campaign: &str,
    open: bool,
    today: i32,
    locale: &str,
) -> Vec<CardSetView> {
    let mut out = Vec::new();
    for set in cfg.cards.iter().filter(|s| s.campaign == campaign) {
        let holding = st.cards.get(&set.id);
        let kinds: Vec<CardKindView> = set
            .kinds
            .iter()
            .map(|k| CardKindView {
                id: k.id.clone(),
                name: super::local(&k.name, locale, cfg),
                held: holding
                    .and_then(|h| h.held.get(&k.id))
                    .copied()
                    .unwrap_or(0),
            })
            .collect();
        let have = kinds.iter().filter(|k| k.held > 0).count();
        // The engine's own count for the day (`engine::cards`), right for any `now`:
        // `holding.today` keeps the newest day's only.
        let today_count = st
            .days
            .get(&today)
            .and_then(|s| s.rule_counts.get(&format!("cards:{}", set.id)))
            .map_or(0, |&n| u16::try_from(n).unwrap_or(u16::MAX));
        out.push(CardSetView {
            id: set.id.clone(),
            name: super::local(&set.name, locale, cfg),
            progress: super::ProgressValue {
                percentage: (have * 100 / kinds.len().max(1)) as u8,
                label: cfg.messages().render(
                    locale,
                    "task.progress",
                    &[
                        ("done", have.to_string()),
                        ("target", kinds.len().to_string()),
                    ],
                ),
            },
            complete: have == kinds.len(),
            exchanged: holding.map_or(0, |h| h.exchanged),
            today_left: if open {
                set.daily_limit.saturating_sub(today_count)
            } else {
                0
            },
            kinds,
        });
    }
    out
}

#[cfg_attr(zailai_cold_size, optimize(size))] // a page open, not a hot path
fn lotteries(
    st: &State,
    cfg: &Config,
    campaign: &str,
    open: bool,
    today: i32,
    locale: &str,
) -> Vec<LotteryView> {
    let mut out = Vec::new();
    for l in cfg.lotteries.iter().filter(|l| l.campaign == campaign) {
        let mine = st.draws.iter().filter(|d| d.lottery == l.id);
        let today_count = mine.clone().filter(|d| d.day == today).count() as u16;
        out.push(LotteryView {
            id: l.id.clone(),
            name: super::local(&l.name, locale, cfg),
            cost_points: l.cost_points,
            draws_left: if open {
                l.daily_limit.saturating_sub(today_count)
            } else {
                0
            },
            draws: mine
                .rev()
                .map(|d| DrawView {
                    date: Date::from_day(d.day),
                    pending: !d.settled,
                    prize: d.prize.as_ref().map(|p| {
                        l.prizes
                            .iter()
                            .find(|z| &z.id == p)
                            .map_or_else(|| p.clone(), |z| super::local(&z.name, locale, cfg))
                    }),
                })
                .collect(),
        });
    }
    out
}

/// Upcoming, running and recently ended campaigns, in config order.
#[cfg_attr(zailai_cold_size, optimize(size))] // a page open, not a hot path
pub fn campaigns(st: &State, cfg: &Config, now: i64, locale: &str) -> Vec<CampaignView> {
    let today = cfg.clock().day_of(now);
    let tier = usize::from(tiers::effective(st, today));
    cfg.campaigns
        .iter()
        .filter(|c| c.start.to_day() + i32::from(c.days) + SHOW_ENDED_DAYS > today)
        .map(|c| {
            let (opens, closes) = campaigns::window(cfg, c, tier);
            let eligible = campaigns::eligible(cfg, c, tier);
            let open = eligible && (opens..closes).contains(&now);
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
                eligible,
                joined: st.campaigns.contains_key(&c.id),
                checkin_multiplier: c.checkin_multiplier,
                action_multiplier: c.action_multiplier,
                cards: card_sets(st, cfg, &c.id, open, today, locale),
                lotteries: lotteries(st, cfg, &c.id, open, today, locale),
            }
        })
        .collect()
}
