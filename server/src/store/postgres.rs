//! The shared backend: PostgreSQL, for several servers behind a load balancer. A member's row
//! is locked (`SELECT … FOR UPDATE`) for the length of a sync, which serializes the syncs of
//! one user across every server process.

use super::report_sql::{self as q, count, dollars, CampaignCounts, CountQuery, Counts};
use super::{
    decode, device_claim, encode, BulkMember, DeviceClaim, DrawEntry, GrantCharge, Granted,
    MemberOps, MembersPage, Once, OpRow, Record, Recorded, Store, StoreError, StoredVersion, Won,
};
use crate::facts::{commit, Changes, FactRules, FactTimeline, MemberFacts};
use std::collections::HashMap;

mod members;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, NoTls, Statement};

mod operators;

/// Connections each server process opens (docs/deploy.md counts them): enough to keep
/// PostgreSQL's group commit busy while some syncs wait on a member's row lock.
pub const DEFAULT_CONNECTIONS: usize = 16;

/// The schema, as migrations: each runs once, in order, in a transaction that also records
/// its number in `schema_version` (`super::migrations`). Append, never edit: a deployed
/// database has run the ones before.
const MIGRATIONS: &[&str] = &[
    // 1: members, their op log, consents, sessions, lotteries (before issue 14).
    "CREATE TABLE IF NOT EXISTS members (
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
CREATE TABLE IF NOT EXISTS consents (
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  granted BOOLEAN NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind)
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS lotteries (
  lottery TEXT PRIMARY KEY,
  seed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lottery_draws (
  lottery TEXT NOT NULL,
  n BIGINT NOT NULL,
  member TEXT NOT NULL,
  device TEXT NOT NULL,
  seq BIGINT NOT NULL,
  weight BIGINT NOT NULL,
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
  at BIGINT NOT NULL
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
  at BIGINT NOT NULL
);
INSERT INTO merchant_orders (order_id, user_id, at)
  SELECT DISTINCT ON (order_id) order_id, user_id, at FROM (
    SELECT substr(call_key, 7) AS order_id, user_id, at FROM merchant_calls
      WHERE call_key LIKE 'order:%'
    UNION ALL
    SELECT substr(call_key, 6), user_id, at FROM merchant_calls WHERE call_key LIKE 'hold:%'
  ) calls ORDER BY order_id, at
ON CONFLICT (order_id) DO NOTHING;
",
    // 7: published rule versions (issue 26).
    super::RULE_VERSIONS_TABLE,
    // 8: the scorecard's fact tables (issue 27).
    q::SCORECARD_TABLES,
    // 9: subscription messages the operator sent (issue 27).
    super::MESSAGES_SENT_TABLE,
    // 10: console operators, their sessions, the audit log (issue 28).
    super::operators::POSTGRES_TABLES,
    // 11 (issue 28): points each operator granted a day, and
    // members by id in byte order (the member list's prefix search and paging, whatever the
    // database's collation).
    concat!(
        // `super::OPERATOR_GRANTS_TABLE` (concat! takes literals only).
        "CREATE TABLE IF NOT EXISTS operator_grants (
  actor TEXT NOT NULL,
  day BIGINT NOT NULL,
  points BIGINT NOT NULL,
  PRIMARY KEY (actor, day)
);
",
        "CREATE INDEX IF NOT EXISTS members_by_id_bytes ON members (user_id COLLATE \"C\");
"
    ),
    // 12: coupons each operator granted a day (issue 28).
    super::OPERATOR_COUPONS_COLUMN,
];

/// A connection with its prepared statements (a statement prepared once per connection saves
/// a round trip on every later use).
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

async fn prepared(
    client: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    sql: &'static str,
) -> Result<Statement, StoreError> {
    prepared_as(client, cache, sql, str::to_owned).await
}

/// [`prepared`] for the shared statements written with `?N` (`report_sql.rs`).
async fn prepared_q(
    client: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    sql: &'static str,
) -> Result<Statement, StoreError> {
    prepared_as(client, cache, sql, dollars).await
}

/// The statement of `sql` from the connection's cache, prepared (as `spell` writes it for
/// PostgreSQL) on first use.
async fn prepared_as(
    client: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    sql: &'static str,
    spell: fn(&str) -> String,
) -> Result<Statement, StoreError> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let st = client.prepare(&spell(sql)).await.map_err(err)?;
    cache.insert(sql, st.clone());
    Ok(st)
}

/// Runs the migrations this database has not run yet, each with its version row, in one
/// transaction; an advisory lock makes server processes starting together take turns.
async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(err)?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7423891);
         CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);",
    )
    .await
    .map_err(err)?;
    let found: Option<i64> = tx
        .query_one("SELECT MAX(version) FROM schema_version", &[])
        .await
        .map_err(err)?
        .get(0);
    let found = super::check_schema(found.unwrap_or(0), MIGRATIONS.len())?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        tx.batch_execute(sql).await.map_err(err)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await
        .map_err(err)?;
    }
    tx.commit().await.map_err(err)
}

