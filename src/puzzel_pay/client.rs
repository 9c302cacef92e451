//! The Puzzel Pay client: JWT auth, the vendor media types, checks before
//! sending, and typed errors.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::Error;
use super::generated::{Client as GeneratedClient, servers, types};
use crate::runtime::{self, ApiError, Context, StatusError, finish, retry_after};

/// Most recipients in one batch. x-nordpay-inferred: the FTP importer splits
/// larger batches, which suggests the same limit for REST.
pub const MAX_RECIPIENTS: usize = 250;

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

/// What a Puzzel Pay client is made for: its environment and JWT (which
/// `Debug` does not show).
#[derive(Debug)]
pub struct Setup {
    environment: Environment,
    jwt: SecretString,
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub type ClientBuilder = runtime::ClientBuilder<Setup>;

impl ClientBuilder {
    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let runtime = self.runtime()?;
        let credentials =
            runtime::Credentials::header(&format!("Bearer {}", self.setup.jwt.expose_secret()))
                .ok_or_else(|| {
                    Error::InvalidRequest("the JWT holds characters not allowed in a header".into())
                })?;
        Ok(Client {
            generated: GeneratedClient::new_with_client(
                &self.setup.environment.base_url(),
                runtime.http().clone(),
                Context::new(runtime, credentials),
            ),
        })
    }
}

/// A Puzzel Pay client.
#[derive(Debug)]
pub struct Client {
    generated: GeneratedClient,
}

impl Client {
    /// A client of `environment` that authenticates with the `jwt` Puzzel issued.
    pub fn builder(environment: Environment, jwt: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(Setup {
            environment,
            jwt: SecretString::from(jwt.into()),
        })
    }

    /// The same client (connections, retry budget) with `deadline` for
    /// every call made through it.
    pub fn with_deadline(&self, deadline: Duration) -> Client {
        Client {
            generated: self.generated.with_deadline(deadline),
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
        finish(self.generated.create_batch().body(batch).send()).await
    }

    /// How far the recipients of a batch have come.
    pub async fn batch_status(&self, batch_reference: &str) -> Result<types::BatchStatus, Error> {
        let reference = reference(batch_reference, "batch reference")?;
        let call = self
            .generated
            .get_batch_status()
            .reference(reference)
            .send();
        finish(call).await
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
        // 424 is documented for refunds only: the provider refused.
        match finish(call).await {
            Err(Error::Status(e)) if e.status == reqwest::StatusCode::FAILED_DEPENDENCY => {
                Err(Error::RefundRejected)
            }
            other => other,
        }
    }
}

impl ApiError for Error {
    fn not_sent(message: String, _credentials: bool) -> Self {
        Error::InvalidRequest(message)
    }

    fn from_status(status: reqwest::StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let validation = (status.as_u16() == 400)
            .then(|| serde_json::from_slice::<types::BatchResponse>(body).ok())
            .flatten()
            .and_then(|answer| answer.validation_errors);
        match (validation, status.as_u16()) {
            (Some(errors), _) => Error::Validation(errors.0),
            (None, 401) => Error::Unauthorized,
            (None, 404) => Error::NotFound,
            _ => Error::Status(StatusError {
                status,
                retry_after: retry_after(headers),
            }),
        }
    }
}

fn reference(text: &str, what: &str) -> Result<types::Reference, Error> {
    text.parse()
        // The value itself stays out of the error: references are personal data.
        .map_err(|e| Error::InvalidRequest(format!("{what}: {e}")))
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
        .position(|recipient| !seen.insert(recipient.reference.as_str()))
    {
        Some(index) => Err(Error::InvalidRequest(format!(
            "the reference of recipients[{index}] is used earlier in the batch; references are unique"
        ))),
        None => Ok(()),
    }
}
