//! progenitor's request hook can only fail with a `reqwest::Error`. The
//! runtime's typed failure travels inside one, as its source, and the faces
//! take it out again: no string parsing, no lost type.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::error::{CallFailure, TransportError};

#[derive(Debug)]
struct Tunnel(CallFailure);

impl fmt::Display for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            CallFailure::Credentials(message) => f.write_str(message),
            CallFailure::Transport(error) => fmt::Display::fmt(error, f),
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
        None => CallFailure::Transport(TransportError::from_reqwest(error)),
    }
}

/// A failed generated call, reduced to what each face maps to its own
/// error; for clients whose error bodies are raw bytes.
pub(crate) enum Failure {
    /// The request broke the spec and was not sent.
    InvalidRequest(String),
    /// No credentials could be had; nothing was sent.
    Credentials(String),
    /// The exchange failed.
    Transport(TransportError),
    /// A success body that does not match the spec, with the body.
    Decode { message: String, body: Bytes },
    /// An error status, with its headers and body.
    Status {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
}

impl From<CallFailure> for Failure {
    fn from(failure: CallFailure) -> Self {
        match failure {
            CallFailure::Credentials(message) => Failure::Credentials(message),
            CallFailure::Transport(error) => Failure::Transport(error),
        }
    }
}

impl Failure {
    /// A `reqwest::Error` from the generated code: the runtime's failure,
    /// or (a body that broke while being decoded) a transport error.
    pub(crate) fn of_reqwest(error: reqwest::Error) -> Self {
        call_failure(error).into()
    }

    /// Reduce `error`. The body is in memory already (the runtime read it).
    pub(crate) async fn of(error: progenitor_client::Error<progenitor_client::ByteStream>) -> Self {
        use futures_util::TryStreamExt as _;
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => Failure::InvalidRequest(message),
            Generated::Custom(message) => Failure::Credentials(message),
            Generated::CommunicationError(e)
            | Generated::InvalidUpgrade(e)
            | Generated::ResponseBodyError(e) => Failure::of_reqwest(e),
            Generated::InvalidResponsePayload(body, e) => Failure::Decode {
                message: e.to_string(),
                body,
            },
            Generated::UnexpectedResponse(response) => Failure::Status {
                status: response.status(),
                headers: response.headers().clone(),
                body: response.bytes().await.unwrap_or_default(),
            },
            Generated::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let chunks: Vec<Bytes> = response
                    .into_inner()
                    .into_inner()
                    .try_collect()
                    .await
                    .unwrap_or_default();
                Failure::Status {
                    status,
                    headers,
                    body: chunks.concat().into(),
                }
            }
        }
    }
}
