//! A rule version published while a server runs shows in the report facts without a restart:
//! the store's commits follow the versions the server learns (`serve::rules::Rules`), and a
//! store that did not learn it (the rules it opened with) would count no such campaign.

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

/// `(campaign, days)` of a member in `member_campaigns`.
fn campaign_facts(path: &std::path::Path, user: &str) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut st = conn
        .prepare("SELECT campaign, days FROM member_campaigns WHERE user_id = ?1 ORDER BY campaign")
        .unwrap();
    let rows = st
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[tokio::test]
async fn a_version_published_after_the_store_opened_shows_in_the_facts_without_a_restart() {
    let path = temp_db("live");
    let store = AnyStore::open(&path.display().to_string(), &Config::seed())
        .await
        .unwrap();
    let timeline = versions::at_start(&store, &Config::seed(), None, T0)
        .await
        .unwrap();
    let rules = Rules::start(&store, timeline, T0, 1);
    let candidate = Candidate {
        rules: with_campaign(),
        mapping: None,
        effective_from: T0 + LEAD_MS,
        author: "ops".into(),
        note: "a campaign".into(),
        lead_ms: LEAD_MS,
    };
    versions::publish(&store, candidate, T0).await.unwrap();
    assert_eq!(rules.refresh(&store, T0 + 1_000).await.unwrap(), [2]);
    let live = rules.live();
    let (outcome, record) = sync(&store, &live.timeline, "m1", check_in_push(), T3)
        .await
        .unwrap();
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
    assert!(record.state.campaigns.contains_key("late"));
    assert_eq!(campaign_facts(&path, "m1"), [("late".to_owned(), 1)]);

    // The same sync into a store that kept the rules it opened with counts no campaign: the
    // facts above come from following the published version.
    let fixed_path = temp_db("fixed");
    let fixed = AnyStore::open(&fixed_path.display().to_string(), &Config::seed())
        .await
        .unwrap();
    sync(&fixed, &live.timeline, "m1", check_in_push(), T3)
        .await
        .unwrap();
    assert!(campaign_facts(&fixed_path, "m1").is_empty());
    for p in [path, fixed_path] {
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
    }
}
