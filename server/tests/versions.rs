//! Rule versions as data (issue 26): publish, list, diff, rollback, the strand refusal and the
//! check at start, on SQLite and PostgreSQL; and a sync across a scheduled switch gives what
//! one replay of the member's op log under the version timeline gives.

mod pg;

use serde_json::{json, Value};
use std::sync::Arc;
use zailai::Config;
use zailai_server::store::{AnyStore, Store};
use zailai_server::versions::{self, Candidate, PublishError, LEAD_MS};

/// 2026-11-01 09:00 UTC.
const T0: i64 = 1_793_523_600_000;
const MIN: i64 = 60_000;

fn seed_json() -> Value {
    serde_json::to_value(Config::seed()).unwrap()
}

fn candidate(rules: &Value, mapping: Option<Value>, effective_from: i64) -> Candidate {
    Candidate {
        rules: rules.to_string(),
        mapping: mapping.map(|m| m.to_string()),
        effective_from,
        author: "ops@example".to_owned(),
        note: "test".to_owned(),
        lead_ms: LEAD_MS,
    }
}

async fn sqlite(name: &str) -> AnyStore {
    let dir = std::env::temp_dir().join(format!("zailai-versions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("zailai.db").display().to_string();
    AnyStore::open(&path, &Config::seed()).await.unwrap()
}

/// A database of its own in the throwaway cluster (scripts/postgres-up.sh), as
/// `tests/store.rs` does: not skipped when absent, the suite must run against PostgreSQL.
async fn postgres() -> AnyStore {
    let database = pg::fresh_database("versions").await;
    AnyStore::open(&database, &Config::seed()).await.unwrap()
}

/// The whole life of versions on one store.
async fn lifecycle(store: &AnyStore) {
    let seed = Config::seed();
    // A fresh database: the seed becomes version 1.
    let t = versions::at_start(store, &seed, None, T0).await.unwrap();
    assert_eq!(t.versions().len(), 1);
    assert_eq!(t.last().hash, zailai::snapshot::config_hash(&seed));

    // Too soon: inside the lead time.
    let e = versions::publish(store, candidate(&seed_json(), None, T0 + LEAD_MS - 1), T0)
        .await
        .unwrap_err();
    assert!(matches!(e, PublishError::Schedule(_)), "{e}");
    assert!(e.to_string().contains("2026-11-01 17:10 UTC+8"), "{e}");

    // Invalid rules: every problem with its path.
    let mut bad = seed_json();
    bad["newbie_days"] = json!("ten");
    bad["surprise"] = json!(1);
    let e = versions::publish(store, candidate(&bad, None, T0 + LEAD_MS), T0)
        .await
        .unwrap_err();
    let paths: Vec<&str> = e.issues().iter().map(|i| i.path.as_str()).collect();
    assert!(matches!(e, PublishError::Invalid(_)), "{e}");
    assert!(paths.contains(&"surprise") && paths.len() >= 2, "{paths:?}");

    // A removed task strands state: refused with its path, unless retired.
    let mut fewer = seed_json();
    let gone = fewer["tasks"].as_array_mut().unwrap().remove(0)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let when2 = T0 + 20 * MIN;
    let e = versions::publish(store, candidate(&fewer, None, when2), T0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "RULES_STRAND_STATE");
    let paths: Vec<&str> = e.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, [format!("tasks.{gone}").as_str()]);
    let unknown = versions::publish(
        store,
        candidate(&fewer, Some(json!({"retire": [], "rename": 1})), when2),
        T0,
    )
    .await
    .unwrap_err();
    assert!(matches!(unknown, PublishError::Invalid(_)), "{unknown}");
    let retire = json!({ "retire": [format!("tasks.{gone}")] });
    let v2 = versions::publish(store, candidate(&fewer, Some(retire), when2), T0)
        .await
        .unwrap();
    assert_eq!((v2.number, v2.effective_from), (2, when2));

    // Not after the last version: refused (history is never rewritten).
    let e = versions::publish(store, candidate(&seed_json(), None, when2), T0)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not after version 2"), "{e}");

    // List: 1 in effect, 2 scheduled; then 1 past and 2 in effect.
    let (timeline, rows) = versions::load(store).await.unwrap().unwrap();
    let states = |now| {
        versions::listed(&timeline, &rows, now)
            .into_iter()
            .map(|l| l.state)
            .collect::<Vec<_>>()
    };
    assert_eq!(states(T0), ["in_effect", "scheduled"]);
    assert_eq!(states(when2), ["past", "in_effect"]);
    assert_eq!(
        versions::listed(&timeline, &rows, T0)[1].effective_from_local,
        "2026-11-01 17:20 UTC+8"
    );

    // Diff: exactly the removed task.
    let changes = versions::diff_versions(store, 1, 2).await.unwrap();
    let lines: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("- tasks.{gone}: ")),
        "{lines:?}"
    );

    // Rollback to 1: a new version 3 with version 1's rules, later than 2.
    let when3 = T0 + 40 * MIN;
    let v3 = versions::rollback(
        store,
        1,
        None,
        when3,
        "ops".into(),
        "undo".into(),
        T0 + MIN,
        LEAD_MS,
    )
    .await
    .unwrap();
    assert_eq!(v3.number, 3);
    assert_eq!(v3.hash, rows[0].hash);
    assert_eq!(v3.note, "rollback to version 1: undo");
    assert!(versions::diff_versions(store, 1, 3)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        versions::rollback(
            store,
            9,
            None,
            T0 + 60 * MIN,
            "o".into(),
            String::new(),
            T0,
            LEAD_MS
        )
        .await
        .unwrap_err(),
        PublishError::NoSuchVersion(9)
    ));
    // Rows are immutable: a second row with a taken number or effective_from is not written.
    let mut again = v3.clone();
    again.note = "overwrite".to_owned();
    assert!(!store.insert_rule_version(again.clone()).await.unwrap());
    again.number = 4;
    assert!(
        !store.insert_rule_version(again).await.unwrap(),
        "same effective_from"
    );
    assert_eq!(versions::find(store, 3).await.unwrap().note, v3.note);
    // Version 1's row is unchanged.
    assert_eq!(versions::find(store, 1).await.unwrap(), rows[0]);

    // Start: a --config of the version in effect or a scheduled one is fine; other rules are
    // an error that says how to publish them.
    let given = std::path::Path::new("rules.json");
    let v2_cfg = Config::parse(&fewer.to_string()).unwrap();
    assert!(versions::at_start(store, &seed, Some(given), T0)
        .await
        .is_ok());
    assert!(versions::at_start(store, &v2_cfg, Some(given), T0)
        .await
        .is_ok());
    assert!(
        versions::at_start(store, &v2_cfg, Some(given), when3)
            .await
            .is_err(),
        "version 2 is past once 3 is in effect"
    );
    let other = Config::parse(&review_worth(99).to_string()).unwrap();
    let e = versions::at_start(store, &other, Some(given), T0)
        .await
        .unwrap_err();
    assert!(
        e.contains("zailai rules publish --config rules.json"),
        "{e}"
    );
    assert!(versions::at_start(store, &other, None, T0).await.is_ok());
}

