//! A seeded population: thousands of members living out months of check-ins, tasks, orders,
//! dormant stretches and returns, synced day by day through the server's own path (the core's
//! acceptance and a store transaction per push, `sync_service::apply_push`), so reports and
//! benchmarks run on data shaped like a real program's. The same seed gives the same database.
//!
//! [`run_bulk`] (`zailai populate --bulk`) draws the same lives and applies the same syncs in
//! memory, then writes members, op logs and report facts in large batches (PostgreSQL's
//! `COPY`): the same database, built fast enough for a million members.

use crate::facts::{commit, FactRules, FactTimeline, MemberFacts};
use crate::store::{BulkMember, OpRow, Record, Store, StoreError};
use crate::sync_service::apply_push;
use serde_json::json;
use std::io::IsTerminal;
use std::sync::Arc;
use zailai::day::{Date, Day};
use zailai::op::{MERCHANT_DEVICE, SERVER_DEVICE};
use zailai::sync::{Limits, Push};
use zailai::{Config, Op, OpKind, State};

/// SplitMix64: small, fast, and the same on every machine (no dependency for a simulator).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub users: u32,
    pub start: Date,
    pub days: u32,
    pub seed: u64,
}

/// What a simulated member is like.
struct Persona {
    joined: Day,
    /// Chance of using the app on a given day.
    engagement: f64,
    /// Chance per day of leaving for good.
    churn: f64,
    /// Chance per active day of an order.
    buyer: f64,
}

fn persona(rng: &mut Rng, plan: &Plan) -> Persona {
    let start = plan.start.to_day();
    // Joins spread over the first two thirds of the period.
    let joined = start + rng.range(0, u64::from(plan.days * 2 / 3).max(1) - 1) as Day;
    // Three kinds of member, as retention curves usually show: most try and drift away.
    let (engagement, churn) = match rng.range(0, 9) {
        0..=4 => (0.25, 0.08),
        5..=7 => (0.55, 0.02),
        _ => (0.85, 0.005),
    };
    Persona {
        joined,
        engagement,
        churn,
        buyer: if rng.chance(0.3) { 0.08 } else { 0.01 },
    }
}

/// Epoch ms of `hour`:`minute` on business day `day`.
fn at(cfg: &Config, day: Day, minutes: u64) -> i64 {
    cfg.clock().start_of(day) + (minutes as i64) * 60_000
}

/// A simulated member's orders: (id, amount in cents, refunded once, cancelled).
type Orders = Vec<(String, u64, bool, bool)>;

