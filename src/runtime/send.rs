//! The send step: credentials, attempts under the deadline, retries,
//! redirect refusal, capped bodies, one span per operation.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::{Either, FutureExt as _, TryFutureExt as _, ready};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument as _;

use super::Credentials;
use super::body::{capped, one_shot};
use super::error::{CallFailure, TransportError, retryable_status};
use super::operation::{Operation, RetryClass};
use super::retry::{RetryBudget, RetryConfig, retry_after};
use super::rules::check_query;
use super::telemetry;
use super::tunnel::transport;

/// A complete answer: status, headers and the whole (capped) body.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
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
    /// The timeout nordpay's own HTTP client gives a request that sets
    /// none (see `ClientBuilder::runtime_for`); none for a user's client.
    pub(crate) client_timeout: Option<Duration>,
    /// Overrides of every operation's spec times.
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: RetryConfig,
    pub(crate) resolution: super::Resolution,
    pub(crate) max_response_bytes: usize,
}

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

    /// How unknown outcomes are resolved.
    pub(crate) fn resolution(&self) -> &super::Resolution {
        &self.settings.resolution
    }

    /// The same runtime (client, budget) with `overrides` for every call.
    pub(crate) fn with_overrides(&self, overrides: &super::Overrides) -> Self {
        let mut settings = (*self.settings).clone();
        if let Some(timeout) = overrides.get_attempt_timeout() {
            settings.attempt_timeout = Some(timeout);
        }
        if let Some(deadline) = overrides.get_deadline() {
            settings.deadline = Some(deadline);
            settings.attempt_timeout = settings.attempt_timeout.map(|t| t.min(deadline));
        }
        if let Some(retry) = overrides.get_retry() {
            settings.retry = retry;
        }
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

    /// How long after it was sent an attempt of `operation` may still land
    /// at the provider: its attempt timeout (the provider may still be
    /// working on a request the client gave up on), capped by the deadline.
    /// A resolution neither trusts "nothing recorded" nor sends again before.
    pub(crate) fn settle_window(&self, operation: &Operation) -> Duration {
        self.attempt_timeout(operation)
            .min(self.deadline(operation))
    }

    /// Send `request` as `operation`, with `credentials` in its
    /// `Authorization` header, under its deadline. The answer's body is not
    /// read yet: the attempt's timeout still covers it, and a body over the
    /// limit fails while it is read.
    ///
    /// Not an `async fn`, nor are the steps under it: an async fn keeps its
    /// arguments beside the futures it awaits, so the request would be held
    /// once per level, and a call's whole state is copied whenever it moves.
    /// Each step is a combinator that holds only what is still to come; the
    /// retry loop keeps its attempt in one variable it updates in place.
    pub(crate) fn call<'a>(
        &'a self,
        operation: &'static Operation,
        credentials: &'a Credentials,
        mut request: reqwest::Request,
    ) -> impl Future<Output = Result<reqwest::Response, CallFailure>> + 'a {
        if let Err(broken) = check_query(operation, request.url().query()) {
            return Either::Left(ready(Err(CallFailure::Invalid(broken.to_string()))));
        }
        // The body's rules were checked when it was written (`request_json`).
        let span = span(operation);
        let started = Instant::now();
        let deadline = self.deadline(operation);
        let ends = super::after(deadline);
        if !span.is_disabled() {
            server(&span, request.url());
        }
        // Nothing to wait for: no timer.
        if let Credentials::Header(value) = credentials {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
            return Either::Right(Either::Left(
                self.attempts(operation, request, ends, span, started),
            ));
        }
        let authorized = tokio::time::timeout_at(ends, credentials.authorization())
            .instrument(span.clone())
            .then(move |authorization| match authorization {
                Ok(Ok(authorization)) => {
                    request.headers_mut().insert(AUTHORIZATION, authorization);
                    Either::Left(self.attempts(operation, request, ends, span, started))
                }
                Ok(Err(error)) => Either::Right(ready(Err(CallFailure::Credentials(error)))),
                Err(_) => Either::Right(ready(Err(CallFailure::Transport(
                    TransportError::DeadlineExceeded {
                        deadline,
                        sent: false,
                    },
                )))),
            });
        Either::Right(Either::Right(authorized))
    }

    /// The attempts of `call` under the operation's span, and what their end
    /// tells it.
    fn attempts(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
        ends: Instant,
        span: tracing::Span,
        started: Instant,
    ) -> impl Future<Output = Result<reqwest::Response, CallFailure>> + '_ {
        let run = self.run(operation, request, ends, span.clone());
        traced(run, span, operation, started, reqwest::Response::status).map_err(CallFailure::from)
    }

    /// Send `request` as `operation`, whose credentials (if any) are in its
    /// body (a SOAP envelope, an OAuth token form), and read the answer.
    pub(crate) fn exchange(
        &self,
        operation: &'static Operation,
        request: reqwest::RequestBuilder,
    ) -> impl Future<Output = Result<Exchange, TransportError>> + '_ {
        let request = match request.build() {
            Ok(request) => request,
            Err(error) => return Either::Left(ready(Err(transport(error)))),
        };
        let span = span(operation);
        if !span.is_disabled() {
            server(&span, request.url());
        }
        let started = Instant::now();
        let ends = super::after(self.deadline(operation));
        let exchanged = self
            .run(operation, request, ends, span.clone())
            .and_then(read);
        Either::Right(traced(exchanged, span, operation, started, |exchange| {
            exchange.status
        }))
    }

    /// The headers the spec asks for, then the attempts until `ends`.
    fn run(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
        ends: Instant,
        span: tracing::Span,
    ) -> impl Future<Output = Result<reqwest::Response, TransportError>> + '_ {
        let headers = request.headers_mut();
        if let Some(content_type) = operation.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(accept) = operation.accept {
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        // Started here, not in the loop below: what the loop captures it
        // keeps for its whole life, and this request is sent and gone.
        let mut current = match self.attempt(operation, request, ends, 1, &span) {
            Ok(attempt) => attempt,
            Err(error) => return Either::Left(ready(Err(error))),
        };
        Either::Right(async move {
            let deadline = self.deadline(operation);
            let retry = &self.settings.retry;
            loop {
                let outcome = match (&mut current.sending).await {
                    Ok(response)
                        if response.status().is_redirection()
                            || current
                                .sent_to
                                .as_ref()
                                .is_some_and(|to| !same_origin(to, response.url())) =>
                    {
                        Err(TransportError::Redirected {
                            status: response.status(),
                        })
                    }
                    Ok(response) => capped(response, self.settings.max_response_bytes),
                    Err(error) if error.is_timeout() && !error.is_connect() => {
                        Err(if current.timeout == current.remaining {
                            TransportError::DeadlineExceeded {
                                deadline,
                                sent: true,
                            }
                        } else {
                            TransportError::Timeout {
                                timeout: current.timeout,
                            }
                        })
                    }
                    Err(error) => Err(transport(error)),
                };
                span.record("nordpay.attempts", current.number);
                answered(
                    current.sending.span(),
                    outcome.as_ref().map(reqwest::Response::status),
                );
                let Some(reason) = retry_reason(operation.policy.retry, &outcome) else {
                    if let Ok(response) = &outcome
                        && current.number == 1
                        && response.status().is_success()
                    {
                        self.budget.refund();
                    }
                    return outcome;
                };
                let Some(next) = current.spare.take() else {
                    return outcome;
                };
                let server_wait = match &outcome {
                    Ok(response) => retry_after(response.headers()),
                    Err(_) => None,
                };
                let delay = retry
                    .backoff_before(current.number)
                    .max(server_wait.unwrap_or(Duration::ZERO));
                // A Retry-After of any size is compared, never added.
                if delay >= ends.saturating_duration_since(Instant::now()) {
                    tracing::info!(reason, ?delay, "no retry: the deadline comes first");
                    return outcome;
                }
                let after_timeout = matches!(outcome, Err(TransportError::Timeout { .. }));
                if !self.budget.withdraw(after_timeout) {
                    tracing::info!(reason, "no retry: the client's retry budget is spent");
                    telemetry::budget_refused(operation);
                    return outcome;
                }
                drop(outcome);
                tracing::info!(reason, ?delay, attempt = current.number, "retry");
                telemetry::retried(operation, reason);
                // Boxed: only a retry carries the timer.
                Box::pin(tokio::time::sleep(delay)).await;
                current = self.attempt(operation, next, ends, current.number + 1, &span)?;
            }
        })
    }

    /// Attempt `number` of `operation` with `request`, sent when polled,
    /// with the copy the next attempt would send; or the deadline if `ends`
    /// has come.
    fn attempt(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
        ends: Instant,
        number: u32,
        span: &tracing::Span,
    ) -> Result<
        Attempt<impl Future<Output = reqwest::Result<reqwest::Response>> + use<>>,
        TransportError,
    > {
        let spare = if number >= self.settings.retry.attempts() {
            None
        } else {
            request.try_clone()
        };
        if self.settings.user_client
            && let Some(body) = request.body().and_then(one_shot)
        {
            *request.body_mut() = Some(body);
        }
        let now = Instant::now();
        if now >= ends {
            return Err(TransportError::DeadlineExceeded {
                deadline: self.deadline(operation),
                sent: number > 1,
            });
        }
        let remaining = ends - now;
        let timeout = self.attempt_timeout(operation).min(remaining);
        // reqwest's timeout covers reading the body too. The client's
        // own is this one for most requests; a request sets its own
        // otherwise, and always with a user's client.
        if self.settings.client_timeout != Some(timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        // nordpay's own client follows no redirect; a user's may have.
        let sent_to = self.settings.user_client.then(|| request.url().clone());
        let attempt_span = attempt_span(span, operation, request.url(), number);
        Ok(Attempt {
            number,
            sending: self.http.execute(request).instrument(attempt_span),
            spare,
            sent_to,
            timeout,
            remaining,
        })
    }
}

