//! `zailai rules publish | list | show | diff | rollback` and the rules check at `zailai serve`
//! start, run as processes the way an operator runs them, on a server's SQLite data dir
//! (PostgreSQL: `tests/versions.rs` and `js/test/rule-versions.test.js`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn zailai(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts a dev server on `dir` with `config`: `Ok` once it listens (then stopped), or `Err`
/// with its stderr when it exits first.
fn serve(dir: &Path, config: &Path) -> Result<(), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(["serve", "--dev", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .arg("--config")
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let listening = BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .is_ok_and(|n| n > 0 && line.contains("listening on"));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    if listening {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn rules_file(dir: &Path, name: &str, review: u32) -> PathBuf {
    let mut cfg = serde_json::to_value(zailai::Config::seed()).unwrap();
    cfg["points"]["earning"]["review"] = serde_json::json!({ "points": review });
    let path = dir.join(name);
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

/// RFC 3339 of the whole minute after `ms`.
fn rfc(ms: i64) -> String {
    let minute = ms - ms.rem_euclid(60_000) + 60_000;
    let shown = zailai_server::versions::instant::format(minute, 0);
    let (date, rest) = shown.split_once(' ').unwrap();
    let time = rest.trim_end_matches(" UTC");
    format!("{date}T{time}:00Z")
}

#[test]
fn publish_list_show_diff_rollback_and_the_check_at_start() {
    let dir = std::env::temp_dir().join(format!("zailai-rules-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let v1 = rules_file(&dir, "v1.json", 20);
    let v2 = rules_file(&dir, "v2.json", 35);
    let d = data.to_str().unwrap();

    // Before any server: nothing to publish onto.
    let (code, _, err) = zailai(&["rules", "list", "--data-dir", d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no database"), "{err}");

    // The first start stores v1 as version 1; the same file starts again; another stops it.
    serve(&data, &v1).unwrap();
    serve(&data, &v1).unwrap();
    let err = serve(&data, &v2).unwrap_err();
    assert!(
        err.contains("differs from the rules in effect (version 1"),
        "{err}"
    );
    assert!(err.contains("zailai rules publish --config"), "{err}");

    let now = zailai_server::serve::now_ms();
    let v2s = v2.to_str().unwrap();
    // Too soon: refused, with the lead time.
    let (code, _, err) = zailai(&[
        "rules",
        "publish",
        "--config",
        v2s,
        "--effective-from",
        &rfc(now + 60_000),
        "--author",
        "ops",
        "--data-dir",
        d,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("lead time"), "{err}");
    // A bad instant: the forms it takes.
    let (code, _, err) = zailai(&[
        "rules",
        "publish",
        "--config",
        v2s,
        "--effective-from",
        "tomorrow",
        "--author",
        "ops",
        "--data-dir",
        d,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("UTC+8"), "{err}");
    // Stranding: a removed task, with its path.
    let mut fewer = serde_json::to_value(zailai::Config::seed()).unwrap();
    let gone = fewer["tasks"].as_array_mut().unwrap().remove(0)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fewer_path = dir.join("fewer.json");
    std::fs::write(&fewer_path, fewer.to_string()).unwrap();
    let (code, _, err) = zailai(&[
        "rules",
        "publish",
        "--config",
        fewer_path.to_str().unwrap(),
        "--effective-from",
        &rfc(now + 11 * 60_000),
        "--author",
        "ops",
        "--data-dir",
        d,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("tasks.{gone}: removed")), "{err}");

    // Published in the rules' zone, shown in it.
    let at2 = now + 11 * 60_000;
    let (code, out, err) = zailai(&[
        "rules",
        "publish",
        "--config",
        v2s,
        "--effective-from",
        &zailai_server::versions::instant::format(at2 - at2 % 60_000 + 60_000, 480),
        "--author",
        "ops",
        "--note",
        "reviews pay more",
        "--data-dir",
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("published version 2 (hash "), "{out}");
    assert!(out.trim_end().ends_with("UTC+8"), "{out}");

    // A restart with the scheduled file is fine now.
    serve(&data, &v2).unwrap();

    let (code, out, _) = zailai(&["rules", "list", "--data-dir", d]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("in_effect") && lines[1].contains("scheduled"),
        "{out}"
    );
    assert!(lines[1].contains("reviews pay more"), "{out}");

    let (code, out, _) = zailai(&["rules", "show", "2", "--data-dir", d]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["rules"]["points"]["earning"]["review"]["points"], 35);
    assert_eq!(shown["author"], "ops");

    let (code, out, _) = zailai(&["rules", "diff", "1", "2", "--data-dir", d]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "~ points.earning.review.points: 20 → 35");

    let (code, out, err) = zailai(&[
        "rules",
        "rollback",
        "1",
        "--effective-from",
        &rfc(now + 20 * 60_000),
        "--author",
        "ops",
        "--note",
        "too generous",
        "--data-dir",
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("published version 3"), "{out}");
    let (_, out, _) = zailai(&["rules", "diff", "1", "3", "--data-dir", d]);
    assert_eq!(out.trim(), "versions 1 and 3 have the same rules");
    let (_, out, _) = zailai(&["rules", "list", "--json", "--data-dir", d]);
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[2]["note"], "rollback to version 1: too generous");
    assert_eq!(listed[2]["hash"], listed[0]["hash"]);

    // The binary rules on stdin still show as before (`rules show` without a number): covered
    // by tests/cli.rs. An unknown version is an error.
    // populate writes synthetic members under one rule set: not into a database of several.
    let (code, _, err) = zailai(&[
        "populate",
        "--data-dir",
        d,
        "--users",
        "2",
        "--start",
        "2026-11-02",
        "--days",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("several rule versions"), "{err}");
    let (code, _, err) = zailai(&["rules", "show", "9", "--data-dir", d]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule version 9"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