/// A fixed pool of connections; each transaction holds one for its length.
pub struct Postgres {
    pool: Vec<Mutex<Conn>>,
    next: AtomicUsize,
    /// What decides the report facts each commit writes.
    rules: super::FollowedRules,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl Postgres {
    /// Connects `connections` times to `url` (`postgres://…` or `host=… port=…`) and creates
    /// the tables if needed; `rules` decide the report facts.
    pub async fn connect(
        url: &str,
        connections: usize,
        rules: FactRules,
    ) -> Result<Postgres, StoreError> {
        let mut pool = Vec::new();
        for _ in 0..connections.max(1) {
            let (client, connection) = tokio_postgres::connect(url, NoTls)
                .await
                .map_err(|e| StoreError(format!("cannot connect to PostgreSQL: {e}")))?;
            tokio::spawn(connection);
            pool.push(Mutex::new(Conn {
                client,
                prepared: HashMap::new(),
            }));
        }
        migrate(&mut pool[0].lock().await.client).await?;
        Ok(Postgres {
            pool,
            next: AtomicUsize::new(0),
            rules: super::FollowedRules::new(rules),
        })
    }

    /// Makes the facts of the next commits follow `rules` (the server's rule versions).
    pub fn follow_rules(&self, rules: FactTimeline) {
        self.rules.follow(rules);
    }

    /// A free connection if there is one, else the next in turn.
    async fn conn(&self) -> MutexGuard<'_, Conn> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.pool.len();
        for k in 0..n {
            if let Ok(guard) = self.pool[(start + k) % n].try_lock() {
                return guard;
            }
        }
        self.pool[start % n].lock().await
    }
}

const INSERT_MEMBER: &str = "INSERT INTO members (user_id, server_version, state, processed) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING";
const SELECT_FOR_UPDATE: &str =
    "SELECT state, processed, server_version FROM members WHERE user_id = $1 FOR UPDATE";
const SELECT_MEMBER: &str =
    "SELECT state, processed, server_version FROM members WHERE user_id = $1";
const UPDATE_MEMBER: &str =
    "UPDATE members SET server_version = $2, state = $3, processed = $4 WHERE user_id = $1";
/// Every op row of a sync in one statement.
const INSERT_OPS: &str = "INSERT INTO ops (user_id, device, seq, at, op, result)
    SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])";

const SELECT_SESSION: &str = "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1";
const CLAIM_CALL: &str = "INSERT INTO merchant_calls (call_key, user_id, request, response, at) VALUES ($1, $2, $3, '', $4) ON CONFLICT (call_key) DO NOTHING";
const SELECT_CALL: &str = "SELECT request, response FROM merchant_calls WHERE call_key = $1";
const ANSWER_CALL: &str = "UPDATE merchant_calls SET response = $2 WHERE call_key = $1";
/// Binds an order id; a concurrent transaction binding the same id makes this one wait for
/// its end (then nothing is inserted and [`ORDER_OWNER`] reads the winner).
const BIND_ORDER: &str = "INSERT INTO merchant_orders (order_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING";
const ORDER_OWNER: &str = "SELECT user_id FROM merchant_orders WHERE order_id = $1";

/// A statement's parameter, owned or borrowed for the length of the statement.
type Param<'a> = Box<dyn ToSql + Sync + Send + 'a>;

/// The parameters as tokio-postgres takes them.
fn refs<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

/// Statements sent together: tokio-postgres pipelines the requests of futures polled at once,
/// so they cost one round trip instead of one each, and PostgreSQL still runs them in order
/// (an error fails the transaction, and the first error is returned).
#[derive(Default)]
struct Pipeline<'a>(Vec<(Statement, Vec<Param<'a>>)>);

impl<'a> Pipeline<'a> {
    fn push(&mut self, st: Statement, params: Vec<Param<'a>>) {
        self.0.push((st, params));
    }

    async fn run(self, client: &impl GenericClient) -> Result<(), StoreError> {
        let sent = self
            .0
            .iter()
            .map(|(st, params)| async move { client.execute(st, &refs(params)).await });
        futures_util::future::try_join_all(sent)
            .await
            .map(|_| ())
            .map_err(err)
    }
}

/// Adds the writes of a member's record and the op rows of the change (borrowed, not copied:
/// the pipeline runs before they go).
async fn write_record<'a>(
    p: &mut Pipeline<'a>,
    tx: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    user: &'a str,
    record: &Record,
    rows: &'a [OpRow],
) -> Result<(), StoreError> {
    let (state, processed) = encode(record);
    let st = prepared(tx, cache, UPDATE_MEMBER).await?;
    let version = i64::from(record.server_version);
    p.push(
        st,
        vec![
            Box::new(user),
            Box::new(version),
            Box::new(state),
            Box::new(processed),
        ],
    );
    if !rows.is_empty() {
        let column = |f: fn(&OpRow) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
        let seqs: Vec<i64> = rows.iter().map(|r| i64::from(r.seq)).collect();
        let ats: Vec<i64> = rows.iter().map(|r| r.at).collect();
        let st = prepared(tx, cache, INSERT_OPS).await?;
        p.push(
            st,
            vec![
                Box::new(user),
                Box::new(column(|r| &r.device)),
                Box::new(seqs),
                Box::new(ats),
                Box::new(column(|r| &r.op)),
                Box::new(column(|r| &r.result)),
            ],
        );
    }
    Ok(())
}

