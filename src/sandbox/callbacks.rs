//! Puzzel Pay's callback, delivered: when a recipient's payment completes or
//! fails, the sandbox POSTs the documented body to the callback URL (set
//! with [`super::SandboxConfig::callback_url`], `--callback-url`, or
//! [`super::Sandbox::set_callback_url`]). A failed delivery (no answer, or
//! not 2xx) is tried again with backoff; a scripted `deliver_twice` sends it
//! twice, so a merchant can prove their handler is idempotent. Every
//! attempt is kept, for the tests and the dashboard to show.

use std::time::Duration;

use url::Url;

use super::Shared;
use super::scripted::FaultAction;
use crate::puzzel_pay::types::Callback;

/// Attempts per delivery, the first included.
const ATTEMPTS: u32 = 5;
/// The wait before the second attempt; doubled each time after.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// One POST of a callback to the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The callback's batch.
    pub batch_reference: String,
    /// The callback's recipient.
    pub client_reference: String,
    /// 1 for the first try of a delivery.
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
}

/// Where callbacks go, and every attempt made.
#[derive(Debug, Default)]
pub(crate) struct Callbacks {
    pub(crate) url: Option<Url>,
    pub(crate) deliveries: Vec<Delivery>,
    /// Made at the first delivery, then shared by all (a sandbox that
    /// sends no callback builds none).
    http: Option<reqwest::Client>,
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
    let copies = match shared.script().take_callback(&body) {
        Some(FaultAction::DeliverTwice) => 2,
        _ => 1,
    };
    for _ in 0..copies {
        let (shared, url, body, callback) =
            (shared.clone(), url.clone(), body.clone(), callback.clone());
        let http = http.clone();
        tokio::spawn(async move {
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
                shared.callbacks().deliveries.push(Delivery {
                    batch_reference: callback.batch_reference.clone(),
                    client_reference: callback.client_reference.clone(),
                    attempt,
                    status,
                });
                if status.is_some_and(|s| (200..300).contains(&s)) {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        });
    }
}
