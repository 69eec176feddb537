//! Lottery draws in the member's state: paid on the device, decided by the server
//! (`crate::lottery`, `docs/lottery.md`), settled by a server op.

use super::{campaigns, ledger, rewards, tiers, Ctx};
use crate::config::Lottery;
use crate::day::Date;
use crate::error::{ErrorCode, RuleError};
use crate::event::Event;
use crate::state::{DrawRecord, State};

fn find<'a>(cx: &Ctx<'a>, id: &str) -> Result<&'a Lottery, RuleError> {
    cx.cfg
        .lotteries
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| RuleError::new(ErrorCode::UnknownLottery, format!("no lottery `{id}`")))
}

/// One paid draw, pending until the server settles it.
pub fn draw(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    device: &str,
    seq: u32,
) -> Result<(), RuleError> {
    let l = find(cx, id)?;
    let tier = usize::from(tiers::effective(st, cx.day));
    let closed = |why: String| Err(RuleError::new(ErrorCode::LotteryClosed, why));
    // Validation guarantees the campaign exists.
    let Some(c) = cx.cfg.campaigns.iter().find(|c| c.id == l.campaign) else {
        return closed(format!("campaign `{}` is not in the rules", l.campaign));
    };
    let (start, end) = campaigns::window(cx.cfg, c, tier);
    if !campaigns::eligible(cx.cfg, c, tier) {
        return closed(format!("campaign `{}` is not open to this tier", c.id));
    }
    if cx.at < start {
        return closed(format!("opens with campaign `{}` on {}", c.id, c.start));
    }
    if cx.at >= end {
        let last = Date::from_day(c.start.to_day() + i32::from(c.days) - 1);
        return closed(format!("closed with campaign `{}` after {last}", c.id));
    }
    let today = st
        .draws
        .iter()
        .filter(|d| d.lottery == id && d.day == cx.day)
        .count();
    if today >= usize::from(l.daily_limit) {
        return Err(RuleError::new(
            ErrorCode::DrawLimitReached,
            format!("{} draws a day", l.daily_limit),
        ));
    }
    if l.cost_points > 0 {
        ledger::debit(st, cx, l.cost_points, format!("lottery:{id}"))?;
    }
    campaigns::take_part(st, cx, 0);
    let weight = cx
        .cfg
        .tiers
        .levels
        .get(tier)
        .map_or(1, |t| t.benefits.lottery_weight);
    st.draws.push(DrawRecord {
        lottery: id.to_owned(),
        device: device.to_owned(),
        seq,
        day: cx.day,
        weight,
        settled: false,
        prize: None,
    });
    cx.events.push(Event::DrawEntered {
        lottery: id.to_owned(),
        cost: l.cost_points,
    });
    Ok(())
}

/// The server's decision on a pending draw: the prize's reward (counted against the caps,
/// like every earned credit) or nothing.
#[cfg_attr(zailai_cold_size, optimize(size))]
#[inline(never)]
pub fn settle(
    st: &mut State,
    cx: &mut Ctx,
    id: &str,
    device: &str,
    seq: u32,
    prize: Option<&str>,
) -> Result<(), RuleError> {
    let Some(i) = st
        .draws
        .iter()
        .position(|d| d.lottery == id && d.device == device && d.seq == seq && !d.settled)
    else {
        return Err(RuleError::new(
            ErrorCode::DrawNotPending,
            format!("no pending draw of `{id}` by {device}/{seq}"),
        ));
    };
    let reward = match prize {
        Some(p) => {
            let l = find(cx, id)?;
            let z = l.prizes.iter().find(|z| z.id == p).ok_or_else(|| {
                RuleError::new(
                    ErrorCode::UnknownPrize,
                    format!("lottery `{id}` has no prize `{p}`"),
                )
            })?;
            Some(&z.reward)
        }
        None => None,
    };
    let d = &mut st.draws[i];
    d.settled = true;
    d.prize = prize.map(str::to_owned);
    cx.events.push(Event::DrawSettled {
        lottery: id.to_owned(),
        prize: d.prize.clone(),
    });
    if let (Some(reward), Some(p)) = (reward, prize) {
        rewards::grant(st, cx, reward, &format!("prize:{id}:{p}"));
    }
    Ok(())
}
