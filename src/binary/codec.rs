//! `Encode`/`Decode`: the same wire format as postcard, for the types whose serde impls are
//! shaped for JSON (rules, ops): their `Serialize` skips empty fields and tags enums by name,
//! which a format without field names cannot carry. One field list per record
//! ([`binary_record!`]) makes both directions, and a record literal makes the compiler refuse
//! a list that misses a field. The tests check every primitive against postcard's own bytes.

use super::read::{Error, Reader, Res};
use crate::vecmap::VecMap;

pub trait Encode {
    fn encode(&self, out: &mut Vec<u8>);
}

pub trait Decode: Sized {
    fn decode(r: &mut Reader) -> Res<Self>;
}

/// The bytes of `value`.
pub fn to_bytes<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// Exactly one `T`: bytes left over are an error.
pub fn from_bytes<T: Decode>(bytes: &[u8]) -> Result<T, String> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r).map_err(|e| e.0)?;
    match r.rest().len() {
        0 => Ok(value),
        n => Err(format!("{n} bytes after the end")),
    }
}

#[inline(never)]
pub(crate) fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_signed(v: i64, out: &mut Vec<u8>) {
    put_varint(((v << 1) ^ (v >> 63)) as u64, out);
}

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

impl Decode for u8 {
    fn decode(r: &mut Reader) -> Res<u8> {
        r.byte()
    }
}

macro_rules! unsigned {
    ($($t:ty, $bits:expr;)*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_varint(*self as u64, out);
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader) -> Res<$t> {
                Ok(r.varint($bits)? as $t)
            }
        }
    )*};
}
unsigned! { u16, 16; u32, 32; u64, 64; }

/// As postcard writes it (a varint of up to 64 bits), and no wider than this platform's.
impl Encode for usize {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(*self as u64, out);
    }
}

impl Decode for usize {
    fn decode(r: &mut Reader) -> Res<usize> {
        super::read::narrow(r.varint(64)?)
    }
}

macro_rules! signed {
    ($($t:ty, $bits:expr;)*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_signed(i64::from(*self), out);
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader) -> Res<$t> {
                Ok(r.signed($bits)? as $t)
            }
        }
    )*};
}
signed! { i32, 32; i64, 64; }

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader) -> Res<bool> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(Error(format!("{b} is not a bool"))),
        }
    }
}

impl Encode for str {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        out.extend_from_slice(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_str().encode(out);
    }
}

impl Decode for String {
    fn decode(r: &mut Reader) -> Res<String> {
        r.str().map(str::to_owned)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader) -> Res<Option<T>> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            b => Err(Error(format!("{b} is not an option tag"))),
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for v in self {
            v.encode(out);
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader) -> Res<Vec<T>> {
        // `len` is at most the bytes left (each element takes one at least).
        let n = r.len()?;
        let mut items = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            items.push(T::decode(r)?);
        }
        Ok(items)
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader) -> Res<(A, B)> {
        Ok((A::decode(r)?, B::decode(r)?))
    }
}

impl<K: Encode + Ord, V: Encode> Encode for VecMap<K, V> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for (k, v) in self.iter() {
            k.encode(out);
            v.encode(out);
        }
    }
}

/// Keys strictly increasing, as a `VecMap` writes them: every map has one encoding.
impl<K: Decode + Ord, V: Decode> Decode for VecMap<K, V> {
    fn decode(r: &mut Reader) -> Res<VecMap<K, V>> {
        let pairs: Vec<(K, V)> = Vec::decode(r)?;
        if pairs.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(Error("map keys out of order".to_owned()));
        }
        Ok(VecMap::from_sorted(pairs))
    }
}

