//! A rule version published while a server runs shows in the report facts without a restart:
//! the store's commits follow the versions the server learns (`serve::rules::Rules`), and a
//! store that did not learn it (the rules it opened with) would count no such campaign.

mod pg;

use serde_json::json;
use zailai::Config;
use zailai_server::serve::rules::Rules;
use zailai_server::store::AnyStore;
use zailai_server::sync_service::sync;
use zailai_server::versions::{self, Candidate, LEAD_MS};

const DAY: i64 = 86_400_000;
/// 2026-11-02 10:00 UTC+8: the server starts.
const T0: i64 = 1_793_584_800_000;
/// 2026-11-05 10:00 UTC+8: inside the campaign version 2 adds.
const T3: i64 = T0 + 3 * DAY;

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "zailai-facts-versions-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("zailai.db")
}

/// The seed's rules plus a campaign over 2026-11-05 … 11-11.
fn with_campaign() -> String {
    let mut v = serde_json::to_value(Config::seed()).unwrap();
    v["campaigns"].as_array_mut().unwrap().push(json!({
        "id": "late", "name": {"en": "Late"}, "start": "2026-11-05", "days": 7,
        "checkin_multiplier": 2
    }));
    v.to_string()
}

fn check_in_push() -> zailai::sync::Push {
    let body = json!({"protocol": 1, "device": "phone", "base_version": 0,
        "snapshot_formats": [zailai::snapshot::FORMAT],
        "ops": [{"device": "phone", "seq": 1, "at": T3, "op": {"type": "check_in"}}]});
    zailai::sync::Push::from_json(&body.to_string()).unwrap()
}

/// A database of its own: an SQLite file, or one in the throwaway PostgreSQL cluster
/// (scripts/postgres-up.sh; not skipped when absent, as `tests/versions.rs`).
enum Db {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Db {
    async fn new(postgres: bool, name: &str) -> Db {
        if !postgres {
            return Db::Sqlite(temp_db(name));
        }
        Db::Postgres(pg::fresh_database(&format!("facts_versions_{name}")).await)
    }

    fn address(&self) -> String {
        match self {
            Db::Sqlite(path) => path.display().to_string(),
            Db::Postgres(url) => url.clone(),
        }
    }

    async fn open(&self) -> AnyStore {
        AnyStore::open(&self.address(), &Config::seed())
            .await
            .unwrap()
    }

    /// `(campaign, days)` of a member in `member_campaigns`.
    async fn campaign_facts(&self, user: &str) -> Vec<(String, i64)> {
        const SQL: &str =
            "SELECT campaign, days FROM member_campaigns WHERE user_id = $1 ORDER BY campaign";
        match self {
            Db::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut st = conn.prepare(&SQL.replace("$1", "?1")).unwrap();
                let rows = st
                    .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap();
                rows.collect::<Result<_, _>>().unwrap()
            }
            Db::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                let rows = client.query(SQL, &[&user]).await.unwrap();
                rows.iter()
                    .map(|r| (r.get(0), i64::from(r.get::<_, i32>(1))))
                    .collect()
            }
        }
    }
}

/// The seed with a campaign, published to take effect at the earliest the lead time allows
/// after T0.
fn campaign_version() -> Candidate {
    Candidate {
        rules: with_campaign(),
        mapping: None,
        effective_from: T0 + LEAD_MS,
        author: "ops".into(),
        note: "a campaign".into(),
        lead_ms: LEAD_MS,
    }
}

/// A version adding a campaign is published after the store opened; a member checks in
/// inside the campaign: the facts count them, and a store that kept its opening rules would
/// not.
async fn follows_a_version_published_after_open(postgres: bool) {
    let db = Db::new(postgres, "live").await;
    let store = db.open().await;
    let timeline = versions::at_start(&store, &Config::seed(), None, T0)
        .await
        .unwrap();
    let rules = Rules::start(&store, timeline, T0, 1);
    let candidate = campaign_version();
    versions::publish(&store, candidate, T0).await.unwrap();
    assert_eq!(rules.refresh(&store, T0 + 1_000).await.unwrap(), [2]);
    let live = rules.live();
    let (outcome, record) = sync(&store, &live.timeline, "m1", check_in_push(), T3)
        .await
        .unwrap();
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
    assert!(record.state.campaigns.contains_key("late"));
    assert_eq!(db.campaign_facts("m1").await, [("late".to_owned(), 1)]);

    // The same sync into a store that kept the rules it opened with counts no campaign: the
    // facts above come from following the published version.
    let fixed_db = Db::new(postgres, "fixed").await;
    let fixed = fixed_db.open().await;
    sync(&fixed, &live.timeline, "m1", check_in_push(), T3)
        .await
        .unwrap();
    assert!(fixed_db.campaign_facts("m1").await.is_empty());
    for db in [db, fixed_db] {
        if let Db::Sqlite(path) = db {
            let _ = std::fs::remove_dir_all(path.parent().unwrap());
        }
    }
}

#[tokio::test]
async fn a_version_published_after_the_store_opened_shows_in_the_facts_without_a_restart() {
    follows_a_version_published_after_open(false).await;
}

#[tokio::test]
async fn on_postgres_a_version_published_after_open_shows_in_the_facts_without_a_restart() {
    follows_a_version_published_after_open(true).await;
}

/// A server started on a database that already holds the version follows it from the start,
/// before any poll learns anything new.
#[tokio::test]
async fn a_server_started_after_the_publish_follows_the_stored_versions() {
    let db = Db::new(false, "restart").await;
    let first = db.open().await;
    versions::at_start(&first, &Config::seed(), None, T0)
        .await
        .unwrap();
    let candidate = campaign_version();
    versions::publish(&first, candidate, T0).await.unwrap();
    drop(first);
    let store = db.open().await;
    let timeline = versions::at_start(&store, &Config::seed(), None, T0 + 1_000)
        .await
        .unwrap();
    assert_eq!(timeline.versions().len(), 2);
    let rules = Rules::start(&store, timeline, T0 + 1_000, 1);
    assert!(rules.refresh(&store, T0 + 2_000).await.unwrap().is_empty());
    sync(&store, &rules.live().timeline, "m1", check_in_push(), T3)
        .await
        .unwrap();
    assert_eq!(db.campaign_facts("m1").await, [("late".to_owned(), 1)]);
    if let Db::Sqlite(path) = db {
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
