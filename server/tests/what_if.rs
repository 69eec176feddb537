//! What-if on real history (issue 26): a version against itself changes nothing; one changed
//! number changes exactly what a hand computation says; refusals are counted; a sample's
//! totals come with the interval its formula gives; the replay of a populated database
//! reproduces what the database holds.

use serde_json::{json, Value};
use zailai::day::{Date, Day};
use zailai::timeline::Timeline;
use zailai::{Config, Op};
use zailai_server::populate::{run as populate, Plan};
use zailai_server::store::{sqlite::Sqlite, Store};
use zailai_server::what_if::load::{self, Request};
use zailai_server::what_if::replay::MemberLog;
use zailai_server::what_if::tally::estimate;
use zailai_server::what_if::{candidate_timeline, weeks, what_if, Window};

fn day(s: &str) -> Day {
    Date::parse(s).unwrap().to_day()
}

/// Epoch ms of `hh`:00 on business day `d` (seed rules: UTC+8, days start at 00:00).
fn at(d: &str, hh: i64) -> i64 {
    Config::seed().clock().start_of(day(d)) + hh * 3_600_000
}

/// A member's log of device ops: (date, hour, op body), seq in order.
fn member(user: &str, joined: &str, ops: &[(&str, i64, Value)]) -> MemberLog {
    let ops = ops
        .iter()
        .enumerate()
        .map(|(i, (d, hh, body))| {
            let op = json!({"device": "phone", "seq": i + 1, "at": at(d, *hh), "op": body});
            Op::from_json(&op.to_string()).unwrap()
        })
        .collect();
    MemberLog {
        user: user.to_owned(),
        joined: day(joined),
        ops,
    }
}

fn reviews(d: &str, n: usize) -> Vec<(&str, i64, Value)> {
    (0..n)
        .map(|i| {
            (
                d,
                9 + i as i64,
                json!({"type": "track", "action": "review"}),
            )
        })
        .collect()
}

fn seed_with(change: impl FnOnce(&mut Value)) -> Config {
    let mut v: Value =
        serde_json::from_str(include_str!("../../presets/seed.json")).expect("the seed parses");
    change(&mut v);
    Config::parse(&v.to_string()).expect("the candidate is valid")
}

const FROM: &str = "2026-09-01";
const TO: &str = "2026-09-14";

/// The what-if of `logs` from FROM to TO with `candidate` in effect from FROM, as JSON.
fn run(logs: &[MemberLog], candidate: Config, population: u64) -> Value {
    let current = Timeline::single(Config::seed());
    let cand = candidate_timeline(&current, candidate, at(FROM, 0));
    let window = Window {
        from: day(FROM),
        to: day(TO),
        population,
    };
    let report = what_if(logs, &current, &cand, window, 2).unwrap();
    serde_json::to_value(&report).unwrap()
}

/// (current, candidate, difference) of a figure.
fn fig(v: &Value) -> (f64, f64, f64) {
    let n = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} of {v}"));
    (n("current"), n("candidate"), n("difference"))
}

/// Reviews at 20 points under the current rules, 25 under the candidate, for three members:
/// `a` joined before the fork and earned before it, `b` joined inside the first week, `c`
/// only opens. The daily cap (100) cuts `a`'s fifth review on 09-02 under the candidate and
/// `b`'s sixth (and fifth, under the candidate) on 09-10 on both sides.
fn review_logs() -> Vec<MemberLog> {
    let mut a: Vec<_> = reviews("2026-08-28", 2);
    a.extend(reviews("2026-09-01", 3));
    a.extend(reviews("2026-09-02", 5));
    a.extend(reviews("2026-09-09", 1));
    let mut b = reviews("2026-09-03", 2);
    b.extend(reviews("2026-09-10", 6));
    let c = vec![("2026-09-05", 8, json!({"type": "track", "action": "open"}))];
    vec![
        member("a", "2026-08-25", &a),
        member("b", "2026-09-03", &b),
        member("c", "2026-08-01", &c),
    ]
}

