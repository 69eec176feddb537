//! The operator's routes for rule versions (docs/rules-lifecycle.md), behind the admin token:
//! `GET /v1/admin/rules` (list), `GET /v1/admin/rules/{n}` (show), `GET
//! /v1/admin/rules/diff?a=&b=`, `POST /v1/admin/rules` (publish: an admin, or an operator
//! scheduling campaigns), `POST /v1/admin/rules/validate` (`rules_draft.rs`) and `POST
//! /v1/admin/rules/{n}/rollback`. The same checks as `zailai rules …` (`crate::versions`).

use super::audit::{self, Entry};
use super::auth::{Actor, CanAdminister, CanOperate, CanView, Role};
use super::error::ApiError;
use super::request::{typed, typed_query};
use super::{now_ms, App};
use crate::versions::{self, instant, Candidate, PublishError};
use axum::extract::rejection::StringRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type Shared = State<Arc<App>>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/admin/rules", get(list).post(publish))
        .route("/v1/admin/rules/diff", get(diff))
        .route(
            "/v1/admin/rules/validate",
            post(super::rules_draft::validate),
        )
        .route("/v1/admin/rules/{number}", get(show))
        .route("/v1/admin/rules/{number}/rollback", post(rollback))
}

pub(super) fn refused(e: PublishError) -> ApiError {
    let status = match e {
        PublishError::NoSuchVersion(_) => StatusCode::NOT_FOUND,
        PublishError::Raced => StatusCode::CONFLICT,
        PublishError::Forbidden(_) => StatusCode::FORBIDDEN,
        PublishError::Store(ref s) => return ApiError::internal(s),
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let issues = e.issues().to_vec();
    ApiError {
        path: issues.first().map(|i| i.path.clone()),
        problems: issues,
        ..ApiError::new(status, e.code(), e.to_string())
    }
}

/// An instant as the CLI takes it (`2027-02-10 00:00 UTC+8` or RFC 3339), or unix ms.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum When {
    Ms(i64),
    Text(String),
}

impl When {
    pub(super) fn ms(&self) -> Result<i64, ApiError> {
        match self {
            When::Ms(ms) => Ok(*ms),
            When::Text(s) => instant::parse(s)
                .map_err(|e| ApiError::bad_request("BAD_REQUEST", "effective_from", e)),
        }
    }
}

/// `POST /v1/admin/rules`: `{"rules": {…rule file…}, "effective_from", "author", "note"?,
/// "mapping"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    rules: Value,
    effective_from: When,
    author: String,
    #[serde(default)]
    note: String,
    mapping: Option<Value>,
}

/// `POST /v1/admin/rules/{n}/rollback`: `{"effective_from", "author", "note"?, "mapping"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    effective_from: When,
    author: String,
    #[serde(default)]
    note: String,
    mapping: Option<Value>,
}

/// `?a=&b=`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    a: u32,
    b: u32,
}

/// What a publish or rollback answers: the new version, and this instance has it already.
/// Recorded in the audit log as `action` by `actor` (`before` names what it started from).
async fn done(
    app: &App,
    actor: &Actor,
    action: &str,
    before: Value,
    row: crate::store::StoredVersion,
) -> Result<Json<Value>, ApiError> {
    let _ = app.rules.refresh(&app.store, now_ms()).await;
    let zone = zailai::Config::parse(&row.rules)
        .map(|c| c.business_day.utc_offset_minutes)
        .unwrap_or(0);
    let answer = json!({
        "number": row.number,
        "effective_from": row.effective_from,
        "effective_from_local": instant::format(row.effective_from, zone),
        "hash": row.hash,
    });
    let entry = Entry {
        action,
        target: format!("rules:{}", row.number),
        before,
        after: answer.clone(),
    };
    audit::record(app, actor, entry).await;
    Ok(Json(answer))
}

/// An admin publishes any version; an operator only one that changes nothing but campaigns
/// (`versions::scope`) — its `effective_from` ahead by the lead time, as for every publish.
async fn publish(
    State(app): Shared,
    CanOperate(actor): CanOperate,
    body: Result<String, StringRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: PublishBody = typed(body)?;
    let candidate = Candidate {
        rules: b.rules.to_string(),
        mapping: b.mapping.map(|m| m.to_string()),
        effective_from: b.effective_from.ms()?,
        author: b.author,
        note: b.note,
        lead_ms: versions::LEAD_MS,
    };
    let role = actor.role;
    let guard = move |last: &zailai::Config, config: &zailai::Config| match role {
        Role::Admin => Ok(()),
        _ => versions::scope::operator_guard(last, config),
    };
    let row = versions::publish_guarded(&app.store, candidate, now_ms(), guard)
        .await
        .map_err(refused)?;
    done(&app, &actor, "rules.publish", Value::Null, row).await
}

async fn rollback(
    State(app): Shared,
    CanAdminister(actor): CanAdminister,
    Path(number): Path<u32>,
    body: Result<String, StringRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: RollbackBody = typed(body)?;
    let row = versions::rollback(
        &app.store,
        number,
        b.mapping.map(|m| m.to_string()),
        b.effective_from.ms()?,
        b.author,
        b.note,
        now_ms(),
        versions::LEAD_MS,
    )
    .await
    .map_err(refused)?;
    done(&app, &actor, "rules.rollback", json!({ "to": number }), row).await
}

async fn list(State(app): Shared, _: CanView) -> Result<Json<Value>, ApiError> {
    let now = now_ms();
    let Some((timeline, rows)) = versions::load(&app.store)
        .await
        .map_err(ApiError::internal)?
    else {
        return Ok(Json(json!({ "versions": [] })));
    };
    Ok(Json(json!({
        "now": now,
        "versions": versions::listed(&timeline, &rows, now),
    })))
}

async fn show(
    State(app): Shared,
    _: CanView,
    Path(number): Path<u32>,
) -> Result<Json<Value>, ApiError> {
    let row = versions::find(&app.store, number).await.map_err(refused)?;
    Ok(Json(versions::shown(&row).map_err(ApiError::internal)?))
}

async fn diff(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q: DiffQuery = typed_query(query.as_deref())?;
    let changes = versions::diff_versions(&app.store, q.a, q.b)
        .await
        .map_err(refused)?;
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    Ok(Json(
        json!({ "a": q.a, "b": q.b, "changes": changes, "lines": lines }),
    ))
}
