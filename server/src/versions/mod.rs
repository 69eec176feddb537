//! Rule versions as data (issue 26, docs/rules-lifecycle.md): every published rule set is an
//! immutable, numbered row of `rule_versions`, in effect from its `effective_from`. Publishing
//! checks the rules (every problem with its path), the schedule (a lead time: every instance
//! learns of a version before any op can fall under it) and the members' state (what the
//! version would strand: `zailai::config::compat`). The CLI (`zailai rules …`) and the admin
//! routes both call here.

pub mod diff;
pub mod instant;
pub mod scope;

use crate::store::{Store, StoreError, StoredVersion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zailai::config::compat::{self, Mapping};
use zailai::timeline::{Timeline, Version};
use zailai::{Config, ConfigIssue};

/// The longest `--rules-poll-seconds`: an instance reads the versions at least this often.
pub const MAX_POLL_SECONDS: u64 = 60;

/// How far ahead of the publisher's clock a version's `effective_from` must be: 10 minutes.
/// An op may be dated up to 5 minutes ahead of the applying server's clock (`CLOCK_AHEAD`
/// beyond), and an instance re-reads the versions before it applies anything once its last
/// read is older than twice its poll interval (at most 2 × [`MAX_POLL_SECONDS`]). So an op
/// that falls under a version is applied at least 5 minutes after it was published, by an
/// instance that read the table at least 3 minutes after it: 3 minutes of margin for clocks
/// that disagree. Fixed rather than a flag: the publisher (a CLI run anywhere) cannot know the
/// instances' poll settings, and a bound every instance enforces needs one figure.
pub const LEAD_MS: i64 = 10 * 60_000;

/// A version as listed: everything but the rules.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub number: u32,
    pub effective_from: i64,
    /// `effective_from` in the rules' business-day zone (`2027-02-10 00:00 UTC+8`).
    pub effective_from_local: String,
    pub hash: String,
    pub author: String,
    pub note: String,
    pub published_at: i64,
    /// Whether it is in effect at the time asked (`now`); later ones are scheduled.
    pub state: &'static str,
}

/// The mapping as a version carries it (JSON): unknown fields are errors with their path.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MappingJson {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retire: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tier_renames: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub business_day_moves: bool,
}

impl MappingJson {
    pub fn parse(text: &str) -> Result<MappingJson, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            format!(
                "mapping{}{path}: {}",
                if path.is_empty() { "" } else { "." },
                e.inner()
            )
        })
    }

    fn core(&self) -> Mapping {
        Mapping {
            retire: self.retire.clone(),
            tier_renames: self.tier_renames.clone(),
            business_day_moves: self.business_day_moves,
        }
    }
}

/// Why a version was not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishError {
    /// The rule file or the mapping is not valid: every problem, with its path.
    Invalid(Vec<ConfigIssue>),
    /// It would strand members' state: every path, unless the mapping answers it.
    Strands(Vec<ConfigIssue>),
    /// Too soon (lead time) or not after the last version.
    Schedule(String),
    /// No version with that number (rollback, show).
    NoSuchVersion(u32),
    /// Another version was published while this one was being checked: check again.
    Raced,
    /// The publisher may not publish this version (an operator's change beyond campaigns).
    Forbidden(String),
    Store(String),
}

