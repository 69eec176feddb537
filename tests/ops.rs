mod common;

use common::{at, Member};
use serde_json::json;
use zailai::op::OpLog;
use zailai::{Config, ErrorCode, Op, OpKind, State};

#[test]
fn duplicate_and_older_seqs_are_refused() {
    let cfg = Config::seed();
    let mut st = State::join(&cfg, "u", at(2026, 11, 1, 9, 0));
    let op = |seq, device: &str| Op {
        device: device.into(),
        seq,
        at: at(2026, 11, 1, 9, 0),
        op: OpKind::Track {
            action: "review".into(),
            count: 1,
        },
    };
    st.apply(&cfg, &op(5, "a")).unwrap();
    let before = st.to_json();
    for seq in [5, 4] {
        assert_eq!(
            st.apply(&cfg, &op(seq, "a")).unwrap_err().code,
            ErrorCode::DuplicateOp
        );
    }
    assert_eq!(st.to_json(), before);
    st.apply(&cfg, &op(1, "b")).unwrap();
    st.apply(&cfg, &op(6, "a")).unwrap();
}

#[test]
fn ops_before_joining_or_beyond_the_offline_window_are_refused() {
    let mut m = Member::seed(at(2026, 11, 10, 9, 0));
    assert_eq!(
        m.check_in(at(2026, 11, 9, 9, 0)).unwrap_err().code,
        ErrorCode::OpBeforeJoin
    );
    m.check_in(at(2026, 11, 20, 9, 0)).unwrap();
    // 7 days back is inside the window; 8 is not.
    m.check_in(at(2026, 11, 13, 9, 0)).unwrap();
    assert_eq!(
        m.check_in(at(2026, 11, 12, 9, 0)).unwrap_err().code,
        ErrorCode::OpTooOld
    );
}

#[test]
fn a_late_offline_op_fills_its_own_day() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.check_in(at(2026, 11, 3, 9, 0)).unwrap();
    // A second device's check-in from the 2nd arrives late: the streak joins up.
    m.check_in(at(2026, 11, 2, 9, 0)).unwrap();
    assert_eq!(
        zailai::current_streak(
            &m.state,
            zailai::Config::seed()
                .clock()
                .day_of(at(2026, 11, 3, 12, 0))
        ),
        3
    );
}

#[test]
fn op_json_is_strict_and_says_what_is_wrong() {
    let ok =
        r#"{"device":"d","seq":1,"at":1764000000000,"op":{"type":"make_up","date":"2026-11-20"}}"#;
    assert!(Op::from_json(ok).is_ok());
    for (bad, needle) in [
        (
            r#"{"device":"d","seq":1,"at":1,"op":{"type":"check_in","x":1}}"#,
            "unknown field",
        ),
        (
            r#"{"device":"d","seq":0,"at":1,"op":{"type":"check_in"}}"#,
            "seq",
        ),
        (
            r#"{"device":"","seq":1,"at":1,"op":{"type":"check_in"}}"#,
            "device",
        ),
        (
            r#"{"device":"d","seq":1,"at":1,"op":{"type":"make_up","date":"2026-02-30"}}"#,
            "not a date",
        ),
        (
            r#"{"device":"d","seq":1,"at":1,"op":{"type":"fly"}}"#,
            "unknown variant",
        ),
        (
            r#"{"device":"d","seq":-1,"at":1,"op":{"type":"check_in"}}"#,
            "invalid value",
        ),
        ("not json", "expected"),
    ] {
        let err = Op::from_json(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::OpInvalid);
        assert!(err.detail.contains(needle), "{bad}: {}", err.detail);
    }
}

#[test]
fn bad_amounts_are_refused() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    let t = at(2026, 11, 1, 9, 0);
    for op in [
        json!({"type": "track", "action": "open", "count": 0}),
        json!({"type": "track", "action": "open", "count": 1001}),
        json!({"type": "session", "minutes": 0}),
        json!({"type": "session", "minutes": 1441}),
        json!({"type": "order", "order": "A", "amount_cents": 0}),
        json!({"type": "grant", "points": 0, "reason": "x"}),
    ] {
        assert_eq!(
            m.op(t, op.clone()).unwrap_err().code,
            ErrorCode::BadAmount,
            "{op}"
        );
    }
}