#[test]
fn a_version_against_itself_reports_no_difference() {
    let r = run(&review_logs(), Config::seed(), 3);
    assert_eq!(r["weeks"].as_array().unwrap().len(), 2);
    let mut figures = 0;
    for week in r["weeks"].as_array().unwrap() {
        for (name, value) in week.as_object().unwrap() {
            let all: Vec<&Value> = match name.as_str() {
                "from" | "to" => continue,
                "tiers" | "tier_moves" | "coupons" | "prizes" | "campaign_cost_yuan" => {
                    value.as_object().unwrap().values().collect()
                }
                _ => vec![value],
            };
            for f in all {
                let (cur, cand, diff) = fig(f);
                assert_eq!((cur, diff), (cand, 0.0), "{name}: {f}");
                figures += 1;
            }
        }
    }
    // Six figures a week and one tier (everyone is regular), for two weeks.
    assert_eq!(figures, 14, "every figure was looked at");
    assert_eq!(
        fig(&r["weeks"][0]["points_issued"]).0,
        210.0,
        "not all zero"
    );
    assert_eq!(r["ops"]["refused_by_candidate"], json!({}));
    assert_eq!(r["ops"]["refused_by_current"], json!({}));
    assert_eq!(r["changed_most"], json!([]));
    // The versions in effect over the stretch: the seed on both sides, anew from FROM.
    let hash = zailai::snapshot::config_hash(&Config::seed());
    assert_eq!(
        r["current"],
        json!([{"number": 1, "hash": hash, "effective_from": null}])
    );
    assert_eq!(
        r["candidate"],
        json!([{"number": 2, "hash": hash, "effective_from": at(FROM, 0)}])
    );
}

#[test]
fn review_points_20_to_25_change_what_a_hand_computation_says() {
    let cand = seed_with(|v| v["points"]["earning"]["review"]["points"] = json!(25));
    let r = run(&review_logs(), cand, 3);
    let (w1, w2) = (&r["weeks"][0], &r["weeks"][1]);
    // Week 1 (09-01..09-07). Current: a 3×20 + min(100, 5×20) = 160, b 2×20 = 40, c 10.
    // Candidate: a 3×25 + min(100, 5×25) = 175, b 2×25 = 50, c 10.
    let issued1 = (160.0 + 40.0 + 10.0, 175.0 + 50.0 + 10.0);
    assert_eq!(fig(&w1["points_issued"]), (issued1.0, issued1.1, 25.0));
    // Week 2 (09-08..09-14). a 1 review: 20 | 25; b 6 reviews: min(100, 120) = 100 |
    // min(100, 150) = 100.
    let issued2 = (20.0 + 100.0, 25.0 + 100.0);
    assert_eq!(fig(&w2["points_issued"]), (issued2.0, issued2.1, 5.0));
    // Liability: a's 2×20 earned before the fork is the same on both sides.
    let before = 40.0;
    let l1 = (before + issued1.0, before + issued1.1);
    let l2 = (l1.0 + issued2.0, l1.1 + issued2.1);
    assert_eq!(fig(&w1["liability_points"]), (l1.0, l1.1, l1.1 - l1.0));
    assert_eq!(fig(&w2["liability_points"]), (l2.0, l2.1, l2.1 - l2.0));
    // 100 points = 10 yuan.
    assert_eq!(
        fig(&w2["liability_yuan"]),
        (l2.0 / 10.0, l2.1 / 10.0, (l2.1 - l2.0) / 10.0)
    );
    assert_eq!(fig(&w1["points_redeemed"]), (0.0, 0.0, 0.0));
    assert_eq!(fig(&w1["points_expired"]), (0.0, 0.0, 0.0));
    assert_eq!(fig(&w1["members"]), (3.0, 3.0, 0.0));
    assert_eq!(r["ops"]["replayed"], 9 + 8 + 1, "every op from 09-01 on");
    // a ends 20 points up (09-01 3×5, 09-02 0, 09-09 5), b 10 (09-03 2×5, 09-10 0).
    let changed = &r["changed_most"];
    assert_eq!(changed.as_array().unwrap().len(), 2, "c is unchanged");
    assert_eq!(changed[0]["user"], "a");
    assert_eq!(
        changed[0]["points"],
        json!({"current": 40 + 160 + 20, "candidate": 40 + 175 + 25})
    );
    assert_eq!(changed[1]["user"], "b");
    assert_eq!(
        changed[1]["points"],
        json!({"current": 140, "candidate": 150})
    );
    assert_eq!(
        changed[1]["tier"],
        json!({"current": "regular", "candidate": "regular"})
    );
}

