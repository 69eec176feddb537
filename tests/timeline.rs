//! The version timeline: an op is applied under the rules in effect at its own `at`.

mod common;

use common::{at, config_from, granted, seed_json};
use serde_json::json;
use zailai::timeline::{Timeline, TimelineError, Version};
use zailai::{Op, OpKind, State};

fn review_worth(points: u32) -> zailai::Config {
    let mut v = seed_json();
    v["points"]["earning"]["review"] = json!({ "points": points });
    config_from(v)
}

fn review(seq: u32, when: i64) -> Op {
    Op {
        device: "phone".into(),
        seq,
        at: when,
        op: OpKind::Track {
            action: "review".into(),
            count: 1,
        },
    }
}

#[test]
fn each_op_is_applied_under_the_version_in_effect_at_its_at() {
    let switch = at(2026, 11, 2, 0, 0);
    let mut t = Timeline::single(review_worth(20));
    t.push(Version::new(2, switch, review_worth(35))).unwrap();
    let mut st = State::join(t.config_at(0), "u1", at(2026, 11, 1, 9, 0));
    assert_eq!(
        granted(&t.apply(&mut st, &review(1, switch - 1)).unwrap()),
        20
    );
    assert_eq!(granted(&t.apply(&mut st, &review(2, switch)).unwrap()), 35);
    assert_eq!(t.version_at(switch - 1).number, 1);
    assert_eq!(
        t.version_at(i64::MIN).number,
        1,
        "before every version: the first"
    );
    assert_eq!(t.next_after(switch - 1).map(|v| v.number), Some(2));
    assert!(t.next_after(switch).is_none());
    assert_eq!(st.balance, 55);
}

#[test]
fn versions_join_in_order_and_numbered_on() {
    let mut t = Timeline::single(review_worth(20));
    let when = at(2026, 11, 2, 0, 0);
    t.push(Version::new(2, when, review_worth(30))).unwrap();
    assert_eq!(
        t.push(Version::new(3, when, review_worth(40))),
        Err(TimelineError::NotAfter { last: when })
    );
    assert_eq!(
        t.push(Version::new(4, when + 1, review_worth(40))),
        Err(TimelineError::Number { expected: 3 })
    );
    assert_ne!(t.versions()[0].hash, t.versions()[1].hash);
    let shuffled = vec![t.versions()[1].clone(), t.versions()[0].clone()];
    let again = Timeline::from_versions(shuffled).unwrap();
    assert_eq!(again.last().number, 2);
    assert!(Timeline::from_versions(vec![]).is_none());
    let twice = vec![t.versions()[1].clone(), t.versions()[1].clone()];
    assert!(Timeline::from_versions(twice).is_none());
}

/// The sync acceptance takes a timeline: each op of one push is applied under the version in
/// effect at its own `at`,
#[test]
fn a_push_spanning_a_switch_is_accepted_under_each_ops_version() {
    use std::collections::BTreeMap;
    use zailai::sync::{accept, Limits, Push};
    let switch = at(2026, 11, 2, 0, 0);
    let mut t = Timeline::single(review_worth(20));
    t.push(Version::new(2, switch, review_worth(35))).unwrap();
    let mut st = State::join(t.config_at(0), "u1", at(2026, 11, 1, 9, 0));
    let push = Push {
        protocol: 1,
        device: "phone".into(),
        base_version: 0,
        snapshot_formats: vec![zailai::snapshot::FORMAT],
        ops: vec![review(1, switch - 60_000), review(2, switch + 60_000)],
        invited_by: None,
        rules_hash: None,
    };
    let limits = Limits {
        offline_window_ms: 7 * 86_400_000,
        max_clock_ahead_ms: 300_000,
    };
    let mut processed = BTreeMap::new();
    let out = accept(&mut st, &mut processed, &t, &push, switch + 120_000, limits);
    assert_eq!(out.acked, [1, 2]);
    assert_eq!(st.balance, 55, "20 before the switch, 35 after");
    // The same push under the first version alone gives 40: the timeline made the difference.
    let mut old = State::join(t.config_at(0), "u1", at(2026, 11, 1, 9, 0));
    accept(
        &mut old,
        &mut BTreeMap::new(),
        t.config_at(0),
        &push,
        switch + 120_000,
        limits,
    );
    assert_eq!(old.balance, 40);
}

