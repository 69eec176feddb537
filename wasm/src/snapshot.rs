//! `Snapshot`: verification of a server-signed snapshot against the trusted keys of
//! `/v1/config`. The client only ever builds on a snapshot that verified.

use crate::convert::{bad_argument, rule_error, to_js};
use crate::member::Member;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use zailai::snapshot::{self, base64, Payload, TrustedKeys};

#[wasm_bindgen]
pub struct Snapshot {
    payload: Payload,
}

/// The payload without the state, as JS sees it (`issuedAt` as an f64: epoch ms fit).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Head<'a> {
    user: &'a str,
    server_version: u32,
    issued_at: f64,
    config_hash: &'a str,
    acked: &'a zailai::vecmap::VecMap<String, u32>,
}

#[wasm_bindgen]
impl Snapshot {
    /// Verifies base64 snapshot bytes with `keys` (`[{id, public}]`, public keys in base64).
    /// Throws `SNAPSHOT_MALFORMED`, `SNAPSHOT_VERSION_UNSUPPORTED`, `SNAPSHOT_UNKNOWN_KEY`,
    /// `SNAPSHOT_BAD_SIGNATURE` or `STATE_INVALID`.
    pub fn verify(keys: &str, snapshot: &str) -> Result<Snapshot, JsValue> {
        let trusted = trusted_keys(keys)?;
        let bytes = base64::decode(snapshot).ok_or_else(|| {
            rule_error(zailai::RuleError::new(
                zailai::ErrorCode::SnapshotMalformed,
                "snapshot is not base64".to_owned(),
            ))
        })?;
        let payload = snapshot::verify(&bytes, &trusted).map_err(rule_error)?;
        Ok(Snapshot { payload })
    }

    /// `{user, serverVersion, issuedAt, configHash, acked}`.
    #[wasm_bindgen(getter)]
    pub fn head(&self) -> Result<JsValue, JsValue> {
        let p = &self.payload;
        to_js(&Head {
            user: &p.user,
            server_version: p.server_version,
            issued_at: p.issued_at as f64,
            config_hash: &p.config_hash,
            acked: &p.acked,
        })
    }

    /// The signed state as a member.
    pub fn member(&self) -> Member {
        Member::from_state(self.payload.state.clone())
    }
}

/// Reads `[{id, public}]` JSON into trusted keys.
fn trusted_keys(json: &str) -> Result<TrustedKeys, JsValue> {
    let bad = |what: String| bad_argument(&format!("keys{what}"));
    let value = zailai::json::parse(json).map_err(|e| bad(format!(": {e}")))?;
    let list = value
        .as_array()
        .ok_or_else(|| bad(" must be an array of {id, public}".to_owned()))?;
    let mut trusted = TrustedKeys::new();
    for (i, key) in list.iter().enumerate() {
        let field = |name: &str| {
            key.get(name)
                .and_then(|v| v.as_str())
                .ok_or_else(|| bad(format!("[{i}].{name} must be a string")))
        };
        let bytes = base64::decode(field("public")?)
            .ok_or_else(|| bad(format!("[{i}].public is not base64")))?;
        trusted.add(field("id")?, &bytes).map_err(rule_error)?;
    }
    Ok(trusted)
}
