//! What the runtime knows of each operation: generated from the specs
//! (`x-nordpay-runtime` in OpenAPI, `nordpay:retry` and friends in the WSDL),
//! never typed by hand.

use std::time::Duration;

/// Whether an operation may be sent again after a failure whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// A read, or a write the provider applies once however often it is
    /// sent: retried on connection errors, timeouts, 429, 502, 503 and 504.
    Safe,
    /// Moves money or sends an SMS and the provider offers no way to learn
    /// its outcome: sent again only when it provably never left (a refused
    /// connection).
    Never,
    /// Moves money or sends an SMS; when its outcome is unknown it is
    /// resolved by the named lookup on its natural key, never by sending it
    /// again. Sent again only when it provably never left.
    ResolveByLookup {
        /// The spec name of the lookup operation (e.g. `getPaymentStatus`).
        lookup: &'static str,
    },
}

impl RetryClass {
    /// Whether an attempt that may have reached the provider can be repeated.
    pub fn repeats_after_sending(self) -> bool {
        matches!(self, RetryClass::Safe)
    }
}

/// The time and retry policy of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// See [`RetryClass`].
    pub retry: RetryClass,
    /// The whole operation, credentials, retries and backoff included,
    /// ends by this time.
    pub deadline: Duration,
    /// One attempt, from sending to the last byte of the answer.
    pub attempt_timeout: Duration,
    /// How long the provider may hold the request waiting for the user to
    /// confirm it (Direct Payment's `SecurityLevel` 2): until then a
    /// "not done" it shows may still become done.
    pub confirmation_window: Option<Duration>,
}

/// One operation of one API, as the runtime sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The API (`connect`, `direct_payment`, `puzzel_pay`, `mediaconnect`).
    pub api: &'static str,
    /// The operation's name in the spec (`createTransaction`, `Pay`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The path template (`/transactions/{transactionId}`): logged instead
    /// of the concrete path, which can carry personal data.
    pub path: &'static str,
    /// The request's real Content-Type where the spec uses one progenitor
    /// cannot send (vendor media types).
    pub content_type: Option<&'static str>,
    /// The real Accept, likewise.
    pub accept: Option<&'static str>,
    /// How long it may take and whether it may be repeated.
    pub policy: Policy,
    /// Rules of the request body the generated types do not hold; checked
    /// before sending.
    pub body_rules: &'static [ArrayRule],
    /// The largest numbers the spec's integer formats allow, where the
    /// generated type is wider (an unsigned type for a signed format with
    /// a minimum of 0 or 1); checked before sending.
    pub integer_rules: &'static [IntegerRule],
    /// Query parameters of an open enum type (`x-nordpay-open`): the values
    /// a request may carry. Answers may hold others; requests are strict.
    pub query_values: &'static [QueryValues],
    /// JSON pointers (`*` for every item of an array) of the body's optional
    /// members the spec does not mark nullable: null is refused. The
    /// sandbox checks it; the client leaves an absent member out.
    pub not_null: &'static [&'static str],
    /// A rule across fields of the body (the spec's `x-nordpay-body-check`),
    /// written by the API's face; checked before sending.
    pub body_check: Option<BodyCheck>,
    /// JSON pointers of body members that a request authenticated with a
    /// user's access token must carry (the spec's
    /// `x-nordpay-bearer-requires`); with the merchant's key they may be absent.
    pub bearer_requires: &'static [&'static str],
}

/// A rule across fields of a request body that no schema keyword says
/// (CONNECT's products adding up to the amount), named by the spec.
#[derive(Clone, Copy)]
pub struct BodyCheck {
    /// The spec's name of the rule (`products-add-up`).
    pub name: &'static str,
    /// The check, on the body's generated type (a body of another type
    /// passes): before the client writes it, after the sandbox and the CLI
    /// read it.
    pub check: fn(&dyn std::any::Any) -> Result<(), super::BrokenRule>,
}

impl PartialEq for BodyCheck {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for BodyCheck {}

impl std::fmt::Debug for BodyCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodyCheck({})", self.name)
    }
}

/// A rule of the spec on one array of a request body (`minItems`,
/// `maxItems`, `x-nordpay-unique-by`), which typify generates no check for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayRule {
    /// JSON pointer of the array in the body (`/recipients`).
    pub pointer: &'static str,
    /// Fewest items.
    pub min_items: Option<usize>,
    /// Most items.
    pub max_items: Option<usize>,
    /// The field whose value no two items share (`reference`).
    pub unique_by: Option<&'static str>,
}

/// The largest value of an integer of a request body: its format's
/// (`int32`, `int64`), which the generated unsigned type does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegerRule {
    /// JSON pointer of the number; `*` stands for every item of an array
    /// (`/recipients/*/payment/amount`).
    pub pointer: &'static str,
    /// The largest value allowed.
    pub max: u64,
}

/// The values a query parameter of an open enum type may be sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryValues {
    /// The parameter's name.
    pub name: &'static str,
    /// The values the spec lists.
    pub values: &'static [&'static str],
}
