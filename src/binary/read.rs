//! A serde `Deserializer` for postcard's wire format (postcard 1.x, its documented and stable
//! encoding), written for the phone: postcard's own reader inlines a varint loop at every
//! field, which made the state's reader 23–29 KB of wasm; here each primitive is one call and
//! the derived visitors stay small (`docs/package.md`). Only what the core's types use is
//! read; anything else is an error. Postcard itself writes the bytes, and the tests check
//! that postcard's reader and this one agree.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    /// Serde's own messages ("invalid length 3, expected …") are not kept: formatting them
    /// costs the module kilobytes, and the reader's own errors say where.
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error("a value out of range or shape".to_owned())
    }
}

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

/// `len` elements read in order (sequences, maps, tuples, struct fields).
struct Items<'a, 'de> {
    r: &'a mut Reader<'de>,
    left: usize,
}

impl<'de> Items<'_, 'de> {
    /// The next element (or map key), if any are left.
    fn next<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Res<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.r).map(Some)
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Res<Option<T::Value>> {
        self.next(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Res<Option<K::Value>> {
        self.next(seed)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Res<V::Value> {
        seed.deserialize(&mut *self.r)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Reader<'de> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Res<(V::Value, Self)> {
        let index = narrow::<u32>(self.varint(32)?)?;
        let v = seed.deserialize(index.into_deserializer())?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = Error;
    fn unit_variant(self) -> Res<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Res<T::Value> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Res<V::Value> {
        visitor.visit_seq(Items { r: self, left: len })
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_seq(Items {
            r: self,
            left: fields.len(),
        })
    }
}

macro_rules! unsigned {
    ($($name:ident $visit:ident $t:ty, $bits:expr;)*) => {$(
        fn $name<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
            visitor.$visit(self.varint($bits)? as $t)
        }
    )*};
}

macro_rules! signed {
    ($($name:ident $visit:ident $t:ty, $bits:expr;)*) => {$(
        fn $name<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
            visitor.$visit(self.signed($bits)? as $t)
        }
    )*};
}

macro_rules! unsupported {
    ($($name:ident)*) => {$(
        fn $name<V: Visitor<'de>>(self, _: V) -> Res<V::Value> {
            Err(Error(concat!("not in the binary formats: ", stringify!($name)).to_owned()))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn is_human_readable(&self) -> bool {
        false
    }

    unsigned! {
        deserialize_u16 visit_u16 u16, 16;
        deserialize_u32 visit_u32 u32, 32;
        deserialize_u64 visit_u64 u64, 64;
    }
    signed! {
        deserialize_i16 visit_i16 i16, 16;
        deserialize_i32 visit_i32 i32, 32;
        deserialize_i64 visit_i64 i64, 64;
    }
    unsupported! {
        deserialize_any deserialize_i8 deserialize_i128 deserialize_u128 deserialize_f32
        deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        match self.byte()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            b => Err(Error(format!("{b} is not a bool"))),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        visitor.visit_u8(self.byte()?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        visitor.visit_borrowed_str(self.str()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        visitor.visit_borrowed_str(self.str()?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        match self.byte()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            b => Err(Error(format!("{b} is not an option tag"))),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        let left = self.len()?;
        visitor.visit_seq(Items { r: self, left })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Res<V::Value> {
        visitor.visit_seq(Items { r: self, left: len })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_seq(Items { r: self, left: len })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Res<V::Value> {
        let left = self.len()?;
        visitor.visit_map(Items { r: self, left })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_seq(Items {
            r: self,
            left: fields.len(),
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Res<V::Value> {
        visitor.visit_enum(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;
    use serde::Deserialize;

    fn read<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
        T::deserialize(&mut Reader::new(bytes)).map_err(|e| e.0)
    }

    /// Every width at its edges, as postcard writes it, reads back; one more byte or bit is
    /// refused, as postcard refuses it.
    #[test]
    fn varints_at_their_limits() {
        for v in [
            0u64,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let bytes = postcard::to_allocvec(&v).unwrap();
            assert_eq!(read::<u64>(&bytes), Ok(v));
            if let Ok(small) = u32::try_from(v) {
                assert_eq!(
                    read::<u32>(&postcard::to_allocvec(&small).unwrap()),
                    Ok(small)
                );
            } else {
                assert!(read::<u32>(&bytes).is_err(), "{v} as u32");
            }
        }
        for v in [
            0i64,
            -1,
            1,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(read::<i64>(&postcard::to_allocvec(&v).unwrap()), Ok(v));
        }
        for v in [i32::MIN, -1, 0, i32::MAX] {
            assert_eq!(read::<i32>(&postcard::to_allocvec(&v).unwrap()), Ok(v));
        }
        for v in [0u16, 300, u16::MAX] {
            assert_eq!(read::<u16>(&postcard::to_allocvec(&v).unwrap()), Ok(v));
        }
        assert!(read::<u16>(&[0xff, 0xff, 0x04]).is_err(), "17 bits");
        assert!(
            read::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x10]).is_err(),
            "33 bits"
        );
        assert!(read::<u64>(&[0xff; 10]).is_err(), "no end");
        assert!(read::<u32>(&[0x80]).is_err(), "cut");
    }

    /// A map is a count then key, value pairs: the same bytes as a Vec of pairs. Written in key
    /// order it reads back; out of order or with a key twice it is refused (one encoding per
    /// map, so signed bytes cannot hide a second value for a day).
    #[test]
    fn maps_read_only_in_increasing_key_order() {
        use crate::vecmap::VecMap;
        let bytes = |pairs: &[(i32, u32)]| postcard::to_allocvec(pairs).unwrap();
        let map: VecMap<i32, u32> = read(&bytes(&[(1, 10), (2, 20)])).unwrap();
        assert_eq!(map.get(&2), Some(&20));
        assert!(read::<VecMap<i32, u32>>(&bytes(&[(2, 20), (1, 10)])).is_err());
        assert!(read::<VecMap<i32, u32>>(&bytes(&[(1, 10), (1, 11)])).is_err());
    }

    #[test]
    fn strings_options_and_lengths() {
        let v: (String, Option<u32>, Option<u32>, Vec<u8>, bool) =
            ("再来".into(), None, Some(7), vec![1, 2, 3], true);
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(
            read::<(String, Option<u32>, Option<u32>, Vec<u8>, bool)>(&bytes),
            Ok(v)
        );
        assert!(read::<String>(&[5, b'a']).is_err(), "length past the end");
        assert!(read::<String>(&[2, 0xc3, 0x28]).is_err(), "not UTF-8");
        assert!(read::<Option<u8>>(&[2, 0]).is_err(), "option tag");
        assert!(read::<bool>(&[2]).is_err(), "bool");
        assert!(
            read::<Vec<u8>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err(),
            "huge length"
        );
    }
}
