//! What a scripted member earns through the server, which decides when a member's history
//! starts (issue 25, deliverable 2; the figures are the table in docs/security.md). Joining is
//! the server's act, so this runs the server's sync (`sync_service::sync_from_device`) on an
//! SQLite store, with the server's clock as an argument. The script sends, every day, every
//! op a device may send as often as it likes; the honest member opens the app, checks in,
//! searches once and reads the guide each day.
//!
//! - A fresh account whose first push carries a week of backdated days: only the ops dated
//!   from its device's registration count (before: the server joined it at its first op's
//!   time, and day 1 was worth 8 days).
//! - 30 days from registration across a month boundary (two months' caps) and through the
//!   seed's Spring Festival campaign (cards and draws): the script's true maxima on day 1,
//!   after 7 days and after 30, and the days it reaches silver and gold.

use std::sync::Arc;
use zailai::sync::{Outcome, Push, PROTOCOL};
use zailai::{Config, Op, OpKind, State};
use zailai_server::facts::FactRules;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::Store;
use zailai_server::sync_service;

const DAY: i64 = 86_400_000;

/// Epoch ms of a business-day time in the seed's zone (UTC+8).
fn at(y: i32, m: u8, d: u8, h: i64) -> i64 {
    i64::from(zailai::day::days_from_civil(y, m, d)) * DAY + (h - 8) * 3_600_000
}

