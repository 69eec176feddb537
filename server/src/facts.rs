//! Report facts (issue 16): what the operator's report needs of each member, kept in tables
//! beside the member's record and written in the same transaction wherever an op is applied
//! (`Store::transact`, `Store::once`), so the report is a handful of SQL aggregates instead of
//! a replay of every op log (`docs/report.md`, "How it is computed").
//!
//! Pure: no store, no I/O. A commit's facts are a function of the rules in effect, the
//! member's state before and after it and the op rows it applied ([`commit`]); the backends
//! write what it returns ([`Changes`]) and sum them up (`store::report_sql`). The same
//! derivation, run op by op over a replayed log, rebuilds the facts of a database from before
//! them ([`replay`]; `facts_rebuild` drives it over a store).

use crate::facts_ledger;
use crate::op_log::OpRow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use zailai::day::{BusinessClock, Day};
use zailai::timeline::Timeline;
use zailai::{Config, Op, State};

/// The ages (days after joining) the report's retention counts, as bits of `returned`.
pub const RETURN_AGES: [(i32, u8); 3] = [(1, 1), (7, 2), (30, 4)];

/// The bit of `returned` for an age, if the report counts it.
pub fn return_bit(age: i32) -> u8 {
    RETURN_AGES
        .iter()
        .find(|(a, _)| *a == age)
        .map_or(0, |(_, bit)| *bit)
}

/// What of the rules the facts depend on: the business day, and the campaign windows.
#[derive(Debug, Clone)]
pub struct FactRules {
    clock: BusinessClock,
    /// Campaign id, first day, number of days.
    campaigns: Vec<(String, Day, u16)>,
    /// The whole rules: the ledger facts apply a commit's ops again (`facts_ledger`).
    config: Arc<Config>,
}

impl FactRules {
    pub fn of(cfg: &Config) -> FactRules {
        FactRules {
            clock: cfg.clock(),
            config: Arc::new(cfg.clone()),
            campaigns: cfg
                .campaigns
                .iter()
                .map(|c| (c.id.clone(), c.start.to_day(), c.days))
                .collect(),
        }
    }
}

/// The fact rules of every rule version, by the instant each takes effect: the facts of a
/// commit follow the version its newest applied op was applied under ([`commit`]).
#[derive(Debug, Clone)]
pub struct FactTimeline {
    /// `(effective_from, rules)`, oldest first; the first also holds before its instant.
    versions: Vec<(i64, FactRules)>,
}

impl FactTimeline {
    /// One rule set for every instant (tools and tests with a single `Config`).
    pub fn single(rules: FactRules) -> FactTimeline {
        FactTimeline {
            versions: vec![(i64::MIN, rules)],
        }
    }

    /// The fact rules of each version of a server's timeline.
    pub fn of(timeline: &Timeline) -> FactTimeline {
        FactTimeline {
            versions: timeline
                .versions()
                .iter()
                .map(|v| (v.effective_from, FactRules::of(&v.config)))
                .collect(),
        }
    }

    /// The rules in effect at `at`: the last version in effect by then, else the first.
    pub fn at(&self, at: i64) -> &FactRules {
        let later = self.versions.partition_point(|(from, _)| *from <= at);
        &self.versions[later.saturating_sub(1)].1
    }
}

impl From<FactRules> for FactTimeline {
    fn from(rules: FactRules) -> FactTimeline {
        FactTimeline::single(rules)
    }
}

/// A stretch of days over which the member's effective tier holds: `from ..< until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierSpan {
    pub from: Day,
    pub until: Option<Day>,
    /// Index into the rules' tier levels.
    pub tier: u8,
}

/// The parts of a member's state the facts follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    joined: Day,
    earned: u8,
    /// A paid membership's (tier, last day), when one was bought.
    paid: Option<(u8, Day)>,
    /// Campaign id → days of its window with a check-in (checked or made up).
    campaigns: BTreeMap<String, u32>,
}

impl Summary {
    pub fn of(rules: &FactRules, st: &State) -> Summary {
        let campaigns = rules
            .campaigns
            .iter()
            .filter(|(id, _, _)| st.campaigns.contains_key(id))
            .map(|(id, first, days)| {
                let n = st
                    .checkins
                    .range(*first..*first + i32::from(*days))
                    .filter(|(_, r)| r.mark != zailai::state::Mark::Frozen)
                    .count() as u32;
                (id.clone(), n)
            })
            .collect();
        Summary {
            joined: st.joined,
            earned: st.tier,
            paid: st.paid.as_ref().map(|p| (p.tier, p.until)),
            campaigns,
        }
    }

