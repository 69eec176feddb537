//! The server's acceptance rules for pushes: idempotence by (device, seq), device order,
//! the offline window and clock skew, rule rejections, and request checking with paths.

mod common;

use common::at;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use zailai::sync::{accept, Limits, Push, PROTOCOL};
use zailai::{Config, State};

fn push(device: &str, ops: Value) -> Push {
    Push::from_json(
        &json!({"protocol": 1, "device": device, "base_version": 0, "snapshot_formats": [5], "ops": ops}).to_string(),
    )
    .unwrap()
}

fn op(device: &str, seq: u32, when: i64, body: Value) -> Value {
    json!({"device": device, "seq": seq, "at": when, "op": body})
}

struct Server {
    cfg: Config,
    state: State,
    processed: BTreeMap<String, u32>,
}

impl Server {
    fn new() -> Server {
        let cfg = Config::seed();
        let state = State::join(&cfg, "u1", at(2026, 11, 1, 8, 0));
        Server {
            cfg,
            state,
            processed: BTreeMap::new(),
        }
    }

    fn take(&mut self, p: &Push, now: i64) -> zailai::sync::Outcome {
        let limits = Limits::from_config(&self.cfg);
        accept(
            &mut self.state,
            &mut self.processed,
            &self.cfg,
            p,
            now,
            limits,
        )
    }
}

#[test]
fn an_offline_week_in_one_push() {
    let mut s = Server::new();
    let ops: Vec<Value> = (1..=7)
        .map(|d| {
            op(
                "phone",
                d as u32,
                at(2026, 11, d, 9, 0),
                json!({"type": "check_in"}),
            )
        })
        .collect();
    let out = s.take(&push("phone", Value::Array(ops)), at(2026, 11, 7, 12, 0));
    assert_eq!(out.acked, [1, 2, 3, 4, 5, 6, 7]);
    assert!(out.rejected.is_empty());
    assert!(out.changed);
    assert_eq!(
        zailai::current_streak(&s.state, s.cfg.clock().day_of(at(2026, 11, 7, 12, 0))),
        7
    );
}

#[test]
fn duplicated_and_reordered_pushes_apply_each_op_once() {
    let mut s = Server::new();
    let first = push(
        "phone",
        json!([op(
            "phone",
            1,
            at(2026, 11, 1, 9, 0),
            json!({"type": "check_in"})
        )]),
    );
    let both = push(
        "phone",
        json!([
            op(
                "phone",
                1,
                at(2026, 11, 1, 9, 0),
                json!({"type": "check_in"})
            ),
            op(
                "phone",
                2,
                at(2026, 11, 1, 9, 5),
                json!({"type": "track", "action": "review"})
            ),
        ]),
    );
    let now = at(2026, 11, 1, 10, 0);
    // The longer push arrives first, then the earlier one, then the longer one again.
    assert_eq!(s.take(&both, now).acked, [1, 2]);
    let balance = s.state.balance;
    let again = s.take(&first, now);
    assert_eq!((again.acked, again.changed), (vec![1], false));
    let again = s.take(&both, now);
    assert_eq!((again.acked, again.changed), (vec![1, 2], false));
    assert_eq!(s.state.balance, balance, "nothing applied twice");
}

