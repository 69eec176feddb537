//! What a scripted member tried against the engine (issue 14, "engine holes"): card chances
//! counted per (set, business day), dates outside the calendar, seq jumps that would freeze a
//! device, server-only ops from a device, and an unbounded number of devices.

mod common;

use common::*;
use serde_json::json;
use zailai::op::{MAX_AT, MIN_AT};
use zailai::{Config, ErrorCode, Op, OpKind, State, MAX_DEVICES, MAX_SEQ_JUMP};

fn op(device: &str, seq: u32, at: i64, kind: OpKind) -> Op {
    Op {
        device: device.into(),
        seq,
        at,
        op: kind,
    }
}

fn share() -> OpKind {
    OpKind::Track {
        action: "share".into(),
        count: 1,
    }
}

/// Ops alternating between two business days used to restart the daily count at each change
/// of day: 499 ops gave 43 full sets. Now each day has its own count.
#[test]
fn card_chances_are_limited_per_day_even_when_ops_alternate_between_days() {
    let mut m = Member::seed(at(2027, 1, 20, 9, 0));
    let (day1, day2) = (at(2027, 2, 7, 9, 0), at(2027, 2, 8, 9, 0));
    let mut cards = 0;
    for i in 0..200i64 {
        let when = if i % 2 == 0 { day2 } else { day1 } + i * 1000;
        let events = as_json(&m.track(when, "invite"));
        cards += events
            .iter()
            .filter(|e| e["type"] == "card_granted")
            .count();
    }
    // The seed: 3 cards a day, two days.
    assert_eq!(cards, 6);
    let held: u16 = m.state.cards["spring_fu_2027"].held.values().sum();
    assert_eq!(held, 6);
}

#[test]
fn an_op_dated_outside_the_calendar_is_invalid_not_clamped() {
    let cfg = Config::seed();
    let mut st = State::join(&cfg, "u", MIN_AT);
    for at in [i64::MIN, -1, 0, MIN_AT - 1, MAX_AT, 1 << 62, i64::MAX] {
        let err = st.apply(&cfg, &op("phone", 1, at, OpKind::CheckIn {}));
        assert_eq!(err.unwrap_err().code, ErrorCode::OpInvalid, "at {at}");
        let text = format!(r#"{{"device":"phone","seq":1,"at":{at},"op":{{"type":"check_in"}}}}"#);
        assert_eq!(Op::from_json(&text).unwrap_err().code, ErrorCode::OpInvalid);
    }
    assert!(st.devices.is_empty(), "nothing applied");
    // The edges themselves are fine, and the member is not stuck afterwards.
    st.apply(&cfg, &op("phone", 1, MIN_AT, OpKind::CheckIn {}))
        .unwrap();
    st.apply(
        &cfg,
        &op("phone", 2, MIN_AT + 86_400_000, OpKind::CheckIn {}),
    )
    .unwrap();
}

#[test]
fn a_device_cannot_jump_its_seq_out_of_reach() {
    let cfg = Config::seed();
    let t = at(2026, 11, 1, 9, 0);
    let mut st = State::join(&cfg, "u", t);
    let far = st.apply(&cfg, &op("phone", u32::MAX, t, OpKind::CheckIn {}));
    assert_eq!(far.unwrap_err().code, ErrorCode::OpInvalid);
    st.apply(&cfg, &op("phone", MAX_SEQ_JUMP, t, OpKind::CheckIn {}))
        .unwrap();
    let far = st.apply(&cfg, &op("phone", 2 * MAX_SEQ_JUMP + 1, t + 1, share()));
    assert_eq!(far.unwrap_err().code, ErrorCode::OpInvalid);
    st.apply(&cfg, &op("phone", 2 * MAX_SEQ_JUMP, t + 1, share()))
        .unwrap();
}

#[test]
fn only_the_server_writes_grants_and_settlements() {
    let cfg = Config::seed();
    let t = at(2026, 11, 1, 9, 0);
    let mut st = State::join(&cfg, "u", t);
    let grant = OpKind::Grant {
        points: 100,
        coupon: None,
        reason: "free".into(),
    };
    let err = st
        .apply(&cfg, &op("phone", 1, t, grant.clone()))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotAllowed);
    let settle = OpKind::SettleDraw {
        lottery: "spring_draw_2027".into(),
        draw_device: "phone".into(),
        draw_seq: 1,
        prize: Some("points_100".into()),
    };
    let err = st.apply(&cfg, &op("phone", 1, t, settle)).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotAllowed);
    assert_eq!(st.balance, 0);
    st.apply(&cfg, &op("~ops", 1, t, grant)).unwrap();
    assert_eq!(st.balance, 100);
}

