//! The Mediaconnect client: the user's bearer token, limits and typed errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use super::Error;
use super::generated::{Client as GeneratedClient, servers, types};
use crate::runtime::{
    self, ApiError, Context, Runtime, StatusError, TokenSource, finish, retry_after,
};

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
    pub(crate) fn api_url(&self) -> String {
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

/// What a Mediaconnect client is made for: its environment and the user's
/// tokens.
#[derive(Debug)]
pub struct Setup {
    environment: Environment,
    tokens: runtime::Credentials,
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub type ClientBuilder = runtime::ClientBuilder<Setup>;

impl ClientBuilder {
    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let runtime = self.runtime()?;
        Ok(Client::on(
            &runtime,
            &self.setup.environment.api_url(),
            self.setup.tokens,
        ))
    }
}

/// A Mediaconnect client acting for one logged-in user.
///
/// Clients of many users should share one connection pool: build one
/// client, then make one per user with [`Client::for_user`].
#[derive(Debug)]
pub struct Client {
    generated: GeneratedClient,
}

fn product(code: &str) -> Result<types::ProductCode, Error> {
    code.parse()
        .map_err(|e| Error::InvalidRequest(format!("product code {code:?}: {e}")))
}

impl Client {
    /// A client of `environment` that authenticates with the user's `tokens`.
    pub fn builder(environment: Environment, tokens: impl TokenSource) -> ClientBuilder {
        ClientBuilder::new(Setup {
            environment,
            tokens: runtime::Credentials::Bearer(Arc::new(tokens)),
        })
    }

    fn on(runtime: &Runtime, api_url: &str, tokens: runtime::Credentials) -> Self {
        Client {
            generated: GeneratedClient::new_with_client(
                api_url,
                runtime.http().clone(),
                Context::new(runtime.clone(), tokens),
            ),
        }
    }

    /// The runtime (connections, settings, retry budget) of this client.
    pub(crate) fn runtime(&self) -> &Runtime {
        &self.generated.inner.runtime
    }

    /// A client for another user that shares this one's connections,
    /// settings and retry budget: no new pool, no new TLS set-up.
    pub fn for_user(&self, tokens: impl TokenSource) -> Client {
        Client::on(
            self.runtime(),
            &self.generated.baseurl,
            runtime::Credentials::Bearer(Arc::new(tokens)),
        )
    }

    /// The same client (connections, retry budget) with `deadline` for
    /// every call made through it.
    pub fn with_deadline(&self, deadline: Duration) -> Client {
        Client {
            generated: self.generated.with_deadline(deadline),
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
        finish(call.send()).await
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
        finish(self.generated.pay_invoice().body(request).send()).await
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
        finish(call.send()).await
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
        finish(self.generated.add_vipps_agreement().body(body).send()).await
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
        finish(call.send()).await
    }
}

impl ApiError for Error {
    fn not_sent(message: String, credentials: bool) -> Self {
        if credentials {
            Error::Auth(message)
        } else {
            Error::InvalidRequest(message)
        }
    }

    fn from_status(status: reqwest::StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let retry_after = retry_after(headers);
        if status.as_u16() == 429 {
            return Error::RateLimited { retry_after };
        }
        if let Ok(oauth) = serde_json::from_slice::<types::OAuthError>(body)
            && let Some(error) = oauth.error
        {
            return Error::OAuth {
                status,
                error,
                description: oauth.error_description,
            };
        }
        match serde_json::from_slice::<types::ApiError>(body) {
            Ok(api) if api.exception_type.is_some() || api.error_message.is_some() => Error::Api {
                status,
                exception_type: api.exception_type,
                message: api.error_message,
            },
            _ => Error::Status(StatusError {
                status,
                retry_after,
            }),
        }
    }
}
