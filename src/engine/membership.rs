//! Taking a paid membership back (`revoke_membership`): the merchant refunded it or the payment
//! was charged back. The paid tier ends at once (or from a later business day, for a renewal
//! refunded before it starts) and the effective tier is re-checked at once (RULES.md, Tiers).
//! What the term already gave (free services used, check-in points at the paid tier) stays:
//! the past is never rewritten.

use super::{tiers, Ctx};
use crate::day::Date;
use crate::error::{ErrorCode, RuleError};
use crate::event::{Event, TierReason};
use crate::state::State;

/// Ends the running term of `plan` from `from` (at once when absent or not after the op's
/// business day). Refused with `NO_MEMBERSHIP` when no term of that plan runs, and with
/// `INVALID_DATE` when `from` is after the term's last day (nothing to take back).
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn revoke(
    st: &mut State,
    cx: &mut Ctx,
    plan: &str,
    from: Option<Date>,
) -> Result<(), RuleError> {
    // A term past its last day ended already: the new day's time effects ran before this.
    let until = match &st.paid {
        Some(p) if p.plan == plan => p.until,
        _ => {
            return Err(RuleError::new(
                ErrorCode::NoMembership,
                format!("no running membership of plan `{plan}`"),
            ))
        }
    };
    // A date in the past takes back only what is left: the term ends today.
    let first = from.map_or(cx.day, |d| d.to_day()).max(cx.day);
    if first > until {
        return Err(RuleError::new(
            ErrorCode::InvalidDate,
            format!(
                "from {}: the membership of `{plan}` ends on {} already",
                Date::from_day(first),
                Date::from_day(until)
            ),
        ));
    }
    let before = tiers::effective(st, cx.day);
    if first == cx.day {
        st.paid = None;
    } else if let Some(p) = st.paid.as_mut() {
        // Runs on to the day before `from`; the day after, `membership_ended` as for any term.
        p.until = first - 1;
    }
    cx.events.push(Event::MembershipRevoked {
        plan: plan.to_owned(),
        from: Date::from_day(first),
    });
    tiers::note_change(st, cx, before, TierReason::Revoked);
    Ok(())
}
