//! Resolving a call whose outcome is unknown: the provider's own lookup by
//! the call's natural key, asked again with backoff until it gives a
//! definitive answer or the resolution deadline passes. Never a blind resend.

use std::time::Duration;

use tokio::time::Instant;

/// What became of an operation that moves money, once resolved.
#[derive(Debug)]
#[must_use = "an unresolved payment must be looked at again, not dropped"]
pub enum Resolved<T, E> {
    /// It was done: the provider's answer, or what its lookup shows.
    Done(T),
    /// It was definitively not done: the provider refused it, or its lookup
    /// shows it recorded and not done. Nothing was charged.
    NotDone(E),
    /// Still unknown when the resolution deadline passed: the provider could
    /// not be asked, or has no way to say. Keep the key and look again
    /// later; never treat this as failed, never send it again with a new key.
    Unresolved(E),
}

impl<T, E> Resolved<T, E> {
    /// The result, if it was done.
    pub fn done(self) -> Option<T> {
        match self {
            Resolved::Done(value) => Some(value),
            _ => None,
        }
    }

    /// Whether it is still unknown.
    pub fn is_unresolved(&self) -> bool {
        matches!(self, Resolved::Unresolved(_))
    }
}

/// How long and how often an unknown outcome is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    /// The lookups (and any resend the lookup allows) end by this time.
    pub deadline: Duration,
    /// The wait before the first lookup; it doubles up to `max_wait`.
    pub first_wait: Duration,
    /// The longest wait between lookups.
    pub max_wait: Duration,
}

impl Default for Resolution {
    /// Two minutes, waits of 200 ms doubling to 5 s: long enough to outlast
    /// a provider's short outage, short enough for a checkout to wait on.
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(120),
            first_wait: Duration::from_millis(200),
            max_wait: Duration::from_secs(5),
        }
    }
}

/// The waits of one resolution.
pub(crate) struct Waits {
    ends: Instant,
    next: Duration,
    max: Duration,
}

impl Waits {
    pub(crate) fn new(resolution: &Resolution) -> Self {
        Self {
            ends: Instant::now() + resolution.deadline,
            next: resolution.first_wait,
            max: resolution.max_wait,
        }
    }

    /// Wait before the next lookup; `false` if the deadline comes first.
    pub(crate) async fn wait(&mut self) -> bool {
        let wait = self.next;
        if Instant::now() + wait >= self.ends {
            return false;
        }
        tokio::time::sleep(wait).await;
        self.next = (self.next * 2).min(self.max);
        true
    }
}
