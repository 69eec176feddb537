//! The operator's numbers (`zailai report`, `GET /v1/admin/report`): retention by weekly
//! cohort, members vs non-members, tier distribution week by week, and campaign
//! participation, completion and retention uplift. Computed from the op log by replaying each
//! member's applied ops through the core, so the figures rest on the same rules as the state.
//! Definitions: `docs/report.md`.

use crate::store::{OpRow, Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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
    pub tiers: Vec<TierWeek>,
    pub campaigns: Vec<CampaignReport>,
    pub experiments: Vec<ExperimentReport>,
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

/// Replays a member's applied ops and collects the facts; `week_ends` are sampling days.
pub fn facts(
    user: &str,
    stored: &State,
    rows: &[OpRow],
    cfg: &Config,
    week_ends: &[Day],
    to: Day,
) -> MemberFacts {
    let clock = cfg.clock();
    let mut st = State::join(cfg, user, clock.start_of(stored.joined));
    let mut weekly_tier = Vec::with_capacity(week_ends.len());
    let mut next = 0;
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
        active.insert(clock.day_of(row.at));
        if let Ok(op) = Op::from_json(&row.op) {
            // The server applied it; a replay refusing it would mean other rules: skip it.
            let _ = st.apply(cfg, &op);
        }
    }
    sample(&st, i64::MAX, &mut weekly_tier, &mut next);
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
    }
}

/// Reads every member from the store and builds the report for business days `from … to`.
pub async fn build(
    store: &impl Store,
    cfg: &Config,
    experiments: &[Experiment],
    from: Date,
    to: Date,
) -> Result<Report, ReportError> {
    let (first, last) = (from.to_day(), to.to_day());
    if first > last {
        return Err(ReportError(format!(
            "the range {from} … {to} is empty: `from` is after `to`"
        )));
    }
    if last - first > 3 * 366 {
        return Err(ReportError("at most 3 years per report".to_owned()));
    }
    let week_ends: Vec<Day> = weeks(cfg, first, last).iter().map(|w| w + 6).collect();
    let mut members = Vec::new();
    let io = |e: StoreError| ReportError(e.to_string());
    for user in store.users().await.map_err(io)? {
        let Some(record) = store.load(&user).await.map_err(io)? else {
            continue;
        };
        let rows = store.ops(&user).await.map_err(io)?;
        members.push(facts(&user, &record.state, &rows, cfg, &week_ends, last));
    }
    Ok(compute(cfg, experiments, &members, first, last, &week_ends))
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

pub fn compute(
    cfg: &Config,
    experiments: &[Experiment],
    members: &[MemberFacts],
    from: Day,
    to: Day,
    week_ends: &[Day],
) -> Report {
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
    let campaigns = cfg
        .campaigns
        .iter()
        .filter(|c| {
            let s = c.start.to_day();
            s <= to && s + i32::from(c.days) > from
        })
        .map(|c| campaign(c, members))
        .collect();
    Report {
        from: Date::from_day(from),
        to: Date::from_day(to),
        members: members.len() as u32,
        cohorts,
        paid_d7: retention(joined_in_range.iter().copied().filter(|m| m.paid), 7, to),
        unpaid_d7: retention(joined_in_range.iter().copied().filter(|m| !m.paid), 7, to),
        tiers,
        campaigns,
        experiments: experiments
            .iter()
            .map(|e| experiment(e, &joined_in_range, to))
            .collect(),
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

fn campaign(c: &zailai::config::Campaign, members: &[MemberFacts]) -> CampaignReport {
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
    }
}

/// `YYYY-MM-DD` for error messages and CLI arguments.
pub fn parse_date(name: &str, s: &str) -> Result<Date, ReportError> {
    Date::parse(s).ok_or_else(|| ReportError(format!("--{name} `{s}` is not a YYYY-MM-DD date")))
}
