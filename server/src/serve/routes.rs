//! The HTTP routes. Every error is JSON (`error.rs`); bodies are read as text and parsed by
//! the core's readers, so a bad body names the path of its problem.

use super::auth::{Admin, Member};
use super::error::ApiError;
use super::{now_ms, App};
use crate::store::Store;
use axum::extract::rejection::StringRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use zailai::snapshot::{base64, Payload};
use zailai::sync::{Push, Reply, PROTOCOL};

pub fn router(app: Arc<App>) -> Router {
    let limit = app.options.body_limit;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/session", post(session).delete(logout))
        .route("/v1/config", get(config))
        .route("/v1/sync", post(sync))
        .route("/v1/admin/members/{user}", get(admin_member))
        .route("/v1/consent", post(consent))
        .route("/v1/me/report", get(my_report_json))
        .route("/v1/me/report.svg", get(my_report_svg))
        .route("/v1/me/invite", get(super::invites::my_code))
        .route("/v1/admin/messages", get(admin_messages))
        .route("/v1/lotteries/{id}", get(super::lottery::published))
        .route("/v1/admin/report", get(admin_report))
        .route("/v1/admin/report.svg", get(admin_report_svg))
        .merge(super::merchant::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(super::web::fallback)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            (app.options.read_timeout, limit),
            super::conn::body_deadline,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(audit_admin))
        .with_state(app)
}

/// One line on stderr for every operator and merchant request, allowed or not: when, from
/// where, what, and the answer (`docs/security.md`). The token itself is never logged.
async fn audit_admin(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let who = if path.starts_with("/v1/admin/") {
        "admin"
    } else if path.starts_with("/v1/merchant/") {
        "merchant"
    } else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_string());
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let bearer = request.headers().contains_key(header::AUTHORIZATION);
    let response = next.run(request).await;
    eprintln!(
        "zailai audit: at={} peer={peer} {who} {method} {path} bearer={} status={}",
        now_ms(),
        if bearer { "given" } else { "none" },
        response.status().as_u16()
    );
    response
}

/// A known route asked with another method: the same JSON error body as every other error.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this route does not take that method",
    )
}

/// On every answer: no content sniffing, no framing, no referrer, and API answers not cached
/// (static files keep the cache headers they set).
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

type Shared = State<Arc<App>>;

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

async fn healthz() -> Json<Done> {
    Json(DONE)
}

/// Logout: the bearer's session ends at once (a lost phone's token can be revoked).
async fn logout(State(app): Shared, headers: HeaderMap) -> Result<Json<Done>, ApiError> {
    let Some(token) = bearer(&headers).filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthorized("a session token is required"));
    };
    let ended = app
        .store
        .delete_session(&token_hash(token))
        .await
        .map_err(ApiError::internal)?;
    if !ended {
        return Err(ApiError::unauthorized("no such session"));
    }
    Ok(Json(DONE))
}

/// `POST /v1/session`: one of the login fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    code: Option<String>,
    dev_user: Option<String>,
}

#[derive(Serialize)]
struct LoginReply {
    token: String,
    user: String,
    expires_at: i64,
}

/// Login: the body's field picks the verifier (`{"code"}` WeChat, `{"dev_user"}` with --dev).
async fn session(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Json<LoginReply>, ApiError> {
    // Every login may cost a call on the app's WeChat quota (code2session): limited per
    // address before anything is read.
    app.per_login
        .check(&client_address(&app, peer, &headers))
        .map_err(too_many)?;
    let login: Login = typed(body)?;
    let (field, value) = match (&login.code, &login.dev_user) {
        (Some(code), None) => ("code", code),
        (None, Some(user)) => ("dev_user", user),
        _ => {
            return Err(ApiError::bad_request(
                "BAD_REQUEST",
                "",
                "exactly one of `code` (wx.login) and `dev_user` (--dev)",
            ))
        }
    };
    let Some(verifier) = app.verifiers.iter().find(|v| v.field() == field) else {
        return Err(if field == "dev_user" {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "DEV_LOGIN_DISABLED",
                "dev login exists only with --dev",
            )
        } else {
            ApiError::bad_request(
                "BAD_REQUEST",
                field,
                "this server has no WeChat login (--wechat-appid)",
            )
        });
    };
    let user = verifier.verify(value).await?;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(ApiError::internal)?;
    let token = zailai::lottery::hex(&raw);
    let expires_at = now_ms() + app.options.session_ttl_ms;
    app.store
        .put_session(&token_hash(&token), &user, expires_at, now_ms())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(LoginReply {
        token,
        user,
        expires_at,
    }))
}

/// `GET /v1/config?rules_formats=1,2`. Unknown parameters are ignored here: every client
/// version asks this first, and a newer one may ask more.
#[derive(Deserialize)]
struct ConfigQuery {
    rules_formats: Option<String>,
}

#[derive(Serialize)]
struct ConfigReply<'a> {
    protocol: u32,
    config: &'a Value,
    config_hash: &'a str,
    rules: Option<&'a str>,
    rules_format: u8,
    keys: Vec<KeyView<'a>>,
    server_time: i64,
}

