//! Sums of per-member figures, current and candidate side by side, mergeable across threads.
//! Each figure keeps the sum and the sum of squares of the members' values (and of their
//! differences), so a sample's totals come with a confidence interval ([`Acc::estimate`]).

use std::collections::BTreeMap;

/// One figure of one week. Points figures are in points: the report turns them into yuan at
/// each side's checkout rate of that week (the rate may be what the candidate changes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    /// Members who had joined by the week's last day.
    Members,
    /// Points credited (after caps).
    Issued,
    /// Points spent, less what came back (refunds, cancellations, released holds).
    Redeemed,
    /// Points expired, those past their last day but not yet taken out included.
    Expired,
    /// Points still usable after the week: the liability.
    Liability,
    /// Members in a tier (by id) on the week's last day.
    Tier(String),
    /// Members whose tier went from one id to another over the week.
    Move(String, String),
    Coupon(String),
    Prize(String),
    /// Extra points a campaign paid (its multiplier's part, after caps).
    Campaign(String),
}

/// Sums over members of one value, as `i64` (exact) and its square (for the variance).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub sum: i64,
    pub squares: f64,
}

impl Moments {
    fn add(&mut self, x: i64) {
        self.sum += x;
        self.squares += (x as f64) * (x as f64);
    }

    fn merge(&mut self, o: &Moments) {
        self.sum += o.sum;
        self.squares += o.squares;
    }
}

/// One figure's sums on both sides and of the per-member difference (candidate − current).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Acc {
    pub current: Moments,
    pub candidate: Moments,
    pub difference: Moments,
}

impl Acc {
    pub fn add(&mut self, current: i64, candidate: i64) {
        self.current.add(current);
        self.candidate.add(candidate);
        self.difference.add(candidate - current);
    }

    /// The figure's (current, candidate, difference) sums and sums of squares with each
    /// member's current value weighted by `a` and candidate value by `b` (a rate into yuan
    /// per side): `b·y − a·x` for the difference, its squares from the three sums kept
    /// (`Σxy = (Σx² + Σy² − Σ(y−x)²) / 2`).
    pub fn weighted(&self, a: f64, b: f64) -> [(f64, f64); 3] {
        let (x, y, d) = (&self.current, &self.candidate, &self.difference);
        let xy = (x.squares + y.squares - d.squares) / 2.0;
        [
            (a * x.sum as f64, a * a * x.squares),
            (b * y.sum as f64, b * b * y.squares),
            (
                b * y.sum as f64 - a * x.sum as f64,
                (b * b * y.squares + a * a * x.squares - 2.0 * a * b * xy).max(0.0),
            ),
        ]
    }

    fn merge(&mut self, o: &Acc) {
        self.current.merge(&o.current);
        self.candidate.merge(&o.candidate);
        self.difference.merge(&o.difference);
    }
}

/// A member's values of one week: figure → (current, candidate).
pub type MemberWeek = BTreeMap<Figure, (i64, i64)>;

/// The sums of every week over the members replayed.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub weeks: Vec<BTreeMap<Figure, Acc>>,
    /// Members added.
    pub members: u64,
}

impl Tally {
    pub fn new(weeks: usize) -> Tally {
        Tally {
            weeks: vec![BTreeMap::new(); weeks],
            members: 0,
        }
    }

    /// Adds one member's weeks. A figure a member lacks counts as 0 on both sides, which
    /// adds nothing to the sums: only the count of members (`members`) needs every one.
    pub fn add_member(&mut self, weeks: &[MemberWeek]) {
        self.members += 1;
        for (tally, week) in self.weeks.iter_mut().zip(weeks) {
            for (figure, &(current, candidate)) in week {
                if (current, candidate) != (0, 0) {
                    tally
                        .entry(figure.clone())
                        .or_default()
                        .add(current, candidate);
                }
            }
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.members += other.members;
        for (mine, theirs) in self.weeks.iter_mut().zip(other.weeks) {
            for (figure, acc) in theirs {
                mine.entry(figure).or_default().merge(&acc);
            }
        }
    }
}

/// The population total estimated from the sum and sum of squares of `n` sampled members of
/// `population`, and the half-width of its 95 % confidence interval: simple random sampling
/// without replacement, normal approximation with the finite-population correction,
/// `N·x̄ ± 1.96·N·√((1 − n/N)·s²/n)`. With every member replayed (`n = N`) the total is exact
/// and the half-width 0.
pub fn estimate((sum, squares): (f64, f64), n: u64, population: u64) -> (f64, f64) {
    if n == 0 || n >= population {
        return (sum, 0.0);
    }
    let (nf, pop) = (n as f64, population as f64);
    let mean = sum / nf;
    if n < 2 {
        return (mean * pop, f64::INFINITY);
    }
    let variance = ((squares - nf * mean * mean) / (nf - 1.0)).max(0.0);
    (
        mean * pop,
        1.96 * pop * ((1.0 - nf / pop) * variance / nf).sqrt(),
    )
}
