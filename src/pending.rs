//! The pending log as a device stores it (`docs/binary.md`, "Pending log"): a header line,
//! then one op a line in the binary form, base64 (mini-program storage holds text). A line
//! per op keeps an action's write an append, and a damaged line costs that op alone.
//! `zailai-ops/1` (one op's JSON a line) is still read, so a device that stored it migrates
//! on its next write without losing an op.

use crate::binary::codec::{Decode, Encode};
use crate::binary::read::{Error, Reader, Res};
use crate::error::{ErrorCode, RuleError};
use crate::op::{Op, OpKind};
use crate::snapshot::base64;

/// The first line of the pending log this build writes.
pub const PENDING_HEADER: &str = "zailai-ops/2";
/// The JSON-lines log of earlier builds: read, never written.
pub const PENDING_HEADER_JSON: &str = "zailai-ops/1";

/// A line of a stored pending log that could not be read: kept aside by the caller, reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedLine {
    /// 1-based, counting the header as line 0.
    pub line: usize,
    pub text: String,
    pub error: RuleError,
}

/// What a stored pending log held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredPending {
    pub ops: Vec<Op>,
    pub damaged: Vec<DamagedLine>,
    /// Stored in an earlier format: write the whole log again (`pending_text`) before
    /// appending to it.
    pub migrate: bool,
}

/// Reads a stored pending log of either format. An unreadable line is returned aside and the
/// others kept; an unknown header refuses the whole text (the caller keeps it aside and
/// reports `STORAGE_VERSION_UNSUPPORTED`).
pub fn read_pending(text: &str) -> Result<StoredPending, String> {
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or_default();
    let json = match header {
        PENDING_HEADER => false,
        PENDING_HEADER_JSON => true,
        _ => {
            let shown: String = header.chars().take(40).collect();
            return Err(format!(
                "pending ops stored as `{shown}`, this build reads {PENDING_HEADER} and {PENDING_HEADER_JSON}"
            ));
        }
    };
    let mut read = StoredPending {
        migrate: json,
        ..StoredPending::default()
    };
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let op = if json {
            Op::from_json(line)
        } else {
            op_from_line(line)
        };
        match op {
            Ok(op) => read.ops.push(op),
            Err(error) => read.damaged.push(DamagedLine {
                line: i + 1,
                text: line.to_owned(),
                error,
            }),
        }
    }
    Ok(read)
}

/// The pending log as a device stores it.
pub fn pending_text(ops: &[Op]) -> String {
    let mut out = String::from(PENDING_HEADER);
    for op in ops {
        push_line(op, &mut out);
    }
    out
}

/// Appends one op's line (newline first) to a stored log's text.
pub fn push_line(op: &Op, out: &mut String) {
    let mut bytes = Vec::with_capacity(48);
    op.encode(&mut bytes);
    out.push('\n');
    base64::encode_into(&bytes, out);
}

fn op_from_line(line: &str) -> Result<Op, RuleError> {
    let invalid = |detail: String| RuleError::new(ErrorCode::OpInvalid, detail);
    let bytes = base64::decode(line).ok_or_else(|| invalid("not base64".to_owned()))?;
    let op: Op = crate::binary::codec::from_bytes(&bytes).map_err(invalid)?;
    op.check_shape()?;
    Ok(op)
}

