//! How many refused ops reach the op log. Every applied op is logged; a refused one is logged
//! while its (member, device) has logged fewer than [`PER_DEVICE_DAY`] refusals in the last
//! day (a bucket that refills over a day). Devices the member does not hold (no applied op:
//! ever-new ids from a script) share one bucket per member, so a member's refusals in the log
//! are bounded by (`MAX_DEVICES` + 1) × [`PER_DEVICE_DAY`] a day, whatever the ids. Refusals
//! past it are still answered (`rejected`), counted against the ops quota and, for a device
//! the member holds, remembered; only their log row is dropped. The buckets live in the
//! server process (bounded, `limit.rs`): each process of a cluster allows its own.

use super::App;
use crate::store::{OpRow, Record};

/// Refused ops logged per member and device a day.
pub const PER_DEVICE_DAY: u32 = 100;

/// Whether the refused op `row` of `user` goes to the op log (taking one from its bucket).
pub fn keeps(app: &App, user: &str, record: &Record, row: &OpRow) -> bool {
    let device = if record.state.devices.contains_key(&row.device) {
        row.device.as_str()
    } else {
        "*"
    };
    app.refusals_logged
        .check(&format!("{user}\u{0}{device}"))
        .is_ok()
}
