//! Holds end by the server's clock only (issue 25, item 1): a push dated minutes ahead never
//! lapses a merchant's hold, and the server gives a lapsed hold back itself, before it
//! applies a member's push, as a logged `~server` op (`sync_service::apply_push`).

use serde_json::json;
use zailai::op::{MERCHANT_DEVICE, SERVER_DEVICE};
use zailai::sync::{server_op, Limits, Push};
use zailai::{Config, OpKind, State};
use zailai_server::store::Record;
use zailai_server::sync_service::apply_push;

const SEC: i64 = 1000;
/// 2026-11-02 10:00 UTC+8.
const T: i64 = 1_793_584_800_000;

fn member(cfg: &Config, points: u32) -> Record {
    let mut record = Record {
        state: State::join(cfg, "u1", T - 3600 * SEC),
        processed: Default::default(),
        server_version: 0,
    };
    let grant = |_| OpKind::Grant {
        points,
        coupon: None,
        reason: "test".into(),
    };
    server_op(&mut record.state, cfg, "~ops", grant, T - 3600 * SEC).unwrap();
    record
}

fn hold(r: &mut Record, cfg: &Config, order: &str, points: u32, secs: i64, now: i64) {
    let kind = |at| OpKind::HoldPoints {
        order: order.into(),
        points,
        until: at + secs * SEC,
    };
    server_op(&mut r.state, cfg, MERCHANT_DEVICE, kind, now).unwrap();
}

fn push(seq0: u32, at: i64, ops: &[serde_json::Value]) -> Push {
    let ops: Vec<_> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| json!({"device": "p", "seq": seq0 + i as u32, "at": at, "op": op}))
        .collect();
    let body = json!({"protocol": 1, "device": "p", "base_version": 0, "snapshot_formats": [zailai::snapshot::FORMAT], "ops": ops});
    Push::from_json(&body.to_string()).unwrap()
}

#[test]
fn a_push_dated_ahead_never_lapses_a_merchants_hold_and_the_order_gets_its_points() {
    let cfg = Config::seed();
    let limits = Limits::from_config(&cfg);
    let mut r = member(&cfg, 1000);
    hold(&mut r, &cfg, "A-1", 800, 900, T);
    // At 601 s a push dated 299 s ahead (the hold's end) spends what it can on coupons.
    let now = T + 601 * SEC;
    let coupons = vec![json!({"type": "redeem", "item": "coupon_5_yuan"}); 16];
    let (outcome, rows) = apply_push(
        &mut r,
        &cfg,
        &push(1, now + 299 * SEC, &coupons),
        now,
        limits,
    );
    assert_eq!(outcome.rejected.len(), 12, "only the 200 points not held");
    assert!(outcome
        .rejected
        .iter()
        .all(|x| x.code == "INSUFFICIENT_POINTS"));
    assert!(
        rows.iter().all(|row| row.device == "p"),
        "no release written"
    );
    assert!(r.state.holds.contains_key("A-1"));
    let order = |_| OpKind::Order {
        order: "A-1".into(),
        amount_cents: 20_000,
        points: 800,
        coupon: None,
    };
    server_op(&mut r.state, &cfg, MERCHANT_DEVICE, order, now).unwrap();
    assert_eq!(r.state.balance, 0);
}

#[test]
fn the_server_releases_a_hold_past_its_end_before_a_push_and_logs_it() {
    let cfg = Config::seed();
    let limits = Limits::from_config(&cfg);
    let mut r = member(&cfg, 1000);
    hold(&mut r, &cfg, "A", 300, 60, T);
    hold(&mut r, &cfg, "B", 200, 30, T);
    hold(&mut r, &cfg, "C", 100, 600, T);
    // Before the ends: nothing released, nothing logged but the push's op.
    let (_, rows) = apply_push(
        &mut r,
        &cfg,
        &push(
            1,
            T + 29 * SEC,
            &[json!({"type": "track", "action": "open"})],
        ),
        T + 29 * SEC,
        limits,
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(r.state.holds.len(), 3);
    // At 60 s: A and B are due, C is not. The push spends the points they gave back.
    let now = T + 60 * SEC;
    let version = r.server_version;
    let coupons = vec![json!({"type": "redeem", "item": "coupon_5_yuan"}); 9];
    let (outcome, rows) = apply_push(&mut r, &cfg, &push(2, now, &coupons), now, limits);
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
    assert_eq!(rows[0].device, SERVER_DEVICE);
    assert_eq!(rows[0].at, now);
    assert_eq!(rows[0].result, "applied");
    assert!(rows[0].op.contains("release_hold"), "{}", rows[0].op);
    assert_eq!(rows.len(), 10);
    assert_eq!(r.state.holds.keys().collect::<Vec<_>>(), ["C"]);
    assert_eq!(r.server_version, version + 1);
    // A sync with nothing to push still releases what is due, and counts as a change.
    let (outcome, rows) = apply_push(&mut r, &cfg, &push(11, now, &[]), T + 600 * SEC, limits);
    assert!(!outcome.changed);
    assert_eq!(rows.len(), 1);
    assert!(r.state.holds.is_empty());
    assert_eq!(r.server_version, version + 2);
    // Nothing due: no op written.
    let (_, rows) = apply_push(&mut r, &cfg, &push(11, now, &[]), T + 700 * SEC, limits);
    assert!(rows.is_empty());
    assert_eq!(r.server_version, version + 2);
}
