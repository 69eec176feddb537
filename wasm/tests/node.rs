//! The shared binding tests, run in Node.
#![cfg(target_arch = "wasm32")]
mod common;
shared_tests!();
