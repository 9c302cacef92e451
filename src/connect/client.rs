//! Building a [`Client`] and the hooks every request passes through.

use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

use super::generated::{Client, types::ErrorModel};
use super::{Auth, Environment, Error};
use crate::http::{HttpOptions, execute, limit_body, prepare, rebuild};

/// What every request of a [`Client`] carries besides the HTTP client: the
/// credentials and the limits. progenitor's "inner type".
#[derive(Clone, Debug)]
pub struct ClientContext {
    auth: Auth,
    max_response_bytes: usize,
}

/// Responses larger than this fail instead of filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// The default overall timeout of a request.
pub const DEFAULT_TIMEOUT: Duration = crate::http::DEFAULT_TIMEOUT;

/// Builds a [`Client`]; start from [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    environment: Environment,
    auth: Auth,
    options: HttpOptions,
}

impl Client {
    /// A client for `environment` that authenticates with `auth`.
    ///
    /// ```
    /// use nordpay::connect::{Auth, Client, Environment};
    ///
    /// let client = Client::builder(Environment::Staging, Auth::api_key("your-api-key"))
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn builder(environment: Environment, auth: Auth) -> ClientBuilder {
        ClientBuilder {
            environment,
            auth,
            options: HttpOptions::new(DEFAULT_MAX_RESPONSE_BYTES),
        }
    }
}

impl ClientBuilder {
    /// Use your own `reqwest::Client` (proxies, TLS roots, connection pool).
    /// Its own timeouts then apply instead of [`ClientBuilder::timeout`].
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.options.http = Some(http);
        self
    }

    /// Overall timeout of each request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// Largest response body accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.options.max_response_bytes = limit;
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let http = self
            .options
            .client()
            .map_err(|e| Error::Config(e.to_string()))?;
        let context = ClientContext {
            auth: self.auth,
            max_response_bytes: self.options.max_response_bytes,
        };
        Ok(Client::new_with_client(
            &self.environment.base_url(),
            http,
            context,
        ))
    }
}

impl ClientHooks<ClientContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let authorization = self
            .inner()
            .auth
            .authorization()
            .await
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?;
        prepare(request, authorization, "connect", info.operation_id);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = execute(self.client(), request, "connect", info.operation_id).await?;
        let limit = self.inner().max_response_bytes;
        if response.status().is_client_error() || response.status().is_server_error() {
            fold_error_body(response, limit).await
        } else {
            Ok(limit_body(response, limit))
        }
    }
}

/// Error responses are decoded as [`ErrorModel`], but CONNECT also answers
/// with plain text ("connectId cannot be null") or nothing at all. Keep a body
/// that is an `ErrorModel`; otherwise carry its text as `errorMessage`.
async fn fold_error_body(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break; // the rest is dropped: an error message needs no more
        }
    }
    let folded = if serde_json::from_slice::<ErrorModel>(&body).is_ok() {
        Bytes::from(body)
    } else {
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        let message = (!text.is_empty()).then_some(text);
        Bytes::from(serde_json::json!({ "errorMessage": message }).to_string())
    };
    let url = response.url().clone();
    let (mut parts, _) = http::Response::<reqwest::Body>::from(response).into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(rebuild(parts, url, reqwest::Body::from(folded)))
}
