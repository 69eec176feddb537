//! The sync protocol's messages and the server's acceptance rules, shared by the server and
//! the tests. JSON shapes: `docs/sync.md`. The server calls [`accept`] inside one transaction
//! per push; everything here is pure and deterministic (the server's clock is an argument).

use crate::config::Config;
use crate::json::Value;
use crate::json::{self, Obj, Res, Unknown};
use crate::op::{Op, OpKind, SERVER_DEVICE};
use crate::state::State;
use crate::timeline::RulesAt;
use serde::Serialize;
use std::collections::BTreeMap;

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;
/// Most ops one push may carry.
pub const MAX_OPS_PER_PUSH: usize = 500;

/// Limits the server applies to op times, against its own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Ops dated further back than this (ms) are `TOO_OLD`.
    pub offline_window_ms: i64,
    /// Ops dated further ahead than this (ms) are `CLOCK_AHEAD`.
    pub max_clock_ahead_ms: i64,
}

impl Limits {
    /// The config's offline window and five minutes of clock skew ahead.
    pub fn from_config(cfg: &Config) -> Limits {
        Limits {
            offline_window_ms: i64::from(cfg.offline_window_days) * 86_400_000,
            max_clock_ahead_ms: 5 * 60_000,
        }
    }
}

/// A push: one device's pending ops, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Push {
    pub protocol: u32,
    pub device: String,
    /// The `server_version` of the snapshot the client's state is based on.
    pub base_version: u32,
    /// The snapshot formats the client reads, preferred first: the reply's snapshot is in one
    /// of them, or the push is refused with `VERSION_NOT_SUPPORTED` (`docs/sync.md`).
    pub snapshot_formats: Vec<u8>,
    pub ops: Vec<Op>,
    /// The invite code the member arrived with (`docs/sync.md`, Invites): the server credits
    /// its owner once, when this member is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<String>,
    /// The hash (`snapshot::config_hash`) of the rules the client applies ops under: when
    /// it is neither the server's current nor its next version's, the reply warns
    /// `RULES_DIFFER` (`docs/sync.md`, Warnings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_hash: Option<String>,
}

/// A request the server cannot take, with the JSON path of the problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRequest {
    /// `VERSION_NOT_SUPPORTED` or `BAD_REQUEST`.
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

impl Push {
    /// Reads and checks a push body: protocol version, shape, one device, seqs strictly
    /// increasing.
    pub fn from_json(text: &str) -> Result<Push, BadRequest> {
        let bad = |path: &str, message: String| BadRequest {
            code: "BAD_REQUEST",
            path: path.to_owned(),
            message,
        };
        let value: Value =
            crate::json::parse(text).map_err(|e| bad("", format!("not JSON: {e}")))?;
        match value.get("protocol").and_then(Value::as_u64) {
            Some(p) if p == u64::from(PROTOCOL) => {}
            Some(p) => {
                return Err(BadRequest {
                    code: "VERSION_NOT_SUPPORTED",
                    path: "protocol".to_owned(),
                    message: format!("protocol {p}; this server speaks {PROTOCOL}"),
                })
            }
            None => return Err(bad("protocol", "missing or not a whole number".to_owned())),
        }
        let formats = value.get("snapshot_formats").and_then(Value::as_array);
        let writable = formats.is_some_and(|list| {
            list.iter()
                .any(|f| f.as_u64() == Some(u64::from(crate::snapshot::FORMAT)))
        });
        if !writable {
            return Err(BadRequest {
                code: "VERSION_NOT_SUPPORTED",
                path: "snapshot_formats".to_owned(),
                message: format!(
                    "this server writes snapshot format {}; list the formats the client reads",
                    crate::snapshot::FORMAT
                ),
            });
        }
        let push = read_push(&value).map_err(|i| bad(&i.path, i.reason))?;
        // Checked with or without ops: an empty push must not create a record for junk ids.
        if push.device.starts_with('~') {
            return Err(bad(
                "device",
                "ids starting with `~` are the server's own".to_owned(),
            ));
        }
        if !crate::op::device_id_ok(&push.device) {
            let rule = crate::op::DEVICE_ID_RULE;
            return Err(bad(
                "device",
                rule.trim_start_matches("device: ").to_owned(),
            ));
        }
        if push.ops.len() > MAX_OPS_PER_PUSH {
            return Err(bad(
                "ops",
                format!("at most {MAX_OPS_PER_PUSH} ops a push; send the rest next"),
            ));
        }
        let mut last = 0;
        for (i, op) in push.ops.iter().enumerate() {
            if op.device != push.device {
                return Err(bad(
                    &format!("ops[{i}].device"),
                    format!(
                        "`{}` is not the pushing device `{}`",
                        op.device, push.device
                    ),
                ));
            }
            if op.seq <= last {
                return Err(bad(
                    &format!("ops[{i}].seq"),
                    format!("{} does not follow {last}: ops go oldest first", op.seq),
                ));
            }
            last = op.seq;
        }
        Ok(push)
    }
}

