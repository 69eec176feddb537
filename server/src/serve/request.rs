//! Reading requests the same strict way on every route: typed bodies and query strings whose
//! errors name their path, page limits, the bearer token and the client's address, and the
//! 429 a limiter answers.

use super::error::ApiError;
use super::App;
use axum::extract::rejection::StringRejection;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// Sessions are stored by the hash of their token, never the token itself.
pub(super) fn token_hash(token: &str) -> String {
    zailai::lottery::hex(&Sha256::digest(token.as_bytes()))
}

/// The address a request is limited by: the peer's, or, when the peer is a trusted reverse
/// proxy, the nearest address in `X-Forwarded-For` that is not one of the trusted proxies
/// (addresses further left were written by the client and prove nothing).
pub(super) fn client_address(app: &App, peer: SocketAddr, headers: &HeaderMap) -> String {
    let trusted = &app.options.trusted_proxies;
    if !trusted.contains(&peer.ip()) {
        return peer.ip().to_string();
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer.ip())
        .to_string()
}

/// A request body as `T`, read as strictly as `/v1/sync` reads its own: the core's parser
/// first, so a duplicate key is an error rather than a silent "last one wins"; then serde,
/// whose error names the path of the problem (an unknown field's path is its name).
pub(super) fn typed<T: DeserializeOwned>(
    body: Result<String, StringRejection>,
) -> Result<T, ApiError> {
    let text = body_text(body)?;
    zailai::json::parse(&text)
        .map_err(|e| ApiError::bad_request("BAD_REQUEST", "", format!("not JSON: {e}")))?;
    let reader = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(reader).map_err(|e| {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        ApiError::bad_request("BAD_REQUEST", &path, e.inner().to_string())
    })
}

/// A query string as `T`, as strictly as a body: a repeated or unknown parameter, a missing
/// one or a value of the wrong type is a 400 whose `path` names it.
pub(super) fn typed_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    let reader = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize(reader).map_err(|e| {
        let message = e.inner().to_string();
        // serde names a missing or repeated parameter only in its message.
        let named = ["missing field `", "duplicate field `"]
            .iter()
            .find_map(|p| message.strip_prefix(p))
            .and_then(|rest| rest.split('`').next());
        let path = match (named, e.path().to_string()) {
            (Some(field), _) => field.to_owned(),
            (None, p) if p == "." => String::new(),
            (None, p) => p,
        };
        ApiError::bad_request("BAD_REQUEST", &path, message)
    })
}

/// A page's `?limit=`: `max` when absent, else 1–`max` (`what` the page holds).
pub(super) fn page_limit(limit: Option<u32>, max: u32, what: &str) -> Result<u32, ApiError> {
    match limit.unwrap_or(max) {
        n @ 1.. if n <= max => Ok(n),
        _ => Err(ApiError::bad_request(
            "BAD_REQUEST",
            "limit",
            format!("1–{max} {what} a page"),
        )),
    }
}

pub(super) fn body_text(body: Result<String, StringRejection>) -> Result<String, ApiError> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the body is over the size limit",
            )
        } else {
            ApiError::bad_request("BAD_REQUEST", "", r.body_text())
        }
    })
}

pub(super) fn too_many(wait: u64) -> ApiError {
    ApiError {
        retry_after: Some(wait),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!("too many requests: retry in {wait} s"),
        )
    }
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}
