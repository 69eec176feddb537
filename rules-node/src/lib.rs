//! The rule-file tools of the npm package's Node entry (`checkRules`, `encodeRules`,
//! `decodeRules`, and the `zailai-rules` CLI): the core's own reader and validator, the same
//! code as `zailai rules encode`, in a wasm module of its own so the mini-program module does
//! not grow. Results cross as JSON text; messages stay the core's English (the JS side renders
//! them in Chinese too: js/src/rules-messages.js).

use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use zailai::snapshot::{base64, config_hash};
use zailai::{Config, ConfigError, ConfigIssue};

/// A rule file (JSON text) checked as `zailai check` does: `{ok: true, hash, config,
/// warnings}` or `{ok: false, code, problems}`, every problem with its path.
#[wasm_bindgen]
pub fn check(text: &str) -> String {
    match Config::parse(text) {
        Ok(config) => accepted(&config, config.lint()).to_string(),
        Err(e) => refused(&e).to_string(),
    }
}

/// [`check`], and on success `rules`: the binary form, base64, exactly as `zailai rules
/// encode --config FILE` prints it (what `createClient({config})` takes).
#[wasm_bindgen]
pub fn encode(text: &str) -> String {
    match Config::parse(text) {
        Ok(config) => {
            let mut out = accepted(&config, config.lint());
            out["rules"] = Value::String(base64::encode(&config.to_binary()));
            out.to_string()
        }
        Err(e) => refused(&e).to_string(),
    }
}

/// Rules in the binary form (base64) read and checked as a client reads them: the same
/// answer as [`check`], `config` being the rule file they were encoded from.
#[wasm_bindgen]
pub fn decode(text: &str) -> String {
    let Some(bytes) = base64::decode(text.trim()) else {
        return refused(&ConfigError {
            code: "CONFIG_INVALID",
            issues: vec![ConfigIssue {
                path: String::new(),
                reason: "not base64: binary rules are what `zailai rules encode` prints".into(),
            }],
        })
        .to_string();
    };
    match Config::from_binary(&bytes) {
        Ok(config) => accepted(&config, Vec::new()).to_string(),
        Err(e) => refused(&e).to_string(),
    }
}

fn issues(list: &[ConfigIssue]) -> Value {
    Value::Array(
        list.iter()
            .map(|i| json!({ "path": i.path, "reason": i.reason }))
            .collect(),
    )
}

fn accepted(config: &Config, warnings: Vec<ConfigIssue>) -> Value {
    json!({
        "ok": true,
        "hash": config_hash(config),
        "config": serde_json::to_value(config).unwrap_or(Value::Null),
        "warnings": issues(&warnings),
    })
}

fn refused(e: &ConfigError) -> Value {
    json!({ "ok": false, "code": e.code, "problems": issues(&e.issues) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(out: String) -> Value {
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn the_seed_encodes_as_the_core_encodes_it() {
        let out = read(encode(zailai::config::SEED_JSON));
        assert_eq!(out["ok"], true);
        let seed = Config::seed();
        assert_eq!(out["rules"], base64::encode(&seed.to_binary()));
        assert_eq!(out["hash"], config_hash(&seed));
        assert_eq!(out["config"], serde_json::to_value(&seed).unwrap());
        // What comes back decodes to the same rules.
        let back = read(decode(out["rules"].as_str().unwrap()));
        assert_eq!(back["ok"], true);
        assert_eq!(back["hash"], out["hash"]);
        assert_eq!(back["config"], out["config"]);
    }

    #[test]
    fn every_problem_comes_with_its_path() {
        let mut doc: Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
        doc["points"]["daily_cap"] = json!("lots");
        doc["points"]["expiry_months"] = json!(0);
        doc["tiers"]["levels"][1]["id"] = json!("bad id!");
        doc["surprise"] = json!(1);
        let out = read(check(&doc.to_string()));
        assert_eq!(out["ok"], false);
        assert_eq!(out["code"], "CONFIG_INVALID");
        let paths: Vec<&str> = out["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap())
            .collect();
        // Shape problems first, all of them, as `Config::parse` lists them natively.
        assert_eq!(paths, ["points.daily_cap", "surprise"], "{out}");
        let expected = Config::parse(&doc.to_string()).unwrap_err();
        assert_eq!(out["problems"], issues(&expected.issues));
        // Fix the shapes: the rule problems, all of them.
        doc["points"]["daily_cap"] = json!(100);
        doc.as_object_mut().unwrap().remove("surprise");
        let out = read(encode(&doc.to_string()));
        assert_eq!(out["ok"], false);
        assert!(out.get("rules").is_none());
        let paths: Vec<&str> = out["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap())
            .collect();
        // The renamed tier also strands the paid plan that named it.
        assert_eq!(
            paths,
            [
                "points.expiry_months",
                "tiers.levels[1].id",
                "tiers.paid[0].tier"
            ],
            "{out}"
        );
    }

    #[test]
    fn binary_rules_that_are_not_base64_or_not_rules_are_refused() {
        let out = read(decode("%%%"));
        assert_eq!(out["ok"], false);
        assert_eq!(
            out["problems"][0]["reason"]
                .as_str()
                .unwrap()
                .split(':')
                .next(),
            Some("not base64")
        );
        let out = read(decode(&base64::encode(&[zailai::config::RULES_FORMAT + 1])));
        assert_eq!(out["code"], "CONFIG_TOO_NEW");
        assert_eq!(out["problems"][0]["path"], "format");
    }

    #[test]
    fn a_valid_file_with_advice_has_warnings() {
        let mut doc: Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
        let campaigns = doc["campaigns"].as_array().unwrap().clone();
        assert!(!campaigns.is_empty());
        doc["campaign_overlap_limit"] = json!(0);
        let out = read(check(&doc.to_string()));
        assert_eq!(out["ok"], true, "{out}");
        let lint = Config::parse(&doc.to_string()).unwrap().lint();
        assert!(!lint.is_empty());
        assert_eq!(out["warnings"], issues(&lint));
    }
}
