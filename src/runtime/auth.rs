//! Credentials every API sends in a header: fixed ones, or access tokens
//! from a source the user supplies.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// A boxed error from a user's [`TokenSource`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SecretString, BoxError>> + Send + 'a>>;

/// Supplies OAuth access tokens: your session store, or
/// `nordpay::mediaconnect::UserTokens`, which refreshes them itself.
///
/// Called before every call, inside the call's deadline, so it should cache
/// tokens and refresh them itself.
pub trait TokenSource: Send + Sync + 'static {
    /// The access token to send as `Authorization: Bearer …`.
    fn access_token(&self) -> TokenFuture<'_>;
}

/// HTTP Basic: `Basic ` and the base64 of `user:password` (the APIs that
/// use it: CONNECT's API key, Direct Payment's user name and password).
#[cfg(any(feature = "connect", feature = "direct-payment"))]
pub(crate) fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// What goes in the `Authorization` header of every request of a client.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// A fixed header value, marked sensitive.
    Header(HeaderValue),
    /// `Bearer <token>` with a token from the source, asked per call.
    Bearer(Arc<dyn TokenSource>),
}

impl Credentials {
    /// A fixed header value, marked sensitive; `None` if it is not a valid
    /// header value (the caller reports that as bad input).
    pub(crate) fn header(text: &str) -> Option<Self> {
        sensitive(text).map(Credentials::Header)
    }

    /// The header value to send.
    pub(crate) async fn authorization(&self) -> Result<HeaderValue, String> {
        match self {
            Credentials::Header(value) => Ok(value.clone()),
            Credentials::Bearer(source) => {
                let token = source
                    .access_token()
                    .await
                    .map_err(|e| format!("the access-token source failed: {e}"))?;
                sensitive(&format!("Bearer {}", token.expose_secret())).ok_or_else(|| {
                    "the access token contains characters not allowed in an HTTP header".into()
                })
            }
        }
    }
}

fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credentials::Header(_) => "Credentials::Header([redacted])",
            Credentials::Bearer(_) => "Credentials::Bearer([token source])",
        })
    }
}

/// A fixed access token.
pub(crate) struct StaticToken(pub(crate) SecretString);

impl TokenSource for StaticToken {
    fn access_token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}
