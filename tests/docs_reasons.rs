//! `docs/ops.md` names every reason the engine writes on `points_credited` (`source`),
//! `points_debited` and `points_restored` (`reason`): each prefix the engine's code formats
//! (`format!("PREFIX:…")`) or hands `ledger::credit` to join (`("PREFIX:", …)`) is listed, and the events of a member who does everything carry
//! only reasons listed in their own event's row.

mod common;

use common::{as_json, at, Member};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// The backticked words of the events table row of `event`, up to a `:` (`earn:ACTION` →
/// `earn:`; `check_in` → `check_in`).
fn listed(doc: &str, event: &str) -> BTreeSet<String> {
    let row = doc
        .lines()
        .find(|l| l.starts_with(&format!("| `{event}` |")))
        .unwrap_or_else(|| panic!("docs/ops.md has no row for `{event}`"));
    row.split('`')
        .skip(1)
        .step_by(2)
        .map(|w| match w.find(':') {
            Some(i) => w[..=i].to_owned(),
            None => w.to_owned(),
        })
        .collect()
}

fn prefix(reason: &str) -> String {
    match reason.find(':') {
        Some(i) => reason[..=i].to_owned(),
        None => reason.to_owned(),
    }
}

fn ops_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ops.md");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_reason_prefix_in_the_engines_code_is_in_docs_ops() {
    let doc = ops_doc();
    let all: BTreeSet<String> = ["points_credited", "points_debited", "points_restored"]
        .iter()
        .flat_map(|e| listed(&doc, e))
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // `format!("PREFIX:…")` and `("PREFIX:", …)` both follow a `("`.
        for piece in text.split("(\"").skip(1) {
            let word: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !word.is_empty() && piece[word.len()..].starts_with(':') {
                found.insert(format!("{word}:"));
            }
        }
    }
    assert!(
        found.contains("lottery:") && found.contains("earn:"),
        "{found:?}"
    );
    let missing: Vec<_> = found.difference(&all).collect();
    assert!(missing.is_empty(), "not in docs/ops.md: {missing:?}");
}

#[test]
fn a_busy_members_events_carry_only_reasons_listed_for_their_event() {
    let doc = ops_doc();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep = |events: Vec<zailai::Event>| {
        for e in as_json(&events) {
            let key = match e["type"].as_str().unwrap() {
                "points_credited" => "source",
                "points_debited" | "points_restored" => "reason",
                _ => continue,
            };
            let reason = e[key].as_str().unwrap().to_owned();
            seen.push((e["type"].as_str().unwrap().to_owned(), reason));
        }
    };
    // During the seed's campaign: cards, a draw, the campaign's extra points.
    let t = at(2027, 2, 6, 10, 0);
    let mut m = Member::seed(t);
    let mut ok = |m: &mut Member, when: i64, op: Value| keep(m.ok(when, op));
    ok(
        &mut m,
        t,
        json!({"type": "grant", "points": 1000, "reason": "welcome"}),
    );
    ok(&mut m, t, json!({"type": "check_in"}));
    ok(&mut m, t, json!({"type": "track", "action": "open"}));
    ok(&mut m, t, json!({"type": "track", "action": "share"}));
    ok(&mut m, t, json!({"type": "track", "action": "query"}));
    ok(
        &mut m,
        t,
        json!({"type": "redeem", "item": "coupon_5_yuan"}),
    );
    let lottery = m.cfg.lotteries[0].id.clone();
    ok(&mut m, t, json!({"type": "draw", "lottery": lottery}));
    ok(
        &mut m,
        t,
        json!({"type": "hold_points", "order": "A", "points": 300, "until": t + 900_000}),
    );
    ok(
        &mut m,
        t,
        json!({"type": "order", "order": "A", "amount_cents": 20_000, "points": 200}),
    );
    ok(
        &mut m,
        t,
        json!({"type": "refund_order", "order": "A", "points": 50}),
    );
    ok(&mut m, t, json!({"type": "cancel_order", "order": "A"}));
    ok(
        &mut m,
        t + 86_400_000 * 2,
        json!({"type": "make_up", "date": "2027-02-07"}),
    );
    let kinds: BTreeSet<&str> = seen.iter().map(|(_, r)| r.as_str()).collect();
    for wanted in [
        "lottery:",
        "makeup:",
        "refund:",
        "hold:",
        "order:",
        "campaign:",
    ] {
        assert!(
            kinds.iter().any(|r| r.starts_with(wanted)),
            "the scenario writes no `{wanted}` reason: {kinds:?}"
        );
    }
    for (event, reason) in &seen {
        assert!(
            listed(&doc, event).contains(&prefix(reason)),
            "`{reason}` of `{event}` is not in its docs/ops.md row"
        );
    }
}
