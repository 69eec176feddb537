//! The scorecard from the operator's CLI on a populated database (issue 27): messages sent
//! recorded with `zailai messages-sent`, counted in the campaign's `notified`, and the
//! diagnoses in the report's JSON and as readable lines on stderr, with the built-in rules or
//! a `--scorecard` file.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

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

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zailai-scorecard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn messages_sent_count_in_the_report_and_its_diagnoses_print() {
    let dir = dir();
    let data = dir.join("data").display().to_string();
    // The seed's rules: its campaign (spring_festival_2027, 6–12 Feb) inside the days.
    let (code, _, err) = zailai(&[
        "populate",
        "--data-dir",
        &data,
        "--users",
        "150",
        "--start",
        "2027-01-20",
        "--days",
        "40",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");

    // 40 members were sent the campaign's message, and one id of no member.
    let mut ids: Vec<String> = (0..40).map(|n| format!("sim-{n:05}")).collect();
    ids.insert(3, String::new());
    ids.push("nobody".into());
    let users = write(&dir, "users.txt", &ids.join("\n"));
    let send = |extra: &[&str]| {
        let mut args = vec![
            "messages-sent",
            "--data-dir",
            &data,
            "--kind",
            "campaign",
            "--campaign",
            "spring_festival_2027",
            "--at",
            "2027-02-05",
        ];
        args.extend_from_slice(extra);
        zailai(&args)
    };
    let (code, out, err) = send(&["--users", &users]);
    assert_eq!(code, 0, "{err}");
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&answer["recorded"], &answer["already"], &answer["unknown"]),
        (
            &Value::from(40),
            &Value::from(0),
            &serde_json::json!(["nobody"])
        )
    );
    // 2027-02-05 00:00 in UTC+8.
    assert_eq!(answer["at"], 1_801_756_800_000_i64);
    let (_, out, _) = send(&["--users", &users]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["already"],
        40,
        "sent twice, recorded once"
    );
    // A line that is no member id is named by its line; an unknown campaign by its flag.
    let long = write(
        &dir,
        "long.txt",
        &format!("sim-00001\n\n{}\n", "x".repeat(200)),
    );
    let (code, _, err) = send(&["--users", &long]);
    assert_eq!(code, 2);
    assert!(err.contains("long.txt:3: 1–128 bytes"), "{err}");
    let (code, _, err) = zailai(&[
        "messages-sent",
        "--data-dir",
        &data,
        "--kind",
        "campaign",
        "--campaign",
        "autumn",
        "--users",
        &users,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--campaign: no rule version of this server has a campaign `autumn`"),
        "{err}"
    );

    // The report: the campaign's notified members, and the diagnoses in the JSON and on
    // stderr, one line each, in the rules' default locale (zh-CN).
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "--data-dir",
            &data,
            "--from",
            "2027-01-20",
            "--to",
            "2027-02-28",
        ];
        args.extend_from_slice(extra);
        zailai(&args)
    };
    let (code, out, err) = report(&[]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let spring = &r["campaigns"][0];
    assert_eq!(spring["id"], "spring_festival_2027");
    assert_eq!(spring["notified"]["of"], 40);
    let took_part = spring["notified"]["count"].as_u64().unwrap();
    assert!(took_part > 0 && took_part < 40, "{spring}");
    let found = r["diagnoses"].as_array().unwrap();
    assert!(
        !found.is_empty(),
        "the populated campaign misses some target: {r}"
    );
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), found.len(), "{err}");
    for (line, d) in lines.iter().zip(found) {
        let id = d["id"].as_str().unwrap();
        let message = d["message"]["zh-CN"].as_str().unwrap();
        assert!(
            line.starts_with(&format!(
                "[{}] {id}: {message} → ",
                d["level"].as_str().unwrap()
            )),
            "{line}"
        );
        assert!(["act", "watch"].contains(&d["level"].as_str().unwrap()));
    }

    // A scorecard file replaces the built-in rules.
    let mine = write(
        &dir,
        "scorecard.json",
        r#"{"coupon_values_cents": {"coupon_5_yuan": 500},
            "diagnoses": [{"id": "any_participation", "level": "watch",
              "metric": "campaigns[].notified.rate", "above": 0,
              "message": {"zh-CN": "活动 {subject}：收到通知后参与 {value}", "en": "{subject}: {value} of the notified took part"},
              "lever": {"zh-CN": "继续", "en": "keep going"}}]}"#,
    );
    let (code, out, err) = report(&["--scorecard", &mine]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let rate = r["campaigns"][0]["notified"]["rate"].as_f64().unwrap();
    assert_eq!(
        r["diagnoses"].as_array().unwrap().len(),
        1,
        "{}",
        r["diagnoses"]
    );
    assert_eq!(r["diagnoses"][0]["value"], rate);
    let shown = format!("{:.1}", rate * 100.0);
    let shown = shown.trim_end_matches('0').trim_end_matches('.');
    assert!(
        err.contains(&format!(
            "[watch] any_participation: 活动 spring_festival_2027：收到通知后参与 {shown}% → 继续"
        )),
        "{err}"
    );
    // Coupons of the rules the file does not price are named.
    assert!(
        err.contains("warning: coupon `coupon_10_yuan` has no face value"),
        "{err}"
    );

    // A bad file is refused with the path of its problem, and no report is printed.
    let bad = write(
        &dir,
        "bad.json",
        r#"{"coupon_values_cents": {}, "diagnoses": [{"id": "x", "level": "act",
            "metric": "campaigns[].completion", "below": 30,
            "message": {"zh-CN": "x", "en": "x"}, "lever": {"zh-CN": "y", "en": "y"}}]}"#,
    );
    let (code, out, err) = report(&["--scorecard", &bad]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("bad.json: diagnoses[0].below: 30 is not a fraction"),
        "{err}"
    );
    // So does the server, before it listens.
    let serve_dir = dir.join("serve").display().to_string();
    let (code, _, err) = zailai(&[
        "serve",
        "--dev",
        "--data-dir",
        &serve_dir,
        "--addr",
        "127.0.0.1:0",
        "--scorecard",
        &bad,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.json: diagnoses[0].below: 30 is not a fraction"),
        "{err}"
    );
}
