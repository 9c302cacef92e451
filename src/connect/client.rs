//! Building a [`Client`]: the environment and the credentials; everything
//! else is the shared [`runtime::ClientBuilder`].

use bytes::Bytes;

use super::generated::{Client, types::ErrorModel};
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
    /// let client = Client::builder(Environment::Staging, Auth::api_key("your-api-key"))
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn builder(environment: Environment, auth: Auth) -> ClientBuilder {
        ClientBuilder::new(Setup { environment, auth })
    }
}

impl ClientBuilder {
    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let runtime = self.runtime().map_err(Error::Transport)?;
        let credentials = self
            .setup
            .auth
            .credentials()
            .map_err(|e| Error::Auth(e.to_string()))?;
        let mut context = Context::new(runtime.clone(), credentials);
        context.error_body = Some(fold_error_body);
        Ok(Client::new_with_client(
            &self.setup.environment.base_url(),
            runtime.http().clone(),
            context,
        ))
    }
}

/// Error responses are decoded as [`ErrorModel`], but CONNECT also answers
/// with plain text ("connectId cannot be null") or nothing at all. Keep a body
/// that is an `ErrorModel`; otherwise carry its text as `errorMessage`.
fn fold_error_body(body: &[u8]) -> Bytes {
    if serde_json::from_slice::<ErrorModel>(body).is_ok() {
        return Bytes::copy_from_slice(body);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = (!text.is_empty()).then_some(text);
    Bytes::from(serde_json::json!({ "errorMessage": message }).to_string())
}
