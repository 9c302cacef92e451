//! Reading bodies with a size cap, and request bodies no client can re-send.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};

/// Why a capped read failed.
pub(crate) enum ReadError {
    /// The body is longer than the cap.
    TooLarge,
    /// The connection failed while reading.
    Io(reqwest::Error),
}

/// The whole body of `response`, if it is at most `limit` bytes.
pub(crate) async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let body = http::Response::<reqwest::Body>::from(response).into_body();
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) => match error.downcast::<reqwest::Error>() {
            Ok(io) => Err(ReadError::Io(*io)),
            Err(_) => Err(ReadError::TooLarge),
        },
    }
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
