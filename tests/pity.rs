//! The collect-cards pity count (保底, RULES.md, Campaigns): a chance that follows `pity − 1`
//! chances in a row that brought no kind the member lacks gives the rarest lacking kind, so a
//! member who uses every chance of the seed's set can complete it. The fairness figure (the
//! share of members who can) is computed here over 10,000 member ids, with and without pity.

mod common;

use common::*;
use serde_json::{json, Value};
use zailai::config::CardSet;
use zailai::state::CardHolding;
use zailai::{card_pity, card_roll, Config};

/// The seed's Spring Festival campaign runs 2027-02-06 … 02-12 (early access from 02-05 23:00).
fn fest(d: u8, h: i64, min: i64) -> i64 {
    at(2027, 2, d, h, min)
}

fn holding(held: &[(&str, u16)], dry: u16) -> CardHolding {
    let mut h = CardHolding {
        dry,
        ..CardHolding::default()
    };
    for (kind, n) in held {
        h.held.insert((*kind).to_owned(), *n);
    }
    h
}

#[test]
fn pity_is_due_after_pity_minus_one_dry_chances_and_names_the_rarest_lacking_kind() {
    let cfg = Config::seed();
    let set = &cfg.cards[0];
    assert_eq!(
        set.pity, 5,
        "the seed's pity count (docs/rules.md says why not 7)"
    );
    let kinds: Vec<&str> = set.kinds.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(kinds, ["aiguo", "fuqiang", "hexie", "youshan", "jingye"]);
    // Not due before 4 dry chances in a row; due at 4 and after.
    let some = [("aiguo", 2), ("fuqiang", 1)];
    assert_eq!(card_pity(set, &holding(&some, 3)), None);
    assert_eq!(
        card_pity(set, &holding(&some, 4)),
        Some(4),
        "jingye: 10 against 30"
    );
    assert_eq!(card_pity(set, &holding(&some, 40)), Some(4));
    // Among equally rare lacking kinds, the first of the set's order; a kind held 0 lacks.
    let rare_held = [("aiguo", 1), ("jingye", 1), ("fuqiang", 0)];
    assert_eq!(card_pity(set, &holding(&rare_held, 4)), Some(1));
    let later = [("aiguo", 1), ("fuqiang", 1), ("jingye", 1)];
    assert_eq!(card_pity(set, &holding(&later, 4)), Some(2));
    // Nothing lacking: nothing to give. No pity count: never.
    let all: Vec<(&str, u16)> = kinds.iter().map(|k| (*k, 1)).collect();
    assert_eq!(card_pity(set, &holding(&all, 9)), None);
    let mut off = set.clone();
    off.pity = 0;
    assert_eq!(card_pity(&off, &holding(&some, 9)), None);
    // Pity 1: every chance gives a lacking kind.
    off.pity = 1;
    assert_eq!(card_pity(&off, &holding(&some, 0)), Some(4));
}

/// The seed with a set of a common kind and a rare one, pity 3, and `share` giving a chance
/// at 1 % (so chances without a card are easy to find).
fn two_kinds() -> Config {
    let mut v = seed_json();
    v["cards"][0]["kinds"] = json!([
        {"id": "common", "name": {"en": "C"}, "weight": 1000},
        {"id": "rare", "name": {"en": "R"}, "weight": 1}
    ]);
    v["cards"][0]["grants"] = json!([
        {"action": "use_day", "chance_percent": 100},
        {"action": "invite", "chance_percent": 100},
        {"action": "share", "chance_percent": 1}
    ]);
    v["cards"][0]["pity"] = json!(3);
    config_from(v)
}

fn cards_of(events: &[Value]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter(|e| e["type"] == "card_granted")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e.get("pity").is_some_and(|p| p == true),
            )
        })
        .collect()
}