/// One attempt on its way (`S`, reqwest's sending), and what the next one
/// would need.
struct Attempt<S> {
    /// 1 for the first.
    number: u32,
    /// The request in flight, under the attempt's span.
    sending: tracing::instrument::Instrumented<S>,
    /// A copy of the request for the next attempt, if one may follow.
    spare: Option<reqwest::Request>,
    /// Where it went, to tell a redirect a user's client followed.
    sent_to: Option<url::Url>,
    timeout: Duration,
    /// What was left of the deadline when it was sent.
    remaining: Duration,
}

/// `sending` under the operation's `span`, and what its end (`status` of
/// an answer, or the failure) tells the span and the metrics.
fn traced<T>(
    sending: impl Future<Output = Result<T, TransportError>>,
    span: tracing::Span,
    operation: &'static Operation,
    started: Instant,
    status: fn(&T) -> StatusCode,
) -> impl Future<Output = Result<T, TransportError>> {
    sending.instrument(span.clone()).map(move |outcome| {
        ended(&span, operation, started, outcome.as_ref().map(status));
        outcome
    })
}

/// The whole body of `response`. `run` capped it already: by its
/// Content-Length, or by a limit that fails the read with `TooLarge`.
pub(crate) fn read(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<Exchange, TransportError>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    response.bytes().map(move |body| {
        Ok(Exchange {
            status,
            headers,
            body: body.map_err(transport)?,
        })
    })
}

