//! The what-if's answer: JSON for machines (the shape is in `docs/rules-lifecycle.md`,
//! "What-if") and text for people.

use super::replay::Plan;
use super::tally::{estimate, Acc, Figure};
use super::{Replayed, Window};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use zailai::day::Date;
use zailai::timeline::Timeline;

/// What every what-if assumes, stated in its answer.
pub const ASSUMPTION: &str = "members behave as they did: the same ops at the same times \
    (the ops the server applied, its own and the merchant's included); an op the candidate \
    refuses is refused and counted, and nothing is done in its place";

/// How a sample's intervals are computed.
pub const CONFIDENCE_METHOD: &str = "95 % normal-approximation interval of a total estimated \
    from a simple random sample of members without replacement, with the finite-population \
    correction: N·mean ± 1.96·N·√((1 − n/N)·s²/n), s² the sample variance of the members' \
    values (for a difference: of each member's own difference)";

/// A version in effect at some point of the stretch.
#[derive(Debug, Clone, Serialize)]
pub struct VersionRef {
    pub number: u32,
    pub hash: String,
    /// Unix ms; `null` for a version in effect since before any instant.
    pub effective_from: Option<i64>,
}

/// One figure on both sides. Counts and points are whole numbers (estimates rounded), yuan
/// have two decimals; `ci95` is the half-width of each value's 95 % interval when sampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fig {
    #[serde(serialize_with = "number")]
    pub current: f64,
    #[serde(serialize_with = "number")]
    pub candidate: f64,
    #[serde(serialize_with = "number")]
    pub difference: f64,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "numbers")]
    pub ci95: Option<[f64; 3]>,
}

/// A whole number as one (`946`, not `946.0`); others as they are.
fn number<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        s.serialize_i64(*x as i64)
    } else {
        s.serialize_f64(*x)
    }
}

fn numbers<S: serde::Serializer>(xs: &Option<[f64; 3]>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let Some(xs) = xs else {
        return s.serialize_none();
    };
    let mut seq = s.serialize_seq(Some(3))?;
    for x in xs {
        seq.serialize_element(&Whole(*x))?;
    }
    seq.end()
}

/// A number written by [`number`].
struct Whole(f64);

