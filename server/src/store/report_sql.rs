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

/// Migration 8 (issue 27): the scorecard's facts (`facts_ledger.rs`). What is summed over
/// every member (points by kind, lots by last usable day) is kept as day totals, split in
/// [`STRIPES`] rows by member so concurrent commits seldom wait on one row; what a campaign's
/// return needs by member (order money, coupon grants, points in the campaign) by member.
/// Members already there have their facts rebuilt (`facts_status`).
pub const SCORECARD_TABLES: &str = "CREATE TABLE IF NOT EXISTS ledger_days (
  day INTEGER NOT NULL,
  kind TEXT NOT NULL,
  stripe INTEGER NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (day, kind, stripe)
);
CREATE TABLE IF NOT EXISTS lots_days (
  expires INTEGER NOT NULL,
  stripe INTEGER NOT NULL,
  points BIGINT NOT NULL,
  PRIMARY KEY (expires, stripe)
);
CREATE TABLE IF NOT EXISTS member_spend (
  day INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  cents BIGINT NOT NULL,
  PRIMARY KEY (day, user_id)
);
CREATE TABLE IF NOT EXISTS member_coupons (
  day INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  coupon TEXT NOT NULL,
  granted BIGINT NOT NULL,
  PRIMARY KEY (day, user_id, coupon)
);
ALTER TABLE member_campaigns ADD COLUMN joined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_campaigns ADD COLUMN points BIGINT NOT NULL DEFAULT 0;
UPDATE facts_status SET complete = 0 WHERE EXISTS (SELECT 1 FROM members);
";

/// Rows each day total is split in (by member: [`stripe`]).
pub const STRIPES: u32 = 16;

/// A member's stripe of the day totals: FNV-1a of the id.
pub fn stripe(user: &str) -> i32 {
    let hash = user.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash % STRIPES) as i32
}

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
    "INSERT INTO member_campaigns (campaign, user_id, days, joined) VALUES (?2, ?1, ?3, ?4)
  ON CONFLICT (campaign, user_id) DO UPDATE SET days = ?3, joined = ?4";

pub const ADD_LEDGER: &str = "INSERT INTO ledger_days (day, kind, stripe, amount)
  VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (day, kind, stripe) DO UPDATE SET amount = ledger_days.amount + ?4";
pub const ADD_LOTS: &str = "INSERT INTO lots_days (expires, stripe, points) VALUES (?1, ?2, ?3)
  ON CONFLICT (expires, stripe) DO UPDATE SET points = lots_days.points + ?3";
/// ?1 user, ?2 day, ?3 cents; `SET_SPEND` for a rebuild.
pub const ADD_SPEND: &str = "INSERT INTO member_spend (day, user_id, cents) VALUES (?2, ?1, ?3)
  ON CONFLICT (day, user_id) DO UPDATE SET cents = member_spend.cents + ?3";
pub const SET_SPEND: &str = "INSERT INTO member_spend (day, user_id, cents) VALUES (?2, ?1, ?3)
  ON CONFLICT (day, user_id) DO UPDATE SET cents = ?3";
/// ?1 user, ?2 day, ?3 coupon, ?4 granted; `SET_COUPONS` for a rebuild.
pub const ADD_COUPONS: &str =
    "INSERT INTO member_coupons (day, user_id, coupon, granted) VALUES (?2, ?1, ?3, ?4)
  ON CONFLICT (day, user_id, coupon) DO UPDATE SET granted = member_coupons.granted + ?4";
pub const SET_COUPONS: &str =
    "INSERT INTO member_coupons (day, user_id, coupon, granted) VALUES (?2, ?1, ?3, ?4)
  ON CONFLICT (day, user_id, coupon) DO UPDATE SET granted = ?4";
/// ?1 user, ?2 campaign, ?3 points; `SET_CAMPAIGN_POINTS` for a rebuild.
pub const ADD_CAMPAIGN_POINTS: &str =
    "UPDATE member_campaigns SET points = points + ?3 WHERE campaign = ?2 AND user_id = ?1";
pub const SET_CAMPAIGN_POINTS: &str =
    "UPDATE member_campaigns SET points = ?3 WHERE campaign = ?2 AND user_id = ?1";