    /// The last day of a paid membership that sets the tier (the report's "paid member" on
    /// a day is `paid_until >= day`); `None` without one.
    fn paid_until(&self) -> Option<Day> {
        self.paid
            .filter(|&(tier, _)| tier >= self.earned)
            .map(|(_, until)| until)
    }

    /// The effective tier on `day`, as the report's tier timeline has it ([`Summary::spans`]).
    pub fn tier_on(&self, day: Day) -> u8 {
        self.spans(day)[0].tier
    }

    /// The effective tier from `from` on, as this state has it: raised by a paid membership
    /// until its last day, then the earned tier (`zailai::engine::tiers::effective`).
    fn spans(&self, from: Day) -> Vec<TierSpan> {
        match self.paid {
            Some((tier, until)) if until >= from && tier > self.earned => vec![
                TierSpan {
                    from,
                    until: Some(until + 1),
                    tier,
                },
                TierSpan {
                    from: until + 1,
                    until: None,
                    tier: self.earned,
                },
            ],
            _ => vec![TierSpan {
                from,
                until: None,
                tier: self.earned,
            }],
        }
    }
}

/// What one commit changes in the facts; the backends write it in the commit's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// (joined, paid_until) of `member_facts`, when new or changed.
    pub member: Option<(Day, Option<Day>)>,
    /// Business days with an applied op of the member's own devices (`member_days`), each once.
    pub days: Vec<Day>,
    /// Bits to set in `member_facts.returned` ([`RETURN_AGES`]).
    pub returned: u8,
    /// The tier timeline from a day on: spans starting then or later are replaced by these,
    /// and a span running past that day ends there.
    pub tiers: Option<(Day, Vec<TierSpan>)>,
    /// Campaign days per campaign taken part in, when new or changed.
    pub campaigns: Vec<(String, u32)>,
    /// Ledger amounts by (day, kind) to add (`facts_ledger`), or to set with `replace`.
    pub amounts: Vec<(Day, String, i64)>,
    /// Lots changed: (earned day, last usable day, remaining); 0 remaining: gone.
    pub lots: Vec<(Day, Day, u64)>,
    /// Whole facts of a member (a rebuild, a bulk load): amounts are set, not added, and the
    /// member's lots are cleared before these are written.
    pub replace: bool,
}

/// The facts a commit changes: `before` is the member's summary before it (`None` for a new
/// member), `after` the state it commits, `rows` the op rows it logs.
pub fn changes(
    rules: &FactRules,
    before: Option<&Summary>,
    after: &State,
    rows: &[OpRow],
) -> Changes {
    let now = Summary::of(rules, after);
    let applied = || rows.iter().filter(|r| r.result == "applied");
    // The member's active days and returns count the member's own ops only: the server's and
    // the merchant's (`~` devices) are not the member's activity (RULES.md).
    let days: BTreeSet<Day> = applied()
        .filter(|r| !r.device.starts_with('~'))
        .map(|r| rules.clock.day_of(r.at))
        .collect();
    let first_applied = applied().map(|r| rules.clock.day_of(r.at)).min();
    let member = (now.joined, now.paid_until());
    let returned = days
        .iter()
        .fold(0, |bits, d| bits | return_bit(d - now.joined));
    // A new member's timeline starts on the join day; a change holds from the first day the
    // commit applied an op on (an offline push's older ops included, a merchant's too).
    let tiers = match before {
        None => Some((now.joined, now.spans(now.joined))),
        Some(b) => first_applied
            .and_then(|from| (b.spans(from) != now.spans(from)).then(|| (from, now.spans(from)))),
    };
    let campaigns = now
        .campaigns
        .iter()
        .filter(|(id, n)| before.and_then(|b| b.campaigns.get(*id)) != Some(*n))
        .map(|(id, n)| (id.clone(), *n))
        .collect();
    Changes {
        member: (before.map(|b| (b.joined, b.paid_until())) != Some(member)).then_some(member),
        days: days.into_iter().collect(),
        returned,
        tiers,
        campaigns,
        ..Changes::default()
    }
}

/// The instant whose rules a commit's facts follow: its newest applied op's `at` (the version
/// that op was applied under); a commit that applied none writes no day, and follows the
/// newest version.
pub fn rules_instant(rows: &[OpRow]) -> i64 {
    rows.iter()
        .filter(|r| r.result == "applied")
        .map(|r| r.at)
        .max()
        .unwrap_or(i64::MAX)
}

