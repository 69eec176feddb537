//! The audit log of operator writes (issue 28): who, when, from where, what, before and after.
//! Every handler that changes something on an operator route records one entry through
//! `record`; console logins and logouts too. `GET /v1/admin/audit` lists it (newest first,
//! filtered, paged), `GET /v1/admin/audit.csv` exports it for Excel.

use super::auth::{Actor, CanView};
use super::error::ApiError;
use super::request::{page_limit, typed_query};
use super::{now_ms, App};
use crate::store::operators::{AuditQuery, AuditRow, OperatorStore};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// One write to record: `action` is a stable name (`rules.publish`, `member.grant`, …),
/// `target` what it changed (`member:ID`, `rules:7`, `operator:NAME`), `before` and `after`
/// the changed values as JSON (null where there was none).
pub struct Entry<'a> {
    pub action: &'a str,
    pub target: String,
    pub before: Value,
    pub after: Value,
}

/// Records `entry` as done by `actor` now, from the actor's address. Called once the write
/// is committed, so it cannot fail the request: an error answer would tell the operator that
/// a grant which happened did not, and a retry would grant twice. An entry the store refuses
/// goes whole to stderr instead (`zailai audit-log: NOT STORED`), for the log to keep.
pub async fn record(app: &App, actor: &Actor, entry: Entry<'_>) {
    record_as(app, actor, actor.role.as_str(), entry).await
}

/// [`record`] under another role name (`-` for a failed login: no one was logged in).
pub async fn record_as(app: &App, actor: &Actor, role: &str, entry: Entry<'_>) {
    let row = AuditRow {
        id: 0,
        at: now_ms(),
        actor: actor.name.clone(),
        role: role.to_owned(),
        action: entry.action.to_owned(),
        target: entry.target,
        before: entry.before.to_string(),
        after: entry.after.to_string(),
        address: actor.address.clone(),
    };
    if let Err(e) = app.store.add_audit(&row).await {
        eprintln!(
            "zailai audit-log: NOT STORED ({e}): at={} actor={} role={} action={} target={} before={} after={} address={}",
            row.at, row.actor, row.role, row.action, row.target, row.before, row.after, row.address
        );
    }
}

type Shared = State<Arc<App>>;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/admin/audit", get(list))
        .route("/v1/admin/audit.csv", get(csv))
}

/// `?target=&actor=&action=&after=&limit=`: `after` is the `next` of the page before.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    target: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    after: Option<i64>,
    limit: Option<u32>,
}

/// Entries a JSON page holds at most, and a CSV export.
const PAGE: u32 = 200;
const EXPORT: u32 = 50_000;

fn query(raw: Option<&str>, max: u32) -> Result<AuditQuery, ApiError> {
    let q: ListQuery = typed_query(raw)?;
    let blank = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(AuditQuery {
        target: blank(q.target),
        actor: blank(q.actor),
        action: blank(q.action),
        before_id: q.after,
        limit: page_limit(q.limit, max, "entries")?,
    })
}

/// JSON text as stored, as a value again (text that is not JSON stays a string).
fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

async fn list(
    State(app): Shared,
    _: CanView,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = query(raw.as_deref(), PAGE)?;
    let rows = app.store.audit(&q).await.map_err(ApiError::internal)?;
    let full = rows.len() == q.limit as usize;
    let next = rows.last().filter(|_| full).map(|r| r.id);
    let entries: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "at": r.at, "actor": r.actor, "role": r.role, "action": r.action,
                "target": r.target, "before": value(&r.before), "after": value(&r.after),
                "address": r.address,
            })
        })
        .collect();
    Ok(Json(json!({"entries": entries, "next": next})))
}

async fn csv(
    State(app): Shared,
    _: CanView,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = query(raw.as_deref(), EXPORT)?;
    let rows = app.store.audit(&q).await.map_err(ApiError::internal)?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"zailai-audit.csv\"",
        ),
    ];
    Ok((headers, to_csv(&rows)).into_response())
}

/// The rows as CSV (`crate::csv`: a byte order mark so Excel reads Chinese, CRLF, quoting,
/// formulas defused: actors, targets and texts come from outside).
fn to_csv(rows: &[AuditRow]) -> String {
    let mut out = format!(
        "{}id,at,actor,role,action,target,before,after,address\r\n",
        crate::csv::BOM
    );
    for r in rows {
        out += &crate::csv::line(&[
            r.id.to_string(),
            utc(r.at),
            r.actor.clone(),
            r.role.clone(),
            r.action.clone(),
            r.target.clone(),
            r.before.clone(),
            r.after.clone(),
            r.address.clone(),
        ]);
    }
    out
}

/// Epoch ms as `YYYY-MM-DDTHH:MM:SS.mmmZ` (days to civil date: H. Hinnant's algorithm).
fn utc(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(1_761_958_800_123), "2025-11-01T01:00:00.123Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn csv_has_a_bom_quotes_and_defuses_formulas() {
        let row = AuditRow {
            id: 7,
            at: 0,
            actor: "li.wei".into(),
            role: "admin".into(),
            action: "member.grant".into(),
            target: "member:=HYPERLINK(\"x\")".into(),
            before: "null".into(),
            after: r#"{"reason":"补偿, 抱歉","points":5}"#.into(),
            address: "1.2.3.4".into(),
        };
        let csv = to_csv(&[row]);
        assert!(csv.starts_with("\u{feff}id,at,actor,"), "{csv}");
        let line = csv.split("\r\n").nth(1).unwrap();
        assert_eq!(
            line,
            "7,1970-01-01T00:00:00.000Z,li.wei,admin,member.grant,\
             \"member:=HYPERLINK(\"\"x\"\")\",null,\
             \"{\"\"reason\"\":\"\"补偿, 抱歉\"\",\"\"points\"\":5}\",1.2.3.4"
        );
        let mut formula = AuditRow {
            id: 8,
            at: 0,
            actor: "=1+1".into(),
            role: String::new(),
            action: String::new(),
            target: String::new(),
            before: String::new(),
            after: String::new(),
            address: String::new(),
        };
        assert!(to_csv(&[formula.clone()]).contains("\r\n8,1970-01-01T00:00:00.000Z,'=1+1,"));
        formula.actor = "a\nb".into();
        assert!(to_csv(&[formula]).contains(",\"a\nb\","));
    }
}
