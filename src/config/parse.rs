//! Strict and tolerant parsing of a config document, and the errors both report.

use super::{Config, SCHEMA_MAJOR};
use crate::json::Unknown;
use serde::Serialize;
use std::fmt;

/// One problem in a config: where (a JSON path such as `checkin.streak_bonuses[1].day`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    #[cfg_attr(zailai_cold_size, optimize(size))]
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
    #[cfg_attr(zailai_cold_size, optimize(size))]
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
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub(crate) fn invalid(issues: Vec<ConfigIssue>) -> Self {
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

impl Config {
    /// Strict parse + validation: unknown fields are errors, and every rule problem is listed.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn parse(json: &str) -> Result<Config, ConfigError> {
        let value = document(json)?;
        // Natively and in the rule-file tools every shape problem at once (the CLIs, the
        // server). The mini-program module takes rules in the binary form and keeps only the
        // one-pass reader, for its size.
        #[cfg(any(not(target_family = "wasm"), feature = "rule-files"))]
        let config = super::shape::read_all(&value)?;
        #[cfg(all(target_family = "wasm", not(feature = "rule-files")))]
        let config = super::read::config(&value, &mut Unknown::Deny)
            .map_err(|i| ConfigError::invalid(vec![*i]))?;
        config.checked()
    }

    /// Tolerant parse for clients: fields this build does not know become warnings, a newer
    /// schema major is refused with `CONFIG_TOO_NEW`, and rule problems are still errors.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn parse_tolerant(json: &str) -> Result<Parsed, ConfigError> {
        let value = document(json)?;
        let mut warnings = Vec::new();
        let config = super::read::config(&value, &mut Unknown::Warn(&mut warnings))
            .map_err(|i| ConfigError::invalid(vec![*i]))?;
        let warnings = crate::ordered::ordered_by(warnings, |w| w.path.clone());
        Ok(Parsed {
            config: config.checked()?,
            warnings,
        })
    }

    /// Runs validation and returns the config if it has no problem.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn checked(self) -> Result<Config, ConfigError> {
        let issues = self.validate();
        if issues.is_empty() {
            Ok(self)
        } else {
            Err(ConfigError::invalid(issues))
        }
    }
}

/// JSON text to a value whose schema version this build reads.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn document(json: &str) -> Result<crate::json::Value, ConfigError> {
    let value: crate::json::Value = crate::json::parse(json).map_err(|e| {
        ConfigError::invalid(vec![ConfigIssue {
            path: String::new(),
            reason: format!("not valid JSON: {e}"),
        }])
    })?;
    check_schema_version(&value)?;
    Ok(value)
}

#[cfg_attr(zailai_cold_size, optimize(size))]
fn check_schema_version(value: &crate::json::Value) -> Result<(), ConfigError> {
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
#[cfg_attr(zailai_cold_size, optimize(size))]
pub(crate) fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.0"), Some((1, 0)));
        assert_eq!(parse_version("12.34"), Some((12, 34)));
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("-1.0"), None);
    }
}
