//! Storage of members' authoritative state. Every backend passes the same conformance suite
//! (`server/tests/store.rs`).
//!
//! A sync is one call of [`Store::transact`]: load the member (or start a fresh one), let the
//! caller change it, and commit the new record and the op log rows in one transaction.
//! Concurrent transactions of one user are serialized, so no two syncs interleave.

mod group_commit;
pub mod operators;
pub mod postgres;
pub mod report_sql;
pub mod sqlite;

pub use crate::op_log::OpRow;

use crate::facts::{FactRules, FactTimeline, MemberFacts};
use report_sql::{CountQuery, Counts};
use std::collections::BTreeMap;
use std::fmt;
use zailai::{Config, State};

/// A member as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub state: State,
    /// Last processed seq per device (applied or refused).
    pub processed: BTreeMap<String, u32>,
    /// Grows by one with each sync that changed the state.
    pub server_version: u32,
}

/// The fact rules a store's commits read (`facts::commit`): those it was opened with, replaced
/// by the rule versions a server learns (`follow`), so a version published after the store
/// opened shows in the facts without a restart.
#[derive(Clone)]
pub struct FollowedRules(std::sync::Arc<std::sync::RwLock<std::sync::Arc<FactTimeline>>>);

impl FollowedRules {
    pub fn new(rules: FactRules) -> FollowedRules {
        FollowedRules(std::sync::Arc::new(std::sync::RwLock::new(
            std::sync::Arc::new(FactTimeline::single(rules)),
        )))
    }

    /// The rules as last followed.
    pub fn current(&self) -> std::sync::Arc<FactTimeline> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Follows `rules` from the next commit on.
    pub fn follow(&self, rules: FactTimeline) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(rules);
    }
}

/// A member's op log with the business day they joined: what a replay of history needs
/// ([`Store::op_logs`], `crate::what_if`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOps {
    pub user: String,
    pub joined: zailai::day::Day,
    /// In arrival order.
    pub rows: Vec<OpRow>,
}

/// A member written whole by a bulk load (`populate --bulk`): record, op log and facts.
#[derive(Debug, Clone)]
pub struct BulkMember {
    pub user: String,
    pub record: Record,
    pub rows: Vec<OpRow>,
    pub facts: MemberFacts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// A lottery draw as the server records it (and publishes it: `docs/lottery.md`).
pub use zailai::lottery::PublishedDraw as DrawEntry;

/// Prizes already won in a lottery, by prize id.
pub type Won = BTreeMap<String, u32>;

/// What became of a call made once by key ([`Store::once`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Once<E> {
    /// Done now; the response stored with the key.
    Done(String),
    /// Done before with the same request: the response stored then.
    Replayed(String),
    /// The key was used before with another request.
    Conflict,
    /// No such member.
    UnknownMember,
    /// The call's order id is another member's (held or ordered for them first).
    OrderOfAnotherMember,
    /// `change` refused; nothing was written.
    Refused(E),
}

/// A registered device's answer to its secret at sync (`Store::claim_device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceClaim {
    /// The device is the member's (bound now, at its first sync, or before): its ops count
    /// from `registered_at`, the server's first contact with it.
    Registered { registered_at: i64 },
    /// No device with this id and secret: never registered, or the secret is wrong (one
    /// answer for both, so ids cannot be probed).
    Unknown,
    /// The device syncs for another member.
    OtherMember,
}

/// The devices table, as migrations of both backends create it (RULES.md, "Activity and
/// time": a member's history starts at the server's first contact with their device). Only
/// the SHA-256 of the device's secret is kept; `user_id` is the member of its first sync.
pub(crate) const DEVICES_TABLE: &str = "CREATE TABLE IF NOT EXISTS devices (
  device TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  user_id TEXT
);
";

/// Published rule versions (issue 26, docs/rules-lifecycle.md): immutable rows, numbered 1, 2, 3
/// … in publishing order, each in effect from `effective_from` (unix ms, distinct). `rules` is
/// the rule file's JSON, `mapping` the version's answers for what it strands (JSON, `{}` when
/// none), `hash` the rules' `snapshot::config_hash`.
pub(crate) const RULE_VERSIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS rule_versions (
  number BIGINT PRIMARY KEY,
  effective_from BIGINT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  author TEXT NOT NULL,
  note TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  rules TEXT NOT NULL,
  mapping TEXT NOT NULL
);
";

