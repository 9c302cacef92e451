//! The Puzzel Pay stand-in: batches whose recipients move through the
//! documented steps, payment links that resolve, refunds.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};

use super::dashboard::actions::{Action, Actions, FAIL, PAY, action, refused};
use super::engine::{Capped, Kept};
use super::journal::{Api, Happened, Kind, Record, RecordId};
use super::serving::{Answer, Call, Malformed, Part, Stand};
use super::settlement::{self, Entry, Ledger};
use super::{Shared, credentials, faults, pages};
use crate::money::Money;
use crate::puzzel_pay::generated::server::{
    CreateBatchInput, CreateBatchOutput, GetBatchStatusInput, GetBatchStatusOutput,
    RefundRecipientInput, RefundRecipientOutput, Service,
};
use crate::puzzel_pay::report::ReportRecord;
use crate::puzzel_pay::types::{
    BatchRequest, BatchResponse, BatchStatus, Callback, PaymentLink, PaymentProviderStatus,
    ProviderStatus, RecipientSmsStatus, RecipientStep, SmsStatus,
};
use crate::puzzel_pay::{BatchAction, PaymentProvider, Step, operations};
use crate::runtime::Operation;

/// A batch's state on the dashboard while a recipient may still pay.
const OPEN: &str = "Open";
/// A batch's state on the dashboard once every recipient is done.
const FINISHED: &str = "Finished";

struct Recipient {
    reference: String,
    msisdn: String,
    step: Step,
    provider: Option<PaymentProvider>,
    refunded: bool,
    /// The receipt SMS sent when paid, its `{{paymentReference}}` still to fill.
    receipt: Option<String>,
    /// What it is asked to pay (for the day's report).
    amount: Option<Money>,
    /// Its variables, for the day's report.
    variables: Vec<(String, String)>,
}

#[derive(Default)]
pub(super) struct Store {
    batches: BTreeMap<String, Vec<Recipient>>,
    /// When a batch expires, for those that say (`expires`): its links no
    /// longer pay after it.
    expiries: BTreeMap<String, DateTime<Utc>>,
    /// Payments and refunds by day: the reports. Kept apart from the
    /// batches, which may be forgotten before their day is reported.
    ledger: Ledger,
}

impl Store {
    /// Payments and refunds by day.
    pub(super) fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

impl Capped for Store {
    type Key = String;

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
        self.expiries.remove(reference);
    }
}

