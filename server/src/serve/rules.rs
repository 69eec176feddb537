//! The rule versions a running server holds (issue 26): the timeline read from
//! `rule_versions`, each version encoded once for `GET /v1/config`, re-read every
//! `--rules-poll-seconds` and before applying anything once the last read is older than twice
//! that (`crate::versions::LEAD_MS` says why that bound suffices).

use crate::facts::FactTimeline;
use crate::store::{AnyStore, Store, StoreError};
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use zailai::timeline::{Timeline, Version};
use zailai::Config;

/// A version as clients get it.
pub struct Encoded {
    pub number: u32,
    pub effective_from: i64,
    pub hash: String,
    pub json: Value,
    /// The binary form, base64.
    pub binary: String,
}

impl Encoded {
    fn of(v: &Version) -> Encoded {
        Encoded {
            number: v.number,
            effective_from: v.effective_from,
            hash: v.hash.clone(),
            json: serde_json::to_value(&*v.config).unwrap_or_default(),
            binary: zailai::snapshot::base64::encode(&v.config.to_binary()),
        }
    }
}

/// One read of the versions: the timeline and each version encoded, in the same order.
pub struct Live {
    pub timeline: Arc<Timeline>,
    encoded: Vec<Encoded>,
}

impl Live {
    fn of(timeline: Timeline) -> Live {
        let encoded = timeline.versions().iter().map(Encoded::of).collect();
        Live {
            timeline: Arc::new(timeline),
            encoded,
        }
    }

    fn index_at(&self, at: i64) -> usize {
        let n = self.timeline.version_at(at).number;
        self.encoded.iter().position(|e| e.number == n).unwrap_or(0)
    }

    /// The version in effect at `at`, encoded.
    pub fn current(&self, at: i64) -> &Encoded {
        &self.encoded[self.index_at(at)]
    }

    /// The next version scheduled after `at`, encoded.
    pub fn next(&self, at: i64) -> Option<&Encoded> {
        self.encoded.iter().find(|e| e.effective_from > at)
    }

    /// The rules in effect at `at`.
    pub fn config_at(&self, at: i64) -> Arc<Config> {
        self.timeline.version_at(at).config.clone()
    }
}

/// The server's rule versions, shared by every request.
pub struct Rules {
    live: RwLock<Arc<Live>>,
    /// When the versions were last read (server clock, ms).
    read_at: AtomicI64,
    poll_ms: i64,
}

impl Rules {
    /// The server's rules at start-up: `timeline`, which the store's report facts follow too
    /// (as they follow every version learned later, by [`Rules::refresh`]).
    pub fn start(store: &AnyStore, timeline: Timeline, now: i64, poll_seconds: u64) -> Rules {
        store.follow_rules(FactTimeline::of(&timeline));
        Rules::new(timeline, now, poll_seconds)
    }

    pub fn new(timeline: Timeline, now: i64, poll_seconds: u64) -> Rules {
        Rules {
            live: RwLock::new(Arc::new(Live::of(timeline))),
            read_at: AtomicI64::new(now),
            poll_ms: poll_seconds as i64 * 1000,
        }
    }

    /// The versions as last read.
    pub fn live(&self) -> Arc<Live> {
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads versions published since the last read; returns the ones learned.
    pub async fn refresh(&self, store: &AnyStore, now: i64) -> Result<Vec<u32>, StoreError> {
        let live = self.live();
        let known = live.timeline.last().number;
        let rows = store.rule_versions(known).await?;
        if rows.is_empty() {
            self.read_at.fetch_max(now, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        let mut timeline = (*live.timeline).clone();
        let mut learned = Vec::new();
        for row in &rows {
            let version = crate::versions::to_version(row)?;
            timeline.push(version).map_err(|e| {
                StoreError(format!("rule version {} cannot follow: {e:?}", row.number))
            })?;
            learned.push(row.number);
        }
        let mut slot = self
            .live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A concurrent refresh may have got further: keep the longer timeline.
        if slot.timeline.last().number < timeline.last().number {
            // The facts of the next commits follow it (under the lock: never an older one).
            store.follow_rules(FactTimeline::of(&timeline));
            *slot = Arc::new(Live::of(timeline));
        }
        // Only now: a request that finds the read recent must find its versions too.
        self.read_at.fetch_max(now, Ordering::Relaxed);
        Ok(learned)
    }

    /// The versions, read again first when the last read is older than twice the poll
    /// interval (a poller that stalled must not leave an op under a version it lacks).
    pub async fn fresh(&self, store: &AnyStore, now: i64) -> Result<Arc<Live>, StoreError> {
        if now - self.read_at.load(Ordering::Relaxed) > 2 * self.poll_ms {
            self.refresh(store, now).await?;
        }
        Ok(self.live())
    }

    pub fn poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::{self, Candidate, LEAD_MS};

    /// A version published by another process is learned by a poll, or, when the last read
    /// is older than twice the poll interval, before the next request uses the versions.
    #[tokio::test]
    async fn versions_are_re_read_once_the_last_read_is_twice_the_poll_interval_old() {
        let dir = std::env::temp_dir().join(format!("zailai-rules-poll-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("zailai.db").display().to_string();
        let store = AnyStore::open(&path, &Config::seed()).await.unwrap();
        let t0 = 1_800_000_000_000;
        let timeline = versions::at_start(&store, &Config::seed(), None, t0)
            .await
            .unwrap();
        let rules = Rules::new(timeline, t0, 1);
        let mut next = serde_json::to_value(Config::seed()).unwrap();
        next["newbie_days"] = serde_json::json!(9);
        let candidate = Candidate {
            rules: next.to_string(),
            mapping: None,
            effective_from: t0 + LEAD_MS,
            author: "ops".into(),
            note: String::new(),
            lead_ms: LEAD_MS,
        };
        versions::publish(&store, candidate, t0).await.unwrap();
        let known = |live: Arc<Live>| live.timeline.versions().len();
        assert_eq!(known(rules.fresh(&store, t0 + 2_000).await.unwrap()), 1);
        assert_eq!(known(rules.fresh(&store, t0 + 2_001).await.unwrap()), 2);
        let live = rules.live();
        assert_eq!(live.current(t0).number, 1);
        assert_eq!(live.next(t0).map(|n| n.number), Some(2));
        assert_eq!(live.current(t0 + LEAD_MS).number, 2);
        assert!(live.next(t0 + LEAD_MS).is_none());
        assert_eq!(live.config_at(t0 + LEAD_MS).newbie_days, 9);
        // A poll learns nothing more, and says so.
        assert_eq!(
            rules.refresh(&store, t0 + 3_000).await.unwrap(),
            Vec::<u32>::new()
        );
        next["newbie_days"] = serde_json::json!(8);
        let third = Candidate {
            rules: next.to_string(),
            mapping: None,
            effective_from: t0 + 2 * LEAD_MS,
            author: "ops".into(),
            note: String::new(),
            lead_ms: LEAD_MS,
        };
        versions::publish(&store, third, t0).await.unwrap();
        assert_eq!(rules.refresh(&store, t0 + 4_000).await.unwrap(), [3]);
        assert_eq!(rules.live().next(t0 + LEAD_MS).map(|n| n.number), Some(3));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
