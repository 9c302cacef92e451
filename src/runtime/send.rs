//! The send step: credentials, attempts under the deadline, retries,
//! redirect refusal, capped bodies, one span per operation.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Version};
use tokio::time::Instant;
use tracing::Instrument as _;

use super::Credentials;
use super::body::{ReadError, one_shot, read_capped};
use super::error::{CallFailure, TransportError, retryable_status};
use super::operation::{Operation, RetryClass};
use super::retry::{RetryBudget, RetryConfig, retry_after};

/// A complete answer: status, headers and the whole (capped) body.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) url: url::Url,
    pub(crate) body: Bytes,
}

/// What a client's calls share: the HTTP client, the time and retry
/// settings, and the retry budget. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Runtime {
    http: reqwest::Client,
    settings: Arc<Settings>,
    budget: Arc<RetryBudget>,
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The user's own client: its redirect policy is unknown.
    pub(crate) user_client: bool,
    /// Overrides of every operation's spec times.
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: RetryConfig,
    pub(crate) max_response_bytes: usize,
}

/// Where progenitor's `api-version` header comes from; no provider has one.
const API_VERSION: &str = "api-version";

impl Runtime {
    pub(crate) fn new(http: reqwest::Client, settings: Settings) -> Self {
        Self {
            http,
            budget: Arc::new(RetryBudget::new(settings.retry.budget_tokens())),
            settings: Arc::new(settings),
        }
    }

    /// The HTTP client.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The same runtime (client, budget) with another deadline for every call.
    pub(crate) fn with_deadline(&self, deadline: Duration) -> Self {
        let mut settings = (*self.settings).clone();
        settings.deadline = Some(deadline);
        settings.attempt_timeout = settings.attempt_timeout.map(|t| t.min(deadline));
        Self {
            http: self.http.clone(),
            settings: Arc::new(settings),
            budget: Arc::clone(&self.budget),
        }
    }

    fn deadline(&self, operation: &Operation) -> Duration {
        self.settings.deadline.unwrap_or(operation.policy.deadline)
    }

    fn attempt_timeout(&self, operation: &Operation) -> Duration {
        self.settings
            .attempt_timeout
            .unwrap_or(operation.policy.attempt_timeout)
    }

    /// Send `request` as `operation`, with `credentials` in its
    /// `Authorization` header, under its deadline.
    pub(crate) async fn call(
        &self,
        operation: &'static Operation,
        credentials: &Credentials,
        request: reqwest::Request,
    ) -> Result<Exchange, CallFailure> {
        async {
            let deadline = self.deadline(operation);
            let ends = Instant::now() + deadline;
            let authorization = tokio::time::timeout_at(ends, credentials.authorization())
                .await
                .map_err(|_| TransportError::DeadlineExceeded {
                    deadline,
                    sent: false,
                })?
                .map_err(CallFailure::Credentials)?;
            let mut request = request;
            request.headers_mut().insert(AUTHORIZATION, authorization);
            Ok(self.send(operation, request, ends).await?)
        }
        .instrument(span(operation))
        .await
    }

    /// Send `request` as `operation`, whose credentials (if any) are in its
    /// body: a SOAP envelope, an OAuth token form.
    pub(crate) async fn exchange(
        &self,
        operation: &'static Operation,
        request: reqwest::RequestBuilder,
    ) -> Result<Exchange, TransportError> {
        let request = request.build().map_err(TransportError::from_reqwest)?;
        let ends = Instant::now() + self.deadline(operation);
        self.send(operation, request, ends)
            .instrument(span(operation))
            .await
    }

