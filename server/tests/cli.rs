//! The operator CLI, run as a process the way an operator runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn zailai(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn simulate_prints_events_summary_and_views() {
    let (code, out, err) = zailai(&[
        "simulate",
        "--config",
        "presets/seed.json",
        "--ops",
        "presets/seed-demo.ops.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results[0]["line"], 1);
    assert_eq!(results[1]["events"][0]["type"], "checked_in");
    let refused: Vec<_> = results.iter().filter(|r| r["ok"] == false).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["error"]["code"], "ALREADY_CHECKED_IN");
    assert_eq!(v["summary"]["streak"], 8);
    assert_eq!(v["summary"]["tier"], "silver");
    for view in [
        "calendar",
        "calendar_cells",
        "tier_progress",
        "tasks",
        "points_summary",
        "prompts",
    ] {
        assert!(!v["views"][view].is_null(), "missing view {view}");
    }
    assert_eq!(v["views"]["calendar"]["month"], 11);
}

#[test]
fn bad_config_lists_every_problem_with_its_path_and_exits_2() {
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("presets/seed.json")).unwrap())
            .unwrap();
    cfg["checkin"]["streak_bonuses"][1]["day"] = 2.into();
    cfg["points"]["daily_cap"] = 0.into();
    let path = temp("bad.json", &cfg.to_string());
    let (code, out, err) = zailai(&[
        "simulate",
        "--config",
        path.to_str().unwrap(),
        "--ops",
        "presets/seed-demo.ops.jsonl",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("checkin.streak_bonuses[1].day: must be greater than the previous milestone"),
        "{err}"
    );
    assert!(
        err.contains("points.daily_cap: must be between 1 and"),
        "{err}"
    );
    let (code, out, _) = zailai(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (2, ""));
    let (code, out, _) = zailai(&["check", "--config", "presets/seed.json"]);
    assert_eq!(code, 0);
    assert!(out.contains("ok"));
}

