//! Building a Mediaconnect [`Client`]: the environment and the user's
//! tokens; everything else is the shared [`runtime::ClientBuilder`].

use std::sync::Arc;

use super::Error;
use super::generated::{Client, Environment};
use crate::runtime::{self, Context, Runtime, TokenSource, checks};

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
        if let Environment::Custom { api, login } = &self.setup.environment {
            checks::base_url("Mediaconnect API", api).map_err(Error::InvalidRequest)?;
            checks::base_url("login server", login).map_err(Error::InvalidRequest)?;
        }
        // The login server is the browser's; the API is ours to call.
        checks::tls("Mediaconnect API", &self.setup.environment.base_url())
            .map_err(Error::InvalidRequest)?;
        let runtime = self.runtime_for(super::generated::operations::ALL)?;
        Ok(Client::on(
            &runtime,
            &self.setup.environment.base_url(),
            self.setup.tokens,
        ))
    }
}

impl Client {
    /// A client of `environment` that authenticates with the user's `tokens`.
    ///
    /// Clients of many users should share one connection pool: build one
    /// client, then make one per user with [`Client::for_user`].
    pub fn builder(environment: Environment, tokens: impl TokenSource) -> ClientBuilder {
        ClientBuilder::new(Setup {
            environment,
            tokens: runtime::Credentials::Bearer(Arc::new(tokens)),
        })
    }

    fn on(runtime: &Runtime, api_url: &str, tokens: runtime::Credentials) -> Self {
        Client::new_with_client(
            api_url,
            runtime.http().clone(),
            Context::new(runtime.clone(), tokens, api_url),
        )
    }

    /// The runtime (connections, settings, retry budget) of this client.
    pub(crate) fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// A client for another user that shares this one's connections,
    /// settings and retry budget: no new pool, no new TLS set-up.
    pub fn for_user(&self, tokens: impl TokenSource) -> Client {
        Client::on(
            self.runtime(),
            &self.baseurl,
            runtime::Credentials::Bearer(Arc::new(tokens)),
        )
    }
}

impl Client {
    /// Whether Mediaconnect still lists the invoice as unpaid: the way to
    /// confirm an [`Outcome::Finished`](super::Outcome::Finished) from a
    /// return URL (which the user's browser carries, and anyone could type)
    /// before acting on it.
    ///
    /// Answered from positive evidence only: `true` if the invoice is among
    /// the unpaid ones; `false` if it is not, but is among all the user's
    /// invoices of the product (so it is listed, and not unpaid); and
    /// [`Error::InvoiceNotListed`] if Mediaconnect lists it in neither, which
    /// proves nothing either way.
    pub async fn is_invoice_unpaid(
        &self,
        product_code: &str,
        invoice_number: &str,
    ) -> Result<bool, Error> {
        let listed = |only_unpaid: bool| async move {
            let invoices = self
                .list_invoices()
                .product_code(product_code)
                .unpaid(only_unpaid)
                .send()
                .await?
                .into_inner();
            Ok::<_, Error>(
                invoices
                    .invoices
                    .iter()
                    .any(|invoice| invoice.invoice_number.as_deref() == Some(invoice_number)),
            )
        };
        if listed(true).await? {
            return Ok(true);
        }
        if listed(false).await? {
            return Ok(false);
        }
        Err(Error::InvoiceNotListed)
    }
}
