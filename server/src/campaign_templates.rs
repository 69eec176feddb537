//! Campaign templates (活动模板, `presets/campaign-templates.json`): 春节集福卡, 双11 积分加倍,
//! 会员日 as objects of the rule file (a campaign, and for 集福卡 its card set) with
//! placeholders (`{{ID}}`, `{{START}}`) the console fills before adding them to a draft.
//! Served by `GET /v1/admin/campaign-templates`; docs/console.md, "活动模板 / Campaign templates".

use serde_json::Value;
use std::collections::BTreeMap;

/// The file, built into the binary.
pub const FILE: &str = include_str!("../../presets/campaign-templates.json");

/// The templates file as JSON.
pub fn all() -> Value {
    serde_json::from_str(FILE).unwrap_or_default()
}

/// `value` with every `{{NAME}}` in its strings replaced by `values[NAME]` (what the console
/// does with the operator's id and first day).
pub fn fill(value: &Value, values: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, v) in values {
                out = out.replace(&format!("{{{{{name}}}}}"), v);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `rules` with `template`'s campaign and card sets added, its placeholders filled.
pub fn added_to(rules: &Value, template: &Value, values: &BTreeMap<String, String>) -> Value {
    let mut rules = rules.clone();
    let filled = fill(template, values);
    for (field, from) in [
        ("campaigns", &filled["campaign"]),
        ("cards", &filled["cards"]),
    ] {
        let more: Vec<Value> = match from {
            Value::Array(items) => items.clone(),
            Value::Null => continue,
            one => vec![one.clone()],
        };
        let list = rules
            .as_object_mut()
            .map(|o| o.entry(field).or_insert_with(|| Value::Array(Vec::new())));
        if let Some(Value::Array(list)) = list {
            list.extend(more);
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::scope;
    use zailai::Config;

    fn seed() -> Value {
        serde_json::from_str(include_str!("../../presets/seed.json")).unwrap()
    }

    fn example(t: &Value) -> BTreeMap<String, String> {
        serde_json::from_value(t["example"].clone()).unwrap()
    }

    fn templates() -> Vec<Value> {
        all()["templates"].as_array().unwrap().clone()
    }

    #[test]
    fn the_three_named_templates_with_both_languages() {
        let ts = templates();
        let titles: Vec<&str> = ts
            .iter()
            .map(|t| t["title"]["zh"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["春节集福卡", "双11 积分加倍", "会员日"]);
        for t in &ts {
            for field in ["title", "description"] {
                for lang in ["zh", "en"] {
                    let text = t[field][lang].as_str().unwrap_or_default();
                    assert!(!text.is_empty(), "{} {field}.{lang}", t["id"]);
                }
            }
            assert!(t["campaign"].is_object(), "{}", t["id"]);
            let names: Vec<String> = serde_json::from_value(t["placeholders"].clone()).unwrap();
            assert_eq!(example(t).keys().cloned().collect::<Vec<_>>(), names);
            for n in &names {
                assert!(
                    all()["placeholders"][n].is_object(),
                    "placeholder {n} described"
                );
            }
        }
    }

    /// Each template, filled with its example, added to the seed preset: valid rules with no
    /// warning (the card set completable, no overlap), that an operator may schedule.
    #[test]
    fn each_filled_template_validates_in_the_seed_and_is_a_campaign_change() {
        let seed_cfg = Config::seed();
        for t in templates() {
            let rules = added_to(&seed(), &t, &example(&t));
            let cfg = Config::parse(&rules.to_string())
                .unwrap_or_else(|e| panic!("template {}: {e}", t["id"]));
            assert_eq!(cfg.campaigns.len(), 2, "{}", t["id"]);
            assert!(cfg.lint().is_empty(), "{}: {:?}", t["id"], cfg.lint());
            assert!(scope::beyond_campaigns(&seed_cfg, &cfg).is_empty());
            let id = &example(&t)["ID"];
            assert!(cfg.campaigns.iter().any(|c| &c.id == id));
            assert_eq!(
                cfg.cards.len(),
                1 + t["cards"].as_array().map_or(0, Vec::len)
            );
        }
    }

    /// A template added unfilled is refused where the placeholder stands: the date first
    /// (a shape problem), then the id.
    #[test]
    fn an_unfilled_template_is_refused_at_its_placeholders() {
        let t = &templates()[1];
        let paths = |values: &BTreeMap<String, String>| -> Vec<String> {
            let rules = added_to(&seed(), t, values);
            let err = Config::parse(&rules.to_string()).unwrap_err();
            err.issues.into_iter().map(|i| i.path).collect()
        };
        assert_eq!(paths(&BTreeMap::new()), ["campaigns[1].start"]);
        let dated = BTreeMap::from([("START".to_owned(), "2027-11-11".to_owned())]);
        assert_eq!(paths(&dated), ["campaigns[1].id"]);
    }

    #[test]
    fn fill_replaces_every_placeholder_in_strings_only() {
        let v = serde_json::json!({"id": "{{ID}}_fu", "n": 3, "list": ["{{ID}}", "{{START}}"]});
        let values = BTreeMap::from([
            ("ID".to_owned(), "x".to_owned()),
            ("START".to_owned(), "2027-01-01".to_owned()),
        ]);
        assert_eq!(
            fill(&v, &values),
            serde_json::json!({"id": "x_fu", "n": 3, "list": ["x", "2027-01-01"]})
        );
    }
}
