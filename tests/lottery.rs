//! Lotteries: draws paid on the device and pending, settled by the server's op, decided from
//! a committed seed, and verifiable by anyone once the seed is revealed.

mod common;

use common::*;
use serde_json::json;
use std::collections::BTreeMap;
use zailai::lottery::{self, Published, PublishedDraw};
use zailai::op::SERVER_DEVICE;
use zailai::sync::{self, Limits, Push};
use zailai::{Config, ErrorCode, Op, OpKind};

fn fest(d: u8, h: i64, min: i64) -> i64 {
    at(2027, 2, d, h, min)
}

fn draw() -> serde_json::Value {
    json!({"type": "draw", "lottery": "spring_draw_2027"})
}

#[test]
fn a_draw_is_paid_at_once_and_waits_for_the_server() {
    let mut m = Member::seed(at(2027, 1, 20, 9, 0));
    m.grant(at(2027, 1, 21, 9, 0), 80);
    // Before the window, and for a regular member 30 minutes early: closed.
    let early = m.op(fest(5, 23, 30), draw()).unwrap_err();
    assert_eq!(early.code, ErrorCode::LotteryClosed);
    assert!(early.detail.contains("2027-02-06"), "{}", early.detail);
    assert_eq!(m.balance(), 80, "a refused draw costs nothing");

    let events = as_json(&m.ok(fest(6, 9, 0), draw()));
    assert_eq!(events[0]["type"], "points_debited");
    assert_eq!(find(&events, "draw_entered").unwrap()["cost"], 20);
    assert_eq!(m.balance(), 60);
    let d = &m.state.draws[0];
    // The phone's seq 1 was the refused early draw (the grant came from the server's `~ops`).
    assert_eq!(
        (d.settled, d.prize.clone(), d.weight, d.seq),
        (false, None, 1, 2)
    );
    assert!(
        m.state.campaigns.contains_key("spring_festival_2027"),
        "a draw takes part"
    );

    m.ok(fest(6, 9, 1), draw());
    m.ok(fest(6, 9, 2), draw());
    let fourth = m.op(fest(6, 9, 3), draw()).unwrap_err();
    assert_eq!(fourth.code, ErrorCode::DrawLimitReached);
    m.ok(fest(7, 9, 0), draw());
    let broke = m.op(fest(8, 9, 0), draw()).unwrap_err();
    assert_eq!(broke.code, ErrorCode::InsufficientPoints);

    let closed = m.op(fest(13, 0, 0), draw()).unwrap_err();
    assert_eq!(closed.code, ErrorCode::LotteryClosed);
    assert!(
        closed.detail.contains("after 2027-02-12"),
        "{}",
        closed.detail
    );
    let unknown = m.op(fest(8, 9, 0), json!({"type": "draw", "lottery": "x"}));
    assert_eq!(unknown.unwrap_err().code, ErrorCode::UnknownLottery);
}

