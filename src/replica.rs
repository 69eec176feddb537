//! What one device holds of one member: the verified base (the last snapshot payload the server
//! signed), the ops recorded since and not yet acknowledged, the device id and its sequence,
//! and the state they make together. Pure, like the rest of the core: the caller brings time,
//! verified payloads and storage.
//!
//! The client's sync loop is the same few steps everywhere: [`Replica::act`] records an action
//! as the next op of this device; [`Replica::push`] is the body of the next `POST /v1/sync`;
//! [`Replica::rebase`] takes the reply's verified payload, drops what its `acked` covers and
//! replays the rest on top. The protocol simulation (`server/tests/simulation.rs`) drives it.
//!
//! Rules come with every call, as the device holds them: one config, or a
//! [`Timeline`] of the versions the server sent (the current one, the next scheduled one, and
//! an earlier one while pending ops dated under it remain). Each op is applied under the
//! version in effect at its own `at`, when it is recorded and at every replay, so the switch
//! to a scheduled version happens on time with no network, and a rebuild after a rebase never
//! re-prices an op done under yesterday's rules (RULES.md, "Rule versions").

use crate::error::{ErrorCode, RuleError};
use crate::event::Event;
use crate::op::{Op, OpKind};
use crate::snapshot::Payload;
use crate::state::State;
use crate::sync::{Push, MAX_OPS_PER_PUSH, PROTOCOL};
use crate::timeline::RulesAt;

/// A pending op the rules refuse when it is replayed (it stays pending: the server decides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub op: Op,
    pub error: RuleError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    user: String,
    device: String,
    /// The last seq this device gave an op.
    seq: u32,
    joined_at: i64,
    base: Option<Payload>,
    pending: Vec<Op>,
    /// The base (or the join state) with every pending op replayed on top.
    state: State,
}

impl Replica {
    /// `clone()`, compiled once here: a derived `clone` is inlined into every crate that
    /// calls it, and the wasm bindings calling it would carry a second copy of `State`'s
    /// (about 3 KB of module).
    #[inline(never)]
    pub fn duplicate(&self) -> Replica {
        self.clone()
    }

    /// A member new on this device: no base yet, nothing pending.
    pub fn new(rules: &dyn RulesAt, user: &str, device: &str, joined_at: i64) -> Replica {
        Replica {
            user: user.to_owned(),
            device: device.to_owned(),
            seq: 0,
            joined_at,
            base: None,
            pending: Vec::new(),
            state: State::join(rules.config_at(joined_at), user, joined_at),
        }
    }

    /// A replica on a verified base with nothing pending (what a snapshot says, as a member).
    pub fn from_base(payload: Payload, device: &str) -> Replica {
        Replica {
            user: payload.user.clone(),
            device: device.to_owned(),
            seq: 0,
            joined_at: 0,
            state: payload.state.clone(),
            base: Some(payload),
            pending: Vec::new(),
        }
    }

    /// A replica from what the device stored: its last seq, the verified base if any, and the
    /// pending ops. Returns the ops the rules now refuse (they stay pending).
    pub fn restore(
        rules: &dyn RulesAt,
        user: &str,
        device: &str,
        joined_at: i64,
        seq: u32,
        base: Option<Payload>,
        pending: Vec<Op>,
    ) -> Result<(Replica, Vec<Refused>), RuleError> {
        // Every pending op replayed on the base, or on the join.
        let start = match &base {
            Some(p) => p.state.clone(),
            None => State::join(rules.config_at(joined_at), user, joined_at),
        };
        Replica::restore_from(rules, user, device, joined_at, seq, base, pending, start, 0)
    }