/// Adds the writes of one commit's report facts.
async fn write_facts<'a>(
    p: &mut Pipeline<'a>,
    tx: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    user: &'a str,
    c: &'a Changes,
) -> Result<(), StoreError> {
    let user_id = user;
    let user = || -> Param<'a> { Box::new(user) };
    if let Some((joined, paid_until)) = c.member {
        let st = prepared_q(tx, cache, q::UPSERT_MEMBER).await?;
        p.push(st, vec![user(), Box::new(joined), Box::new(paid_until)]);
    }
    for &day in &c.days {
        let st = prepared_q(tx, cache, q::ADD_DAY).await?;
        p.push(st, vec![user(), Box::new(day)]);
    }
    if c.returned != 0 {
        let st = prepared_q(tx, cache, q::ADD_RETURNED).await?;
        p.push(st, vec![user(), Box::new(i32::from(c.returned))]);
    }
    if let Some((from, spans)) = &c.tiers {
        for sql in [q::CUT_TIERS, q::END_TIER] {
            let st = prepared_q(tx, cache, sql).await?;
            p.push(st, vec![user(), Box::new(*from)]);
        }
        for s in spans {
            let st = prepared_q(tx, cache, q::ADD_TIER).await?;
            let tier = i32::from(s.tier);
            p.push(
                st,
                vec![user(), Box::new(s.from), Box::new(s.until), Box::new(tier)],
            );
        }
    }
    for (campaign, days, joined) in &c.campaigns {
        let st = prepared_q(tx, cache, q::UPSERT_CAMPAIGN).await?;
        let days = i32::try_from(*days).unwrap_or(i32::MAX);
        p.push(
            st,
            vec![
                user(),
                Box::new(campaign.as_str()),
                Box::new(days),
                Box::new(*joined),
            ],
        );
    }
    for (sql, params) in q::scorecard_writes(user_id, c) {
        let st = prepared_q(tx, cache, sql).await?;
        let params: Vec<Param<'a>> = params
            .into_iter()
            .map(|p| -> Param<'a> {
                match p {
                    q::Param::Small(n) => Box::new(n),
                    q::Param::Int(n) => Box::new(n),
                    q::Param::Text(s) => Box::new(s),
                }
            })
            .collect();
        p.push(st, params);
    }
    Ok(())
}

