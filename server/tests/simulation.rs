//! Deterministic simulation of the sync protocol (issue 8), in the spirit of FoundationDB's and
//! TigerBeetle's simulators. One seeded schedule drives many devices of many members:
//! - ops at random times, with offline stretches and clock skew within and beyond the limits;
//! - pushes dropped, duplicated, delayed and reordered; replies lost;
//! - the server killed between commit and reply and reopened on the same SQLite file;
//! - the signing key rotated mid-run.
//!
//! The real core runs on both sides and the real server logic (`sync_service::apply_push` in an SQLite
//! transaction, signed snapshots) on the other. Each device is the core's replica
//! (`zailai::replica::Replica`: act, push, rebase) with the client's I/O around it: verify the
//! snapshot, fetch the keys once on an unknown key, learn the clock offset.
//!
//! After a final, fault-free round of syncs it checks the invariants:
//! - every op a device recorded is in the server's log exactly once;
//! - every refusal in the log has a reason code;
//! - the server's state is a serial replay of the applied ops;
//! - every device holds exactly the server's state;
//! - the caps hold, and the ledger adds up.
//!
//! A failing seed prints itself; `ZAILAI_SIM_SEED=N` replays it exactly. CI runs
//! `ZAILAI_SIM_SEEDS` seeds (default 200); `ZAILAI_SIM_SEEDS=5000 cargo test --release -p
//! zailai-server --test simulation` runs many more.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use zailai::replica::Replica;
use zailai::snapshot::{self, Payload, SnapshotSigner, TrustedKeys};
use zailai::sync::{Limits, Push, Rejection, PROTOCOL};
use zailai::{Config, Event, Op, OpKind, State};
use zailai_server::facts::FactRules;
use zailai_server::populate;
use zailai_server::store::sqlite::Sqlite;
use zailai_server::store::Store;
use zailai_server::sync_service;

const T0: i64 = 1_761_958_800_000; // 2026-11-01 09:00 UTC+8
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// The schedule's only source of randomness: the population simulator's SplitMix64.
struct Rng(populate::Rng);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Reply {
    request: u64,
    rejected: Vec<Rejection>,
    snapshot: Vec<u8>,
    server_time: i64,
}

struct Device {
    user: String,
    id: String,
    /// The device clock is the simulated time plus this (some beyond the server's limits).
    skew: i64,
    /// Learned from the server's time, as `learnClock` does.
    offset: i64,
    /// Base, pending ops, sequence and state: what the client keeps.
    replica: Replica,
    /// Every op this device recorded, to check the server's log against.
    recorded: Vec<Op>,
    keys: Vec<(String, [u8; 32])>,
    /// The request whose reply the device waits for; replies to others are dropped, like a
    /// timed-out HTTP request's.
    waiting: Option<u64>,
    offline_until: i64,
}

impl Device {
    fn clock(&self, now: i64) -> i64 {
        now + self.skew + self.offset
    }

    fn trusted(&self) -> TrustedKeys {
        let mut t = TrustedKeys::new();
        for (id, public) in &self.keys {
            t.add(id, public).unwrap();
        }
        t
    }

    /// Verifies a snapshot and rebases on it; a snapshot the device cannot take is an error.
    fn rebase(&mut self, cfg: &Config, payload: Payload) -> Result<(), String> {
        self.replica
            .rebase(cfg, payload)
            .map(|_refused| ()) // refused ones stay pending: the server decides
            .map_err(|e| e.to_string())
    }
}

struct Server {
    path: std::path::PathBuf,
    store: Sqlite,
    signer: SnapshotSigner,
    keys: Vec<(String, [u8; 32])>,
    /// When each member joined (the `joined_at` of its first sync), for the replay check.
    joined: Arc<Mutex<BTreeMap<String, i64>>>,
}

impl Server {
    /// `POST /v1/sync` without HTTP (`sync_service::sync`, as the route calls it), then a signed
    /// snapshot. Lotteries are not in play here: the simulated weeks have none running.
    async fn sync(
        &self,
        cfg: &Arc<Config>,
        user: &str,
        push: Push,
        now: i64,
    ) -> (Vec<Rejection>, Vec<u8>) {
        let limits = Limits::from_config(cfg);
        let joined = sync_service::joined_at(&push, now, limits);
        let (outcome, record) = sync_service::sync(&self.store, cfg, user, push, now)
            .await
            .unwrap();
        // The first sync that reaches the server creates the member at `joined`.
        self.joined
            .lock()
            .unwrap()
            .entry(user.to_owned())
            .or_insert(joined);
        let payload = Payload {
            user: user.to_owned(),
            server_version: record.server_version,
            issued_at: now,
            config_hash: snapshot::config_hash(cfg),
            acked: record.processed.into_iter().collect(),
            state: record.state,
        };
        (outcome.rejected, self.signer.sign(&payload))
    }
}

