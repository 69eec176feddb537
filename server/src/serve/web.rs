//! Static files for the web preview (`--web DIR`): `GET /` is `DIR/index.html`, `GET /a/b.js`
//! is `DIR/a/b.js`. Only plain path segments are accepted (no `..`, no hidden files), so
//! nothing outside the directory can be read.

use super::error::ApiError;
use super::App;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `uri` names, if its path is made of plain segments only.
pub fn resolve(root: &Path, uri_path: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    let mut last = "";
    for segment in uri_path.split('/').filter(|s| !s.is_empty()) {
        let ok = !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok {
            return None;
        }
        path.push(segment);
        last = segment;
    }
    if last.is_empty() || uri_path.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route or file").into_response()
}

/// Fallback for every GET no API route took.
pub async fn static_file(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let Some(root) = &app.options.web else {
        return not_found();
    };
    let Some(path) = resolve(root, uri.path()) else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&path)),
            );
            // A preview under development: always fetch the newest build.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            res
        }
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::path::Path;

    #[test]
    fn only_plain_segments_resolve() {
        let root = Path::new("/srv/web");
        assert_eq!(
            resolve(root, "/").unwrap(),
            Path::new("/srv/web/index.html")
        );
        assert_eq!(
            resolve(root, "/zailai/index.js").unwrap(),
            Path::new("/srv/web/zailai/index.js")
        );
        assert_eq!(
            resolve(root, "/docs/").unwrap(),
            Path::new("/srv/web/docs/index.html")
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/.env",
            "/a%2F..",
            "/a\\b",
            "/a b",
        ] {
            assert!(resolve(root, bad).is_none(), "{bad}");
        }
    }
}
