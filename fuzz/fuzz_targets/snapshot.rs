//! Snapshot bytes: decoding and verification never panic, and nothing but the genuine
//! signature verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zailai::snapshot::{self, SnapshotSigner, TrustedKeys};

fuzz_target!(|data: &[u8]| {
    let signer = SnapshotSigner::from_seed("fuzz", &[7; 32]).unwrap();
    let mut keys = TrustedKeys::new();
    keys.add("fuzz", &signer.public_key()).unwrap();
    // Random bytes: refused, never a panic.
    assert!(
        snapshot::verify(data, &keys).is_err(),
        "bytes nobody signed verified"
    );
    // A payload the fuzzer shaped, signed for real: verifies exactly when it decodes.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(state) = zailai::State::from_json(text) {
            let payload = snapshot::Payload {
                user: state.user.clone(),
                server_version: 1,
                issued_at: 0,
                config_hash: String::new(),
                acked: Default::default(),
                state,
            };
            let bytes = signer.sign(&payload);
            assert!(
                snapshot::verify(&bytes, &keys).is_ok(),
                "a genuine snapshot failed"
            );
        }
    }
    let _ = snapshot::base64::decode(&String::from_utf8_lossy(data));
});