impl Kept<Store> {
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
                amount: None,
                variables: Vec::new(),
            };
            self.batches.insert(reference.clone(), vec![recipient]);
            self.admit(reference, cap);
        }
    }
    /// A batch is Open until every recipient has paid, failed or could not
    /// be reached; then Finished (as the dashboard shows it).
    fn batch_state(&self, batch: &str) -> &'static str {
        match self.finished(&batch.to_string()) {
            Some(true) => FINISHED,
            _ => OPEN,
        }
    }

    /// Whether the batch's `expires` has passed at `now`: its links no
    /// longer pay (x-nordpay-inferred: the docs say only "Date/time when the
    /// batch expires"; a recipient not paid by then cannot pay).
    fn expired(&self, batch: &str, now: DateTime<Utc>) -> bool {
        self.expiries.get(batch).is_some_and(|at| *at <= now)
    }

    /// The batch expires now (the dashboard's action).
    fn expire(&mut self, batch: &str, now: DateTime<Utc>) -> Option<Happened> {
        if !self.batches.contains_key(batch) {
            return None;
        }
        self.expiries.insert(batch.to_string(), now);
        let mut happened = Happened::nothing();
        happened.step(RecordId::new(Kind::Batch, batch), None, "expired");
        Some(happened)
    }

    /// The references of every batch: the ledger a soak checks.
    pub(super) fn batch_references(&self) -> impl Iterator<Item = &str> {
        self.batches.keys().map(String::as_str)
    }

    /// Keep a new batch, unless its reference is taken; its Open/Finished
    /// state.
    fn insert(
        &mut self,
        reference: &str,
        recipients: Vec<Recipient>,
        expires: Option<DateTime<Utc>>,
        cap: usize,
    ) -> Option<&'static str> {
        if self.batches.contains_key(reference) {
            return None;
        }
        self.batches.insert(reference.to_string(), recipients);
        if let Some(at) = expires {
            self.expiries.insert(reference.to_string(), at);
        }
        self.admit(reference.to_string(), cap);
        Some(self.batch_state(reference))
    }

    fn recipient(&mut self, batch: &str, reference: &str) -> Option<&mut Recipient> {
        self.batches
            .get_mut(batch)?
            .iter_mut()
            .find(|r| r.reference == reference)
    }

    /// The batch status as the API answers it.
    fn status(&self, reference: &str) -> Option<BatchStatus> {
        let recipients = self.batches.get(reference)?;
        let count = |n: usize| Some(i32::try_from(n).unwrap_or(i32::MAX));
        let at_least = |step: Step| {
            count(
                recipients
                    .iter()
                    .filter(|r| r.step.value() >= step.value())
                    .count(),
            )
        };
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
        Some(BatchStatus {
            reference: Some(reference.to_string()),
            sms_status: Some(SmsStatus {
                sent: at_least(Step::SmsEnqueued),
                delivered: at_least(Step::SmsReceived),
                clicked: at_least(Step::SmsClicked),
            }),
            payment_provider_status: Some(PaymentProviderStatus {
                average_conversion_time_in_minutes: Some(0),
                payment_providers: providers
                    .into_iter()
                    .map(|(provider, (selected, paid))| ProviderStatus {
                        payment_provider: PaymentProvider::from_value(provider),
                        selected: count(selected),
                        paid: count(paid),
                    })
                    .collect(),
            }),
            recipient_status: recipients
                .iter()
                .map(|r| RecipientStep {
                    reference: Some(r.reference.clone()),
                    step: Some(r.step),
                })
                .collect(),
        })
    }

    /// The merchant refunds a recipient in full, at `now`.
    fn refund(
        &mut self,
        batch: &str,
        reference: &str,
        now: DateTime<Utc>,
        cap: usize,
    ) -> (RefundRecipientOutput, Happened) {
        let Some(recipient) = self.recipient(batch, reference) else {
            return (RefundRecipientOutput::NotFound, Happened::nothing());
        };
        if recipient.step != Step::Paid || recipient.refunded {
            return (RefundRecipientOutput::BadRequest, Happened::nothing());
        }
        if recipient.msisdn == faults::MNO_ERROR_MSISDN
            && recipient.provider == Some(PaymentProvider::PaymentCard)
        {
            return (RefundRecipientOutput::FailedDependency, Happened::nothing());
        }
        recipient.refunded = true;
        let entry = report_record(batch, recipient, now, String::new()).map(|record| Entry {
            record,
            refund: true,
        });
        if let Some(entry) = entry {
            self.ledger.push(entry, cap);
        }
        let mut happened = Happened::nothing();
        happened.step(
            RecordId::recipient(batch, reference),
            Some("Refunded".into()),
            "refunded by the merchant",
        );
        (RefundRecipientOutput::Ok, happened)
    }

    /// The recipient moves on to `step` if it is further along; what the
    /// dashboard hears of it.
    fn advance(
        &mut self,
        batch: &str,
        reference: &str,
        step: Step,
        what: &str,
    ) -> Option<(Step, Happened)> {
        let recipient = self.recipient(batch, reference)?;
        let moves = recipient.step.value() < step.value();
        if moves {
            recipient.step = step;
        }
        let mut happened = Happened::nothing();
        let state = moves.then(|| format!("{step:?}"));
        if moves || step == Step::SmsClicked {
            happened.step(RecordId::recipient(batch, reference), state, what);
        }
        Some((recipient.step, happened))
    }

    /// A recipient picks `provider` (step 4, unless past it already).
    fn pick(
        &mut self,
        batch: &str,
        reference: &str,
        provider: PaymentProvider,
    ) -> Option<(Step, Happened)> {
        let recipient = self.recipient(batch, reference)?;
        if recipient.step.value() < Step::Paid.value() {
            recipient.provider = Some(provider);
        }
        let what = format!("picked {}", provider_name(provider));
        self.advance(batch, reference, Step::PickedPaymentProvider, &what)
    }

    /// A recipient pays with `provider` at `now`: Paid (and in the day's
    /// report), or PaymentFailed when `fail` or for the no-funds MSISDN;
    /// the callback, and the receipt SMS if the batch has one. The step,
    /// and whether it moved (a paid one stays paid).
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &mut self,
        batch: &str,
        reference: &str,
        provider: PaymentProvider,
        fail: bool,
        external_reference: String,
        now: DateTime<Utc>,
        cap: usize,
    ) -> Option<(Step, bool, Happened)> {
        let r = self.recipient(batch, reference)?;
        if r.step == Step::Paid {
            return Some((r.step, false, Happened::nothing()));
        }
        r.provider = Some(provider);
        r.step = if fail || r.msisdn == faults::NO_FUNDS_MSISDN {
            Step::PaymentFailed
        } else {
            Step::Paid
        };
        let step = r.step;
        let paid = step == Step::Paid;
        let receipt = r
            .receipt
            .clone()
            .filter(|_| paid)
            .map(|text| (r.msisdn.clone(), text));
        let entry = paid
            .then(|| report_record(batch, r, now, external_reference.clone()))
            .flatten()
            .map(|record| Entry {
                record,
                refund: false,
            });
        if let Some(entry) = entry {
            self.ledger.push(entry, cap);
        }
        let mut happened = Happened::nothing();
        let what = if paid {
            "paid by the recipient"
        } else {
            "the payment failed"
        };
        happened.step(
            RecordId::recipient(batch, reference),
            Some(format!("{step:?}")),
            what,
        );
        happened.step(
            RecordId::new(Kind::Batch, batch),
            Some(self.batch_state(batch).into()),
            format!("recipient {reference}: {step:?}"),
        );
        if let Some((to, text)) = receipt {
            // Filled as the template's other placeholders were.
            let text = fill(&text, |name| {
                (name == "paymentReference").then(|| external_reference.clone())
            });
            happened.sms(to, Api::PuzzelPay, text, None);
        }
        happened.callbacks.push(Callback {
            batch_reference: batch.to_string(),
            client_reference: reference.to_string(),
            success: paid,
            external_reference: Some(external_reference),
            // Strex's codes: 0 done, 1 refused (no funds).
            external_status_code: Some(if paid { "0" } else { "1" }.into()),
        });
        Some((step, true, happened))
    }
}

