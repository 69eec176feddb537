//! The operator's routes, behind the admin token: subscription-message candidates a page of
//! members at a time and the record of those sent, the report and its charts, and the end of
//! a member's sessions (the member pages are `members.rs` and `member_writes.rs`).

use super::audit::{self, Entry};
use super::auth::{CanOperate, CanView};
use super::error::ApiError;
use super::request::{page_limit, typed, typed_query};
use super::{now_ms, App};
use crate::store::Store;
use axum::extract::rejection::StringRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

type Shared = State<Arc<App>>;

/// `?now=<epoch ms>&after=<member>&limit=<members>`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    now: Option<i64>,
    #[serde(default)]
    after: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
}

/// Consenting members a page of `/v1/admin/messages` looks at, at most (and by default).
const MESSAGES_PAGE: u32 = 500;

#[derive(Serialize)]
pub struct Messages {
    pub(super) now: i64,
    pub(super) candidates: Vec<crate::messages::Candidate>,
    /// The `after` of the next page: null on the last.
    pub(super) next: Option<String>,
}

/// Subscription-message candidates at `?now=<epoch ms>` (default: the server's clock), among
/// a page of consenting members (`?after=&limit=`): a page loads at most `limit` members.
pub async fn admin_messages(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<Json<Messages>, ApiError> {
    let q: MessagesQuery = typed_query(query.as_deref())?;
    Ok(Json(candidates_page(&app, &q, MESSAGES_PAGE).await?))
}

/// One page of candidates as `GET /v1/admin/messages` answers it, at most `most` members a
/// page (`MessagesQuery::limit` defaults to it); the CSV export pages the same way.
pub(super) async fn candidates_page(
    app: &App,
    q: &MessagesQuery,
    most: u32,
) -> Result<Messages, ApiError> {
    let now = q.now.unwrap_or_else(now_ms);
    let limit = page_limit(q.limit, most, "members")?;
    // One member more than the page, to know whether another page follows.
    let mut consents = app
        .store
        .consents(&q.after, limit + 1)
        .await
        .map_err(ApiError::internal)?;
    let mut members = consents.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>();
    members.dedup();
    let next = (members.len() > limit as usize).then(|| members[limit as usize - 1].to_owned());
    if let Some(last) = &next {
        consents.retain(|(u, _)| u <= last);
    }
    let mut candidates = Vec::new();
    let cfg = app.rules.live().config_at(now);
    let mut i = 0;
    while i < consents.len() {
        let user = &consents[i].0;
        let kinds: Vec<&str> = consents[i..]
            .iter()
            .take_while(|(u, _)| u == user)
            .map(|(_, k)| k.as_str())
            .collect();
        i += kinds.len();
        if let Some(record) = app.store.load(user).await.map_err(ApiError::internal)? {
            candidates.extend(crate::messages::for_member(
                &record.state,
                &cfg,
                now,
                &kinds,
            ));
        }
    }
    Ok(Messages {
        now,
        candidates,
        next,
    })
}

/// `POST /v1/admin/messages/sent`: `{"kind", "campaign"?, "users": [...], "at"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentBody {
    kind: String,
    campaign: Option<String>,
    users: Vec<String>,
    /// Epoch ms; default: the server's clock.
    at: Option<i64>,
}

/// Records the subscription messages the operator sent (`crate::notices`): what was new,
/// already recorded, and the ids of no member.
pub async fn admin_messages_sent(
    State(app): Shared,
    CanOperate(actor): CanOperate,
    body: Result<String, StringRejection>,
) -> Result<Json<crate::notices::Answer>, ApiError> {
    use crate::notices::{self, NoticeError};
    let b: SentBody = typed(body)?;
    let now = now_ms();
    let timeline = app.timeline(now).await.map_err(ApiError::internal)?;
    let sent = notices::Sent {
        kind: b.kind,
        campaign: b.campaign,
        users: b.users,
        at: b.at.unwrap_or(now),
    };
    let target = format!("messages:{}", sent.kind);
    match notices::record(&app.store, sent, &notices::known_campaigns(&timeline)).await {
        Ok(answer) => {
            let after = serde_json::to_value(&answer).map_err(ApiError::internal)?;
            let entry = Entry {
                action: "messages.sent",
                target,
                before: serde_json::Value::Null,
                after,
            };
            audit::record(&app, &actor, entry).await;
            Ok(Json(answer))
        }
        Err(NoticeError::Refused(r)) => {
            Err(ApiError::bad_request("BAD_REQUEST", &r.path, r.message))
        }
        Err(NoticeError::Store(e)) => Err(ApiError::internal(e)),
    }
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    from: String,
    to: String,
}

