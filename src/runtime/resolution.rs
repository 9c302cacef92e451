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
    /// No lookup (or resend) starts after this time; one under way ends
    /// by its own operation's deadline.
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
struct Waits {
    ends: Instant,
    next: Duration,
    max: Duration,
}

impl Waits {
    fn new(resolution: &Resolution) -> Self {
        Self {
            ends: Instant::now() + resolution.deadline,
            next: resolution.first_wait,
            max: resolution.max_wait,
        }
    }

    /// Wait before the next lookup; `false` if the deadline comes first.
    async fn wait(&mut self) -> bool {
        let wait = self.next;
        if Instant::now() + wait >= self.ends {
            return false;
        }
        tokio::time::sleep(wait).await;
        self.next = (self.next * 2).min(self.max);
        true
    }
}

/// What the provider's lookup says of an operation whose outcome is unknown.
pub(crate) enum Lookup<T, E> {
    /// It was done: here is what the provider has.
    Done(T),
    /// It is recorded, and definitively not done: the provider's refusal,
    /// if the lookup has one (otherwise the last error stands for it).
    NotDone(Option<E>),
    /// Nothing is recorded: it may be sent again, with the same key.
    Missing,
    /// No answer now; ask again.
    Later(E),
    /// The lookup cannot tell (refused, or the provider has no way to say).
    Never(E),
}

impl<T, E: Classified> Lookup<T, E> {
    /// A lookup that failed: ask again if that may succeed, else give up.
    pub(crate) fn failed(error: E) -> Self {
        if error.retryable() || error.outcome_unknown() {
            Lookup::Later(error)
        } else {
            Lookup::Never(error)
        }
    }
}

/// What resolution asks of an API's error (every API's error answers it
/// through `classified!`).
pub(crate) trait Classified {
    /// Trying again later may succeed.
    fn retryable(&self) -> bool;
    /// The request may have reached the provider without a definitive answer.
    fn outcome_unknown(&self) -> bool;
}

/// The resolution every resolving call shares: `first` is the first
/// attempt's result. Done and definitive refusals stand; an unknown outcome
/// is looked up until the provider says or the deadline passes; `resend`
/// (same key) only after the lookup showed nothing. A refusal of a resend
/// that `duplicate` recognises (the key exists) counts only if the next
/// lookup still shows nothing: otherwise the first attempt arrived.
pub(crate) async fn resolve<T, E, L, LF, S, SF>(
    resolution: &Resolution,
    operation: &'static str,
    first: Result<T, E>,
    mut lookup: L,
    mut resend: S,
    duplicate: impl Fn(&E) -> bool,
) -> Resolved<T, E>
where
    E: Classified,
    L: FnMut() -> LF,
    LF: Future<Output = Lookup<T, E>>,
    S: FnMut() -> SF,
    SF: Future<Output = Result<T, E>>,
{
    let mut last = match first {
        Ok(done) => return Resolved::Done(done),
        Err(error) if !error.outcome_unknown() => return Resolved::NotDone(error),
        Err(error) => error,
    };
    tracing::info!(
        operation,
        "the outcome is unknown; resolving by the provider's lookup"
    );
    let mut waits = Waits::new(resolution);
    let mut refused = None;
    while waits.wait().await {
        match lookup().await {
            Lookup::Done(done) => return Resolved::Done(done),
            Lookup::NotDone(error) => return Resolved::NotDone(error.unwrap_or(last)),
            Lookup::Never(error) => return Resolved::Unresolved(error),
            Lookup::Later(error) => last = error,
            Lookup::Missing => {
                if let Some(error) = refused.take() {
                    return Resolved::NotDone(error);
                }
                match resend().await {
                    Ok(done) => return Resolved::Done(done),
                    Err(error) if duplicate(&error) => refused = Some(error),
                    Err(error) if !error.outcome_unknown() => return Resolved::NotDone(error),
                    Err(error) => last = error,
                }
            }
        }
    }
    Resolved::Unresolved(last)
}
