//! The console's 会员 writes (issue 28): an operator's grant of points within a daily cap, and
//! an admin's revoke of a membership. Each is one op of `~console`, written by the server
//! under the rule version in effect now and committed with its facts in one transaction, so
//! the report counts it and the member's phone gets it at its next sync; each is audited.

use super::audit::{self, Entry};
use super::auth::{Actor, CanAdminister, CanOperate};
use super::error::ApiError;
use super::members::existing;
use super::request::typed;
use super::{now_ms, App};
use crate::store::{GrantCharge, GrantUse, Granted, OpRow, Record, Store};
use axum::extract::rejection::StringRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use zailai::timeline::RulesAt;
use zailai::{Op, OpKind, RuleError};

type Shared = State<Arc<App>>;

/// The device of the ops the console writes: `~` ids are the server's (never the member's
/// activity, never pushed by a phone).
pub const CONSOLE_DEVICE: &str = "~console";
/// The default of `zailai serve --grant-cap`: points one actor may grant a business day.
pub const DEFAULT_GRANT_CAP: u64 = 5000;
/// The default of `zailai serve --coupon-cap`: coupons one actor may grant a business day.
pub const DEFAULT_COUPON_CAP: u64 = 20;
/// The most points one grant may give (the core's limit of a `grant` op).
pub const MAX_GRANT: u32 = 1_000_000;
/// The longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 64;
/// The longest coupon id, in characters (as the rule file's coupon ids).
pub const MAX_COUPON_CHARS: usize = 64;

/// `POST /v1/admin/members/{user}/grants`: points, a coupon, or both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    #[serde(default)]
    points: u32,
    #[serde(default)]
    coupon: Option<String>,
    reason: String,
}

/// Not blank, at most `max` characters, no control characters (it shows in the op log, the
/// audit and the member's coupons).
fn plain_text(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

impl GrantBody {
    /// Points 0..=[`MAX_GRANT`] and a coupon id of 1..=[`MAX_COUPON_CHARS`] characters, one of
    /// them at least; a reason of 1..=[`MAX_REASON_CHARS`] characters.
    fn check(&self) -> Result<(), ApiError> {
        let bad = |path: &str, message: String| ApiError::bad_request("BAD_REQUEST", path, message);
        if self.points > MAX_GRANT || (self.points == 0 && self.coupon.is_none()) {
            return Err(bad(
                "points",
                format!("points: a whole number from 1 to {MAX_GRANT}, or 0 with a coupon"),
            ));
        }
        if let Some(c) = &self.coupon {
            if !plain_text(c, MAX_COUPON_CHARS) || c.trim() != c {
                return Err(bad(
                    "coupon",
                    format!(
                        "coupon: a coupon id of 1–{MAX_COUPON_CHARS} characters, without \
                         control characters or surrounding spaces"
                    ),
                ));
            }
        }
        if !plain_text(&self.reason, MAX_REASON_CHARS) {
            return Err(bad(
                "reason",
                format!(
                    "reason: required, 1–{MAX_REASON_CHARS} characters without control characters"
                ),
            ));
        }
        Ok(())
    }

    /// What the grant charges against the actor's caps.
    fn charge(&self) -> GrantUse {
        GrantUse {
            points: u64::from(self.points),
            coupons: u64::from(self.coupon.is_some()),
        }
    }
}

/// The actor's cap as the answer shows it.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Cap {
    limit: u64,
    used: u64,
    left: u64,
}

impl Cap {
    pub fn of(limit: u64, used: u64) -> Cap {
        Cap {
            limit,
            used,
            left: limit.saturating_sub(used),
        }
    }
}

#[derive(Serialize)]
pub struct GrantAnswer {
    op: Op,
    balance_before: u64,
    balance_after: u64,
    /// Points: `--grant-cap`.
    cap: Cap,
    /// Coupons: `--coupon-cap`.
    coupon_cap: Cap,
}

/// What a console op did to the member: the op, its events, and the live balance and tier
/// around it.
struct Written {
    op: Op,
    events: Vec<zailai::Event>,
    balance: (u64, u64),
    tier: (String, String),
}

/// Applies `kind` as a `~console` op at `now` to `r`: its log row, and what it changed.
fn write_op(
    r: &mut Record,
    rules: &impl RulesAt,
    kind: OpKind,
    now: i64,
) -> Result<(Written, Vec<OpRow>), RuleError> {
    let cfg = rules.config_at(now);
    let seen = |st: &zailai::State| {
        let s = zailai::view::summary(st, cfg, now);
        (s.balance, s.tier)
    };
    let before = seen(&r.state);
    let (op, events) = zailai::sync::server_op(&mut r.state, rules, CONSOLE_DEVICE, |_| kind, now)?;
    r.server_version += 1;
    let after = seen(&r.state);
    let row = OpRow::of(&op, "applied".to_owned());
    let written = Written {
        op,
        events,
        balance: (before.0, after.0),
        tier: (before.1, after.1),
    };
    Ok((written, vec![row]))
}

fn refused(e: RuleError) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code.as_str(), e.detail)
}

