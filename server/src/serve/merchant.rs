//! The merchant API (`docs/merchant.md`): the merchant's backend, after its own payment
//! notification, records what money did: points held for an unpaid order, the paid order,
//! refunds and cancellations, memberships bought. Each call is one op of `~merchant`,
//! applied by the engine in one transaction with the member's state and the call's key, so a
//! retried call applies once; the member's phone sees it at its next sync.
//!
//! Credential: a bearer token of its own (`--merchant-token`), compared by hash. Chosen over
//! signed requests because every call is idempotent by its key (a replayed request changes
//! nothing) and TLS already protects the token in transit; a merchant's backend then needs
//! no signing code. The admin token is never accepted here, nor this one there.

use super::error::ApiError;
use super::routes::{bearer, body_text, json_body, token_hash};
use super::{now_ms, App};
use crate::store::{Once, OpRow, Store};
use axum::extract::rejection::StringRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use zailai::op::MERCHANT_DEVICE;
use zailai::OpKind;

/// Default and longest time points stay held for an unpaid order.
pub const DEFAULT_HOLD_SECONDS: u32 = 900;
pub const MAX_HOLD_SECONDS: u32 = 7 * 86_400;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/merchant/holds", post(hold))
        .route("/v1/merchant/holds/release", post(release))
        .route("/v1/merchant/orders", post(order))
        .route("/v1/merchant/refunds", post(refund))
        .route("/v1/merchant/cancellations", post(cancel))
        .route("/v1/merchant/memberships", post(membership))
        .route("/v1/merchant/quote", get(quote))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    user: String,
    order: String,
    points: u32,
    #[serde(default = "default_hold")]
    hold_seconds: u32,
}

fn default_hold() -> u32 {
    DEFAULT_HOLD_SECONDS
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRef {
    user: String,
    order: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRequest {
    user: String,
    order: String,
    amount_cents: u64,
    #[serde(default)]
    points: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundRequest {
    user: String,
    order: String,
    /// The merchant's id of this refund: one order may have several.
    refund: String,
    #[serde(default)]
    amount_cents: u64,
    #[serde(default)]
    points: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipRequest {
    user: String,
    /// The merchant's id of the purchase.
    purchase: String,
    plan: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteQuery {
    user: String,
    amount_cents: u64,
}

/// The merchant token as the bearer, or 401/403. A missing header fails before any compare.
fn check_merchant(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &app.options.merchant_token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "MERCHANT_DISABLED",
            "the merchant API needs --merchant-token",
        ));
    };
    let Some(given) = bearer(headers).filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthorized("merchant token required"));
    };
    if token_hash(given) != token_hash(expected) {
        return Err(ApiError::unauthorized("merchant token required"));
    }
    Ok(())
}

/// The body as `T`, strictly: JSON without duplicate keys, no unknown fields, ids 1–128 bytes.
fn typed<T: DeserializeOwned>(body: Result<String, StringRejection>) -> Result<T, ApiError> {
    let value = json_body(&body_text(body)?)?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("BAD_REQUEST", "", e.to_string()))
}

fn id(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 128 {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            field,
            format!("{field}: must be 1–128 bytes"),
        ));
    }
    Ok(())
}

/// One merchant call: `key` makes it idempotent, `kind` is its op given the op's time.
async fn call<R: Serialize>(
    app: &App,
    key: String,
    request: &R,
    user: &str,
    kind: impl FnOnce(i64) -> OpKind + Send + 'static,
) -> Result<Response, ApiError> {
    let canonical = serde_json::to_string(request).map_err(ApiError::internal)?;
    let cfg = app.config.clone();
    let now = now_ms();
    let change = move |r: &mut crate::store::Record| {
        let (op, events) = zailai::sync::server_op(&mut r.state, &cfg, MERCHANT_DEVICE, kind, now)?;
        r.server_version += 1;
        let response = json!({
            "user": r.state.user,
            "op": {"device": op.device, "seq": op.seq, "at": op.at},
            "events": events,
            "balance": r.state.balance,
            "server_version": r.server_version,
        });
        Ok::<_, zailai::RuleError>((
            response.to_string(),
            vec![OpRow::of(&op, "applied".to_owned())],
        ))
    };
    let outcome = app
        .store
        .once(&key, &canonical, user, now, change)
        .await
        .map_err(ApiError::internal)?;
    let body = |text: String, replayed: bool| {
        let mut res = (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response();
        if replayed {
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        res
    };
    match outcome {
        Once::Done(text) => Ok(body(text, false)),
        Once::Replayed(text) => Ok(body(text, true)),
        Once::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_CONFLICT",
            format!("`{key}` was used before with another request body"),
        )),
        Once::UnknownMember => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UNKNOWN_MEMBER",
            format!("no member `{user}`: members exist once their app has synced"),
        )),
        Once::Refused(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code.as_str(),
            e.detail,
        )),
    }
}

