//! A device's local checkpoint (`docs/sync.md`, "The local checkpoint"): the state after
//! replaying the first pending ops, so that an open replays only the ops after them. Never
//! signed, never sent: it only saves the replay, and anything that does not match the stored
//! pending log exactly is ignored (the open replays everything, as without one).
//!
//! Bytes (`docs/binary.md`, "Local checkpoint"): [`FORMAT`], the length in bytes of the
//! pending log's text it covers, the number of ops on those lines, the state in the binary
//! form, then 8 bytes of a hash of that text and of every byte before (a checkpoint damaged
//! anywhere, or written for another log, does not match). What the caller keys it to besides
//! (the base, the rules, the build) is the caller's: `js/src/checkpoint.js` keeps it beside.

use crate::binary::codec::{put_varint, Decode, Encode};
use crate::binary::read::Reader;
use crate::state::State;

/// The layout this build writes and reads; any other is ignored.
pub const FORMAT: u32 = 1;

/// The checkpoint of `state`, the replay of the `ops` pending ops whose stored log is `text`
/// (`pending::pending_text`: header and lines).
pub fn write(state: &State, text: &str, ops: usize) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(u64::from(FORMAT), &mut out);
    put_varint(text.len() as u64, &mut out);
    put_varint(ops as u64, &mut out);
    state.encode(&mut out);
    let sum = hash(hash(0, text.as_bytes()), &out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The state a checkpoint holds and how many of the stored ops it covers, when it was written
/// for `user` from the start of this stored log (`text`, read into `ops` ops); None for
/// anything else (a damaged, foreign, stale or other-format checkpoint): the caller replays
/// everything.
pub fn read(bytes: &[u8], user: &str, text: &str, ops: usize) -> Option<(State, usize)> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    let mut r = Reader::new(body);
    let format = r.varint(32).ok()?;
    let len = r.varint(32).ok()? as usize;
    let covered = r.varint(32).ok()? as usize;
    let covers = text.as_bytes().get(..len)?;
    // The lines it covers end where a line of the stored log ends.
    let at_line_end = matches!(text.as_bytes().get(len), None | Some(b'\n'));
    let matches = hash(hash(0, covers), body).to_le_bytes() == sum;
    if format != u64::from(FORMAT) || covered > ops || !at_line_end || !matches {
        return None;
    }
    let state = State::decode(&mut r).ok()?;
    if !r.rest().is_empty() || state.v != crate::state::STATE_VERSION || state.user != user {
        return None;
    }
    state.check_consistent().ok()?;
    Some((state, covered))
}

/// `h` carried over `bytes`: a fast non-cryptographic hash (8 bytes a step, FxHash's mixing),
/// to tell unchanged bytes from changed ones. The checkpoint is the member's own data, on the
/// member's phone: nothing here defends against its owner (`docs/security.md`).
fn hash(h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = mix(h, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = mix(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    mix(h, u64::from_le_bytes(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_sees_any_change_of_byte_or_length() {
        let text = b"zailai-ops/2\nAWEBAQ\nAWECAg".to_vec();
        let h = hash(0, &text);
        for i in 0..text.len() {
            let mut changed = text.clone();
            changed[i] ^= 1;
            assert_ne!(hash(0, &changed), h, "byte {i}");
        }
        assert_ne!(hash(0, &text[..text.len() - 1]), h);
        assert_ne!(hash(0, &[&text[..], &[0]].concat()), h, "a zero byte more");
    }

    /// What the hash cannot tell (a checkpoint rewritten consistently) is still checked: bytes
    /// after the state, a state of another format version or member are not used.
    #[test]
    fn a_consistent_checkpoint_must_still_hold_one_state_of_this_member_and_version() {
        let text = "zailai-ops/2";
        let sealed = |body: &[u8]| {
            let sum = hash(hash(0, text.as_bytes()), body);
            [body, &sum.to_le_bytes()[..]].concat()
        };
        let state = State::new("u", 0, 0);
        let good = write(&state, text, 0);
        let body = &good[..good.len() - 8];
        assert_eq!(sealed(body), good);
        assert_eq!(
            read(&good, "u", text, 0).map(|(s, n)| (s.user, n)),
            Some(("u".into(), 0))
        );
        assert!(
            read(&sealed(&[body, &[0]].concat()), "u", text, 0).is_none(),
            "a byte after"
        );
        assert!(read(&good, "v", text, 0).is_none(), "another member");
        let mut old = state.clone();
        old.v = crate::state::STATE_VERSION - 1;
        assert!(
            read(&write(&old, text, 0), "u", text, 0).is_none(),
            "another version"
        );
    }
}
