//! The operator's numbers (`zailai report`, `GET /v1/admin/report`): retention by weekly
//! cohort, members vs non-members, tier distribution week by week, and campaign
//! participation, completion and retention uplift. [`build`] computes them with SQL
//! aggregates over the report facts each commit writes (`facts.rs`); [`replay_build`]
//! computes them from the op log by replaying each member's applied ops through the core, the
//! reference the differential test holds the SQL to. Definitions: `docs/report.md`.

use crate::facts_ledger::{self as fl, Amounts};
use crate::scorecard::{self, CouponValues, Ledger, Membership, Roi, Share};
use crate::store::report_sql::{CampaignWindow, CountQuery, Counts};
use crate::store::{OpRow, Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use zailai::config::Campaign;
use zailai::day::{Date, Day};
use zailai::{view, Config, Op, State};

/// What the report needs of one member: the days with an applied op, and the tier at the end
/// of each week of the range (from a replay of the op log).
#[derive(Debug, Clone)]
pub struct MemberFacts {
    pub user: String,
    pub joined: Day,
    pub active: BTreeSet<Day>,
    /// Effective tier id at the end of each reported week (`None` before joining).
    pub weekly_tier: Vec<Option<String>>,
    /// A paid membership running at the end of the range.
    pub paid: bool,
    /// Campaign id → days of the campaign window with a check-in (checked or made up).
    pub campaigns: BTreeMap<String, u32>,
    /// Campaign id → the day the member joined it.
    pub campaign_joined: BTreeMap<String, Day>,
    /// Campaign id → points credited by the member's ops made as a participant, on its days.
    pub campaign_points: BTreeMap<String, i64>,
    /// Ledger amounts by (day, kind), from the events of the replayed ops.
    pub amounts: Amounts,
    /// The stored state's lots: (last usable day, points).
    pub lots: Vec<(Day, i64)>,
    /// Effective tier index at the end of each day of the range (`None` before joining).
    pub daily_tier: Vec<Option<u8>>,
    /// Campaigns the operator sent the member a message about (`messages_sent`: not ops,
    /// so [`replay_build`] reads them beside the log).
    pub notified: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub retained: u32,
    pub of: u32,
    /// `retained / of`, 4 decimals.
    pub rate: f64,
}

impl Rate {
    fn new(retained: u32, of: u32) -> Option<Rate> {
        (of > 0).then(|| Rate {
            retained,
            of,
            rate: (f64::from(retained) / f64::from(of) * 10_000.0).round() / 10_000.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// First day of the join week.
    pub week: Date,
    pub size: u32,
    /// `None` when no member of the cohort is old enough to tell yet.
    pub d1: Option<Rate>,
    pub d7: Option<Rate>,
    pub d30: Option<Rate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierWeek {
    /// Last day of the week.
    pub week_end: Date,
    pub counts: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignReport {
    pub id: String,
    pub start: Date,
    pub end: Date,
    /// Members with an applied op during the campaign.
    pub active: u32,
    pub participants: u32,
    pub participation: Option<f64>,
    /// Participants who checked in on every day of the campaign.
    pub completed: u32,
    pub completion: Option<f64>,
    /// Active in the 7 days after the campaign: participants, and comparable non-participants
    /// (active in the 7 days before it); `uplift` is the difference of the two rates.
    pub participants_retained: Option<Rate>,
    pub others_retained: Option<Rate>,
    pub uplift: Option<f64>,
    /// Members the operator recorded sending a message about the campaign (`POST
    /// /v1/admin/messages/sent`, kind `campaign`), and those of them taking part (活动参与率
    /// among the notified); `None` while nobody was sent one.
    pub notified: Option<Share>,
    /// Cost against the revenue it brought (`scorecard.rs`).
    pub roi: Roi,
}

/// An A/B experiment to report on (`--experiments FILE`, a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Experiment {
    pub id: String,
    /// 2–8 variant ids; the first is the control.
    pub variants: Vec<String>,
    /// Members who join from this day on take part.
    pub start: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantReport {
    pub id: String,
    pub members: u32,
    pub d7: Option<Rate>,
}

/// A treatment against the control: two-proportion z-test of D7 retention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub variant: String,
    pub z: f64,
    pub p_value: f64,
    /// `p_value` below 0.05.
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentReport {
    pub id: String,
    pub start: Date,
    pub variants: Vec<VariantReport>,
    /// Each treatment against the control; absent when a group has no D7 yet or no variance.
    pub comparisons: Vec<Comparison>,
}

/// Reads an experiments file: `[{"id", "variants": [...], "start": "YYYY-MM-DD"}]`; every
/// problem is reported with its path.
pub fn parse_experiments(text: &str) -> Result<Vec<Experiment>, ReportError> {
    let bad = |path: String, why: &str| ReportError(format!("{path}: {why}"));
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ReportError(format!("not JSON: {e}")))?;
    let list = v
        .as_array()
        .ok_or_else(|| bad("".into(), "an array of experiments"))?;
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let at = |f: &str| format!("[{i}].{f}");
        let id = e["id"]
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .ok_or_else(|| bad(at("id"), "1–64 characters"))?;
        let variants: Vec<String> = e["variants"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let distinct: BTreeSet<&String> = variants.iter().collect();
        if !(2..=8).contains(&variants.len())
            || distinct.len() != variants.len()
            || variants.iter().any(String::is_empty)
            || e["variants"].as_array().map(Vec::len) != Some(variants.len())
        {
            return Err(bad(at("variants"), "2–8 distinct non-empty strings"));
        }
        let start = e["start"]
            .as_str()
            .and_then(Date::parse)
            .ok_or_else(|| bad(at("start"), "a YYYY-MM-DD date"))?;
        if out.iter().any(|x: &Experiment| x.id == id) {
            return Err(bad(at("id"), "used twice"));
        }
        out.push(Experiment {
            id: id.to_owned(),
            variants,
            start,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: Date,
    pub to: Date,
    pub members: u32,
    pub cohorts: Vec<Cohort>,
    /// D7 retention of paid members and of the others (joined in the range).
    pub paid_d7: Option<Rate>,
    pub unpaid_d7: Option<Rate>,
    /// D30 retention of paid members and of the others (joined in the range).
    pub paid_d30: Option<Rate>,
    pub unpaid_d30: Option<Rate>,
    pub tiers: Vec<TierWeek>,
    /// Conversion, upgrades and benefit use (`scorecard.rs`).
    pub membership: Membership,
    /// The points ledger (`scorecard.rs`).
    pub ledger: Ledger,
    pub campaigns: Vec<CampaignReport>,
    pub experiments: Vec<ExperimentReport>,
    /// The scorecard's findings (`diagnoses.rs`): filled by `diagnoses::diagnose` once the
    /// figures are computed, empty until then.
    pub diagnoses: Vec<crate::diagnoses::Diagnosis>,
}

/// A report request that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError(pub String);

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Week boundaries: the first day of each week (by the rules' first weekday) touching the range.
fn weeks(cfg: &Config, from: Day, to: Day) -> Vec<Day> {
    let start = week_start(cfg, from);
    (0..)
        .map(|k| start + 7 * k)
        .take_while(|&w| w <= to)
        .collect()
}

fn week_start(cfg: &Config, day: Day) -> Day {
    day - zailai::day::week_column(day, cfg.first_weekday)
}

/// Replays a member's applied ops, each under the rule version in effect at its `at`, and
/// collects the facts (views under `cfg`); `week_ends` are sampling days.
pub fn facts(
    user: &str,
    stored: &State,
    rows: &[OpRow],
    (cfg, versions): (&Config, &impl zailai::timeline::RulesAt),
    week_ends: &[Day],
    (from, to): (Day, Day),
) -> MemberFacts {
    let clock = cfg.clock();
    let joined = clock.start_of(stored.joined);
    let mut st = State::join(versions.config_at(joined), user, joined);
    let mut weekly_tier = Vec::with_capacity(week_ends.len());
    let mut next = 0;
    let days: Vec<Day> = (from..=to).collect();
    let mut daily_tier = Vec::with_capacity(days.len());
    let mut next_day = 0;
    let tier_index = |st: &State, end: i64| {
        let id = view::tier_progress(st, cfg, end, "en").tier.id;
        cfg.tiers
            .levels
            .iter()
            .position(|t| t.id == id)
            .map(|i| i as u8)
    };
    let sample_days = |st: &State, upto: i64, daily: &mut Vec<Option<u8>>, next: &mut usize| {
        while *next < days.len() && clock.start_of(days[*next] + 1) <= upto {
            let end = clock.start_of(days[*next] + 1) - 1;
            daily.push(
                (days[*next] >= st.joined)
                    .then(|| tier_index(st, end))
                    .flatten(),
            );
            *next += 1;
        }
    };
    let mut amounts = Amounts::new();
    let mut campaign_points: BTreeMap<String, i64> = BTreeMap::new();
    // Each lot's last usable day (from the credits that made it), and each order's day and
    // money so far (paid, refunded), for the events that name them.
    let mut lot_expiry: BTreeMap<Day, Day> = BTreeMap::new();
    let mut orders: BTreeMap<String, (Day, i64, i64)> = BTreeMap::new();
    let sample = |st: &State, upto: i64, weekly: &mut Vec<Option<String>>, next: &mut usize| {
        while *next < week_ends.len() && clock.start_of(week_ends[*next] + 1) <= upto {
            let end = clock.start_of(week_ends[*next] + 1) - 1;
            weekly.push(
                (week_ends[*next] >= st.joined)
                    .then(|| view::tier_progress(st, cfg, end, "en").tier.id),
            );
            *next += 1;
        }
    };
    let mut active = BTreeSet::new();
    for row in rows.iter().filter(|r| r.result == "applied") {
        sample(&st, row.at, &mut weekly_tier, &mut next);
        sample_days(&st, row.at, &mut daily_tier, &mut next_day);
        let day = clock.day_of(row.at);
        // The member's activity: the server's and the merchant's ops (`~` devices) are not.
        if !row.device.starts_with('~') {
            active.insert(day);
        }
        if let Ok(op) = Op::from_json(&row.op) {
            // The server applied it; a replay refusing it would mean other rules: skip it.
            if let Ok(events) = st.apply(versions.config_at(op.at), &op) {
                let source = fl::source(&op.op);
                for e in &events {
                    event_amounts(&mut amounts, e, day, &source, &mut lot_expiry, &mut orders);
                }
                let credited: i64 = events
                    .iter()
                    .map(|e| match e {
                        zailai::Event::PointsCredited { granted, .. } => i64::from(*granted),
                        _ => 0,
                    })
                    .sum();
                for c in cfg
                    .campaigns
                    .iter()
                    .filter(|c| st.campaigns.contains_key(&c.id))
                {
                    let first = c.start.to_day();
                    if credited != 0 && (first..first + i32::from(c.days)).contains(&day) {
                        *campaign_points.entry(c.id.clone()).or_default() += credited;
                    }
                }
            }
        }
    }
    sample(&st, i64::MAX, &mut weekly_tier, &mut next);
    sample_days(&st, i64::MAX, &mut daily_tier, &mut next_day);
    let end = clock.start_of(to + 1) - 1;
    let campaigns = cfg
        .campaigns
        .iter()
        .filter(|c| stored.campaigns.contains_key(&c.id))
        .map(|c| {
            let first = c.start.to_day();
            let days = stored
                .checkins
                .range(first..first + i32::from(c.days))
                .filter(|(_, r)| r.mark != zailai::state::Mark::Frozen)
                .count() as u32;
            (c.id.clone(), days)
        })
        .collect();
    MemberFacts {
        user: user.to_owned(),
        joined: stored.joined,
        active,
        weekly_tier,
        paid: view::tier_progress(stored, cfg, end, "en")
            .paid_until
            .is_some(),
        campaigns,
        notified: BTreeSet::new(),
        campaign_joined: stored
            .campaigns
            .iter()
            .map(|(id, e)| (id.clone(), e.joined))
            .collect(),
        campaign_points,
        amounts,
        lots: stored
            .lots
            .values()
            .map(|l| (l.expires, l.remaining as i64))
            .collect(),
        daily_tier,
    }
}

/// The ledger amounts of one event of an op of business day `day` whose credits count for
/// `source` (the reference's derivation: `facts_ledger` reads the states instead).
fn event_amounts(
    out: &mut Amounts,
    e: &zailai::Event,
    day: Day,
    source: &str,
    lot_expiry: &mut BTreeMap<Day, Day>,
    orders: &mut BTreeMap<String, (Day, i64, i64)>,
) {
    use zailai::Event as E;
    let mut add = |day: Day, kind: String, n: i64| {
        *out.entry((day, kind)).or_default() += n;
    };
    match e {
        E::PointsCredited {
            date,
            granted,
            expires,
            ..
        } => {
            lot_expiry.insert(date.to_day(), expires.to_day());
            add(day, format!("{}{source}", fl::ISSUED), i64::from(*granted));
        }
        E::PointsDebited { amount, .. } => add(day, fl::SPENT.into(), i64::from(*amount)),
        E::PointsRestored {
            restored, expired, ..
        } => {
            add(day, fl::RESTORED.into(), i64::from(*restored + *expired));
            add(day, fl::EXPIRED.into(), i64::from(*expired));
        }
        // A lot runs out the day after its last usable day.
        E::PointsExpired { lot, amount } => {
            let last = lot_expiry.get(&lot.to_day()).copied().unwrap_or(day - 1);
            add(last + 1, fl::EXPIRED.into(), i64::from(*amount));
        }
        E::CouponGranted { coupon, .. } => add(day, format!("{}{coupon}", fl::COUPONS), 1),
        E::ServiceUsed { .. } => add(day, fl::SERVICES.into(), 1),
        E::OrderPlaced {
            order,
            amount_cents,
            deduction_cents,
            coupon,
            ..
        } => {
            let paid = (*amount_cents - *deduction_cents) as i64;
            orders.insert(order.clone(), (day, paid, 0));
            add(day, fl::SPEND_CENTS.into(), paid);
            if coupon.is_some() {
                add(day, fl::COUPONS_USED.into(), 1);
            }
        }
        E::OrderRefunded {
            order,
            amount_cents,
            ..
        } => {
            if let Some((placed, paid, refunded)) = orders.get_mut(order) {
                let back = (*amount_cents as i64).min(*paid - *refunded);
                *refunded += *amount_cents as i64;
                add(*placed, fl::SPEND_CENTS.into(), -back);
            }
        }
        E::OrderCancelled { order, coupon } => {
            if let Some((placed, paid, refunded)) = orders.remove(order) {
                add(placed, fl::SPEND_CENTS.into(), -(paid - refunded).max(0));
            }
            // The coupon given back (not one expired by then).
            if coupon.is_some() {
                add(day, fl::COUPONS_USED.into(), -1);
            }
        }
        _ => {}
    }
}

/// Checks a report's range and returns its days and the week ends it samples.
fn range(cfg: &Config, from: Date, to: Date) -> Result<(Day, Day, Vec<Day>), ReportError> {
    let (first, last) = (from.to_day(), to.to_day());
    if first > last {
        return Err(ReportError(format!(
            "the range {from} … {to} is empty: `from` is after `to`"
        )));
    }
    if last - first > 3 * 366 {
        return Err(ReportError("at most 3 years per report".to_owned()));
    }
    let week_ends = weeks(cfg, first, last).iter().map(|w| w + 6).collect();
    Ok((first, last, week_ends))
}

/// Campaigns whose window touches the range.
fn campaigns_in(cfg: &Config, from: Day, to: Day) -> impl Iterator<Item = &Campaign> {
    cfg.campaigns.iter().filter(move |c| {
        let s = c.start.to_day();
        s <= to && s + i32::from(c.days) > from
    })
}

/// The report for business days `from … to`, from the fact tables (SQL aggregates).
pub async fn build(
    store: &impl Store,
    cfg: &Config,
    (experiments, values): (&[Experiment], &CouponValues),
    from: Date,
    to: Date,
) -> Result<Report, ReportError> {
    let (first, last, week_ends) = range(cfg, from, to)?;
    let io = |e: StoreError| ReportError(e.to_string());
    if !store.facts_complete().await.map_err(io)? {
        return Err(ReportError(
            "the report facts are still being rebuilt from the op logs (after an upgrade): \
             the server that runs the rebuild says when it is done"
                .to_owned(),
        ));
    }
    let query = CountQuery {
        from: first,
        to: last,
        last_sample: week_ends.last().copied().unwrap_or(last),
        campaigns: campaigns_in(cfg, first, last)
            .map(|c| CampaignWindow {
                id: c.id.clone(),
                first: c.start.to_day(),
                last: c.start.to_day() + i32::from(c.days) - 1,
                days: c.days,
            })
            .collect(),
        list_from: experiments
            .iter()
            .map(|e| e.start.to_day().max(first))
            .min(),
        first_balance: scorecard::balance_days(&week_ends, last)
            .first()
            .copied()
            .unwrap_or(last),
        services_from: scorecard::services_from(first),
    };
    let counts = store.report_counts(query.clone()).await.map_err(io)?;
    Ok(from_counts(
        cfg,
        (experiments, values),
        &query,
        &counts,
        &week_ends,
    ))
}

/// The tier id of a level index, as `view::tier_progress` names it.
fn tier_name(cfg: &Config, index: u8) -> String {
    let levels = &cfg.tiers.levels;
    levels
        .get(usize::from(index))
        .or(levels.first())
        .map(|t| t.id.clone())
        .unwrap_or_default()
}

/// Dn retention of grouped members: (joined, returned bits, members).
fn retention_of(groups: &[(Day, u8, u32)], n: i32, to: Day) -> Option<Rate> {
    let bit = crate::facts::return_bit(n);
    let (mut retained, mut of) = (0, 0);
    for &(_, returned, count) in groups.iter().filter(|g| g.0 + n <= to) {
        of += count;
        if returned & bit != 0 {
            retained += count;
        }
    }
    Rate::new(retained, of)
}

/// The report from the database's counts.
fn from_counts(
    cfg: &Config,
    (experiments, values): (&[Experiment], &CouponValues),
    q: &CountQuery,
    counts: &Counts,
    week_ends: &[Day],
) -> Report {
    let to = q.to;
    // Members by tier index on a day, from the tier stretches' starts and ends.
    let members_on = |day: Day| -> BTreeMap<u8, u64> {
        let mut held: BTreeMap<u8, i64> = BTreeMap::new();
        for &(tier, _, n) in counts.tier_starts.iter().filter(|t| t.1 <= day) {
            *held.entry(tier).or_default() += i64::from(n);
        }
        for &(tier, _, n) in counts.tier_ends.iter().filter(|t| t.1 <= day) {
            *held.entry(tier).or_default() -= i64::from(n);
        }
        held.into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| (t, n as u64))
            .collect()
    };
    // The ledger's balance on a day: the lots as they stand, less what changed after it.
    let held_now: i64 = counts.lots.iter().map(|(_, n)| n).sum();
    let balances: Vec<(Day, i64)> = scorecard::balance_days(week_ends, to)
        .into_iter()
        .map(|day| {
            let after: i64 = counts
                .net_after
                .iter()
                .filter(|(d, _)| *d > day)
                .map(|(_, n)| n)
                .sum();
            (day, held_now - after)
        })
        .collect();
    let services_used: i64 = counts.services.iter().map(|(_, n)| n).sum();
    let upgrades: Vec<(u8, u64, u64)> = counts
        .upgrades
        .iter()
        .map(|&(t, n, up)| (t, u64::from(n), u64::from(up)))
        .collect();
    let membership = scorecard::membership(
        cfg,
        (
            counts.joins.iter().map(|j| u64::from(j.3)).sum(),
            counts
                .joins
                .iter()
                .filter(|j| j.1)
                .map(|j| u64::from(j.3))
                .sum(),
        ),
        &upgrades,
        (
            services_used.max(0) as u64,
            scorecard::services_granted(cfg, (q.from, to), members_on),
        ),
        &counts.amounts,
    );
    let ledger = scorecard::ledger(cfg, &counts.amounts, &balances, &counts.lots, (q.from, to));
    let mut by_week: BTreeMap<Day, Vec<(Day, u8, u32)>> = BTreeMap::new();
    for &(joined, _, returned, n) in &counts.joins {
        by_week
            .entry(week_start(cfg, joined))
            .or_default()
            .push((joined, returned, n));
    }
    let cohorts = by_week
        .iter()
        .map(|(&week, groups)| Cohort {
            week: Date::from_day(week),
            size: groups.iter().map(|g| g.2).sum(),
            d1: retention_of(groups, 1, to),
            d7: retention_of(groups, 7, to),
            d30: retention_of(groups, 30, to),
        })
        .collect();
    let paid = |want: bool| -> Vec<(Day, u8, u32)> {
        counts
            .joins
            .iter()
            .filter(|j| j.1 == want)
            .map(|&(joined, _, returned, n)| (joined, returned, n))
            .collect()
    };
    let tiers = week_ends
        .iter()
        .map(|&end| {
            let mut held: BTreeMap<String, i64> = BTreeMap::new();
            for &(tier, _, n) in counts.tier_starts.iter().filter(|t| t.1 <= end) {
                *held.entry(tier_name(cfg, tier)).or_default() += i64::from(n);
            }
            for &(tier, _, n) in counts.tier_ends.iter().filter(|t| t.1 <= end) {
                *held.entry(tier_name(cfg, tier)).or_default() -= i64::from(n);
            }
            TierWeek {
                week_end: Date::from_day(end),
                counts: held
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(id, n)| (id, n as u32))
                    .collect(),
            }
        })
        .collect();
    let campaigns = campaigns_in(cfg, q.from, q.to)
        .zip(&counts.campaigns)
        .map(|(c, n)| {
            let last = c.start.to_day() + i32::from(c.days) - 1;
            let p = Rate::new(n.participants_retained, n.participants);
            let o = Rate::new(n.others_retained, n.others);
            CampaignReport {
                id: c.id.clone(),
                start: c.start,
                end: Date::from_day(last),
                active: n.active,
                participants: n.participants,
                participation: (n.active > 0)
                    .then(|| round4(f64::from(n.participants) / f64::from(n.active))),
                completed: n.completed,
                completion: (n.participants > 0)
                    .then(|| round4(f64::from(n.completed) / f64::from(n.participants))),
                participants_retained: p,
                others_retained: o,
                uplift: p.zip(o).map(|(p, o)| round4(p.rate - o.rate)),
                notified: Share::new(u64::from(n.notified_participants), u64::from(n.notified)),
                roi: scorecard::roi(
                    cfg,
                    values,
                    (n.points, &n.coupons),
                    (n.participants, n.revenue),
                    (n.others, n.others_revenue),
                ),
            }
        })
        .collect();
    Report {
        from: Date::from_day(q.from),
        to: Date::from_day(to),
        members: counts.members,
        cohorts,
        paid_d7: retention_of(&paid(true), 7, to),
        unpaid_d7: retention_of(&paid(false), 7, to),
        paid_d30: retention_of(&paid(true), 30, to),
        unpaid_d30: retention_of(&paid(false), 30, to),
        tiers,
        membership,
        ledger,
        campaigns,
        experiments: experiments
            .iter()
            .map(|e| {
                let start = e.start.to_day();
                let variants = e
                    .variants
                    .iter()
                    .map(|v| {
                        let group: Vec<(Day, u8, u32)> = counts
                            .listed
                            .iter()
                            .filter(|(user, joined, _)| {
                                *joined >= start
                                    && zailai::experiment::variant(&e.id, user, &e.variants)
                                        == Some(v)
                            })
                            .map(|&(_, joined, returned)| (joined, returned, 1))
                            .collect();
                        VariantReport {
                            id: v.clone(),
                            members: group.len() as u32,
                            d7: retention_of(&group, 7, to),
                        }
                    })
                    .collect();
                experiment_report(e, variants)
            })
            .collect(),
        diagnoses: Vec::new(),
    }
}

/// Reads every member and their op log from the store and builds the report by replaying
/// each log under the database's rule versions (`cfg` alone before any is stored; the views
/// under `cfg`): the reference for [`build`]; slow: every op of every member goes through the
/// core.
pub async fn replay_build(
    store: &impl Store,
    cfg: &Config,
    (experiments, values): (&[Experiment], &CouponValues),
    from: Date,
    to: Date,
) -> Result<Report, ReportError> {
    let (first, last, week_ends) = range(cfg, from, to)?;
    let mut members = Vec::new();
    let io = |e: StoreError| ReportError(e.to_string());
    let versions = match crate::versions::load(store).await.map_err(io)? {
        Some((timeline, _)) => timeline,
        None => zailai::timeline::Timeline::single(cfg.clone()),
    };
    let mut notices: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (campaign, user) in store.campaign_notices().await.map_err(io)? {
        notices.entry(user).or_default().insert(campaign);
    }
    for user in store.users().await.map_err(io)? {
        let Some(record) = store.load(&user).await.map_err(io)? else {
            continue;
        };
        let rows = store.ops(&user).await.map_err(io)?;
        let mut member = facts(
            &user,
            &record.state,
            &rows,
            (cfg, &versions),
            &week_ends,
            (first, last),
        );
        member.notified = notices.remove(&user).unwrap_or_default();
        members.push(member);
    }
    Ok(compute(
        cfg,
        (experiments, values),
        &members,
        (first, last),
        &week_ends,
    ))
}

/// Dn retention: of members who joined in the range and are `n` days old by `to`, those with
/// an op on their day `n` (day 0 = the join day).
fn retention<'a>(members: impl Iterator<Item = &'a MemberFacts>, n: i32, to: Day) -> Option<Rate> {
    let (mut retained, mut of) = (0, 0);
    for m in members.filter(|m| m.joined + n <= to) {
        of += 1;
        if m.active.contains(&(m.joined + n)) {
            retained += 1;
        }
    }
    Rate::new(retained, of)
}

fn active_between(m: &MemberFacts, from: Day, to: Day) -> bool {
    m.active.range(from..=to).next().is_some()
}

/// Ledger amounts by kind of `members` on the days `first..=last`.
fn amounts_between<'a>(
    members: impl Iterator<Item = &'a MemberFacts>,
    first: Day,
    last: Day,
) -> Vec<(String, i64)> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for m in members {
        for ((day, kind), n) in &m.amounts {
            if (first..=last).contains(day) {
                *out.entry(kind.clone()).or_default() += n;
            }
        }
    }
    out.into_iter().collect()
}

/// How an amount of `kind` moves members' points.
fn net(kind: &str, n: i64) -> i64 {
    match kind {
        fl::SPENT | fl::EXPIRED => -n,
        fl::RESTORED => n,
        k if k.starts_with(fl::ISSUED) => n,
        _ => 0,
    }
}

/// The scorecard's membership and ledger, from the replayed members.
fn scorecard_of(
    cfg: &Config,
    members: &[MemberFacts],
    (from, to): (Day, Day),
    week_ends: &[Day],
) -> (Membership, Ledger) {
    let in_range = amounts_between(members.iter(), from, to);
    let balances: Vec<(Day, i64)> = scorecard::balance_days(week_ends, to)
        .into_iter()
        .map(|day| {
            let held = members
                .iter()
                .flat_map(|m| &m.amounts)
                .filter(|((d, _), _)| *d <= day)
                .map(|((_, kind), n)| net(kind, *n))
                .sum();
            (day, held)
        })
        .collect();
    let mut lots: BTreeMap<Day, i64> = BTreeMap::new();
    for &(expires, n) in members.iter().flat_map(|m| &m.lots) {
        *lots.entry(expires).or_default() += n;
    }
    let lots: Vec<(Day, i64)> = lots.into_iter().collect();
    let joined: Vec<&MemberFacts> = members
        .iter()
        .filter(|m| (from..=to).contains(&m.joined))
        .collect();
    let paid = joined.iter().filter(|m| m.paid).count() as u64;
    let mut upgrades: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
    for m in members {
        if let Some(Some(held)) = m.daily_tier.first() {
            let up = m.daily_tier[1..]
                .iter()
                .any(|t| t.is_some_and(|t| t > *held));
            let e = upgrades.entry(*held).or_default();
            e.0 += 1;
            e.1 += u64::from(up);
        }
    }
    let upgrades: Vec<(u8, u64, u64)> = upgrades
        .into_iter()
        .map(|(t, (n, up))| (t, n, up))
        .collect();
    let used: i64 = amounts_between(members.iter(), scorecard::services_from(from), to)
        .iter()
        .filter(|(k, _)| k == fl::SERVICES)
        .map(|(_, n)| n)
        .sum();
    let members_on = |day: Day| {
        let mut by_tier: BTreeMap<u8, u64> = BTreeMap::new();
        for m in members {
            if let Some(Some(t)) = m.daily_tier.get((day - from) as usize) {
                *by_tier.entry(*t).or_default() += 1;
            }
        }
        by_tier
    };
    let membership = scorecard::membership(
        cfg,
        (joined.len() as u64, paid),
        &upgrades,
        (
            used.max(0) as u64,
            scorecard::services_granted(cfg, (from, to), members_on),
        ),
        &in_range,
    );
    let ledger = scorecard::ledger(cfg, &in_range, &balances, &lots, (from, to));
    (membership, ledger)
}

pub fn compute(
    cfg: &Config,
    (experiments, values): (&[Experiment], &CouponValues),
    members: &[MemberFacts],
    (from, to): (Day, Day),
    week_ends: &[Day],
) -> Report {
    let (membership, ledger) = scorecard_of(cfg, members, (from, to), week_ends);
    let joined_in_range: Vec<&MemberFacts> = members
        .iter()
        .filter(|m| (from..=to).contains(&m.joined))
        .collect();
    let mut by_week: BTreeMap<Day, Vec<&MemberFacts>> = BTreeMap::new();
    for m in &joined_in_range {
        by_week
            .entry(week_start(cfg, m.joined))
            .or_default()
            .push(m);
    }
    let cohorts = by_week
        .iter()
        .map(|(&week, ms)| Cohort {
            week: Date::from_day(week),
            size: ms.len() as u32,
            d1: retention(ms.iter().copied(), 1, to),
            d7: retention(ms.iter().copied(), 7, to),
            d30: retention(ms.iter().copied(), 30, to),
        })
        .collect();
    let tiers = week_ends
        .iter()
        .enumerate()
        .map(|(i, &end)| {
            let mut counts = BTreeMap::new();
            for m in members {
                if let Some(Some(tier)) = m.weekly_tier.get(i) {
                    *counts.entry(tier.clone()).or_insert(0) += 1;
                }
            }
            TierWeek {
                week_end: Date::from_day(end),
                counts,
            }
        })
        .collect();
    let campaigns = campaigns_in(cfg, from, to)
        .map(|c| campaign(cfg, values, c, members))
        .collect();
    Report {
        from: Date::from_day(from),
        to: Date::from_day(to),
        members: members.len() as u32,
        cohorts,
        paid_d7: retention(joined_in_range.iter().copied().filter(|m| m.paid), 7, to),
        unpaid_d7: retention(joined_in_range.iter().copied().filter(|m| !m.paid), 7, to),
        paid_d30: retention(joined_in_range.iter().copied().filter(|m| m.paid), 30, to),
        unpaid_d30: retention(joined_in_range.iter().copied().filter(|m| !m.paid), 30, to),
        tiers,
        membership,
        ledger,
        campaigns,
        experiments: experiments
            .iter()
            .map(|e| experiment(e, &joined_in_range, to))
            .collect(),
        diagnoses: Vec::new(),
    }
}

fn experiment(e: &Experiment, joined_in_range: &[&MemberFacts], to: Day) -> ExperimentReport {
    let start = e.start.to_day();
    let variants: Vec<VariantReport> = e
        .variants
        .iter()
        .map(|v| {
            let group: Vec<&MemberFacts> = joined_in_range
                .iter()
                .copied()
                .filter(|m| m.joined >= start)
                .filter(|m| zailai::experiment::variant(&e.id, &m.user, &e.variants) == Some(v))
                .collect();
            VariantReport {
                id: v.clone(),
                members: group.len() as u32,
                d7: retention(group.iter().copied(), 7, to),
            }
        })
        .collect();
    experiment_report(e, variants)
}

/// An experiment's report from its variants' figures: each treatment against the control.
fn experiment_report(e: &Experiment, variants: Vec<VariantReport>) -> ExperimentReport {
    let comparisons = match variants.first().and_then(|c| c.d7) {
        None => Vec::new(),
        Some(control) => variants[1..]
            .iter()
            .filter_map(|v| {
                let d7 = v.d7?;
                let (z, p) =
                    zailai::experiment::z_test(d7.retained, d7.of, control.retained, control.of)?;
                Some(Comparison {
                    variant: v.id.clone(),
                    z: round4(z),
                    p_value: round4(p),
                    significant: p < 0.05,
                })
            })
            .collect(),
    };
    ExperimentReport {
        id: e.id.clone(),
        start: e.start,
        variants,
        comparisons,
    }
}

fn campaign(
    cfg: &Config,
    values: &CouponValues,
    c: &Campaign,
    members: &[MemberFacts],
) -> CampaignReport {
    let first = c.start.to_day();
    let last = first + i32::from(c.days) - 1;
    let active = members
        .iter()
        .filter(|m| active_between(m, first, last))
        .count() as u32;
    let participants: Vec<&MemberFacts> = members
        .iter()
        .filter(|m| m.campaigns.contains_key(&c.id))
        .collect();
    let completed = participants
        .iter()
        .filter(|m| m.campaigns[&c.id] >= u32::from(c.days))
        .count() as u32;
    let share = |group: &[&MemberFacts]| {
        let retained = group
            .iter()
            .filter(|m| active_between(m, last + 1, last + 7))
            .count();
        Rate::new(retained as u32, group.len() as u32)
    };
    let others: Vec<&MemberFacts> = members
        .iter()
        .filter(|m| !m.campaigns.contains_key(&c.id) && active_between(m, first - 7, first - 1))
        .collect();
    let (p, o) = (share(&participants), share(&others));
    let n = participants.len() as u32;
    // The campaign's cost: points and coupons its participants got in it, from the day each
    // joined it; its revenue: their order money from its first day to the 7th after it.
    let (mut points, mut coupons) = (0, BTreeMap::<String, i64>::new());
    for m in &participants {
        points += m.campaign_points.get(&c.id).copied().unwrap_or(0);
        let since = m
            .campaign_joined
            .get(&c.id)
            .copied()
            .unwrap_or(first)
            .max(first);
        for ((_, kind), x) in m
            .amounts
            .iter()
            .filter(|((d, _), _)| (since..=last).contains(d))
        {
            if let Some(coupon) = kind.strip_prefix(fl::COUPONS) {
                *coupons.entry(coupon.to_owned()).or_default() += x;
            }
        }
    }
    let coupons: Vec<(String, i64)> = coupons.into_iter().collect();
    let spend = |group: &[&MemberFacts]| -> i64 {
        amounts_between(group.iter().copied(), first, last + 7)
            .iter()
            .filter(|(k, _)| k == fl::SPEND_CENTS)
            .map(|(_, x)| x)
            .sum()
    };
    let (revenue, others_revenue) = (spend(&participants), spend(&others));
    // 活动参与率 among the notified: of the members sent a message about it, those taking part.
    let notified = members.iter().filter(|m| m.notified.contains(&c.id));
    let (sent, took_part) = notified.fold((0, 0), |(sent, took), m| {
        (sent + 1, took + u64::from(m.campaigns.contains_key(&c.id)))
    });
    CampaignReport {
        id: c.id.clone(),
        start: c.start,
        end: Date::from_day(last),
        active,
        participants: n,
        participation: (active > 0).then(|| round4(f64::from(n) / f64::from(active))),
        completed,
        completion: (n > 0).then(|| round4(f64::from(completed) / f64::from(n))),
        participants_retained: p,
        others_retained: o,
        uplift: p.zip(o).map(|(p, o)| round4(p.rate - o.rate)),
        notified: Share::new(took_part, sent),
        roi: scorecard::roi(
            cfg,
            values,
            (points, &coupons),
            (n, revenue),
            (others.len() as u32, others_revenue),
        ),
    }
}

/// `YYYY-MM-DD` for error messages and CLI arguments.
pub fn parse_date(name: &str, s: &str) -> Result<Date, ReportError> {
    Date::parse(s).ok_or_else(|| ReportError(format!("--{name} `{s}` is not a YYYY-MM-DD date")))
}
