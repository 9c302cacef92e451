//! The soak's fault mix: for each call a merchant makes, what may go wrong
//! with it and with its lookups. Every trigger the resolution rules must
//! survive is in it: lost answers, refusals before and after commit, a
//! success the spec does not list, a redirect, a failure behind the
//! provider after it charged, a commit after the client gave up, lookups
//! that lag or hit a proxy's page, and a `Retry-After` of 2^64 − 1.

use std::time::Duration;

use super::super::{FaultAction, ScriptedFault};

/// The attempt timeout of the soak's clients: a delay past it is an
/// unknown outcome.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);

/// A money operation and its lookup, by their spec names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub(crate) api: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) lookup: &'static str,
}

/// The Content-Type of a SOAP 1.1 answer.
const SOAP: &str = "text/xml; charset=utf-8";

/// A Direct Payment SOAP fault, as WCF sends it.
fn soap_fault(name: &str, code: i32, description: &str) -> String {
    format!(
        concat!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>"#,
            r#"<faultcode xmlns:a="http://schemas.microsoft.com/2009/WebFault">a:{name}</faultcode>"#,
            r#"<faultstring xml:lang="nb-NO">{description}</faultstring><detail>"#,
            r#"<DirectPaymentFault xmlns="http://directpay.intele.com/v1/faults">"#,
            r#"<Code>{code}</Code><Description>{description}</Description>"#,
            r#"</DirectPaymentFault></detail></s:Fault></s:Body></s:Envelope>"#
        ),
        name = name,
        code = code,
        description = description
    )
}

/// The faults for one call of `call` that carries `key`, and for lookups
/// that carry `lookup_key`, drawn from `rng`.
pub(crate) fn faults(
    rng: &mut fastrand::Rng,
    call: Call,
    key: &str,
    lookup_key: &str,
) -> Vec<ScriptedFault> {
    let mut faults = Vec::new();
    let slow = || (2 * ATTEMPT_TIMEOUT).as_millis() as u64;
    let action = match rng.u8(0..16) {
        0..=3 => None,
        4 => Some(FaultAction::DropAfter),
        5 => Some(FaultAction::FailBefore {
            status: 503,
            retry_after: None,
        }),
        6 => Some(FaultAction::FailBefore {
            status: 429,
            retry_after: Some(0),
        }),
        7 => Some(FaultAction::FailAfter { status: 502 }),
        8 => Some(FaultAction::Truncate),
        9 => Some(FaultAction::Delay {
            ms: rng.u64(0..=slow()),
        }),
        // A gateway that rewrites the status, after the money moved.
        10 => Some(FaultAction::RespondAfter {
            status: if rng.bool() { 201 } else { 202 },
            body: String::new(),
            content_type: None,
        }),
        11 => Some(FaultAction::RespondAfter {
            status: 302,
            body: String::new(),
            content_type: None,
        }),
        // The provider commits after the client gave up.
        12 => Some(FaultAction::CommitLate {
            ms: rng.u64(0..=slow()),
        }),
        // Direct Payment: a failure behind Puzzel after it charged, in the
        // transport's own fault shape.
        13 if call.operation == "pay" => Some(FaultAction::RespondAfter {
            status: 424,
            body: r#"{"Code":9,"Description":"Third party system error"}"#.into(),
            content_type: None,
        }),
        13 if call.operation == "Pay" => Some(FaultAction::RespondAfter {
            status: 424,
            body: soap_fault("FailedDependency", 9, "Third party system error"),
            content_type: Some(SOAP.into()),
        }),
        _ => Some(FaultAction::DropAfter),
    };
    if let Some(action) = action {
        faults.push(
            ScriptedFault::new(call.api, call.operation, action)
                .key(key)
                .times(rng.u32(1..=2)),
        );
    }
    let lookup = match rng.u8(0..8) {
        0..=3 => None,
        4 => Some(FaultAction::FailBefore {
            status: 503,
            retry_after: None,
        }),
        // A hostile Retry-After: no panic, no wait of 2^64 s.
        5 => Some(FaultAction::FailBefore {
            status: 503,
            retry_after: Some(u64::MAX),
        }),
        // A proxy's error page: a failed lookup, not "nothing recorded".
        6 => Some(FaultAction::Respond {
            status: 404,
            body: "<html><body><h1>404 Not Found</h1></body></html>".into(),
            content_type: Some("text/html".into()),
        }),
        // A lagging replica: the provider's own "nothing here" for a while.
        _ => Some(FaultAction::LookupLag {
            ms: rng.u64(0..=3 * ATTEMPT_TIMEOUT.as_millis() as u64),
        }),
    };
    if let Some(action) = lookup {
        faults.push(
            ScriptedFault::new(call.api, call.lookup, action)
                .key(lookup_key)
                .times(rng.u32(1..=3)),
        );
    }
    faults
}
