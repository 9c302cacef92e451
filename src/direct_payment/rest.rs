//! The REST transport: hooks of the generated client, and its calls.

use progenitor_client::{ByteStream, ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::generated::rest::{Client as RestClient, types};
use super::{Error, ErrorCode, TransportError};
use crate::http::{limit_body, prepare, read_stream};

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
        let response = self.client().execute(request).await?;
        tracing::debug!(
            operation = info.operation_id,
            status = response.status().as_u16(),
            "Direct Payment REST response"
        );
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}

/// The error of a generated REST call, decoded: a `DirectPaymentFault` body
/// becomes [`Error::Fault`]; any other error body keeps only its status.
pub(super) async fn rest_error(error: progenitor_client::Error<ByteStream>, limit: usize) -> Error {
    use progenitor_client::Error as Generated;
    match error {
        Generated::InvalidRequest(message) => Error::InvalidRequest(message),
        Generated::CommunicationError(e)
        | Generated::InvalidUpgrade(e)
        | Generated::ResponseBodyError(e) => Error::Transport(TransportError::Http(e)),
        Generated::InvalidResponsePayload(_, e) => Error::Decode(e.to_string()),
        Generated::UnexpectedResponse(response) => {
            Error::Transport(TransportError::UnexpectedResponse {
                status: response.status(),
                content_type: content_type(response.headers()),
            })
        }
        Generated::ErrorResponse(response) => fault_or_transport(response, limit).await,
        Generated::Custom(message) => Error::InvalidRequest(message),
    }
}

fn content_type(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn fault_or_transport(response: ResponseValue<ByteStream>, limit: usize) -> Error {
    let status = response.status();
    let content_type = content_type(response.headers());
    let unexpected = || {
        Error::Transport(TransportError::UnexpectedResponse {
            status,
            content_type: content_type.clone(),
        })
    };
    let body = match read_stream(response.into_inner(), limit).await {
        Ok(Some(body)) => body,
        Ok(None) => return Error::Transport(TransportError::TooLarge { limit }),
        Err(e) => return Error::Transport(TransportError::Http(e)),
    };
    match serde_json::from_slice::<types::DirectPaymentFault>(&body) {
        Ok(fault) => Error::Fault {
            code: ErrorCode::try_from(fault.code).unwrap_or(ErrorCode::Unknown(fault.code)),
            description: fault.description,
            status: Some(status),
            soap_fault_code: None,
        },
        Err(_) => unexpected(),
    }
}
