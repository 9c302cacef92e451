//! OAuth 2.0 authorization-code grant against the ConnectID login server:
//! the authorize URL, the code exchange, and refresh (RFC 6749 sections 4.1, 6).
//!
//! Written on nordpay's runtime rather than with the `oauth2` crate, whose
//! reqwest integration is a different reqwest major version: two requests do
//! not justify a second HTTP stack, and these two need the runtime's deadline
//! and redirect refusal (the form carries the client secret).

use crate::runtime::checks;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::runtime::{
    ClientBuilder, Operation, Policy, RetryClass, Runtime, TokenFuture, TokenSource, TransportError,
};

/// The token endpoint of the login server. It is not in the API's spec (it
/// lives on the login server, outside the API's base URL), so its row is here.
const TOKEN_ENDPOINT: Operation = Operation {
    api: "mediaconnect",
    name: "oauthToken",
    method: "POST",
    path: "/oauth/token",
    content_type: None,
    accept: None,
    policy: Policy {
        // A code is single-use and a refresh may rotate the refresh token:
        // a repeat after a lost answer would fail with invalid_grant.
        retry: RetryClass::Never,
        deadline: Duration::from_secs(30),
        attempt_timeout: Duration::from_secs(30),
        confirmation_window: None,
    },
    body_rules: &[],
    integer_rules: &[],
    query_values: &[],
    not_null: &[],
    body_check: None,
    bearer_requires: &[],
};

/// A token is refreshed when it has less than this left.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Largest token response accepted.
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Tokens of one user. Never shown by `Debug`.
#[derive(Clone)]
pub struct TokenSet {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    expires_at: Option<Instant>,
}

impl TokenSet {
    /// Tokens you stored earlier; `expires_in` counts from now.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        expires_in: Option<Duration>,
    ) -> Self {
        Self {
            access_token: SecretString::from(access_token.into()),
            refresh_token: refresh_token.map(SecretString::from),
            // An expiry too far to represent is no expiry.
            expires_at: expires_in.and_then(|d| Instant::now().checked_add(d)),
        }
    }

    /// The access token.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The refresh token, if the server gave one.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// When the access token expires, if the server said.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    fn needs_refresh(&self) -> bool {
        self.expires_at
            .is_some_and(|at| at.saturating_duration_since(Instant::now()) < REFRESH_MARGIN)
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The login server refused (RFC 6749 `{error, error_description}`),
    /// e.g. `invalid_grant` for a used code or an expired refresh token.
    #[error("the login server refused ({status}): {error}")]
    Rejected {
        /// The HTTP status.
        status: reqwest::StatusCode,
        /// The OAuth error code.
        error: String,
        /// Its description.
        description: Option<String>,
    },
    /// The token expired and there is no refresh token.
    #[error("the access token expired and there is no refresh token")]
    NoRefreshToken,
    /// The request could not be sent or the answer not read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The refresh task stopped without an answer (its runtime shut down).
    #[error("the token refresh was stopped")]
    Stopped,
    /// The answer is not a token response.
    #[error("not a token response: {0}")]
    Decode(String),
    /// What `OAuthClient::new` was given cannot work (an empty client ID, a
    /// login server that is not http or https); nothing was sent.
    #[error("invalid OAuth client: {0}")]
    Invalid(String),
}

