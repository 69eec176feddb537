//! `POST /v1/admin/rules/validate` (operator): a draft checked as publishing checks it, stored
//! nowhere. The rules (every problem with its path), the mapping, and what the draft would
//! strand of the last version's members, and with `effective_from` the schedule too; when it
//! passes, its hash, a summary, the advice `zailai check` prints, and who may publish it
//! (`versions::scope`).

use super::auth::CanOperate;
use super::error::ApiError;
use super::request::typed;
use super::rules_admin::{refused, When};
use super::{now_ms, App};
use crate::versions::{self, scope};
use axum::extract::rejection::StringRejection;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// `{"rules": {…rule file…}, "mapping"?: {…}, "effective_from"?: when}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftBody {
    rules: Value,
    mapping: Option<Value>,
    /// When given, checked as publishing would check it now (the lead time, after the last).
    effective_from: Option<When>,
}

/// `{"ok": true, "hash", "summary", "warnings", "base": {"number", "hash"}, "changes",
/// "needs_role": "operator" | "admin", "beyond_campaigns": [paths]}`, or 422 with every
/// problem (`CONFIG_INVALID`, `RULES_STRAND_STATE`), or `BAD_SCHEDULE`.
pub async fn validate(
    State(app): State<Arc<App>>,
    _: CanOperate,
    body: Result<String, StringRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: DraftBody = typed(body)?;
    let mapping = b.mapping.map(|m| m.to_string());
    let (config, mapping) =
        versions::read_candidate(&b.rules.to_string(), mapping.as_deref()).map_err(refused)?;
    let last = versions::load(&app.store)
        .await
        .map_err(ApiError::internal)?
        .map(|(timeline, _)| timeline.last().clone());
    let mut answer = json!({
        "ok": true,
        "hash": zailai::snapshot::config_hash(&config),
        "summary": scope::summary(&config),
        "warnings": config.lint().iter().map(|w| json!({
            "path": w.path, "reason": w.reason, "message": w.reason,
        })).collect::<Vec<_>>(),
    });
    if let Some(last) = last {
        if let Some(when) = &b.effective_from {
            versions::check_schedule(&last, &config, when.ms()?, now_ms(), versions::LEAD_MS)
                .map_err(refused)?;
        }
        versions::stranded(&last.config, &config, &mapping).map_err(refused)?;
        let beyond = scope::beyond_campaigns(&last.config, &config);
        let changes = {
            let (a, b) = (
                serde_json::to_value(&*last.config),
                serde_json::to_value(&config),
            );
            match (a, b) {
                (Ok(a), Ok(b)) => versions::diff::diff(&a, &b).len(),
                _ => 0,
            }
        };
        answer["base"] = json!({"number": last.number, "hash": last.hash});
        answer["changes"] = json!(changes);
        answer["needs_role"] = json!(if beyond.is_empty() {
            "operator"
        } else {
            "admin"
        });
        answer["beyond_campaigns"] = json!(beyond);
    }
    Ok(Json(answer))
}
