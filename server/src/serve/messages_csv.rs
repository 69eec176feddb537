//! `GET /v1/admin/messages.csv?now=&after=&limit=` (operator): the subscription-message
//! candidates of `GET /v1/admin/messages` as a spreadsheet (`crate::csv`), consent respected
//! the same way (only members who agreed to a kind are asked about it). A page holds at most
//! [`CSV_PAGE`] members; the next page's `after` comes URL-encoded in the `X-Next-After`
//! header. Each
//! export is in the audit log (`messages.export`: the query and the rows written).

use super::admin::{candidates_page, MessagesQuery};
use super::audit::{self, Entry};
use super::auth::CanOperate;
use super::error::ApiError;
use super::request::typed_query;
use super::App;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;

/// Consenting members one CSV page looks at, at most (and by default).
pub const CSV_PAGE: u32 = 5000;

/// The columns: the candidate, then its template data (empty where its kind has none).
pub const COLUMNS: [&str; 9] = [
    "user", "kind", "text", "points", "date", "days", "streak", "tier", "since",
];

/// The header that carries the next page's `after`, URL-encoded (absent on the last page).
pub const NEXT: &str = "x-next-after";

pub async fn export(
    State(app): State<Arc<App>>,
    CanOperate(actor): CanOperate,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q: MessagesQuery = typed_query(query.as_deref())?;
    let page = candidates_page(&app, &q, CSV_PAGE).await?;
    let body = table(&page.candidates);
    let entry = Entry {
        action: "messages.export",
        target: "messages".to_owned(),
        before: Value::Null,
        after: json!({
            "query": q,
            "now": page.now,
            "rows": page.candidates.len(),
            "next": page.next,
        }),
    };
    audit::record(&app, &actor, entry).await;
    let disposition = format!("attachment; filename=\"messages-{}.csv\"", page.now);
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response();
    if let Some(next) = page.next {
        // URL-encoded: a member id need not be a valid header value (`李雷`), and the console
        // puts it in `?after=` as it is.
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let value = HeaderValue::from_str(&encoded).map_err(ApiError::internal)?;
        response
            .headers_mut()
            .insert(HeaderName::from_static(NEXT), value);
    }
    Ok(response)
}

/// The candidates as CSV: the byte order mark, the header line, one line each.
fn table(candidates: &[crate::messages::Candidate]) -> String {
    let mut out = String::from(crate::csv::BOM);
    out += &crate::csv::line(&COLUMNS.map(str::to_owned));
    for c in candidates {
        let data = |key: &str| match &c.data[key] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let cells = [
            c.user.clone(),
            c.kind.to_owned(),
            c.text.clone(),
            data("points"),
            data("date"),
            data("days"),
            data("streak"),
            data("tier"),
            data("since"),
        ];
        out += &crate::csv::line(&cells);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Candidate;

    #[test]
    fn one_line_a_candidate_after_the_bom_and_header() {
        let candidates = [
            Candidate {
                user: "u,1".to_owned(),
                kind: "points_expiring",
                text: "您有 50 积分将于 2027-03-01 过期".to_owned(),
                data: json!({"points": 50, "date": "2027-03-01", "days": 7}),
            },
            Candidate {
                user: "=bad".to_owned(),
                kind: "tier_up",
                text: "升级为\"黄金会员\"".to_owned(),
                data: json!({"tier": "黄金会员", "since": "2027-02-28"}),
            },
        ];
        let csv = table(&candidates);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "\u{feff}user,kind,text,points,date,days,streak,tier,since",
                "\"u,1\",points_expiring,您有 50 积分将于 2027-03-01 过期,50,2027-03-01,7,,,",
                "'=bad,tier_up,\"升级为\"\"黄金会员\"\"\",,,,,黄金会员,2027-02-28",
                "",
            ]
        );
    }
}
