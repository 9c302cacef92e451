//! Resolving a call whose outcome is unknown: the provider's own lookup by
//! the call's natural key, asked again with backoff until it gives a
//! definitive answer or the resolution deadline passes. Never a blind resend.

use std::time::Duration;

use tokio::time::Instant;

use super::telemetry::Resolving;

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
///
/// Every value is usable: a deadline too far to represent is taken as a
/// very long one, and waits are kept at or above [`Resolution::MIN_WAIT`],
/// so that no setting makes a resolution panic or storm the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    /// No lookup (or resend) starts after this time; one under way ends
    /// by its own operation's deadline.
    pub deadline: Duration,
    /// The wait before the first lookup; it doubles up to `max_wait`.
    pub first_wait: Duration,
    /// The longest wait between lookups.
    pub max_wait: Duration,
    /// How often one resolution sends the operation again (with the same
    /// key) when the lookup shows nothing. Each resend that gets no answer
    /// may still land later, so a provider that never answers is not sent
    /// more than this: it is only looked up until the deadline.
    pub max_resends: u32,
}

impl Resolution {
    /// The shortest wait between two lookups, whatever is configured.
    pub const MIN_WAIT: Duration = Duration::from_millis(50);
}

impl Default for Resolution {
    /// Two minutes, waits of 200 ms doubling to 5 s, at most 2 resends:
    /// long enough to outlast a provider's short outage, short enough for a
    /// checkout to wait on.
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(120),
            first_wait: Duration::from_millis(200),
            max_wait: Duration::from_secs(5),
            max_resends: 2,
        }
    }
}

/// `now + duration`, or a time decades away if that cannot be represented
/// (`Duration::MAX` means "no deadline", not a panic).
pub(crate) fn after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(60 * 60 * 24 * 365 * 30))
}

/// The waits of one resolution.
struct Waits {
    ends: Instant,
    next: Duration,
    max: Duration,
}

impl Waits {
    fn new(resolution: &Resolution) -> Self {
        let first = resolution.first_wait.max(Resolution::MIN_WAIT);
        Self {
            ends: after(resolution.deadline),
            next: first,
            max: resolution.max_wait.max(first),
        }
    }

    /// Wait before the next lookup; `false` if the deadline comes first.
    async fn wait(&mut self) -> bool {
        let wait = self.next;
        if wait >= self.ends.saturating_duration_since(Instant::now()) {
            return false;
        }
        tokio::time::sleep(wait).await;
        self.next = (self.next.saturating_mul(2)).min(self.max);
        true
    }
}

/// What the provider's lookup says of an operation whose outcome is unknown.
pub(crate) enum Lookup<T, E> {
    /// It was done: here is what the provider has.
    Done(T),
    /// It is recorded, and not done (why, as the API's error). Taken as
    /// final only once the settle window has passed.
    NotDone(E),
    /// The provider says nothing is recorded under the key (its own "not
    /// found", as the API's error): it may be sent again, with the same
    /// key, once the settle window has passed and unless the key is known
    /// to exist.
    Missing(E),
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
    /// Nothing reached the provider.
    fn never_sent(&self) -> bool;
}

/// What a definitive refusal of a resolving operation says of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The provider says the key exists already ("ClientReference must be
    /// unique"): positive evidence, which no lookup that fails to see the
    /// record overrules.
    KeyExists,
    /// A refusal of the kind a duplicate comes as (a validation error)
    /// that does not say which: the lookup decides, like any refusal. On a
    /// resend it counts as [`Refusal::KeyExists`], since an earlier attempt
    /// may have landed.
    MaybeKeyExists,
    /// Any other refusal: nothing was done.
    Other,
}

impl Refusal {
    /// A refusal of the kind duplicates come as, by its text: one that
    /// speaks of uniqueness, a duplicate or something existing or done
    /// already says the key exists (the providers document no text for
    /// it: x-nordpay-inferred); any other may still mean it.
    pub(crate) fn of_duplicate_kind(text: &str) -> Self {
        let text = text.to_ascii_lowercase();
        let says_exists = ["unique", "duplicate", "already", "exist"]
            .iter()
            .any(|word| text.contains(word));
        if says_exists {
            Refusal::KeyExists
        } else {
            Refusal::MaybeKeyExists
        }
    }
}

/// One resolution: the client's settings and what the face knows of the
/// operation it resolves.
pub(crate) struct Plan<'a> {
    pub(crate) resolution: &'a Resolution,
    /// The operation resolved, for the log and the metrics.
    pub(crate) operation: &'static super::Operation,
    /// How long after it was sent an attempt may still land at the
    /// provider (its attempt timeout, or a confirmation window): until then
    /// neither "nothing recorded" nor "not done" is final, and nothing is
    /// sent again.
    pub(crate) settle: Duration,
}

