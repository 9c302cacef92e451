//! The REST transport's errors: a `DirectPaymentFault` body, or not the API talking.

use progenitor_client::ByteStream;
use reqwest::header::CONTENT_TYPE;

use super::generated::rest::types;
use super::{Error, ErrorCode};
use crate::runtime::{Failure, RawBody, TransportError, retry_after};

/// The error of a generated REST call, decoded: a `DirectPaymentFault` body
/// becomes [`Error::Fault`]; any other error body keeps only its status.
pub(super) async fn rest_error(error: progenitor_client::Error<ByteStream>) -> Error {
    match Failure::of(error).await {
        Failure::InvalidRequest(message) | Failure::Credentials(message) => {
            Error::InvalidRequest(message)
        }
        Failure::Transport(e) => Error::Transport(e),
        Failure::Decode { message, body } => Error::Decode {
            message,
            body: Some(RawBody::new(body)),
        },
        Failure::Status {
            status,
            headers,
            body,
        } => match serde_json::from_slice::<types::DirectPaymentFault>(&body) {
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
                retry_after: retry_after(&headers),
            }),
        },
    }
}