/// An op: `device` string, `seq` u32, `at` i64, then the kind's index (the order of
/// `OpKind`) and its fields in order.
impl Encode for Op {
    // Once per recorded op, and a log read once at open: built for size.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn encode(&self, out: &mut Vec<u8>) {
        self.device.encode(out);
        self.seq.encode(out);
        self.at.encode(out);
        match &self.op {
            OpKind::CheckIn {} => out.push(0),
            OpKind::MakeUp { date } => {
                out.push(1);
                date.encode(out);
            }
            OpKind::Track { action, count } => {
                out.push(2);
                action.encode(out);
                count.encode(out);
            }
            OpKind::Session { minutes } => {
                out.push(3);
                minutes.encode(out);
            }
            OpKind::ClaimTask { task } => {
                out.push(4);
                task.encode(out);
            }
            OpKind::Redeem { item } => {
                out.push(5);
                item.encode(out);
            }
            OpKind::Order {
                order,
                amount_cents,
                points,
                coupon,
            } => {
                // An order with a coupon is kind 18, so orders without keep their bytes.
                out.push(if coupon.is_some() { 18 } else { 6 });
                order.encode(out);
                amount_cents.encode(out);
                points.encode(out);
                if let Some(c) = coupon {
                    c.encode(out);
                }
            }
            OpKind::CancelOrder { order } => {
                out.push(7);
                order.encode(out);
            }
            OpKind::BuyMembership { plan } => {
                out.push(8);
                plan.encode(out);
            }
            OpKind::UseService {} => out.push(9),
            OpKind::Grant {
                points,
                coupon,
                reason,
            } => {
                // A grant with a coupon is kind 19, so grants without keep their bytes.
                out.push(if coupon.is_some() { 19 } else { 10 });
                points.encode(out);
                reason.encode(out);
                if let Some(c) = coupon {
                    c.encode(out);
                }
            }
            OpKind::ExchangeCards { set } => {
                out.push(11);
                set.encode(out);
            }
            OpKind::Draw { lottery } => {
                out.push(12);
                lottery.encode(out);
            }
            OpKind::SettleDraw {
                lottery,
                draw_device,
                draw_seq,
                prize,
            } => {
                out.push(13);
                lottery.encode(out);
                draw_device.encode(out);
                draw_seq.encode(out);
                prize.encode(out);
            }
            OpKind::HoldPoints {
                order,
                points,
                until,
            } => {
                out.push(14);
                order.encode(out);
                points.encode(out);
                until.encode(out);
            }
            OpKind::ReleaseHold { order } => {
                out.push(15);
                order.encode(out);
            }
            OpKind::RefundOrder {
                order,
                amount_cents,
                points,
            } => {
                out.push(16);
                order.encode(out);
                amount_cents.encode(out);
                points.encode(out);
            }
            OpKind::RevokeMembership { plan, from } => {
                out.push(17);
                plan.encode(out);
                from.encode(out);
            }
        }
    }
}

