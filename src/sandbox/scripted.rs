//! Faults a test scripts, per API and operation, matched by a key the call
//! carries: "commit, then drop the connection", "503 before doing
//! anything", "429 with Retry-After", a delay, a cut-off body. Over HTTP
//! (`POST /sandbox/faults`, so a service in any language can script them)
//! and from Rust ([`super::Sandbox::script`]). A scripted fault is used up
//! by the calls it matches; [`super::Sandbox::reset`] clears them all.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Shared;

/// A fault for the next calls that match it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedFault {
    /// `connect`, `direct_payment`, `puzzel_pay` or `mediaconnect`; any if absent.
    #[serde(default)]
    pub api: Option<String>,
    /// The operation's name in its spec (`pay` over REST, `Pay` over SOAP,
    /// `createTransaction`, `createBatch`, `payInvoice`); any if absent.
    #[serde(default)]
    pub operation: Option<String>,
    /// Text the call must carry in its path, query or body (an MSISDN, a
    /// ClientReference, an orderId, an invoice number); any call if absent.
    #[serde(default)]
    pub key: Option<String>,
    /// How many matching calls it applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to them.
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

/// What a scripted fault does to a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer `status` (with `Retry-After: retry_after` seconds if given)
    /// without doing anything: nothing is committed.
    FailBefore {
        /// The HTTP status, e.g. 503 or 429.
        status: u16,
        /// Seconds for `Retry-After`.
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Answer this instead, without doing anything: a scripted provider
    /// answer (a fault body, an unexpected document).
    Respond {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
        /// Its Content-Type (`application/json` if absent).
        #[serde(default)]
        content_type: Option<String>,
    },
    /// Do the call (a payment is committed), then answer `status` instead.
    FailAfter {
        /// The HTTP status, e.g. 502.
        status: u16,
    },
    /// Do the call, then close the connection: the client gets no answer
    /// (at most a status line, never a body).
    DropAfter,
    /// Wait, then do the call as usual.
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Do the call, then send only the first half of its answer's body and
    /// close the connection.
    Truncate,
    /// For Puzzel Pay's `callback` (the sandbox's POST to your callback
    /// URL): deliver it twice, as the provider may.
    DeliverTwice,
    /// For Puzzel Pay's `callback`: deliver it `ms` milliseconds late.
    DeliverLate {
        /// Milliseconds to wait before the first attempt.
        ms: u64,
    },
    /// For Puzzel Pay's `callback`: hold it back until the next callback
    /// has been delivered (at most 10 s), so the two arrive out of order.
    DeliverOutOfOrder,
}

impl ScriptedFault {
    /// A fault for the next call of `operation` of `api`.
    pub fn new(api: &str, operation: &str, action: FaultAction) -> Self {
        Self {
            api: Some(api.to_string()),
            operation: Some(operation.to_string()),
            key: None,
            times: 1,
            action,
        }
    }

    /// Only for calls that carry `key`.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// For the next `times` matching calls.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    fn matches(&self, call: &Call<'_>) -> bool {
        let api = self.api.as_deref().is_none_or(|api| api == call.api);
        let operation = match (&self.operation, call.operation) {
            (None, _) => true,
            (Some(wanted), Some(operation)) => wanted == operation,
            (Some(_), None) => false,
        };
        let key = self
            .key
            .as_deref()
            .is_none_or(|key| call.target.contains(key) || memchr_str(call.body, key.as_bytes()));
        api && operation && key && self.times > 0
    }
}

fn memchr_str(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// The scripted faults not used up yet, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Script {
    faults: Vec<ScriptedFault>,
}

impl Script {
    pub(crate) fn add(&mut self, fault: ScriptedFault) {
        self.faults.push(fault);
    }

    fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The faults not used up yet, oldest first.
    pub(crate) fn pending(&self) -> &[ScriptedFault] {
        &self.faults
    }

    /// The action scripted for the Puzzel Pay callback whose JSON is `body`.
    pub(crate) fn take_callback(&mut self, body: &[u8]) -> Option<FaultAction> {
        self.take(&Call {
            api: "puzzel_pay",
            operation: Some("callback"),
            target: "",
            body,
        })
    }

    /// The action of the first fault `call` matches, using one of its times.
    fn take(&mut self, call: &Call<'_>) -> Option<FaultAction> {
        let at = self.faults.iter().position(|fault| fault.matches(call))?;
        let fault = &mut self.faults[at];
        fault.times -= 1;
        let action = fault.action.clone();
        if fault.times == 0 {
            self.faults.remove(at);
        }
        Some(action)
    }
}

/// What a fault is matched against.
struct Call<'a> {
    api: &'static str,
    operation: Option<&'static str>,
    /// Path and query.
    target: &'a str,
    body: &'a [u8],
}

/// The API and operation of a request: by method and path template, or
/// (Direct Payment over SOAP) by SOAPAction.
fn operation_of(
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<(&'static str, Option<&'static str>)> {
    if path.starts_with("/direct-payment/soapV1.svc") {
        let operation =
            super::direct_payment::soap_operation(super::direct_payment::soap_action(headers))
                .map(|op| op.name);
        return Some(("direct_payment", operation));
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
        return Some(("mediaconnect", None));
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
    let action = match operation_of(parts.method.as_str(), parts.uri.path(), &parts.headers) {
        Some((api, operation)) => shared.script().take(&Call {
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
    // The dashboard lists the faults still waiting.
    shared.changed();
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
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = content_type.unwrap_or_else(|| "application/json".into());
            let mut response = (status, body).into_response();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
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
            Some(("direct_payment", Some("pay")))
        );
        assert_eq!(
            operation_of("POST", "/connect/transactions", &headers),
            Some(("connect", Some("createTransaction")))
        );
        assert_eq!(operation_of("GET", "/sandbox/reset", &headers), None);
    }

    #[test]
    fn a_fault_is_used_up_by_the_calls_it_matches() {
        let mut script = Script::default();
        script.add(
            ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter)
                .key("+4799")
                .times(2),
        );
        let call = |body: &'static [u8]| Call {
            api: "direct_payment",
            operation: Some("pay"),
            target: "/direct-payment/restV1.svc/service/1/pay",
            body,
        };
        assert_eq!(script.take(&call(b"{\"Msisdn\":\"+4798\"}")), None);
        assert_eq!(
            script.take(&call(b"{\"Msisdn\":\"+4799\"}")),
            Some(FaultAction::DropAfter)
        );
        assert_eq!(
            script.take(&call(b"{\"Msisdn\":\"+4799\"}")),
            Some(FaultAction::DropAfter)
        );
        assert_eq!(script.take(&call(b"{\"Msisdn\":\"+4799\"}")), None);
    }
}
