//! The embedded backend: one SQLite file under the data dir, in WAL mode. Writes take the
//! database's write lock (`BEGIN IMMEDIATE`), which serializes syncs within and across
//! processes sharing the file; member transactions queued meanwhile commit together
//! (`group_commit.rs`), so one flush covers many syncs.

use super::group_commit::{Queue, Reply};
use super::report_sql::{self as q, count, CampaignCounts, CountQuery, Counts};
use super::{
    decode, device_claim, encode, BulkMember, DeviceClaim, DrawEntry, GrantCharge, Granted,
    MemberOps, MembersPage, Once, OpRow, Record, Recorded, Store, StoreError, StoredVersion, Won,
};
use crate::facts::{commit, Changes, FactRules, FactTimeline, MemberFacts};
mod members;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;

mod operators;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The schema, as migrations: each runs once, in order, in a transaction that also records
/// its number in `schema_version` (`super::migrations`). Append, never edit: a deployed
/// database has run the ones before.
const MIGRATIONS: &[&str] = &[
    // 1: members, their op log, consents, sessions, lotteries (before issue 14).
    "CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  server_version INTEGER NOT NULL,
  state TEXT NOT NULL,
  processed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ops (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  op TEXT NOT NULL,
  result TEXT NOT NULL,
  UNIQUE (user_id, device, seq)
);
CREATE TABLE IF NOT EXISTS consents (
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  granted INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind)
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS lotteries (
  lottery TEXT PRIMARY KEY,
  seed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lottery_draws (
  lottery TEXT NOT NULL,
  n INTEGER NOT NULL,
  member TEXT NOT NULL,
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  prize TEXT,
  PRIMARY KEY (lottery, n),
  UNIQUE (lottery, member, device, seq)
);
",
    // 2: the merchant API's idempotency keys and invite codes (issue 14).
    "CREATE TABLE IF NOT EXISTS invite_codes (
  code TEXT PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS merchant_calls (
  call_key TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL,
  at INTEGER NOT NULL
);
",
    // 3: the report's fact tables (issue 16).
    q::FACT_TABLES,
    // 4: facts about the database itself, set once (`mode`: `dev` or `production`, the kind
    // of server that created it: serve/dev.rs), and sessions by member (log out everywhere)
    // (issue 25).
    "CREATE TABLE IF NOT EXISTS server_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
",
    // 5: registered devices (issue 25).
    super::DEVICES_TABLE,
    // 6: which member each merchant order id belongs to (issue 25), filled from the calls
    // made before it (the first call naming an order id wins).
    "CREATE TABLE IF NOT EXISTS merchant_orders (
  order_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL
);
INSERT OR IGNORE INTO merchant_orders (order_id, user_id, at)
  SELECT order_id, user_id, at FROM (
    SELECT substr(call_key, 7) AS order_id, user_id, at FROM merchant_calls
      WHERE call_key LIKE 'order:%'
    UNION ALL
    SELECT substr(call_key, 6), user_id, at FROM merchant_calls WHERE call_key LIKE 'hold:%'
  ) ORDER BY at;
",
    // 7: published rule versions (issue 26).
    super::RULE_VERSIONS_TABLE,
    // 8: the scorecard's fact tables (issue 27).
    q::SCORECARD_TABLES,
    // 9: subscription messages the operator sent (issue 27).
    super::MESSAGES_SENT_TABLE,
    // 10: console operators, their sessions, the audit log (issue 28).
    super::operators::SQLITE_TABLES,
    // 11: points each operator granted a day (issue 28).
    super::OPERATOR_GRANTS_TABLE,
    // 12: coupons each operator granted a day (issue 28).
    super::OPERATOR_COUPONS_COLUMN,
];

#[derive(Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
    /// Connections that only read (sessions, members, reports): in WAL mode they read
    /// while the writer writes, so a sync's session lookup does not wait for a batch commit.
    readers: Arc<[Mutex<Connection>]>,
    next_reader: Arc<AtomicUsize>,
    /// Member transactions waiting to be committed together (`group_commit.rs`).
    queue: Arc<Queue>,
    /// What decides the report facts each commit writes.
    rules: super::FollowedRules,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// The database holds sessions and lottery seeds: a directory created for it is the owner's
