//! Console sessions for people (issue 28, `docs/console.md`): `POST /v1/console/session`
//! logs an operator in with name and password and sets the `zailai_console` cookie
//! (HttpOnly, SameSite=Strict, Secure unless `--dev`); `GET` gives the session back (a reload
//! gets its CSRF token again); `DELETE` logs out. With the cookie, every write needs the
//! header `X-CSRF-Token` equal to the session's. Failed logins are throttled per name and per
//! address; an unknown name costs the same argon2 time as a known one.

use super::audit::{self, Entry};
use super::auth::{Actor, Role};
use super::error::ApiError;
use super::limit::{RateLimiter, MAX_KEYS};
use super::request::{client_address, token_hash, typed};
use super::{now_ms, App};
use crate::store::operators::{ConsoleSession, OperatorStore};
use axum::extract::rejection::StringRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie's name.
pub const COOKIE: &str = "zailai_console";
/// How long a console session lasts: a working day.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins allowed per account name, and per address, in [`WINDOW_SECONDS`].
pub const FAILURES_PER_NAME: u32 = 5;
pub const FAILURES_PER_ADDRESS: u32 = 20;
pub const WINDOW_SECONDS: f64 = 15.0 * 60.0;

/// A bucket of `failures` per [`WINDOW_SECONDS`].
pub fn failed_login_limiter(failures: u32) -> RateLimiter {
    RateLimiter::with_keys(f64::from(failures) / WINDOW_SECONDS, failures, MAX_KEYS)
}

type Shared = State<Arc<App>>;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/v1/console/session",
        post(login).get(current).delete(logout),
    )
}

/// The `zailai_console` cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The session of cookie `token` if it is live: known, not expired, its operator not disabled
/// (read with the session, so a disable counts from the next request).
pub async fn live_session(app: &App, token: &str) -> Result<Option<ConsoleSession>, ApiError> {
    let found = app
        .store
        .console_session(&token_hash(token))
        .await
        .map_err(ApiError::internal)?;
    Ok(found.filter(|s| is_live(s, now_ms())))
}

/// A session counts until its expiry (exclusive), and only while its operator is enabled.
fn is_live(session: &ConsoleSession, now: i64) -> bool {
    !session.disabled && session.expires_at > now
}

/// A cookie session's write must carry its CSRF token (a page of another site can make the
/// browser send the cookie, never this header); reads need none. Compared as hashes: equal
/// length, no early exit telling how much matched.
pub fn check_csrf(method: &Method, headers: &HeaderMap, csrf: &str) -> Result<(), ApiError> {
    if method == Method::GET || method == Method::HEAD {
        return Ok(());
    }
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !given.is_empty() && token_hash(given) == token_hash(csrf) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "CSRF",
        "a console write needs the header X-CSRF-Token with the session's csrf \
         (GET /v1/console/session gives it)",
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    name: String,
    password: String,
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(zailai::lottery::hex(&bytes))
}

fn bad_login() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "BAD_LOGIN",
        "wrong name or password (or the operator is disabled)",
    )
}

fn too_many_attempts(wait: u64) -> ApiError {
    ApiError {
        retry_after: Some(wait),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_ATTEMPTS",
            format!("too many failed logins: retry in {wait} s"),
        )
    }
}

fn session_body(name: &str, role: &str, csrf: &str, expires_at: i64) -> Value {
    json!({"name": name, "role": role, "csrf": csrf, "expires_at": expires_at})
}

/// The cookie that holds `token` for `max_age` seconds (0: clears it).
fn cookie(app: &App, token: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&cookie_text(app.options.dev, token, max_age)).map_err(ApiError::internal)
}

/// Scripts cannot read it (HttpOnly), other sites' pages cannot make the browser send it
/// (SameSite=Strict), and only HTTPS carries it, except on a dev server (plain HTTP on
/// 127.0.0.1).
fn cookie_text(dev: bool, token: &str, max_age: i64) -> String {
    let secure = if dev { "" } else { "; Secure" };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// Logs in. A cross-site form cannot send `application/json` without a preflight this server
/// never answers, so a login must say it is JSON.
async fn login(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Response, ApiError> {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            "",
            "send the login as Content-Type: application/json",
        ));
    }
    let b: LoginBody = typed(body)?;
    let address = client_address(&app, peer, &headers);
    // Names are short (`operators::check_name`): a longer one keys no bucket of its own.
    let name_key: String = b.name.chars().take(64).collect();
    app.failed_logins_by_address
        .peek(&address)
        .and_then(|()| app.failed_logins_by_name.peek(&name_key))
        .map_err(too_many_attempts)?;
    let operator = app
        .store
        .operator(&b.name)
        .await
        .map_err(ApiError::internal)?;
    let hash = operator.as_ref().map(|o| o.password_hash.clone());
    let matches = crate::operators::verify_blocking(b.password, hash).await;
    let now = now_ms();
    let operator = match operator {
        Some(o) if matches && !o.disabled => o,
        _ => {
            let _ = app.failed_logins_by_address.check(&address);
            let _ = app.failed_logins_by_name.check(&name_key);
            let nobody = Actor {
                name: "-".to_owned(),
                role: Role::Viewer,
                address,
            };
            let entry = Entry {
                action: "console.login_failed",
                target: format!("operator:{name_key}"),
                before: Value::Null,
                after: Value::Null,
            };
            audit::record_as(&app, &nobody, "-", entry).await;
            return Err(bad_login());
        }
    };
    let (token, csrf) = (random_hex()?, random_hex()?);
    let expires_at = now + SESSION_MS;
    app.store
        .put_console_session(&token_hash(&token), &operator.name, &csrf, now, expires_at)
        .await
        .map_err(ApiError::internal)?;
    app.store
        .record_login(&operator.name, now)
        .await
        .map_err(ApiError::internal)?;
    let actor = Actor {
        name: operator.name.clone(),
        role: Role::parse(&operator.role),
        address,
    };
    let entry = Entry {
        action: "console.login",
        target: format!("operator:{}", operator.name),
        before: Value::Null,
        after: json!({"expires_at": expires_at}),
    };
    audit::record(&app, &actor, entry).await;
    let body = session_body(&operator.name, &operator.role, &csrf, expires_at);
    let set = cookie(&app, &token, SESSION_MS / 1000)?;
    Ok(([(header::SET_COOKIE, set)], Json(body)).into_response())
}