impl PublishError {
    /// The stable code an admin route answers with.
    pub fn code(&self) -> &'static str {
        match self {
            PublishError::Invalid(_) => "CONFIG_INVALID",
            PublishError::Strands(_) => "RULES_STRAND_STATE",
            PublishError::Schedule(_) => "BAD_SCHEDULE",
            PublishError::NoSuchVersion(_) => "NOT_FOUND",
            PublishError::Raced => "CONFLICT",
            PublishError::Forbidden(_) => "FORBIDDEN",
            PublishError::Store(_) => "INTERNAL",
        }
    }

    /// Problems with their paths (empty for the other kinds).
    pub fn issues(&self) -> &[ConfigIssue] {
        match self {
            PublishError::Invalid(i) | PublishError::Strands(i) => i,
            _ => &[],
        }
    }
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |f: &mut std::fmt::Formatter<'_>, issues: &[ConfigIssue]| {
            issues.iter().try_for_each(|i| write!(f, "\n  {i}"))
        };
        match self {
            PublishError::Invalid(i) => {
                write!(f, "not a valid rule version ({} problem(s)):", i.len())?;
                list(f, i)
            }
            PublishError::Strands(i) => {
                write!(
                    f,
                    "this version would strand members' state ({} problem(s); \
                     docs/rules-lifecycle.md, Mapping):",
                    i.len()
                )?;
                list(f, i)
            }
            PublishError::Schedule(why) | PublishError::Forbidden(why) => write!(f, "{why}"),
            PublishError::NoSuchVersion(n) => write!(f, "no rule version {n}"),
            PublishError::Raced => write!(
                f,
                "another version was published while this one was checked: run it again"
            ),
            PublishError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for PublishError {
    fn from(e: StoreError) -> Self {
        PublishError::Store(e.to_string())
    }
}

/// A stored version as the core's.
pub fn to_version(row: &StoredVersion) -> Result<Version, StoreError> {
    let config = Config::parse(&row.rules)
        .map_err(|e| StoreError(format!("stored rule version {}: {e}", row.number)))?;
    Ok(Version::new(row.number, row.effective_from, config))
}

/// One stored version as `rules show N` and `GET /v1/admin/rules/{n}` answer it: who, when,
/// why, its mapping and its rules, `effective_from` also in the rules' zone.
pub fn shown(row: &StoredVersion) -> Result<serde_json::Value, serde_json::Error> {
    let rules: serde_json::Value = serde_json::from_str(&row.rules)?;
    let mapping: serde_json::Value = serde_json::from_str(&row.mapping)?;
    let zone = rules["business_day"]["utc_offset_minutes"]
        .as_i64()
        .unwrap_or(0) as i32;
    Ok(serde_json::json!({
        "number": row.number,
        "effective_from": row.effective_from,
        "effective_from_local": instant::format(row.effective_from, zone),
        "hash": row.hash,
        "author": row.author,
        "note": row.note,
        "published_at": row.published_at,
        "mapping": mapping,
        "rules": rules,
    }))
}

/// Every published version and the timeline they make; `None` when none is published yet.
pub async fn load(
    store: &impl Store,
) -> Result<Option<(Timeline, Vec<StoredVersion>)>, StoreError> {
    let rows = store.rule_versions(0).await?;
    let versions = rows.iter().map(to_version).collect::<Result<Vec<_>, _>>()?;
    if versions.is_empty() {
        return Ok(None);
    }
    let timeline = Timeline::from_versions(versions)
        .ok_or_else(|| StoreError("stored rule versions share an effective_from".to_owned()))?;
    Ok(Some((timeline, rows)))
}

/// The rule file as stored: its canonical JSON (what `config_hash` hashes).
fn canonical(cfg: &Config) -> String {
    serde_json::to_string(cfg).unwrap_or_default()
}

/// The versions a server runs, from the database; on a fresh one `config` (the `--config`, or
/// the seed) becomes version 1, in effect from `now` (and, as the first, for every instant
/// before). A `--config` (`given`) must be a published version in effect now or scheduled:
/// anything else is an error saying how to publish it, never a silent switch.
pub async fn at_start(
    store: &impl Store,
    config: &Config,
    given: Option<&std::path::Path>,
    now: i64,
) -> Result<Timeline, String> {
    if let Some((timeline, _)) = load(store).await.map_err(|e| e.to_string())? {
        let hash = zailai::snapshot::config_hash(config);
        let current = timeline.version_at(now);
        let known = timeline
            .versions()
            .iter()
            .any(|v| v.hash == hash && v.effective_from >= current.effective_from);
        if let (Some(path), false) = (given, known) {
            return Err(format!(
                "--config {} differs from the rules in effect (version {}, hash {}…) and from \
                 every scheduled version. The database holds the rules: start without --config \
                 to run them, or publish the file as a new version first: zailai rules publish \
                 --config {} --effective-from '<when>' --author <you> --note <why> (with the same \
                 --data-dir or --database); see docs/rules-lifecycle.md",
                path.display(),
                current.number,
                &current.hash[..12],
                path.display()
            ));
        }
        return Ok(timeline);
    }
    let first = StoredVersion {
        number: 1,
        effective_from: now,
        hash: zailai::snapshot::config_hash(config),
        author: "zailai serve".to_owned(),
        note: match given {
            Some(path) => format!("the first rules: --config {}", path.display()),
            None => "the first rules: the seed preset".to_owned(),
        },
        published_at: now,
        rules: canonical(config),
        mapping: "{}".to_owned(),
    };
    // Another instance starting at once may have stored its own first version: theirs stands.
    store
        .insert_rule_version(first)
        .await
        .map_err(|e| e.to_string())?;
    let (timeline, _) = load(store)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no rule version after storing the first")?;
    if let Some(path) = given {
        let hash = zailai::snapshot::config_hash(config);
        if timeline.last().hash != hash {
            return Err(format!(
                "--config {}: another server stored other rules as version 1 at the same time",
                path.display()
            ));
        }
    }
    Ok(timeline)
}

/// What a publish is asked to do.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The rule file's text (JSON).
    pub rules: String,
    /// The mapping's text (JSON), if any.
    pub mapping: Option<String>,
    pub effective_from: i64,
    pub author: String,
    pub note: String,
    /// The lead time to enforce: [`LEAD_MS`] but in tests (`rules publish --lead-seconds`).
    pub lead_ms: i64,
}