/// An OAuth client registered with ConnectID. Never shows its secret.
#[derive(Clone)]
pub struct OAuthClient {
    runtime: Runtime,
    login_server: Url,
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Url,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("login_server", &self.login_server.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(serde::Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
}

impl OAuthClient {
    /// A client of the login server `login_server` (see
    /// `Environment::login_server`) that sends users back to `redirect_uri`.
    pub fn new(
        login_server: Url,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: Url,
    ) -> Result<Self, TokenError> {
        let client_id = client_id.into();
        let client_secret = client_secret.into();
        let checked = checks::base_url("login server", &login_server)
            .and_then(|()| checks::tls("login server", login_server.as_str()))
            .and_then(|()| checks::base_url("redirect", &redirect_uri))
            .and_then(|()| checks::credential("client ID", &client_id))
            .and_then(|()| checks::credential("client secret", &client_secret));
        checked.map_err(TokenError::Invalid)?;
        Ok(Self {
            runtime: ClientBuilder::new(())
                .max_response_bytes(MAX_TOKEN_RESPONSE_BYTES)
                .runtime()?,
            login_server,
            client_id,
            client_secret: SecretString::from(client_secret),
            redirect_uri,
        })
    }

    /// The same OAuth client with `overrides` (a deadline, an attempt
    /// timeout, a retry policy) for the token calls made through it, as
    /// every API client's `with_overrides`.
    pub fn with_overrides(&self, overrides: crate::runtime::Overrides) -> Self {
        Self {
            runtime: self.runtime.with_overrides(&overrides),
            ..self.clone()
        }
    }

    /// Use your own `reqwest::Client`; the runtime's deadline and redirect
    /// refusal still apply.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Result<Self, TokenError> {
        self.runtime = ClientBuilder::new(())
            .http_client(http)
            .max_response_bytes(MAX_TOKEN_RESPONSE_BYTES)
            .runtime()?;
        Ok(self)
    }

    /// The same OAuth client on `client`'s connections (one pool for the
    /// login server and the API).
    pub fn sharing(mut self, client: &super::Client) -> Self {
        self.runtime = client.runtime().clone();
        self
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.login_server.clone();
        let joined = format!("{}/{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    /// Where to send the user to log in: `{loginServer}/oauth/authorize`.
    /// `state` protects against CSRF; check it when the user comes back.
    pub fn authorize_url(&self, state: &str) -> Url {
        let mut url = self.endpoint("oauth/authorize");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", self.redirect_uri.as_str())
            .append_pair("state", state);
        url
    }

    /// Exchange the `code` the user came back with for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenSet, TokenError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
        ])
        .await
    }

    /// New tokens for a refresh token. The old refresh token is kept if the
    /// server does not send a new one.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, TokenError> {
        let mut tokens = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
            ])
            .await?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// A token of the merchant's own, not a user's (RFC 6749 §4.4, the
    /// client credentials grant): what the "client mode" operations take.
    /// It comes without a refresh token; ask again when it expires
    /// ([`ClientTokens`] does).
    pub async fn client_credentials(&self) -> Result<TokenSet, TokenError> {
        self.token_request(&[("grant_type", "client_credentials")])
            .await
    }

    /// x-nordpay-inferred: the client credentials go in the form body (as the
    /// PHP and Ruby ConnectID clients send them), not in a Basic header.
    async fn token_request(&self, grant: &[(&str, &str)]) -> Result<TokenSet, TokenError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(grant)
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose_secret())
            .finish();
        let request = self
            .runtime
            .http()
            .post(self.endpoint("oauth/token"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body);
        let exchange = self.runtime.exchange(&TOKEN_ENDPOINT, request).await?;
        let status = exchange.status;
        let body = exchange.body;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorResponse>(&body) {
                Ok(e) => TokenError::Rejected {
                    status,
                    error: e.error,
                    description: e.error_description,
                },
                Err(_) => TokenError::Rejected {
                    status,
                    error: "unknown".into(),
                    description: None,
                },
            });
        }
        let tokens: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| TokenError::Decode(e.to_string()))?;
        Ok(TokenSet::new(
            tokens.access_token,
            tokens.refresh_token,
            tokens.expires_in.map(Duration::from_secs),
        ))
    }
}

/// One user's tokens, refreshed before they expire: a [`TokenSource`] for
/// the Mediaconnect client.
///
/// A refresh runs in its own task: a caller that gives up (a timeout, a
/// dropped request) does not lose the rotated refresh token, and the next
/// caller finds the new tokens. [`UserTokens::with_refresh_hook`] lets you
/// store them.
pub struct UserTokens {
    inner: Arc<Shared>,
}

/// A hook called with the new tokens after each refresh.
type RefreshHook = Box<dyn Fn(&TokenSet) + Send + Sync>;

struct Shared {
    oauth: OAuthClient,
    tokens: tokio::sync::Mutex<TokenSet>,
    on_refresh: Option<RefreshHook>,
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("oauth", &self.inner.oauth)
            .finish_non_exhaustive()
    }
}

