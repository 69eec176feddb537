//! Ops from JSON applied to a member: decoding and every rule path never panic, a refused op
//! leaves the state exactly as it was, and the state always decodes again. The same text read
//! as a stored pending log never panics, and its ops survive a rewrite in the current format.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zailai::{Config, Op, State};

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
    for header in ["zailai-ops/1", "zailai-ops/2"] {
        if let Ok(read) = zailai::pending::read_pending(&format!("{header}\n{text}")) {
            let again = zailai::pending::read_pending(&zailai::pending::pending_text(&read.ops));
            assert_eq!(again.map(|r| r.ops).ok(), Some(read.ops), "a pending op lost");
        }
    }
    let cfg = rules();
    let mut st = State::join(cfg, "fuzz", T0);
    // One op per line, so the fuzzer can build sequences.
    for line in text.lines().take(64) {
        let Ok(op) = Op::from_json(line) else {
            continue;
        };
        let before = st.to_json();
        if st.apply(cfg, &op).is_err() {
            assert_eq!(st.to_json(), before, "a refused op changed the state");
        }
        assert!(
            State::from_json(&st.to_json()).is_ok(),
            "the state no longer decodes"
        );
    }
});
