//! What can go wrong below an API: the exchange itself.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use super::RawBody;

/// A failure of the exchange below the API, shared by all four clients.
///
/// Never contains a URL, a header value or a body: Direct Payment paths
/// carry MSISDNs and client references, CONNECT queries carry connect IDs.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made; nothing was sent.
    #[error("could not connect: {}", chain(source))]
    Connect {
        /// reqwest's error, without its URL.
        source: Arc<reqwest::Error>,
    },
    /// One attempt got no complete answer within its timeout; the request
    /// may have reached the provider.
    #[error("no complete answer within {timeout:?}")]
    Timeout {
        /// The attempt timeout that passed.
        timeout: Duration,
    },
    /// The operation's deadline passed.
    #[error("the operation's deadline of {deadline:?} passed{}", if *.sent { "" } else { " before anything was sent" })]
    DeadlineExceeded {
        /// The deadline.
        deadline: Duration,
        /// Whether a request had been sent (its outcome is then unknown).
        sent: bool,
    },
    /// The connection failed after it was made; the request may have
    /// reached the provider.
    #[error("the exchange failed: {}", chain(source))]
    Io {
        /// reqwest's error, without its URL.
        source: Arc<reqwest::Error>,
    },
    /// The server answered with a redirect, or your `reqwest::Client`
    /// followed one to another origin. nordpay follows none: a request's
    /// credentials must not travel to whatever a `Location` names. What the
    /// server did with the request is unknown (a gateway may redirect after
    /// the provider acted), so its outcome is unknown.
    #[error("refused a redirect (HTTP {status})")]
    Redirected {
        /// The status of the answer that was refused.
        status: StatusCode,
    },
    /// The response body is over the configured limit.
    #[error("the response body is over the {limit}-byte limit (HTTP {status})")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The status of the answer.
        status: StatusCode,
    },
    /// An error status whose body is not the API's error (an HTML page of a
    /// proxy, say). Its outcome is unknown (except for 429): it is no
    /// evidence of what the provider did.
    #[error("HTTP {status} with a {} body that is not the API's error", content_type.as_deref().unwrap_or("typeless"))]
    UnexpectedResponse {
        /// The HTTP status.
        status: StatusCode,
        /// Its Content-Type.
        content_type: Option<String>,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// nordpay's HTTP client could not be built.
    #[error("cannot build the HTTP client: {}", chain(source))]
    Client {
        /// reqwest's error.
        source: Arc<reqwest::Error>,
    },
}

/// An error and its causes on one line.
fn chain(error: &Arc<reqwest::Error>) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error.as_ref());
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl TransportError {
    /// A reqwest failure that carries no runtime failure.
    pub(crate) fn from_plain_reqwest(error: reqwest::Error) -> Self {
        let connect = error.is_connect();
        let source = Arc::new(error.without_url());
        if connect {
            TransportError::Connect { source }
        } else {
            TransportError::Io { source }
        }
    }

    /// Trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Connect { .. }
            | TransportError::Timeout { .. }
            | TransportError::DeadlineExceeded { .. }
            | TransportError::Io { .. } => true,
            TransportError::UnexpectedResponse { status, .. } => retryable_status(*status),
            TransportError::Redirected { .. }
            | TransportError::TooLarge { .. }
            | TransportError::Client { .. } => false,
        }
    }

    /// The request may have reached the provider and no definitive answer
    /// came back.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            TransportError::Timeout { .. }
            | TransportError::Io { .. }
            | TransportError::Redirected { .. } => true,
            TransportError::DeadlineExceeded { sent, .. } => *sent,
            TransportError::TooLarge { status, .. } => !status.is_client_error(),
            // Not the provider's own error (a proxy's page, a gateway's):
            // no evidence of what the provider did, unless it says "not
            // now" (429), which refuses before doing anything.
            TransportError::UnexpectedResponse { status, .. } => {
                *status != StatusCode::TOO_MANY_REQUESTS
            }
            TransportError::Connect { .. } | TransportError::Client { .. } => false,
        }
    }

    /// A short name of the failure's kind (`timeout`, `connect`), as
    /// OpenTelemetry's `error.type` takes it.
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::Connect { .. } => "connect",
            TransportError::Timeout { .. } => "timeout",
            TransportError::DeadlineExceeded { .. } => "deadline_exceeded",
            TransportError::Io { .. } => "io",
            TransportError::Redirected { .. } => "redirected",
            TransportError::TooLarge { .. } => "too_large",
            TransportError::UnexpectedResponse { .. } => "unexpected_response",
            TransportError::Client { .. } => "client",
        }
    }

    /// The HTTP status, if a server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            TransportError::Redirected { status }
            | TransportError::TooLarge { status, .. }
            | TransportError::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TransportError::UnexpectedResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A success response whose body does not match the spec. The call may well
