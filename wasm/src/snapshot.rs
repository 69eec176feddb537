//! `Snapshot`: verification of a server-signed snapshot against the trusted keys of
//! `/v1/config`. The client only ever builds on a snapshot that verified.

use crate::convert::{bad_argument, rule_error};
use crate::member::Member;
use wasm_bindgen::prelude::*;
use zailai::snapshot::{self, base64, Payload, TrustedKeys};

#[wasm_bindgen]
pub struct Snapshot {
    payload: Payload,
}

#[wasm_bindgen]
impl Snapshot {
    /// Verifies base64 snapshot bytes with `keys` (`[{id, public}]`, public keys in base64).
    /// Throws `SNAPSHOT_MALFORMED`, `SNAPSHOT_VERSION_UNSUPPORTED`, `SNAPSHOT_UNKNOWN_KEY`,
    /// `SNAPSHOT_BAD_SIGNATURE` or `STATE_INVALID`. `signatureLater`: every check but the
    /// signature's (`snapshot::verify_unless`), for the client's stored copy at open; the
    /// client verifies it whole right after (docs/security.md).
    pub fn verify(keys: &str, snapshot: &str, signature_later: bool) -> Result<Snapshot, JsValue> {
        let trusted = trusted_keys(keys)?;
        let bytes = base64::decode(snapshot).ok_or_else(|| {
            rule_error(zailai::RuleError::new(
                zailai::ErrorCode::SnapshotMalformed,
                "snapshot is not base64".to_owned(),
            ))
        })?;
        let payload =
            snapshot::verify_unless(&bytes, &trusted, signature_later).map_err(rule_error)?;
        Ok(Snapshot { payload })
    }

    /// The member the snapshot is of.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> String {
        self.payload.user.clone()
    }

    /// The server's version of the member's state.
    #[wasm_bindgen(getter, js_name = "serverVersion")]
    pub fn server_version(&self) -> u32 {
        self.payload.server_version
    }

    /// The signed state as a member (no device: it records no actions).
    pub fn member(&self) -> Member {
        Member::from_replica(zailai::replica::Replica::from_base(
            self.payload.duplicate(),
            "",
        ))
    }
}

impl Snapshot {
    pub(crate) fn into_payload(self) -> Payload {
        self.payload
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
