//! The replica (`src/replica.rs`): what a device holds and how it rebases, natively. The
//! protocol simulation (`server/tests/simulation.rs`) drives it against the real server too.

use zailai::replica::Replica;
use zailai::snapshot::Payload;
use zailai::sync::MAX_OPS_PER_PUSH;
use zailai::vecmap::VecMap;
use zailai::{Config, Date, ErrorCode, Op, OpKind, State};

const T0: i64 = 1_761_958_800_000; // 2026-11-01 09:00 UTC+8
const DAY: i64 = 86_400_000;

fn track(action: &str) -> OpKind {
    OpKind::Track {
        action: action.to_owned(),
        count: 1,
    }
}

/// What the server would sign after applying `ops` to a member who joined at T0.
fn payload(cfg: &Config, user: &str, ops: &[Op], version: u32) -> Payload {
    let mut state = State::join(cfg, user, T0);
    let mut acked = VecMap::new();
    for op in ops {
        let _ = state.apply(cfg, op);
        acked.insert(op.device.clone(), op.seq);
    }
    Payload {
        user: user.to_owned(),
        server_version: version,
        issued_at: T0,
        config_hash: String::new(),
        acked,
        state,
    }
}

#[test]
fn an_action_is_the_next_op_of_this_device_and_a_refusal_changes_nothing() {
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    r.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    r.act(&cfg, T0 + 60_000, track("share")).unwrap();
    let seqs: Vec<u32> = r.pending().iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert!(r.pending().iter().all(|op| op.device == "phone"));
    let before = r.clone();
    let err = r.act(&cfg, T0 + 120_000, OpKind::CheckIn {}).unwrap_err();
    assert_eq!(err.code, ErrorCode::AlreadyCheckedIn);
    assert_eq!(r, before, "state, pending and seq unchanged");
    assert_eq!(r.state().balance, 5 + 30);
}

#[test]
fn the_push_carries_this_devices_oldest_ops_on_its_base() {
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    for i in 0..(MAX_OPS_PER_PUSH as i64 + 3) {
        r.act(&cfg, T0 + i * 1000, track("core_action")).unwrap();
    }
    let push = r.push();
    assert_eq!((push.device.as_str(), push.base_version), ("phone", 0));
    assert_eq!(push.ops.len(), MAX_OPS_PER_PUSH);
    assert_eq!(push.ops[0].seq, 1);
    assert!(r.more_to_push());
    // The server took the first batch: the rest is the next push.
    let taken = push.ops.clone();
    r.rebase(&cfg, payload(&cfg, "u", &taken, 1)).unwrap();
    assert_eq!(r.pending().len(), 3);
    assert!(!r.more_to_push());
    let next = r.push();
    assert_eq!(
        (next.base_version, next.ops[0].seq),
        (1, MAX_OPS_PER_PUSH as u32 + 1)
    );
}

#[test]
fn a_rebase_drops_what_the_server_processed_and_replays_the_rest_on_its_state() {
    let cfg = Config::seed();
    let mut phone = Replica::new(&cfg, "u", "phone", T0);
    phone.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    phone.act(&cfg, T0 + 60_000, track("share")).unwrap();
    let sent = phone.push().ops;
    // Offline again: the next day's check-in stays pending.
    phone.act(&cfg, T0 + DAY, OpKind::CheckIn {}).unwrap();
    // The server has the two sent ops and another device's review.
    let pad = Op {
        device: "pad".into(),
        seq: 1,
        at: T0 + 120_000,
        op: track("review"),
    };
    let mut server_ops = sent.clone();
    server_ops.push(pad.clone());
    let refused = phone
        .rebase(&cfg, payload(&cfg, "u", &server_ops, 1))
        .unwrap();
    assert!(refused.is_empty());
    assert_eq!(phone.pending().len(), 1, "only the unacknowledged check-in");
    assert_eq!(phone.pending()[0].seq, 3);
    let mut expected = payload(&cfg, "u", &server_ops, 1).state;
    expected.apply(&cfg, &phone.pending()[0]).unwrap();
    assert_eq!(
        phone.state(),
        &expected,
        "the server's state with the pending op on top"
    );
    assert_eq!(phone.state().balance, 5 + 30 + 20 + 5);
    assert_eq!(phone.seq(), 3, "the sequence goes on");
    phone.act(&cfg, T0 + DAY + 60_000, track("open")).unwrap();
    assert_eq!(phone.pending().last().unwrap().seq, 4);
}

