//! What-if on real history (issue 26, `docs/rules-lifecycle.md`, "What-if"): the members' op
//! logs replayed from a day on under a candidate rule set beside the current rules, and what
//! an operator decides on summed by week. The assumption: members behave as they did (the
//! same ops at the same times); an op the candidate refuses is refused, and counted.
//!
//! [`what_if`] is a pure function of (op logs, current timeline, candidate timeline, days):
//! the store is read by [`load`], the report written by [`report`]. Members are replayed on
//! every core at once (`std::thread::scope`; no new dependency).

pub mod load;
pub mod replay;
pub mod report;
pub mod tally;
mod text;

use crate::facts::FactRules;
use replay::{Changed, MemberLog, Plan};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tally::Tally;
use zailai::day::{Date, Day};
use zailai::timeline::{Timeline, Version};
use zailai::Config;

/// Members whose tier or balance changes most, listed by id.
pub const CHANGED_LISTED: usize = 20;

/// Longest stretch a what-if replays, in business days.
pub const MAX_DAYS: i32 = 366;

/// Why a what-if cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIfError(pub String);

impl std::fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The days replayed and the members they stand for.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// First business day the candidate is in effect (and the first week's first day).
    pub from: Day,
    /// Last business day replayed.
    pub to: Day,
    /// Members in the program: the logs' count when every member is replayed, more when the
    /// logs are a simple random sample of them (totals are then estimates, with intervals).
    pub population: u64,
}

/// The current timeline with `candidate` in effect from `from_ms` on: the versions in effect
/// before it kept, every later one (scheduled or not) replaced by the candidate.
pub fn candidate_timeline(current: &Timeline, candidate: Config, from_ms: i64) -> Timeline {
    let mut versions: Vec<Version> = current
        .versions()
        .iter()
        .filter(|v| v.effective_from < from_ms)
        .cloned()
        .collect();
    let number = current
        .versions()
        .iter()
        .map(|v| v.number)
        .max()
        .unwrap_or(0)
        + 1;
    versions.push(Version::new(number, from_ms, candidate));
    // Distinct instants by construction (kept ones are before `from_ms`): never `None`.
    Timeline::from_versions(versions).unwrap_or_else(|| current.clone())
}

/// Everything summed over the members replayed.
#[derive(Debug, Clone, Default)]
pub struct Replayed {
    pub tally: Tally,
    /// Ops each side refused, by code: current (a faithful replay refuses none), candidate.
    pub refused: [BTreeMap<String, u64>; 2],
    /// Ops replayed from the first week on.
    pub ops: u64,
    /// The members whose tier or balance changes most, most first ([`CHANGED_LISTED`]).
    pub changed: Vec<Changed>,
}

impl Replayed {
    /// Sums of no member yet, for `weeks` weeks.
    pub fn new(weeks: usize) -> Replayed {
        Replayed {
            tally: Tally::new(weeks),
            ..Replayed::default()
        }
    }

    /// Adds the sums of other members (replayed apart: another thread, another batch).
    pub fn merge(&mut self, other: Replayed) {
        self.tally.merge(other.tally);
        for (mine, theirs) in self.refused.iter_mut().zip(other.refused) {
            for (code, n) in theirs {
                *mine.entry(code).or_default() += n;
            }
        }
        self.ops += other.ops;
        self.changed.extend(other.changed);
        keep_most_changed(&mut self.changed);
    }
}

fn keep_most_changed(changed: &mut Vec<Changed>) {
    changed.sort_by_cached_key(Changed::rank_key);
    changed.truncate(CHANGED_LISTED);
}

/// Members a worker takes at a time (small enough to share the tail between cores).
const BATCH: usize = 64;

/// Replays every log under `plan` on `threads` threads.
fn replay_all(plan: &Plan, logs: &[MemberLog], threads: usize) -> Replayed {
    let next = AtomicUsize::new(0);
    let total = Mutex::new(Replayed::new(plan.weeks.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut mine = Replayed::new(plan.weeks.len());
                loop {
                    let first = next.fetch_add(BATCH, Ordering::Relaxed);
                    if first >= logs.len() {
                        break;
                    }
                    for log in &logs[first..(first + BATCH).min(logs.len())] {
                        let out = replay::replay(plan, log);
                        mine.tally.add_member(&out.weeks);
                        for (mine, theirs) in mine.refused.iter_mut().zip(out.refused) {
                            for (code, n) in theirs {
                                *mine.entry(code).or_default() += n;
                            }
                        }
                        mine.ops += out.ops;
                        mine.changed.extend(out.changed);
                        if mine.changed.len() > 8 * CHANGED_LISTED {
                            keep_most_changed(&mut mine.changed);
                        }
                    }
                }
                keep_most_changed(&mut mine.changed);
                // A poisoned lock means another worker panicked: the scope re-raises it.
                if let Ok(mut total) = total.lock() {
                    total.merge(mine);
                }
            });
        }
    });
    total.into_inner().unwrap_or_default()
}