impl UserTokens {
    /// Tokens of one user, from [`OAuthClient::exchange_code`] or your store.
    pub fn new(oauth: OAuthClient, tokens: TokenSet) -> Self {
        Self {
            inner: Arc::new(Shared {
                oauth,
                tokens: tokio::sync::Mutex::new(tokens),
                on_refresh: None,
            }),
        }
    }

    /// Like [`UserTokens::new`], and `hook` is called with the new tokens
    /// after every refresh, to store them: a rotated refresh token that is
    /// not stored logs the user out when the process restarts. It runs inside
    /// the refresh task; keep it short.
    pub fn with_refresh_hook(
        oauth: OAuthClient,
        tokens: TokenSet,
        hook: impl Fn(&TokenSet) + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner: Arc::new(Shared {
                oauth,
                tokens: tokio::sync::Mutex::new(tokens),
                on_refresh: Some(Box::new(hook)),
            }),
        }
    }

    /// The current tokens, to store (they change when refreshed).
    pub async fn current(&self) -> TokenSet {
        self.inner.tokens.lock().await.clone()
    }

    async fn fresh_access_token(&self) -> Result<SecretString, TokenError> {
        {
            let tokens = self.inner.tokens.lock().await;
            if !tokens.needs_refresh() {
                return Ok(tokens.access_token.clone());
            }
        }
        // The refresh outlives this caller if it is cancelled.
        let shared = Arc::clone(&self.inner);
        tokio::spawn(async move { shared.refresh().await })
            .await
            .map_err(|_| TokenError::Stopped)?
    }
}

impl Shared {
    async fn refresh(&self) -> Result<SecretString, TokenError> {
        // Held across the refresh so that concurrent calls refresh once.
        let mut tokens = self.tokens.lock().await;
        if tokens.needs_refresh() {
            let refresh_token = tokens
                .refresh_token
                .clone()
                .ok_or(TokenError::NoRefreshToken)?;
            *tokens = self.oauth.refresh(&refresh_token).await?;
            if let Some(hook) = &self.on_refresh {
                hook(&tokens);
            }
        }
        Ok(tokens.access_token.clone())
    }
}

impl TokenSource for UserTokens {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.fresh_access_token().await.map_err(Into::into) })
    }
}

/// The merchant's own tokens for the "client mode" operations: a
/// [`TokenSource`] that asks the login server for a token with the client
/// credentials grant when it has none or its token is about to expire
/// (such a token has no refresh token, RFC 6749 §4.4.3).
///
/// As with [`UserTokens`], the request runs in its own task, and
/// concurrent callers share one request.
#[derive(Clone)]
pub struct ClientTokens {
    inner: Arc<ClientShared>,
}

struct ClientShared {
    oauth: OAuthClient,
    tokens: tokio::sync::Mutex<Option<TokenSet>>,
}

impl fmt::Debug for ClientTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTokens")
            .field("oauth", &self.inner.oauth)
            .finish_non_exhaustive()
    }
}

impl ClientTokens {
    /// Tokens of `oauth`'s client; the first is asked for on the first call.
    pub fn new(oauth: OAuthClient) -> Self {
        Self {
            inner: Arc::new(ClientShared {
                oauth,
                tokens: tokio::sync::Mutex::new(None),
            }),
        }
    }

    async fn fresh_access_token(&self) -> Result<SecretString, TokenError> {
        {
            let tokens = self.inner.tokens.lock().await;
            if let Some(tokens) = tokens.as_ref().filter(|t| !t.needs_refresh()) {
                return Ok(tokens.access_token.clone());
            }
        }
        let shared = Arc::clone(&self.inner);
        tokio::spawn(async move { shared.renew().await })
            .await
            .map_err(|_| TokenError::Stopped)?
    }
}

impl ClientShared {
    async fn renew(&self) -> Result<SecretString, TokenError> {
        let mut tokens = self.tokens.lock().await;
        match tokens.as_ref().filter(|t| !t.needs_refresh()) {
            Some(current) => Ok(current.access_token.clone()),
            None => {
                let fresh = self.oauth.client_credentials().await?;
                let access = fresh.access_token.clone();
                *tokens = Some(fresh);
                Ok(access)
            }
        }
    }
}

impl TokenSource for ClientTokens {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.fresh_access_token().await.map_err(Into::into) })
    }
}
