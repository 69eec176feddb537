//! The console's 会员 pages, read side (issue 28): the member list searched by id prefix a
//! page at a time, one member's state as the operator reads it, and the member's op log with
//! what became of each op.

use super::auth::CanView;
use super::error::ApiError;
use super::request::{page_limit, typed_query};
use super::{now_ms, App};
use crate::store::{OpRow, Record, Store};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use zailai::day::Date;
use zailai::timeline::RulesAt;
use zailai::{Config, Op};

type Shared = State<Arc<App>>;

/// Rows of a page when the query names no `limit`, and the most it may name.
pub const DEFAULT_PAGE: u32 = 20;
pub const MAX_PAGE: u32 = 100;

/// `?q=<id prefix>&offset=&limit=`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    limit: Option<u32>,
}

/// `?offset=&limit=`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u32>,
}

fn limit_of(limit: Option<u32>, what: &str) -> Result<u32, ApiError> {
    page_limit(Some(limit.unwrap_or(DEFAULT_PAGE)), MAX_PAGE, what)
}

#[derive(Serialize)]
pub struct ListRow {
    user: String,
    /// Live points (expired lots not counted), as the member's phone shows them.
    balance: u64,
    /// The tier in effect today (a paid one included).
    tier: String,
    /// The business day of the member's own last op (never a server's or merchant's).
    last_day: Date,
    /// Rows of the op log, applied and refused.
    ops: u64,
}

#[derive(Serialize)]
pub struct List {
    members: Vec<ListRow>,
    total: u64,
    offset: u64,
    limit: u32,
}

/// `GET /v1/admin/members?q=&offset=&limit=`: members whose id starts with `q`, by id.
pub async fn list(
    State(app): Shared,
    _: CanView,
    RawQuery(query): RawQuery,
) -> Result<Json<List>, ApiError> {
    let q: ListQuery = typed_query(query.as_deref())?;
    let limit = limit_of(q.limit, "members")?;
    let page = app
        .store
        .members_page(&q.q, q.offset, limit)
        .await
        .map_err(ApiError::internal)?;
    let (now, cfg) = (now_ms(), app.config_now());
    let members = page
        .members
        .into_iter()
        .map(|m| {
            let summary = zailai::view::summary(&m.record.state, &cfg, now);
            ListRow {
                last_day: last_day(&m.record.state, &cfg),
                user: m.user,
                balance: summary.balance,
                tier: summary.tier,
                ops: m.ops,
            }
        })
        .collect();
    Ok(Json(List {
        members,
        total: page.total,
        offset: q.offset,
        limit,
    }))
}

/// The business day of `st.clock`: the newest `at` of the member's own ops (server ops never
/// move it), or the join when there is none.
fn last_day(st: &zailai::State, cfg: &Config) -> Date {
    Date::from_day(cfg.clock().day_of(st.clock))
}

#[derive(Serialize)]
pub struct LotView {
    /// The business day the points were earned.
    earned: Date,
    points: u64,
    /// The last business day they can be used.
    expires: Date,
}

#[derive(Serialize)]
pub struct DeviceView {
    device: String,
    /// The last applied seq of the device.
    seq: u32,
}

#[derive(Serialize)]
pub struct HoldView {
    order: String,
    points: u32,
    /// Epoch ms from which the hold no longer holds.
    until: i64,
}

#[derive(Serialize)]
pub struct OrderView {
    order: String,
    day: Date,
    amount_cents: u64,
    paid_cents: u64,
    refunded_cents: u64,
    /// Points the order deducted (0: none).
    points: u32,
    cancelled: bool,
    /// The coupon the order used.
    coupon: Option<String>,
}

#[derive(Serialize)]
pub struct MembershipView {
    plan: String,
    tier: String,
    /// The term's last business day.
    until: Date,
}

#[derive(Serialize)]
pub struct CouponView {
    coupon: String,
    day: Date,
    source: String,
    expires: Option<Date>,
    /// The business day of the order that used it; null while it may be used.
    used: Option<Date>,
}

/// `GET /v1/admin/members/{user}`: what the issue-14 view had (`user`, `server_version`,
/// `processed`, `summary`, `ops`: the op log's length) and the console's additions.
#[derive(Serialize)]
pub struct MemberView {
    user: String,
    server_version: u32,
    processed: BTreeMap<String, u32>,
    summary: zailai::view::Summary,
    ops: usize,
    last_day: Date,
    /// Live lots, soonest expiry first.
    lots: Vec<LotView>,
    /// The tier in effect, the next one and the progress to it, dimension by dimension.
    tier: zailai::view::TierProgress,
    devices: Vec<DeviceView>,
    holds: Vec<HoldView>,
    orders: Vec<OrderView>,
    memberships: Vec<MembershipView>,
    coupons: Vec<CouponView>,
}

fn not_found(user: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no member `{user}`"),
    )
}

/// The member's record, or 404.
pub(super) async fn existing(app: &App, user: &str) -> Result<Record, ApiError> {
    app.store
        .load(user)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| not_found(user))
}

/// `GET /v1/admin/members/{user}`.
pub async fn member(
    State(app): Shared,
    _: CanView,
    Path(user): Path<String>,
) -> Result<Json<MemberView>, ApiError> {
    let record = existing(&app, &user).await?;
    let ops = app.store.ops(&user).await.map_err(ApiError::internal)?;
    let (now, cfg) = (now_ms(), app.config_now());
    Ok(Json(view(record, ops.len(), &cfg, now)))
}