#[test]
fn bad_op_lines_are_named_by_number_and_nothing_is_applied() {
    let ops = "{\"device\":\"d\",\"seq\":1,\"at\":1764000000000,\"op\":{\"type\":\"check_in\"}}\n\n{\"device\":\"d\",\"seq\":2,\"at\":1764000000000,\"op\":{\"type\":\"jump\"}}\nnot json\n";
    let path = temp("ops.jsonl", ops);
    let (code, out, err) = zailai(&[
        "simulate",
        "--config",
        "presets/seed.json",
        "--ops",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("2 bad op line(s)"), "{err}");
    assert!(
        err.contains("ops.jsonl:3: op.type: unknown variant `jump`"),
        "{err}"
    );
    assert!(err.contains("ops.jsonl:4:"), "{err}");
}

#[test]
fn missing_file_is_named() {
    let (code, _, err) = zailai(&[
        "simulate",
        "--config",
        "nope.json",
        "--ops",
        "presets/seed-demo.ops.jsonl",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read nope.json"), "{err}");
}

#[test]
fn keygen_then_key_info_from_file_and_environment() {
    let dir = std::env::temp_dir().join(format!("zailai-cli-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (code, out, err) = zailai(&["keygen", "--id", "2026a", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2026a.secret.json"));
    let public = std::fs::read_to_string(dir.join("2026a.public.json")).unwrap();
    let secret_path = dir.join("2026a.secret.json");
    let (code, out, _) = zailai(&["key-info", "--key", secret_path.to_str().unwrap()]);
    assert_eq!((code, out.trim()), (0, public.as_str()));
    let secret = std::fs::read_to_string(&secret_path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(["key-info"])
        .env("ZAILAI_SIGNING_KEY", &secret)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), public);
    let out = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(["key-info"])
        .env_remove("ZAILAI_SIGNING_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set ZAILAI_SIGNING_KEY"));
    let (code, _, err) = zailai(&["keygen", "--id", "2026a", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("never reused"), "{err}");
}

#[test]
fn check_warns_about_crowded_campaign_weeks_but_passes() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("presets/seed.json")).unwrap())
            .unwrap();
    let c = |id: &str, start: &str| serde_json::json!({"id": id, "name": {"en": id}, "start": start, "days": 7});
    // Cards and lotteries of the seed follow the campaign replaced here.
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "cards" && k != "lotteries");
    v["campaigns"] = serde_json::json!([
        c("a", "2027-03-01"),
        c("b", "2027-03-03"),
        c("c", "2027-03-05")
    ]);
    let path = temp("crowded.json", &v.to_string());
    let (code, out, err) = zailai(&["check", "--config", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok"));
    assert!(
        err.contains(
            "warning: campaigns: 3 campaigns overlap in the week from 2027-03-01 (a, b, c)"
        ),
        "{err}"
    );
}

fn zailai_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_zailai"))
        .args(args)
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `snapshot encode` writes a JSON payload in the binary form; a snapshot signed over it reads
/// back as the same JSON with `snapshot show`, verified with the key file's public key and
/// refused with another.
#[test]
fn snapshot_encode_then_show_round_trips_and_verifies() {
    use zailai::snapshot::{base64, Payload, SnapshotSigner};
    let cfg = zailai::Config::seed();
    let mut state = zailai::State::join(&cfg, "u1", 1_793_498_400_000);
    let op = zailai::Op::from_json(
        r#"{"device":"phone","seq":1,"at":1793498400000,"op":{"type":"check_in"}}"#,
    )
    .unwrap();
    state.apply(&cfg, &op).unwrap();
    let payload = Payload {
        user: "u1".into(),
        server_version: 7,
        issued_at: 1_793_502_000_000,
        config_hash: "ab".repeat(32),
        acked: [("phone".to_owned(), 1)].into_iter().collect(),
        state,
    };
    let json = serde_json::to_string(&payload).unwrap();
    let (code, out, err) = zailai_stdin(&["snapshot", "encode"], &json);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        base64::decode(out.trim()).unwrap(),
        zailai::binary::encode(&payload)
    );

    let signer = SnapshotSigner::from_seed("k1", &[7; 32]).unwrap();
    let snapshot = base64::encode(&signer.sign(&payload));
    // `snapshot show --keys` with a key file trusting `signer`'s public key as `k1`.
    let show = |file: &str, signer: &SnapshotSigner| {
        let keys = temp(
            file,
            &format!(
                r#"[{{"id":"k1","public":"{}"}}]"#,
                base64::encode(&signer.public_key())
            ),
        );
        zailai_stdin(
            &["snapshot", "show", "--keys", keys.to_str().unwrap()],
            &snapshot,
        )
    };
    let (code, out, err) = show("keys.json", &signer);
    assert_eq!(code, 0, "{err}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["verified"], true);
    assert_eq!(shown["key_id"], "k1");
    assert_eq!(
        shown["payload"],
        serde_json::from_str::<serde_json::Value>(&json).unwrap()
    );

    let other = SnapshotSigner::from_seed("k1", &[9; 32]).unwrap();
    let (code, _, err) = show("wrong-keys.json", &other);
    assert_ne!(code, 0);
    assert!(err.contains("SNAPSHOT_BAD_SIGNATURE"), "{err}");
    let (code, _, err) = zailai_stdin(&["snapshot", "encode"], r#"{"user": 1}"#);
    assert_ne!(code, 0);
    assert!(err.contains("payload.user"), "{err}");
}

/// `rules encode` checks a rule file and prints the binary form a client takes (the shipped
/// seed file is exactly that for the preset); `rules show` reads it back as the same rules;
/// a bad rule file or bytes that are not rules exit 2 and say why.
#[test]
fn rules_encode_then_show_round_trips_and_refuses_bad_input() {
    let seed = repo().join("presets/seed.json");
    let (code, out, err) = zailai(&["rules", "encode", "--config", seed.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let shipped = std::fs::read_to_string(repo().join("presets/seed.rules.b64")).unwrap();
    assert_eq!(out.trim(), shipped.trim());
    let (code, shown, err) = zailai_stdin(&["rules", "show"], &out);
    assert_eq!(code, 0, "{err}");
    let shown = zailai::Config::parse(&shown).expect("`rules show` prints a valid rule file");
    assert_eq!(shown, zailai::Config::seed());

    let mut bad: serde_json::Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
    bad["points"]["daily_cap"] = 0.into();
    let file = temp("bad-rules.json", &bad.to_string());
    let (code, out, err) = zailai(&["rules", "encode", "--config", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "nothing printed for a bad file: {out}");
    assert!(err.contains("points.daily_cap"), "{err}");

    let (code, _, err) = zailai_stdin(&["rules", "show"], "AwID");
    assert_eq!(code, 2);
    assert!(
        err.contains("CONFIG_INVALID") && err.contains("unreadable"),
        "{err}"
    );
    let (code, _, err) = zailai_stdin(&["rules", "show"], "{}");
    assert_eq!(code, 2);
    assert!(err.contains("base64"), "{err}");
}

/// An empty or short admin token would open the operator endpoints to anyone: the server
/// refuses to start with one, from the flag or the environment, and says why.
#[test]
fn serve_refuses_an_empty_or_short_admin_token() {
    let dir = std::env::temp_dir().join(format!("zailai-admin-{}", std::process::id()));
    for (flag, env) in [(Some(""), None), (Some("short"), None), (None, Some(""))] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zailai"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(&dir);
        if let Some(token) = flag {
            cmd.args(["--admin-token", token]);
        }
        if let Some(token) = env {
            cmd.env("ZAILAI_ADMIN_TOKEN", token);
        }
        // A server that starts anyway would run forever: wait a while, then stop it.
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() && start.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "started with {flag:?} / {env:?}");
        assert!(err.contains("at least 16 characters"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