/// Subscription messages the operator sent (issue 27, `POST /v1/admin/messages/sent`): one
/// row per (kind, campaign, member), the first record kept; `campaign` is `''` for the kinds
/// that name none. The report counts a campaign's notified members from it (docs/report.md).
pub(crate) const MESSAGES_SENT_TABLE: &str = "CREATE TABLE IF NOT EXISTS messages_sent (
  kind TEXT NOT NULL,
  campaign TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (kind, campaign, user_id)
);
";

/// Coupons each operator granted each business day (issue 28: a grant may give a coupon;
/// coupons have their own daily cap, `zailai serve --coupon-cap`).
pub(crate) const OPERATOR_COUPONS_COLUMN: &str =
    "ALTER TABLE operator_grants ADD COLUMN coupons BIGINT NOT NULL DEFAULT 0;\n";

/// Points each operator granted each business day (issue 28, `POST
/// /v1/admin/members/{user}/grants`): the per-actor daily cap counts from it, so it holds
/// across restarts and across the processes of a cluster. `day` is the business day in the
/// rules' zone; one row per (actor, day).
pub(crate) const OPERATOR_GRANTS_TABLE: &str = "CREATE TABLE IF NOT EXISTS operator_grants (
  actor TEXT NOT NULL,
  day BIGINT NOT NULL,
  points BIGINT NOT NULL,
  PRIMARY KEY (actor, day)
);
";

/// What a record of sent messages did ([`Store::record_sent`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Members recorded now (not recorded for this kind and campaign before).
    pub recorded: u32,
    /// Ids the store has no member of, in the order given: not recorded.
    pub unknown: Vec<String>,
}

/// A row of `rule_versions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    pub number: u32,
    pub effective_from: i64,
    pub hash: String,
    pub author: String,
    pub note: String,
    pub published_at: i64,
    /// The rule file, JSON.
    pub rules: String,
    /// The mapping, JSON (`{}`: none).
    pub mapping: String,
}

/// A member in a page of the member list ([`Store::members_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user: String,
    pub record: Record,
    /// Rows of the member's op log (applied and refused).
    pub ops: u64,
}

/// A page of the member list, and how many members match in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembersPage {
    pub members: Vec<MemberRow>,
    pub total: u64,
}

/// What an actor granted on one business day, or may grant, or one grant gives: points and
/// coupons, capped apart (a coupon's worth is the merchant's business, not a number of points).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GrantUse {
    pub points: u64,
    pub coupons: u64,
}

impl GrantUse {
    pub fn plus(self, other: GrantUse) -> GrantUse {
        GrantUse {
            points: self.points.saturating_add(other.points),
            coupons: self.coupons.saturating_add(other.coupons),
        }
    }

    /// Whether both counts are at most `cap`'s.
    pub fn within(self, cap: GrantUse) -> bool {
        self.points <= cap.points && self.coupons <= cap.coupons
    }
}

/// What an operator's grant is charged against ([`Store::grant`]): `grant` added to what
/// `actor` granted on business `day`, which may not pass `cap` in points or in coupons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantCharge {
    pub actor: String,
    pub day: zailai::day::Day,
    pub grant: GrantUse,
    pub cap: GrantUse,
}

/// What became of an operator's grant ([`Store::grant`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Granted<R, E> {
    /// Committed; `used`: what the actor has granted that day, this grant included.
    Done { answer: R, used: GrantUse },
    /// Past the cap; `used`: what the actor had granted that day. Nothing was written.
    OverCap { used: GrantUse },
    /// No such member. Nothing was written.
    UnknownMember,
    /// `change` refused; nothing was written.
    Refused(E),
}

