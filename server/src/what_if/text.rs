//! The what-if's answer for people: one table a figure, a row a week (`zailai rules what-if`
//! without `--json`).

use super::report::{Fig, Report, VersionRef, Week};
use std::collections::BTreeMap;
use std::fmt::Write;

impl Report {
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
