//! Devices: `POST /v1/device` registers one without a login, and a push must come from a
//! registered device (`X-Device-Secret`). A member's history starts at the server's first
//! contact with their device (RULES.md, "Activity and time"), so ops dated before the pushing
//! device's registration are refused (`sync_service::sync_from_device`).

use super::error::ApiError;
use super::request::{body_text, client_address, too_many, typed};
use super::{now_ms, App};
use crate::devices::{self, Refusal};
use axum::extract::rejection::StringRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

/// The header a push carries its device's secret in (a header, like the session's token: it
/// never reaches the op log, and the push body stays the core's).
pub const SECRET_HEADER: &str = "x-device-secret";

/// Registrations per address: `--rate-per-minute` a minute, bursts of as many (at least 10).
/// Each install registers once, so this only slows a farm of devices behind one address; a
/// device serves one member (its first sync's), and members come from logins. A limiter of its
/// own, apart from the others (`limit.rs`).
pub fn registration_limiter(rate_per_minute: u32) -> super::limit::RateLimiter {
    super::limit::RateLimiter::new(rate_per_minute, rate_per_minute.max(10))
}

/// `POST /v1/device`: takes nothing (`{}`): the client has nothing to prove yet.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDevice {}

#[derive(Serialize)]
pub(super) struct Registered {
    device: String,
    secret: String,
    registered_at: i64,
    server_time: i64,
}

/// Registers a device (`crate::devices::register`): the server draws its id and secret, keeps
/// only the secret's SHA-256, and records now as the time of first contact.
pub(super) async fn register(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Json<Registered>, ApiError> {
    app.per_device_registration
        .check(&client_address(&app, peer, &headers))
        .map_err(too_many)?;
    let _: NewDevice = typed(Ok(body_text(body)?))?;
    let now = now_ms();
    let reg = devices::register(&app.store, now)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Registered {
        device: reg.device,
        secret: reg.secret,
        registered_at: reg.registered_at,
        server_time: now,
    }))
}

/// The registration time of the pushing `device`, after checking its secret and binding it to
/// `user` at its first sync; 403 otherwise.
pub(super) async fn registered_at(
    app: &App,
    headers: &HeaderMap,
    device: &str,
    user: &str,
) -> Result<i64, ApiError> {
    let unregistered = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "DEVICE_NOT_REGISTERED",
            format!(
                "device `{device}` is not registered, or `X-Device-Secret` is not its secret: \
                 register at the app's first launch (POST /v1/device) and push with its id \
                 and secret"
            ),
        )
    };
    let secret = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    match devices::claim(&app.store, device, secret, user)
        .await
        .map_err(ApiError::internal)?
    {
        Ok(registered_at) => Ok(registered_at),
        Err(Refusal::NotRegistered) => Err(unregistered()),
        Err(Refusal::OtherMember) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "DEVICE_OTHER_MEMBER",
            format!(
                "device `{device}` belongs to another member: its ops were adopted by the \
                 member of its first login, and a device serves one member"
            ),
        )),
    }
}
