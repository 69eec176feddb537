//! A JSON document model and a strict parser (RFC 8259) for the core's input formats.
//!
//! The core reads config, ops, state and snapshots field by field (`super::Obj`), so all it
//! needs from a parser is a tree. serde_json's `Value` brings its generic deserializer, a
//! float parser and a `BTreeMap` into the wasm module; this one is a fraction of that. Numbers
//! keep their text: the readers only ever want whole numbers, and a fraction is reported as
//! written. Objects keep their keys sorted (as serde_json's did) and refuse duplicates.

use crate::vecmap::VecMap;
use std::fmt;

/// Deepest nesting accepted (as serde_json's default), so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

pub type Map = VecMap<String, Value>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A number: whole numbers as their value (read while parsing, no allocation: most numbers
/// of state and ops are), anything else (fractions, exponents, out of range, `-0`) as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(Repr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// 0 or more.
    Whole(u64),
    /// Less than 0.
    Negative(i64),
    Text(String),
}

impl Number {
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Whole(n) => Some(*n),
            Repr::Negative(_) => None,
            Repr::Text(t) => t.parse().ok(),
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Whole(n) => i64::try_from(*n).ok(),
            Repr::Negative(n) => Some(*n),
            Repr::Text(t) => t.parse().ok(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Whole(n) => write!(f, "{n}"),
            Repr::Negative(n) => write!(f, "{n}"),
            Repr::Text(t) => f.write_str(t),
        }
    }
}

impl Value {
    /// The field `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// Parses a whole document. Errors say what was expected and where (`line 3 column 7`).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.space();
    if p.i < p.s.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        format!("{what} at line {line} column {column}")
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> bool {
        let hit = self.s[self.i..].starts_with(word);
        if hit {
            self.i += word.len();
        }
        hit
    }

    fn value(&mut self) -> Result<Value, String> {
        self.space();
        match self.s.get(self.i) {
            Some(b'{') | Some(b'[') => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                let v = if self.s[self.i] == b'{' {
                    self.object()
                } else {
                    self.array()
                };
                self.depth -= 1;
                v
            }
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.eat(b"null") => Ok(Value::Null),
            _ if self.eat(b"true") => Ok(Value::Bool(true)),
            _ if self.eat(b"false") => Ok(Value::Bool(false)),
            None => Err(self.error("EOF while parsing a value")),
            _ => Err(self.error("expected value")),
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut map = Map::new();
        self.space();
        if self.eat(b"}") {
            return Ok(Value::Object(map));
        }
        loop {
            self.space();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.error("expected a key string"));
            }
            let at = self.i;
            let key = self.string()?;
            self.space();
            if !self.eat(b":") {
                return Err(self.error("expected `:`"));
            }
            let v = self.value()?;
            if map.insert(key, v).is_some() {
                self.i = at;
                return Err(self.error("duplicate key"));
            }
            self.space();
            if self.eat(b"}") {
                return Ok(Value::Object(map));
            }
            if !self.eat(b",") {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.space();
        if self.eat(b"]") {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.space();
            if self.eat(b"]") {
                return Ok(Value::Array(items));
            }
            if !self.eat(b",") {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        self.eat(b"-");
        let leading_zero = self.s.get(self.i) == Some(&b'0');
        let whole = self.digits();
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(self.error("invalid number"));
        }
        if self.eat(b".") && self.digits() == 0 {
            return Err(self.error("invalid number"));
        }
        if self.eat(b"e") || self.eat(b"E") {
            let _ = self.eat(b"+") || self.eat(b"-");
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let digits = &self.s[start..self.i];
        Ok(Value::Number(Number(whole_number(digits).unwrap_or_else(
            || {
                // Only ASCII was consumed, so the slice is valid UTF-8.
                Repr::Text(String::from_utf8_lossy(digits).into_owned())
            },
        ))))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut n = 0;
        for _ in 0..4 {
            let d = self
                .s
                .get(self.i)
                .and_then(|&b| (b as char).to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            n = n * 16 + d;
            self.i += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        // Most strings have no escape: one copy of the slice instead of a push per byte.
        let start = self.i;
        let plain = self.s[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        if let Some(n) = plain {
            if self.s[start + n] == b'"' {
                self.i = start + n + 1;
                // Both ends are next to an ASCII `"`, so they are char boundaries.
                return Ok(self.text[start..start + n].to_owned());
            }
        }
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.error("EOF while parsing a string"));
            };
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.error("EOF while parsing a string"));
                    };
                    self.i += 1;
                    let c = match e {
                        b'"' | b'\\' | b'/' => e as char,
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.eat(b"\\u") {
                                    return Err(self.error("lone leading surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("invalid surrogate pair"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.error("lone surrogate"))?
                        }
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => out.push(b),
            }
        }
        // The input is a &str and escapes add whole chars, so this cannot fail.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }
}

/// The value of a whole number's text (`-?[0-9]+`), or None to keep the text (fractions,
/// exponents, out of range, `-0`).
fn whole_number(text: &[u8]) -> Option<Repr> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if !negative {
        return Some(Repr::Whole(n));
    }
    if n == 0 || n > i64::MAX as u64 + 1 {
        return None;
    }
    Some(Repr::Negative((n as i64).wrapping_neg()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document serde_json accepts, this parser reads to the same tree, and what it
    /// refuses, this refuses.
    #[test]
    fn agrees_with_serde_json() {
        let docs = [
            r#"{"a": [1, -2, 3.5, 1e3, 18446744073709551615, 18446744073709551616], "b": {"c": null, "d": true}}"#,
            r#""\u00e9\ud83d\ude00\n\t\"\\\/""#,
            "  [ ]  ",
            "{}",
            r#"{"签到": "连续签到 7 天"}"#,
            "01",
            "1.",
            "-",
            "[1,]",
            r#"{"a" 1}"#,
            r#""\ud800""#,
            r#""a"#,
            "[1] x",
            "nul",
            "\"tab\tin\"",
            "1e",
            "--1",
        ];
        for doc in docs {
            let ours = parse(doc);
            let theirs = serde_json::from_str::<serde_json::Value>(doc);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "{doc}: {ours:?}");
            if let (Ok(v), Ok(w)) = (ours, theirs) {
                assert!(same(&v, &w), "{doc}");
            }
        }
    }

    fn same(v: &Value, w: &serde_json::Value) -> bool {
        match (v, w) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => {
                a.as_u64() == b.as_u64() && a.as_i64() == b.as_i64()
            }
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((k, x), (l, y))| k == l && same(x, y))
            }
            _ => false,
        }
    }