    /// The attempts of `operation`, the headers its spec asks for set.
    async fn send(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
        ends: Instant,
    ) -> Result<Exchange, TransportError> {
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        if let Some(content_type) = operation.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(accept) = operation.accept {
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        let result = self
            .attempts(operation, request, ends, self.deadline(operation))
            .await;
        if let Ok(exchange) = &result {
            tracing::Span::current().record("http.response.status_code", exchange.status.as_u16());
        }
        result
    }

    async fn attempts(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
        ends: Instant,
        deadline: Duration,
    ) -> Result<Exchange, TransportError> {
        let retry = &self.settings.retry;
        let mut request = Some(request);
        let mut attempt = 1;
        loop {
            let Some(mut current) = request.take() else {
                // Unreachable: a retry happens only with a spare request.
                return Err(TransportError::DeadlineExceeded {
                    deadline,
                    sent: true,
                });
            };
            let last = attempt >= retry.attempts();
            let spare = if last { None } else { current.try_clone() };
            if self.settings.user_client
                && let Some(body) = current.body().and_then(one_shot)
            {
                *current.body_mut() = Some(body);
            }
            let now = Instant::now();
            if now >= ends {
                return Err(TransportError::DeadlineExceeded {
                    deadline,
                    sent: attempt > 1,
                });
            }
            let timeout = self.attempt_timeout(operation).min(ends - now);
            let outcome = match tokio::time::timeout(timeout, self.attempt(current)).await {
                Ok(outcome) => outcome,
                Err(_) if ends - now <= timeout => Err(TransportError::DeadlineExceeded {
                    deadline,
                    sent: true,
                }),
                Err(_) => Err(TransportError::Timeout { timeout }),
            };
            tracing::Span::current().record("nordpay.attempts", attempt);
            let Some(reason) = retry_reason(operation.policy.retry, &outcome) else {
                if attempt == 1 && outcome.as_ref().is_ok_and(|e| e.status.is_success()) {
                    self.budget.refund();
                }
                return outcome;
            };
            let Some(next) = spare else {
                return outcome;
            };
            let server_wait = match &outcome {
                Ok(exchange) => retry_after(&exchange.headers),
                Err(_) => None,
            };
            let delay = retry
                .backoff_before(attempt)
                .max(server_wait.unwrap_or(Duration::ZERO));
            if Instant::now() + delay >= ends {
                tracing::info!(reason, ?delay, "no retry: the deadline comes first");
                return outcome;
            }
            let after_timeout = matches!(outcome, Err(TransportError::Timeout { .. }));
            if !self.budget.withdraw(after_timeout) {
                tracing::info!(reason, "no retry: the client's retry budget is spent");
                return outcome;
            }
            tracing::info!(reason, ?delay, attempt, "retry");
            tokio::time::sleep(delay).await;
            request = Some(next);
            attempt += 1;
        }
    }

    /// One attempt: send, refuse redirects, read the capped body.
    async fn attempt(&self, request: reqwest::Request) -> Result<Exchange, TransportError> {
        let origin = request.url().origin();
        let response = self
            .http
            .execute(request)
            .await
            .map_err(TransportError::from_reqwest)?;
        let status = response.status();
        if status.is_redirection() || response.url().origin() != origin {
            return Err(TransportError::Redirected { status });
        }
        let version = response.version();
        let headers = response.headers().clone();
        let url = response.url().clone();
        let limit = self.settings.max_response_bytes;
        let body = read_capped(response, limit).await.map_err(|e| match e {
            ReadError::TooLarge => TransportError::TooLarge { limit, status },
            ReadError::Io(e) => TransportError::from_reqwest(e),
        })?;
        Ok(Exchange {
            status,
            version,
            headers,
            url,
            body,
        })
    }
}

/// The span of one operation: names and the path template, never values.
fn span(operation: &Operation) -> tracing::Span {
    tracing::info_span!(
        "nordpay",
        nordpay.api = operation.api,
        nordpay.operation = operation.name,
        http.request.method = operation.method,
        url.template = operation.path,
        http.response.status_code = tracing::field::Empty,
        nordpay.attempts = tracing::field::Empty,
        otel.kind = "client",
    )
}

/// Why `outcome` of an operation of class `class` is worth another attempt;
/// `None` if it is not.
fn retry_reason(
    class: RetryClass,
    outcome: &Result<Exchange, TransportError>,
) -> Option<&'static str> {
    let after_sending = class.repeats_after_sending();
    match outcome {
        Ok(exchange) if after_sending && retryable_status(exchange.status) => {
            Some(match exchange.status.as_u16() {
                429 => "429 too many requests",
                502 => "502 bad gateway",
                503 => "503 service unavailable",
                _ => "504 gateway timeout",
            })
        }
        Ok(_) => None,
        Err(TransportError::Connect { .. }) => Some("connection failed, nothing sent"),
        Err(TransportError::Timeout { .. }) if after_sending => Some("attempt timed out"),
        Err(TransportError::Io { .. }) if after_sending => Some("connection lost"),
        Err(_) => None,
    }
}