impl Decode for Op {
    #[cfg_attr(zailai_cold_size, optimize(size))]
    fn decode(r: &mut Reader) -> Res<Op> {
        let device = String::decode(r)?;
        let seq = u32::decode(r)?;
        let at = i64::decode(r)?;
        let s = String::decode;
        let op = match r.varint(32)? {
            0 => OpKind::CheckIn {},
            1 => OpKind::MakeUp {
                date: Decode::decode(r)?,
            },
            2 => OpKind::Track {
                action: s(r)?,
                count: u32::decode(r)?,
            },
            3 => OpKind::Session {
                minutes: u32::decode(r)?,
            },
            4 => OpKind::ClaimTask { task: s(r)? },
            5 => OpKind::Redeem { item: s(r)? },
            k @ (6 | 18) => OpKind::Order {
                order: s(r)?,
                amount_cents: u64::decode(r)?,
                points: u32::decode(r)?,
                coupon: if k == 18 { Some(s(r)?) } else { None },
            },
            7 => OpKind::CancelOrder { order: s(r)? },
            8 => OpKind::BuyMembership { plan: s(r)? },
            9 => OpKind::UseService {},
            k @ (10 | 19) => {
                let points = u32::decode(r)?;
                let reason = s(r)?;
                let coupon = if k == 19 { Some(s(r)?) } else { None };
                OpKind::Grant {
                    points,
                    coupon,
                    reason,
                }
            }
            11 => OpKind::ExchangeCards { set: s(r)? },
            12 => OpKind::Draw { lottery: s(r)? },
            13 => OpKind::SettleDraw {
                lottery: s(r)?,
                draw_device: s(r)?,
                draw_seq: u32::decode(r)?,
                prize: Decode::decode(r)?,
            },
            14 => OpKind::HoldPoints {
                order: s(r)?,
                points: u32::decode(r)?,
                until: i64::decode(r)?,
            },
            15 => OpKind::ReleaseHold { order: s(r)? },
            16 => OpKind::RefundOrder {
                order: s(r)?,
                amount_cents: u64::decode(r)?,
                points: u32::decode(r)?,
            },
            17 => OpKind::RevokeMembership {
                plan: s(r)?,
                from: Decode::decode(r)?,
            },
            i => return Err(Error(format!("{i} is not an op type"))),
        };
        Ok(Op {
            device,
            seq,
            at,
            op,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::Date;
    use crate::op::{MAX_AT, MIN_AT};

    /// Every kind of op, with the edge values of its fields, reads back as it was written.
    #[test]
    fn every_op_kind_round_trips() {
        let s = |t: &str| t.to_owned();
        let kinds = [
            OpKind::CheckIn {},
            OpKind::MakeUp {
                date: Date::new(9999, 12, 31).unwrap(),
            },
            OpKind::Track {
                action: s("签到"),
                count: u32::MAX,
            },
            OpKind::Session { minutes: 0 },
            OpKind::ClaimTask { task: s("t") },
            OpKind::Redeem { item: s("i") },
            OpKind::Order {
                order: s("o"),
                amount_cents: u64::MAX,
                points: 7,
                coupon: None,
            },
            OpKind::CancelOrder { order: s("o") },
            OpKind::BuyMembership { plan: s("yearly") },
            OpKind::UseService {},
            OpKind::Grant {
                points: 1,
                coupon: None,
                reason: String::new(),
            },
            OpKind::ExchangeCards { set: s("fu") },
            OpKind::Draw { lottery: s("l") },
            OpKind::SettleDraw {
                lottery: s("l"),
                draw_device: s("d"),
                draw_seq: 3,
                prize: Some(s("p")),
            },
            OpKind::SettleDraw {
                lottery: s("l"),
                draw_device: s("d"),
                draw_seq: 3,
                prize: None,
            },
            OpKind::ReleaseHold { order: s("o") },
            OpKind::HoldPoints {
                order: s("o"),
                points: u32::MAX,
                until: MAX_AT - 1,
            },
            OpKind::RefundOrder {
                order: s("o"),
                amount_cents: u64::MAX,
                points: 0,
            },
            OpKind::RevokeMembership {
                plan: s("yearly"),
                from: None,
            },
            OpKind::RevokeMembership {
                plan: s("monthly"),
                from: Some(Date::new(2027, 1, 31).unwrap()),
            },
            OpKind::Order {
                order: s("o"),
                amount_cents: 1,
                points: 0,
                coupon: Some(s("c5")),
            },
            OpKind::Grant {
                points: 0,
                coupon: Some(s("补偿券")),
                reason: s("r"),
            },
        ];
        let ops: Vec<Op> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, op)| Op {
                device: s("~server"),
                seq: i as u32 + 1,
                at: if i % 2 == 0 { MIN_AT } else { MAX_AT - 1 },
                op,
            })
            .collect();
        let text = pending_text(&ops);
        let read = read_pending(&text).unwrap();
        assert!(read.damaged.is_empty(), "{:?}", read.damaged);
        assert_eq!(read.ops, ops);
        // A check-in is 8 base64 characters after the device id, not 60 bytes of JSON.
        assert!(text.len() < 40 * ops.len(), "{} bytes", text.len());
    }

    /// The example in `docs/binary.md`, byte for byte.
    #[test]
    fn the_documented_example() {
        let at = 1_761_958_800_000;
        let op = |seq, at, op| Op {
            device: "phone".to_owned(),
            seq,
            at,
            op,
        };
        let ops = [
            op(1, at, OpKind::CheckIn {}),
            op(
                2,
                at + 60_000,
                OpKind::Track {
                    action: "share".to_owned(),
                    count: 1,
                },
            ),
        ];
        assert_eq!(
            pending_text(&ops),
            "zailai-ops/2\nBXBob25lAYCq7c7HZgA=\nBXBob25lAsDT9M7HZgIFc2hhcmUB"
        );
    }

    /// An order without a coupon keeps the bytes of builds before coupons (kind 6); with
    /// one it is kind 18, the coupon after the order's fields.
    #[test]
    fn an_order_keeps_its_bytes_and_a_coupon_is_kind_18() {
        let order = |coupon: Option<&str>| {
            let mut bytes = Vec::new();
            Op {
                device: "~m".to_owned(),
                seq: 1,
                at: 0,
                op: OpKind::Order {
                    order: "A".to_owned(),
                    amount_cents: 300,
                    points: 2,
                    coupon: coupon.map(str::to_owned),
                },
            }
            .encode(&mut bytes);
            bytes
        };
        let head = [2, b'~', b'm', 1, 0];
        let plain = [&head[..], &[6, 1, b'A', 0xac, 0x02, 2]].concat();
        assert_eq!(order(None), plain);
        let with = [&head[..], &[18, 1, b'A', 0xac, 0x02, 2, 2, b'c', b'5']].concat();
        assert_eq!(order(Some("c5")), with);
    }

    /// A grant without a coupon keeps its bytes (kind 10); with one it is kind 19, the
    /// coupon after the reason.
    #[test]
    fn a_grant_keeps_its_bytes_and_a_coupon_is_kind_19() {
        let grant = |coupon: Option<&str>| {
            let mut bytes = Vec::new();
            let op = Op {
                device: "~c".to_owned(),
                seq: 1,
                at: 0,
                op: OpKind::Grant {
                    points: 300,
                    coupon: coupon.map(str::to_owned),
                    reason: "r".to_owned(),
                },
            };
            op.encode(&mut bytes);
            assert_eq!(Op::decode(&mut Reader::new(&bytes)).unwrap(), op);
            bytes
        };
        let head = [2, b'~', b'c', 1, 0];
        let plain = [&head[..], &[10, 0xac, 0x02, 1, b'r']].concat();
        assert_eq!(grant(None), plain);
        let with = [&head[..], &[19, 0xac, 0x02, 1, b'r', 2, b'c', b'5']].concat();
        assert_eq!(grant(Some("c5")), with);
    }

    #[test]
    fn a_line_of_valid_bytes_must_still_be_a_valid_op() {
        let mut bytes = Vec::new();
        Op {
            device: String::new(),
            seq: 0,
            at: 0,
            op: OpKind::CheckIn {},
        }
        .encode(&mut bytes);
        let line = base64::encode(&bytes);
        let read = read_pending(&format!("{PENDING_HEADER}\n{line}")).unwrap();
        assert_eq!(read.damaged.len(), 1);
        assert!(read.damaged[0].error.detail.contains("device"));
        let mut unknown = bytes.clone();
        *unknown.last_mut().unwrap() = 99;
        let line = base64::encode(&unknown);
        let read = read_pending(&format!("{PENDING_HEADER}\n{line}")).unwrap();
        assert!(read.damaged[0].error.detail.contains("op type"));
    }

    /// A log stored by builds before the binary lines (`zailai-ops/1`, one op's JSON a line)
    /// reads to the same ops and asks to be written again; today's header does not.
    #[test]
    fn a_json_log_reads_and_asks_to_be_rewritten() {
        let at = 1_761_958_800_000;
        let ops = [
            Op {
                device: "phone".to_owned(),
                seq: 1,
                at,
                op: OpKind::CheckIn {},
            },
            Op {
                device: "phone".to_owned(),
                seq: 2,
                at: at + 60_000,
                op: OpKind::Track {
                    action: "share".to_owned(),
                    count: 1,
                },
            },
        ];
        let lines: Vec<String> = ops
            .iter()
            .map(|o| serde_json::to_string(o).unwrap())
            .collect();
        let old = read_pending(&format!("{PENDING_HEADER_JSON}\n{}\n", lines.join("\n"))).unwrap();
        assert_eq!(old.ops, ops);
        assert!(old.migrate, "a JSON log is written again in today's format");
        assert!(old.damaged.is_empty());
        let new = read_pending(&pending_text(&ops)).unwrap();
        assert_eq!(new.ops, ops);
        assert!(!new.migrate, "today's format is kept as it is");
        let err = read_pending("zailai-ops/9\n").unwrap_err();
        assert!(
            err.contains("zailai-ops/9") && err.contains(PENDING_HEADER),
            "{err}"
        );
    }
}