#[test]
fn rule_refusals_are_processed_and_never_resent() {
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let out = s.take(
        &push(
            "phone",
            json!([
                op(
                    "phone",
                    1,
                    at(2026, 11, 1, 9, 0),
                    json!({"type": "check_in"})
                ),
                op(
                    "phone",
                    2,
                    at(2026, 11, 1, 9, 1),
                    json!({"type": "check_in"})
                ),
                op(
                    "phone",
                    3,
                    at(2026, 11, 1, 9, 2),
                    json!({"type": "redeem", "item": "coupon_5_yuan"})
                ),
                op(
                    "phone",
                    4,
                    at(2026, 11, 1, 9, 3),
                    json!({"type": "track", "action": "share"})
                ),
            ]),
        ),
        now,
    );
    assert_eq!(out.acked, [1, 4]);
    let codes: Vec<(u32, &str)> = out
        .rejected
        .iter()
        .map(|r| (r.seq, r.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [(2, "ALREADY_CHECKED_IN"), (3, "INSUFFICIENT_POINTS")]
    );
    assert_eq!(s.processed["phone"], 4);
}

#[test]
fn offline_window_and_clock_skew() {
    let mut s = Server::new();
    let now = at(2026, 11, 20, 12, 0);
    let out = s.take(
        &push(
            "phone",
            json!([
                op(
                    "phone",
                    1,
                    now - 8 * 86_400_000,
                    json!({"type": "track", "action": "review"})
                ),
                op(
                    "phone",
                    2,
                    now - 6 * 86_400_000,
                    json!({"type": "track", "action": "review"})
                ),
                op(
                    "phone",
                    3,
                    now + 4 * 60_000,
                    json!({"type": "track", "action": "share"})
                ),
                op("phone", 4, now + 6 * 60_000, json!({"type": "check_in"})),
            ]),
        ),
        now,
    );
    assert_eq!(out.acked, [2, 3]);
    let codes: Vec<&str> = out.rejected.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["TOO_OLD", "CLOCK_AHEAD"]);
}

#[test]
fn devices_cannot_grant_points() {
    let mut s = Server::new();
    let out = s.take(
        &push(
            "phone",
            json!([op(
                "phone",
                1,
                at(2026, 11, 1, 9, 0),
                json!({"type": "grant", "points": 5000, "reason": "me"})
            )]),
        ),
        at(2026, 11, 1, 10, 0),
    );
    assert_eq!(out.rejected[0].code, "NOT_ALLOWED");
    assert_eq!(s.state.balance, 0);
}

#[test]
fn two_devices_of_one_user() {
    let mut s = Server::new();
    let now = at(2026, 11, 2, 12, 0);
    s.take(
        &push(
            "phone",
            json!([op(
                "phone",
                1,
                at(2026, 11, 1, 9, 0),
                json!({"type": "check_in"})
            )]),
        ),
        now,
    );
    let tablet = s.take(
        &push(
            "tablet",
            json!([
                op(
                    "tablet",
                    1,
                    at(2026, 11, 1, 20, 0),
                    json!({"type": "check_in"})
                ),
                op(
                    "tablet",
                    2,
                    at(2026, 11, 2, 9, 0),
                    json!({"type": "check_in"})
                ),
            ]),
        ),
        now,
    );
    assert_eq!(tablet.acked, [2]);
    assert_eq!(tablet.rejected[0].code, "ALREADY_CHECKED_IN");
    assert_eq!(
        s.processed,
        BTreeMap::from([("phone".to_owned(), 1), ("tablet".to_owned(), 2)])
    );
}

#[test]
fn requests_are_checked_with_paths() {
    const T: i64 = 1_793_498_400_000;
    let bad = |v: Value| Push::from_json(&v.to_string()).unwrap_err();
    let e = bad(
        json!({"protocol": 2, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": []}),
    );
    assert_eq!(
        (e.code, e.path.as_str()),
        ("VERSION_NOT_SUPPORTED", "protocol")
    );
    let e = bad(
        json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": [op("d", 1, T + 5, json!({"type": "fly"}))]}),
    );
    assert_eq!((e.code, e.path.as_str()), ("BAD_REQUEST", "ops[0].op.type"));
    let e = bad(
        json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": [op("x", 1, T + 5, json!({"type": "check_in"}))]}),
    );
    assert_eq!(e.path, "ops[0].device");
    let e = bad(
        json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": [op("d", 2, T + 5, json!({"type": "check_in"})), op("d", 2, T + 6, json!({"type": "check_in"}))]}),
    );
    assert_eq!(e.path, "ops[1].seq");
    let e = bad(
        json!({"protocol": 1, "device": "d", "base_version": "zero", "snapshot_formats": [5], "ops": []}),
    );
    assert_eq!(e.path, "base_version");
    let e = bad(
        json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": [], "extra": 1}),
    );
    assert_eq!(e.path, "extra");
    let e = Push::from_json("{").unwrap_err();
    assert_eq!(e.code, "BAD_REQUEST");
    let many: Vec<Value> = (1..=501)
        .map(|i| op("d", i, T + 5, json!({"type": "check_in"})))
        .collect();
    assert_eq!(
        bad(json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [5], "ops": many})).path,
        "ops"
    );
    assert_eq!(PROTOCOL, 1);
}

