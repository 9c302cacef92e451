//! The one runtime under all four clients: every call of every API, REST and
//! SOAP, goes through it.
//!
//! - **Deadlines**: each operation has a deadline and a per-attempt timeout
//!   from its spec ([`Operation`]); both are enforced here, so they hold with
//!   your own `reqwest::Client` too. Credentials from a token source are
//!   fetched inside the deadline.
//! - **Retries**: only [`RetryClass::Safe`] operations are sent again after
//!   a failure that may have reached the provider (timeouts, connection
//!   loss, 429, 502, 503, 504), with exponential backoff, full jitter, a
//!   per-client retry budget and `Retry-After` honoured within the deadline.
//!   Operations that move money or send an SMS are sent again only when
//!   they provably never left (the connection was refused).
//! - **Redirects** are never followed: a credential must not travel to
//!   whatever a `Location` names. A redirect is a [`TransportError::Redirected`].
//! - **No secrets or personal data** in errors, logs or spans: transport
//!   errors carry no URL; spans name the operation and its path template.
//! - **Tracing**: one span per operation (`nordpay.api`, `nordpay.operation`,
//!   `http.request.method`, `url.template`, `http.response.status_code`,
//!   `nordpay.attempts`, `otel.kind = "client"`), an event per retry.
//!
//! Each API's module re-exports the runtime types its own signatures name,
//! and no others: `TransportError` (inside its `Error`), `Resolution` and
//! `Resolved` where it has resolving calls, and what its builder takes
//! (Mediaconnect's token source). Everything else is used from here.

// One API alone uses only part of the runtime; with all of them on (as CI
// builds) unused code is still reported.
#![cfg_attr(
    not(all(
        feature = "connect",
        feature = "direct-payment",
        feature = "puzzel-pay",
        feature = "mediaconnect"
    )),
    allow(dead_code, unused_imports)
)]

pub(crate) mod auth;
mod body;
mod builder;
mod call_url;
pub(crate) mod checks;
mod classify;
pub(crate) mod context;
mod error;
pub(crate) mod json_rules;
mod nulls;
mod operation;
mod overrides;
pub(crate) mod pages;
mod resolution;
mod retry;
mod rules;
mod send;
#[cfg(feature = "direct-payment")]
pub mod soap;
pub mod telemetry;
mod tunnel;

pub use auth::{BoxError, TokenFuture, TokenSource};
pub use builder::{ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};
pub use context::Context;
pub use error::{DecodeError, StatusError, TransportError};
pub use operation::{
    ArrayRule, BodyCheck, IntegerRule, Operation, Policy, QueryValues, RetryClass,
};
pub use overrides::Overrides;
pub use resolution::{Resolution, Resolved};
pub use retry::RetryConfig;
pub use rules::{BrokenRule, InvalidValue};

pub(crate) use auth::Credentials;
pub use body::RawBody;
pub(crate) use call_url::Segment;
pub(crate) use classify::{Class, classified};
pub(crate) use context::exec;
pub(crate) use context::{decoded, request_json, url_of};
#[cfg(any(feature = "sandbox", feature = "cli"))]
pub(crate) use json_rules::check as check_json;
pub(crate) use nulls::{absent_or_value, null_as_empty};
pub(crate) use resolution::{Classified, Lookup, Plan, Refusal, after, outcome, resolve};
pub(crate) use retry::retry_after;
#[cfg(any(feature = "sandbox", feature = "cli"))]
pub(crate) use rules::{check_query, check_typed};
pub(crate) use send::Runtime;
pub(crate) use tunnel::{ApiError, ErrorAnswer, api_error, finish, from_generated};
