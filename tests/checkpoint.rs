//! The local checkpoint (`src/checkpoint.rs`, `Replica::restore_from`): opening from it gives
//! the replica a full replay gives, and anything that does not match the stored log is ignored.

use zailai::checkpoint;
use zailai::pending::{pending_text, read_pending};
use zailai::replica::{Refused, Replica};
use zailai::snapshot::Payload;
use zailai::vecmap::VecMap;
use zailai::{Config, Date, ErrorCode, Op, OpKind, State};

const T0: i64 = 1_761_958_800_000; // 2026-11-01 09:00 UTC+8
const DAY: i64 = 86_400_000;

fn op(seq: u32, at: i64, kind: OpKind) -> Op {
    Op {
        device: "phone".to_owned(),
        seq,
        at,
        op: kind,
    }
}

/// Ops of a few weeks: check-ins, actions, a redeem, and two the rules refuse at replay (a
/// make-up of a day checked in, a redeem beyond the balance).
fn weeks(from_seq: u32, days: i64) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut seq = from_seq;
    let mut next = |at: i64, kind: OpKind| {
        seq += 1;
        ops.push(op(seq, at, kind));
    };
    for d in 0..days {
        let at = T0 + d * DAY;
        next(at, OpKind::CheckIn {});
        next(
            at + 60_000,
            OpKind::Track {
                action: "share".to_owned(),
                count: 1,
            },
        );
        if d % 9 == 4 {
            next(
                at + 120_000,
                OpKind::MakeUp {
                    date: Date::from_day(zailai::day::days_from_civil(2026, 11, 1) + d as i32),
                },
            );
        }
        if d % 11 == 7 {
            next(
                at + 180_000,
                OpKind::Redeem {
                    item: "coupon_5_yuan".to_owned(),
                },
            );
        }
    }
    ops
}

fn payload(cfg: &Config, ops: &[Op]) -> Payload {
    let mut state = State::join(cfg, "u", T0);
    let mut acked = VecMap::new();
    for op in ops {
        let _ = state.apply(cfg, op);
        acked.insert(op.device.clone(), op.seq);
    }
    Payload {
        user: "u".to_owned(),
        server_version: 3,
        issued_at: T0,
        config_hash: String::new(),
        acked,
        state,
    }
}

/// What a device stored: the checkpoint written after `written` ops, and the whole log since.
struct Stored {
    text: String,
    ops: Vec<Op>,
    checkpoint: Vec<u8>,
    /// The refusals of the replay the checkpoint was written after.
    refused_before: Vec<Refused>,
}

fn stored(cfg: &Config, base: Option<Payload>, ops: &[Op], written: usize) -> Stored {
    let first = ops[..written].to_vec();
    let (r, refused_before) =
        Replica::restore(cfg, "u", "phone", T0, 0, base, first.clone()).unwrap();
    let checkpoint = checkpoint::write(r.state(), &pending_text(&first), first.len());
    let text = pending_text(ops);
    let ops = read_pending(&text).unwrap().ops;
    Stored {
        text,
        ops,
        checkpoint,
        refused_before,
    }
}

#[test]
fn opening_from_a_checkpoint_gives_the_replica_a_full_replay_gives() {
    let cfg = Config::seed();
    let year = weeks(0, 120);
    assert!(year.len() > 250);
    let base_ops = weeks(0, 10);
    let after_base = weeks(base_ops.len() as u32, 40)
        .into_iter()
        .map(|mut o| {
            o.at += 10 * DAY;
            o
        })
        .collect::<Vec<_>>();
    let cases: Vec<(&str, Option<Payload>, Vec<Op>, usize)> = vec![
        ("no base, covers part", None, year.clone(), 200),
        ("no base, covers all", None, year.clone(), year.len()),
        ("no base, covers none", None, year.clone(), 0),
        (
            "a base, covers part",
            Some(payload(&cfg, &base_ops)),
            after_base.clone(),
            30,
        ),
    ];
    for (name, base, ops, written) in cases {
        let s = stored(&cfg, base.clone(), &ops, written);
        let (state, covered) = checkpoint::read(&s.checkpoint, "u", &s.text, s.ops.len())
            .unwrap_or_else(|| panic!("{name}: the checkpoint matches"));
        assert_eq!(covered, written, "{name}");
        let (from, tail_refused) = Replica::restore_from(
            &cfg,
            "u",
            "phone",
            T0,
            0,
            base.clone(),
            s.ops.clone(),
            state,
            covered,
        )
        .unwrap();
        let (full, refused) =
            Replica::restore(&cfg, "u", "phone", T0, 0, base, s.ops.clone()).unwrap();
        assert_eq!(from, full, "{name}: state, pending ops, seq");
        assert_eq!(from.state().to_json(), full.state().to_json(), "{name}");
        assert_eq!(from.seq(), ops.last().unwrap().seq, "{name}");
        // The refusals: the covered part's (kept by the caller) then the tail's.
        let mut both = s.refused_before.clone();
        both.extend(tail_refused);
        assert_eq!(both, refused, "{name}");
        assert!(
            !refused.is_empty() || name.contains("base"),
            "{name}: some refused"
        );
    }
}

