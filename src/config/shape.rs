//! Every shape problem of a rule file at once (wrong types, missing and unknown fields), for
//! the CLI and the server. The field reader stops at the first problem (it is shared with the
//! wasm module, where every byte counts, and clients only ever read validated binary rules),
//! so this reads again after setting each problem aside: a wrong or missing value is replaced
//! by the seed preset's value at the same path (or the first of its list or map), an unknown
//! field is dropped. The replacement values are never used: any problem fails the parse.

use super::read;
use super::{ConfigError, ConfigIssue};
use crate::json::{self, Unknown, Value};

/// Reads are bounded: a document with more problems reports the first ones.
const MAX_PROBLEMS: usize = 100;

enum Step {
    Key(String),
    Index(usize),
}

/// `tasks[2].reward.points` → [tasks, 2, reward, points].
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            out.push(Step::Key(rest[..open].to_owned()));
            rest = &rest[open..];
            while let Some(close) = rest.find(']') {
                out.push(Step::Index(rest[1..close].parse().unwrap_or(0)));
                rest = &rest[close + 1..];
            }
        } else {
            out.push(Step::Key(rest.to_owned()));
        }
    }
    out
}

/// The seed's value at `path`; an index past its list takes its first element and a key it
/// lacks the first value of its map (user-named maps: earning rules, messages).
fn seed_value<'a>(seed: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut at = seed;
    for step in path {
        at = match (step, at) {
            (Step::Key(k), Value::Object(m)) => m.get(k.as_str()).or_else(|| m.values().next())?,
            (Step::Index(i), Value::Array(a)) => a.get(*i).or_else(|| a.first())?,
            _ => return None,
        };
    }
    Some(at)
}

/// Puts `with` at `path` (or removes the field when `None`); false when the path cannot be
/// changed so (then the same problem would come back).
fn replace(doc: &mut Value, path: &[Step], with: Option<Value>) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = doc;
    for step in parents {
        at = match (step, at) {
            (Step::Key(k), Value::Object(m)) => match m.get_mut(k.as_str()) {
                Some(v) => v,
                None => return false,
            },
            (Step::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, at, with) {
        (Step::Key(k), Value::Object(m), Some(v)) => {
            m.insert(k.clone(), v);
            true
        }
        (Step::Key(k), Value::Object(m), None) => m.remove(k.as_str()).is_some(),
        (Step::Index(i), Value::Array(a), Some(v)) if *i < a.len() => {
            a[*i] = v;
            true
        }
        _ => false,
    }
}

/// The field a problem is about: a missing field is reported at its record, with its name.
fn field_path(issue: &ConfigIssue) -> String {
    match issue
        .reason
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        Some(key) => json::join(&issue.path, key),
        None => issue.path.clone(),
    }
}

/// Reads `doc` as `read::config` does, listing every shape problem instead of the first.
pub fn read_all(doc: &Value) -> Result<super::Config, ConfigError> {
    let first = match read::config(doc, &mut Unknown::Deny) {
        Ok(config) => return Ok(config),
        Err(issue) => *issue,
    };
    let seed = json::parse(super::SEED_JSON).unwrap_or(Value::Null);
    let mut doc = doc.clone();
    let mut issues = vec![first];
    while issues.len() < MAX_PROBLEMS {
        let last = &issues[issues.len() - 1];
        let path = steps(&field_path(last));
        let with = if last.reason.starts_with("unknown field") {
            None
        } else {
            seed_value(&seed, &path).cloned()
        };
        if !replace(&mut doc, &path, with) {
            break;
        }
        match read::config(&doc, &mut Unknown::Deny) {
            Ok(_) => break,
            Err(issue)
                if issues
                    .iter()
                    .any(|i| i.path == issue.path && i.reason == issue.reason) =>
            {
                break
            }
            Err(issue) => issues.push(*issue),
        }
    }
    Err(ConfigError::invalid(issues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indexes() {
        let s = steps("tasks[2].reward.points");
        assert!(
            matches!(&s[..], [Step::Key(a), Step::Index(2), Step::Key(b), Step::Key(c)] if a == "tasks" && b == "reward" && c == "points")
        );
        assert!(steps("").is_empty());
    }
}