/// alone (0700), and the file is 0600, set before SQLite opens it (its WAL and shared-memory
/// files take the database file's mode). A directory that exists already keeps its mode: it
/// may be the working directory or `/tmp` (`--database ./x.db`), which must not be locked.
fn private_files(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let fail = |what: &Path, e: std::io::Error| StoreError(format!("{}: {e}", what.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(dir, e))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| fail(path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail(path, e))
}

/// Runs the migrations this database has not run yet, each with its version row, in one
/// transaction under the write lock (several processes may start together).
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(err)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let found: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .map_err(err)?;
    let found = super::check_schema(found.unwrap_or(0), MIGRATIONS.len())?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        tx.execute_batch(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            params![i as i64 + 1],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// Binds merchant order id `order` to `user` unless it is bound already; false when it is
/// another member's.
fn bind_order(
    tx: &rusqlite::Transaction,
    order: &str,
    user: &str,
    now: i64,
) -> Result<bool, StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO merchant_orders (order_id, user_id, at) VALUES (?1, ?2, ?3)",
        params![order, user, now],
    )
    .map_err(err)?;
    let owner: String = tx
        .query_row(
            "SELECT user_id FROM merchant_orders WHERE order_id = ?1",
            params![order],
            |r| r.get(0),
        )
        .map_err(err)?;
    Ok(owner == user)
}

impl Sqlite {
    /// Opens (creating if needed) the database file; `rules` decide the report facts.
    pub fn open(path: &Path, rules: FactRules) -> Result<Sqlite, StoreError> {
        private_files(path)?;
        let mut conn = Connection::open(path)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // FULL: a commit is on disk before the client hears "acked" and drops its ops; NORMAL
        // in WAL mode can lose the last commits on power loss (docs/PERFORMANCE.md: the cost).
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        migrate(&mut conn)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
                reader
                    .busy_timeout(std::time::Duration::from_secs(10))
                    .map_err(err)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Sqlite {
            conn: Arc::new(Mutex::new(conn)),
            readers: readers.into(),
            next_reader: Arc::default(),
            queue: Arc::default(),
            rules: super::FollowedRules::new(rules),
        })
    }

    /// Makes the facts of the next commits follow `rules` (the server's rule versions).
    pub fn follow_rules(&self, rules: FactTimeline) {
        self.rules.follow(rules);
    }

    /// Runs blocking database work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic in an earlier call poisoned the lock, but its transaction was dropped,
            // and so rolled back, on the way out: the connection is as good as before.
            let mut guard = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(err)?
    }

    /// Runs blocking reads off the async threads, on a free read-only connection.
    async fn reading<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let n = readers.len();
            let mut guard = (0..n)
                .find_map(|k| readers[(start + k) % n].try_lock().ok())
                .unwrap_or_else(|| {
                    readers[start % n]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                });
            work(&mut guard)
        })
        .await
        .map_err(err)?
    }
}

/// Read-only connections beside the writer.
const READERS: usize = 4;

