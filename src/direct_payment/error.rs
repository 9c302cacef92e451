//! The one error type of the Direct Payment client, over both transports.

use reqwest::StatusCode;

use super::generated::rest::operations::OUTCOME_UNKNOWN_CODES;
use crate::runtime::soap::SoapError;
use crate::runtime::{Class, DecodeError, TransportError, classified};

pub use super::generated::rest::types::ErrorCode;

impl ErrorCode {
    /// The HTTP status the REST interface answers this code with.
    pub fn http_status(&self) -> Option<StatusCode> {
        let code = match self {
            Self::Unauthorized => 401,
            Self::Validation | Self::InvalidMsisdn => 400,
            Self::NotFound => 404,
            Self::Internal => 500,
            Self::Forbidden | Self::MsisdnBarred => 403,
            Self::ThirdParty
            | Self::FinancialFailure
            | Self::ThirdPartySystem
            | Self::Expired
            | Self::MnoError
            | Self::UserMnoError => 424,
            Self::Unknown(_) => return None,
        };
        StatusCode::from_u16(code).ok()
    }
}

/// Everything a Direct Payment call can fail with, on either transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a documented rule (price range, age, MSISDN, a
    /// length) and was not sent.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),
    /// The operation or a field of it does not exist on this transport.
    #[error("{what} is not available over {transport}")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// The configured transport.
        transport: super::Transport,
    },
    /// Direct Payment refused the request with a `DirectPaymentFault`.
    #[error("Direct Payment fault {code:?} ({}): {description}", code.value())]
    Fault {
        /// The error code.
        code: ErrorCode,
        /// The provider's description.
        description: String,
        /// The HTTP status it came with.
        status: Option<StatusCode>,
        /// The SOAP `faultcode` local name (e.g. `BadRequest`), over SOAP.
        soap_fault_code: Option<String>,
    },
    /// A SOAP fault without a `DirectPaymentFault` detail.
    #[error("SOAP fault {code}: {message}")]
    SoapFault {
        /// `faultcode`, with its namespace.
        code: String,
        /// `faultstring`.
        message: String,
    },
    /// The exchange failed below the API: no connection, a timeout, a body
    /// over the size limit, or an error response that is not from Direct
    /// Payment (an HTML error page of a proxy, say).
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A SOAP response that breaks the limits or is not a valid envelope.
    #[error(transparent)]
    Soap(SoapError),
    /// A REST answer that breaks the spec: a charge may well have been
    /// made; see [`Error::is_outcome_unknown`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Direct Payment records the payment under the ClientReference as not
    /// paid (`PaymentStatus` NotPaid): a resolution's "nothing was charged".
    #[error("Direct Payment records the payment as not paid")]
    NotPaid,
    /// Direct Payment still records the payment as paid: a reversal is not
    /// recorded (yet).
    #[error("Direct Payment records the payment as paid, not reversed")]
    NotReversed,
}

impl Error {
    fn class(&self) -> Class<'_> {
        match self {
            Error::InvalidRequest(_) | Error::Unsupported { .. } => Class::NotSent,
            // Puzzel's internal error says nothing of what was done.
            Error::Fault {
                code: ErrorCode::Internal,
                status,
                ..
            } => Class::Status {
                status: status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                retry_after: None,
            },
            // A failure behind Puzzel that may come after the charge (the
            // spec's `x-nordpay-error-codes` says which).
            Error::Fault { code, status, .. } if OUTCOME_UNKNOWN_CODES.contains(&code.value()) => {
                Class::Unknown { status: *status }
            }
            Error::Fault { status, .. } => Class::Refused { status: *status },
            Error::NotPaid | Error::NotReversed => Class::Refused { status: None },
            Error::SoapFault { .. } => Class::Status {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                retry_after: None,
            },
            Error::Transport(error) => Class::Transport(error),
            // An envelope over the limits or malformed: a success may hide in it.
            Error::Soap(_) | Error::Decode(_) => Class::Undecodable,
        }
    }

    /// The Direct Payment error code as a number, for [`Error::Fault`].
    pub fn provider_code(&self) -> Option<i32> {
        self.code().map(|code| code.value())
    }

    /// The Direct Payment error code, for [`Error::Fault`].
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Fault { code, .. } => Some(*code),
            _ => None,
        }
    }
}

classified!(Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_status() {
        let expected = [
            (1, 401),
            (2, 400),
            (3, 404),
            (4, 424),
            (5, 500),
            (6, 403),
            (7, 403),
            (8, 424),
            (9, 424),
            (10, 424),
            (11, 424),
            (12, 424),
            (13, 400),
        ];
        for (code, status) in expected {
            let code = ErrorCode::try_from(code).unwrap();
            assert_eq!(
                code.http_status().map(|s| s.as_u16()),
                Some(status),
                "{code:?}"
            );
        }
        let unknown: ErrorCode = serde_json::from_str("99").unwrap();
        assert_eq!(unknown, ErrorCode::Unknown(99));
        assert_eq!(unknown.http_status(), None);
    }
}
