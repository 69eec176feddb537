//! `apply(state, op)`: the deterministic rule engine. Time comes only from `op.at`.

/// Adds an event to `cx`'s, built only when they are read: a replay (`State::replay`) builds
/// none (no texts, no dates formatted), and its state is the same.
macro_rules! emit {
    ($cx:expr, $event:expr) => {
        if !$cx.quiet {
            $cx.events.push($event)
        }
    };
}

mod archive;
pub(crate) mod campaigns;
mod cards;
mod checkin;
mod commerce;
pub(crate) mod ledger;
pub(crate) mod lifecycle;
mod lottery;
mod membership;
mod rewards;
mod tasks;
pub(crate) mod tiers;

pub use archive::{COUPON_KEEP_DAYS, MAX_ORDERS, ORDER_KEEP_DAYS};
pub use cards::{pity_due as card_pity, roll as card_roll};
pub use checkin::{current_streak, streak_ending};
pub(crate) use checkin::{makeup_refusal, milestone_at};
pub use commerce::MAX_HOLDS;
pub(crate) use commerce::MAX_ORDER_CENTS;

use crate::config::{Config, Downgrade};
use crate::day::{month_bounds, month_of, Date, Day};
use crate::error::{ErrorCode, RuleError};
use crate::event::{Event, TierReason};
use crate::op::{Op, OpKind};
use crate::state::State;

/// Counters that tasks can use besides tracked actions.
pub const BUILTIN_COUNTERS: [&str; 4] = ["check_in", "use_day", "order", "session_minutes"];
/// Tracked actions every program knows.
pub const BUILTIN_ACTIONS: [&str; 2] = ["open", "share"];
/// Largest `count` of one track op, and `minutes` of one session.
pub const MAX_TRACK_COUNT: u32 = 1000;
pub const MAX_SESSION_MINUTES: u32 = 1440;

/// What an op is being applied with: the rules, its business day, the events so far.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a Config,
    pub day: Day,
    /// The op's time (campaign windows start at an instant, earlier for some tiers).
    pub at: i64,
    pub events: Vec<Event>,
    /// Nobody reads the events (a replay): none are built.
    pub quiet: bool,
}

/// Whether `track` accepts `action`.
pub fn is_tracked_action(cfg: &Config, action: &str) -> bool {
    BUILTIN_ACTIONS.contains(&action)
        || cfg.points.earning.contains_key(action)
        || cfg.actions.iter().any(|a| a == action)
}

/// Whether a task may count `action`.
pub fn is_known_action(cfg: &Config, action: &str) -> bool {
    is_tracked_action(cfg, action) || BUILTIN_COUNTERS.contains(&action)
}

impl State {
    /// A new member who joined at `joined_at` (epoch ms).
    pub fn join(cfg: &Config, user: &str, joined_at: i64) -> State {
        State::new(user, cfg.clock().day_of(joined_at), joined_at)
    }

    /// Applies one op. On success returns what happened; on error the state is unchanged.
    pub fn apply(&mut self, cfg: &Config, op: &Op) -> Result<Vec<Event>, RuleError> {
        apply(self, cfg, op)
    }

    /// `apply` where the events are not wanted (a replay): the same state, the same errors,
    /// no events built.
    pub fn replay(&mut self, cfg: &Config, op: &Op) -> Result<(), RuleError> {
        apply_op(self, cfg, op, true).map(drop)
    }
}

/// Devices (ids not starting with `~`) a member may record ops from; a new one beyond is
/// `DEVICE_LIMIT`. Devices are never forgotten: a forgotten device's old ops would apply again.
pub const MAX_DEVICES: usize = 64;

/// How far past its last applied seq a device's next op may be (`OP_INVALID` beyond), so no
/// single op can take a device to `u32::MAX`, where it could never record again. Large, because
/// the server also counts refused ops as processed: an honest device may send many refused
/// ops between two applied ones, and must never meet this bound.
pub const MAX_SEQ_JUMP: u32 = 1_000_000;

/// Applies `op` to `state` under `cfg`. On error `state` is left exactly as it was.
pub fn apply(state: &mut State, cfg: &Config, op: &Op) -> Result<Vec<Event>, RuleError> {
    apply_op(state, cfg, op, false)
}

