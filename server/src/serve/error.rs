//! Typed error replies: `{"error": {"code", "message", "path"?}}` with a fitting status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub path: Option<String>,
    pub retry_after: Option<u64>,
    /// Every problem with its path, when there are several (a rule version's).
    pub problems: Vec<zailai::ConfigIssue>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
            retry_after: None,
            problems: Vec::new(),
        }
    }

    pub fn bad_request(code: &'static str, path: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            path: Some(path.to_owned()),
            ..ApiError::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// A failure of the server itself: the detail (storage text, paths) goes to the log under a
    /// reference, and the client gets the reference only.
    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let reference = format!(
            "{:x}-{}",
            super::now_ms(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        eprintln!("zailai serve: internal error {reference}: {message}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            format!("internal error (reference {reference} in the server's log)"),
        )
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<Problem<'a>>,
}

/// One problem as answered: `reason` (as `zailai check` prints it) and the same text as
/// `message`, the name the console reads (issue 28's contract).
#[derive(Serialize)]
struct Problem<'a> {
    path: &'a str,
    reason: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                path: self.path.as_deref(),
                problems: self
                    .problems
                    .iter()
                    .map(|p| Problem {
                        path: &p.path,
                        reason: &p.reason,
                        message: &p.reason,
                    })
                    .collect(),
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
