//! The REST transport: hooks of the generated client, and its calls.

use progenitor_client::{ByteStream, ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::generated::rest::{Client as RestClient, types};
use super::{Error, ErrorCode, TransportError};
use crate::http::{Failure, execute, limit_body, prepare};

/// What every REST request carries: the Basic credentials and the size limit.
/// progenitor's "inner type".
#[derive(Clone)]
pub struct RestContext {
    authorization: HeaderValue,
    max_response_bytes: usize,
}

impl std::fmt::Debug for RestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestContext")
            .field("authorization", &"[redacted]")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl RestContext {
    pub(super) fn new(authorization: HeaderValue, max_response_bytes: usize) -> Self {
        Self {
            authorization,
            max_response_bytes,
        }
    }
}

impl ClientHooks<RestContext> for RestClient {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let authorization = self.inner().authorization.clone();
        prepare(request, authorization, "direct_payment", info.operation_id);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = execute(self.client(), request, "direct_payment", info.operation_id).await?;
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}

/// The error of a generated REST call, decoded: a `DirectPaymentFault` body
/// becomes [`Error::Fault`]; any other error body keeps only its status.
pub(super) async fn rest_error(error: progenitor_client::Error<ByteStream>, limit: usize) -> Error {
    match Failure::of(error, limit).await {
        Failure::InvalidRequest(message) | Failure::Hook(message) => Error::InvalidRequest(message),
        Failure::Transport(e) => Error::Transport(TransportError::Http(e)),
        Failure::TooLarge(limit) => Error::Transport(TransportError::TooLarge { limit }),
        Failure::Decode(message) => Error::Decode(message),
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
            }),
        },
    }
}
