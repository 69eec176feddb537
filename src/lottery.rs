//! Lottery draws that neither side can rig (`docs/lottery.md`).
//!
//! The server picks a secret seed per lottery and publishes `commitment(seed)` before the
//! campaign opens. A draw lands on slot `slot(seed, lottery, member, device, seq)` of the
//! wheel: the member cannot predict it (the seed is secret) and the server cannot choose it
//! (the seed is fixed by the commitment, the other inputs by the member's op). After the
//! campaign the server reveals the seed, and [`verify`] recomputes every published result.
//! SHA-512 is the one the signature code already carries, so the wasm module pays nothing.

use crate::config::Lottery;
use crate::error::{ErrorCode, RuleError};
use crate::json::Value;
use ed25519_compact::sha512::Hash;
use serde::Serialize;

/// Lowercase hex of `bytes`.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Bytes of a hex string, or `None` when it is not one.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    t.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// SHA-512 of the parts, each followed by a zero byte so that no two inputs collide.
#[cfg_attr(zailai_cold_size, optimize(size))]
fn digest(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Hash::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    h.finalize()
}

/// The first 8 bytes of `d` from `at`, little-endian.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub(crate) fn word(d: &[u8; 64], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&d[at..at + 8]);
    u64::from_le_bytes(w)
}

/// How a member appears in a lottery's published results: 16 hex digits of a hash of the
/// lottery's seed and the user id. Until the reveal nobody can tell whose draws are whose, nor
/// link a member's draws across lotteries (each has its own seed); after it, each member finds
/// their own. The tag is also the slot's member input, so it is fixed when the draw is made.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn member_tag(seed: &[u8], user: &str) -> String {
    hex(&digest(&[b"zailai-member/v2", seed, user.as_bytes()])[..8])
}

/// The tag of draws made before tags were salted: the user id alone, which anyone who knows
/// the id could look up. Read only, to find a member's draws in older records.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn member_tag_v1(user: &str) -> String {
    hex(&digest(&[b"zailai-member/v1", user.as_bytes()])[..8])
}

/// What the server publishes before the first draw: the hex SHA-512 of the seed.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn commitment(seed: &[u8]) -> String {
    hex(&digest(&[b"zailai-lottery-seed/v1", seed]))
}

/// The slot (0 ≤ slot < `total`) a draw lands on. The modulo bias is below 2⁻⁴⁴ for the
/// largest wheel the rules allow (10⁶ slots).
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn slot(seed: &[u8], lottery: &str, member: &str, device: &str, seq: u32, total: u32) -> u32 {
    let d = digest(&[
        b"zailai-lottery/v1",
        seed,
        lottery.as_bytes(),
        member.as_bytes(),
        device.as_bytes(),
        &seq.to_le_bytes(),
    ]);
    (word(&d, 0) % u64::from(total.max(1))) as u32
}

/// The prize (index into `l.prizes`) of a draw on `slot` by a member of lottery weight
/// `weight`, given how many of each prize were won before it. Prize `i` covers the next
/// `weight × prizes[i].weight` slots; a prize out of stock wins nothing, and the odds of the
/// others do not change.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn decide(l: &Lottery, slot: u32, weight: u16, won: &[u32]) -> Option<usize> {
    let mut end = 0u64;
    for (i, prize) in l.prizes.iter().enumerate() {
        end += u64::from(prize.weight) * u64::from(weight.max(1));
        if u64::from(slot) < end {
            let gone = won.get(i).copied().unwrap_or(0) >= prize.stock;
            return (!gone).then_some(i);
        }
    }
    None
}

/// A lottery's public record (`GET /v1/lotteries/{id}`), in draw order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub lottery: String,
    pub commitment: String,
    /// Hex, once revealed (after the campaign and its offline window).
    pub seed: Option<String>,
    pub draws: Vec<PublishedDraw>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedDraw {
    pub member: String,
    pub device: String,
    pub seq: u32,
    pub weight: u16,
    pub prize: Option<String>,
}

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub draws: usize,
    /// Prizes won, by prize id in the lottery's order.
    pub won: Vec<(String, u32)>,
}

