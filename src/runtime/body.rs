//! Reading bodies with a size cap, and request bodies no client can re-send.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};

use super::error::{CallFailure, TransportError};
use super::tunnel;

/// `response` with its body capped at `limit` bytes: refused at once when
/// its Content-Length says it is longer; otherwise read through a limit, so
/// that a longer body fails with [`TransportError::TooLarge`] when read.
pub(crate) fn capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<reqwest::Response, TransportError> {
    let status = response.status();
    match response.content_length() {
        Some(length) if length > limit as u64 => Err(TransportError::TooLarge { limit, status }),
        // The common case: nothing to wrap.
        Some(_) => Ok(response),
        None => {
            let url = response.url().clone();
            let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
            let too_large = move |error: Box<dyn std::error::Error + Send + Sync>| {
                if error.is::<http_body_util::LengthLimitError>() {
                    Box::new(tunnel::Tunnel::new(CallFailure::Transport(
                        TransportError::TooLarge { limit, status },
                    ))) as Box<dyn std::error::Error + Send + Sync>
                } else {
                    error
                }
            };
            let body = reqwest::Body::wrap(Limited::new(body, limit).map_err(too_large));
            Ok(rebuild(
                parts.status,
                parts.version,
                parts.headers,
                url,
                body,
            ))
        }
    }
}

/// A response of the given parts (and URL, which reqwest would otherwise
/// parse from a placeholder) with `body`.
fn rebuild(
    status: reqwest::StatusCode,
    version: reqwest::Version,
    headers: reqwest::header::HeaderMap,
    url: url::Url,
    body: reqwest::Body,
) -> reqwest::Response {
    use reqwest::ResponseBuilderExt as _;
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(slot) = builder.headers_mut() {
        *slot = headers;
    }
    // Status, version and headers come from a response that was valid.
    let response = builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(reqwest::Body::from(Bytes::new())));
    reqwest::Response::from(response)
}

/// The same bytes as a body that cannot be cloned: a client following a
/// 307/308 redirect cannot replay it, so a body carrying credentials or
/// personal data never reaches the origin a `Location` names.
pub(crate) fn one_shot(body: &reqwest::Body) -> Option<reqwest::Body> {
    body.as_bytes()
        .map(|bytes| reqwest::Body::wrap(Full::new(Bytes::copy_from_slice(bytes))))
}

/// A response body kept for the caller (a success that could not be
/// decoded, say). `Debug` shows its length only: bodies carry personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(Bytes);

impl RawBody {
    pub(crate) fn new(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The bytes, as the server sent them (at most the size limit).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawBody([{} bytes])", self.0.len())
    }
}
