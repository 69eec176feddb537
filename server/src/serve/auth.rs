//! Who is asking, as axum extractors: a handler that takes `Member`, `Merchant`, or one of
//! `CanView`, `CanOperate`, `CanAdminister` (the admin bearer token or a console session of
//! that role or higher: `console.rs`) runs only for that caller, and no handler has to
//! remember a check. A missing or empty
//! `Authorization: Bearer` fails before any comparison; tokens are compared as hashes.

use super::error::ApiError;
use super::request::{bearer, client_address, token_hash, too_many};
use super::{now_ms, App};
use crate::store::Store;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::sync::Arc;

/// A member with a live session (`POST /v1/session`). Failed attempts count per address in a
/// bucket of their own (`App::failed_auth`; 429 once it is empty), so junk without a valid
/// session never spends, nor blocks, the requests of members behind the same address.
pub struct Member(pub String);

impl FromRequestParts<Arc<App>> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match session_user(app, &parts.headers).await {
            Ok(user) => Ok(Member(user)),
            Err(e) => {
                if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
                    let address = client_address(app, *peer, &parts.headers);
                    app.failed_auth.check(&address).map_err(too_many)?;
                }
                Err(e)
            }
        }
    }
}

async fn session_user(app: &App, headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
    let token = bearer(headers).filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::unauthorized("no `Authorization: Bearer <token>`: get one from POST /v1/session")
    })?;
    match app
        .store
        .session(&token_hash(token))
        .await
        .map_err(ApiError::internal)?
    {
        Some((user, expires)) if expires > now_ms() => Ok(user),
        Some(_) => Err(ApiError::unauthorized("session expired: log in again")),
        None => Err(ApiError::unauthorized("unknown session token")),
    }
}

/// The admin bearer token (`--admin-token`); without that flag, bearer calls to the operator
/// endpoints are refused (403) and only console sessions reach them.
pub struct Admin;

impl FromRequestParts<Arc<App>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let checked = token_matches(
            &parts.headers,
            app.options.admin_token.as_deref(),
            (
                "ADMIN_DISABLED",
                "bearer calls to the operator endpoints need --admin-token; people log in \
                 to the console (POST /v1/console/session)",
            ),
            "admin token or console login required",
        );
        throttle_failures(app, parts, checked).map(|()| Admin)
    }
}

/// What a person or script may do on the operator routes (issue 28, `docs/console.md`):
/// a viewer reads everything; an operator also drafts rules, runs what-if, schedules
/// campaigns, grants within a daily cap and exports messages; an admin also publishes and
/// rolls back rules, revokes memberships and manages operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl Role {
    /// A stored role (`operators.role`); an unknown one (a newer build's) is a viewer.
    pub fn parse(role: &str) -> Role {
        match role {
            "admin" => Role::Admin,
            "operator" => Role::Operator,
            _ => Role::Viewer,
        }
    }
}

/// Who acted on an operator route: an operator's name, or `token` for the admin bearer
/// token (scripts), which acts as an admin; and from where (`client_address`), for the
/// audit log.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub address: String,
}

/// The caller, once it holds at least `role`: the admin bearer token when one is given, else
/// a console session cookie (whose writes need the session's CSRF token), else 401.
async fn actor_with(parts: &mut Parts, app: &Arc<App>, role: Role) -> Result<Actor, ApiError> {
    let address = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => client_address(app, *peer, &parts.headers),
        None => String::new(),
    };
    let given_bearer = bearer(&parts.headers).is_some_and(|t| !t.is_empty());
    let cookie = super::console::session_cookie(&parts.headers);
    let actor = match (given_bearer, cookie) {
        (false, Some(token)) => {
            let found = super::console::live_session(app, &token).await?;
            let Some(session) = found else {
                let ended = ApiError::unauthorized(
                    "console session unknown, expired or ended: log in again",
                );
                return Err(counted_failure(app, parts, ended));
            };
            super::console::check_csrf(&parts.method, &parts.headers, &session.csrf)?;
            Actor {
                name: session.operator,
                role: Role::parse(&session.role),
                address,
            }
        }
        // Neither: a person not logged in (401, whether or not scripts have a token).
        (false, None) => {
            let missing = ApiError::unauthorized(
                "log in to the console (POST /v1/console/session) or send the admin token",
            );
            return Err(counted_failure(app, parts, missing));
        }
        (true, _) => {
            Admin::from_request_parts(parts, app).await?;
            Actor {
                name: "token".to_owned(),
                role: Role::Admin,
                address,
            }
        }
    };
    if actor.role < role {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "this needs the {} role ({} has the {} role)",
                role.as_str(),
                actor.name,
                actor.role.as_str()
            ),
        ));
    }
    Ok(actor)
}

/// A handler taking `CanView` runs for viewers, operators and admins.
pub struct CanView(pub Actor);
/// A handler taking `CanOperate` runs for operators and admins.
pub struct CanOperate(pub Actor);
/// A handler taking `CanAdminister` runs for admins only.
pub struct CanAdminister(pub Actor);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl FromRequestParts<Arc<App>> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                app: &Arc<App>,
            ) -> Result<Self, ApiError> {
                actor_with(parts, app, $role).await.map($name)
            }
        }
    };
}

role_extractor!(CanView, Role::Viewer);
role_extractor!(CanOperate, Role::Operator);
role_extractor!(CanAdminister, Role::Admin);

/// A wrong or missing admin or merchant token counts per address (`App::failed_tokens`):
/// past the limit, 429 instead of 401, so guessing goes no faster than the limit.
fn throttle_failures(
    app: &App,
    parts: &Parts,
    checked: Result<(), ApiError>,
) -> Result<(), ApiError> {
    checked.map_err(|e| counted_failure(app, parts, e))
}

/// A 401 counted against its address: `e` itself, or the 429 once the address is over.
fn counted_failure(app: &App, parts: &Parts, e: ApiError) -> ApiError {
    if e.status == StatusCode::UNAUTHORIZED {
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            let address = client_address(app, *peer, &parts.headers);
            if let Err(wait) = app.failed_tokens.check(&address) {
                return too_many(wait);
            }
        }
    }
    e
}

/// The merchant's backend (`--merchant-token`); without that flag the merchant API is off.
pub struct Merchant;

impl FromRequestParts<Arc<App>> for Merchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let checked = token_matches(
            &parts.headers,
            app.options.merchant_token.as_deref(),
            (
                "MERCHANT_DISABLED",
                "the merchant API needs --merchant-token",
            ),
            "merchant token required",
        );
        throttle_failures(app, parts, checked).map(|()| Merchant)
    }
}

fn token_matches(
    headers: &axum::http::HeaderMap,
    expected: Option<&str>,
    off: (&'static str, &'static str),
    required: &'static str,
) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, off.0, off.1));
    };
    let Some(given) = bearer(headers).filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthorized(required));
    };
    // Hashes: equal length, and no early exit that tells how much matched.
    if token_hash(given) != token_hash(expected) {
        return Err(ApiError::unauthorized(required));
    }
    Ok(())
}
