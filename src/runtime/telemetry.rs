//! What nordpay tells an operator, beside its log lines: spans shaped by
//! OpenTelemetry's HTTP client conventions (one per operation, one per
//! attempt) and, with the `metrics` feature, metrics through the `metrics`
//! facade: request duration by outcome, retries, budget refusals, and the
//! money metrics only a payments client can give — outcomes that became
//! unknown, resolutions by result, their duration, and those still open.
//!
//! The `metrics` facade rather than OpenTelemetry's API: it is one small
//! crate with no exporter or runtime of its own, a service keeps the
//! exporter it has (Prometheus, StatsD, or OpenTelemetry through a bridge),
//! and with no recorder installed every call is a no-op.
//!
//! No value of a request is a label or a field: names, the path template,
//! the server's host, statuses and classes only.

use std::time::Duration;

use tokio::time::Instant;

use super::error::TransportError;
use super::operation::Operation;

/// Metric: seconds per call of an operation (attempts, backoff and
/// credentials included), labelled `api`, `operation` and `outcome`:
/// `ok` (an answer below 400), `client_error` (4xx), `server_error` (5xx;
/// a SOAP fault comes as one), `unknown` (no answer, and the request may
/// have reached the provider), `failed` (no answer, nothing reached it).
pub const REQUEST_DURATION: &str = "nordpay.client.request.duration";
/// Metric: retries, labelled `api`, `operation` and `reason`.
pub const RETRIES: &str = "nordpay.client.retries";
/// Metric: retries the client's retry budget refused, labelled `api` and
/// `operation`.
pub const BUDGET_REFUSALS: &str = "nordpay.client.retry_budget.refusals";
/// Metric: calls that move money whose outcome became unknown (and were
/// resolved by the provider's lookup), labelled `api` and `operation`.
pub const OUTCOMES_UNKNOWN: &str = "nordpay.outcome.unknown";
/// Metric: resolutions ended, labelled `api`, `operation` and `result`
/// (`done`, `not_done`, `unresolved`, `abandoned` when the caller dropped it).
pub const RESOLUTIONS: &str = "nordpay.resolution.results";
/// Metric: seconds from the first lookup of a resolution to its result,
/// labelled `api`, `operation` and `result`.
pub const RESOLUTION_DURATION: &str = "nordpay.resolution.duration";
/// Metric: resolutions under way (a gauge), labelled `api` and `operation`.
pub const RESOLUTIONS_OPEN: &str = "nordpay.resolution.open";

/// How a call ended, as a metric's `outcome` label.
pub(crate) fn outcome_class(
    outcome: &Result<reqwest::StatusCode, &TransportError>,
) -> &'static str {
    match outcome {
        Ok(status) if status.is_client_error() => "client_error",
        Ok(status) if status.is_server_error() => "server_error",
        Ok(_) => "ok",
        Err(error) if error.is_outcome_unknown() => "unknown",
        Err(_) => "failed",
    }
}

/// The `error.type` of a failed attempt or call: the status, or the kind
/// of transport failure.
pub(crate) fn error_type(
    outcome: &Result<reqwest::StatusCode, &TransportError>,
) -> Option<std::borrow::Cow<'static, str>> {
    match outcome {
        Ok(status) if status.is_client_error() || status.is_server_error() => {
            Some(status.as_u16().to_string().into())
        }
        Ok(_) => None,
        Err(error) => Some(error.kind().into()),
    }
}

/// A call of `operation` ended after `took` as `outcome`.
pub(crate) fn call_ended(operation: &Operation, took: Duration, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(
        REQUEST_DURATION,
        "api" => operation.api,
        "operation" => operation.name,
        "outcome" => outcome,
    )
    .record(took.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = (operation, took, outcome);
}

/// A retry of `operation` for `reason`.
pub(crate) fn retried(operation: &Operation, reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        RETRIES,
        "api" => operation.api,
        "operation" => operation.name,
        "reason" => reason,
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (operation, reason);
}

/// A retry of `operation` the budget refused.
pub(crate) fn budget_refused(operation: &Operation) {
    #[cfg(feature = "metrics")]
    metrics::counter!(BUDGET_REFUSALS, "api" => operation.api, "operation" => operation.name)
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = operation;
}

/// One resolution, counted from its first lookup: open while it runs, then
/// its result and duration; dropped unfinished, it counts as `abandoned`.
pub(crate) struct Resolving {
    // Read by the metrics only.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    operation: &'static Operation,
    since: Option<Instant>,
}

impl Resolving {
    /// A resolution of `operation` that has not looked anything up yet.
    pub(crate) fn new(operation: &'static Operation) -> Self {
        Self {
            operation,
            since: None,
        }
    }

    /// The lookups start; `unknown` if the call's outcome was unknown (not
    /// a refusal or a "not now" being checked).
    pub(crate) fn start(&mut self, unknown: bool) {
        if self.since.is_some() {
            return;
        }
        self.since = Some(Instant::now());
        #[cfg(feature = "metrics")]
        {
            let (api, name) = (self.operation.api, self.operation.name);
            if unknown {
                metrics::counter!(OUTCOMES_UNKNOWN, "api" => api, "operation" => name).increment(1);
            }
            metrics::gauge!(RESOLUTIONS_OPEN, "api" => api, "operation" => name).increment(1.0);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = unknown;
    }

    /// The resolution ended with `result` (`done`, `not_done`, `unresolved`).
    pub(crate) fn end(mut self, result: &'static str) {
        self.close(result);
    }

    fn close(&mut self, result: &'static str) {
        let Some(since) = self.since.take() else {
            return;
        };
        #[cfg(feature = "metrics")]
        {
            let (api, name) = (self.operation.api, self.operation.name);
            metrics::gauge!(RESOLUTIONS_OPEN, "api" => api, "operation" => name).decrement(1.0);
            metrics::counter!(RESOLUTIONS, "api" => api, "operation" => name, "result" => result)
                .increment(1);
            metrics::histogram!(
                RESOLUTION_DURATION,
                "api" => api,
                "operation" => name,
                "result" => result,
            )
            .record(since.elapsed().as_secs_f64());
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (since, result);
    }
}

impl Drop for Resolving {
    fn drop(&mut self) {
        self.close("abandoned");
    }
}
