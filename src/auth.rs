//! Access tokens from the user's side: the trait a service implements to hand
//! nordpay OAuth access tokens (from its session store, say).

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;

/// A boxed error from a user's [`TokenSource`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SecretString, BoxError>> + Send + 'a>>;

/// Supplies OAuth access tokens: your session store, or
/// `nordpay::mediaconnect::UserTokens`, which refreshes them itself.
///
/// Called before every request, so it should cache and refresh tokens itself.
pub trait TokenSource: Send + Sync + 'static {
    /// The access token to send as `Authorization: Bearer …`.
    fn access_token(&self) -> TokenFuture<'_>;
}

/// A fixed access token.
#[cfg(feature = "connect")]
pub(crate) struct StaticToken(pub(crate) SecretString);

#[cfg(feature = "connect")]
impl TokenSource for StaticToken {
    fn access_token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}