#[test]
fn the_server_settles_with_an_op_of_its_own_that_devices_cannot_send() {
    let mut m = Member::seed(at(2027, 1, 20, 9, 0));
    m.grant(at(2027, 1, 21, 9, 0), 100);
    m.ok(fest(6, 9, 0), draw());
    m.ok(fest(6, 9, 1), draw());
    let pending = sync::pending_draws(&m.state);
    assert_eq!(pending.len(), 2);

    let decisions = vec![
        (pending[0].clone(), Some("points_100".to_owned())),
        (pending[1].clone(), None),
    ];
    let ops = sync::settle_draws(&mut m.state, &m.cfg, &decisions, fest(6, 9, 2));
    assert_eq!(ops.len(), 2);
    assert_eq!(
        (ops[0].device.as_str(), ops[0].seq, ops[1].seq),
        (SERVER_DEVICE, 1, 2)
    );
    assert!(m.state.draws.iter().all(|d| d.settled));
    assert_eq!(m.state.draws[0].prize.as_deref(), Some("points_100"));
    // 60 left after two draws, then 100 won (under the daily cap of 100).
    assert_eq!(m.balance(), 160);
    // Settled already: settling again changes nothing.
    assert!(sync::settle_draws(&mut m.state, &m.cfg, &decisions, fest(6, 9, 3)).is_empty());

    // A prize the lottery does not have is refused.
    m.ok(fest(6, 9, 4), draw());
    let p = sync::pending_draws(&m.state).remove(0);
    let bad = Op {
        device: SERVER_DEVICE.into(),
        seq: 3,
        at: fest(6, 9, 5),
        op: OpKind::SettleDraw {
            lottery: p.lottery.clone(),
            draw_device: p.device.clone(),
            draw_seq: p.seq,
            prize: Some("car".into()),
        },
    };
    assert_eq!(
        m.state.apply(&m.cfg, &bad).unwrap_err().code,
        ErrorCode::UnknownPrize
    );

    // A device cannot settle its own draw, nor push as the server.
    let mut processed = BTreeMap::new();
    let push = Push {
        protocol: 1,
        device: "phone".into(),
        base_version: 0,
        snapshot_formats: vec![5],
        ops: vec![Op {
            device: "phone".into(),
            seq: 10,
            ..bad.clone()
        }],
        invited_by: None,
        rules_hash: None,
    };
    let out = sync::accept(
        &mut m.state.clone(),
        &mut processed,
        &m.cfg,
        &push,
        fest(6, 9, 6),
        Limits::from_config(&m.cfg),
    );
    assert_eq!(out.rejected[0].code, "NOT_ALLOWED");
    let forged = json!({"protocol": 1, "device": "~server", "base_version": 0, "snapshot_formats": [5], "ops": []});
    let err = Push::from_json(&forged.to_string()).unwrap_err();
    assert_eq!((err.code, err.path.as_str()), ("BAD_REQUEST", "device"));
}

#[test]
fn a_diamond_members_slots_are_exactly_twice_the_base_and_gone_stock_wins_nothing() {
    let cfg = Config::seed();
    let l = &cfg.lotteries[0];
    let count = |weight: u16, won: &[u32]| {
        let mut by_prize = vec![0u32; l.prizes.len()];
        for s in 0..l.total_weight {
            if let Some(i) = lottery::decide(l, s, weight, won) {
                by_prize[i] += 1;
            }
        }
        by_prize
    };
    let base = count(1, &[]);
    let diamond = count(2, &[]);
    let weights: Vec<u32> = l.prizes.iter().map(|z| z.weight).collect();
    assert_eq!(base, weights);
    assert_eq!(diamond, weights.iter().map(|w| w * 2).collect::<Vec<_>>());
    // The gift box (stock 20) gone: its slots win nothing, the others keep their odds.
    let gone = count(1, &[20, 0, 0]);
    assert_eq!(gone, [0, weights[1], weights[2]]);
}

/// Decides `n` draws the way the server does, in order, and publishes them.
fn run_lottery(cfg: &Config, seed: &[u8], n: u32) -> Published {
    let l = &cfg.lotteries[0];
    let mut won = vec![0u32; l.prizes.len()];
    let mut draws = Vec::new();
    for i in 0..n {
        let member = lottery::member_tag(seed, &format!("user{}", i % 50));
        let weight = if i % 5 == 0 { 2 } else { 1 };
        let slot = lottery::slot(seed, &l.id, &member, "phone", i + 1, l.total_weight);
        let prize = lottery::decide(l, slot, weight, &won);
        if let Some(p) = prize {
            won[p] += 1;
        }
        draws.push(PublishedDraw {
            member,
            device: "phone".into(),
            seq: i + 1,
            weight,
            prize: prize.map(|p| l.prizes[p].id.clone()),
        });
    }
    Published {
        lottery: l.id.clone(),
        commitment: lottery::commitment(seed),
        seed: Some(lottery::hex(seed)),
        draws,
    }
}

