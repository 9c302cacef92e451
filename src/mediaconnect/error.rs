//! The one error type of the Mediaconnect client.

use std::time::Duration;

use reqwest::StatusCode;

/// Everything a Mediaconnect call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request breaks a documented limit (a product code over 12
    /// characters, an invoice number over 10) and was not sent.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),
    /// No access token could be had; nothing was sent.
    #[error("no access token: {0}")]
    Auth(String),
    /// Mediaconnect refused the request (`{exceptionType, errorMessage}`).
    #[error("Mediaconnect answered {status}: {}", message.as_deref().unwrap_or("(no message)"))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The server's exception type.
        exception_type: Option<String>,
        /// The server's message.
        message: Option<String>,
    },
    /// The access token was refused (RFC 6750), e.g. `invalid_token`.
    #[error("the access token was refused ({status}): {error}")]
    OAuth {
        /// The HTTP status.
        status: StatusCode,
        /// The OAuth error code.
        error: String,
        /// Its description.
        description: Option<String>,
    },
    /// 429: too many requests; retry after the given time if the server said.
    #[error("too many requests")]
    RateLimited {
        /// The server's `Retry-After`, in seconds.
        retry_after: Option<Duration>,
    },
    /// Another error status, or an error body of no known shape.
    #[error("Mediaconnect answered {status}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
    },
    /// The exchange failed below the API.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A success response whose body does not match the spec.
    #[error("cannot decode the response: {0}")]
    Decode(String),
}

pub use crate::http::TransportError;