    #[test]
    fn whole_numbers_are_read_from_their_text() {
        // serde_json reads `-0` as a float; here it is the whole number 0.
        assert_eq!(parse("-0").unwrap().as_u64(), None);
        assert!(matches!(parse("-0").unwrap(), Value::Number(n) if n.as_i64() == Some(0)));
        assert_eq!(parse("1e3").unwrap().as_u64(), None);
        let big = parse("18446744073709551616").unwrap();
        assert_eq!(
            (big.as_u64(), big.to_string_for_test()),
            (None, "18446744073709551616".to_owned())
        );
    }

    #[test]
    fn whole_numbers_at_their_limits_and_strings_with_and_without_escapes() {
        let doc = r#"[-9223372036854775808, -9223372036854775809, 18446744073709551615, 9223372036854775808, "签到 7 天", "a\"b", "末尾\u00e9"]"#;
        let v = parse(doc).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(items[0].as_u64(), None);
        assert!(matches!(&items[0], Value::Number(n) if n.as_i64() == Some(i64::MIN)));
        assert!(
            matches!(&items[1], Value::Number(n) if n.as_i64().is_none() && n.to_string() == "-9223372036854775809")
        );
        assert_eq!(items[2].as_u64(), Some(u64::MAX));
        assert!(
            matches!(&items[3], Value::Number(n) if n.as_i64().is_none() && n.to_string() == "9223372036854775808")
        );
        let strings: Vec<_> = items[4..].iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(strings, ["签到 7 天", "a\"b", "末尾é"]);
    }

    impl Value {
        fn to_string_for_test(&self) -> String {
            match self {
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            }
        }
    }

    #[test]
    fn refuses_duplicates_and_deep_nesting_and_says_where() {
        let err = parse("{\n  \"a\": 1,\n  \"a\": 2}").unwrap_err();
        assert_eq!(err, "duplicate key at line 3 column 3");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().starts_with("nested too deeply"));
        let ok = "[".repeat(128) + &"]".repeat(128);
        assert!(parse(&ok).is_ok());
    }
}
