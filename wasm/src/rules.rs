//! `Rules`: a parsed and validated config.

use crate::convert::{config_error, to_js};
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
