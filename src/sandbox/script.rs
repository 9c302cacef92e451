//! Faults a test scripts, per API and operation, matched by a key the call
//! carries: "commit, then drop the connection", "503 before doing
//! anything", "429 with Retry-After", a delay, a cut-off body, a callback
//! twice, late or out of order. Over HTTP (`POST /sandbox/faults`, so a
//! service in any language can script them), from Rust
//! ([`super::Sandbox::script`]) and from the dashboard's form. A scripted
//! fault is used up by the calls it matches; [`super::Sandbox::reset`]
//! clears them all. What they do to a request is `scripted`'s; what they do
//! to a callback, `callbacks`'.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::journal::Api;

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
    /// Do the call, then answer this instead: a success the spec does not
    /// list (a gateway's 201, a 302), or an error, after the money moved.
    RespondAfter {
        /// The HTTP status.
        status: u16,
        /// The body (empty if absent).
        #[serde(default)]
        body: String,
        /// Its Content-Type (`application/json` if absent).
        #[serde(default)]
        content_type: Option<String>,
    },
    /// Do the call, then close the connection: the client gets no answer
    /// (at most a status line, never a body).
    DropAfter,
    /// Close the connection at once, and do the call `ms` milliseconds
    /// later: the provider commits after the client gave up, so a lookup
    /// made before then sees nothing.
    CommitLate {
        /// Milliseconds after the answer is dropped that the call is done.
        ms: u64,
    },
    /// For a lookup (a status read, a list): a lagging replica. For `ms`
    /// milliseconds from the first call it matches, every call it matches
    /// gets the API's own "nothing here" answer (Direct Payment's not
    /// found, an empty CONNECT list, Puzzel Pay's 404), whether or not the
    /// record exists; then it is gone. `times` does not apply.
    LookupLag {
        /// How long lookups do not see the record.
        ms: u64,
    },
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
        let api = || self.api.as_deref().is_none_or(|api| api == call.api.name());
        let operation = || match (&self.operation, call.operation) {
            (None, _) => true,
            (Some(wanted), Some(operation)) => wanted == operation,
            (Some(_), None) => false,
        };
        // The key is looked for in the body last: a soak leaves thousands of
        // faults waiting, and most are for other operations.
        let key = || {
            self.key.as_deref().is_none_or(|key| {
                call.target.contains(key) || memchr_str(call.body, key.as_bytes())
            })
        };
        self.times > 0 && api() && operation() && key()
    }
}

fn memchr_str(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// The scripted faults not used up yet, oldest first, each with the time
/// a lookup lag that has begun ends.
#[derive(Debug, Default)]
pub(crate) struct Script {
    faults: Vec<(ScriptedFault, Option<Instant>)>,
}

impl Script {
    pub(crate) fn add(&mut self, fault: ScriptedFault) {
        self.faults.push((fault, None));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The faults not used up yet, oldest first.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &ScriptedFault> {
        self.faults.iter().map(|(fault, _)| fault)
    }

    /// The action of the first fault `call` matches, using one of its times
    /// (or, for a lookup lag, starting its time).
    pub(crate) fn take(&mut self, call: &Call<'_>) -> Option<FaultAction> {
        let now = Instant::now();
        self.faults
            .retain(|(_, ends)| ends.is_none_or(|ends| ends > now));
        let at = self
            .faults
            .iter()
            .position(|(fault, _)| fault.matches(call))?;
        let (fault, ends) = &mut self.faults[at];
        let action = fault.action.clone();
        if let FaultAction::LookupLag { ms } = action {
            ends.get_or_insert(now + Duration::from_millis(ms));
            return Some(action);
        }
        fault.times -= 1;
        if fault.times == 0 {
            self.faults.remove(at);
        }
        Some(action)
    }
}

impl<'a> Call<'a> {
    /// The Puzzel Pay callback whose JSON is `body` (no request to the sandbox).
    pub(crate) fn callback(body: &'a [u8]) -> Self {
        Self {
            api: Api::PuzzelPay,
            operation: Some("callback"),
            target: "",
            body,
        }
    }
}

/// What a fault is matched against.
pub(crate) struct Call<'a> {
    pub(crate) api: Api,
    pub(crate) operation: Option<&'static str>,
    /// Path and query.
    pub(crate) target: &'a str,
    pub(crate) body: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_used_up_by_the_calls_it_matches() {
        let mut script = Script::default();
        script.add(
            ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter)
                .key("+4799")
                .times(2),
        );
        let call = |body: &'static [u8]| Call {
            api: Api::DirectPayment,
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
