//! Rule errors: a stable code for programs and a detail for people reading logs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable error codes. They are part of the wire format: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The op's (device, seq) was applied already (or an older seq of that device).
    DuplicateOp,
    /// The op is dated before the member joined.
    OpBeforeJoin,
    /// The op is dated further back than `offline_window_days` before the newest op.
    OpTooOld,
    AlreadyCheckedIn,
    InsufficientPoints,
    InvalidDate,
    /// A render theme with a bad colour or size (the detail names the field).
    ThemeInvalid,
    MakeupNotPast,
    MakeupBeforeJoin,
    MakeupNotMissed,
    MakeupWindowExceeded,
    MakeupLimitReached,
    FreezeLimitReached,
    UnknownAction,
    UnknownTask,
    TaskNotCompleted,
    TaskAlreadyClaimed,
    UnknownItem,
    UnknownPlan,
    OrderExists,
    UnknownOrder,
    OrderAlreadyCancelled,
    DeductionTooLarge,
    DeductionNotExact,
    NoFreeServiceLeft,
    /// A number outside its allowed range (count, minutes, amount).
    BadAmount,
    /// Stored state of a format version this build does not read.
    StateVersionUnsupported,
    /// Stored state that does not decode.
    StateInvalid,
    /// An op that does not decode.
    OpInvalid,
    /// A stored op log of a format version this build does not read.
    OpLogVersionUnsupported,
    /// Bytes that are not a well-formed snapshot.
    SnapshotMalformed,
    /// A snapshot of a format version this build does not read.
    SnapshotVersionUnsupported,
    /// A snapshot signed by a key the client does not trust (or a bad public key).
    SnapshotUnknownKey,
    /// A snapshot whose signature does not verify: edited or forged.
    SnapshotBadSignature,
    /// A genuine snapshot of another member than the one this replica keeps.
    SnapshotOtherUser,
    /// No card set with that id in the rules.
    UnknownCardSet,
    /// An op only the server writes (`grant`, `settle_draw`) from a device's id.
    NotAllowed,
    /// A new device beyond the member's limit (`state::MAX_DEVICES`).
    DeviceLimit,
    /// An exchange without one card of every kind.
    CardsIncomplete,
    /// No lottery with that id in the rules.
    UnknownLottery,
    /// A draw outside the lottery's campaign window (not yet open, or closed).
    LotteryClosed,
    /// The lottery's draws for the business day are used up.
    DrawLimitReached,
    /// A settlement for a draw that is not waiting for one.
    DrawNotPending,
    /// A settlement naming a prize the lottery does not have.
    UnknownPrize,
    /// A published lottery record that does not decode.
    LotteryInvalid,
    /// No points are held for that order (never held, released, expired or used).
    UnknownHold,
    /// An order deducts more points than its hold set aside.
    HoldExceeded,
    /// A refund of more money or points than the order has left.
    RefundTooLarge,
    /// A hold beyond the member's limit of open holds (`engine::MAX_HOLDS`).
    HoldLimit,
    /// A lottery record whose seed is not revealed yet.
    LotteryNotRevealed,
    /// A lottery record whose seed or results do not check out.
    LotteryMismatch,
    /// A revoke of a membership the member does not have running (never bought, another
    /// plan, ended or revoked already).
    NoMembership,
    /// An order names a coupon the member holds no unused, unexpired grant of.
    CouponNotHeld,
}