    /// `restore` from a local checkpoint (`crate::checkpoint`): `state` is the base (or the
    /// join) with the first `covered` pending ops replayed, as the caller checked; only the
    /// ops after them are replayed. Returns the ops the rules refuse among those (the caller
    /// keeps the refusals of the covered ones).
    #[allow(clippy::too_many_arguments)]
    pub fn restore_from(
        rules: &dyn RulesAt,
        user: &str,
        device: &str,
        joined_at: i64,
        seq: u32,
        base: Option<Payload>,
        pending: Vec<Op>,
        state: State,
        covered: usize,
    ) -> Result<(Replica, Vec<Refused>), RuleError> {
        if let Some(p) = &base {
            check_user(user, p)?;
        }
        let mut replica = Replica {
            user: user.to_owned(),
            device: device.to_owned(),
            seq: stored_seq(&pending, device, seq),
            joined_at,
            base,
            pending,
            state: State::default(),
        };
        let refused = replica.replay(rules, state, covered);
        Ok((replica, refused))
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    /// The last seq this device gave an op (0 before the first).
    pub fn seq(&self) -> u32 {
        self.seq
    }

    pub fn joined_at(&self) -> i64 {
        self.joined_at
    }

    /// Ops recorded and not yet acknowledged, oldest first.
    pub fn pending(&self) -> &[Op] {
        &self.pending
    }

    pub fn base(&self) -> Option<&Payload> {
        self.base.as_ref()
    }

    /// The `server_version` of the base (0 before the first sync).
    pub fn base_version(&self) -> u32 {
        self.base.as_ref().map_or(0, |p| p.server_version)
    }

    /// The member as this device sees it: the base with the pending ops on top.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Records one user action at `at` as this device's next op. A refusal changes nothing:
    /// not the state, not the pending log, not the sequence. An op of a bad shape (an empty
    /// id, a replica without a device) is `OP_INVALID` (the engine checks the shape first).
    /// The op is applied under the version in effect at `at`.
    pub fn act(
        &mut self,
        rules: &dyn RulesAt,
        at: i64,
        kind: OpKind,
    ) -> Result<Vec<Event>, RuleError> {
        let op = Op {
            device: self.device.clone(),
            seq: self.seq.saturating_add(1),
            at,
            op: kind,
        };
        let events = self.state.apply(rules.config_at(at), &op)?;
        self.seq = op.seq;
        self.pending.push(op);
        Ok(events)
    }

    /// The body of the next push: this device's oldest pending ops (at most
    /// [`MAX_OPS_PER_PUSH`]) on the base it has. Always sent, even empty: the reply brings the
    /// other devices' ops.
    pub fn push(&self) -> Push {
        Push {
            protocol: PROTOCOL,
            device: self.device.clone(),
            base_version: self.base_version(),
            snapshot_formats: crate::snapshot::FORMATS_READ.to_vec(),
            ops: self
                .pending
                .iter()
                .filter(|op| op.device == self.device)
                .take(MAX_OPS_PER_PUSH)
                .cloned()
                .collect(),
            invited_by: None,
            rules_hash: None,
        }
    }

    /// Whether pending ops of this device are left after a push of [`MAX_OPS_PER_PUSH`].
    pub fn more_to_push(&self) -> bool {
        self.pending
            .iter()
            .filter(|op| op.device == self.device)
            .nth(MAX_OPS_PER_PUSH)
            .is_some()
    }

    /// Takes a verified payload as the new base: drops every pending op its `acked` covers (the
    /// server has processed it, applied or refused), replays the rest on top and returns those
    /// the rules refuse. A payload of another member is refused and changes nothing.
    pub fn rebase(
        &mut self,
        rules: &dyn RulesAt,
        payload: Payload,
    ) -> Result<Vec<Refused>, RuleError> {
        check_user(&self.user, &payload)?;
        self.pending
            .retain(|op| op.seq > payload.acked.get(&op.device).copied().unwrap_or(0));
        self.base = Some(payload);
        Ok(self.rebuild(rules))
    }

    /// Sets the base aside (it no longer verifies: a key withdrawn, storage edited) and
    /// replays the pending ops on the join state; returns the ops the rules refuse.
    pub fn drop_base(&mut self, rules: &dyn RulesAt) -> Vec<Refused> {
        self.base = None;
        self.rebuild(rules)
    }

    /// Applies an op of any device to the state without recording it (previews, test
    /// vectors, a member without a device): the next rebuild or rebase does not keep it.
    pub fn apply_unrecorded(
        &mut self,
        rules: &dyn RulesAt,
        op: &Op,
    ) -> Result<Vec<Event>, RuleError> {
        self.state.apply(rules.config_at(op.at), op)
    }

    /// Replays the pending ops on the base (or the join state), as after a change of rules,
    /// each under the version in effect at its `at`. Returns the ops the rules refuse, but not
    /// those the base already holds (`DUPLICATE_OP`).
    /// Not inlined: four callers would each carry a copy of the replay into the wasm module.
    #[inline(never)]
    pub fn rebuild(&mut self, rules: &dyn RulesAt) -> Vec<Refused> {
        let state = match &self.base {
            Some(p) => p.state.clone(),
            None => State::join(rules.config_at(self.joined_at), &self.user, self.joined_at),
        };
        self.replay(rules, state, 0)
    }

    /// Replays the pending ops from the `from`th on `state`, which becomes the state. Not
    /// inlined: one copy of the replay in the wasm module.
    #[inline(never)]
    fn replay(&mut self, rules: &dyn RulesAt, mut state: State, from: usize) -> Vec<Refused> {
        let mut refused = Vec::new();
        for op in self.pending.get(from..).unwrap_or_default() {
            if let Err(error) = state.replay(rules.config_at(op.at), op) {
                if error.code != ErrorCode::DuplicateOp {
                    refused.push(Refused {
                        op: op.clone(),
                        error,
                    });
                }
            }
        }
        self.state = state;
        refused
    }
}

/// The stored seq, or a later one the stored ops passed: it must never be handed out again.
fn stored_seq(pending: &[Op], device: &str, seq: u32) -> u32 {
    pending
        .iter()
        .filter(|op| op.device == device)
        .map(|op| op.seq)
        .fold(seq, u32::max)
}

fn check_user(user: &str, payload: &Payload) -> Result<(), RuleError> {
    if payload.user == user {
        return Ok(());
    }
    Err(RuleError::new(
        ErrorCode::SnapshotOtherUser,
        format!(
            "the snapshot is of user `{}`, this replica keeps `{user}`",
            payload.user
        ),
    ))
}
