//! Operators, console sessions and the audit log in SQLite (`store/operators.rs`).

use super::{err, Sqlite};
use crate::store::operators::{
    keeps_an_admin, AuditQuery, AuditRow, ConsoleSession, OperatorRow, OperatorStore,
    OperatorUpdate,
};
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension, Row};

const OPERATOR_COLUMNS: &str =
    "name, role, password_hash, disabled, created_at, updated_at, last_login_at";

fn operator_row(r: &Row) -> rusqlite::Result<OperatorRow> {
    Ok(OperatorRow {
        name: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        disabled: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        last_login_at: r.get(6)?,
    })
}

impl OperatorStore for Sqlite {
    async fn add_operator(&self, op: &OperatorRow) -> Result<bool, StoreError> {
        let op = op.clone();
        self.blocking(move |conn| {
            conn.execute(
                &format!(
                    "INSERT INTO operators ({OPERATOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (name) DO NOTHING"
                ),
                params![
                    op.name,
                    op.role,
                    op.password_hash,
                    op.disabled,
                    op.created_at,
                    op.updated_at,
                    op.last_login_at
                ],
            )
            .map(|n| n == 1)
            .map_err(err)
        })
        .await
    }

    async fn operator(&self, name: &str) -> Result<Option<OperatorRow>, StoreError> {
        let name = name.to_owned();
        self.reading(move |conn| {
            conn.query_row(
                &format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE name = ?1"),
                params![name],
                operator_row,
            )
            .optional()
            .map_err(err)
        })
        .await
    }

    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        self.reading(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY name"
                ))
                .map_err(err)?;
            let rows = stmt.query_map([], operator_row).map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }

    async fn update_operator(&self, op: &OperatorRow) -> Result<OperatorUpdate, StoreError> {
        let op = op.clone();
        // One connection writes at a time: the guarded update and the look that explains a
        // refusal see the same rows.
        self.blocking(move |conn| {
            let written = conn
                .execute(
                    &format!(
                        "UPDATE operators SET role = ?2, password_hash = ?3, disabled = ?4, \
                         updated_at = ?5 WHERE name = ?1 AND {}",
                        keeps_an_admin("?1", "?2", "?4")
                    ),
                    params![
                        op.name,
                        op.role,
                        op.password_hash,
                        op.disabled,
                        op.updated_at
                    ],
                )
                .map_err(err)?;
            if written == 1 {
                return Ok(OperatorUpdate::Done);
            }
            let known: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM operators WHERE name = ?1",
                    params![op.name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            Ok(match known {
                Some(_) => OperatorUpdate::LastAdmin,
                None => OperatorUpdate::Unknown,
            })
        })
        .await
    }

    async fn record_login(&self, name: &str, at: i64) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.blocking(move |conn| {
            conn.execute(
                "UPDATE operators SET last_login_at = ?2 WHERE name = ?1",
                params![name, at],
            )
            .map(|_| ())
            .map_err(err)
        })
        .await
    }

    async fn put_console_session(
        &self,
        token_hash: &str,
        operator: &str,
        csrf: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let (token_hash, operator, csrf) =
            (token_hash.to_owned(), operator.to_owned(), csrf.to_owned());
        self.blocking(move |conn| {
            let tx = conn.transaction().map_err(err)?;
            tx.execute(
                "DELETE FROM console_sessions WHERE expires_at < ?1",
                params![created_at],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, operator, csrf, created_at, expires_at],
            )
            .map_err(err)?;
            tx.commit().map_err(err)
        })
        .await
    }

    async fn console_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let token_hash = token_hash.to_owned();
        // Each read sees every commit before it (WAL): a disable counts from the next request.
        self.reading(move |conn| {
            conn.prepare_cached(
                "SELECT s.operator, o.role, o.disabled, s.csrf, s.expires_at \
                 FROM console_sessions s JOIN operators o ON o.name = s.operator \
                 WHERE s.token_hash = ?1",
            )
            .map_err(err)?
            .query_row(params![token_hash], |r| {
                Ok(ConsoleSession {
                    operator: r.get(0)?,
                    role: r.get(1)?,
                    disabled: r.get(2)?,
                    csrf: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            })
            .optional()
            .map_err(err)
        })
        .await
    }

    async fn delete_console_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let token_hash = token_hash.to_owned();
        self.blocking(move |conn| {
            conn.execute(
                "DELETE FROM console_sessions WHERE token_hash = ?1",
                params![token_hash],
            )
            .map(|n| n > 0)
            .map_err(err)
        })
        .await
    }

    async fn end_console_sessions_of(&self, name: &str) -> Result<u64, StoreError> {
        let name = name.to_owned();
        self.blocking(move |conn| {
            conn.execute(
                "DELETE FROM console_sessions WHERE operator = ?1",
                params![name],
            )
            .map(|n| n as u64)
            .map_err(err)
        })
        .await
    }

    async fn add_audit(&self, e: &AuditRow) -> Result<i64, StoreError> {
        let e = e.clone();
        self.blocking(move |conn| {
            conn.execute(
                "INSERT INTO audit_log (at, actor, role, action, target, before_json, \
                 after_json, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![e.at, e.actor, e.role, e.action, e.target, e.before, e.after, e.address],
            )
            .map_err(err)?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
        let q = q.clone();
        self.reading(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, at, actor, role, action, target, before_json, after_json, address \
                     FROM audit_log WHERE (?1 IS NULL OR target = ?1) \
                     AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3) \
                     AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(
                    params![q.target, q.actor, q.action, q.before_id, i64::from(q.limit)],
                    |r| {
                        Ok(AuditRow {
                            id: r.get(0)?,
                            at: r.get(1)?,
                            actor: r.get(2)?,
                            role: r.get(3)?,
                            action: r.get(4)?,
                            target: r.get(5)?,
                            before: r.get(6)?,
                            after: r.get(7)?,
                            address: r.get(8)?,
                        })
                    },
                )
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }
}
