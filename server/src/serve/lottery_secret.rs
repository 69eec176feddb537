//! Lottery seeds from a secret kept outside the database (issue 14): anyone with the database
//! or a backup of it must not be able to compute undrawn results. Each seed is
//! HMAC-SHA256(secret, "zailai lottery seed/" + lottery id); the database keeps only its
//! commitment (`c:` + SHA-256 of the seed, what `GET /v1/lotteries/{id}` publishes), so every
//! server process with the same secret derives the same seeds and checks them against it.
//!
//! The secret: `ZAILAI_LOTTERY_SECRET` (64 hex characters, e.g. `openssl rand -hex 32`), or in
//! dev mode a file the server makes under the data dir (`dev.lottery-secret`, 0600).

use sha2::{Digest, Sha256};
use std::path::Path;

pub const SECRET_ENV: &str = "ZAILAI_LOTTERY_SECRET";

/// HMAC-SHA256 (RFC 2104) with a 32-byte key.
pub fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut inner = [0x36u8; 64];
    let mut outer = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        inner[i] ^= k;
        outer[i] ^= k;
    }
    let digest = Sha256::new()
        .chain_update(inner)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(outer)
        .chain_update(digest)
        .finalize()
        .into()
}

/// The seed of lottery `id`.
pub fn seed(secret: &[u8; 32], id: &str) -> [u8; 32] {
    hmac_sha256(secret, format!("zailai lottery seed/{id}").as_bytes())
}

fn parse(text: &str, what: &str) -> Result<[u8; 32], String> {
    zailai::lottery::unhex(text.trim())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| format!("{what}: expected 64 hex characters (openssl rand -hex 32)"))
}

/// The secret from the environment, or in dev mode the data dir's (made on first start).
/// `Ok(None)`: none given outside dev mode.
pub fn load(dev: bool, data_dir: &Path) -> Result<Option<[u8; 32]>, String> {
    if let Ok(text) = std::env::var(SECRET_ENV) {
        return parse(&text, SECRET_ENV).map(Some);
    }
    if !dev {
        return Ok(None);
    }
    let text = super::dev::secret_file(data_dir, "dev.lottery-secret")?;
    parse(
        &text,
        &data_dir.join("dev.lottery-secret").display().to_string(),
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against an HMAC computed independently: Python's
    /// `hmac.new(bytes([0x0b] * 32), b"Hi There", hashlib.sha256).hexdigest()`.
    #[test]
    fn hmac_matches_an_independent_computation() {
        let key = [0x0b; 32];
        let mac = hmac_sha256(&key, b"Hi There");
        assert_eq!(
            zailai::lottery::hex(&mac),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
        );
    }

    #[test]
    fn seeds_differ_by_lottery_and_secret() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_ne!(seed(&a, "x"), seed(&a, "y"));
        assert_ne!(seed(&a, "x"), seed(&b, "x"));
        assert_eq!(seed(&a, "x"), seed(&a, "x"));
    }
}
