//! Lifecycle effects of an op: a member coming back after being dormant (the wake-up coupons,
//! valid a few days), and the one-time "high potential" offer of accelerator cards.

use super::{rewards, Ctx};
use crate::config::{Reward, TaskKind};
use crate::day::{Date, Day};
use crate::event::Event;
use crate::state::State;

pub const POTENTIAL_OFFER: &str = "potential";

/// After a successful op on `cx.day` whose member's previous own op was on `last_active`.
/// Only the member's own ops (`by_member`: not a `~` device's) make a return: the server's
/// and the merchant's (orders, refunds, holds, grants, settlements, invite credits) are not
/// the member's activity (RULES.md, "Activity and time").
pub fn after_op(st: &mut State, cx: &mut Ctx, last_active: Day, by_member: bool) {
    let l = &cx.cfg.lifecycle;
    let away = cx.day - last_active;
    if by_member
        && l.dormant_days
            .first()
            .is_some_and(|&d| away >= i32::from(d))
    {
        st.returned = Some(cx.day);
        emit!(
            cx,
            Event::MemberReturned {
                date: Date::from_day(cx.day),
                away_days: away as u32,
            }
        );
        let expires = cx.day + i32::from(l.wake_up_valid_days) - 1;
        for coupon in &l.wake_up_coupons {
            rewards::give_coupon(st, cx, coupon, "wake_up".to_owned(), Some(expires));
        }
    }
    offer_potential(st, cx);
}

/// Joined enough campaigns, finished every growth task, spent enough inside campaigns.
pub fn is_high_potential(st: &State, cfg: &crate::Config) -> bool {
    let p = &cfg.lifecycle.potential;
    // Checked after every op until offered: the count first, the task searches last.
    st.campaigns.len() >= usize::from(p.campaigns_joined)
        && st.campaigns.values().map(|c| c.spend_cents).sum::<u64>() >= p.campaign_spend_cents
        && cfg
            .tasks
            .iter()
            .filter(|t| t.kind == TaskKind::Growth)
            .all(|t| st.tasks.get(&t.id).is_some_and(|ts| ts.completed))
}

fn offer_potential(st: &mut State, cx: &mut Ctx) {
    if st.offers.contains_key(POTENTIAL_OFFER) || !is_high_potential(st, cx.cfg) {
        return;
    }
    st.offers.insert(POTENTIAL_OFFER.to_owned(), cx.day);
    let reward = Reward {
        accelerators: cx.cfg.lifecycle.potential.accelerators,
        ..Reward::default()
    };
    rewards::grant(st, cx, &reward, "offer:potential");
}
