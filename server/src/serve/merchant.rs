//! The merchant API (`docs/merchant.md`): the merchant's backend, after its own payment
//! notification, records what money did: points held for an unpaid order, the paid order,
//! refunds and cancellations, memberships bought and taken back. Each call is one op of
//! `~merchant`, applied by the engine in one transaction with the member's state and the
//! call's key, so a retried call applies once; the member's phone sees it at its next sync.
//!
//! Credential: a bearer token of its own (`--merchant-token`), compared by hash. Chosen over
//! signed requests because every call is idempotent by its key (a replayed request changes
//! nothing) and TLS already protects the token in transit; a merchant's backend then needs
//! no signing code. The admin token is never accepted here, nor this one there.

use super::auth::Merchant;
use super::error::ApiError;
use super::request::typed;
use super::{now_ms, App};
use crate::store::{Once, OpRow, Store};
use axum::extract::rejection::StringRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use zailai::op::MERCHANT_DEVICE;
use zailai::OpKind;

/// Default and longest time points stay held for an unpaid order.
pub const DEFAULT_HOLD_SECONDS: u32 = 900;
pub const MAX_HOLD_SECONDS: u32 = 7 * 86_400;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/merchant/holds", post(handle::<HoldRequest>))
        .route("/v1/merchant/holds/release", post(handle::<ReleaseRequest>))
        .route("/v1/merchant/orders", post(handle::<OrderRequest>))
        .route("/v1/merchant/refunds", post(handle::<RefundRequest>))
        .route("/v1/merchant/cancellations", post(handle::<CancelRequest>))
        .route(
            "/v1/merchant/memberships",
            post(handle::<MembershipRequest>),
        )
        .route(
            "/v1/merchant/memberships/revoke",
            post(handle::<RevokeRequest>),
        )
        .route("/v1/merchant/quote", get(quote))
}

