//! The what-if against a server's store: the current timeline, the members (all or a
//! sample) and their op logs a batch at a time, each batch replayed ([`Prepared::replay`])
//! while the next ones are read.

use super::replay::MemberLog;
use super::{candidate_timeline, report::Report, Prepared, Replayed, WhatIfError, Window};
use crate::store::{MemberOps, Store, StoreError};
use futures_util::{StreamExt, TryStreamExt};
use std::sync::Arc;
use zailai::day::Date;
use zailai::timeline::Timeline;
use zailai::{Config, Op};

/// The rules the server runs, as a timeline: the database's published versions
/// (`docs/rules-lifecycle.md`), or `cfg` alone for a database that has none yet.
pub async fn current_timeline(store: &impl Store, cfg: &Config) -> Result<Timeline, StoreError> {
    Ok(match crate::versions::load(store).await? {
        Some((timeline, _)) => timeline,
        None => Timeline::single(cfg.clone()),
    })
}

/// A member's place in a sample: a hash of the id (FNV-1a, then SplitMix64's finalizer), so
/// the `n` smallest are a simple random sample of members, the same one on every run.
fn sample_key(user: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// `n` members of `users` drawn at random (all of them when `n` is none or not smaller).
pub fn sample(mut users: Vec<String>, n: Option<usize>) -> Vec<String> {
    match n {
        Some(n) if n < users.len() => {
            users.sort_by_cached_key(|u| (sample_key(u), u.clone()));
            users.truncate(n);
            users.sort();
            users
        }
        _ => users,
    }
}

/// Why a what-if over a store did not run.
#[derive(Debug)]
pub enum RunError {
    /// What was asked cannot be done (the days, the sample, the candidate's business day).
    Request(WhatIfError),
    /// The store failed, or holds an op it cannot read back.
    Store(StoreError),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Request(e) => e.fmt(f),
            RunError::Store(e) => e.fmt(f),
        }
    }
}

/// Members read in one store call, and batches under way at once. Each batch is read, then
/// parsed and replayed on a blocking thread while the next ones are read: both cores work,
/// and only the batches under way are in memory, never every log at once.
pub const BATCH: usize = 500;
const IN_FLIGHT: usize = 4;

/// A member's applied ops parsed, in arrival order.
fn parse(m: MemberOps) -> Result<MemberLog, StoreError> {
    let ops = m
        .rows
        .iter()
        .filter(|r| r.result == "applied")
        .map(|r| {
            Op::from_json(&r.op).map_err(|e| {
                StoreError(format!(
                    "member `{}`: logged op {} #{} is unreadable: {e}",
                    m.user, r.device, r.seq
                ))
            })
        })
        .collect::<Result<Vec<Op>, _>>()?;
    Ok(MemberLog {
        user: m.user,
        joined: m.joined,
        ops,
    })
}

/// What a what-if is asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub candidate: Config,
    pub from: Date,
    pub to: Date,
    /// Replay a random sample of this many members instead of all.
    pub sample: Option<usize>,
}

/// What a what-if read, and how long it took (the CLI prints it on stderr; the benchmark
/// reads it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Reading the members' logs and replaying them, together.
    pub elapsed: std::time::Duration,
    /// Applied ops read (every day of the members replayed).
    pub ops: u64,
    /// Batches of [`BATCH`] members read and replayed at once.
    pub in_flight: usize,
}

/// Runs a what-if over `store` against the server's rules `cfg`: reads the members (or a
/// sample) and replays them on every core.
pub async fn run(store: &impl Store, cfg: &Config, req: Request) -> Result<Report, RunError> {
    run_timed(store, cfg, req).await.map(|(report, _)| report)
}

/// [`run`], with what it read and how long it took.
pub async fn run_timed(
    store: &impl Store,
    cfg: &Config,
    req: Request,
) -> Result<(Report, Timing), RunError> {
    let started = std::time::Instant::now();
    if req.sample.is_some_and(|n| n < 2) {
        return Err(RunError::Request(WhatIfError(
            "sample: at least 2 members (an interval needs a variance)".to_owned(),
        )));
    }
    let users = store.users().await.map_err(RunError::Store)?;
    let window = Window {
        from: req.from.to_day(),
        to: req.to.to_day(),
        population: users.len() as u64,
    };
    let current = current_timeline(store, cfg)
        .await
        .map_err(RunError::Store)?;
    let from_ms = cfg.clock().start_of(window.from);
    let candidate = candidate_timeline(&current, req.candidate, from_ms);
    let prepared = Arc::new(Prepared::new(current, candidate, window).map_err(RunError::Request)?);
    let batches: Vec<Vec<String>> = sample(users, req.sample)
        .chunks(BATCH)
        .map(<[String]>::to_vec)
        .collect();
    let failed = |e: tokio::task::JoinError| StoreError(format!("the replay failed: {e}"));
    let parts: Vec<(Replayed, u64)> = futures_util::stream::iter(batches)
        .map(|batch| {
            let prepared = prepared.clone();
            async move {
                let members = store.op_logs(batch).await?;
                tokio::task::spawn_blocking(move || {
                    let logs = members
                        .into_iter()
                        .map(parse)
                        .collect::<Result<Vec<_>, _>>()?;
                    let ops = logs.iter().map(|l| l.ops.len() as u64).sum();
                    Ok((prepared.replay(&logs, 1), ops))
                })
                .await
                .map_err(failed)?
            }
        })
        .buffered(IN_FLIGHT)
        .try_collect()
        .await
        .map_err(RunError::Store)?;
    let mut total = Replayed::new(prepared.weeks());
    let mut ops = 0;
    for (part, n) in parts {
        total.merge(part);
        ops += n;
    }
    let report = prepared.report(&total).map_err(RunError::Request)?;
    let timing = Timing {
        elapsed: started.elapsed(),
        ops,
        in_flight: IN_FLIGHT,
    };
    Ok((report, timing))
}
