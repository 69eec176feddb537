//! The program's rules as a JSON document. Field-by-field reference: `docs/config.md`.
//!
//! Parsing is strict (unknown fields are errors with their path) for the CLI and the server;
//! [`Config::parse_tolerant`] is for clients, which must keep working when a newer minor
//! version of the rules adds fields they do not know. Both read the document with the
//! path-aware readers of `crate::json` (`read.rs`); the types only derive `Serialize`.

mod binary;
pub mod compat;
mod messages;
mod parse;
mod read;
#[cfg(any(not(target_family = "wasm"), feature = "rule-files"))]
mod shape;
mod validate;

pub use binary::RULES_FORMAT;
pub use messages::{MessageKey, Messages};
pub use parse::{ConfigError, ConfigIssue, Parsed};

use crate::day::BusinessClock;
use crate::vecmap::VecMap;
use serde::Serialize;

/// The major version of the rule schema this build reads.
pub const SCHEMA_MAJOR: u32 = 1;

/// Text in several locales, keyed by locale tag (`zh-CN`, `en`).
pub type LocalText = VecMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// `MAJOR.MINOR`; a reader refuses a newer major.
    pub schema_version: String,
    pub business_day: BusinessDay,
    /// Locale used when a view is asked for none.
    pub default_locale: String,
    /// First column of the calendar grid: 0 = Sunday, 1 = Monday … 6 = Saturday.
    pub first_weekday: u8,
    /// How far back (in business days, before the newest op applied) an op may be dated.
    pub offline_window_days: u16,
    pub checkin: Checkin,
    pub points: Points,
    pub tiers: Tiers,
    pub tasks: Vec<Task>,
    /// Newbie tasks are open for this many business days from (and including) the join day.
    pub newbie_days: u16,
    /// Tracked action names that earn no points but count toward tasks (`query`, `invite`…).
    /// `open` and `share` are always known, as is every earning rule's action.
    pub actions: Vec<String>,
    /// What points can be redeemed for.
    pub catalog: Vec<CatalogItem>,
    /// Overrides of the built-in message templates, by locale then key.
    pub messages: VecMap<String, VecMap<String, String>>,
    /// Time-boxed campaigns (holidays…): reward multipliers for eligible members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<Campaign>,
    /// `check` warns when more campaigns than this overlap within one week (RULES.md: 2).
    pub campaign_overlap_limit: u8,
    /// Collect-cards sets (集福卡), each tied to a campaign's window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardSet>,
    /// Lotteries drawn by the server (`docs/lottery.md`), each tied to a campaign's window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lotteries: Vec<Lottery>,
    /// Segments (new, active, dormant, returning), RFM bands and the lifecycle offers.
    pub lifecycle: Lifecycle,
    /// Tracked actions only the server can witness (`invite`: the invitee's first sync
    /// carries the inviter's code, `docs/sync.md`). A device's `track` of one is
    /// `NOT_ALLOWED`; the server writes them. Tasks whose reward carries tier steps must
    /// count one of these or `order` (server-written too).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnessed_actions: Vec<String>,
}

/// Lifecycle rules (001 §三: 新用户 7 日, 沉睡 7/15 日, 唤醒券 3 日有效; 000: RFM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// A member is `new` for this many business days from joining.
    pub new_days: u16,
    /// Days without an op after which a member is dormant, ascending (the levels reported).
    pub dormant_days: Vec<u16>,
    /// A member who comes back after `dormant_days[0]` or more is `returning` this long.
    pub returning_days: u16,
    /// Coupons granted on return, valid `wake_up_valid_days` from the day of return.
    pub wake_up_coupons: Vec<String>,
    pub wake_up_valid_days: u16,
    pub rfm: Rfm,
    /// RFM total (3–15) from which a member counts as high-value.
    pub high_value_score: u8,
    /// The "high potential" offer: accelerator cards once campaigns joined, growth tasks all
    /// done and spend inside campaigns reach these.
    pub potential: Potential,
}

