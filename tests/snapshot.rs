//! Signed snapshots: round trip, tampering anywhere, key rotation, malformed bytes, and
//! Ed25519 conformance with every Wycheproof case.

mod common;

use common::{at, Member};
use serde_json::Value;
use zailai::snapshot::{self, base64, Payload, SnapshotSigner, TrustedKeys};
use zailai::{Config, ErrorCode};

fn payload() -> Payload {
    let mut m = Member::seed(at(2026, 11, 1, 9, 0));
    m.check_in(at(2026, 11, 1, 9, 0)).unwrap();
    m.track(at(2026, 11, 1, 9, 5), "share");
    Payload {
        user: "u1".into(),
        server_version: 7,
        issued_at: at(2026, 11, 1, 10, 0),
        config_hash: snapshot::config_hash(&m.cfg),
        acked: [("phone".to_owned(), 2)].into_iter().collect(),
        state: m.state,
    }
}

fn trusting(signers: &[&SnapshotSigner]) -> TrustedKeys {
    let mut keys = TrustedKeys::new();
    for s in signers {
        keys.add(&s.id, &s.public_key()).unwrap();
    }
    keys
}

#[test]
fn signed_bytes_verify_and_say_what_was_signed() {
    let signer = SnapshotSigner::from_seed("k2026", &[7; 32]).unwrap();
    let bytes = signer.sign(&payload());
    assert_eq!(&bytes[..4], b"ZLSN");
    assert_eq!(bytes[4], 5, "the binary payload format (state v4)");
    assert_eq!(snapshot::key_id(&bytes).unwrap(), "k2026");
    assert_eq!(
        snapshot::verify(&bytes, &trusting(&[&signer])).unwrap(),
        payload()
    );
    assert_eq!(
        signer.sign(&payload()),
        bytes,
        "Ed25519 signing is deterministic"
    );
    let text = base64::encode(&bytes);
    assert_eq!(base64::decode(&text).unwrap(), bytes);
}

/// The client's stored copy at open: every check but the signature's. Each signature byte
/// edited passes (the client verifies the whole right after the first paint); a consistent
/// edit of the payload passes too, which is why that check follows; an untrusted key, a cut
/// or a bad header do not.
#[test]
fn signature_later_checks_everything_but_the_signature() {
    let signer = SnapshotSigner::from_seed("k", &[7; 32]).unwrap();
    let keys = trusting(&[&signer]);
    let bytes = signer.sign(&payload());
    for i in bytes.len() - 64..bytes.len() {
        let mut edited = bytes.clone();
        edited[i] ^= 0x01;
        assert_eq!(
            snapshot::verify_unless(&edited, &keys, true).unwrap(),
            payload()
        );
        assert!(snapshot::verify_unless(&edited, &keys, false).is_err());
    }
    let other = SnapshotSigner::from_seed("other", &[8; 32]).unwrap();
    let code = |bytes: &[u8], keys: &TrustedKeys| {
        snapshot::verify_unless(bytes, keys, true).unwrap_err().code
    };
    assert_eq!(
        code(&bytes, &trusting(&[&other])),
        ErrorCode::SnapshotUnknownKey
    );
    assert_eq!(
        code(&bytes[..bytes.len() - 1], &keys),
        ErrorCode::SnapshotMalformed
    );
    let mut v2 = bytes.clone();
    v2[4] = 2;
    assert_eq!(code(&v2, &keys), ErrorCode::SnapshotVersionUnsupported);
}

#[test]
fn any_changed_byte_is_refused() {
    let signer = SnapshotSigner::from_seed("k", &[7; 32]).unwrap();
    let keys = trusting(&[&signer]);
    let bytes = signer.sign(&payload());
    for i in 0..bytes.len() {
        let mut edited = bytes.clone();
        edited[i] ^= 0x01;
        let err =
            snapshot::verify(&edited, &keys).expect_err(&format!("byte {i} edited but accepted"));
        assert!(
            err.code.as_str().starts_with("SNAPSHOT_"),
            "byte {i}: {err}"
        );
    }
    // A consistent edit (balance 35 -> 99, and its lot) under the old signature: bad signature.
    let mut richer = payload();
    richer.state.balance = 99;
    richer.state.lots.iter_mut().next().unwrap().1.remaining = 99;
    let mut edited = signer.sign(&richer);
    let n = edited.len();
    edited[n - 64..].copy_from_slice(&bytes[bytes.len() - 64..]);
    assert_eq!(
        snapshot::verify(&edited, &keys).unwrap_err().code,
        ErrorCode::SnapshotBadSignature
    );
}

/// The binary payload is far smaller than the same payload as JSON (what format 1 carried).
#[test]
fn the_binary_payload_is_smaller_than_json() {
    let binary = zailai::binary::encode(&payload());
    let json = serde_json::to_vec(&payload()).unwrap();
    assert!(
        binary.len() * 3 < json.len(),
        "binary {} bytes, JSON {} bytes",
        binary.len(),
        json.len()
    );
    assert_eq!(
        zailai::binary::codec::from_bytes::<Payload>(&binary).unwrap(),
        payload()
    );
}