#[test]
fn state_round_trips_and_refuses_other_versions_and_corruption() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.track(at(2026, 11, 1, 9, 1), "share");
    let json = m.state.to_json();
    let back = State::from_json(&json).unwrap();
    assert_eq!(back, m.state);
    assert_eq!(back.to_json(), json);

    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["v"] = json!(5);
    assert_eq!(
        State::from_json(&v.to_string()).unwrap_err().code,
        ErrorCode::StateVersionUnsupported
    );
    // v3 (before the coupon an order used) and v2 (before the pity count) read as v4.
    for old in [3, 2] {
        v["v"] = json!(old);
        assert_eq!(State::from_json(&v.to_string()).unwrap(), m.state, "v{old}");
    }
    // A v1 state (before holds and refunds) is read as v4 with those fields empty.
    v["v"] = json!(1);
    v.as_object_mut().unwrap().remove("holds");
    let upgraded = State::from_json(&v.to_string()).unwrap();
    assert_eq!(upgraded, m.state, "v1 reads as the same state, now v4");
    v["balance"] = json!(1_000_000);
    assert_eq!(
        State::from_json(&v.to_string()).unwrap_err().code,
        ErrorCode::StateInvalid
    );
    assert_eq!(
        State::from_json(&json[..json.len() / 2]).unwrap_err().code,
        ErrorCode::StateInvalid
    );
}

#[test]
fn binary_state_round_trips_and_refuses_other_versions_and_corruption() {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.track(at(2026, 11, 1, 9, 1), "share");
    let bytes = m.state.to_binary();
    assert_eq!(bytes[0], 4, "starts with the state version");
    assert_eq!(State::from_binary(&bytes).unwrap(), m.state);
    let code = |b: &[u8]| State::from_binary(b).unwrap_err().code;
    let mut newer = bytes.clone();
    newer[0] = 5;
    assert_eq!(code(&newer), ErrorCode::StateVersionUnsupported);
    let mut older = bytes.clone();
    older[0] = 3;
    assert_eq!(
        code(&older),
        ErrorCode::StateVersionUnsupported,
        "v3's layout differs"
    );
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert_eq!(code(&bytes[..cut]), ErrorCode::StateInvalid, "cut at {cut}");
    }
    assert_eq!(code(&[&bytes[..], &[0]].concat()), ErrorCode::StateInvalid);
    // Decodable but inconsistent: the balance no longer matches the lots.
    let mut richer = m.state.clone();
    richer.balance += 1;
    assert_eq!(code(&richer.to_binary()), ErrorCode::StateInvalid);
    // Maps out of key order: `src/binary/read.rs` (maps_read_only_in_increasing_key_order).
}

#[test]
fn op_log_is_versioned() {
    let op = Op {
        device: "d".into(),
        seq: 3,
        at: 1_793_498_400_000,
        op: OpKind::MakeUp {
            date: zailai::Date::parse("2026-11-20").unwrap(),
        },
    };
    let log = OpLog::new(vec![op]);
    let json = log.to_json();
    assert!(json.starts_with(r#"{"v":1,"ops":[{"device":"d","seq":3,"at":1793498400000,"op":{"type":"make_up","date":"2026-11-20"}}]"#), "{json}");
    assert_eq!(OpLog::from_json(&json).unwrap(), log);
    let newer = json.replacen(r#""v":1"#, r#""v":2"#, 1);
    assert_eq!(
        OpLog::from_json(&newer).unwrap_err().code,
        ErrorCode::OpLogVersionUnsupported
    );
    let bad = json.replacen(r#""seq":3"#, r#""seq":0"#, 1);
    let err = OpLog::from_json(&bad).unwrap_err();
    assert_eq!(err.code, ErrorCode::OpInvalid);
    assert!(err.detail.starts_with("ops[0]."), "{}", err.detail);
}
