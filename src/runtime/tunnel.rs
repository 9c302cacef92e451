//! progenitor's request hook can only fail with a `reqwest::Error`. The
//! runtime's typed failure travels inside one, as its source, and the faces
//! take it out again: no string parsing, no lost type.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::RawBody;
use super::error::{CallFailure, DecodeError, TransportError};

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
        None => CallFailure::Transport(TransportError::from_plain_reqwest(error)),
    }
}

/// An API error made from what the runtime saw. Each API says only what is
/// its own: how a request refused before sending reads, and what an error
/// status means; [`finish`] does the rest for every API.
pub(crate) trait ApiError: From<TransportError> + From<DecodeError> {
    /// Refused before sending: bad input, or no credentials (`credentials`).
    fn not_sent(message: String, credentials: bool) -> Self;
    /// An error status, with its headers and body.
    fn from_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self;
}

/// A generated call whose error bodies are raw bytes, with the API's result.
pub(crate) async fn finish<T, E: ApiError>(
    call: impl Future<
        Output = Result<
            progenitor_client::ResponseValue<T>,
            progenitor_client::Error<progenitor_client::ByteStream>,
        >,
    >,
) -> Result<T, E> {
    let error = match call.await {
        Ok(response) => return Ok(response.into_inner()),
        Err(error) => error,
    };
    Err(match Failure::of(error).await {
        Failure::InvalidRequest(message) => E::not_sent(message, false),
        Failure::Credentials(message) => E::not_sent(message, true),
        Failure::Transport(error) => error.into(),
        Failure::Decode(error) => error.into(),
        Failure::Status {
            status,
            headers,
            body,
        } => E::from_status(status, &headers, &body),
    })
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
    /// A success body that does not match the spec.
    Decode(DecodeError),
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
            Generated::InvalidResponsePayload(body, e) => Failure::Decode(DecodeError {
                message: e.to_string(),
                body: Some(RawBody::new(body)),
            }),
            Generated::UnexpectedResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                match response.bytes().await {
                    Ok(body) => Failure::Status {
                        status,
                        headers,
                        body,
                    },
                    Err(error) => Failure::of_reqwest(error),
                }
            }
            Generated::ErrorResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                // The body is capped by the runtime; a read can still fail.
                let chunks: Result<Vec<Bytes>, reqwest::Error> =
                    response.into_inner().into_inner().try_collect().await;
                match chunks {
                    Ok(chunks) => Failure::Status {
                        status,
                        headers,
                        body: chunks.concat().into(),
                    },
                    Err(error) => Failure::of_reqwest(error),
                }
            }
        }
    }
}
