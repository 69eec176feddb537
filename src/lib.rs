//! zailai (再来): the retention engine for WeChat mini-programs, as a pure Rust core.
//!
//! Rules ([`Config`]) + a member's [`State`] + an [`Op`] → [`Event`]s, deterministically.
//! No I/O, no clock, no randomness: every time-dependent call takes `now` (epoch ms).
//! The same crate runs natively on the server and as WebAssembly in the mini-program.
//!
//! The shipped wasm build sets `--cfg zailai_cold_size` (js/build/build.mjs): the core is
//! optimised for speed there, except the functions marked `optimize(size)` (reading and
//! checking rule files, which runs once per launch), where speed buys nothing.
#![cfg_attr(zailai_cold_size, feature(optimize_attribute))]

pub mod binary;
pub mod checkpoint;
pub mod config;
pub mod day;
mod engine;
pub mod error;
pub mod event;
pub mod event_json;
pub mod experiment;
pub mod json;
pub mod lottery;
pub mod op;
mod ordered;
pub mod pending;
pub mod render;
pub mod replica;
pub mod snapshot;
pub mod state;
pub mod sync;
pub mod timeline;
pub mod vecmap;
pub mod view;

pub use config::{Config, ConfigError, ConfigIssue};
pub use day::{BusinessClock, Date, Day};
pub use engine::{
    apply, card_pity, card_roll, current_streak, is_known_action, is_tracked_action, streak_ending,
    COUPON_KEEP_DAYS, MAX_DEVICES, MAX_HOLDS, MAX_ORDERS, MAX_SEQ_JUMP, ORDER_KEEP_DAYS,
};
pub use error::{ErrorCode, RuleError};
pub use event::Event;
pub use op::{Op, OpKind};
pub use state::State;