#[test]
fn anyone_can_verify_a_revealed_lottery_and_any_change_is_caught() {
    let cfg = Config::seed();
    let l = &cfg.lotteries[0];
    let seed = [7u8; 32];
    let published = run_lottery(&cfg, &seed, 5000);
    let text = serde_json::to_string(&published).unwrap();
    let read = Published::from_json(&text).unwrap();
    assert_eq!(read, published);
    let ok = lottery::verify(l, &read).unwrap();
    assert_eq!(ok.draws, 5000);
    let gifts = ok.won[0].1;
    assert_eq!(
        gifts, 20,
        "5000 draws exhaust the 20 gift boxes: stock ran out mid-draw"
    );

    // One result changed.
    let mut forged = published.clone();
    let i = forged.draws.iter().position(|d| d.prize.is_none()).unwrap();
    forged.draws[i].prize = Some("gift".into());
    let err = lottery::verify(l, &forged).unwrap_err();
    assert_eq!(err.code, ErrorCode::LotteryMismatch);
    assert!(
        err.detail.starts_with(&format!("draws[{i}]")),
        "{}",
        err.detail
    );

    // Another seed than the committed one.
    let mut swapped = published.clone();
    swapped.seed = Some(lottery::hex(&[8u8; 32]));
    assert!(lottery::verify(l, &swapped)
        .unwrap_err()
        .detail
        .contains("commitment"));

    // A winner moved behind the draw that emptied the stock.
    let mut reordered = published.clone();
    let last_gift = reordered
        .draws
        .iter()
        .rposition(|d| d.prize.as_deref() == Some("gift"))
        .unwrap();
    let later_loser = (last_gift + 1..reordered.draws.len())
        .find(|&j| {
            let d = &reordered.draws[j];
            let s = lottery::slot(&seed, &l.id, &d.member, &d.device, d.seq, l.total_weight);
            s < u32::from(d.weight) * l.prizes[0].weight
        })
        .expect("a later draw landed on the gift's slots");
    reordered.draws.swap(last_gift, later_loser);
    assert_eq!(
        lottery::verify(l, &reordered).unwrap_err().code,
        ErrorCode::LotteryMismatch
    );

    // Not revealed yet.
    let mut hidden = published;
    hidden.seed = None;
    assert_eq!(
        lottery::verify(l, &hidden).unwrap_err().code,
        ErrorCode::LotteryNotRevealed
    );
    let junk = Published::from_json(r#"{"lottery": 1}"#).unwrap_err();
    assert_eq!(junk.code, ErrorCode::LotteryInvalid);
}

#[test]
fn diamond_members_win_about_twice_as_often() {
    let cfg = Config::seed();
    let l = &cfg.lotteries[0];
    let (mut base, mut diamond) = (0u32, 0u32);
    let n = 40_000u32;
    for i in 0..n {
        let slot = lottery::slot(
            b"seed",
            &l.id,
            &lottery::member_tag(b"seed", &format!("u{i}")),
            "d",
            1,
            l.total_weight,
        );
        base += u32::from(lottery::decide(l, slot, 1, &[]).is_some());
        diamond += u32::from(lottery::decide(l, slot, 2, &[]).is_some());
    }
    // Expected 155/1000 and 310/1000 of the draws.
    let within = |got: u32, p: f64| {
        let e = f64::from(n) * p;
        (f64::from(got) - e).abs() < 6.0 * (e * (1.0 - p)).sqrt()
    };
    assert!(within(base, 0.155), "{base}");
    assert!(within(diamond, 0.310), "{diamond}");
}

/// Archiving keeps every pending draw, and settled ones from last month on; older settled
/// draws leave the state (the server's op log keeps them).
#[test]
fn archiving_drops_settled_draws_from_before_last_month_only() {
    let t = at(2026, 6, 1, 9, 0);
    let mut m = Member::seed(t);
    let today = m.cfg.clock().day_of(t) + 100;
    let draw = |seq: u32, day: i32, settled: bool| zailai::state::DrawRecord {
        lottery: "spring".into(),
        device: "phone".into(),
        seq,
        day,
        weight: 1,
        settled,
        prize: None,
    };
    m.state.draws = vec![
        draw(1, today - 95, true),
        draw(2, today - 95, false),
        draw(3, today - 10, true),
    ];
    m.check_in(t + 100 * 86_400_000).unwrap();
    let seqs: Vec<u32> = m.state.draws.iter().map(|d| d.seq).collect();
    assert_eq!(seqs, [2, 3]);
}