/// `apply`, with no events built when `quiet`. Not inlined: the wasm module's every caller
/// (actions, replay, previews) shares one copy.
#[inline(never)]
fn apply_op(
    state: &mut State,
    cfg: &Config,
    op: &Op,
    quiet: bool,
) -> Result<Vec<Event>, RuleError> {
    op.check_shape()?;
    let server = op.device.starts_with('~');
    if !server && op.op.written_by_server(cfg) {
        return Err(RuleError::new(
            ErrorCode::NotAllowed,
            "money (orders, holds, refunds, memberships), witnessed actions (invites), grants \
             and settlements are written by the server, not by devices"
                .to_owned(),
        ));
    }
    let last = state.devices.get(&op.device).copied();
    if let Some(last) = last {
        if op.seq <= last {
            return Err(RuleError::new(
                ErrorCode::DuplicateOp,
                format!("device `{}` seq {} is not after {last}", op.device, op.seq),
            ));
        }
    } else if !server && state.devices.keys().filter(|d| !d.starts_with('~')).count() >= MAX_DEVICES
    {
        return Err(RuleError::new(
            ErrorCode::DeviceLimit,
            format!("a member has at most {MAX_DEVICES} devices"),
        ));
    }
    // A device that jumps far ahead would reach u32::MAX and could never record again.
    if op.seq - last.unwrap_or(0) > MAX_SEQ_JUMP {
        return Err(RuleError::new(
            ErrorCode::OpInvalid,
            format!(
                "seq {} jumps more than {MAX_SEQ_JUMP} past device `{}`'s last ({})",
                op.seq,
                op.device,
                last.unwrap_or(0)
            ),
        ));
    }
    let day = cfg.clock().day_of(op.at);
    if day < state.joined {
        return Err(RuleError::new(
            ErrorCode::OpBeforeJoin,
            format!(
                "op dated {} is before the member joined ({})",
                Date::from_day(day),
                Date::from_day(state.joined)
            ),
        ));
    }
    let newest = state.advanced_to;
    if day < newest - i32::from(cfg.offline_window_days) {
        return Err(RuleError::new(
            ErrorCode::OpTooOld,
            format!(
                "op dated {} is more than {} days before {}",
                Date::from_day(day),
                cfg.offline_window_days,
                Date::from_day(newest)
            ),
        ));
    }
    // Handlers refuse before they change anything, so an op can work on the state itself.
    // Time effects (expiry, downgrades) run on the first op of a new business day and change
    // the state before the handler decides; what they change is put back if it refuses.
    let mut cx = Ctx {
        cfg,
        day,
        at: op.at,
        events: Vec::new(),
        quiet,
    };
    // A lapsed hold gives its points back before a server op runs (a device's `at` never
    // lapses one: RULES.md, time-based effects that protect someone else's money); rare, so
    // a refused op puts the state back from a whole copy.
    let holds_due = server && state.holds.values().any(|h| h.until <= op.at);
    let kept = holds_due.then(|| state.clone());
    let result = apply_timed(state, &mut cx, op, day, newest);
    // Not matched as a pair: that would move the whole (empty) copy at every op.
    if result.is_err() {
        if let Some(kept) = kept {
            *state = kept;
        }
    }
    result.map(|()| cx.events)
}

/// Time effects of a new business day, then the op; on refusal the time effects are undone.
fn apply_timed(
    state: &mut State,
    cx: &mut Ctx,
    op: &Op,
    day: Day,
    newest: Day,
) -> Result<(), RuleError> {
    if day.max(newest) > state.advanced_to {
        let before = TimeFields::take(state);
        let pruned = advance(state, cx, day.max(newest));
        if let Err(e) = run(state, cx, op) {
            before.restore(state, pruned);
            return Err(e);
        }
        // Once a day, after the op applied (so nothing needs undoing): what no op can change
        // any more leaves the state.
        archive::archive(state, cx.cfg, state.advanced_to);
        Ok(())
    } else {
        run(state, cx, op)
    }
}

/// What `advance` may change, kept to undo it when the op is then refused: copies of the
/// small fields it changes, while the lots it expires and the records it prunes come back
/// from [`Pruned`]. Copying the whole state instead would copy the member's history (every
/// check-in, debit, order and the per-day activity) on the first op of every day.
struct TimeFields {
    advanced_to: Day,
    balance: u64,
    totals: crate::state::Totals,
    paid: Option<crate::state::PaidTerm>,
    tier: u8,
    tier_reached: (u8, Day),
}

/// The lots expiry removed and the records `prune` dropped (usually one day's), to put back
/// when the op is refused.
#[derive(Default)]
struct Pruned {
    expired: Vec<(Day, crate::state::Lot)>,
    days: crate::vecmap::VecMap<Day, crate::state::DayStats>,
    month_earned: crate::vecmap::VecMap<crate::day::MonthIndex, u32>,
    month_spent: crate::vecmap::VecMap<crate::day::MonthIndex, u32>,
    makeups: crate::vecmap::VecMap<crate::day::MonthIndex, u32>,
    services_used: crate::vecmap::VecMap<crate::day::MonthIndex, u32>,
}

