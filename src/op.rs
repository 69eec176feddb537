//! Ops: one user action each, identified by (device, seq) and dated by the caller.
//! The JSON shape is documented in `docs/ops.md`.

use crate::day::Date;
use crate::error::{ErrorCode, RuleError};
use serde::{Deserialize, Serialize};

/// Longest accepted device id, in bytes.
pub const MAX_DEVICE_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    /// The device that recorded the op.
    pub device: String,
    /// Per-device sequence number, starting at 1 and strictly increasing.
    pub seq: u32,
    /// When the op happened, epoch milliseconds (the caller's clock).
    pub at: i64,
    pub op: OpKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpKind {
    /// Check in for the business day of `at`. (Variants without fields are written `{}` so that
    /// unknown fields are refused for them too.)
    CheckIn {},
    /// Make up (补签) a missed past day, paid in points.
    MakeUp { date: Date },
    /// The member did something the program counts (`open`, `share`, `core_action`, `query`…).
    Track {
        action: String,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        count: u32,
    },
    /// Minutes of use in one session.
    Session { minutes: u32 },
    /// Claim the reward of a completed task whose claim is manual.
    ClaimTask { task: String },
    /// Spend points on a catalog item.
    Redeem { item: String },
    /// An order paid in money and, optionally, points at the checkout rate.
    Order {
        order: String,
        amount_cents: u64,
        #[serde(default)]
        points: u32,
    },
    /// Cancel an order: its points come back to their original lots.
    CancelOrder { order: String },
    /// A paid membership plan was bought.
    BuyMembership { plan: String },
    /// One free service of the tier's monthly allowance was used.
    UseService {},
    /// Points granted by an operator (not counted against caps).
    Grant { points: u32, reason: String },
}

fn one() -> u32 {
    1
}
fn is_one(v: &u32) -> bool {
    *v == 1
}

impl Op {
    /// Parses one op from JSON, strictly (unknown fields are errors).
    pub fn from_json(json: &str) -> Result<Op, RuleError> {
        let op: Op = serde_json::from_str(json)
            .map_err(|e| RuleError::new(ErrorCode::OpInvalid, e.to_string()))?;
        op.check_shape()?;
        Ok(op)
    }

    /// Checks what the types cannot: non-empty ids, seq from 1.
    pub fn check_shape(&self) -> Result<(), RuleError> {
        let bad = |what: &str| Err(RuleError::new(ErrorCode::OpInvalid, what.to_owned()));
        if self.device.is_empty() || self.device.len() > MAX_DEVICE_LEN {
            return bad("device: must be 1–64 bytes");
        }
        if self.seq == 0 {
            return bad("seq: must start at 1");
        }
        let id_ok = |s: &str| !s.is_empty() && s.len() <= 128;
        match &self.op {
            OpKind::Track { action, .. } if !id_ok(action) => bad("op.action: must be 1–128 bytes"),
            OpKind::ClaimTask { task } if !id_ok(task) => bad("op.task: must be 1–128 bytes"),
            OpKind::Redeem { item } if !id_ok(item) => bad("op.item: must be 1–128 bytes"),
            OpKind::Order { order, .. } | OpKind::CancelOrder { order } if !id_ok(order) => {
                bad("op.order: must be 1–128 bytes")
            }
            OpKind::BuyMembership { plan } if !id_ok(plan) => bad("op.plan: must be 1–128 bytes"),
            OpKind::Grant { reason, .. } if reason.len() > 256 => {
                bad("op.reason: at most 256 bytes")
            }
            _ => Ok(()),
        }
    }
}

/// The op-log format version this build writes and reads.
pub const OP_LOG_VERSION: u32 = 1;

/// A list of ops in a versioned container: how pending ops are stored and exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub fn from_json(json: &str) -> Result<OpLog, RuleError> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_str(json).map_err(|e| {
            RuleError::new(ErrorCode::OpInvalid, format!("no readable version: {e}"))
        })?;
        if version.v != OP_LOG_VERSION {
            return Err(RuleError::new(
                ErrorCode::OpLogVersionUnsupported,
                format!("op log v{} (this build reads v{OP_LOG_VERSION})", version.v),
            ));
        }
        let log: OpLog = serde_json::from_str(json)
            .map_err(|e| RuleError::new(ErrorCode::OpInvalid, e.to_string()))?;
        for (i, op) in log.ops.iter().enumerate() {
            op.check_shape()
                .map_err(|e| RuleError::new(e.code, format!("ops[{i}].{}", e.detail)))?;
        }
        Ok(log)
    }
}
