//! The Mediaconnect client: the user's bearer token, limits and typed errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ByteStream, ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{HeaderValue, RETRY_AFTER};
use secrecy::ExposeSecret;
use url::Url;

use super::generated::{Client as GeneratedClient, servers, types};
use super::{Error, TransportError};
use crate::auth::TokenSource;
use crate::http::{Failure, HttpOptions, execute, limit_body, prepare};

/// Responses larger than this fail instead of filling memory.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Where Mediaconnect lives: its API and its login server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.mediaconnect.no/capi`, login at `https://connectid.no/user`.
    Production,
    /// `https://api-test.mediaconnect.no/capi`, login at `…/login`.
    Test,
    /// Other servers, such as nordpay's sandbox.
    Custom {
        /// The API base URL.
        api: Url,
        /// The login server.
        login: Url,
    },
}

impl Environment {
    fn api_url(&self) -> String {
        match self {
            Environment::Production => servers::PRODUCTION.to_string(),
            Environment::Test => servers::TEST.to_string(),
            Environment::Custom { api, .. } => api.as_str().trim_end_matches('/').to_string(),
        }
    }

    /// The login server: OAuth endpoints and the pages users are redirected to.
    pub fn login_server(&self) -> Url {
        let parse = |url: &str| Url::parse(url).expect("the spec's login servers are URLs");
        match self {
            Environment::Production => parse(servers::PRODUCTION_LOGIN_SERVER),
            Environment::Test => parse(servers::TEST_LOGIN_SERVER),
            Environment::Custom { login, .. } => login.clone(),
        }
    }
}

/// What every request carries: the user's tokens and the size limit
/// (progenitor's "inner type").
#[derive(Clone)]
pub struct ClientContext {
    tokens: Arc<dyn TokenSource>,
    max_response_bytes: usize,
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("tokens", &"[token source]")
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
        let token = self
            .inner()
            .tokens
            .access_token()
            .await
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?;
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
            .map_err(|_| {
                progenitor_client::Error::Custom("the access token is not a valid header".into())
            })?;
        authorization.set_sensitive(true);
        prepare(request, authorization, "mediaconnect", info.operation_id);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = execute(self.client(), request, "mediaconnect", info.operation_id).await?;
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub struct ClientBuilder {
    environment: Environment,
    tokens: Arc<dyn TokenSource>,
    options: HttpOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
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
        let context = ClientContext {
            tokens: self.tokens,
            max_response_bytes: self.options.max_response_bytes,
        };
        Ok(Client {
            generated: GeneratedClient::new_with_client(&self.environment.api_url(), http, context),
            max_response_bytes: self.options.max_response_bytes,
        })
    }
}

/// A Mediaconnect client acting for one logged-in user.
#[derive(Debug)]
pub struct Client {
    generated: GeneratedClient,
    max_response_bytes: usize,
}

fn product(code: &str) -> Result<types::ProductCode, Error> {
    code.parse()
        .map_err(|e| Error::InvalidRequest(format!("product code {code:?}: {e}")))
}

impl Client {
    /// A client of `environment` that authenticates with the user's `tokens`.
    pub fn builder(environment: Environment, tokens: impl TokenSource) -> ClientBuilder {
        ClientBuilder {
            environment,
            tokens: Arc::new(tokens),
            options: HttpOptions::new(DEFAULT_MAX_RESPONSE_BYTES),
        }
    }

    /// The payment methods of a product, and which is active.
    pub async fn payment_methods(
        &self,
        product_code: &str,
    ) -> Result<types::PaymentMethods, Error> {
        let call = self
            .generated
            .list_payment_methods()
            .product_code(product(product_code)?);
        self.finish(call.send().await).await
    }

    /// Start paying an invoice; then redirect the user with
    /// `LoginServer::invoice_payment` and the returned transaction ID.
    pub async fn pay_invoice<B>(&self, request: B) -> Result<types::PaymentStarted, Error>
    where
        B: TryInto<types::InvoicePaymentRequest>,
        B::Error: fmt::Display,
    {
        let request = request
            .try_into()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        self.finish(self.generated.pay_invoice().body(request).send().await)
            .await
    }

    /// Start changing a product's recurring payment method; then redirect the
    /// user with `LoginServer::payment_change` and the returned ID.
    pub async fn change_payment_method(
        &self,
        product_code: &str,
        payment_method: types::RecurringPaymentMethod,
    ) -> Result<types::PaymentChange, Error> {
        let call = self
            .generated
            .change_payment_method()
            .product_code(product(product_code)?)
            .body(types::PaymentChangeRequest { payment_method });
        self.finish(call.send().await).await
    }

    /// Start adding a Vipps agreement for a product; then redirect the user
    /// with `LoginServer::vipps_agreement`.
    pub async fn add_vipps_agreement(
        &self,
        product_code: &str,
    ) -> Result<types::PaymentStarted, Error> {
        let body = types::VippsAgreementRequest {
            product_code: product(product_code)?,
        };
        self.finish(self.generated.add_vipps_agreement().body(body).send().await)
            .await
    }

    /// The user's invoices of a product; `unpaid` and the dates filter them.
    pub async fn invoices(
        &self,
        product_code: &str,
        unpaid: Option<bool>,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<types::Invoice>, Error> {
        let mut call = self
            .generated
            .list_invoices()
            .product_code(product(product_code)?);
        if let Some(unpaid) = unpaid {
            call = call.unpaid(unpaid);
        }
        if let Some(from) = from {
            call = call.from(from);
        }
        if let Some(to) = to {
            call = call.to(to);
        }
        self.finish(call.send().await).await
    }

    async fn finish<T>(
        &self,
        result: Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>,
    ) -> Result<T, Error> {
        let error = match result {
            Ok(response) => return Ok(response.into_inner()),
            Err(error) => error,
        };
        Err(match Failure::of(error, self.max_response_bytes).await {
            Failure::InvalidRequest(message) => Error::InvalidRequest(message),
            Failure::Hook(message) => Error::Auth(message),
            Failure::Transport(e) => TransportError::Http(e).into(),
            Failure::TooLarge(limit) => TransportError::TooLarge { limit }.into(),
            Failure::Decode(message) => Error::Decode(message),
            Failure::Status {
                status,
                headers,
                body,
            } => {
                if status.as_u16() == 429 {
                    let retry_after = headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse().ok())
                        .map(Duration::from_secs);
                    return Err(Error::RateLimited { retry_after });
                }
                if let Ok(oauth) = serde_json::from_slice::<types::OAuthError>(&body)
                    && let Some(error) = oauth.error
                {
                    return Err(Error::OAuth {
                        status,
                        error,
                        description: oauth.error_description,
                    });
                }
                match serde_json::from_slice::<types::ApiError>(&body) {
                    Ok(api) if api.exception_type.is_some() || api.error_message.is_some() => {
                        Error::Api {
                            status,
                            exception_type: api.exception_type,
                            message: api.error_message,
                        }
                    }
                    _ => Error::Status { status },
                }
            }
        })
    }
}
