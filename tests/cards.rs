//! Collect-cards (集福卡): chances while the campaign runs, odds from the rules, a daily limit,
//! and the exchange of a full set.

mod common;

use common::*;
use serde_json::{json, Value};
use zailai::{card_roll, Config, ErrorCode, State};

/// The seed's Spring Festival campaign runs 2027-02-06 … 02-12.
fn fest(d: u8, h: i64) -> i64 {
    at(2027, 2, d, h, 0)
}

fn cards_of(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "card_granted")
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn chances_come_only_while_the_campaign_runs_and_stop_at_the_daily_limit() {
    let mut m = Member::seed(at(2027, 1, 20, 9, 0));
    // Before the campaign: counted actions give no card and take no chance.
    assert!(cards_of(&as_json(&m.track(fest(5, 23), "share"))).is_empty());
    assert!(m.state.cards.is_empty());

    // In it: open (use_day), share and invite each give a card (100 % in the seed).
    let mut got = Vec::new();
    got.extend(cards_of(&as_json(&m.track(fest(6, 9), "open"))));
    got.extend(cards_of(&as_json(&m.track(fest(6, 10), "share"))));
    got.extend(cards_of(&as_json(&m.track(fest(6, 11), "invite"))));
    assert_eq!(got.len(), 3);
    // A fourth the same day is over the limit of 3: no card, and no chance used up.
    assert!(cards_of(&as_json(&m.track(fest(6, 12), "invite"))).is_empty());
    let h = &m.state.cards["spring_fu_2027"];
    assert_eq!((h.chances, h.today), (3, 3));
    // Which cards came is what chances 0, 1, 2 of this member decide.
    let set = &m.cfg.cards[0];
    let expected: Vec<String> = (0..3)
        .map(|n| set.kinds[card_roll(set, "u1", n, 100).unwrap()].id.clone())
        .collect();
    assert_eq!(got, expected);
    let held: u16 = h.held.values().sum();
    assert_eq!(held, 3);

    // The next day the limit starts again; after the campaign nothing comes.
    assert_eq!(cards_of(&as_json(&m.track(fest(7, 9), "open"))).len(), 1);
    assert!(cards_of(&as_json(&m.track(fest(13, 9), "open"))).is_empty());
    assert_eq!(m.state.cards["spring_fu_2027"].chances, 4);
}

#[test]
fn the_odds_follow_the_weights_and_the_chance_percent() {
    let cfg = Config::seed();
    let set = &cfg.cards[0];
    let total: u32 = set.kinds.iter().map(|k| u32::from(k.weight)).sum();
    let n = 26_000u32;
    let mut counts = vec![0u32; set.kinds.len()];
    let mut hits = 0;
    for i in 0..n {
        let user = format!("user{}", i % 97);
        if let Some(k) = card_roll(set, &user, i, 100) {
            counts[k] += 1;
        }
        hits += u32::from(card_roll(set, &user, i, 30).is_some());
    }
    for (k, kind) in set.kinds.iter().enumerate() {
        let expected = f64::from(n) * f64::from(kind.weight) / f64::from(total);
        let got = f64::from(counts[k]);
        // Six standard deviations of a binomial count: a wrong mapping is far outside.
        let sd = (expected * (1.0 - f64::from(kind.weight) / f64::from(total))).sqrt();
        assert!(
            (got - expected).abs() < 6.0 * sd,
            "{}: {got} vs {expected}",
            kind.id
        );
    }
    let expected = f64::from(n) * 0.3;
    let sd = (expected * 0.7).sqrt();
    assert!(
        (f64::from(hits) - expected).abs() < 6.0 * sd,
        "30 %: {hits}"
    );
}

/// The seed with a two-card set, so a full set is quick to collect.
fn two_cards() -> Config {
    let mut v = seed_json();
    v["cards"][0]["kinds"] = json!([
        {"id": "a", "name": {"en": "A"}, "weight": 1},
        {"id": "b", "name": {"en": "B"}, "weight": 1}
    ]);
    config_from(v)
}

#[test]
fn a_full_set_is_exchanged_once_for_the_reward() {
    let mut m = Member::with(two_cards(), at(2027, 1, 20, 9, 0));
    let err = m
        .op(
            fest(6, 8),
            json!({"type": "exchange_cards", "set": "spring_fu_2027"}),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::CardsIncomplete);
    assert!(err.detail.contains("a, b"), "{}", err.detail);
    let nope = m.op(fest(6, 8), json!({"type": "exchange_cards", "set": "nope"}));
    assert_eq!(nope.unwrap_err().code, ErrorCode::UnknownCardSet);

    let mut day = 6;
    while m
        .state
        .cards
        .get("spring_fu_2027")
        .is_none_or(|h| h.held.len() < 2)
    {
        m.track(fest(day, 9), "open");
        m.track(fest(day, 10), "share");
        day += 1;
        assert!(day <= 12, "two kinds of even odds within the campaign");
    }
    let before = m.state.clone();
    let held: Vec<u16> = before.cards["spring_fu_2027"]
        .held
        .values()
        .copied()
        .collect();
    let events = as_json(&m.ok(
        fest(12, 20),
        json!({"type": "exchange_cards", "set": "spring_fu_2027"}),
    ));
    assert!(find(&events, "cards_exchanged").is_some());
    let h = &m.state.cards["spring_fu_2027"];
    assert_eq!(h.exchanged, 1);
    let after: Vec<u16> = h.held.values().copied().collect();
    assert_eq!(after, held.iter().map(|n| n - 1).collect::<Vec<_>>());
    let coupon = find(&events, "coupon_granted").unwrap();
    assert_eq!(coupon["coupon"], "spring_fu_coupon");
    assert_eq!(coupon["source"], "cards:spring_fu_2027");
    assert!(
        m.balance() > before.balance,
        "points of the reward (within the caps)"
    );

    // The exchange works after the campaign too, so a set completed late is not lost; and the
    // cards survive the state's JSON round trip.
    let back = State::from_json(&m.state.to_json()).unwrap();
    assert_eq!(back, m.state);
}
