//! Building a Puzzel Pay [`Client`]: the environment and the JWT;
//! everything else is the shared [`runtime::ClientBuilder`].

use crate::runtime::checks;
use secrecy::{ExposeSecret, SecretString};

use super::Error;
use super::generated::{Client, Environment};
use crate::runtime::{self, Context};

/// What a Puzzel Pay client is made for: its environment and JWT (which
/// `Debug` does not show).
#[derive(Debug)]
pub struct Setup {
    environment: Environment,
    jwt: SecretString,
}

/// Builds a [`Client`]; start from [`Client::builder`].
pub type ClientBuilder = runtime::ClientBuilder<Setup>;

impl Client {
    /// A client of `environment` that authenticates with the `jwt` Puzzel issued.
    ///
    /// ```
    /// use nordpay::puzzel_pay::{Client, Environment};
    ///
    /// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ5b3UifQ.c2ln"; // the one Puzzel issued you
    /// let built = Client::builder(Environment::Production, jwt).build();
    /// // https needs a TLS feature (`rustls-aws-lc`, the default, `rustls-ring`
    /// // or `native-tls`); without one only http:// (the sandbox) is reached.
    /// # if cfg!(any(feature = "rustls-aws-lc", feature = "rustls-ring", feature = "native-tls")) {
    /// let client = built.unwrap();
    /// # } else { assert!(built.unwrap_err().to_string().contains("TLS")); }
    /// // Not a JWT: refused before anything is sent.
    /// assert!(Client::builder(Environment::Production, "my password").build().is_err());
    /// ```
    pub fn builder(environment: Environment, jwt: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(Setup {
            environment,
            jwt: SecretString::from(jwt.into()),
        })
    }
}

impl ClientBuilder {
    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        if let Environment::Custom(url) = &self.setup.environment {
            checks::base_url("Puzzel Pay", url).map_err(Error::InvalidRequest)?;
        }
        checks::tls("Puzzel Pay", &self.setup.environment.base_url())
            .map_err(Error::InvalidRequest)?;
        let jwt = self.setup.jwt.expose_secret();
        checks::credential("JWT", jwt).map_err(Error::InvalidRequest)?;
        // A JWT is three base64url parts joined by dots.
        let parts: Vec<&str> = jwt.split('.').collect();
        let base64url = |part: &&str| {
            part.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        };
        if parts.len() != 3
            || !parts.iter().all(base64url)
            || parts[..2].iter().any(|p| p.is_empty())
        {
            return Err(Error::InvalidRequest(
                "the JWT is not three base64url parts joined by dots".into(),
            ));
        }
        let runtime = self.runtime_for(super::generated::operations::ALL)?;
        let credentials =
            runtime::Credentials::header(&format!("Bearer {}", self.setup.jwt.expose_secret()))
                .ok_or_else(|| {
                    Error::InvalidRequest("the JWT holds characters not allowed in a header".into())
                })?;
        let base = self.setup.environment.base_url();
        Ok(Client::new_with_client(
            &base,
            runtime.http().clone(),
            Context::new(runtime, credentials, &base),
        ))
    }
}
