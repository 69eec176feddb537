//! Granting a reward bundle (points, coupons, freezes, tier steps, accelerator cards).

use super::{ledger, tiers, Ctx};
use crate::config::Reward;
use crate::event::Event;
use crate::state::{CouponGrant, State};

/// Gives the member one grant of `coupon`, usable through `expires` (None: no limit of ours).
pub fn give_coupon(
    st: &mut State,
    cx: &mut Ctx,
    coupon: &str,
    source: String,
    expires: Option<crate::day::Day>,
) {
    st.coupons.push(CouponGrant {
        coupon: coupon.to_owned(),
        day: cx.day,
        source: source.clone(),
        expires,
        used: None,
    });
    emit!(
        cx,
        Event::CouponGranted {
            coupon: coupon.to_owned(),
            source,
        }
    );
}

/// Grants `reward`; its points are capped like every earned credit. Returns points granted.
pub fn grant(st: &mut State, cx: &mut Ctx, reward: &Reward, source: &str) -> u32 {
    let granted = ledger::credit(st, cx, reward.points, (source, ""), true);
    for coupon in &reward.coupons {
        give_coupon(st, cx, coupon, source.to_owned(), None);
    }
    if reward.freezes > 0 {
        let max = cx.cfg.checkin.freeze.max_held;
        let room = max.saturating_sub(st.freezes);
        let kept = reward.freezes.min(room);
        st.freezes += kept;
        emit!(
            cx,
            Event::FreezesGranted {
                count: kept,
                held: st.freezes,
                discarded: reward.freezes - kept,
            }
        );
    }
    if reward.accelerators > 0 {
        st.accelerators = st.accelerators.saturating_add(reward.accelerators);
        emit!(
            cx,
            Event::AcceleratorsGranted {
                count: reward.accelerators,
                source: source.to_owned(),
            }
        );
    }
    if reward.tier_steps > 0 {
        tiers::boost(st, cx, reward.tier_steps);
    }
    granted
}
