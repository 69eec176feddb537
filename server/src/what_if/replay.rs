//! One member's log replayed twice from the fork: under the current timeline and under the
//! candidate one, measured at the end of every week on both sides.

use super::tally::{Figure, MemberWeek};
use crate::facts::{FactRules, Summary};
use std::collections::BTreeMap;
use zailai::day::{BusinessClock, Day};
use zailai::timeline::Timeline;
use zailai::{Event, Op, State};

/// A member's op log as the server kept it: the ops it applied, in arrival order, the
/// server's and the merchant's (`~` devices) included.
#[derive(Debug, Clone)]
pub struct MemberLog {
    pub user: String,
    /// The business day the member joined (the stored state's `joined`).
    pub joined: Day,
    pub ops: Vec<Op>,
}

/// What a replay needs besides the log: both timelines and the weeks, with what the facts
/// need of the rules in effect at each week's end on each side.
pub struct Plan {
    /// The current timeline and the candidate's.
    pub sides: [Timeline; 2],
    pub clock: BusinessClock,
    /// First and last business day of each week.
    pub weeks: Vec<(Day, Day)>,
    /// Per week and side: the facts' view of the rules in effect at the week's end, and the
    /// tier ids (tiers are reported by id, so a renamed tier shows as one).
    pub rules: Vec<[(FactRules, Vec<String>); 2]>,
    /// The same for the day before the first week (the fork).
    pub before: (FactRules, Vec<String>),
}

/// Where a member stands at the end of a day on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measure {
    issued: u64,
    redeemed: i64,
    expired: u64,
    liability: u64,
    /// `None` before the member joined.
    tier: Option<u8>,
}

/// A member's state at the end of business day `last`, as the facts see it. Expiry runs
/// when the member's next op comes; points already past their last day count as expired
/// here, not as liability.
fn measure(st: &State, rules: &FactRules, last: Day) -> Measure {
    let (mut overdue, mut live) = (0, 0);
    for lot in st.lots.values() {
        if lot.expires <= last {
            overdue += lot.remaining;
        } else {
            live += lot.remaining;
        }
    }
    let t = &st.totals;
    Measure {
        issued: t.credited,
        redeemed: t.spent as i64 - t.restored as i64,
        expired: t.expired + overdue,
        liability: live,
        tier: (st.joined <= last).then(|| Summary::of(rules, st).tier_on(last)),
    }
}

/// What became of one member.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub weeks: Vec<MemberWeek>,
    /// Ops each side refused, by code (current, candidate).
    pub refused: [BTreeMap<String, u64>; 2],
    /// Ops replayed from the fork on.
    pub ops: u64,
    /// (tier index, points) at the end of the last week on each side, when they differ.
    pub changed: Option<Changed>,
}

/// A member whose tier or balance ends differently under the candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub user: String,
    pub tier: [String; 2],
    pub tier_steps: i64,
    pub balance: [u64; 2],
}

impl Changed {
    /// Larger first: the tier's change, then the balance's, then the id.
    pub fn rank_key(&self) -> (std::cmp::Reverse<(u64, u64)>, String) {
        let points = self.balance[1].abs_diff(self.balance[0]);
        (
            std::cmp::Reverse((self.tier_steps.unsigned_abs(), points)),
            self.user.clone(),
        )
    }
}

/// Counts, per week and side, the coupons, prizes and campaign points of `events`.
fn count_events(into: &mut BTreeMap<Figure, i64>, events: &[Event]) {
    for e in events {
        let (figure, n) = match e {
            Event::CouponGranted { coupon, .. } => (Figure::Coupon(coupon.clone()), 1),
            Event::DrawSettled {
                prize: Some(prize), ..
            } => (Figure::Prize(prize.clone()), 1),
            Event::PointsCredited {
                source, granted, ..
            } => match source.strip_prefix("campaign:") {
                Some(id) if *granted > 0 => (Figure::Campaign(id.to_owned()), i64::from(*granted)),
                _ => continue,
            },
            _ => continue,
        };
        *into.entry(figure).or_default() += n;
    }
}

/// Both sides of one member from the fork on.
struct Sides {
    states: [State; 2],
    /// Where each side stood at the end of the last week closed (the fork's day at first).
    previous: [Measure; 2],
    /// Coupons, prizes and campaign points of the week being replayed.
    events: [BTreeMap<Figure, i64>; 2],
    /// The next week to close.
    week: usize,
}

