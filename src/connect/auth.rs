//! How a CONNECT Payment client authenticates: the merchant's API key, or a
//! CONNECT ID user's OAuth access token.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::runtime::Credentials;
use crate::runtime::auth::StaticToken;
pub use crate::runtime::{BoxError, TokenFuture, TokenSource};

/// Credentials for CONNECT Payment. Never shown by `Debug`.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// The merchant's API key, sent as HTTP Basic credentials.
    ApiKey(SecretString),
    /// OAuth access tokens of a CONNECT ID user, as `Bearer` tokens.
    Bearer(Arc<dyn TokenSource>),
}

impl Auth {
    /// Authenticate with the merchant API key from the self-service portal.
    ///
    /// A key of the form `client:secret` is split into the Basic user and
    /// password; a key without a colon is sent as the user with an empty
    /// password, as `curl --user 'your-api-key'` in the docs does.
    pub fn api_key(key: impl Into<String>) -> Self {
        Auth::ApiKey(SecretString::from(key.into()))
    }

    /// Authenticate every request with the same access token.
    pub fn bearer_token(token: impl Into<String>) -> Self {
        Auth::Bearer(Arc::new(StaticToken(SecretString::from(token.into()))))
    }

    /// Authenticate with access tokens from `source`, asked before every request.
    pub fn token_source(source: impl TokenSource) -> Self {
        Auth::Bearer(Arc::new(source))
    }

    /// What the runtime sends: the Basic header, computed once, or the
    /// token source, asked per call.
    pub(crate) fn credentials(&self) -> Result<Credentials, AuthError> {
        match self {
            Auth::ApiKey(key) => {
                let key = key.expose_secret();
                crate::runtime::checks::credential("API key", key).map_err(AuthError::Refused)?;
                // A key with a colon is a user:password pair already.
                let (user, password) = key.split_once(':').unwrap_or((key, ""));
                let text = crate::runtime::auth::basic(user, password);
                Credentials::header(&text).ok_or(AuthError::NotAHeaderValue)
            }
            Auth::Bearer(source) => Ok(Credentials::Bearer(Arc::clone(source))),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey(_) => f.write_str("Auth::ApiKey([redacted])"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer([token source])"),
        }
    }
}

/// Why no `Authorization` header could be made. Never contains the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The key or token holds bytes that cannot go in an HTTP header.
    #[error("the API key or access token contains characters not allowed in an HTTP header")]
    NotAHeaderValue,
    /// The key is empty, or holds spaces or control characters.
    #[error("{0}")]
    Refused(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn header(auth: Auth) -> Result<Option<String>, String> {
        let credentials = auth.credentials().map_err(|e| e.to_string())?;
        let value = credentials.authorization().await?;
        assert!(value.is_sensitive());
        Ok(Some(value.to_str().unwrap().to_string()))
    }

    #[tokio::test]
    async fn api_keys_become_basic_credentials() {
        let plain = header(Auth::api_key("k3y")).await.unwrap();
        assert_eq!(plain.as_deref(), Some("Basic azN5Og==")); // "k3y:"
        let pair = header(Auth::api_key("client:secret")).await.unwrap();
        assert_eq!(pair.as_deref(), Some("Basic Y2xpZW50OnNlY3JldA=="));
    }

    #[tokio::test]
    async fn bearer_tokens_come_from_the_source() {
        let value = header(Auth::bearer_token("t0ken")).await.unwrap();
        assert_eq!(value.as_deref(), Some("Bearer t0ken"));
    }

    #[tokio::test]
    async fn a_failing_token_source_is_an_error_without_secrets() {
        struct Failing;
        impl TokenSource for Failing {
            fn access_token(&self) -> TokenFuture<'_> {
                Box::pin(async { Err("refresh token expired".into()) })
            }
        }
        let error = header(Auth::token_source(Failing)).await.unwrap_err();
        assert_eq!(
            error,
            "the access-token source failed: refresh token expired"
        );
        let bad = header(Auth::bearer_token("line\nbreak")).await.unwrap_err();
        assert!(bad.contains("not allowed in an HTTP header"), "{bad}");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!(
            "{:?} {:?}",
            Auth::api_key("client:s3cr3t"),
            Auth::bearer_token("t0k3n")
        );
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("t0k3n"),
            "{shown}"
        );
    }
}
