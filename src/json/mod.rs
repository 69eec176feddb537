//! Small readers over a parsed JSON tree (`value.rs`) that know their JSON path.
//!
//! The core reads its input formats (config, ops, state) with these instead of serde's derived
//! `Deserialize`: derived deserializers are monomorphized per type and per deserializer and
//! cost most of the WebAssembly module's bytes, which every user's phone downloads. These
//! functions are not generic, name the path of every problem, and treat unknown fields as
//! errors or, for clients reading a newer config, as warnings.

use crate::config::ConfigIssue;
pub mod value;

pub use value::{parse, Map, Value};

/// A problem at a JSON path (`checkin.streak_bonuses[1].day`).
pub type Issue = ConfigIssue;

/// Boxed, so that the result of every field read is small: each `?` of the readers moves
/// one pointer instead of two strings (kilobytes of the wasm module over hundreds of fields).
pub type Res<T> = Result<T, Box<Issue>>;

pub fn issue(path: &str, reason: impl Into<String>) -> Box<Issue> {
    Box::new(ConfigIssue {
        path: path.to_owned(),
        reason: reason.into(),
    })
}

/// What to do with a field the reader does not know.
pub enum Unknown<'w> {
    Deny,
    /// Ignore it and note it here (tolerant config parsing).
    Warn(&'w mut Vec<Issue>),
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(path: &str, expected: &str, v: &Value) -> Box<Issue> {
    issue(
        path,
        format!("invalid type: {}, expected {expected}", kind(v)),
    )
}

/// A whole number in `min..=max`.
pub fn int(v: &Value, path: &str, min: i64, max: i64) -> Res<i64> {
    let Value::Number(n) = v else {
        return Err(wrong(path, "a whole number", v));
    };
    match n.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(issue(
            path,
            format!("invalid value: {n}, expected a whole number from {min} to {max}"),
        )),
    }
}

pub fn uint(v: &Value, path: &str, max: u64) -> Res<u64> {
    // Numbers are shown through `Number`'s Display, not `Value`'s (a whole JSON writer).
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(n) if n <= max => Ok(n),
            _ => Err(issue(
                path,
                format!("invalid value: {n}, expected a whole number from 0 to {max}"),
            )),
        },
        _ => Err(wrong(path, "a whole number", v)),
    }
}

pub fn string(v: &Value, path: &str) -> Res<String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| wrong(path, "a string", v))
}

pub fn boolean(v: &Value, path: &str) -> Res<bool> {
    v.as_bool().ok_or_else(|| wrong(path, "a boolean", v))
}

pub fn array<'a>(v: &'a Value, path: &str) -> Res<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| wrong(path, "an array", v))
}

pub fn object<'a>(v: &'a Value, path: &str) -> Res<&'a Map> {
    v.as_object().ok_or_else(|| wrong(path, "an object", v))
}

