//! The Puzzel Pay stand-in: batches whose recipients move through the
//! documented steps, payment links that resolve, refunds.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use serde_json::json;

use super::engine::{Arrivals, Capped};
use super::{Shared, credentials, faults, pages};
use crate::puzzel_pay::types::{
    BatchRequest, BatchResponse, BatchStatus, Callback, PaymentLink, RecipientSmsStatus,
};
use crate::puzzel_pay::{BatchAction, PaymentProvider, Step, operations};
use serde::Deserialize;

use crate::runtime::check_json;

const BATCH_REQUEST: &str = "application/vnd.instapay.batchrequest.v1+json";
const BATCH_RESPONSE: &str = "application/vnd.instapay.batchresponse.v1+json";
const BATCH_STATUS: &str = "application/vnd.instapay.batchstatus.v1+json";

struct Recipient {
    reference: String,
    msisdn: String,
    step: Step,
    provider: Option<PaymentProvider>,
    refunded: bool,
}

#[derive(Default)]
pub(super) struct Store {
    batches: BTreeMap<String, Vec<Recipient>>,
    /// Batches by arrival, to forget the oldest past the record cap.
    arrivals: Arrivals<String>,
}

impl Store {
    /// `records` batches of one paid recipient (load benches).
    pub(super) fn preload(&mut self, engine: &super::engine::Engine, cap: usize, records: usize) {
        for _ in 0..records {
            let reference = format!("preload-{}", engine.next());
            let recipient = Recipient {
                reference: "r1".into(),
                msisdn: "+4799999999".into(),
                step: Step::Paid,
                provider: None,
                refunded: false,
            };
            self.batches.insert(reference.clone(), vec![recipient]);
            self.admit(reference, cap);
        }
    }
}

impl Capped for Store {
    type Key = String;

    fn arrivals(&mut self) -> &mut Arrivals<Self::Key> {
        &mut self.arrivals
    }

    fn records(&self) -> usize {
        self.batches.len()
    }

    /// Every recipient paid, failed or never got the SMS.
    fn finished(&self, reference: &String) -> Option<bool> {
        self.batches.get(reference).map(|recipients| {
            recipients
                .iter()
                .all(|r| matches!(r.step, Step::Paid | Step::PaymentFailed | Step::SmsFailed))
        })
    }

    fn forget(&mut self, reference: &String) {
        self.batches.remove(reference);
    }
}

impl Store {
    /// The references of every batch: the ledger a soak checks.
    pub(super) fn batch_references(&self) -> impl Iterator<Item = &str> {
        self.batches.keys().map(String::as_str)
    }
}

/// The handler of each spec operation; routes come from the spec.
pub(super) fn handler(operation: &str, method: MethodFilter) -> Option<MethodRouter<Shared>> {
    Some(match operation {
        "createBatch" => on(method, create_batch),
        "getBatchStatus" => on(method, batch_status),
        "refundRecipient" => on(method, refund),
        _ => return None,
    })
}

/// The payment pages the SMS links lead to (not API operations).
pub(super) fn pages() -> Router<Shared> {
    Router::new()
        .route("/pay/{batch}/{recipient}", get(payment_page))
        .route("/pay/{batch}/{recipient}/{provider}", post(pay))
}

/// `/sandbox/puzzel-pay/...`: what the SMS network would report.
pub(super) fn control_routes() -> Router<Shared> {
    Router::new().route(
        "/puzzel-pay/batches/{batch}/recipients/{recipient}/delivered",
        post(delivered),
    )
}

/// What a Puzzel Pay handler returns: the answer, or the API's own error.
type Handled = Result<Response, Response>;

/// The JWT, or a bodiless 401 as the docs describe it.
fn authorize(headers: &HeaderMap) -> Result<(), Response> {
    if super::bearer_token(headers) == Some(credentials::PUZZEL_PAY_JWT) {
        Ok(())
    } else {
        Err(StatusCode::UNAUTHORIZED.into_response())
    }
}

/// `value` read as the generated type `T` (as the real API answers) and sent
/// with the vendor media type.
fn answer_as<T>(value: serde_json::Value, media_type: &'static str) -> Handled
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let answer: T = serde_json::from_value(value)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())?;
    Ok(vendor(StatusCode::OK, media_type, &answer))
}

fn vendor(status: StatusCode, media_type: &'static str, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, media_type)], bytes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn invalid(batch_reference: &str, errors: BTreeMap<String, Vec<String>>) -> Response {
    let body = json!({"batchReference": batch_reference, "smsStatuses": null, "paymentLinks": null, "validationErrors": errors});
    vendor(StatusCode::BAD_REQUEST, BATCH_RESPONSE, &body)
}

