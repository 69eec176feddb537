//! The compact encoding of what only programs read: postcard's wire format (serde's data
//! model, LEB128 varints, zigzag for signed numbers, no field names or schema in the bytes).
//! Byte by byte in `docs/binary.md`. JSON stays where people read or write. The server writes
//! with postcard; [`codec`] writes the same bytes on the phone (a local checkpoint) and reads
//! them everywhere, through [`read::Reader`]'s primitives (why not postcard's reader or serde's
//! derive: `docs/binary.md`).

pub mod codec;
pub mod read;

use serde::Serialize;

/// The bytes of `value` (plain data: cannot fail).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap_or_default()
}

/// Appends the bytes of `value` to `out`.
pub fn encode_into<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    if let Ok(v) = postcard::to_extend(value, std::mem::take(out)) {
        *out = v;
    }
}