async fn hold(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: HoldRequest = typed(body)?;
    id("user", &r.user)?;
    id("order", &r.order)?;
    if !(1..=MAX_HOLD_SECONDS).contains(&r.hold_seconds) {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            "hold_seconds",
            format!("hold_seconds: must be 1..={MAX_HOLD_SECONDS}"),
        ));
    }
    let (order, points, ms) = (r.order.clone(), r.points, i64::from(r.hold_seconds) * 1000);
    let kind = move |at: i64| OpKind::HoldPoints {
        order,
        points,
        until: at + ms,
    };
    call(&app, format!("hold:{}", r.order), &r, &r.user, kind).await
}

async fn release(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: OrderRef = typed(body)?;
    id("user", &r.user)?;
    id("order", &r.order)?;
    let order = r.order.clone();
    let kind = move |_| OpKind::ReleaseHold { order };
    call(&app, format!("release:{}", r.order), &r, &r.user, kind).await
}

async fn order(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: OrderRequest = typed(body)?;
    id("user", &r.user)?;
    id("order", &r.order)?;
    let (order, amount_cents, points) = (r.order.clone(), r.amount_cents, r.points);
    let kind = move |_| OpKind::Order {
        order,
        amount_cents,
        points,
    };
    call(&app, format!("order:{}", r.order), &r, &r.user, kind).await
}

async fn refund(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: RefundRequest = typed(body)?;
    id("user", &r.user)?;
    id("order", &r.order)?;
    id("refund", &r.refund)?;
    let (order, amount_cents, points) = (r.order.clone(), r.amount_cents, r.points);
    let kind = move |_| OpKind::RefundOrder {
        order,
        amount_cents,
        points,
    };
    // The order's length first: ids may hold `:`, and two refunds must never share a key.
    let key = format!("refund:{}:{}:{}", r.order.len(), r.order, r.refund);
    call(&app, key, &r, &r.user, kind).await
}

async fn cancel(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: OrderRef = typed(body)?;
    id("user", &r.user)?;
    id("order", &r.order)?;
    let order = r.order.clone();
    let kind = move |_| OpKind::CancelOrder { order };
    call(&app, format!("cancel:{}", r.order), &r, &r.user, kind).await
}

async fn membership(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    check_merchant(&app, &headers)?;
    let r: MembershipRequest = typed(body)?;
    id("user", &r.user)?;
    id("purchase", &r.purchase)?;
    id("plan", &r.plan)?;
    let plan = r.plan.clone();
    let kind = move |_| OpKind::BuyMembership { plan };
    call(
        &app,
        format!("membership:{}", r.purchase),
        &r,
        &r.user,
        kind,
    )
    .await
}

/// `GET /v1/merchant/quote?user=&amount_cents=`: the most points the order may deduct now,
/// from the server's state of the member (what the phone's offline quote estimates).
async fn quote(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<QuoteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_merchant(&app, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("BAD_REQUEST", "", e.body_text()))?;
    let record = app
        .store
        .load(&q.user)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "UNKNOWN_MEMBER",
                format!("no member `{}`", q.user),
            )
        })?;
    let quote = zailai::view::checkout_quote(&record.state, &app.config, now_ms(), q.amount_cents)
        .map_err(|e| ApiError::bad_request(e.code.as_str(), "amount_cents", e.detail))?;
    Ok(Json(json!(quote)))
}