#[test]
fn gold_at_12_active_days_instead_of_20_moves_the_member_with_12() {
    // g opens the app 12 days running from 09-01: gold on its 12th (09-12) under the
    // candidate (silver's 12 active days are the least gold's may ask); r opens on 5 days
    // and stays regular; neither meets silver (which asks minutes and tasks too).
    let open = || json!({"type": "track", "action": "open"});
    let g: Vec<_> = (1..=12)
        .map(|d| (format!("2026-09-{d:02}"), 10, open()))
        .collect();
    let g: Vec<(&str, i64, Value)> = g
        .iter()
        .map(|(d, h, o)| (d.as_str(), *h, o.clone()))
        .collect();
    let r5: Vec<(&str, i64, Value)> = [
        "2026-09-01",
        "2026-09-03",
        "2026-09-05",
        "2026-09-09",
        "2026-09-11",
    ]
    .iter()
    .map(|d| (*d, 10, open()))
    .collect();
    let logs = vec![
        member("g", "2026-08-25", &g),
        member("r", "2026-08-25", &r5),
    ];
    let cand =
        seed_with(|v| v["tiers"]["levels"][2]["upgrade"]["conditions"]["active_days"] = json!(12));
    let r = run(&logs, cand, 2);
    let (w1, w2) = (&r["weeks"][0], &r["weeks"][1]);
    assert_eq!(fig(&w1["tiers"]["regular"]), (2.0, 2.0, 0.0));
    assert!(w1["tiers"].get("gold").is_none());
    assert_eq!(w1["tier_moves"], json!({}));
    assert_eq!(fig(&w2["tiers"]["regular"]), (2.0, 1.0, -1.0));
    assert_eq!(fig(&w2["tiers"]["gold"]), (0.0, 1.0, 1.0));
    assert_eq!(fig(&w2["tier_moves"]["regular→gold"]), (0.0, 1.0, 1.0));
    // Opens pay 10 points whatever the tier: (12 + 5) opens, 7 + 3 of them in week 1.
    assert_eq!(fig(&w1["points_issued"]), (100.0, 100.0, 0.0));
    assert_eq!(fig(&w2["points_issued"]), (70.0, 70.0, 0.0));
    assert_eq!(
        r["changed_most"],
        json!([{"user": "g", "tier": {"current": "regular", "candidate": "gold"},
                "points": {"current": 120, "candidate": 120}}])
    );
}

#[test]
fn ops_the_candidate_refuses_are_refused_and_counted() {
    // Without the `review` rule a review is an unknown action: a, b's 9 + 8 reviews from
    // 09-01 on are refused; a's two before the fork stand (both sides agree before it).
    let cand = seed_with(|v| {
        v["points"]["earning"]
            .as_object_mut()
            .unwrap()
            .remove("review");
    });
    let r = run(&review_logs(), cand, 3);
    assert_eq!(
        r["ops"]["refused_by_candidate"],
        json!({"UNKNOWN_ACTION": 17})
    );
    assert_eq!(r["ops"]["refused_by_current"], json!({}));
    assert_eq!(fig(&r["weeks"][0]["points_issued"]), (210.0, 10.0, -200.0));
    assert_eq!(
        fig(&r["weeks"][1]["liability_points"]),
        (370.0, 50.0, -320.0)
    );
}

