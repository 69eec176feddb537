//! Static files for the web preview (`--web DIR`): `GET /` is `DIR/index.html`, `GET /a/b.js`
//! is `DIR/a/b.js`. Only plain path segments are accepted (no `..`, no hidden files), and a
//! symbolic link that leads out of the directory is not followed, so nothing outside it can
//! be read.

use super::error::ApiError;
use super::App;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn content_type(path: &Path) -> &'static str {
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

/// `path` if it is inside `root` once every symbolic link is followed (and exists).
pub fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let root = std::fs::canonicalize(root).ok()?;
    let real = std::fs::canonicalize(path).ok()?;
    real.starts_with(&root).then_some(real)
}

/// `path` with every symbolic link of its existing part followed, made absolute: what it
/// will be once created.
fn real(path: &Path) -> PathBuf {
    if let Ok(found) = std::fs::canonicalize(path) {
        return found;
    }
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) if parent != absolute => real(parent).join(name),
        _ => absolute,
    }
}

/// Refuses a `--web` root that would serve the server's secrets: one that holds (or is held
/// by) the data dir (dev tokens, dev key, dev lottery secret, the SQLite database), or that
/// holds the database file or the signing key given elsewhere. Paths are compared once
/// symbolic links are followed.
pub fn refuse_overlap(opts: &super::Options) -> Result<(), String> {
    let Some(web) = &opts.web else {
        return Ok(());
    };
    let root = real(web);
    let data = real(&opts.data_dir);
    let overlap = |what: &str, path: &Path| {
        format!(
            "--web {} and {what} {} overlap: the web root would serve the server's secrets \
             (tokens, keys, the lottery secret, the database). Give them separate directories",
            web.display(),
            path.display()
        )
    };
    if data.starts_with(&root) || root.starts_with(&data) {
        return Err(overlap("--data-dir", &opts.data_dir));
    }
    let database = opts
        .database
        .as_deref()
        .filter(|d| !d.contains("://") && !d.starts_with("host="));
    if let Some(db) = database
        .map(Path::new)
        .filter(|db| real(db).starts_with(&root))
    {
        return Err(overlap("--database", db));
    }
    if let Some(key) = opts.key.as_deref().filter(|k| real(k).starts_with(&root)) {
        return Err(overlap("--key", key));
    }
    Ok(())
}

/// Every request no API route took: a static file for GET and HEAD, else a JSON 404.
pub async fn fallback(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_found();
    }
    let Some(root) = &app.options.web else {
        return not_found();
    };
    let Some(path) = resolve(root, uri.path()).and_then(|p| inside(root, &p)) else {
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
    use super::{inside, real, resolve};

    /// A path not made yet resolves through the part that exists (links followed).
    #[test]
    fn paths_not_made_yet_resolve_through_their_existing_part() {
        let dir = std::env::temp_dir().join(format!("zailai-real-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("link")).unwrap();
        let base = std::fs::canonicalize(&dir).unwrap();
        assert_eq!(real(&dir.join("link/new/x.db")), base.join("a/new/x.db"));
        assert_eq!(real(&dir.join("link")), base.join("a"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    use std::path::Path;

    /// A link inside the web root that points out of it is not followed; one that stays
    /// inside is.
    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let dir = std::env::temp_dir().join(format!("zailai-web-{}", std::process::id()));
        let root = dir.join("web");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(dir.join("secret.txt"), "s").unwrap();
        std::fs::write(root.join("sub/page.html"), "p").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("alias")).unwrap();
        let resolved = |p: &str| resolve(&root, p).and_then(|f| inside(&root, &f));
        assert_eq!(resolved("/leak.txt"), None);
        assert!(resolved("/alias/page.html").is_some());
        assert!(resolved("/sub/page.html").is_some());
        assert_eq!(resolved("/missing.html"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
