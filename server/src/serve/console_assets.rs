//! The operator console at `/console/` (issue 28, `docs/console.md`): the files of
//! `console/dist/` embedded at build time (`server/build.rs`), each also gzip-compressed
//! there. Hashed assets (`assets/…`) are cached for good; `index.html` is checked on every
//! load, so a new server's console is the one a reload gets. Any other path under /console/
//! is the single-page app's, answered with index.html. A strict Content-Security-Policy: no
//! inline or foreign script, requests to this origin only.

use super::error::ApiError;
use super::App;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// One embedded file: its path under `console/dist/`, its bytes, and their gzip when smaller.
pub struct Asset {
    pub path: &'static str,
    pub raw: &'static [u8],
    pub gzip: Option<&'static [u8]>,
}

pub static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// Scripts from this origin only (Vite emits no inline script), styles from this origin and
/// inline ones (TDesign adds `<style>` elements at run time: with `style-src 'self'` alone the
/// browser blocks them, which the browser tests saw), images from this origin and `data:`
/// (the favicon), API calls to this origin, no framing, no plugins, no `<base>`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/console", get(|| async { Redirect::permanent("/console/") }))
        .route("/console/", get(|headers: HeaderMap| async move { serve("", &headers) }))
        .route(
            "/console/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move { serve(&path, &headers) }),
        )
}

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Whether `Accept-Encoding` takes gzip (`gzip` or `*`, with a q above 0).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("").to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
            (coding == "gzip" || coding == "*") && q > 0.0
        })
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    let immutable = path.starts_with("assets/");
    let asset = match find(path) {
        Some(asset) if !path.is_empty() => asset,
        // A missing hashed asset is an old page asking for a file of another build: 404,
        // not the page (a script answered with HTML fails obscurely).
        None if immutable => {
            return ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such console file")
                .into_response()
        }
        _ => find("index.html").expect("build.rs always embeds an index.html"),
    };
    let gzip = asset.gzip.filter(|_| accepts_gzip(headers));
    let mut res = gzip.unwrap_or(asset.raw).into_response();
    let h = res.headers_mut();
    let kind = super::web::content_type(std::path::Path::new(asset.path));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, serve, ASSETS, CSP};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

    async fn body(res: axum::response::Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    fn header_of(res: &axum::response::Response, name: header::HeaderName) -> Option<&str> {
        res.headers().get(name).map(|v| v.to_str().unwrap())
    }

    /// Every embedded file (the real build, or the placeholder without one): its bytes, gzip
    /// only when asked and smaller, cached for good only under `assets/`, the console's CSP.
    #[tokio::test]
    async fn every_embedded_file_is_served_with_its_headers() {
        assert!(ASSETS.iter().any(|a| a.path == "index.html"));
        for asset in ASSETS {
            let plain = serve(asset.path, &HeaderMap::new());
            assert_eq!(plain.status(), StatusCode::OK, "{}", asset.path);
            assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
            let cache = if asset.path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            assert_eq!(header_of(&plain, header::CACHE_CONTROL), Some(cache));
            assert_eq!(
                header_of(&plain, header::CONTENT_SECURITY_POLICY),
                Some(CSP)
            );
            assert_eq!(header_of(&plain, header::VARY), Some("accept-encoding"));
            assert_eq!(body(plain).await, asset.raw);

            let zipped = serve(asset.path, &with("gzip"));
            let encoding = header_of(&zipped, header::CONTENT_ENCODING).map(str::to_owned);
            let bytes = body(zipped).await;
            match asset.gzip {
                Some(gz) => {
                    assert_eq!(encoding.as_deref(), Some("gzip"));
                    assert!(gz.len() < asset.raw.len());
                    assert_eq!(bytes, gz);
                }
                None => {
                    assert_eq!(encoding, None);
                    assert_eq!(bytes, asset.raw);
                }
            }
        }
    }

    /// The app's own paths get index.html; a hashed file of no build is a 404, not the page.
    #[tokio::test]
    async fn other_paths_fall_back_to_the_page_but_missing_assets_do_not() {
        let index = ASSETS.iter().find(|a| a.path == "index.html").unwrap();
        for path in ["", "members/u1", "rules", ".vite/manifest.json"] {
            let res = serve(path, &HeaderMap::new());
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(header_of(&res, header::CACHE_CONTROL), Some("no-cache"));
            assert!(header_of(&res, header::CONTENT_TYPE)
                .unwrap()
                .starts_with("text/html"));
            assert_eq!(body(res).await, index.raw, "{path}");
        }
        let missing = serve("assets/index-00000000.js", &HeaderMap::new());
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(String::from_utf8(body(missing).await.to_vec())
            .unwrap()
            .contains("NOT_FOUND"));
    }

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn gzip_is_sent_only_to_who_takes_it() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("br, deflate")));
        assert!(!accepts_gzip(&with("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