#[test]
fn the_chance_after_two_dry_ones_gives_the_rare_kind_and_a_chance_without_a_card_is_dry() {
    let cfg = two_kinds();
    let set = &cfg.cards[0];
    // A member whose rolls are: common, common, no card (share at 1 %), -, no card, common,
    // common. Chance 3 is decided by pity, whatever it rolls.
    let user = (0..)
        .map(|i| format!("m{i}"))
        .find(|u| {
            let common = |n| card_roll(set, u, n, 100) == Some(0);
            common(0)
                && common(1)
                && card_roll(set, u, 2, 1).is_none()
                && card_roll(set, u, 4, 1).is_none()
                && common(5)
                && common(6)
        })
        .unwrap();
    let mut m = Member::with(cfg.clone(), at(2027, 1, 20, 9, 0));
    m.state.user = user;
    let dry = |m: &Member| m.state.cards["spring_fu_2027"].dry;
    let common = || vec![("common".to_owned(), false)];
    assert_eq!(
        cards_of(&as_json(&m.track(fest(6, 9, 0), "open"))),
        common()
    );
    assert_eq!(dry(&m), 0, "a new kind");
    assert_eq!(
        cards_of(&as_json(&m.track(fest(6, 10, 0), "invite"))),
        common()
    );
    assert_eq!(dry(&m), 1);
    // Chance 2 follows one dry chance only: its own roll, here no card, which is dry too.
    assert!(cards_of(&as_json(&m.track(fest(6, 11, 0), "share"))).is_empty());
    assert_eq!(dry(&m), 2);
    // Chance 3 follows pity − 1 = 2 dry chances: the lacking kind, marked as pity.
    let got = cards_of(&as_json(&m.track(fest(7, 9, 0), "open")));
    assert_eq!(got, [("rare".to_owned(), true)]);
    let h = &m.state.cards["spring_fu_2027"];
    assert_eq!(
        (h.dry, h.held["rare"], h.held["common"], h.chances),
        (0, 1, 2, 4)
    );
    // Lacking nothing, every chance is dry and pity gives nothing: chance 6 rolls common.
    assert!(cards_of(&as_json(&m.track(fest(7, 10, 0), "share"))).is_empty());
    assert_eq!(
        cards_of(&as_json(&m.track(fest(7, 11, 0), "invite"))),
        common()
    );
    assert_eq!(
        cards_of(&as_json(&m.track(fest(8, 9, 0), "open"))),
        common()
    );
    assert_eq!(dry(&m), 3);
    // After an exchange the member lacks the rare kind again, and pity is due at once.
    m.ok(
        fest(8, 10, 0),
        json!({"type": "exchange_cards", "set": "spring_fu_2027"}),
    );
    let got = cards_of(&as_json(&m.track(fest(8, 11, 0), "invite")));
    assert_eq!(got, [("rare".to_owned(), true)]);
    assert_eq!(dry(&m), 0);
    // The counter survives the state's JSON and binary forms.
    m.track(fest(9, 9, 0), "share");
    let st = &m.state;
    assert_eq!(zailai::State::from_json(&st.to_json()).unwrap(), *st);
    assert_eq!(zailai::State::from_binary(&st.to_binary()).unwrap(), *st);
}

#[test]
fn the_pity_count_reads_strictly_and_is_checked() {
    let mut v = seed_json();
    v["cards"][0]["pity"] = json!(101);
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert!(err.to_string().contains("cards[0].pity"), "{err}");
    v["cards"][0]["pity"] = json!("5");
    let err = Config::parse(&v.to_string()).unwrap_err();
    assert!(err.to_string().contains("cards[0].pity"), "{err}");
    // Absent: no pity, and the lint says a member may not complete the set.
    v["cards"][0].as_object_mut().unwrap().remove("pity");
    let cfg = config_from(v.clone());
    assert_eq!(cfg.cards[0].pity, 0);
    let lint = cfg.lint();
    assert!(
        lint.iter()
            .any(|i| i.path == "cards[0].pity" && i.reason.contains("no pity")),
        "{lint:?}"
    );
    // RULES.md's 7 is too large for 5 kinds in 21 cards: (5 − 1) × 7 + 1 = 29.
    v["cards"][0]["pity"] = json!(7);
    let lint = config_from(v.clone()).lint();
    let issue = lint.iter().find(|i| i.path == "cards[0].pity").unwrap();
    assert!(
        issue.reason.contains("29 cards") && issue.reason.contains("at most 21"),
        "{}",
        issue.reason
    );
    assert!(issue.reason.contains("lower pity to 5"), "{}", issue.reason);
    // The seed's 5 is enough: no advice.
    assert!(Config::seed()
        .lint()
        .iter()
        .all(|i| i.path != "cards[0].pity"));
    // The binary rules carry it.
    let seed = Config::seed();
    assert_eq!(
        Config::from_binary(&seed.to_binary()).unwrap().cards[0].pity,
        5
    );
}

