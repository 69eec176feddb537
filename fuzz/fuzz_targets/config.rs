//! Rule files: strict and tolerant parsing, validation and lint never panic; rules in the
//! binary form are read or refused without a panic, and what reads survives a round trip.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cfg) = zailai::Config::from_binary(data) {
        let again = zailai::Config::from_binary(&cfg.to_binary());
        assert_eq!(again.as_ref().ok(), Some(&cfg), "binary rules changed on a round trip");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = zailai::Config::parse(text) {
            let _ = cfg.lint();
        }
        let _ = zailai::Config::parse_tolerant(text);
    }
});
