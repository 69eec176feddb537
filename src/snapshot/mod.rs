//! Signed snapshots: the server's word on a member's state, in canonical bytes that the client
//! verifies against the public keys it trusts. Byte layout: `docs/snapshot.md`.
//!
//! ```text
//! "ZLSN" | format (1) | key id length (1) | key id | payload length (u32 BE) | payload | signature (64)
//! ```
//! The Ed25519 signature covers every byte before it. The payload is [`Payload`] in the binary
//! encoding (`docs/binary.md`). Format 1 had a JSON payload: no build that wrote it was
//! deployed, and reading it would keep the JSON state reader in every phone's module, so it is
//! refused like any other unknown format. Keys come from the caller: the core has no
//! randomness of its own.

pub mod base64;

use crate::config::Config;
use crate::error::{ErrorCode, RuleError};
use crate::state::State;
use crate::vecmap::VecMap;
use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const MAGIC: [u8; 4] = *b"ZLSN";
/// The format this build writes and reads. 3: the payload was state v2 (holds, refunds);
/// 4: state v3 (the collect-cards pity count, `CardHolding::dry`); 5: state v4 (the coupon an
/// order used, `CouponGrant::used`).
pub const FORMAT: u8 = 5;
/// The formats this build reads, preferred first (what a client declares in a push).
pub const FORMATS_READ: [u8; 1] = [FORMAT];
/// Longest key id, in bytes.
pub const MAX_KEY_ID: usize = 64;
/// Largest payload accepted, in bytes (the wx storage limit is 1 MB per key).
pub const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// What a snapshot says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    pub user: String,
    /// The server's version of this member's state; grows by one with each accepted sync.
    pub server_version: u32,
    /// When the server issued it, epoch ms.
    pub issued_at: i64,
    /// [`config_hash`] of the rules the state was computed with.
    pub config_hash: String,
    /// Last acknowledged seq per device.
    pub acked: VecMap<String, u32>,
    pub state: State,
}

crate::binary::codec::binary_record! {
    Payload { user server_version issued_at config_hash acked state }
}

impl Payload {
    /// `clone()`, compiled once in this crate (see `Replica::duplicate`).
    #[inline(never)]
    pub fn duplicate(&self) -> Payload {
        self.clone()
    }
}

/// SHA-256 of the config's canonical JSON, lowercase hex: client and server compare it to know
/// they run the same rules. Native builds only: a wasm build names `Reward` and `Benefits`
/// fields in camelCase for the JS API (`crate::view`), which would change the hash.
pub fn config_hash(config: &Config) -> String {
    let json = serde_json::to_string(config).unwrap_or_default();
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A signing key with its id (the server's side).
pub struct SnapshotSigner {
    pub id: String,
    key: KeyPair,
}

/// Shows the key id only: a secret key must not end up in logs.
impl std::fmt::Debug for SnapshotSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SnapshotSigner({})", self.id)
    }
}

impl SnapshotSigner {
    /// From a 32-byte Ed25519 seed (secret key) the caller generated and keeps.
    pub fn from_seed(id: &str, seed: &[u8; 32]) -> Result<SnapshotSigner, RuleError> {
        check_key_id(id)?;
        Ok(SnapshotSigner {
            id: id.to_owned(),
            key: KeyPair::from_seed(Seed::new(*seed)),
        })
    }

    pub fn public_key(&self) -> [u8; 32] {
        *self.key.pk
    }

    /// The snapshot bytes of `payload`, signed.
    pub fn sign(&self, payload: &Payload) -> Vec<u8> {
        let body = crate::binary::encode(payload);
        let mut out = Vec::with_capacity(10 + self.id.len() + body.len() + 64);
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT);
        out.push(self.id.len() as u8);
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        // No noise: deterministic RFC 8032 signatures, so the same payload signs the same.
        let signature = self.key.sk.sign(&out, None);
        out.extend_from_slice(signature.as_ref());
        out
    }
}

fn check_key_id(id: &str) -> Result<(), RuleError> {
    if id.is_empty() || id.len() > MAX_KEY_ID {
        return Err(RuleError::new(
            ErrorCode::BadAmount,
            format!("key id must be 1–{MAX_KEY_ID} bytes"),
        ));
    }
    Ok(())
}

/// The public keys a client trusts, by key id (several during a rotation).
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<(String, PublicKey)>,
}

impl TrustedKeys {
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Adds a key; refuses bytes that are not a valid Ed25519 public key.
    pub fn add(&mut self, id: &str, public_key: &[u8]) -> Result<(), RuleError> {
        check_key_id(id)?;
        let bytes = <[u8; 32]>::try_from(public_key).map_err(|_| {
            snapshot_error(
                ErrorCode::SnapshotUnknownKey,
                format!("public key `{id}` must be 32 bytes"),
            )
        })?;
        let key = PublicKey::from_slice(&bytes).map_err(|_| {
            snapshot_error(
                ErrorCode::SnapshotUnknownKey,
                format!("public key `{id}` is not a curve point"),
            )
        })?;
        self.keys.retain(|(k, _)| k != id);
        self.keys.push((id.to_owned(), key));
        Ok(())
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }
}

fn snapshot_error(code: ErrorCode, detail: String) -> RuleError {
    RuleError::new(code, detail)
}