/// The report's record of a recipient's payment (or refund) at `at`; none
/// for a recipient without an amount (a preloaded one).
fn report_record(
    batch: &str,
    recipient: &Recipient,
    at: DateTime<Utc>,
    external_reference: String,
) -> Option<ReportRecord> {
    let provider = recipient.provider.unwrap_or(PaymentProvider::PaymentCard);
    Some(
        ReportRecord::new(
            batch,
            recipient.reference.as_str(),
            recipient.msisdn.as_str(),
            recipient.amount?,
            provider.into(),
            at.naive_utc(),
            external_reference,
        )
        .with_variables(recipient.variables.clone()),
    )
}

super::serving::stand_in!(
    /// Puzzel Pay as the sandbox serves it.
    PuzzelPay serves Api::PuzzelPay
);

impl Stand for PuzzelPay {
    /// The JWT; every operation documents a bodiless 401 without it.
    fn authenticate(&self, _: &'static Operation, call: &Call) -> Result<Option<String>, Answer> {
        let headers = call.headers();
        if super::bearer_token(headers) == Some(credentials::PUZZEL_PAY_JWT) {
            Ok(None)
        } else {
            Err(Answer::empty(StatusCode::UNAUTHORIZED.as_u16()))
        }
    }

    /// A batch is refused with its validation errors, keyed by the path of
    /// the invalid input; the spec lists no 415, so a wrong Content-Type
    /// is one of them.
    fn malformed(&self, operation: &'static Operation, problem: Malformed) -> Answer {
        if operation.name != operations::CREATE_BATCH.name {
            return Answer::empty(StatusCode::BAD_REQUEST.as_u16());
        }
        let key = match problem.part {
            Part::Body => "request".to_string(),
            _ => problem.name.unwrap_or_else(|| "request".into()),
        };
        invalid("", BTreeMap::from([(key, vec![problem.message])])).into_answer()
    }

    /// Puzzel Pay's own 404, without a body.
    fn nothing_found(&self, operation: &'static Operation) -> Option<Answer> {
        (operation.name == operations::GET_BATCH_STATUS.name)
            .then(|| GetBatchStatusOutput::NotFound.into_answer())
    }
}