async fn ops_of(client: &impl GenericClient, user: &str) -> Result<Vec<OpRow>, StoreError> {
    let rows = client
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

/// The op logs of `users` (`Store::op_logs`) in two statements: the join days, read out of
/// the stored states' JSON by PostgreSQL, then every op row of them in order.
async fn op_logs_of(
    client: &impl GenericClient,
    users: Vec<String>,
) -> Result<Vec<MemberOps>, StoreError> {
    let joined = client
        .query(
            "SELECT user_id, (state::json->>'joined')::bigint FROM members WHERE user_id = ANY($1)",
            &[&users],
        )
        .await
        .map_err(err)?;
    let mut by_user: HashMap<String, MemberOps> = HashMap::with_capacity(joined.len());
    for r in &joined {
        let (user, day): (String, i64) = (r.get(0), r.get(1));
        let joined = i32::try_from(day)
            .map_err(|_| StoreError(format!("member `{user}`: stored join day {day}")))?;
        let log = MemberOps {
            user: user.clone(),
            joined,
            rows: Vec::new(),
        };
        by_user.insert(user, log);
    }
    let rows = client
        .query(
            "SELECT user_id, device, seq, at, op, result FROM ops WHERE user_id = ANY($1) \
             ORDER BY user_id, id",
            &[&users],
        )
        .await
        .map_err(err)?;
    for r in &rows {
        if let Some(log) = by_user.get_mut(r.get::<_, &str>(0)) {
            log.rows.push(OpRow {
                device: r.get(1),
                seq: r.get::<_, i64>(2) as u32,
                at: r.get(3),
                op: r.get(4),
                result: r.get(5),
            });
        }
    }
    Ok(users.iter().filter_map(|u| by_user.remove(u)).collect())
}

/// The report's aggregates (`report_sql.rs`).
async fn counts(client: &Client, query: &CountQuery) -> Result<Counts, StoreError> {
    let one = |sql: &'static str, p: Vec<Param<'static>>| async move {
        let row = client
            .query_one(&dollars(sql), &refs(&p))
            .await
            .map_err(err)?;
        let second = if row.len() > 1 {
            row.get::<_, i64>(1)
        } else {
            0
        };
        Ok::<_, StoreError>((row.get::<_, i64>(0), second))
    };
    let tiers = |sql: &'static str| async move {
        let rows = client
            .query(&dollars(sql), &[&query.last_sample])
            .await
            .map_err(err)?;
        Ok::<_, StoreError>(
            rows.iter()
                .map(|r| {
                    (
                        r.get::<_, i32>(0) as u8,
                        r.get::<_, i32>(1),
                        count(r.get(2)),
                    )
                })
                .collect::<Vec<_>>(),
        )
    };
    // Rows of a key (an INTEGER or a TEXT) and one or two sums.
    async fn keyed<K: for<'r> tokio_postgres::types::FromSql<'r>>(
        client: &Client,
        sql: &'static str,
        p: Vec<Param<'static>>,
    ) -> Result<Vec<(K, i64, i64)>, StoreError> {
        let rows = client.query(&dollars(sql), &refs(&p)).await.map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| {
                let third = if r.len() > 2 {
                    r.get::<_, Option<i64>>(2)
                } else {
                    None
                };
                (
                    r.get(0),
                    r.get::<_, Option<i64>>(1).unwrap_or(0),
                    third.unwrap_or(0),
                )
            })
            .collect())
    }
    fn two<K>(rows: Vec<(K, i64, i64)>) -> Vec<(K, i64)> {
        rows.into_iter().map(|(k, n, _)| (k, n)).collect()
    }
    let (from, to) = (query.from, query.to);
    let mut out = Counts {
        members: count(one(q::COUNT_MEMBERS, vec![]).await?.0),
        tier_starts: tiers(q::TIER_STARTS).await?,
        tier_ends: tiers(q::TIER_ENDS).await?,
        amounts: two(keyed(client, q::AMOUNTS_IN, vec![Box::new(from), Box::new(to)]).await?),
        net_after: two(keyed(client, q::NET_AFTER, vec![Box::new(query.first_balance)]).await?),
        lots: two(keyed(client, q::LOTS_BY_EXPIRY, vec![]).await?),
        services: two(keyed(
            client,
            q::SERVICES_BY_DAY,
            vec![Box::new(query.services_from), Box::new(to)],
        )
        .await?),
        upgrades: keyed::<i32>(client, q::UPGRADES, vec![Box::new(from), Box::new(to)])
            .await?
            .into_iter()
            .map(|(tier, n, up)| (u8::try_from(tier).unwrap_or(u8::MAX), count(n), count(up)))
            .collect(),
        ..Counts::default()
    };
    out.joins = client
        .query(&dollars(q::JOINS), &[&query.from, &query.to])
        .await
        .map_err(err)?
        .iter()
        .map(|r| {
            (
                r.get::<_, i32>(0),
                r.get::<_, i32>(1) == 1,
                r.get::<_, i32>(2) as u8,
                count(r.get(3)),
            )
        })
        .collect();
    for c in &query.campaigns {
        let (id, days) = (c.id.clone(), i32::from(c.days));
        let first_row = |rows: Vec<(i64, i64, i64)>| rows.first().copied().unwrap_or_default();
        let (participants, completed, points) = first_row(
            keyed(
                client,
                q::PARTICIPANTS,
                vec![Box::new(id.clone()), Box::new(days)],
            )
            .await?,
        );
        let (others, others_retained, others_revenue) = first_row(
            keyed(
                client,
                q::OTHERS,
                vec![
                    Box::new(id.clone()),
                    Box::new(c.first - 7),
                    Box::new(c.first - 1),
                    Box::new(c.last + 1),
                    Box::new(c.last + 7),
                    Box::new(c.first),
                    Box::new(c.last + 7),
                ],
            )
            .await?,
        );
        let (notified, notified_participants) =
            one(q::NOTIFIED, vec![Box::new(id.clone())]).await?;
        let active = one(q::ACTIVE, vec![Box::new(c.first), Box::new(c.last)])
            .await?
            .0;
        let retained = one(
            q::PARTICIPANTS_RETAINED,
            vec![Box::new(id), Box::new(c.last + 1), Box::new(c.last + 7)],
        )
        .await?
        .0;
        let coupons = two(keyed(
            client,
            q::PARTICIPANT_COUPONS,
            vec![Box::new(c.id.clone()), Box::new(c.first), Box::new(c.last)],
        )
        .await?);
        let revenue = one(
            q::PARTICIPANT_REVENUE,
            vec![
                Box::new(c.id.clone()),
                Box::new(c.first),
                Box::new(c.last + 7),
            ],
        )
        .await?
        .0;
        out.campaigns.push(CampaignCounts {
            active: count(active),
            participants: count(participants),
            completed: count(completed),
            participants_retained: count(retained),
            others: count(others),
            others_retained: count(others_retained),
            points,
            coupons,
            revenue,
            others_revenue,
            notified: count(notified),
            notified_participants: count(notified_participants),
        });
    }
    if let Some(from) = query.list_from {
        out.listed = client
            .query(&dollars(q::JOINED_LIST), &[&from, &query.to])
            .await
            .map_err(err)?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i32>(1), r.get::<_, i32>(2) as u8))
            .collect();
    }
    Ok(out)
}

