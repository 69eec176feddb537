//! The op log's row: plain data shared by the stores that keep it and the report facts
//! derived from it (`facts` reads it without knowing any store).

/// One processed op, kept for audit: what arrived and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRow {
    pub device: String,
    pub seq: u32,
    pub at: i64,
    /// The op as JSON.
    pub op: String,
    /// `applied`, or the refusal's code.
    pub result: String,
}

impl OpRow {
    /// The log row of `op` with its `result` (`applied` or a refusal's code).
    pub fn of(op: &zailai::Op, result: String) -> OpRow {
        OpRow {
            device: op.device.clone(),
            seq: op.seq,
            at: op.at,
            op: serde_json::to_string(op).unwrap_or_default(),
            result,
        }
    }
}
