//! Whether a candidate rule set may follow the one in effect without stranding members' state
//! (RULES.md, "Rule versions": a version that removes or renames something members hold is
//! refused unless it maps it). Pure: the server calls it before it publishes a version.
//!
//! What a [`Mapping`] can say, and all it does (docs/rules-lifecycle.md, "Mapping"):
//! - `retire`: ids removed on purpose (`tasks.<id>`, `catalog.<id>`, `cards.<id>`,
//!   `lotteries.<id>`, `campaigns.<id>`, `tiers.paid.<id>`). Nothing in the state is changed:
//!   what members hold of them (task progress, coupons, cards, draws, paid terms) stays in
//!   their state, and no rule of the new version reads it any more (it becomes inert).
//! - `tier_renames`: `{old id: new id}` for a tier whose id changes at the same place in
//!   `tiers.levels`. The state holds a tier by its place, so a member at it stays at it, now
//!   under the new id. A tier cannot be removed (a member at it would hold no tier).
//! - `business_day_moves: true`: accepts a change of `business_day`. Instants after it are
//!   counted in the new zone and cutoff; day numbers already in the state are not moved, so
//!   a streak or a window that spans the change may gain or lose a day.

use super::Config;
use super::ConfigIssue;
use std::collections::BTreeMap;

/// The explicit answers a version carries for what it removes or renames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Paths (`tasks.<id>`, …) of ids removed on purpose; their holdings become inert.
    pub retire: Vec<String>,
    /// Tier ids renamed in place: old id → new id.
    pub tier_renames: BTreeMap<String, String>,
    /// Accepts a change of `business_day`.
    pub business_day_moves: bool,
}

impl Mapping {
    pub fn is_empty(&self) -> bool {
        self.retire.is_empty() && self.tier_renames.is_empty() && !self.business_day_moves
    }
}

fn issue(path: String, reason: impl Into<String>) -> ConfigIssue {
    ConfigIssue {
        path,
        reason: reason.into(),
    }
}

/// The ids of every kind a member can hold, with the path prefix each is named by.
fn held_ids(cfg: &Config) -> Vec<(&'static str, Vec<&str>)> {
    vec![
        ("tasks", cfg.tasks.iter().map(|t| t.id.as_str()).collect()),
        (
            "catalog",
            cfg.catalog.iter().map(|c| c.id.as_str()).collect(),
        ),
        ("cards", cfg.cards.iter().map(|c| c.id.as_str()).collect()),
        (
            "lotteries",
            cfg.lotteries.iter().map(|l| l.id.as_str()).collect(),
        ),
        (
            "campaigns",
            cfg.campaigns.iter().map(|c| c.id.as_str()).collect(),
        ),
        (
            "tiers.paid",
            cfg.tiers.paid.iter().map(|p| p.id.as_str()).collect(),
        ),
    ]
}

/// Every way `candidate` would strand state held under `current`, with its path, that
/// `mapping` does not answer; and every entry of `mapping` that answers nothing (a stale
/// mapping is refused too, so what is published says exactly what it does). Empty: the
/// candidate may follow.
pub fn check(current: &Config, candidate: &Config, mapping: &Mapping) -> Vec<ConfigIssue> {
    let mut problems = Vec::new();
    let mut removed = Vec::new();
    let before = held_ids(current);
    let after = held_ids(candidate);
    for ((prefix, old), (_, new)) in before.iter().zip(&after) {
        for id in old.iter().filter(|id| !new.contains(id)) {
            removed.push(format!("{prefix}.{id}"));
        }
    }
    for path in &removed {
        if !mapping.retire.contains(path) {
            problems.push(issue(
                path.clone(),
                "removed, and members may hold it: keep it, or list it in the mapping's \
                 `retire` (its holdings become inert)",
            ));
        }
    }
    for (i, path) in mapping.retire.iter().enumerate() {
        if !removed.contains(path) {
            problems.push(issue(
                format!("mapping.retire[{i}]"),
                format!("`{path}` is not removed by this version"),
            ));
        }
    }
    check_tiers(current, candidate, mapping, &mut problems);
    if current.business_day != candidate.business_day && !mapping.business_day_moves {
        problems.push(issue(
            "business_day".to_owned(),
            "changed: instants after it fall in other business days and day numbers in the \
             state do not move; set the mapping's `business_day_moves: true` to accept it",
        ));
    }
    if current.business_day == candidate.business_day && mapping.business_day_moves {
        problems.push(issue(
            "mapping.business_day_moves".to_owned(),
            "business_day does not change",
        ));
    }
    problems
}