/// `{{name}}` placeholders of a template, without the predefined ones.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + end].trim().to_string();
        if name != "paymentLink" && name != "paymentReference" {
            found.insert(name);
        }
        rest = &rest[start + end + 2..];
    }
    found
}

async fn create_batch(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Handled {
    authorize(&headers)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some(BATCH_REQUEST) {
        // The spec lists no 415: a refused request is a 400 of validation errors.
        return Err(invalid(
            "",
            BTreeMap::from([(
                "Content-Type".to_string(),
                vec![format!("must be {BATCH_REQUEST}")],
            )]),
        ));
    }
    // Parsed once: for the type, and for the spec's array rules below.
    let unreadable = |e: serde_json::Error| {
        invalid(
            "",
            BTreeMap::from([("request".to_string(), vec![e.to_string()])]),
        )
    };
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(unreadable)?;
    let batch = BatchRequest::deserialize(&value).map_err(unreadable)?;
    let reference = batch.batch_reference.to_string();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let needed: BTreeSet<String> = batch
        .message_templates
        .iter()
        .flat_map(|t| placeholders(&t.text))
        .collect();
    for (i, recipient) in batch.recipients.iter().enumerate() {
        for name in &needed {
            if !recipient.variables.contains_key(name) {
                errors
                    .entry(format!("recipients[{i}].variables"))
                    .or_default()
                    .push(format!("The variable '{name}' is missing"));
            }
        }
    }
    // The spec's array rules, as the client checks them before sending.
    if let Err(broken) = check_json(&operations::CREATE_BATCH, &value) {
        errors.entry(broken.path).or_default().push(broken.message);
    }
    // The rest is built outside the store's lock, which only sees the
    // duplicate check and the insert.
    let links = batch.action == BatchAction::CreateLinks;
    let recipients: Vec<Recipient> = batch
        .recipients
        .iter()
        .map(|r| Recipient {
            reference: r.reference.to_string(),
            msisdn: r.msisdn.to_string(),
            // An SMS to a barred number fails; a link-only batch sends none.
            step: if !links && r.msisdn.as_str() == faults::BARRED_MSISDN {
                Step::SmsFailed
            } else {
                Step::SmsEnqueued
            },
            provider: None,
            refunded: false,
        })
        .collect();
    let answer = BatchResponse {
        batch_reference: Some(reference.clone()),
        sms_statuses: (!links).then(|| {
            recipients
                .iter()
                .map(|r| {
                    let (code, message) = if r.step == Step::SmsFailed {
                        (1, "Message could not be sent")
                    } else {
                        (0, "Message enqueued for sending")
                    };
                    RecipientSmsStatus {
                        reference: Some(r.reference.clone()),
                        status_code: Some(code),
                        status_message: Some(message.into()),
                    }
                })
                .collect()
        }),
        payment_links: links.then(|| {
            recipients
                .iter()
                .map(|r| PaymentLink {
                    reference: Some(r.reference.clone()),
                    link: Some(shared.url(&format!("/puzzel-pay/pay/{reference}/{}", r.reference))),
                })
                .collect()
        }),
        validation_errors: None,
    };
    let mut state = shared.puzzel_pay();
    if state.batches.contains_key(&reference) {
        errors
            .entry("batchReference".into())
            .or_default()
            .push("A batch with this reference already exists".into());
    }
    if !errors.is_empty() {
        return Err(invalid(&reference, errors));
    }
    state.batches.insert(reference.clone(), recipients);
    state.admit(reference, shared.record_cap);
    Ok(vendor(StatusCode::OK, BATCH_RESPONSE, &answer))
}

async fn batch_status(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Handled {
    authorize(&headers)?;
    let state = shared.puzzel_pay();
    let recipients = state
        .batches
        .get(&reference)
        .ok_or_else(|| StatusCode::NOT_FOUND.into_response())?;
    let at_least = |step: i32| recipients.iter().filter(|r| r.step.value() >= step).count();
    let mut providers: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
    for recipient in recipients {
        if let Some(provider) = recipient.provider {
            let entry = providers.entry(provider.value()).or_default();
            entry.0 += 1;
            if recipient.step == Step::Paid {
                entry.1 += 1;
            }
        }
    }
    let status = json!({
        "reference": reference,
        "smsStatus": {"sent": at_least(1), "delivered": at_least(2), "clicked": at_least(3)},
        "paymentProviderStatus": {
            "averageConversionTimeInMinutes": 0,
            "paymentProviders": providers.iter().map(|(provider, (selected, paid))| json!({
                "paymentProvider": provider, "selected": selected, "paid": paid
            })).collect::<Vec<_>>(),
        },
        "recipientStatus": recipients.iter().map(|r| json!({"reference": r.reference, "step": r.step.value()})).collect::<Vec<_>>(),
    });
    answer_as::<BatchStatus>(status, BATCH_STATUS)
}

async fn refund(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path((batch, reference)): Path<(String, String)>,
) -> Handled {
    authorize(&headers)?;
    let status = with_recipient(&shared, &batch, &reference, |recipient| {
        if recipient.step != Step::Paid || recipient.refunded {
            StatusCode::BAD_REQUEST
        } else if recipient.msisdn == faults::MNO_ERROR_MSISDN
            && recipient.provider == Some(PaymentProvider::PaymentCard)
        {
            StatusCode::FAILED_DEPENDENCY
        } else {
            recipient.refunded = true;
            StatusCode::OK
        }
    });
    Ok(status.unwrap_or(StatusCode::NOT_FOUND).into_response())
}

fn with_recipient<T>(
    shared: &Shared,
    batch: &str,
    reference: &str,
    f: impl FnOnce(&mut Recipient) -> T,
) -> Option<T> {
    let mut state = shared.puzzel_pay();
    let recipient = state
        .batches
        .get_mut(batch)?
        .iter_mut()
        .find(|r| r.reference == reference)?;
    Some(f(recipient))
}

fn advance(recipient: &mut Recipient, step: Step) {
    if recipient.step.value() < step.value() {
        recipient.step = step;
    }
}

async fn delivered(
    State(shared): State<Shared>,
    Path((batch, reference)): Path<(String, String)>,
) -> Response {
    match with_recipient(&shared, &batch, &reference, |r| {
        advance(r, Step::SmsReceived)
    }) {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The payment link: opening it is the click.
async fn payment_page(
    State(shared): State<Shared>,
    Path((batch, reference)): Path<(String, String)>,
) -> Response {
    let opened = with_recipient(&shared, &batch, &reference, |r| {
        advance(r, Step::SmsClicked);
        r.step
    });
    let Some(step) = opened else {
        return (StatusCode::NOT_FOUND, "no such payment link").into_response();
    };
    let pay = |provider: PaymentProvider| {
        shared.url(&format!(
            "/puzzel-pay/pay/{batch}/{reference}/{}",
            provider.value()
        ))
    };
    pages::page(
        "Puzzel Pay",
        &[
            format!("Payment request {reference} of batch {batch}"),
            format!("Step: {}", step.value()),
        ],
        &[
            (
                "Pay with Strex (Direct Payment)",
                pay(PaymentProvider::DirectPayment),
            ),
            ("Pay with card", pay(PaymentProvider::PaymentCard)),
        ],
    )
    .into_response()
}

async fn pay(
    State(shared): State<Shared>,
    Path((batch, reference, provider)): Path<(String, String, i32)>,
) -> Response {
    let Some(provider) = PaymentProvider::from_value(provider) else {
        return (StatusCode::BAD_REQUEST, "unknown payment provider").into_response();
    };
    let outcome = with_recipient(&shared, &batch, &reference, |r| {
        if r.step == Step::Paid {
            return (r.step, false);
        }
        r.provider = Some(provider);
        r.step = if r.msisdn == faults::NO_FUNDS_MSISDN {
            Step::PaymentFailed
        } else {
            Step::Paid
        };
        (r.step, true)
    });
    if let Some((step, true)) = outcome {
        let paid = step == Step::Paid;
        super::callbacks::deliver(
            &shared,
            Callback {
                batch_reference: batch.clone(),
                client_reference: reference.clone(),
                success: paid,
                external_reference: Some(format!("sandbox-{}", shared.engine.id("ext"))),
                // Strex's codes: 0 done, 1 refused (no funds).
                external_status_code: Some(if paid { "0" } else { "1" }.into()),
            },
        );
    }
    match outcome.map(|(step, _)| step) {
        Some(step) => pages::page(
            "Puzzel Pay",
            &[format!("Result step: {}", step.value())],
            &[],
        )
        .into_response(),
        None => (StatusCode::NOT_FOUND, "no such payment link").into_response(),
    }
}