// The statements of every sync are prepared once per connection (`prepare_cached`), not
// parsed again each time (docs/performance-notes.md).
fn load_row(conn: &Connection, user: &str) -> Result<Option<Record>, StoreError> {
    conn.prepare_cached("SELECT state, processed, server_version FROM members WHERE user_id = ?1")
        .map_err(err)?
        .query_row(params![user], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()
        .map_err(err)?
        .map(|(s, p, v)| decode(&s, &p, v))
        .transpose()
}

const UPSERT_MEMBER: &str =
    "INSERT INTO members (user_id, server_version, state, processed) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (user_id) DO UPDATE SET server_version = ?2, state = ?3, processed = ?4";
/// A bulk load's members are new: one already there is an error, not an update.
const INSERT_MEMBER: &str =
    "INSERT INTO members (user_id, server_version, state, processed) VALUES (?1, ?2, ?3, ?4)";

/// Writes a member's record (`sql`: [`UPSERT_MEMBER`] or [`INSERT_MEMBER`]) and the op rows of
/// the change (inside the caller's transaction).
fn write_record(
    tx: &Connection,
    sql: &str,
    user: &str,
    record: &Record,
    rows: &[OpRow],
) -> Result<(), StoreError> {
    let (state, processed) = encode(record);
    tx.prepare_cached(sql)
        .map_err(err)?
        .execute(params![
            user,
            i64::from(record.server_version),
            state,
            processed
        ])
        .map_err(err)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO ops (user_id, device, seq, at, op, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(err)?;
    for row in rows {
        insert
            .execute(params![
                user,
                row.device,
                i64::from(row.seq),
                row.at,
                row.op,
                row.result
            ])
            .map_err(err)?;
    }
    Ok(())
}

/// Writes one commit's report facts (inside the caller's transaction).
fn write_facts(tx: &Connection, user: &str, c: &Changes) -> Result<(), StoreError> {
    let run = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<(), StoreError> {
        tx.prepare_cached(sql)
            .map_err(err)?
            .execute(p)
            .map_err(err)?;
        Ok(())
    };
    if let Some((joined, paid_until)) = c.member {
        run(q::UPSERT_MEMBER, params![user, joined, paid_until])?;
    }
    for day in &c.days {
        run(q::ADD_DAY, params![user, day])?;
    }
    if c.returned != 0 {
        run(q::ADD_RETURNED, params![user, c.returned])?;
    }
    if let Some((from, spans)) = &c.tiers {
        run(q::CUT_TIERS, params![user, from])?;
        run(q::END_TIER, params![user, from])?;
        for s in spans {
            run(q::ADD_TIER, params![user, s.from, s.until, s.tier])?;
        }
    }
    for (campaign, days, joined) in &c.campaigns {
        run(q::UPSERT_CAMPAIGN, params![user, campaign, days, joined])?;
    }
    for (sql, params) in q::scorecard_writes(user, c) {
        let params: Vec<Box<dyn rusqlite::ToSql>> = params
            .into_iter()
            .map(|p| -> Box<dyn rusqlite::ToSql> {
                match p {
                    q::Param::Small(n) => Box::new(n),
                    q::Param::Int(n) => Box::new(n),
                    q::Param::Text(s) => Box::new(s),
                }
            })
            .collect();
        let refs: Vec<&dyn rusqlite::ToSql> = params.iter().map(|p| p.as_ref()).collect();
        run(sql, &refs)?;
    }
    Ok(())
}

/// The ops of a member in arrival order.
fn ops_of(conn: &Connection, user: &str) -> Result<Vec<OpRow>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT device, seq, at, op, result FROM ops WHERE user_id = ?1 ORDER BY id")
        .map_err(err)?;
    let rows = stmt
        .query_map(params![user], |r| {
            Ok(OpRow {
                device: r.get(0)?,
                seq: r.get::<_, i64>(1)? as u32,
                at: r.get(2)?,
                op: r.get(3)?,
                result: r.get(4)?,
            })
        })
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

/// The op logs of `users` (`Store::op_logs`): the join day read out of the stored state's
/// JSON by SQLite, not decoded whole.
fn op_logs_of(conn: &Connection, users: Vec<String>) -> Result<Vec<MemberOps>, StoreError> {
    let mut joined = conn
        .prepare_cached("SELECT json_extract(state, '$.joined') FROM members WHERE user_id = ?1")
        .map_err(err)?;
    let mut ops = conn
        .prepare_cached(
            "SELECT device, seq, at, op, result FROM ops WHERE user_id = ?1 ORDER BY id",
        )
        .map_err(err)?;
    let mut logs = Vec::with_capacity(users.len());
    for user in users {
        let day: Option<i64> = joined
            .query_row(params![user], |r| r.get(0))
            .optional()
            .map_err(err)?;
        let Some(day) = day else { continue };
        let rows = ops
            .query_map(params![user], |r| {
                Ok(OpRow {
                    device: r.get(0)?,
                    seq: r.get::<_, i64>(1)? as u32,
                    at: r.get(2)?,
                    op: r.get(3)?,
                    result: r.get(4)?,
                })
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let joined = i32::try_from(day)
            .map_err(|_| StoreError(format!("member `{user}`: stored join day {day}")))?;
        logs.push(MemberOps { user, joined, rows });
    }
    Ok(logs)
}

/// The report's aggregates (`report_sql.rs`).
fn counts(conn: &Connection, query: &CountQuery) -> Result<Counts, StoreError> {
    // A count, and a second one (a SUM: NULL over no rows) when the query has it.
    let one = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<(i64, i64), StoreError> {
        conn.query_row(sql, p, |r| {
            let second = match r.as_ref().column_count() {
                1 => 0,
                _ => r.get::<_, Option<i64>>(1)?.unwrap_or(0),
            };
            Ok((r.get::<_, i64>(0)?, second))
        })
        .map_err(err)
    };
    let tiers = |sql: &str| -> Result<Vec<(u8, i32, u32)>, StoreError> {
        let mut stmt = conn.prepare(sql).map_err(err)?;
        let rows = stmt
            .query_map(params![query.last_sample], |r| {
                Ok((r.get::<_, u8>(0)?, r.get::<_, i32>(1)?, count(r.get(2)?)))
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    };
    // Rows of a key and one or two sums.
    fn keyed<K: rusqlite::types::FromSql>(
        conn: &Connection,
        sql: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<(K, i64, i64)>, StoreError> {
        let mut stmt = conn.prepare(sql).map_err(err)?;
        let rows = stmt
            .query_map(p, |r| {
                let third = match r.as_ref().column_count() {
                    3 => r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    _ => 0,
                };
                Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0), third))
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
    fn two<K>(rows: Vec<(K, i64, i64)>) -> Vec<(K, i64)> {
        rows.into_iter().map(|(k, n, _)| (k, n)).collect()
    }
    let (from, to) = (query.from, query.to);
    let mut out = Counts {
        members: count(one(q::COUNT_MEMBERS, &[])?.0),
        tier_starts: tiers(q::TIER_STARTS)?,
        tier_ends: tiers(q::TIER_ENDS)?,
        amounts: two(keyed(conn, q::AMOUNTS_IN, params![from, to])?),
        net_after: two(keyed(conn, q::NET_AFTER, params![query.first_balance])?),
        lots: two(keyed(conn, q::LOTS_BY_EXPIRY, &[])?),
        services: two(keyed(
            conn,
            q::SERVICES_BY_DAY,
            params![query.services_from, to],
        )?),
        upgrades: keyed::<u8>(conn, q::UPGRADES, params![from, to])?
            .into_iter()
            .map(|(tier, n, up)| (tier, count(n), count(up)))
            .collect(),
        ..Counts::default()
    };
    let mut stmt = conn.prepare(q::JOINS).map_err(err)?;
    let rows = stmt
        .query_map(params![query.from, query.to], |r| {
            Ok((
                r.get::<_, i32>(0)?,
                r.get::<_, i64>(1)? == 1,
                r.get::<_, u8>(2)?,
                count(r.get(3)?),
            ))
        })
        .map_err(err)?;
    out.joins = rows.collect::<Result<Vec<_>, _>>().map_err(err)?;
    for c in &query.campaigns {
        let three = |sql, p: &[&dyn rusqlite::ToSql]| -> Result<(i64, i64, i64), StoreError> {
            Ok(keyed::<i64>(conn, sql, p)?
                .first()
                .copied()
                .unwrap_or_default())
        };
        let (participants, completed, points) = three(q::PARTICIPANTS, params![c.id, c.days])?;
        let (others, others_retained, others_revenue) = three(
            q::OTHERS,
            params![
                c.id,
                c.first - 7,
                c.first - 1,
                c.last + 1,
                c.last + 7,
                c.first,
                c.last + 7
            ],
        )?;
        let (notified, notified_participants) = one(q::NOTIFIED, params![c.id])?;
        out.campaigns.push(CampaignCounts {
            active: count(one(q::ACTIVE, params![c.first, c.last])?.0),
            participants: count(participants),
            completed: count(completed),
            participants_retained: count(
                one(
                    q::PARTICIPANTS_RETAINED,
                    params![c.id, c.last + 1, c.last + 7],
                )?
                .0,
            ),
            others: count(others),
            others_retained: count(others_retained),
            points,
            coupons: two(keyed(
                conn,
                q::PARTICIPANT_COUPONS,
                params![c.id, c.first, c.last],
            )?),
            revenue: one(q::PARTICIPANT_REVENUE, params![c.id, c.first, c.last + 7])?.0,
            others_revenue,
            notified: count(notified),
            notified_participants: count(notified_participants),
        });
    }
    if let Some(from) = query.list_from {
        let mut stmt = conn.prepare(q::JOINED_LIST).map_err(err)?;
        let rows = stmt
            .query_map(params![from, query.to], |r| {
                Ok((r.get(0)?, r.get::<_, i32>(1)?, r.get::<_, u8>(2)?))
            })
            .map_err(err)?;
        out.listed = rows.collect::<Result<Vec<_>, _>>().map_err(err)?;
    }
    Ok(out)
}

fn draw_row(r: &rusqlite::Row) -> rusqlite::Result<DrawEntry> {
    Ok(DrawEntry {
        member: r.get(0)?,
        device: r.get(1)?,
        seq: r.get::<_, i64>(2)? as u32,
        weight: r.get::<_, i64>(3)? as u16,
        prize: r.get(4)?,
    })
}

/// A device's registration time and member, if `secret_hash` is its secret's.
fn device_row(
    conn: &Connection,
    device: &str,
    secret_hash: &str,
) -> Result<Option<(i64, Option<String>)>, StoreError> {
    conn.prepare_cached(
        "SELECT registered_at, user_id FROM devices WHERE device = ?1 AND secret_hash = ?2",
    )
    .map_err(err)?
    .query_row(params![device, secret_hash], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
    .map_err(err)
}

impl Store for Sqlite {
    async fn rule_versions(&self, after: u32) -> Result<Vec<StoredVersion>, StoreError> {
        self.reading(move |conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT number, effective_from, hash, author, note, published_at, rules, \
                     mapping FROM rule_versions WHERE number > ?1 ORDER BY number",
                )
                .map_err(err)?;
            let rows = st
                .query_map(params![i64::from(after)], |r| {
                    Ok(StoredVersion {
                        number: r.get::<_, i64>(0)? as u32,
                        effective_from: r.get(1)?,
                        hash: r.get(2)?,
                        author: r.get(3)?,
                        note: r.get(4)?,
                        published_at: r.get(5)?,
                        rules: r.get(6)?,
                        mapping: r.get(7)?,
                    })
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }

    async fn insert_rule_version(&self, v: StoredVersion) -> Result<bool, StoreError> {
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO rule_versions (number, effective_from, hash, author, note, \
                 published_at, rules, mapping) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT DO NOTHING",
                params![
                    i64::from(v.number),
                    v.effective_from,
                    v.hash,
                    v.author,
                    v.note,
                    v.published_at,
                    v.rules,
                    v.mapping
                ],
            )
            .map(|n| n == 1)
            .map_err(err)
        })
        .await
    }

    async fn setting(
        &self,
        name: &str,
        candidate: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.blocking(move |conn| {
            if let Some(value) = candidate {
                conn.execute(
                    "INSERT INTO server_settings (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![name, value],
                )
                .map_err(err)?;
            }
            conn.query_row(
                "SELECT value FROM server_settings WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
        })
        .await
    }

    async fn register_device(
        &self,
        device: &str,
        secret_hash: &str,
        registered_at: i64,
    ) -> Result<bool, StoreError> {
        let (device, secret_hash) = (device.to_owned(), secret_hash.to_owned());
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO devices (device, secret_hash, registered_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (device) DO NOTHING",
                params![device, secret_hash, registered_at],
            )
            .map(|n| n == 1)
            .map_err(err)
        })
        .await
    }

    async fn end_sessions_of(&self, user: &str) -> Result<u64, StoreError> {
        let user = user.to_owned();
        self.blocking(move |conn| {
            conn.execute("DELETE FROM sessions WHERE user_id = ?1", params![user])
                .map(|n| n as u64)
                .map_err(err)
        })
        .await
    }

    async fn claim_device(
        &self,
        device: &str,
        secret_hash: &str,
        user: &str,
    ) -> Result<DeviceClaim, StoreError> {
        let (device, secret_hash, user) =
            (device.to_owned(), secret_hash.to_owned(), user.to_owned());
        // Every sync asks: a reader answers a bound device; only a first sync writes.
        let (d, h) = (device.clone(), secret_hash.clone());
        let row = self.reading(move |conn| device_row(conn, &d, &h)).await?;
        if !matches!(row, Some((_, None))) {
            return Ok(device_claim(row, &user));
        }
        self.blocking(move |conn| {
            conn.execute(
                "UPDATE devices SET user_id = ?3 \
                 WHERE device = ?1 AND secret_hash = ?2 AND user_id IS NULL",
                params![device, secret_hash, user],
            )
            .map_err(err)?;
            Ok(device_claim(
                device_row(conn, &device, &secret_hash)?,
                &user,
            ))
        })
        .await
    }

    async fn lottery_seed(&self, lottery: &str, candidate: String) -> Result<String, StoreError> {
        let lottery = lottery.to_owned();
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO lotteries (lottery, seed) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![lottery, candidate],
            )
            .map_err(err)?;
            conn.query_row(
                "SELECT seed FROM lotteries WHERE lottery = ?1",
                params![lottery],
                |r| r.get(0),
            )
            .map_err(err)
        })
        .await
    }

    async fn lottery_draw(
        &self,
        lottery: &str,
        entry: DrawEntry,
        decide: impl FnOnce(&Won) -> Option<String> + Send + 'static,
    ) -> Result<Option<String>, StoreError> {
        let lottery = lottery.to_owned();
        self.blocking(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            let before: Option<Option<String>> = tx
                .query_row(
                    "SELECT prize FROM lottery_draws WHERE lottery = ?1 AND member = ?2 AND device = ?3 AND seq = ?4",
                    params![lottery, entry.member, entry.device, i64::from(entry.seq)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            if let Some(prize) = before {
                return Ok(prize);
            }
            let mut won = Won::new();
            let mut n = 0i64;
            {
                let mut stmt = tx
                    .prepare("SELECT prize, COUNT(*) FROM lottery_draws WHERE lottery = ?1 GROUP BY prize")
                    .map_err(err)?;
                let rows = stmt
                    .query_map(params![lottery], |r| {
                        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
                    })
                    .map_err(err)?;
                for row in rows {
                    let (prize, count) = row.map_err(err)?;
                    n += count;
                    if let Some(p) = prize {
                        won.insert(p, count as u32);
                    }
                }
            }
            let prize = decide(&won);
            tx.execute(
                "INSERT INTO lottery_draws (lottery, n, member, device, seq, weight, prize) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![lottery, n + 1, entry.member, entry.device, i64::from(entry.seq), i64::from(entry.weight), prize],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            Ok(prize)
        })
        .await
    }

    async fn lottery_draws(
        &self,
        lottery: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<DrawEntry>, StoreError> {
        let lottery = lottery.to_owned();
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.reading(move |conn| {
            let mut stmt = conn
                .prepare("SELECT member, device, seq, weight, prize FROM lottery_draws WHERE lottery = ?1 AND n > ?2 ORDER BY n LIMIT ?3")
                .map_err(err)?;
            let rows = stmt
                .query_map(params![lottery, after, i64::from(limit)], draw_row)
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }

    async fn lottery_tally(&self, lottery: &str) -> Result<(u64, Won), StoreError> {
        let lottery = lottery.to_owned();
        self.reading(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT prize, COUNT(*) FROM lottery_draws WHERE lottery = ?1 GROUP BY prize",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(params![lottery], |r| {
                    Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(err)?;
            let (mut draws, mut won) = (0u64, Won::new());
            for row in rows {
                let (prize, count) = row.map_err(err)?;
                draws += count as u64;
                if let Some(p) = prize {
                    won.insert(p, count as u32);
                }
            }
            Ok((draws, won))
        })
        .await
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
        let user = user.to_owned();
        let rules = self.rules.current();
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.queue.push(Box::new(move |tx| {
            let outcome = (|| {
                let loaded = load_row(tx, &user)?;
                let new = loaded.is_none();
                let mut record = loaded.unwrap_or_else(fresh);
                let before = record.state.clone();
                let (out, rows) = match change(&mut record) {
                    Ok(done) => done,
                    Err(e) => return Ok(Err(e)), // its savepoint rolls back
                };
                write_record(tx, UPSERT_MEMBER, &user, &record, &rows)?;
                let facts = commit(&rules, &before, new, &record.state, &rows);
                write_facts(tx, &user, &facts)?;
                Ok(Ok(out))
            })();
            let keep = matches!(outcome, Ok(Ok(_)));
            let reply: Reply = Box::new(move |committed| {
                let _ = answer.send(committed.map_err(Clone::clone).and(outcome));
            });
            (keep, reply)
        }));
        // This call's drain runs the batch its job is in, unless an earlier drain took it.
        let queue = self.queue.clone();
        self.blocking(move |conn| Ok(queue.drain(conn))).await?;
        answered
            .await
            .map_err(|_| {
                StoreError("the change failed before its commit (a panic or a database error): nothing of it was written".into())
            })?
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
        let (key, request, user) = (key.to_owned(), request.to_owned(), user.to_owned());
        let order = order.map(str::to_owned);
        let rules = self.rules.current();
        self.blocking(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            let before: Option<(String, String)> = tx
                .query_row(
                    "SELECT request, response FROM merchant_calls WHERE call_key = ?1",
                    params![key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err)?;
            if let Some((asked, answered)) = before {
                return Ok(if asked == request {
                    Once::Replayed(answered)
                } else {
                    Once::Conflict
                });
            }
            let Some(mut record) = load_row(&tx, &user)? else {
                return Ok(Once::UnknownMember);
            };
            if let Some(order) = &order {
                // Bound now; dropping `tx` (a refusal below) unbinds it.
                if !bind_order(&tx, order, &user, now)? {
                    return Ok(Once::OrderOfAnotherMember);
                }
            }
            let before = record.state.clone();
            let (response, rows) = match change(&mut record) {
                Ok(done) => done,
                Err(e) => return Ok(Once::Refused(e)),
            };
            write_record(&tx, UPSERT_MEMBER, &user, &record, &rows)?;
            write_facts(&tx, &user, &commit(&rules, &before, false, &record.state, &rows))?;
            tx.execute(
                "INSERT INTO merchant_calls (call_key, user_id, request, response, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, user, request, response, now],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            Ok(Once::Done(response))
        })
        .await
    }

    async fn invite_code(&self, user: &str, candidate: &str) -> Result<Option<String>, StoreError> {
        let (user, candidate) = (user.to_owned(), candidate.to_owned());
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO invite_codes (code, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![candidate, user],
            )
            .map_err(err)?;
            conn.query_row(
                "SELECT code FROM invite_codes WHERE user_id = ?1",
                params![user],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
        })
        .await
    }

    async fn inviter(&self, code: &str) -> Result<Option<String>, StoreError> {
        let code = code.to_owned();
        self.reading(move |conn| {
            conn.query_row(
                "SELECT user_id FROM invite_codes WHERE code = ?1",
                params![code],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
        })
        .await
    }

    async fn load(&self, user: &str) -> Result<Option<Record>, StoreError> {
        let user = user.to_owned();
        self.reading(move |conn| load_row(conn, &user)).await
    }

    async fn users(&self) -> Result<Vec<String>, StoreError> {
        self.reading(|conn| {
            let mut stmt = conn
                .prepare("SELECT user_id FROM members ORDER BY user_id")
                .map_err(err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
            let mut users = rows.collect::<Result<Vec<String>, _>>().map_err(err)?;
            users.sort(); // byte order, as every backend returns it
            Ok(users)
        })
        .await
    }

    async fn record_sent(
        &self,
        kind: &str,
        campaign: &str,
        users: Vec<String>,
        at: i64,
    ) -> Result<Recorded, StoreError> {
        let (kind, campaign) = (kind.to_owned(), campaign.to_owned());
        self.blocking(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let mut out = Recorded::default();
            {
                let mut member = tx
                    .prepare_cached("SELECT 1 FROM members WHERE user_id = ?1")
                    .map_err(err)?;
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO messages_sent (kind, campaign, user_id, at) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    )
                    .map_err(err)?;
                for user in users {
                    if !member.exists(params![user]).map_err(err)? {
                        out.unknown.push(user);
                        continue;
                    }
                    let n = insert
                        .execute(params![kind, campaign, user, at])
                        .map_err(err)?;
                    out.recorded += n as u32;
                }
            }
            tx.commit().map_err(err)?;
            Ok(out)
        })
        .await
    }

    async fn campaign_notices(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.reading(|conn| {
            let mut stmt = conn
                .prepare("SELECT campaign, user_id FROM messages_sent WHERE kind = 'campaign'")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(err)?;
            rows.collect::<Result<Vec<(String, String)>, _>>()
                .map_err(err)
        })
        .await
    }

    async fn ops(&self, user: &str) -> Result<Vec<OpRow>, StoreError> {
        let user = user.to_owned();
        self.reading(move |conn| ops_of(conn, &user)).await
    }

    async fn op_logs(&self, users: Vec<String>) -> Result<Vec<MemberOps>, StoreError> {
        self.reading(move |conn| op_logs_of(conn, users)).await
    }

    async fn report_counts(&self, query: CountQuery) -> Result<Counts, StoreError> {
        self.reading(move |conn| counts(conn, &query)).await
    }

    async fn facts_complete(&self) -> Result<bool, StoreError> {
        self.reading(|conn| {
            conn.query_row(q::FACTS_COMPLETE, [], |r| r.get::<_, Option<i64>>(0))
                .map(|c| c == Some(1))
                .map_err(err)
        })
        .await
    }

    async fn rebuild_facts(
        &self,
        users: Vec<String>,
        rebuild: impl Fn(&Record, &[OpRow]) -> MemberFacts + Send + Sync + 'static,
    ) -> Result<(), StoreError> {
        self.blocking(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            for user in &users {
                let Some(record) = load_row(&tx, user)? else {
                    continue;
                };
                let facts = rebuild(&record, &ops_of(&tx, user)?);
                write_facts(&tx, user, &facts.as_changes())?;
            }
            tx.commit().map_err(err)
        })
        .await
    }

    async fn bulk_insert(&self, members: Vec<BulkMember>) -> Result<(), StoreError> {
        self.blocking(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            for m in &members {
                write_record(&tx, INSERT_MEMBER, &m.user, &m.record, &m.rows).map_err(|e| {
                    StoreError(format!(
                        "member `{}`: {} (a bulk load writes new members only)",
                        m.user, e.0
                    ))
                })?;
                write_facts(&tx, &m.user, &m.facts.as_changes())?;
            }
            tx.commit().map_err(err)
        })
        .await
    }

    async fn clear_day_totals(&self) -> Result<(), StoreError> {
        self.blocking(|conn| conn.execute_batch(q::CLEAR_DAY_TOTALS).map_err(err))
            .await
    }

    async fn set_facts_complete(&self) -> Result<(), StoreError> {
        self.blocking(|conn| {
            conn.execute(q::SET_FACTS_COMPLETE, [])
                .map(|_| ())
                .map_err(err)
        })
        .await
    }

    async fn members_page(
        &self,
        prefix: &str,
        offset: u64,
        limit: u32,
    ) -> Result<MembersPage, StoreError> {
        self.page(prefix, offset, limit).await
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
        self.charged_grant(charge, user, change).await
    }

    async fn put_consent(
        &self,
        user: &str,
        kind: &str,
        granted: bool,
        at: i64,
    ) -> Result<(), StoreError> {
        let (user, kind) = (user.to_owned(), kind.to_owned());
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO consents (user_id, kind, granted, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, kind) DO UPDATE SET granted = ?3, at = ?4",
                params![user, kind, granted, at],
            )
            .map(|_| ())
            .map_err(err)
        })
        .await
    }

    async fn consents(
        &self,
        after: &str,
        members: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let after = after.to_owned();
        self.reading(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT user_id, kind FROM consents WHERE granted = 1 AND user_id IN \
                     (SELECT DISTINCT user_id FROM consents WHERE granted = 1 AND user_id > ?1 \
                      ORDER BY user_id LIMIT ?2) ORDER BY user_id, kind",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(params![after, i64::from(members)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<(String, String)>, _>>()
                .map_err(err)
        })
        .await
    }

    async fn put_session(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let (token_hash, user) = (token_hash.to_owned(), user.to_owned());
        self.blocking(move |conn| {
            let tx = conn.transaction().map_err(err)?;
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now])
                .map_err(err)?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (token_hash) DO UPDATE SET user_id = ?2, expires_at = ?3",
                params![token_hash, user, expires_at],
            )
            .map_err(err)?;
            tx.commit().map_err(err)
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let token_hash = token_hash.to_owned();
        self.blocking(move |conn| {
            conn.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![token_hash],
            )
            .map(|n| n > 0)
            .map_err(err)
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<(String, i64)>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.reading(move |conn| {
            conn.query_row(
                "SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1",
                params![token_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::private_files;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// A directory made for the database is private, the file always is; a directory that
    /// was there (the working directory, /tmp) keeps its mode.
    #[test]
    fn the_database_is_private_and_existing_directories_keep_their_mode() {
        let base = std::env::temp_dir().join(format!("zailai-modes-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let made = base.join("data").join("zailai.db");
        private_files(&made).unwrap();
        assert_eq!(mode(made.parent().unwrap()), 0o700);
        assert_eq!(mode(&made), 0o600);
        let beside = base.join("beside.db");
        std::fs::write(&beside, "").unwrap();
        std::fs::set_permissions(&beside, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_files(&beside).unwrap();
        assert_eq!(mode(&beside), 0o600, "an existing file is made private");
        assert_eq!(
            mode(&base),
            0o755,
            "an existing directory is left as it was"
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
