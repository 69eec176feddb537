//! Token-bucket rate limits per key (a user, an address). Exceeding one answers 429 with
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    /// Requests allowed in a burst.
    capacity: f64,
    /// Requests regained per second.
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets idle this long are forgotten (they would be full again anyway).
const IDLE_SECS: f64 = 600.0;

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.take(key, 1.0, 1.0)
    }

    /// Takes `n` (a push's ops) from `key`'s bucket, or nothing when it holds fewer (`n` over
    /// the burst needs a full bucket): then `Err(seconds)` until it would hold them.
    pub fn check_n(&self, key: &str, n: usize) -> Result<(), u64> {
        let n = (n as f64).min(self.capacity);
        self.take(key, n, n)
    }

    /// Takes `n` tokens if the bucket holds `need`.
    fn take(&self, key: &str, n: f64, need: f64) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < IDLE_SECS);
        }
        let (tokens, at) = buckets
            .entry(key.to_owned())
            .or_insert((self.capacity, now));
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
}
