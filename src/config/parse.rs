//! Strict and tolerant parsing of a config document, and the errors both report.

use super::{Config, SCHEMA_MAJOR};
use serde::Serialize;
use std::fmt;

/// One problem in a config: where (a JSON path such as `checkin.streak_bonuses[1].day`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(document): {}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Why a config was refused. `code` is stable: `CONFIG_INVALID` (syntax, types, unknown
/// fields or rule problems; see `issues`) or `CONFIG_TOO_NEW` (a newer schema major).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    pub code: &'static str,
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for issue in &self.issues {
            write!(f, "\n  {issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn invalid(issues: Vec<ConfigIssue>) -> Self {
        ConfigError {
            code: "CONFIG_INVALID",
            issues,
        }
    }
}

/// A config accepted by the tolerant parser, with what it ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub config: Config,
    pub warnings: Vec<ConfigIssue>,
}

/// Upper bound on unknown fields dropped by the tolerant parser, so a hostile document
/// cannot make it loop for long.
const MAX_DROPPED_FIELDS: usize = 256;

impl Config {
    /// Strict parse + validation: unknown fields are errors, and every rule problem is listed.
    pub fn parse(json: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ConfigError::invalid(vec![syntax_issue(&e)]))?;
        check_schema_version(&value)?;
        let config = from_value(value).map_err(|i| ConfigError::invalid(vec![i]))?;
        config.checked()
    }

    /// Tolerant parse for clients: fields this build does not know become warnings, a newer
    /// schema major is refused with `CONFIG_TOO_NEW`, and rule problems are still errors.
    pub fn parse_tolerant(json: &str) -> Result<Parsed, ConfigError> {
        let mut value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ConfigError::invalid(vec![syntax_issue(&e)]))?;
        check_schema_version(&value)?;
        let mut warnings = Vec::new();
        loop {
            match from_value(value.clone()) {
                Ok(config) => {
                    let config = config.checked()?;
                    return Ok(Parsed { config, warnings });
                }
                Err(issue) => {
                    let field = unknown_field_name(&issue.reason);
                    let dropped = field
                        .filter(|_| warnings.len() < MAX_DROPPED_FIELDS)
                        .and_then(|f| remove_at(&mut value, &issue.path, f));
                    match dropped {
                        Some(path) => warnings.push(ConfigIssue {
                            path,
                            reason: "unknown field, ignored".to_owned(),
                        }),
                        None => return Err(ConfigError::invalid(vec![issue])),
                    }
                }
            }
        }
    }

    /// Runs validation and returns the config if it has no problem.
    pub fn checked(self) -> Result<Config, ConfigError> {
        let issues = self.validate();
        if issues.is_empty() {
            Ok(self)
        } else {
            Err(ConfigError::invalid(issues))
        }
    }
}

fn syntax_issue(e: &serde_json::Error) -> ConfigIssue {
    ConfigIssue {
        path: String::new(),
        reason: format!("not valid JSON: {e}"),
    }
}

fn from_value(value: serde_json::Value) -> Result<Config, ConfigIssue> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ConfigIssue {
            path: if path == "." { String::new() } else { path },
            reason: e.into_inner().to_string(),
        }
    })
}

fn check_schema_version(value: &serde_json::Value) -> Result<(), ConfigError> {
    let Some(v) = value.get("schema_version").and_then(|v| v.as_str()) else {
        // Missing or mistyped: the typed parse reports it with its path.
        return Ok(());
    };
    match parse_version(v) {
        Some((major, _)) if major == SCHEMA_MAJOR => Ok(()),
        Some((major, _)) if major > SCHEMA_MAJOR => Err(ConfigError {
            code: "CONFIG_TOO_NEW",
            issues: vec![ConfigIssue {
                path: "schema_version".to_owned(),
                reason: format!(
                    "major version {major} is newer than this build reads ({SCHEMA_MAJOR}.x)"
                ),
            }],
        }),
        _ => Err(ConfigError::invalid(vec![ConfigIssue {
            path: "schema_version".to_owned(),
            reason: format!("`{v}` is not a supported version: expected \"{SCHEMA_MAJOR}.MINOR\""),
        }])),
    }
}

/// `"1.0"` → `(1, 0)`.
pub(crate) fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// serde's message for an unknown field is "unknown field `name`, expected …".
fn unknown_field_name(reason: &str) -> Option<&str> {
    let rest = reason.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// Removes `field` from the object at `path` (serde_path_to_error's notation, which names
/// the unknown field itself as the last segment). Returns the full path removed.
fn remove_at(root: &mut serde_json::Value, path: &str, field: &str) -> Option<String> {
    let mut node = root;
    let segments = split_path(path);
    let (last, parents) = segments.split_last()?;
    if last != field {
        return None;
    }
    for seg in parents {
        node = match seg.parse::<usize>() {
            Ok(i) if node.is_array() => node.get_mut(i)?,
            _ => node.get_mut(seg.as_str())?,
        };
    }
    node.as_object_mut()?.remove(field)?;
    Some(path.to_owned())
}

fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(rest[..i].to_owned());
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                out.push(rest[1..end].to_owned());
                rest = &rest[end + 1..];
            }
        } else if !rest.is_empty() {
            out.push(rest.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths() {
        assert_eq!(split_path("a.b[1].c"), vec!["a", "b", "1", "c"]);
        assert_eq!(split_path("tasks[0]"), vec!["tasks", "0"]);
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.0"), Some((1, 0)));
        assert_eq!(parse_version("12.34"), Some((12, 34)));
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("-1.0"), None);
    }
}
