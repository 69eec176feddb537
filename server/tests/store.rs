//! The storage conformance suite: every backend must pass all of it.

mod pg;

use serde_json::json;
use std::sync::Arc;
use zailai::sync::{Limits, Push};
use zailai::{Config, State};
use zailai_server::facts::FactRules;
use zailai_server::store::operators::{
    AuditQuery, AuditRow, OperatorRow, OperatorStore, OperatorUpdate,
};
use zailai_server::store::postgres::Postgres;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::{DeviceClaim, DrawEntry, Once, OpRow, Record, Store, StoreError, Won};
use zailai_server::sync_service::apply_push;

const T0: i64 = 1_761_958_800_000; // 2026-11-01 09:00 UTC+8

/// The seed's report rules (these tests are about storage, not the facts).
fn rules() -> FactRules {
    FactRules::of(&Config::seed())
}

fn fresh(user: &str) -> impl FnOnce() -> Record + Send + 'static {
    let user = user.to_owned();
    move || Record {
        state: State::join(&Config::seed(), &user, T0),
        processed: Default::default(),
        server_version: 0,
    }
}

fn row(seq: u32) -> OpRow {
    OpRow {
        device: "d".into(),
        seq,
        at: T0,
        op: "{}".into(),
        result: "applied".into(),
    }
}

async fn bump(
    store: &impl Store,
    user: &str,
    rows: Vec<OpRow>,
) -> Result<Result<u32, ()>, StoreError> {
    store
        .transact(user, fresh(user), move |r: &mut Record| {
            r.server_version += 1;
            Ok((r.server_version, rows))
        })
        .await
}

fn operator(name: &str, role: &str) -> OperatorRow {
    OperatorRow {
        name: name.into(),
        role: role.into(),
        password_hash: format!("hash-of-{name}"),
        disabled: false,
        created_at: T0,
        updated_at: T0,
        last_login_at: None,
    }
}

/// Operators are added once, changed, listed by name; a console session reads its operator's
/// role and disabled flag as they are now; an operator's sessions end together.
async fn operators_conformance(store: &impl OperatorStore) {
    assert!(store
        .add_operator(&operator("olga", "operator"))
        .await
        .unwrap());
    assert!(store.add_operator(&operator("ann", "admin")).await.unwrap());
    assert!(
        !store
            .add_operator(&operator("olga", "admin"))
            .await
            .unwrap(),
        "a taken name"
    );
    assert_eq!(
        store.operator("olga").await.unwrap(),
        Some(operator("olga", "operator"))
    );
    assert_eq!(store.operator("nobody").await.unwrap(), None);
    let names: Vec<String> = store
        .operators()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["ann", "olga"]);

    store
        .put_console_session("h1", "olga", "c1", T0, T0 + 100)
        .await
        .unwrap();
    store
        .put_console_session("h2", "olga", "c2", T0, T0 + 100)
        .await
        .unwrap();
    store
        .put_console_session("h3", "ann", "c3", T0, T0 + 100)
        .await
        .unwrap();
    let s = store.console_session("h1").await.unwrap().unwrap();
    assert_eq!(
        (
            s.operator.as_str(),
            s.role.as_str(),
            s.disabled,
            s.csrf.as_str(),
            s.expires_at
        ),
        ("olga", "operator", false, "c1", T0 + 100)
    );

    let mut changed = operator("olga", "viewer");
    changed.disabled = true;
    changed.password_hash = "new".into();
    changed.updated_at = T0 + 5;
    assert_eq!(
        store.update_operator(&changed).await.unwrap(),
        OperatorUpdate::Done
    );
    assert_eq!(
        store
            .update_operator(&operator("nobody", "admin"))
            .await
            .unwrap(),
        OperatorUpdate::Unknown
    );
    let s = store.console_session("h2").await.unwrap().unwrap();
    assert_eq!(
        (s.role.as_str(), s.disabled),
        ("viewer", true),
        "read with the session"
    );
    store.record_login("olga", T0 + 7).await.unwrap();
    let olga = store.operator("olga").await.unwrap().unwrap();
    assert_eq!(
        (
            olga.password_hash.as_str(),
            olga.updated_at,
            olga.last_login_at
        ),
        ("new", T0 + 5, Some(T0 + 7))
    );

    assert_eq!(store.end_console_sessions_of("olga").await.unwrap(), 2);
    assert_eq!(store.console_session("h1").await.unwrap(), None);
    assert!(
        store.console_session("h3").await.unwrap().is_some(),
        "another's stays"
    );
    assert!(store.delete_console_session("h3").await.unwrap());
    assert!(!store.delete_console_session("h3").await.unwrap());
    // A new session sweeps the expired ones.
    store
        .put_console_session("old", "ann", "c", T0, T0 + 10)
        .await
        .unwrap();
    store
        .put_console_session("new", "ann", "c", T0 + 11, T0 + 100)
        .await
        .unwrap();
    assert_eq!(store.console_session("old").await.unwrap(), None);
    assert!(store.console_session("new").await.unwrap().is_some());
}

