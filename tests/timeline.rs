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