fn read_push(value: &Value) -> Res<Push> {
    json::record(value, "", &mut Unknown::Deny, |o: &mut Obj, _| {
        let protocol = o.uint("protocol", u64::from(u32::MAX))? as u32;
        let device = o.string("device")?;
        let base_version = o.uint("base_version", u64::from(u32::MAX))? as u32;
        let snapshot_formats = o.list("snapshot_formats", false, |v, p| {
            Ok(json::uint(v, p, u64::from(u8::MAX))? as u8)
        })?;
        let ops = o.list("ops", false, |v, p| {
            Op::from_value(v, p).map_err(|e| {
                // Op errors say "path: reason"; split them back for the reply's `path`.
                match e.detail.split_once(": ") {
                    Some((path, reason)) if path.starts_with(p) => json::issue(path, reason),
                    _ => json::issue(p, e.detail),
                }
            })
        })?;
        let invited_by = match o.opt("invited_by") {
            Some(v) => {
                let code = json::string(v, "invited_by")?;
                if code.is_empty() || code.len() > 64 {
                    return Err(json::issue("invited_by", "must be 1–64 bytes"));
                }
                Some(code)
            }
            None => None,
        };
        let rules_hash = match o.opt("rules_hash") {
            Some(v) => {
                let hash = json::string(v, "rules_hash")?;
                let hex = hash.len() == 64
                    && hash
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !hex {
                    return Err(json::issue(
                        "rules_hash",
                        "must be 64 lowercase hex digits (a config_hash)",
                    ));
                }
                Some(hash)
            }
            None => None,
        };
        Ok(Push {
            protocol,
            device,
            base_version,
            snapshot_formats,
            ops,
            invited_by,
            rules_hash,
        })
    })
}

/// An op the server refused, and why (a rule error's code, `TOO_OLD`, `CLOCK_AHEAD` or
/// `NOT_ALLOWED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub seq: u32,
    pub code: String,
    pub detail: String,
}

/// What became of a push's ops.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Outcome {
    /// Seqs now processed: applied, or resent after an earlier push processed them.
    pub acked: Vec<u32>,
    /// Seqs refused, each with its reason. Refused ops are processed too: never resend them.
    pub rejected: Vec<Rejection>,
    /// Whether the state changed (the server then bumps `server_version`).
    pub changed: bool,
}

/// Applies a push to the member's authoritative state. `processed` is the last processed seq
/// per device (applied or refused); ops at or below it are acknowledged again and not
/// applied twice. Deterministic: the same inputs give the same state and outcome.
pub fn accept(
    state: &mut State,
    processed: &mut BTreeMap<String, u32>,
    rules: &impl RulesAt,
    push: &Push,
    server_now: i64,
    limits: Limits,
) -> Outcome {
    let mut out = Outcome::default();
    forget_excess_refusals(state, processed);
    let last = processed.get(&push.device).copied().unwrap_or(0);
    // Whether this device's refusals may be remembered though it has no applied op: only
    // while few such devices are (ever-new device ids must not grow the record).
    let room = processed.contains_key(&push.device)
        || refusing_devices(state, processed) < MAX_REFUSING_DEVICES;
    for op in &push.ops {
        if op.seq <= last {
            out.acked.push(op.seq);
            continue;
        }
        let refuse = |code: &str, detail: String| Rejection {
            seq: op.seq,
            code: code.to_owned(),
            detail,
        };
        // Grants and lottery decisions from a device are the engine's `NOT_ALLOWED`.
        let verdict = if op.at < server_now.saturating_sub(limits.offline_window_ms) {
            Err(refuse(
                "TOO_OLD",
                format!(
                    "made {} ms before the server's time, past the offline window",
                    server_now - op.at
                ),
            ))
        } else if op.at > server_now.saturating_add(limits.max_clock_ahead_ms) {
            Err(refuse(
                "CLOCK_AHEAD",
                format!("dated {} ms after the server's time", op.at - server_now),
            ))
        } else {
            // Under the version in effect at the op's own `at` (RULES.md, "Rule versions").
            state
                .apply(rules.config_at(op.at), op)
                .map_err(|e| refuse(e.code.as_str(), e.detail))
        };
        // A refused op is processed (never applied later) unless it was refused for its seq
        // or its device: a seq far ahead or a device past the limit must not be remembered,
        // or one push would freeze the device or grow the member's record without bound.
        // Nor is a refusal from a device the member does not hold (no applied op) once
        // `MAX_REFUSING_DEVICES` such devices are remembered: resent, it is judged again by
        // the same rules (see `MAX_REFUSING_DEVICES` for why that is safe).
        let prev = processed.get(&push.device).copied().unwrap_or(0);
        let held = state.devices.contains_key(&push.device);
        let remember = match &verdict {
            Ok(_) => true,
            Err(r) => {
                r.code != "DEVICE_LIMIT"
                    && op.seq - prev <= crate::engine::MAX_SEQ_JUMP
                    && (held || room)
            }
        };
        match verdict {
            Ok(_) => {
                out.acked.push(op.seq);
                out.changed = true;
            }
            Err(r) => out.rejected.push(r),
        }
        if remember {
            processed.insert(push.device.clone(), op.seq);
        }
    }
    out
}

