//! The console's people (issue 28, `docs/console.md`): operators with a role and an argon2id
//! password hash, their console sessions (kept by the hash of their token, like members'), and
//! the audit log of every write on an operator route. Both backends pass the same conformance
//! suite (`server/tests/store.rs`).

use super::{AnyStore, StoreError};
use std::future::Future;

/// Migration 10's tables; only the audit log's id column is spelled per backend.
macro_rules! tables {
    ($audit_id:literal) => {
        concat!(
            "CREATE TABLE IF NOT EXISTS operators (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_login_at BIGINT
);
CREATE TABLE IF NOT EXISTS console_sessions (
  token_hash TEXT PRIMARY KEY,
  operator TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_by_operator ON console_sessions (operator);
CREATE INDEX IF NOT EXISTS console_sessions_by_expiry ON console_sessions (expires_at);
CREATE TABLE IF NOT EXISTS audit_log (
  id ",
            $audit_id,
            ",
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_target ON audit_log (target, id);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit_log (actor, id);
"
        )
    };
}

/// Migration 10 for SQLite.
pub(crate) const SQLITE_TABLES: &str = tables!("INTEGER PRIMARY KEY AUTOINCREMENT");

/// Migration 10 for PostgreSQL.
pub(crate) const POSTGRES_TABLES: &str = tables!("BIGSERIAL PRIMARY KEY");

/// An operator as stored. `role` is `viewer`, `operator` or `admin` (`serve::auth::Role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRow {
    pub name: String,
    pub role: String,
    /// The argon2id PHC string (`$argon2id$v=19$…`); never leaves the server.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
}

/// A console session with what its operator is now (role, disabled), read in one query so
/// that a change to the operator takes effect on the very next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub operator: String,
    pub role: String,
    pub disabled: bool,
    pub csrf: String,
    pub expires_at: i64,
}

/// One audit log entry; `before` and `after` are JSON text (`null` where there was none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Given by the store (ignored when adding).
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub before: String,
    pub after: String,
    pub address: String,
}

/// Which entries to list, newest first: each filter matches exactly; `before_id` pages on
/// (only entries older than that id).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub target: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// What `update_operator` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorUpdate {
    Done,
    Unknown,
    /// Nothing written: the operator is an enabled admin, the change would end that, and no
    /// other enabled admin exists.
    LastAdmin,
}

/// The SQL condition (SQLite and PostgreSQL alike) under which a change to operator `{name}`
/// may be written: it stays an enabled admin, or it is not one now, or another enabled admin
/// exists. Checked in the same write as the change (PostgreSQL under a table lock), so two
/// admins demoting each other at once cannot both succeed.
pub(crate) fn keeps_an_admin(name: &str, role: &str, disabled: &str) -> String {
    format!(
        "(({role} = 'admin' AND NOT {disabled}) OR NOT (role = 'admin' AND NOT disabled) \
         OR EXISTS (SELECT 1 FROM operators AS other WHERE other.name <> {name} \
         AND other.role = 'admin' AND NOT other.disabled))"
    )
}

pub trait OperatorStore {
    /// Adds an operator; false (and nothing written) when the name is taken.
    fn add_operator(
        &self,
        op: &OperatorRow,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn operator(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<OperatorRow>, StoreError>> + Send;
    /// Every operator, by name.
    fn operators(&self) -> impl Future<Output = Result<Vec<OperatorRow>, StoreError>> + Send;
    /// Writes `op`'s role, password hash, disabled flag and updated_at, unless that would
    /// leave no enabled admin ([`keeps_an_admin`]).
    fn update_operator(
        &self,
        op: &OperatorRow,
    ) -> impl Future<Output = Result<OperatorUpdate, StoreError>> + Send;
    fn record_login(
        &self,
        name: &str,
        at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Stores a session (and drops the sessions expired by `created_at`).
    fn put_console_session(
        &self,
        token_hash: &str,
        operator: &str,
        csrf: &str,
        created_at: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn console_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<ConsoleSession>, StoreError>> + Send;
    /// Ends a session (logout); true if there was one.
    fn delete_console_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Ends every session of an operator (disabled, new password): how many.
    fn end_console_sessions_of(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Appends an entry; its id.
    fn add_audit(&self, entry: &AuditRow) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn audit(
        &self,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<Vec<AuditRow>, StoreError>> + Send;
}

macro_rules! both {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call,
            AnyStore::Postgres($s) => $call,
        }
    };
}

impl OperatorStore for AnyStore {
    async fn add_operator(&self, op: &OperatorRow) -> Result<bool, StoreError> {
        both!(self, s => s.add_operator(op).await)
    }
    async fn operator(&self, name: &str) -> Result<Option<OperatorRow>, StoreError> {
        both!(self, s => s.operator(name).await)
    }
    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        both!(self, s => s.operators().await)
    }
    async fn update_operator(&self, op: &OperatorRow) -> Result<OperatorUpdate, StoreError> {
        both!(self, s => s.update_operator(op).await)
    }
    async fn record_login(&self, name: &str, at: i64) -> Result<(), StoreError> {
        both!(self, s => s.record_login(name, at).await)
    }
    async fn put_console_session(
        &self,
        token_hash: &str,
        operator: &str,
        csrf: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        both!(self, s => s.put_console_session(token_hash, operator, csrf, created_at, expires_at).await)
    }
    async fn console_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        both!(self, s => s.console_session(token_hash).await)
    }
    async fn delete_console_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        both!(self, s => s.delete_console_session(token_hash).await)
    }
    async fn end_console_sessions_of(&self, name: &str) -> Result<u64, StoreError> {
        both!(self, s => s.end_console_sessions_of(name).await)
    }
    async fn add_audit(&self, entry: &AuditRow) -> Result<i64, StoreError> {
        both!(self, s => s.add_audit(entry).await)
    }
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
        both!(self, s => s.audit(query).await)
    }
}