fn store(name: &str) -> Sqlite {
    let dir = std::env::temp_dir().join(format!("zailai-earnings-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Sqlite::open(&dir.join("zailai.db"), FactRules::of(&Config::seed())).unwrap()
}

/// One member on one device the server registered at `registered_at`.
struct Account {
    store: Sqlite,
    cfg: Arc<Config>,
    user: String,
    device: String,
    registered_at: i64,
    seq: u32,
}

impl Account {
    fn new(name: &str, registered_at: i64) -> Account {
        Account {
            store: store(name),
            cfg: Arc::new(Config::seed()),
            user: name.to_owned(),
            device: "phone".into(),
            registered_at,
            seq: 0,
        }
    }

    fn ops(&mut self, list: Vec<(i64, OpKind)>) -> Vec<Op> {
        list.into_iter()
            .map(|(at, op)| {
                self.seq += 1;
                Op {
                    device: self.device.clone(),
                    seq: self.seq,
                    at,
                    op,
                }
            })
            .collect()
    }

    /// Pushes `ops` at the server's time `now`, through the route's sync (registered) or the
    /// trusted one (`sync_service::sync`, which joins at the first op: the old route's).
    async fn push(&mut self, ops: Vec<Op>, now: i64, registered: bool) -> Outcome {
        let push = Push {
            protocol: PROTOCOL,
            device: self.device.clone(),
            base_version: 0,
            snapshot_formats: vec![zailai::snapshot::FORMAT],
            ops,
            invited_by: None,
            rules_hash: None,
        };
        let (outcome, _) = if registered {
            sync_service::sync_from_device(
                &self.store,
                &self.cfg,
                &self.user,
                push,
                self.registered_at,
                now,
                |_, _| true,
            )
            .await
        } else {
            sync_service::sync(&self.store, &self.cfg, &self.user, push, now).await
        }
        .unwrap();
        outcome
    }

    /// The server settles every pending draw with the richest prize (an upper bound: the
    /// luckiest script), as `~server` ops, the way the route's lottery step does.
    async fn settle_luckiest(&self, now: i64) {
        let cfg = self.cfg.clone();
        let done: Result<(), ()> = self
            .store
            .transact(
                &self.user,
                || unreachable!("the member exists"),
                move |record| {
                    let decisions: Vec<_> = zailai::sync::pending_draws(&record.state)
                        .into_iter()
                        .map(|d| (d, Some("points_100".to_owned())))
                        .collect();
                    let ops = zailai::sync::settle_draws(&mut record.state, &cfg, &decisions, now);
                    let rows = ops
                        .iter()
                        .map(|op| zailai_server::store::OpRow::of(op, "applied".into()))
                        .collect();
                    Ok(((), rows))
                },
            )
            .await
            .unwrap();
        done.unwrap();
    }

    async fn state(&self) -> State {
        self.store.load(&self.user).await.unwrap().unwrap().state
    }
}

fn track(action: &str, count: u32) -> OpKind {
    OpKind::Track {
        action: action.into(),
        count,
    }
}

/// Every op a device may send in a day, as often as it likes, at the day's start `t`.
fn scripted_day(cfg: &Config, t: i64) -> Vec<(i64, OpKind)> {
    let mut ops = vec![(t, track("open", 1000)), (t + 1, OpKind::CheckIn {})];
    for a in [
        "share",
        "core_action",
        "review",
        "query",
        "browse_guide",
        "profile_complete",
    ] {
        ops.push((t + 2, track(a, 1000)));
    }
    ops.push((t + 3, OpKind::Session { minutes: 1440 }));
    for task in &cfg.tasks {
        ops.push((
            t + 4,
            OpKind::ClaimTask {
                task: task.id.clone(),
            },
        ));
    }
    for set in &cfg.cards {
        ops.push((
            t + 5,
            OpKind::ExchangeCards {
                set: set.id.clone(),
            },
        ));
    }
    for lottery in &cfg.lotteries {
        for _ in 0..10 {
            ops.push((
                t + 6,
                OpKind::Draw {
                    lottery: lottery.id.clone(),
                },
            ));
        }
    }
    ops
}

fn honest_day(t: i64) -> Vec<(i64, OpKind)> {
    vec![
        (t, track("open", 1)),
        (t + 60_000, OpKind::CheckIn {}),
        (t + 120_000, track("query", 1)),
        (t + 180_000, track("browse_guide", 1)),
        (t + 240_000, OpKind::Session { minutes: 5 }),
    ]
}

/// What a member got so far: points credited, coupons granted (none bought: the script
/// redeems nothing), cards received, sets handed in, draws made, tier.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tally {
    points: u64,
    coupons: usize,
    cards: u32,
    sets: u16,
    draws: usize,
    tier: String,
}

fn tally(cfg: &Config, st: &State) -> Tally {
    Tally {
        points: st.totals.credited,
        coupons: st.coupons.len(),
        cards: st.cards.values().map(|h| h.chances).sum(),
        sets: st.cards.values().map(|h| h.exchanged).sum(),
        draws: st.draws.len(),
        tier: cfg.tiers.levels[usize::from(st.tier)].id.clone(),
    }
}

fn t(points: u64, coupons: usize, cards: u32, sets: u16, draws: usize, tier: &str) -> Tally {
    Tally {
        points,
        coupons,
        cards,
        sets,
        draws,
        tier: tier.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_account_that_backdates_a_week_gets_only_the_days_since_its_registration() {
    // Registered on the campaign's last day; the first push carries 8 scripted days, the
    // first 7 backdated as far as the offline window lets them (7 of the 8 in the campaign).
    let now = at(2027, 2, 12, 21);
    let registered_at = now - 3_600_000;
    let mut results = Vec::new();
    for registered in [false, true] {
        let name = if registered {
            "backdate-now"
        } else {
            "backdate-before"
        };
        let mut a = Account::new(name, registered_at);
        let mut ops = Vec::new();
        for d in (0..8).rev() {
            let day = match d {
                0 => registered_at + 60_000,
                d => now - d * DAY + 60_000,
            };
            ops.extend(a.ops(scripted_day(&a.cfg.clone(), day)));
        }
        let before: Vec<u32> = ops
            .iter()
            .filter(|op| op.at < registered_at)
            .map(|op| op.seq)
            .collect();
        let outcome = a.push(ops, now, registered).await;
        a.settle_luckiest(now).await;
        let st = a.state().await;
        if registered {
            // Every op dated before the registration is refused TOO_OLD, saying why.
            let refused: Vec<u32> = outcome
                .rejected
                .iter()
                .filter(|r| r.code == "TOO_OLD")
                .map(|r| r.seq)
                .collect();
            assert_eq!(refused, before);
            // Within the offline window, the detail names the registration.
            let last = outcome
                .rejected
                .iter()
                .rfind(|r| r.code == "TOO_OLD")
                .unwrap();
            assert!(last.detail.contains("registration"), "{}", last.detail);
            assert_eq!(
                st.joined,
                a.cfg.clock().day_of(registered_at),
                "joined at the registration, not the first op"
            );
        }
        results.push(tally(&a.cfg, &st));
    }
    eprintln!("old route (joined at the first op): {:?}", results[0]);
    eprintln!("registered device: {:?}", results[1]);
    // The finding, as the old route still computes it: 8 days' worth on day one (the newbie
    // and streak-7 coupons, and one per set the cards' luck completes).
    let (old, new) = (&results[0], &results[1]);
    assert_eq!(old.points, 800);
    assert_eq!((old.cards, old.draws), (14, 21));
    assert_eq!(old.coupons, 2 + usize::from(old.sets));
    // Now day one is one day: the daily cap, the newbie coupon, two cards, three draws.
    assert_eq!(new, &t(100, 1, 2, 0, 3, "regular"));
}

/// A member joins on the day of the registration of their first sync's device, though that
/// sync and its ops come days later (within the offline window), and a second device counts
/// from its own registration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_at_the_registration_of_the_device_of_their_first_sync() {
    let registered_at = at(2027, 1, 10, 22);
    let now = at(2027, 1, 14, 12);
    let mut a = Account::new("joins", registered_at);
    let ops = a.ops(vec![
        (registered_at - 1, OpKind::CheckIn {}),
        (now - DAY, OpKind::CheckIn {}),
    ]);
    let outcome = a.push(ops, now, true).await;
    assert_eq!(outcome.acked, [2]);
    let st = a.state().await;
    let clock = a.cfg.clock();
    assert_eq!(st.joined, clock.day_of(registered_at));
    assert!(clock.day_of(registered_at) < clock.day_of(now - DAY));
    // A device registered long before (beyond the window): joined at the window's edge.
    let mut old = Account::new("joins-old", now - 30 * DAY);
    let ops = old.ops(vec![(now, OpKind::CheckIn {})]);
    old.push(ops, now, true).await;
    let window = i64::from(old.cfg.offline_window_days) * DAY;
    assert_eq!(old.state().await.joined, clock.day_of(now - window));
    // A second device of that member, registered an hour ago: its older ops are refused.
    (old.device, old.seq, old.registered_at) = ("tablet".into(), 0, now - 3_600_000);
    let ops = old.ops(vec![
        (now - 2 * 3_600_000, track("review", 1)),
        (now - 60_000, track("review", 1)),
    ]);
    let outcome = old.push(ops, now, true).await;
    let refused: Vec<_> = outcome
        .rejected
        .iter()
        .map(|r| (r.seq, r.code.as_str()))
        .collect();
    assert_eq!(refused, [(1, "TOO_OLD")]);
    assert_eq!(outcome.acked, [2]);
}

/// A script and an honest member from their devices' registration, one push a day, across
/// January into February 2027 and through the Spring Festival campaign (6–12 February).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_days_across_a_month_boundary_the_script_earns_at_most_the_documented_maxima() {
    let start = at(2027, 1, 20, 9);
    let mut script = Account::new("month-script", start);
    let mut honest = Account::new("month-honest", start);
    let (mut rows, mut tier_days) = (Vec::new(), Vec::new());
    for d in 0..30 {
        let day = start + d * DAY;
        let now = day + 12 * 3_600_000;
        let ops = script.ops(scripted_day(&script.cfg.clone(), day));
        script.push(ops, now, true).await;
        script.settle_luckiest(now).await;
        let ops = honest.ops(honest_day(day));
        honest.push(ops, now, true).await;
        let (s, h) = (script.state().await, honest.state().await);
        let (s, h) = (tally(&script.cfg, &s), tally(&honest.cfg, &h));
        for (who, tally) in [("script", &s), ("honest", &h)] {
            let key = (who, tally.tier.clone());
            if tally.tier != "regular" && !tier_days.iter().any(|(k, _)| *k == key) {
                tier_days.push((key, d + 1));
            }
        }
        if [0, 6, 29].contains(&d) {
            rows.push((d + 1, s, h));
        }
    }
    eprintln!("day | script | honest");
    for r in &rows {
        eprintln!("{} | {:?} | {:?}", r.0, r.1, r.2);
    }
    eprintln!("tiers reached: {tier_days:?}");
    let script_state = script.state().await;
    // The caps bound what the script earns: each business day's, each month's.
    let cap = script.cfg.points.daily_cap;
    assert!(
        script_state.days.values().all(|s| s.earned <= cap),
        "daily caps"
    );
    // Two months of caps in one window: January's 12 days and February's 18.
    let months: Vec<u32> = script_state.month_earned.values().copied().collect();
    assert_eq!(months.len(), 2, "{months:?}");
    assert!(months.iter().all(|&m| m <= 2000), "{months:?}");
    // The table in docs/security.md: day 1, 7 days, 30 days.
    assert_eq!(rows[0].1, t(100, 1, 0, 0, 0, "regular"));
    assert_eq!(rows[1].1, t(700, 2, 0, 0, 0, "regular"));
    // 30 days: every day's cap (no month has 20 of the days), the newbie coupon and four
    // streak-7 coupons, 14 cards (two a campaign day) and 21 draws (three a day); sets are
    // the cards' luck for this id, at most 14 / 5, each one coupon more.
    let month = &rows[2].1;
    assert_eq!((month.points, month.cards, month.draws), (3000, 14, 21));
    assert!(month.sets <= 2);
    assert_eq!(month.coupons, 5 + usize::from(month.sets));
    assert_eq!(month.tier, "gold");
    assert_eq!(rows[2].2.tier, "gold");
    // The script reaches no tier sooner than the honest member does.
    assert_eq!(
        tier_days,
        [
            (("script", "silver".to_owned()), 12),
            (("honest", "silver".to_owned()), 12),
            (("script", "gold".to_owned()), 20),
            (("honest", "gold".to_owned()), 20),
        ]
    );
}