#[test]
fn a_campaign_costs_its_extra_points_and_expiry_counts_once() {
    // k checks in 7 days running from 09-01: 7 × 5 (regular's base) + 10 (day 3) + 30 and a
    // coupon (day 7). The candidate runs a double check-in campaign those 7 days: 7 × 5 more.
    let k: Vec<(String, i64, Value)> = (1..=7)
        .map(|d| (format!("2026-09-{d:02}"), 9, json!({"type": "check_in"})))
        .collect();
    let k: Vec<(&str, i64, Value)> = k
        .iter()
        .map(|(d, h, o)| (d.as_str(), *h, o.clone()))
        .collect();
    // old earned 20 points on 2025-09-07, usable through 2026-09-07, week 1's last day:
    // expired in week 1 on both sides though old does nothing until 09-10 (when the engine
    // takes them out). late joins on 09-10: a member from week 2 on.
    let review = json!({"type": "track", "action": "review"});
    let open = json!({"type": "track", "action": "open"});
    let old = [("2025-09-07", 9, review), ("2026-09-10", 9, open.clone())];
    let late = [("2026-09-10", 9, open)];
    let logs = vec![
        member("k", "2026-08-20", &k),
        member("old", "2025-08-30", &old),
        member("late", "2026-09-10", &late),
    ];
    let cand = seed_with(|v| {
        v["campaigns"].as_array_mut().unwrap().push(json!({
            "id": "autumn", "name": {"en": "Autumn"}, "start": "2026-09-01", "days": 7,
            "checkin_multiplier": 2
        }));
    });
    let r = run(&logs, cand, 3);
    let (w1, w2) = (&r["weeks"][0], &r["weeks"][1]);
    assert_eq!(fig(&w1["points_issued"]), (75.0, 110.0, 35.0));
    assert_eq!(fig(&w1["campaign_cost_yuan"]["autumn"]), (0.0, 3.5, 3.5));
    // JSON writes whole numbers as such, yuan with their fen.
    assert_eq!(w1["points_issued"]["current"].to_string(), "75");
    assert_eq!(
        w1["campaign_cost_yuan"]["autumn"]["candidate"].to_string(),
        "3.5"
    );
    assert_eq!(fig(&w1["coupons"]["streak_7_coupon"]), (1.0, 1.0, 0.0));
    assert_eq!(fig(&w1["points_expired"]), (20.0, 20.0, 0.0));
    assert_eq!(fig(&w2["points_expired"]), (0.0, 0.0, 0.0));
    assert_eq!(fig(&w2["points_issued"]), (20.0, 20.0, 0.0));
    assert_eq!(fig(&w1["liability_points"]), (75.0, 110.0, 35.0));
    assert_eq!(fig(&w2["liability_points"]), (95.0, 130.0, 35.0));
    assert_eq!(fig(&w1["members"]), (2.0, 2.0, 0.0));
    assert_eq!(fig(&w2["members"]), (3.0, 3.0, 0.0));
    assert!(
        w2["campaign_cost_yuan"].get("autumn").is_none(),
        "it ran in week 1 only"
    );
}

#[test]
fn a_sample_reports_the_interval_of_its_formula() {
    // Members' values 1, 2, 3, 4 sampled from 8: total 8 × 2.5 = 20, s² = 5/3,
    // half-width 1.96 × 8 × √((1 − 4/8) × (5/3) / 4).
    let (sum, squares) = (10.0, 1.0 + 4.0 + 9.0 + 16.0);
    let (total, half) = estimate((sum, squares), 4, 8);
    assert_eq!(total, 20.0);
    let expected = 1.96 * 8.0 * (0.5f64 * (5.0 / 3.0) / 4.0).sqrt();
    assert!((half - expected).abs() < 1e-9, "{half} vs {expected}");
    // Every member: exact, no interval.
    assert_eq!(estimate((sum, squares), 4, 4), (10.0, 0.0));
    // The report scales a sample: the same 3 members standing for 30 (each 10 times).
    let cand = seed_with(|v| v["points"]["earning"]["review"]["points"] = json!(25));
    let r = run(&review_logs(), cand, 30);
    assert_eq!(
        r["members"],
        json!({"population": 30, "replayed": 3, "sampled": true})
    );
    assert!(r["confidence"]
        .as_str()
        .unwrap()
        .contains("finite-population"));
    let issued = &r["weeks"][0]["points_issued"];
    assert_eq!(fig(issued), (2100.0, 2350.0, 250.0));
    // Per-member differences of week 1: a 15, b 10, c 0.
    let d = [15.0f64, 10.0, 0.0];
    let mean = 25.0 / 3.0;
    let s2 = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0;
    let half = 1.96 * 30.0 * ((1.0 - 3.0 / 30.0) * s2 / 3.0).sqrt();
    let got = issued["ci95"][2].as_f64().unwrap();
    assert!((got - half).abs() < 0.06, "{got} vs {half}");
}