/// Reads a candidate's rule file and mapping as publishing does: every problem of the rules
/// with its path (`CONFIG_INVALID`), then the mapping read strictly.
pub fn read_candidate(
    rules: &str,
    mapping: Option<&str>,
) -> Result<(Config, MappingJson), PublishError> {
    let config = Config::parse(rules).map_err(|e| PublishError::Invalid(e.issues))?;
    let mapping = match mapping {
        Some(text) => MappingJson::parse(text).map_err(|e| {
            PublishError::Invalid(vec![ConfigIssue {
                path: "mapping".to_owned(),
                reason: e,
            }])
        })?,
        None => MappingJson::default(),
    };
    Ok((config, mapping))
}

/// What `config` would strand of what members of `last` may hold, unless `mapping` answers
/// it (`RULES_STRAND_STATE`, every path).
pub fn stranded(last: &Config, config: &Config, mapping: &MappingJson) -> Result<(), PublishError> {
    let stranded = compat::check(last, config, &mapping.core());
    if stranded.is_empty() {
        Ok(())
    } else {
        Err(PublishError::Strands(stranded))
    }
}

/// Whether a version of `config` may take effect at `effective_from`, published at `now`
/// after `last`: at least `lead` ms ahead (every server has it before an op can fall under
/// it) and after `last`'s `effective_from` (history is never rewritten). `BAD_SCHEDULE`.
pub fn check_schedule(
    last: &Version,
    config: &Config,
    effective_from: i64,
    now: i64,
    lead: i64,
) -> Result<(), PublishError> {
    let zone = config.business_day.utc_offset_minutes;
    if effective_from < now + lead {
        return Err(PublishError::Schedule(format!(
            "effective_from {} is sooner than the lead time allows: at least {} s ahead \
             (from {}), so every server has it before an op can fall under it",
            instant::format(effective_from, zone),
            lead / 1000,
            instant::format(now + lead, zone)
        )));
    }
    if effective_from <= last.effective_from {
        return Err(PublishError::Schedule(format!(
            "effective_from {} is not after version {}'s ({}): history is never rewritten",
            instant::format(effective_from, zone),
            last.number,
            instant::format(last.effective_from, zone)
        )));
    }
    Ok(())
}

/// Publishes `candidate` as the next version, checked against the versions stored: valid
/// rules (every problem), a mapping read strictly, `effective_from` at least [`LEAD_MS`] after
/// `now` and after the last version's, and nothing stranded relative to the last version (the
/// one in effect just before it).
pub async fn publish(
    store: &impl Store,
    candidate: Candidate,
    now: i64,
) -> Result<StoredVersion, PublishError> {
    publish_guarded(store, candidate, now, |_, _| Ok(())).await
}