/// A push names the snapshot formats its client reads; a server that writes none of them
/// refuses it as a version problem, so a client knows to update rather than retry.
#[test]
fn a_push_declares_the_snapshot_formats_it_reads() {
    let push = |formats: Value| {
        let mut v = json!({"protocol": 1, "device": "d", "base_version": 0, "ops": []});
        if !formats.is_null() {
            v["snapshot_formats"] = formats;
        }
        Push::from_json(&v.to_string())
    };
    for unreadable in [
        Value::Null,
        json!([]),
        json!([1]),
        json!([2]),
        json!([3]),
        json!([4]),
        json!([6, 7]),
        json!("5"),
    ] {
        let e = push(unreadable.clone()).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            ("VERSION_NOT_SUPPORTED", "snapshot_formats"),
            "{unreadable}"
        );
    }
    assert_eq!(push(json!([5, 4])).unwrap().snapshot_formats, [5, 4]);
    let e = push(json!([5, 300])).unwrap_err();
    assert_eq!(
        (e.code, e.path.as_str()),
        ("BAD_REQUEST", "snapshot_formats[1]")
    );
}

#[test]
fn acceptance_is_deterministic() {
    let body = push(
        "phone",
        json!([
            op(
                "phone",
                1,
                at(2026, 11, 1, 9, 0),
                json!({"type": "check_in"})
            ),
            op(
                "phone",
                2,
                at(2026, 11, 1, 9, 1),
                json!({"type": "make_up", "date": "2026-10-31"})
            ),
            op(
                "phone",
                3,
                at(2026, 11, 1, 9, 2),
                json!({"type": "track", "action": "core_action", "count": 3})
            ),
        ]),
    );
    let run = || {
        let mut s = Server::new();
        let out = s.take(&body, at(2026, 11, 1, 10, 0));
        (serde_json::to_string(&out).unwrap(), s.state.to_json())
    };
    assert_eq!(run(), run());
}

/// A push of one op from `device` at `when`.
fn one(device: &str, seq: u32, when: i64, body: Value) -> Push {
    push(device, json!([op(device, seq, when, body)]))
}

/// Ever-new device ids whose ops are all refused (issue 25: 29,000 of them made a 1.9 MB
/// snapshot): only the first `MAX_REFUSING_DEVICES` are remembered, so `processed` stays
/// bounded; a forgotten refusal resent is refused again, not acknowledged.
#[test]
fn refusals_of_devices_the_member_does_not_hold_are_remembered_boundedly() {
    use zailai::sync::MAX_REFUSING_DEVICES;
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let grant = || json!({"type": "grant", "points": 1000, "reason": "x"});
    for i in 0..MAX_REFUSING_DEVICES + 40 {
        let out = s.take(&one(&format!("x{i:03}"), 1, now, grant()), now);
        assert_eq!(out.rejected[0].code, "NOT_ALLOWED");
    }
    assert_eq!(s.processed.len(), MAX_REFUSING_DEVICES);
    let kept: Vec<String> = (0..MAX_REFUSING_DEVICES)
        .map(|i| format!("x{i:03}"))
        .collect();
    assert_eq!(s.processed.keys().cloned().collect::<Vec<_>>(), kept);
    let remembered = s.take(&one("x000", 1, now, grant()), now);
    assert_eq!((remembered.acked, remembered.rejected.len()), (vec![1], 0));
    // A device already remembered goes on being remembered exactly, bound reached or not.
    let next = s.take(&one("x000", 2, now, grant()), now);
    assert_eq!(next.rejected[0].code, "NOT_ALLOWED");
    assert_eq!(s.processed["x000"], 2);
    let last = format!("x{:03}", MAX_REFUSING_DEVICES + 39);
    let forgotten = s.take(&one(&last, 1, now, grant()), now);
    assert!(
        forgotten.acked.is_empty(),
        "not remembered, so not acknowledged"
    );
    assert_eq!(forgotten.rejected[0].code, "NOT_ALLOWED", "refused again");
    assert_eq!(s.state.balance, 0);
    assert_eq!(s.processed.len(), MAX_REFUSING_DEVICES);
}