/// What every merchant call is: a typed body naming its member, the key that makes it
/// idempotent, its ids, and the op it writes (given the op's time).
trait Call: Serialize + DeserializeOwned + Send + 'static {
    fn user(&self) -> &str;
    fn key(&self) -> String;
    /// (field, value) of every id, each checked to be 1–128 bytes.
    fn ids(&self) -> Vec<(&'static str, &str)>;
    fn op(self, at: i64) -> OpKind;
    /// Checks beyond the ids.
    fn check(&self) -> Result<(), ApiError> {
        Ok(())
    }
    /// The order id the call is about: it belongs to one member for good (409 otherwise).
    fn order(&self) -> Option<&str> {
        None
    }
    /// What the audit line says of the call beyond its route: the member and, as
    /// (name, value), its ids and amounts.
    fn audited(&self) -> Vec<(&'static str, String)>;
}

/// The call's member, order and amounts, for the audit line (`routes.rs`), set on the answer
/// whatever it is once the body was read.
#[derive(Clone, Debug)]
pub struct AuditNote(pub String);

impl AuditNote {
    fn of<T: Call>(call: &T) -> AuditNote {
        let mut note = format!("member={}", audit_value(call.user()));
        for (name, value) in call.audited() {
            note.push_str(&format!(" {name}={}", audit_value(&value)));
        }
        AuditNote(note)
    }
}

/// A value as the audit line shows it: as it is when it is plain (letters, digits, `-_.:@/+`),
/// else quoted with every other character escaped, so an id cannot forge a line or a field.
fn audit_value(v: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:@/+".contains(c);
    if !v.is_empty() && v.chars().all(plain) {
        return v.to_owned();
    }
    let mut out = String::from('"');
    for c in v.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// One handler for every call: the merchant's token (`Merchant`), a strict typed body, the
/// ids checked, then the op applied once per key.
async fn handle<T: Call>(
    State(app): State<Arc<App>>,
    _: Merchant,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    let r: T = typed(body)?;
    let note = AuditNote::of(&r);
    let mut res = checked_call(&app, r)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    res.extensions_mut().insert(note);
    Ok(res)
}

async fn checked_call<T: Call>(app: &App, r: T) -> Result<Response, ApiError> {
    for (field, value) in r.ids() {
        id(field, value)?;
    }
    r.check()?;
    let (user, key) = (r.user().to_owned(), r.key());
    let order = r.order().map(str::to_owned);
    let canonical = serde_json::to_string(&r).map_err(ApiError::internal)?;
    call(app, key, canonical, &user, order, move |at| r.op(at)).await
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

/// `/v1/merchant/holds/release`: the same body as a cancellation, another key.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct ReleaseRequest(OrderRef);

#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct CancelRequest(OrderRef);

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRequest {
    user: String,
    order: String,
    amount_cents: u64,
    #[serde(default)]
    points: u32,
    /// The coupon the order consumed: the member must hold an unused, unexpired grant of it.
    /// Left out of the canonical body when absent, so earlier calls replay as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    coupon: Option<String>,
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

/// `/v1/merchant/memberships/revoke`: the purchase refunded or charged back; its plan's tier
/// ends at once, or from `from` (a business date) when that is later.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    user: String,
    /// The merchant's id of the purchase taken back.
    purchase: String,
    plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<zailai::day::Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteQuery {
    user: String,
    amount_cents: u64,
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

/// What an applied merchant call answers (and a replay answers again).
#[derive(Serialize)]
struct Applied<'a> {
    user: &'a str,
    op: OpId<'a>,
    events: &'a [zailai::Event],
    balance: u64,
    server_version: u32,
}

#[derive(Serialize)]
struct OpId<'a> {
    device: &'a str,
    seq: u32,
    at: i64,
}

/// One merchant call: `key` makes it idempotent, `kind` is its op given the op's time.
async fn call(
    app: &App,
    key: String,
    canonical: String,
    user: &str,
    order: Option<String>,
    kind: impl FnOnce(i64) -> OpKind + Send + 'static,
) -> Result<Response, ApiError> {
    let now = now_ms();
    let rules = app.timeline(now).await.map_err(ApiError::internal)?;
    let change = move |r: &mut crate::store::Record| {
        let (op, events) =
            zailai::sync::server_op(&mut r.state, &rules, MERCHANT_DEVICE, kind, now)?;
        r.server_version += 1;
        let reply = Applied {
            user: &r.state.user,
            op: OpId {
                device: &op.device,
                seq: op.seq,
                at: op.at,
            },
            events: &events,
            balance: r.state.balance,
            server_version: r.server_version,
        };
        // Kept as text: a replayed call answers these very bytes.
        let text = serde_json::to_string(&reply).unwrap_or_default();
        Ok::<_, zailai::RuleError>((text, vec![OpRow::of(&op, "applied".to_owned())]))
    };
    let outcome = app
        .store
        .once(&key, &canonical, user, order.as_deref(), now, change)
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
        Once::OrderOfAnotherMember => Err(ApiError::new(
            StatusCode::CONFLICT,
            "ORDER_OF_ANOTHER_MEMBER",
            format!(
                "order `{}` belongs to another member: an order id is one member's, from its \
                 first hold or order on",
                order.unwrap_or_default()
            ),
        )),
        Once::Refused(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code.as_str(),
            e.detail,
        )),
    }
}

impl Call for HoldRequest {
    fn user(&self) -> &str {
        &self.user
    }
    fn key(&self) -> String {
        format!("hold:{}", self.order)
    }
    fn order(&self) -> Option<&str> {
        Some(&self.order)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        vec![
            ("order", self.order.clone()),
            ("points", self.points.to_string()),
            ("hold_seconds", self.hold_seconds.to_string()),
        ]
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![("user", &self.user), ("order", &self.order)]
    }
    fn check(&self) -> Result<(), ApiError> {
        if (1..=MAX_HOLD_SECONDS).contains(&self.hold_seconds) {
            return Ok(());
        }
        Err(ApiError::bad_request(
            "BAD_REQUEST",
            "hold_seconds",
            format!("hold_seconds: must be 1..={MAX_HOLD_SECONDS}"),
        ))
    }
    fn op(self, at: i64) -> OpKind {
        OpKind::HoldPoints {
            order: self.order,
            points: self.points,
            until: at + i64::from(self.hold_seconds) * 1000,
        }
    }
}

impl Call for ReleaseRequest {
    fn user(&self) -> &str {
        &self.0.user
    }
    fn key(&self) -> String {
        format!("release:{}", self.0.order)
    }
    fn order(&self) -> Option<&str> {
        Some(&self.0.order)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        vec![("order", self.0.order.clone())]
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![("user", &self.0.user), ("order", &self.0.order)]
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::ReleaseHold {
            order: self.0.order,
        }
    }
}

impl Call for OrderRequest {
    fn user(&self) -> &str {
        &self.user
    }
    fn key(&self) -> String {
        format!("order:{}", self.order)
    }
    fn order(&self) -> Option<&str> {
        Some(&self.order)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("order", self.order.clone()),
            ("amount_cents", self.amount_cents.to_string()),
            ("points", self.points.to_string()),
        ];
        if let Some(c) = &self.coupon {
            fields.push(("coupon", c.clone()));
        }
        fields
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        let mut ids = vec![("user", self.user.as_str()), ("order", self.order.as_str())];
        if let Some(c) = &self.coupon {
            ids.push(("coupon", c));
        }
        ids
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::Order {
            order: self.order,
            amount_cents: self.amount_cents,
            points: self.points,
            coupon: self.coupon,
        }
    }
}