/// The last enabled admin is neither disabled nor demoted, even when two admins each disable
/// the other at the same moment: exactly one of the two changes is written.
async fn last_admin_conformance<S: OperatorStore + Send + Sync + 'static>(store: Arc<S>) {
    for name in ["ada", "bo"] {
        assert!(store.add_operator(&operator(name, "admin")).await.unwrap());
    }
    // Only ada and bo are admins from here on.
    for other in store.operators().await.unwrap() {
        if other.role == "admin" && other.name != "ada" && other.name != "bo" {
            let mut demoted = other.clone();
            demoted.role = "operator".into();
            assert_eq!(
                store.update_operator(&demoted).await.unwrap(),
                OperatorUpdate::Done
            );
        }
    }
    let disabled = |name: &str| {
        let mut op = operator(name, "admin");
        op.disabled = true;
        op
    };
    for round in 0..20 {
        let (a, b) = (store.clone(), store.clone());
        let ada = tokio::spawn(async move { a.update_operator(&disabled("ada")).await });
        let bo = tokio::spawn(async move { b.update_operator(&disabled("bo")).await });
        let outcomes = [ada.await.unwrap().unwrap(), bo.await.unwrap().unwrap()];
        let done: Vec<usize> = (0..2)
            .filter(|&i| outcomes[i] == OperatorUpdate::Done)
            .collect();
        assert_eq!(done.len(), 1, "round {round}: {outcomes:?}");
        assert!(
            outcomes.contains(&OperatorUpdate::LastAdmin),
            "{outcomes:?}"
        );
        let admins = store.operators().await.unwrap();
        let enabled: Vec<&str> = admins
            .iter()
            .filter(|o| o.role == "admin" && !o.disabled)
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(enabled.len(), 1, "round {round}: {enabled:?}");
        let again = ["ada", "bo"][done[0]];
        assert_eq!(
            store
                .update_operator(&operator(again, "admin"))
                .await
                .unwrap(),
            OperatorUpdate::Done
        );
    }
    // Alone, an admin can change its password but not its role; another's change still goes.
    assert_eq!(
        store.update_operator(&disabled("bo")).await.unwrap(),
        OperatorUpdate::Done
    );
    assert_eq!(
        store
            .update_operator(&operator("ada", "viewer"))
            .await
            .unwrap(),
        OperatorUpdate::LastAdmin
    );
    let mut new_password = operator("ada", "admin");
    new_password.password_hash = "another".into();
    assert_eq!(
        store.update_operator(&new_password).await.unwrap(),
        OperatorUpdate::Done
    );
    assert_eq!(
        store.operator("ada").await.unwrap().unwrap().role,
        "admin",
        "nothing written by the refusal"
    );
    assert_eq!(
        store
            .update_operator(&operator("bo", "viewer"))
            .await
            .unwrap(),
        OperatorUpdate::Done,
        "a disabled admin is not the last one"
    );
}

fn audit_row(actor: &str, action: &str, target: &str) -> AuditRow {
    AuditRow {
        id: 0,
        at: T0,
        actor: actor.into(),
        role: "admin".into(),
        action: action.into(),
        target: target.into(),
        before: "null".into(),
        after: r#"{"点数":5}"#.into(),
        address: "1.2.3.4".into(),
    }
}