/// A parameter of [`scorecard_writes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// An INTEGER column (a day, a stripe).
    Small(i32),
    /// A BIGINT column (an amount).
    Int(i64),
    Text(String),
}

/// The scorecard's writes of one commit's facts (`facts::Changes`), in order: statement and
/// parameters. Shared by both stores, so they write the same.
pub fn scorecard_writes(user: &str, c: &crate::facts::Changes) -> Vec<(&'static str, Vec<Param>)> {
    use crate::facts_ledger::{COUPONS, SPEND_CENTS};
    let (int, small, text) = (Param::Int, Param::Small, |s: &str| {
        Param::Text(s.to_owned())
    });
    let stripe = stripe(user);
    let mut out = Vec::new();
    for (day, kind, n) in &c.amounts {
        let day = *day;
        out.push((
            ADD_LEDGER,
            vec![small(day), text(kind), small(stripe), int(*n)],
        ));
        let by_member = if c.replace { SET_SPEND } else { ADD_SPEND };
        if kind == SPEND_CENTS {
            out.push((by_member, vec![text(user), small(day), int(*n)]));
        } else if let Some(coupon) = kind.strip_prefix(COUPONS) {
            let by_member = if c.replace { SET_COUPONS } else { ADD_COUPONS };
            out.push((
                by_member,
                vec![text(user), small(day), text(coupon), int(*n)],
            ));
        }
    }
    for &(expires, n) in &c.lots {
        out.push((ADD_LOTS, vec![small(expires), small(stripe), int(n)]));
    }
    let points = if c.replace {
        SET_CAMPAIGN_POINTS
    } else {
        ADD_CAMPAIGN_POINTS
    };
    for (campaign, n) in &c.campaign_points {
        out.push((points, vec![text(user), text(campaign), int(*n)]));
    }
    out
}

/// The day totals, emptied before a rebuild adds every member again.
pub const CLEAR_DAY_TOTALS: &str = "DELETE FROM ledger_days; DELETE FROM lots_days";

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
/// ?1 campaign, ?2 its length: participants, those who checked in on every day, and the
/// points credited to them in it (`facts_ledger::campaign_points`).
pub const PARTICIPANTS: &str =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN days >= ?2 THEN 1 ELSE 0 END), 0),
    CAST(COALESCE(SUM(points), 0) AS BIGINT)
  FROM member_campaigns WHERE campaign = ?1";
/// ?1 campaign, ?2..?3 the week after it: participants active then.
pub const PARTICIPANTS_RETAINED: &str = "SELECT COUNT(*) FROM member_campaigns WHERE campaign = ?1
  AND user_id IN (SELECT user_id FROM member_days WHERE day BETWEEN ?2 AND ?3)";
/// ?1 campaign, ?2..?3 the week before it, ?4..?5 the week after, ?6..?7 its first day to
/// the 7th after it: non-participants active the week before, those of them active the week
/// after, and their order money over ?6..?7 (the campaign's baseline: one pass, not two).
pub const OTHERS: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN b.user_id IN
    (SELECT user_id FROM member_days WHERE day BETWEEN ?4 AND ?5) THEN 1 ELSE 0 END), 0),
    CAST(COALESCE(SUM(s.cents), 0) AS BIGINT)
  FROM (SELECT DISTINCT user_id FROM member_days WHERE day BETWEEN ?2 AND ?3) AS b
  LEFT JOIN (SELECT user_id, SUM(cents) AS cents FROM member_spend
    WHERE day BETWEEN ?6 AND ?7 GROUP BY user_id) AS s ON s.user_id = b.user_id
  WHERE b.user_id NOT IN (SELECT user_id FROM member_campaigns WHERE campaign = ?1)";
/// ?1 campaign: members sent a message about it (`messages_sent`, kind `campaign`), and
/// those of them taking part in it. A join, not a subquery per row: 0.47 s for 500,000
/// notified among 300,000 participants on PostgreSQL, against 2.4 s for `EXISTS`.
pub const NOTIFIED: &str = "SELECT COUNT(*), COUNT(m.user_id) FROM messages_sent s
  LEFT JOIN member_campaigns m ON m.campaign = s.campaign AND m.user_id = s.user_id
  WHERE s.kind = 'campaign' AND s.campaign = ?1";