/// The tier id of index `t` in `ids`.
fn tier_id(ids: &[String], t: u8) -> String {
    ids.get(usize::from(t)).cloned().unwrap_or_default()
}

impl Sides {
    /// Closes every week that ends at or before `until`: measures both sides at its end.
    fn close_until(&mut self, plan: &Plan, ends: &[i64], until: i64, out: &mut [MemberWeek]) {
        while self.week < ends.len() && until >= ends[self.week] {
            let (week, last) = (self.week, plan.weeks[self.week].1);
            let row = &mut out[week];
            for s in 0..2 {
                let now = measure(&self.states[s], &plan.rules[week][s].0, last);
                let was = std::mem::replace(&mut self.previous[s], now);
                let Some(tier) = now.tier else { continue };
                let mut put = |figure: Figure, v: i64| {
                    let cell = row.entry(figure).or_insert((0, 0));
                    *if s == 0 { &mut cell.0 } else { &mut cell.1 } += v;
                };
                put(Figure::Members, 1);
                put(Figure::Issued, (now.issued - was.issued) as i64);
                put(Figure::Redeemed, now.redeemed - was.redeemed);
                put(Figure::Expired, (now.expired - was.expired) as i64);
                put(Figure::Liability, now.liability as i64);
                let id = tier_id(&plan.rules[week][s].1, tier);
                put(Figure::Tier(id.clone()), 1);
                if let Some(before) = was.tier {
                    let ids = match week {
                        0 => &plan.before.1,
                        _ => &plan.rules[week - 1][s].1,
                    };
                    let before = tier_id(ids, before);
                    if before != id {
                        put(Figure::Move(before, id), 1);
                    }
                }
                for (figure, n) in std::mem::take(&mut self.events[s]) {
                    put(figure, n);
                }
            }
            self.week += 1;
        }
    }
}

/// Replays `log` under the current timeline up to the first op at or after the first week's
/// start, then under each timeline from there (ops at or after the last week's end are left
/// out), measuring both sides at every week's end.
pub fn replay(plan: &Plan, log: &MemberLog) -> Outcome {
    let start = plan.clock.start_of(plan.weeks[0].0);
    let ends: Vec<i64> = plan
        .weeks
        .iter()
        .map(|&(_, last)| plan.clock.start_of(last + 1))
        .collect();
    let end = ends[ends.len() - 1];
    let mut out = Outcome {
        weeks: vec![MemberWeek::new(); ends.len()],
        ..Outcome::default()
    };
    let joined_at = plan.clock.start_of(log.joined);
    let mut shared = State::join(plan.sides[0].config_at(joined_at), &log.user, joined_at);
    let mut ops = log.ops.iter().filter(|op| op.at < end).peekable();
    // Before the fork both timelines agree (the caller checked): one replay.
    while let Some(op) = ops.next_if(|op| op.at < start) {
        if let Err(e) = plan.sides[0].apply(&mut shared, op) {
            *out.refused[0]
                .entry(e.code.as_str().to_owned())
                .or_default() += 1;
        }
    }
    let base = measure(&shared, &plan.before.0, plan.weeks[0].0 - 1);
    let mut sides = Sides {
        states: [shared.clone(), shared],
        previous: [base, base],
        events: Default::default(),
        week: 0,
    };
    for op in ops {
        sides.close_until(plan, &ends, op.at, &mut out.weeks);
        out.ops += 1;
        for s in 0..2 {
            match plan.sides[s].apply(&mut sides.states[s], op) {
                Ok(events) => count_events(&mut sides.events[s], &events),
                Err(e) => {
                    *out.refused[s]
                        .entry(e.code.as_str().to_owned())
                        .or_default() += 1
                }
            }
        }
    }
    sides.close_until(plan, &ends, end, &mut out.weeks);
    let last = ends.len() - 1;
    let [current, candidate] = sides.previous;
    if let (Some(t0), Some(t1)) = (current.tier, candidate.tier) {
        let tier = [
            tier_id(&plan.rules[last][0].1, t0),
            tier_id(&plan.rules[last][1].1, t1),
        ];
        let balance = [current.liability, candidate.liability];
        if t0 != t1 || tier[0] != tier[1] || balance[0] != balance[1] {
            out.changed = Some(Changed {
                user: log.user.clone(),
                tier,
                tier_steps: i64::from(t1) - i64::from(t0),
                balance,
            });
        }
    }
    out
}
