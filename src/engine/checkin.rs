//! Daily check-in, streaks and milestones, streak freezes, and make-up (补签).

use super::{ledger, rewards, tiers, Ctx};
use crate::config::{Config, MakeupWindow, StreakBonus};
use crate::day::{month_of, Date, Day};
use crate::error::{ErrorCode, RuleError};
use crate::event::Event;
use crate::state::{CheckinRecord, Mark, State};

/// Length of the run of marked days (checked, made up or frozen) ending on `day`.
pub fn streak_ending(st: &State, day: Day) -> u32 {
    let mut n = 0;
    let mut d = day;
    for (&marked, _) in st.checkins.range(..=day).rev() {
        if marked != d {
            break;
        }
        n += 1;
        d = d.saturating_sub(1);
    }
    n
}

/// The streak shown on `today`: it is still alive until today ends without a check-in.
pub fn current_streak(st: &State, today: Day) -> u32 {
    if st.checkins.contains_key(&today) {
        streak_ending(st, today)
    } else {
        streak_ending(st, today - 1)
    }
}

/// The milestone cycle day paid at streak position `k` (1-based), if any.
pub fn milestone_at(cfg: &Config, k: u32) -> Option<&StreakBonus> {
    let cycle = u32::from(cfg.checkin.streak_cycle.max(1));
    let pos = ((k.max(1) - 1) % cycle + 1) as u16;
    cfg.checkin.streak_bonuses.iter().find(|b| b.day == pos)
}

pub fn check_in(st: &mut State, cx: &mut Ctx) -> Result<(), RuleError> {
    let day = cx.day;
    if st.checkins.contains_key(&day) {
        return Err(RuleError::new(
            ErrorCode::AlreadyCheckedIn,
            format!("{} is checked in already", Date::from_day(day)),
        ));
    }
    use_freezes(st, cx);
    st.checkins.insert(
        day,
        CheckinRecord {
            mark: Mark::Checked,
            points: 0,
            milestone: None,
        },
    );
    let streak = streak_ending(st, day);
    emit!(
        cx,
        Event::CheckedIn {
            date: Date::from_day(day),
            streak,
        }
    );
    let tier = usize::from(tiers::effective(st, day));
    let base = cx
        .cfg
        .tiers
        .levels
        .get(tier)
        .map_or(0, |t| t.benefits.checkin_points);
    let mut points = ledger::credit(st, cx, base, ("check_in", ""), true);
    points += super::campaigns::boost(st, cx, base, super::campaigns::Boost::CheckIn);
    let mut milestone = None;
    if let Some(bonus) = milestone_at(cx.cfg, streak) {
        emit!(
            cx,
            Event::StreakMilestone {
                date: Date::from_day(day),
                streak,
                cycle_day: bonus.day,
                reward: bonus.reward.clone(),
            }
        );
        points += rewards::grant(st, cx, &bonus.reward, "streak_bonus");
        milestone = Some(bonus.day);
    }
    if let Some(rec) = st.checkins.get_mut(&day) {
        rec.points = points;
        rec.milestone = milestone;
    }
    super::tasks::bump(st, cx, "check_in", 1);
    Ok(())
}

/// A gap of n missed days since the last marked day is bridged when n freezes are held.
fn use_freezes(st: &mut State, cx: &mut Ctx) {
    let Some((&prev, _)) = st.checkins.range(..cx.day).next_back() else {
        return;
    };
    let gap = cx.day - prev - 1;
    if gap <= 0 || gap > i32::from(st.freezes) {
        return;
    }
    let frozen: Vec<Day> = (prev + 1..cx.day).collect();
    for &d in &frozen {
        st.checkins.insert(
            d,
            CheckinRecord {
                mark: Mark::Frozen,
                points: 0,
                milestone: None,
            },
        );
    }
    st.freezes = st.freezes.saturating_sub(gap as u16);
    cx.events.push(Event::FreezeUsed {
        dates: frozen.into_iter().map(Date::from_day).collect(),
        held: st.freezes,
    });
}

/// Why `date` cannot be made up on `today`, or `None` when it can (points aside).
pub fn makeup_refusal(st: &State, cfg: &Config, today: Day, date: Day) -> Option<RuleError> {
    let mk = &cfg.checkin.makeup;
    let name = Date::from_day(date);
    let err = |code, detail: String| Some(RuleError::new(code, detail));
    if date >= today {
        return err(
            ErrorCode::MakeupNotPast,
            format!("{name} is not a past day"),
        );
    }
    if date < st.joined {
        return err(
            ErrorCode::MakeupBeforeJoin,
            format!(
                "{name} is before the member joined ({})",
                Date::from_day(st.joined)
            ),
        );
    }
    if st.checkins.contains_key(&date) {
        return err(ErrorCode::MakeupNotMissed, format!("{name} was not missed"));
    }
    let in_window = match mk.window {
        MakeupWindow::Month => month_of(date) == month_of(today),
        MakeupWindow::LastDays { days } => today - date <= i32::from(days),
    };
    if !in_window {
        return err(
            ErrorCode::MakeupWindowExceeded,
            format!("{name} is outside the make-up window"),
        );
    }
    let used = st.makeups.get(&month_of(today)).copied().unwrap_or(0);
    if used >= u32::from(mk.monthly_limit) {
        return err(
            ErrorCode::MakeupLimitReached,
            format!("{used} of {} make-ups used this month", mk.monthly_limit),
        );
    }
    None
}

#[cfg_attr(zailai_cold_size, optimize(size))] // a make-up: at most 3 a month
#[inline(never)]
pub fn make_up(st: &mut State, cx: &mut Ctx, date: Date) -> Result<(), RuleError> {
    let day = date.to_day();
    if let Some(e) = makeup_refusal(st, cx.cfg, cx.day, day) {
        return Err(e);
    }
    let cost = cx.cfg.checkin.makeup.cost_points;
    ledger::ensure_balance(st, cost)?;
    if cost > 0 {
        ledger::debit(st, cx, cost, format!("makeup:{date}"))?;
    }
    *st.makeups.entry_or_default(month_of(cx.day)) += 1;
    st.checkins.insert(
        day,
        CheckinRecord {
            mark: Mark::MadeUp,
            points: 0,
            milestone: None,
        },
    );
    let position = streak_ending(st, day);
    let streak = current_streak(st, cx.day);
    cx.events.push(Event::MadeUp { date, cost, streak });
    if cx.cfg.checkin.makeup.pays_missed_milestones {
        if let Some(bonus) = milestone_at(cx.cfg, position) {
            emit!(
                cx,
                Event::StreakMilestone {
                    date,
                    streak: position,
                    cycle_day: bonus.day,
                    reward: bonus.reward.clone(),
                }
            );
            let points = rewards::grant(st, cx, &bonus.reward, "streak_bonus");
            if let Some(rec) = st.checkins.get_mut(&day) {
                rec.points = points;
                rec.milestone = Some(bonus.day);
            }
        }
    }
    Ok(())
}
