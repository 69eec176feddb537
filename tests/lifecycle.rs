//! Lifecycle: segments (new, active, dormant at 7 and 15 days, returning), RFM bands, the
//! wake-up coupons on return, and the one-time high-potential offer.
mod common;

use common::{at, config_from, seed_json, Member};
use serde_json::json;
use zailai::view::{self, Lifecycle};
use zailai::Event;

fn wake_up_config() -> zailai::Config {
    let mut v = seed_json();
    v["lifecycle"] = json!({"wake_up_coupons": ["wake_up_5_yuan"]});
    config_from(v)
}

#[test]
fn new_then_active_then_dormant_7_and_15_then_returning() {
    let mut m = Member::with(wake_up_config(), at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    let seg = |m: &Member, mo: u8, d: u8| view::segments(&m.state, &m.cfg, at(2026, mo, d, 12, 0));
    assert_eq!(seg(&m, 11, 3).lifecycle, Lifecycle::New);
    m.check_in(at(2026, 11, 6, 9, 0)).unwrap();
    assert_eq!(
        seg(&m, 11, 9).lifecycle,
        Lifecycle::Active,
        "past the 7 new days, 3 days away"
    );
    let s = seg(&m, 11, 13);
    assert_eq!(
        (s.lifecycle, s.days_away, s.dormant_level),
        (Lifecycle::Dormant, 7, Some(7))
    );
    assert_eq!(seg(&m, 11, 21).dormant_level, Some(15));
    // Back on the 24th after 18 days: returned, wake-up coupon valid 3 days (24th–26th).
    let events = m.check_in(at(2026, 11, 24, 9, 0)).unwrap();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::MemberReturned { away_days: 18, .. })));
    assert!(events.iter().any(|e| matches!(e, Event::CouponGranted { coupon, source } if coupon == "wake_up_5_yuan" && source == "wake_up")));
    let grant = m.state.coupons.last().unwrap();
    assert_eq!(
        grant.expires,
        Some(zailai::day::days_from_civil(2026, 11, 26))
    );
    assert_eq!(seg(&m, 11, 25).lifecycle, Lifecycle::Returning);
    // A short gap is not a return.
    let events = m.check_in(at(2026, 11, 27, 9, 0)).unwrap();
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::MemberReturned { .. })));
    assert_eq!(
        seg(&m, 11, 30).lifecycle,
        Lifecycle::Returning,
        "returning for 7 days"
    );
    assert_eq!(seg(&m, 12, 1).lifecycle, Lifecycle::Active);
    let json = m.state.to_json();
    assert_eq!(
        zailai::State::from_json(&json).unwrap(),
        m.state,
        "returned and coupon expiry round-trip"
    );
}

#[test]
fn rfm_scores_recency_frequency_and_spend() {
    let mut m = Member::seed(at(2026, 10, 1, 9, 0));
    for d in 1..=25 {
        m.ok(
            at(2026, 10, d, 9, 0),
            json!({"type": "track", "action": "open"}),
        );
    }
    m.ok(
        at(2026, 10, 25, 10, 0),
        json!({"type": "order", "order": "o1", "amount_cents": 60_000}),
    );
    let s = view::segments(&m.state, &m.cfg, at(2026, 10, 25, 20, 0));
    assert_eq!(
        (s.rfm.recency, s.rfm.frequency, s.rfm.monetary),
        (5, 5, 5),
        "{s:?}"
    );
    assert_eq!(s.active_days, 25);
    assert!(s.high_value);
    // 16 days later: recency 1 (more than 15 days), frequency 4 (14 active days in the last
    // 30), the spend still counts (90 days).
    let s = view::segments(&m.state, &m.cfg, at(2026, 11, 10, 20, 0));
    assert_eq!(
        (s.days_away, s.rfm.recency, s.rfm.frequency, s.rfm.monetary),
        (16, 1, 4, 5)
    );
    assert_eq!(s.rfm.total, 10);
    assert!(!s.high_value, "12 or more is high value");
    let fresh = Member::seed(at(2026, 10, 1, 9, 0));
    let s = view::segments(&fresh.state, &fresh.cfg, at(2026, 10, 1, 10, 0));
    assert_eq!((s.rfm.recency, s.rfm.frequency, s.rfm.monetary), (5, 1, 1));
}

#[test]
fn high_potential_members_get_accelerators_once() {
    let mut v = seed_json();
    let c =
        |id: &str, start: &str| json!({"id": id, "name": {"en": id}, "start": start, "days": 10});
    // Cards and lotteries of the seed follow the campaign replaced here.
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    v["campaigns"] = json!([
        c("c1", "2026-11-01"),
        c("c2", "2026-11-03"),
        c("c3", "2026-11-05")
    ]);
    v["campaign_overlap_limit"] = json!(5);
    let mut m = Member::with(config_from(v), at(2026, 11, 5, 8, 0));
    let t = at(2026, 11, 5, 9, 0);
    m.ok(
        t,
        json!({"type": "order", "order": "big", "amount_cents": 25_000}),
    );
    assert_eq!(m.state.campaigns.len(), 3);
    assert!(m.state.campaigns.values().all(|c| c.spend_cents == 25_000));
    assert_eq!(m.state.accelerators, 0, "growth tasks not done yet");
    m.ok(t, json!({"type": "track", "action": "profile_complete"}));
    m.ok(t, json!({"type": "track", "action": "invite"}));
    for d in 5..=14 {
        m.ok(
            at(2026, 11, d, 10, 0),
            json!({"type": "track", "action": "open"}),
        );
    }
    assert!(view::segments(&m.state, &m.cfg, at(2026, 11, 14, 12, 0)).high_potential);
    assert_eq!(m.state.accelerators, 1);
    assert_eq!(
        m.state.offers.get("potential"),
        Some(&zailai::day::days_from_civil(2026, 11, 14))
    );
    m.ok(
        at(2026, 11, 14, 11, 0),
        json!({"type": "track", "action": "open"}),
    );
    assert_eq!(m.state.accelerators, 1, "once");
}

#[test]
fn bad_lifecycle_rules_name_their_path() {
    let mut v = seed_json();
    v["lifecycle"] = json!({"dormant_days": [15, 7], "rfm": {"recency_days": [1, 3, 7], "frequency_window": 30, "frequency_days": [1, 4, 10, 20], "monetary_window": 0, "monetary_cents": [1, 2, 3, 4]}});
    let e = zailai::Config::parse(&v.to_string()).unwrap_err();
    let paths: Vec<&str> = e.issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "lifecycle.dormant_days",
            "lifecycle.rfm.recency_days",
            "lifecycle.rfm.monetary_window"
        ]
    );
}
