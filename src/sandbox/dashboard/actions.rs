//! What a person can do to a record from the dashboard, as the user on a
//! payment page or the provider would: complete or fail a payment, report
//! an SMS received, expire a verification code, mark an invoice paid. Each
//! goes through its API's own code, so the store, the journal and the
//! callbacks see it exactly as they see the real thing.

use crate::mediaconnect::Outcome;
use crate::puzzel_pay::{PaymentProvider, Step};

use super::super::journal::{Kind, Record, RecordId};
use super::super::{Shared, connect, direct_payment, mediaconnect, puzzel_pay};

/// One button: what the form sends, and its label.
pub(super) struct Action {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
}

const fn action(name: &'static str, label: &'static str) -> Action {
    Action { name, label }
}

const PAY: Action = action("pay", "Complete payment");
const FAIL: Action = action("fail", "Fail payment");

/// The actions that make sense in a record's present state.
pub(super) fn offered(record: &Record) -> Vec<Action> {
    let state = record.state.as_str();
    let step = |step: Step| format!("{step:?}") == state;
    match record.id.kind {
        Kind::Transaction if state == "STARTED" => vec![PAY, FAIL],
        Kind::VerificationCode if state == "Sent" => vec![action("expire", "Expire code")],
        Kind::Recipient if step(Step::SmsEnqueued) => {
            vec![action("delivered", "Mark SMS received"), PAY, FAIL]
        }
        Kind::Recipient
            if [
                Step::SmsReceived,
                Step::SmsClicked,
                Step::PickedPaymentProvider,
            ]
            .into_iter()
            .any(step) =>
        {
            vec![PAY, FAIL]
        }
        Kind::Recipient if step(Step::PaymentFailed) => vec![PAY],
        Kind::InvoicePayment if open_at_login_server(state) => vec![
            action("finished", "Mark invoice paid"),
            action("failed", "Fail payment"),
            action("cancelled", "Cancel"),
        ],
        Kind::PaymentChange | Kind::VippsAgreement if open_at_login_server(state) => vec![
            action("finished", "Confirm"),
            action("failed", "Fail"),
            action("cancelled", "Cancel"),
        ],
        _ => Vec::new(),
    }
}

fn open_at_login_server(state: &str) -> bool {
    state == Outcome::Initiated.as_str() || state == Outcome::Unknown.as_str()
}

/// Do `action` to the record `id`; why not, in a sentence.
pub(super) fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String> {
    let refused = |what: &str| Err(format!("{what} ({} {})", id.kind.label(), action));
    match (id.kind, action) {
        (Kind::Transaction, "pay" | "fail") => connect::settle(shared, &id.id, action == "pay")
            .map(drop)
            .or_else(|_| refused("the transaction is not open")),
        (Kind::VerificationCode, "expire") => direct_payment::expire_code(shared, &id.id),
        (Kind::Recipient, _) => {
            let batch = id.batch.as_deref().unwrap_or_default();
            let done = match action {
                "delivered" => puzzel_pay::mark_delivered(shared, batch, &id.id),
                "pay" | "fail" => puzzel_pay::settle(
                    shared,
                    batch,
                    &id.id,
                    PaymentProvider::PaymentCard,
                    action == "fail",
                )
                .map(drop),
                _ => return refused("no such action"),
            };
            done.map_or_else(|| refused("no such recipient"), Ok)
        }
        (Kind::InvoicePayment | Kind::PaymentChange | Kind::VippsAgreement, outcome) => {
            let (Ok(number), Ok(outcome)) = (id.id.parse::<i64>(), outcome.parse::<Outcome>())
            else {
                return refused("no such action");
            };
            mediaconnect::settle(shared, number, outcome, "the dashboard")
                .map(drop)
                .map_or_else(|| refused("the payment is no longer open"), Ok)
        }
        _ => refused("no such action"),
    }
}
