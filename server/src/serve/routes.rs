//! The router, its middleware (audit lines, security headers), and the members' routes:
//! login, config, sync, consent, the monthly report. The operator's routes are in `admin.rs`,
//! the merchant's in `merchant.rs`; every body and query is read by `request.rs`, and every
//! error is JSON (`error.rs`) naming the path of its problem.

use super::auth::Member;
use super::error::ApiError;
use super::request::{
    bearer, body_text, client_address, client_ip, token_hash, too_many, typed, typed_query,
};
use super::{now_ms, App};
use crate::store::Store;
use axum::extract::rejection::StringRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use zailai::snapshot::{base64, Payload};
use zailai::sync::{Push, Reply, PROTOCOL};

pub fn router(app: Arc<App>) -> Router {
    let limit = app.options.body_limit;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/session", post(session).delete(logout))
        .route("/v1/me/sessions", axum::routing::delete(logout_everywhere))
        .route(
            "/v1/admin/members/{user}/sessions",
            axum::routing::delete(super::admin::end_member_sessions),
        )
        .route("/v1/config", get(config))
        .route("/v1/sync", post(sync))
        .route("/v1/device", post(super::device::register))
        .route("/v1/admin/members", get(super::members::list))
        .route("/v1/admin/members/{user}", get(super::members::member))
        .route("/v1/admin/members/{user}/ops", get(super::members::ops))
        .route(
            "/v1/admin/members/{user}/grants",
            post(super::member_writes::grant),
        )
        .route(
            "/v1/admin/members/{user}/revoke",
            post(super::member_writes::revoke),
        )
        .route("/v1/consent", post(consent))
        .route("/v1/me/report", get(my_report_json))
        .route("/v1/me/report.svg", get(my_report_svg))
        .route("/v1/me/invite", get(super::invites::my_code))
        .route("/v1/admin/messages", get(super::admin::admin_messages))
        .route("/v1/admin/messages.csv", get(super::messages_csv::export))
        .route(
            "/v1/admin/messages/sent",
            post(super::admin::admin_messages_sent),
        )
        .route("/v1/lotteries/{id}", get(super::lottery::published))
        .route("/v1/admin/report", get(super::admin::admin_report))
        .route("/v1/admin/report.svg", get(super::admin::admin_report_svg))
        .route(
            "/v1/admin/report/charts",
            get(super::admin::admin_report_charts),
        )
        .merge(super::merchant::routes())
        .merge(super::rules_admin::routes())
        .merge(super::campaigns::routes())
        .merge(super::what_if::routes())
        .merge(super::console::routes())
        .merge(super::console_assets::routes())
        .merge(super::audit::routes())
        .merge(super::operators_admin::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(super::web::fallback)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            (app.options.read_timeout, limit),
            super::conn::body_deadline,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            audit_admin,
        ))
        .with_state(app)
}

/// One line on stderr for every operator, console and merchant request, allowed or not: when, from
/// where (the client; behind a trusted proxy, the address it forwards, and the proxy as
/// `via=`), what, and the answer (`docs/security.md`). The token itself is never logged.
async fn audit_admin(
    State(app): Shared,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let who = if path.starts_with("/v1/admin/") {
        "admin"
    } else if path.starts_with("/v1/console/") {
        "console"
    } else if path.starts_with("/v1/merchant/") {
        "merchant"
    } else {
        return next.run(request).await;
    };
    let peer = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => {
            let client = client_ip(&app, *addr, request.headers());
            let proxy = addr.ip().to_canonical();
            if client == proxy {
                client.to_string()
            } else {
                format!("{client} via={proxy}")
            }
        }
        None => "-".to_owned(),
    };
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let bearer = request.headers().contains_key(header::AUTHORIZATION);
    let response = next.run(request).await;
    // A merchant call's member, order and amounts, once its body was read.
    let note = response
        .extensions()
        .get::<super::merchant::AuditNote>()
        .map_or_else(String::new, |n| format!(" {}", n.0));
    eprintln!(
        "zailai audit: at={} peer={peer} {who} {method} {path} bearer={} status={}{note}",
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
/// (static files keep the cache headers they set, the console its own security policy).
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
    // The console's pages set their own, stricter policy (`console_assets.rs`).
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

type Shared = State<Arc<App>>;

async fn healthz() -> Json<Done> {
    Json(DONE)
}

/// Logout: the bearer's session ends at once (a lost phone's token can be revoked). A write:
/// limited per address, and a token that ends nothing counts as a failed authentication.
async fn logout(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<Done>, ApiError> {
    let address = client_address(&app, peer, &headers);
    app.per_address.check(&address).map_err(too_many)?;
    let ended = match bearer(&headers).filter(|t| !t.is_empty()) {
        Some(token) => app
            .store
            .delete_session(&token_hash(token))
            .await
            .map_err(ApiError::internal)?,
        None => false,
    };
    if !ended {
        app.failed_auth.check(&address).map_err(too_many)?;
        return Err(ApiError::unauthorized("no such session"));
    }
    Ok(Json(DONE))
}

/// `{"ok": true, "ended": n}`: the member's sessions ended.
#[derive(Serialize)]
pub(super) struct Ended {
    ok: bool,
    ended: u64,
}

impl Ended {
    pub(super) fn of(ended: u64) -> Ended {
        Ended { ok: true, ended }
    }
}

/// `DELETE /v1/me/sessions`: log out everywhere, this session included (a phone lost, a token
/// leaked). Limited like a sync.
async fn logout_everywhere(
    State(app): Shared,
    Member(user): Member,
) -> Result<Json<Ended>, ApiError> {
    app.per_user.check(&user).map_err(too_many)?;
    let ended = app
        .store
        .end_sessions_of(&user)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Ended::of(ended)))
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
    /// The version in effect at `server_time` (`config`, `config_hash` and `rules` are its).
    version: VersionView<'a>,
    /// The next scheduled version, if any: the client switches to it at `effective_from`.
    next: Option<NextView<'a>>,
    keys: Vec<KeyView<'a>>,
    server_time: i64,
}

