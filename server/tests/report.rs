//! The operator's report on a small population synced through the store (SQLite), checked
//! against numbers worked out by hand (the comments say how).

use serde_json::json;
use zailai::sync::{Limits, Push};
use zailai::{Config, Op, State};
use zailai_server::facts::FactRules;
use zailai_server::notices::{record, Sent};
use zailai_server::report::{build, parse_date, parse_experiments, replay_build};
use zailai_server::store::{sqlite::Sqlite, OpRow, Record, Store};
use zailai_server::sync_service::apply_push;

/// Epoch ms of a wall-clock time on a November 2026 day in UTC+8.
fn nov(day: u8, hour: i64) -> i64 {
    let d = i64::from(zailai::day::days_from_civil(2026, 11, day));
    d * 86_400_000 + (hour - 8) * 3_600_000
}

fn config() -> Config {
    let mut v: serde_json::Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
    // Cards and lotteries of the seed follow the campaign replaced here.
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    v["campaigns"] = json!([{"id": "mid", "name": {"en": "Mid"}, "start": "2026-11-05", "days": 3, "checkin_multiplier": 2}]);
    Config::parse(&v.to_string()).unwrap()
}

/// Pushes one op per call, as a phone syncing right away would.
async fn sync(store: &Sqlite, cfg: &Config, user: &str, seq: u32, at: i64, op: serde_json::Value) {
    let op =
        Op::from_json(&json!({"device": "p", "seq": seq, "at": at, "op": op}).to_string()).unwrap();
    let push = Push {
        protocol: 1,
        device: "p".into(),
        base_version: 0,
        snapshot_formats: vec![5],
        ops: vec![op],
        invited_by: None,
        rules_hash: None,
    };
    let (cfg2, user2) = (cfg.clone(), user.to_owned());
    let fresh = move || Record {
        state: State::join(&cfg2, &user2, at),
        processed: Default::default(),
        server_version: 0,
    };
    let cfg3 = cfg.clone();
    let outcome = store
        .transact(user, fresh, move |r: &mut Record| {
            Ok::<_, ()>(apply_push(r, &cfg3, &push, at, Limits::from_config(&cfg3)))
        })
        .await
        .unwrap()
        .unwrap();
    assert!(
        outcome.rejected.is_empty(),
        "{user} {seq}: {:?}",
        outcome.rejected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_tiers_and_campaigns_match_the_hand_count() {
    let dir = std::env::temp_dir().join(format!("zailai-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = config();
    let store = Sqlite::open(&dir.join("zailai.db"), FactRules::of(&cfg)).unwrap();
    let check_in = json!({"type": "check_in"});
    // a: joins Mon 2 Nov; active on 3 (D1) and 9 (D7); checks in every day of "mid" (5–7).
    for (seq, day) in [(1, 2), (2, 3), (3, 5), (4, 6), (5, 7), (6, 9)] {
        sync(&store, &cfg, "a", seq, nov(day, 9), check_in.clone()).await;
    }
    // b: joins 3 Nov; active on 4 (D1), not on 10 (D7); in "mid" on the 5th only.
    sync(&store, &cfg, "b", 1, nov(3, 9), check_in.clone()).await;
    sync(
        &store,
        &cfg,
        "b",
        2,
        nov(4, 9),
        json!({"type": "track", "action": "open"}),
    )
    .await;
    sync(&store, &cfg, "b", 3, nov(5, 9), check_in.clone()).await;
    // c: joins 4 Nov, never again (active in the week before "mid", not in it).
    sync(&store, &cfg, "c", 1, nov(4, 9), check_in.clone()).await;
    // d: joins Tue 10 Nov (next week's cohort), pays for silver, back on the 17th (D7).
    sync(
        &store,
        &cfg,
        "d",
        1,
        nov(10, 9),
        json!({"type": "track", "action": "open"}),
    )
    .await;
    // The membership comes from the merchant (as the merchant API writes it).
    let cfg2 = cfg.clone();
    store
        .transact(
            "d",
            || unreachable!("d exists"),
            move |r: &mut Record| {
                let kind = |_| zailai::OpKind::BuyMembership {
                    plan: "monthly".into(),
                };
                let (op, _) =
                    zailai::sync::server_op(&mut r.state, &cfg2, "~merchant", kind, nov(10, 10))
                        .map_err(|e| e.to_string())?;
                Ok::<_, String>(((), vec![OpRow::of(&op, "applied".into())]))
            },
        )
        .await
        .unwrap()
        .unwrap();
    sync(&store, &cfg, "d", 2, nov(17, 9), check_in.clone()).await;

    let experiments = parse_experiments(
        r#"[{"id": "banner", "variants": ["control", "treatment"], "start": "2026-11-01"}]"#,
    )
    .unwrap();
    let r = build(
        &store,
        &cfg,
        (&experiments, &Default::default()),
        parse_date("from", "2026-11-02").unwrap(),
        parse_date("to", "2026-11-20").unwrap(),
    )
    .await
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["members"], 4);
    // Cohort of 2 Nov (a, b, c): D1 a and b of 3; D7 only a; nobody is 30 days old by the 20th.
    assert_eq!(v["cohorts"][0]["week"], "2026-11-02");
    assert_eq!(v["cohorts"][0]["size"], 3);
    assert_eq!(
        v["cohorts"][0]["d1"],
        json!({"retained": 2, "of": 3, "rate": 0.6667})
    );
    assert_eq!(
        v["cohorts"][0]["d7"],
        json!({"retained": 1, "of": 3, "rate": 0.3333})
    );
    assert_eq!(v["cohorts"][0]["d30"], json!(null));
    // Cohort of 9 Nov (d): not active on the 11th, active on the 17th.
    assert_eq!(v["cohorts"][1]["week"], "2026-11-09");
    assert_eq!(
        v["cohorts"][1]["d1"],
        json!({"retained": 0, "of": 1, "rate": 0.0})
    );
    assert_eq!(
        v["cohorts"][1]["d7"],
        json!({"retained": 1, "of": 1, "rate": 1.0})
    );
    // Paid (d) vs the others (a, b, c), D7.
    assert_eq!(v["paid_d7"]["rate"], 1.0);
    assert_eq!(
        v["unpaid_d7"],
        json!({"retained": 1, "of": 3, "rate": 0.3333})
    );
    // Tiers at the end of each week (Sundays 8, 15, 22): three regulars, then d is silver.
    assert_eq!(
        v["tiers"][0],
        json!({"week_end": "2026-11-08", "counts": {"regular": 3}})
    );
    assert_eq!(
        v["tiers"][1],
        json!({"week_end": "2026-11-15", "counts": {"regular": 3, "silver": 1}})
    );
    // "mid" (5–7 Nov): a and b active and taking part; a checked in all 3 days; in the week
    // after, a came back (9th), b did not; c (active the week before, not in it) did not.
    let mid = &v["campaigns"][0];
    assert_eq!(
        (
            mid["active"].clone(),
            mid["participants"].clone(),
            mid["participation"].clone()
        ),
        (json!(2), json!(2), json!(1.0))
    );
    assert_eq!(
        (mid["completed"].clone(), mid["completion"].clone()),
        (json!(1), json!(0.5))
    );
    assert_eq!(
        mid["participants_retained"],
        json!({"retained": 1, "of": 2, "rate": 0.5})
    );
    assert_eq!(
        mid["others_retained"],
        json!({"retained": 0, "of": 1, "rate": 0.0})
    );
    assert_eq!(mid["uplift"], 0.5);
    assert_eq!(
        mid["notified"],
        json!(null),
        "nobody was sent a message yet"
    );

    // 活动参与率 among the notified: the operator records a message about "mid" sent to a
    // (who took part) and c (who did not), and one about no campaign to b; "zz" is no
    // member. Of the 2 members sent one about "mid", 1 took part.
    let known = ["mid".to_owned()].into();
    let send = |kind: &str, campaign: Option<&str>, users: &[&str]| Sent {
        kind: kind.into(),
        campaign: campaign.map(str::to_owned),
        users: users.iter().map(|u| u.to_string()).collect(),
        at: nov(4, 12),
    };
    let answer = record(
        &store,
        send("campaign", Some("mid"), &["a", "zz", "c", "a"]),
        &known,
    )
    .await
    .unwrap();
    assert_eq!(
        (answer.recorded, answer.already, answer.unknown),
        (2, 0, vec!["zz".to_owned()])
    );
    let again = record(&store, send("campaign", Some("mid"), &["c"]), &known)
        .await
        .unwrap();
    assert_eq!(
        (again.recorded, again.already),
        (0, 1),
        "c was recorded before"
    );
    record(&store, send("tier_up", None, &["b"]), &known)
        .await
        .unwrap();
    let r2 = build(
        &store,
        &cfg,
        (&[], &Default::default()),
        parse_date("from", "2026-11-02").unwrap(),
        parse_date("to", "2026-11-20").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        serde_json::to_value(r2.campaigns[0].notified).unwrap(),
        json!({"count": 1, "of": 2, "rate": 0.5})
    );
    let replayed = replay_build(
        &store,
        &cfg,
        (&[], &Default::default()),
        parse_date("from", "2026-11-02").unwrap(),
        parse_date("to", "2026-11-20").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(replayed.campaigns[0].notified, r2.campaigns[0].notified);

    // The experiment: the hash splits a, b, c, d; D7 per variant follows who came back on
    // day 7 (a and d did, b and c did not).
    let came_back = [("a", true), ("b", false), ("c", false), ("d", true)];
    let exp = &r.experiments[0];
    for variant in &exp.variants {
        let group: Vec<bool> = came_back
            .iter()
            .filter(|(u, _)| {
                zailai::experiment::variant("banner", u, &experiments[0].variants)
                    == Some(variant.id.as_str())
            })
            .map(|&(_, back)| back)
            .collect();
        assert_eq!(variant.members as usize, group.len(), "{}", variant.id);
        let d7 = variant.d7.map(|d| (d.retained, d.of));
        let want = (!group.is_empty()).then(|| {
            (
                group.iter().filter(|&&b| b).count() as u32,
                group.len() as u32,
            )
        });
        assert_eq!(d7, want, "{}", variant.id);
    }
    assert_eq!(exp.variants.iter().map(|v| v.members).sum::<u32>(), 4);
    // The split (checked with Python's hashlib): control b, c (0 of 2 back), treatment a, d
    // (2 of 2): pooled 0.5, se = 0.5, z = 2, two-sided p = 0.0455, significant.
    let cmp = &exp.comparisons[0];
    assert_eq!(
        (cmp.variant.as_str(), cmp.z, cmp.p_value, cmp.significant),
        ("treatment", 2.0, 0.0455, true)
    );

    // A range with nobody joining: no cohorts, still the tier weeks; an inverted range is refused.
    let quiet = build(
        &store,
        &cfg,
        (&[], &Default::default()),
        parse_date("from", "2026-12-01").unwrap(),
        parse_date("to", "2026-12-07").unwrap(),
    )
    .await
    .unwrap();
    assert!(quiet.cohorts.is_empty() && quiet.campaigns.is_empty());
    assert_eq!(
        quiet.tiers.len(),
        2,
        "the weeks of 30 Nov and 7 Dec touch the range"
    );
    let err = build(
        &store,
        &cfg,
        (&[], &Default::default()),
        parse_date("from", "2026-12-07").unwrap(),
        parse_date("to", "2026-12-01").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.0.contains("is empty"), "{}", err.0);
    assert!(parse_date("from", "2026-13-01").is_err());
}

#[test]
fn experiment_files_are_checked_with_paths() {
    for (text, want) in [
        ("{}", ": an array"),
        (
            r#"[{"id": "x", "variants": ["a"], "start": "2026-11-01"}]"#,
            "[0].variants",
        ),
        (
            r#"[{"id": "x", "variants": ["a", "a"], "start": "2026-11-01"}]"#,
            "[0].variants",
        ),
        (
            r#"[{"id": "x", "variants": ["a", "b"], "start": "soon"}]"#,
            "[0].start",
        ),
        (
            r#"[{"id": "x", "variants": ["a", "b"], "start": "2026-11-01"}, {"id": "x", "variants": ["a", "b"], "start": "2026-11-01"}]"#,
            "[1].id",
        ),
    ] {
        let err = parse_experiments(text).unwrap_err();
        assert!(
            err.0.starts_with(want) || err.0.contains(want),
            "{text}: {}",
            err.0
        );
    }
}