/// A device the member holds keeps exact processed seqs whatever other ids did: its refused
/// ops are remembered and acknowledged when resent, never applied.
#[test]
fn a_held_device_keeps_exact_seqs_past_the_bound() {
    use zailai::sync::MAX_REFUSING_DEVICES;
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let check_in = || json!({"type": "check_in"});
    assert_eq!(s.take(&one("phone", 1, now, check_in()), now).acked, [1]);
    for i in 0..MAX_REFUSING_DEVICES + 5 {
        s.take(&one(&format!("x{i}"), 1, now, check_in()), now);
    }
    let refused = s.take(&one("phone", 2, now, check_in()), now);
    assert_eq!(refused.rejected[0].code, "ALREADY_CHECKED_IN");
    assert_eq!(s.processed["phone"], 2, "remembered exactly");
    let tomorrow = at(2026, 11, 2, 10, 0);
    let resent = s.take(&one("phone", 2, now, check_in()), tomorrow);
    assert_eq!((resent.acked, resent.changed), (vec![2], false));
    // A new device that gets an op applied is held from then on.
    let last = format!("x{}", MAX_REFUSING_DEVICES + 4);
    let applied = s.take(&one(&last, 2, tomorrow, check_in()), tomorrow);
    assert_eq!(applied.acked, [2]);
    assert_eq!(s.processed[&last], 2);
    let refused = s.take(&one(&last, 3, tomorrow, check_in()), tomorrow);
    assert_eq!(refused.rejected[0].code, "ALREADY_CHECKED_IN");
    assert_eq!(s.processed[&last], 3);
    // Held from its first applied op on, within the same push too.
    let both = push(
        "tablet",
        json!([
            op(
                "tablet",
                1,
                tomorrow,
                json!({"type": "track", "action": "share"})
            ),
            op("tablet", 2, tomorrow, check_in()),
        ]),
    );
    let out = s.take(&both, tomorrow);
    assert_eq!((out.acked, out.rejected[0].seq), (vec![1], 2));
    assert_eq!(
        s.processed["tablet"], 2,
        "the refusal after it is remembered"
    );
}

/// An op refused `CLOCK_AHEAD` from a device not remembered, resent once its time has come,
/// is applied once, as a fresh op dated so would be, and then acknowledged, never applied
/// twice.
#[test]
fn a_forgotten_refusal_resent_later_applies_at_most_once() {
    use zailai::sync::MAX_REFUSING_DEVICES;
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    // x00 checks in (held); the other 16 are refused and remembered: the bound is reached.
    for i in 0..=MAX_REFUSING_DEVICES {
        s.take(
            &one(&format!("x{i:02}"), 1, now, json!({"type": "check_in"})),
            now,
        );
        s.take(
            &one(&format!("x{i:02}"), 2, now, json!({"type": "check_in"})),
            now,
        );
    }
    let ahead = at(2026, 11, 1, 11, 0);
    let share = || json!({"type": "track", "action": "share"});
    let out = s.take(&one("late", 1, ahead, share()), now);
    assert_eq!(out.rejected[0].code, "CLOCK_AHEAD");
    assert!(!s.processed.contains_key("late"));
    let balance = s.state.balance;
    let out = s.take(&one("late", 1, ahead, share()), ahead);
    assert_eq!(out.acked, [1]);
    let gained = s.state.balance - balance;
    assert!(gained > 0, "the share counts once its time has come");
    let again = s.take(&one("late", 1, ahead, share()), ahead);
    assert_eq!((again.acked, again.changed), (vec![1], false));
    assert_eq!(s.state.balance - balance, gained, "not twice");
}

