//! `zailai rules diff A B`: the paths where two rule files differ, for people. Lists of
//! objects with an `id` are matched by id (`tasks.daily_checkin.reward.points`), other lists
//! by place (`checkin.streak_bonuses[1].day`).

use serde_json::Value;

/// One difference: a path and what it was and is (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => write!(f, "~ {}: {b} → {a}", self.path),
            (None, Some(a)) => write!(f, "+ {}: {a}", self.path),
            (Some(b), None) => write!(f, "- {}: {b}", self.path),
            (None, None) => write!(f, "  {}", self.path),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether every element is an object with a string `id`, each id once.
fn ids(list: &[Value]) -> Option<Vec<&str>> {
    let ids: Vec<&str> = list
        .iter()
        .map(|v| v.get("id").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    (sorted.len() == ids.len()).then_some(ids)
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => walk(&join(path, k), va, vb, out),
                    None => out.push(Change {
                        path: join(path, k),
                        before: Some(va.clone()),
                        after: None,
                    }),
                }
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                out.push(Change {
                    path: join(path, k),
                    before: None,
                    after: Some(vb.clone()),
                });
            }
        }
        (Value::Array(x), Value::Array(y)) => match (ids(x), ids(y)) {
            (Some(ix), Some(iy)) => {
                let by = |list: &[Value], ids: &[&str], id: &str| {
                    ids.iter().position(|i| *i == id).map(|p| list[p].clone())
                };
                for id in &ix {
                    let before = by(x, &ix, id);
                    match by(y, &iy, id) {
                        Some(after) => {
                            walk(&join(path, id), &before.unwrap_or_default(), &after, out)
                        }
                        None => out.push(Change {
                            path: join(path, id),
                            before,
                            after: None,
                        }),
                    }
                }
                for id in iy.iter().filter(|i| !ix.contains(i)) {
                    out.push(Change {
                        path: join(path, id),
                        before: None,
                        after: by(y, &iy, id),
                    });
                }
            }
            _ => {
                for i in 0..x.len().max(y.len()) {
                    let p = format!("{path}[{i}]");
                    match (x.get(i), y.get(i)) {
                        (Some(va), Some(vb)) => walk(&p, va, vb, out),
                        (before, after) => out.push(Change {
                            path: p,
                            before: before.cloned(),
                            after: after.cloned(),
                        }),
                    }
                }
            }
        },
        _ if a == b => {}
        _ => out.push(Change {
            path: path.to_owned(),
            before: Some(a.clone()),
            after: Some(b.clone()),
        }),
    }
}

/// Every path where `b` differs from `a`: fields in key order, listed ids in `a`'s order then
/// `b`'s new ones.
pub fn diff(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", a, b, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_rules_differ_nowhere() {
        let seed = serde_json::to_value(zailai::Config::seed()).unwrap();
        assert!(diff(&seed, &seed).is_empty());
    }

    #[test]
    fn lists_with_ids_are_matched_by_id_and_others_by_place() {
        let a = json!({"tasks": [{"id": "a", "target": 1}, {"id": "b", "target": 2}], "bonus": [1, 2], "x": 1});
        let b = json!({"tasks": [{"id": "b", "target": 3}, {"id": "c", "target": 1}], "bonus": [1], "y": true});
        let shown: Vec<String> = diff(&a, &b).iter().map(|c| c.to_string()).collect();
        assert_eq!(
            shown,
            [
                "- bonus[1]: 2",
                "- tasks.a: {\"id\":\"a\",\"target\":1}",
                "~ tasks.b.target: 2 → 3",
                "+ tasks.c: {\"id\":\"c\",\"target\":1}",
                "- x: 1",
                "+ y: true",
            ]
        );
    }
}
