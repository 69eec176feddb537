//! Devices without HTTP (docs/sync.md, "Devices" and "Members before they log in"). A device
//! registers at the app's first launch, before any login: the server draws its id and secret
//! and keeps only the secret's SHA-256. A member acts offline on it with no member id; the
//! first login's push adopts the device's ops into the member of that session, once the
//! secret checks out, and binds the device to that member for good. The HTTP routes
//! (`serve/device.rs`) and the tests (`server/tests/devices.rs`) share these, so the tests run
//! the route's own decisions on both stores with a clock they choose.

use crate::store::{DeviceClaim, Store, StoreError};
use sha2::{Digest, Sha256};

/// A new registration: the id and secret go to the client once; the store keeps the hash.
#[derive(Debug, Clone)]
pub struct Registration {
    pub device: String,
    pub secret: String,
    pub registered_at: i64,
}

/// Why a push's device is refused (403; the codes are in `serve/device.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `DEVICE_NOT_REGISTERED`: no device with this id and secret (or no secret at all): one
    /// answer for an unknown id and a wrong secret, so ids cannot be probed.
    NotRegistered,
    /// `DEVICE_OTHER_MEMBER`: the device's ops were adopted by another member.
    OtherMember,
}

/// What the store keeps of a secret (the same hash as sessions' tokens).
pub fn secret_hash(secret: &str) -> String {
    zailai::lottery::hex(&Sha256::digest(secret.as_bytes()))
}

/// Registers a new device at `now`: an id of `d` and 128 random bits in hex (nobody can guess
/// or take the id another install will get) and a secret of 256 random bits. A retried
/// registration (its reply lost) is a new device: the lost one's secret was never kept, so it
/// can never push, bind or be adopted, and the client's ops go through the one it holds.
pub async fn register(store: &impl Store, now: i64) -> Result<Registration, StoreError> {
    // A taken id means 2^-128 luck; a few draws and then an error rather than a loop.
    for _ in 0..3 {
        let device = format!("d{}", random_hex::<16>()?);
        let secret = random_hex::<32>()?;
        if store
            .register_device(&device, &secret_hash(&secret), now)
            .await?
        {
            return Ok(Registration {
                device,
                secret,
                registered_at: now,
            });
        }
    }
    Err(StoreError("three drawn device ids were all taken".into()))
}

fn random_hex<const N: usize>() -> Result<String, StoreError> {
    let mut raw = [0u8; N];
    getrandom::fill(&mut raw).map_err(|e| StoreError(format!("no randomness: {e}")))?;
    Ok(zailai::lottery::hex(&raw))
}

/// The pushing device's registration time, for a push by `user` with `secret` (the
/// `X-Device-Secret` header): the first such push adopts the device (binds it to `user`, and its
/// ops with it); the same member's later pushes, retries included, find it theirs. Its ops count
/// from the registration (`sync_service::sync_from_device`).
pub async fn claim(
    store: &impl Store,
    device: &str,
    secret: Option<&str>,
    user: &str,
) -> Result<Result<i64, Refusal>, StoreError> {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return Ok(Err(Refusal::NotRegistered));
    };
    Ok(
        match store
            .claim_device(device, &secret_hash(secret), user)
            .await?
        {
            DeviceClaim::Registered { registered_at } => Ok(registered_at),
            DeviceClaim::Unknown => Err(Refusal::NotRegistered),
            DeviceClaim::OtherMember => Err(Refusal::OtherMember),
        },
    )
}