#[tokio::test]
async fn versions_on_sqlite() {
    lifecycle(&sqlite("life").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_on_postgres() {
    lifecycle(&postgres().await).await;
}

fn review_worth(points: u32) -> Value {
    let mut v = seed_json();
    v["points"]["earning"]["review"] = json!({ "points": points });
    v
}

/// A member's ops straddling a scheduled switch, synced after it: each op earns under the
/// version in effect at its own `at`, and the stored state equals one replay of the op log
/// under the timeline.
#[tokio::test]
async fn a_sync_across_a_switch_equals_a_replay_under_the_timeline() {
    let store = sqlite("switch").await;
    let first = Config::parse(&review_worth(20).to_string()).unwrap();
    versions::at_start(&store, &first, None, T0).await.unwrap();
    let switch = T0 + 30 * MIN;
    versions::publish(&store, candidate(&review_worth(35), None, switch), T0)
        .await
        .unwrap();
    let (timeline, _) = versions::load(&store).await.unwrap().unwrap();
    let timeline = Arc::new(timeline);
    let op = |seq: u32, at: i64| json!({"device": "phone", "seq": seq, "at": at, "op": {"type": "track", "action": "review"}});
    let push = zailai::sync::Push::from_json(
        &json!({"protocol": 1, "device": "phone", "base_version": 0,
                "snapshot_formats": [zailai::snapshot::FORMAT],
                "ops": [op(1, switch - 5 * MIN), op(2, switch + 5 * MIN)]})
        .to_string(),
    )
    .unwrap();
    let now = switch + 10 * MIN;
    let (outcome, record) = zailai_server::sync_service::sync(&store, &timeline, "u1", push, now)
        .await
        .unwrap();
    assert_eq!(outcome.acked, [1, 2]);
    let join = zailai::State::join(&first, "u1", switch - 5 * MIN).balance;
    assert_eq!(
        record.state.balance - join,
        55,
        "20 before the switch, 35 after"
    );
    // One replay of the stored log under the timeline.
    let rows = store.ops("u1").await.unwrap();
    let mut replay =
        zailai::State::join(timeline.config_at(switch - 5 * MIN), "u1", switch - 5 * MIN);
    for row in &rows {
        let op: zailai::Op = zailai::Op::from_json(&row.op).unwrap();
        timeline.apply(&mut replay, &op).unwrap();
    }
    assert_eq!(replay, record.state);
}

/// An operator's publish (`scope::operator_guard`): a campaign-only change is published; one
/// that changes anything else is refused `FORBIDDEN`, naming the path, and stores nothing;
/// the lead time still holds for the operator's campaign.
#[tokio::test]
async fn an_operator_publishes_campaign_changes_only() {
    use versions::scope::operator_guard;
    let store = sqlite("operator").await;
    versions::at_start(&store, &Config::seed(), None, T0)
        .await
        .unwrap();
    let mut campaign = seed_json();
    campaign["campaigns"].as_array_mut().unwrap().push(json!({
        "id": "double_11", "name": {"zh-CN": "双11", "en": "Double 11"},
        "start": "2026-11-11", "days": 1, "checkin_multiplier": 2, "action_multiplier": 2
    }));
    let early = candidate(&campaign, None, T0 + LEAD_MS - 1);
    let e = versions::publish_guarded(&store, early, T0, operator_guard)
        .await
        .unwrap_err();
    assert!(matches!(e, PublishError::Schedule(_)), "{e}");

    let mut cap = campaign.clone();
    cap["points"]["daily_cap"] = json!(150);
    let e = versions::publish_guarded(
        &store,
        candidate(&cap, None, T0 + LEAD_MS),
        T0,
        operator_guard,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
    assert!(
        e.to_string().contains("this changes `points.daily_cap`"),
        "{e}"
    );
    assert_eq!(
        store.rule_versions(0).await.unwrap().len(),
        1,
        "nothing stored"
    );

    let row = versions::publish_guarded(
        &store,
        candidate(&campaign, None, T0 + LEAD_MS),
        T0,
        operator_guard,
    )
    .await
    .unwrap();
    assert_eq!(row.number, 2);
    // Against version 2 now: the cap change still needs an admin, who may publish it.
    let later = T0 + LEAD_MS + MIN;
    let e = versions::publish_guarded(&store, candidate(&cap, None, later), T0, operator_guard)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
    let row = versions::publish(&store, candidate(&cap, None, later), T0)
        .await
        .unwrap();
    assert_eq!(row.number, 3);
}