/// `POST /v1/admin/members/{user}/grants` `{"points"?,"coupon"?,"reason"}` (operator): a
/// `grant` op, within the actor's caps for today (`--grant-cap` points, `--coupon-cap`
/// coupons; 422 `GRANT_CAP` saying what is left).
pub async fn grant(
    State(app): Shared,
    CanOperate(actor): CanOperate,
    Path(user): Path<String>,
    body: Result<String, StringRejection>,
) -> Result<Json<GrantAnswer>, ApiError> {
    let b: GrantBody = typed(body)?;
    b.check()?;
    let now = now_ms();
    let rules = app.timeline(now).await.map_err(ApiError::internal)?;
    let limit = GrantUse {
        points: app.options.grant_cap,
        coupons: app.options.coupon_cap,
    };
    let charge = GrantCharge {
        actor: actor.name.clone(),
        day: rules.config_at(now).clock().day_of(now),
        grant: b.charge(),
        cap: limit,
    };
    let kind = OpKind::Grant {
        points: b.points,
        coupon: b.coupon.clone(),
        reason: b.reason.clone(),
    };
    let change = move |r: &mut Record| write_op(r, &rules, kind, now);
    let outcome = app
        .store
        .grant(charge, &user, change)
        .await
        .map_err(ApiError::internal)?;
    let (written, used) = match outcome {
        Granted::Done { answer, used } => (answer, used),
        Granted::OverCap { used } => return Err(over_cap(&actor, &b, limit, used)),
        Granted::UnknownMember => return Err(unknown(&user)),
        Granted::Refused(e) => return Err(refused(e)),
    };
    let entry = Entry {
        action: "member.grant",
        target: format!("member:{user}"),
        before: json!({ "balance": written.balance.0 }),
        after: json!({
            "balance": written.balance.1,
            "points": b.points,
            "coupon": b.coupon,
            "reason": b.reason,
            "op": { "device": written.op.device, "seq": written.op.seq },
        }),
    };
    audit::record(&app, &actor, entry).await;
    Ok(Json(GrantAnswer {
        op: written.op,
        balance_before: written.balance.0,
        balance_after: written.balance.1,
        cap: Cap::of(limit.points, used.points),
        coupon_cap: Cap::of(limit.coupons, used.coupons),
    }))
}

/// 422 `GRANT_CAP` at the cap the grant would pass: points first, then coupons.
fn over_cap(actor: &Actor, b: &GrantBody, limit: GrantUse, used: GrantUse) -> ApiError {
    let (path, what, cap) = if used.points.saturating_add(u64::from(b.points)) > limit.points {
        (
            "points",
            format!("{} points", b.points),
            Cap::of(limit.points, used.points),
        )
    } else {
        (
            "coupon",
            "a coupon".to_owned(),
            Cap::of(limit.coupons, used.coupons),
        )
    };
    let unit = if path == "points" {
        "points"
    } else {
        "coupons"
    };
    ApiError {
        path: Some(path.to_owned()),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "GRANT_CAP",
            format!(
                "{what} would pass the daily grant cap of `{}`: {} {unit} a business day, \
                 {} granted today, {} left",
                actor.name, cap.limit, cap.used, cap.left
            ),
        )
    }
}

fn unknown(user: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no member `{user}`"),
    )
}

/// `POST /v1/admin/members/{user}/revoke`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    plan: String,
    #[serde(default)]
    from: Option<zailai::day::Date>,
}

#[derive(Serialize)]
pub struct RevokeAnswer {
    op: Op,
    events: Vec<zailai::Event>,
    tier_before: String,
    tier_after: String,
}

/// `POST /v1/admin/members/{user}/revoke` `{"plan","from"?}` (admin): a `revoke_membership`
/// op, as the merchant's revoke writes it (the paid tier ends today, or from `from` when
/// later; tiers are checked again at once).
pub async fn revoke(
    State(app): Shared,
    CanAdminister(actor): CanAdminister,
    Path(user): Path<String>,
    body: Result<String, StringRejection>,
) -> Result<Json<RevokeAnswer>, ApiError> {
    let b: RevokeBody = typed(body)?;
    if b.plan.is_empty() || b.plan.len() > 128 {
        return Err(ApiError::bad_request(
            "BAD_REQUEST",
            "plan",
            "plan: must be 1–128 bytes",
        ));
    }
    existing(&app, &user).await?; // members are never deleted: it exists below too
    let now = now_ms();
    let rules = app.timeline(now).await.map_err(ApiError::internal)?;
    let kind = OpKind::RevokeMembership {
        plan: b.plan.clone(),
        from: b.from,
    };
    let missing = user.clone();
    let change = move |r: &mut Record| {
        if r.state.user.is_empty() {
            return Err(unknown(&missing)); // `fresh` below: nothing is written
        }
        write_op(r, &rules, kind, now).map_err(refused)
    };
    let fresh = || Record {
        state: zailai::State::default(),
        processed: Default::default(),
        server_version: 0,
    };
    let written = app
        .store
        .transact(&user, fresh, change)
        .await
        .map_err(ApiError::internal)??;
    let entry = Entry {
        action: "member.revoke",
        target: format!("member:{user}"),
        before: json!({ "tier": written.tier.0 }),
        after: json!({
            "tier": written.tier.1,
            "plan": b.plan,
            "from": b.from,
            "op": { "device": written.op.device, "seq": written.op.seq },
        }),
    };
    audit::record(&app, &actor, entry).await;
    Ok(Json(RevokeAnswer {
        op: written.op,
        events: written.events,
        tier_before: written.tier.0,
        tier_after: written.tier.1,
    }))
}
