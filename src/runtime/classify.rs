//! The questions every API's error answers, written once: each error says
//! what kind of failure it is ([`Class`]); the answers follow from that.

use std::time::Duration;

use reqwest::StatusCode;

use super::error::{TransportError, retryable_status};

/// What kind of failure an API error is.
pub(crate) enum Class<'a> {
    /// Refused before anything was sent (bad input, no credentials).
    NotSent,
    /// The exchange failed.
    Transport(&'a TransportError),
    /// The API answered with an error status.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    /// The provider refused with a definitive answer (a typed fault): it
    /// did not do what was asked, and the same request would fail again.
    Refused { status: Option<StatusCode> },
    /// A success status whose body could not be decoded: the operation may
    /// well have succeeded.
    Undecodable,
    /// The provider answered with an error that does not say whether the
    /// operation was done (a failure of a system behind it, say).
    Unknown { status: Option<StatusCode> },
}

impl Class<'_> {
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Class::NotSent | Class::Undecodable | Class::Refused { .. } | Class::Unknown { .. } => {
                false
            }
            Class::Transport(error) => error.is_retryable(),
            Class::Status { status, .. } => retryable_status(*status),
        }
    }

    pub(crate) fn is_outcome_unknown(&self) -> bool {
        match self {
            Class::NotSent | Class::Refused { .. } => false,
            Class::Undecodable | Class::Unknown { .. } => true,
            Class::Transport(error) => error.is_outcome_unknown(),
            // 429 refuses before doing anything; other 5xx say nothing.
            Class::Status { status, .. } => status.is_server_error(),
        }
    }

    /// Nothing reached the provider: refused before sending, or no
    /// connection was made.
    pub(crate) fn never_sent(&self) -> bool {
        match self {
            Class::NotSent => true,
            Class::Transport(error) => matches!(
                error,
                TransportError::Connect { .. }
                    | TransportError::Client { .. }
                    | TransportError::DeadlineExceeded { sent: false, .. }
            ),
            _ => false,
        }
    }

    /// A status error as the API's error.
    pub(crate) fn of_status(error: &super::StatusError) -> Self {
        Class::Status {
            status: error.status,
            retry_after: error.retry_after,
        }
    }

    pub(crate) fn status(&self) -> Option<StatusCode> {
        match self {
            Class::Transport(error) => error.status(),
            Class::Status { status, .. } => Some(*status),
            Class::Refused { status } | Class::Unknown { status } => *status,
            Class::NotSent | Class::Undecodable => None,
        }
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Class::Transport(error) => error.retry_after(),
            Class::Status { retry_after, .. } => *retry_after,
            Class::NotSent | Class::Undecodable | Class::Refused { .. } | Class::Unknown { .. } => {
                None
            }
        }
    }
}

/// The classification methods of an API's error type, which has a private
/// `fn class(&self) -> Class<'_>`.
macro_rules! classified {
    ($error:ty) => {
        impl $error {
            /// Trying again later may succeed: a connection failure, a
            /// timeout, 429, 502, 503 or 504. Whether *sending again* is
            /// safe also depends on the operation: see
            /// [`Error::is_outcome_unknown`](Self::is_outcome_unknown).
            pub fn is_retryable(&self) -> bool {
                self.class().is_retryable()
            }

            /// The request may have reached the provider and no definitive
            /// answer came back (a timeout or connection loss after sending,
            /// a 5xx, a success that could not be decoded). For an operation
            /// that moves money, resolve it with the provider's lookup
            /// before doing anything else.
            pub fn is_outcome_unknown(&self) -> bool {
                self.class().is_outcome_unknown()
            }

            /// The HTTP status, if the server answered.
            pub fn status(&self) -> Option<reqwest::StatusCode> {
                self.class().status()
            }

            /// The server's `Retry-After`, if it sent one.
            pub fn retry_after(&self) -> Option<std::time::Duration> {
                self.class().retry_after()
            }
        }

        impl $crate::runtime::Classified for $error {
            fn retryable(&self) -> bool {
                self.class().is_retryable()
            }

            fn outcome_unknown(&self) -> bool {
                self.class().is_outcome_unknown()
            }

            fn never_sent(&self) -> bool {
                self.class().never_sent()
            }
        }
    };
}
pub(crate) use classified;