/// The resolution every resolving call shares. `refusal` says what a
/// definitive refusal means for the key. `send` is the operation
/// with its key; it is called once at the start, and again only after the
/// lookup showed nothing recorded, the settle window since the last send
/// had passed, and fewer than `max_resends` resends were made.
///
/// - Done (by the answer or the lookup) stands.
/// - A refusal that says the key exists is never overruled by a lookup
///   that does not see the record (`Unresolved` if the deadline passes
///   first). Any other definitive refusal is `NotDone` only once the lookup
///   shows nothing recorded under the key (a second worker, or an earlier
///   run, may have done it).
/// - "Not now" (429, no connection) is looked up and sent again: the key
///   may have been used before this call.
/// - An unknown outcome is looked up until the provider says or the
///   deadline passes (`Unresolved`).
/// - Only a request refused before it was sent is `NotDone` at once.
pub(crate) async fn resolve<T, E, L, LF, S, SF>(
    plan: Plan<'_>,
    refusal: impl Fn(&E) -> Refusal,
    lookup: L,
    send: S,
) -> Resolved<T, E>
where
    E: Classified,
    L: FnMut() -> LF,
    LF: Future<Output = Lookup<T, E>>,
    S: FnMut() -> SF,
    SF: Future<Output = Result<T, E>>,
{
    let mut resolving = Resolving::new(plan.operation);
    let resolved = resolve_tracked(plan, refusal, lookup, send, &mut resolving).await;
    resolving.end(result_name(&resolved));
    resolved
}

/// The metric's name of a result.
fn result_name<T, E>(resolved: &Resolved<T, E>) -> &'static str {
    match resolved {
        Resolved::Done(_) => "done",
        Resolved::NotDone(_) => "not_done",
        Resolved::Unresolved(_) => "unresolved",
    }
}

/// [`resolve`], telling `resolving` when its lookups start.
async fn resolve_tracked<T, E, L, LF, S, SF>(
    plan: Plan<'_>,
    refusal: impl Fn(&E) -> Refusal,
    mut lookup: L,
    mut send: S,
    resolving: &mut Resolving,
) -> Resolved<T, E>
where
    E: Classified,
    L: FnMut() -> LF,
    LF: Future<Output = Lookup<T, E>>,
    S: FnMut() -> SF,
    SF: Future<Output = Result<T, E>>,
{
    // When the last attempt that may still land was sent.
    let mut in_flight = Some(Instant::now());
    let mut evidence = Evidence::None;
    let mut last = match send().await {
        Ok(done) => return Resolved::Done(done),
        // Nothing reached the provider: this call did nothing (a key used
        // before is resolved by calling again once it can be sent).
        Err(error) if error.never_sent() && !error.retryable() => {
            return Resolved::NotDone(error);
        }
        Err(error) => {
            let kind = attempt(&error, &refusal);
            resolving.start(matches!(kind, Attempt::Unknown));
            match kind {
                Attempt::Unknown => {}
                // Nothing is in flight: no settle window to wait out.
                Attempt::NotNow => in_flight = None,
                Attempt::KeyExists => evidence = Evidence::KeyExists,
                Attempt::Refused(kind) => evidence = Evidence::Refused(kind),
            }
            error
        }
    };
    tracing::info!(
        operation = plan.operation.name,
        "the outcome is not known for the key; resolving by the provider's lookup"
    );
    let mut waits = Waits::new(plan.resolution);
    let mut resends = 0;
    // Since when the lookup has shown the key recorded and not done.
    let mut not_done_since: Option<Instant> = None;
    while waits.wait().await {
        let settled = in_flight.is_none_or(|sent| sent.elapsed() >= plan.settle);
        let refused = matches!(evidence, Evidence::Refused(_));
        match lookup().await {
            Lookup::Done(done) => return Resolved::Done(done),
            Lookup::NotDone(error) => {
                // Another worker's attempt under the key may still land (a
                // confirmation still to come): "not done" is final only once
                // it has been seen for the whole settle window, and our own
                // attempt can no longer land either.
                let since = *not_done_since.get_or_insert_with(Instant::now);
                if refused || (settled && since.elapsed() >= plan.settle) {
                    return Resolved::NotDone(error);
                }
                last = error;
            }
            // The lookup cannot tell: a refusal that cannot mean the key
            // exists (bad credentials, a barred number) stands for this call.
            Lookup::Never(_) if evidence == Evidence::Refused(Refusal::Other) => {
                return Resolved::NotDone(last);
            }
            Lookup::Never(error) => return Resolved::Unresolved(error),
            // Keep the refusal: it is what a NotDone would report.
            Lookup::Later(error) => {
                if !refused {
                    last = error;
                }
            }
            Lookup::Missing(missing) => match evidence {
                // This attempt was refused and nothing is recorded: nothing moved.
                Evidence::Refused(_) => return Resolved::NotDone(last),
                // The provider said the key exists: the lookup lags.
                Evidence::KeyExists => last = missing,
                Evidence::None if !settled || resends >= plan.resolution.max_resends => {
                    last = missing;
                }
                Evidence::None => {
                    resends += 1;
                    in_flight = Some(Instant::now());
                    tracing::info!(
                        operation = plan.operation.name,
                        resends,
                        "nothing recorded; sending again with the same key"
                    );
                    match send().await {
                        Ok(done) => return Resolved::Done(done),
                        Err(error) => {
                            match attempt(&error, &refusal) {
                                Attempt::Unknown => {}
                                Attempt::NotNow => in_flight = None,
                                // On a resend any duplicate-kind refusal says
                                // the key exists: an earlier attempt landed.
                                Attempt::KeyExists | Attempt::Refused(Refusal::MaybeKeyExists) => {
                                    evidence = Evidence::KeyExists;
                                }
                                Attempt::Refused(kind) => evidence = Evidence::Refused(kind),
                            }
                            last = error;
                        }
                    }
                }
            },
        }
    }
    Resolved::Unresolved(last)
}