/// A record from before the bound (thousands of remembered refusals) shrinks to it at its
/// next push, keeping every device the member holds.
#[test]
fn a_record_from_before_the_bound_shrinks_at_its_next_push() {
    use zailai::sync::MAX_REFUSING_DEVICES;
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    assert_eq!(
        s.take(&one("phone", 1, now, json!({"type": "check_in"})), now)
            .acked,
        [1]
    );
    for i in 0..2000 {
        s.processed.insert(format!("old{i:04}"), 1);
    }
    let out = s.take(
        &one("phone", 2, now, json!({"type": "track", "action": "share"})),
        now,
    );
    assert_eq!(out.acked, [2]);
    assert_eq!(s.processed.len(), MAX_REFUSING_DEVICES + 1);
    assert_eq!(s.processed["phone"], 2);
    assert!(s.processed.contains_key("old0000"));
    assert!(!s
        .processed
        .contains_key(&format!("old{MAX_REFUSING_DEVICES:04}")));
}

/// Device ids are letters, digits and `-_.:`: NUL, a right-to-left override or an emoji
/// would read differently in the public lottery record and the logs.
#[test]
fn device_ids_with_invisible_or_misleading_characters_are_refused() {
    let body = |device: &str| {
        json!({"protocol": 1, "device": device, "base_version": 0, "snapshot_formats": [zailai::snapshot::FORMAT], "ops": []})
            .to_string()
    };
    for bad in [
        "a\u{0}b",
        "a\u{202e}b",
        "📱",
        "a b",
        "",
        "~",
        &"x".repeat(65),
    ] {
        let e = Push::from_json(&body(bad)).unwrap_err();
        assert_eq!(e.path, "device", "{bad:?}");
    }
    for good in ["phone", "d0", "dm3x9k2-aa_b.c:1", &"x".repeat(64)] {
        assert!(Push::from_json(&body(good)).is_ok(), "{good:?}");
    }
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let op = zailai::Op {
        device: "ph\u{202e}one".into(),
        seq: 1,
        at: now,
        op: zailai::OpKind::CheckIn {},
    };
    let e = s.state.apply(&s.cfg, &op).unwrap_err();
    assert_eq!(e.code.as_str(), "OP_INVALID");
    assert!(e.detail.contains("A–Z"), "{}", e.detail);
}

/// The window's edges belong to it: an op dated exactly the offline window back, or exactly
/// the allowed skew ahead, is applied; a millisecond further is refused.
#[test]
fn the_offline_window_and_the_skew_include_their_edges() {
    let mut s = Server::new();
    let now = at(2026, 11, 20, 12, 0);
    let window = Limits::from_config(&s.cfg).offline_window_ms;
    let ahead = Limits::from_config(&s.cfg).max_clock_ahead_ms;
    let review = || json!({"type": "track", "action": "review"});
    let out = s.take(
        &push(
            "phone",
            json!([
                op("phone", 1, now - window - 1, review()),
                op("phone", 2, now - window, review()),
                op("phone", 3, now + ahead, review()),
                op("phone", 4, now + ahead + 1, review()),
            ]),
        ),
        now,
    );
    assert_eq!(out.acked, [2, 3]);
    let codes: Vec<(u32, &str)> = out
        .rejected
        .iter()
        .map(|r| (r.seq, r.code.as_str()))
        .collect();
    assert_eq!(codes, [(1, "TOO_OLD"), (4, "CLOCK_AHEAD")]);
    assert_eq!(s.state.balance, 40);
}

