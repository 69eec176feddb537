//! The console's member list and operators' grants in the store (issue 28), on SQLite and
//! PostgreSQL alike: prefix search in byte order with paging and a total, op counts per
//! member, and the per-actor daily grant cap, charged in the grant's own transaction, kept
//! across a restart, and never charged for a grant that was not written.

mod pg;

use std::sync::Arc;
use zailai::{Config, OpKind, State};
use zailai_server::facts::FactRules;
use zailai_server::store::postgres::Postgres;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::{prefix_end, GrantCharge, GrantUse, Granted, OpRow, Record, Store};

const T0: i64 = 1_761_958_800_000; // 2026-11-01 09:00 UTC+8

fn rules() -> FactRules {
    FactRules::of(&Config::seed())
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

/// Creates `user` with `ops` op-log rows.
async fn member(store: &impl Store, user: &str, ops: u32) {
    let name = user.to_owned();
    let fresh = move || Record {
        state: State::join(&Config::seed(), &name, T0),
        processed: Default::default(),
        server_version: 0,
    };
    let rows = (1..=ops).map(row).collect();
    store
        .transact(user, fresh, move |r: &mut Record| {
            r.server_version += 1;
            Ok::<_, ()>(((), rows))
        })
        .await
        .unwrap()
        .unwrap();
}

/// `points` granted, nothing else.
fn pts(points: u64) -> GrantUse {
    GrantUse { points, coupons: 0 }
}

/// A charge of `points` (with a coupon when `coupons` is 1) against caps of 5000 points and
/// 2 coupons.
fn charge_of(actor: &str, day: i32, points: u64, coupons: u64) -> GrantCharge {
    GrantCharge {
        actor: actor.into(),
        day,
        grant: GrantUse { points, coupons },
        cap: GrantUse {
            points: 5000,
            coupons: 2,
        },
    }
}

fn charge(actor: &str, day: i32, points: u64) -> GrantCharge {
    charge_of(actor, day, points, 0)
}

/// A grant of `points` to `user` as `~console` op `seq`: the new balance.
async fn grant(
    store: &impl Store,
    charge: GrantCharge,
    user: &str,
) -> Granted<u64, zailai::RuleError> {
    let points = u32::try_from(charge.grant.points).unwrap();
    let coupon = (charge.grant.coupons > 0).then(|| "补偿券".to_owned());
    store
        .grant(charge, user, move |r: &mut Record| {
            let kind = |_| OpKind::Grant {
                points,
                coupon,
                reason: "test".into(),
            };
            let cfg = Config::seed();
            let (op, _) = zailai::sync::server_op(&mut r.state, &cfg, "~console", kind, T0)?;
            Ok((r.state.balance, vec![OpRow::of(&op, "applied".into())]))
        })
        .await
        .unwrap()
}

fn users(page: &zailai_server::store::MembersPage) -> Vec<(&str, u64)> {
    page.members
        .iter()
        .map(|m| (m.user.as_str(), m.ops))
        .collect()
}

async fn list_conformance(store: &impl Store) {
    for (user, ops) in [
        ("u2", 1),
        ("u10", 3),
        ("u1", 2),
        ("v1", 0),
        ("u1é", 1),
        ("U1", 1),
    ] {
        member(store, user, ops).await;
    }
    let page = store.members_page("u1", 0, 20).await.unwrap();
    assert_eq!(
        users(&page),
        [("u1", 2), ("u10", 3), ("u1é", 1)],
        "byte order"
    );
    assert_eq!(page.total, 3);
    assert_eq!(page.members[0].record.state.user, "u1");
    let all = store.members_page("", 0, 20).await.unwrap();
    assert_eq!(all.total, 6);
    assert_eq!(all.members[0].user, "U1", "upper case sorts first in bytes");
    let second = store.members_page("", 2, 2).await.unwrap();
    assert_eq!(users(&second), [("u10", 3), ("u1é", 1)]);
    assert_eq!(
        second.total, 6,
        "the total counts every match, not the page"
    );
    let past = store.members_page("u", 5, 20).await.unwrap();
    assert_eq!((past.members.len(), past.total), (0, 4));
    let none = store.members_page("w", 0, 20).await.unwrap();
    assert_eq!((none.members.len(), none.total), (0, 0));
    let exact = store.members_page("u1é", 0, 20).await.unwrap();
    assert_eq!(users(&exact), [("u1é", 1)]);
}

async fn grant_conformance(store: &impl Store) {
    member(store, "g", 0).await;
    let done = |used| {
        move |g: Granted<u64, zailai::RuleError>| match g {
            Granted::Done { answer, used: u } => {
                assert_eq!(u, used);
                answer
            }
            other => panic!("not done: {other:?}"),
        }
    };
    let balance = done(pts(3000))(grant(store, charge("ann", 100, 3000), "g").await);
    assert_eq!(balance, 3000);
    // To the cap exactly is allowed; one point past it is not, and changes nothing.
    assert_eq!(
        done(pts(5000))(grant(store, charge("ann", 100, 2000), "g").await),
        5000
    );
    assert_eq!(
        grant(store, charge("ann", 100, 1), "g").await,
        Granted::OverCap { used: pts(5000) }
    );
    let r = store.load("g").await.unwrap().unwrap();
    assert_eq!(r.state.balance, 5000, "the refused grant wrote nothing");
    assert_eq!(store.ops("g").await.unwrap().len(), 2);
    // Another actor, or the next day, has a cap of its own.
    done(pts(4000))(grant(store, charge("bob", 100, 4000), "g").await);
    done(pts(1))(grant(store, charge("ann", 101, 1), "g").await);
    // An unknown member or a refused op is not charged.
    assert_eq!(
        grant(store, charge("cat", 100, 10), "nobody").await,
        Granted::UnknownMember
    );
    match grant(store, charge("cat", 100, 0), "g").await {
        Granted::Refused(e) => assert_eq!(e.code.as_str(), "BAD_AMOUNT"),
        other => panic!("not refused: {other:?}"),
    }
    done(pts(5000))(grant(store, charge("cat", 100, 5000), "g").await);
    // Over the cap when one grant alone is larger than it.
    let big = GrantCharge {
        cap: pts(10),
        ..charge("dan", 100, 11)
    };
    assert_eq!(
        grant(store, big, "g").await,
        Granted::OverCap { used: pts(0) }
    );
    coupon_caps(store).await;
}

/// Coupons have a cap of their own, counted apart from points: it stops a third coupon
/// but not points.
async fn coupon_caps(store: &impl Store) {
    member(store, "c", 0).await;
    let both = GrantUse {
        points: 10,
        coupons: 1,
    };
    assert!(matches!(
        grant(store, charge_of("fay", 100, 10, 1), "c").await,
        Granted::Done { used, .. } if used == both
    ));
    let two = GrantUse {
        points: 10,
        coupons: 2,
    };
    assert!(matches!(
        grant(store, charge_of("fay", 100, 0, 1), "c").await,
        Granted::Done { used, .. } if used == two
    ));
    assert_eq!(
        grant(store, charge_of("fay", 100, 0, 1), "c").await,
        Granted::OverCap { used: two }
    );
    assert_eq!(
        grant(store, charge_of("fay", 100, 5, 1), "c").await,
        Granted::OverCap { used: two },
        "points with a coupon past its cap: nothing"
    );
    let r = store.load("c").await.unwrap().unwrap();
    assert_eq!(r.state.coupons.len(), 2);
    assert_eq!(r.state.balance, 10);
    let points_only = GrantUse {
        points: 4990,
        coupons: 2,
    };
    assert!(matches!(
        grant(store, charge_of("fay", 100, 4980, 0), "c").await,
        Granted::Done { used, .. } if used == points_only
    ));
}

/// Grants of one actor racing each other never pass the cap together.
async fn racing_grants(store: Arc<impl Store>) {
    member(&*store, "race", 0).await;
    let tries = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { grant(&*store, charge("eve", 7, 1000), "race").await })
    });
    let outcomes = futures_util::future::join_all(tries).await;
    let done = outcomes
        .iter()
        .filter(|o| matches!(o.as_ref().unwrap(), Granted::Done { .. }))
        .count();
    assert_eq!(done, 5, "5000 / 1000");
    let r = store.load("race").await.unwrap().unwrap();
    assert_eq!(r.state.balance, 5000);
}

