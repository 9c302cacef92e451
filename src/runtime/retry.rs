//! When to try again: backoff with full jitter, a retry budget, Retry-After.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a client retries [`super::RetryClass::Safe`] operations (and any
/// operation whose request provably never left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    budget: u32,
}

impl Default for RetryConfig {
    /// 3 attempts, backoff from 100 ms up to 5 s, a budget of 500 tokens.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            budget: 500,
        }
    }
}

/// A retry costs this many budget tokens; one after a timeout costs twice as
/// much, since a slow provider is the one to spare.
const RETRY_COST: u32 = 5;
const TIMEOUT_RETRY_COST: u32 = 10;
/// A call that succeeds at once gives one token back.
const SUCCESS_REFUND: u32 = 1;

impl RetryConfig {
    /// Never retry.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// At most `attempts` attempts per call, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before retry *n* is a random time up to
    /// `initial · 2ⁿ⁻¹`, capped at `max` ("full jitter").
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The client's retry budget in tokens: a retry takes 5 (10 after a
    /// timeout), a call that succeeds at once gives 1 back. An empty budget
    /// stops all retries of the client, so that an outage is not multiplied.
    pub fn budget(mut self, tokens: u32) -> Self {
        self.budget = tokens;
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn budget_tokens(&self) -> u32 {
        self.budget
    }

    /// The backoff before retry `retry` (1 for the first retry).
    pub(crate) fn backoff_before(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let cap = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// A client's token bucket of retries.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

impl RetryBudget {
    pub(crate) fn new(capacity: u32) -> Self {
        Self {
            tokens: AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Take the cost of a retry; `false` if the budget cannot pay it.
    pub(crate) fn withdraw(&self, after_timeout: bool) -> bool {
        let cost = if after_timeout {
            TIMEOUT_RETRY_COST
        } else {
            RETRY_COST
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(cost)
            })
            .is_ok()
    }

    /// A call succeeded at once.
    pub(crate) fn refund(&self) {
        let capacity = self.capacity;
        if self.tokens.load(Ordering::Relaxed) < capacity {
            let _ = self
                .tokens
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                    (tokens < capacity).then(|| (tokens + SUCCESS_REFUND).min(capacity))
                });
        }
    }
}

/// The server's `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        let parsed = retry_after(&headers(&date)).unwrap();
        assert!(parsed > Duration::from_secs(110) && parsed <= Duration::from_secs(120));
        // A date in the past means "now"; rubbish means nothing.
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_is_jittered_under_a_growing_cap() {
        let config = RetryConfig::default().backoff(Duration::from_secs(1), Duration::from_secs(4));
        for _ in 0..200 {
            assert!(config.backoff_before(1) <= Duration::from_secs(1));
            assert!(config.backoff_before(2) <= Duration::from_secs(2));
            assert!(config.backoff_before(9) <= Duration::from_secs(4));
        }
        // Full jitter: not always the cap.
        let distinct: std::collections::BTreeSet<_> =
            (0..50).map(|_| config.backoff_before(3)).collect();
        assert!(distinct.len() > 10);
    }

    #[test]
    fn the_budget_runs_dry_and_refills_slowly() {
        let budget = RetryBudget::new(12);
        assert!(budget.withdraw(false)); // 7
        assert!(!budget.withdraw(true)); // 10 > 7
        assert!(budget.withdraw(false)); // 2
        assert!(!budget.withdraw(false));
        for _ in 0..3 {
            budget.refund();
        }
        assert!(budget.withdraw(false)); // 5 -> 0
        for _ in 0..100 {
            budget.refund();
        }
        assert_eq!(budget.tokens.load(Ordering::Relaxed), 12);
    }
}
