//! `Rules`: checked rules, read from the binary form a client holds, as a timeline: the
//! version in effect and any scheduled after it (`schedule`). Ops and views take the version
//! in effect at their own time (RULES.md, "Rule versions").

use crate::convert::{bad_argument, config_error, rule_error, time_ms};
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use zailai::timeline::{Timeline, Version};
use zailai::Config;

#[wasm_bindgen]
pub struct Rules {
    pub(crate) timeline: Timeline,
}

impl Rules {
    /// The rules in effect at `now` (JS epoch ms), and `now` as the core takes it. Not inlined:
    /// every view and action calls it.
    #[inline(never)]
    pub(crate) fn at(&self, now: f64) -> Result<(&Config, i64), JsValue> {
        let now = time_ms("now", now)?;
        Ok((self.timeline.config_at(now), now))
    }

    /// The newest rules (no instant given: the locale check, lottery records).
    fn newest(&self) -> &Config {
        &self.timeline.last().config
    }

    fn newest_shared(&self) -> Arc<Config> {
        self.timeline.last().config.clone()
    }

    /// `new` from the bytes: checked unless `checked_before`.
    fn from_binary(bytes: &[u8], checked_before: bool) -> Result<Rules, JsValue> {
        let mut config = Config::from_binary_checked_before(bytes).map_err(config_error)?;
        if !checked_before {
            config = config.checked().map_err(config_error)?;
        }
        // The hash and number are the client's to keep (js/): the engine needs neither.
        Ok(Rules {
            timeline: Timeline::starting(Version {
                number: 1,
                effective_from: i64::MIN,
                hash: String::new(),
                config: Arc::new(config),
            }),
        })
    }
}

/// The seed preset in the binary form (`zailai rules encode --config presets/seed.json`; a
/// test checks that it is the preset's file encoded).
pub const SEED_RULES: &str = include_str!("../../presets/seed.rules.b64");

/// `SEED_RULES` decoded when the module is built: a quarter fewer bytes in the module than
/// the text, and no base64 at launch.
const SEED_BYTES: [u8; binary_len(SEED_RULES.as_bytes())] = decoded(SEED_RULES.as_bytes());

/// Base64 characters of `text` before any trailing whitespace.
const fn base64_chars(text: &[u8]) -> usize {
    let mut n = text.len();
    while n > 0 && text[n - 1].is_ascii_whitespace() {
        n -= 1;
    }
    n
}

const fn binary_len(text: &[u8]) -> usize {
    let n = base64_chars(text);
    n / 4 * 3 - (text[n - 1] == b'=') as usize - (text[n - 2] == b'=') as usize
}

const fn decoded<const N: usize>(text: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut acc, mut bits, mut at, mut i) = (0u32, 0, 0, 0);
    while at < N {
        let c = text[i];
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("presets/seed.rules.b64 is not base64"),
        };
        acc = ((acc << 6) | value as u32) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out[at] = (acc >> bits) as u8;
            at += 1;
        }
        i += 1;
    }
    out
}