impl Service for PuzzelPay {
    async fn create_batch(&self, input: CreateBatchInput) -> CreateBatchOutput {
        let shared = &self.0;
        let batch = input.body;
        let reference = batch.batch_reference.to_string();
        let mut errors = variable_errors(&batch);
        // The rest is built outside the store's lock, which only sees the
        // duplicate check and the insert.
        let links = batch.action == BatchAction::CreateLinks;
        let link = |r: &str| shared.url(&format!("/puzzel-pay/pay/{reference}/{r}"));
        let recipients = records(&batch, links, link);
        let answer = accepted(&reference, &recipients, links, link);
        let steps: Vec<Step> = recipients.iter().map(|r| r.step).collect();
        let state = if errors.is_empty() {
            shared
                .puzzel_pay()
                .insert(&reference, recipients, batch.expires, shared.record_cap)
        } else {
            None
        };
        let Some(state) = state else {
            if errors.is_empty() {
                errors
                    .entry("batchReference".into())
                    .or_default()
                    .push("A batch with this reference already exists".into());
            }
            return invalid(&reference, errors);
        };
        shared.publish(created(&batch, &steps, state, links, link));
        CreateBatchOutput::Ok(answer)
    }

    async fn get_batch_status(&self, input: GetBatchStatusInput) -> GetBatchStatusOutput {
        match self.0.puzzel_pay().status(&input.reference) {
            Some(status) => GetBatchStatusOutput::Ok(status),
            None => GetBatchStatusOutput::NotFound,
        }
    }

    async fn refund_recipient(&self, input: RefundRecipientInput) -> RefundRecipientOutput {
        let (answer, happened) = self.0.puzzel_pay().refund(
            &input.batch_reference,
            &input.recipient_reference,
            self.0.engine.now(),
            self.0.record_cap,
        );
        self.0.publish(happened);
        answer
    }
}

impl Actions for PuzzelPay {
    /// What the SMS network or the recipient could still do; a batch can
    /// be let expire.
    fn offered(record: &Record) -> Vec<Action> {
        if record.id.kind == Kind::Batch {
            return if record.state == OPEN {
                vec![action("expire", "Expire batch")]
            } else {
                Vec::new()
            };
        }
        if record.id.kind != Kind::Recipient {
            return Vec::new();
        }
        let at = |step: Step| format!("{step:?}") == record.state;
        if at(Step::SmsEnqueued) {
            vec![action("delivered", "Mark SMS received"), PAY, FAIL]
        } else if [
            Step::SmsReceived,
            Step::SmsClicked,
            Step::PickedPaymentProvider,
        ]
        .into_iter()
        .any(at)
        {
            vec![PAY, FAIL]
        } else if at(Step::PaymentFailed) {
            vec![PAY]
        } else {
            Vec::new()
        }
    }

    fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String> {
        let batch = id.batch.as_deref().unwrap_or_default();
        let done = match (id.kind, action) {
            (Kind::Recipient, "delivered") => mark_delivered(shared, batch, &id.id),
            (Kind::Recipient, "pay" | "fail") => {
                let provider = PaymentProvider::PaymentCard;
                match settle(shared, batch, &id.id, provider, action == "fail") {
                    Ok(settled) => settled.map(drop),
                    Err(Expired) => return refused(id, action, "the batch has expired"),
                }
            }
            (Kind::Batch, "expire") => {
                let expired = shared.puzzel_pay().expire(&id.id, shared.engine.now());
                expired.map(|happened| shared.publish(happened))
            }
            _ => return refused(id, action, "no such action"),
        };
        done.map_or_else(|| refused(id, action, "no such recipient"), Ok)
    }
}

/// How to reach this stand-in.
pub(super) fn details(sandbox: &super::Sandbox) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("url", sandbox.puzzel_pay_url().as_str().into()),
        ("jwt", super::credentials::PUZZEL_PAY_JWT.into()),
    ]
}

/// The payment pages the SMS links lead to.
pub(super) fn pages() -> Router<Shared> {
    Router::new()
        .route("/pay/{batch}/{recipient}", get(payment_page))
        .route("/pay/{batch}/{recipient}/{provider}", post(pick))
        .route(
            "/pay/{batch}/{recipient}/{provider}/complete",
            post(complete),
        )
        .route("/pay/{batch}/{recipient}/{provider}/fail", post(fail))
}

/// `/sandbox/puzzel-pay/...`: what the SMS network would report.
pub(super) fn control_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/puzzel-pay/batches/{batch}/recipients/{recipient}/delivered",
            post(delivered),
        )
        .merge(settlement::routes())
}

/// A refused batch: its validation errors, keyed by the path of the
/// invalid input.
fn invalid(batch_reference: &str, errors: BTreeMap<String, Vec<String>>) -> CreateBatchOutput {
    CreateBatchOutput::BadRequest(BatchResponse {
        batch_reference: Some(batch_reference.to_string()),
        sms_statuses: None,
        payment_links: None,
        validation_errors: Some(errors),
    })
}

