//! The one error type of the Puzzel Pay client.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;

use crate::runtime::{Class, RawBody, classified};

/// Everything a Puzzel Pay call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a documented rule (an empty reference, a malformed
    /// MSISDN, a non-positive amount, more than 250 recipients) and was not sent.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),
    /// Puzzel Pay refused the request: messages keyed by the path of the
    /// invalid input, e.g. `recipients[0].variables`.
    #[error("Puzzel Pay refused the request: {}", summary(.0))]
    Validation(BTreeMap<String, Vec<String>>),
    /// 401: the JWT was refused.
    #[error("Puzzel Pay refused the JWT (401)")]
    Unauthorized,
    /// 404: no such batch or recipient.
    #[error("Puzzel Pay has no such batch or recipient (404)")]
    NotFound,
    /// 424: the payment provider refused the refund.
    #[error("the payment provider refused the refund (424)")]
    RefundRejected,
    /// Another error status.
    #[error("Puzzel Pay answered {status}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// The exchange failed below the API.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A success response whose body does not match the spec. The call may
    /// well have succeeded: see [`Error::is_outcome_unknown`].
    #[error("cannot decode the response: {message}")]
    Decode {
        /// Why it does not match.
        message: String,
        /// The body as received.
        body: RawBody,
    },
}

pub use crate::runtime::TransportError;

impl Error {
    fn class(&self) -> Class<'_> {
        match self {
            Error::InvalidRequest(_) => Class::NotSent,
            Error::Validation(_) => Class::Refused {
                status: Some(StatusCode::BAD_REQUEST),
            },
            Error::Unauthorized => Class::Refused {
                status: Some(StatusCode::UNAUTHORIZED),
            },
            Error::NotFound => Class::Refused {
                status: Some(StatusCode::NOT_FOUND),
            },
            Error::RefundRejected => Class::Refused {
                status: Some(StatusCode::FAILED_DEPENDENCY),
            },
            Error::Status {
                status,
                retry_after,
            } => Class::Status {
                status: *status,
                retry_after: *retry_after,
            },
            Error::Transport(error) => Class::Transport(error),
            Error::Decode { .. } => Class::Undecodable,
        }
    }
}

classified!(Error);

fn summary(errors: &BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(path, messages)| format!("{path}: {}", messages.join("; ")))
        .collect::<Vec<_>>()
        .join(", ")
}