#[wasm_bindgen]
impl Rules {
    /// Reads rules in the binary form (`docs/binary.md`), base64: what `GET /v1/config` sends
    /// as `rules` and `zailai rules encode` prints. Checks them as a rule file is checked:
    /// `CONFIG_INVALID` with every problem in `issues`, `CONFIG_TOO_NEW` for a newer format.
    /// A rule file (JSON) is for people: the CLI checks and encodes it. `checkedBefore`:
    /// the client's own stored copy of rules it checked on arrival, read without checking
    /// them again (`Config::from_binary_checked_before`; 2 ms a launch on an iPhone).
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str, checked_before: bool) -> Result<Rules, JsValue> {
        let text = text.trim();
        if text.starts_with('{') {
            return Err(bad_argument(
                "rules as JSON are read by the CLI and the server: pass what `zailai rules encode --config FILE` prints",
            ));
        }
        let bytes = zailai::snapshot::base64::decode(text)
            .ok_or_else(|| bad_argument("rules: not base64 (`zailai rules encode` prints them)"))?;
        Rules::from_binary(&bytes, checked_before)
    }

    /// Adds rules in the binary form (checked as `new` checks them) as the version in effect
    /// from `effectiveFrom` (epoch ms, after every version held): ops dated from then on, and
    /// views at a `now` from then on, take it, with no network at the switch.
    pub fn schedule(
        &mut self,
        next: &str,
        effective_from: f64,
        checked_before: bool,
    ) -> Result<(), JsValue> {
        let effective_from = time_ms("effectiveFrom", effective_from)?;
        let config = Rules::new(next, checked_before)?.newest_shared();
        let version = Version {
            number: self.timeline.last().number + 1,
            effective_from,
            hash: String::new(),
            config,
        };
        self.timeline
            .push(version)
            .map_err(|_| bad_argument("effectiveFrom: not after the last version's"))
    }

    /// The locale views render in when `requested` is asked for (docs/config.md, "Locales"),
    /// under the newest rules held.
    pub fn locale(&self, requested: &str) -> String {
        self.newest().locale(Some(requested)).to_owned()
    }

    /// The seed preset built into the package (checked by a native test, not at each launch).
    pub fn seed() -> Rules {
        match Rules::from_binary(&SEED_BYTES, true) {
            Ok(rules) => rules,
            // A test reads the same text natively; reaching this is a build defect.
            Err(_) => panic!("presets/seed.rules.b64 is unreadable"),
        }
    }

    /// Verifies a lottery's published record (the JSON text of `GET /v1/lotteries/{id}`)
    /// against these rules. Returns `{draws, won: {prize: n}, mine: [index]}`, `mine` being
    /// the indexes of `user`'s draws in `record.draws`. Throws `LOTTERY_NOT_REVEALED`,
    /// `LOTTERY_MISMATCH` (naming the draw that does not check out), `LOTTERY_INVALID` or
    /// `UNKNOWN_LOTTERY`.
    #[wasm_bindgen(js_name = "verifyLottery")]
    pub fn verify_lottery(&self, record: &str, user: &str) -> Result<JsValue, JsValue> {
        use zailai::lottery::{self, Published};
        let published = Published::from_json(record).map_err(rule_error)?;
        // The newest version that has the lottery (a scheduled one may drop it).
        let Some(l) = self.timeline.versions().iter().rev().find_map(|v| {
            v.config
                .lotteries
                .iter()
                .find(|l| l.id == published.lottery)
        }) else {
            return Err(rule_error(zailai::RuleError::new(
                zailai::ErrorCode::UnknownLottery,
                format!("no lottery `{}` in the rules", published.lottery),
            )));
        };
        let verified = lottery::verify(l, &published).map_err(rule_error)?;
        // `verify` checked the seed: it is there and hex. Draws made before tags were salted
        // carry the old tag.
        let seed = published.seed.as_deref().and_then(lottery::unhex);
        let tags = [
            lottery::member_tag(seed.as_deref().unwrap_or_default(), user),
            lottery::member_tag_v1(user),
        ];
        // Prize ids are validated ids and numbers need no escaping: plain text is safe JSON.
        let won: Vec<String> = verified
            .won
            .iter()
            .map(|(id, n)| format!("\"{id}\":{n}"))
            .collect();
        let mine: Vec<String> = (0..published.draws.len())
            .filter(|&i| tags.contains(&published.draws[i].member))
            .map(|i| i.to_string())
            .collect();
        let text = format!(
            "{{\"draws\":{},\"won\":{{{}}},\"mine\":[{}]}}",
            verified.draws,
            won.join(","),
            mine.join(",")
        );
        js_sys::JSON::parse(&text)
    }

    /// The business date (`YYYY-MM-DD`) of an instant, in the zone and day start of the rules
    /// in effect then.
    #[wasm_bindgen(js_name = "businessDate")]
    pub fn business_date(&self, now: f64) -> Result<String, JsValue> {
        let (config, now) = self.at(now)?;
        Ok(zailai::day::format_day(config.clock().day_of(now)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_bytes_are_the_seed_text_decoded() {
        let text = super::SEED_RULES.trim();
        assert_eq!(
            zailai::snapshot::base64::decode(text).unwrap(),
            super::SEED_BYTES
        );
    }
}
