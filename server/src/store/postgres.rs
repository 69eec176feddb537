//! The shared backend: PostgreSQL, for several servers behind a load balancer. A member's row
//! is locked (`SELECT … FOR UPDATE`) for the length of a sync, which serializes the syncs of
//! one user across every server process.

use super::{decode, encode, OpRow, Record, Store, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  server_version BIGINT NOT NULL,
  state TEXT NOT NULL,
  processed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ops (
  id BIGSERIAL PRIMARY KEY,
  user_id TEXT NOT NULL,
  device TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  op TEXT NOT NULL,
  result TEXT NOT NULL,
  UNIQUE (user_id, device, seq)
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
";

/// A small pool of connections; each transaction holds one for its length.
pub struct Postgres {
    pool: Vec<Mutex<Client>>,
    next: AtomicUsize,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl Postgres {
    /// Connects `connections` times to `url` (`postgres://…` or `host=… port=…`) and creates
    /// the tables if needed.
    pub async fn connect(url: &str, connections: usize) -> Result<Postgres, StoreError> {
        let mut pool = Vec::new();
        for _ in 0..connections.max(1) {
            let (client, connection) = tokio_postgres::connect(url, NoTls)
                .await
                .map_err(|e| StoreError(format!("cannot connect to PostgreSQL: {e}")))?;
            tokio::spawn(connection);
            pool.push(Mutex::new(client));
        }
        pool[0]
            .lock()
            .await
            .batch_execute(SCHEMA)
            .await
            .map_err(err)?;
        Ok(Postgres {
            pool,
            next: AtomicUsize::new(0),
        })
    }

    async fn client(&self) -> tokio::sync::MutexGuard<'_, Client> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        self.pool[i].lock().await
    }
}

async fn load_row(
    client: &impl tokio_postgres::GenericClient,
    user: &str,
    lock: bool,
) -> Result<Option<Record>, StoreError> {
    let sql = if lock {
        "SELECT state, processed, server_version FROM members WHERE user_id = $1 FOR UPDATE"
    } else {
        "SELECT state, processed, server_version FROM members WHERE user_id = $1"
    };
    let row = client.query_opt(sql, &[&user]).await.map_err(err)?;
    row.map(|r| decode(r.get(0), r.get(1), r.get(2)))
        .transpose()
}

impl Store for Postgres {
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
        let mut client = self.client().await;
        let tx = client.transaction().await.map_err(err)?;
        // Make sure the row exists, then lock it: two first syncs of a new member must not
        // both start from `fresh`.
        let initial = fresh();
        let (state, processed) = encode(&initial);
        tx.execute(
            "INSERT INTO members (user_id, server_version, state, processed) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING",
            &[&user, &i64::from(initial.server_version), &state, &processed],
        )
        .await
        .map_err(err)?;
        let mut record = load_row(&tx, user, true)
            .await?
            .ok_or_else(|| StoreError("member row vanished".into()))?;
        let (out, rows) = match change(&mut record) {
            Ok(done) => done,
            Err(e) => return Ok(Err(e)), // dropping `tx` rolls back, the inserted row too
        };
        let (state, processed) = encode(&record);
        tx.execute(
            "UPDATE members SET server_version = $2, state = $3, processed = $4 WHERE user_id = $1",
            &[&user, &i64::from(record.server_version), &state, &processed],
        )
        .await
        .map_err(err)?;
        for row in &rows {
            tx.execute(
                "INSERT INTO ops (user_id, device, seq, at, op, result) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&user, &row.device, &i64::from(row.seq), &row.at, &row.op, &row.result],
            )
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(Ok(out))
    }

    async fn load(&self, user: &str) -> Result<Option<Record>, StoreError> {
        load_row(&*self.client().await, user, false).await
    }

    async fn ops(&self, user: &str) -> Result<Vec<OpRow>, StoreError> {
        let rows = self
            .client()
            .await
            .query(
                "SELECT device, seq, at, op, result FROM ops WHERE user_id = $1 ORDER BY id",
                &[&user],
            )
            .await
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| OpRow {
                device: r.get(0),
                seq: r.get::<_, i64>(1) as u32,
                at: r.get(2),
                op: r.get(3),
                result: r.get(4),
            })
            .collect())
    }

    async fn put_session(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.client()
            .await
            .execute(
                "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (token_hash) DO UPDATE SET user_id = $2, expires_at = $3",
                &[&token_hash, &user, &expires_at],
            )
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn session(&self, token_hash: &str) -> Result<Option<(String, i64)>, StoreError> {
        let row = self
            .client()
            .await
            .query_opt(
                "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(err)?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}