/// Scheme, host and port alike (`Url::origin` would allocate).
fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The span of one operation (OpenTelemetry's logical operation, kind
/// internal): names, the path template and the server's host, never values.
fn span(operation: &Operation) -> tracing::Span {
    let span = tracing::info_span!(
        "nordpay",
        nordpay.api = operation.api,
        nordpay.operation = operation.name,
        http.request.method = operation.method,
        url.template = operation.path,
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
        nordpay.attempts = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = "internal",
    );
    name(&span, operation);
    span
}

/// The span of one attempt (OpenTelemetry's HTTP client span), under the
/// operation's: `http.request.resend_count` from the second attempt on.
fn attempt_span(
    parent: &tracing::Span,
    operation: &Operation,
    url: &url::Url,
    attempt: u32,
) -> tracing::Span {
    let span = tracing::info_span!(
        parent: parent,
        "nordpay.attempt",
        http.request.method = operation.method,
        url.template = operation.path,
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = "client",
    );
    if !span.is_disabled() {
        name(&span, operation);
        server(&span, url);
        if attempt > 1 {
            span.record("http.request.resend_count", attempt - 1);
        }
    }
    span
}

/// `{method} {url.template}`: the span name the conventions ask for.
fn name(span: &tracing::Span, operation: &Operation) {
    if !span.is_disabled() {
        span.record(
            "otel.name",
            format!("{} {}", operation.method, operation.path).as_str(),
        );
    }
}

/// `server.address` and `server.port` of `url`: the host, never the path.
fn server(span: &tracing::Span, url: &url::Url) {
    if let Some(host) = url.host_str() {
        span.record("server.address", host);
    }
    if let Some(port) = url.port_or_known_default() {
        span.record("server.port", port);
    }
}

/// The answer's status, or the failure's `error.type`, on `span` (an
/// attempt's, or the operation's with its last answer).
fn answered(span: &tracing::Span, outcome: Result<StatusCode, &TransportError>) {
    if let Ok(status) = outcome {
        span.record("http.response.status_code", status.as_u16());
    }
    if let Some(error) = telemetry::error_type(&outcome) {
        span.record("error.type", error.as_ref());
    }
}

/// What the call's end tells the span and the metrics.
fn ended(
    span: &tracing::Span,
    operation: &Operation,
    started: Instant,
    outcome: Result<StatusCode, &TransportError>,
) {
    answered(span, outcome);
    telemetry::call_ended(
        operation,
        started.elapsed(),
        telemetry::outcome_class(&outcome),
    );
}

/// Why `outcome` of an operation of class `class` is worth another attempt;
/// `None` if it is not.
fn retry_reason(
    class: RetryClass,
    outcome: &Result<reqwest::Response, TransportError>,
) -> Option<&'static str> {
    let after_sending = class.repeats_after_sending();
    match outcome {
        Ok(response) if after_sending && retryable_status(response.status()) => {
            Some(match response.status().as_u16() {
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