impl Call for RefundRequest {
    fn user(&self) -> &str {
        &self.user
    }
    /// The order's length first: ids may hold `:`, and two refunds must never share a key.
    fn key(&self) -> String {
        format!("refund:{}:{}:{}", self.order.len(), self.order, self.refund)
    }
    fn order(&self) -> Option<&str> {
        Some(&self.order)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        vec![
            ("order", self.order.clone()),
            ("refund", self.refund.clone()),
            ("amount_cents", self.amount_cents.to_string()),
            ("points", self.points.to_string()),
        ]
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("user", &self.user),
            ("order", &self.order),
            ("refund", &self.refund),
        ]
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::RefundOrder {
            order: self.order,
            amount_cents: self.amount_cents,
            points: self.points,
        }
    }
}

impl Call for CancelRequest {
    fn user(&self) -> &str {
        &self.0.user
    }
    fn key(&self) -> String {
        format!("cancel:{}", self.0.order)
    }
    fn order(&self) -> Option<&str> {
        Some(&self.0.order)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        vec![("order", self.0.order.clone())]
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![("user", &self.0.user), ("order", &self.0.order)]
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::CancelOrder {
            order: self.0.order,
        }
    }
}

impl Call for MembershipRequest {
    fn user(&self) -> &str {
        &self.user
    }
    fn key(&self) -> String {
        format!("membership:{}", self.purchase)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        vec![
            ("purchase", self.purchase.clone()),
            ("plan", self.plan.clone()),
        ]
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("user", &self.user),
            ("purchase", &self.purchase),
            ("plan", &self.plan),
        ]
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::BuyMembership { plan: self.plan }
    }
}

impl Call for RevokeRequest {
    fn user(&self) -> &str {
        &self.user
    }
    fn key(&self) -> String {
        format!("revoke:{}", self.purchase)
    }
    fn audited(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("purchase", self.purchase.clone()),
            ("plan", self.plan.clone()),
        ];
        out.extend(self.from.map(|d| ("from", d.to_string())));
        out
    }
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("user", &self.user),
            ("purchase", &self.purchase),
            ("plan", &self.plan),
        ]
    }
    fn op(self, _: i64) -> OpKind {
        OpKind::RevokeMembership {
            plan: self.plan,
            from: self.from,
        }
    }
}

/// `GET /v1/merchant/quote?user=&amount_cents=`: the most points the order may deduct now,
/// from the server's state of the member (what the phone's offline quote estimates).
async fn quote(
    State(app): State<Arc<App>>,
    _: Merchant,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q: QuoteQuery = super::request::typed_query(query.as_deref())?;
    let note = AuditNote(format!(
        "member={} amount_cents={}",
        audit_value(&q.user),
        q.amount_cents
    ));
    let mut res = quoted(&app, &q)
        .await
        .map_or_else(IntoResponse::into_response, |quote| {
            Json(quote).into_response()
        });
    res.extensions_mut().insert(note);
    Ok(res)
}

async fn quoted(app: &App, q: &QuoteQuery) -> Result<zailai::view::CheckoutQuote, ApiError> {
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
    zailai::view::checkout_quote(&record.state, &app.config_now(), now_ms(), q.amount_cents)
        .map_err(|e| ApiError::bad_request(e.code.as_str(), "amount_cents", e.detail))
}