/// The ops of one active day, in time order, each with whether it is a wish: an op the member
/// makes only when their state allows it (a redemption, a free service, points at checkout),
/// as a phone that knows its own balance does (`SimSync::apply` decides).
fn day_ops(
    rng: &mut Rng,
    cfg: &Config,
    p: &Persona,
    day: Day,
    orders: &mut Orders,
) -> Vec<(i64, serde_json::Value, bool)> {
    let mut t = rng.range(7 * 60, 22 * 60); // first open between 07:00 and 22:00
    let mut ops = vec![(
        at(cfg, day, t),
        json!({"type": "track", "action": "open"}),
        false,
    )];
    let mut put = |rng: &mut Rng, op, wish| {
        t += rng.range(1, 20);
        ops.push((at(cfg, day, t.min(23 * 60 + 59)), op, wish));
    };
    if rng.chance(0.8) {
        put(rng, json!({"type": "check_in"}), false);
    }
    if rng.chance(0.5) {
        put(rng, json!({"type": "track", "action": "query"}), false);
    }
    if rng.chance(0.3) {
        put(
            rng,
            json!({"type": "track", "action": "core_action"}),
            false,
        );
    }
    if rng.chance(0.1) {
        put(rng, json!({"type": "track", "action": "share"}), false);
    }
    if rng.chance(0.02) {
        put(rng, json!({"type": "track", "action": "invite"}), false);
    }
    if rng.chance(p.buyer) {
        let id = format!("o{}", orders.len() + 1);
        let cents = rng.range(20, 300) * 100;
        let order = json!({"type": "order", "order": id, "amount_cents": cents, "points": 0});
        // Half the buyers pay part in points when they have them (a wish).
        let deduct = rng.chance(0.5);
        orders.push((id, cents, false, false));
        put(rng, json!({"order": order, "deduct": deduct}), false);
    } else if rng.chance(0.1) {
        // The merchant gives part of an earlier order back, or cancels it.
        if let Some(o) = orders.iter_mut().rev().find(|o| !o.3) {
            let op = if !o.2 && rng.chance(0.5) {
                o.2 = true;
                json!({"type": "refund_order", "order": o.0, "amount_cents": o.1 / 5, "points": 0})
            } else {
                o.3 = true;
                json!({"type": "cancel_order", "order": o.0})
            };
            put(rng, op, false);
        }
    }
    if !cfg.catalog.is_empty() && rng.chance(0.06) {
        let item = &cfg.catalog[rng.range(0, cfg.catalog.len() as u64 - 1) as usize];
        put(rng, json!({"type": "redeem", "item": item.id}), true);
    }
    if rng.chance(0.1) {
        put(rng, json!({"type": "use_service"}), true);
    }
    // Now and then a buyer takes the first paid membership (the merchant reports it).
    if let Some(plan) = cfg.tiers.paid.first() {
        if rng.chance(p.buyer / 4.0) {
            put(
                rng,
                json!({"type": "buy_membership", "plan": plan.id}),
                false,
            );
        }
    }
    let minutes = rng.range(1, 30);
    put(rng, json!({"type": "session", "minutes": minutes}), false);
    ops
}

/// Counts of what the population did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub members: u32,
    pub syncs: u32,
    pub ops: u32,
    pub rejected: u32,
}

/// One simulated sync: the phone's push, and the ops the server writes with it.
pub struct SimSync {
    push: Push,
    /// Seqs of the push's wishes (`day_ops`).
    wishes: Vec<u32>,
    /// (at, op, pay part in points) of the merchant's and the server's ops.
    server: Vec<(i64, OpKind, bool)>,
    now: i64,
}

/// A simulated member's id.
fn user_name(n: u32) -> String {
    format!("sim-{n:05}")
}

/// Draws a member's life from `rng`: their syncs, one per active day, in order.
fn member_syncs(rng: &mut Rng, cfg: &Config, plan: &Plan) -> Vec<SimSync> {
    let end = plan.start.to_day() + plan.days as Day;
    let p = persona(rng, plan);
    let mut seq = 0u32;
    let mut orders = Orders::new();
    let mut away_until = p.joined;
    let mut syncs = Vec::new();
    for day in p.joined..end {
        if day > p.joined && rng.chance(p.churn) {
            break;
        }
        // Now and then a dormant stretch (7–20 days), then a return.
        if day > p.joined && day >= away_until && rng.chance(0.01) {
            away_until = day + rng.range(7, 20) as Day;
        }
        if day < away_until || !(day == p.joined || rng.chance(p.engagement)) {
            continue;
        }
        // Orders are the merchant's (the merchant API) and invites the server's (the
        // invitee's first sync): written as the server writes them; the rest the phone's.
        let (server, phone): (Vec<_>, Vec<_>) = day_ops(rng, cfg, &p, day, &mut orders)
            .into_iter()
            .map(|(t, body, wish)| {
                let deduct = body["deduct"].as_bool();
                let body = if deduct.is_some() {
                    body["order"].clone()
                } else {
                    body
                };
                let op = json!({"device": "~server", "seq": 1, "at": t, "op": body});
                let op = Op::from_json(&op.to_string()).expect("simulated ops are well-formed");
                (t, op.op, wish || deduct == Some(true))
            })
            .partition(|(_, kind, _)| kind.written_by_server(cfg));
        let mut wishes = Vec::new();
        let ops: Vec<Op> = phone
            .into_iter()
            .map(|(at, op, wish)| {
                seq += 1;
                if wish {
                    wishes.push(seq);
                }
                Op {
                    device: "phone".into(),
                    seq,
                    at,
                    op,
                }
            })
            .collect();
        let now = ops.last().map_or(0, |o| o.at) + 1_000;
        syncs.push(SimSync {
            push: Push {
                protocol: zailai::sync::PROTOCOL,
                device: "phone".into(),
                base_version: 0,
                snapshot_formats: vec![zailai::snapshot::FORMAT],
                ops,
                invited_by: None,
                rules_hash: None,
            },
            wishes,
            server,
            now,
        });
    }
    syncs
}