/// Devices without an applied op whose refusals `processed` still remembers; a refusal from a
/// further such device is answered but not remembered. With the devices a member holds (at
/// most [`crate::MAX_DEVICES`]) this bounds `processed`, whatever device ids a script invents.
///
/// Why forgetting is safe: a forgotten refusal, resent, is judged again by the same rules.
/// `NOT_ALLOWED` and `TOO_OLD` refuse it again (the op's kind and time do not change, the
/// server's clock only moves on). An op refused `CLOCK_AHEAD` or by a rule may be applied
/// when resent later, if the rules allow it then: exactly what a fresh op of that device
/// dated as it is would do, and once applied the device is held and its seqs are exact, so
/// no op is ever applied twice. An honest client resends such an op (its snapshot's `acked`
/// does not cover it) only while its member has more than this many refusing devices.
pub const MAX_REFUSING_DEVICES: usize = 16;

/// How many devices in `processed` have no applied op in `state`.
fn refusing_devices(state: &State, processed: &BTreeMap<String, u32>) -> usize {
    processed
        .keys()
        .filter(|d| !state.devices.contains_key(*d))
        .count()
}

/// Drops remembered refusals of devices the member does not hold beyond the first
/// [`MAX_REFUSING_DEVICES`] (by id): a record from before the bound shrinks at its next push.
fn forget_excess_refusals(state: &State, processed: &mut BTreeMap<String, u32>) {
    let mut kept = 0;
    processed.retain(|d, _| {
        if state.devices.contains_key(d) {
            return true;
        }
        kept += 1;
        kept <= MAX_REFUSING_DEVICES
    });
}

/// The reply to an accepted push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub protocol: u32,
    pub acked: Vec<u32>,
    pub rejected: Vec<Rejection>,
    pub server_version: u32,
    /// The new signed snapshot, base64 (`docs/snapshot.md`).
    pub snapshot: String,
    pub server_time: i64,
    /// Present only when there is something to warn of (`docs/sync.md`, Warnings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// A warning in a sync reply: the push was applied, but the client should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// `RULES_DIFFER`: the push's `rules_hash` is neither the server's current version's
    /// nor its next one's.
    pub code: &'static str,
    /// The client's hash.
    pub client: String,
    /// The hash of the server's version in effect at the reply.
    pub server: String,
}

/// The warning for a push whose `rules_hash` is neither `current` nor `next` (the client may
/// hold the next version already, ahead of its switch); none without a `rules_hash`.
pub fn rules_warning(push: &Push, current: &str, next: Option<&str>) -> Option<Warning> {
    let client = push.rules_hash.as_deref()?;
    (client != current && Some(client) != next).then(|| Warning {
        code: "RULES_DIFFER",
        client: client.to_owned(),
        server: current.to_owned(),
    })
}

/// Lottery draws in `state` still waiting for the server's decision.
pub fn pending_draws(state: &State) -> Vec<crate::state::DrawRecord> {
    state.draws.iter().filter(|d| !d.settled).cloned().collect()
}

/// Applies the server's decisions on pending draws as `settle_draw` ops of [`SERVER_DEVICE`],
/// dated `now`, numbered after that device's last seq. Returns the ops applied; a draw no
/// longer pending (settled by a concurrent sync) is skipped.
pub fn settle_draws(
    state: &mut State,
    rules: &impl RulesAt,
    decisions: &[(crate::state::DrawRecord, Option<String>)],
    now: i64,
) -> Vec<Op> {
    let mut applied = Vec::new();
    for (draw, prize) in decisions {
        let op = Op {
            device: SERVER_DEVICE.to_owned(),
            seq: state.devices.get(SERVER_DEVICE).copied().unwrap_or(0) + 1,
            at: now,
            op: OpKind::SettleDraw {
                lottery: draw.lottery.clone(),
                draw_device: draw.device.clone(),
                draw_seq: draw.seq,
                prize: prize.clone(),
            },
        };
        if state.apply(rules.config_at(op.at), &op).is_ok() {
            applied.push(op);
        }
    }
    applied
}

/// Applies one op the server itself writes as `device` (a `~` id: [`SERVER_DEVICE`],
/// [`crate::op::MERCHANT_DEVICE`]), dated `now`, the server's clock (never the state's
/// clock, which a device may have dated minutes ahead: a server op's `at` lapses holds),
/// numbered after that device's last seq; `kind` gets the op's time (a hold's end is counted
/// from it). Returns the op and its events, or the refusal with the state unchanged.
pub fn server_op(
    state: &mut State,
    rules: &impl RulesAt,
    device: &str,
    kind: impl FnOnce(i64) -> OpKind,
    now: i64,
) -> Result<(Op, Vec<crate::Event>), crate::RuleError> {
    let at = now;
    let op = Op {
        device: device.to_owned(),
        seq: state.devices.get(device).copied().unwrap_or(0) + 1,
        at,
        op: kind(at),
    };
    let events = state.apply(rules.config_at(at), &op)?;
    Ok((op, events))
}
