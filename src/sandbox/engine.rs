//! What the four API stand-ins share, written once: the sandbox's clock
//! (which a test can move forward instead of sleeping), the numbers its IDs
//! are made of, and reading a request's query and JSON body by the spec's
//! rules. Each API's file keeps only its store and handlers; routes come
//! from `routes`, fault scripting from `scripted`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::Query;
use axum::http::Uri;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::runtime::{Operation, check_body};

/// The clock and ID counter of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct Engine {
    issued: AtomicU64,
    /// How far the sandbox's clock is ahead of the real one.
    ahead_millis: AtomicI64,
}

impl Engine {
    /// The sandbox's time: the real time, moved by [`Engine::advance`].
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.ahead_millis.load(Ordering::Relaxed))
    }

    /// Move the sandbox's clock forward (expire a verification code
    /// without waiting for it).
    pub(crate) fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_millis.fetch_add(millis, Ordering::Relaxed);
    }

    /// A number no other record of this sandbox has had since the last reset.
    pub(crate) fn next(&self) -> u64 {
        self.issued.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// `prefix` and a fresh number: `tx000042`.
    pub(crate) fn id(&self, prefix: &str) -> String {
        format!("{prefix}{:06}", self.next())
    }

    /// Back to the real time and the first number.
    pub(crate) fn reset(&self) {
        self.issued.store(0, Ordering::Relaxed);
        self.ahead_millis.store(0, Ordering::Relaxed);
    }
}

/// The query of a request as `T`; on failure, a message for the API's own
/// error shape (never axum's plain-text 400).
pub(crate) fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, String> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(query)| query)
        .map_err(|_| "the query parameters do not match the operation's".to_string())
}

/// The JSON body of `operation` as `T`, after the spec's body rules (the
/// ones the client checks before sending); on failure, a message for the
/// API's own error shape.
pub(crate) fn json_body<T: DeserializeOwned>(
    operation: &Operation,
    body: &[u8],
) -> Result<T, String> {
    check_body(operation, body).map_err(|broken| broken.to_string())?;
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward_and_ids_are_fresh_until_reset() {
        let engine = Engine::default();
        let before = engine.now();
        engine.advance(Duration::from_secs(3600));
        assert!(engine.now() - before >= chrono::Duration::minutes(59));
        assert_eq!(engine.id("tx"), "tx000001");
        assert_eq!(engine.next(), 2);
        engine.reset();
        assert_eq!(engine.next(), 1);
        assert!(engine.now() - before < chrono::Duration::minutes(1));
    }
}