/// A retired id's holdings become inert (docs/rules-lifecycle.md, Mapping): a member holding
/// task progress, a coupon of a catalog item and campaign, card and lottery entries under one
/// version goes on under a version without any of them, ops and views alike, and the compat
/// check asks exactly for those ids to be retired.
#[test]
fn holdings_of_retired_ids_are_inert_under_the_next_version() {
    use zailai::config::compat::{check, Mapping};
    let day1 = at(2026, 11, 2, 10, 0);
    let v1 = zailai::Config::seed();
    let mut v2 = v1.clone();
    let mut retire: Vec<String> = Vec::new();
    retire.extend(v2.tasks.drain(..).map(|t| format!("tasks.{}", t.id)));
    retire.extend(v2.catalog.drain(..).map(|c| format!("catalog.{}", c.id)));
    retire.extend(v2.cards.drain(..).map(|c| format!("cards.{}", c.id)));
    retire.extend(
        v2.lotteries
            .drain(..)
            .map(|l| format!("lotteries.{}", l.id)),
    );
    retire.extend(
        v2.campaigns
            .drain(..)
            .map(|c| format!("campaigns.{}", c.id)),
    );
    let refused = check(&v1, &v2, &Mapping::default());
    let mut asked: Vec<String> = refused.into_iter().map(|p| p.path).collect();
    asked.sort();
    let mut sorted = retire.clone();
    sorted.sort();
    assert_eq!(asked, sorted);
    let mapping = Mapping {
        retire,
        ..Mapping::default()
    };
    assert!(check(&v1, &v2, &mapping).is_empty());

    let switch = day1 + 2 * 86_400_000;
    let mut t = Timeline::single(v1.clone());
    t.push(Version::new(2, switch, v2.clone())).unwrap();
    let mut st = State::join(&v1, "u1", day1);
    let op = |seq: u32, when: i64, kind: OpKind| Op {
        device: "phone".into(),
        seq,
        at: when,
        op: kind,
    };
    let mut seq = 0;
    let mut next = |when: i64, kind: OpKind| {
        seq += 1;
        op(seq, when, kind)
    };
    // Under v1: progress on every task's action, points, and a redeemed catalog item.
    let mut before = vec![next(day1, OpKind::CheckIn {})];
    for task in &v1.tasks {
        before.push(next(
            day1 + 1000,
            OpKind::Track {
                action: task.action.clone(),
                count: 1,
            },
        ));
    }
    for o in &before {
        let _ = t.apply(&mut st, o);
    }
    let grant = zailai::sync::server_op(
        &mut st,
        &t,
        zailai::op::SERVER_DEVICE,
        |_| OpKind::Grant {
            points: 5000,
            coupon: None,
            reason: "test".into(),
        },
        day1 + 2000,
    );
    assert!(grant.is_ok(), "{grant:?}");
    let item = v1.catalog[0].id.clone();
    t.apply(
        &mut st,
        &next(day1 + 3000, OpKind::Redeem { item: item.clone() }),
    )
    .unwrap();
    let held = st.clone();
    // Under v2: the same kinds of ops and every view, for some days.
    for d in 0..5 {
        let when = switch + d * 86_400_000 + 3_600_000;
        let _ = t.apply(&mut st, &next(when, OpKind::CheckIn {}));
        let _ = t.apply(
            &mut st,
            &next(
                when + 1,
                OpKind::Track {
                    action: "share".into(),
                    count: 1,
                },
            ),
        );
        let refused = t.apply(
            &mut st,
            &next(when + 2, OpKind::Redeem { item: item.clone() }),
        );
        assert!(refused.is_err(), "a retired item cannot be redeemed");
        let cfg = t.config_at(when);
        let s = zailai::view::summary(&st, cfg, when);
        assert!(s.balance > 0);
        assert!(zailai::view::tasks(&st, cfg, when, "zh-CN").is_empty());
        assert!(zailai::view::campaigns(&st, cfg, when, "zh-CN").is_empty());
        let _ = zailai::view::prompts(&st, cfg, when, "zh-CN");
        let _ = zailai::view::tier_progress(&st, cfg, when, "zh-CN");
        let _ = zailai::view::points_summary(&st, cfg, when);
    }
    assert_ne!(st, held, "ops went on under v2");
}
