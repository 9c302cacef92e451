//! What an error status of the REST interface means: a `DirectPaymentFault`
//! body, or not Direct Payment talking.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use super::generated::rest::types;
use super::{Error, ErrorCode};
use crate::runtime::{ApiError, TransportError, retry_after};

impl ApiError for Error {
    fn not_sent(message: String, _credentials: bool) -> Self {
        Error::InvalidRequest(message)
    }

    /// A `DirectPaymentFault` body becomes [`Error::Fault`]; any other error
    /// body keeps only its status.
    fn from_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        match serde_json::from_slice::<types::DirectPaymentFault>(body) {
            Ok(fault) => Error::Fault {
                code: ErrorCode::from_wire(fault.code),
                description: fault.description,
                status: Some(status),
                soap_fault_code: None,
            },
            Err(_) => Error::Transport(TransportError::UnexpectedResponse {
                status,
                content_type: headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                retry_after: retry_after(headers),
            }),
        }
    }
}