#[derive(Serialize)]
struct KeyView<'a> {
    id: &'a str,
    public: &'a str,
}

/// The rules (as JSON for people, and in the binary form a client holds), the keys clients
/// trust, and the server's time. `?rules_formats=1,…` lists the binary rule formats a client
/// reads: when this server writes none of them, `rules` is null and the client keeps the
/// rules it has (its keys and clock still come from here; `docs/sync.md`).
async fn config(
    State(app): Shared,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let q: ConfigQuery = typed_query(query.as_deref())?;
    let ours = zailai::config::RULES_FORMAT.to_string();
    let readable = q
        .rules_formats
        .is_none_or(|list| list.split(',').any(|f| f.trim() == ours));
    let reply = ConfigReply {
        protocol: PROTOCOL,
        config: &app.config_json,
        config_hash: &app.config_hash,
        rules: readable.then_some(app.rules_binary.as_str()),
        rules_format: zailai::config::RULES_FORMAT,
        keys: app
            .trusted
            .iter()
            .map(|(id, public)| KeyView { id, public })
            .collect(),
        server_time: now_ms(),
    };
    Ok(Json(reply).into_response())
}

async fn sync(
    State(app): Shared,
    Member(user): Member,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Json<Reply>, ApiError> {
    // Per address after authentication: failed attempts have their own bucket (`Member`).
    app.per_address
        .check(&client_address(&app, peer, &headers))
        .map_err(too_many)?;
    app.per_user.check(&user).map_err(too_many)?;
    let push = Push::from_json(&body_text(body)?)
        .map_err(|e| ApiError::bad_request(e.code, &e.path, e.message))?;
    // And ops, not only requests: 500-op pushes at the request rate would be 60,000 a minute.
    app.per_user_ops
        .check_n(&user, push.ops.len())
        .map_err(too_many)?;
    if let Some(code) = &push.invited_by {
        super::invites::credit_first_sync(&app, &user, code)
            .await
            .map_err(ApiError::internal)?;
    }
    let now = now_ms();
    let (outcome, record) = crate::sync_service::sync(&app.store, &app.config, &user, push, now)
        .await
        .map_err(ApiError::internal)?;
    let record = super::lottery::settle(&app, &user, record)
        .await
        .map_err(ApiError::internal)?;
    let payload = Payload {
        user,
        server_version: record.server_version,
        issued_at: now,
        config_hash: app.config_hash.clone(),
        acked: record.processed.into_iter().collect(),
        state: record.state,
    };
    Ok(Json(Reply {
        protocol: PROTOCOL,
        acked: outcome.acked,
        rejected: outcome.rejected,
        server_version: payload.server_version,
        snapshot: base64::encode(&app.signer.sign(&payload)),
        server_time: now,
    }))
}

/// `POST /v1/consent`: a member's answers for subscription messages, one field per kind
/// (`messages::KINDS`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Consent {
    points_expiring: Option<bool>,
    streak_reminder: Option<bool>,
    tier_up: Option<bool>,
}

impl Consent {
    fn answers(&self) -> impl Iterator<Item = (&'static str, bool)> {
        let [a, b, c] = crate::messages::KINDS;
        [
            (a, self.points_expiring),
            (b, self.streak_reminder),
            (c, self.tier_up),
        ]
        .into_iter()
        .filter_map(|(kind, granted)| Some((kind, granted?)))
    }
}

/// `{"ok": true}`: done.
#[derive(Serialize)]
pub(super) struct Done {
    ok: bool,
}

pub(super) const DONE: Done = Done { ok: true };

async fn consent(
    State(app): Shared,
    Member(user): Member,
    body: Result<String, StringRejection>,
) -> Result<Json<Done>, ApiError> {
    let consent: Consent = typed(body)?;
    if consent.answers().next().is_none() {
        let kinds = crate::messages::KINDS.join(", ");
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            "",
            format!("answer at least one of {kinds} with true or false"),
        ));
    }
    let now = now_ms();
    for (kind, granted) in consent.answers() {
        app.store
            .put_consent(&user, kind, granted, now)
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(Json(DONE))
}

/// `?now=<epoch ms>&after=<member>&limit=<members>`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessagesQuery {
    now: Option<i64>,
    #[serde(default)]
    after: String,
    limit: Option<u32>,
}

/// Consenting members a page of `/v1/admin/messages` looks at, at most (and by default).
const MESSAGES_PAGE: u32 = 500;

#[derive(Serialize)]
struct Messages {
    now: i64,
    candidates: Vec<crate::messages::Candidate>,
    /// The `after` of the next page: null on the last.
    next: Option<String>,
}

/// Subscription-message candidates at `?now=<epoch ms>` (default: the server's clock), among
/// a page of consenting members (`?after=&limit=`): a page loads at most `limit` members.
async fn admin_messages(
    State(app): Shared,
    _: Admin,
    RawQuery(query): RawQuery,
) -> Result<Json<Messages>, ApiError> {
    let q: MessagesQuery = typed_query(query.as_deref())?;
    let now = q.now.unwrap_or_else(now_ms);
    let limit = page_limit(q.limit, MESSAGES_PAGE, "members")?;
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
                &app.config,
                now,
                &kinds,
            ));
        }
    }
    Ok(Json(Messages {
        now,
        candidates,
        next,
    }))
}