/// One field of a `COPY … FROM STDIN` text row: backslash, tab, newline and carriage return
/// escaped, as the format asks.
fn copy_field(out: &mut String, field: &str) {
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// A row of `COPY` text: fields separated by tabs; `None` is NULL.
fn copy_row(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match f {
            Some(f) => copy_field(out, f),
            None => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

/// Sends `rows` (COPY text) to `copy` (a `COPY … FROM STDIN` statement).
async fn copy_in(
    tx: &tokio_postgres::Transaction<'_>,
    copy: &str,
    rows: String,
) -> Result<(), StoreError> {
    use futures_util::SinkExt;
    let sink = tx.copy_in(copy).await.map_err(err)?;
    let mut sink = std::pin::pin!(sink);
    sink.send(bytes::Bytes::from(rows)).await.map_err(err)?;
    sink.finish().await.map_err(err)?;
    Ok(())
}

/// The tables of a bulk load as COPY text, in the order of [`BULK_COPIES`].
fn bulk_rows(members: &[BulkMember]) -> [String; 10] {
    let mut t: [String; 10] = Default::default();
    for m in members {
        let (state, processed) = encode(&m.record);
        let user = Some(m.user.as_str());
        let version = m.record.server_version.to_string();
        copy_row(
            &mut t[0],
            &[user, Some(&version), Some(&state), Some(&processed)],
        );
        for r in &m.rows {
            let (seq, at) = (r.seq.to_string(), r.at.to_string());
            let fields = [
                user,
                Some(r.device.as_str()),
                Some(&seq),
                Some(&at),
                Some(&r.op),
                Some(&r.result),
            ];
            copy_row(&mut t[1], &fields);
        }
        let f = &m.facts;
        let (joined, returned) = (f.joined.to_string(), f.returned.to_string());
        let paid = f.paid_until.map(|d| d.to_string());
        copy_row(
            &mut t[2],
            &[user, Some(&joined), Some(&returned), paid.as_deref()],
        );
        for d in &f.days {
            copy_row(&mut t[3], &[Some(&d.to_string()), user]);
        }
        for s in &f.tiers {
            let (from, tier) = (s.from.to_string(), s.tier.to_string());
            let until = s.until.map(|d| d.to_string());
            copy_row(
                &mut t[4],
                &[user, Some(&from), until.as_deref(), Some(&tier)],
            );
        }
        for (campaign, (days, joined, points)) in &f.campaigns {
            let (days, joined, points) = (days.to_string(), joined.to_string(), points.to_string());
            let fields = [
                Some(campaign.as_str()),
                user,
                Some(&days),
                Some(&joined),
                Some(&points),
            ];
            copy_row(&mut t[5], &fields);
        }
        let stripe = q::stripe(&m.user).to_string();
        for ((day, kind), n) in &f.amounts {
            let (day, n) = (day.to_string(), n.to_string());
            copy_row(
                &mut t[6],
                &[Some(&day), Some(kind), Some(&stripe), Some(&n)],
            );
            if kind == crate::facts_ledger::SPEND_CENTS {
                copy_row(&mut t[8], &[Some(&day), user, Some(&n)]);
            } else if let Some(coupon) = kind.strip_prefix(crate::facts_ledger::COUPONS) {
                copy_row(&mut t[9], &[Some(&day), user, Some(coupon), Some(&n)]);
            }
        }
        for (expires, n) in &f.lots {
            let (expires, n) = (expires.to_string(), n.to_string());
            copy_row(&mut t[7], &[Some(&expires), Some(&stripe), Some(&n)]);
        }
    }
    t
}

/// The tables of a bulk load; the day totals go through temporary tables (COPY cannot add to
/// a row): [`BULK_TOTALS`] adds them once copied.
const BULK_COPIES: [&str; 10] = [
    "COPY members (user_id, server_version, state, processed) FROM STDIN",
    "COPY ops (user_id, device, seq, at, op, result) FROM STDIN",
    "COPY member_facts (user_id, joined, returned, paid_until) FROM STDIN",
    "COPY member_days (day, user_id) FROM STDIN",
    "COPY member_tiers (user_id, from_day, until_day, tier) FROM STDIN",
    "COPY member_campaigns (campaign, user_id, days, joined, points) FROM STDIN",
    "COPY bulk_ledger (day, kind, stripe, amount) FROM STDIN",
    "COPY bulk_lots (expires, stripe, points) FROM STDIN",
    "COPY member_spend (day, user_id, cents) FROM STDIN",
    "COPY member_coupons (day, user_id, coupon, granted) FROM STDIN",
];

/// Before a bulk load's COPY: the temporary tables of its day totals; after: their sums added.
const BULK_TEMPS: &str = "
CREATE TEMP TABLE IF NOT EXISTS bulk_ledger (day INTEGER, kind TEXT, stripe INTEGER, amount BIGINT)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS bulk_lots (expires INTEGER, stripe INTEGER, points BIGINT)
  ON COMMIT DELETE ROWS;";
const BULK_TOTALS: &str = "
INSERT INTO ledger_days (day, kind, stripe, amount)
  SELECT day, kind, stripe, SUM(amount) FROM bulk_ledger GROUP BY day, kind, stripe
  ON CONFLICT (day, kind, stripe) DO UPDATE SET amount = ledger_days.amount + excluded.amount;
INSERT INTO lots_days (expires, stripe, points)
  SELECT expires, stripe, SUM(points) FROM bulk_lots GROUP BY expires, stripe
  ON CONFLICT (expires, stripe) DO UPDATE SET points = lots_days.points + excluded.points;";

async fn load_row(
    client: &impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    user: &str,
    lock: bool,
) -> Result<Option<Record>, StoreError> {
    let sql = if lock {
        SELECT_FOR_UPDATE
    } else {
        SELECT_MEMBER
    };
    let st = prepared(client, cache, sql).await?;
    let row = client.query_opt(&st, &[&user]).await.map_err(err)?;
    row.map(|r| decode(r.get(0), r.get(1), r.get(2)))
        .transpose()
}

const SELECT_DEVICE: &str =
    "SELECT registered_at, user_id FROM devices WHERE device = $1 AND secret_hash = $2";

/// A device's registration time and member, if `secret_hash` is its secret's.
async fn device_row(
    conn: &mut Conn,
    device: &str,
    secret_hash: &str,
) -> Result<Option<(i64, Option<String>)>, StoreError> {
    let Conn { client, prepared } = conn;
    let st = prepared_as(&*client, prepared, SELECT_DEVICE, str::to_owned).await?;
    let row = client
        .query_opt(&st, &[&device, &secret_hash])
        .await
        .map_err(err)?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

impl Store for Postgres {
    async fn setting(
        &self,
        name: &str,
        candidate: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        let guard = self.conn().await;
        let c = &guard.client;
        if let Some(value) = candidate {
            c.execute(
                "INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&name, &value],
            )
            .await
            .map_err(err)?;
        }
        let row = c
            .query_opt(
                "SELECT value FROM server_settings WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn rule_versions(&self, after: u32) -> Result<Vec<StoredVersion>, StoreError> {
        let rows = self
            .conn()
            .await
            .client
            .query(
                "SELECT number, effective_from, hash, author, note, published_at, rules, \
                 mapping FROM rule_versions WHERE number > $1 ORDER BY number",
                &[&i64::from(after)],
            )
            .await
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| StoredVersion {
                number: r.get::<_, i64>(0) as u32,
                effective_from: r.get(1),
                hash: r.get(2),
                author: r.get(3),
                note: r.get(4),
                published_at: r.get(5),
                rules: r.get(6),
                mapping: r.get(7),
            })
            .collect())
    }

    async fn insert_rule_version(&self, v: StoredVersion) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .await
            .client
            .execute(
                "INSERT INTO rule_versions (number, effective_from, hash, author, note, \
                 published_at, rules, mapping) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT DO NOTHING",
                &[
                    &i64::from(v.number),
                    &v.effective_from,
                    &v.hash,
                    &v.author,
                    &v.note,
                    &v.published_at,
                    &v.rules,
                    &v.mapping,
                ],
            )
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn end_sessions_of(&self, user: &str) -> Result<u64, StoreError> {
        self.conn()
            .await
            .client
            .execute("DELETE FROM sessions WHERE user_id = $1", &[&user])
            .await
            .map_err(err)
    }

    async fn register_device(
        &self,
        device: &str,
        secret_hash: &str,
        registered_at: i64,
    ) -> Result<bool, StoreError> {
        self.conn()
            .await
            .client
            .execute(
                "INSERT INTO devices (device, secret_hash, registered_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (device) DO NOTHING",
                &[&device, &secret_hash, &registered_at],
            )
            .await
            .map(|n| n == 1)
            .map_err(err)
    }

    async fn claim_device(
        &self,
        device: &str,
        secret_hash: &str,
        user: &str,
    ) -> Result<DeviceClaim, StoreError> {
        let mut guard = self.conn().await;
        let row = device_row(&mut guard, device, secret_hash).await?;
        if !matches!(row, Some((_, None))) {
            return Ok(device_claim(row, user));
        }
        // Two first syncs racing: the guard on `user_id IS NULL` lets one member win.
        guard
            .client
            .execute(
                "UPDATE devices SET user_id = $3 \
                 WHERE device = $1 AND secret_hash = $2 AND user_id IS NULL",
                &[&device, &secret_hash, &user],
            )
            .await
            .map_err(err)?;
        Ok(device_claim(
            device_row(&mut guard, device, secret_hash).await?,
            user,
        ))
    }

    async fn lottery_seed(&self, lottery: &str, candidate: String) -> Result<String, StoreError> {
        let guard = self.conn().await;
        let c = &guard.client;
        c.execute(
            "INSERT INTO lotteries (lottery, seed) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&lottery, &candidate],
        )
        .await
        .map_err(err)?;
        let row = c
            .query_one("SELECT seed FROM lotteries WHERE lottery = $1", &[&lottery])
            .await
            .map_err(err)?;
        Ok(row.get(0))
    }

    async fn lottery_draw(
        &self,
        lottery: &str,
        entry: DrawEntry,
        decide: impl FnOnce(&Won) -> Option<String> + Send + 'static,
    ) -> Result<Option<String>, StoreError> {
        let mut guard = self.conn().await;
        let tx = guard.client.transaction().await.map_err(err)?;
        // The lottery's row is the lock that serializes its draws across server processes.
        tx.query_one(
            "SELECT seed FROM lotteries WHERE lottery = $1 FOR UPDATE",
            &[&lottery],
        )
        .await
        .map_err(|e| StoreError(format!("lottery `{lottery}` has no seed: {e}")))?;
        let seq = i64::from(entry.seq);
        let before = tx
            .query_opt(
                "SELECT prize FROM lottery_draws WHERE lottery = $1 AND member = $2 AND device = $3 AND seq = $4",
                &[&lottery, &entry.member, &entry.device, &seq],
            )
            .await
            .map_err(err)?;
        if let Some(row) = before {
            return Ok(row.get(0));
        }
        let mut won = Won::new();
        let mut n = 0i64;
        for row in tx
            .query(
                "SELECT prize, COUNT(*) FROM lottery_draws WHERE lottery = $1 GROUP BY prize",
                &[&lottery],
            )
            .await
            .map_err(err)?
        {
            let count: i64 = row.get(1);
            n += count;
            if let Some(p) = row.get::<_, Option<String>>(0) {
                won.insert(p, count as u32);
            }
        }
        let prize = decide(&won);
        tx.execute(
            "INSERT INTO lottery_draws (lottery, n, member, device, seq, weight, prize) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&lottery, &(n + 1), &entry.member, &entry.device, &seq, &i64::from(entry.weight), &prize],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(prize)
    }

    async fn lottery_draws(
        &self,
        lottery: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<DrawEntry>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let guard = self.conn().await;
        let rows = guard
            .client
            .query(
                "SELECT member, device, seq, weight, prize FROM lottery_draws WHERE lottery = $1 AND n > $2 ORDER BY n LIMIT $3",
                &[&lottery, &after, &i64::from(limit)],
            )
            .await
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| DrawEntry {
                member: r.get(0),
                device: r.get(1),
                seq: r.get::<_, i64>(2) as u32,
                weight: r.get::<_, i64>(3) as u16,
                prize: r.get(4),
            })
            .collect())
    }

    async fn lottery_tally(&self, lottery: &str) -> Result<(u64, Won), StoreError> {
        let guard = self.conn().await;
        let rows = guard
            .client
            .query(
                "SELECT prize, COUNT(*) FROM lottery_draws WHERE lottery = $1 GROUP BY prize",
                &[&lottery],
            )
            .await
            .map_err(err)?;
        let (mut draws, mut won) = (0u64, Won::new());
        for row in rows {
            let count: i64 = row.get(1);
            draws += count as u64;
            if let Some(p) = row.get::<_, Option<String>>(0) {
                won.insert(p, count as u32);
            }
        }
        Ok((draws, won))
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
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let tx = client.transaction().await.map_err(err)?;
        // Make sure the row exists, then lock it: two first syncs of a new member must not
        // both start from `fresh`.
        let initial = fresh();
        let (state, processed) = encode(&initial);
        // Both in one round trip (pipelined), run in order.
        let insert = prepared(&tx, cache, INSERT_MEMBER).await?;
        let lock = prepared(&tx, cache, SELECT_FOR_UPDATE).await?;
        let version = i64::from(initial.server_version);
        let (inserted, row) = futures_util::future::try_join(
            tx.execute(&insert, &[&user, &version, &state, &processed]),
            tx.query_opt(&lock, &[&user]),
        )
        .await
        .map_err(err)?;
        let row = row.ok_or_else(|| StoreError("member row vanished".into()))?;
        let mut record = decode(row.get(0), row.get(1), row.get(2))?;
        let (before, new) = (record.state.clone(), inserted != 0);
        let (out, rows) = match change(&mut record) {
            Ok(done) => done,
            Err(e) => return Ok(Err(e)), // dropping `tx` rolls back, the inserted row too
        };
        let facts = commit(&self.rules.current(), &before, new, &record.state, &rows);
        let mut writes = Pipeline::default();
        write_record(&mut writes, &tx, cache, user, &record, &rows).await?;
        write_facts(&mut writes, &tx, cache, user, &facts).await?;
        writes.run(&tx).await?;
        tx.commit().await.map_err(err)?;
        Ok(Ok(out))
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
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let tx = client.transaction().await.map_err(err)?;
        // Claim the key first: a concurrent call with the same key waits here until this
        // transaction ends, then sees its row.
        let st = prepared(&tx, cache, CLAIM_CALL).await?;
        let claimed = tx
            .execute(&st, &[&key, &user, &request, &now])
            .await
            .map_err(err)?;
        if claimed == 0 {
            let st = prepared(&tx, cache, SELECT_CALL).await?;
            let row = tx.query_one(&st, &[&key]).await.map_err(err)?;
            let (asked, answered): (String, String) = (row.get(0), row.get(1));
            return Ok(if asked == request {
                Once::Replayed(answered)
            } else {
                Once::Conflict
            });
        }
        let Some(mut record) = load_row(&tx, cache, user, true).await? else {
            return Ok(Once::UnknownMember); // dropping `tx` rolls the claim back
        };
        if let Some(order) = order {
            let st = prepared(&tx, cache, BIND_ORDER).await?;
            let bound = tx.execute(&st, &[&order, &user, &now]).await.map_err(err)?;
            if bound == 0 {
                let st = prepared(&tx, cache, ORDER_OWNER).await?;
                let owner: String = tx.query_one(&st, &[&order]).await.map_err(err)?.get(0);
                if owner != user {
                    return Ok(Once::OrderOfAnotherMember); // dropping `tx` rolls back
                }
            }
        }
        let before = record.state.clone();
        let (response, rows) = match change(&mut record) {
            Ok(done) => done,
            Err(e) => return Ok(Once::Refused(e)),
        };
        let facts = commit(&self.rules.current(), &before, false, &record.state, &rows);
        let mut writes = Pipeline::default();
        write_record(&mut writes, &tx, cache, user, &record, &rows).await?;
        write_facts(&mut writes, &tx, cache, user, &facts).await?;
        let st = prepared(&tx, cache, ANSWER_CALL).await?;
        writes.push(st, vec![Box::new(key), Box::new(response.as_str())]);
        writes.run(&tx).await?;
        tx.commit().await.map_err(err)?;
        Ok(Once::Done(response))
    }

    async fn invite_code(&self, user: &str, candidate: &str) -> Result<Option<String>, StoreError> {
        let guard = self.conn().await;
        guard
            .client
            .execute(
                "INSERT INTO invite_codes (code, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&candidate, &user],
            )
            .await
            .map_err(err)?;
        let row = guard
            .client
            .query_opt("SELECT code FROM invite_codes WHERE user_id = $1", &[&user])
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn inviter(&self, code: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .conn()
            .await
            .client
            .query_opt("SELECT user_id FROM invite_codes WHERE code = $1", &[&code])
            .await
            .map_err(err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn load(&self, user: &str) -> Result<Option<Record>, StoreError> {
        let mut guard = self.conn().await;
        let Conn { client, prepared } = &mut *guard;
        load_row(&*client, prepared, user, false).await
    }

    async fn users(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .conn()
            .await
            .client
            .query("SELECT user_id FROM members ORDER BY user_id", &[])
            .await
            .map_err(err)?;
        let mut users: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        users.sort(); // byte order, whatever the database's collation
        Ok(users)
    }

    async fn record_sent(
        &self,
        kind: &str,
        campaign: &str,
        users: Vec<String>,
        at: i64,
    ) -> Result<Recorded, StoreError> {
        let mut conn = self.conn().await;
        let tx = conn.client.transaction().await.map_err(err)?;
        let known: std::collections::HashSet<String> = tx
            .query(
                "SELECT user_id FROM members WHERE user_id = ANY($1::text[])",
                &[&users],
            )
            .await
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let (found, unknown): (Vec<String>, Vec<String>) =
            users.into_iter().partition(|u| known.contains(u));
        let recorded = tx
            .execute(
                "INSERT INTO messages_sent (kind, campaign, user_id, at) \
                 SELECT $1, $2, u, $4 FROM UNNEST($3::text[]) AS u ON CONFLICT DO NOTHING",
                &[&kind, &campaign, &found, &at],
            )
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Recorded {
            recorded: u32::try_from(recorded).unwrap_or(u32::MAX),
            unknown,
        })
    }

    async fn campaign_notices(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .conn()
            .await
            .client
            .query(
                "SELECT campaign, user_id FROM messages_sent WHERE kind = 'campaign'",
                &[],
            )
            .await
            .map_err(err)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn ops(&self, user: &str) -> Result<Vec<OpRow>, StoreError> {
        ops_of(&self.conn().await.client, user).await
    }

    async fn op_logs(&self, users: Vec<String>) -> Result<Vec<MemberOps>, StoreError> {
        op_logs_of(&self.conn().await.client, users).await
    }

    async fn report_counts(&self, query: CountQuery) -> Result<Counts, StoreError> {
        counts(&self.conn().await.client, &query).await
    }

    async fn facts_complete(&self) -> Result<bool, StoreError> {
        let row = self
            .conn()
            .await
            .client
            .query_one(q::FACTS_COMPLETE, &[])
            .await
            .map_err(err)?;
        Ok(row.get::<_, Option<i32>>(0) == Some(1))
    }

    async fn rebuild_facts(
        &self,
        users: Vec<String>,
        rebuild: impl Fn(&Record, &[OpRow]) -> MemberFacts + Send + Sync + 'static,
    ) -> Result<(), StoreError> {
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let tx = client.transaction().await.map_err(err)?;
        for user in &users {
            let Some(record) = load_row(&tx, cache, user, true).await? else {
                continue;
            };
            let facts = rebuild(&record, &ops_of(&tx, user).await?).as_changes();
            let mut writes = Pipeline::default();
            write_facts(&mut writes, &tx, cache, user, &facts).await?;
            writes.run(&tx).await?;
        }
        tx.commit().await.map_err(err)
    }

    async fn bulk_insert(&self, members: Vec<BulkMember>) -> Result<(), StoreError> {
        let tables = bulk_rows(&members);
        let mut guard = self.conn().await;
        let tx = guard.client.transaction().await.map_err(err)?;
        tx.batch_execute(BULK_TEMPS).await.map_err(err)?;
        for (copy, rows) in BULK_COPIES.iter().zip(tables) {
            copy_in(&tx, copy, rows).await.map_err(|e| {
                StoreError(format!("{copy}: {e} (a bulk load writes new members only)"))
            })?;
        }
        tx.batch_execute(BULK_TOTALS).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }

    async fn clear_day_totals(&self) -> Result<(), StoreError> {
        self.conn()
            .await
            .client
            .batch_execute(q::CLEAR_DAY_TOTALS)
            .await
            .map_err(err)
    }

    async fn set_facts_complete(&self) -> Result<(), StoreError> {
        self.conn()
            .await
            .client
            .execute(q::SET_FACTS_COMPLETE, &[])
            .await
            .map(|_| ())
            .map_err(err)
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
        self.conn()
            .await
            .client
            .execute(
                "INSERT INTO consents (user_id, kind, granted, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, kind) DO UPDATE SET granted = $3, at = $4",
                &[&user, &kind, &granted, &at],
            )
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn consents(
        &self,
        after: &str,
        members: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // Byte order (COLLATE "C"), as SQLite's: a page's `after` means the same in both.
        let rows = self
            .conn()
            .await
            .client
            .query(
                "SELECT user_id, kind FROM consents WHERE granted AND user_id IN \
                 (SELECT DISTINCT user_id COLLATE \"C\" FROM consents WHERE granted \
                  AND user_id COLLATE \"C\" > $1 ORDER BY 1 LIMIT $2) \
                 ORDER BY user_id COLLATE \"C\", kind COLLATE \"C\"",
                &[&after, &i64::from(members)],
            )
            .await
            .map_err(err)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn put_session(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await;
        let tx = conn.client.transaction().await.map_err(err)?;
        tx.execute("DELETE FROM sessions WHERE expires_at < $1", &[&now])
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (token_hash) DO UPDATE SET user_id = $2, expires_at = $3",
            &[&token_hash, &user, &expires_at],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.conn()
            .await
            .client
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .await
            .map(|n| n > 0)
            .map_err(err)
    }

    async fn session(&self, token_hash: &str) -> Result<Option<(String, i64)>, StoreError> {
        // Every request asks: prepared once per connection, one round trip after that.
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let st = prepared(&*client, cache, SELECT_SESSION).await?;
        let row = client.query_opt(&st, &[&token_hash]).await.map_err(err)?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}