/// ?1..?2: members joined then, each (id, joined, returned bits).
pub const JOINED_LIST: &str =
    "SELECT user_id, joined, returned FROM member_facts WHERE joined BETWEEN ?1 AND ?2";

// The scorecard's aggregates (issue 27). SUMs of BIGINT columns are cast back: PostgreSQL
// sums them as NUMERIC.
/// ?1 from, ?2 to: (kind, amount) summed over the range.
pub const AMOUNTS_IN: &str = "SELECT kind, CAST(SUM(amount) AS BIGINT) FROM ledger_days
  WHERE day BETWEEN ?1 AND ?2 GROUP BY kind";
/// ?1: (day, points members' balances gained that day) for the days after ?1.
pub const NET_AFTER: &str = "SELECT day, CAST(SUM(CASE
    WHEN kind = 'spent' OR kind = 'expired' THEN -amount
    WHEN kind = 'restored' OR kind LIKE 'issued:%' THEN amount ELSE 0 END) AS BIGINT)
  FROM ledger_days WHERE day > ?1 GROUP BY day";
/// (last usable day, points) of every lot as it stands.
pub const LOTS_BY_EXPIRY: &str =
    "SELECT expires, CAST(SUM(points) AS BIGINT) FROM lots_days GROUP BY expires";
/// ?1..?2: (day, free services used).
pub const SERVICES_BY_DAY: &str = "SELECT day, CAST(SUM(amount) AS BIGINT) FROM ledger_days
  WHERE kind = 'services' AND day BETWEEN ?1 AND ?2 GROUP BY day";
/// ?1 from, ?2 to: (tier held on ?1, its holders, those of them holding a higher tier on a
/// later day of the range).
/// One pass over the tier stretches by member (a join of the table with itself took 2.6
/// times as long at 100,000 members).
pub const UPGRADES: &str = "SELECT held, COUNT(*), COUNT(CASE WHEN top > held THEN 1 END)
  FROM (SELECT user_id,
      MAX(CASE WHEN from_day <= ?1 AND (until_day IS NULL OR until_day > ?1) THEN tier END)
        AS held,
      MAX(CASE WHEN from_day > ?1 AND from_day <= ?2 THEN tier END) AS top
    FROM member_tiers GROUP BY user_id) AS t
  WHERE held IS NOT NULL GROUP BY held";
/// ?1 campaign, ?2 its first day, ?3 its last: (coupon, granted) to the participants from the
/// day each joined it.
pub const PARTICIPANT_COUPONS: &str = "SELECT c.coupon, CAST(SUM(c.granted) AS BIGINT)
  FROM member_coupons c JOIN member_campaigns p ON p.user_id = c.user_id AND p.campaign = ?1
  WHERE c.day BETWEEN ?2 AND ?3 AND c.day >= p.joined GROUP BY c.coupon";
/// ?1 campaign, ?2 its first day, ?3 the 7th day after it: the participants' order money.
pub const PARTICIPANT_REVENUE: &str = "SELECT CAST(COALESCE(SUM(cents), 0) AS BIGINT)
  FROM member_spend WHERE day BETWEEN ?2 AND ?3
    AND user_id IN (SELECT user_id FROM member_campaigns WHERE campaign = ?1)";

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
    /// The participants' points credited in it, and coupons granted in it, from the day each
    /// joined it.
    pub points: i64,
    pub coupons: Vec<(String, i64)>,
    /// Order money, from its first day to the 7th after it: the participants', and the
    /// comparable non-participants' (`others`).
    pub revenue: i64,
    pub others_revenue: i64,
    /// Members sent a message about the campaign, and those of them taking part.
    pub notified: u32,
    pub notified_participants: u32,
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
    /// (tier held on `from`, holders, upgraded) by tier.
    pub upgrades: Vec<(u8, u32, u32)>,
}

/// A COUNT from either backend (i64) as the report's u32.
pub fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