/// What a member who uses every chance gets: `chances` chances of `set`, decided as the engine
/// decides them (roll, then pity), with no exchange. True when the set is complete.
fn completes(set: &CardSet, user: &str, chances: u32) -> bool {
    let mut h = CardHolding::default();
    for n in 0..chances {
        let got = card_pity(set, &h).or_else(|| card_roll(set, user, n, 100));
        let new = got.is_some_and(|k| h.held.get(&set.kinds[k].id).is_none_or(|&c| c == 0));
        h.dry = if new { 0 } else { h.dry + 1 };
        if let Some(k) = got {
            *h.held.entry_or_default(set.kinds[k].id.clone()) += 1;
        }
    }
    set.kinds
        .iter()
        .all(|k| h.held.get(&k.id).is_some_and(|&c| c > 0))
}

/// A seed member who uses every chance of the campaign, through the engine: an open, a share
/// and an invite each day (3 cards, the daily limit), from early access on when `silver`.
fn engine_member(cfg: &Config, user: &str, silver: bool) -> bool {
    let mut m = Member::with(cfg.clone(), at(2027, 1, 20, 9, 0));
    m.state.user = user.to_owned();
    let mut days: Vec<(u8, i64)> = (6..=12).map(|d| (d, 9)).collect();
    if silver {
        m.ok(
            at(2027, 2, 1, 9, 0),
            json!({"type": "buy_membership", "plan": "monthly"}),
        );
        days.insert(0, (5, 23));
    }
    for (d, h) in days {
        for (i, action) in ["open", "share", "invite"].into_iter().enumerate() {
            m.track(fest(d, h, 10 * i as i64 + 1), action);
        }
    }
    let h = &m.state.cards["spring_fu_2027"];
    assert_eq!(h.chances, if silver { 24 } else { 21 });
    cfg.cards[0]
        .kinds
        .iter()
        .all(|k| h.held.get(&k.id).is_some_and(|&c| c > 0))
}

fn share(set: &CardSet, chances: u32, ids: u32) -> f64 {
    let done = (0..ids)
        .filter(|i| completes(set, &format!("member-{i}"), chances))
        .count();
    done as f64 * 100.0 / f64::from(ids)
}

#[test]
fn every_member_who_uses_every_chance_completes_the_seed_set() {
    let cfg = Config::seed();
    let set = &cfg.cards[0];
    let mut without = set.clone();
    without.pity = 0;
    let mut rules_seven = set.clone();
    rules_seven.pity = 7;
    // The simulation is the engine's own decision: checked member by member on a sample,
    // with and without pity, regular (21 chances) and silver (24, early access).
    let mut off = cfg.clone();
    off.cards[0].pity = 0;
    for i in (0..10_000).step_by(97) {
        let user = format!("member-{i}");
        for (c, s) in [(&cfg, set), (&off, &without)] {
            assert_eq!(
                engine_member(c, &user, false),
                completes(s, &user, 21),
                "{user}"
            );
            assert_eq!(
                engine_member(c, &user, true),
                completes(s, &user, 24),
                "{user}"
            );
        }
    }
    let figures = [
        ("seed pity 5, 21 chances", share(set, 21, 10_000)),
        ("seed pity 5, 24 chances", share(set, 24, 10_000)),
        ("no pity, 21 chances", share(&without, 21, 10_000)),
        ("no pity, 24 chances", share(&without, 24, 10_000)),
        ("pity 7, 21 chances", share(&rules_seven, 21, 10_000)),
        ("pity 7, 24 chances", share(&rules_seven, 24, 10_000)),
    ];
    for (what, pct) in figures {
        println!("fairness figure: {what}: {pct:.2} % of 10,000 members can complete the set");
    }
    assert_eq!(figures[0].1, 100.0);
    assert_eq!(figures[1].1, 100.0);
    // Without pity about a fifth cannot (the issue: 19 %, 15 % with early access), and pity
    // 7 still leaves a few out: the reason the seed says 5.
    assert!((75.0..90.0).contains(&figures[2].1), "{}", figures[2].1);
    assert!(figures[3].1 > figures[2].1 && figures[3].1 < 95.0);
    assert!(
        figures[4].1 < 100.0 && figures[4].1 > 99.0,
        "{}",
        figures[4].1
    );
    // And not by luck of the ids: (kinds − 1) × pity + 1 = 21 cards are always enough.
    let kinds = set.kinds.len() as u32;
    assert!((kinds - 1) * u32::from(set.pity) < 21);
}
