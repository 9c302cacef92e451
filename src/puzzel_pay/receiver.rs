//! A receiver of Puzzel Pay's callback to mount in a web app (feature
//! `callback-receiver`): it caps and parses the body, confirms it with the
//! batch status before anything happens (the callback is an
//! unauthenticated POST anyone who knows the URL can send, and it may
//! come twice, late or out of order), calls the merchant's handler once per
//! (batch, recipient, outcome) within a window, and answers so that
//! Puzzel Pay tries again when it should.
//!
//! x-nordpay-inferred: the docs ask only that the server "accept a HTTP
//! POST of type application/json". A 2xx says it was taken; anything else
//! asks for the callback again (the sandbox tries 5 times with backoff;
//! whether Puzzel Pay does is not documented): a status that is not final
//! yet, a lookup that failed, or a handler that failed get a 5xx.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::callback::{CallbackError, MAX_CALLBACK_BYTES};
use super::types::Callback;
use super::{Client, Step, parse_callback};

/// An error of the merchant's handler.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What a confirmed callback says, by the batch status (never by the
/// callback alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The recipient paid: ship.
    Paid,
    /// The recipient's payment failed. A later payment at the same link
    /// comes as a `Paid` of its own.
    Failed,
}

/// A callback the batch status confirmed: what the handler is given.
#[derive(Clone)]
#[non_exhaustive]
pub struct Confirmed {
    /// The batch's reference.
    pub batch_reference: String,
    /// The recipient's reference.
    pub client_reference: String,
    /// What the batch status says of the recipient.
    pub outcome: Outcome,
    /// The callback as received (the payment provider's references).
    pub callback: Callback,
}

impl std::fmt::Debug for Confirmed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // References identify a customer's order.
        f.debug_struct("Confirmed")
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// The merchant's part: act on a confirmed callback (ship, mark failed).
/// An error makes the receiver answer 500, so the callback comes again;
/// the handler is called again for it then.
pub trait CallbackHandler: Send + Sync + 'static {
    /// Acts on `confirmed`.
    fn handle(&self, confirmed: Confirmed)
    -> impl Future<Output = Result<(), HandlerError>> + Send;
}

impl<F, Fut> CallbackHandler for F
where
    F: Fn(Confirmed) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(
        &self,
        confirmed: Confirmed,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self(confirmed)
    }
}

/// What became of one callback, and the status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Receipt {
    /// Confirmed and handled: 200.
    Handled(Outcome),
    /// Handled already, within the window: 200.
    Duplicate,
    /// The batch status does not list the recipient (not Puzzel Pay's, or
    /// not this service's): 200, and nothing done.
    UnknownRecipient,
    /// The batch status shows no final step yet (a lagging status, or a
    /// callback nobody sent): 503, to be asked again.
    NotFinal,
    /// The same callback is being handled right now: 503.
    InProgress,
    /// The batch status could not be read: 503.
    LookupFailed,
    /// The handler failed: 500.
    HandlerFailed,
    /// The body is over the cap: 413.
    TooLarge,
    /// The body is not a callback: 400.
    Invalid,
}

impl Receipt {
    /// The HTTP status to answer.
    pub fn status(self) -> u16 {
        match self {
            Receipt::Handled(_) | Receipt::Duplicate | Receipt::UnknownRecipient => 200,
            Receipt::NotFinal | Receipt::InProgress | Receipt::LookupFailed => 503,
            Receipt::HandlerFailed => 500,
            Receipt::TooLarge => 413,
            Receipt::Invalid => 400,
        }
    }
}

/// Callbacks handled, by (batch, recipient, paid), and when; recipients
/// whose callback is being handled.
#[derive(Default)]
struct Seen {
    handled: HashMap<(String, String, bool), Instant>,
    busy: HashSet<(String, String)>,
    /// Size of `handled` after its last purge: it is purged of entries
    /// older than the window when it has doubled since.
    purged_at: usize,
}

/// The receiver: cheap to clone (one state shared by every clone).
pub struct CallbackReceiver<H> {
    inner: Arc<Inner<H>>,
    window: Duration,
}

impl<H> Clone for CallbackReceiver<H> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            window: self.window,
        }
    }
}

impl<H> std::fmt::Debug for CallbackReceiver<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackReceiver")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

struct Inner<H> {
    client: Client,
    handler: H,
    seen: Mutex<Seen>,
}

