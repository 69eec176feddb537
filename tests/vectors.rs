//! Golden scenarios (`tests/vectors/*.json`, format in docs/ops.md): ops in, expected events,
//! errors and final state out. The wasm and server issues run the same files.

use serde_json::Value;
use std::path::Path;
use zailai::{view, Config, Op, State};

/// `expected` must be contained in `actual`: objects by key (recursively), arrays element by
/// element with equal length, everything else by equality.
fn contains(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().try_for_each(|(k, v)| match a.get(k) {
            Some(av) => contains(v, av, &format!("{path}.{k}")),
            None => Err(format!("{path}.{k}: missing in {actual}")),
        }),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (ev, av))| contains(ev, av, &format!("{path}[{i}]"))),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// RFC 7386 merge patch, to express a vector's config as the seed plus changes.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn run_vector(path: &Path) -> Result<(), String> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let mut cfg_json: Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
    merge_patch(&mut cfg_json, &doc["config_patch"]);
    let cfg = Config::parse(&cfg_json.to_string()).map_err(|e| e.to_string())?;
    let mut st = State::join(
        &cfg,
        doc["user"].as_str().unwrap_or("u1"),
        doc["joined_at"].as_i64().ok_or("joined_at")?,
    );
    let ops = doc["ops"].as_array().ok_or("ops")?;
    let expect = doc["expect"].as_array().ok_or("expect")?;
    if ops.len() != expect.len() {
        return Err(format!(
            "{} ops but {} expectations",
            ops.len(),
            expect.len()
        ));
    }
    for (i, (op, exp)) in ops.iter().zip(expect).enumerate() {
        let op = Op::from_json(&op.to_string()).map_err(|e| format!("ops[{i}]: {e}"))?;
        let actual = match st.apply(&cfg, &op) {
            Ok(events) => serde_json::json!({ "events": events }),
            Err(e) => serde_json::json!({ "error": e.code }),
        };
        contains(exp, &actual, &format!("expect[{i}]"))?;
    }
    let fin = &doc["final"];
    let now = fin["now"].as_i64().ok_or("final.now")?;
    let locale = cfg.default_locale.clone();
    let checks = [
        (
            "summary",
            serde_json::to_value(view::summary(&st, &cfg, now)).unwrap(),
        ),
        (
            "points_summary",
            serde_json::to_value(view::points_summary(&st, &cfg, now)).unwrap(),
        ),
        (
            "tier_progress",
            serde_json::to_value(view::tier_progress(&st, &cfg, now, &locale)).unwrap(),
        ),
    ];
    for (key, actual) in checks {
        if let Some(exp) = fin.get(key) {
            contains(exp, &actual, &format!("final.{key}"))?;
        }
    }
    // Cards left today in the campaign view, by set, at each given `now` (epoch ms keys).
    if let Some(times) = fin.get("campaigns_at").and_then(Value::as_object) {
        for (when, sets) in times {
            let at: i64 = when
                .parse()
                .map_err(|_| format!("campaigns_at: bad time {when}"))?;
            let views = view::campaigns(&st, &cfg, at, &locale);
            for (set, left) in sets.as_object().ok_or("campaigns_at: sets")? {
                let shown = views
                    .iter()
                    .flat_map(|c| c.cards.iter())
                    .find(|s| &s.id == set)
                    .ok_or(format!("campaigns_at.{when}: no set {set}"))?;
                contains(
                    left,
                    &Value::from(shown.today_left),
                    &format!("final.campaigns_at.{when}.{set}"),
                )?;
            }
        }
    }
    if let Some(days) = fin.get("calendar_days").and_then(Value::as_object) {
        for (date, status) in days {
            let d = zailai::Date::parse(date).ok_or(format!("calendar_days: bad date {date}"))?;
            let cal = view::calendar(&st, &cfg, d.year, d.month, now, &locale)
                .map_err(|e| e.to_string())?;
            let cell = cal
                .weeks
                .iter()
                .flatten()
                .find(|c| c.date == d && c.status != view::DayStatus::OutsideMonth)
                .ok_or("day not in grid")?;
            contains(
                status,
                &serde_json::to_value(cell.status).unwrap(),
                &format!("final.calendar_days.{date}"),
            )?;
        }
    }
    Ok(())
}

#[test]
fn golden_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 5,
        "expected the golden vectors in {}",
        dir.display()
    );
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| run_vector(p).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn matcher_reports_mismatches() {
    let actual = serde_json::json!({"events": [{"type": "a", "n": 1}]});
    assert!(contains(&serde_json::json!({"events": [{"type": "a"}]}), &actual, "").is_ok());
    assert!(contains(
        &serde_json::json!({"events": [{"type": "a", "n": 2}]}),
        &actual,
        ""
    )
    .is_err());
    assert!(contains(&serde_json::json!({"events": []}), &actual, "").is_err());
    assert!(contains(&serde_json::json!({"error": "X"}), &actual, "").is_err());
}