/// The audit log keeps entries in order, newest first, filtered exactly, paged by id.
async fn audit_conformance(store: &impl OperatorStore) {
    let mut ids = Vec::new();
    for (actor, action, target) in [
        ("ann", "operator.add", "operator:olga"),
        ("cli", "operator.change", "operator:olga"),
        ("ann", "member.grant", "member:u1"),
        ("token", "member.grant", "member:u12"),
    ] {
        ids.push(
            store
                .add_audit(&audit_row(actor, action, target))
                .await
                .unwrap(),
        );
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let all =
        |q: AuditQuery| async move { store.audit(&AuditQuery { limit: 10, ..q }).await.unwrap() };
    let newest = all(AuditQuery::default()).await;
    assert_eq!(
        newest.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[3], ids[2], ids[1], ids[0]]
    );
    assert_eq!(
        newest[3],
        AuditRow {
            id: ids[0],
            ..audit_row("ann", "operator.add", "operator:olga")
        }
    );
    let by_target = all(AuditQuery {
        target: Some("member:u1".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_target.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[2]],
        "exact, not a prefix"
    );
    let by_actor = all(AuditQuery {
        actor: Some("ann".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_actor.len(), 2);
    let by_action = all(AuditQuery {
        action: Some("member.grant".into()),
        actor: Some("token".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_action.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[3]]);
    let page = store
        .audit(&AuditQuery {
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    let next = all(AuditQuery {
        before_id: Some(page[1].id),
        ..Default::default()
    })
    .await;
    assert_eq!(
        next.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[1], ids[0]]
    );
}

/// Settings are set once (the first value stays); a member's sessions end together.
async fn settings_and_sessions_conformance(store: &impl Store) {
    assert_eq!(store.setting("mode", None).await.unwrap(), None);
    assert_eq!(
        store.setting("mode", Some("dev".into())).await.unwrap(),
        Some("dev".into())
    );
    assert_eq!(
        store
            .setting("mode", Some("production".into()))
            .await
            .unwrap(),
        Some("dev".into()),
        "the first stays"
    );
    assert_eq!(
        store.setting("mode", None).await.unwrap(),
        Some("dev".into())
    );
    for (hash, user) in [("s1", "v1"), ("s2", "v1"), ("s3", "v2")] {
        store.put_session(hash, user, T0 + 1000, T0).await.unwrap();
    }
    assert_eq!(store.end_sessions_of("v1").await.unwrap(), 2);
    assert_eq!(store.session("s1").await.unwrap(), None);
    assert_eq!(store.session("s2").await.unwrap(), None);
    assert!(
        store.session("s3").await.unwrap().is_some(),
        "another member's stays"
    );
    assert_eq!(store.end_sessions_of("v1").await.unwrap(), 0);
}

pub async fn conformance(store: Arc<impl Store + OperatorStore>) {
    settings_and_sessions_conformance(&*store).await;
    operators_conformance(&*store).await;
    last_admin_conformance(store.clone()).await;
    audit_conformance(&*store).await;
    // A new member is created from `fresh` and kept.
    assert_eq!(store.load("u1").await.unwrap(), None);
    assert_eq!(bump(&*store, "u1", vec![row(1)]).await.unwrap(), Ok(1));
    assert_eq!(bump(&*store, "u1", vec![row(2)]).await.unwrap(), Ok(2));
    let loaded = store.load("u1").await.unwrap().unwrap();
    assert_eq!(loaded.server_version, 2);
    assert_eq!(loaded.state.user, "u1");

    // A failing change writes nothing.
    let out: Result<(), &str> = store
        .transact("u1", fresh("u1"), |r: &mut Record| {
            r.server_version = 99;
            Err("no")
        })
        .await
        .unwrap();
    assert_eq!(out, Err("no"));
    assert_eq!(store.load("u1").await.unwrap().unwrap().server_version, 2);

    // A failed first sync of a new member leaves no member behind.
    let out: Result<(), &str> = store
        .transact("u9", fresh("u9"), |_: &mut Record| Err("no"))
        .await
        .unwrap();
    assert_eq!(out, Err("no"));
    assert_eq!(store.load("u9").await.unwrap(), None);

    // Atomic: a duplicate (user, device, seq) op row fails the whole transaction.
    assert!(bump(&*store, "u1", vec![row(3), row(1)]).await.is_err());
    assert_eq!(
        store.load("u1").await.unwrap().unwrap().server_version,
        2,
        "record rolled back with the rows"
    );
    let seqs: Vec<u32> = store
        .ops("u1")
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
    // Op logs for a replay of history: the members asked for that the store has, in the
    // order asked, with the day each joined (T0's, a day far from 0) and every row in order.
    assert_eq!(
        bump(&*store, "u0", vec![row(7), row(3)]).await.unwrap(),
        Ok(1)
    );
    let logs = store
        .op_logs(vec!["u1".into(), "nobody".into(), "u0".into()])
        .await
        .unwrap();
    let users: Vec<&str> = logs.iter().map(|l| l.user.as_str()).collect();
    assert_eq!(users, ["u1", "u0"]);
    assert_eq!(logs[0].joined, Config::seed().clock().day_of(T0));
    assert_eq!(logs[0].joined, loaded.state.joined);
    assert_eq!(logs[0].rows, store.ops("u1").await.unwrap());
    let seqs: Vec<u32> = logs[1].rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [7, 3], "arrival order");
    assert_eq!(store.op_logs(Vec::new()).await.unwrap(), []);

    // Concurrent transactions of one user never lose an update.
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { bump(&*store, "u2", Vec::new()).await.unwrap().unwrap() })
        })
        .collect();
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=24).collect::<Vec<_>>());

    // Calls that fail (refused by their change, or a write the database refuses: a duplicate
    // op row) fail alone, whatever calls they are committed with (SQLite's group commit).
    let tasks: Vec<_> = (0..30u32)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let user = format!("g{}", i % 3);
                match i % 3 {
                    0 => bump(&*store, &user, vec![row(i)]).await,
                    1 => {
                        let refuse = |_: &mut Record| Err::<(u32, Vec<OpRow>), ()>(());
                        store.transact(&user, fresh(&user), refuse).await
                    }
                    _ => bump(&*store, &user, vec![row(1), row(1)]).await,
                }
            })
        })
        .collect();
    let mut outcomes = [0, 0, 0];
    for t in tasks {
        match t.await.unwrap() {
            Ok(Ok(_)) => outcomes[0] += 1,
            Ok(Err(())) => outcomes[1] += 1,
            Err(_) => outcomes[2] += 1,
        }
    }
    assert_eq!(outcomes, [10, 10, 10]);
    assert_eq!(store.load("g0").await.unwrap().unwrap().server_version, 10);
    assert_eq!(store.ops("g0").await.unwrap().len(), 10);
    for nothing in ["g1", "g2"] {
        assert_eq!(store.load(nothing).await.unwrap(), None, "{nothing}");
        assert!(store.ops(nothing).await.unwrap().is_empty(), "{nothing}");
    }

    // A real sync: state, processed seqs and the op log commit together.
    let push = Push::from_json(
        &json!({"protocol": 1, "device": "phone", "base_version": 0, "snapshot_formats": [5], "ops": [
            {"device": "phone", "seq": 1, "at": T0, "op": {"type": "check_in"}},
            {"device": "phone", "seq": 2, "at": T0 + 1000, "op": {"type": "check_in"}}
        ]})
        .to_string(),
    )
    .unwrap();
    let outcome = store
        .transact("u3", fresh("u3"), move |r: &mut Record| {
            let cfg = Config::seed();
            Ok::<_, ()>(apply_push(
                r,
                &cfg,
                &push,
                T0 + 60_000,
                Limits::from_config(&cfg),
            ))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.acked, [1]);
    let r = store.load("u3").await.unwrap().unwrap();
    assert_eq!(
        (r.server_version, r.processed["phone"], r.state.balance),
        (1, 2, 5)
    );
    let results: Vec<String> = store
        .ops("u3")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.result)
        .collect();
    assert_eq!(results, ["applied", "ALREADY_CHECKED_IN"]);

    // Sessions.
    assert_eq!(store.session("h1").await.unwrap(), None);
    store.put_session("h1", "u1", T0 + 1, T0).await.unwrap();
    assert_eq!(
        store.session("h1").await.unwrap(),
        Some(("u1".to_owned(), T0 + 1))
    );
    store.put_session("h1", "u1", T0 + 2, T0).await.unwrap();
    assert_eq!(store.session("h1").await.unwrap().unwrap().1, T0 + 2);
    // A login purges sessions that expired before it; logout ends one at once.
    store.put_session("old", "u1", T0 + 1, T0).await.unwrap();
    store
        .put_session("h2", "u2", T0 + 100, T0 + 2)
        .await
        .unwrap();
    assert_eq!(store.session("old").await.unwrap(), None, "purged");
    assert!(
        store.session("h1").await.unwrap().is_some(),
        "not expired yet"
    );
    assert!(store.delete_session("h2").await.unwrap());
    assert!(!store.delete_session("h2").await.unwrap());
    assert_eq!(store.session("h2").await.unwrap(), None);

    // Every member, in byte order whatever the database's collation.
    let users = store.users().await.unwrap();
    let mut sorted = users.clone();
    sorted.sort();
    assert_eq!(users, sorted);
    assert!(users.contains(&"u1".to_owned()) && users.contains(&"u3".to_owned()));
    assert!(
        !users.contains(&"h1".to_owned()),
        "sessions are not members"
    );

    once_conformance(store.clone()).await;
    orders_conformance(store.clone()).await;

    // Invite codes: the first stored wins; a code another member has is refused (None).
    assert_eq!(
        store.invite_code("u1", "CODE1").await.unwrap().as_deref(),
        Some("CODE1")
    );
    assert_eq!(
        store.invite_code("u1", "CODE2").await.unwrap().as_deref(),
        Some("CODE1")
    );
    assert_eq!(store.invite_code("u2", "CODE1").await.unwrap(), None);
    assert_eq!(
        store.invite_code("u2", "CODE3").await.unwrap().as_deref(),
        Some("CODE3")
    );
    assert_eq!(store.inviter("CODE1").await.unwrap().as_deref(), Some("u1"));
    assert_eq!(store.inviter("CODE2").await.unwrap(), None);
    consents_conformance(store.clone()).await;
    sent_conformance(&*store).await;
    devices_conformance(store.clone()).await;
    panic_conformance(store.clone()).await;
    lottery_conformance(store).await;
}

