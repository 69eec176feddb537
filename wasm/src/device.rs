//! `Member` as a device holds it: opened from storage (base snapshot, pending log, device and
//! sequence), typed actions recorded as this device's next ops, the push body, and the
//! rebase on a verified reply. JS keeps storage, transport, retries, events and wx hooks.

use crate::convert::{bad_argument, rule_error, time_ms};
use crate::member::Member;
use crate::rules::Rules;
use crate::snapshot::Snapshot;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use zailai::pending::{self, DamagedLine, StoredPending};
use zailai::replica::{Refused, Replica};
use zailai::snapshot::base64;
use zailai::{Date, OpKind};

/// A refused pending op as JS gets it.
#[derive(Serialize)]
struct RefusedJs<'a> {
    op: &'a zailai::Op,
    code: &'a str,
    detail: &'a str,
}

/// An unreadable line of the stored pending log as JS gets it.
#[derive(Serialize)]
struct DamagedJs<'a> {
    line: usize,
    text: &'a str,
    detail: &'a str,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn refused_json(refused: &[Refused]) -> String {
    let list: Vec<RefusedJs> = refused
        .iter()
        .map(|r| RefusedJs {
            op: &r.op,
            code: r.error.code.as_str(),
            detail: &r.error.detail,
        })
        .collect();
    json(&list)
}

