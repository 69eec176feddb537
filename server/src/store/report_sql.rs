//! The report's SQL, shared by both backends (written with `?N` parameters; PostgreSQL's
//! `$N` are substituted): the fact tables' schema, and the aggregates `report::build` asks
//! for. Every query returns a few hundred rows at most, whatever the number of members,
//! except the experiment listing (one row per member joined in the range).

use zailai::day::Day;

/// Migration 3 (issue 16): the fact tables. `facts_status.complete` is 0 when members were
/// already there: their facts come from `facts_rebuild::rebuild` before a report is made.
pub const FACT_TABLES: &str = "CREATE TABLE IF NOT EXISTS member_facts (
  user_id TEXT PRIMARY KEY,
  joined INTEGER NOT NULL,
  returned INTEGER NOT NULL DEFAULT 0,
  paid_until INTEGER
);
CREATE INDEX IF NOT EXISTS member_facts_by_joined ON member_facts (joined);
CREATE TABLE IF NOT EXISTS member_days (
  day INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (day, user_id)
);
CREATE TABLE IF NOT EXISTS member_tiers (
  user_id TEXT NOT NULL,
  from_day INTEGER NOT NULL,
  until_day INTEGER,
  tier INTEGER NOT NULL,
  PRIMARY KEY (user_id, from_day)
);
CREATE TABLE IF NOT EXISTS member_campaigns (
  campaign TEXT NOT NULL,
  user_id TEXT NOT NULL,
  days INTEGER NOT NULL,
  PRIMARY KEY (campaign, user_id)
);
CREATE TABLE IF NOT EXISTS facts_status (complete INTEGER NOT NULL);
INSERT INTO facts_status (complete)
  SELECT CASE WHEN EXISTS (SELECT 1 FROM members) THEN 0 ELSE 1 END;
";

/// Migration 8 (issue 27): the scorecard's fact tables (`facts_ledger.rs`). Members already
/// there have their facts rebuilt (`facts_status`), the older tables' idempotently.
pub const SCORECARD_TABLES: &str = "CREATE TABLE IF NOT EXISTS member_amounts (
  day INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (day, user_id, kind)
);
CREATE TABLE IF NOT EXISTS member_lots (
  user_id TEXT NOT NULL,
  earned INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  remaining BIGINT NOT NULL,
  PRIMARY KEY (user_id, earned)
);
UPDATE facts_status SET complete = 0 WHERE EXISTS (SELECT 1 FROM members);
";

// Writes of one commit's `facts::Changes`.
pub const UPSERT_MEMBER: &str =
    "INSERT INTO member_facts (user_id, joined, returned, paid_until) VALUES (?1, ?2, 0, ?3)
  ON CONFLICT (user_id) DO UPDATE SET joined = ?2, paid_until = ?3";
pub const ADD_RETURNED: &str =
    "UPDATE member_facts SET returned = returned | ?2 WHERE user_id = ?1";
pub const ADD_DAY: &str =
    "INSERT INTO member_days (day, user_id) VALUES (?2, ?1) ON CONFLICT DO NOTHING";
pub const CUT_TIERS: &str = "DELETE FROM member_tiers WHERE user_id = ?1 AND from_day >= ?2";
pub const END_TIER: &str = "UPDATE member_tiers SET until_day = ?2
  WHERE user_id = ?1 AND (until_day IS NULL OR until_day > ?2)";
pub const ADD_TIER: &str =
    "INSERT INTO member_tiers (user_id, from_day, until_day, tier) VALUES (?1, ?2, ?3, ?4)";
pub const UPSERT_CAMPAIGN: &str =
    "INSERT INTO member_campaigns (campaign, user_id, days) VALUES (?2, ?1, ?3)
  ON CONFLICT (campaign, user_id) DO UPDATE SET days = ?3";

pub const ADD_AMOUNT: &str = "INSERT INTO member_amounts (day, user_id, kind, amount)
  VALUES (?2, ?1, ?3, ?4)
  ON CONFLICT (day, user_id, kind) DO UPDATE SET amount = member_amounts.amount + ?4";
pub const SET_AMOUNT: &str = "INSERT INTO member_amounts (day, user_id, kind, amount)
  VALUES (?2, ?1, ?3, ?4) ON CONFLICT (day, user_id, kind) DO UPDATE SET amount = ?4";
pub const SET_LOT: &str = "INSERT INTO member_lots (user_id, earned, expires, remaining)
  VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (user_id, earned) DO UPDATE SET expires = ?3, remaining = ?4";