/// `?chart=cohorts|tiers|uplift|liability|funnel|roi&from=…&to=…` (`report_svg::CHARTS`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartQuery {
    chart: String,
    from: String,
    to: String,
}

/// The report from `from` to `to` (the callers took `CanView`).
async fn report_for(app: &App, from: &str, to: &str) -> Result<crate::report::Report, ApiError> {
    let date = |name: &'static str, s: &str| {
        crate::report::parse_date(name, s)
            .map_err(|e| ApiError::bad_request("BAD_REQUEST", name, e.0))
    };
    let (from, to) = (date("from", from)?, date("to", to)?);
    let mut report = crate::report::build(
        &app.store,
        &app.config_now(),
        (&app.experiments, &app.scorecard.coupon_values_cents),
        from,
        to,
    )
    .await
    .map_err(|e| ApiError::bad_request("BAD_REQUEST", "from", e.0))?;
    crate::diagnoses::diagnose(&mut report, &app.scorecard);
    Ok(report)
}

/// The operator's report as JSON (docs/report.md).
pub async fn admin_report(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<Json<crate::report::Report>, ApiError> {
    let q: ReportQuery = typed_query(query.as_deref())?;
    Ok(Json(report_for(&app, &q.from, &q.to).await?))
}

/// A chart of the report as SVG.
pub async fn admin_report_svg(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let q: ChartQuery = typed_query(query.as_deref())?;
    let tiers: Vec<String> = app
        .config_now()
        .tiers
        .levels
        .iter()
        .map(|t| t.id.clone())
        .collect();
    use crate::report_svg::{draw, CHARTS};
    if !CHARTS.contains(&q.chart.as_str()) {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            "chart",
            format!("one of {}", CHARTS.join(", ")),
        ));
    }
    let report = report_for(&app, &q.from, &q.to).await?;
    let lines = crate::report_svg_scorecard::Lines::of(&app.scorecard);
    let svg = draw(&q.chart, &report, &tiers, lines).expect("a name of CHARTS draws");
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// Every chart of the report as data for the console (`report_charts.rs`, docs/report.md).
pub async fn admin_report_charts(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<Json<crate::report_charts::Charts>, ApiError> {
    let q: ReportQuery = typed_query(query.as_deref())?;
    let report = report_for(&app, &q.from, &q.to).await?;
    let levels = &app.config_now().tiers.levels;
    let lines = crate::report_svg_scorecard::Lines::of(&app.scorecard);
    Ok(Json(crate::report_charts::charts(&report, levels, lines)))
}

/// `DELETE /v1/admin/members/{user}/sessions`: the operator ends every session of a member
/// (a stolen account, a blocked member); they log in again to sync. `{"ok", "ended"}`.
pub async fn end_member_sessions(
    State(app): Shared,
    CanOperate(actor): CanOperate,
    Path(user): Path<String>,
) -> Result<Json<super::routes::Ended>, ApiError> {
    let ended = app
        .store
        .end_sessions_of(&user)
        .await
        .map_err(ApiError::internal)?;
    let entry = Entry {
        action: "member.end_sessions",
        target: format!("member:{user}"),
        before: serde_json::Value::Null,
        after: serde_json::json!({ "ended": ended }),
    };
    audit::record(&app, &actor, entry).await;
    Ok(Json(super::routes::Ended::of(ended)))
}
