//! Puzzel Pay's callback, delivered: when a recipient's payment completes or
//! fails, the sandbox POSTs the documented body to the callback URL (set
//! with [`super::SandboxConfig::callback_url`], `--callback-url`, or
//! [`super::Sandbox::set_callback_url`]). A failed delivery (no answer, or
//! not 2xx) is tried again with backoff. Scripted faults deliver one twice
//! (`deliver_twice`), late (`deliver_late`), or after the next one
//! (`deliver_out_of_order`), so a merchant can prove their handler is
//! idempotent and confirms with the batch status instead of trusting the
//! order. Every attempt is kept, for the tests and the dashboard to show.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::Shared;
use super::journal::RecordId;
use super::script::{Call, FaultAction};
use crate::puzzel_pay::types::Callback;

/// Attempts per delivery, the first included.
const ATTEMPTS: u32 = 5;
/// The wait before the second attempt; doubled each time after.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest a callback scripted out of order waits for the next one.
const HOLD_LIMIT: Duration = Duration::from_secs(10);

/// One POST of a callback to the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The callback's batch.
    pub batch_reference: String,
    /// The callback's recipient.
    pub client_reference: String,
    /// 1 for the first try of a delivery.
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// When the attempt was answered (or gave up), on the sandbox's clock.
    pub at: DateTime<Utc>,
}

/// Where callbacks go, and every attempt made.
#[derive(Debug, Default)]
pub(crate) struct Callbacks {
    pub(crate) url: Option<Url>,
    pub(crate) deliveries: Vec<Delivery>,
    /// Made at the first delivery, then shared by all (a sandbox that
    /// sends no callback builds none).
    http: Option<reqwest::Client>,
    /// Callbacks scripted out of order, waiting for the next one to go.
    held: Vec<tokio::sync::oneshot::Sender<()>>,
}

/// Deliver `callback` (in the background) if a callback URL is set.
pub(super) fn deliver(shared: &Shared, callback: Callback) {
    let (url, http) = {
        let mut callbacks = shared.callbacks();
        let Some(url) = callbacks.url.clone() else {
            return;
        };
        (
            url,
            callbacks
                .http
                .get_or_insert_with(reqwest::Client::new)
                .clone(),
        )
    };
    let body = serde_json::to_vec(&callback).expect("a callback serializes");
    let scripted = shared.take_fault(&Call::callback(&body));
    let (copies, late, mut held, note) = match scripted {
        Some(FaultAction::DeliverTwice) => (2, None, None, Some("delivered twice".to_string())),
        Some(FaultAction::DeliverLate { ms }) => (
            1,
            Some(Duration::from_millis(ms)),
            None,
            Some(format!("delivered {ms} ms late")),
        ),
        Some(FaultAction::DeliverOutOfOrder) => {
            let (release, wait) = tokio::sync::oneshot::channel();
            shared.callbacks().held.push(release);
            let note = Some("held back until the next one is delivered".to_string());
            (1, None, Some(wait), note)
        }
        _ => (1, None, None, None),
    };
    if let Some(note) = note {
        on_timeline(shared, &callback, format!("callback scripted: {note}"));
    }
    for _ in 0..copies {
        let (shared, url, body, callback) =
            (shared.clone(), url.clone(), body.clone(), callback.clone());
        let http = http.clone();
        let held = held.take();
        tokio::spawn(async move {
            if let Some(late) = late {
                tokio::time::sleep(late).await;
            }
            let holding = held.is_some();
            if let Some(wait) = held {
                let _ = tokio::time::timeout(HOLD_LIMIT, wait).await;
            }
            let mut backoff = FIRST_BACKOFF;
            for attempt in 1..=ATTEMPTS {
                let answer = http
                    .post(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                let status = answer.as_ref().ok().map(|r| r.status().as_u16());
                let at = shared.engine.now();
                {
                    let mut callbacks = shared.callbacks();
                    callbacks.deliveries.push(Delivery {
                        batch_reference: callback.batch_reference.clone(),
                        client_reference: callback.client_reference.clone(),
                        attempt,
                        status,
                        at,
                    });
                    // This one went: those held back for it go now, after it.
                    if attempt == 1 && !holding {
                        for release in callbacks.held.drain(..) {
                            let _ = release.send(());
                        }
                    }
                }
                let answer = status.map_or("no answer".to_string(), |s| format!("HTTP {s}"));
                on_timeline(
                    &shared,
                    &callback,
                    format!("callback attempt {attempt}: {answer}"),
                );
                if status.is_some_and(|s| (200..300).contains(&s)) {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        });
    }
}

/// A step on the timeline of the callback's recipient.
fn on_timeline(shared: &Shared, callback: &Callback, what: String) {
    let id = RecordId::recipient(&callback.batch_reference, &callback.client_reference);
    shared.journal(|journal, at| journal.step(at, &id, None, what));
}
