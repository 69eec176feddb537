//! JavaScript bindings of the zailai core. Every method converts its arguments, calls the
//! core, and converts the result back; no rule lives here. Structured values cross the
//! boundary as JSON (parsed into plain JS objects on the way out), numbers as f64, never i64.

mod convert;
mod device;
mod member;
mod rules;
mod snapshot;

pub use member::{progress_svg, Member};
pub use rules::Rules;
pub use snapshot::Snapshot;