/// Thresholds of the RFM scores 2–5 (1 below the first), ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rfm {
    /// Days since the last op: at most `recency_days[3]` scores 2 … at most `[0]` scores 5.
    pub recency_days: Vec<u16>,
    /// Active days within `frequency_window` days: at least `frequency_days[k]` scores k+2.
    pub frequency_window: u16,
    pub frequency_days: Vec<u16>,
    /// Spend within `monetary_window` days, cents: at least `monetary_cents[k]` scores k+2.
    pub monetary_window: u16,
    pub monetary_cents: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Potential {
    pub campaigns_joined: u16,
    pub campaign_spend_cents: u64,
    pub accelerators: u16,
}

impl Default for Lifecycle {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn default() -> Lifecycle {
        Lifecycle {
            new_days: 7,
            dormant_days: vec![7, 15],
            returning_days: 7,
            wake_up_coupons: Vec::new(),
            wake_up_valid_days: 3,
            rfm: Rfm {
                recency_days: vec![1, 3, 7, 15],
                frequency_window: 30,
                frequency_days: vec![1, 4, 10, 20],
                monetary_window: 90,
                monetary_cents: vec![1, 5_000, 20_000, 50_000],
            },
            high_value_score: 12,
            potential: Potential {
                campaigns_joined: 3,
                campaign_spend_cents: 20_000,
                accelerators: 1,
            },
        }
    }
}

/// A campaign: business days `start … start + days − 1` in the rules' zone. Members of a tier
/// with `early_access_minutes` join that long before the first day starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: String,
    pub name: LocalText,
    pub start: crate::day::Date,
    pub days: u16,
    /// Check-in base points are multiplied by this (2 = double points on a holiday).
    pub checkin_multiplier: u8,
    /// Points of earning actions (`points.earning`) are multiplied by this.
    pub action_multiplier: u8,
    /// Tier ids that may join; empty: every member.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
}

