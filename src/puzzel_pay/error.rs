//! The one error type of the Puzzel Pay client.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use super::{operations, types};
use crate::runtime::{
    Class, DecodeError, ErrorAnswer, StatusError, TransportError, classified, from_generated,
};

/// Everything a Puzzel Pay call can fail with.
///
/// What every request builder's `send()` returns: no conversion needed, and
/// no response body or URL in its `Display` or `Debug`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a rule of the spec (an empty reference, a malformed
    /// MSISDN, more than 250 recipients, two with one reference) and was not sent.
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
    /// A status the docs do not give Puzzel Pay.
    #[error("Puzzel Pay answered {0}")]
    Status(StatusError),
    /// No answer from Puzzel Pay.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A batch or status that breaks the spec: a batch may well have been
    /// sent; see [`Error::is_outcome_unknown`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

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
            Error::Status(error) => Class::of_status(error),
            Error::Transport(error) => Class::Transport(error),
            Error::Decode(_) => Class::Undecodable,
        }
    }
}

classified!(Error);

impl Error {
    /// An error status: validation errors, or what the status alone says.
    pub(crate) fn from_answer(answer: ErrorAnswer<'_>) -> Self {
        let status = answer.status;
        let validation = (status == StatusCode::BAD_REQUEST)
            .then(|| serde_json::from_slice::<types::BatchResponse>(answer.body).ok())
            .flatten()
            .and_then(|answer| answer.validation_errors);
        if answer.is_page() {
            return Error::Transport(answer.not_the_provider());
        }
        match (validation, status.as_u16()) {
            (Some(errors), _) => Error::Validation(errors),
            (None, 401) => Error::Unauthorized,
            // Puzzel Pay's own 404 has no body, or a JSON one; an HTML page
            // is a proxy's, which says nothing of the batch.
            (None, 404) if answer.body.is_empty() || is_json(answer.content_type()) => {
                Error::NotFound
            }
            (None, 404) => Error::Transport(answer.not_the_provider()),
            // Documented for refunds only.
            (None, 424) if answer.operation == Some(&operations::REFUND_RECIPIENT) => {
                Error::RefundRejected
            }
            _ => Error::Status(StatusError {
                status,
                retry_after: answer.retry_after(),
            }),
        }
    }
}

/// Whether a Content-Type is JSON (`application/json` or a vendor `+json` type).
fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
    })
}

from_generated!(Error {
    invalid: InvalidRequest
});

fn summary(errors: &BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(path, messages)| format!("{path}: {}", messages.join("; ")))
        .collect::<Vec<_>>()
        .join(", ")
}