pub const DROP_LOT: &str = "DELETE FROM member_lots WHERE user_id = ?1 AND earned = ?2";
pub const CLEAR_LOTS: &str = "DELETE FROM member_lots WHERE user_id = ?1";

pub const FACTS_COMPLETE: &str = "SELECT MIN(complete) FROM facts_status";
pub const SET_FACTS_COMPLETE: &str = "UPDATE facts_status SET complete = 1";

// The report's aggregates.
pub const COUNT_MEMBERS: &str = "SELECT COUNT(*) FROM member_facts";
/// ?1 from, ?2 to: (joined, paid on `to`, returned bits, members).
pub const JOINS: &str =
    "SELECT joined, CASE WHEN paid_until >= ?2 THEN 1 ELSE 0 END AS paid, returned, COUNT(*)
  FROM member_facts WHERE joined BETWEEN ?1 AND ?2 GROUP BY joined, paid, returned";
/// ?1 last day sampled: (tier, first day, spans).
pub const TIER_STARTS: &str = "SELECT tier, from_day, COUNT(*) FROM member_tiers
  WHERE from_day <= ?1 GROUP BY tier, from_day";
/// ?1 last day sampled: (tier, first day without it, spans).
pub const TIER_ENDS: &str = "SELECT tier, until_day, COUNT(*) FROM member_tiers
  WHERE until_day <= ?1 GROUP BY tier, until_day";
/// ?1 first, ?2 last day: members with an applied op in the window.
pub const ACTIVE: &str =
    "SELECT COUNT(DISTINCT user_id) FROM member_days WHERE day BETWEEN ?1 AND ?2";
/// ?1 campaign, ?2 its length: participants, and those who checked in on every day.
pub const PARTICIPANTS: &str =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN days >= ?2 THEN 1 ELSE 0 END), 0)
  FROM member_campaigns WHERE campaign = ?1";
/// ?1 campaign, ?2..?3 the week after it: participants active then.
pub const PARTICIPANTS_RETAINED: &str = "SELECT COUNT(*) FROM member_campaigns WHERE campaign = ?1
  AND user_id IN (SELECT user_id FROM member_days WHERE day BETWEEN ?2 AND ?3)";
/// ?1 campaign, ?2..?3 the week before it, ?4..?5 the week after: non-participants active
/// the week before, and those of them active the week after.
pub const OTHERS: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN b.user_id IN
    (SELECT user_id FROM member_days WHERE day BETWEEN ?4 AND ?5) THEN 1 ELSE 0 END), 0)
  FROM (SELECT DISTINCT user_id FROM member_days WHERE day BETWEEN ?2 AND ?3) AS b
  WHERE b.user_id NOT IN (SELECT user_id FROM member_campaigns WHERE campaign = ?1)";
/// ?1..?2: members joined then, each (id, joined, returned bits).
pub const JOINED_LIST: &str =
    "SELECT user_id, joined, returned FROM member_facts WHERE joined BETWEEN ?1 AND ?2";

// The scorecard's aggregates (issue 27). SUMs of BIGINT columns are cast back: PostgreSQL
// sums them as NUMERIC.
/// ?1 from, ?2 to: (kind, amount) summed over the range.
pub const AMOUNTS_IN: &str = "SELECT kind, CAST(SUM(amount) AS BIGINT) FROM member_amounts
  WHERE day BETWEEN ?1 AND ?2 GROUP BY kind";
/// ?1: (day, points members' balances gained that day) for the days after ?1.
pub const NET_AFTER: &str = "SELECT day, CAST(SUM(CASE
    WHEN kind = 'spent' OR kind = 'expired' THEN -amount
    WHEN kind = 'restored' OR kind LIKE 'issued:%' THEN amount ELSE 0 END) AS BIGINT)
  FROM member_amounts WHERE day > ?1 GROUP BY day";
/// (last usable day, points) of every lot as it stands.
pub const LOTS_BY_EXPIRY: &str =
    "SELECT expires, CAST(SUM(remaining) AS BIGINT) FROM member_lots GROUP BY expires";
/// ?1..?2: (day, free services used).
pub const SERVICES_BY_DAY: &str = "SELECT day, CAST(SUM(amount) AS BIGINT) FROM member_amounts
  WHERE kind = 'services' AND day BETWEEN ?1 AND ?2 GROUP BY day";
