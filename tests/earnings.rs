//! What a scripted member can earn with device ops alone, in a day and in 30 days of one month,
//! against an honest daily member (issue 14, deliverable 6). The maxima in docs/security.md
//! (a window across a month boundary, a campaign, a backdated first push) are measured
//! through the server's sync, which decides when a member starts: server/tests/earnings.rs. The
//! script sends every op a device may send, as often as it likes, at the best moments; the
//! honest member opens the app, checks in, searches once and reads the guide each day.

mod common;

use common::at;
use zailai::{Config, OpKind, State};

const DAY: i64 = 86_400_000;

struct Member {
    cfg: Config,
    st: State,
    seq: u32,
}

impl Member {
    fn new(t: i64) -> Member {
        let cfg = Config::seed();
        let st = State::join(&cfg, "m", t);
        Member { cfg, st, seq: 0 }
    }

    fn go(&mut self, t: i64, op: OpKind) {
        self.seq += 1;
        let op = zailai::Op {
            device: "phone".into(),
            seq: self.seq,
            at: t,
            op,
        };
        let _ = self.st.apply(&self.cfg, &op);
    }

    fn points(&self) -> u64 {
        self.st.totals.credited
    }

    fn tier(&self) -> String {
        let summary = zailai::view::summary(&self.st, &self.cfg, self.st.clock);
        summary.tier
    }
}

fn track(action: &str, count: u32) -> OpKind {
    OpKind::Track {
        action: action.into(),
        count,
    }
}

fn honest_day(m: &mut Member, t: i64) {
    m.go(t, track("open", 1));
    m.go(t + 60_000, OpKind::CheckIn {});
    m.go(t + 120_000, track("query", 1));
    m.go(t + 180_000, track("browse_guide", 1));
    m.go(t + 240_000, OpKind::Session { minutes: 5 });
}

fn scripted_day(m: &mut Member, t: i64) {
    m.go(t, track("open", 1000));
    m.go(t + 1, OpKind::CheckIn {});
    for a in [
        "share",
        "core_action",
        "review",
        "query",
        "browse_guide",
        "profile_complete",
        "invite",
    ] {
        m.go(t + 2, track(a, 1000));
    }
    m.go(t + 3, OpKind::Session { minutes: 1440 });
    let tasks: Vec<String> = m.cfg.tasks.iter().map(|t| t.id.clone()).collect();
    for task in tasks {
        m.go(t + 4, OpKind::ClaimTask { task });
    }
    // Orders and memberships from a device: refused (they were the way to gold before).
    m.go(
        t + 5,
        OpKind::Order {
            order: format!("o{t}"),
            amount_cents: 10_000_000_000,
            points: 0,
            coupon: None,
        },
    );
    m.go(
        t + 6,
        OpKind::BuyMembership {
            plan: "yearly".into(),
        },
    );
    m.go(t + 7, OpKind::UseService {});
}

#[test]
fn a_script_earns_what_the_caps_allow_and_no_tier_an_honest_member_would_not_reach() {
    let start = at(2026, 11, 1, 9, 0);
    let (mut honest, mut script) = (Member::new(start), Member::new(start));
    let mut rows = Vec::new();
    for d in 0..30 {
        let t = start + d * DAY;
        honest_day(&mut honest, t);
        scripted_day(&mut script, t);
        if d == 0 || d == 29 {
            rows.push((
                d + 1,
                honest.points(),
                honest.tier(),
                script.points(),
                script.tier(),
            ));
        }
    }
    eprintln!("day | honest points | honest tier | script points | script tier");
    for r in &rows {
        eprintln!("{} | {} | {} | {} | {}", r.0, r.1, r.2, r.3, r.4);
    }
    let (day1, day30) = (&rows[0], &rows[1]);
    // The daily and monthly caps bound the script's points.
    assert!(day1.3 <= 100, "day 1: {}", day1.3);
    assert!(day30.3 <= 2000, "30 days: {}", day30.3);
    // Day one: no tier bought (before issue 14: gold at once, diamond with an invite).
    assert_eq!(day1.4, "regular");
    // After 30 days the script holds no higher tier than a member who uses the app daily.
    let rank = |id: &str| {
        ["regular", "silver", "gold", "diamond"]
            .iter()
            .position(|t| *t == id)
    };
    assert!(rank(&day30.4) <= rank(&day30.2), "{day30:?}");
    assert!(script.st.paid.is_none() && script.st.orders.is_empty());
}