impl TimeFields {
    fn take(st: &State) -> TimeFields {
        TimeFields {
            advanced_to: st.advanced_to,
            balance: st.balance,
            totals: st.totals.clone(),
            paid: st.paid.clone(),
            tier: st.tier,
            tier_reached: st.tier_reached,
        }
    }

    fn restore(self, st: &mut State, pruned: Pruned) {
        st.advanced_to = self.advanced_to;
        for (day, lot) in pruned.expired {
            st.lots.insert(day, lot);
        }
        st.balance = self.balance;
        st.totals = self.totals;
        st.paid = self.paid;
        st.tier = self.tier;
        st.tier_reached = self.tier_reached;
        st.days.put_back(pruned.days);
        st.month_earned.put_back(pruned.month_earned);
        st.month_spent.put_back(pruned.month_spent);
        st.makeups.put_back(pruned.makeups);
        st.services_used.put_back(pruned.services_used);
    }
}

/// The op itself, then what follows from it. Must not change `st` before it can fail.
fn run(st: &mut State, cx: &mut Ctx, op: &Op) -> Result<(), RuleError> {
    let last_active = cx.cfg.clock().day_of(st.clock);
    // Ops of `~` devices are the server's or the merchant's (their `at` is the server's
    // clock): only they lapse holds, and they are never the member's activity.
    let server = op.device.starts_with('~');
    if server {
        let releasing = match &op.op {
            OpKind::ReleaseHold { order } => Some(order.as_str()),
            _ => None,
        };
        commerce::expire_holds(st, cx, releasing);
    }
    handle(st, cx, op)?;
    tiers::upgrade(st, cx);
    lifecycle::after_op(st, cx, last_active, !server);
    // A known device's seq is set in place: no copy of its id to insert.
    match st.devices.get_mut(&op.device) {
        Some(seq) => *seq = op.seq,
        None => {
            st.devices.insert(op.device.clone(), op.seq);
        }
    }
    if !server {
        st.clock = st.clock.max(op.at);
    }
    Ok(())
}

fn handle(st: &mut State, cx: &mut Ctx, op: &Op) -> Result<(), RuleError> {
    match &op.op {
        OpKind::CheckIn {} => checkin::check_in(st, cx),
        OpKind::MakeUp { date } => checkin::make_up(st, cx, *date),
        OpKind::Track { action, count } => track(st, cx, action, *count),
        OpKind::Session { minutes } => session(st, cx, *minutes),
        OpKind::ClaimTask { task } => tasks::claim(st, cx, task),
        OpKind::Redeem { item } => commerce::redeem(st, cx, item),
        OpKind::Order {
            order,
            amount_cents,
            points,
            coupon,
        } => commerce::order(st, cx, order, *amount_cents, *points, coupon.as_deref()),
        OpKind::CancelOrder { order } => commerce::cancel_order(st, cx, order),
        OpKind::HoldPoints {
            order,
            points,
            until,
        } => commerce::hold(st, cx, order, *points, *until),
        OpKind::ReleaseHold { order } => commerce::release(st, cx, order),
        OpKind::RefundOrder {
            order,
            amount_cents,
            points,
        } => commerce::refund(st, cx, order, *amount_cents, *points),
        OpKind::BuyMembership { plan } => commerce::buy_membership(st, cx, plan),
        OpKind::RevokeMembership { plan, from } => membership::revoke(st, cx, plan, *from),
        OpKind::UseService {} => commerce::use_service(st, cx),
        OpKind::Grant {
            points,
            coupon,
            reason,
        } => commerce::grant(st, cx, *points, coupon.as_ref(), reason),
        OpKind::ExchangeCards { set } => cards::exchange(st, cx, set),
        OpKind::Draw { lottery } => lottery::draw(st, cx, lottery, &op.device, op.seq),
        OpKind::SettleDraw {
            lottery,
            draw_device,
            draw_seq,
            prize,
        } => lottery::settle(st, cx, lottery, draw_device, *draw_seq, prize.as_deref()),
    }
}

