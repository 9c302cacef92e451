//! OAuth 2.0 authorization-code grant against the ConnectID login server:
//! the authorize URL, the code exchange, and refresh (RFC 6749 sections 4.1, 6).
//!
//! Written on nordpay's reqwest client rather than with the `oauth2` crate,
//! whose reqwest integration is a different reqwest major version: two
//! requests do not justify a second HTTP stack.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::{TokenFuture, TokenSource};
use crate::http::{default_client, read_capped};

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
            expires_at: expires_in.map(|d| Instant::now() + d),
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
    Transport(#[from] reqwest::Error),
    /// The answer is not a token response.
    #[error("not a token response: {0}")]
    Decode(String),
}

/// An OAuth client registered with ConnectID. Never shows its secret.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
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
        Ok(Self {
            http: default_client(crate::http::DEFAULT_TIMEOUT)?,
            login_server,
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri,
        })
    }

    /// Use your own `reqwest::Client`.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
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

    /// x-nordpay-inferred: the client credentials go in the form body (as the
    /// PHP and Ruby ConnectID clients send them), not in a Basic header.
    async fn token_request(&self, grant: &[(&str, &str)]) -> Result<TokenSet, TokenError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(grant)
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose_secret())
            .finish();
        let response = self
            .http
            .post(self.endpoint("oauth/token"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let body = read_capped(response, MAX_TOKEN_RESPONSE_BYTES)
            .await?
            .ok_or_else(|| TokenError::Decode("the token response is too large".into()))?;
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
#[derive(Debug)]
pub struct UserTokens {
    oauth: OAuthClient,
    tokens: tokio::sync::Mutex<TokenSet>,
}

impl UserTokens {
    /// Tokens of one user, from [`OAuthClient::exchange_code`] or your store.
    pub fn new(oauth: OAuthClient, tokens: TokenSet) -> Self {
        Self {
            oauth,
            tokens: tokio::sync::Mutex::new(tokens),
        }
    }

    /// The current tokens, to store (they change when refreshed).
    pub async fn current(&self) -> TokenSet {
        self.tokens.lock().await.clone()
    }

    async fn fresh_access_token(&self) -> Result<SecretString, TokenError> {
        // Held across the refresh so that concurrent calls refresh once.
        let mut tokens = self.tokens.lock().await;
        if tokens.needs_refresh() {
            let refresh_token = tokens
                .refresh_token
                .clone()
                .ok_or(TokenError::NoRefreshToken)?;
            *tokens = self.oauth.refresh(&refresh_token).await?;
        }
        Ok(tokens.access_token.clone())
    }
}

impl TokenSource for UserTokens {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.fresh_access_token().await.map_err(Into::into) })
    }
}
