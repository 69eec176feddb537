//! `POST /v1/admin/rules/what-if`, behind the admin token: the members' op logs replayed from
//! a day on under a candidate rule set beside the server's rules (`docs/rules-lifecycle.md`,
//! "What-if"). The answer is the JSON `zailai rules what-if --json` prints.

use super::auth::CanOperate;
use super::error::ApiError;
use super::request::typed;
use super::{now_ms, App};
use crate::what_if::load::{run, Request, RunError};
use crate::what_if::report::Report;
use axum::extract::rejection::StringRejection;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use zailai::day::Date;
use zailai::Config;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/v1/admin/rules/what-if", post(what_if))
}

/// `{"candidate": {rules…}, "from": "YYYY-MM-DD", "to"?: "YYYY-MM-DD", "sample"?: n}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatIfBody {
    candidate: serde_json::Value,
    from: String,
    /// Default: today (the server's clock).
    to: Option<String>,
    sample: Option<usize>,
}

fn date(name: &str, s: &str) -> Result<Date, ApiError> {
    Date::parse(s).ok_or_else(|| {
        ApiError::bad_request(
            "BAD_REQUEST",
            name,
            format!("`{s}` is not a YYYY-MM-DD date"),
        )
    })
}

/// The candidate rules, checked as `zailai check` does: every problem, the first one's path.
fn candidate(value: &serde_json::Value) -> Result<Config, ApiError> {
    Config::parse(&value.to_string()).map_err(|e| {
        let path = e
            .issues
            .first()
            .map_or("candidate".to_owned(), |i| format!("candidate.{}", i.path));
        let all: Vec<String> = e.issues.iter().map(ToString::to_string).collect();
        ApiError::bad_request(e.code, &path, all.join("; "))
    })
}

/// One what-if at a time: each holds the op logs it replays in memory (about 1 GB for
/// 100,000 members over 60 days) and keeps both cores busy; a second one waits its turn.
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn what_if(
    State(app): State<Arc<App>>,
    _: CanOperate,
    body: Result<String, StringRejection>,
) -> Result<Json<Report>, ApiError> {
    let b: WhatIfBody = typed(body)?;
    let now = now_ms();
    let config = app.rules.live().config_at(now);
    let from = date("from", &b.from)?;
    let to = match &b.to {
        Some(to) => date("to", to)?,
        None => Date::from_day(config.clock().day_of(now)),
    };
    let req = Request {
        candidate: candidate(&b.candidate)?,
        from,
        to,
        sample: b.sample,
    };
    let _turn = RUNNING.lock().await;
    let report = run(&app.store, &config, req).await.map_err(|e| match e {
        RunError::Request(e) => ApiError::bad_request("BAD_REQUEST", "", e.0),
        RunError::Store(e) => ApiError::internal(e),
    })?;
    Ok(Json(report))
}
