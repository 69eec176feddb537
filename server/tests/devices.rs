//! Members before they log in (issue 29, deliverable 1; docs/sync.md, "Members before they
//! log in"), on SQLite and PostgreSQL alike: a device registered at the first launch carries a
//! member's ops with no member id until the first login, whose push adopts them into the
//! session's member after the device's secret checks out. This runs the route's own decisions
//! (`devices::register`, `devices::claim`, then `sync_service::sync_from_device`) with the
//! server's clock as an argument, so three days can pass.
//!
//! - the right secret adopts every op once: a retried adoption (its reply lost) applies nothing
//!   twice and writes no second op-log row;
//! - a wrong secret, no secret or an unknown id is `DEVICE_NOT_REGISTERED`, and binds nothing;
//! - a device adopted by one member is `DEVICE_OTHER_MEMBER` for every other, whose account
//!   stays untouched;
//! - a retried registration is a new device and leaves the first as it was;
//! - ops dated before the device's registration are refused `TOO_OLD`, saying so.

mod pg;

use std::sync::Arc;
use zailai::sync::{Outcome, Push, PROTOCOL};
use zailai::{Config, Op, OpKind};
use zailai_server::devices::{self, Refusal, Registration};
use zailai_server::facts::FactRules;
use zailai_server::store::postgres::Postgres;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::Store;
use zailai_server::sync_service;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-11-01 09:00 UTC+8: the first launch.
const T0: i64 = 1_761_958_800_000;

fn push(device: &str, ops: &[(u32, i64, OpKind)]) -> Push {
    Push {
        protocol: PROTOCOL,
        device: device.to_owned(),
        base_version: 0,
        snapshot_formats: vec![zailai::snapshot::FORMAT],
        ops: ops
            .iter()
            .map(|(seq, at, op)| Op {
                device: device.to_owned(),
                seq: *seq,
                at: *at,
                op: op.clone(),
            })
            .collect(),
        invited_by: None,
        rules_hash: None,
    }
}

/// One push as `POST /v1/sync` makes it: the device claimed with `secret` for `user`, then
/// the sync counted from the device's registration.
async fn sync(
    store: &impl Store,
    user: &str,
    secret: Option<&str>,
    body: Push,
    now: i64,
) -> Result<Outcome, Refusal> {
    let rules = Arc::new(Config::seed());
    let registered_at = devices::claim(store, &body.device, secret, user)
        .await
        .unwrap()?;
    let (outcome, _) =
        sync_service::sync_from_device(store, &rules, user, body, registered_at, now, |_, _| true)
            .await
            .unwrap();
    Ok(outcome)
}

fn check_in(seq: u32, at: i64) -> (u32, i64, OpKind) {
    (seq, at, OpKind::CheckIn {})
}

/// The member's ops: a first launch (registration), three days offline with no login, then
/// the first login's push. Each day's check-in is applied once, the streak is 4, and the
/// adoption retried changes nothing.
async fn adoption(store: &impl Store) {
    let reg = devices::register(store, T0).await.unwrap();
    assert!(
        reg.device.starts_with('d') && reg.device.len() == 33,
        "{}",
        reg.device
    );
    assert_eq!(reg.secret.len(), 64);
    assert_eq!(reg.registered_at, T0);
    let offline: Vec<_> = (0..4)
        .map(|d| check_in(d + 1, T0 + d as i64 * DAY + HOUR))
        .collect();
    let now = T0 + 3 * DAY + 2 * HOUR;
    let body = push(&reg.device, &offline);
    let first = sync(store, "m1", Some(&reg.secret), body.clone(), now)
        .await
        .unwrap();
    assert_eq!(first.acked, vec![1, 2, 3, 4]);
    assert!(first.rejected.is_empty(), "{:?}", first.rejected);
    let record = store.load("m1").await.unwrap().unwrap();
    assert_eq!(record.state.checkins.len(), 4);
    assert_eq!(record.processed.get(&reg.device), Some(&4));
    // The member joined at the device's registration, not at the login.
    let joined = Config::seed().clock().day_of(T0);
    assert_eq!(record.state.joined, joined);
    let version = record.server_version;
    let rows = store.ops("m1").await.unwrap().len();
    assert_eq!(rows, 4);

    // The reply was lost: the client pushes the same ops again, an hour later.
    let again = sync(store, "m1", Some(&reg.secret), body, now + HOUR)
        .await
        .unwrap();
    assert_eq!(again.acked, vec![1, 2, 3, 4]);
    assert!(again.rejected.is_empty() && !again.changed);
    let after = store.load("m1").await.unwrap().unwrap();
    assert_eq!(after.state.checkins.len(), 4);
    assert_eq!(after.state.balance, record.state.balance);
    assert_eq!(after.server_version, version);
    assert_eq!(store.ops("m1").await.unwrap().len(), rows);

    // Adopted for good: the same member's next op goes on from there.
    let next = sync(
        store,
        "m1",
        Some(&reg.secret),
        push(&reg.device, &[check_in(5, now + DAY)]),
        now + DAY + HOUR,
    )
    .await
    .unwrap();
    assert_eq!(next.acked, vec![5]);
    assert!(next.rejected.is_empty());

    // Nobody else adopts it, not even with its secret; their account is not started.
    let other = sync(
        store,
        "m2",
        Some(&reg.secret),
        push(&reg.device, &[check_in(6, now + DAY)]),
        now + DAY + HOUR,
    )
    .await;
    assert_eq!(other.unwrap_err(), Refusal::OtherMember);
    assert!(store.load("m2").await.unwrap().is_none());
}