impl ErrorCode {
    /// The code as it appears on the wire (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DuplicateOp => "DUPLICATE_OP",
            ErrorCode::OpBeforeJoin => "OP_BEFORE_JOIN",
            ErrorCode::OpTooOld => "OP_TOO_OLD",
            ErrorCode::AlreadyCheckedIn => "ALREADY_CHECKED_IN",
            ErrorCode::InsufficientPoints => "INSUFFICIENT_POINTS",
            ErrorCode::InvalidDate => "INVALID_DATE",
            ErrorCode::ThemeInvalid => "THEME_INVALID",
            ErrorCode::MakeupNotPast => "MAKEUP_NOT_PAST",
            ErrorCode::MakeupBeforeJoin => "MAKEUP_BEFORE_JOIN",
            ErrorCode::MakeupNotMissed => "MAKEUP_NOT_MISSED",
            ErrorCode::MakeupWindowExceeded => "MAKEUP_WINDOW_EXCEEDED",
            ErrorCode::MakeupLimitReached => "MAKEUP_LIMIT_REACHED",
            ErrorCode::FreezeLimitReached => "FREEZE_LIMIT_REACHED",
            ErrorCode::UnknownAction => "UNKNOWN_ACTION",
            ErrorCode::UnknownTask => "UNKNOWN_TASK",
            ErrorCode::TaskNotCompleted => "TASK_NOT_COMPLETED",
            ErrorCode::TaskAlreadyClaimed => "TASK_ALREADY_CLAIMED",
            ErrorCode::UnknownItem => "UNKNOWN_ITEM",
            ErrorCode::UnknownPlan => "UNKNOWN_PLAN",
            ErrorCode::OrderExists => "ORDER_EXISTS",
            ErrorCode::UnknownOrder => "UNKNOWN_ORDER",
            ErrorCode::OrderAlreadyCancelled => "ORDER_ALREADY_CANCELLED",
            ErrorCode::DeductionTooLarge => "DEDUCTION_TOO_LARGE",
            ErrorCode::DeductionNotExact => "DEDUCTION_NOT_EXACT",
            ErrorCode::NoFreeServiceLeft => "NO_FREE_SERVICE_LEFT",
            ErrorCode::BadAmount => "BAD_AMOUNT",
            ErrorCode::StateVersionUnsupported => "STATE_VERSION_UNSUPPORTED",
            ErrorCode::StateInvalid => "STATE_INVALID",
            ErrorCode::OpInvalid => "OP_INVALID",
            ErrorCode::OpLogVersionUnsupported => "OP_LOG_VERSION_UNSUPPORTED",
            ErrorCode::SnapshotMalformed => "SNAPSHOT_MALFORMED",
            ErrorCode::SnapshotVersionUnsupported => "SNAPSHOT_VERSION_UNSUPPORTED",
            ErrorCode::SnapshotUnknownKey => "SNAPSHOT_UNKNOWN_KEY",
            ErrorCode::SnapshotBadSignature => "SNAPSHOT_BAD_SIGNATURE",
            ErrorCode::SnapshotOtherUser => "SNAPSHOT_OTHER_USER",
            ErrorCode::UnknownCardSet => "UNKNOWN_CARD_SET",
            ErrorCode::NotAllowed => "NOT_ALLOWED",
            ErrorCode::DeviceLimit => "DEVICE_LIMIT",
            ErrorCode::CardsIncomplete => "CARDS_INCOMPLETE",
            ErrorCode::UnknownLottery => "UNKNOWN_LOTTERY",
            ErrorCode::LotteryClosed => "LOTTERY_CLOSED",
            ErrorCode::DrawLimitReached => "DRAW_LIMIT_REACHED",
            ErrorCode::DrawNotPending => "DRAW_NOT_PENDING",
            ErrorCode::UnknownPrize => "UNKNOWN_PRIZE",
            ErrorCode::LotteryInvalid => "LOTTERY_INVALID",
            ErrorCode::LotteryNotRevealed => "LOTTERY_NOT_REVEALED",
            ErrorCode::LotteryMismatch => "LOTTERY_MISMATCH",
            ErrorCode::UnknownHold => "UNKNOWN_HOLD",
            ErrorCode::HoldExceeded => "HOLD_EXCEEDED",
            ErrorCode::RefundTooLarge => "REFUND_TOO_LARGE",
            ErrorCode::HoldLimit => "HOLD_LIMIT",
            ErrorCode::NoMembership => "NO_MEMBERSHIP",
            ErrorCode::CouponNotHeld => "COUPON_NOT_HELD",
        }
    }
}

#[cfg(test)]
const ALL_CODES: &[ErrorCode] = &[
    ErrorCode::DuplicateOp,
    ErrorCode::OpBeforeJoin,
    ErrorCode::OpTooOld,
    ErrorCode::AlreadyCheckedIn,
    ErrorCode::InsufficientPoints,
    ErrorCode::InvalidDate,
    ErrorCode::ThemeInvalid,
    ErrorCode::MakeupNotPast,
    ErrorCode::MakeupBeforeJoin,
    ErrorCode::MakeupNotMissed,
    ErrorCode::MakeupWindowExceeded,
    ErrorCode::MakeupLimitReached,
    ErrorCode::FreezeLimitReached,
    ErrorCode::UnknownAction,
    ErrorCode::UnknownTask,
    ErrorCode::TaskNotCompleted,
    ErrorCode::TaskAlreadyClaimed,
    ErrorCode::UnknownItem,
    ErrorCode::UnknownPlan,
    ErrorCode::OrderExists,
    ErrorCode::UnknownOrder,
    ErrorCode::OrderAlreadyCancelled,
    ErrorCode::DeductionTooLarge,
    ErrorCode::DeductionNotExact,
    ErrorCode::NoFreeServiceLeft,
    ErrorCode::BadAmount,
    ErrorCode::StateVersionUnsupported,
    ErrorCode::StateInvalid,
    ErrorCode::OpInvalid,
    ErrorCode::OpLogVersionUnsupported,
    ErrorCode::SnapshotMalformed,
    ErrorCode::SnapshotVersionUnsupported,
    ErrorCode::SnapshotUnknownKey,
    ErrorCode::SnapshotBadSignature,
    ErrorCode::SnapshotOtherUser,
    ErrorCode::UnknownCardSet,
    ErrorCode::NotAllowed,
    ErrorCode::DeviceLimit,
    ErrorCode::CardsIncomplete,
    ErrorCode::UnknownLottery,
    ErrorCode::LotteryClosed,
    ErrorCode::DrawLimitReached,
    ErrorCode::DrawNotPending,
    ErrorCode::UnknownPrize,
    ErrorCode::LotteryInvalid,
    ErrorCode::LotteryNotRevealed,
    ErrorCode::LotteryMismatch,
    ErrorCode::UnknownHold,
    ErrorCode::HoldExceeded,
    ErrorCode::RefundTooLarge,
    ErrorCode::HoldLimit,
    ErrorCode::NoMembership,
    ErrorCode::CouponNotHeld,
];

/// An op refused by the rules. The state it was applied to is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleError {
    pub code: ErrorCode,
    /// What and where, in English, for logs and developers; user-facing wording is js/'s job.
    pub detail: String,
}

impl RuleError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        RuleError {
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for RuleError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_table_matches_serde_names() {
        for code in ALL_CODES {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
    }
}
