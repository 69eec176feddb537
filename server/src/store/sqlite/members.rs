//! The member list and operators' grants on SQLite (issue 28): the list reads the primary
//! key's order (SQLite compares text by bytes), a grant runs under the write lock.

use super::{err, load_row, write_facts, write_record, Sqlite, UPSERT_MEMBER};
use crate::facts::commit;
use crate::store::{
    prefix_end, GrantCharge, GrantUse, Granted, MemberRow, MembersPage, OpRow, Record, StoreError,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// The page's ids first (the primary key's order), then their rows and op counts: neither the
/// states nor the counts of the rows OFFSET skips are read.
const PAGE: &str = "WITH page AS (SELECT user_id FROM members WHERE user_id >= ?1 AND user_id < ?2
    ORDER BY user_id LIMIT ?3 OFFSET ?4)
  SELECT m.user_id, m.state, m.processed, m.server_version,
    (SELECT count(*) FROM ops o WHERE o.user_id = m.user_id)
  FROM page JOIN members m ON m.user_id = page.user_id ORDER BY m.user_id";
const PAGE_TO_END: &str = "WITH page AS (SELECT user_id FROM members WHERE user_id >= ?1
    ORDER BY user_id LIMIT ?3 OFFSET ?4)
  SELECT m.user_id, m.state, m.processed, m.server_version,
    (SELECT count(*) FROM ops o WHERE o.user_id = m.user_id)
  FROM page JOIN members m ON m.user_id = page.user_id ORDER BY m.user_id";
const TOTAL: &str = "SELECT count(*) FROM members WHERE user_id >= ?1 AND user_id < ?2";
const TOTAL_TO_END: &str = "SELECT count(*) FROM members WHERE user_id >= ?1 AND ?2 IS NULL";

fn page_of(
    conn: &Connection,
    prefix: &str,
    offset: u64,
    limit: u32,
) -> Result<MembersPage, StoreError> {
    let end = prefix_end(prefix);
    let (page, total) = match end {
        Some(_) => (PAGE, TOTAL),
        None => (PAGE_TO_END, TOTAL_TO_END),
    };
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let total: i64 = conn
        .prepare_cached(total)
        .map_err(err)?
        .query_row(params![prefix, end], |r| r.get(0))
        .map_err(err)?;
    let mut stmt = conn.prepare_cached(page).map_err(err)?;
    let rows = stmt
        .query_map(params![prefix, end, i64::from(limit), offset], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(err)?;
    let mut members = Vec::new();
    for row in rows {
        let (user, state, processed, version, ops) = row.map_err(err)?;
        members.push(MemberRow {
            user,
            record: crate::store::decode(&state, &processed, version)?,
            ops: u64::try_from(ops).unwrap_or(0),
        });
    }
    Ok(MembersPage {
        members,
        total: u64::try_from(total).unwrap_or(0),
    })
}

impl Sqlite {
    pub(super) async fn page(
        &self,
        prefix: &str,
        offset: u64,
        limit: u32,
    ) -> Result<MembersPage, StoreError> {
        let prefix = prefix.to_owned();
        self.reading(move |conn| page_of(conn, &prefix, offset, limit))
            .await
    }

    pub(super) async fn charged_grant<R, E>(
        &self,
        charge: GrantCharge,
        user: &str,
        change: impl FnOnce(&mut Record) -> Result<(R, Vec<OpRow>), E> + Send + 'static,
    ) -> Result<Granted<R, E>, StoreError>
    where
        R: Send + 'static,
        E: Send + 'static,
    {
        let user = user.to_owned();
        let rules = self.rules.current();
        self.blocking(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let used: (i64, i64) = tx
                .query_row(
                    "SELECT points, coupons FROM operator_grants WHERE actor = ?1 AND day = ?2",
                    params![charge.actor, charge.day],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err)?
                .unwrap_or((0, 0));
            let used = GrantUse {
                points: u64::try_from(used.0).unwrap_or(0),
                coupons: u64::try_from(used.1).unwrap_or(0),
            };
            let now_used = used.plus(charge.grant);
            if !now_used.within(charge.cap) {
                return Ok(Granted::OverCap { used });
            }
            let Some(mut record) = load_row(&tx, &user)? else {
                return Ok(Granted::UnknownMember);
            };
            let before = record.state.clone();
            let (answer, rows) = match change(&mut record) {
                Ok(done) => done,
                Err(e) => return Ok(Granted::Refused(e)),
            };
            write_record(&tx, UPSERT_MEMBER, &user, &record, &rows)?;
            write_facts(
                &tx,
                &user,
                &commit(&rules, &before, false, &record.state, &rows),
            )?;
            tx.execute(
                "INSERT INTO operator_grants (actor, day, points, coupons) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (actor, day) DO UPDATE SET points = ?3, coupons = ?4",
                params![
                    charge.actor,
                    charge.day,
                    now_used.points as i64,
                    now_used.coupons as i64
                ],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            Ok(Granted::Done {
                answer,
                used: now_used,
            })
        })
        .await
    }
}