/// Every template variable a recipient lacks, by the recipient's path, and
/// every variable a recipient gives that no template uses, by the
/// variable's path: the docs' two messages ("The variable 'amount' is
/// missing", "The variable 'name' is missing in the template").
/// x-nordpay-inferred: a variable is used if any message or receipt
/// template names it; its index is its place in name order (the variables
/// arrive as a JSON object).
fn variable_errors(batch: &BatchRequest) -> BTreeMap<String, Vec<String>> {
    let needed: BTreeSet<String> = batch
        .message_templates
        .iter()
        .flat_map(|t| placeholders(&t.text))
        .collect();
    let used: BTreeSet<String> = batch
        .receipt_templates
        .iter()
        .flat_map(|t| placeholders(&t.text))
        .chain(needed.iter().cloned())
        .collect();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, recipient) in batch.recipients.iter().enumerate() {
        for name in &needed {
            if !recipient.variables.contains_key(name) {
                errors
                    .entry(format!("recipients[{i}].variables"))
                    .or_default()
                    .push(format!("The variable '{name}' is missing"));
            }
        }
        for (j, name) in recipient.variables.keys().enumerate() {
            if !used.contains(name) {
                errors
                    .entry(format!("recipients[{i}].variables[{j}]"))
                    .or_default()
                    .push(format!("The variable '{name}' is missing in the template"));
            }
        }
    }
    errors
}

/// What a recipient is asked to pay (`None` for a code that is no ISO 4217
/// currency).
fn asked(recipient: &crate::puzzel_pay::types::Recipient) -> Option<Money> {
    Money::new(&recipient.payment.currency, recipient.payment.amount.get()).ok()
}

/// The store's records of a batch's recipients.
fn records(batch: &BatchRequest, links: bool, link: impl Fn(&str) -> String) -> Vec<Recipient> {
    batch
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
            amount: asked(r),
            variables: r
                .variables
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            // The template of the recipient's request type, else the first
            // (as for message templates; x-nordpay-inferred).
            receipt: batch
                .receipt_templates
                .iter()
                .find(|t| t.type_ == r.type_)
                .or(batch.receipt_templates.first())
                .map(|t| {
                    let link = link(&r.reference);
                    fill(&t.text, |name| match name {
                        "paymentLink" => Some(link.clone()),
                        "paymentReference" => None,
                        _ => r.variables.get(name).cloned(),
                    })
                }),
        })
        .collect()
}

/// The answer to an accepted batch: each SMS's status, or each link.
fn accepted(
    reference: &str,
    recipients: &[Recipient],
    links: bool,
    link: impl Fn(&str) -> String,
) -> BatchResponse {
    BatchResponse {
        batch_reference: Some(reference.to_string()),
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
    }
}

