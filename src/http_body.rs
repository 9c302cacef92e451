//! Response-size limits shared by the REST clients' hooks.

use bytes::Bytes;
use reqwest::ResponseBuilderExt as _;

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
#[cfg(feature = "direct-payment")]
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
