//! Managing operators over HTTP (admins only): list, add, change role, disable, new
//! password (`crate::operators` does the work, as for `zailai operator`). Every write is in
//! the audit log with the operator before and after, never its password hash.

use super::audit::{self, Entry};
use super::auth::CanAdminister;
use super::error::ApiError;
use super::request::typed;
use super::{now_ms, App};
use crate::operators::{self, Change, OperatorError};
use crate::store::operators::OperatorStore;
use axum::extract::rejection::StringRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type Shared = State<Arc<App>>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/admin/operators", get(list).post(add))
        .route("/v1/admin/operators/{name}", post(change))
}

fn api_error(e: OperatorError) -> ApiError {
    match e {
        OperatorError::Invalid { path, message } => {
            ApiError::bad_request("BAD_REQUEST", path, message)
        }
        OperatorError::Unknown(_) => {
            ApiError::new(StatusCode::NOT_FOUND, "UNKNOWN_OPERATOR", e.to_string())
        }
        OperatorError::Taken(_) => ApiError {
            path: Some("name".to_owned()),
            ..ApiError::new(StatusCode::CONFLICT, "NAME_TAKEN", e.to_string())
        },
        OperatorError::LastAdmin(_) => {
            ApiError::new(StatusCode::CONFLICT, "LAST_ADMIN", e.to_string())
        }
        OperatorError::Store(e) => ApiError::internal(e),
    }
}

async fn list(State(app): Shared, _: CanAdminister) -> Result<Json<Value>, ApiError> {
    let all = app.store.operators().await.map_err(ApiError::internal)?;
    let shown: Vec<Value> = all.iter().map(operators::public).collect();
    Ok(Json(json!({"operators": shown})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddBody {
    name: String,
    role: String,
    password: String,
}

async fn add(
    State(app): Shared,
    CanAdminister(actor): CanAdminister,
    body: Result<String, StringRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: AddBody = typed(body)?;
    let row = operators::add(&app.store, &b.name, &b.role, &b.password, now_ms())
        .await
        .map_err(api_error)?;
    let after = operators::public(&row);
    let entry = Entry {
        action: "operator.add",
        target: format!("operator:{}", row.name),
        before: Value::Null,
        after: after.clone(),
    };
    audit::record(&app, &actor, entry).await;
    Ok(Json(json!({"operator": after})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    role: Option<String>,
    disabled: Option<bool>,
    password: Option<String>,
}

async fn change(
    State(app): Shared,
    CanAdminister(actor): CanAdminister,
    Path(name): Path<String>,
    body: Result<String, StringRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: ChangeBody = typed(body)?;
    let wanted = Change {
        role: b.role,
        disabled: b.disabled,
        password: b.password,
    };
    let (before, after) = operators::change(&app.store, &name, wanted, now_ms())
        .await
        .map_err(api_error)?;
    let entry = Entry {
        action: "operator.change",
        target: format!("operator:{name}"),
        before,
        after: after.clone(),
    };
    audit::record(&app, &actor, entry).await;
    Ok(Json(json!({"operator": after})))
}