/// The session's name, role, csrf and expiry; 401 without a live one. A cookie that is not
/// a live session counts against its address like a wrong token; no cookie at all does not
/// (a console page asks on every load).
async fn current(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let Some(token) = session_cookie(&headers) else {
        return Err(ApiError::unauthorized("not logged in"));
    };
    match live_session(&app, &token).await? {
        Some(s) => Ok(Json(session_body(
            &s.operator,
            &s.role,
            &s.csrf,
            s.expires_at,
        ))),
        None => {
            let address = client_address(&app, peer, &headers);
            app.failed_tokens
                .check(&address)
                .map_err(super::request::too_many)?;
            Err(ApiError::unauthorized(
                "console session unknown, expired or ended: log in again",
            ))
        }
    }
}

/// Ends the session (CSRF checked: a page of another site must not log people out) and
/// clears the cookie.
async fn logout(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = session_cookie(&headers).ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    let Some(session) = live_session(&app, &token).await? else {
        return Err(ApiError::unauthorized(
            "console session unknown, expired or ended",
        ));
    };
    check_csrf(&method, &headers, &session.csrf)?;
    app.store
        .delete_console_session(&token_hash(&token))
        .await
        .map_err(ApiError::internal)?;
    let actor = Actor {
        name: session.operator.clone(),
        role: Role::parse(&session.role),
        address: client_address(&app, peer, &headers),
    };
    let entry = Entry {
        action: "console.logout",
        target: format!("operator:{}", session.operator),
        before: Value::Null,
        after: Value::Null,
    };
    audit::record(&app, &actor, entry).await;
    let clear = cookie(&app, "", 0)?;
    Ok(([(header::SET_COOKIE, clear)], Json(json!({"ok": true}))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn sessions_end_at_their_expiry_or_when_the_operator_is_disabled() {
        let mut s = ConsoleSession {
            operator: "olga".into(),
            role: "operator".into(),
            disabled: false,
            csrf: "c".into(),
            expires_at: 1000,
        };
        assert!(is_live(&s, 999));
        assert!(!is_live(&s, 1000));
        assert!(!is_live(&s, 1001));
        s.disabled = true;
        assert!(!is_live(&s, 999));
    }

    #[test]
    fn the_cookie_is_secure_unless_dev() {
        assert_eq!(
            cookie_text(false, "t0k", 43_200),
            "zailai_console=t0k; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure"
        );
        assert_eq!(
            cookie_text(true, "", 0),
            "zailai_console=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; zailai_console=abc; b=2")]);
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        let h = headers(&[("cookie", "a=1"), ("cookie", "zailai_console=xyz")]);
        assert_eq!(session_cookie(&h).as_deref(), Some("xyz"));
        assert_eq!(
            session_cookie(&headers(&[("cookie", "zailai_consolex=1")])),
            None
        );
        assert_eq!(
            session_cookie(&headers(&[("cookie", "zailai_console=")])),
            None
        );
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn writes_need_the_sessions_csrf_and_reads_do_not() {
        let none = HeaderMap::new();
        assert!(check_csrf(&Method::GET, &none, "s3cret").is_ok());
        assert!(check_csrf(&Method::HEAD, &none, "s3cret").is_ok());
        for method in [Method::POST, Method::DELETE, Method::PUT, Method::PATCH] {
            let err = check_csrf(&method, &none, "s3cret").unwrap_err();
            assert_eq!((err.status, err.code), (StatusCode::FORBIDDEN, "CSRF"));
            let wrong = headers(&[("x-csrf-token", "s3creT")]);
            assert_eq!(
                check_csrf(&method, &wrong, "s3cret").unwrap_err().code,
                "CSRF"
            );
            let empty = headers(&[("x-csrf-token", "")]);
            assert_eq!(check_csrf(&method, &empty, "").unwrap_err().code, "CSRF");
            let right = headers(&[("x-csrf-token", "s3cret")]);
            assert!(check_csrf(&method, &right, "s3cret").is_ok());
        }
    }

    #[test]
    fn failed_logins_allow_five_per_name_in_fifteen_minutes() {
        let l = failed_login_limiter(FAILURES_PER_NAME);
        for _ in 0..5 {
            assert!(l.peek("alice").is_ok());
            assert!(l.check("alice").is_ok());
        }
        let wait = l.peek("alice").unwrap_err();
        assert!(
            (170..=180).contains(&wait),
            "one failure back in 3 min: {wait}"
        );
    }
}