/// The ids that start with `prefix`, as a byte-order range `[prefix, end)`: `end` is the
/// first string past every id with the prefix (its last char that can grow, grown, the chars
/// after it dropped; UTF-8 byte order is code point order); `None` when there is none
/// (every id sorts before the end; an empty prefix).
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// What a backend must do.
pub trait Store: Send + Sync + 'static {
    /// A fact about the database set once (`mode`: the kind of server that created it): the
    /// stored value; with `candidate`, stores it first when none is (from any process, the
    /// first one stays).
    fn setting(
        &self,
        name: &str,
        candidate: Option<String>,
    ) -> impl std::future::Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The published rule versions numbered after `after`, by number.
    fn rule_versions(
        &self,
        after: u32,
    ) -> impl std::future::Future<Output = Result<Vec<StoredVersion>, StoreError>> + Send;

    /// Publishes a version: false (nothing written) when its number or its `effective_from`
    /// is taken, i.e. another version was published since the caller read them (it reads
    /// them again and decides anew). Rows are never changed or deleted.
    fn insert_rule_version(
        &self,
        version: StoredVersion,
    ) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;

    /// Ends every session of `user` (log out everywhere; an operator's revoke): how many.
    fn end_sessions_of(
        &self,
        user: &str,
    ) -> impl std::future::Future<Output = Result<u64, StoreError>> + Send;

    /// Registers a new device (`POST /v1/device`): its id, the hash of its secret and the
    /// time of first contact. False when the id is taken (the caller draws another).
    fn register_device(
        &self,
        device: &str,
        secret_hash: &str,
        registered_at: i64,
    ) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;

    /// Checks a pushing device's secret and binds the device to `user` at its first sync (a
    /// device belongs to one member: one registered long ago cannot start many accounts).
    fn claim_device(
        &self,
        device: &str,
        secret_hash: &str,
        user: &str,
    ) -> impl std::future::Future<Output = Result<DeviceClaim, StoreError>> + Send;

    /// The lottery's stored commitment (`c:` + hex; a database from before holds the seed
    /// itself). The first call stores `candidate`; every later call, from any server process,
    /// returns that same value.
    fn lottery_seed(
        &self,
        lottery: &str,
        candidate: String,
    ) -> impl std::future::Future<Output = Result<String, StoreError>> + Send;

    /// Decides and records one draw: `decide` gets the prizes won before it and names the
    /// prize (or none). Draws of one lottery are serialized, so stock is never oversold. An
    /// entry (member, device, seq) decided before keeps its recorded prize.
    fn lottery_draw(
        &self,
        lottery: &str,
        entry: DrawEntry,
        decide: impl FnOnce(&Won) -> Option<String> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<Option<String>, StoreError>> + Send;

    /// A lottery's recorded draws in the order they were decided: at most `limit` of them,
    /// from the `after + 1`-th on (draws are numbered from 1, without gaps).
    fn lottery_draws(
        &self,
        lottery: &str,
        after: u64,
        limit: u32,
    ) -> impl std::future::Future<Output = Result<Vec<DrawEntry>, StoreError>> + Send;

    /// How many draws a lottery has recorded, and the prizes they won by prize id (draws that
    /// won nothing are in the count only): its stock left, for the console.
    fn lottery_tally(
        &self,
        lottery: &str,
    ) -> impl std::future::Future<Output = Result<(u64, Won), StoreError>> + Send;

    /// Loads `user` (or `fresh()` when unknown), runs `change`, and commits the record and the
    /// returned op rows atomically. If `change` fails nothing is written.
    fn transact<R, E>(
        &self,
        user: &str,
        fresh: impl FnOnce() -> Record + Send + 'static,
        change: impl FnOnce(&mut Record) -> Result<(R, Vec<OpRow>), E> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<Result<R, E>, StoreError>> + Send
    where
        R: Send + 'static,
        E: Send + 'static;

    /// A call that must happen once per `key` (the merchant API's idempotency): when the key
    /// was done before, its stored response (same `request`) or a conflict (another
    /// request); else loads the existing member `user`, runs `change`, and commits the
    /// record, the op rows and (key, request, response) in one transaction. Calls with one
    /// key are serialized, across processes too. With an `order` id, the call is refused
    /// (`OrderOfAnotherMember`) when that id belongs to another member, and otherwise binds it
    /// to `user` for good, in the same transaction (nothing is bound when `change` refuses);
    /// calls naming one order id are serialized too.
    fn once<E>(
        &self,
        key: &str,
        request: &str,
        user: &str,
        order: Option<&str>,
        now: i64,
        change: impl FnOnce(&mut Record) -> Result<(String, Vec<OpRow>), E> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<Once<E>, StoreError>> + Send
    where
        E: Send + 'static;

    /// The member's invite code: the first call stores `candidate` (unless another member
    /// has that code already: then `None`, try another); later calls return the stored one.
    fn invite_code(
        &self,
        user: &str,
        candidate: &str,
    ) -> impl std::future::Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Whose invite code `code` is.
    fn inviter(
        &self,
        code: &str,
    ) -> impl std::future::Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The member's record, if the server has one.
    fn load(
        &self,
        user: &str,
    ) -> impl std::future::Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// The op log of a member, in arrival order.
    fn ops(
        &self,
        user: &str,
    ) -> impl std::future::Future<Output = Result<Vec<OpRow>, StoreError>> + Send;

    /// The op logs of `users` with the day each joined, in the order given; a member the
    /// store does not have is left out. One call for many members (a replay of history
    /// reads them all), without decoding their states.
    fn op_logs(
        &self,
        users: Vec<String>,
    ) -> impl std::future::Future<Output = Result<Vec<MemberOps>, StoreError>> + Send;

    /// Records that a message of `kind` (about `campaign`, `''` for none) was sent to each
    /// of `users` (distinct) at `at`, in one transaction; a (kind, campaign, member) recorded
    /// before keeps its first `at`, and ids of no member are returned, not recorded.
    fn record_sent(
        &self,
        kind: &str,
        campaign: &str,
        users: Vec<String>,
        at: i64,
    ) -> impl std::future::Future<Output = Result<Recorded, StoreError>> + Send;

    /// (campaign, member) of every `campaign` message recorded as sent (the report's
    /// reference reads them: notices are not ops).
    fn campaign_notices(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// Every member's id, sorted (reports walk them).
    fn users(&self) -> impl std::future::Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The report's aggregates over the fact tables (`facts.rs`, `report_sql.rs`).
    fn report_counts(
        &self,
        query: CountQuery,
    ) -> impl std::future::Future<Output = Result<Counts, StoreError>> + Send;

    /// Whether every member's facts are in the fact tables: false in a database from before
    /// them until [`crate::facts_rebuild::rebuild`] has run to the end.
    fn facts_complete(&self) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;

    /// Rebuilds some members' facts from their records and op logs, read and written in one
    /// transaction that holds them (a sync of theirs waits, and is not lost). Nothing is
    /// cleared first: the facts a commit wrote since the fact tables came are in the rebuilt
    /// ones too (they come from the same op log), and every fact write is idempotent, the
    /// tier timeline replaced whole.
    fn rebuild_facts(
        &self,
        users: Vec<String>,
        rebuild: impl Fn(&Record, &[OpRow]) -> MemberFacts + Send + Sync + 'static,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// Empties the day totals of the scorecard (`ledger_days`, `lots_days`): a rebuild adds
    /// every member to them again, from the start (one server runs it: `docs/deploy.md`).
    fn clear_day_totals(&self) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// Marks the facts complete (the end of a rebuild).
    fn set_facts_complete(
        &self,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// Writes new members whole, in one transaction (a bulk load: `populate --bulk`). A
    /// member already in the database fails the whole batch.
    fn bulk_insert(
        &self,
        members: Vec<BulkMember>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// A page of the members whose id starts with `prefix` (byte order): at most `limit`
    /// from the `offset`-th, each with its record and op-log length, and how many match.
    fn members_page(
        &self,
        prefix: &str,
        offset: u64,
        limit: u32,
    ) -> impl std::future::Future<Output = Result<MembersPage, StoreError>> + Send;

    /// An operator's grant to the existing member `user`: in one transaction, refuses it when
    /// what `charge.actor` granted on `charge.day` plus `charge.points` passes `charge.cap`,
    /// else runs `change` and commits the record, its op rows, its facts and the actor's new
    /// day total. Grants of one actor and day are serialized, across processes too.
    fn grant<R, E>(
        &self,
        charge: GrantCharge,
        user: &str,
        change: impl FnOnce(&mut Record) -> Result<(R, Vec<OpRow>), E> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<Granted<R, E>, StoreError>> + Send
    where
        R: Send + 'static,
        E: Send + 'static;

    /// Records a member's answer for one kind of subscription message (`granted` or not) at `at`.
    fn put_consent(
        &self,
        user: &str,
        kind: &str,
        granted: bool,
        at: i64,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// (member, message kind) with consent granted, sorted by member (byte order) then kind:
    /// every kind of the first `members` consenting members whose id sorts after `after`.
    fn consents(
        &self,
        after: &str,
        members: u32,
    ) -> impl std::future::Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// Stores a session: the hash of its token, its user and its expiry (epoch ms); sessions
    /// expired before `now` are deleted on the way, so the table does not grow with logins.
    fn put_session(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
        now: i64,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// Ends a session (logout); true if there was one.
    fn delete_session(
        &self,
        token_hash: &str,
    ) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;

    /// The user and expiry of a session.
    fn session(
        &self,
        token_hash: &str,
    ) -> impl std::future::Future<Output = Result<Option<(String, i64)>, StoreError>> + Send;
}

/// The record's columns as text: state JSON and processed-map JSON.
/// The database a CLI command reads: `--database` (a PostgreSQL URL or a SQLite path) or
/// the data dir's `zailai.db`. A SQLite file that does not exist is an error here, so a
/// mistyped path is not silently created as an empty database.
pub fn existing_database(
    data_dir: &std::path::Path,
    database: Option<String>,
) -> Result<String, String> {
    let database = database.unwrap_or_else(|| data_dir.join("zailai.db").display().to_string());
    if !database.contains("://")
        && !database.starts_with("host=")
        && !std::path::Path::new(&database).exists()
    {
        return Err(format!(
            "no database at {database} (pass --data-dir or --database)"
        ));
    }
    Ok(database)
}

pub(crate) fn encode(record: &Record) -> (String, String) {
    (
        record.state.to_json(),
        serde_json::to_string(&record.processed).unwrap_or_default(),
    )
}

pub(crate) fn decode(state: &str, processed: &str, version: i64) -> Result<Record, StoreError> {
    let state = State::from_json(state).map_err(|e| StoreError(format!("stored state: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(processed)
        .map_err(|e| StoreError(format!("stored processed map: {e}")))?;
    let mut map = BTreeMap::new();
    for (device, seq) in value
        .as_object()
        .ok_or_else(|| StoreError("stored processed map is not an object".into()))?
    {
        let seq = seq
            .as_u64()
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| StoreError(format!("stored seq of `{device}`")))?;
        map.insert(device.clone(), seq);
    }
    let server_version = u32::try_from(version)
        .map_err(|_| StoreError("stored server_version out of range".into()))?;
    Ok(Record {
        state,
        processed: map,
        server_version,
    })
}

/// The number of migrations a database has run, if this build can use it: a database a newer
/// build has migrated further is refused, never written by older code.
pub(crate) fn check_schema(found: i64, known: usize) -> Result<usize, StoreError> {
    match usize::try_from(found) {
        Ok(n) if n <= known => Ok(n),
        _ => Err(StoreError(format!(
            "the database's schema is version {found}, newer than this build's {known}: run \
             the newer zailai it was migrated by (or a backup from before)"
        ))),
    }
}

/// What a device's row says to a pushing member: `(registered_at, bound member)`.
pub(crate) fn device_claim(row: Option<(i64, Option<String>)>, user: &str) -> DeviceClaim {
    match row {
        None => DeviceClaim::Unknown,
        Some((registered_at, Some(owner))) if owner == user => {
            DeviceClaim::Registered { registered_at }
        }
        Some(_) => DeviceClaim::OtherMember,
    }
}

/// The backend chosen at start-up (`--database`).
pub enum AnyStore {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl AnyStore {
    /// `postgres://…` (or `host=…`) selects PostgreSQL; anything else is an SQLite file path.
    /// The rules decide the report facts written with each commit; a database from before the
    /// fact tables has its facts rebuilt here, before anything else uses it.
    pub async fn open(database: &str, cfg: &Config) -> Result<AnyStore, StoreError> {
        let rules = FactRules::of(cfg);
        let store = if database.starts_with("postgres://")
            || database.starts_with("postgresql://")
            || database.starts_with("host=")
        {
            AnyStore::Postgres(
                postgres::Postgres::connect(database, postgres::DEFAULT_CONNECTIONS, rules).await?,
            )
        } else {
            AnyStore::Sqlite(sqlite::Sqlite::open(std::path::Path::new(database), rules)?)
        };
        if !store.facts_complete().await? {
            crate::facts_rebuild::rebuild(&store, cfg).await?;
        }
        Ok(store)
    }
}

impl AnyStore {
    /// Makes the facts of the next commits follow `rules` (the server's rule versions).
    pub fn follow_rules(&self, rules: FactTimeline) {
        match self {
            AnyStore::Sqlite(s) => s.follow_rules(rules),
            AnyStore::Postgres(s) => s.follow_rules(rules),
        }
    }
}

impl Store for AnyStore {
    async fn setting(
        &self,
        name: &str,
        candidate: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.setting(name, candidate).await,
            AnyStore::Postgres(s) => s.setting(name, candidate).await,
        }
    }

    async fn rule_versions(&self, after: u32) -> Result<Vec<StoredVersion>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.rule_versions(after).await,
            AnyStore::Postgres(s) => s.rule_versions(after).await,
        }
    }

    async fn insert_rule_version(&self, version: StoredVersion) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.insert_rule_version(version).await,
            AnyStore::Postgres(s) => s.insert_rule_version(version).await,
        }
    }

    async fn end_sessions_of(&self, user: &str) -> Result<u64, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.end_sessions_of(user).await,
            AnyStore::Postgres(s) => s.end_sessions_of(user).await,
        }
    }

    async fn register_device(
        &self,
        device: &str,
        secret_hash: &str,
        registered_at: i64,
    ) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.register_device(device, secret_hash, registered_at).await,
            AnyStore::Postgres(s) => s.register_device(device, secret_hash, registered_at).await,
        }
    }

    async fn claim_device(
        &self,
        device: &str,
        secret_hash: &str,
        user: &str,
    ) -> Result<DeviceClaim, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.claim_device(device, secret_hash, user).await,
            AnyStore::Postgres(s) => s.claim_device(device, secret_hash, user).await,
        }
    }

    async fn lottery_seed(&self, lottery: &str, candidate: String) -> Result<String, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.lottery_seed(lottery, candidate).await,
            AnyStore::Postgres(s) => s.lottery_seed(lottery, candidate).await,
        }
    }

    async fn lottery_draw(
        &self,
        lottery: &str,
        entry: DrawEntry,
        decide: impl FnOnce(&Won) -> Option<String> + Send + 'static,
    ) -> Result<Option<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.lottery_draw(lottery, entry, decide).await,
            AnyStore::Postgres(s) => s.lottery_draw(lottery, entry, decide).await,
        }
    }

    async fn lottery_draws(
        &self,
        lottery: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<DrawEntry>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.lottery_draws(lottery, after, limit).await,
            AnyStore::Postgres(s) => s.lottery_draws(lottery, after, limit).await,
        }
    }

    async fn lottery_tally(&self, lottery: &str) -> Result<(u64, Won), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.lottery_tally(lottery).await,
            AnyStore::Postgres(s) => s.lottery_tally(lottery).await,
        }
    }

    async fn members_page(
        &self,
        prefix: &str,
        offset: u64,
        limit: u32,
    ) -> Result<MembersPage, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.members_page(prefix, offset, limit).await,
            AnyStore::Postgres(s) => s.members_page(prefix, offset, limit).await,
        }
    }

    async fn grant<R, E>(
        &self,
        charge: GrantCharge,
        user: &str,
        change: impl FnOnce(&mut Record) -> Result<(R, Vec<OpRow>), E> + Send + 'static,
    ) -> Result<Granted<R, E>, StoreError>
    where
        R: Send + 'static,
        E: Send + 'static,
    {
        match self {
            AnyStore::Sqlite(s) => s.grant(charge, user, change).await,
            AnyStore::Postgres(s) => s.grant(charge, user, change).await,
        }
    }

    async fn put_consent(
        &self,
        user: &str,
        kind: &str,
        granted: bool,
        at: i64,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.put_consent(user, kind, granted, at).await,
            AnyStore::Postgres(s) => s.put_consent(user, kind, granted, at).await,
        }
    }

    async fn consents(
        &self,
        after: &str,
        members: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.consents(after, members).await,
            AnyStore::Postgres(s) => s.consents(after, members).await,
        }
    }

    async fn report_counts(&self, query: CountQuery) -> Result<Counts, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.report_counts(query).await,
            AnyStore::Postgres(s) => s.report_counts(query).await,
        }
    }

    async fn facts_complete(&self) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.facts_complete().await,
            AnyStore::Postgres(s) => s.facts_complete().await,
        }
    }

    async fn rebuild_facts(
        &self,
        users: Vec<String>,
        rebuild: impl Fn(&Record, &[OpRow]) -> MemberFacts + Send + Sync + 'static,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.rebuild_facts(users, rebuild).await,
            AnyStore::Postgres(s) => s.rebuild_facts(users, rebuild).await,
        }
    }

    async fn clear_day_totals(&self) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.clear_day_totals().await,
            AnyStore::Postgres(s) => s.clear_day_totals().await,
        }
    }

    async fn set_facts_complete(&self) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.set_facts_complete().await,
            AnyStore::Postgres(s) => s.set_facts_complete().await,
        }
    }

    async fn bulk_insert(&self, members: Vec<BulkMember>) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.bulk_insert(members).await,
            AnyStore::Postgres(s) => s.bulk_insert(members).await,
        }
    }

    async fn record_sent(
        &self,
        kind: &str,
        campaign: &str,
        users: Vec<String>,
        at: i64,
    ) -> Result<Recorded, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.record_sent(kind, campaign, users, at).await,
            AnyStore::Postgres(s) => s.record_sent(kind, campaign, users, at).await,
        }
    }

    async fn campaign_notices(&self) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.campaign_notices().await,
            AnyStore::Postgres(s) => s.campaign_notices().await,
        }
    }

    async fn users(&self) -> Result<Vec<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.users().await,
            AnyStore::Postgres(s) => s.users().await,
        }
    }

    async fn transact<R, E>(
        &self,
        user: &str,
        fresh: impl FnOnce() -> Record + Send + 'static,
        change: impl FnOnce(&mut Record) -> Result<(R, Vec<OpRow>), E> + Send + 'static,
    ) -> Result<Result<R, E>, StoreError>
    where
        R: Send + 'static,
        E: Send + 'static,
    {
        match self {
            AnyStore::Sqlite(s) => s.transact(user, fresh, change).await,
            AnyStore::Postgres(s) => s.transact(user, fresh, change).await,
        }
    }

    async fn once<E>(
        &self,
        key: &str,
        request: &str,
        user: &str,
        order: Option<&str>,
        now: i64,
        change: impl FnOnce(&mut Record) -> Result<(String, Vec<OpRow>), E> + Send + 'static,
    ) -> Result<Once<E>, StoreError>
    where
        E: Send + 'static,
    {
        match self {
            AnyStore::Sqlite(s) => s.once(key, request, user, order, now, change).await,
            AnyStore::Postgres(s) => s.once(key, request, user, order, now, change).await,
        }
    }

    async fn invite_code(&self, user: &str, candidate: &str) -> Result<Option<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.invite_code(user, candidate).await,
            AnyStore::Postgres(s) => s.invite_code(user, candidate).await,
        }
    }

    async fn inviter(&self, code: &str) -> Result<Option<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.inviter(code).await,
            AnyStore::Postgres(s) => s.inviter(code).await,
        }
    }

    async fn load(&self, user: &str) -> Result<Option<Record>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.load(user).await,
            AnyStore::Postgres(s) => s.load(user).await,
        }
    }

    async fn ops(&self, user: &str) -> Result<Vec<OpRow>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.ops(user).await,
            AnyStore::Postgres(s) => s.ops(user).await,
        }
    }

    async fn op_logs(&self, users: Vec<String>) -> Result<Vec<MemberOps>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.op_logs(users).await,
            AnyStore::Postgres(s) => s.op_logs(users).await,
        }
    }

    async fn put_session(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.put_session(token_hash, user, expires_at, now).await,
            AnyStore::Postgres(s) => s.put_session(token_hash, user, expires_at, now).await,
        }
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.delete_session(token_hash).await,
            AnyStore::Postgres(s) => s.delete_session(token_hash).await,
        }
    }

    async fn session(&self, token_hash: &str) -> Result<Option<(String, i64)>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.session(token_hash).await,
            AnyStore::Postgres(s) => s.session(token_hash).await,
        }
    }
}