#[test]
fn refused_pending_ops_stay_pending_and_another_members_snapshot_is_refused() {
    let cfg = Config::seed();
    let mut phone = Replica::new(&cfg, "u", "phone", T0);
    phone.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    // Another device of the member checked in the same day and synced first: the server's
    // state has a check-in today, so the phone's own is refused when replayed on it.
    let pad = Op {
        device: "pad".into(),
        seq: 1,
        at: T0 - 60_000,
        op: OpKind::CheckIn {},
    };
    let refused = phone.rebase(&cfg, payload(&cfg, "u", &[pad], 1)).unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].error.code, ErrorCode::AlreadyCheckedIn);
    assert_eq!(phone.pending().len(), 1, "the server decides");
    let before = phone.clone();
    let err = phone
        .rebase(&cfg, payload(&cfg, "someone-else", &[], 9))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SnapshotOtherUser);
    assert_eq!(phone, before);
}

#[test]
fn a_restored_replica_is_the_one_that_was_stored() {
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    r.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    let sent = r.push().ops;
    r.rebase(&cfg, payload(&cfg, "u", &sent, 1)).unwrap();
    r.act(&cfg, T0 + DAY, OpKind::CheckIn {}).unwrap();
    let made_up = Date::parse("2026-11-01").unwrap();
    let missed = r.act(&cfg, T0 + 3 * DAY, OpKind::MakeUp { date: made_up });
    assert!(missed.is_err(), "the 1st was checked in");
    let (back, refused) = Replica::restore(
        &cfg,
        "u",
        "phone",
        T0,
        0, // meta lost: the seq comes back from the pending ops
        r.base().cloned(),
        r.pending().to_vec(),
    )
    .unwrap();
    assert!(refused.is_empty());
    assert_eq!(back, r);
    // Without a base, the join state with everything replayed is the same member.
    let mut fresh = Replica::new(&cfg, "v", "phone", T0);
    fresh.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    fresh.act(&cfg, T0 + DAY, OpKind::CheckIn {}).unwrap();
    let (again, _) =
        Replica::restore(&cfg, "v", "phone", T0, 2, None, fresh.pending().to_vec()).unwrap();
    assert_eq!(again.state(), fresh.state());
}

/// The pending log as a device stores it: written by the core, read back op for op; a damaged
/// line is returned aside with its number and the rest kept; another header refuses the text.
#[test]
fn the_stored_pending_log_round_trips_and_damage_is_set_aside() {
    use zailai::pending::{pending_text, read_pending, PENDING_HEADER};
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    r.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    r.act(&cfg, T0 + 60_000, track("share")).unwrap();
    r.act(
        &cfg,
        T0 + 120_000,
        OpKind::MakeUp {
            date: Date::parse("2026-10-30").unwrap(),
        },
    )
    .unwrap_err(); // refused: not recorded
    let text = pending_text(r.pending());
    assert!(text.starts_with("zailai-ops/2\n"), "{text}");
    assert_eq!(text.lines().count(), 3);
    let read = read_pending(&text).unwrap();
    assert_eq!(read.ops, r.pending());
    assert!(read.damaged.is_empty() && !read.migrate);

    let mut lines: Vec<&str> = text.lines().collect();
    let cut = &lines[2][..lines[2].len() - 4]; // cut short by a crash
    let flipped = lines[1].replacen(|c: char| c.is_ascii_alphanumeric(), "*", 1);
    lines.insert(2, cut);
    lines.insert(1, &flipped);
    lines.push(""); // a trailing newline is nothing
    let read = read_pending(&lines.join("\n")).unwrap();
    assert_eq!(read.ops, r.pending(), "the readable ops all kept");
    assert_eq!(
        read.damaged.iter().map(|d| d.line).collect::<Vec<_>>(),
        [1, 3]
    );
    assert!(read
        .damaged
        .iter()
        .all(|d| d.error.code == ErrorCode::OpInvalid));

    let err = read_pending(&text.replacen("zailai-ops/2", "zailai-ops/9", 1)).unwrap_err();
    assert!(err.contains("zailai-ops/9"), "{err}");
    assert_eq!(read_pending(PENDING_HEADER).unwrap().ops, []);
}

