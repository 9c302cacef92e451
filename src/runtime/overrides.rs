//! Per-call changes to a client's time and retry settings, the same for
//! every API: `client.with_overrides(Overrides::new().deadline(..))` is a
//! handle on the same client (connections, retry budget, credentials) whose
//! calls use them.

use std::time::Duration;

use super::RetryConfig;

/// What a handle of a client changes for the calls made through it. Unset
/// parts keep the client's settings (the builder's, else each operation's
/// spec times).
///
/// A retry policy changes how often [`RetryClass::Safe`](super::RetryClass)
/// calls (and calls that provably never left) are tried, never whether an
/// operation that moves money is sent again: that stays its retry class's.
/// The client's retry budget is shared: the policy's own budget is ignored.
///
/// ```
/// use std::time::Duration;
/// use nordpay::runtime::{Overrides, RetryConfig};
///
/// let hurried = Overrides::new()
///     .deadline(Duration::from_secs(5))
///     .attempt_timeout(Duration::from_secs(2))
///     .retry(RetryConfig::disabled());
/// assert_eq!(hurried.get_deadline(), Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    deadline: Option<Duration>,
    attempt_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
}

impl Overrides {
    /// Nothing changed.
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole call (credentials, retries, backoff) ends by `deadline`.
    /// One attempt is never given longer than it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// One attempt, from sending to the last byte of the answer. For an
    /// operation that moves money, a lookup trusts "nothing recorded" only
    /// after this long: a shorter one resolves sooner, and gives up on
    /// answers sooner.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// How safe calls are retried (attempts, backoff).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The deadline set, if any.
    pub fn get_deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The attempt timeout set, if any.
    pub fn get_attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The retry policy set, if any.
    pub fn get_retry(&self) -> Option<RetryConfig> {
        self.retry
    }
}