/// What a new batch shows: the batch, each recipient, each SMS sent.
fn created(
    batch: &BatchRequest,
    steps: &[Step],
    state: &str,
    links: bool,
    link: impl Fn(&str) -> String,
) -> Happened {
    let reference = batch.batch_reference.to_string();
    let mut happened = Happened::nothing();
    let action = if links { "create links" } else { "send SMS" };
    let keys = vec![
        ("action", action.to_string()),
        ("recipients", steps.len().to_string()),
    ];
    let total = total(batch.recipients.iter().map(asked));
    let id = RecordId::new(Kind::Batch, &reference);
    happened.open(id, state, total, keys, "created by the merchant");
    for (request, &step) in batch.recipients.iter().zip(steps) {
        let msisdn = request.msisdn.to_string();
        let keys = vec![("batch", reference.clone()), ("MSISDN", msisdn.clone())];
        let what = match step {
            Step::SmsFailed => "the SMS could not be sent",
            _ if links => "payment link created",
            _ => "payment link sent by SMS",
        };
        let link = link(&request.reference);
        let id = RecordId::recipient(&reference, &request.reference);
        happened.open(id, format!("{step:?}"), asked(request), keys, what);
        if !links && step != Step::SmsFailed {
            let text = payment_sms(batch, request, &link);
            happened.sms(msisdn, Api::PuzzelPay, text, Some(link));
        }
    }
    happened
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

/// The SMS network reports the link's SMS received.
pub(super) fn mark_delivered(shared: &Shared, batch: &str, reference: &str) -> Option<()> {
    let (_, happened) = shared.puzzel_pay().advance(
        batch,
        reference,
        Step::SmsReceived,
        "SMS received by the phone",
    )?;
    shared.publish(happened);
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

/// What a payment link past its batch's `expires` shows.
fn expired_page() -> Response {
    let page = pages::page(
        "Puzzel Pay",
        &["This payment link has expired.".into()],
        &[],
    );
    (StatusCode::GONE, page).into_response()
}

/// The payment link: opening it is the click.
async fn payment_page(
    State(shared): State<Shared>,
    Path((batch, reference)): Path<(String, String)>,
) -> Response {
    if shared.puzzel_pay().expired(&batch, shared.engine.now()) {
        return expired_page();
    }
    let opened =
        shared
            .puzzel_pay()
            .advance(&batch, &reference, Step::SmsClicked, "payment link opened");
    let Some((step, happened)) = opened else {
        return (StatusCode::NOT_FOUND, "no such payment link").into_response();
    };
    shared.publish(happened);
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

/// A payment link past its batch's `expires`.
#[derive(Debug)]
pub(super) struct Expired;

/// A recipient pays with `provider` on the payment page (or the
/// dashboard): see [`Store::settle`]. `None` for no such recipient.
pub(super) fn settle(
    shared: &Shared,
    batch: &str,
    reference: &str,
    provider: PaymentProvider,
    fail: bool,
) -> Result<Option<(Step, bool)>, Expired> {
    let external_reference = format!("sandbox-{}", shared.engine.id("ext"));
    let now = shared.engine.now();
    let settled = {
        let mut store = shared.puzzel_pay();
        if store.expired(batch, now) {
            return Err(Expired);
        }
        store.settle(
            batch,
            reference,
            provider,
            fail,
            external_reference,
            now,
            shared.record_cap,
        )
    };
    let Some((step, moved, happened)) = settled else {
        return Ok(None);
    };
    shared.publish(happened);
    Ok(Some((step, moved)))
}

/// The recipient picks a payment provider on the payment page: step 4,
/// "Picked payment provider", and the provider's page to pay or fail on.
async fn pick(
    State(shared): State<Shared>,
    Path((batch, reference, provider)): Path<(String, String, i32)>,
) -> Response {
    let Some(provider) = PaymentProvider::from_value(provider) else {
        return (StatusCode::BAD_REQUEST, "unknown payment provider").into_response();
    };
    let picked = {
        let mut store = shared.puzzel_pay();
        if store.expired(&batch, shared.engine.now()) {
            return expired_page();
        }
        store.pick(&batch, &reference, provider)
    };
    let Some((step, happened)) = picked else {
        return (StatusCode::NOT_FOUND, "no such payment link").into_response();
    };
    shared.publish(happened);
    let target = |end: &str| {
        shared.url(&format!(
            "/puzzel-pay/pay/{batch}/{reference}/{}/{end}",
            provider.value()
        ))
    };
    pages::page(
        "Puzzel Pay",
        &[
            format!("Payment request {reference} of batch {batch}"),
            format!("Paying with {}", provider_name(provider)),
            format!("Step: {}", step.value()),
        ],
        &[
            ("Pay", target("complete")),
            ("Payment fails", target("fail")),
        ],
    )
    .into_response()
}

/// The provider's name on the pages.
fn provider_name(provider: PaymentProvider) -> &'static str {
    match provider {
        PaymentProvider::DirectPayment => "Strex (Direct Payment)",
        PaymentProvider::PaymentCard => "card",
        _ => "another provider",
    }
}

async fn complete(state: State<Shared>, path: Path<(String, String, i32)>) -> Response {
    finish(state, path, false)
}

async fn fail(state: State<Shared>, path: Path<(String, String, i32)>) -> Response {
    finish(state, path, true)
}

/// The provider's page is answered: paid, or failed (see [`Store::settle`]).
fn finish(
    State(shared): State<Shared>,
    Path((batch, reference, provider)): Path<(String, String, i32)>,
    fails: bool,
) -> Response {
    let Some(provider) = PaymentProvider::from_value(provider) else {
        return (StatusCode::BAD_REQUEST, "unknown payment provider").into_response();
    };
    let outcome = settle(&shared, &batch, &reference, provider, fails);
    match outcome.map(|settled| settled.map(|(step, _)| step)) {
        Ok(Some(step)) => pages::page(
            "Puzzel Pay",
            &[format!("Result step: {}", step.value())],
            &[],
        )
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such payment link").into_response(),
        Err(Expired) => expired_page(),
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