#[test]
fn a_checkpoint_that_does_not_match_the_stored_log_is_ignored() {
    let cfg = Config::seed();
    let ops = weeks(0, 30);
    let s = stored(&cfg, None, &ops, 40);
    let n = s.ops.len();
    let read = |cp: &[u8], user: &str, text: &str, ops: usize| {
        checkpoint::read(cp, user, text, ops).map(|(_, covered)| covered)
    };
    assert_eq!(read(&s.checkpoint, "u", &s.text, n), Some(40));
    // The covered lines changed (one character), cut short, or the log is another's.
    let line = s.text.lines().nth(5).unwrap();
    let edited = s.text.replacen(line, &line.replacen('A', "B", 1), 1);
    assert_ne!(edited, s.text);
    assert_eq!(read(&s.checkpoint, "u", &edited, n), None, "an edited line");
    let cut = &s.text[..s.text.len() / 4];
    assert_eq!(read(&s.checkpoint, "u", cut, n), None, "a shorter log");
    let rewritten = pending_text(&ops[1..]);
    assert_eq!(
        read(&s.checkpoint, "u", &rewritten, n - 1),
        None,
        "a rebased log"
    );
    assert_eq!(read(&s.checkpoint, "v", &s.text, n), None, "another member");
    assert_eq!(
        read(&s.checkpoint, "u", &s.text, 39),
        None,
        "fewer ops than covered"
    );
    // Damaged anywhere: every byte flipped in turn, cut, or lengthened.
    for i in 0..s.checkpoint.len() {
        let mut bad = s.checkpoint.clone();
        bad[i] ^= 0x10;
        assert_eq!(read(&bad, "u", &s.text, n), None, "byte {i} flipped");
    }
    for cut in [0, 7, 8, 9, s.checkpoint.len() / 2, s.checkpoint.len() - 1] {
        assert_eq!(
            read(&s.checkpoint[..cut], "u", &s.text, n),
            None,
            "cut at {cut}"
        );
    }
    assert_eq!(
        read(&[&s.checkpoint[..], &[0]].concat(), "u", &s.text, n),
        None
    );
    // A covered length that ends inside a line, with a matching hash (a checkpoint written
    // by hand): refused all the same.
    let half_line = checkpoint::write(&State::join(&cfg, "u", T0), &s.text[..s.text.len() - 3], n);
    assert_eq!(read(&half_line, "u", &s.text, n), None, "inside a line");
}

/// The checkpoint is trusted as it stands: one written for this log with another state is
/// used (it is the member's own data, like the pending log; `docs/security.md`). This is what
/// the hash can and cannot tell.
#[test]
fn a_consistent_checkpoint_of_another_state_is_used_as_written() {
    let cfg = Config::seed();
    let ops = weeks(0, 10);
    let text = pending_text(&ops);
    let other = State::join(&cfg, "u", T0);
    let cp = checkpoint::write(&other, &text, ops.len());
    let (state, covered) = checkpoint::read(&cp, "u", &text, ops.len()).unwrap();
    assert_eq!((state, covered), (other, ops.len()));
    // Opened on another member's base: refused, as `restore` refuses it.
    assert_eq!(
        Replica::restore_from(
            &cfg,
            "u",
            "phone",
            T0,
            0,
            Some(payload(&cfg, &[])).map(|mut p| {
                p.user = "v".to_owned();
                p
            }),
            vec![],
            State::default(),
            0
        )
        .unwrap_err()
        .code,
        ErrorCode::SnapshotOtherUser
    );
}
