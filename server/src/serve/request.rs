//! Reading requests the same strict way on every route: typed bodies and query strings whose
//! errors name their path, page limits, the bearer token and the client's address, and the
//! 429 a limiter answers.

use super::error::ApiError;
use super::App;
use axum::extract::rejection::StringRejection;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};

/// Sessions are stored by the hash of their token, never the token itself.
pub(super) fn token_hash(token: &str) -> String {
    zailai::lottery::hex(&Sha256::digest(token.as_bytes()))
}

/// The client's address: the peer's, or, when the peer is a trusted reverse proxy, the nearest
/// address in `X-Forwarded-For` that is not one of the trusted proxies (addresses further left
/// were written by the client and prove nothing). Walking from the right, an entry that is no
/// address (`unknown`, garbage) stops the walk at the proxy itself: skipping it would hand the
/// choice to the entries the client wrote. `1.1.1.2:5555`, `[2001:db8::1]` and
/// `[2001:db8::1]:80` are read as their address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the
/// IPv4 address, for the peer, the entries and the trusted list alike.
pub(super) fn client_ip(app: &App, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    forwarded_client(&app.options.trusted_proxies, peer, headers)
}

/// [`client_ip`] with the trusted proxies given.
fn forwarded_client(proxies: &[IpAddr], peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let peer = peer.ip().to_canonical();
    let trusted = |ip: &IpAddr| proxies.iter().any(|t| t.to_canonical() == *ip);
    if !trusted(&peer) {
        return peer;
    }
    let entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    let mut client = peer;
    for entry in entries.into_iter().rev() {
        match forwarded_ip(entry) {
            Some(ip) if trusted(&ip) => client = ip,
            Some(ip) => return ip,
            None => return client,
        }
    }
    client
}

/// One `X-Forwarded-For` entry as an address: `a.b.c.d`, `a.b.c.d:port`, an IPv6 address,
/// bracketed or not, with a port when bracketed.
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sock) = entry.parse::<SocketAddr>() {
        return Some(sock.ip().to_canonical());
    }
    let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// The key the per-address limits count a client under: an IPv4 address, or an IPv6 address's
/// /64 (one subscriber's prefix: counting whole addresses would give them 2⁶⁴ buckets).
pub(super) fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
    }
}

/// The per-address limits' key of a request ([`client_ip`], [`address_key`]).
pub(super) fn client_address(app: &App, peer: SocketAddr, headers: &HeaderMap) -> String {
    address_key(client_ip(app, peer, headers))
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

#[cfg(test)]
mod tests {
    use super::{address_key, forwarded_client};
    use axum::http::HeaderMap;
    use std::net::{IpAddr, SocketAddr};

    fn client(proxies: &[&str], peer: &str, xff: &[&str]) -> String {
        let proxies: Vec<IpAddr> = proxies.iter().map(|p| p.parse().unwrap()).collect();
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        forwarded_client(&proxies, peer.parse::<SocketAddr>().unwrap(), &headers).to_string()
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let proxy = "10.0.0.1:443";
        assert_eq!(
            client(&[], "1.2.3.4:5", &["9.9.9.9"]),
            "1.2.3.4",
            "no proxy trusted"
        );
        assert_eq!(
            client(&["10.0.0.1"], proxy, &["9.9.9.9, 1.1.1.2"]),
            "1.1.1.2"
        );
        assert_eq!(
            client(&["10.0.0.1"], proxy, &["9.9.9.9", "1.1.1.2, 10.0.0.1"]),
            "1.1.1.2"
        );
        assert_eq!(client(&["10.0.0.1"], proxy, &[]), "10.0.0.1");
    }

    /// A proxy that writes a port, brackets or `unknown` never lets the client's own entries
    /// (further left) pick the bucket.
    #[test]
    fn entries_that_are_not_bare_addresses_do_not_hand_over_the_choice() {
        let t = &["10.0.0.1"];
        let p = "10.0.0.1:443";
        assert_eq!(client(t, p, &["9.9.9.9, 1.1.1.2:5555"]), "1.1.1.2");
        assert_eq!(client(t, p, &["9.9.9.9, [2001:db8::1]"]), "2001:db8::1");
        assert_eq!(client(t, p, &["9.9.9.9, [2001:db8::1]:80"]), "2001:db8::1");
        assert_eq!(client(t, p, &["9.9.9.9, unknown"]), "10.0.0.1");
        assert_eq!(client(t, p, &["9.9.9.9, ::ffff:1.1.1.3"]), "1.1.1.3");
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        assert_eq!(
            client(&["127.0.0.1"], "[::ffff:127.0.0.1]:80", &["5.5.5.5"]),
            "5.5.5.5"
        );
        assert_eq!(
            client(&["::ffff:127.0.0.1"], "127.0.0.1:80", &["5.5.5.5"]),
            "5.5.5.5"
        );
    }

    #[test]
    fn ipv6_counts_per_64() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(key("::ffff:8.8.8.8"), "8.8.8.8");
        assert_eq!(key("8.8.8.8"), "8.8.8.8");
    }
}
