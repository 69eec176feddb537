//! Who may publish what (issue 28, docs/rules-lifecycle.md "Who may publish what"): an
//! operator schedules campaigns, an admin publishes anything. A candidate is a campaign change
//! when every path where its rules differ from the last version's lies under `campaigns` or
//! `cards` (a card set follows its campaign's window: 春节集福卡 is a campaign and its set).
//! Lotteries are not among them: their prizes are goods with stock, an admin's decision.

use super::{diff, PublishError};
use serde_json::{json, Value};
use zailai::config::TaskKind;
use zailai::Config;

/// The top-level fields of the rule file an operator may change.
pub const CAMPAIGN_PARTS: [&str; 2] = ["campaigns", "cards"];

/// The paths where `candidate` differs from `last` outside [`CAMPAIGN_PARTS`], in the rule
/// file's order; empty when it changes campaigns only (or nothing). Both are compared as
/// parsed rules (their canonical JSON), so key order, spacing and defaults written out or left
/// out do not count.
pub fn beyond_campaigns(last: &Config, candidate: &Config) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(last), serde_json::to_value(candidate)) else {
        return vec![String::new()];
    };
    diff::diff(&a, &b)
        .into_iter()
        .map(|c| c.path)
        .filter(|path| !CAMPAIGN_PARTS.contains(&top_field(path)))
        .collect()
}

/// The check an operator's publish runs under (`versions::publish_guarded`): a campaign-only
/// change passes; anything else is `Forbidden`, naming what it changes.
pub fn operator_guard(last: &Config, candidate: &Config) -> Result<(), PublishError> {
    match beyond_campaigns(last, candidate) {
        paths if paths.is_empty() => Ok(()),
        paths => Err(PublishError::Forbidden(operator_refusal(&paths))),
    }
}

/// `points.daily_cap` → `points`, `cards[0].pity` → `cards`.
fn top_field(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// Why an operator may not publish a change at `paths` ([`beyond_campaigns`]), naming the
/// first few.
pub fn operator_refusal(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let named: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| {
            if p.is_empty() {
                "`(the whole file)`".to_owned()
            } else {
                format!("`{p}`")
            }
        })
        .collect();
    let more = match paths.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "operators may only schedule campaign changes (`{}`); this changes {}{more}: \
         publishing it needs the admin role",
        CAMPAIGN_PARTS.join("`, `"),
        named.join(", ")
    )
}

/// What a valid rule file holds, for an operator checking a draft at a glance: counts of
/// tiers, tasks by kind, catalog items, actions, and each campaign, card set and lottery
/// with its window.
pub fn summary(cfg: &Config) -> Value {
    let tasks = |kind: TaskKind| cfg.tasks.iter().filter(|t| t.kind == kind).count();
    let campaigns: Vec<Value> = cfg
        .campaigns
        .iter()
        .map(|c| {
            let last = zailai::day::Date::from_day(c.start.to_day() + i32::from(c.days) - 1);
            json!({
                "id": c.id,
                "start": c.start.to_string(),
                "last_day": last.to_string(),
                "days": c.days,
                "checkin_multiplier": c.checkin_multiplier,
                "action_multiplier": c.action_multiplier,
                "tiers": c.tiers,
            })
        })
        .collect();
    let cards: Vec<Value> = cfg
        .cards
        .iter()
        .map(|s| json!({"id": s.id, "campaign": s.campaign, "kinds": s.kinds.len()}))
        .collect();
    let lotteries: Vec<Value> = cfg
        .lotteries
        .iter()
        .map(|l| json!({"id": l.id, "campaign": l.campaign, "prizes": l.prizes.len()}))
        .collect();
    json!({
        "tiers": cfg.tiers.levels.len(),
        "paid_plans": cfg.tiers.paid.len(),
        "tasks": {
            "total": cfg.tasks.len(),
            "daily": tasks(TaskKind::Daily),
            "growth": tasks(TaskKind::Growth),
            "newbie": tasks(TaskKind::Newbie),
        },
        "catalog": cfg.catalog.len(),
        "actions": cfg.actions.len(),
        "earning_rules": cfg.points.earning.len(),
        "campaigns": campaigns,
        "cards": cards,
        "lotteries": lotteries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_json() -> Value {
        serde_json::to_value(Config::seed()).unwrap()
    }

    fn parsed(v: &Value) -> Config {
        Config::parse(&v.to_string()).unwrap()
    }

    #[test]
    fn the_same_rules_and_campaign_edits_are_campaign_only() {
        let seed = Config::seed();
        assert!(beyond_campaigns(&seed, &seed).is_empty());
        let mut v = seed_json();
        v["campaigns"][0]["days"] = json!(3);
        v["campaigns"][0]["action_multiplier"] = json!(2);
        v["cards"][0]["pity"] = json!(1);
        assert!(beyond_campaigns(&seed, &parsed(&v)).is_empty());
        // A new campaign, and one taken away (its set and lottery with it would not be).
        let mut added = seed_json();
        added["campaigns"].as_array_mut().unwrap().push(json!({
            "id": "double_11", "name": {"zh-CN": "双11", "en": "Double 11"},
            "start": "2027-11-11", "days": 1, "action_multiplier": 2
        }));
        assert!(beyond_campaigns(&seed, &parsed(&added)).is_empty());
        assert!(beyond_campaigns(&parsed(&added), &seed).is_empty());
    }

    #[test]
    fn anything_else_is_named_by_its_path() {
        let seed = Config::seed();
        let mut v = seed_json();
        v["points"]["daily_cap"] = json!(150);
        v["campaigns"][0]["days"] = json!(3);
        assert_eq!(beyond_campaigns(&seed, &parsed(&v)), ["points.daily_cap"]);
        let mut lottery = seed_json();
        lottery["lotteries"][0]["prizes"][0]["stock"] = json!(40);
        assert_eq!(
            beyond_campaigns(&seed, &parsed(&lottery)),
            ["lotteries.spring_draw_2027.prizes.gift.stock"]
        );
        let mut overlap = seed_json();
        overlap["campaign_overlap_limit"] = json!(3);
        assert_eq!(
            beyond_campaigns(&seed, &parsed(&overlap)),
            ["campaign_overlap_limit"],
            "a top-level field that only starts like `campaigns` is not one"
        );
    }

    #[test]
    fn the_refusal_names_what_it_changes() {
        let one = operator_refusal(&["points.daily_cap".to_owned()]);
        assert_eq!(
            one,
            "operators may only schedule campaign changes (`campaigns`, `cards`); this changes \
             `points.daily_cap`: publishing it needs the admin role"
        );
        let many: Vec<String> = (0..7).map(|i| format!("tasks.t{i}")).collect();
        let text = operator_refusal(&many);
        assert!(text.contains("`tasks.t4` and 2 more"), "{text}");
        assert!(!text.contains("t5"), "{text}");
    }

    #[test]
    fn the_summary_counts_what_the_seed_holds() {
        let seed = Config::seed();
        let s = summary(&seed);
        assert_eq!(s["tiers"], 4);
        assert_eq!(s["tasks"]["total"], seed.tasks.len());
        let by_kind = ["daily", "growth", "newbie"]
            .iter()
            .map(|k| s["tasks"][k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(by_kind, seed.tasks.len() as u64);
        assert_eq!(s["campaigns"][0]["id"], "spring_festival_2027");
        assert_eq!(s["campaigns"][0]["start"], "2027-02-06");
        assert_eq!(s["campaigns"][0]["last_day"], "2027-02-12");
        assert_eq!(s["cards"][0]["kinds"], 5);
        assert_eq!(s["lotteries"][0]["prizes"], 3);
    }
}
