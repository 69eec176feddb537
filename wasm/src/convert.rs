//! Conversions at the JS boundary: times, JSON values, and errors as real `Error` objects
//! with a stable `code`.

use js_sys::{Array, Error, Object, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use zailai::{ConfigError, RuleError};

/// Largest instant JS `Date` can hold, in ms.
const MAX_TIME_MS: f64 = 8.64e15;

/// An `Error` with `code` (and any extra properties).
pub fn error(code: &str, message: &str) -> JsValue {
    let e = Error::new(message);
    e.set_name("ZailaiError");
    set(&e, "code", &JsValue::from_str(code));
    e.into()
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

pub fn rule_error(e: RuleError) -> JsValue {
    error(e.code.as_str(), &e.detail)
}

/// A config error: `code`, `path` of the first problem, and every problem in `issues`; the
/// message lists them, one a line (the code is in `code`, not repeated).
pub fn config_error(e: ConfigError) -> JsValue {
    let lines: Vec<String> = e.issues.iter().map(|i| i.to_string()).collect();
    let js = error(e.code, &lines.join("\n"));
    let obj: &Object = js.unchecked_ref();
    if let Some(first) = e.issues.first() {
        set(obj, "path", &JsValue::from_str(&first.path));
    }
    let issues = Array::new();
    for issue in &e.issues {
        let item = Object::new();
        set(&item, "path", &JsValue::from_str(&issue.path));
        set(&item, "reason", &JsValue::from_str(&issue.reason));
        issues.push(&item);
    }
    set(obj, "issues", &issues);
    js
}

pub fn bad_argument(what: &str) -> JsValue {
    error("BAD_ARGUMENT", what)
}

/// An epoch-ms number from JS: finite, whole, within the range of JS dates.
pub fn time_ms(name: &str, value: f64) -> Result<i64, JsValue> {
    if !value.is_finite() || value.fract() != 0.0 || value.abs() > MAX_TIME_MS {
        // The value is not shown: formatting a float costs the module 2 KB; js/ can show it.
        return Err(bad_argument(&format!(
            "{name} must be whole epoch milliseconds within ±8.64e15"
        )));
    }
    Ok(value as i64)
}

/// A value as a plain JS object, through JSON text and the host's `JSON.parse` (the core's
/// serde types are JSON-shaped). Measured against serde-wasm-bindgen on both engines
/// (docs/package.md): one string and one parse beat a call into JS per field, most of all
/// where the engine interprets.
#[cfg(not(feature = "swb"))]
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| error("INTERNAL", &e.to_string()))?;
    JSON::parse(&text)
}

/// The same through serde-wasm-bindgen, JSON-compatible (objects for maps, null for None), for
/// the measurement only.
#[cfg(feature = "swb")]
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error("INTERNAL", &e.to_string()))
}