/// The facts a commit writes: `before` is the member's state before it (the fresh record's
/// for a `new` member), `after` the state it commits, `rows` the op rows it logs, all read under the
/// rule version in effect at [`rules_instant`]. What the stores write in the commit's
/// transaction.
pub fn commit(
    rules: &FactTimeline,
    before: &State,
    new: bool,
    after: &State,
    rows: &[OpRow],
) -> Changes {
    let now = rules.at(rules_instant(rows));
    let summary = (!new).then(|| Summary::of(now, before));
    let mut c = changes(now, summary.as_ref(), after, rows);
    c.amounts = facts_ledger::commit_amounts(
        |at| rules.at(at).config.as_ref(),
        |at| now.clock.day_of(at),
        before,
        after,
        rows,
    )
    .into_iter()
    .filter(|(_, n)| *n != 0)
    .map(|((day, kind), n)| (day, kind, n))
    .collect();
    c.lots = facts_ledger::lot_changes(before, after);
    c
}

/// One member's facts held in memory: what the tables hold for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFacts {
    pub joined: Day,
    pub paid_until: Option<Day>,
    pub returned: u8,
    pub days: BTreeSet<Day>,
    pub tiers: Vec<TierSpan>,
    pub campaigns: BTreeMap<String, u32>,
    pub amounts: facts_ledger::Amounts,
    /// Lots by earned day: (last usable day, remaining).
    pub lots: BTreeMap<Day, (Day, u64)>,
}

impl MemberFacts {
    /// Applies a commit's changes as the backends do in SQL.
    pub fn apply(&mut self, c: &Changes) {
        if let Some((joined, paid_until)) = c.member {
            self.joined = joined;
            self.paid_until = paid_until;
        }
        self.days.extend(c.days.iter().copied());
        self.returned |= c.returned;
        if let Some((from, spans)) = &c.tiers {
            self.tiers.retain(|s| s.from < *from);
            for s in &mut self.tiers {
                if s.until.is_none_or(|u| u > *from) {
                    s.until = Some(*from);
                }
            }
            self.tiers.extend(spans.iter().copied());
        }
        for (id, n) in &c.campaigns {
            self.campaigns.insert(id.clone(), *n);
        }
        if c.replace {
            self.amounts.clear();
            self.lots.clear();
        }
        for (day, kind, n) in &c.amounts {
            *self.amounts.entry((*day, kind.clone())).or_default() += n;
        }
        for &(earned, expires, remaining) in &c.lots {
            if remaining == 0 {
                self.lots.remove(&earned);
            } else {
                self.lots.insert(earned, (expires, remaining));
            }
        }
    }
}

impl MemberFacts {
    /// The changes that write these facts into empty tables.
    pub fn as_changes(&self) -> Changes {
        Changes {
            member: Some((self.joined, self.paid_until)),
            days: self.days.iter().copied().collect(),
            returned: self.returned,
            tiers: Some((Day::MIN, self.tiers.clone())),
            campaigns: self
                .campaigns
                .iter()
                .map(|(id, n)| (id.clone(), *n))
                .collect(),
            amounts: self
                .amounts
                .iter()
                .map(|((day, kind), n)| (*day, kind.clone(), *n))
                .collect(),
            lots: self
                .lots
                .iter()
                .map(|(earned, (expires, n))| (*earned, *expires, *n))
                .collect(),
            replace: true,
        }
    }
}

/// A member's facts rebuilt from the op log: the log replayed op by op from the join, each
/// applied op taken as a commit of its own (for databases from before the facts tables),
/// each op applied under the rule version in effect at its `at` (`versions`) and its facts
/// read under the same version's fact rules (`rules`), as [`commit`] reads a live one's.
pub fn replay(
    rules: &FactTimeline,
    versions: &impl zailai::timeline::RulesAt,
    stored: &State,
    rows: &[OpRow],
) -> MemberFacts {
    let first = versions.config_at(i64::MIN);
    let joined = first.clock().start_of(stored.joined);
    let mut st = State::join(versions.config_at(joined), &stored.user, joined);
    let mut facts = MemberFacts::default();
    let mut new = true;
    for row in rows.iter().filter(|r| r.result == "applied") {
        let before = st.clone();
        if let Ok(op) = Op::from_json(&row.op) {
            // The server applied it; a replay refusing it would mean other rules: skip it.
            let _ = st.apply(versions.config_at(op.at), &op);
        }
        facts.apply(&commit(rules, &before, new, &st, std::slice::from_ref(row)));
        new = false;
    }
    // The stored state is the authority on what holds now: its membership, campaign days and
    // lots are kept (the tier timeline is the replay's: no day is applied here).
    facts.apply(&commit(rules, &st, new, stored, &[]));
    facts
}