impl Serialize for Whole {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        number(&self.0, s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Week {
    pub from: Date,
    pub to: Date,
    /// Members who had joined by the week's last day.
    pub members: Fig,
    pub points_issued: Fig,
    pub points_redeemed: Fig,
    pub points_expired: Fig,
    /// Points still usable after the week.
    pub liability_points: Fig,
    /// The same in yuan at each side's checkout rate of the week.
    pub liability_yuan: Fig,
    /// Members by tier id on the week's last day.
    pub tiers: BTreeMap<String, Fig>,
    /// Members whose tier moved over the week, by `from→to`.
    pub tier_moves: BTreeMap<String, Fig>,
    pub coupons: BTreeMap<String, Fig>,
    pub prizes: BTreeMap<String, Fig>,
    /// Extra points each campaign paid, in yuan at the checkout rate.
    pub campaign_cost_yuan: BTreeMap<String, Fig>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Members {
    /// Members in the program.
    pub population: u64,
    /// Members replayed: all of them, or a sample.
    pub replayed: u64,
    pub sampled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ops {
    /// Ops replayed from the first week on (of the members replayed).
    pub replayed: u64,
    /// Refused by the candidate, by code (of the members replayed).
    pub refused_by_candidate: BTreeMap<String, u64>,
    /// Refused by the current rules on replay, by code: none when the replay is faithful.
    pub refused_by_current: BTreeMap<String, u64>,
}

/// A member whose tier or balance ends differently, for lookup by id.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedMember {
    pub user: String,
    pub tier: Side<String>,
    pub points: Side<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side<T> {
    pub current: T,
    pub candidate: T,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub assumption: &'static str,
    pub from: Date,
    pub to: Date,
    /// Versions in effect from `from` to `to` on each side.
    pub current: Vec<VersionRef>,
    pub candidate: Vec<VersionRef>,
    pub members: Members,
    /// How intervals were computed, when sampled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<&'static str>,
    pub ops: Ops,
    pub weeks: Vec<Week>,
    /// The members whose tier, then balance, changes most at `to` (at most 20).
    pub changed_most: Vec<ChangedMember>,
}

fn versions_in(t: &Timeline, start: i64, end: i64) -> Vec<VersionRef> {
    let first = t.version_at(start).number;
    t.versions()
        .iter()
        .filter(|v| v.number == first || (v.effective_from >= start && v.effective_from < end))
        .map(|v| VersionRef {
            number: v.number,
            hash: v.hash.clone(),
            effective_from: (v.effective_from != i64::MIN).then_some(v.effective_from),
        })
        .collect()
}

/// Rounded to `places` decimals (figures read as whole points or yuan and fen).
fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

impl Report {
    pub fn new(plan: &Plan, r: &Replayed, window: Window) -> Report {
        let (n, population) = (r.tally.members, window.population);
        let sampled = n < population;
        let fig = |acc: &Acc, rates: [f64; 2], places: i32| {
            let [c, d, diff] = acc
                .weighted(rates[0], rates[1])
                .map(|m| estimate(m, n, population));
            Fig {
                current: round(c.0, places),
                candidate: round(d.0, places),
                difference: round(diff.0, places),
                ci95: sampled.then(|| [c.1, d.1, diff.1].map(|h| round(h, places.max(1)))),
            }
        };
        // A figure no member has: 0 on both sides (exactly, sampled or not).
        let zero = Fig {
            current: 0.0,
            candidate: 0.0,
            difference: 0.0,
            ci95: sampled.then_some([0.0; 3]),
        };
        let weeks = plan
            .weeks
            .iter()
            .zip(&r.tally.weeks)
            .map(|(&(first, last), sums)| {
                // Yuan per point on each side: the checkout rate in effect at the week's end.
                let end = plan.clock.start_of(last + 1) - 1;
                let yuan = [&plan.sides[0], &plan.sides[1]].map(|t| {
                    let c = &t.config_at(end).points.checkout;
                    f64::from(c.cents) / f64::from(c.points.max(1)) / 100.0
                });
                let mut week = Week {
                    from: Date::from_day(first),
                    to: Date::from_day(last),
                    members: zero.clone(),
                    points_issued: zero.clone(),
                    points_redeemed: zero.clone(),
                    points_expired: zero.clone(),
                    liability_points: zero.clone(),
                    liability_yuan: zero.clone(),
                    tiers: BTreeMap::new(),
                    tier_moves: BTreeMap::new(),
                    coupons: BTreeMap::new(),
                    prizes: BTreeMap::new(),
                    campaign_cost_yuan: BTreeMap::new(),
                };
                for (figure, acc) in sums {
                    let points = fig(acc, [1.0, 1.0], 0);
                    match figure {
                        Figure::Members => week.members = points,
                        Figure::Issued => week.points_issued = points,
                        Figure::Redeemed => week.points_redeemed = points,
                        Figure::Expired => week.points_expired = points,
                        Figure::Liability => {
                            week.liability_points = points;
                            week.liability_yuan = fig(acc, yuan, 2);
                        }
                        Figure::Tier(id) => {
                            week.tiers.insert(id.clone(), points);
                        }
                        Figure::Move(a, b) => {
                            week.tier_moves.insert(format!("{a}→{b}"), points);
                        }
                        Figure::Coupon(id) => {
                            week.coupons.insert(id.clone(), points);
                        }
                        Figure::Prize(id) => {
                            week.prizes.insert(id.clone(), points);
                        }
                        Figure::Campaign(id) => {
                            week.campaign_cost_yuan
                                .insert(id.clone(), fig(acc, yuan, 2));
                        }
                    }
                }
                week
            })
            .collect();
        let (start, end) = (
            plan.clock.start_of(plan.weeks[0].0),
            plan.clock.start_of(plan.weeks[plan.weeks.len() - 1].1 + 1),
        );
        Report {
            assumption: ASSUMPTION,
            from: Date::from_day(window.from),
            to: Date::from_day(window.to),
            current: versions_in(&plan.sides[0], start, end),
            candidate: versions_in(&plan.sides[1], start, end),
            members: Members {
                population,
                replayed: n,
                sampled,
            },
            confidence: sampled.then_some(CONFIDENCE_METHOD),
            ops: Ops {
                replayed: r.ops,
                refused_by_candidate: r.refused[1].clone(),
                refused_by_current: r.refused[0].clone(),
            },
            weeks,
            changed_most: r
                .changed
                .iter()
                .map(|c| ChangedMember {
                    user: c.user.clone(),
                    tier: Side {
                        current: c.tier[0].clone(),
                        candidate: c.tier[1].clone(),
                    },
                    points: Side {
                        current: c.balance[0],
                        candidate: c.balance[1],
                    },
                })
                .collect(),
        }
    }

    /// The report for people: one table a figure, a row a week.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let hashes = |v: &[VersionRef]| {
            v.iter()
                .map(|v| format!("v{} {}", v.number, short(&v.hash)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "What-if from {} to {}: current rules {} against the candidate {}",
            self.from,
            self.to,
            hashes(&self.current),
            hashes(&self.candidate)
        );
        let _ = writeln!(out, "Assumption: {}.", self.assumption);
        let m = &self.members;
        if m.sampled {
            let _ = writeln!(
                out,
                "Members: a sample of {} of {}; totals are estimates, ± the half-width of \
                 their 95 % interval ({}).",
                m.replayed,
                m.population,
                self.confidence.unwrap_or_default()
            );
        } else {
            let _ = writeln!(out, "Members: all {} replayed.", m.replayed);
        }
        let refused: u64 = self.ops.refused_by_candidate.values().sum();
        let _ = writeln!(
            out,
            "Ops replayed: {}; refused by the candidate: {refused}{}.",
            self.ops.replayed,
            codes(&self.ops.refused_by_candidate)
        );
        if !self.ops.refused_by_current.is_empty() {
            let _ = writeln!(
                out,
                "Warning: the current rules refused {} ops on replay{} (the logs were applied \
                 under other rules?)",
                self.ops.refused_by_current.values().sum::<u64>(),
                codes(&self.ops.refused_by_current)
            );
        }
        let scalar: [(&str, ScalarOf, usize); 6] = [
            ("Members", |w| &w.members, 0),
            ("Points issued", |w| &w.points_issued, 0),
            (
                "Points redeemed (net of refunds)",
                |w| &w.points_redeemed,
                0,
            ),
            ("Points expired", |w| &w.points_expired, 0),
            (
                "Outstanding points at the week's end",
                |w| &w.liability_points,
                0,
            ),
            (
                "Liability at the week's end, yuan at the checkout rate",
                |w| &w.liability_yuan,
                2,
            ),
        ];
        for (title, get, places) in scalar {
            let rows = self.weeks.iter().map(|w| (w, None, get(w)));
            table(&mut out, title, places, rows);
        }
        let keyed: [(&str, KeyedOf, usize); 5] = [
            ("Members by tier", |w| &w.tiers, 0),
            ("Tier moves over the week", |w| &w.tier_moves, 0),
            ("Coupons issued", |w| &w.coupons, 0),
            ("Prizes issued", |w| &w.prizes, 0),
            (
                "Campaign cost, yuan at the checkout rate",
                |w| &w.campaign_cost_yuan,
                2,
            ),
        ];
        for (title, get, places) in keyed {
            let rows = self
                .weeks
                .iter()
                .flat_map(|w| get(w).iter().map(move |(k, f)| (w, Some(k.as_str()), f)));
            table(&mut out, title, places, rows);
        }
        let _ = writeln!(
            out,
            "\nMembers whose tier or balance changes most (at {}):",
            self.to
        );
        if self.changed_most.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for c in &self.changed_most {
            let _ = writeln!(
                out,
                "  {:<24} tier {} → {}   points {} → {} ({:+})",
                c.user,
                c.tier.current,
                c.tier.candidate,
                c.points.current,
                c.points.candidate,
                c.points.candidate as i64 - c.points.current as i64
            );
        }
        out
    }
}

/// A week's figure, and a week's figures by key, as the text tables pick them.
type ScalarOf = fn(&Week) -> &Fig;
type KeyedOf = fn(&Week) -> &BTreeMap<String, Fig>;

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn codes(by_code: &BTreeMap<String, u64>) -> String {
    if by_code.is_empty() {
        return String::new();
    }
    let list: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!(" ({})", list.join(", "))
}

/// A table of one figure: week, key (if any), current, candidate, difference (± when sampled).
fn table<'a>(
    out: &mut String,
    title: &str,
    places: usize,
    rows: impl Iterator<Item = (&'a Week, Option<&'a str>, &'a Fig)>,
) {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    let _ = writeln!(
        out,
        "  {:<10} {:<18} {:>14} {:>14} {:>14}",
        "week of", "", "current", "candidate", "difference"
    );
    for (week, key, f) in rows {
        let num = |x: f64, h: Option<f64>| match h {
            Some(h) if h > 0.0 => format!("{x:.places$}±{h:.places$}"),
            _ => format!("{x:.places$}"),
        };
        let h = |i: usize| f.ci95.map(|c| c[i]);
        let diff = if f.difference > 0.0 {
            format!("+{}", num(f.difference, h(2)))
        } else {
            num(f.difference, h(2))
        };
        let _ = writeln!(
            out,
            "  {:<10} {:<18} {:>14} {:>14} {:>14}",
            week.from.to_string(),
            key.unwrap_or(""),
            num(f.current, h(0)),
            num(f.candidate, h(1)),
            diff
        );
    }
}
