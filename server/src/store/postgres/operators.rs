//! Operators, console sessions and the audit log in PostgreSQL (`store/operators.rs`).

use super::{err, Postgres};
use crate::store::operators::{
    keeps_an_admin, AuditQuery, AuditRow, ConsoleSession, OperatorRow, OperatorStore,
    OperatorUpdate,
};
use crate::store::StoreError;
use tokio_postgres::Row;

const SELECT_OPERATOR: &str = "SELECT name, role, password_hash, disabled, created_at, \
     updated_at, last_login_at FROM operators";

fn operator_row(r: &Row) -> OperatorRow {
    OperatorRow {
        name: r.get(0),
        role: r.get(1),
        password_hash: r.get(2),
        disabled: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
        last_login_at: r.get(6),
    }
}

impl OperatorStore for Postgres {
    async fn add_operator(&self, op: &OperatorRow) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .await
            .client
            .execute(
                "INSERT INTO operators (name, role, password_hash, disabled, created_at, \
                 updated_at, last_login_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (name) DO NOTHING",
                &[
                    &op.name,
                    &op.role,
                    &op.password_hash,
                    &op.disabled,
                    &op.created_at,
                    &op.updated_at,
                    &op.last_login_at,
                ],
            )
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn operator(&self, name: &str) -> Result<Option<OperatorRow>, StoreError> {
        let row = self
            .conn()
            .await
            .client
            .query_opt(&format!("{SELECT_OPERATOR} WHERE name = $1"), &[&name])
            .await
            .map_err(err)?;
        Ok(row.as_ref().map(operator_row))
    }

    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        let rows = self
            .conn()
            .await
            .client
            .query(
                &format!("{SELECT_OPERATOR} ORDER BY name COLLATE \"C\""),
                &[],
            )
            .await
            .map_err(err)?;
        Ok(rows.iter().map(operator_row).collect())
    }

    async fn update_operator(&self, op: &OperatorRow) -> Result<OperatorUpdate, StoreError> {
        let mut conn = self.conn().await;
        let tx = conn.client.transaction().await.map_err(err)?;
        // Without the lock, two admins demoting each other at once would each see the other
        // still an admin (read committed) and both succeed. It lets reads through and holds
        // only for this short transaction; operators change rarely.
        tx.execute("LOCK TABLE operators IN SHARE ROW EXCLUSIVE MODE", &[])
            .await
            .map_err(err)?;
        let written = tx
            .execute(
                &format!(
                    "UPDATE operators SET role = $2, password_hash = $3, disabled = $4, \
                     updated_at = $5 WHERE name = $1 AND {}",
                    keeps_an_admin("$1", "$2", "$4")
                ),
                &[
                    &op.name,
                    &op.role,
                    &op.password_hash,
                    &op.disabled,
                    &op.updated_at,
                ],
            )
            .await
            .map_err(err)?;
        let outcome = if written == 1 {
            OperatorUpdate::Done
        } else if tx
            .query_opt("SELECT 1 FROM operators WHERE name = $1", &[&op.name])
            .await
            .map_err(err)?
            .is_some()
        {
            OperatorUpdate::LastAdmin
        } else {
            OperatorUpdate::Unknown
        };
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }

    async fn record_login(&self, name: &str, at: i64) -> Result<(), StoreError> {
        self.conn()
            .await
            .client
            .execute(
                "UPDATE operators SET last_login_at = $2 WHERE name = $1",
                &[&name, &at],
            )
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn put_console_session(
        &self,
        token_hash: &str,
        operator: &str,
        csrf: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await;
        let tx = conn.client.transaction().await.map_err(err)?;
        tx.execute(
            "DELETE FROM console_sessions WHERE expires_at < $1",
            &[&created_at],
        )
        .await
        .map_err(err)?;
        tx.execute(
            "INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[&token_hash, &operator, &csrf, &created_at, &expires_at],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    async fn console_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let row = self
            .conn()
            .await
            .client
            .query_opt(
                "SELECT s.operator, o.role, o.disabled, s.csrf, s.expires_at \
                 FROM console_sessions s JOIN operators o ON o.name = s.operator \
                 WHERE s.token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(err)?;
        Ok(row.map(|r| ConsoleSession {
            operator: r.get(0),
            role: r.get(1),
            disabled: r.get(2),
            csrf: r.get(3),
            expires_at: r.get(4),
        }))
    }

    async fn delete_console_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.conn()
            .await
            .client
            .execute(
                "DELETE FROM console_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map(|n| n > 0)
            .map_err(err)
    }

    async fn end_console_sessions_of(&self, name: &str) -> Result<u64, StoreError> {
        self.conn()
            .await
            .client
            .execute("DELETE FROM console_sessions WHERE operator = $1", &[&name])
            .await
            .map_err(err)
    }

    async fn add_audit(&self, e: &AuditRow) -> Result<i64, StoreError> {
        let row = self
            .conn()
            .await
            .client
            .query_one(
                "INSERT INTO audit_log (at, actor, role, action, target, before_json, \
                 after_json, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &e.at, &e.actor, &e.role, &e.action, &e.target, &e.before, &e.after, &e.address,
                ],
            )
            .await
            .map_err(err)?;
        Ok(row.get(0))
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self
            .conn()
            .await
            .client
            .query(
                "SELECT id, at, actor, role, action, target, before_json, after_json, address \
                 FROM audit_log WHERE ($1::text IS NULL OR target = $1) \
                 AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR action = $3) \
                 AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
                &[
                    &q.target,
                    &q.actor,
                    &q.action,
                    &q.before_id,
                    &i64::from(q.limit),
                ],
            )
            .await
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                id: r.get(0),
                at: r.get(1),
                actor: r.get(2),
                role: r.get(3),
                action: r.get(4),
                target: r.get(5),
                before: r.get(6),
                after: r.get(7),
                address: r.get(8),
            })
            .collect())
    }
}