impl SimSync {
    fn ops(&self) -> u32 {
        (self.push.ops.len() + self.server.len()) as u32
    }

    /// The member as the first sync finds them.
    fn fresh(&self, cfg: &Config, user: &str) -> Record {
        Record {
            state: State::join(cfg, user, self.push.ops[0].at),
            processed: Default::default(),
            server_version: 0,
        }
    }

    /// What the server does with it in the sync's transaction: the push through the core's
    /// acceptance, then the merchant's and the server's ops. Returns the refusals and the
    /// op rows to log.
    fn apply(mut self, r: &mut Record, cfg: &Config, limits: Limits) -> (u32, Vec<OpRow>) {
        if !self.wishes.is_empty() {
            // The phone makes a wish only when its state (after the ops before it) allows it.
            let mut mine = r.state.clone();
            let wishes = std::mem::take(&mut self.wishes);
            self.push
                .ops
                .retain(|op| mine.apply(cfg, op).is_ok() || !wishes.contains(&op.seq));
        }
        let (outcome, mut rows) = apply_push(r, cfg, &self.push, self.now, limits);
        let mut rejected = outcome.rejected.len() as u32;
        for (t, kind, deduct) in self.server {
            let device = match kind {
                OpKind::Track { .. } => SERVER_DEVICE,
                _ => MERCHANT_DEVICE,
            };
            let paying = match (&kind, deduct) {
                (OpKind::Order { .. }, true) => {
                    with_points(kind.clone(), &r.state, cfg, cfg.clock().day_of(t))
                }
                _ => kind.clone(),
            };
            let done = zailai::sync::server_op(&mut r.state, cfg, device, |_| paying, t)
                // Points the member could not spend after all: the order in money alone.
                .or_else(|_| zailai::sync::server_op(&mut r.state, cfg, device, |_| kind, t));
            match done {
                Ok((op, _)) => rows.push(OpRow::of(&op, "applied".to_owned())),
                Err(_) => rejected += 1,
            }
        }
        (rejected, rows)
    }
}

/// An order paying as many of the member's points as the checkout allows (whole hundreds),
/// with a coupon the member holds unused (business day `day`), if any.
fn with_points(kind: OpKind, st: &State, cfg: &Config, day: Day) -> OpKind {
    let OpKind::Order {
        order,
        amount_cents,
        ..
    } = kind
    else {
        return kind;
    };
    let rate = &cfg.points.checkout;
    let most_cents = amount_cents * u64::from(rate.max_order_percent) / 100;
    let most = most_cents * u64::from(rate.points) / u64::from(rate.cents.max(1));
    let points = (st.balance.min(most) / 100 * 100) as u32;
    let coupon = st
        .coupons
        .iter()
        .find(|c| c.used.is_none() && c.expires.is_none_or(|e| e >= day))
        .map(|c| c.coupon.clone());
    OpKind::Order {
        order,
        amount_cents,
        points,
        coupon,
    }
}

