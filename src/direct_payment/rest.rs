//! What an error status of the REST interface means: a `DirectPaymentFault`
//! body, or not Direct Payment talking.

use reqwest::header::CONTENT_TYPE;

use super::generated::rest::types;
use super::{Error, ErrorCode};
use crate::runtime::{ErrorAnswer, TransportError, from_generated};

impl Error {
    /// A `DirectPaymentFault` body becomes [`Error::Fault`]; any other error
    /// body keeps only its status.
    pub(crate) fn from_answer(answer: ErrorAnswer<'_>) -> Self {
        match serde_json::from_slice::<types::DirectPaymentFault>(answer.body) {
            Ok(fault) => Error::Fault {
                code: ErrorCode::from_wire(fault.code),
                description: fault.description,
                status: Some(answer.status),
                soap_fault_code: None,
            },
            Err(_) => Error::Transport(TransportError::UnexpectedResponse {
                status: answer.status,
                content_type: answer
                    .headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                retry_after: answer.retry_after(),
            }),
        }
    }
}

from_generated!(Error {
    invalid: InvalidRequest
});
