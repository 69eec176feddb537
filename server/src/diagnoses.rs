//! The scorecard's settings and its diagnoses (issue 27): seed 001 §五's rules of thumb as
//! data (`presets/scorecard.json`, embedded; `--scorecard FILE` replaces it), each a metric of
//! the report, a threshold, a message and the lever to try, evaluated on a finished report.
//! The file also prices the coupons (face value, for a campaign's cost). Definitions and
//! every default rule: `docs/report.md`, "Diagnoses".

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The default settings, built in.
pub const DEFAULT_JSON: &str = include_str!("../../presets/scorecard.json");

/// How a metric's values read: a fraction shown as a percentage, or a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    Number,
}

/// The report's figures a rule may watch: a path into the report's JSON, where `[]` is each
/// element of an array (a finding per element, named by its subject).
pub const METRICS: &[(&str, Unit)] = &[
    ("paid_d7.rate", Unit::Percent),
    ("unpaid_d7.rate", Unit::Percent),
    ("paid_d30.rate", Unit::Percent),
    ("unpaid_d30.rate", Unit::Percent),
    ("cohorts[].d1.rate", Unit::Percent),
    ("cohorts[].d7.rate", Unit::Percent),
    ("cohorts[].d30.rate", Unit::Percent),
    ("membership.paid_conversion.rate", Unit::Percent),
    ("membership.upgrades[].upgraded.rate", Unit::Percent),
    ("membership.services.rate", Unit::Percent),
    ("membership.coupons.rate", Unit::Percent),
    ("ledger.breakage", Unit::Percent),
    ("campaigns[].participation", Unit::Percent),
    ("campaigns[].notified.rate", Unit::Percent),
    ("campaigns[].completion", Unit::Percent),
    ("campaigns[].participants_retained.rate", Unit::Percent),
    ("campaigns[].others_retained.rate", Unit::Percent),
    ("campaigns[].uplift", Unit::Percent),
    ("campaigns[].roi.roi", Unit::Number),
];

/// The placeholders a message or lever may hold.
const PLACEHOLDERS: [&str; 3] = ["value", "threshold", "subject"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Seed 001 §五(二): a figure that calls for a change.
    Act,
    /// Seed 001 §五(一): a figure short of its target.
    Watch,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Act => "act",
            Level::Watch => "watch",
        }
    }
}

/// A text in the two locales the rules ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

impl Text {
    /// The text for `locale` (Chinese for `zh*`, else English).
    pub fn pick(&self, locale: &str) -> &str {
        if locale.starts_with("zh") {
            &self.zh_cn
        } else {
            &self.en
        }
    }

    fn render(&self, args: &[(&str, &str)]) -> Text {
        let fill = |s: &str| {
            args.iter()
                .fold(s.to_owned(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
        };
        Text {
            zh_cn: fill(&self.zh_cn),
            en: fill(&self.en),
        }
    }
}

/// A rule as the file writes it (checked into a [`Rule`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    id: String,
    level: Level,
    metric: String,
    #[serde(default)]
    minus: Option<String>,
    #[serde(default)]
    below: Option<f64>,
    #[serde(default)]
    above: Option<f64>,
    message: Text,
    lever: Text,
}

/// A rule of thumb: a finding when `metric` (less `minus`, if given) is past `threshold` on
/// the side `below` says.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub level: Level,
    pub metric: String,
    /// A second figure subtracted from the first (paid against unpaid retention); both
    /// without `[]`.
    pub minus: Option<String>,
    pub threshold: f64,
    /// Fires below the threshold (`below` in the file), else above it (`above`).
    pub below: bool,
    pub unit: Unit,
    pub message: Text,
    pub lever: Text,
}

/// The parsed settings file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// Face value of each coupon id, in cents (a campaign's cost counts coupons at it).
    pub coupon_values_cents: BTreeMap<String, u64>,
    pub diagnoses: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    coupon_values_cents: BTreeMap<String, u64>,
    diagnoses: Vec<RuleText>,
}

/// Every problem of a settings file, each `path: why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScorecardError(pub Vec<String>);

impl std::fmt::Display for ScorecardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

fn unit_of(metric: &str) -> Option<Unit> {
    METRICS.iter().find(|(m, _)| *m == metric).map(|&(_, u)| u)
}