/// A set of cards collected while a campaign runs; a full set is exchanged for `reward`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardSet {
    pub id: String,
    pub name: LocalText,
    /// The campaign whose window (and tier eligibility) the set follows.
    pub campaign: String,
    pub kinds: Vec<CardKind>,
    /// Which counted actions give a chance at a card, and how likely.
    pub grants: Vec<CardGrant>,
    /// Most cards one member gets in a business day.
    pub daily_limit: u16,
    pub reward: Reward,
    /// The pity count (保底): a chance that follows `pity − 1` chances in a row that brought no
    /// kind the member lacks gives the rarest lacking kind (`engine::cards`). 0: none.
    #[serde(skip_serializing_if = "is_zero16")]
    pub pity: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardKind {
    pub id: String,
    pub name: LocalText,
    /// Relative odds among the kinds (a rare card has a small weight).
    pub weight: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardGrant {
    /// A task counter: a tracked action, `check_in`, `use_day`, `order` or `session_minutes`.
    pub action: String,
    pub chance_percent: u8,
}

/// A lottery: members pay `cost_points` per draw; the server decides each draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lottery {
    pub id: String,
    pub name: LocalText,
    pub campaign: String,
    pub cost_points: u32,
    /// Most draws one member makes in a business day.
    pub daily_limit: u16,
    /// Slots of the wheel: a draw lands on one of `total_weight`; prize `i` covers
    /// `weight × the tier's lottery_weight` of them, the rest win nothing.
    pub total_weight: u32,
    pub prizes: Vec<Prize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prize {
    pub id: String,
    pub name: LocalText,
    pub weight: u32,
    /// How many can be won in all; once gone, the prize's slots win nothing.
    pub stock: u32,
    pub reward: Reward,
}

#[cfg_attr(zailai_cold_size, optimize(size))]
pub(crate) fn default_campaign_overlap_limit() -> u8 {
    2
}

#[cfg_attr(zailai_cold_size, optimize(size))]
pub(crate) fn default_first_weekday() -> u8 {
    1
}

#[cfg_attr(zailai_cold_size, optimize(size))]
pub(crate) fn default_locale() -> String {
    "zh-CN".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BusinessDay {
    pub utc_offset_minutes: i32,
    pub day_start_hour: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkin {
    /// Milestones repeat every `streak_cycle` days of a streak.
    pub streak_cycle: u16,
    pub streak_bonuses: Vec<StreakBonus>,
    pub makeup: Makeup,
    pub freeze: Freeze,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreakBonus {
    /// Position in the cycle, 1-based.
    pub day: u16,
    pub reward: Reward,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Makeup {
    pub cost_points: u32,
    pub window: MakeupWindow,
    /// Make-ups allowed per month, counted by the month in which the make-up is made.
    pub monthly_limit: u16,
    /// Whether a made-up day whose streak position is a milestone pays that milestone.
    pub pays_missed_milestones: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MakeupWindow {
    /// Any missed day of the current month.
    Month,
    /// Any missed day among the last `days` days before today.
    LastDays { days: u16 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Freeze {
    pub max_held: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
// Views and events carry rewards and benefits: in the JS API's camelCase under wasm (see
// `crate::view`); `snapshot::config_hash`, which serializes the rules, runs natively and in
// the rule-file tools (feature `rule-files`), where they keep the rule file's names.
#[cfg_attr(
    all(target_family = "wasm", not(feature = "rule-files")),
    serde(rename_all = "camelCase")
)]
pub struct Reward {
    #[serde(skip_serializing_if = "is_zero")]
    pub points: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<String>,
    #[serde(skip_serializing_if = "is_zero16")]
    pub freezes: u16,
    #[serde(skip_serializing_if = "is_zero16")]
    pub tier_steps: u16,
    #[serde(skip_serializing_if = "is_zero16")]
    pub accelerators: u16,
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn is_zero(v: &u32) -> bool {
    *v == 0
}
#[cfg_attr(zailai_cold_size, optimize(size))]
fn is_zero16(v: &u16) -> bool {
    *v == 0
}

impl Reward {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn is_empty(&self) -> bool {
        self.points == 0
            && self.coupons.is_empty()
            && self.freezes == 0
            && self.tier_steps == 0
            && self.accelerators == 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Points {
    /// Points per tracked action, by action name.
    pub earning: VecMap<String, EarningRule>,
    pub daily_cap: u32,
    pub monthly_cap: u32,
    pub expiry_months: u16,
    /// Days before expiry at which reminders start, largest first.
    pub reminder_days: Vec<u16>,
    pub checkout: Checkout,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarningRule {
    pub points: u32,
    /// Credits per business day from this rule; absent means no per-rule limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkout {
    /// `points` points are worth `cents` cents.
    pub points: u32,
    pub cents: u32,
    pub max_order_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tiers {
    pub evaluation: Evaluation,
    pub downgrade: Downgrade,
    pub levels: Vec<Tier>,
    pub paid: Vec<PaidPlan>,
}

/// Rolling windows, in business days ending today, for the tier dimensions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub active_days_window: u16,
    pub minutes_window: u16,
    pub shares_window: u16,
    pub spend_window: u16,
    pub orders_window: u16,
}

impl Evaluation {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn longest(&self) -> u16 {
        [
            self.active_days_window,
            self.minutes_window,
            self.shares_window,
            self.spend_window,
            self.orders_window,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Downgrade {
    /// On the first business day of a month, a member who no longer meets their tier drops one.
    MonthlyOneStep,
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    pub id: String,
    pub name: LocalText,
    /// Absent only on the first (entry) tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    pub benefits: Benefits,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    pub mode: Mode,
    pub conditions: Conditions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    All,
    Any,
}

/// Thresholds per dimension; an absent dimension is not a condition.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Conditions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_completed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend_cents: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<u32>,
}

/// The dimensions a tier can be earned on, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    ActiveDays,
    Minutes,
    TasksCompleted,
    SpendCents,
    Orders,
    Shares,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::ActiveDays,
        Dimension::Minutes,
        Dimension::TasksCompleted,
        Dimension::SpendCents,
        Dimension::Orders,
        Dimension::Shares,
    ];

    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn name(self) -> &'static str {
        match self {
            Dimension::ActiveDays => "active_days",
            Dimension::Minutes => "minutes",
            Dimension::TasksCompleted => "tasks_completed",
            Dimension::SpendCents => "spend_cents",
            Dimension::Orders => "orders",
            Dimension::Shares => "shares",
        }
    }
}

impl Conditions {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn get(&self, d: Dimension) -> Option<u64> {
        match d {
            Dimension::ActiveDays => self.active_days.map(u64::from),
            Dimension::Minutes => self.minutes.map(u64::from),
            Dimension::TasksCompleted => self.tasks_completed.map(u64::from),
            Dimension::SpendCents => self.spend_cents,
            Dimension::Orders => self.orders.map(u64::from),
            Dimension::Shares => self.shares.map(u64::from),
        }
    }

    /// The dimensions that are set, with their thresholds.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn iter(&self) -> impl Iterator<Item = (Dimension, u64)> + '_ {
        Dimension::ALL
            .into_iter()
            .filter_map(|d| self.get(d).map(|t| (d, t)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    all(target_family = "wasm", not(feature = "rule-files")),
    serde(rename_all = "camelCase")
)]
pub struct Benefits {
    /// Price paid in percent (98 = 9.8折, 100 = no discount).
    pub discount_percent: u8,
    pub free_services_per_month: u16,
    /// Base check-in reward at this tier.
    pub checkin_points: u32,
    /// Lottery weight multiplier (1 = base odds).
    pub lottery_weight: u16,
    /// Minutes before a campaign's start at which this tier may join.
    pub early_access_minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaidPlan {
    pub id: String,
    /// Tier id granted for the term.
    pub tier: String,
    pub months: u16,
    pub price_cents: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: String,
    pub kind: TaskKind,
    pub title: LocalText,
    /// What counts toward it: a tracked action name or a built-in counter (`docs/config.md`).
    pub action: String,
    pub target: u32,
    pub reward: Reward,
    pub claim: Claim,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Daily,
    Growth,
    Newbie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    Auto,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogItem {
    pub id: String,
    pub name: LocalText,
    pub cost_points: u32,
    pub reward: Reward,
}

impl Config {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn clock(&self) -> BusinessClock {
        BusinessClock {
            utc_offset_minutes: self.business_day.utc_offset_minutes,
            day_start_hour: self.business_day.day_start_hour,
        }
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn tier_index(&self, id: &str) -> Option<usize> {
        self.tiers.levels.iter().position(|t| t.id == id)
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn messages(&self) -> Messages<'_> {
        Messages::new(&self.messages, &self.default_locale)
    }

    /// The locale views are rendered in when `requested` is asked for, spelt as WeChat
    /// (`zh_CN`, from `wx.getAppBaseInfo().language`) or BCP 47 (`zh-CN`, `en-US`) spell it: the
    /// known locale (`default_locale`, `zh-CN`, `en`, those of `messages`) equal to it but for
    /// case and `_`/`-`; else the first known one of its language (`en_US` → `en`, `zh_TW` →
    /// `zh-CN`); else `default_locale`. The one resolution of the core (docs/config.md).
    #[cfg_attr(zailai_cold_size, optimize(size))]
    #[inline(never)] // once, not in each of the views that call it
    pub fn locale<'a>(&'a self, requested: Option<&str>) -> &'a str {
        let req = requested.unwrap_or_default().as_bytes();
        // Bytes only: `str` patterns and case folding cost the wasm module 2 KB.
        let lang = |s: &[u8]| {
            s.iter()
                .position(|&b| b == b'-' || b == b'_')
                .unwrap_or(s.len())
        };
        let norm = |b: u8| {
            if b == b'_' {
                b'-'
            } else {
                b.to_ascii_lowercase()
            }
        };
        let same = |a: &[u8], b: &[u8]| {
            a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| norm(x) == norm(y))
        };
        for whole in [true, false] {
            let known = [self.default_locale.as_str(), "zh-CN", "en"];
            for k in known
                .into_iter()
                .chain(self.messages.keys().map(String::as_str))
            {
                let kb = k.as_bytes();
                let hit = if whole {
                    same(kb, req)
                } else {
                    same(&kb[..lang(kb)], &req[..lang(req)])
                };
                if hit && !req.is_empty() {
                    return k;
                }
            }
        }
        &self.default_locale
    }

    /// The seed preset (`presets/seed.json`), built into the crate.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn seed() -> Config {
        match Config::parse(SEED_JSON) {
            Ok(c) => c,
            // The preset is checked by a test; reaching this is a build defect.
            Err(e) => panic!("presets/seed.json is invalid: {e}"),
        }
    }
}

/// The seed preset's text.
pub const SEED_JSON: &str = include_str!("../../presets/seed.json");