fn tier_id(cfg: &Config, tier: u8) -> String {
    cfg.tiers
        .levels
        .get(usize::from(tier))
        .map_or_else(|| tier.to_string(), |t| t.id.clone())
}

fn view(record: Record, ops: usize, cfg: &Config, now: i64) -> MemberView {
    let st = &record.state;
    let today = cfg.clock().day_of(now);
    let mut lots: Vec<LotView> = st
        .lots
        .iter()
        // Past their last day but not yet expired by an op: no longer points (the engine
        // drops empty lots itself).
        .filter(|(_, lot)| lot.expires >= today)
        .map(|(earned, lot)| LotView {
            earned: Date::from_day(*earned),
            points: lot.remaining,
            expires: Date::from_day(lot.expires),
        })
        .collect();
    lots.sort_by_key(|l| (l.expires, l.earned));
    let debit_points = |i: Option<usize>| i.and_then(|i| st.debits.get(i)).map_or(0, |d| d.amount);
    MemberView {
        user: st.user.clone(),
        server_version: record.server_version,
        summary: zailai::view::summary(st, cfg, now),
        ops,
        last_day: last_day(st, cfg),
        lots,
        tier: zailai::view::tier_progress(st, cfg, now, &cfg.default_locale),
        devices: st
            .devices
            .iter()
            .map(|(device, seq)| DeviceView {
                device: device.clone(),
                seq: *seq,
            })
            .collect(),
        holds: st
            .holds
            .iter()
            .map(|(order, h)| HoldView {
                order: order.clone(),
                points: debit_points(Some(h.debit)),
                until: h.until,
            })
            .collect(),
        orders: st
            .orders
            .iter()
            .map(|(order, o)| OrderView {
                order: order.clone(),
                day: Date::from_day(o.day),
                amount_cents: o.amount_cents,
                paid_cents: o.paid_cents,
                refunded_cents: o.refunded_cents,
                points: debit_points(o.debit),
                cancelled: o.cancelled,
                coupon: o
                    .coupon
                    .and_then(|i| st.coupons.get(i))
                    .map(|c| c.coupon.clone()),
            })
            .collect(),
        memberships: st
            .paid
            .iter()
            .filter(|p| p.until >= today)
            .map(|p| MembershipView {
                plan: p.plan.clone(),
                tier: tier_id(cfg, p.tier),
                until: Date::from_day(p.until),
            })
            .collect(),
        coupons: st
            .coupons
            .iter()
            .map(|c| CouponView {
                coupon: c.coupon.clone(),
                day: Date::from_day(c.day),
                source: c.source.clone(),
                expires: c.expires.map(Date::from_day),
                used: c.used.map(Date::from_day),
            })
            .collect(),
        processed: record.processed,
    }
}

/// One row of the op log with its result: `events` when applied, `error` (the refusal's
/// code) when refused.
#[derive(Serialize)]
pub struct LoggedOp {
    device: String,
    seq: u32,
    at: i64,
    op: serde_json::Value,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<zailai::Event>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
pub struct OpsPage {
    ops: Vec<LoggedOp>,
    total: usize,
    offset: u64,
    limit: u32,
}

/// `GET /v1/admin/members/{user}/ops?offset=&limit=`: the op log, newest first. The store
/// keeps each op and its result, not its events: they are the replay's, every applied op
/// from the join on under the rule version of its `at` (as the report derives them).
pub async fn ops(
    State(app): Shared,
    _: CanView,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<OpsPage>, ApiError> {
    let q: PageQuery = typed_query(query.as_deref())?;
    let limit = limit_of(q.limit, "ops")?;
    let record = existing(&app, &user).await?;
    let rows = app.store.ops(&user).await.map_err(ApiError::internal)?;
    let timeline = app.timeline(now_ms()).await.map_err(ApiError::internal)?;
    let total = rows.len();
    let logged = with_results(&record.state, &rows, &*timeline);
    let ops = logged
        .into_iter()
        .rev()
        .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect();
    Ok(Json(OpsPage {
        ops,
        total,
        offset: q.offset,
        limit,
    }))
}

/// Every row of `rows` (arrival order) with its result, its events from a replay.
pub fn with_results(stored: &zailai::State, rows: &[OpRow], rules: &impl RulesAt) -> Vec<LoggedOp> {
    let joined = rules.config_at(i64::MIN).clock().start_of(stored.joined);
    let mut st = zailai::State::join(rules.config_at(joined), &stored.user, joined);
    rows.iter()
        .map(|row| {
            let applied = row.result == "applied";
            let op = Op::from_json(&row.op).ok();
            let events = match (&op, applied) {
                // The server applied it; a replay refusing it (other rules) shows no events.
                (Some(op), true) => Some(st.apply(rules.config_at(op.at), op).unwrap_or_default()),
                (None, true) => Some(Vec::new()),
                (_, false) => None,
            };
            LoggedOp {
                device: row.device.clone(),
                seq: row.seq,
                at: row.at,
                op: serde_json::from_str(&row.op).unwrap_or(serde_json::Value::Null),
                result: if applied { "applied" } else { "refused" },
                events,
                error: (!applied).then(|| row.result.clone()),
            }
        })
        .collect()
}
