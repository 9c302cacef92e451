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
use super::journal::{Api, Kind, RecordId, Sms};
use super::{Shared, credentials, faults, pages};
use crate::connect::Money;
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
    /// The receipt SMS sent when paid, its `{{paymentReference}}` still to fill.
    receipt: Option<String>,
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
                receipt: None,
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
    /// A batch is Open until every recipient has paid, failed or could not
    /// be reached; then Finished (as the dashboard shows it).
    fn batch_state(&self, batch: &str) -> &'static str {
        match self.finished(&batch.to_string()) {
            Some(true) => "Finished",
            _ => "Open",
        }
    }

    /// The references of every batch: the ledger a soak checks.
    pub(super) fn batch_references(&self) -> impl Iterator<Item = &str> {
        self.batches.keys().map(String::as_str)
    }
}

/// What a lookup answers for a batch it does not see (a scripted
/// `lookup_lag`): Puzzel Pay's own 404, without a body.
pub(super) fn nothing_found(operation: &str) -> Option<Response> {
    (operation == "getBatchStatus").then(|| StatusCode::NOT_FOUND.into_response())
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

/// `template` with each `{{name}}` replaced by `value(name)` (left as it is
/// where `value` has none).
fn fill(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + end].trim();
        out.push_str(&rest[..start]);
        match value(name) {
            Some(text) => out.push_str(&text),
            None => out.push_str(&rest[start..start + end + 2]),
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// The SMS a recipient gets: the template of their request type (else the
/// first), their variables filled in, the payment link appended if the
/// template lacks it (as the docs say).
fn payment_sms(
    batch: &BatchRequest,
    recipient: &crate::puzzel_pay::types::Recipient,
    link: &str,
) -> String {
    let template = batch
        .message_templates
        .iter()
        .find(|t| t.type_ == recipient.type_)
        .or(batch.message_templates.first())
        .map_or("", |t| t.text.as_str());
    let mut text = fill(template, |name| match name {
        "paymentLink" => Some(link.to_string()),
        _ => recipient.variables.get(name).cloned(),
    });
    if !template.contains("{{paymentLink}}") {
        text.push(' ');
        text.push_str(link);
    }
    text
}

/// `{{name}}` placeholders of a template, without the predefined ones.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    fill(text, |name| {
        if name != "paymentLink" && name != "paymentReference" {
            found.insert(name.to_string());
        }
        None
    });
    found
}

