//! `Rules`: a parsed and validated config.

use crate::convert::{config_error, rule_error, to_js};
use wasm_bindgen::prelude::*;
use zailai::{Config, ConfigIssue};

#[wasm_bindgen]
pub struct Rules {
    pub(crate) config: Config,
    warnings: Vec<ConfigIssue>,
}

#[wasm_bindgen]
impl Rules {
    /// Parses a rule file the way clients must: fields of a newer minor version are ignored
    /// (see `warnings`), a newer major is refused (`CONFIG_TOO_NEW`), rule problems throw
    /// `CONFIG_INVALID` with every problem in `issues`.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Result<Rules, JsValue> {
        let parsed = Config::parse_tolerant(json).map_err(config_error)?;
        Ok(Rules {
            config: parsed.config,
            warnings: parsed.warnings,
        })
    }

    /// Strict parse, as the server and CLI do: unknown fields are errors.
    pub fn strict(json: &str) -> Result<Rules, JsValue> {
        let config = Config::parse(json).map_err(config_error)?;
        Ok(Rules {
            config,
            warnings: Vec::new(),
        })
    }

    /// The seed preset built into the package.
    pub fn seed() -> Rules {
        Rules {
            config: Config::seed(),
            warnings: Vec::new(),
        }
    }

    /// Fields ignored by the tolerant parse, as `{path, reason}`.
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.warnings)
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
        let Some(l) = self
            .config
            .lotteries
            .iter()
            .find(|l| l.id == published.lottery)
        else {
            return Err(rule_error(zailai::RuleError::new(
                zailai::ErrorCode::UnknownLottery,
                format!("no lottery `{}` in the rules", published.lottery),
            )));
        };
        let verified = lottery::verify(l, &published).map_err(rule_error)?;
        let tag = lottery::member_tag(user);
        // Prize ids are validated ids and numbers need no escaping: plain text is safe JSON.
        let won: Vec<String> = verified
            .won
            .iter()
            .map(|(id, n)| format!("\"{id}\":{n}"))
            .collect();
        let mine: Vec<String> = (0..published.draws.len())
            .filter(|&i| published.draws[i].member == tag)
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

    /// The business date (`YYYY-MM-DD`) of an instant, in the rules' zone and day start.
    #[wasm_bindgen(js_name = "businessDate")]
    pub fn business_date(&self, now: f64) -> Result<String, JsValue> {
        let day = self
            .config
            .clock()
            .day_of(crate::convert::time_ms("now", now)?);
        Ok(zailai::day::format_day(day))
    }
}