/// A wrong secret, none, or an unknown id: one refusal, and the device stays free for the
/// phone that holds its secret.
async fn wrong_secrets(store: &impl Store) {
    let reg = devices::register(store, T0).await.unwrap();
    let body = || push(&reg.device, &[check_in(1, T0 + HOUR)]);
    let now = T0 + 2 * HOUR;
    let wrong = "0".repeat(64);
    for secret in [Some(wrong.as_str()), Some(""), None] {
        let refused = sync(store, "thief", secret, body(), now).await;
        assert_eq!(refused.unwrap_err(), Refusal::NotRegistered, "{secret:?}");
    }
    // Another device's secret does not open this one.
    let mine = devices::register(store, T0).await.unwrap();
    let crossed = sync(store, "thief", Some(&mine.secret), body(), now).await;
    assert_eq!(crossed.unwrap_err(), Refusal::NotRegistered);
    let unknown = push(
        "d00000000000000000000000000000000",
        &[check_in(1, T0 + HOUR)],
    );
    let refused = sync(store, "thief", Some(&reg.secret), unknown, now).await;
    assert_eq!(refused.unwrap_err(), Refusal::NotRegistered);
    assert!(store.load("thief").await.unwrap().is_none());
    // The tries bound nothing: the owner's first login adopts the device.
    let owner = sync(store, "owner", Some(&reg.secret), body(), now)
        .await
        .unwrap();
    assert_eq!(owner.acked, vec![1]);
    assert!(owner.rejected.is_empty());
}

/// A registration whose reply was lost is retried: a second device, and the first untouched
/// (free, with its own secret: nobody else holds it, since only its hash was kept).
async fn registration_retried(store: &impl Store) {
    let lost: Registration = devices::register(store, T0).await.unwrap();
    let kept = devices::register(store, T0 + 1_000).await.unwrap();
    assert_ne!(lost.device, kept.device);
    assert_ne!(lost.secret, kept.secret);
    let now = T0 + HOUR;
    let held = sync(
        store,
        "r1",
        Some(&kept.secret),
        push(&kept.device, &[check_in(1, T0 + 2_000)]),
        now,
    )
    .await
    .unwrap();
    assert_eq!(held.acked, vec![1]);
    assert!(held.rejected.is_empty());
    // The secret of one is not the other's, and the retry did not bind or replace the first.
    let crossed = sync(
        store,
        "r1",
        Some(&kept.secret),
        push(&lost.device, &[check_in(1, T0 + 2_000)]),
        now,
    )
    .await;
    assert_eq!(crossed.unwrap_err(), Refusal::NotRegistered);
    let first = devices::claim(store, &lost.device, Some(&lost.secret), "r2").await;
    assert_eq!(first.unwrap(), Ok(T0));
}

/// Ops dated before the device's registration are refused TOO_OLD (the detail names the
/// registration); the ones after it count.
async fn before_registration(store: &impl Store) {
    let registered = T0 + 10 * DAY;
    let reg = devices::register(store, registered).await.unwrap();
    let ops = [
        check_in(1, registered - HOUR),
        check_in(2, registered + HOUR),
    ];
    let out = sync(
        store,
        "b1",
        Some(&reg.secret),
        push(&reg.device, &ops),
        registered + 2 * HOUR,
    )
    .await
    .unwrap();
    assert_eq!(out.acked, vec![2]);
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].seq, 1);
    assert_eq!(out.rejected[0].code, "TOO_OLD");
    assert!(
        out.rejected[0].detail.contains("registration"),
        "{}",
        out.rejected[0].detail
    );
    let record = store.load("b1").await.unwrap().unwrap();
    assert_eq!(record.state.checkins.len(), 1);
    let rows = store.ops("b1").await.unwrap();
    let results: Vec<_> = rows.iter().map(|r| r.result.as_str()).collect();
    assert_eq!(results, ["TOO_OLD", "applied"]);
}

async fn suite(store: impl Store) {
    adoption(&store).await;
    wrong_secrets(&store).await;
    registration_retried(&store).await;
    before_registration(&store).await;
}

fn rules() -> FactRules {
    FactRules::of(&Config::seed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_adopts_a_devices_ops_at_the_first_login() {
    let dir = std::env::temp_dir().join(format!("zailai-devices-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    suite(Sqlite::open(&dir.join("zailai.db"), rules()).unwrap()).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The throwaway cluster of scripts/postgres-up.sh; not skipped when absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_adopts_a_devices_ops_at_the_first_login() {
    let database = pg::fresh_database("devices").await;
    let store = Postgres::connect(&database, 4, rules()).await.unwrap();
    suite(store).await;
}