fn key(id: &str, n: u8) -> (SnapshotSigner, (String, [u8; 32])) {
    let signer = SnapshotSigner::from_seed(id, &[n; 32]).unwrap();
    let public = signer.public_key();
    (signer, (id.to_owned(), public))
}

/// A random op the member might make at `at`.
fn random_op(rng: &mut Rng, at: i64) -> OpKind {
    match rng.below(100) {
        0..=34 => OpKind::CheckIn {},
        35..=69 => OpKind::Track {
            action: ["open", "share", "core_action", "query", "review"][rng.below(5) as usize]
                .into(),
            count: 1 + rng.below(2) as u32,
        },
        70..=77 => OpKind::MakeUp {
            date: zailai::Date::from_day(
                Config::seed().clock().day_of(at) - 1 - rng.below(5) as i32,
            ),
        },
        78..=84 => OpKind::Session {
            minutes: 1 + rng.below(30) as u32,
        },
        85..=92 => OpKind::Order {
            order: format!("o{}", rng.next() % 1_000_000),
            amount_cents: 1000 + rng.below(20_000),
            points: if rng.chance(30) { 100 } else { 0 },
            coupon: None,
        },
        _ => OpKind::Redeem {
            item: ["streak_freeze", "coupon_5_yuan"][rng.below(2) as usize].into(),
        },
    }
}

/// What happened to the network and the server in one run, for the failure message.
#[derive(Default, Debug)]
struct Tally {
    ops: u32,
    pushes: u32,
    dropped: u32,
    duplicated: u32,
    replies_lost: u32,
    crashes: u32,
    rotations: u32,
    /// Snapshots signed by a key the device did not know yet: it fetched the keys.
    key_fetches: u32,
    rejected: BTreeMap<String, u32>,
}