#[test]
fn a_prefix_ends_where_no_id_with_it_sorts() {
    assert_eq!(prefix_end("u1").as_deref(), Some("u2"));
    assert_eq!(prefix_end("az").as_deref(), Some("a{"));
    assert_eq!(prefix_end("é").as_deref(), Some("ê"));
    assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
    // Past U+D7FF comes U+E000: surrogates are no chars.
    assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
    assert_eq!(prefix_end("\u{10FFFF}"), None);
    assert_eq!(prefix_end(""), None);
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-members-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("zailai.db")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_lists_members_and_caps_grants() {
    let path = temp_db("suite");
    let store = Sqlite::open(&path, rules()).unwrap();
    list_conformance(&store).await;
    grant_conformance(&store).await;
    racing_grants(Arc::new(store)).await;
    // The day's total is in the database: a restarted server refuses past the cap too.
    let store = Sqlite::open(&path, rules()).unwrap();
    assert_eq!(
        grant(&store, charge("ann", 100, 1), "g").await,
        Granted::OverCap { used: pts(5000) }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lists_members_and_caps_grants() {
    // A collation that does not sort by bytes, where the cluster has one: ids still do.
    let database = pg::create_database("members", |db| {
        vec![
            format!("CREATE DATABASE {db} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"),
            format!("CREATE DATABASE {db}"),
        ]
    })
    .await;
    let store = Postgres::connect(&database, 4, rules()).await.unwrap();
    list_conformance(&store).await;
    grant_conformance(&store).await;
    racing_grants(Arc::new(store)).await;
    let store = Postgres::connect(&database, 1, rules()).await.unwrap();
    assert_eq!(
        grant(&store, charge("ann", 100, 1), "g").await,
        Granted::OverCap { used: pts(5000) }
    );
}