/// have succeeded: the error's `is_outcome_unknown()` says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode the response: {message}")]
pub struct DecodeError {
    /// Why it does not match.
    pub message: String,
    /// The body as received (at most the size limit), where it was kept.
    pub body: Option<RawBody>,
}

impl DecodeError {
    /// Why a JSON body does not match, without the value that broke it:
    /// serde names it (`invalid type: string "+4798765432", expected u64`),
    /// and values carry personal data. Field names and the expected type stay.
    pub(crate) fn describe(error: &serde_json::Error) -> String {
        let text = error.to_string();
        for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
            if let Some(rest) = text.strip_prefix(prefix) {
                // `string "…"`, `integer `…``: keep the kind, drop the value.
                let head = match rest.split([' ', ',']).next() {
                    Some(kind) if !prefix.starts_with("unknown") => format!("{prefix}{kind}"),
                    _ => prefix.trim_end().to_string(),
                };
                let expected = rest.find(", expected").map_or("", |at| &rest[at..]);
                return format!("{head}{expected}");
            }
        }
        text
    }
}

/// An error status the API's error shapes do not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status}")]
pub struct StatusError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The server's `Retry-After`, if it sent one.
    pub retry_after: Option<Duration>,
}

/// 429 and the 5xx statuses that say "not now": a later attempt may succeed.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Why a call through the runtime produced no success.
#[derive(Debug, Clone)]
pub(crate) enum CallFailure {
    /// The request breaks a rule of its spec; nothing was sent.
    Invalid(String),
    /// No credentials could be had; nothing was sent.
    Credentials(String),
    /// The exchange failed.
    Transport(TransportError),
    /// An error status, with its headers and whole (capped) body: each API
    /// says what it means.
    Status {
        operation: &'static super::Operation,
        status: StatusCode,
        headers: reqwest::header::HeaderMap,
        body: bytes::Bytes,
    },
}

impl From<TransportError> for CallFailure {
    fn from(error: TransportError) -> Self {
        CallFailure::Transport(error)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_decode_error_names_the_field_and_type_but_not_the_value() {
        let describe = |json: &str| {
            #[derive(Debug, serde::Deserialize)]
            #[allow(dead_code)]
            struct Payment {
                amount: u64,
                state: State,
                id: String,
            }
            #[derive(Debug, serde::Deserialize)]
            enum State {
                Paid,
            }
            DecodeError::describe(&serde_json::from_str::<Payment>(json).unwrap_err())
        };
        let cases = [
            (
                r#"{"amount": "+4798765432", "state": "Paid", "id": "x"}"#,
                "invalid type: string, expected u64",
            ),
            (
                r#"{"amount": -4798765432, "state": "Paid", "id": "x"}"#,
                "invalid value: integer, expected u64",
            ),
            (
                r#"{"amount": 1, "state": "cref-4798765432", "id": "x"}"#,
                "unknown variant, expected `Paid`",
            ),
            (r#"{"amount": 1, "state": "Paid"}"#, "missing field `id`"),
        ];
        for (json, expected) in cases {
            let message = describe(json);
            assert!(message.starts_with(expected), "{message}");
            assert!(!message.contains("4798765432"), "{message}");
        }
    }

    use super::*;

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn what_may_have_reached_the_provider_is_outcome_unknown() {
        let unexpected = |code| TransportError::UnexpectedResponse {
            status: status(code),
            content_type: Some("text/html".into()),
            retry_after: None,
        };
        // (error, retryable, outcome unknown)
        let cases = [
            (
                TransportError::Timeout {
                    timeout: Duration::from_secs(1),
                },
                true,
                true,
            ),
            (
                TransportError::DeadlineExceeded {
                    deadline: Duration::from_secs(1),
                    sent: true,
                },
                true,
                true,
            ),
            (
                TransportError::DeadlineExceeded {
                    deadline: Duration::from_secs(1),
                    sent: false,
                },
                true,
                false,
            ),
            (
                TransportError::Redirected {
                    status: status(307),
                },
                false,
                true,
            ),
            (
                TransportError::TooLarge {
                    limit: 1,
                    status: status(200),
                },
                false,
                true,
            ),
            (
                TransportError::TooLarge {
                    limit: 1,
                    status: status(404),
                },
                false,
                false,
            ),
            (unexpected(502), true, true),
            (unexpected(500), false, true),
            (unexpected(429), true, false),
            (unexpected(403), false, true),
        ];
        for (error, retryable, unknown) in cases {
            assert_eq!(error.is_retryable(), retryable, "{error}");
            assert_eq!(error.is_outcome_unknown(), unknown, "{error}");
        }
    }
}
