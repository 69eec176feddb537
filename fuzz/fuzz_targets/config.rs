//! Rule files: strict and tolerant parsing, validation and lint never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = zailai::Config::parse(text) {
            let _ = cfg.lint();
        }
        let _ = zailai::Config::parse_tolerant(text);
    }
});
