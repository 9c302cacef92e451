//! The one error type of the Puzzel Pay client.

use std::collections::BTreeMap;

use reqwest::StatusCode;

/// Everything a Puzzel Pay call can fail with.
#[derive(Debug, thiserror::Error)]
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
    },
    /// The exchange failed below the API.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A success response whose body does not match the spec.
    #[error("cannot decode the response: {0}")]
    Decode(String),
}

pub use crate::http::TransportError;

fn summary(errors: &BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(path, messages)| format!("{path}: {}", messages.join("; ")))
        .collect::<Vec<_>>()
        .join(", ")
}