/// The weeks of `from ..= to`: seven business days each from `from`, the last one shorter
/// when the stretch is not a whole number of weeks.
pub fn weeks(from: Day, to: Day) -> Vec<(Day, Day)> {
    (from..=to)
        .step_by(7)
        .map(|first| (first, (first + 6).min(to)))
        .collect()
}

/// The rules of the config in effect at the end of `last` on `timeline`, as the facts and
/// the tiers' ids need them.
fn rules_at(timeline: &Timeline, start_of_next: i64) -> (FactRules, Vec<String>) {
    let cfg = timeline.config_at(start_of_next - 1);
    let ids = cfg.tiers.levels.iter().map(|t| t.id.clone()).collect();
    (FactRules::of(cfg), ids)
}

/// A what-if ready to replay members: the timelines checked, the weeks and what the facts
/// need of the rules in effect at each week's end. Members can be replayed in parts
/// ([`Prepared::replay`]) and the parts merged ([`Replayed::merge`]) before the report.
pub struct Prepared {
    plan: Plan,
    window: Window,
}

impl Prepared {
    /// Checks that `current` and `candidate` agree before the first week (the candidate's is
    /// the current one with the candidate from then on: [`candidate_timeline`]) and on the
    /// business day (weeks are compared day by day), and the days and the population.
    pub fn new(
        current: Timeline,
        candidate: Timeline,
        window: Window,
    ) -> Result<Prepared, WhatIfError> {
        let (from, to) = (window.from, window.to);
        if to < from {
            return Err(WhatIfError(format!(
                "to ({}) is before from ({})",
                Date::from_day(to),
                Date::from_day(from)
            )));
        }
        if to - from >= MAX_DAYS {
            return Err(WhatIfError(format!(
                "from {} to {} is more than {MAX_DAYS} days: replay a shorter stretch",
                Date::from_day(from),
                Date::from_day(to)
            )));
        }
        let clock = current.config_at(i64::MIN).clock();
        let start = clock.start_of(from);
        let end = clock.start_of(to + 1);
        let differs = current
            .versions()
            .iter()
            .chain(candidate.versions())
            .filter(|v| v.effective_from < end)
            .find(|v| v.config.clock() != clock);
        if let Some(v) = differs {
            return Err(WhatIfError(format!(
                "version {} ({}) has another business day (UTC offset, day start): a what-if \
                 compares the same days on both sides",
                v.number, v.hash
            )));
        }
        let before = |t: &Timeline| -> Vec<(i64, String)> {
            t.versions()
                .iter()
                .filter(|v| v.effective_from < start)
                .map(|v| (v.effective_from, v.hash.clone()))
                .collect()
        };
        if before(&current) != before(&candidate) {
            return Err(WhatIfError(format!(
                "the candidate timeline differs from the current one before {}: it must be the \
                 current one with the candidate from then on",
                Date::from_day(from)
            )));
        }
        let weeks = weeks(from, to);
        let rules = weeks
            .iter()
            .map(|&(_, last)| {
                let next = clock.start_of(last + 1);
                [rules_at(&current, next), rules_at(&candidate, next)]
            })
            .collect();
        let plan = Plan {
            before: rules_at(&current, start),
            sides: [current, candidate],
            clock,
            rules,
            weeks,
        };
        Ok(Prepared { plan, window })
    }

    /// Replays `logs` on `threads` threads.
    pub fn replay(&self, logs: &[MemberLog], threads: usize) -> Replayed {
        replay_all(&self.plan, logs, threads)
    }

    /// The report of the members replayed (every part merged).
    pub fn report(&self, replayed: &Replayed) -> Result<report::Report, WhatIfError> {
        if self.window.population < replayed.tally.members {
            return Err(WhatIfError(format!(
                "population {} is smaller than the {} members replayed",
                self.window.population, replayed.tally.members
            )));
        }
        Ok(report::Report::new(&self.plan, replayed, self.window))
    }

    /// Weeks replayed.
    pub fn weeks(&self) -> usize {
        self.plan.weeks.len()
    }
}

/// The what-if: `logs` replayed from `window.from` under `current` and under `candidate`,
/// on `threads` threads ([`Prepared`] says what the timelines must be).
pub fn what_if(
    logs: &[MemberLog],
    current: &Timeline,
    candidate: &Timeline,
    window: Window,
    threads: usize,
) -> Result<report::Report, WhatIfError> {
    let prepared = Prepared::new(current.clone(), candidate.clone(), window)?;
    prepared.report(&prepared.replay(logs, threads))
}