/// What the recipients pay together, if all in one currency.
fn total(amounts: impl IntoIterator<Item = Option<Money>>) -> Option<Money> {
    let mut amounts = amounts.into_iter();
    let first = amounts.next()??;
    amounts.try_fold(first, |sum, money| {
        let money = money?;
        (sum.currency() == money.currency()).then(|| {
            Money::from_currency(
                sum.currency(),
                sum.minor_units().saturating_add(money.minor_units()),
            )
        })
    })
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
    let link = |r: &str| shared.url(&format!("/puzzel-pay/pay/{reference}/{r}"));
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
            receipt: batch.receipt_templates.first().map(|t| {
                let link = link(&r.reference);
                fill(&t.text, |name| match name {
                    "paymentLink" => Some(link.clone()),
                    "paymentReference" => None,
                    _ => r.variables.get(name).cloned(),
                })
            }),
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
                    link: Some(link(&r.reference)),
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
    // The rest of each recipient's record is in the request.
    let steps: Vec<Step> = recipients.iter().map(|r| r.step).collect();
    state.batches.insert(reference.clone(), recipients);
    state.admit(reference.clone(), shared.record_cap);
    let batch_state = state.batch_state(&reference);
    drop(state);
    let money = |r: &crate::puzzel_pay::types::Recipient| {
        Money::new(&r.payment.currency, r.payment.amount.get()).ok()
    };
    shared.journal(|journal, at| {
        let action = if links { "create links" } else { "send SMS" };
        let keys = vec![
            ("action", action.to_string()),
            ("recipients", steps.len().to_string()),
        ];
        let total = total(batch.recipients.iter().map(money));
        let id = RecordId::new(Kind::Batch, &reference);
        journal.open(at, id, batch_state, total, keys, "created by the merchant");
        for (request, step) in batch.recipients.iter().zip(steps) {
            let msisdn = request.msisdn.to_string();
            let keys = vec![("batch", reference.clone()), ("MSISDN", msisdn.clone())];
            let what = match step {
                Step::SmsFailed => "the SMS could not be sent",
                _ if links => "payment link created",
                _ => "payment link sent by SMS",
            };
            let link = link(&request.reference);
            let id = RecordId::recipient(&reference, &request.reference);
            journal.open(at, id, &format!("{step:?}"), money(request), keys, what);
            if !links && step != Step::SmsFailed {
                let text = payment_sms(&batch, request, &link);
                journal.sms(Sms {
                    at,
                    to: msisdn,
                    api: Api::PuzzelPay,
                    text,
                    link: Some(link),
                });
            }
        }
    });
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
    if status == Some(StatusCode::OK) {
        recipient_step(
            &shared,
            &batch,
            &reference,
            Some("Refunded"),
            "refunded by the merchant",
        );
    }
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

fn advance(recipient: &mut Recipient, step: Step) -> bool {
    let moves = recipient.step.value() < step.value();
    if moves {
        recipient.step = step;
    }
    moves
}

/// Something happened to a recipient, on the dashboard.
fn recipient_step(shared: &Shared, batch: &str, reference: &str, state: Option<&str>, what: &str) {
    let id = RecordId::recipient(batch, reference);
    shared.journal(|journal, at| journal.step(at, &id, state, what));
}

/// A recipient moved: so may its batch, on the dashboard.
fn batch_progress(shared: &Shared, batch: &str, reference: &str, step: Step) {
    let state = shared.puzzel_pay().batch_state(batch);
    let id = RecordId::new(Kind::Batch, batch);
    let what = format!("recipient {reference}: {step:?}");
    shared.journal(|journal, at| journal.step(at, &id, Some(state), what));
}

/// The SMS network reports the link's SMS received.
pub(super) fn mark_delivered(shared: &Shared, batch: &str, reference: &str) -> Option<()> {
    let moved = with_recipient(shared, batch, reference, |r| advance(r, Step::SmsReceived))?;
    if moved {
        let state = format!("{:?}", Step::SmsReceived);
        recipient_step(
            shared,
            batch,
            reference,
            Some(&state),
            "SMS received by the phone",
        );
    }
    Some(())
}

async fn delivered(
    State(shared): State<Shared>,
    Path((batch, reference)): Path<(String, String)>,
) -> Response {
    match mark_delivered(&shared, &batch, &reference) {
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
        (advance(r, Step::SmsClicked), r.step)
    });
    let Some((moved, step)) = opened else {
        return (StatusCode::NOT_FOUND, "no such payment link").into_response();
    };
    let state = moved.then(|| format!("{step:?}"));
    recipient_step(
        &shared,
        &batch,
        &reference,
        state.as_deref(),
        "payment link opened",
    );
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

/// A recipient pays with `provider` on the payment page: Paid, or
/// PaymentFailed when `fail` or for the no-funds MSISDN; the callback goes
/// out, and the receipt SMS if the batch has one. `None` for no such
/// recipient; the step, and whether it moved (a paid one stays paid).
pub(super) fn settle(
    shared: &Shared,
    batch: &str,
    reference: &str,
    provider: PaymentProvider,
    fail: bool,
) -> Option<(Step, bool)> {
    let outcome = with_recipient(shared, batch, reference, |r| {
        if r.step == Step::Paid {
            return (r.step, false, None);
        }
        r.provider = Some(provider);
        r.step = if fail || r.msisdn == faults::NO_FUNDS_MSISDN {
            Step::PaymentFailed
        } else {
            Step::Paid
        };
        let receipt = r
            .receipt
            .clone()
            .filter(|_| r.step == Step::Paid)
            .map(|text| (r.msisdn.clone(), text));
        (r.step, true, receipt)
    });
    let (step, moved, receipt) = outcome?;
    if moved {
        let paid = step == Step::Paid;
        let external_reference = format!("sandbox-{}", shared.engine.id("ext"));
        let what = if paid {
            "paid by the recipient"
        } else {
            "the payment failed"
        };
        recipient_step(shared, batch, reference, Some(&format!("{step:?}")), what);
        batch_progress(shared, batch, reference, step);
        if let Some((to, text)) = receipt {
            // Filled as the template's other placeholders were.
            let text = fill(&text, |name| {
                (name == "paymentReference").then(|| external_reference.clone())
            });
            shared.journal(|journal, at| {
                journal.sms(Sms {
                    at,
                    to,
                    api: Api::PuzzelPay,
                    text,
                    link: None,
                });
            });
        }
        super::callbacks::deliver(
            shared,
            Callback {
                batch_reference: batch.to_string(),
                client_reference: reference.to_string(),
                success: paid,
                external_reference: Some(external_reference),
                // Strex's codes: 0 done, 1 refused (no funds).
                external_status_code: Some(if paid { "0" } else { "1" }.into()),
            },
        );
    }
    Some((step, moved))
}

async fn pay(
    State(shared): State<Shared>,
    Path((batch, reference, provider)): Path<(String, String, i32)>,
) -> Response {
    let Some(provider) = PaymentProvider::from_value(provider) else {
        return (StatusCode::BAD_REQUEST, "unknown payment provider").into_response();
    };
    let outcome = settle(&shared, &batch, &reference, provider, false);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_what_they_know_and_name_what_they_need() {
        let text = "Hi {{ name }}, {{paymentLink}} {{unknown}}";
        let filled = fill(text, |name| (name == "name").then(|| "Kari".to_string()));
        assert_eq!(filled, "Hi Kari, {{paymentLink}} {{unknown}}");
        assert_eq!(
            placeholders(text),
            BTreeSet::from(["name".to_string(), "unknown".to_string()])
        );
        assert_eq!(fill("no end {{x", |_| Some("y".into())), "no end {{x");
    }

    #[test]
    fn a_batch_total_is_one_currency_or_none() {
        let nok = |minor| Money::new("NOK", minor).ok();
        assert_eq!(total([nok(100), nok(250)]), nok(350));
        assert_eq!(total([nok(100), Money::new("SEK", 1).ok()]), None);
        assert_eq!(total([nok(100), None]), None);
        assert_eq!(total([]), None);
    }
}