#[derive(Serialize)]
struct VersionView<'a> {
    number: u32,
    effective_from: i64,
    hash: &'a str,
}

#[derive(Serialize)]
struct NextView<'a> {
    number: u32,
    effective_from: i64,
    hash: &'a str,
    config: &'a Value,
    /// Base64 binary; null when the client reads none of this server's rule formats.
    rules: Option<&'a str>,
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
    let now = now_ms();
    let live = app
        .rules
        .fresh(&app.store, now)
        .await
        .map_err(ApiError::internal)?;
    let (current, next) = (live.current(now), live.next(now));
    let reply = ConfigReply {
        protocol: PROTOCOL,
        config: &current.json,
        config_hash: &current.hash,
        rules: readable.then_some(current.binary.as_str()),
        rules_format: zailai::config::RULES_FORMAT,
        version: VersionView {
            number: current.number,
            effective_from: current.effective_from,
            hash: &current.hash,
        },
        next: next.map(|n| NextView {
            number: n.number,
            effective_from: n.effective_from,
            hash: &n.hash,
            config: &n.json,
            rules: readable.then_some(n.binary.as_str()),
        }),
        keys: app
            .trusted
            .iter()
            .map(|(id, public)| KeyView { id, public })
            .collect(),
        server_time: now,
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
    let registered_at = super::device::registered_at(&app, &headers, &push.device, &user).await?;
    if let Some(code) = &push.invited_by {
        super::invites::credit_first_sync(&app, &user, code)
            .await
            .map_err(ApiError::internal)?;
    }
    let now = now_ms();
    let live = app
        .rules
        .fresh(&app.store, now)
        .await
        .map_err(ApiError::internal)?;
    let current_hash = live.current(now).hash.clone();
    let warnings: Vec<_> = zailai::sync::rules_warning(
        &push,
        &current_hash,
        live.next(now).map(|n| n.hash.as_str()),
    )
    .into_iter()
    .collect();
    let log = {
        let (app, user) = (app.clone(), user.clone());
        move |record: &crate::store::Record, row: &crate::store::OpRow| {
            super::refusal_log::keeps(&app, &user, record, row)
        }
    };
    let (outcome, record) = crate::sync_service::sync_from_device(
        &app.store,
        &live.timeline,
        &user,
        push,
        registered_at,
        now,
        log,
    )
    .await
    .map_err(ApiError::internal)?;
    let record = super::lottery::settle(&app, &user, record)
        .await
        .map_err(ApiError::internal)?;
    let payload = Payload {
        user,
        server_version: record.server_version,
        issued_at: now,
        config_hash: current_hash,
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
        warnings,
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Json<Done>, ApiError> {
    // A write like a sync: limited per address and per member.
    app.per_address
        .check(&client_address(&app, peer, &headers))
        .map_err(too_many)?;
    app.per_user.check(&user).map_err(too_many)?;
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
        &app.config_now(),
        parsed.year,
        parsed.month,
        now_ms(),
        &locale(app, q),
    )
    .map_err(|e| ApiError::bad_request("BAD_REQUEST", "month", e.to_string()))
}

/// `?locale=` as the core resolves it (`zh_CN` is `zh-CN`; unknown: the rules' default).
fn locale(app: &App, q: &MonthQuery) -> String {
    app.config_now().locale(q.locale.as_deref()).to_owned()
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
        &app.config_now(),
        &zailai::render::Theme::default(),
        &locale(&app, &q),
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