/// New devices beyond the limit are refused, and devices are never forgotten: an old op of a
/// device replayed later is a duplicate, not a second reward.
#[test]
fn devices_are_limited_and_never_forgotten() {
    let cfg = Config::seed();
    let t = at(2026, 11, 1, 9, 0);
    let mut st = State::join(&cfg, "u", t);
    for i in 0..MAX_DEVICES {
        st.apply(&cfg, &op(&format!("d{i}"), 1, t + i as i64, share()))
            .unwrap();
    }
    let extra = st.apply(&cfg, &op("one-too-many", 1, t + 100, share()));
    assert_eq!(extra.unwrap_err().code, ErrorCode::DeviceLimit);
    // The server's own devices do not count against it.
    st.apply(
        &cfg,
        &op(
            "~ops",
            1,
            t + 101,
            OpKind::Grant {
                points: 1,
                coupon: None,
                reason: "r".into(),
            },
        ),
    )
    .unwrap();
    // A known device goes on; its first op again is a duplicate, months later too.
    st.apply(&cfg, &op("d0", 2, t + 200, share())).unwrap();
    let later = t + 40 * 86_400_000;
    st.apply(&cfg, &op("d1", 2, later, OpKind::CheckIn {}))
        .unwrap();
    let replayed = st.apply(&cfg, &op("d0", 1, later, share()));
    assert_eq!(replayed.unwrap_err().code, ErrorCode::DuplicateOp);
}

#[test]
fn the_json_reader_refuses_a_device_s_grant_before_any_state_is_touched() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    // The helper sends grants as the server's `~ops`: allowed.
    m.grant(at(2026, 11, 1, 10, 0), 10);
    let text = json!({"device": "phone", "seq": 1, "at": at(2026, 11, 1, 11, 0), "op": {"type": "grant", "points": 5, "reason": "x"}});
    let op = Op::from_json(&text.to_string()).unwrap();
    let before = m.state.clone();
    assert_eq!(
        m.state.apply(&m.cfg, &op).unwrap_err().code,
        ErrorCode::NotAllowed
    );
    assert_eq!(m.state, before);
}

/// At the server, an op refused for its seq or its device is not remembered as processed: a
/// push with seq 2³²−1 does not freeze the device, and a flood of new device ids does not grow
/// the member's record of devices.
#[test]
fn the_server_does_not_remember_refused_seq_jumps_or_devices_past_the_limit() {
    use std::collections::BTreeMap;
    use zailai::sync::{accept, Limits, Push, PROTOCOL};
    let cfg = Config::seed();
    let t = at(2026, 11, 1, 9, 0);
    let mut st = State::join(&cfg, "u", t);
    let mut processed = BTreeMap::new();
    let push = |device: &str, ops: Vec<Op>| Push {
        protocol: PROTOCOL,
        device: device.into(),
        base_version: 0,
        snapshot_formats: vec![5],
        ops,
        invited_by: None,
        rules_hash: None,
    };
    let limits = Limits::from_config(&cfg);
    let out = accept(
        &mut st,
        &mut processed,
        &cfg,
        &push("phone", vec![op("phone", u32::MAX, t, OpKind::CheckIn {})]),
        t,
        limits,
    );
    assert_eq!(out.rejected[0].code, "OP_INVALID");
    assert!(
        !processed.contains_key("phone"),
        "the jump is not remembered"
    );
    let out = accept(
        &mut st,
        &mut processed,
        &cfg,
        &push("phone", vec![op("phone", 1, t, OpKind::CheckIn {})]),
        t,
        limits,
    );
    assert_eq!(out.acked, [1], "the device goes on");

    for i in 0..MAX_DEVICES + 5 {
        let d = format!("d{i}");
        accept(
            &mut st,
            &mut processed,
            &cfg,
            &push(&d, vec![op(&d, 1, t + i as i64, share())]),
            t + 1000,
            limits,
        );
    }
    assert_eq!(
        st.devices.len(),
        MAX_DEVICES,
        "phone and the first 63 others"
    );
    assert_eq!(processed.len(), MAX_DEVICES);
}

/// An invite and the tier step its task carries are the server's word: a device's
/// `track invite` is NOT_ALLOWED; the same op from the server counts and the task completes.
#[test]
fn witnessed_actions_come_only_from_the_server() {
    let cfg = Config::seed();
    assert_eq!(cfg.witnessed_actions, ["invite"]);
    let t = at(2026, 11, 2, 9, 0);
    let mut st = State::join(&cfg, "u1", t);
    let invite = || OpKind::Track {
        action: "invite".into(),
        count: 1,
    };
    let before = st.clone();
    let err = st.apply(&cfg, &op("phone", 1, t, invite())).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotAllowed);
    assert_eq!(st, before);
    st.apply(&cfg, &op("~server", 1, t, invite())).unwrap();
    assert!(st.tasks["growth_invite"].completed);
    // The claim itself is the member's (a device's claim_task), and brings the tier step.
    st.apply(
        &cfg,
        &op(
            "phone",
            1,
            t + 1000,
            OpKind::ClaimTask {
                task: "growth_invite".into(),
            },
        ),
    )
    .unwrap();
    assert_eq!(st.tier, 1);
}

/// A rule file cannot put a tier step on something any device can send.
#[test]
fn a_tier_step_needs_a_server_counted_action() {
    let mut v = seed_json();
    v["witnessed_actions"] = json!([]);
    let err = Config::parse(&v.to_string()).unwrap_err();
    let issue = err
        .issues
        .iter()
        .find(|i| i.path == "tasks[3].reward.tier_steps")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        issue.reason.contains("witnessed_actions"),
        "{}",
        issue.reason
    );
    // Counting orders (server-written) is fine; so is a witnessed action.
    v["tasks"][3]["action"] = json!("order");
    Config::parse(&v.to_string()).unwrap();
    v["witnessed_actions"] = json!(["open"]);
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert!(
        err.issues.iter().any(|i| i.path == "witnessed_actions[0]"),
        "{err}"
    );
}
