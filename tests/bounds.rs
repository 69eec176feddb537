//! No sequence of ops grows a member's state past 256 KB (issue 14): two years of the most a
//! scripted member and a generous merchant can record every day, with the longest ids the
//! ops allow. What leaves the state is archived (`engine::archive`); what stays is bounded by
//! the rules' windows and limits.

mod common;

use common::at;
use std::collections::BTreeMap;
use zailai::{Config, Date, Op, OpKind, State};

const LIMIT: usize = 256 * 1024;
const DAY: i64 = 86_400_000;

struct Script {
    cfg: Config,
    st: State,
    seqs: BTreeMap<String, u32>,
    applied: u64,
}

impl Script {
    /// Applies `kind` as `device`'s next op; refusals are part of trying.
    fn go(&mut self, device: &str, at: i64, kind: OpKind) {
        let seq = self.seqs.entry(device.to_owned()).or_default();
        *seq += 1;
        let op = Op {
            device: device.to_owned(),
            seq: *seq,
            at,
            op: kind,
        };
        if self.st.apply(&self.cfg, &op).is_ok() {
            self.applied += 1;
        }
    }
}

/// An id of exactly `len` bytes (the longest the ops take).
fn long(prefix: &str, n: u64, len: usize) -> String {
    let head = format!("{prefix}{n}-");
    format!("{head}{}", "x".repeat(len - head.len()))
}

#[test]
fn two_years_of_everything_stay_under_256_kb() {
    let cfg = Config::seed();
    let start = at(2026, 1, 5, 9, 0);
    let mut s = Script {
        st: State::join(&cfg, &"u".repeat(64), start),
        cfg,
        seqs: BTreeMap::new(),
        applied: 0,
    };
    let actions = [
        "share",
        "core_action",
        "review",
        "query",
        "browse_guide",
        "profile_complete",
    ];
    let tasks: Vec<String> = s.cfg.tasks.iter().map(|t| t.id.clone()).collect();
    let (mut largest, mut year_one) = (0usize, 0usize);
    let mut n = 0u64;
    for d in 0..730i64 {
        let t = start + d * DAY;
        let phone = "p".repeat(64);
        s.go(&phone, t + 1, OpKind::CheckIn {});
        let yesterday = Date::from_day(s.cfg.clock().day_of(t) - 1);
        s.go(&phone, t + 2, OpKind::MakeUp { date: yesterday });
        for a in actions {
            s.go(&phone, t + 3, track(a, 1000));
        }
        s.go(&phone, t + 4, OpKind::Session { minutes: 1440 });
        for task in &tasks {
            s.go(&phone, t + 5, OpKind::ClaimTask { task: task.clone() });
        }
        for item in [
            "streak_freeze",
            "coupon_5_yuan",
            "coupon_5_yuan",
            "coupon_5_yuan",
        ] {
            s.go(&phone, t + 6, OpKind::Redeem { item: item.into() });
        }
        s.go(&phone, t + 7, OpKind::UseService {});
        for _ in 0..5 {
            s.go(
                &phone,
                t + 8,
                OpKind::Draw {
                    lottery: "spring_draw_2027".into(),
                },
            );
        }
        s.go(
            &phone,
            t + 9,
            OpKind::ExchangeCards {
                set: "spring_fu_2027".into(),
            },
        );
        // Every other device a member may have (and more), each with the longest id.
        for k in 0..70 {
            s.go(&long("device", k, 64), t + 9, track("open", 1));
        }
        // The server: a huge grant, invites, and a merchant recording all it can.
        s.go(
            "~ops",
            t + 10,
            OpKind::Grant {
                points: 1_000_000,
                coupon: None,
                reason: "r".repeat(256),
            },
        );
        for _ in 0..5 {
            s.go("~server", t + 11, track("invite", 1));
        }
        for _ in 0..25 {
            n += 1;
            let id = long("hold", n, 128);
            let kind = OpKind::HoldPoints {
                order: id,
                points: 100,
                until: t + 12 + DAY / 2,
            };
            s.go("~merchant", t + 12, kind);
        }
        for _ in 0..60 {
            n += 1;
            let id = long("order", n, 128);
            let kind = OpKind::Order {
                order: id.clone(),
                amount_cents: 10_000_000_000,
                points: 1_000,
                coupon: None,
            };
            s.go("~merchant", t + 13, kind);
            s.go(
                "~merchant",
                t + 14,
                OpKind::RefundOrder {
                    order: id,
                    amount_cents: 1,
                    points: 1,
                },
            );
        }
        s.go(
            "~merchant",
            t + 15,
            OpKind::BuyMembership {
                plan: "yearly".into(),
            },
        );
        let size = s.st.to_binary().len();
        largest = largest.max(size);
        if d == 364 {
            year_one = largest;
        }
    }
    for (name, len) in [
        ("orders", postcard::to_allocvec(&s.st.orders).unwrap().len()),
        ("debits", postcard::to_allocvec(&s.st.debits).unwrap().len()),
        ("days", postcard::to_allocvec(&s.st.days).unwrap().len()),
        ("lots", postcard::to_allocvec(&s.st.lots).unwrap().len()),
        (
            "checkins",
            postcard::to_allocvec(&s.st.checkins).unwrap().len(),
        ),
        (
            "coupons",
            postcard::to_allocvec(&s.st.coupons).unwrap().len(),
        ),
        ("draws", postcard::to_allocvec(&s.st.draws).unwrap().len()),
        (
            "devices",
            postcard::to_allocvec(&s.st.devices).unwrap().len(),
        ),
        ("holds", postcard::to_allocvec(&s.st.holds).unwrap().len()),
        (
            "campaigns",
            postcard::to_allocvec(&s.st.campaigns).unwrap().len(),
        ),
    ] {
        eprintln!("{name}: {len}");
    }
    assert!(
        s.applied > 100_000,
        "the script did things: {} ops applied",
        s.applied
    );
    assert!(largest <= LIMIT, "the state reached {largest} bytes");
    // Bounded, not merely small so far: the second year adds only its check-ins.
    assert!(
        largest - year_one < 8 * 1024,
        "year one {year_one} B, then {largest} B"
    );
    // What was archived is what no op can change any more.
    // At most MAX_ORDERS stay at each day's first op; the day's own 60 come on top.
    assert!(s.st.orders.len() <= zailai::MAX_ORDERS + 60);
    assert!(s.st.holds.len() <= zailai::MAX_HOLDS);
    eprintln!(
        "largest state {largest} B (year one {year_one} B), {} ops applied",
        s.applied
    );
}

fn track(action: &str, count: u32) -> OpKind {
    OpKind::Track {
        action: action.into(),
        count,
    }
}
