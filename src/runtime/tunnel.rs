//! progenitor's request hook can only fail with a `reqwest::Error`. The
//! runtime's typed failure travels inside one, as its source, and the faces
//! take it out again: no string parsing, no lost type.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::error::{CallFailure, DecodeError, TransportError};
use super::{Operation, RawBody};

/// A runtime failure travelling as the source of a `reqwest::Error`.
#[derive(Debug)]
pub(crate) struct Tunnel(CallFailure);

impl Tunnel {
    pub(crate) fn new(failure: CallFailure) -> Self {
        Self(failure)
    }
}

impl fmt::Display for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            CallFailure::Invalid(message) | CallFailure::Credentials(message) => {
                f.write_str(message)
            }
            CallFailure::Transport(error) => fmt::Display::fmt(error, f),
            CallFailure::Status { status, .. } => write!(f, "HTTP {status}"),
        }
    }
}

impl std::error::Error for Tunnel {}

/// A `reqwest::Error` whose source is `failure`: the error of reading a body
/// that fails at once (in memory, no I/O).
pub(crate) async fn tunnel(failure: CallFailure) -> reqwest::Error {
    let failing = futures_util::stream::once(async move { Err::<Bytes, _>(Tunnel(failure)) });
    let response =
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().await {
        Err(error) => error,
        // A stream whose only item is an error cannot be read whole.
        Ok(_) => unreachable!("an error stream yields its error"),
    }
}

/// The runtime's failure inside `error`, if it carries one.
pub(crate) fn untunnel(error: &reqwest::Error) -> Option<CallFailure> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(Tunnel(failure)) = current.downcast_ref::<Tunnel>() {
            return Some(failure.clone());
        }
        source = current.source();
    }
    None
}

/// The runtime's failure inside `error`, or (a body that broke while the
/// generated code read it) a transport error.
pub(crate) fn call_failure(error: reqwest::Error) -> CallFailure {
    match untunnel(&error) {
        Some(failure) => failure,
        None => CallFailure::Transport(TransportError::from_plain_reqwest(error)),
    }
}

/// A failure to send or read, classified, without its URL. A body the
/// runtime capped fails with its own error inside reqwest's: that one.
pub(crate) fn transport(error: reqwest::Error) -> TransportError {
    match untunnel(&error) {
        Some(CallFailure::Transport(inner)) => inner,
        _ => TransportError::from_plain_reqwest(error),
    }
}

/// An API error made from what the runtime saw. Each API says only what is
/// its own: how a refused request reads, and what an error status means;
/// [`api_error`] does the rest for every API.
pub(crate) trait ApiError: From<TransportError> + From<DecodeError> {
    /// The request breaks a rule of the spec; nothing was sent.
    fn invalid_request(message: String) -> Self;
    /// No credentials could be had (a token source failed); nothing was sent.
    fn no_credentials(message: String) -> Self {
        Self::invalid_request(message)
    }
    /// An error status.
    fn from_status(answer: ErrorAnswer<'_>) -> Self;
}

/// An error status as the runtime received it.
pub(crate) struct ErrorAnswer<'a> {
    /// The operation; unknown for a status no API answers with an error
    /// body (a 1xx, say).
    pub(crate) operation: Option<&'static Operation>,
    pub(crate) status: StatusCode,
    pub(crate) headers: &'a HeaderMap,
    /// The whole (capped) body; empty where it was not read.
    pub(crate) body: &'a [u8],
}