impl Scorecard {
    /// The built-in settings (`presets/scorecard.json`).
    pub fn default_settings() -> Scorecard {
        match Scorecard::parse(DEFAULT_JSON) {
            Ok(s) => s,
            Err(e) => panic!("presets/scorecard.json is invalid: {e}"),
        }
    }

    /// Reads a settings file strictly: a duplicate key, an unknown field or a value of the
    /// wrong type is refused with its path; then every rule is checked and every problem
    /// named.
    pub fn parse(text: &str) -> Result<Scorecard, ScorecardError> {
        let one = |s: String| ScorecardError(vec![s]);
        zailai::json::parse(text).map_err(|e| one(format!("not JSON: {e}")))?;
        let reader = &mut serde_json::Deserializer::from_str(text);
        let file: File = serde_path_to_error::deserialize(reader).map_err(|e| {
            let path = e.path().to_string();
            one(format!("{path}: {}", e.inner()))
        })?;
        let mut problems = Vec::new();
        for id in file.coupon_values_cents.keys() {
            if id.is_empty() {
                problems.push("coupon_values_cents: an empty coupon id".to_owned());
            }
        }
        let mut ids = BTreeSet::new();
        let diagnoses: Vec<Rule> = file
            .diagnoses
            .into_iter()
            .enumerate()
            .filter_map(|(i, rule)| check_rule(i, rule, &mut ids, &mut problems))
            .collect();
        if problems.is_empty() {
            Ok(Scorecard {
                coupon_values_cents: file.coupon_values_cents,
                diagnoses,
            })
        } else {
            Err(ScorecardError(problems))
        }
    }