/// A refusal is remembered by how far its seq jumps from the device's last, not by how
/// large the seq is: a device deep into its seqs keeps exact processed seqs.
#[test]
fn a_refusal_far_into_a_devices_seqs_is_remembered() {
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let first = 600_000;
    let out = s.take(&one("phone", first, now, json!({"type": "check_in"})), now);
    assert_eq!(out.acked, [first]);
    let again = s.take(
        &one("phone", first + 1, now + 1, json!({"type": "check_in"})),
        now,
    );
    assert_eq!(again.rejected[0].code, "ALREADY_CHECKED_IN");
    assert_eq!(s.processed["phone"], first + 1);
    let resent = s.take(
        &one("phone", first + 1, now + 1, json!({"type": "check_in"})),
        now,
    );
    assert_eq!((resent.acked, resent.rejected.len()), (vec![first + 1], 0));
}

/// Ops the server writes for a member number on from the device's last seq, one each.
#[test]
fn server_ops_take_the_next_seq_of_their_device() {
    use zailai::op::{OpKind, SERVER_DEVICE};
    let mut s = Server::new();
    let now = at(2026, 11, 1, 10, 0);
    let grant = |_| OpKind::Grant {
        points: 5,
        coupon: None,
        reason: "x".into(),
    };
    let seqs: Vec<u32> = (0..3)
        .map(|i| {
            zailai::sync::server_op(&mut s.state, &s.cfg, SERVER_DEVICE, grant, now + i)
                .unwrap()
                .0
                .seq
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(s.state.devices.get(SERVER_DEVICE).copied(), Some(3));
    assert_eq!(s.state.balance, 15);
}

/// `rules_hash` is optional and read strictly: 64 lowercase hex digits, else `BAD_REQUEST` at
/// its path.
#[test]
fn a_pushs_rules_hash_is_read_strictly() {
    let body = |hash: Value| {
        json!({"protocol": 1, "device": "d", "base_version": 0, "snapshot_formats": [zailai::snapshot::FORMAT], "ops": [], "rules_hash": hash}).to_string()
    };
    let good = "ab".repeat(32);
    assert_eq!(
        Push::from_json(&body(json!(good))).unwrap().rules_hash,
        Some(good.clone())
    );
    assert_eq!(push("d", json!([])).rules_hash, None);
    for bad in [
        json!("AB".repeat(32)),
        json!("ab".repeat(31)),
        json!(format!("{}g", "a".repeat(63))),
        json!(format!("{}a", good)),
        json!(7),
    ] {
        let e = Push::from_json(&body(bad.clone())).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            ("BAD_REQUEST", "rules_hash"),
            "{bad}"
        );
    }
}

/// `RULES_DIFFER` only when the push names rules that are neither the server's current nor
/// its next version: a client ahead of a switch holds the next one legitimately.
#[test]
fn rules_differ_is_warned_only_for_rules_the_server_neither_runs_nor_schedules() {
    use zailai::sync::rules_warning;
    let (current, next, other) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
    let with = |hash: Option<&str>| {
        let mut p = push("d", json!([]));
        p.rules_hash = hash.map(str::to_owned);
        p
    };
    assert_eq!(rules_warning(&with(None), &current, Some(&next)), None);
    assert_eq!(
        rules_warning(&with(Some(&current)), &current, Some(&next)),
        None
    );
    assert_eq!(
        rules_warning(&with(Some(&next)), &current, Some(&next)),
        None
    );
    assert_eq!(rules_warning(&with(Some(&current)), &current, None), None);
    let warned = rules_warning(&with(Some(&other)), &current, Some(&next)).unwrap();
    assert_eq!(
        (warned.code, warned.client.as_str(), warned.server.as_str()),
        ("RULES_DIFFER", other.as_str(), current.as_str())
    );
    assert!(rules_warning(&with(Some(&next)), &current, None).is_some());
    let reply = serde_json::to_value(zailai::sync::Reply {
        protocol: 1,
        acked: vec![],
        rejected: vec![],
        server_version: 0,
        snapshot: String::new(),
        server_time: 0,
        warnings: vec![],
    })
    .unwrap();
    assert!(
        reply.get("warnings").is_none(),
        "absent when there is nothing to warn of"
    );
}
