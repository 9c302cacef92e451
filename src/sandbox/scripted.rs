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

/// The API and operation of a request: by method and path template, or
/// (Direct Payment over SOAP) by SOAPAction.
fn operation_of(
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<(Api, Option<&'static str>)> {
    if path.starts_with("/direct-payment/soapV1.svc") {
        let operation =
            super::direct_payment::soap_operation(super::direct_payment::soap_action(headers))
                .map(|op| op.name);
        return Some((Api::DirectPayment, operation));
    }
    for mount in super::routes::MOUNTS {
        let Some(rest) = path.strip_prefix(mount.base) else {
            continue;
        };
        let operation = mount
            .operations
            .iter()
            .find(|op| op.method == method && template_matches(op.path, rest))
            .map(|op| op.name);
        return Some((mount.api, operation));
    }
    if path.starts_with("/mediaconnect/") {
        return Some((Api::Mediaconnect, None));
    }
    None
}

fn template_matches(template: &str, path: &str) -> bool {
    let mut segments = path.split('/');
    for expected in template.split('/') {
        match segments.next() {
            Some(segment) if expected.starts_with('{') => {
                if segment.is_empty() {
                    return false;
                }
            }
            Some(segment) if segment == expected => {}
            _ => return false,
        }
    }
    segments.next().is_none()
}

/// Most bytes of a request body the sandbox reads.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The middleware in front of every API route: applies the first scripted
/// fault the call matches, if any.
pub(crate) async fn apply(State(shared): State<Shared>, request: Request, next: Next) -> Response {
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
    let found = operation_of(parts.method.as_str(), parts.uri.path(), &parts.headers);
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
    let Some(action) = action else {
        return next.run(request).await;
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
            let _committed = next.run(request).await;
            respond(status, body, content_type)
        }
        FaultAction::CommitLate { ms } => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _committed = next.run(request).await;
            });
            cut(StatusCode::OK.into_response(), 0).await
        }
        FaultAction::LookupLag { .. } => {
            let nothing = match found {
                Some((Api::DirectPayment, Some(operation))) => {
                    super::direct_payment::nothing_found(operation)
                }
                Some((Api::Connect, Some(operation))) => super::connect::nothing_found(operation),
                Some((Api::PuzzelPay, Some(operation))) => {
                    super::puzzel_pay::nothing_found(operation)
                }
                _ => None,
            };
            match nothing {
                Some(answer) => answer,
                None => next.run(request).await,
            }
        }
        FaultAction::FailAfter { status } => {
            let _committed = next.run(request).await;
            StatusCode::from_u16(status)
                .unwrap_or(StatusCode::BAD_GATEWAY)
                .into_response()
        }
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        FaultAction::DropAfter => {
            let committed = next.run(request).await;
            cut(committed, 0).await
        }
        FaultAction::Truncate => {
            let committed = next.run(request).await;
            cut(committed, 2).await
        }
        // Only for callbacks, which are no request to the sandbox.
        FaultAction::DeliverTwice
        | FaultAction::DeliverLate { .. }
        | FaultAction::DeliverOutOfOrder => next.run(request).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_templates() {
        assert!(template_matches(
            "/service/{serviceId}/pay",
            "/service/1234/pay"
        ));
        assert!(!template_matches(
            "/service/{serviceId}/pay",
            "/service/1234/pay/9"
        ));
        assert!(!template_matches(
            "/service/{serviceId}/pay",
            "/service//pay"
        ));
        let headers = HeaderMap::new();
        assert_eq!(
            operation_of("POST", "/direct-payment/restV1.svc/service/1/pay", &headers),
            Some((Api::DirectPayment, Some("pay")))
        );
        assert_eq!(
            operation_of("POST", "/connect/transactions", &headers),
            Some((Api::Connect, Some("createTransaction")))
        );
        assert_eq!(operation_of("GET", "/sandbox/reset", &headers), None);
    }
}
