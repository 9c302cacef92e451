//! One builder for every client: the settings all APIs share are set here;
//! each API adds its own `build` (and little else) for its setup `S`.

use std::fmt;
use std::time::Duration;

use super::error::TransportError;
use super::resolution::Resolution;
use super::retry::RetryConfig;
use super::send::{Runtime, Settings};

/// Responses larger than this fail instead of filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Builds a client; start from the API's `Client::builder`.
///
/// Times: each operation has a deadline and an attempt timeout from its
/// spec (see each API's `operations` table); [`ClientBuilder::deadline`] and
/// [`ClientBuilder::attempt_timeout`] override them for every operation.
pub struct ClientBuilder<S> {
    pub(crate) setup: S,
    http: Option<reqwest::Client>,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry: RetryConfig,
    resolution: Resolution,
    pub(crate) max_response_bytes: usize,
}

impl<S: fmt::Debug> fmt::Debug for ClientBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("setup", &self.setup)
            .field("own_http_client", &self.http.is_some())
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("resolution", &self.resolution)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl<S> ClientBuilder<S> {
    pub(crate) fn new(setup: S) -> Self {
        Self {
            setup,
            http: None,
            attempt_timeout: None,
            deadline: None,
            retry: RetryConfig::default(),
            resolution: Resolution::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Use your own `reqwest::Client` (proxies, TLS roots, a shared pool).
    /// nordpay's deadlines, retries and redirect refusal still apply: they
    /// are enforced per request, whatever the client's own settings.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The deadline of every operation (credentials, all attempts and
    /// backoff), instead of each operation's own from the spec. Any
    /// duration is taken, `Duration::MAX` as "none".
    ///
    /// A deadline shorter than an operation's confirmation window (Direct
    /// Payment's Pay: 60 s for `SecurityLevel` 2) is allowed, not refused:
    /// such a Pay gives up on its answer while the user may still confirm,
    /// so it ends with an unknown outcome, and `pay_resolved` then waits out
    /// the window before it takes a `NotPaid` as final.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The timeout of one attempt of every operation, instead of each
    /// operation's own from the spec.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// How operations that are safe to repeat are retried;
    /// [`RetryConfig::disabled`] turns retries off.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// How long and how often the resolving calls (`pay_resolved` and
    /// friends) look up an operation whose outcome is unknown.
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = resolution;
        self
    }

    /// Largest response body accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The runtime these settings make, for no operation table of its own.
    pub(crate) fn runtime(&self) -> Result<Runtime, TransportError> {
        self.runtime_for([])
    }

    /// The runtime these settings make for an API of `operations`: nordpay's
    /// own HTTP client times out after the attempt timeout of the API's
    /// lookups (its most frequent calls), so that a request needs a timeout
    /// of its own only when it differs (reqwest keeps that in a map it
    /// allocates per request).
    pub(crate) fn runtime_for<'o>(
        &self,
        operations: impl IntoIterator<Item = &'o super::Operation>,
    ) -> Result<Runtime, TransportError> {
        let (http, user_client, client_timeout) = match &self.http {
            Some(http) => (http.clone(), true, None),
            None => {
                let timeout = self.attempt_timeout.or_else(|| usual_timeout(operations));
                (default_client(timeout)?, false, timeout)
            }
        };
        Ok(Runtime::new(
            http,
            Settings {
                user_client,
                client_timeout,
                attempt_timeout: self.attempt_timeout,
                deadline: self.deadline,
                retry: self.retry,
                resolution: self.resolution,
                max_response_bytes: self.max_response_bytes,
            },
        ))
    }
}

/// The attempt timeout most of `operations` that are safe to repeat (the
/// reads and lookups) share; of all of them if none is.
fn usual_timeout<'o>(
    operations: impl IntoIterator<Item = &'o super::Operation>,
) -> Option<Duration> {
    let mut safe = std::collections::BTreeMap::<Duration, usize>::new();
    let mut all = std::collections::BTreeMap::<Duration, usize>::new();
    for operation in operations {
        let timeout = operation.policy.attempt_timeout;
        *all.entry(timeout).or_default() += 1;
        if operation.policy.retry.repeats_after_sending() {
            *safe.entry(timeout).or_default() += 1;
        }
    }
    let most = |counts: std::collections::BTreeMap<Duration, usize>| {
        counts
            .into_iter()
            .max_by_key(|(_, count)| *count)
            .map(|(timeout, _)| timeout)
    };
    most(safe).or_else(|| most(all))
}

/// nordpay's reqwest client: no redirects, a connect timeout, a
/// `nordpay/<version>` user agent, and `timeout` for a request that sets
/// none of its own. Times are the runtime's.
pub(crate) fn default_client(timeout: Option<Duration>) -> Result<reqwest::Client, TransportError> {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        // reqwest without a provider takes the process-wide one; an
        // application that installed its own keeps it (then this fails).
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("nordpay/", env!("CARGO_PKG_VERSION")));
    let builder = match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    builder.build().map_err(|e| TransportError::Client {
        source: std::sync::Arc::new(e),
    })
}

#[cfg(test)]
mod tests {
    /// Whichever TLS feature the build has (CI builds each alone), the
    /// client builds: with ring, that needs the provider installed first.
    #[test]
    fn the_http_client_builds_with_the_chosen_tls() {
        super::default_client(None).expect("the HTTP client builds");
    }

    /// The client's own timeout is the lookups' (the calls made most),
    /// whatever most operations of the table take.
    #[test]
    fn the_clients_timeout_is_the_one_its_lookups_share() {
        use crate::runtime::{Operation, RetryClass};
        use std::time::Duration;
        let operation = |retry, seconds| Operation {
            policy: crate::runtime::Policy {
                retry,
                attempt_timeout: Duration::from_secs(seconds),
                ..crate::runtime::context::UNKNOWN.policy
            },
            ..crate::runtime::context::UNKNOWN
        };
        let table = [
            operation(RetryClass::Safe, 10),
            operation(RetryClass::Never, 30),
            operation(RetryClass::Safe, 10),
            operation(RetryClass::Never, 30),
            operation(RetryClass::Never, 30),
        ];
        assert_eq!(super::usual_timeout(&table), Some(Duration::from_secs(10)));
        assert_eq!(
            super::usual_timeout(&table[3..]),
            Some(Duration::from_secs(30))
        );
        assert_eq!(super::usual_timeout(&[]), None);
    }
}