impl Published {
    /// Reads a published record; unknown fields are ignored (newer servers may add some).
    /// Read with plain lookups rather than the path-aware readers: the client's wasm module
    /// carries this, and a bad record only needs to say which draw is bad.
    #[cfg_attr(zailai_cold_size, optimize(size))]
    pub fn from_json(text: &str) -> Result<Published, RuleError> {
        let invalid = |what: String| RuleError::new(ErrorCode::LotteryInvalid, what);
        let v: Value = crate::json::parse(text).map_err(|e| invalid(e.to_string()))?;
        let text_at = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let (Some(lottery), Some(commitment)) = (text_at(&v, "lottery"), text_at(&v, "commitment"))
        else {
            return Err(invalid(
                "needs `lottery` and `commitment` strings".to_owned(),
            ));
        };
        let list = v.get("draws").and_then(Value::as_array);
        let mut draws = Vec::new();
        for (i, d) in list.into_iter().flatten().enumerate() {
            let number =
                |key: &str, max: u64| d.get(key).and_then(Value::as_u64).filter(|&n| n <= max);
            let prize = match d.get("prize") {
                None | Some(Value::Null) => Some(None),
                Some(p) => p.as_str().map(|p| Some(p.to_owned())),
            };
            match (
                text_at(d, "member"),
                text_at(d, "device"),
                number("seq", u64::from(u32::MAX)),
                number("weight", u64::from(u16::MAX)),
                prize,
            ) {
                (Some(member), Some(device), Some(seq), Some(weight), Some(prize)) => {
                    draws.push(PublishedDraw {
                        member,
                        device,
                        seq: seq as u32,
                        weight: weight as u16,
                        prize,
                    })
                }
                _ => {
                    return Err(invalid(format!(
                        "draws[{i}]: needs member, device, seq, weight and prize"
                    )))
                }
            }
        }
        if list.is_none() {
            return Err(invalid("needs a `draws` array".to_owned()));
        }
        Ok(Published {
            lottery,
            commitment,
            seed: text_at(&v, "seed"),
            draws,
        })
    }
}

/// Checks a revealed record against the rules: the seed matches the commitment and every
/// result is what the seed decides, with stock counted in the published order.
#[cfg_attr(zailai_cold_size, optimize(size))]
pub fn verify(l: &Lottery, p: &Published) -> Result<Verified, RuleError> {
    let mismatch = |detail: String| Err(RuleError::new(ErrorCode::LotteryMismatch, detail));
    if p.lottery != l.id {
        return mismatch(format!("record of `{}`, rules of `{}`", p.lottery, l.id));
    }
    let Some(seed_hex) = &p.seed else {
        return Err(RuleError::new(
            ErrorCode::LotteryNotRevealed,
            "the seed is published after the campaign and its offline window",
        ));
    };
    let seed = unhex(seed_hex)
        .ok_or_else(|| RuleError::new(ErrorCode::LotteryInvalid, "seed: not hex"))?;
    if commitment(&seed) != p.commitment {
        return mismatch("the seed does not match the commitment".to_owned());
    }
    let mut won = vec![0u32; l.prizes.len()];
    for (n, d) in p.draws.iter().enumerate() {
        let s = slot(&seed, &l.id, &d.member, &d.device, d.seq, l.total_weight);
        let expected = decide(l, s, d.weight, &won);
        let expected_id = expected.map(|i| l.prizes[i].id.as_str());
        if expected_id != d.prize.as_deref() {
            return mismatch(format!(
                "draws[{n}]: published {}, the seed decides {}",
                d.prize.as_deref().unwrap_or("no prize"),
                expected_id.unwrap_or("no prize")
            ));
        }
        if let Some(i) = expected {
            won[i] += 1;
        }
    }
    Ok(Verified {
        draws: p.draws.len(),
        won: l
            .prizes
            .iter()
            .zip(won)
            .map(|(z, n)| (z.id.clone(), n))
            .collect(),
    })
}
