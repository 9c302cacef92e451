//! Scripted faults applied to the API routes: the middleware that finds
//! the call's API and operation and does what the first matching fault
//! (`script`) says.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::journal::Api;
use super::script::{Call, FaultAction};

/// What the middleware in front of one API's hand-written pages knows:
/// the API, and what a fault script may name of a call to its pages
/// (Direct Payment's SOAP operation by its SOAPAction, any call to the
/// Mediaconnect login server; `None` for payment pages, which no script
/// faults), as its mount says.
#[derive(Clone)]
pub(crate) struct Pages {
    pub(crate) shared: Shared,
    pub(crate) api: Api,
    pub(crate) operation_of: fn(&HeaderMap) -> Option<Option<&'static str>>,
    /// The API's own "nothing here" for a lookup among its named page
    /// operations (a scripted `lookup_lag`), if it has one.
    pub(crate) nothing_found: fn(&'static str) -> Option<Response>,
}

use super::engine::MAX_BODY;

/// The middleware in front of every API route: applies the first scripted
/// fault the call matches, if any.
pub(crate) async fn apply(
    State(Pages {
        shared,
        api,
        operation_of,
        nothing_found: nothing_found_of,
    }): State<Pages>,
    request: Request,
    next: Next,
) -> Response {
    // Nothing scripted (the usual case): the call as it is, unread.
    if shared.script().is_empty() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    let found = operation_of(&parts.headers).map(|operation| (api, operation));
    let action = match found {
        Some((api, operation)) => shared.take_fault(&Call {
            api,
            operation,
            target: &target,
            body: &body,
        }),
        None => None,
    };
    let request = Request::from_parts(parts, Body::from(body));
    let nothing_found = move || match found {
        Some((_, Some(operation))) => nothing_found_of(operation),
        _ => None,
    };
    around(action, nothing_found, next.run(request)).await
}

/// `run` (the call as the stand-in does it) under the scripted fault
/// `action`, if any: before it, instead of it, or after it.
/// `nothing_found` is the API's own "nothing here" for a lagging lookup.
pub(crate) async fn around(
    action: Option<FaultAction>,
    nothing_found: impl FnOnce() -> Option<Response>,
    run: impl Future<Output = Response> + Send + 'static,
) -> Response {
    let Some(action) = action else {
        return run.await;
    };
    match action {
        FaultAction::FailBefore {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = status.into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        FaultAction::Respond {
            status,
            body,
            content_type,
        } => respond(status, body, content_type),
        FaultAction::RespondAfter {
            status,
            body,
            content_type,
        } => {
            let _committed = run.await;
            respond(status, body, content_type)
        }
        FaultAction::CommitLate { ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _committed = run.await;
            });
            cut(StatusCode::OK.into_response(), 0).await
        }
        FaultAction::LookupLag { .. } => match nothing_found() {
            Some(answer) => answer,
            None => run.await,
        },
        FaultAction::FailAfter { status } => {
            let _committed = run.await;
            StatusCode::from_u16(status)
                .unwrap_or(StatusCode::BAD_GATEWAY)
                .into_response()
        }
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            run.await
        }
        FaultAction::DropAfter => {
            let committed = run.await;
            cut(committed, 0).await
        }
        FaultAction::Truncate => {
            let committed = run.await;
            cut(committed, 2).await
        }
        // Only for callbacks, which are no request to the sandbox.
        FaultAction::DeliverTwice
        | FaultAction::DeliverLate { .. }
        | FaultAction::DeliverOutOfOrder => run.await,
    }
}

/// A scripted answer: `status` with `body` as `content_type` (JSON if none).
fn respond(status: u16, body: String, content_type: Option<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = content_type.unwrap_or_else(|| "application/json".into());
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// `response` with its body cut: none of it (`divisor` 0) or its first
/// 1/`divisor`, then a failure, which makes the server close the connection.
async fn cut(response: Response, divisor: usize) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let kept: Bytes = match divisor {
        0 => Bytes::new(),
        n => bytes.slice(..bytes.len() / n),
    };
    // The full length is announced; the body ends early.
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(1)),
    );
    let chunks = futures_util::stream::iter([
        Ok(kept),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "scripted: the connection drops",
        )),
    ]);
    Response::from_parts(parts, Body::from_stream(chunks))
}