/// A panic inside a change (a bug) fails that call only: nothing of it is written, and the
/// store goes on serving (SQLite's lock is not left poisoned; the transaction rolls back).
async fn panic_conformance(store: Arc<impl Store>) {
    assert_eq!(bump(&*store, "p1", vec![row(1)]).await.unwrap(), Ok(1));
    let s = store.clone();
    let crashed = tokio::spawn(async move {
        s.transact("p1", fresh("p1"), |r: &mut Record| {
            r.server_version += 5;
            if r.server_version > 0 {
                panic!("a bug in a change");
            }
            Ok::<_, ()>(((), vec![row(2)]))
        })
        .await
    })
    .await;
    assert!(
        !matches!(crashed, Ok(Ok(Ok(())))),
        "the panicking call failed"
    );
    let after = store.load("p1").await.unwrap().unwrap();
    assert_eq!(after.server_version, 1, "nothing of it was written");
    assert_eq!(bump(&*store, "p1", vec![row(2)]).await.unwrap(), Ok(2));
    assert_eq!(store.ops("p1").await.unwrap().len(), 2);
}

/// Consents come in pages of members in byte order (upper case before lower, as in SQLite),
/// every granted kind of a member on one page, the last answer counting.
/// Devices (issue 25): registered once by id, checked by the hash of their secret, bound to
/// the member of their first sync.
async fn devices_conformance(store: Arc<impl Store>) {
    assert!(store.register_device("dev-a", "hash-a", T0).await.unwrap());
    assert!(
        !store
            .register_device("dev-a", "hash-x", T0 + 1)
            .await
            .unwrap(),
        "an id is registered once"
    );
    assert!(store
        .register_device("dev-b", "hash-b", T0 + 5)
        .await
        .unwrap());
    let registered = |at| DeviceClaim::Registered { registered_at: at };
    // Unknown ids and wrong secrets get one answer; the taken id kept its first secret.
    for (device, hash) in [
        ("dev-z", "hash-a"),
        ("dev-a", "hash-x"),
        ("dev-a", "hash-b"),
    ] {
        assert_eq!(
            store.claim_device(device, hash, "m1").await.unwrap(),
            DeviceClaim::Unknown,
            "{device} {hash}"
        );
    }
    // The first sync binds the device; its member may sync again, nobody else may.
    assert_eq!(
        store.claim_device("dev-a", "hash-a", "m1").await.unwrap(),
        registered(T0)
    );
    assert_eq!(
        store.claim_device("dev-a", "hash-a", "m1").await.unwrap(),
        registered(T0)
    );
    assert_eq!(
        store.claim_device("dev-a", "hash-a", "m2").await.unwrap(),
        DeviceClaim::OtherMember
    );
    // A member's second device has its own registration time.
    assert_eq!(
        store.claim_device("dev-b", "hash-b", "m1").await.unwrap(),
        registered(T0 + 5)
    );
    // Two members racing for one unbound device: exactly one gets it.
    assert!(store.register_device("dev-c", "hash-c", T0).await.unwrap());
    let (s1, s2) = (store.clone(), store.clone());
    let (c1, c2) = tokio::join!(
        tokio::spawn(async move { s1.claim_device("dev-c", "hash-c", "r1").await }),
        tokio::spawn(async move { s2.claim_device("dev-c", "hash-c", "r2").await }),
    );
    let mut claims = [c1.unwrap().unwrap(), c2.unwrap().unwrap()];
    claims.sort_by_key(|c| matches!(c, DeviceClaim::OtherMember));
    assert_eq!(claims, [registered(T0), DeviceClaim::OtherMember]);
}