/// Runs the plan into `store`, each sync a store transaction of its own (`Store::transact`,
/// as the server does). Members sync once per active day, right after their last op.
pub async fn run(store: &impl Store, cfg: &Config, plan: &Plan) -> Result<Totals, StoreError> {
    let mut rng = Rng::new(plan.seed);
    let mut totals = Totals::default();
    let limits = Limits::from_config(cfg);
    let shared = Arc::new(cfg.clone());
    for n in 0..plan.users {
        let user = user_name(n);
        totals.members += 1;
        for sync in member_syncs(&mut rng, cfg, plan) {
            totals.ops += sync.ops();
            let fresh = sync.fresh(cfg, &user);
            let cfg = shared.clone();
            let rejected = store
                .transact(
                    &user,
                    move || fresh,
                    move |r: &mut Record| Ok::<_, ()>(sync.apply(r, &cfg, limits)),
                )
                .await?
                .unwrap_or(0);
            totals.syncs += 1;
            totals.rejected += rejected;
        }
    }
    Ok(totals)
}

/// Members simulated and written together by [`run_bulk`].
const BULK_BATCH: u32 = 2_000;

/// One member's whole life applied in memory: their record, op log and report facts, as the
/// syncs of [`run`] would have left them (none without a sync, as [`run`] stores none).
fn live(
    cfg: &Config,
    rules: &FactTimeline,
    user: String,
    syncs: Vec<SimSync>,
) -> (Option<BulkMember>, Totals) {
    let limits = Limits::from_config(cfg);
    let mut totals = Totals {
        members: 1,
        ..Totals::default()
    };
    let mut record: Option<Record> = None;
    let mut facts = MemberFacts::default();
    let mut log = Vec::new();
    for sync in syncs {
        totals.syncs += 1;
        totals.ops += sync.ops();
        let new = record.is_none();
        let r = record.get_or_insert_with(|| sync.fresh(cfg, &user));
        let before = r.state.clone();
        let (rejected, rows) = sync.apply(r, cfg, limits);
        totals.rejected += rejected;
        facts.apply(&commit(rules, &before, new, &r.state, &rows));
        log.extend(rows);
    }
    let member = record.map(|record| BulkMember {
        record,
        user,
        rows: log,
        facts,
    });
    (member, totals)
}

/// Runs the plan into `store` in batches: the same lives as [`run`], applied in memory on a
/// thread of their own while the store writes the batch before (`Store::bulk_insert`). The
/// members must be new to the database. Shows progress on a terminal.
pub async fn run_bulk(store: &impl Store, cfg: &Config, plan: &Plan) -> Result<Totals, StoreError> {
    let (send, mut batches) = tokio::sync::mpsc::channel::<(Vec<BulkMember>, Totals)>(2);
    let (cfg2, plan2) = (cfg.clone(), plan.clone());
    let simulator = std::thread::spawn(move || {
        let (cfg, plan) = (cfg2, plan2);
        let rules = FactTimeline::single(FactRules::of(&cfg));
        let mut rng = Rng::new(plan.seed);
        let mut n = 0;
        while n < plan.users {
            let mut batch = Vec::new();
            let mut totals = Totals::default();
            for k in n..(n + BULK_BATCH).min(plan.users) {
                let syncs = member_syncs(&mut rng, &cfg, &plan);
                let (member, t) = live(&cfg, &rules, user_name(k), syncs);
                batch.extend(member);
                add(&mut totals, &t);
            }
            n += BULK_BATCH;
            if send.blocking_send((batch, totals)).is_err() {
                return; // the writer failed and said why
            }
        }
    });
    let terminal = std::io::stderr().is_terminal();
    let mut totals = Totals::default();
    while let Some((batch, t)) = batches.recv().await {
        store.bulk_insert(batch).await?;
        add(&mut totals, &t);
        if terminal {
            eprint!("\r  {} / {} members written", totals.members, plan.users);
        }
    }
    if terminal {
        eprintln!();
    }
    simulator
        .join()
        .map_err(|_| StoreError("the simulation failed".to_owned()))?;
    Ok(totals)
}

fn add(sum: &mut Totals, t: &Totals) {
    sum.members += t.members;
    sum.syncs += t.syncs;
    sum.ops += t.ops;
    sum.rejected += t.rejected;
}