impl<H: CallbackHandler> CallbackReceiver<H> {
    /// A receiver that confirms with `client` (the merchant's Puzzel Pay
    /// client) and hands confirmed callbacks to `handler`; duplicates are
    /// recognised for 24 hours.
    pub fn new(client: Client, handler: H) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                handler,
                seen: Mutex::new(Seen::default()),
            }),
            window: Duration::from_secs(24 * 60 * 60),
        }
    }

    /// How long a handled callback is recognised as a duplicate. Keep the
    /// handler idempotent beyond it (a callback a day late is handled again).
    pub fn dedupe_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Takes one callback body; what became of it says what to answer.
    /// The web framework's part is only to pass the body and the status.
    pub async fn receive(&self, body: &[u8]) -> Receipt {
        let callback = match parse_callback(body) {
            Ok(callback) => callback,
            Err(CallbackError::TooLarge) => return Receipt::TooLarge,
            Err(_) => return Receipt::Invalid,
        };
        let recipient = (
            callback.batch_reference.clone(),
            callback.client_reference.clone(),
        );
        {
            let mut seen = self.seen();
            // What it claims, handled already: no lookup needed.
            if self.handled(&seen, &recipient, callback.success) {
                return Receipt::Duplicate;
            }
            // One callback of a recipient at a time.
            if !seen.busy.insert(recipient.clone()) {
                return Receipt::InProgress;
            }
        }
        let receipt = self.confirm_and_handle(callback, &recipient).await;
        let mut seen = self.seen();
        seen.busy.remove(&recipient);
        if let Receipt::Handled(outcome) = receipt {
            let (batch, client) = recipient;
            seen.handled
                .insert((batch, client, outcome == Outcome::Paid), Instant::now());
            if seen.handled.len() >= (2 * seen.purged_at).max(1024) {
                let window = self.window;
                seen.handled.retain(|_, at| at.elapsed() < window);
                seen.purged_at = seen.handled.len();
            }
        }
        receipt
    }

    /// Whether `recipient`'s outcome (`paid` or not) was handled within the window.
    fn handled(&self, seen: &Seen, recipient: &(String, String), paid: bool) -> bool {
        let key = (recipient.0.clone(), recipient.1.clone(), paid);
        seen.handled
            .get(&key)
            .is_some_and(|at| at.elapsed() < self.window)
    }

    async fn confirm_and_handle(
        &self,
        callback: Callback,
        recipient: &(String, String),
    ) -> Receipt {
        let step = match self
            .inner
            .client
            .recipient_step(&callback.batch_reference, &callback.client_reference)
            .await
        {
            Ok(Some(step)) => step,
            Ok(None) => return Receipt::UnknownRecipient,
            Err(error) => {
                tracing::info!(%error, "a callback could not be confirmed: the batch status failed");
                return Receipt::LookupFailed;
            }
        };
        let outcome = match step {
            Step::Paid => Outcome::Paid,
            Step::PaymentFailed => Outcome::Failed,
            _ => return Receipt::NotFinal,
        };
        // The status's outcome, handled already (a callback claiming the
        // other, or a copy of one handled).
        if self.handled(&self.seen(), recipient, outcome == Outcome::Paid) {
            return Receipt::Duplicate;
        }
        let confirmed = Confirmed {
            batch_reference: callback.batch_reference.clone(),
            client_reference: callback.client_reference.clone(),
            outcome,
            callback,
        };
        match self.inner.handler.handle(confirmed).await {
            Ok(()) => Receipt::Handled(outcome),
            Err(error) => {
                tracing::warn!(%error, "the callback handler failed; the callback is asked for again");
                Receipt::HandlerFailed
            }
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A panic elsewhere while the lock was held leaves a usable map.
        self.inner.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An axum router that takes callbacks at `path` (POST): a tower
    /// service, to merge into the merchant's app or serve on its own.
    pub fn router<S: Clone + Send + Sync + 'static>(self, path: &str) -> axum::Router<S> {
        axum::Router::new().route(
            path,
            axum::routing::post(move |request: axum::extract::Request| {
                let receiver = self.clone();
                async move {
                    // Over the cap (or cut off): nothing to read.
                    let receipt =
                        match axum::body::to_bytes(request.into_body(), MAX_CALLBACK_BYTES).await {
                            Ok(body) => receiver.receive(&body).await,
                            Err(_) => Receipt::TooLarge,
                        };
                    axum::http::StatusCode::from_u16(receipt.status())
                        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
                }
            }),
        )
    }
}