/// Ed25519 verification as the client does it (strict: no malleable signatures, no small-order
/// keys). Checked against every Wycheproof case in the tests.
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (
        PublicKey::from_slice(public_key),
        Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

/// Parts of snapshot bytes, before verification.
struct Parts<'a> {
    key_id: &'a str,
    signed: &'a [u8],
    payload: &'a [u8],
    signature: &'a [u8],
}

fn split(bytes: &[u8]) -> Result<Parts<'_>, RuleError> {
    let malformed = |what: &str| {
        Err(snapshot_error(
            ErrorCode::SnapshotMalformed,
            what.to_owned(),
        ))
    };
    if bytes.len() < 6 + 4 + 64 || bytes[..4] != MAGIC {
        return malformed("not zailai snapshot bytes");
    }
    let format = bytes[4];
    if !FORMATS_READ.contains(&format) {
        return Err(snapshot_error(
            ErrorCode::SnapshotVersionUnsupported,
            format!("snapshot format {format} (this build reads {FORMATS_READ:?})"),
        ));
    }
    let id_len = usize::from(bytes[5]);
    let payload_at = 6 + id_len + 4;
    if id_len == 0 || id_len > MAX_KEY_ID || bytes.len() < payload_at + 64 {
        return malformed("key id length out of range");
    }
    let Ok(key_id) = std::str::from_utf8(&bytes[6..6 + id_len]) else {
        return malformed("key id is not UTF-8");
    };
    let mut len = [0u8; 4];
    len.copy_from_slice(&bytes[6 + id_len..payload_at]);
    let payload_len = u32::from_be_bytes(len) as usize;
    if payload_len > MAX_PAYLOAD || bytes.len() != payload_at + payload_len + 64 {
        return malformed("payload length does not match the bytes");
    }
    let signed_end = payload_at + payload_len;
    Ok(Parts {
        key_id,
        signed: &bytes[..signed_end],
        payload: &bytes[payload_at..signed_end],
        signature: &bytes[signed_end..],
    })
}

/// Verifies snapshot bytes against the trusted keys and returns what they say. Errors:
/// `SNAPSHOT_MALFORMED`, `SNAPSHOT_VERSION_UNSUPPORTED`, `SNAPSHOT_UNKNOWN_KEY`,
/// `SNAPSHOT_BAD_SIGNATURE`, and the state's own errors for a signed but unreadable state.
pub fn verify(bytes: &[u8], trusted: &TrustedKeys) -> Result<Payload, RuleError> {
    verify_unless(bytes, trusted, false)
}

/// `verify`, with the signature left unchecked when `signature_later`: every other check
/// (format, a trusted key id, lengths, a consistent state) is made. For the client's own
/// stored copy of a snapshot that verified on arrival: the Ed25519 check is most of an open
/// on an iPhone, and the client makes it right after the first paint (docs/security.md).
pub fn verify_unless(
    bytes: &[u8],
    trusted: &TrustedKeys,
    signature_later: bool,
) -> Result<Payload, RuleError> {
    let parts = split(bytes)?;
    let key = trusted.get(parts.key_id).ok_or_else(|| {
        snapshot_error(
            ErrorCode::SnapshotUnknownKey,
            format!("key `{}` is not trusted", parts.key_id),
        )
    })?;
    let Ok(sig) = <[u8; 64]>::try_from(parts.signature) else {
        return Err(snapshot_error(
            ErrorCode::SnapshotMalformed,
            "signature must be 64 bytes".to_owned(),
        ));
    };
    if !signature_later && key.verify(parts.signed, &Signature::new(sig)).is_err() {
        return Err(snapshot_error(
            ErrorCode::SnapshotBadSignature,
            format!("signature does not verify with key `{}`", parts.key_id),
        ));
    }
    read_payload(parts.payload)
}

/// The key id and payload of snapshot bytes, signature NOT checked: for people reading a
/// snapshot (`zailai snapshot show`), never for trust.
pub fn inspect(bytes: &[u8]) -> Result<(String, Payload), RuleError> {
    let parts = split(bytes)?;
    Ok((parts.key_id.to_owned(), read_payload(parts.payload)?))
}

/// The key id named in snapshot bytes, without verifying anything (for logs and rotation).
pub fn key_id(bytes: &[u8]) -> Result<String, RuleError> {
    split(bytes).map(|p| p.key_id.to_owned())
}

/// The payload: binary, and as consistent as a state read from JSON.
fn read_payload(bytes: &[u8]) -> Result<Payload, RuleError> {
    let payload: Payload = crate::binary::codec::from_bytes(bytes)
        .map_err(|e| snapshot_error(ErrorCode::SnapshotMalformed, format!("payload: {e}")))?;
    check_payload(&payload)?;
    Ok(payload)
}

fn check_payload(payload: &Payload) -> Result<(), RuleError> {
    let state = &payload.state;
    if state.v != crate::state::STATE_VERSION {
        return Err(RuleError::new(
            ErrorCode::StateVersionUnsupported,
            format!(
                "payload state format v{} (this build reads v{})",
                state.v,
                crate::state::STATE_VERSION
            ),
        ));
    }
    if state.user != payload.user {
        return Err(snapshot_error(
            ErrorCode::SnapshotMalformed,
            format!(
                "payload user `{}` differs from the state's `{}`",
                payload.user, state.user
            ),
        ));
    }
    state.check_consistent()
}