/// ?1 from, ?2 to: members with an op of their own in the range, and those of them with a
/// paid membership running on ?2.
pub const ACTIVE_PAID: &str =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN paid_until >= ?2 THEN 1 ELSE 0 END), 0)
  FROM member_facts WHERE user_id IN (SELECT user_id FROM member_days WHERE day BETWEEN ?1 AND ?2)";
/// ?1 from, ?2 to: (tier held on ?1, its holders, those of them holding a higher tier on a
/// later day of the range).
pub const UPGRADES: &str = "SELECT a.tier, COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (
    SELECT 1 FROM member_tiers b WHERE b.user_id = a.user_id AND b.tier > a.tier
      AND b.from_day > ?1 AND b.from_day <= ?2) THEN 1 ELSE 0 END), 0)
  FROM member_tiers a WHERE a.from_day <= ?1 AND (a.until_day IS NULL OR a.until_day > ?1)
  GROUP BY a.tier";
/// ?1 campaign, ?2 its first day, ?3 its last, ?4 the 7th day after it: the participants'
/// (kind, amount during the campaign, amount from its start to ?4).
pub const PARTICIPANT_AMOUNTS: &str = "SELECT kind,
    CAST(SUM(CASE WHEN day <= ?3 THEN amount ELSE 0 END) AS BIGINT), CAST(SUM(amount) AS BIGINT)
  FROM member_amounts WHERE day BETWEEN ?2 AND ?4
    AND user_id IN (SELECT user_id FROM member_campaigns WHERE campaign = ?1)
  GROUP BY kind";
/// ?1 campaign, ?2..?3 its first day to the 7th after it, ?4..?5 the week before it: order
/// money of the non-participants active the week before, over ?2..?3.
pub const OTHERS_REVENUE: &str = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT)
  FROM member_amounts WHERE kind = 'spend_cents' AND day BETWEEN ?2 AND ?3
    AND user_id IN (SELECT user_id FROM member_days WHERE day BETWEEN ?4 AND ?5)
    AND user_id NOT IN (SELECT user_id FROM member_campaigns WHERE campaign = ?1)";

/// PostgreSQL's spelling of a statement: `$N` for `?N`.
pub fn dollars(sql: &str) -> String {
    sql.replace('?', "$")
}

/// A campaign window the report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignWindow {
    pub id: String,
    pub first: Day,
    pub last: Day,
    pub days: u16,
}

/// What the report asks the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountQuery {
    pub from: Day,
    pub to: Day,
    /// The last week end sampled for tiers.
    pub last_sample: Day,
    pub campaigns: Vec<CampaignWindow>,
    /// List the members joined from this day to `to` (experiments); `None`: none needed.
    pub list_from: Option<Day>,
    /// The first day the ledger's balance is sampled on (its net changes after it).
    pub first_balance: Day,
    /// The first day of the first month touching the range (free services used).
    pub services_from: Day,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignCounts {
    pub active: u32,
    pub participants: u32,
    pub completed: u32,
    pub participants_retained: u32,
    pub others: u32,
    pub others_retained: u32,
    /// The participants' (kind, during the campaign, from its start to the 7th day after).
    pub amounts: Vec<(String, i64, i64)>,
    /// Order money of the comparable non-participants (`others`), start to the 7th day after.
    pub others_revenue: i64,
}

/// The database's answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub members: u32,
    /// (joined, paid on `to`, returned bits, members) for the members joined in the range.
    pub joins: Vec<(Day, bool, u8, u32)>,
    pub tier_starts: Vec<(u8, Day, u32)>,
    pub tier_ends: Vec<(u8, Day, u32)>,
    /// In the order of the query's campaigns.
    pub campaigns: Vec<CampaignCounts>,
    pub listed: Vec<(String, Day, u8)>,
    /// Ledger amounts over the range by kind.
    pub amounts: Vec<(String, i64)>,
    /// Net change of members' points by day, after `first_balance`.
    pub net_after: Vec<(Day, i64)>,
    /// Points in lots by last usable day, as they stand.
    pub lots: Vec<(Day, i64)>,
    /// Free services used by day from `services_from` to `to`.
    pub services: Vec<(Day, i64)>,
    /// Members active in the range, and those of them paid on `to`.
    pub active: u32,
    pub active_paid: u32,
    /// (tier held on `from`, holders, upgraded) by tier.
    pub upgrades: Vec<(u8, u32, u32)>,
}

/// A COUNT from either backend (i64) as the report's u32.
pub fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
