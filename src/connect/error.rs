//! The one error type of the CONNECT Payment client.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::runtime::{
    CallFailure, Class, DecodeError, RawBody, TransportError, call_failure, classified, retry_after,
};

use super::generated::types::ErrorModel;

/// Everything a CONNECT Payment call can fail with.
///
/// Convert the generated client's error with `?`:
/// `client.get_transaction().transaction_id(id).send().await?` in a function
/// returning `Result<_, nordpay::connect::Error>`.
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
    Transport(#[source] TransportError),
    /// A transaction or agreement that does not match the spec: it may
    /// well exist; see [`Error::is_outcome_unknown`].
    #[error(transparent)]
    Decode(DecodeError),
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

impl From<progenitor_client::Error<ErrorModel>> for Error {
    fn from(error: progenitor_client::Error<ErrorModel>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => Error::InvalidRequest(message),
            Generated::CommunicationError(error)
            | Generated::InvalidUpgrade(error)
            | Generated::ResponseBodyError(error) => match call_failure(error) {
                CallFailure::Credentials(message) => Error::Auth(message),
                CallFailure::Transport(error) => Error::Transport(error),
            },
            Generated::ErrorResponse(response) => Error::Api {
                status: response.status(),
                retry_after: retry_after(response.headers()),
                body: response.into_inner().into(),
            },
            Generated::InvalidResponsePayload(body, source) => Error::Decode(DecodeError {
                message: source.to_string(),
                body: Some(RawBody::new(body)),
            }),
            Generated::UnexpectedResponse(response) => Error::UnexpectedStatus {
                status: response.status(),
            },
            // The runtime raises no custom errors; keep the message.
            Generated::Custom(message) => Error::Auth(message),
        }
    }
}
