//! `zailai operator add | list | disable | reset-password`, run as processes the way an
//! administrator runs them, on a server's SQLite data dir: what they store, what they print,
//! their errors, and the audit log entries they write as actor `cli`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use zailai_server::operators::password_matches;
use zailai_server::store::operators::{AuditQuery, OperatorStore};
use zailai_server::store::sqlite::Sqlite;

/// Runs `zailai operator ARGS --data-dir DIR` with `stdin`: (exit code, stdout, stderr).
fn operator(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .arg("operator")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A data dir with a database, as `zailai serve` leaves it.
fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-opcli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    drop(store(&dir));
    dir
}

fn store(dir: &Path) -> Sqlite {
    let rules = zailai_server::facts::FactRules::of(&zailai::Config::seed());
    Sqlite::open(&dir.join("zailai.db"), rules).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn add_stores_an_argon2id_hash_of_the_password_given_or_made_and_audits_it() {
    let dir = data_dir("add");
    let (code, out, err) = operator(
        &dir,
        &["add", "li.wei", "--role", "operator", "--password-stdin"],
        "twelve chars ok\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added operator li.wei (operator)"), "{out}");
    assert!(
        !out.contains("password:"),
        "a given password is not printed"
    );
    let (code, out, err) = operator(&dir, &["add", "ann", "--role", "admin"], "");
    assert_eq!(code, 0, "{err}");
    let made = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert_eq!(made.len(), 20, "{out}");

    let rt = runtime();
    let s = store(&dir);
    let li = rt.block_on(s.operator("li.wei")).unwrap().unwrap();
    assert_eq!((li.role.as_str(), li.disabled), ("operator", false));
    assert!(
        li.password_hash.starts_with("$argon2id$"),
        "{}",
        li.password_hash
    );
    assert!(password_matches("twelve chars ok", &li.password_hash));
    let ann = rt.block_on(s.operator("ann")).unwrap().unwrap();
    assert!(password_matches(&made, &ann.password_hash));

    let log = rt
        .block_on(s.audit(&AuditQuery {
            limit: 10,
            ..Default::default()
        }))
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[1].actor.as_str(),
            log[1].action.as_str(),
            log[1].target.as_str()
        ),
        ("cli", "operator.add", "operator:li.wei")
    );
    assert_eq!(log[1].before, "null");
    let after: serde_json::Value = serde_json::from_str(&log[1].after).unwrap();
    assert_eq!(after["role"], "operator");
    assert!(!log[1].after.contains("argon2"), "never the hash");

    let (code, out, _) = operator(&dir, &["list"], "");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("ann ") && lines[0].contains("admin") && lines[0].contains("never")
    );
    assert!(lines[1].starts_with("li.wei ") && lines[1].contains("active"));
    let (_, json, _) = operator(&dir, &["list", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["operators"][1]["name"], "li.wei");
    assert!(json["operators"][1].get("password_hash").is_none());
}

#[test]
fn bad_names_roles_passwords_and_unknown_operators_are_clear_errors() {
    let dir = data_dir("errors");
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["add", "Li Wei", "--role", "admin"],
            "",
            "is not an operator name",
        ),
        (
            &["add", "li", "--role", "root"],
            "",
            "\"root\" is not a role: viewer, operator or admin",
        ),
        (
            &["add", "li", "--role", "viewer", "--password-stdin"],
            "short\n",
            "a password has 12–256 characters (5 given)",
        ),
        (&["disable", "nobody"], "", "no operator named \"nobody\""),
        (
            &["reset-password", "nobody"],
            "",
            "no operator named \"nobody\"",
        ),
        (&["add", "li", "--role", "viewer"], "", ""),
        (
            &["add", "li", "--role", "admin"],
            "",
            "an operator named \"li\" exists already",
        ),
    ];
    for (args, stdin, wanted) in cases {
        let (code, _, err) = operator(&dir, args, stdin);
        if wanted.is_empty() {
            assert_eq!(code, 0, "{args:?}: {err}");
        } else {
            assert_eq!(code, 2, "{args:?}");
            assert!(
                err.starts_with("error: ") && err.contains(wanted),
                "{args:?}: {err}"
            );
        }
    }
    let missing = std::env::temp_dir().join(format!("zailai-opcli-none-{}", std::process::id()));
    let (code, _, err) = operator(&missing, &["list"], "");
    assert_eq!(code, 2);
    assert!(err.contains("no database at"), "{err}");
}

#[test]
fn disable_and_reset_password_end_sessions_and_are_audited() {
    let dir = data_dir("change");
    assert_eq!(
        operator(&dir, &["add", "olga", "--role", "viewer"], "").0,
        0
    );
    let rt = runtime();
    let s = store(&dir);
    rt.block_on(s.put_console_session("h1", "olga", "c", 1, i64::MAX))
        .unwrap();

    let (code, out, err) = operator(
        &dir,
        &["reset-password", "olga", "--password-stdin"],
        "another good one\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("new password for olga"));
    let olga = rt.block_on(s.operator("olga")).unwrap().unwrap();
    assert!(password_matches("another good one", &olga.password_hash));
    assert_eq!(
        rt.block_on(s.console_session("h1")).unwrap(),
        None,
        "sessions ended"
    );

    rt.block_on(s.put_console_session("h2", "olga", "c", 1, i64::MAX))
        .unwrap();
    let (code, out, _) = operator(&dir, &["disable", "olga"], "");
    assert_eq!(code, 0);
    assert!(out.contains("disabled operator olga"));
    assert!(rt.block_on(s.operator("olga")).unwrap().unwrap().disabled);
    assert_eq!(rt.block_on(s.console_session("h2")).unwrap(), None);
    let (_, list, _) = operator(&dir, &["list"], "");
    assert!(list.contains("disabled"), "{list}");

    let log = rt
        .block_on(s.audit(&AuditQuery {
            action: Some("operator.change".into()),
            limit: 10,
            ..Default::default()
        }))
        .unwrap();
    assert_eq!(log.len(), 2);
    let (disable, reset) = (&log[0], &log[1]);
    assert!(
        reset.after.contains(r#""password":"changed""#),
        "{}",
        reset.after
    );
    assert!(!reset.before.contains("password"), "{}", reset.before);
    assert!(
        disable.before.contains(r#""disabled":false"#)
            && disable.after.contains(r#""disabled":true"#)
    );
    assert!(log
        .iter()
        .all(|e| e.actor == "cli" && !e.after.contains("argon2")));
}