#[wasm_bindgen]
impl Member {
    /// What a device stored, as a member: `device` (or, when lost, the device of the newest
    /// pending op, else `newDevice`), the last `seq` it gave, the verified `base` snapshot
    /// (consumed), the stored pending log (`pendingText()`'s format). Refused pending ops are
    /// in `takeRefusedJSON()`, unreadable lines in `takeDamagedJSON()` (line 0: the whole log
    /// is of another format and was left out; keep it aside). `checkpoint`: what `checkpoint()`
    /// gave for this base and rules (the caller keys it to them), base64: used when it covers
    /// the start of this pending log exactly, else ignored (`checkpointCovered`).
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        rules: &Rules,
        user: &str,
        device: Option<String>,
        new_device: &str,
        joined_at: f64,
        seq: u32,
        base: Option<Snapshot>,
        pending: Option<String>,
        checkpoint: Option<String>,
    ) -> Result<Member, JsValue> {
        let joined_at = time_ms("joinedAt", joined_at)?;
        // A log of an unknown format is reported as line 0 (the whole text) and left out.
        let read = match pending.as_deref().map(pending::read_pending) {
            Some(Ok(read)) => read,
            Some(Err(detail)) => StoredPending {
                damaged: vec![DamagedLine {
                    line: 0,
                    text: String::new(),
                    error: zailai::RuleError::new(zailai::ErrorCode::OpInvalid, detail),
                }],
                ..StoredPending::default()
            },
            None => StoredPending::default(),
        };
        let StoredPending {
            ops,
            damaged,
            migrate,
        } = read;
        let device = device
            .filter(|d| !d.is_empty())
            .or_else(|| ops.last().map(|op| op.device.clone()))
            .unwrap_or_else(|| new_device.to_owned());
        let base = base.map(Snapshot::into_payload);
        // Only on a log read whole as stored: its text is what the checkpoint's hash covers.
        let from = match (&pending, checkpoint) {
            (Some(text), Some(cp)) if damaged.is_empty() && !migrate => base64::decode(&cp)
                .and_then(|bytes| zailai::checkpoint::read(&bytes, user, text, ops.len())),
            _ => None,
        };
        let covered = from.as_ref().map_or(0, |(_, n)| *n as u32);
        let (replica, refused) = match from {
            Some((state, n)) => Replica::restore_from(
                &rules.timeline,
                user,
                &device,
                joined_at,
                seq,
                base,
                ops,
                state,
                n,
            ),
            None => Replica::restore(&rules.timeline, user, &device, joined_at, seq, base, ops),
        }
        .map_err(rule_error)?;
        // The stored text stands unless lines were set aside or it is of the earlier format:
        // opening writes nothing new (nor encodes the ops again: 1,961 lines of base64).
        let kept = damaged.is_empty() && !migrate;
        let rewritten = pending.is_some() && !kept;
        let mut member = match pending {
            // JS holds the text it passed in: `pendingAppended` gives only what actions add.
            Some(text) if kept => {
                let handed = text.len();
                let mut member = Member::with_text(replica, text);
                member.handed = Some(handed);
                member
            }
            _ => Member::from_replica(replica),
        };
        member.pending_rewritten = rewritten;
        member.covered = covered;
        member.refused = refused;
        member.damaged = damaged;
        Ok(member)
    }

    /// How many pending ops the local checkpoint given to `open` covered (0: it was not used,
    /// and every pending op was replayed).
    #[wasm_bindgen(getter, js_name = "checkpointCovered")]
    pub fn checkpoint_covered(&self) -> u32 {
        self.covered
    }

    /// The local checkpoint of this member as it stands (base64, `zailai::checkpoint`): the
    /// state with every pending op replayed, for the next `open` with the same base and rules.
    /// Cover the pending log as stored: write `pendingText()`/`pendingAppended()` first.
    pub fn checkpoint(&self) -> String {
        base64::encode(&zailai::checkpoint::write(
            self.replica.state(),
            &self.pending_text,
            self.replica.pending().len(),
        ))
    }

    /// The device that records this member's actions.
    #[wasm_bindgen(getter)]
    pub fn device(&self) -> String {
        self.replica.device().to_owned()
    }

    /// The last seq this device gave an op.
    #[wasm_bindgen(getter)]
    pub fn seq(&self) -> u32 {
        self.replica.seq()
    }

    /// The `server_version` of the base (0 before the first sync).
    #[wasm_bindgen(getter, js_name = "baseVersion")]
    pub fn base_version(&self) -> u32 {
        self.replica.base_version()
    }

    /// The pending log as stored (`docs/binary.md`): `zailai-ops/2`, then one op a line.
    #[wasm_bindgen(js_name = "pendingText")]
    pub fn pending_text(&mut self) -> String {
        self.handed = Some(self.pending_text.len());
        self.pending_text.clone()
    }

    /// What the pending log gained since the last `pendingText()` or `pendingAppended()`
    /// (actions append), or `undefined` when it was rewritten since (rebase, rebuild): then take
    /// `pendingText()` again. Lets a client persist an action without carrying the whole log
    /// across the boundary (through the mini-program's JS text decoder) each time.
    #[wasm_bindgen(js_name = "pendingAppended")]
    pub fn pending_appended(&mut self) -> Option<String> {
        let from = self.handed.filter(|&n| n <= self.pending_text.len())?;
        self.handed = Some(self.pending_text.len());
        Some(self.pending_text[from..].to_owned())
    }

    /// The pending ops, oldest first, as a JSON array.
    #[wasm_bindgen(js_name = "pendingJSON")]
    pub fn pending_json(&self) -> String {
        json(&self.replica.pending())
    }

    /// Pending ops refused by the rules at the last open, rebase or rebuild (they stay
    /// pending), as `[{op, code, detail}]`; cleared by the call.
    #[wasm_bindgen(js_name = "takeRefusedJSON")]
    pub fn take_refused_json(&mut self) -> String {
        refused_json(&std::mem::take(&mut self.refused))
    }

    /// Whether the pending log opened was rewritten (stored in the earlier format, or lines
    /// were set aside): then the client writes `pendingText()` at once.
    #[wasm_bindgen(getter, js_name = "pendingRewritten")]
    pub fn pending_rewritten(&self) -> bool {
        self.pending_rewritten
    }

    /// Lines of the stored pending log that could not be read at open, as
    /// `[{line, text, detail}]`; cleared by the call.
    #[wasm_bindgen(js_name = "takeDamagedJSON")]
    pub fn take_damaged_json(&mut self) -> String {
        let damaged = std::mem::take(&mut self.damaged);
        let list: Vec<DamagedJs> = damaged
            .iter()
            .map(|d| DamagedJs {
                line: d.line,
                text: &d.text,
                detail: &d.error.detail,
            })
            .collect();
        json(&list)
    }

    /// The body of the next `POST /v1/sync` (JSON text): this device's oldest pending ops.
    #[wasm_bindgen(js_name = "pushJSON")]
    pub fn push_json(&self) -> String {
        json(&self.replica.push())
    }

    /// Takes a verified reply snapshot (consumed) as the base: drops the ops it acknowledges
    /// and replays the rest. Returns the refused ones as `[{op, code, detail}]`.
    pub fn rebase(&mut self, rules: &Rules, snapshot: Snapshot) -> Result<String, JsValue> {
        let refused = self
            .replica
            .rebase(&rules.timeline, snapshot.into_payload())
            .map_err(rule_error)?;
        Ok(self.replayed(refused))
    }

    /// Replays the pending ops on the base under `rules` (after the rules changed), each under
    /// the version in effect at its `at`.
    pub fn rebuild(&mut self, rules: &Rules) -> String {
        let refused = self.replica.rebuild(&rules.timeline);
        self.replayed(refused)
    }

    /// Sets the base aside (it no longer verifies) and replays the pending ops on the join
    /// state.
    #[wasm_bindgen(js_name = "dropBase")]
    pub fn drop_base(&mut self, rules: &Rules) -> String {
        let refused = self.replica.drop_base(&rules.timeline);
        self.replayed(refused)
    }

    /// Records one user action as this device's next op and returns its events (JSON text),
    /// or throws the rule's coded error and changes nothing. One call per action, typed: `kind`
    /// is the op type (`check_in`, `make_up`, `track`, `session`, `claim_task`, `redeem`,
    /// `use_service`, `exchange_cards`, `draw`); `id` its one text (date, action, task, item,
    /// set, lottery); `count` the track count or session minutes. Orders, refunds and
    /// memberships are the merchant's (`docs/merchant.md`), never a device's. One exported
    /// method rather than nine: 9 KB less module.
    pub fn record(
        &mut self,
        rules: &Rules,
        at: f64,
        kind: &str,
        id: Option<String>,
        count: u32,
    ) -> Result<String, JsValue> {
        // Moved into the op, not copied: one arm runs.
        let id = id.unwrap_or_default();
        let op = match kind {
            "check_in" => OpKind::CheckIn {},
            "make_up" => OpKind::MakeUp { date: date(&id)? },
            "track" => OpKind::Track { action: id, count },
            "session" => OpKind::Session { minutes: count },
            "claim_task" => OpKind::ClaimTask { task: id },
            "redeem" => OpKind::Redeem { item: id },
            "use_service" => OpKind::UseService {},
            "exchange_cards" => OpKind::ExchangeCards { set: id },
            "draw" => OpKind::Draw { lottery: id },
            _ => return Err(bad_argument("record: unknown action kind")),
        };
        self.act(rules, at, op)
    }
}

fn date(text: &str) -> Result<Date, JsValue> {
    Date::parse(text).ok_or_else(|| {
        rule_error(zailai::RuleError::new(
            zailai::ErrorCode::OpInvalid,
            format!("op.date: `{text}` is not a date: expected YYYY-MM-DD between 1970 and 9999"),
        ))
    })
}

impl Member {
    /// Records an action as this device's next op; the pending text grows by its line.
    fn act(&mut self, rules: &Rules, at: f64, kind: OpKind) -> Result<String, JsValue> {
        let at = time_ms("at", at)?;
        let events = self
            .replica
            .act(&rules.timeline, at, kind)
            .map_err(rule_error)?;
        if let Some(op) = self.replica.pending().last() {
            pending::push_line(op, &mut self.pending_text);
        }
        Ok(zailai::event_json::events_json(&events, json))
    }

    /// After a rebase or rebuild: the pending text again from the ops, the refusals kept.
    #[inline(never)]
    fn replayed(&mut self, refused: Vec<Refused>) -> String {
        self.pending_text = pending::pending_text(self.replica.pending());
        self.handed = None;
        let text = refused_json(&refused);
        self.refused.clear();
        text
    }
}
