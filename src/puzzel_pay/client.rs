//! The Puzzel Pay client: JWT auth, the vendor media types, checks before
//! sending, and typed errors.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use progenitor_client::{ByteStream, ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::generated::{Client as GeneratedClient, media_types, servers, types};
use super::{Error, TransportError};
use crate::http::{Failure, HttpOptions, execute, limit_body, prepare};

/// Most recipients in one batch. x-nordpay-inferred: the FTP importer splits
/// larger batches, which suggests the same limit for REST.
pub const MAX_RECIPIENTS: usize = 250;
/// Responses larger than this fail instead of filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Where Puzzel Pay lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://instapay.intele.com/api` (from the spec).
    Production,
    /// Another base URL, such as nordpay's sandbox.
    Custom(Url),
}

impl Environment {
    fn base_url(&self) -> String {
        match self {
            Environment::Production => servers::PRODUCTION.to_string(),
            Environment::Custom(url) => url.as_str().trim_end_matches('/').to_string(),
        }
    }
}

/// What every request carries: the JWT and the size limit (progenitor's
/// "inner type"). Never shows the JWT in `Debug`.
#[derive(Clone)]
pub struct ClientContext {
    authorization: HeaderValue,
    max_response_bytes: usize,
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("authorization", &"[redacted]")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientHooks<ClientContext> for GeneratedClient {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        prepare(
            request,
            self.inner().authorization.clone(),
            "puzzel_pay",
            info.operation_id,
        );
        // The spec's vendor media types, which progenitor cannot send itself.
        if let Some((content_type, accept)) = media_types::of(info.operation_id) {
            if let Some(content_type) = content_type {
                request
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            if let Some(accept) = accept {
                request
                    .headers_mut()
                    .insert(ACCEPT, HeaderValue::from_static(accept));
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = execute(self.client(), request, "puzzel_pay", info.operation_id).await?;
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub struct ClientBuilder {
    environment: Environment,
    jwt: SecretString,
    options: HttpOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("jwt", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Use your own `reqwest::Client`; its timeouts then apply.
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
        let http = self.options.client().map_err(TransportError::Http)?;
        let mut authorization =
            HeaderValue::try_from(format!("Bearer {}", self.jwt.expose_secret())).map_err(
                |_| {
                    Error::InvalidRequest("the JWT holds characters not allowed in a header".into())
                },
            )?;
        authorization.set_sensitive(true);
        let context = ClientContext {
            authorization,
            max_response_bytes: self.options.max_response_bytes,
        };
        Ok(Client {
            generated: GeneratedClient::new_with_client(
                &self.environment.base_url(),
                http,
                context,
            ),
            max_response_bytes: self.options.max_response_bytes,
        })
    }
}

/// A Puzzel Pay client.
#[derive(Debug)]
pub struct Client {
    generated: GeneratedClient,
    max_response_bytes: usize,
}

impl Client {
    /// A client of `environment` that authenticates with the `jwt` Puzzel issued.
    pub fn builder(environment: Environment, jwt: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            environment,
            jwt: SecretString::from(jwt.into()),
            options: HttpOptions::new(DEFAULT_MAX_RESPONSE_BYTES),
        }
    }

    /// The generated client, for calls this face does not wrap.
    pub fn generated(&self) -> &GeneratedClient {
        &self.generated
    }

    /// Create a batch: payment requests sent by SMS, or links returned.
    pub async fn create_batch<B>(&self, batch: B) -> Result<types::BatchResponse, Error>
    where
        B: TryInto<types::BatchRequest>,
        B::Error: fmt::Display,
    {
        let batch: types::BatchRequest = batch
            .try_into()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        check_batch(&batch)?;
        let call = self.generated.create_batch().body(batch).send();
        self.finish(call.await, false).await
    }

    /// How far the recipients of a batch have come.
    pub async fn batch_status(&self, batch_reference: &str) -> Result<types::BatchStatus, Error> {
        let reference = reference(batch_reference, "batch reference")?;
        let call = self
            .generated
            .get_batch_status()
            .reference(reference)
            .send();
        self.finish(call.await, false).await
    }

    /// Refund one recipient's payment in full.
    pub async fn refund_recipient(
        &self,
        batch_reference: &str,
        recipient_reference: &str,
    ) -> Result<(), Error> {
        let batch = reference(batch_reference, "batch reference")?;
        let recipient = reference(recipient_reference, "recipient reference")?;
        let call = self
            .generated
            .refund_recipient()
            .batch_reference(batch)
            .recipient_reference(recipient)
            .send();
        self.finish(call.await, true).await
    }

    /// The result of a generated call, with errors typed; a 424 is a refused
    /// refund only for `refund` (elsewhere it is undocumented).
    async fn finish<T>(
        &self,
        result: Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>,
        refund: bool,
    ) -> Result<T, Error> {
        let error = match result {
            Ok(response) => return Ok(response.into_inner()),
            Err(error) => error,
        };
        Err(match Failure::of(error, self.max_response_bytes).await {
            Failure::InvalidRequest(message) | Failure::Hook(message) => {
                Error::InvalidRequest(message)
            }
            Failure::Transport(e) => TransportError::Http(e).into(),
            Failure::TooLarge(limit) => TransportError::TooLarge { limit }.into(),
            Failure::Decode(message) => Error::Decode(message),
            Failure::Status { status, body, .. } => {
                let validation = (status.as_u16() == 400)
                    .then(|| serde_json::from_slice::<types::BatchResponse>(&body).ok())
                    .flatten()
                    .and_then(|answer| answer.validation_errors);
                match validation {
                    Some(errors) => Error::Validation(errors.0),
                    None => status_error(status, refund),
                }
            }
        })
    }
}

fn status_error(status: reqwest::StatusCode, refund: bool) -> Error {
    match status.as_u16() {
        401 => Error::Unauthorized,
        404 => Error::NotFound,
        424 if refund => Error::RefundRejected,
        _ => Error::Status { status },
    }
}

fn reference(text: &str, what: &str) -> Result<types::Reference, Error> {
    text.parse()
        .map_err(|e| Error::InvalidRequest(format!("{what} {text:?}: {e}")))
}

/// The rules of the docs that the generated types cannot hold.
fn check_batch(batch: &types::BatchRequest) -> Result<(), Error> {
    let count = batch.recipients.len();
    if count == 0 || count > MAX_RECIPIENTS {
        return Err(Error::InvalidRequest(format!(
            "a batch has 1 to {MAX_RECIPIENTS} recipients, not {count}"
        )));
    }
    if batch.message_templates.is_empty() {
        return Err(Error::InvalidRequest(
            "a batch needs a message template".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    match batch
        .recipients
        .iter()
        .find(|recipient| !seen.insert(recipient.reference.as_str()))
    {
        Some(duplicate) => Err(Error::InvalidRequest(format!(
            "recipient reference {:?} is not unique in the batch",
            duplicate.reference.as_str()
        ))),
        None => Ok(()),
    }
}