/// [`publish`], with `guard` asked first whether the publisher may publish these rules (the
/// last version's and the candidate's, both valid): an operator's campaign-only change
/// ([`scope`]). Its answer holds: the version is stored only as the number after that last
/// one, or refused as `Raced`.
pub async fn publish_guarded(
    store: &impl Store,
    candidate: Candidate,
    now: i64,
    guard: impl FnOnce(&Config, &Config) -> Result<(), PublishError>,
) -> Result<StoredVersion, PublishError> {
    let (config, mapping) = read_candidate(&candidate.rules, candidate.mapping.as_deref())?;
    if candidate.author.trim().is_empty() || candidate.author.len() > 200 {
        return Err(PublishError::Invalid(vec![issue("author", "1–200 bytes")]));
    }
    if candidate.note.len() > 2000 {
        return Err(PublishError::Invalid(vec![issue(
            "note",
            "at most 2000 bytes",
        )]));
    }
    let (timeline, _) = load(store).await?.ok_or_else(|| {
        PublishError::Schedule(
            "no rule version yet: start the server once (its --config becomes version 1)"
                .to_owned(),
        )
    })?;
    let last = timeline.last();
    guard(&last.config, &config)?;
    check_schedule(
        last,
        &config,
        candidate.effective_from,
        now,
        candidate.lead_ms,
    )?;
    stranded(&last.config, &config, &mapping)?;
    let row = StoredVersion {
        number: last.number + 1,
        effective_from: candidate.effective_from,
        hash: zailai::snapshot::config_hash(&config),
        author: candidate.author,
        note: candidate.note,
        published_at: now,
        rules: canonical(&config),
        mapping: serde_json::to_string(&mapping).unwrap_or_else(|_| "{}".to_owned()),
    };
    if !store.insert_rule_version(row.clone()).await? {
        return Err(PublishError::Raced);
    }
    Ok(row)
}

fn issue(path: &str, reason: &str) -> ConfigIssue {
    ConfigIssue {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Publishes version `number`'s rules anew as the next version (a rollback: history is never
/// rewritten), with the same checks as [`publish`].
#[allow(clippy::too_many_arguments)]
pub async fn rollback(
    store: &impl Store,
    number: u32,
    mapping: Option<String>,
    effective_from: i64,
    author: String,
    note: String,
    now: i64,
    lead_ms: i64,
) -> Result<StoredVersion, PublishError> {
    let old = find(store, number).await?;
    let note = if note.is_empty() {
        format!("rollback to version {number}")
    } else {
        format!("rollback to version {number}: {note}")
    };
    let candidate = Candidate {
        rules: old.rules,
        mapping,
        effective_from,
        author,
        note,
        lead_ms,
    };
    publish(store, candidate, now).await
}

/// Version `number`.
pub async fn find(store: &impl Store, number: u32) -> Result<StoredVersion, PublishError> {
    let rows = store.rule_versions(number.saturating_sub(1)).await?;
    rows.into_iter()
        .find(|r| r.number == number)
        .ok_or(PublishError::NoSuchVersion(number))
}

/// Every version as listed at `now`: `in_effect` (the one at `now`), `past` or `scheduled`.
pub fn listed(timeline: &Timeline, rows: &[StoredVersion], now: i64) -> Vec<Listed> {
    let current = timeline.version_at(now).number;
    let zone = timeline.config_at(now).business_day.utc_offset_minutes;
    rows.iter()
        .map(|r| Listed {
            number: r.number,
            effective_from: r.effective_from,
            effective_from_local: instant::format(r.effective_from, zone),
            hash: r.hash.clone(),
            author: r.author.clone(),
            note: r.note.clone(),
            published_at: r.published_at,
            state: if r.number == current {
                "in_effect"
            } else if r.effective_from > now {
                "scheduled"
            } else {
                "past"
            },
        })
        .collect()
}

/// The paths where version `b`'s rules differ from `a`'s.
pub async fn diff_versions(
    store: &impl Store,
    a: u32,
    b: u32,
) -> Result<Vec<diff::Change>, PublishError> {
    let (ra, rb) = (find(store, a).await?, find(store, b).await?);
    let json = |r: &StoredVersion| serde_json::from_str(&r.rules).unwrap_or_default();
    Ok(diff::diff(&json(&ra), &json(&rb)))
}
