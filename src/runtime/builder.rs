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

    /// The runtime these settings make.
    pub(crate) fn runtime(&self) -> Result<Runtime, TransportError> {
        let (http, user_client) = match &self.http {
            Some(http) => (http.clone(), true),
            None => (default_client()?, false),
        };
        Ok(Runtime::new(
            http,
            Settings {
                user_client,
                attempt_timeout: self.attempt_timeout,
                deadline: self.deadline,
                retry: self.retry,
                resolution: self.resolution,
                max_response_bytes: self.max_response_bytes,
            },
        ))
    }
}

/// nordpay's reqwest client: no redirects, a connect timeout, a
/// `nordpay/<version>` user agent. Times are the runtime's.
pub(crate) fn default_client() -> Result<reqwest::Client, TransportError> {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        // reqwest without a provider takes the process-wide one; an
        // application that installed its own keeps it (then this fails).
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("nordpay/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| TransportError::Client {
            source: std::sync::Arc::new(e),
        })
}

#[cfg(test)]
mod tests {
    /// Whichever TLS feature the build has (CI builds each alone), the
    /// client builds: with ring, that needs the provider installed first.
    #[test]
    fn the_http_client_builds_with_the_chosen_tls() {
        super::default_client().expect("the HTTP client builds");
    }
}
