//! Invariants over random op sequences: the ledger balances, caps hold, replay is
//! deterministic (and a replay without events ends in the same state), one check-in a day, expiry never takes consumed points, refused ops
//! change nothing, and no input panics.

mod common;

use proptest::prelude::*;
use std::collections::BTreeMap;
use zailai::{Config, Date, Event, Op, OpKind, State};

const START: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const HOUR: i64 = 3_600_000;

fn kind() -> impl Strategy<Value = OpKind> {
    let action = prop::sample::select(vec![
        "open",
        "core_action",
        "share",
        "review",
        "query",
        "invite",
        "browse_guide",
        "profile_complete",
        "bogus",
    ]);
    let id = prop::sample::select(vec![
        "daily_query",
        "growth_use_10",
        "growth_invite",
        "newbie_core",
        "nope",
    ]);
    let item = prop::sample::select(vec!["streak_freeze", "coupon_5_yuan", "nope"]);
    let order = prop::sample::select(vec!["A", "B", "C"]);
    prop_oneof![
        4 => Just(OpKind::CheckIn {}),
        2 => (1i32..12).prop_map(|back| OpKind::MakeUp { date: Date::from_day(back) }), // re-dated below
        6 => (action, 1u32..4).prop_map(|(a, count)| OpKind::Track { action: a.into(), count }),
        1 => (0u32..90).prop_map(|minutes| OpKind::Session { minutes }),
        1 => id.prop_map(|t| OpKind::ClaimTask { task: t.into() }),
        1 => item.prop_map(|i| OpKind::Redeem { item: i.into() }),
        1 => (order.clone(), 0u64..80_000, 0u32..500, prop::option::of(prop::sample::select(vec!["newbie_5_yuan", "streak_7_coupon", "nope"]))).prop_map(|(o, amount_cents, points, coupon)| OpKind::Order { order: o.into(), amount_cents, points, coupon: coupon.map(Into::into) }),
        1 => order.prop_map(|o| OpKind::CancelOrder { order: o.into() }),
        1 => prop::sample::select(vec!["monthly", "yearly", "nope"]).prop_map(|p| OpKind::BuyMembership { plan: p.into() }),
        1 => (prop::sample::select(vec!["monthly", "yearly", "nope"]), prop::option::of(-3i32..40)).prop_map(|(p, from)| OpKind::RevokeMembership { plan: p.into(), from: from.map(Date::from_day) }), // re-dated below
        1 => Just(OpKind::UseService {}),
        1 => (0u32..300).prop_map(|points| OpKind::Grant { points, coupon: None, reason: "ops".into() }),
        1 => (prop::sample::select(vec!["A", "B", "C"]), 0u32..400, 1i64..3 * 24 * HOUR).prop_map(|(o, points, ms)| OpKind::HoldPoints { order: o.into(), points, until: ms }), // `until` made absolute below
        1 => prop::sample::select(vec!["A", "B", "C"]).prop_map(|o| OpKind::ReleaseHold { order: o.into() }),
        1 => (prop::sample::select(vec!["A", "B", "C"]), 0u64..40_000, 0u32..300).prop_map(|(o, amount_cents, points)| OpKind::RefundOrder { order: o.into(), amount_cents, points }),
    ]
}

/// (hours forward, or backward when negative, from the previous op; seq jump; kind)
fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec((-60i64..100, 0u32..3, kind(), 0u8..2), 1..150).prop_map(|steps| {
        let cfg = Config::seed();
        let mut t = START;
        let mut seq = [0u32; 3];
        steps
            .into_iter()
            .map(|(dh, jump, mut op, dev)| {
                t = (t + dh * HOUR).max(START);
                // Money, grants and invites come as the server writes them; the rest from
                // one of two phones.
                let dev = if op.written_by_server(&cfg) { 2 } else { dev };
                let s = &mut seq[usize::from(dev)];
                *s = if jump == 0 { (*s).max(1) } else { *s + jump }; // jump 0 repeats a seq
                if let OpKind::MakeUp { date } = &mut op {
                    *date = Date::from_day(cfg.clock().day_of(t) - date.to_day());
                }
                if let OpKind::HoldPoints { until, .. } = &mut op {
                    *until += t;
                }
                if let OpKind::RevokeMembership {
                    from: Some(from), ..
                } = &mut op
                {
                    *from = Date::from_day(cfg.clock().day_of(t) + from.to_day());
                }
                Op {
                    device: if dev == 2 {
                        "~srv".to_owned()
                    } else {
                        format!("d{dev}")
                    },
                    seq: *s,
                    at: t,
                    op,
                }
            })
            .collect()
    })
}

