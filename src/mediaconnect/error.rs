//! The one error type of the Mediaconnect client.

use std::time::Duration;

use reqwest::StatusCode;

use super::types;
use crate::runtime::{
    Class, DecodeError, ErrorAnswer, StatusError, TransportError, classified, from_generated,
};

/// Everything a Mediaconnect call can fail with.
///
/// What every request builder's `send()` returns: no conversion needed, and
/// no response body or URL in its `Display` or `Debug`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// Another error status, or an error body of neither Mediaconnect shape.
    #[error("Mediaconnect answered {0}")]
    Status(StatusError),
    /// No answer from Mediaconnect.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// Payment methods, invoices or a started payment that break the spec:
    /// a payment may well have started; see [`Error::is_outcome_unknown`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Mediaconnect lists the invoice neither among the unpaid ones nor
    /// among all of the product's: whether it was paid cannot be told.
    #[error("Mediaconnect lists no such invoice")]
    InvoiceNotListed,
}

impl Error {
    fn class(&self) -> Class<'_> {
        match self {
            Error::InvalidRequest(_) | Error::Auth(_) => Class::NotSent,
            Error::Api { status, .. } if status.is_server_error() => Class::Status {
                status: *status,
                retry_after: None,
            },
            Error::Api { status, .. } | Error::OAuth { status, .. } => Class::Refused {
                status: Some(*status),
            },
            Error::RateLimited { retry_after } => Class::Status {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after: *retry_after,
            },
            Error::Status(error) => Class::of_status(error),
            Error::Transport(error) => Class::Transport(error),
            Error::Decode(_) => Class::Undecodable,
            Error::InvoiceNotListed => Class::Refused { status: None },
        }
    }

    /// The provider's error: the exception type of an API error, or the
    /// OAuth error code.
    pub fn provider_code(&self) -> Option<&str> {
        match self {
            Error::Api { exception_type, .. } => exception_type.as_deref(),
            Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }
}

classified!(Error);

impl Error {
    /// An error status: 429, an OAuth error, an API error, or none of them.
    pub(crate) fn from_answer(answer: ErrorAnswer<'_>) -> Self {
        let (status, retry_after) = (answer.status, answer.retry_after());
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Error::RateLimited { retry_after };
        }
        if answer.is_page() {
            return Error::Transport(answer.not_the_provider());
        }
        if let Ok(oauth) = serde_json::from_slice::<types::OAuthError>(answer.body)
            && let Some(error) = oauth.error
        {
            return Error::OAuth {
                status,
                error,
                description: oauth.error_description,
            };
        }
        match serde_json::from_slice::<types::ApiError>(answer.body) {
            Ok(api) if api.exception_type.is_some() || api.error_message.is_some() => Error::Api {
                status,
                exception_type: api.exception_type,
                message: api.error_message,
            },
            _ => Error::Status(StatusError {
                status,
                retry_after,
            }),
        }
    }
}

from_generated!(Error {
    invalid: InvalidRequest,
    credentials: Auth
});