#[test]
fn timelines_that_differ_before_the_fork_and_bad_days_are_refused() {
    let current = Timeline::single(Config::seed());
    let cand_cfg = seed_with(|v| v["points"]["earning"]["review"]["points"] = json!(25));
    // In effect a day before FROM: it would re-price ops before the fork.
    let early = candidate_timeline(&current, cand_cfg.clone(), at(FROM, 0) - 86_400_000);
    let window = Window {
        from: day(FROM),
        to: day(TO),
        population: 3,
    };
    let e = what_if(&review_logs(), &current, &early, window, 2).unwrap_err();
    assert!(
        e.0.contains("differs from the current one before 2026-09-01"),
        "{e}"
    );
    let cand = candidate_timeline(&current, cand_cfg, at(FROM, 0));
    let backwards = Window {
        to: day("2026-08-31"),
        ..window
    };
    let e = what_if(&review_logs(), &current, &cand, backwards, 2).unwrap_err();
    assert!(e.0.contains("before from"), "{e}");
    let long = Window {
        to: day(FROM) + 366,
        ..window
    };
    let e = what_if(&review_logs(), &current, &cand, long, 2).unwrap_err();
    assert!(e.0.contains("more than 366 days"), "{e}");
    let year = Window {
        to: day(FROM) + 365,
        ..window
    };
    assert!(what_if(&review_logs(), &current, &cand, year, 2).is_ok());
    let small = Window {
        population: 2,
        ..window
    };
    assert!(what_if(&review_logs(), &current, &cand, small, 2).is_err());
    let tz = seed_with(|v| v["business_day"]["utc_offset_minutes"] = json!(540));
    let other_day = candidate_timeline(&current, tz, at(FROM, 0));
    let e = what_if(&review_logs(), &current, &other_day, window, 2).unwrap_err();
    assert!(e.0.contains("another business day"), "{e}");
}

#[test]
fn weeks_are_seven_days_from_the_first_the_last_one_shorter() {
    let (a, b) = (day("2026-09-01"), day("2026-09-16"));
    assert_eq!(weeks(a, b), vec![(a, a + 6), (a + 7, a + 13), (a + 14, b)]);
    assert_eq!(weeks(a, a), vec![(a, a)]);
}

#[test]
fn the_candidate_replaces_every_version_from_the_fork_on() {
    let seed = Config::seed();
    let t = candidate_timeline(&Timeline::single(seed.clone()), seed, 1_000);
    let v = t.versions();
    assert_eq!(v.len(), 2);
    assert_eq!((v[1].number, v[1].effective_from), (2, 1_000));
    assert_eq!(t.version_at(999).number, 1);
}

