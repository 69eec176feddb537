//! Ops: one user action each, identified by (device, seq) and dated by the caller.
//! The JSON shape is documented in `docs/ops.md`.

use crate::day::Date;
use crate::error::{ErrorCode, RuleError};
use crate::json::Value;
use crate::json::{self, Obj, Res, Unknown};
use serde::Serialize;

/// Longest accepted device id, in bytes.
pub const MAX_DEVICE_LEN: usize = 64;

/// What a device id may be, as the error says it.
pub const DEVICE_ID_RULE: &str = "device: must be 1–64 of A–Z, a–z, 0–9, `-`, `_`, `.`, `:` \
     (a leading `~` marks the server's own devices)";

/// Whether `id` is a device id: 1–64 bytes of letters, digits, `-`, `_`, `.` and `:`, after
/// an optional leading `~` (the server's devices). Nothing invisible, no control or
/// direction characters, nothing that reads differently where the id is shown (the public
/// lottery record, the op log, the admin's views).
pub fn device_id_ok(id: &str) -> bool {
    let name = id.strip_prefix('~').unwrap_or(id);
    !name.is_empty()
        && id.len() <= MAX_DEVICE_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Op {
    /// The device that recorded the op.
    pub device: String,
    /// Per-device sequence number, starting at 1 and strictly increasing.
    pub seq: u32,
    /// When the op happened, epoch milliseconds (the caller's clock).
    pub at: i64,
    pub op: OpKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpKind {
    /// Check in for the business day of `at`.
    CheckIn {},
    /// Make up (补签) a missed past day, paid in points.
    MakeUp { date: Date },
    /// The member did something the program counts (`open`, `share`, `core_action`, `query`…).
    Track {
        action: String,
        #[serde(skip_serializing_if = "is_one")]
        count: u32,
    },
    /// Minutes of use in one session.
    Session { minutes: u32 },
    /// Claim the reward of a completed task whose claim is manual.
    ClaimTask { task: String },
    /// Spend points on a catalog item.
    Redeem { item: String },
    /// An order paid in money and, optionally, points at the checkout rate (from a hold of
    /// the same order id when there is one), and a coupon of the member's it consumed.
    /// Server-written: the merchant API.
    Order {
        order: String,
        amount_cents: u64,
        points: u32,
        /// The coupon id the order used: the member's oldest unused, unexpired grant of it.
        #[serde(skip_serializing_if = "Option::is_none")]
        coupon: Option<String>,
    },
    /// Cancel an order: what is left of its points comes back to their original lots, and
    /// its spend no longer counts. Server-written.
    CancelOrder { order: String },
    /// A paid membership plan was bought. Server-written.
    BuyMembership { plan: String },
    /// A membership of `plan` taken back (a refund, a chargeback): its paid tier ends at once,
    /// or from business day `from` when that is later (a renewal refunded before it starts).
    /// Server-written.
    RevokeMembership {
        plan: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
    },
    /// One free service of the tier's monthly allowance was used.
    UseService {},
    /// Points and/or a coupon granted by an operator (points not counted against caps).
    /// Server-written.
    Grant {
        points: u32,
        /// A coupon id the member gets (a grant without an expiry of ours).
        #[serde(skip_serializing_if = "Option::is_none")]
        coupon: Option<String>,
        reason: String,
    },
    /// Hand in one card of every kind of a collect-cards set for its reward.
    ExchangeCards { set: String },
    /// Pay for one lottery draw; it stays pending until the server settles it.
    Draw { lottery: String },
    /// The server's decision on the draw made by op (`draw_device`, `draw_seq`). Only the
    /// server writes these (as device [`SERVER_DEVICE`]); a device pushing one is refused.
    SettleDraw {
        lottery: String,
        draw_device: String,
        draw_seq: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        prize: Option<String>,
    },
    /// Points set aside for an order before it is paid: debited at once (so they cannot be
    /// spent elsewhere) and restored when the hold is released or `until` (epoch ms) passes.
    /// Server-written.
    HoldPoints {
        order: String,
        points: u32,
        until: i64,
    },
    /// Gives a hold's points back (the payment failed or was abandoned). Server-written.
    ReleaseHold { order: String },
    /// Part of an order refunded: `amount_cents` of the money paid and `points` of its
    /// deduction (back to their lots). Server-written.
    RefundOrder {
        order: String,
        amount_cents: u64,
        points: u32,
    },
}

/// The earliest `at` an op may have: 2000-01-01T00:00:00Z (epoch ms).
pub const MIN_AT: i64 = 946_684_800_000;
/// The first `at` an op may not have: 9999-01-01T00:00:00Z, so every business day of an op
/// stays inside the years the calendar handles.
pub const MAX_AT: i64 = 253_370_764_800_000;

/// The device id of ops the server itself writes (lottery settlements). Ids starting with
/// `~` are reserved for the server; pushes from them are refused.
pub const SERVER_DEVICE: &str = "~server";
/// The device id of the ops the server's merchant API writes (orders, holds, refunds,
/// memberships).
pub const MERCHANT_DEVICE: &str = "~merchant";

impl OpKind {
    /// Ops only the server writes (as a `~` device): money (orders, holds, refunds,
    /// memberships, through the merchant API), operator grants and lottery decisions. A
    /// device's word is never enough for anything of value (`docs/merchant.md`).
    pub fn server_only(&self) -> bool {
        matches!(
            self,
            OpKind::Grant { .. }
                | OpKind::SettleDraw { .. }
                | OpKind::Order { .. }
                | OpKind::CancelOrder { .. }
                | OpKind::BuyMembership { .. }
                | OpKind::RevokeMembership { .. }
                | OpKind::HoldPoints { .. }
                | OpKind::ReleaseHold { .. }
                | OpKind::RefundOrder { .. }
        )
    }

    /// [`OpKind::server_only`], or a `track` of an action the rules say only the server
    /// witnesses (`witnessed_actions`, e.g. `invite`).
    pub fn written_by_server(&self, cfg: &crate::Config) -> bool {
        self.server_only()
            || matches!(self, OpKind::Track { action, .. }
                if cfg.witnessed_actions.iter().any(|a| a == action))
    }
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

impl Op {
    /// Parses one op from JSON, strictly (unknown fields are errors).
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_json(json: &str) -> Result<Op, RuleError> {
        let value: Value = crate::json::parse(json)
            .map_err(|e| RuleError::new(ErrorCode::OpInvalid, e.to_string()))?;
        Op::from_value(&value, "")
    }

    /// Reads an op from a JSON value; problems name their path under `path`.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_value(value: &Value, path: &str) -> Result<Op, RuleError> {
        let op = read_op(value, path).map_err(|i| {
            let detail = if i.path.is_empty() {
                i.reason
            } else {
                format!("{}: {}", i.path, i.reason)
            };
            RuleError::new(ErrorCode::OpInvalid, detail)
        })?;
        op.check_shape().map_err(|e| {
            RuleError::new(
                e.code,
                if path.is_empty() {
                    e.detail
                } else {
                    format!("{path}.{}", e.detail)
                },
            )
        })?;
        Ok(op)
    }

    /// Checks what the types cannot: non-empty ids, seq from 1.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn check_shape(&self) -> Result<(), RuleError> {
        let bad = |what: &str| Err(RuleError::new(ErrorCode::OpInvalid, what.to_owned()));
        if !device_id_ok(&self.device) {
            return bad(DEVICE_ID_RULE);
        }
        if self.seq == 0 {
            return bad("seq: must start at 1");
        }
        if !(MIN_AT..MAX_AT).contains(&self.at) {
            return bad("at: must be epoch ms from 2000-01-01 up to 9999-01-01");
        }
        let id_ok = |s: &str| !s.is_empty() && s.len() <= 128;
        match &self.op {
            OpKind::Track { action, .. } if !id_ok(action) => bad("op.action: must be 1–128 bytes"),
            OpKind::Order {
                coupon: Some(c), ..
            }
            | OpKind::Grant {
                coupon: Some(c), ..
            } if !id_ok(c) => bad("op.coupon: must be 1–128 bytes"),
            OpKind::ClaimTask { task } if !id_ok(task) => bad("op.task: must be 1–128 bytes"),
            OpKind::Redeem { item } if !id_ok(item) => bad("op.item: must be 1–128 bytes"),
            OpKind::Order { order, .. }
            | OpKind::CancelOrder { order }
            | OpKind::HoldPoints { order, .. }
            | OpKind::ReleaseHold { order }
            | OpKind::RefundOrder { order, .. }
                if !id_ok(order) =>
            {
                bad("op.order: must be 1–128 bytes")
            }
            OpKind::HoldPoints { until, .. } if *until <= self.at || *until >= MAX_AT => {
                bad("op.until: must be after `at` and before 9999-01-01")
            }
            OpKind::BuyMembership { plan } | OpKind::RevokeMembership { plan, .. }
                if !id_ok(plan) =>
            {
                bad("op.plan: must be 1–128 bytes")
            }
            OpKind::Grant { reason, .. } if reason.len() > 256 => {
                bad("op.reason: at most 256 bytes")
            }
            OpKind::ExchangeCards { set } if !id_ok(set) => bad("op.set: must be 1–128 bytes"),
            OpKind::Draw { lottery } | OpKind::SettleDraw { lottery, .. } if !id_ok(lottery) => {
                bad("op.lottery: must be 1–128 bytes")
            }
            _ => Ok(()),
        }
    }
}

/// The op-log format version this build writes and reads.
pub const OP_LOG_VERSION: u32 = 1;

/// A list of ops in a versioned container: how pending ops are stored and exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpLog {
    pub v: u32,
    pub ops: Vec<Op>,
}

