//! Test bodies shared by the Node and the browser harness; `shared_tests!()` declares them.

/// Declares every shared body as a `#[wasm_bindgen_test]` of the including harness.
#[macro_export]
macro_rules! shared_tests {
    () => {
        $crate::shared_tests!(
            check_in_returns_plain_event_objects,
            refusals_are_errors_with_a_code_and_change_nothing,
            config_errors_carry_path_and_every_issue,
            times_must_be_whole_milliseconds,
            views_and_state_round_trip,
            snapshots_verify_only_with_a_trusted_key,
            a_scheduled_version_takes_effect_at_its_instant
        );
    };
    ($($name:ident),+) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            fn $name() {
                common::$name();
            }
        )+
    };
}

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use zailai_wasm::{Member, Rules, Snapshot};

/// 2026-11-01 09:00 in UTC+8.
const DAY1: f64 = 1_761_958_800_000.0;
const DAY: f64 = 86_400_000.0;

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

/// An op as the JSON text `Member.applyJSON` takes (`Member.apply`, objects in and out, is
/// that in JS: js/src/bindings.js, tested in js/test/client.test.js).
fn op(seq: u32, at: f64, body: &str) -> String {
    format!(r#"{{"device":"t","seq":{seq},"at":{at},"op":{body}}}"#)
}

pub fn check_in_returns_plain_event_objects() {
    let rules = Rules::seed();
    let mut m = Member::join(&rules, "u", DAY1).unwrap();
    let events: Array = m
        .apply_json(&rules, &op(1, DAY1, r#"{"type":"check_in"}"#))
        .map(|text| js_sys::JSON::parse(&text).unwrap())
        .unwrap()
        .unchecked_into();
    assert_eq!(prop(&events.get(0), "type"), "checked_in");
    assert_eq!(prop(&events.get(0), "streak").as_f64(), Some(1.0));
    assert_eq!(prop(&events.get(1), "granted").as_f64(), Some(5.0));
}

pub fn refusals_are_errors_with_a_code_and_change_nothing() {
    let rules = Rules::seed();
    let mut m = Member::join(&rules, "u", DAY1).unwrap();
    m.apply_json(&rules, &op(1, DAY1, r#"{"type":"check_in"}"#))
        .unwrap();
    let before = m.state_json();
    let err = m
        .apply_json(&rules, &op(2, DAY1 + 1000.0, r#"{"type":"check_in"}"#))
        .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&err, "code"), "ALREADY_CHECKED_IN");
    assert_eq!(m.state_json(), before);
    let err = m
        .apply_json(&rules, &op(3, DAY1, r#"{"type":"fly"}"#))
        .unwrap_err();
    assert_eq!(prop(&err, "code"), "OP_INVALID");
}

pub fn config_errors_carry_path_and_every_issue() {
    use zailai::snapshot::base64;
    let encoded = |cfg: &zailai::Config| base64::encode(&cfg.to_binary());
    let mut cfg = zailai::Config::seed();
    cfg.checkin.streak_bonuses[1].day = 2;
    cfg.points.daily_cap = 0;
    let err = Rules::new(&encoded(&cfg), false).err().unwrap();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&err, "code"), "CONFIG_INVALID");
    assert_eq!(prop(&err, "path"), "checkin.streak_bonuses[1].day");
    let issues: Array = prop(&err, "issues").unchecked_into();
    assert_eq!(issues.length(), 2);
    let mut newer = zailai::Config::seed().to_binary();
    newer[0] += 1;
    let err = Rules::new(&base64::encode(&newer), false).err().unwrap();
    assert_eq!(prop(&err, "code"), "CONFIG_TOO_NEW");
    // The client's stored copy, checked on arrival, is read without checking the rules again
    // (the invalid rules above pass), but its format and records are still read.
    assert!(Rules::new(&encoded(&cfg), true).is_ok());
    assert!(Rules::new(&encoded(&cfg), false).is_err());
    let err = Rules::new(&base64::encode(&newer), true).err().unwrap();
    assert_eq!(prop(&err, "code"), "CONFIG_TOO_NEW");
    let cut = zailai::Config::seed().to_binary();
    let err = Rules::new(&base64::encode(&cut[..cut.len() / 2]), true)
        .err()
        .unwrap();
    assert_eq!(prop(&err, "code"), "CONFIG_INVALID");
    // A rule file is for people and the CLI; the phone reads the binary form only.
    let err = Rules::new(zailai::config::SEED_JSON, false).err().unwrap();
    assert_eq!(prop(&err, "code"), "BAD_ARGUMENT");
    assert!(Rules::new(&encoded(&zailai::Config::seed()), false).is_ok());
}

pub fn times_must_be_whole_milliseconds() {
    let rules = Rules::seed();
    let m = Member::join(&rules, "u", DAY1).unwrap();
    for bad in [f64::NAN, f64::INFINITY, 1.5, 9e15] {
        let err = m.points_summary(&rules, bad).unwrap_err();
        assert_eq!(prop(&err, "code"), "BAD_ARGUMENT");
    }
    assert!(Member::join(&rules, "u", f64::NAN).is_err());
}

pub fn views_and_state_round_trip() {
    let rules = Rules::seed();
    let mut m = Member::join(&rules, "u", DAY1).unwrap();
    for d in 0..3 {
        m.apply_json(
            &rules,
            &op(d + 1, DAY1 + f64::from(d) * DAY, r#"{"type":"check_in"}"#),
        )
        .unwrap();
    }
    // The month in numbers (`view::month_words`): the streak in the header, its label the
    // first text after the cells.
    let words = m
        .month_words(&rules, 2026, 11, DAY1 + 2.0 * DAY, None)
        .unwrap();
    assert_eq!(words[4], 3);
    assert_eq!(streak_label(&words), "连续签到 3 天");
    let en = m
        .month_words(&rules, 2026, 11, DAY1 + 2.0 * DAY, Some("en".into()))
        .unwrap();
    assert_eq!(streak_label(&en), "3-day streak");
    assert_eq!(
        prop(
            &m.month_words(&rules, 2026, 13, DAY1, None).unwrap_err(),
            "code"
        ),
        "INVALID_DATE"
    );
    let summary = m.points_summary(&rules, DAY1 + 2.0 * DAY).unwrap();
    assert_eq!(prop(&summary, "balance").as_f64(), Some(25.0));
    let mut copy = m.copy();
    assert_eq!(copy.state_json(), m.state_json());
    assert_eq!(copy.last_seq("t"), 3);
    copy.apply_json(&rules, &op(4, DAY1 + 3.0 * DAY, r#"{"type":"check_in"}"#))
        .unwrap();
    assert_eq!((copy.last_seq("t"), m.last_seq("t")), (4, 3), "independent");
}

/// The streak label of a month's words: the first text after the header and the cells.
fn streak_label(words: &[u32]) -> String {
    use zailai::view::{MONTH_CELL, MONTH_HEADER};
    let at = MONTH_HEADER + words[7] as usize * MONTH_CELL;
    let units: Vec<u16> = words[at + 1..][..words[at] as usize]
        .iter()
        .map(|&u| u as u16)
        .collect();
    String::from_utf16(&units).unwrap()
}

fn code_of(e: JsValue) -> String {
    prop(&e, "code").as_string().unwrap()
}

pub fn snapshots_verify_only_with_a_trusted_key() {
    use zailai::snapshot::{base64, Payload, SnapshotSigner};
    let rules = Rules::seed();
    let mut m = Member::join(&rules, "u", DAY1).unwrap();
    m.apply_json(&rules, &op(1, DAY1, r#"{"type":"check_in"}"#))
        .unwrap();
    let signer = SnapshotSigner::from_seed("k1", &[7; 32]).unwrap();
    let payload = Payload {
        user: "u".into(),
        server_version: 3,
        issued_at: DAY1 as i64,
        config_hash: "00".repeat(32),
        acked: [("t".to_owned(), 1)].into_iter().collect(),
        state: zailai::State::from_json(&m.state_json()).unwrap(),
    };
    let bytes = signer.sign(&payload);
    let keys = format!(
        r#"[{{"id":"k1","public":"{}"}}]"#,
        base64::encode(&signer.public_key())
    );

    let snap = Snapshot::verify(&keys, &base64::encode(&bytes), false).unwrap();
    assert_eq!((snap.user().as_str(), snap.server_version()), ("u", 3));
    assert_eq!(snap.member().state_json(), m.state_json());

    let mut edited = bytes.clone();
    let last_payload_byte = edited.len() - 65;
    edited[last_payload_byte] ^= 1;
    let err = Snapshot::verify(&keys, &base64::encode(&edited), false)
        .err()
        .unwrap();
    assert_eq!(code_of(err), "SNAPSHOT_BAD_SIGNATURE");
    // The signature left for later (the client's stored copy at open): a bad signature
    // passes, every other check does not.
    let mut resigned = bytes.clone();
    let at = resigned.len() - 1;
    resigned[at] ^= 1;
    let text = base64::encode(&resigned);
    let later = Snapshot::verify(&keys, &text, true).unwrap();
    assert_eq!(later.member().state_json(), m.state_json());
    let err = Snapshot::verify(&keys, &text, false).err().unwrap();
    assert_eq!(code_of(err), "SNAPSHOT_BAD_SIGNATURE");
    let other = r#"[{"id":"k2","public":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]"#;
    for later in [false, true] {
        let err = Snapshot::verify(other, &base64::encode(&bytes), later)
            .err()
            .unwrap();
        assert_eq!(code_of(err), "SNAPSHOT_UNKNOWN_KEY");
        let err = Snapshot::verify(&keys, "not base64!", later).err().unwrap();
        assert_eq!(code_of(err), "SNAPSHOT_MALFORMED");
        let err = Snapshot::verify(&keys, &base64::encode(&bytes[..bytes.len() - 1]), later)
            .err()
            .unwrap();
        assert_eq!(code_of(err), "SNAPSHOT_MALFORMED");
        let err = Snapshot::verify("{}", &base64::encode(&bytes), later)
            .err()
            .unwrap();
        assert_eq!(code_of(err), "BAD_ARGUMENT");
    }
}

/// Rules (a timeline in wasm) with a version scheduled: ops and views take the version in
/// effect at their own time, with nothing fetched at the switch (RULES.md, "Rule versions").
pub fn a_scheduled_version_takes_effect_at_its_instant() {
    use zailai::snapshot::base64;
    let mut next = zailai::Config::seed();
    next.points.earning.get_mut("review").unwrap().points = 35;
    next.catalog[0].cost_points = 80;
    let switch = DAY1 + DAY / 2.0;
    let mut rules = Rules::seed();
    rules
        .schedule(&base64::encode(&next.to_binary()), switch, false)
        .unwrap();
    let granted = |events: &str| -> f64 {
        let list: Array = js_sys::JSON::parse(events).unwrap().unchecked_into();
        let credit = list
            .iter()
            .find(|e| prop(e, "type") == "points_credited")
            .unwrap();
        prop(&credit, "granted").as_f64().unwrap()
    };
    let review = r#"{"type":"track","action":"review","count":1}"#;
    let mut m = Member::open(&rules, "u", None, "phone", DAY1, 0, None, None, None).unwrap();
    let before = m
        .record(&rules, switch - 1.0, "track", Some("review".into()), 1)
        .unwrap();
    let after = m
        .record(&rules, switch, "track", Some("review".into()), 1)
        .unwrap();
    assert_eq!((granted(&before), granted(&after)), (20.0, 35.0));
    let replayed = m.state_json();
    assert_eq!(m.rebuild(&rules), "[]");
    assert_eq!(m.state_json(), replayed, "a replay keeps each op's version");
    let mut other = m.copy();
    assert_eq!(
        granted(
            &other
                .apply_json(&rules, &op(9, switch - 2.0, review))
                .unwrap()
        ),
        20.0
    );
    // Views at now: the version in effect then.
    let cost = |now: f64| -> f64 {
        let items: Array = m.catalog(&rules, now, None).unwrap().unchecked_into();
        prop(&items.get(0), "costPoints").as_f64().unwrap()
    };
    assert_eq!((cost(switch - 1.0), cost(switch)), (50.0, 80.0));
    // A version must come after every one held, at a whole instant.
    let again = base64::encode(&next.to_binary());
    for bad in [switch, switch - DAY, f64::NAN] {
        let err = rules.schedule(&again, bad, false).unwrap_err();
        assert_eq!(prop(&err, "code"), "BAD_ARGUMENT");
    }
    let err = rules
        .schedule("not rules", switch + DAY, false)
        .unwrap_err();
    assert_eq!(prop(&err, "code"), "BAD_ARGUMENT");
    // A scheduled version is checked unless the client checked it on arrival.
    let mut invalid = next.clone();
    invalid.points.daily_cap = 0;
    let invalid = base64::encode(&invalid.to_binary());
    let err = rules.schedule(&invalid, switch + DAY, false).unwrap_err();
    assert_eq!(prop(&err, "code"), "CONFIG_INVALID");
    rules.schedule(&invalid, switch + DAY, true).unwrap();
}
