//! Sync request bodies: parsing never panics; an accepted push applies without panicking and
//! acknowledges or refuses every op it carries.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zailai::sync::{accept, Limits, Push};
use zailai::{Config, State};

const T0: i64 = 1_761_958_800_000;

/// Parsed once: the rules are not what this target fuzzes.
fn rules() -> &'static Config {
    static RULES: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    RULES.get_or_init(Config::seed)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(push) = Push::from_json(text) else {
        return;
    };
    let cfg = rules();
    let mut st = State::join(cfg, "fuzz", T0);
    let mut processed = Default::default();
    let out = accept(
        &mut st,
        &mut processed,
        cfg,
        &push,
        T0 + 3_600_000,
        Limits::from_config(cfg),
    );
    assert_eq!(out.acked.len() + out.rejected.len(), push.ops.len());
});
