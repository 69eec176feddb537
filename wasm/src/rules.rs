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
}

/// The seed preset in the binary form (`zailai rules encode --config presets/seed.json`; a
/// test checks that it is the preset's file encoded).
pub const SEED_RULES: &str = include_str!("../../presets/seed.rules.b64");

#[wasm_bindgen]
impl Rules {
    /// Reads rules in the binary form (`docs/binary.md`), base64: what `GET /v1/config` sends
    /// as `rules` and `zailai rules encode` prints. Checks them as a rule file is checked:
    /// `CONFIG_INVALID` with every problem in `issues`, `CONFIG_TOO_NEW` for a newer format.
    /// A rule file (JSON) is for people: the CLI checks and encodes it.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<Rules, JsValue> {
        let text = text.trim();
        if text.starts_with('{') {
            return Err(bad_argument(
                "rules as JSON are read by the CLI and the server: pass what `zailai rules encode --config FILE` prints",
            ));
        }
        let bytes = zailai::snapshot::base64::decode(text)
            .ok_or_else(|| bad_argument("rules: not base64 (`zailai rules encode` prints them)"))?;
        let config = Config::from_binary(&bytes).map_err(config_error)?;
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

    /// Adds rules in the binary form (checked as `new` checks them) as the version in effect
    /// from `effectiveFrom` (epoch ms, after every version held): ops dated from then on, and
    /// views at a `now` from then on, take it, with no network at the switch.
    pub fn schedule(&mut self, next: &str, effective_from: f64) -> Result<(), JsValue> {
        let effective_from = time_ms("effectiveFrom", effective_from)?;
        let config = Rules::new(next)?.newest_shared();
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

    /// The seed preset built into the package.
    pub fn seed() -> Rules {
        match Rules::new(SEED_RULES) {
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
