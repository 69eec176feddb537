//! Token-bucket rate limits per key (a member, an address). Exceeding one answers 429 with
//! `Retry-After`.
//!
//! The buckets are bounded: two generations of at most `max_keys / 2` each. A key is looked
//! up in the current generation, then in the previous one (and moved up); when the current
//! one is full it becomes the previous one and the oldest is dropped. So every check is O(1)
//! (amortized) whatever the number of keys, the map never holds more than `max_keys`, and a
//! bucket is forgotten only after `max_keys / 2` other keys were used since its last use
//! (forgotten, it starts full again: it was the least recently used).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept per limiter by default.
pub const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    /// Requests allowed in a burst.
    capacity: f64,
    /// Requests regained per second.
    per_second: f64,
    buckets: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    current: HashMap<String, (f64, Instant)>,
    previous: HashMap<String, (f64, Instant)>,
    /// Keys a generation holds before it is turned over.
    half: usize,
}

impl Generations {
    /// The bucket of `key`, made full when unknown.
    fn bucket(&mut self, key: &str, full: f64, now: Instant) -> &mut (f64, Instant) {
        if !self.current.contains_key(key) {
            let bucket = self.previous.remove(key).unwrap_or((full, now));
            if self.current.len() >= self.half {
                self.previous = std::mem::take(&mut self.current);
            }
            self.current.insert(key.to_owned(), bucket);
        }
        self.current.get_mut(key).expect("just inserted")
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter::with_keys(f64::from(per_minute.max(1)) / 60.0, burst, MAX_KEYS)
    }

    /// At most `per_day` a day per key (the whole of it may come at once).
    pub fn per_day(per_day: u32) -> RateLimiter {
        RateLimiter::with_keys(f64::from(per_day.max(1)) / 86_400.0, per_day, MAX_KEYS)
    }

    /// `per_second` regained, bursts of `burst`, at most `max_keys` buckets.
    pub fn with_keys(per_second: f64, burst: u32, max_keys: usize) -> RateLimiter {
        RateLimiter {
            capacity: f64::from(burst.max(1)),
            per_second,
            buckets: Mutex::new(Generations {
                half: (max_keys / 2).max(1),
                ..Generations::default()
            }),
        }
    }

    /// Takes one request from `key`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.take(key, 1.0, 1.0)
    }

    /// Whether `key`'s bucket holds one request, taking nothing: `Err(seconds)` to wait when
    /// it does not. Failed console logins are counted only once they failed (`check`), so a
    /// login first asks here.
    pub fn peek(&self, key: &str) -> Result<(), u64> {
        self.take(key, 0.0, 1.0)
    }

    /// Takes `n` (a push's ops) from `key`'s bucket, or nothing when it holds fewer (`n` over
    /// the burst needs a full bucket): then `Err(seconds)` until it would hold them.
    pub fn check_n(&self, key: &str, n: usize) -> Result<(), u64> {
        let n = (n as f64).min(self.capacity);
        self.take(key, n, n)
    }

    /// Buckets held now (at most the `max_keys` given).
    pub fn keys(&self) -> usize {
        self.buckets.lock().map_or(0, |b| b.len())
    }

    /// Takes `n` tokens if the bucket holds `need`.
    fn take(&self, key: &str, n: f64, need: f64) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let (tokens, at) = buckets.bucket(key, self.capacity, now);
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= need {
            *tokens -= n;
            Ok(())
        } else {
            Err(((need - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeking_takes_nothing() {
        let l = RateLimiter::new(60, 2);
        for _ in 0..5 {
            assert!(l.peek("a").is_ok());
        }
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        assert_eq!(l.peek("a"), Err(1), "empty after two checks");
        assert!(l.peek("b").is_ok(), "another key's bucket is full");
    }

    #[test]
    fn bursts_then_refuses_with_a_wait() {
        let l = RateLimiter::new(60, 3);
        for _ in 0..3 {
            assert!(l.check("a").is_ok());
        }
        assert_eq!(l.check("a"), Err(1));
        assert!(l.check("b").is_ok(), "keys are separate");
    }

    #[test]
    fn ops_are_taken_by_the_batch() {
        let l = RateLimiter::new(60, 10);
        assert!(l.check_n("a", 7).is_ok());
        assert_eq!(l.check_n("a", 7), Err(4), "3 left, 7 needed at 1 a second");
        assert!(l.check_n("a", 3).is_ok(), "a refused batch took nothing");
        assert_eq!(l.check("a"), Err(1));
        assert!(
            l.check_n("b", 500).is_ok(),
            "a batch over the burst needs a full bucket"
        );
        assert!(l.check_n("b", 1).is_err());
    }

    /// Ever-new keys never hold more than `max_keys` buckets, and a key in use keeps its
    /// (empty) bucket however many others pass.
    #[test]
    fn the_map_is_bounded_and_keeps_the_keys_in_use() {
        let l = RateLimiter::with_keys(1.0 / 3600.0, 2, 100);
        assert!(l.check("busy").is_ok());
        assert!(l.check("busy").is_ok());
        for i in 0..10_000 {
            let _ = l.check(&format!("k{i}"));
            if i % 40 == 0 {
                assert!(l.check("busy").is_err(), "still empty after {i} other keys");
            }
            assert!(l.keys() <= 100, "{} buckets after {i} keys", l.keys());
        }
        assert!(l.keys() >= 50, "a generation is kept");
    }

    /// A key unused while `max_keys / 2` others were used is forgotten (full again).
    #[test]
    fn the_least_recently_used_key_is_forgotten() {
        let l = RateLimiter::with_keys(1.0 / 3600.0, 1, 10);
        assert!(l.check("old").is_ok());
        assert!(l.check("old").is_err());
        for i in 0..10 {
            let _ = l.check(&format!("k{i}"));
        }
        assert!(l.check("old").is_ok(), "forgotten after 10 other keys");
    }

    #[test]
    fn a_day_limit_refills_over_a_day() {
        let l = RateLimiter::per_day(3);
        for _ in 0..3 {
            assert!(l.check("d").is_ok());
        }
        let wait = l.check("d").unwrap_err();
        assert!(
            (28_000..=28_800).contains(&wait),
            "{wait} s: a third of a day"
        );
    }
}
