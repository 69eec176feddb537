//! The member list and operators' grants on PostgreSQL (issue 28). Ids compare as bytes
//! (`COLLATE "C"`, migration 11's index), as on SQLite, whatever the database's collation. A
//! grant locks the actor's day row, then the member's row (a sync locks only the latter), so
//! one actor's grants are serialized across processes and the cap holds.

use super::{err, load_row, prepared, write_facts, write_record, Conn, Pipeline, Postgres};
use crate::facts::commit;
use crate::store::{
    decode, prefix_end, GrantCharge, GrantUse, Granted, MemberRow, MembersPage, OpRow, Record,
    StoreError,
};

/// The page's ids first (an index-only scan of migration 11's index), then their rows and
/// op counts: neither the states nor the counts of the rows OFFSET skips are read.
const PAGE: &str = "WITH page AS (SELECT user_id FROM members
    WHERE user_id COLLATE \"C\" >= $1 AND user_id COLLATE \"C\" < $2
    ORDER BY user_id COLLATE \"C\" LIMIT $3 OFFSET $4)
  SELECT m.user_id, m.state, m.processed, m.server_version,
    (SELECT count(*) FROM ops o WHERE o.user_id = m.user_id)
  FROM page JOIN members m ON m.user_id = page.user_id ORDER BY m.user_id COLLATE \"C\"";
const PAGE_TO_END: &str = "WITH page AS (SELECT user_id FROM members
    WHERE user_id COLLATE \"C\" >= $1 ORDER BY user_id COLLATE \"C\" LIMIT $2 OFFSET $3)
  SELECT m.user_id, m.state, m.processed, m.server_version,
    (SELECT count(*) FROM ops o WHERE o.user_id = m.user_id)
  FROM page JOIN members m ON m.user_id = page.user_id ORDER BY m.user_id COLLATE \"C\"";
const TOTAL: &str = "SELECT count(*) FROM members
  WHERE user_id COLLATE \"C\" >= $1 AND user_id COLLATE \"C\" < $2";
const TOTAL_TO_END: &str = "SELECT count(*) FROM members WHERE user_id COLLATE \"C\" >= $1";

const CLAIM_DAY: &str = "INSERT INTO operator_grants (actor, day, points) VALUES ($1, $2, 0)
  ON CONFLICT (actor, day) DO NOTHING";
const LOCK_DAY: &str =
    "SELECT points, coupons FROM operator_grants WHERE actor = $1 AND day = $2 FOR UPDATE";
const ADD_TO_DAY: &str = "UPDATE operator_grants SET points = points + $3, coupons = coupons + $4
  WHERE actor = $1 AND day = $2";

impl Postgres {
    pub(super) async fn page(
        &self,
        prefix: &str,
        offset: u64,
        limit: u32,
    ) -> Result<MembersPage, StoreError> {
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let limit = i64::from(limit);
        let (total, rows) = match prefix_end(prefix) {
            Some(end) => {
                let total = prepared(&*client, cache, TOTAL).await?;
                let total = client.query_one(&total, &[&prefix, &end]).await;
                let page = prepared(&*client, cache, PAGE).await?;
                let rows = client.query(&page, &[&prefix, &end, &limit, &offset]).await;
                (total, rows)
            }
            None => {
                let total = prepared(&*client, cache, TOTAL_TO_END).await?;
                let total = client.query_one(&total, &[&prefix]).await;
                let page = prepared(&*client, cache, PAGE_TO_END).await?;
                let rows = client.query(&page, &[&prefix, &limit, &offset]).await;
                (total, rows)
            }
        };
        let total: i64 = total.map_err(err)?.get(0);
        let mut members = Vec::new();
        for r in rows.map_err(err)? {
            let ops: i64 = r.get(4);
            members.push(MemberRow {
                user: r.get(0),
                record: decode(r.get(1), r.get(2), r.get(3))?,
                ops: u64::try_from(ops).unwrap_or(0),
            });
        }
        Ok(MembersPage {
            members,
            total: u64::try_from(total).unwrap_or(0),
        })
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
        let mut guard = self.conn().await;
        let Conn {
            client,
            prepared: cache,
        } = &mut *guard;
        let tx = client.transaction().await.map_err(err)?;
        let day = i64::from(charge.day);
        let st = prepared(&tx, cache, CLAIM_DAY).await?;
        tx.execute(&st, &[&charge.actor, &day]).await.map_err(err)?;
        let st = prepared(&tx, cache, LOCK_DAY).await?;
        let row = tx
            .query_one(&st, &[&charge.actor, &day])
            .await
            .map_err(err)?;
        let used = GrantUse {
            points: u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
            coupons: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
        };
        if !used.plus(charge.grant).within(charge.cap) {
            return Ok(Granted::OverCap { used }); // dropping `tx` rolls back
        }
        let Some(mut record) = load_row(&tx, cache, user, true).await? else {
            return Ok(Granted::UnknownMember);
        };
        let before = record.state.clone();
        let (answer, rows) = match change(&mut record) {
            Ok(done) => done,
            Err(e) => return Ok(Granted::Refused(e)),
        };
        let facts = commit(&self.rules.current(), &before, false, &record.state, &rows);
        let points = i64::try_from(charge.grant.points).map_err(err)?;
        let coupons = i64::try_from(charge.grant.coupons).map_err(err)?;
        let mut writes = Pipeline::default();
        write_record(&mut writes, &tx, cache, user, &record, &rows).await?;
        write_facts(&mut writes, &tx, cache, user, &facts).await?;
        let st = prepared(&tx, cache, ADD_TO_DAY).await?;
        writes.push(
            st,
            vec![
                Box::new(charge.actor.as_str()),
                Box::new(day),
                Box::new(points),
                Box::new(coupons),
            ],
        );
        writes.run(&tx).await?;
        tx.commit().await.map_err(err)?;
        Ok(Granted::Done {
            answer,
            used: used.plus(charge.grant),
        })
    }
}
