//! HTTP plumbing shared by the clients: the default reqwest client, the
//! request-hook preamble and response-size limits.

use std::time::Duration;

use bytes::Bytes;
use reqwest::ResponseBuilderExt as _;
use reqwest::header::{AUTHORIZATION, HeaderValue};

/// The default overall timeout of a request.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// nordpay's reqwest client: an overall timeout, a connect timeout of at most
/// 10 s, and a `nordpay/<version>` user agent.
pub(crate) fn default_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("nordpay/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What every generated REST request gets before it is sent: no
/// `api-version` header (progenitor adds the spec's version; no provider has
/// such a header), the `Authorization` header (marked sensitive), and a trace
/// event without secrets.
pub(crate) fn prepare(
    request: &mut reqwest::Request,
    authorization: HeaderValue,
    api: &'static str,
    operation: &str,
) {
    request.headers_mut().remove("api-version");
    request.headers_mut().insert(AUTHORIZATION, authorization);
    tracing::debug!(api, operation, method = %request.method(), path = request.url().path(), "request");
}

/// What every generated REST request goes through when it is sent: the
/// request, a trace event with the status, and the body capped at `limit`.
pub(crate) async fn execute(
    http: &reqwest::Client,
    request: reqwest::Request,
    api: &'static str,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    let response = http.execute(request).await?;
    tracing::debug!(
        api,
        operation,
        status = response.status().as_u16(),
        "response"
    );
    Ok(response)
}

/// Cap the body of `response` at `limit` bytes: reading past it fails as a
/// transport error instead of filling memory.
pub(crate) fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let limited = reqwest::Body::wrap(http_body_util::Limited::new(body, limit));
    rebuild(parts, url, limited)
}

/// A response with the status, version, headers and URL of `parts`/`url` and a new body.
pub(crate) fn rebuild(
    parts: http::response::Parts,
    url: url::Url,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut builder = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    // Status, version and headers come from a response that was valid.
    let rebuilt = builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(reqwest::Body::from(Bytes::new())));
    reqwest::Response::from(rebuilt)
}

/// Read at most `limit` bytes of `response`'s body; `None` if it is longer.
#[cfg(any(feature = "direct-payment", feature = "mediaconnect"))]
pub(crate) async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    collect_capped(response.bytes_stream(), limit).await
}

/// A failed generated call whose error bodies are raw (see normalize's
/// `raw_error_bodies`), reduced to what each API's face maps to its own error.
#[cfg(any(
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
pub(crate) enum Failure {
    /// The request broke the spec and was not sent.
    InvalidRequest(String),
    /// A request hook refused (e.g. no access token); nothing was sent.
    Hook(String),
    /// Sending or reading failed.
    Transport(reqwest::Error),
    /// The error body is over the limit.
    TooLarge(usize),
    /// A success body that does not match the spec.
    Decode(String),
    /// An error status, with its headers and (capped) body; no body for a
    /// status the spec does not list.
    Status {
        status: reqwest::StatusCode,
        #[cfg_attr(
            not(any(feature = "direct-payment", feature = "mediaconnect")),
            allow(dead_code)
        )]
        headers: reqwest::header::HeaderMap,
        body: Vec<u8>,
    },
}

#[cfg(any(
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
impl Failure {
    /// Reduce `error`, reading at most `limit` bytes of an error body.
    pub(crate) async fn of(
        error: progenitor_client::Error<progenitor_client::ByteStream>,
        limit: usize,
    ) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => Failure::InvalidRequest(message),
            Generated::Custom(message) => Failure::Hook(message),
            Generated::CommunicationError(e)
            | Generated::InvalidUpgrade(e)
            | Generated::ResponseBodyError(e) => Failure::Transport(e),
            Generated::InvalidResponsePayload(_, e) => Failure::Decode(e.to_string()),
            Generated::UnexpectedResponse(response) => Failure::Status {
                status: response.status(),
                headers: response.headers().clone(),
                body: Vec::new(),
            },
            Generated::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match read_stream(response.into_inner(), limit).await {
                    Ok(Some(body)) => Failure::Status {
                        status,
                        headers,
                        body,
                    },
                    Ok(None) => Failure::TooLarge(limit),
                    Err(e) => Failure::Transport(e),
                }
            }
        }
    }
}

/// Read at most `limit` bytes of an error body the generated client handed
/// over as a stream; `None` if it is longer.
#[cfg(any(
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
pub(crate) async fn read_stream(
    stream: progenitor_client::ByteStream,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    collect_capped(stream.into_inner(), limit).await
}

/// Collect a body of at most `limit` bytes; `None` if it is longer.
#[cfg(any(
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
async fn collect_capped(
    stream: impl futures_util::Stream<Item = reqwest::Result<Bytes>>,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    use futures_util::StreamExt as _;
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// Failures below an API: the exchange itself went wrong.
#[cfg(any(
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The request could not be sent or the response not read.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// An error status whose body is not the API's error (an HTML page of a
    /// proxy, say).
    #[error("HTTP {status} with a {} body that is not the API's error", content_type.as_deref().unwrap_or("typeless"))]
    UnexpectedResponse {
        /// The HTTP status.
        status: reqwest::StatusCode,
        /// Its Content-Type.
        content_type: Option<String>,
    },
    /// The response body is over the configured limit.
    #[error("the response body is over the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
}

/// The HTTP settings every client builder takes.
#[derive(Debug, Clone)]
pub(crate) struct HttpOptions {
    pub(crate) http: Option<reqwest::Client>,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
}

impl HttpOptions {
    /// Defaults: nordpay's client, 30 s, `max_response_bytes`.
    pub(crate) fn new(max_response_bytes: usize) -> Self {
        Self {
            http: None,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes,
        }
    }

    /// The user's client, or nordpay's default one.
    pub(crate) fn client(&self) -> reqwest::Result<reqwest::Client> {
        match &self.http {
            Some(http) => Ok(http.clone()),
            None => default_client(self.timeout),
        }
    }
}