/// `?month=YYYY-MM&locale=zh-CN` (locale: default the rules' own).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthQuery {
    month: String,
    locale: Option<String>,
}

/// The member's monthly report (会员月报) for `?month=YYYY-MM`, from the server's state.
async fn my_report(
    app: &App,
    q: &MonthQuery,
    user: &str,
) -> Result<zailai::view::MonthlyReport, ApiError> {
    let parsed = zailai::day::Date::parse(&format!("{}-01", q.month))
        .ok_or_else(|| ApiError::bad_request("BAD_REQUEST", "month", "YYYY-MM"))?;
    let record = app.store.load(user).await.map_err(ApiError::internal)?;
    let Some(record) = record else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no state yet: sync first",
        ));
    };
    zailai::view::monthly_report(
        &record.state,
        &app.config,
        parsed.year,
        parsed.month,
        now_ms(),
        locale(app, q),
    )
    .map_err(|e| ApiError::bad_request("BAD_REQUEST", "month", e.to_string()))
}

fn locale<'a>(app: &'a App, q: &'a MonthQuery) -> &'a str {
    q.locale
        .as_deref()
        .unwrap_or(app.config.default_locale.as_str())
}

async fn my_report_json(
    State(app): Shared,
    Member(user): Member,
    RawQuery(query): RawQuery,
) -> Result<Json<zailai::view::MonthlyReport>, ApiError> {
    let q: MonthQuery = typed_query(query.as_deref())?;
    Ok(Json(my_report(&app, &q, &user).await?))
}

async fn my_report_svg(
    State(app): Shared,
    Member(user): Member,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let q: MonthQuery = typed_query(query.as_deref())?;
    let report = my_report(&app, &q, &user).await?;
    let svg = zailai::render::monthly_svg(
        &report,
        &app.config,
        &zailai::render::Theme::default(),
        locale(&app, &q),
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    from: String,
    to: String,
}

/// `?chart=cohorts|tiers|uplift&from=…&to=…`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartQuery {
    chart: String,
    from: String,
    to: String,
}

/// The report from `from` to `to` (the callers took `Admin`).
async fn report_for(app: &App, from: &str, to: &str) -> Result<crate::report::Report, ApiError> {
    let date = |name: &'static str, s: &str| {
        crate::report::parse_date(name, s)
            .map_err(|e| ApiError::bad_request("BAD_REQUEST", name, e.0))
    };
    let (from, to) = (date("from", from)?, date("to", to)?);
    crate::report::build(&app.store, &app.config, &app.experiments, from, to)
        .await
        .map_err(|e| ApiError::bad_request("BAD_REQUEST", "from", e.0))
}

/// The operator's report as JSON (docs/report.md).
async fn admin_report(
    State(app): Shared,
    _: Admin,
    RawQuery(query): RawQuery,
) -> Result<Json<crate::report::Report>, ApiError> {
    let q: ReportQuery = typed_query(query.as_deref())?;
    Ok(Json(report_for(&app, &q.from, &q.to).await?))
}

/// A chart of the report as SVG.
async fn admin_report_svg(
    State(app): Shared,
    _: Admin,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let q: ChartQuery = typed_query(query.as_deref())?;
    let tiers: Vec<String> = app
        .config
        .tiers
        .levels
        .iter()
        .map(|t| t.id.clone())
        .collect();
    let chart: fn(&crate::report::Report, &[String]) -> String = match q.chart.as_str() {
        "cohorts" => |r, _| crate::report_svg::cohort_heatmap(r),
        "tiers" => |r, tiers| crate::report_svg::tier_bars(r, tiers),
        "uplift" => |r, _| crate::report_svg::uplift_bars(r),
        _ => {
            return Err(ApiError::bad_request(
                "BAD_REQUEST",
                "chart",
                "cohorts, tiers or uplift",
            ))
        }
    };
    let report = report_for(&app, &q.from, &q.to).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        chart(&report, &tiers),
    )
        .into_response())
}

#[derive(Serialize)]
struct MemberView {
    user: String,
    server_version: u32,
    processed: BTreeMap<String, u32>,
    summary: zailai::view::Summary,
    ops: usize,
}

/// Operator view of a member, behind the admin token.
async fn admin_member(
    State(app): Shared,
    _: Admin,
    Path(user): Path<String>,
) -> Result<Json<MemberView>, ApiError> {
    let record = app.store.load(&user).await.map_err(ApiError::internal)?;
    let Some(record) = record else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no member `{user}`"),
        ));
    };
    let ops = app.store.ops(&user).await.map_err(ApiError::internal)?;
    Ok(Json(MemberView {
        summary: zailai::view::summary(&record.state, &app.config, now_ms()),
        user,
        server_version: record.server_version,
        processed: record.processed,
        ops: ops.len(),
    }))
}
