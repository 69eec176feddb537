//! The sync service: one `POST /v1/sync` without HTTP. Loads the member (or starts one),
//! applies the push with the core's acceptance rules, and commits the state and the op-log
//! rows in one store transaction (`docs/sync.md`, Acceptance and Storage). The HTTP route,
//! the simulation tests and `populate` all go through here.

use crate::store::{OpRow, Record, Store, StoreError};
use zailai::State;

/// When a member joins: at the first op of their first sync (an offline week before it is
/// theirs), but within the offline window.
pub fn joined_at(push: &zailai::sync::Push, now: i64, limits: zailai::sync::Limits) -> i64 {
    push.ops
        .first()
        .map_or(now, |op| op.at)
        .clamp(now - limits.offline_window_ms, now)
}

/// One sync of `user`, the body of `POST /v1/sync` without HTTP: loads the member (or starts
/// one at [`joined_at`]), applies the push, and commits the state and the op rows in one
/// transaction. Returns the outcome and the record to sign.
pub async fn sync(
    store: &impl Store,
    cfg: &std::sync::Arc<zailai::Config>,
    user: &str,
    push: zailai::sync::Push,
    now: i64,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    sync_logging(store, cfg, user, push, now, |_, _| true).await
}

/// [`sync`], logging a refused op only when `log_refusal(record after the push, row)` says so
/// (the HTTP route bounds refusals logged per device a day: `serve/refusal_log.rs`); applied
/// ops are always logged.
pub async fn sync_logging(
    store: &impl Store,
    cfg: &std::sync::Arc<zailai::Config>,
    user: &str,
    push: zailai::sync::Push,
    now: i64,
    mut log_refusal: impl FnMut(&Record, &OpRow) -> bool + Send + 'static,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    let limits = zailai::sync::Limits::from_config(cfg);
    let joined = joined_at(&push, now, limits);
    let fresh = {
        let (cfg, user) = (cfg.clone(), user.to_owned());
        move || Record {
            state: State::join(&cfg, &user, joined),
            processed: Default::default(),
            server_version: 0,
        }
    };
    let cfg = cfg.clone();
    let change = move |record: &mut Record| {
        let (outcome, mut rows) = apply_push(record, &cfg, &push, now, limits);
        rows.retain(|row| row.result == "applied" || log_refusal(record, row));
        Ok::<_, std::convert::Infallible>(((outcome, record.clone()), rows))
    };
    let Ok(done) = store.transact(user, fresh, change).await?;
    Ok(done)
}

/// One sync inside a transaction: applies `push` with the core's acceptance rules, bumps
/// `server_version` when the state changed, and returns the outcome and the op-log rows of
/// the ops this push processed for the first time.
pub fn apply_push(
    record: &mut Record,
    cfg: &zailai::Config,
    push: &zailai::sync::Push,
    now: i64,
    limits: zailai::sync::Limits,
) -> (zailai::sync::Outcome, Vec<OpRow>) {
    let lapsed = release_lapsed_holds(record, cfg, now);
    let before = record.processed.get(&push.device).copied().unwrap_or(0);
    let outcome = zailai::sync::accept(
        &mut record.state,
        &mut record.processed,
        cfg,
        push,
        now,
        limits,
    );
    if outcome.changed || lapsed.is_some() {
        record.server_version += 1;
    }
    let rows = lapsed
        .into_iter()
        .chain(push.ops.iter().filter(|op| op.seq > before).map(|op| {
            let result = outcome
                .rejected
                .iter()
                .find(|r| r.seq == op.seq)
                .map_or_else(|| "applied".to_owned(), |r| r.code.clone());
            OpRow::of(op, result)
        }))
        .collect();
    (outcome, rows)
}

/// Holds that lapsed by the server's clock `now` give their points back before a push
/// applies (RULES.md: a hold's lapse runs on the server's clock, never on a device op's
/// `at`): one `release_hold` op of `~server` dated `now`, which lapses every due hold
/// (`hold_released` with `expired: true`). Returns its op-log row, if one was written.
pub fn release_lapsed_holds(record: &mut Record, cfg: &zailai::Config, now: i64) -> Option<OpRow> {
    let (due, _) = record.state.holds.iter().find(|(_, h)| h.until <= now)?;
    let kind = {
        let order = due.clone();
        move |_| zailai::OpKind::ReleaseHold { order }
    };
    let device = zailai::op::SERVER_DEVICE;
    let (op, _) = zailai::sync::server_op(&mut record.state, cfg, device, kind, now).ok()?;
    Some(OpRow::of(&op, "applied".to_owned()))
}
