//! The primitives of postcard's wire format (postcard 1.x, its documented and stable
//! encoding), read for `binary::codec`: each primitive is one call (postcard's own reader
//! inlines a varint loop at every field, which made the state's reader 23–29 KB of wasm,
//! `docs/package.md`). The codec's tests check them against postcard's writer.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub(crate) type Res<T> = Result<T, Error>;

pub struct Reader<'de> {
    bytes: &'de [u8],
    at: usize,
}

impl<'de> Reader<'de> {
    pub fn new(bytes: &'de [u8]) -> Reader<'de> {
        Reader { bytes, at: 0 }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'de [u8] {
        &self.bytes[self.at..]
    }

    #[inline(never)]
    pub(crate) fn byte(&mut self) -> Res<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| Error(format!("ends at byte {}", self.at)))?;
        self.at += 1;
        Ok(b)
    }

    /// An unsigned LEB128 varint of at most `bits` bits.
    #[inline(never)]
    pub(crate) fn varint(&mut self, bits: u32) -> Res<u64> {
        let start = self.at;
        let mut out: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if shift >= bits || (shift > 0 && bits - shift < 7 && part >> (bits - shift) != 0) {
                return Err(Error(format!("varint at byte {start} exceeds {bits} bits")));
            }
            out |= part << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
            shift += 7;
        }
    }

    #[inline(never)]
    pub(crate) fn signed(&mut self, bits: u32) -> Res<i64> {
        let z = self.varint(bits)?;
        Ok((z >> 1) as i64 ^ -((z & 1) as i64))
    }

    #[inline(never)]
    pub(crate) fn len(&mut self) -> Res<usize> {
        let n = self.varint(32)? as usize;
        // Every element takes at least one byte: a longer length is a lie.
        if n > self.bytes.len() - self.at {
            return Err(Error(format!(
                "length {n} at byte {} runs past the end",
                self.at
            )));
        }
        Ok(n)
    }

    #[inline(never)]
    pub(crate) fn str(&mut self) -> Res<&'de str> {
        let n = self.len()?;
        let s = &self.bytes[self.at..self.at + n];
        let s = std::str::from_utf8(s)
            .map_err(|_| Error(format!("text at byte {} is not UTF-8", self.at)))?;
        self.at += n;
        Ok(s)
    }
}

pub(crate) fn narrow<T: TryFrom<u64>>(v: u64) -> Res<T> {
    T::try_from(v).map_err(|_| Error(format!("{v} out of range")))
}