impl OpLog {
    pub fn new(ops: Vec<Op>) -> OpLog {
        OpLog {
            v: OP_LOG_VERSION,
            ops,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes a stored log; another version is `OP_LOG_VERSION_UNSUPPORTED`, anything
    /// malformed (including one bad op) is `OP_INVALID`, naming the op's index.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_json(json: &str) -> Result<OpLog, RuleError> {
        let invalid = |detail: String| RuleError::new(ErrorCode::OpInvalid, detail);
        let value: Value = crate::json::parse(json).map_err(|e| invalid(e.to_string()))?;
        let version = value.get("v").and_then(Value::as_u64);
        if version != Some(u64::from(OP_LOG_VERSION)) {
            return Err(RuleError::new(
                ErrorCode::OpLogVersionUnsupported,
                match value.get("v") {
                    Some(Value::Number(n)) => {
                        format!("op log v{n} (this build reads v{OP_LOG_VERSION})")
                    }
                    _ => format!(
                        "op log without a version number (this build reads v{OP_LOG_VERSION})"
                    ),
                },
            ));
        }
        let mut o = Obj::new(&value, "").map_err(|i| invalid(i.reason))?;
        o.opt("v");
        let ops = o
            .req("ops")
            .and_then(|v| json::array(v, "ops"))
            .map_err(|i| invalid(format!("{}: {}", i.path, i.reason)))?;
        let ops = ops
            .iter()
            .enumerate()
            .map(|(i, op)| Op::from_value(op, &json::index("ops", i)))
            .collect::<Result<Vec<_>, _>>()?;
        o.finish(&mut Unknown::Deny)
            .map_err(|i| invalid(format!("{}: {}", i.path, i.reason)))?;
        Ok(OpLog {
            v: OP_LOG_VERSION,
            ops,
        })
    }
}

const U32: u64 = u32::MAX as u64;
const OP_TYPES: [&str; 18] = [
    "check_in",
    "make_up",
    "track",
    "session",
    "claim_task",
    "redeem",
    "order",
    "cancel_order",
    "buy_membership",
    "use_service",
    "grant",
    "exchange_cards",
    "draw",
    "settle_draw",
    "hold_points",
    "release_hold",
    "refund_order",
    "revoke_membership",
];

/// The JSON op reader is cold in the wasm module (pending logs are binary since
/// `zailai-ops/2`; JSON ops come from tests, tools and old logs): built for size.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn read_op(v: &Value, path: &str) -> Res<Op> {
    let mut o = Obj::new(v, path)?;
    let op = Op {
        device: o.string("device")?,
        seq: o.uint("seq", U32)? as u32,
        at: o.int("at", i64::MIN, i64::MAX)?,
        op: read_kind(o.req("op")?, &o.at("op"))?,
    };
    o.finish(&mut Unknown::Deny)?;
    Ok(op)
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn read_kind(v: &Value, path: &str) -> Res<OpKind> {
    let mut o = Obj::new(v, path)?;
    let kind = match o.variant("type", &OP_TYPES)? {
        0 => OpKind::CheckIn {},
        1 => OpKind::MakeUp {
            date: read_date(o.req("date")?, &o.at("date"))?,
        },
        2 => OpKind::Track {
            action: o.string("action")?,
            count: o.uint_or("count", U32, 1)? as u32,
        },
        3 => OpKind::Session {
            minutes: o.uint("minutes", U32)? as u32,
        },
        4 => OpKind::ClaimTask {
            task: o.string("task")?,
        },
        5 => OpKind::Redeem {
            item: o.string("item")?,
        },
        6 => OpKind::Order {
            order: o.string("order")?,
            amount_cents: o.uint("amount_cents", u64::MAX)?,
            points: o.uint_or("points", U32, 0)? as u32,
            coupon: match o.opt("coupon") {
                Some(v) => Some(json::string(v, &o.at("coupon"))?),
                None => None,
            },
        },
        7 => OpKind::CancelOrder {
            order: o.string("order")?,
        },
        8 => OpKind::BuyMembership {
            plan: o.string("plan")?,
        },
        9 => OpKind::UseService {},
        10 => OpKind::Grant {
            points: o.uint_or("points", U32, 0)? as u32,
            coupon: match o.opt("coupon") {
                Some(v) => Some(json::string(v, &o.at("coupon"))?),
                None => None,
            },
            reason: o.string("reason")?,
        },
        11 => OpKind::ExchangeCards {
            set: o.string("set")?,
        },
        12 => OpKind::Draw {
            lottery: o.string("lottery")?,
        },
        14 => OpKind::HoldPoints {
            order: o.string("order")?,
            points: o.uint("points", U32)? as u32,
            until: o.int("until", i64::MIN, i64::MAX)?,
        },
        15 => OpKind::ReleaseHold {
            order: o.string("order")?,
        },
        16 => OpKind::RefundOrder {
            order: o.string("order")?,
            amount_cents: o.uint_or("amount_cents", u64::MAX, 0)?,
            points: o.uint_or("points", U32, 0)? as u32,
        },
        17 => OpKind::RevokeMembership {
            plan: o.string("plan")?,
            from: match o.opt("from") {
                Some(v) => Some(read_date(v, &o.at("from"))?),
                None => None,
            },
        },
        _ => OpKind::SettleDraw {
            lottery: o.string("lottery")?,
            draw_device: o.string("draw_device")?,
            draw_seq: o.uint("draw_seq", U32)? as u32,
            prize: match o.opt("prize") {
                Some(v) => Some(json::string(v, &o.at("prize"))?),
                None => None,
            },
        },
    };
    o.finish(&mut Unknown::Deny)?;
    Ok(kind)
}

/// A business date, `YYYY-MM-DD`.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn read_date(v: &Value, path: &str) -> Res<Date> {
    let text = json::string(v, path)?;
    Date::parse(&text).ok_or_else(|| {
        json::issue(
            path,
            format!("`{text}` is not a date: expected YYYY-MM-DD between 1970 and 9999"),
        )
    })
}
