//! The shared binding tests, run in headless Chromium.
#![cfg(target_arch = "wasm32")]
mod common;
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
shared_tests!();