fn store(name: &str) -> Sqlite {
    let dir = std::env::temp_dir().join(format!("zailai-whatif-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Sqlite::open(
        &dir.join("zailai.db"),
        zailai_server::facts::FactRules::of(&Config::seed()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_database_replays_to_what_it_holds() {
    let cfg = Config::seed();
    let s = store("pop");
    let plan = Plan {
        users: 80,
        start: Date::parse("2026-08-01").unwrap(),
        days: 45,
        seed: 7,
    };
    populate(&s, &cfg, &plan).await.unwrap();
    let (from, to) = (
        Date::parse("2026-08-20").unwrap(),
        Date::parse("2026-09-14").unwrap(),
    );
    let req = Request {
        candidate: cfg.clone(),
        from,
        to,
        sample: None,
    };
    let r = serde_json::to_value(load::run(&s, &cfg, req).await.unwrap()).unwrap();
    assert_eq!(
        r["ops"]["refused_by_current"],
        json!({}),
        "a faithful replay"
    );
    assert_eq!(r["ops"]["refused_by_candidate"], json!({}));
    // The last week's liability and tiers are what the stored states hold at its end.
    let last = &r["weeks"][3];
    let (mut points, mut tiers) = (0u64, std::collections::BTreeMap::<String, f64>::new());
    let end = cfg.clock().start_of(to.to_day() + 1);
    for user in s.users().await.unwrap() {
        let st = s.load(&user).await.unwrap().unwrap().state;
        points += zailai::view::points_summary(&st, &cfg, end - 1).balance;
        let summary =
            zailai_server::facts::Summary::of(&zailai_server::facts::FactRules::of(&cfg), &st);
        let id = cfg.tiers.levels[usize::from(summary.tier_on(to.to_day()))]
            .id
            .clone();
        *tiers.entry(id).or_default() += 1.0;
    }
    assert!(points > 0);
    assert_eq!(
        fig(&last["liability_points"]),
        (points as f64, points as f64, 0.0)
    );
    for (id, n) in &tiers {
        assert_eq!(fig(&last["tiers"][id]).0, *n, "{id}");
    }
    assert_eq!(fig(&last["members"]).0, 80.0);
    // A sample of 40 of the 80: estimates of the same figures, with intervals.
    let req = Request {
        candidate: cfg.clone(),
        from,
        to,
        sample: Some(40),
    };
    let r = serde_json::to_value(load::run(&s, &cfg, req).await.unwrap()).unwrap();
    assert_eq!(
        r["members"],
        json!({"population": 80, "replayed": 40, "sampled": true})
    );
    let est = &r["weeks"][3]["liability_points"];
    let (cur, half) = (
        est["current"].as_f64().unwrap(),
        est["ci95"][0].as_f64().unwrap(),
    );
    assert!(
        half > 0.0 && (cur - points as f64).abs() < 3.0 * half,
        "{cur} ± {half} vs {points}"
    );
    assert_eq!(est["ci95"][2], 0.0, "no difference, no interval");
}

#[test]
fn a_sample_is_spread_over_the_members_and_the_same_every_time() {
    let users: Vec<String> = (0..1000).map(|n| format!("sim-{n:05}")).collect();
    let picked = load::sample(users.clone(), Some(100));
    assert_eq!(picked.len(), 100);
    assert_eq!(
        picked,
        load::sample(users.clone(), Some(100)),
        "the same sample"
    );
    let mut sorted = picked.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, picked, "distinct, in id order");
    // Not the first ids: about a tenth of each tenth of the ids.
    for tenth in users.chunks(100) {
        let n = picked.iter().filter(|u| tenth.contains(u)).count();
        assert!((2..=25).contains(&n), "{n} of {}", tenth[0]);
    }
    assert_eq!(load::sample(users.clone(), None), users);
    assert_eq!(load::sample(users.clone(), Some(1000)), users);
}

/// The current side of a what-if is the database's version timeline, not the server's
/// `--config`: with reviews raised to 35 by a published version from 09-01, a candidate of
/// those same rules from 09-01 changes nothing, and the current side prices the review of
/// 09-02 at 35.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_side_is_the_stored_version_timeline() {
    use std::sync::Arc;
    use zailai_server::versions::{self, Candidate, LEAD_MS};
    let seed = Config::seed();
    let s = store("versions");
    let start = at("2026-08-20", 0);
    versions::at_start(&s, &seed, None, start).await.unwrap();
    let mut raised = serde_json::to_value(&seed).unwrap();
    raised["points"]["earning"]["review"]["points"] = json!(35);
    let switch = at("2026-09-01", 0);
    let v2 = Candidate {
        rules: raised.to_string(),
        mapping: None,
        effective_from: switch,
        author: "ops@example".to_owned(),
        note: "reviews pay more".to_owned(),
        lead_ms: LEAD_MS,
    };
    versions::publish(&s, v2, switch - LEAD_MS).await.unwrap();
    let (timeline, _) = versions::load(&s).await.unwrap().unwrap();
    let timeline = Arc::new(timeline);
    let ops = json!([
        {"device": "phone", "seq": 1, "at": at("2026-08-30", 9), "op": {"type": "track", "action": "review"}},
        {"device": "phone", "seq": 2, "at": at("2026-09-02", 9), "op": {"type": "track", "action": "review"}},
    ]);
    let push = json!({"protocol": 1, "device": "phone", "base_version": 0, "snapshot_formats": [5], "ops": ops});
    let push = zailai::sync::Push::from_json(&push.to_string()).unwrap();
    let (outcome, record) =
        zailai_server::sync_service::sync(&s, &timeline, "m1", push, at("2026-09-02", 10))
            .await
            .unwrap();
    assert_eq!(outcome.acked, [1, 2]);
    assert_eq!(
        record.state.balance,
        20 + 35,
        "each review under its own version"
    );
    let candidate = Config::parse(&raised.to_string()).unwrap();
    let req = Request {
        candidate,
        from: Date::parse("2026-09-01").unwrap(),
        to: Date::parse("2026-09-07").unwrap(),
        sample: None,
    };
    let r = serde_json::to_value(load::run(&s, &seed, req).await.unwrap()).unwrap();
    assert_eq!(fig(&r["weeks"][0]["points_issued"]), (35.0, 35.0, 0.0));
    assert_eq!(fig(&r["weeks"][0]["liability_points"]), (55.0, 55.0, 0.0));
    assert!(r["changed_most"].as_array().unwrap().is_empty());
}
