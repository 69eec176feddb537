//! The differential test of issue 16: the report from the fact tables (SQL aggregates over
//! what each commit wrote) equals the report by replay of every op log, on a populated
//! database, on SQLite and PostgreSQL, for several ranges and experiments. A database from
//! before the fact tables gets them rebuilt to the same numbers, and until then no report is
//! made from half of them (both backends). `populate --bulk` writes the same database as the
//! sync path. The messages the operator recorded as sent count in each campaign's `notified`.

mod pg;

use serde_json::{json, Value};
use zailai::day::Date;
use zailai::Config;
use zailai_server::facts::FactRules;
use zailai_server::notices::{record, Sent};
use zailai_server::populate::{run, run_bulk, Plan};
use zailai_server::report::{build, parse_experiments, replay_build};
use zailai_server::store::postgres::Postgres;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::{AnyStore, Store};

/// The seed's rules with two campaigns inside the populated months (one tier-limited).
fn config() -> Config {
    let mut v: Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    // Points last a month here, so the populated months see lots run out (breakage).
    v["points"]["expiry_months"] = json!(1);
    v["campaigns"] = json!([
        {"id": "summer", "name": {"en": "Summer"}, "start": "2026-08-20", "days": 7, "checkin_multiplier": 2},
        {"id": "golden", "name": {"en": "Golden week"}, "start": "2026-10-01", "days": 7, "checkin_multiplier": 2, "tiers": ["silver", "gold", "diamond"]}
    ]);
    Config::parse(&v.to_string()).unwrap()
}

fn plan() -> Plan {
    Plan {
        users: 250,
        start: Date::parse("2026-08-01").unwrap(),
        days: 75,
        seed: 7,
    }
}

const RANGES: [(&str, &str); 4] = [
    ("2026-08-01", "2026-10-14"),
    ("2026-08-15", "2026-09-10"),
    ("2026-10-01", "2026-10-01"),
    ("2026-07-01", "2026-12-31"),
];

fn experiments() -> Vec<zailai_server::report::Experiment> {
    parse_experiments(
        r#"[{"id": "banner", "variants": ["control", "treatment"], "start": "2026-08-01"},
            {"id": "copy", "variants": ["a", "b", "c"], "start": "2026-09-01"}]"#,
    )
    .unwrap()
}

/// Face values of the seed's coupons (the scorecard file's `coupon_values_cents`).
fn values() -> zailai_server::scorecard::CouponValues {
    [("coupon_5_yuan", 500), ("streak_7_coupon", 300)]
        .into_iter()
        .map(|(id, v)| (id.to_owned(), v))
        .collect()
}

/// Both reports for every range, compared; returns the first range's (SQL) for further
/// checks, with the upgrades of every range.
async fn same_reports(store: &impl Store, cfg: &Config, backend: &str) -> Value {
    let mut widest = Value::Null;
    let mut upgrades = Vec::new();
    for (from, to) in RANGES {
        let (from, to) = (Date::parse(from).unwrap(), Date::parse(to).unwrap());
        let sql = build(store, cfg, (&experiments(), &values()), from, to)
            .await
            .unwrap();
        let replay = replay_build(store, cfg, (&experiments(), &values()), from, to)
            .await
            .unwrap();
        let (sql, replay) = (
            serde_json::to_value(&sql).unwrap(),
            serde_json::to_value(&replay).unwrap(),
        );
        for key in replay.as_object().unwrap().keys() {
            assert_eq!(
                sql[key], replay[key],
                "{backend} {from} … {to}: `{key}` differs (left: SQL, right: replay)"
            );
        }
        assert_eq!(sql, replay);
        upgrades.push(sql["membership"]["upgrades"].clone());
        if widest.is_null() {
            widest = sql;
        }
    }
    widest["upgrades_of_every_range"] = Value::Array(upgrades);
    widest
}

/// The operator records messages about each campaign sent to some members (every third for
/// "summer", every fourth for "golden"): some of them take part, some do not. Returns, per
/// campaign, (took part, notified) counted from the members' records, independently of both
/// reports.
async fn notify(store: &impl Store) -> Vec<(u64, u64)> {
    let users = store.users().await.unwrap();
    let known = ["summer".to_owned(), "golden".to_owned()].into();
    let mut counts = Vec::new();
    for (campaign, every) in [("summer", 3), ("golden", 4)] {
        let chosen: Vec<String> = users.iter().step_by(every).cloned().collect();
        let sent = Sent {
            kind: "campaign".into(),
            campaign: Some(campaign.into()),
            users: chosen.clone(),
            at: 0,
        };
        let answer = record(store, sent, &known).await.unwrap();
        assert_eq!(answer.recorded as usize, chosen.len());
        let mut took_part = 0;
        for user in &chosen {
            let state = store.load(user).await.unwrap().unwrap().state;
            took_part += u64::from(state.campaigns.contains_key(campaign));
        }
        counts.push((took_part, chosen.len() as u64));
    }
    counts
}

