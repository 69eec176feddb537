//! The sync service: one `POST /v1/sync` without HTTP. Loads the member (or starts one),
//! applies the push with the core's acceptance rules, and commits the state and the op-log
//! rows in one store transaction (`docs/sync.md`, Acceptance and Storage). Rules come as
//! anything [`RulesAt`]: the server passes its version timeline, so each op is applied under
//! the version in effect at its own `at`; tools with one rule set pass a `Config`. The HTTP route,
//! the simulation tests and `populate` all go through here.

use crate::store::{OpRow, Record, Store, StoreError};
use std::sync::Arc;
use zailai::timeline::RulesAt;
use zailai::State;

/// When a member joins: at the first op of their first sync (an offline week before it is
/// theirs), but within the offline window.
pub fn joined_at(push: &zailai::sync::Push, now: i64, limits: zailai::sync::Limits) -> i64 {
    push.ops
        .first()
        .map_or(now, |op| op.at)
        .clamp(now - limits.offline_window_ms, now)
}

/// The limits for a push from a device the server registered at `registered_at`: its ops
/// count from then (RULES.md, "Activity and time"), and the offline window applies after it.
/// An op dated before the registration is refused `TOO_OLD`, as one past the window is: too
/// old to count, and the client already knows what to do with that.
pub fn since_registration(
    limits: zailai::sync::Limits,
    registered_at: i64,
    now: i64,
) -> zailai::sync::Limits {
    let since = now.saturating_sub(registered_at).max(0);
    zailai::sync::Limits {
        offline_window_ms: limits.offline_window_ms.min(since),
        ..limits
    }
}

/// `POST /v1/sync` without HTTP, for a push from a device registered at `registered_at`
/// (`Store::claim_device`): ops dated before it are refused `TOO_OLD` (the detail says so),
/// and a new member joins then (within the offline window), not at the first op's `at`.
/// Refused ops are logged as in [`sync_logging`].
pub async fn sync_from_device(
    store: &impl Store,
    rules: &Arc<impl RulesAt + Send + Sync + 'static>,
    user: &str,
    push: zailai::sync::Push,
    registered_at: i64,
    now: i64,
    log_refusal: impl FnMut(&Record, &OpRow) -> bool + Send + 'static,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    let window = zailai::sync::Limits::from_config(rules.config_at(now));
    let limits = since_registration(window, registered_at, now);
    let joined = registered_at.clamp(now - window.offline_window_ms, now);
    let dated: std::collections::BTreeMap<u32, i64> =
        push.ops.iter().map(|op| (op.seq, op.at)).collect();
    let (mut outcome, record) =
        sync_with(store, rules, user, push, now, (joined, limits), log_refusal).await?;
    for r in &mut outcome.rejected {
        let at = dated.get(&r.seq).copied().unwrap_or(now);
        if r.code == "TOO_OLD" && at >= now - window.offline_window_ms {
            r.detail = format!(
                "dated {} ms before this device's registration ({registered_at}): a device's \
                 ops count from its first contact with the server",
                registered_at - at
            );
        }
    }
    Ok((outcome, record))
}

/// One sync of `user`, the body of `POST /v1/sync` without HTTP: loads the member (or starts
/// one at [`joined_at`]), applies the push, and commits the state and the op rows in one
/// transaction. Returns the outcome and the record to sign. For callers that vouch for the
/// device's history themselves (`populate`, the simulations): the route registers devices and
/// calls [`sync_from_device`].
pub async fn sync(
    store: &impl Store,
    rules: &Arc<impl RulesAt + Send + Sync + 'static>,
    user: &str,
    push: zailai::sync::Push,
    now: i64,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    sync_logging(store, rules, user, push, now, |_, _| true).await
}

/// [`sync`], logging a refused op only when `log_refusal(record after the push, row)` says so
/// (the HTTP route bounds refusals logged per device a day: `serve/refusal_log.rs`); applied
/// ops are always logged.
pub async fn sync_logging(
    store: &impl Store,
    rules: &Arc<impl RulesAt + Send + Sync + 'static>,
    user: &str,
    push: zailai::sync::Push,
    now: i64,
    log_refusal: impl FnMut(&Record, &OpRow) -> bool + Send + 'static,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    let limits = zailai::sync::Limits::from_config(rules.config_at(now));
    let joined = joined_at(&push, now, limits);
    sync_with(store, rules, user, push, now, (joined, limits), log_refusal).await
}

/// A sync with the member's join time (if new) and the op time limits decided.
async fn sync_with(
    store: &impl Store,
    rules: &Arc<impl RulesAt + Send + Sync + 'static>,
    user: &str,
    push: zailai::sync::Push,
    now: i64,
    (joined, limits): (i64, zailai::sync::Limits),
    mut log_refusal: impl FnMut(&Record, &OpRow) -> bool + Send + 'static,
) -> Result<(zailai::sync::Outcome, Record), StoreError> {
    let fresh = {
        let (rules, user) = (rules.clone(), user.to_owned());
        move || Record {
            state: State::join(rules.config_at(joined), &user, joined),
            processed: Default::default(),
            server_version: 0,
        }
    };
    let rules = rules.clone();
    let change = move |record: &mut Record| {
        let (outcome, mut rows) = apply_push(record, &*rules, &push, now, limits);
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
    rules: &impl RulesAt,
    push: &zailai::sync::Push,
    now: i64,
    limits: zailai::sync::Limits,
) -> (zailai::sync::Outcome, Vec<OpRow>) {
    let lapsed = release_lapsed_holds(record, rules, now);
    let before = record.processed.get(&push.device).copied().unwrap_or(0);
    let outcome = zailai::sync::accept(
        &mut record.state,
        &mut record.processed,
        rules,
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
pub fn release_lapsed_holds(record: &mut Record, rules: &impl RulesAt, now: i64) -> Option<OpRow> {
    let (due, _) = record.state.holds.iter().find(|(_, h)| h.until <= now)?;
    let kind = {
        let order = due.clone();
        move |_| zailai::OpKind::ReleaseHold { order }
    };
    let device = zailai::op::SERVER_DEVICE;
    let (op, _) = zailai::sync::server_op(&mut record.state, rules, device, kind, now).ok()?;
    Some(OpRow::of(&op, "applied".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::since_registration;
    use zailai::sync::Limits;

    const HOUR: i64 = 3_600_000;

    /// A device's ops count from its registration, never further back than the offline window,
    /// and a registration stamped by another server's clock a little ahead counts from now.
    #[test]
    fn the_window_starts_at_the_registration_within_the_offline_window() {
        let week = Limits {
            offline_window_ms: 168 * HOUR,
            max_clock_ahead_ms: 5 * 60_000,
        };
        let now = 1_800_000_000_000;
        let window = |registered_at| since_registration(week, registered_at, now);
        assert_eq!(window(now - HOUR).offline_window_ms, HOUR);
        assert_eq!(window(now - 168 * HOUR).offline_window_ms, 168 * HOUR);
        assert_eq!(window(now - 30 * 24 * HOUR).offline_window_ms, 168 * HOUR);
        assert_eq!(window(now + 1_000).offline_window_ms, 0);
        assert_eq!(window(now - HOUR).max_clock_ahead_ms, 5 * 60_000);
    }
}
