//! The what-if against a server's store: the current timeline, the members (all or a
//! sample), their op logs, then the pure [`super::what_if`] on every core.

use super::replay::MemberLog;
use super::{candidate_timeline, report::Report, what_if, WhatIfError, Window};
use crate::store::{Store, StoreError};
use futures_util::{StreamExt, TryStreamExt};
use zailai::day::Date;
use zailai::timeline::Timeline;
use zailai::{Config, Op};

/// The rules the server runs, as a timeline. Until stored rule versions land, that is one
/// version, the server's `--config`, in effect at every instant.
pub fn current_timeline(cfg: &Config) -> Timeline {
    Timeline::single(cfg.clone())
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

/// Members read at once (each read is a store call of its own).
const READ_AHEAD: usize = 16;

/// The op logs of `users`: the ops the server applied, in arrival order, with the day each
/// member joined. A member the store no longer has is left out.
pub async fn logs(store: &impl Store, users: Vec<String>) -> Result<Vec<MemberLog>, StoreError> {
    let found: Vec<Option<MemberLog>> = futures_util::stream::iter(users)
        .map(|user| async move {
            let Some(record) = store.load(&user).await? else {
                return Ok(None);
            };
            let rows = store.ops(&user).await?;
            let ops = rows
                .iter()
                .filter(|r| r.result == "applied")
                .map(|r| {
                    Op::from_json(&r.op).map_err(|e| {
                        StoreError(format!(
                            "member `{user}`: logged op {} #{} is unreadable: {e}",
                            r.device, r.seq
                        ))
                    })
                })
                .collect::<Result<Vec<Op>, _>>()?;
            Ok(Some(MemberLog {
                joined: record.state.joined,
                user,
                ops,
            }))
        })
        .buffered(READ_AHEAD)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
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

/// Runs a what-if over `store` against the server's rules `cfg`: reads the members (or a
/// sample), then replays them on every core.
pub async fn run(store: &impl Store, cfg: &Config, req: Request) -> Result<Report, RunError> {
    if req.sample.is_some_and(|n| n < 2) {
        return Err(RunError::Request(WhatIfError(
            "sample: at least 2 members (an interval needs a variance)".to_owned(),
        )));
    }
    let users = store.users().await.map_err(RunError::Store)?;
    let population = users.len() as u64;
    let logs = logs(store, sample(users, req.sample))
        .await
        .map_err(RunError::Store)?;
    let current = current_timeline(cfg);
    let from_ms = cfg.clock().start_of(req.from.to_day());
    let candidate = candidate_timeline(&current, req.candidate, from_ms);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let window = Window {
        from: req.from.to_day(),
        to: req.to.to_day(),
        population,
    };
    // The replay is CPU work on every core: off the async threads.
    tokio::task::spawn_blocking(move || what_if(&logs, &current, &candidate, window, threads))
        .await
        .map_err(|e| RunError::Store(StoreError(format!("the replay failed: {e}"))))?
        .map_err(RunError::Request)
}
