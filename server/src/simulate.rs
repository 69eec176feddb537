//! `zailai simulate`: what an operator runs before a rule change goes live.

use serde_json::{json, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use zailai::{view, Config, ConfigIssue, Op, State};

#[derive(clap::Args)]
pub struct Args {
    /// The rule file (JSON).
    #[arg(long)]
    pub config: PathBuf,
    /// The ops, one JSON object a line (see docs/ops.md).
    #[arg(long)]
    pub ops: PathBuf,
    /// The member's user id.
    #[arg(long, default_value = "member")]
    pub user: String,
    /// When the member joined (epoch ms); default: the first op's `at`.
    #[arg(long)]
    pub joined_at: Option<i64>,
    /// The instant views are computed for (epoch ms); default: the last op's `at`.
    #[arg(long)]
    pub now: Option<i64>,
    /// Locale of labels in views (zh-CN or en); default: the config's.
    #[arg(long)]
    pub locale: Option<String>,
    /// `json` (everything, for programs), `text` (a digest for people) or `lines` (one line
    /// per op, `ok <events JSON>` or `err <CODE>`, then `state <state JSON>`: the canonical
    /// bytes other implementations are compared with).
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
    Lines,
}

/// Why the command failed; bad input exits 2, unreadable files 1.
pub enum Failure {
    Io(PathBuf, std::io::Error),
    Input(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Io(..) => 1,
            Failure::Input(_) => 2,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Io(path, e) => write!(f, "error: cannot read {}: {e}", path.display()),
            Failure::Input(msg) => write!(f, "{msg}"),
        }
    }
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Io(path.to_owned(), e))
}

/// Strictly parses and validates a rule file; every problem is listed with its path.
pub fn load_config(path: &Path) -> Result<(Config, Vec<ConfigIssue>), Failure> {
    let text = read(path)?;
    Config::parse(&text)
        .map(|c| {
            let warnings = c.lint();
            (c, warnings)
        })
        .map_err(|e| {
            let mut msg = format!(
                "error: {} is not a valid rule file ({}, {} problem(s)):",
                path.display(),
                e.code,
                e.issues.len()
            );
            for issue in &e.issues {
                msg.push_str(&format!("\n  {issue}"));
            }
            Failure::Input(msg)
        })
}

/// Parses every line; reports every bad line with its number before anything is applied.
fn load_ops(path: &Path) -> Result<Vec<(usize, Op)>, Failure> {
    let text = read(path)?;
    let mut ops = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Op::from_json(line) {
            Ok(op) => ops.push((i + 1, op)),
            Err(e) => bad.push(format!("  {}:{}: {}", path.display(), i + 1, e.detail)),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::Input(format!(
            "error: {} bad op line(s), nothing applied:\n{}",
            bad.len(),
            bad.join("\n")
        )));
    }
    Ok(ops)
}

pub fn run(args: &Args) -> Result<(), Failure> {
    let (cfg, _) = load_config(&args.config)?;
    let ops = load_ops(&args.ops)?;
    let joined_at = args
        .joined_at
        .or(ops.first().map(|(_, op)| op.at))
        .unwrap_or(0);
    let state = State::join(&cfg, &args.user, joined_at);
    match args.format {
        Format::Lines => print_lines(&cfg, state, &ops),
        Format::Json => {
            let out = report(args, &cfg, state, &ops, joined_at)?;
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            let out = report(args, &cfg, state, &ops, joined_at)?;
            print!(
                "{}",
                crate::text::render(&out, cfg.business_day.utc_offset_minutes)
            );
        }
    }
    Ok(())
}

/// The canonical bytes: `ok <events>` or `err <CODE>` per op, then `state <state>`.
fn print_lines(cfg: &Config, mut state: State, ops: &[(usize, Op)]) {
    for (_, op) in ops {
        match state.apply(cfg, op) {
            Ok(events) => println!("ok {}", serde_json::to_string(&events).unwrap_or_default()),
            Err(e) => println!("err {}", e.code.as_str()),
        }
    }
    println!("state {}", state.to_json());
}

/// Each op's events or error, the member summary, the views at `--now`, and the state.
fn report(
    args: &Args,
    cfg: &Config,
    mut state: State,
    ops: &[(usize, Op)],
    joined_at: i64,
) -> Result<Value, Failure> {
    let locale = cfg.locale(args.locale.as_deref()).to_owned();
    let now = args
        .now
        .or(ops.iter().map(|(_, op)| op.at).max())
        .unwrap_or(joined_at);
    let results: Vec<Value> = ops
        .iter()
        .map(|(line, op)| {
            let head = json!({ "line": line, "device": op.device, "seq": op.seq, "at": op.at, "op": op.op });
            match state.apply(cfg, op) {
                Ok(events) => merge(head, json!({ "ok": true, "events": events })),
                Err(e) => merge(head, json!({ "ok": false, "error": e })),
            }
        })
        .collect();
    let today = zailai::Date::from_day(cfg.clock().day_of(now));
    let calendar = view::calendar(&state, cfg, today.year, today.month, now, &locale)
        .map_err(|e| Failure::Input(format!("error: {e}")))?;
    Ok(json!({
        "results": results,
        "summary": view::summary(&state, cfg, now),
        "views": {
            "now": now,
            "calendar": calendar,
            // The cells the mini-program shows (js/test/month.test.js compares the package's
            // JS-built cells with these).
            "calendar_cells": view::calendar_cells(&calendar, cfg, &locale),
            "tier_progress": view::tier_progress(&state, cfg, now, &locale),
            "tasks": view::tasks(&state, cfg, now, &locale),
            "points_summary": view::points_summary(&state, cfg, now),
            "prompts": view::prompts(&state, cfg, now, &locale),
        },
        "state": state,
    }))
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}
