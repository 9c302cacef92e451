//! What an error status of the REST interface means: a `DirectPaymentFault`
//! body, or not Direct Payment talking.

use super::generated::rest::types;
use super::{Error, ErrorCode};
use crate::runtime::{ErrorAnswer, from_generated};

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
            Err(_) => Error::Transport(answer.not_the_provider()),
        }
    }
}

from_generated!(Error {
    invalid: InvalidRequest
});
