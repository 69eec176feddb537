//! Rule versions on a timeline (RULES.md, "Rule versions"): every op is applied under the
//! version in effect at its own `at`, so every server and phone gives the same answer and a
//! later version never re-prices an op already done. The engine stays a function of
//! (config, state, op); this only picks the config.

use crate::{Config, Event, Op, RuleError, State};
use std::sync::Arc;

/// Rules that answer "which config is in effect at this instant": one config (in effect at
/// every instant) or a [`Timeline`]. The sync acceptance and the server's own ops take either,
/// so callers with one rule set are unchanged.
pub trait RulesAt {
    fn config_at(&self, at: i64) -> &Config;
}

impl RulesAt for Config {
    fn config_at(&self, _: i64) -> &Config {
        self
    }
}

impl RulesAt for Timeline {
    fn config_at(&self, at: i64) -> &Config {
        Timeline::config_at(self, at)
    }
}

impl<T: RulesAt + ?Sized> RulesAt for Arc<T> {
    fn config_at(&self, at: i64) -> &Config {
        (**self).config_at(at)
    }
}

impl<T: RulesAt + ?Sized> RulesAt for &T {
    fn config_at(&self, at: i64) -> &Config {
        (**self).config_at(at)
    }
}

/// One published rule set: immutable once published.
#[derive(Clone, Debug)]
pub struct Version {
    /// 1, 2, 3 … in publishing order (a rollback publishes an old rule set anew, numbered on).
    pub number: u32,
    /// Unix ms from which the version is in effect.
    pub effective_from: i64,
    /// `snapshot::config_hash` of `config`.
    pub hash: String,
    pub config: Arc<Config>,
}

impl Version {
    pub fn new(number: u32, effective_from: i64, config: Config) -> Version {
        Version {
            number,
            effective_from,
            hash: crate::snapshot::config_hash(&config),
            config: Arc::new(config),
        }
    }
}

/// Versions in order of `effective_from` (strictly increasing). Never empty: the first
/// version is in effect for every instant before the second, as the rules a database
/// started with were.
#[derive(Clone, Debug)]
pub struct Timeline {
    versions: Vec<Version>,
}

/// Why a version cannot join a timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineError {
    /// Its `effective_from` is not after the last version's.
    NotAfter { last: i64 },
    /// Its number is not the next one.
    Number { expected: u32 },
}

impl Timeline {
    /// A timeline of one version, in effect at every instant.
    pub fn single(config: Config) -> Timeline {
        Timeline {
            versions: vec![Version::new(1, i64::MIN, config)],
        }
    }

    /// A timeline that starts with `first`, in effect at every instant before the next one
    /// whatever its own `effective_from`. Nothing is hashed: a device builds its timeline from
    /// the versions the server sent, hashes included, and `push`es the later ones.
    pub fn starting(first: Version) -> Timeline {
        Timeline {
            versions: vec![first],
        }
    }

    /// A timeline from versions in any order; `None` when empty or when two share an
    /// `effective_from` (which of them applies would be undefined).
    pub fn from_versions(mut versions: Vec<Version>) -> Option<Timeline> {
        versions.sort_by_key(|v| v.effective_from);
        let distinct = versions
            .windows(2)
            .all(|w| w[0].effective_from < w[1].effective_from);
        (!versions.is_empty() && distinct).then_some(Timeline { versions })
    }

    /// Adds a version after the last one.
    pub fn push(&mut self, version: Version) -> Result<(), TimelineError> {
        let last = self.last();
        if version.effective_from <= last.effective_from {
            return Err(TimelineError::NotAfter {
                last: last.effective_from,
            });
        }
        let expected = self.versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
        if version.number != expected {
            return Err(TimelineError::Number { expected });
        }
        self.versions.push(version);
        Ok(())
    }

    /// The version in effect at `at` (unix ms): the last one whose `effective_from` is not
    /// after it, or the first for instants before every version.
    pub fn version_at(&self, at: i64) -> &Version {
        let after = self.versions.partition_point(|v| v.effective_from <= at);
        &self.versions[after.saturating_sub(1)]
    }

    /// The rules in effect at `at`.
    pub fn config_at(&self, at: i64) -> &Config {
        &self.version_at(at).config
    }

    /// The version that takes effect after `at`, if one is scheduled.
    pub fn next_after(&self, at: i64) -> Option<&Version> {
        self.versions.iter().find(|v| v.effective_from > at)
    }

    /// Applies `op` under the version in effect at its own `at`.
    pub fn apply(&self, state: &mut State, op: &Op) -> Result<Vec<Event>, RuleError> {
        state.apply(self.config_at(op.at), op)
    }

    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    pub fn last(&self) -> &Version {
        // Never empty by construction.
        &self.versions[self.versions.len() - 1]
    }
}