/// What a failed attempt says.
enum Attempt {
    /// It may have reached the provider: look it up.
    Unknown,
    /// It was turned away before anything was done ("not now": 429, a
    /// refused connection): look, and send again when nothing shows.
    NotNow,
    /// The provider says the key exists.
    KeyExists,
    /// A definitive refusal of this attempt (`Other` or `MaybeKeyExists`):
    /// the lookup confirms that nothing is recorded under the key before it
    /// counts.
    Refused(Refusal),
}

fn attempt<E: Classified>(error: &E, refusal: impl Fn(&E) -> Refusal) -> Attempt {
    if error.outcome_unknown() {
        Attempt::Unknown
    } else if error.retryable() || error.never_sent() {
        Attempt::NotNow
    } else {
        match refusal(error) {
            Refusal::KeyExists => Attempt::KeyExists,
            kind => Attempt::Refused(kind),
        }
    }
}

/// What a resolution knows of its key beyond the lookup's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// Nothing: the first attempt's outcome is unknown.
    None,
    /// The provider said the key exists.
    KeyExists,
    /// An attempt was refused (how: `Other` or `MaybeKeyExists`): the
    /// lookup confirms that nothing is recorded.
    Refused(Refusal),
}

/// What became of the operation under a key, by the lookup alone: nothing
/// is ever sent. `Done` and `NotDone` as the lookup shows them (`NotDone`
/// only once it has shown so for the whole settle window, since an attempt
/// still in flight or awaiting confirmation may land); nothing recorded is
/// `Unresolved`, at once: it is no proof that nothing moved (an attempt may
/// still land, the lookup may lag), and only sending with the same key (the
/// resolving call) can settle it.
pub(crate) async fn outcome<T, E, L, LF>(plan: Plan<'_>, lookup: L) -> Resolved<T, E>
where
    E: Classified,
    L: FnMut() -> LF,
    LF: Future<Output = Lookup<T, E>>,
{
    let mut resolving = Resolving::new(plan.operation);
    resolving.start(false);
    let resolved = outcome_of(plan, lookup).await;
    resolving.end(result_name(&resolved));
    resolved
}

/// [`outcome`], untracked.
async fn outcome_of<T, E, L, LF>(plan: Plan<'_>, mut lookup: L) -> Resolved<T, E>
where
    E: Classified,
    L: FnMut() -> LF,
    LF: Future<Output = Lookup<T, E>>,
{
    let started = Instant::now();
    let mut waits = Waits::new(plan.resolution);
    let mut last;
    loop {
        match lookup().await {
            Lookup::Done(done) => return Resolved::Done(done),
            Lookup::NotDone(error) if started.elapsed() >= plan.settle => {
                return Resolved::NotDone(error);
            }
            Lookup::NotDone(error) | Lookup::Later(error) => last = error,
            Lookup::Missing(error) | Lookup::Never(error) => return Resolved::Unresolved(error),
        }
        if !waits.wait().await {
            return Resolved::Unresolved(last);
        }
    }
}
