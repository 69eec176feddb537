//! Granting a reward bundle (points, coupons, freezes, tier steps, accelerator cards).

use super::{ledger, tiers, Ctx};
use crate::config::Reward;
use crate::event::Event;
use crate::state::{CouponGrant, State};

/// Grants `reward`; its points are capped like every earned credit. Returns points granted.
pub fn grant(st: &mut State, cx: &mut Ctx, reward: &Reward, source: &str) -> u32 {
    let granted = ledger::credit(st, cx, reward.points, source.to_owned(), true);
    for coupon in &reward.coupons {
        st.coupons.push(CouponGrant {
            coupon: coupon.clone(),
            day: cx.day,
            source: source.to_owned(),
            expires: None,
            used: None,
        });
        cx.events.push(Event::CouponGranted {
            coupon: coupon.clone(),
            source: source.to_owned(),
        });
    }
    if reward.freezes > 0 {
        let max = cx.cfg.checkin.freeze.max_held;
        let room = max.saturating_sub(st.freezes);
        let kept = reward.freezes.min(room);
        st.freezes += kept;
        cx.events.push(Event::FreezesGranted {
            count: kept,
            held: st.freezes,
            discarded: reward.freezes - kept,
        });
    }
    if reward.accelerators > 0 {
        st.accelerators = st.accelerators.saturating_add(reward.accelerators);
        cx.events.push(Event::AcceleratorsGranted {
            count: reward.accelerators,
            source: source.to_owned(),
        });
    }
    if reward.tier_steps > 0 {
        tiers::boost(st, cx, reward.tier_steps);
    }
    granted
}