/// Each campaign's `notified` is the members' own count, and some notified members took part
/// and some did not (else a count of everyone, or of no one, would pass).
fn notified_as_counted(r: &Value, counted: &[(u64, u64)]) {
    for (c, &(took_part, sent)) in r["campaigns"].as_array().unwrap().iter().zip(counted) {
        assert_eq!(
            (
                c["notified"]["count"].as_u64(),
                c["notified"]["of"].as_u64()
            ),
            (Some(took_part), Some(sent)),
            "{}",
            c["id"]
        );
        assert!(0 < took_part && took_part < sent, "{c}");
    }
}

/// The population exercises every fact: paid members, both campaigns, several tiers, every
/// retention age, experiment groups. Without them the comparison would prove little.
fn covers_every_fact(r: &Value) {
    assert_eq!(r["members"], 250);
    assert!(
        r["paid_d7"]["of"].as_u64().unwrap() > 0,
        "paid members: {r}"
    );
    for c in r["campaigns"].as_array().unwrap() {
        assert!(c["participants"].as_u64().unwrap() > 0, "{c}");
        assert!(c["others_retained"]["of"].as_u64().unwrap() > 0, "{c}");
    }
    assert_eq!(r["campaigns"].as_array().unwrap().len(), 2);
    let tiers: std::collections::BTreeSet<&String> = r["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["counts"].as_object().unwrap().keys())
        .collect();
    assert!(tiers.len() >= 3, "tiers seen: {tiers:?}");
    assert!(r["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["d30"]["retained"].as_u64() > Some(0)));
    for e in r["experiments"].as_array().unwrap() {
        for v in e["variants"].as_array().unwrap() {
            assert!(v["members"].as_u64().unwrap() > 0, "{e}");
        }
    }
    // The scorecard (issue 27): every figure has something to count.
    let positive =
        |v: &Value| v.as_i64().is_some_and(|n| n > 0) || v.as_f64().is_some_and(|n| n > 0.0);
    let upgraded = r["upgrades_of_every_range"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u.as_array().unwrap())
        .filter(|u| positive(&u["upgraded"]["count"]))
        .count();
    assert!(upgraded >= 1, "{}", r["upgrades_of_every_range"]);
    let l = &r["ledger"];
    assert!(l["issued"].as_object().unwrap().len() >= 4, "sources: {l}");
    for key in [
        "redeemed",
        "expired",
        "outstanding",
        "liability_cents",
        "expiring_30d",
    ] {
        assert!(positive(&l[key]), "ledger.{key}: {l}");
    }
    assert!(
        l["weekly"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| positive(&w["points"])),
        "{l}"
    );
    let m = &r["membership"];
    for key in ["paid_conversion", "services", "coupons"] {
        assert!(
            positive(&m[key]["count"]) && positive(&m[key]["of"]),
            "membership.{key}: {m}"
        );
    }
    for c in r["campaigns"].as_array().unwrap() {
        for key in ["cost_cents", "revenue_cents", "baseline_cents"] {
            assert!(positive(&c["roi"][key]), "roi.{key}: {c}");
        }
        assert!(c["roi"]["roi"].is_number(), "{c}");
    }
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-facts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("zailai.db")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_report_from_facts_equals_the_replay_and_survives_a_rebuild() {
    let cfg = config();
    let path = temp_db("sqlite");
    let store = Sqlite::open(&path, FactRules::of(&cfg)).unwrap();
    run(&store, &cfg, &plan()).await.unwrap();
    let counted = notify(&store).await;
    let before = same_reports(&store, &cfg, "SQLite").await;
    covers_every_fact(&before);
    notified_as_counted(&before, &counted);
    drop(store);

    // A database from before the fact tables: empty tables, marked incomplete.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DELETE FROM member_facts; DELETE FROM member_days; DELETE FROM member_tiers;
         DELETE FROM member_campaigns; DELETE FROM ledger_days; DELETE FROM lots_days; DELETE FROM member_spend; DELETE FROM member_coupons;
         UPDATE facts_status SET complete = 0;",
    )
    .unwrap();
    drop(conn);
    let half = Sqlite::open(&path, FactRules::of(&cfg)).unwrap();
    let (from, to) = (RANGES[0].0, RANGES[0].1);
    let (from, to) = (Date::parse(from).unwrap(), Date::parse(to).unwrap());
    let refused = build(&half, &cfg, (&[], &values()), from, to)
        .await
        .err()
        .unwrap();
    assert!(refused.0.contains("being rebuilt"), "{}", refused.0);
    drop(half);
    let rebuilt = AnyStore::open(&path.display().to_string(), &cfg)
        .await
        .unwrap();
    assert!(rebuilt.facts_complete().await.unwrap());
    assert_eq!(same_reports(&rebuilt, &cfg, "SQLite rebuilt").await, before);
    drop(rebuilt);

    // A rebuild over facts already there (one cut short, or servers that ran meanwhile)
    // writes the same facts again: nothing is counted twice.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE facts_status SET complete = 0", [])
        .unwrap();
    drop(conn);
    let again = AnyStore::open(&path.display().to_string(), &cfg)
        .await
        .unwrap();
    assert_eq!(
        same_reports(&again, &cfg, "SQLite rebuilt twice").await,
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_report_from_facts_equals_the_replay() {
    let database = pg::fresh_database("facts").await;
    let cfg = config();
    let store = Postgres::connect(&database, 4, FactRules::of(&cfg))
        .await
        .unwrap();
    let synced = run(&store, &cfg, &plan()).await.unwrap();
    let counted = notify(&store).await;
    let report = same_reports(&store, &cfg, "PostgreSQL").await;
    covers_every_fact(&report);
    notified_as_counted(&report, &counted);

    // A database from before the fact tables, on PostgreSQL: rebuilt on open, same numbers.
    drop(store);
    let (direct, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    direct
        .batch_execute(
            "DELETE FROM member_facts; DELETE FROM member_days; DELETE FROM member_tiers;
             DELETE FROM member_campaigns; DELETE FROM ledger_days; DELETE FROM lots_days; DELETE FROM member_spend; DELETE FROM member_coupons;
         UPDATE facts_status SET complete = 0;",
        )
        .await
        .unwrap();
    let store = AnyStore::open(&database, &cfg).await.unwrap();
    assert!(store.facts_complete().await.unwrap());
    assert_eq!(
        same_reports(&store, &cfg, "PostgreSQL rebuilt").await,
        report
    );

    // The bulk path (COPY) into a database of its own: the same members, logs and report.
    let bulk_database = pg::fresh_database("facts_bulk").await;
    let bulk = Postgres::connect(&bulk_database, 2, FactRules::of(&cfg))
        .await
        .unwrap();
    assert_eq!(run_bulk(&bulk, &cfg, &plan()).await.unwrap(), synced);
    assert_eq!(notify(&bulk).await, counted);
    same_database(&store, &bulk).await;
    assert_eq!(same_reports(&bulk, &cfg, "PostgreSQL bulk").await, report);
    let again = run_bulk(&bulk, &cfg, &plan()).await.err().unwrap();
    assert!(again.0.contains("new members only"), "{}", again.0);
}

/// Every member's record and op log are the same in both stores.
async fn same_database(a: &impl Store, b: &impl Store) {
    let users = a.users().await.unwrap();
    assert_eq!(users, b.users().await.unwrap());
    for user in &users {
        assert_eq!(
            a.load(user).await.unwrap(),
            b.load(user).await.unwrap(),
            "{user}"
        );
        assert_eq!(
            a.ops(user).await.unwrap(),
            b.ops(user).await.unwrap(),
            "{user}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_bulk_population_equals_the_synced_one() {
    let cfg = config();
    let synced = Sqlite::open(&temp_db("synced"), FactRules::of(&cfg)).unwrap();
    let bulk = Sqlite::open(&temp_db("bulk"), FactRules::of(&cfg)).unwrap();
    let plan = Plan {
        users: 120,
        ..plan()
    };
    let totals = run(&synced, &cfg, &plan).await.unwrap();
    assert_eq!(run_bulk(&bulk, &cfg, &plan).await.unwrap(), totals);
    same_database(&synced, &bulk).await;
    let (from, to) = (RANGES[0].0, RANGES[0].1);
    let (from, to) = (Date::parse(from).unwrap(), Date::parse(to).unwrap());
    let a = build(&synced, &cfg, (&experiments(), &values()), from, to)
        .await
        .unwrap();
    assert_eq!(
        a,
        build(&bulk, &cfg, (&experiments(), &values()), from, to)
            .await
            .unwrap()
    );
    assert_eq!(a.members, 120);
}
