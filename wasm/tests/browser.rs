//! The shared binding tests, run in headless Chromium.
#![cfg(target_arch = "wasm32")]
mod common;
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn check_in_returns_plain_event_objects() {
    common::check_in_returns_plain_event_objects();
}
#[wasm_bindgen_test]
fn refusals_are_errors_with_a_code_and_change_nothing() {
    common::refusals_are_errors_with_a_code_and_change_nothing();
}
#[wasm_bindgen_test]
fn config_errors_carry_path_and_every_issue() {
    common::config_errors_carry_path_and_every_issue();
}
#[wasm_bindgen_test]
fn times_must_be_whole_milliseconds() {
    common::times_must_be_whole_milliseconds();
}
#[wasm_bindgen_test]
fn views_and_state_round_trip() {
    common::views_and_state_round_trip();
}
