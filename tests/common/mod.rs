//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

use serde_json::{json, Value};
use zailai::{Config, Event, Op, OpKind, RuleError, State};

/// Epoch ms of a wall-clock time in UTC+8 (the seed's business zone).
pub fn at(y: i32, m: u8, d: u8, h: i64, min: i64) -> i64 {
    let day = i64::from(zailai::day::days_from_civil(y, m, d));
    day * 86_400_000 + ((h - 8) * 3600 + min * 60) * 1000
}

/// A member driven by ops from one device with automatic sequence numbers.
pub struct Member {
    pub cfg: Config,
    pub state: State,
    seq: u32,
    /// Ops only the server writes (grants, settlements) go as the server's device.
    server_seq: u32,
}

impl Member {
    pub fn seed(joined_at: i64) -> Member {
        Member::with(Config::seed(), joined_at)
    }

    pub fn with(cfg: Config, joined_at: i64) -> Member {
        let state = State::join(&cfg, "u1", joined_at);
        Member {
            cfg,
            state,
            seq: 0,
            server_seq: 0,
        }
    }

    /// The device and next seq for `kind`: the phone, or the server for its own ops.
    fn next(&mut self, kind: &OpKind) -> (&'static str, u32) {
        if kind.written_by_server(&self.cfg) {
            self.server_seq += 1;
            ("~ops", self.server_seq)
        } else {
            self.seq += 1;
            ("phone", self.seq)
        }
    }

    pub fn apply(&mut self, at: i64, op: OpKind) -> Result<Vec<Event>, RuleError> {
        let (device, seq) = self.next(&op);
        let op = Op {
            device: device.into(),
            seq,
            at,
            op,
        };
        self.state.apply(&self.cfg, &op)
    }

    /// Applies an op given as the `op` JSON object (read like any op from JSON).
    pub fn op(&mut self, at: i64, op: Value) -> Result<Vec<Event>, RuleError> {
        let probe = json!({"device": "x", "seq": 1, "at": at, "op": op});
        let kind = Op::from_json(&probe.to_string())
            .expect("test op is well-formed")
            .op;
        let (device, seq) = self.next(&kind);
        let op = json!({"device": device, "seq": seq, "at": at, "op": op});
        let op = Op::from_json(&op.to_string()).expect("test op is well-formed");
        self.state.apply(&self.cfg, &op)
    }

    pub fn ok(&mut self, at: i64, op: Value) -> Vec<Event> {
        let shown = op.to_string();
        self.op(at, op)
            .unwrap_or_else(|e| panic!("{shown} failed: {e}"))
    }

    pub fn check_in(&mut self, at: i64) -> Result<Vec<Event>, RuleError> {
        self.apply(at, OpKind::CheckIn {})
    }

    pub fn track(&mut self, at: i64, action: &str) -> Vec<Event> {
        self.ok(at, json!({"type": "track", "action": action}))
    }

    pub fn grant(&mut self, at: i64, points: u32) {
        self.ok(
            at,
            json!({"type": "grant", "points": points, "reason": "test"}),
        );
    }

    pub fn balance(&self) -> u64 {
        self.state.balance
    }
}

/// Points granted by the credits in `events`.
pub fn granted(events: &[Event]) -> u32 {
    events
        .iter()
        .map(|e| match e {
            Event::PointsCredited { granted, .. } => *granted,
            _ => 0,
        })
        .sum()
}

/// The events as JSON values, for matching on `type` and fields.
pub fn as_json(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect()
}

pub fn find<'a>(events: &'a [Value], kind: &str) -> Option<&'a Value> {
    events.iter().find(|e| e["type"] == kind)
}

/// The seed config as JSON, for tests that tweak one field.
pub fn seed_json() -> Value {
    serde_json::from_str(zailai::config::SEED_JSON).unwrap()
}

pub fn config_from(v: Value) -> Config {
    Config::parse(&v.to_string()).unwrap_or_else(|e| panic!("config invalid: {e}"))
}