fn track(st: &mut State, cx: &mut Ctx, action: &str, count: u32) -> Result<(), RuleError> {
    // The earning rule is looked up once: it also answers whether the action is known.
    let earning = cx.cfg.points.earning.get(action);
    if earning.is_none() && !is_tracked_action(cx.cfg, action) {
        return Err(RuleError::new(
            ErrorCode::UnknownAction,
            format!("action `{action}` is not in the rules"),
        ));
    }
    if count == 0 || count > MAX_TRACK_COUNT {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            format!("count must be a whole number from 1 to {MAX_TRACK_COUNT}"),
        ));
    }
    let stats = st.days.entry_or_default(cx.day);
    let first_open = action == "open" && stats.opens == 0;
    match action {
        "open" => stats.opens += count,
        "share" => stats.shares += count,
        _ => {}
    }
    emit!(
        cx,
        Event::ActionTracked {
            action: action.to_owned(),
            count,
        }
    );
    if let Some(rule) = earning {
        // One search of the day's counts: counted in place once the day has the rule, no
        // copy of its name per op.
        let done = stats.rule_counts.get_mut(action);
        let used = done.as_deref().copied().unwrap_or(0);
        let room = rule
            .daily_limit
            .map_or(count, |l| u32::from(l).saturating_sub(used));
        let n = count.min(room);
        if n > 0 {
            match done {
                Some(done) => *done += n,
                None => {
                    stats.rule_counts.insert(action.to_owned(), n);
                }
            }
            let earned = rule.points.saturating_mul(n);
            ledger::credit(st, cx, earned, ("earn:", action), true);
            campaigns::boost(st, cx, earned, campaigns::Boost::Action);
        }
    }
    if first_open {
        tasks::bump(st, cx, "use_day", 1);
    }
    tasks::bump(st, cx, action, u64::from(count));
    Ok(())
}

fn session(st: &mut State, cx: &mut Ctx, minutes: u32) -> Result<(), RuleError> {
    if minutes == 0 || minutes > MAX_SESSION_MINUTES {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            format!("minutes must be a whole number from 1 to {MAX_SESSION_MINUTES}"),
        ));
    }
    st.days.entry_or_default(cx.day).minutes += minutes;
    emit!(cx, Event::SessionRecorded { minutes });
    tasks::bump(st, cx, "session_minutes", u64::from(minutes));
    Ok(())
}

/// Runs time effects up to business day `to`: expiry, the end of a paid term, month-start
/// downgrades; then forgets activity older than any window still needs, and returns it.
fn advance(st: &mut State, cx: &mut Ctx, to: Day) -> Pruned {
    let from = st.advanced_to;
    if to <= from {
        return Pruned::default();
    }
    let expired = ledger::expire(st, cx, to);
    if let Some(term) = st.paid.clone() {
        if term.until < to {
            let before = tiers::effective(st, from);
            st.paid = None;
            emit!(cx, Event::MembershipEnded { plan: term.plan });
            st.advanced_to = to;
            tiers::note_change(st, cx, before, TierReason::PaidEnded);
        }
    }
    if cx.cfg.tiers.downgrade == Downgrade::MonthlyOneStep {
        for month in month_of(from) + 1..=month_of(to) {
            if st.tier == 0 {
                break;
            }
            let (first, _) = month_bounds(month);
            let upgrade = cx
                .cfg
                .tiers
                .levels
                .get(usize::from(st.tier))
                .and_then(|t| t.upgrade.as_ref());
            let still_meets = upgrade.is_none_or(|up| tiers::meets(st, cx.cfg, up, first - 1));
            if !still_meets {
                let before = tiers::effective(st, to);
                st.tier -= 1;
                st.advanced_to = to;
                tiers::note_change(st, cx, before, TierReason::Downgrade);
            }
        }
    }
    st.advanced_to = to;
    Pruned {
        expired,
        ..prune(st, cx.cfg, to)
    }
}

/// Drops per-day and per-month records no rule can look at any more, and returns them.
fn prune(st: &mut State, cfg: &Config, today: Day) -> Pruned {
    let rfm = &cfg.lifecycle.rfm;
    let longest = cfg
        .tiers
        .evaluation
        .longest()
        .max(rfm.frequency_window)
        .max(rfm.monetary_window);
    let keep = i32::from(longest) + i32::from(cfg.offline_window_days) + 32;
    let oldest_day = today - keep;
    let oldest_month = month_of(today - i32::from(cfg.offline_window_days)) - 1;
    Pruned {
        expired: Vec::new(),
        days: st.days.take_before(&oldest_day),
        month_earned: st.month_earned.take_before(&oldest_month),
        month_spent: st.month_spent.take_before(&oldest_month),
        makeups: st.makeups.take_before(&oldest_month),
        services_used: st.services_used.take_before(&oldest_month),
    }
}
