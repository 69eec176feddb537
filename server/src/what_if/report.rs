//! The what-if's answer: JSON for machines (the shape is in `docs/rules-lifecycle.md`,
//! "What-if"); the text for people is in `text.rs`.

use super::replay::Plan;
use super::tally::{estimate, Acc, Figure};
use super::{Replayed, Window};
use serde::Serialize;
use std::collections::BTreeMap;
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
}
