//! The audit log of operator writes (issue 28): who, when, what, before and after. Every
//! handler that changes something on an operator route records one entry through `record`.

use super::auth::Actor;
use super::error::ApiError;
use super::App;
use serde_json::Value;

/// One write to record: `action` is a stable name (`rules.publish`, `member.grant`, …),
/// `target` what it changed (`member:ID`, `rules:7`, `operator:NAME`), `before` and `after`
/// the changed values as JSON (null where there was none).
pub struct Entry<'a> {
    pub action: &'a str,
    pub target: String,
    pub before: Value,
    pub after: Value,
}

/// Records `entry` as done by `actor` now. Stub until the log is stored: one stderr line.
pub async fn record(_app: &App, actor: &Actor, entry: Entry<'_>) -> Result<(), ApiError> {
    eprintln!(
        "zailai audit-log: actor={} role={} action={} target={} before={} after={}",
        actor.name,
        actor.role.as_str(),
        entry.action,
        entry.target,
        entry.before,
        entry.after
    );
    Ok(())
}