    /// Reads `path`, or the built-in settings without one.
    pub fn load(path: Option<&std::path::Path>) -> Result<Scorecard, String> {
        let Some(path) = path else {
            return Ok(Scorecard::default_settings());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Scorecard::parse(&text).map_err(|e| {
            e.to_string()
                .lines()
                .map(|p| format!("{}: {p}", path.display()))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// The coupon ids the rules grant anywhere that have no face value here (their cost
    /// would count as 0).
    pub fn unvalued_coupons(&self, cfg: &zailai::Config) -> Vec<String> {
        let mut found = BTreeSet::new();
        coupon_ids(&serde_json::to_value(cfg).unwrap_or_default(), &mut found);
        found
            .into_iter()
            .filter(|id| !self.coupon_values_cents.contains_key(id))
            .collect()
    }
}

/// Every string in an array under a `coupons` key, anywhere in the rules.
fn coupon_ids(v: &Value, found: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("coupons", Value::Array(ids)) => {
                        found.extend(ids.iter().filter_map(|x| x.as_str().map(str::to_owned)))
                    }
                    _ => coupon_ids(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| coupon_ids(x, found)),
        _ => {}
    }
}

/// A rule checked, or `None` with its problems added.
fn check_rule(
    i: usize,
    rule: RuleText,
    ids: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) -> Option<Rule> {
    let before = problems.len();
    let at = |field: &str| format!("diagnoses[{i}].{field}");
    let id_ok = !rule.id.is_empty()
        && rule.id.len() <= 64
        && rule
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !id_ok {
        problems.push(format!("{}: 1–64 of a-z, 0-9, _", at("id")));
    } else if !ids.insert(rule.id.clone()) {
        problems.push(format!("{}: `{}` is used twice", at("id"), rule.id));
    }
    let known = || {
        METRICS
            .iter()
            .map(|(m, _)| *m)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unit = unit_of(&rule.metric);
    if unit.is_none() {
        problems.push(format!(
            "{}: `{}` is not a figure of the report: one of {}",
            at("metric"),
            rule.metric,
            known()
        ));
    }
    if let Some(minus) = &rule.minus {
        if unit_of(minus).is_none() {
            problems.push(format!(
                "{}: `{minus}` is not a figure of the report: one of {}",
                at("minus"),
                known()
            ));
        } else if minus.contains("[]") || rule.metric.contains("[]") {
            problems.push(format!(
                "{}: only between two figures without `[]`",
                at("minus")
            ));
        }
    }
    let side = match (rule.below, rule.above) {
        (Some(t), None) => Some((t, true, "below")),
        (None, Some(t)) => Some((t, false, "above")),
        _ => {
            problems.push(format!("diagnoses[{i}]: one of `below` or `above`"));
            None
        }
    };
    if let (Some((t, _, field)), Some(Unit::Percent)) = (side, unit) {
        if !(-1.0..=1.0).contains(&t) {
            problems.push(format!(
                "{}: {t} is not a fraction between -1 and 1 (0.1 for 10 %)",
                at(field)
            ));
        }
    }
    for (name, text) in [("message", &rule.message), ("lever", &rule.lever)] {
        for (locale, s) in [("zh-CN", &text.zh_cn), ("en", &text.en)] {
            let path = format!("{}.{locale}", at(name));
            if s.trim().is_empty() {
                problems.push(format!("{path}: empty"));
            }
            for p in placeholders(s) {
                if !PLACEHOLDERS.contains(&p.as_str()) {
                    problems.push(format!(
                        "{path}: unknown placeholder {{{p}}}: {{value}}, {{threshold}} or {{subject}}"
                    ));
                }
            }
        }
    }
    let (Some((threshold, below, _)), Some(unit)) = (side, unit) else {
        return None;
    };
    (problems.len() == before).then_some(Rule {
        id: rule.id,
        level: rule.level,
        metric: rule.metric,
        minus: rule.minus,
        threshold,
        below,
        unit,
        message: rule.message,
        lever: rule.lever,
    })
}

/// The `{name}` placeholders of a text.
fn placeholders(s: &str) -> Vec<String> {
    s.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// A finding: a figure past a rule's threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub id: String,
    pub level: Level,
    pub metric: String,
    /// What the figure is of: `silver→gold` (tier ids), a campaign id, a cohort's week;
    /// `None` for the report's single figures.
    pub subject: Option<String>,
    pub value: f64,
    pub threshold: f64,
    /// `below` or `above`: the side of the threshold that fired.
    pub direction: &'static str,
    pub message: Text,
    pub lever: Text,
}

impl Diagnosis {
    /// One readable line in `locale`.
    pub fn line(&self, locale: &str) -> String {
        format!(
            "[{}] {}: {} → {}",
            self.level.name(),
            self.id,
            self.message.pick(locale),
            self.lever.pick(locale)
        )
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A figure as a message shows it: `6%`, `12.5%`, `1.25`.
fn shown(x: f64, unit: Unit) -> String {
    // Both spellings have decimals: trailing zeros go, and the point with them.
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_owned();
    match unit {
        Unit::Percent => format!("{}%", trim(format!("{:.1}", x * 100.0))),
        Unit::Number => trim(format!("{x:.2}")),
    }
}

/// The value at a dotted path (no `[]`).
fn at_path<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| &v[key])
}

/// What an array element is of: `from→to` (an upgrade), else its `id` (a campaign), else its
/// `week` (a cohort).
fn subject_of(element: &Value) -> Option<String> {
    if let (Some(from), Some(to)) = (element["from"].as_str(), element["to"].as_str()) {
        return Some(format!("{from}→{to}"));
    }
    ["id", "week"]
        .iter()
        .find_map(|k| element[*k].as_str().map(str::to_owned))
}

/// Each (subject, value) of a metric in the report; a null figure gives none.
fn figures(report: &Value, metric: &str) -> Vec<(Option<String>, f64)> {
    match metric.split_once("[].") {
        None => at_path(report, metric)
            .as_f64()
            .map(|x| vec![(None, x)])
            .unwrap_or_default(),
        Some((array, rest)) => at_path(report, array)
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|e| Some((subject_of(e), at_path(e, rest).as_f64()?)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The findings of `rules` on a report (its JSON): one per figure past its rule's threshold
/// (a figure exactly at it is not), in the rules' order. A `watch` finding is left out where
/// an `act` finding was made on the same metric and subject (the milder level adds nothing).
pub fn evaluate(rules: &[Rule], report: &Value) -> Vec<Diagnosis> {
    let mut out: Vec<Diagnosis> = Vec::new();
    for rule in rules {
        let (threshold, below) = (rule.threshold, rule.below);
        let minus = match &rule.minus {
            None => Some(0.0),
            Some(path) => at_path(report, path).as_f64(),
        };
        let Some(minus) = minus else { continue };
        for (subject, x) in figures(report, &rule.metric) {
            let value = round4(x - minus);
            let fires = if below {
                value < threshold
            } else {
                value > threshold
            };
            if !fires {
                continue;
            }
            let unit = rule.unit;
            let (v, t) = (shown(value, unit), shown(threshold, unit));
            let s = subject.clone().unwrap_or_default();
            let args = [
                ("value", v.as_str()),
                ("threshold", t.as_str()),
                ("subject", s.as_str()),
            ];
            out.push(Diagnosis {
                id: rule.id.clone(),
                level: rule.level,
                metric: rule.metric.clone(),
                subject,
                value,
                threshold,
                direction: if below { "below" } else { "above" },
                message: rule.message.render(&args),
                lever: rule.lever.render(&args),
            });
        }
    }
    let acted: BTreeSet<(String, Option<String>)> = out
        .iter()
        .filter(|d| d.level == Level::Act)
        .map(|d| (d.metric.clone(), d.subject.clone()))
        .collect();
    out.retain(|d| {
        d.level == Level::Act || !acted.contains(&(d.metric.clone(), d.subject.clone()))
    });
    out
}

/// Fills a finished report's `diagnoses` with the findings of `scorecard`'s rules.
pub fn diagnose(report: &mut crate::report::Report, scorecard: &Scorecard) {
    let figures = serde_json::to_value(&*report).unwrap_or_default();
    report.diagnoses = evaluate(&scorecard.diagnoses, &figures);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A report's JSON holding `x` at `path` (`[]`: one element, of subject `silver→gold` for
    /// upgrades, else `c1`).
    fn set(report: &mut Value, path: &str, x: f64) {
        match path.split_once("[].") {
            None => {
                let slot = path.split('.').fold(report, |v, k| &mut v[k]);
                *slot = json!(x);
            }
            Some((array, rest)) => {
                let slot = array.split('.').fold(report, |v, k| &mut v[k]);
                let mut element = if array.ends_with("upgrades") {
                    json!({"from": "silver", "to": "gold"})
                } else {
                    json!({"id": "c1"})
                };
                set(&mut element, rest, x);
                *slot = json!([element]);
            }
        }
    }

    fn findings(rules: &[Rule], metric: &str, minus: Option<&str>, x: f64) -> Vec<Diagnosis> {
        let mut report = json!({});
        match minus {
            // The difference is `x`: the first figure 0.5 + x, the second 0.5.
            Some(m) => {
                set(&mut report, metric, 0.5 + x);
                set(&mut report, m, 0.5);
            }
            None => set(&mut report, metric, x),
        }
        evaluate(rules, &report)
    }

    #[test]
    fn every_default_rule_fires_past_its_threshold_and_not_at_it() {
        let card = Scorecard::default_settings();
        assert!(card.diagnoses.len() >= 15);
        for rule in &card.diagnoses {
            let (t, below) = (rule.threshold, rule.below);
            let past = if below { t - 0.01 } else { t + 0.01 };
            let minus = rule.minus.as_deref();
            let fired = findings(&card.diagnoses, &rule.metric, minus, past);
            let mine: Vec<&Diagnosis> = fired.iter().filter(|d| d.id == rule.id).collect();
            assert_eq!(mine.len(), 1, "{} at {past}: {fired:?}", rule.id);
            let d = mine[0];
            assert_eq!((d.level, d.threshold), (rule.level, t), "{}", rule.id);
            assert!((d.value - past).abs() < 1e-9, "{}: {}", rule.id, d.value);
            let subject = match rule.metric.as_str() {
                m if m.starts_with("membership.upgrades[]") => Some("silver→gold"),
                m if m.contains("[]") => Some("c1"),
                _ => None,
            };
            assert_eq!(d.subject.as_deref(), subject, "{}", rule.id);
            for text in [&d.message.zh_cn, &d.message.en, &d.lever.zh_cn, &d.lever.en] {
                assert!(!text.contains('{'), "{}: unrendered {text}", rule.id);
            }
            let at = findings(&card.diagnoses, &rule.metric, minus, t);
            assert!(
                at.iter().all(|d| d.id != rule.id),
                "{} fired at its threshold {t}",
                rule.id
            );
        }
    }

    #[test]
    fn the_seed_example_reads_as_the_seed_says() {
        let card = Scorecard::default_settings();
        let report = json!({"membership": {"upgrades": [
            {"from": "regular", "to": "silver", "upgraded": {"count": 30, "of": 100, "rate": 0.3}},
            {"from": "silver", "to": "gold", "upgraded": {"count": 6, "of": 100, "rate": 0.06}},
            {"from": "gold", "to": "diamond", "upgraded": null}
        ]}});
        let found = evaluate(&card.diagnoses, &report);
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert_eq!(
            (
                d.id.as_str(),
                d.subject.as_deref(),
                d.value,
                d.threshold,
                d.direction
            ),
            ("upgrade_rate", Some("silver→gold"), 0.06, 0.1, "below")
        );
        assert_eq!(d.message.zh_cn, "silver→gold 升级率 6% < 10%");
        assert_eq!(d.message.en, "silver→gold upgrade rate 6% < 10%");
        assert!(d.lever.en.contains("zailai rules what-if --candidate"));
        assert!(d
            .line("zh-CN")
            .starts_with("[act] upgrade_rate: silver→gold 升级率 6% < 10% → "));
        assert!(d
            .line("en")
            .contains("upgrade rate 6% < 10% → the upgrade conditions"));
    }

    #[test]
    fn a_null_figure_gives_no_finding_and_act_hides_the_milder_watch() {
        let card = Scorecard::default_settings();
        let report = json!({"paid_d7": null, "paid_d30": null, "unpaid_d7": null,
            "membership": {"paid_conversion": null, "upgrades": [], "services": null, "coupons": null},
            "campaigns": [{"id": "c1", "participation": null, "completion": null, "uplift": null,
                           "notified": null, "roi": {"roi": null}}]});
        assert_eq!(evaluate(&card.diagnoses, &report), []);
        // 10 % participation: under the act rule's 15 % and the target's 20 %: one finding.
        let low = json!({"campaigns": [{"id": "c1", "participation": 0.1}]});
        let ids: Vec<String> = evaluate(&card.diagnoses, &low)
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["campaign_participation"]);
        // 18 %: the target only.
        let mild = json!({"campaigns": [{"id": "c1", "participation": 0.18}]});
        let ids: Vec<String> = evaluate(&card.diagnoses, &mild)
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["participation_target"]);
    }

    #[test]
    fn above_rules_fire_above_only_and_numbers_read_as_numbers() {
        let text = r#"{"coupon_values_cents": {}, "diagnoses": [
            {"id": "too_generous", "level": "watch", "metric": "campaigns[].roi.roi", "above": 3,
             "message": {"zh-CN": "{subject} ROI {value} > {threshold}", "en": "{subject}: ROI {value} > {threshold}"},
             "lever": {"zh-CN": "减少", "en": "less"}}]}"#;
        let card = Scorecard::parse(text).unwrap();
        let roi = |x: f64| json!({"campaigns": [{"id": "spring", "roi": {"roi": x}}]});
        assert_eq!(evaluate(&card.diagnoses, &roi(3.0)), []);
        assert_eq!(evaluate(&card.diagnoses, &roi(2.5)), []);
        let d = &evaluate(&card.diagnoses, &roi(3.25))[0];
        assert_eq!(
            (d.direction, d.message.en.as_str()),
            ("above", "spring: ROI 3.25 > 3")
        );
    }

    #[test]
    fn a_bad_file_names_the_path_of_every_problem() {
        let rule = |extra: &str| {
            format!(
                r#"{{"coupon_values_cents": {{"c": 500}}, "diagnoses": [{{"id": "r", "level": "act",
                "metric": "campaigns[].completion", "message": {{"zh-CN": "x", "en": "x"}},
                "lever": {{"zh-CN": "y", "en": "y"}}{extra}}}]}}"#
            )
        };
        let problems = |text: &str| Scorecard::parse(text).unwrap_err().0.join("\n");
        for (text, want) in [
            (
                rule(r#", "below": 0.3, "colour": "red""#),
                "diagnoses[0].colour: unknown field `colour`",
            ),
            (
                rule(r#", "below": "low""#),
                "diagnoses[0].below: invalid type",
            ),
            (
                rule(r#", "below": 30"#),
                "diagnoses[0].below: 30 is not a fraction",
            ),
            (rule(""), "diagnoses[0]: one of `below` or `above`"),
            (
                rule(r#", "below": 0.3, "above": 0.9"#),
                "diagnoses[0]: one of",
            ),
            (rule(r#", "below": 0.3, "level": "act""#), "duplicate"),
            (
                rule(r#", "below": 0.3"#).replace("campaigns[].completion", "campaigns[].joy"),
                "diagnoses[0].metric: `campaigns[].joy` is not a figure",
            ),
            (
                rule(r#", "below": 0.3, "minus": "paid_d7.rate""#),
                "diagnoses[0].minus: only between two figures without `[]`",
            ),
            (
                rule(r#", "below": 0.3"#).replace(r#""en": "x""#, r#""en": "{valu}""#),
                "diagnoses[0].message.en: unknown placeholder {valu}",
            ),
            (
                rule(r#", "below": 0.3"#).replace(r#""level": "act""#, r#""level": "urgent""#),
                "diagnoses[0].level: unknown variant `urgent`",
            ),
            (
                rule(r#", "below": 0.3"#).replace(r#""c": 500"#, r#""c": -5"#),
                "coupon_values_cents.c: invalid value",
            ),
            (
                rule(r#", "below": 0.3"#).replace(r#""en": "y""#, r#""fr": "y""#),
                "diagnoses[0].lever",
            ),
        ] {
            let got = problems(&text);
            assert!(got.contains(want), "{want}\n  got: {got}");
        }
        // Every rule's problems, not the first only.
        let two = format!(
            r#"{{"coupon_values_cents": {{}}, "diagnoses": [{}, {}]}}"#,
            r#"{"id": "Bad Id", "level": "act", "metric": "paid_d7.rate", "below": 2, "message": {"zh-CN": "x", "en": "x"}, "lever": {"zh-CN": "y", "en": "y"}}"#,
            r#"{"id": "ok", "level": "watch", "metric": "ledger.breakage", "message": {"zh-CN": "", "en": "x"}, "lever": {"zh-CN": "y", "en": "y"}}"#
        );
        let got = Scorecard::parse(&two).unwrap_err().0;
        for want in [
            "diagnoses[0].id",
            "diagnoses[0].below: 2 is not a fraction",
            "diagnoses[1]: one of",
            "diagnoses[1].message.zh-CN: empty",
        ] {
            assert!(got.iter().any(|p| p.starts_with(want)), "{want}: {got:?}");
        }
        let dup = two.replace("Bad Id", "ok");
        assert!(Scorecard::parse(&dup)
            .unwrap_err()
            .0
            .iter()
            .any(|p| p.starts_with("diagnoses[1].id: `ok` is used twice")));
    }

    #[test]
    fn figures_read_as_percentages_or_numbers() {
        for (x, unit, want) in [
            (0.06, Unit::Percent, "6%"),
            (0.1, Unit::Percent, "10%"),
            (0.125, Unit::Percent, "12.5%"),
            (1.0, Unit::Percent, "100%"),
            (-0.322, Unit::Percent, "-32.2%"),
            (0.0, Unit::Percent, "0%"),
            (3.0, Unit::Number, "3"),
            (10.0, Unit::Number, "10"),
            (1.5, Unit::Number, "1.5"),
            (3.25, Unit::Number, "3.25"),
        ] {
            assert_eq!(shown(x, unit), want, "{x}");
        }
    }

    /// A custom rule on two figures: the difference is rounded as the report rounds (4
    /// decimals), so 0.3 − 0.2 is 0.1, at the threshold, not 0.09999999999999998 below it.
    #[test]
    fn a_difference_is_rounded_before_it_is_compared() {
        let text = r#"{"coupon_values_cents": {}, "diagnoses": [
            {"id": "gap", "level": "watch", "metric": "paid_d7.rate", "minus": "unpaid_d7.rate",
             "below": 0.1, "message": {"zh-CN": "{value}", "en": "{value}"},
             "lever": {"zh-CN": "y", "en": "y"}},
            {"id": "week_d1", "level": "watch", "metric": "cohorts[].d1.rate", "below": 0.5,
             "message": {"zh-CN": "{subject}", "en": "{subject}: D1 {value}"},
             "lever": {"zh-CN": "y", "en": "y"}}]}"#;
        let card = Scorecard::parse(text).unwrap();
        let report = |paid: f64| {
            json!({"paid_d7": {"rate": paid}, "unpaid_d7": {"rate": 0.2},
                   "cohorts": [{"week": "2026-11-02", "d1": {"rate": 0.25}}, {"week": "2026-11-09", "d1": null}]})
        };
        let ids = |r: &Value| -> Vec<(String, Option<String>)> {
            evaluate(&card.diagnoses, r)
                .into_iter()
                .map(|d| (d.id, d.subject))
                .collect()
        };
        let week = ("week_d1".to_owned(), Some("2026-11-02".to_owned()));
        assert_eq!(ids(&report(0.3)), std::slice::from_ref(&week));
        let gap = ("gap".to_owned(), None);
        assert_eq!(ids(&report(0.2999)), [gap, week]);
        assert_eq!(evaluate(&card.diagnoses, &report(0.29))[0].message.en, "9%");
    }

    #[test]
    fn ids_and_thresholds_are_checked_at_their_bounds() {
        let rule = |id: &str, threshold: &str| {
            format!(
                r#"{{"coupon_values_cents": {{}}, "diagnoses": [{{"id": "{id}", "level": "act",
                "metric": "campaigns[].completion", "below": {threshold},
                "message": {{"zh-CN": "x", "en": "x"}}, "lever": {{"zh-CN": "y", "en": "y"}}}}]}}"#
            )
        };
        let ok = |id: &str, t: &str| Scorecard::parse(&rule(id, t)).is_ok();
        assert!(ok(&"a".repeat(64), "0.3"));
        assert!(!ok(&"a".repeat(65), "0.3"));
        assert!(!ok("", "0.3"));
        assert!(ok("r9_x", "1") && ok("r", "-1"));
        assert!(!ok("r", "1.01") && !ok("r", "-1.01"));
        // A ratio (ROI) takes any number.
        let roi = rule("r", "7").replace("campaigns[].completion", "campaigns[].roi.roi");
        assert!(Scorecard::parse(&roi).is_ok());
        let empty = r#"{"coupon_values_cents": {"": 5}, "diagnoses": []}"#;
        assert_eq!(
            Scorecard::parse(empty).unwrap_err().0,
            ["coupon_values_cents: an empty coupon id"]
        );
    }

    #[test]
    fn the_preset_prices_every_coupon_of_the_seed() {
        let card = Scorecard::default_settings();
        assert_eq!(
            card.unvalued_coupons(&zailai::Config::seed()),
            Vec::<String>::new()
        );
        assert_eq!(card.coupon_values_cents["coupon_5_yuan"], 500);
        assert_eq!(card.coupon_values_cents["coupon_10_yuan"], 1000);
        let fewer = Scorecard {
            coupon_values_cents: BTreeMap::new(),
            ..card
        };
        let unvalued = fewer.unvalued_coupons(&zailai::Config::seed());
        assert!(
            unvalued.contains(&"streak_7_coupon".to_owned()),
            "{unvalued:?}"
        );
        assert_eq!(unvalued.len(), 6, "{unvalued:?}");
    }

    #[test]
    fn every_metric_is_read_where_the_report_has_it() {
        // Each listed metric resolves on a report built by the code (a hand-built one would
        // not catch a renamed field): the scalars are keys of it, the arrays are arrays.
        let cfg = zailai::Config::seed();
        let (from, to) = (20_000, 20_010);
        let report =
            crate::report::compute(&cfg, (&[], &Default::default()), &[], (from, to), &[to]);
        let v = serde_json::to_value(&report).unwrap();
        for (metric, _) in METRICS {
            let (head, _) = metric.split_once("[].").unwrap_or((metric, ""));
            let mut node = &v;
            for key in head.split('.') {
                assert!(node.get(key).is_some(), "{metric}: no `{key}` in {node}");
                node = &node[key];
                if node.is_null() {
                    break;
                }
            }
            if metric.contains("[]") {
                assert!(node.is_array(), "{metric}");
            }
        }
    }
}
