//! Ordering small lists without `sort`: each sort instantiation costs the wasm module
//! kilobytes, and these lists have a handful of items.

/// `items` ordered by `key`, stable (equal keys keep their order).
pub fn ordered_by<T, K: PartialOrd>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        let k = key(&item);
        let at = out.iter().position(|o| key(o) > k).unwrap_or(out.len());
        out.insert(at, item);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn stable_order() {
        let v = super::ordered_by(vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd')], |p| p.0);
        assert_eq!(v, [(1, 'b'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }
}