async fn run(seed: u64) -> Result<Tally, String> {
    let mut rng = Rng(populate::Rng::new(seed));
    let cfg = Arc::new(Config::seed());
    let dir = std::env::temp_dir().join(format!("zailai-sim-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("sim.db");
    let (signer, first_key) = key("k1", 1);
    let mut server = Server {
        store: Sqlite::open(&path, FactRules::of(&cfg)).map_err(|e| e.to_string())?,
        path,
        signer,
        keys: vec![first_key.clone()],
        joined: Arc::new(Mutex::new(BTreeMap::new())),
    };
    // Within the limits (90 s, −3 h) and beyond them (+10 min and +2 h ahead, 9 days behind).
    let skews = [
        0,
        0,
        0,
        90_000,
        -3 * 3_600_000,
        10 * MINUTE,
        2 * 3_600_000,
        -9 * DAY,
    ];
    let mut devices = Vec::new();
    let users = 2 + rng.below(4);
    for u in 0..users {
        for d in 0..1 + rng.below(2) {
            let user = format!("u{u}");
            let id = format!("d{d}");
            devices.push(Device {
                replica: Replica::new(&cfg, &user, &id, T0),
                user,
                id,
                skew: skews[rng.below(skews.len() as u64) as usize],
                offset: 0,
                recorded: Vec::new(),
                keys: vec![first_key.clone()],
                waiting: None,
                offline_until: 0,
            });
        }
    }
    let mut tally = Tally::default();
    let mut now = T0;
    let mut request = 0u64;
    // In flight: (deliver at, push or reply).
    let mut pushes: VecDeque<(i64, usize, u64, Push)> = VecDeque::new();
    let mut replies: Vec<(i64, usize, Reply)> = Vec::new();
    let steps = 150 + rng.below(150);
    let rotate_at = rng.below(steps);
    for step in 0..steps + 400 {
        let healing = step >= steps;
        if healing
            && pushes.is_empty()
            && replies.is_empty()
            && devices
                .iter()
                .all(|d| d.replica.pending().is_empty() && d.waiting.is_none())
        {
            break;
        }
        now += if healing {
            MINUTE
        } else {
            rng.below(6 * 3_600_000) as i64
        };
        if step == rotate_at {
            let (signer, second) = key("k2", 2);
            server.signer = signer;
            server.keys.push(second);
            tally.rotations += 1;
        }
        let i = rng.below(devices.len() as u64) as usize;
        let dev = &mut devices[i];
        // Act: an op recorded on the device, if its own rules take it.
        if !healing && rng.chance(60) && now >= dev.offline_until {
            let at = dev.clock(now);
            let kind = random_op(&mut rng, at);
            if dev.replica.act(&cfg, at, kind).is_ok() {
                let op = dev.replica.pending().last().cloned();
                dev.recorded.extend(op);
                tally.ops += 1;
            }
        }
        if !healing && rng.chance(5) {
            dev.offline_until = now + rng.below(10 * DAY as u64) as i64;
        }
        // Sync: one push at a time; a new one once the last is given up on.
        let online = healing || now >= dev.offline_until;
        if online && rng.chance(if healing { 100 } else { 40 }) {
            request += 1;
            dev.waiting = Some(request);
            let push = dev.replica.push();
            tally.pushes += 1;
            if !healing && rng.chance(10) {
                tally.dropped += 1;
            } else {
                let delay = if healing {
                    0
                } else {
                    rng.below(3 * MINUTE as u64) as i64
                };
                if !healing && rng.chance(10) {
                    tally.duplicated += 1;
                    let late = rng.below(DAY as u64) as i64;
                    pushes.push_back((now + late, i, 0, push.clone()));
                }
                pushes.push_back((now + delay, i, request, push));
            }
        }
        // Deliver due pushes, in delivery order (which reorders delayed ones).
        let mut due: Vec<(i64, usize, u64, Push)> = Vec::new();
        pushes.retain(|p| {
            if p.0 <= now {
                due.push(p.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|p| p.0);
        for (_, i, req, push) in due {
            let user = devices[i].user.clone();
            let (rejected, bytes) = server.sync(&cfg, &user, push, now).await;
            for r in &rejected {
                *tally.rejected.entry(r.code.clone()).or_default() += 1;
            }
            if !healing && rng.chance(5) {
                // Killed after the commit, before the reply: reopen the same file.
                tally.crashes += 1;
                drop(std::mem::replace(
                    &mut server.store,
                    Sqlite::open(&server.path, FactRules::of(&cfg)).map_err(|e| e.to_string())?,
                ));
                continue;
            }
            if !healing && rng.chance(10) {
                tally.replies_lost += 1;
                continue;
            }
            let delay = if healing {
                0
            } else {
                rng.below(MINUTE as u64) as i64
            };
            replies.push((
                now + delay,
                i,
                Reply {
                    request: req,
                    rejected,
                    snapshot: bytes,
                    server_time: now,
                },
            ));
        }
        // Deliver due replies.
        replies.sort_by_key(|r| r.0);
        while replies.first().is_some_and(|r| r.0 <= now) {
            let (_, i, reply) = replies.remove(0);
            let dev = &mut devices[i];
            if dev.waiting != Some(reply.request) {
                continue; // given up on: the HTTP request timed out
            }
            dev.waiting = None;
            for r in &reply.rejected {
                if r.code.is_empty() || r.code != r.code.to_uppercase() {
                    return Err(format!("rejection without a reason code: {r:?}"));
                }
            }
            let payload = match snapshot::verify(&reply.snapshot, &dev.trusted()) {
                Ok(p) => p,
                Err(e) if e.code == zailai::ErrorCode::SnapshotUnknownKey => {
                    tally.key_fetches += 1;
                    dev.keys = server.keys.clone(); // GET /v1/config
                    snapshot::verify(&reply.snapshot, &dev.trusted()).map_err(|e| e.to_string())?
                }
                Err(e) => return Err(format!("a genuine snapshot failed verification: {e}")),
            };
            dev.rebase(&cfg, payload)?;
            dev.offset = reply.server_time - (now + dev.skew);
        }
        // Waiting too long for a reply: give up (the next sync retries).
        if rng.chance(20) || healing {
            for dev in devices.iter_mut() {
                if dev.waiting.is_some()
                    && !replies.iter().any(|r| Some(r.2.request) == dev.waiting)
                    && !pushes.iter().any(|p| p.2 == dev.waiting.unwrap())
                {
                    dev.waiting = None;
                }
            }
        }
    }
    // A last empty sync each, so every device sees its member's final state.
    for dev in devices.iter_mut() {
        let push = Push {
            protocol: PROTOCOL,
            device: dev.id.clone(),
            base_version: 0,
            snapshot_formats: vec![5],
            ops: Vec::new(),
            invited_by: None,
            rules_hash: None,
        };
        let (_, bytes) = server.sync(&cfg, &dev.user.clone(), push, now).await;
        dev.keys = server.keys.clone();
        let payload = snapshot::verify(&bytes, &dev.trusted()).map_err(|e| e.to_string())?;
        dev.rebase(&cfg, payload)?;
    }
    check(&cfg, &server, &devices).await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(tally)
}

async fn check(cfg: &Config, server: &Server, devices: &[Device]) -> Result<(), String> {
    let users: BTreeSet<&str> = devices.iter().map(|d| d.user.as_str()).collect();
    for user in users {
        let Some(record) = server.store.load(user).await.map_err(|e| e.to_string())? else {
            if devices
                .iter()
                .filter(|d| d.user == user)
                .all(|d| d.recorded.is_empty())
            {
                continue;
            }
            return Err(format!(
                "{user}: recorded ops but the server never stored the member"
            ));
        };
        let log = server.store.ops(user).await.map_err(|e| e.to_string())?;
        // Every recorded op exactly once in the log; every refusal with a code.
        let mut seen = BTreeSet::new();
        for row in &log {
            if !seen.insert((row.device.clone(), row.seq)) {
                return Err(format!("{user}: {}/{} logged twice", row.device, row.seq));
            }
            if row.result != "applied"
                && (row.result.is_empty() || row.result != row.result.to_uppercase())
            {
                return Err(format!("{user}: refusal without a code: {row:?}"));
            }
        }
        for dev in devices.iter().filter(|d| d.user == user) {
            for op in &dev.recorded {
                if !seen.contains(&(op.device.clone(), op.seq)) {
                    return Err(format!(
                        "{user}: {}/{} was recorded and never reached the log",
                        op.device, op.seq
                    ));
                }
            }
            if !dev.replica.pending().is_empty() {
                return Err(format!(
                    "{user}/{}: {} ops still pending after the final sync",
                    dev.id,
                    dev.replica.pending().len()
                ));
            }
            if dev.replica.state().to_json() != record.state.to_json() {
                return Err(format!(
                    "{user}/{}: the device's state differs from the server's",
                    dev.id
                ));
            }
        }
        // The server's state is a serial replay of the applied ops, in log order.
        let joined_at = server.joined.lock().unwrap()[user];
        let mut replay = State::join(cfg, user, joined_at);
        let mut per_day: BTreeMap<zailai::Date, u32> = BTreeMap::new();
        let mut per_month: BTreeMap<(i32, u8), u32> = BTreeMap::new();
        for row in log.iter().filter(|r| r.result == "applied") {
            let op = Op::from_json(&row.op).map_err(|e| e.to_string())?;
            let events = replay
                .apply(cfg, &op)
                .map_err(|e| format!("{user}: an applied op fails on replay: {e}"))?;
            for e in events {
                if let Event::PointsCredited {
                    date,
                    source,
                    granted,
                    ..
                } = e
                {
                    if !source.starts_with("grant:") {
                        *per_day.entry(date).or_default() += granted;
                        *per_month.entry((date.year, date.month)).or_default() += granted;
                    }
                }
            }
        }
        if replay.to_json() != record.state.to_json() {
            return Err(format!(
                "{user}: the server's state is not the replay of its applied ops"
            ));
        }
        if let Some((d, n)) = per_day.iter().find(|(_, n)| **n > cfg.points.daily_cap) {
            return Err(format!(
                "{user}: {n} points credited on {d}, over the daily cap"
            ));
        }
        if let Some((m, n)) = per_month.iter().find(|(_, n)| **n > cfg.points.monthly_cap) {
            return Err(format!(
                "{user}: {n} points credited in {m:?}, over the monthly cap"
            ));
        }
        // Balance equals the live lots and the ledger adds up (the decoder checks both).
        State::from_json(&record.state.to_json()).map_err(|e| format!("{user}: {e}"))?;
        let t = &record.state.totals;
        if t.credited + t.restored != record.state.balance + t.spent + t.expired {
            return Err(format!("{user}: the ledger does not add up: {t:?}"));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn the_protocol_survives_a_hostile_network_a_crashing_server_and_a_key_rotation() {
    let seeds: Vec<u64> = match std::env::var("ZAILAI_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("ZAILAI_SIM_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("ZAILAI_SIM_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(200);
            (0..n).collect()
        }
    };
    let mut total = Tally::default();
    for &seed in &seeds {
        match run(seed).await {
            Ok(t) => {
                total.ops += t.ops;
                total.pushes += t.pushes;
                total.dropped += t.dropped;
                total.duplicated += t.duplicated;
                total.replies_lost += t.replies_lost;
                total.crashes += t.crashes;
                total.rotations += t.rotations;
                total.key_fetches += t.key_fetches;
                for (code, n) in t.rejected {
                    *total.rejected.entry(code).or_default() += n;
                }
            }
            Err(e) => panic!("seed {seed} failed: {e}\nreplay it: ZAILAI_SIM_SEED={seed} cargo test -p zailai-server --test simulation"),
        }
    }
    println!("{} seeds passed every invariant: {total:?}", seeds.len());
    // The schedule must actually exercise the faults it claims to.
    if seeds.len() >= 50 {
        assert!(
            total.dropped > 0
                && total.duplicated > 0
                && total.replies_lost > 0
                && total.crashes > 0,
            "{total:?}"
        );
        for code in ["TOO_OLD", "CLOCK_AHEAD"] {
            assert!(total.rejected.contains_key(code), "no {code} in {total:?}");
        }
    }
}