#[test]
fn forged_and_untrusted_signatures() {
    let server = SnapshotSigner::from_seed("k", &[7; 32]).unwrap();
    let attacker = SnapshotSigner::from_seed("k", &[9; 32]).unwrap();
    let keys = trusting(&[&server]);
    assert_eq!(
        snapshot::verify(&attacker.sign(&payload()), &keys)
            .unwrap_err()
            .code,
        ErrorCode::SnapshotBadSignature
    );
    let other = SnapshotSigner::from_seed("other", &[9; 32]).unwrap();
    assert_eq!(
        snapshot::verify(&other.sign(&payload()), &keys)
            .unwrap_err()
            .code,
        ErrorCode::SnapshotUnknownKey
    );
}

#[test]
fn rotation_trusts_old_and_new_until_the_old_is_removed() {
    let old = SnapshotSigner::from_seed("2026a", &[1; 32]).unwrap();
    let new = SnapshotSigner::from_seed("2026b", &[2; 32]).unwrap();
    let both = trusting(&[&old, &new]);
    assert!(snapshot::verify(&old.sign(&payload()), &both).is_ok());
    assert!(snapshot::verify(&new.sign(&payload()), &both).is_ok());
    let only_new = trusting(&[&new]);
    assert_eq!(
        snapshot::verify(&old.sign(&payload()), &only_new)
            .unwrap_err()
            .code,
        ErrorCode::SnapshotUnknownKey
    );
    assert_eq!(both.ids().collect::<Vec<_>>(), ["2026a", "2026b"]);
}

#[test]
fn malformed_bytes_and_other_versions() {
    let signer = SnapshotSigner::from_seed("k", &[7; 32]).unwrap();
    let keys = trusting(&[&signer]);
    let bytes = signer.sign(&payload());
    let code = |b: &[u8]| snapshot::verify(b, &keys).unwrap_err().code;
    assert_eq!(
        code(&bytes[..bytes.len() - 1]),
        ErrorCode::SnapshotMalformed
    );
    assert_eq!(
        code(&[bytes.as_slice(), &[0]].concat()),
        ErrorCode::SnapshotMalformed
    );
    assert_eq!(code(b"ZLSN"), ErrorCode::SnapshotMalformed);
    assert_eq!(code(&[]), ErrorCode::SnapshotMalformed);
    for format in [0, 1, 2, 3, 4, 6, 255] {
        let mut other = bytes.clone();
        other[4] = format;
        assert_eq!(code(&other), ErrorCode::SnapshotVersionUnsupported);
    }
    let mut no_id = bytes.clone();
    no_id[5] = 0;
    assert_eq!(code(&no_id), ErrorCode::SnapshotMalformed);
    assert!(TrustedKeys::new().add("k", &[0; 31]).is_err());
    assert!(SnapshotSigner::from_seed("", &[7; 32]).is_err());
}

#[test]
fn a_signed_but_inconsistent_state_is_refused() {
    let signer = SnapshotSigner::from_seed("k", &[7; 32]).unwrap();
    let mut p = payload();
    p.state.balance += 1;
    let err = snapshot::verify(&signer.sign(&p), &trusting(&[&signer])).unwrap_err();
    assert_eq!(err.code, ErrorCode::StateInvalid);
    let mut p = payload();
    p.user = "someone-else".into();
    let err = snapshot::verify(&signer.sign(&p), &trusting(&[&signer])).unwrap_err();
    assert_eq!(err.code, ErrorCode::SnapshotMalformed);
}

#[test]
fn config_hash_identifies_the_rules() {
    let seed = Config::seed();
    let h = snapshot::config_hash(&seed);
    assert_eq!(h.len(), 64);
    assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(snapshot::config_hash(&Config::seed()), h);
    let mut changed = Config::seed();
    changed.points.daily_cap = 120;
    assert_ne!(snapshot::config_hash(&changed), h);
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn wycheproof_ed25519_every_case_agrees() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors/wycheproof-ed25519_test.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (shared/ must sit beside the checkout)",
            path.display()
        )
    });
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let pk = unhex(group["publicKey"]["pk"].as_str().unwrap());
        for case in group["tests"].as_array().unwrap() {
            let ok = snapshot::verify_signature(
                &pk,
                &unhex(case["msg"].as_str().unwrap()),
                &unhex(case["sig"].as_str().unwrap()),
            );
            let expected = case["result"] == "valid";
            assert_eq!(
                ok, expected,
                "tcId {} ({}) flags {}",
                case["tcId"], case["comment"], case["flags"]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, doc["numberOfTests"].as_u64().unwrap());
    assert_eq!(checked, 151);
}