/// Tiers by place: a different id at the same place is a rename, which the mapping must name;
/// a removed place cannot be mapped.
fn check_tiers(
    current: &Config,
    candidate: &Config,
    mapping: &Mapping,
    out: &mut Vec<ConfigIssue>,
) {
    let (old, new) = (&current.tiers.levels, &candidate.tiers.levels);
    let mut used = Vec::new();
    for (i, tier) in old.iter().enumerate() {
        let path = format!("tiers.levels[{i}]");
        match new.get(i) {
            None => out.push(issue(
                path,
                format!(
                    "tier `{}` removed: the state holds a tier by its place, so members at it \
                     would hold none; tiers cannot be removed (rename it in place instead)",
                    tier.id
                ),
            )),
            Some(t) if t.id == tier.id => {}
            Some(t) if mapping.tier_renames.get(&tier.id) == Some(&t.id) => used.push(&tier.id),
            Some(t) => out.push(issue(
                path,
                format!(
                    "tier `{}` is now `{}`: members at this place keep it under the new id; \
                     say so in the mapping's `tier_renames` ({{\"{}\": \"{}\"}})",
                    tier.id, t.id, tier.id, t.id
                ),
            )),
        }
    }
    for (from, to) in &mapping.tier_renames {
        if !used.contains(&from) {
            out.push(issue(
                format!("mapping.tier_renames.{from}"),
                format!("no tier `{from}` becomes `{to}` in place in this version"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Config {
        Config::seed()
    }

    fn paths(problems: &[ConfigIssue]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn the_same_rules_strand_nothing() {
        assert!(check(&seed(), &seed(), &Mapping::default()).is_empty());
    }

    #[test]
    fn a_removed_task_is_refused_unless_retired() {
        let mut next = seed();
        let gone = next.tasks.remove(0).id;
        let path = format!("tasks.{gone}");
        assert_eq!(
            paths(&check(&seed(), &next, &Mapping::default())),
            [path.as_str()]
        );
        let retire = Mapping {
            retire: vec![path],
            ..Mapping::default()
        };
        assert!(check(&seed(), &next, &retire).is_empty());
    }

    #[test]
    fn every_kind_of_held_id_is_checked() {
        let mut next = seed();
        let mut expected = Vec::new();
        if let Some(c) = next.catalog.pop() {
            expected.push(format!("catalog.{}", c.id));
        }
        if let Some(p) = next.tiers.paid.pop() {
            expected.push(format!("tiers.paid.{}", p.id));
        }
        // Cards and lotteries name a campaign: removing a campaign removes them too.
        for c in next.cards.drain(..) {
            expected.push(format!("cards.{}", c.id));
        }
        for l in next.lotteries.drain(..) {
            expected.push(format!("lotteries.{}", l.id));
        }
        for c in next.campaigns.drain(..) {
            expected.push(format!("campaigns.{}", c.id));
        }
        assert!(expected.len() >= 2, "the seed holds these kinds");
        let mut found: Vec<String> = check(&seed(), &next, &Mapping::default())
            .into_iter()
            .map(|p| p.path)
            .collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_retire_of_something_kept_is_refused() {
        let id = seed().tasks[0].id.clone();
        let stale = Mapping {
            retire: vec![format!("tasks.{id}")],
            ..Mapping::default()
        };
        assert_eq!(
            paths(&check(&seed(), &seed(), &stale)),
            ["mapping.retire[0]"]
        );
    }

    #[test]
    fn a_tier_renamed_in_place_needs_the_mapping() {
        let mut next = seed();
        let old = next.tiers.levels[1].id.clone();
        next.tiers.levels[1].id = "renamed".to_owned();
        assert_eq!(
            paths(&check(&seed(), &next, &Mapping::default())),
            ["tiers.levels[1]"]
        );
        let wrong = Mapping {
            tier_renames: [(old.clone(), "other".to_owned())].into(),
            ..Mapping::default()
        };
        assert_eq!(
            paths(&check(&seed(), &next, &wrong)),
            ["tiers.levels[1]", &format!("mapping.tier_renames.{old}")]
        );
        let rename = Mapping {
            tier_renames: [(old, "renamed".to_owned())].into(),
            ..Mapping::default()
        };
        assert!(check(&seed(), &next, &rename).is_empty());
    }

    #[test]
    fn a_removed_tier_is_refused_whatever_the_mapping() {
        let mut next = seed();
        let last = next.tiers.levels.len() - 1;
        let gone = next.tiers.levels.pop().map(|t| t.id).unwrap_or_default();
        let mapping = Mapping {
            tier_renames: [(gone, "x".to_owned())].into(),
            ..Mapping::default()
        };
        let found = check(&seed(), &next, &mapping);
        assert!(paths(&found).contains(&format!("tiers.levels[{last}]").as_str()));
        assert_eq!(
            found.len(),
            2,
            "the removal and the unused rename: {found:?}"
        );
    }

    #[test]
    fn a_business_day_change_needs_the_acknowledgement() {
        let mut next = seed();
        next.business_day.day_start_hour = (next.business_day.day_start_hour + 1) % 24;
        assert_eq!(
            paths(&check(&seed(), &next, &Mapping::default())),
            ["business_day"]
        );
        let moves = Mapping {
            business_day_moves: true,
            ..Mapping::default()
        };
        assert!(check(&seed(), &next, &moves).is_empty());
        assert_eq!(
            paths(&check(&seed(), &seed(), &moves)),
            ["mapping.business_day_moves"]
        );
        let mut offset = seed();
        offset.business_day.utc_offset_minutes += 60;
        assert_eq!(
            paths(&check(&seed(), &offset, &Mapping::default())),
            ["business_day"]
        );
    }

    #[test]
    fn a_mapping_is_empty_only_without_answers() {
        assert!(Mapping::default().is_empty());
        let moves = Mapping {
            business_day_moves: true,
            ..Mapping::default()
        };
        assert!(!moves.is_empty());
        let retire = Mapping {
            retire: vec!["tasks.x".to_owned()],
            ..Mapping::default()
        };
        assert!(!retire.is_empty());
        let rename = Mapping {
            tier_renames: [("a".to_owned(), "b".to_owned())].into(),
            ..Mapping::default()
        };
        assert!(!rename.is_empty());
    }
}