impl ErrorAnswer<'_> {
    /// The server's `Retry-After`.
    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        super::retry_after(self.headers)
    }

    /// The answer's Content-Type.
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// Whether the body is a web page (a proxy's, a gateway's, a login
    /// wall's): no API of nordpay answers an error with HTML, so such a body
    /// is never the provider talking, and never shown in an error.
    pub(crate) fn is_page(&self) -> bool {
        let essence = self
            .content_type()
            .and_then(|value| value.split(';').next())
            .map(|essence| essence.trim().to_ascii_lowercase());
        if matches!(
            essence.as_deref(),
            Some("text/html" | "application/xhtml+xml")
        ) {
            return true;
        }
        let start = self.body.trim_ascii_start();
        let head = &start[..start.len().min(14)];
        head.eq_ignore_ascii_case(b"<!doctype html")
            || head.starts_with(b"<html")
            || head.starts_with(b"<HTML")
    }

    /// This answer as what it is when it is not the provider talking: a
    /// [`TransportError::UnexpectedResponse`], status and Content-Type only.
    /// Its outcome is unknown: it is no evidence of what the provider did.
    pub(crate) fn not_the_provider(&self) -> TransportError {
        TransportError::UnexpectedResponse {
            status: self.status,
            content_type: self.content_type().map(str::to_string),
            retry_after: self.retry_after(),
        }
    }
}

/// A generated client's error as the API's error. Error statuses never reach
/// the generated code: the runtime read them ([`CallFailure::Status`]), so
/// this needs no I/O and `?` converts.
pub(crate) fn api_error<E: ApiError, B>(error: progenitor_client::Error<B>) -> E {
    use progenitor_client::Error as Generated;
    match error {
        Generated::InvalidRequest(message) => E::invalid_request(message),
        // The runtime raises no custom errors.
        Generated::Custom(message) => E::invalid_request(message),
        Generated::CommunicationError(error)
        | Generated::InvalidUpgrade(error)
        | Generated::ResponseBodyError(error) => match call_failure(error) {
            CallFailure::Invalid(message) => E::invalid_request(message),
            CallFailure::Credentials(message) => E::no_credentials(message),
            CallFailure::Transport(error) => error.into(),
            CallFailure::Status {
                operation,
                status,
                headers,
                body,
            } => E::from_status(ErrorAnswer {
                operation: Some(operation),
                status,
                headers: &headers,
                body: &body,
            }),
        },
        Generated::InvalidResponsePayload(body, error) => DecodeError {
            message: DecodeError::describe(&error),
            body: Some(RawBody::new(body)),
        }
        .into(),
        Generated::ErrorResponse(response) => E::from_status(ErrorAnswer {
            operation: None,
            status: response.status(),
            headers: response.headers(),
            body: &[],
        }),
        // A success the spec does not list for the operation (a gateway
        // that rewrites 200 to 201, say): the operation may well have been
        // done, so it is an answer that does not decode, never a refusal.
        Generated::UnexpectedResponse(response) if response.status().is_success() => DecodeError {
            message: format!(
                "HTTP {} is not a success status the spec lists for this operation",
                response.status()
            ),
            body: None,
        }
        .into(),
        Generated::UnexpectedResponse(response) => E::from_status(ErrorAnswer {
            operation: None,
            status: response.status(),
            headers: response.headers(),
            body: &[],
        }),
    }
}

/// An API's error type as an [`ApiError`], and `From<progenitor_client::Error<_>>`
/// for it (each generated `send()` maps its error with it). The face names
/// its variants for a refused request and (if it has one) for missing
/// credentials, and writes `fn from_answer(ErrorAnswer) -> Self`.
macro_rules! from_generated {
    ($error:ident { invalid: $invalid:ident $(, credentials: $credentials:ident)? }) => {
        impl $crate::runtime::ApiError for $error {
            fn invalid_request(message: String) -> Self {
                $error::$invalid(message)
            }
            $(
                fn no_credentials(message: String) -> Self {
                    $error::$credentials(message)
                }
            )?
            fn from_status(answer: $crate::runtime::ErrorAnswer<'_>) -> Self {
                $error::from_answer(answer)
            }
        }

        impl<B> From<progenitor_client::Error<B>> for $error {
            fn from(error: progenitor_client::Error<B>) -> Self {
                $crate::runtime::api_error(error)
            }
        }
    };
}
pub(crate) use from_generated;

/// A generated call's answer, or the API's error.
pub(crate) async fn finish<T, E>(
    call: impl Future<Output = Result<progenitor_client::ResponseValue<T>, E>>,
) -> Result<T, E> {
    call.await.map(progenitor_client::ResponseValue::into_inner)
}