/// One of the listed names.
pub fn variant(v: &Value, path: &str, names: &[&'static str]) -> Res<usize> {
    let s = v.as_str().ok_or_else(|| wrong(path, "a string", v))?;
    names.iter().position(|n| *n == s).ok_or_else(|| {
        issue(
            path,
            format!(
                "unknown variant `{s}`, expected one of {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// An object being read field by field; `finish` reports the fields nobody asked for.
pub struct Obj<'a> {
    map: &'a Map,
    pub path: String,
    read: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, path: &str) -> Res<Obj<'a>> {
        Ok(Obj {
            map: object(v, path)?,
            path: path.to_owned(),
            read: Vec::new(),
        })
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field, if present and not null.
    pub fn opt(&mut self, key: &'static str) -> Option<&'a Value> {
        self.read.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn req(&mut self, key: &'static str) -> Res<&'a Value> {
        match self.opt(key) {
            Some(v) => Ok(v),
            None => Err(issue(&self.path, format!("missing field `{key}`"))),
        }
    }

    /// `read(value, "")` with the field's path put in on failure only, so reading a valid
    /// document allocates no paths.
    fn field<T>(&self, key: &str, v: &Value, read: impl FnOnce(&Value) -> Res<T>) -> Res<T> {
        read(v).map_err(|mut e| {
            e.path = self.at(key);
            e
        })
    }

    pub fn uint(&mut self, key: &'static str, max: u64) -> Res<u64> {
        let v = self.req(key)?;
        self.field(key, v, |v| uint(v, "", max))
    }

    pub fn uint_or(&mut self, key: &'static str, max: u64, default: u64) -> Res<u64> {
        match self.opt(key) {
            Some(v) => self.field(key, v, |v| uint(v, "", max)),
            None => Ok(default),
        }
    }

    pub fn opt_uint(&mut self, key: &'static str, max: u64) -> Res<Option<u64>> {
        match self.opt(key) {
            Some(v) => self.field(key, v, |v| uint(v, "", max)).map(Some),
            None => Ok(None),
        }
    }

    pub fn int(&mut self, key: &'static str, min: i64, max: i64) -> Res<i64> {
        let v = self.req(key)?;
        self.field(key, v, |v| int(v, "", min, max))
    }

    pub fn string(&mut self, key: &'static str) -> Res<String> {
        let v = self.req(key)?;
        self.field(key, v, |v| string(v, ""))
    }

    pub fn boolean(&mut self, key: &'static str) -> Res<bool> {
        let v = self.req(key)?;
        self.field(key, v, |v| boolean(v, ""))
    }

    pub fn variant(&mut self, key: &'static str, names: &[&'static str]) -> Res<usize> {
        let v = self.req(key)?;
        self.field(key, v, |v| variant(v, "", names))
    }

    /// Reads each element of an array field with `f`; absent means empty when `optional`.
    pub fn list<T>(
        &mut self,
        key: &'static str,
        optional: bool,
        mut f: impl FnMut(&'a Value, &str) -> Res<T>,
    ) -> Res<Vec<T>> {
        let v = if optional {
            match self.opt(key) {
                Some(v) => v,
                None => return Ok(Vec::new()),
            }
        } else {
            self.req(key)?
        };
        let path = self.at(key);
        // A plain loop: `collect()` into `Result<Vec<_>>` costs the wasm module 1–3 KB per
        // element type.
        let items = array(v, &path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(f(item, &index(&path, i))?);
        }
        Ok(out)
    }

    /// Checks that every field was read: unknown ones are errors, or warnings when tolerated.
    pub fn finish(self, unknown: &mut Unknown) -> Res<()> {
        for key in self.map.keys() {
            if !self.read.contains(&key.as_str()) {
                let path = join(&self.path, key);
                match unknown {
                    Unknown::Deny => return Err(issue(&path, format!("unknown field `{key}`"))),
                    Unknown::Warn(list) => list.push(*issue(&path, "unknown field, ignored")),
                }
            }
        }
        Ok(())
    }
}

/// Reads the object at `path` with `f`, then reports the fields `f` did not read.
pub fn record<'a, 'w, T>(
    v: &'a Value,
    path: &str,
    un: &mut Unknown<'w>,
    f: impl FnOnce(&mut Obj<'a>, &mut Unknown<'w>) -> Res<T>,
) -> Res<T> {
    let mut o = Obj::new(v, path)?;
    let out = f(&mut o, un)?;
    o.finish(un)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_names_paths() {
        let v = parse(r#"{"a": 5, "b": "x", "c": [1, 2, "3"], "d": -1, "e": 1.5}"#).unwrap();
        let mut o = Obj::new(&v, "root").unwrap();
        assert_eq!(o.uint("a", 10).unwrap(), 5);
        assert_eq!(o.string("b").unwrap(), "x");
        let err = o.list("c", false, |v, p| uint(v, p, 9)).unwrap_err();
        assert_eq!(err.path, "root.c[2]");
        assert!(o.uint("d", 9).unwrap_err().reason.contains("from 0 to 9"));
        assert!(o.uint("e", 9).is_err());
        assert_eq!(
            o.uint("missing", 9).unwrap_err().reason,
            "missing field `missing`"
        );
        assert_eq!(o.uint("a", 4).unwrap_err().path, "root.a");
        let mut warnings = Vec::new();
        let v2 = parse(r#"{"known": 1, "extra": 2}"#).unwrap();
        let mut o2 = Obj::new(&v2, "").unwrap();
        o2.uint("known", 9).unwrap();
        o2.finish(&mut Unknown::Warn(&mut warnings)).unwrap();
        assert_eq!(warnings[0].path, "extra");
        let mut o3 = Obj::new(&v2, "").unwrap();
        o3.uint("known", 9).unwrap();
        assert_eq!(
            o3.finish(&mut Unknown::Deny).unwrap_err().reason,
            "unknown field `extra`"
        );
    }

    #[test]
    fn numbers_out_of_range_and_wrong_types() {
        assert!(int(
            &parse(&serde_json::json!(i64::MAX).to_string()).unwrap(),
            "",
            0,
            10
        )
        .is_err());
        assert!(int(
            &parse(&serde_json::json!(u64::MAX).to_string()).unwrap(),
            "",
            0,
            i64::MAX
        )
        .is_err());
        assert_eq!(
            int(
                &parse(&serde_json::json!(-5).to_string()).unwrap(),
                "",
                -10,
                10
            )
            .unwrap(),
            -5
        );
        assert!(
            string(&parse(&serde_json::json!(3).to_string()).unwrap(), "p")
                .unwrap_err()
                .reason
                .contains("expected a string")
        );
        assert!(variant(
            &parse(&serde_json::json!("x").to_string()).unwrap(),
            "p",
            &["a", "b"]
        )
        .unwrap_err()
        .reason
        .contains("unknown variant `x`"));
    }
}