/// Replays `ops` from a fresh member, checking the per-op invariants as it goes.
fn run(cfg: &Config, ops: &[Op]) -> (State, Vec<Result<Vec<Event>, zailai::RuleError>>) {
    let mut st = State::join(cfg, "p", START);
    let mut results = Vec::new();
    for op in ops {
        let before = st.to_json();
        let r = st.apply(cfg, op);
        if r.is_err() {
            assert_eq!(
                st.to_json(),
                before,
                "a refused op changed the state: {op:?}"
            );
        }
        let live: u64 = st.lots.values().map(|l| l.remaining).sum();
        assert_eq!(st.balance, live, "balance is the sum of live lots");
        let t = &st.totals;
        assert_eq!(
            t.credited + t.restored,
            st.balance + t.spent + t.expired,
            "ledger identity"
        );
        results.push(r);
    }
    (st, results)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ledger_caps_checkins_and_replay(ops in ops()) {
        let cfg = Config::seed();
        let (st, results) = run(&cfg, &ops);
        let events: Vec<&Event> = results.iter().flatten().flatten().collect();

        // Caps hold in every business day and month (operator grants are not capped).
        let mut per_day: BTreeMap<Date, u32> = BTreeMap::new();
        let mut per_month: BTreeMap<(i32, u8), u32> = BTreeMap::new();
        // Per-lot flows, to show expiry never takes consumed points.
        let mut lot_in: BTreeMap<Date, i64> = BTreeMap::new();
        let mut checkins: BTreeMap<Date, u32> = BTreeMap::new();
        for e in &events {
            match e {
                Event::PointsCredited { date, source, granted, .. } => {
                    *lot_in.entry(*date).or_default() += i64::from(*granted);
                    if !source.starts_with("grant:") {
                        *per_day.entry(*date).or_default() += granted;
                        *per_month.entry((date.year, date.month)).or_default() += granted;
                    }
                }
                Event::PointsDebited { lots, .. } => {
                    for l in lots { *lot_in.entry(l.lot).or_default() -= i64::from(l.amount); }
                }
                Event::PointsRestored { lots, .. } => {
                    for l in lots { *lot_in.entry(l.lot).or_default() += i64::from(l.amount); }
                }
                Event::PointsExpired { lot, amount } => {
                    let left = lot_in.entry(*lot).or_default();
                    prop_assert!(i64::from(*amount) <= *left, "expired {amount} of lot {lot} holding {left}");
                    *left -= i64::from(*amount);
                }
                Event::CheckedIn { date, .. } => *checkins.entry(*date).or_default() += 1,
                _ => {}
            }
        }
        prop_assert!(lot_in.values().all(|v| *v >= 0), "a lot went negative");
        prop_assert!(per_day.values().all(|v| *v <= cfg.points.daily_cap), "daily cap: {per_day:?}");
        prop_assert!(per_month.values().all(|v| *v <= cfg.points.monthly_cap), "monthly cap");
        prop_assert!(checkins.values().all(|n| *n == 1), "one check-in per business day");

        // Replay is deterministic, byte for byte, and the state survives a JSON round trip.
        let (again, results2) = run(&cfg, &ops);
        prop_assert_eq!(st.to_json(), again.to_json());
        prop_assert_eq!(&results, &results2);
        // A replay (`State::replay`, as a device's rebuild runs: no events built) leaves the
        // same state and refuses the same ops with the same errors.
        let mut quiet = State::join(&cfg, "p", START);
        for (op, applied) in ops.iter().zip(&results) {
            let replayed = quiet.replay(&cfg, op);
            prop_assert_eq!(replayed.err(), applied.clone().err());
        }
        prop_assert_eq!(quiet.to_json(), st.to_json());
        prop_assert_eq!(State::from_json(&st.to_json()).unwrap(), st.clone());
        // Postcard writes the bytes (the server); the crate's codec writes the same (a device's
        // checkpoint) and reads them back.
        let bytes = st.to_binary();
        prop_assert!(bytes.len() <= 256 * 1024, "state of {} bytes", bytes.len());
        prop_assert_eq!(zailai::binary::codec::to_bytes(&st), bytes.clone());
        prop_assert_eq!(State::from_binary(&bytes).unwrap(), st);
        // The pending log as a device stores it gives the same ops back.
        let stored = zailai::pending::pending_text(&ops);
        prop_assert_eq!(zailai::pending::read_pending(&stored).unwrap().ops, ops);
    }

    #[test]
    fn no_input_panics(at in any::<i64>(), seq in any::<u32>(), date in any::<i32>(), amount in any::<u64>(), points in any::<u32>(), count in any::<u32>(), y in any::<i32>(), mo in any::<u8>()) {
        let cfg = Config::seed();
        let mut st = State::join(&cfg, "p", at);
        let kinds = [
            OpKind::CheckIn {},
            OpKind::MakeUp { date: Date::from_day(date.clamp(0, zailai::day::MAX_DAY)) },
            OpKind::Track { action: "open".into(), count },
            OpKind::Session { minutes: count },
            OpKind::Order { order: "o".into(), amount_cents: amount, points, coupon: None },
            OpKind::Grant { points, coupon: None, reason: String::new() },
        ];
        for (i, op) in kinds.into_iter().enumerate() {
            let _ = st.apply(&cfg, &Op { device: "d".into(), seq: seq.saturating_add(i as u32), at: at.saturating_add(i as i64), op });
        }
        let _ = zailai::view::calendar(&st, &cfg, y, mo, at, "en");
        let _ = zailai::view::points_summary(&st, &cfg, at);
        let _ = zailai::view::prompts(&st, &cfg, at, "zh-CN");
        let _ = zailai::view::tier_progress(&st, &cfg, at, "en");
        let _ = zailai::view::tasks(&st, &cfg, at, "en");
    }

    #[test]
    fn config_parse_never_panics(s in ".{0,200}") {
        let _ = Config::parse(&s);
        let _ = Config::parse_tolerant(&s);
        let _ = Op::from_json(&s);
        let _ = State::from_json(&s);
        let _ = State::from_binary(s.as_bytes());
        let _ = Config::from_binary(s.as_bytes());
        let _ = zailai::pending::read_pending(&format!("zailai-ops/2\n{s}"));
    }
}
