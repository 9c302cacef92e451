//! Building a [`Client`]: the environment and the credentials; everything
//! else is the shared [`runtime::ClientBuilder`].

use super::generated::Client;
use super::{Auth, Environment, Error};
use crate::runtime::{self, Context};

/// What a CONNECT Payment client is made for: its environment and credentials.
#[derive(Debug)]
pub struct Setup {
    environment: Environment,
    auth: Auth,
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub type ClientBuilder = runtime::ClientBuilder<Setup>;

impl Client {
    /// A client for `environment` that authenticates with `auth`.
    ///
    /// ```
    /// use nordpay::connect::{Auth, Client, Environment};
    ///
    /// let built = Client::builder(Environment::Production, Auth::api_key("your-api-key")).build();
    /// // https needs a TLS feature (`rustls-aws-lc`, the default, `rustls-ring`
    /// // or `native-tls`); without one only http:// (the sandbox) is reached.
    /// # if cfg!(any(feature = "rustls-aws-lc", feature = "rustls-ring", feature = "native-tls")) {
    /// let client = built.unwrap();
    /// # } else { assert!(built.unwrap_err().to_string().contains("TLS")); }
    /// ```
    pub fn builder(environment: Environment, auth: Auth) -> ClientBuilder {
        ClientBuilder::new(Setup { environment, auth })
    }
}

impl ClientBuilder {
    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        if let Environment::Custom(url) = &self.setup.environment {
            crate::runtime::checks::base_url("CONNECT", url).map_err(Error::InvalidRequest)?;
        }
        crate::runtime::checks::tls("CONNECT", &self.setup.environment.base_url())
            .map_err(Error::InvalidRequest)?;
        let runtime = self
            .runtime_for(super::generated::operations::ALL)
            .map_err(Error::Transport)?;
        let credentials = self
            .setup
            .auth
            .credentials()
            .map_err(|e| Error::Auth(e.to_string()))?;
        let base = self.setup.environment.base_url();
        Ok(Client::new_with_client(
            &base,
            runtime.http().clone(),
            Context::new(runtime, credentials, &base),
        ))
    }
}