async fn consents_conformance(store: Arc<impl Store>) {
    for (user, kind, granted) in [
        ("c-b", "tier_up", true),
        ("c-a", "tier_up", true),
        ("c-a", "points_expiring", true),
        ("c-C", "tier_up", true),
        ("c-d", "tier_up", true),
        ("c-d", "tier_up", false),
    ] {
        store.put_consent(user, kind, granted, 1).await.unwrap();
    }
    let page = |after: &'static str, n| {
        let store = store.clone();
        async move { store.consents(after, n).await.unwrap() }
    };
    let pair = |u: &str, k: &str| (u.to_owned(), k.to_owned());
    assert_eq!(
        page("c-", 2).await,
        [
            pair("c-C", "tier_up"),
            pair("c-a", "points_expiring"),
            pair("c-a", "tier_up")
        ]
    );
    assert_eq!(page("c-a", 2).await, [pair("c-b", "tier_up")]);
    assert!(page("c-b", 2).await.is_empty(), "c-d withdrew");
}

/// Messages sent: recorded once per (kind, campaign, member), the first `at` kept; ids of no
/// member come back unrecorded; the report's reference reads the campaign ones.
async fn sent_conformance(store: &impl Store) {
    for user in ["s-a", "s-b"] {
        bump(store, user, vec![]).await.unwrap().unwrap();
    }
    let users = |ids: &[&str]| ids.iter().map(|u| u.to_string()).collect::<Vec<_>>();
    let first = store
        .record_sent("campaign", "spring", users(&["s-a", "s-zz", "s-b"]), 10)
        .await
        .unwrap();
    assert_eq!(
        (first.recorded, first.unknown),
        (2, vec!["s-zz".to_owned()])
    );
    let again = store
        .record_sent("campaign", "spring", users(&["s-b"]), 5)
        .await
        .unwrap();
    assert_eq!(
        (again.recorded, again.unknown.len()),
        (0, 0),
        "recorded before"
    );
    // Another campaign, and another kind, are other records.
    let other = store
        .record_sent("campaign", "autumn", users(&["s-b"]), 20)
        .await
        .unwrap();
    assert_eq!(other.recorded, 1);
    let tier = store
        .record_sent("tier_up", "", users(&["s-a"]), 20)
        .await
        .unwrap();
    assert_eq!(tier.recorded, 1);
    let mut notices = store.campaign_notices().await.unwrap();
    notices.sort();
    let pair = |c: &str, u: &str| (c.to_owned(), u.to_owned());
    assert_eq!(
        notices,
        [
            pair("autumn", "s-b"),
            pair("spring", "s-a"),
            pair("spring", "s-b")
        ]
    );
}

