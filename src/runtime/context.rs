//! The bridge to the generated REST clients: their request hook.

use std::fmt;

use super::Credentials;
use super::error::CallFailure;
use super::operation::{Operation, Policy, RetryClass};
use super::send::{Exchange, Runtime, read};
use super::tunnel::tunnel;

/// What every request of a generated REST client carries: the runtime and
/// the credentials (progenitor's "inner type"). Never shows a secret.
#[derive(Clone)]
pub struct Context {
    pub(crate) runtime: Runtime,
    pub(crate) credentials: Credentials,
    /// The client's base URL, parsed once: each call's URL is built from
    /// it, not formatted and parsed again. None if it does not parse.
    base: Option<url::Url>,
}

impl Context {
    /// The context of a client of `base` (its base URL).
    pub(crate) fn new(runtime: Runtime, credentials: Credentials, base: &str) -> Self {
        Self {
            runtime,
            credentials,
            base: url::Url::parse(base).ok(),
        }
    }

    /// The same context with `overrides` for every call.
    pub(crate) fn with_overrides(&self, overrides: &super::Overrides) -> Self {
        Self {
            runtime: self.runtime.with_overrides(overrides),
            ..self.clone()
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// An operation the table does not know (it cannot happen: the table and
/// the client come from one spec): treated as the most careful class.
pub(crate) const UNKNOWN: Operation = Operation {
    api: "unknown",
    name: "unknown",
    method: "",
    path: "",
    content_type: None,
    accept: None,
    policy: Policy {
        retry: RetryClass::Never,
        deadline: std::time::Duration::from_secs(30),
        attempt_timeout: std::time::Duration::from_secs(30),
        confirmation_window: None,
    },
    body_rules: &[],
    integer_rules: &[],
    query_values: &[],
    not_null: &[],
    body_check: None,
    bearer_requires: &[],
};

/// The JSON of `body`, a request of `operation` sent with `context`'s
/// credentials: the spec's rule across its fields checked first, then its
/// other rules while it is written, so that nothing is parsed again. Called
/// by every generated `send` with a JSON body; the message says what breaks.
pub(crate) fn request_json<B: serde::Serialize + std::any::Any>(
    operation: &Operation,
    context: &Context,
    body: &B,
) -> Result<Vec<u8>, String> {
    super::rules::check_typed(operation, body).map_err(|broken| broken.to_string())?;
    let checks = super::json_rules::Checks {
        bearer: matches!(context.credentials, Credentials::Bearer(_)),
        not_null: false,
    };
    super::json_rules::to_json(operation, checks, body)
}

/// The URL of a call through `context`'s client: its base URL with
/// `segments` appended. Called by every generated `send`.
pub(crate) fn url_of(
    context: &Context,
    segments: &[super::Segment<'_>],
) -> Result<url::Url, String> {
    let base = context
        .base
        .as_ref()
        .ok_or("the client's base URL is not a URL")?;
    super::call_url::url_of(base, segments)
}

/// A success's body as `T`, read as progenitor's
/// `ResponseValue::from_response` reads it but keeping the response's
/// headers, which it copies. Called by every generated `send`; a
/// combinator, for the reason `Runtime::call` gives.
// The error is progenitor's, as large as its own `send` returns.
#[allow(clippy::result_large_err)]
pub(crate) fn decoded<T: serde::de::DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>>
{
    use futures_util::FutureExt as _;
    use progenitor_client::Error;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    response.bytes().map(move |body| {
        let body = body.map_err(Error::ResponseBodyError)?;
        let inner = serde_json::from_slice(&body)
            .map_err(|error| Error::InvalidResponsePayload(body, error))?;
        Ok(progenitor_client::ResponseValue::new(
            inner, status, headers,
        ))
    })
}

/// The request hook of every generated client: the call through the
/// runtime and its answer. Every failure, an error status included, travels
/// tunnelled inside a `reqwest::Error` (the hook's fixed error type), so
/// that each API turns it into its own error without I/O. A combinator, not
/// an `async fn`, for the reason `Runtime::call` gives.
pub(crate) fn exec<'a>(
    context: &'a Context,
    operation: Option<&'static Operation>,
    request: reqwest::Request,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + 'a {
    use futures_util::future::{Either, FutureExt as _, ready};
    let operation = operation.unwrap_or(&UNKNOWN);
    context
        .runtime
        .call(operation, &context.credentials, request)
        .then(move |outcome| match outcome {
            Ok(response)
                if !(response.status().is_client_error()
                    || response.status().is_server_error()) =>
            {
                Either::Left(ready(Ok(response)))
            }
            // Boxed: a failure's state is not carried by every call's future.
            failed => Either::Right(Box::pin(failure(operation, failed)).map(Err)),
        })
}

/// A call that failed, or was answered with an error status, as the
/// `reqwest::Error` that tunnels the runtime's failure.
async fn failure(
    operation: &'static Operation,
    outcome: Result<reqwest::Response, CallFailure>,
) -> reqwest::Error {
    let response = match outcome {
        Ok(response) => response,
        Err(failure) => return tunnel(failure).await,
    };
    let failure = match read(response).await {
        Ok(Exchange {
            status,
            headers,
            body,
        }) => CallFailure::Status {
            operation,
            status,
            headers,
            body,
        },
        Err(error) => CallFailure::Transport(error),
    };
    tunnel(failure).await
}
