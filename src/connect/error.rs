//! The one error type of the CONNECT Payment client.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::runtime::{Class, DecodeError, ErrorAnswer, TransportError, classified, from_generated};

use super::generated::types::ErrorModel;

/// Everything a CONNECT Payment call can fail with.
///
/// What every request builder's `send()` returns: no conversion needed, and
/// no response body or URL in its `Display` or `Debug`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request broke a rule of the spec (a length limit, a required
    /// field) and was not sent.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),
    /// No `Authorization` header could be made (a bad key, a failing token
    /// source); nothing was sent.
    #[error("authentication: {0}")]
    Auth(String),
    /// CONNECT Payment answered with an error status.
    #[error("CONNECT Payment answered {status}: {body}")]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The error body, as far as the provider sent one.
        body: ProviderError,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// A status the spec does not describe (neither success nor error).
    #[error("CONNECT Payment answered with unexpected status {status}")]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
    },
    /// The exchange failed below the API (connection, timeout, deadline, a
    /// redirect, a body over the size limit).
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A transaction or agreement that does not match the spec: it may
    /// well exist; see [`Error::is_outcome_unknown`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A resolution's lookup: CONNECT lists no such transaction (a refund
    /// or an orderId) under the owner it was looked for by.
    #[error("CONNECT lists no {0}")]
    NotListed(&'static str),
}

impl Error {
    fn class(&self) -> Class<'_> {
        match self {
            Error::InvalidRequest(_) | Error::Auth(_) => Class::NotSent,
            Error::Api {
                status,
                retry_after,
                ..
            } => Class::Status {
                status: *status,
                retry_after: *retry_after,
            },
            Error::UnexpectedStatus { status } => Class::Status {
                status: *status,
                retry_after: None,
            },
            Error::Transport(error) => Class::Transport(error),
            Error::Decode(_) => Class::Undecodable,
            Error::NotListed(_) => Class::Refused { status: None },
        }
    }

    /// The provider's error body, for [`Error::Api`].
    pub fn provider_error(&self) -> Option<&ProviderError> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The provider's error code (`errorCode`), if it sent one.
    pub fn provider_code(&self) -> Option<&str> {
        self.provider_error()?.code.as_deref()
    }
}

classified!(Error);

/// The error body of CONNECT Payment: `{errorNamespace, errorCode, errorMessage}`.
///
/// A plain-text error body (such as "connectId cannot be null") arrives as
/// `message`; an empty one leaves every field `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderError {
    /// e.g. `telenordigital.payment`. The literal string "null" the 401 body
    /// sends is read as `None`.
    pub namespace: Option<String>,
    /// The provider's code; no list is published, so it is kept as text.
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
}

impl ProviderError {
    /// An error body: an [`ErrorModel`], or (CONNECT answers plain text
    /// too, "connectId cannot be null") its text as the message. A web page
    /// never gets here ([`ErrorAnswer::is_page`]).
    fn from_body(body: &[u8]) -> Self {
        if let Ok(model) = serde_json::from_slice::<ErrorModel>(body) {
            return model.into();
        }
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        Self {
            message: (!text.is_empty()).then(|| text.to_string()),
            ..Self::default()
        }
    }
}

impl From<ErrorModel> for ProviderError {
    fn from(model: ErrorModel) -> Self {
        let code = match model.error_code {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) => Some(text),
            Some(other) => Some(other.to_string()),
        };
        Self {
            namespace: model.error_namespace.filter(|ns| ns != "null"),
            code,
            message: model.error_message,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(namespace) = &self.namespace {
            parts.push(namespace.clone());
        }
        if let Some(code) = &self.code {
            parts.push(format!("code {code}"));
        }
        if let Some(message) = &self.message {
            parts.push(message.clone());
        }
        if parts.is_empty() {
            f.write_str("(no error body)")
        } else {
            f.write_str(&parts.join(": "))
        }
    }
}

impl Error {
    /// An error status: the error body, whatever shape it came in.
    pub(crate) fn from_answer(answer: ErrorAnswer<'_>) -> Self {
        let status = answer.status;
        if !(status.is_client_error() || status.is_server_error()) {
            return Error::UnexpectedStatus { status };
        }
        if answer.is_page() {
            return Error::Transport(answer.not_the_provider());
        }
        Error::Api {
            status,
            retry_after: answer.retry_after(),
            body: ProviderError::from_body(answer.body),
        }
    }
}

from_generated!(Error {
    invalid: InvalidRequest,
    credentials: Auth
});
