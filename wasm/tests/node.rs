//! The shared binding tests, run in Node.
#![cfg(target_arch = "wasm32")]
mod common;
shared_tests!();

/// The client's signature check, compiled to wasm, agrees with every Wycheproof Ed25519 case
/// (natively: tests/snapshot.rs).
#[wasm_bindgen_test::wasm_bindgen_test]
fn wycheproof_ed25519_every_case_agrees_in_wasm() {
    let text = include_str!("../../../shared/vectors/wycheproof-ed25519_test.json");
    let doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let unhex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let mut checked = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let pk = unhex(group["publicKey"]["pk"].as_str().unwrap());
        for case in group["tests"].as_array().unwrap() {
            let ok = zailai::snapshot::verify_signature(
                &pk,
                &unhex(case["msg"].as_str().unwrap()),
                &unhex(case["sig"].as_str().unwrap()),
            );
            assert_eq!(ok, case["result"] == "valid", "tcId {}", case["tcId"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 151);
}