/// `Encode` and `Decode` for records, from the fields in their order in the bytes.
macro_rules! binary_record {
    ($($ty:ident { $($field:ident)* })*) => {$(
        impl $crate::binary::codec::Encode for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                let $ty { $($field),* } = self;
                $($crate::binary::codec::Encode::encode($field, out);)*
            }
        }
        impl $crate::binary::codec::Decode for $ty {
            fn decode(r: &mut $crate::binary::read::Reader) -> $crate::binary::read::Res<$ty> {
                Ok($ty { $($field: $crate::binary::codec::Decode::decode(r)?,)* })
            }
        }
    )*};
}
pub(crate) use binary_record;

/// `Encode` and `Decode` for enums without data: the variant's index.
macro_rules! binary_enum {
    ($($ty:ident { $($variant:ident)* })*) => {$(
        impl $crate::binary::codec::Encode for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                let i = ALL.iter().position(|v| v == self).unwrap_or(0);
                $crate::binary::codec::put_varint(i as u64, out);
            }
        }
        impl $crate::binary::codec::Decode for $ty {
            fn decode(r: &mut $crate::binary::read::Reader) -> $crate::binary::read::Res<$ty> {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                let i = r.varint(32)? as usize;
                ALL.get(i).copied().ok_or_else(|| {
                    $crate::binary::read::Error(format!("{i} is not a {}", stringify!($ty)))
                })
            }
        }
    )*};
}
pub(crate) use binary_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    /// Our bytes are postcard's bytes, and read back to the value.
    fn same<T: Encode + Decode + Serialize + PartialEq + std::fmt::Debug>(v: T) {
        let ours = to_bytes(&v);
        assert_eq!(ours, postcard::to_allocvec(&v).unwrap(), "{v:?}");
        assert_eq!(from_bytes::<T>(&ours).unwrap(), v);
    }

    #[test]
    fn primitives_match_postcard() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            same(v);
        }
        for v in [0u32, 127, 128, 16_384, u32::MAX] {
            same(v);
        }
        for v in [0u16, 255, u16::MAX] {
            same(v);
        }
        for v in [0usize, 128, u32::MAX as usize] {
            same(v);
        }
        for v in [0u8, 1, 255] {
            same(v);
        }
        for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            same(v);
        }
        for v in [0i32, -1, i32::MIN, i32::MAX] {
            same(v);
        }
        same(true);
        same(false);
        same(String::new());
        same("再来 zailai".to_owned());
        same(Some(5u32));
        same(None::<String>);
        same(vec![1u16, 2, 300]);
        same(("a".to_owned(), 7u32));
        let mut m: VecMap<String, u32> = VecMap::new();
        m.insert("b".into(), 2);
        m.insert("a".into(), 1);
        same(m);
    }

    #[test]
    fn refuses_what_postcard_would_not_write() {
        assert!(from_bytes::<bool>(&[2]).is_err());
        assert!(from_bytes::<Option<u8>>(&[2, 0]).is_err());
        assert!(from_bytes::<u16>(&[0xff, 0xff, 0x04]).is_err(), "17 bits");
        assert!(from_bytes::<String>(&[1, 0xff]).is_err(), "not UTF-8");
        assert!(from_bytes::<Vec<u8>>(&[5, 1]).is_err(), "cut");
        assert!(from_bytes::<u8>(&[1, 2]).is_err(), "bytes left over");
        let u64_max = postcard::to_allocvec(&u64::MAX).unwrap();
        assert!(from_bytes::<u32>(&u64_max).is_err(), "u64::MAX as u32");
        assert!(
            from_bytes::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x10]).is_err(),
            "33 bits"
        );
        assert!(from_bytes::<u64>(&[0xff; 10]).is_err(), "no end");
        assert!(from_bytes::<u32>(&[0x80]).is_err(), "cut");
        assert!(
            from_bytes::<String>(&[5, b'a']).is_err(),
            "length past the end"
        );
        assert!(
            from_bytes::<Vec<u8>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err(),
            "huge length"
        );
        // Two entries with one key, and keys out of order.
        assert!(from_bytes::<VecMap<u8, u8>>(&[2, 1, 0, 1, 0]).is_err());
        assert!(from_bytes::<VecMap<u8, u8>>(&[2, 2, 0, 1, 0]).is_err());
    }
}