/// A call made once by key: done, replayed with the same request, a conflict with another,
/// nothing written when refused or when the member is unknown; racing calls with one key
/// apply once.
async fn once_conformance(store: Arc<impl Store>) {
    let call = |key: &'static str, request: &'static str, user: &'static str, fail: bool| {
        let store = store.clone();
        async move {
            store
                .once(key, request, user, None, T0, move |r: &mut Record| {
                    if fail {
                        return Err("refused");
                    }
                    r.server_version += 1;
                    let rows = vec![OpRow {
                        device: "~merchant".into(),
                        seq: r.server_version,
                        ..row(0)
                    }];
                    Ok((format!("v{}", r.server_version), rows))
                })
                .await
                .unwrap()
        }
    };
    let start = store.load("u1").await.unwrap().unwrap().server_version;
    assert_eq!(
        call("k-none", "a", "nobody", false).await,
        Once::UnknownMember
    );
    assert_eq!(store.load("nobody").await.unwrap(), None);
    assert_eq!(call("k1", "a", "u1", true).await, Once::Refused("refused"));
    let done = call("k1", "a", "u1", false).await;
    assert_eq!(
        done,
        Once::Done(format!("v{}", start + 1)),
        "a refusal kept no key"
    );
    assert_eq!(
        call("k1", "a", "u1", false).await,
        Once::Replayed(format!("v{}", start + 1))
    );
    assert_eq!(call("k1", "b", "u1", false).await, Once::Conflict);
    assert_eq!(
        store.load("u1").await.unwrap().unwrap().server_version,
        start + 1,
        "applied once"
    );
    // Eight racing calls with one key: one is done, seven replay it.
    let racing: Vec<_> = (0..8)
        .map(|_| tokio::spawn(call("k2", "a", "u1", false)))
        .collect();
    let mut done = 0;
    for t in racing {
        match t.await.unwrap() {
            Once::Done(_) => done += 1,
            Once::Replayed(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(done, 1);
    assert_eq!(
        store.load("u1").await.unwrap().unwrap().server_version,
        start + 2
    );
}

/// An order id belongs to the member of its first call for good: a call naming it for
/// another member is refused and writes nothing; a refused call binds nothing; racing calls
/// for two members bind it to one of them.
async fn orders_conformance(store: Arc<impl Store>) {
    for user in ["oa", "ob"] {
        bump(&*store, user, vec![]).await.unwrap().unwrap();
    }
    let call = |key: String, user: &'static str, order: &'static str, fail: bool| {
        let store = store.clone();
        async move {
            store
                .once(&key, "r", user, Some(order), T0, move |r: &mut Record| {
                    if fail {
                        return Err("refused");
                    }
                    r.server_version += 1;
                    Ok((format!("{user} v{}", r.server_version), vec![]))
                })
                .await
                .unwrap()
        }
    };
    let version = |user: &'static str| {
        let store = store.clone();
        async move { store.load(user).await.unwrap().unwrap().server_version }
    };
    // A refused call binds nothing: the id is still free for the other member.
    assert_eq!(
        call("hold:X-0".into(), "oa", "X-0", true).await,
        Once::Refused("refused")
    );
    assert!(matches!(
        call("order:X-0".into(), "ob", "X-0", false).await,
        Once::Done(_)
    ));
    // Held for oa, then ordered (another key) for ob: refused, nothing written.
    assert!(matches!(
        call("hold:X-1".into(), "oa", "X-1", false).await,
        Once::Done(_)
    ));
    let ob = version("ob").await;
    assert_eq!(
        call("order:X-1".into(), "ob", "X-1", false).await,
        Once::OrderOfAnotherMember
    );
    assert_eq!(version("ob").await, ob);
    // The refusal kept no key: the same key for the right member still works.
    assert!(matches!(
        call("order:X-1".into(), "oa", "X-1", false).await,
        Once::Done(_)
    ));
    assert_eq!(
        call("refund:X-0".into(), "oa", "X-0", false).await,
        Once::OrderOfAnotherMember
    );
    // Calls without an order id are not bound to anything.
    let free = store
        .once("free", "r", "ob", None, T0, |_: &mut Record| {
            Ok::<_, ()>(("ok".to_owned(), vec![]))
        })
        .await
        .unwrap();
    assert_eq!(free, Once::Done("ok".into()));
    // Two members racing for one new id (different keys): exactly one gets it.
    let racing: Vec<_> = (0..6)
        .map(|i| {
            let user = if i % 2 == 0 { "oa" } else { "ob" };
            tokio::spawn(call(format!("race:{i}"), user, "X-2", false))
        })
        .collect();
    let mut owners = std::collections::BTreeSet::new();
    let mut refused = 0;
    for t in racing {
        match t.await.unwrap() {
            Once::Done(text) => {
                owners.insert(text.split(' ').next().unwrap().to_owned());
            }
            Once::OrderOfAnotherMember => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((owners.len(), refused), (1, 3), "{owners:?}");
}

fn entry(member: &str, seq: u32) -> DrawEntry {
    DrawEntry {
        member: member.into(),
        device: "d".into(),
        seq,
        weight: 1,
        prize: None,
    }
}

async fn lottery_conformance(store: Arc<impl Store>) {
    // The first seed stored wins, for every later caller.
    assert_eq!(store.lottery_seed("l", "aa".into()).await.unwrap(), "aa");
    assert_eq!(store.lottery_seed("l", "bb".into()).await.unwrap(), "aa");
    assert!(store.lottery_draws("l", 0, 100).await.unwrap().is_empty());
    assert_eq!(store.lottery_tally("l").await.unwrap(), (0, Won::new()));

    // 40 draws race for a prize with stock 5: `decide` sees the prizes won before it, so
    // exactly 5 are won, whatever the interleaving.
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .lottery_draw("l", entry(&format!("m{}", i % 7), i), |won| {
                    let n = won.get("p").copied().unwrap_or(0);
                    (n < 5).then(|| "p".to_owned())
                })
                .await
                .unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap().is_some());
    }
    assert_eq!(wins, 5);
    let draws = store.lottery_draws("l", 0, 100).await.unwrap();
    assert_eq!(draws.len(), 40);
    // Pages: from the (after + 1)-th draw, at most `limit`, the same order.
    assert_eq!(store.lottery_draws("l", 0, 15).await.unwrap(), draws[..15]);
    assert_eq!(
        store.lottery_draws("l", 15, 15).await.unwrap(),
        draws[15..30]
    );
    assert_eq!(store.lottery_draws("l", 30, 15).await.unwrap(), draws[30..]);
    assert!(store.lottery_draws("l", 40, 15).await.unwrap().is_empty());
    assert!(store
        .lottery_draws("l", u64::MAX, 15)
        .await
        .unwrap()
        .is_empty());
    let prizes: Vec<bool> = draws.iter().map(|d| d.prize.is_some()).collect();
    assert_eq!(prizes[..5], [true; 5], "the first five in draw order won");
    assert!(prizes[5..].iter().all(|p| !p));

    // An entry decided before keeps its prize: `decide` is not asked again.
    let again = store
        .lottery_draw("l", entry("m0", 0), |_| panic!("decided twice"))
        .await
        .unwrap();
    assert_eq!(again, draws.iter().find(|d| d.seq == 0).unwrap().prize);
    assert_eq!(store.lottery_draws("l", 0, 100).await.unwrap().len(), 40);

    // The tally: every draw counted, the prizes won by id, another lottery apart.
    assert_eq!(
        store.lottery_tally("l").await.unwrap(),
        (40, Won::from([("p".to_owned(), 5)]))
    );
    store.lottery_seed("other", "cc".into()).await.unwrap();
    store
        .lottery_draw("other", entry("m0", 0), |_| Some("q".to_owned()))
        .await
        .unwrap();
    store
        .lottery_draw("other", entry("m1", 1), |_| Some("q".to_owned()))
        .await
        .unwrap();
    assert_eq!(
        store.lottery_tally("other").await.unwrap(),
        (2, Won::from([("q".to_owned(), 2)]))
    );
    assert_eq!(store.lottery_tally("l").await.unwrap().0, 40);
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("zailai.db")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_conformance_suite() {
    let path = temp_db("suite");
    conformance(Arc::new(Sqlite::open(&path, rules()).unwrap())).await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(
        conn.query_row(FIRST_SENT, [], |r| r.get::<_, i64>(0))
            .unwrap(),
        10
    );
}

/// When the message `sent_conformance` records twice (at 10, then 5) was sent: the first
/// record stays.
const FIRST_SENT: &str =
    "SELECT at FROM messages_sent WHERE kind = 'campaign' AND campaign = 'spring' AND user_id = 's-b'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_data_across_reopen_in_wal_mode() {
    let path = temp_db("reopen");
    {
        let store = Sqlite::open(&path, rules()).unwrap();
        assert_eq!(bump(&store, "u", vec![row(1)]).await.unwrap(), Ok(1));
    }
    let store = Sqlite::open(&path, rules()).unwrap();
    assert_eq!(store.load("u").await.unwrap().unwrap().server_version, 1);
    assert!(path.with_file_name("zailai.db-wal").exists(), "WAL mode");
}

#[tokio::test]
async fn sqlite_reports_an_unopenable_path() {
    let err = Sqlite::open(std::path::Path::new("/proc/zailai/nope.db"), rules())
        .err()
        .unwrap();
    assert!(err.to_string().contains("/proc/zailai"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_suite() {
    let database = pg::fresh_database("test").await;
    let store = Postgres::connect(&database, 4, rules()).await.unwrap();
    // Migrations run once: a second server process on the same database adds nothing.
    drop(Postgres::connect(&database, 1, rules()).await.unwrap());
    let (check, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let rows = check
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.get(0)).collect::<Vec<i64>>(),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    );
    conformance(Arc::new(store)).await;
    let first: i64 = check.query_one(FIRST_SENT, &[]).await.unwrap().get(0);
    assert_eq!(first, 10);
}

#[tokio::test]
async fn postgres_reports_an_unreachable_server() {
    let err = Postgres::connect(
        "host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2",
        1,
        rules(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("cannot connect to PostgreSQL"),
        "{err}"
    );
}

/// Migration 6 binds the order ids of the merchant calls made before it to their members
/// (the first call naming an id wins), so an old hold cannot be ordered for someone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migration_6_binds_the_orders_of_earlier_calls() {
    let path = temp_db("migrate-orders");
    let store = Sqlite::open(&path, rules()).unwrap();
    for user in ["oa", "ob"] {
        bump(&store, user, vec![]).await.unwrap().unwrap();
    }
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE merchant_orders; DELETE FROM schema_version WHERE version >= 6;
         ALTER TABLE member_campaigns DROP COLUMN joined;
         ALTER TABLE member_campaigns DROP COLUMN points;
         ALTER TABLE operator_grants DROP COLUMN coupons;
         INSERT INTO merchant_calls VALUES ('hold:H-1', 'oa', '{}', '{}', 1);
         INSERT INTO merchant_calls VALUES ('order:H-1', 'ob', '{}', '{}', 2);
         INSERT INTO merchant_calls VALUES ('order:O-1', 'ob', '{}', '{}', 3);
         INSERT INTO merchant_calls VALUES ('membership:H-2', 'ob', '{}', '{}', 4);",
    )
    .unwrap();
    drop(conn);
    let store = Sqlite::open(&path, rules()).unwrap();
    assert_eq!(versions(&path), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    let store = &store;
    let call = |user: &'static str, order: &'static str| async move {
        let key = format!("new:{user}:{order}");
        let ok = |_: &mut Record| Ok::<_, ()>((String::new(), vec![]));
        store
            .once(&key, "r", user, Some(order), T0, ok)
            .await
            .unwrap()
    };
    assert_eq!(call("ob", "H-1").await, Once::OrderOfAnotherMember);
    assert_eq!(call("oa", "O-1").await, Once::OrderOfAnotherMember);
    assert_eq!(call("oa", "H-1").await, Once::Done(String::new()));
    assert_eq!(call("oa", "H-2").await, Once::Done(String::new()));
}

fn versions(path: &std::path::Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// The schema is versioned: a new database runs every migration once; a database from before
/// versions (its tables, no `schema_version`) is migrated with its rows kept; a database a
/// newer build migrated is refused rather than written by older code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_run_once_keep_old_rows_and_refuse_a_newer_schema() {
    let fresh = temp_db("migrate-fresh");
    drop(Sqlite::open(&fresh, rules()).unwrap());
    drop(Sqlite::open(&fresh, rules()).unwrap());
    assert_eq!(versions(&fresh), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    // A database as the server made it before schema versions: the tables of migration 1.
    let old = temp_db("migrate-old");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute_batch(
        "CREATE TABLE members (user_id TEXT PRIMARY KEY, server_version INTEGER NOT NULL, state TEXT NOT NULL, processed TEXT NOT NULL);
         CREATE TABLE lotteries (lottery TEXT PRIMARY KEY, seed TEXT NOT NULL);",
    )
    .unwrap();
    let state = State::join(&Config::seed(), "old-member", T0).to_json();
    conn.execute(
        "INSERT INTO members VALUES ('old-member', 3, ?1, '{}')",
        [state],
    )
    .unwrap();
    drop(conn);
    let store = Sqlite::open(&old, rules()).unwrap();
    assert_eq!(
        store
            .load("old-member")
            .await
            .unwrap()
            .unwrap()
            .server_version,
        3
    );
    assert_eq!(
        store.inviter("none").await.unwrap(),
        None,
        "migration 2's tables exist"
    );
    drop(store);
    assert_eq!(versions(&old), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    let newer = versions(&old).last().copied().unwrap_or(0) + 1;
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute("INSERT INTO schema_version VALUES (?1)", [newer])
        .unwrap();
    drop(conn);
    let err = Sqlite::open(&old, rules())
        .err()
        .expect("a newer schema is refused");
    assert!(err.0.contains("newer than this build"), "{err}");
}