/// A log stored by earlier builds (`zailai-ops/1`, one op's JSON a line) is read op for op,
/// damaged lines set aside as before, and marked for a rewrite in the current format.
#[test]
fn a_json_lines_log_of_earlier_builds_migrates_without_losing_an_op() {
    use zailai::pending::{pending_text, read_pending};
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    for i in 0..3 {
        r.act(&cfg, T0 + i * DAY, OpKind::CheckIn {}).unwrap();
    }
    r.act(&cfg, T0 + 3 * DAY, track("share")).unwrap();
    let mut lines = vec!["zailai-ops/1".to_owned()];
    lines.extend(
        r.pending()
            .iter()
            .map(|op| serde_json::to_string(op).unwrap()),
    );
    lines.insert(3, "{\"device\":\"phone\",\"seq\":".to_owned());
    let read = read_pending(&lines.join("\n")).unwrap();
    assert!(read.migrate);
    assert_eq!(read.ops, r.pending());
    assert_eq!(read.damaged.len(), 1);
    assert_eq!(read.damaged[0].line, 3);
    let again = read_pending(&pending_text(&read.ops)).unwrap();
    assert_eq!(again.ops, r.pending());
    assert!(!again.migrate);
}

/// A device restored from its stored text is the device that wrote it: same state, same
/// pending ops, and its next action continues the sequence.
#[test]
fn a_restored_replica_continues_where_the_stored_one_stopped() {
    use zailai::pending::{pending_text, read_pending};
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    for i in 0..5 {
        r.act(&cfg, T0 + i * DAY, OpKind::CheckIn {}).unwrap();
    }
    let ops = read_pending(&pending_text(r.pending())).unwrap().ops;
    let (mut back, refused) = Replica::restore(&cfg, "u", "phone", T0, 0, None, ops).unwrap();
    assert!(refused.is_empty());
    assert_eq!(back.state(), r.state());
    assert_eq!(
        back.seq(),
        5,
        "the seq comes back from the ops even when meta lost it"
    );
    back.act(&cfg, T0 + 5 * DAY, OpKind::CheckIn {}).unwrap();
    assert_eq!(back.pending().last().unwrap().seq, 6);
}

/// A base that no longer verifies is set aside: the pending ops replay on the join state. An
/// unrecorded op (a preview) is gone at the next rebuild.
#[test]
fn dropping_the_base_replays_on_the_join_state_and_previews_do_not_stick() {
    let cfg = Config::seed();
    let other: Vec<Op> = (1..=3)
        .map(|seq| Op {
            device: "tablet".into(),
            seq,
            at: T0 + i64::from(seq) * DAY,
            op: OpKind::CheckIn {},
        })
        .collect();
    let base = payload(&cfg, "u", &other, 4);
    let (mut r, _) = Replica::restore(&cfg, "u", "phone", T0, 0, Some(base), Vec::new()).unwrap();
    r.act(&cfg, T0 + 10 * DAY, track("share")).unwrap();
    let with_base = r.state().balance;
    let refused = r.drop_base(&cfg);
    assert!(refused.is_empty());
    assert_eq!(r.base_version(), 0);
    assert_eq!(r.pending().len(), 1, "the pending op survives");
    assert!(
        r.state().balance < with_base,
        "the base's check-ins are gone"
    );
    let before = r.state().clone();
    let preview = Op {
        device: "preview".into(),
        seq: 1,
        at: T0 + 11 * DAY,
        op: OpKind::CheckIn {},
    };
    r.apply_unrecorded(&cfg, &preview).unwrap();
    assert_ne!(r.state(), &before);
    assert!(r.rebuild(&cfg).is_empty());
    assert_eq!(r.state(), &before);
}

/// What a device stores to restore its replica (member, device, join instant, seq) reads back
/// as it was given, and a replica restored from it acts as the next op of the same device.
#[test]
fn a_replica_names_its_member_device_and_join_and_restores_from_them() {
    let cfg = Config::seed();
    let mut r = Replica::new(&cfg, "u", "phone", T0);
    assert_eq!((r.user(), r.device(), r.joined_at()), ("u", "phone", T0));
    r.act(&cfg, T0, OpKind::CheckIn {}).unwrap();
    let (mut again, refused) = Replica::restore(
        &cfg,
        r.user(),
        r.device(),
        r.joined_at(),
        r.seq(),
        None,
        r.pending().to_vec(),
    )
    .unwrap();
    assert!(refused.is_empty());
    assert_eq!(again, r);
    assert_eq!(
        (again.user(), again.device(), again.joined_at()),
        ("u", "phone", T0)
    );
    again.act(&cfg, T0 + DAY, OpKind::CheckIn {}).unwrap();
    assert_eq!(again.pending()[1].seq, 2);
    assert_eq!(again.pending()[1].device, "phone");
}
