//! `VecMap`: a map kept as a sorted `Vec` of pairs, with the part of `BTreeMap`'s API the
//! state uses. Why: every `BTreeMap<K, V>` instantiation brings its own node-handling code
//! (about 5 KB of wasm per key/value pair), and the state's maps are small and mostly grow at
//! the end (days go forward), where a sorted Vec is as fast. Iteration is in key order and
//! serialization is a JSON object, exactly as with `BTreeMap`.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::borrow::Borrow;
use std::ops::{Bound, RangeBounds};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    items: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { items: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { items: Vec::new() }
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.items.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The map of `items`, whose keys the caller checked are strictly increasing.
    pub(crate) fn from_sorted(items: Vec<(K, V)>) -> Self {
        VecMap { items }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.items[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.items[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        // Readers insert in key order: appending needs one comparison, not a search.
        if self.items.last().is_none_or(|(last, _)| *last < key) {
            self.items.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.items.remove(i).1)
    }

    /// The value at `key`, inserted with `V::default()` first when missing (`entry().or_default()`).
    pub fn entry_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.items.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.items[i].1
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    /// The pairs whose keys fall in `range`, in order.
    pub fn range<R: RangeBounds<K>>(&self, range: R) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        let start = match range.start_bound() {
            Bound::Included(s) => self.items.partition_point(|(k, _)| k < s),
            Bound::Excluded(s) => self.items.partition_point(|(k, _)| k <= s),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(e) => self.items.partition_point(|(k, _)| k <= e),
            Bound::Excluded(e) => self.items.partition_point(|(k, _)| k < e),
            Bound::Unbounded => self.items.len(),
        };
        self.items[start..end.max(start)]
            .iter()
            .map(|(k, v)| (k, v))
    }

    /// Moves the pairs with keys `>= key` into a new map and returns it.
    pub fn split_off(&mut self, key: &K) -> Self {
        let at = self.items.partition_point(|(k, _)| k < key);
        VecMap {
            items: self.items.split_off(at),
        }
    }

    /// Removes the pairs with keys `< key` and returns them (the rest stays where it is).
    pub fn take_before(&mut self, key: &K) -> Self {
        let at = self.items.partition_point(|(k, _)| k < key);
        VecMap {
            items: self.items.drain(..at).collect(),
        }
    }

    /// Undoes [`take_before`](Self::take_before): `older`'s keys all come before this map's.
    pub fn put_back(&mut self, older: Self) {
        let mut items = older.items;
        items.append(&mut self.items);
        self.items = items;
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.items.retain_mut(|(k, v)| keep(k, v));
    }
}

/// Collects pairs in any order (sorted on the way in; a later duplicate key wins).
impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut map = VecMap::new();
        for (k, v) in pairs {
            map.insert(k, v);
        }
        map
    }
}

/// `map[key]`, panicking when absent, as `BTreeMap` does (tests; the engine uses `get`).
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key")
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.items.iter().map(|(k, v)| (k, v)))
    }
}

/// Reads a map written by `Serialize`: keys strictly increasing, as a VecMap writes them, so
/// a decoded map is canonical (a duplicate or unordered key is an error, not a silent merge).
impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Read<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Read<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map with increasing keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // A length prefix is untrusted: reserve no more than a few pages up front.
                let cap = map.size_hint().unwrap_or(0).min(256);
                let mut items: Vec<(K, V)> = Vec::with_capacity(cap);
                while let Some((k, v)) = map.next_entry()? {
                    if items.last().is_some_and(|(last, _)| *last >= k) {
                        return Err(serde::de::Error::custom("map keys out of order"));
                    }
                    items.push((k, v));
                }
                Ok(VecMap { items })
            }
        }
        deserializer.deserialize_map(Read(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::VecMap;
    use std::collections::BTreeMap;

    /// The same operations on a VecMap and a BTreeMap give the same contents and JSON.
    #[test]
    fn behaves_like_a_btreemap() {
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        let mut x: u32 = 12345;
        for step in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let key = (x >> 8) as i32 % 97 - 20;
            match step % 5 {
                0 | 1 => assert_eq!(v.insert(key, step), b.insert(key, step)),
                2 => assert_eq!(v.remove(&key), b.remove(&key)),
                3 => *v.entry_or_default(key) += 1,
                _ => {
                    let got: Vec<_> = v.range(key - 5..=key).collect();
                    let want: Vec<_> = b.range(key - 5..=key).collect();
                    assert_eq!(got, want);
                }
            }
            if step % 5 == 3 {
                *b.entry(key).or_default() += 1;
            }
            assert_eq!(v.len(), b.len());
        }
        assert_eq!(v.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let (vs, bs) = (v.split_off(&10), b.split_off(&10));
        assert_eq!(vs.iter().collect::<Vec<_>>(), bs.iter().collect::<Vec<_>>());
        assert_eq!(v.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        v.retain(|k, _| k % 2 == 0);
        b.retain(|k, _| k % 2 == 0);
        assert_eq!(v.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!(v.range(..).count(), v.len());
        assert_eq!(v.range(1000..).count(), 0, "a range past the end");
    }

    #[test]
    fn string_keys_look_up_by_str() {
        let mut v: VecMap<String, u32> = VecMap::new();
        v.insert("b".into(), 2);
        v.insert("a".into(), 1);
        assert_eq!(v.get("a"), Some(&1));
        assert!(v.contains_key("b"));
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"a":1,"b":2}"#);
    }
}
