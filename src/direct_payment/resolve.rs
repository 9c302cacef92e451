//! Pay and reverse, resolved: when the outcome of a call is unknown (a
//! timeout, a lost connection, a 5xx, an answer that does not decode, a
//! failure behind Puzzel), the payment is looked up by its ClientReference
//! (`payment_status`, both transports) until Direct Payment says what it
//! has. A resend happens only with the same ClientReference, only after the
//! lookup showed nothing recorded and the attempt before it can no longer
//! land; "ClientReference must be unique" means the payment exists, and no
//! lookup that fails to see it overrules that.

use std::fmt;

use super::client::client_reference_of;
use super::generated::rest::operations as rest_operations;
use super::generated::soap::operations as soap_operations;
use super::{Client, Error, ErrorCode, PaymentStatus, SecurityLevel, types};
use crate::runtime::{Lookup, Plan, Refusal, Resolved, outcome, resolve};

/// What Direct Payment has of a payment: [`types::PaymentStatusResponse`].
pub type PaymentRecord = types::PaymentStatusResponse;

/// A fresh ClientReference: `np-` and 24 random hex digits. Use one per
/// intended payment, store it with the order *before* paying, and use it
/// again for every resend of that payment (which
/// [`Client::pay_resolved`] does for you).
pub fn fresh_client_reference() -> types::ClientReference {
    let reference = format!(
        "np-{:012x}{:012x}",
        fastrand::u64(..) >> 16,
        fastrand::u64(..) >> 16
    );
    reference
        .parse()
        .expect("a non-empty reference is a ClientReference")
}

/// What a refusal says of the ClientReference. Direct Payment refuses a
/// reused reference with code 2 (validation); the docs give no text for it,
/// so a validation refusal whose description speaks of uniqueness or an
/// existing record says the key exists (x-nordpay-inferred), and any other
/// validation refusal is left to the lookup.
fn refusal(error: &Error) -> Refusal {
    match error {
        Error::Fault {
            code: ErrorCode::Validation,
            description,
            ..
        } => Refusal::of_duplicate_kind(description),
        _ => Refusal::Other,
    }
}

impl Client {
    /// The payment under `reference`, as Direct Payment has it.
    async fn record(&self, reference: &types::ClientReference) -> Lookup<PaymentRecord, Error> {
        match self.payment_status(reference.clone()).await {
            Ok(record) => Lookup::Done(record),
            Err(error) if error.code() == Some(ErrorCode::NotFound) => Lookup::Missing(error),
            Err(error) => Lookup::failed(error),
        }
    }

    /// What the status says of a payment.
    async fn payment_lookup(
        &self,
        reference: &types::ClientReference,
    ) -> Lookup<PaymentRecord, Error> {
        match self.record(reference).await {
            Lookup::Done(record) => match record.payment_status {
                PaymentStatus::Paid | PaymentStatus::Reversed => Lookup::Done(record),
                PaymentStatus::NotPaid => Lookup::NotDone(Error::NotPaid),
                // A status the docs do not list says nothing sure.
                PaymentStatus::Unknown(_) => Lookup::Never(unlisted_status()),
            },
            other => other,
        }
    }

    /// How a payment is resolved: a NotPaid is final, and nothing is sent
    /// again, only once the attempt can no longer land: its attempt
    /// timeout, and for a payment the user confirms (`SecurityLevel` 2, or
    /// unknown) the spec's confirmation window, since the first attempt.
    fn pay_plan(&self, confirmed_by_user: bool) -> Plan<'_> {
        let (runtime, operation) = self.runtime_of(&rest_operations::PAY, &soap_operations::PAY);
        let mut settle = runtime.settle_window(operation);
        if confirmed_by_user && let Some(window) = operation.policy.confirmation_window {
            settle = settle.max(window);
        }
        Plan {
            resolution: &self.resolution,
            operation,
            settle,
        }
    }

    /// Charge a mobile subscription, and never leave the outcome a guess.
    ///
    /// - `Done`: the payment is made (`Paid`), by the answer or, the answer
    ///   lost, by the status under its ClientReference. Calling again with
    ///   the same reference, after a crash or from a second worker, gives
    ///   `Done` with the same payment: a reused reference is refused by
    ///   Direct Payment, and that refusal is looked up.
    /// - `NotDone`: nothing was charged. Direct Payment refused the payment
    ///   (barred, no funds, …) and shows nothing under the reference, or
    ///   shows it as not paid after the attempt could no longer land (for
    ///   `SecurityLevel` 2, after the confirmation window).
    /// - `Unresolved`: still unknown when the resolution deadline passed
    ///   (see [`crate::runtime::Resolution`]). Keep the reference and call
    ///   this again with the same details later, or ask
    ///   [`Client::payment_outcome`]; never pay again under a new reference.
    ///
    /// An unknown outcome is looked up; the payment is sent again, with the
    /// same reference, only when Direct Payment shows nothing under it, the
    /// attempt before can no longer land, and fewer than
    /// `Resolution::max_resends` resends were made. A future of this call
    /// that is dropped halfway leaves nothing wrong: call again with the
    /// same details.
    ///
    /// The ClientReference is the payment's identity: make it once per
    /// intended payment ([`fresh_client_reference`]) and store it first.
    pub async fn pay_resolved<D>(&self, details: D) -> Resolved<PaymentRecord, Error>
    where
        D: TryInto<types::PaymentDetails>,
        D::Error: fmt::Display,
    {
        let details: types::PaymentDetails = match super::client::checked(details) {
            Ok(details) => details,
            Err(error) => return Resolved::NotDone(error),
        };
        let confirmed_by_user = details
            .security_level
            .is_some_and(|level| level != SecurityLevel::None);
        let reference = &details.client_reference;
        let pay = || async { self.pay(details.clone()).await.map(paid_record) };
        resolve(
            self.pay_plan(confirmed_by_user),
            refusal,
            || self.payment_lookup(reference),
            pay,
        )
        .await
    }

    /// What became of the payment under `client_reference`, by the status
    /// lookup alone: nothing is sent. What a service asks for its open
    /// references after a restart.
    ///
    /// `Done` when Direct Payment shows it paid (or reversed since);
    /// `NotDone` when it shows it not paid for the whole confirmation
    /// window (a `SecurityLevel` 2 payment is NotPaid until the user
    /// confirms, so this waits that long before saying so); `Unresolved`
    /// when nothing is recorded under the reference — an attempt may still
    /// land, or the lookup lag — or the lookup did not answer. To settle an
    /// `Unresolved`, call [`Client::pay_resolved`] with the same details:
    /// it sends under the same reference, which Direct Payment refuses if
    /// the payment exists.
    pub async fn payment_outcome<R>(&self, client_reference: R) -> Resolved<PaymentRecord, Error>
    where
        R: TryInto<types::ClientReference>,
        R::Error: fmt::Display,
    {
        let reference = match client_reference_of(client_reference) {
            Ok(reference) => reference,
            Err(error) => return Resolved::NotDone(error),
        };
        outcome(self.pay_plan(true), || self.payment_lookup(&reference)).await
    }

    /// What the status says of the reversal of `transaction_id`.
    async fn reversal_lookup(
        &self,
        reference: &types::ClientReference,
        transaction_id: i64,
    ) -> Lookup<PaymentRecord, Error> {
        match self.record(reference).await {
            Lookup::Done(record)
                if record.transaction_id.is_some_and(|id| id != transaction_id) =>
            {
                Lookup::Never(Error::InvalidRequest(
                    "the payment under this ClientReference has another TransactionId".into(),
                ))
            }
            Lookup::Done(record) => match record.payment_status {
                PaymentStatus::Reversed => Lookup::Done(record),
                // Still paid: the reversal is not recorded.
                PaymentStatus::Paid => Lookup::Missing(Error::NotReversed),
                // Not paid: nothing to reverse.
                PaymentStatus::NotPaid => Lookup::NotDone(Error::NotPaid),
                PaymentStatus::Unknown(_) => Lookup::Never(unlisted_status()),
            },
            // The payment was made (it has a TransactionId): a status that
            // does not find it lags or is misrouted, and proves nothing.
            Lookup::Missing(error) => Lookup::Later(error),
            other => other,
        }
    }

    fn reverse_plan(&self) -> Plan<'_> {
        let (runtime, operation) = self.runtime_of(
            &rest_operations::REVERSE_PAYMENT,
            &soap_operations::REVERSE_PAYMENT,
        );
        Plan {
            resolution: &self.resolution,
            operation,
            settle: runtime.settle_window(operation),
        }
    }

    /// Reverse (credit back) the payment made under `client_reference` with
    /// `transaction_id`, and never leave the outcome a guess. `Done` holds
    /// the payment, now `Reversed` (by the answer, or by the status of the
    /// payment under the reference, which must carry this TransactionId);
    /// `NotDone` Direct Payment's refusal, or a payment it shows not paid;
    /// `Unresolved` an outcome still unknown at the deadline: call again
    /// with the same arguments, or ask [`Client::reversal_outcome`]. An
    /// unknown outcome is looked up; the reversal is sent again only while
    /// the payment still shows as paid, and "already reversed" is looked
    /// up, never reported. A future of this call dropped halfway leaves
    /// nothing wrong: call again with the same arguments.
    pub async fn reverse_resolved<R>(
        &self,
        client_reference: R,
        transaction_id: i64,
    ) -> Resolved<PaymentRecord, Error>
    where
        R: TryInto<types::ClientReference>,
        R::Error: fmt::Display,
    {
        let reference = match client_reference_of(client_reference) {
            Ok(reference) => reference,
            Err(error) => return Resolved::NotDone(error),
        };
        let reverse = || async {
            self.reverse_payment(transaction_id)
                .await
                .map(|_| PaymentRecord {
                    client_reference: reference.to_string(),
                    payment_status: PaymentStatus::Reversed,
                    transaction_id: Some(transaction_id),
                })
        };
        resolve(
            self.reverse_plan(),
            refusal,
            || self.reversal_lookup(&reference, transaction_id),
            reverse,
        )
        .await
    }

    /// What became of the reversal of the payment under
    /// `client_reference` with `transaction_id`, by the status alone:
    /// `Done` once it shows `Reversed`, `NotDone` if the payment shows not
    /// paid, `Unresolved` while it still shows paid (call
    /// [`Client::reverse_resolved`] to settle that) or cannot be seen.
    pub async fn reversal_outcome<R>(
        &self,
        client_reference: R,
        transaction_id: i64,
    ) -> Resolved<PaymentRecord, Error>
    where
        R: TryInto<types::ClientReference>,
        R::Error: fmt::Display,
    {
        let reference = match client_reference_of(client_reference) {
            Ok(reference) => reference,
            Err(error) => return Resolved::NotDone(error),
        };
        outcome(self.reverse_plan(), || {
            self.reversal_lookup(&reference, transaction_id)
        })
        .await
    }
}

fn unlisted_status() -> Error {
    Error::InvalidRequest("Direct Payment answered a payment status the docs do not list".into())
}

fn paid_record(paid: types::PaymentResponse) -> PaymentRecord {
    PaymentRecord {
        client_reference: paid.client_reference,
        payment_status: PaymentStatus::Paid,
        transaction_id: Some(paid.transaction_id.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_references_are_unique_and_valid() {
        let a = fresh_client_reference();
        let b = fresh_client_reference();
        assert_ne!(a, b);
        assert!(a.starts_with("np-") && a.len() == 27, "{}", *a);
    }

    #[test]
    fn a_validation_refusal_that_names_the_reference_says_it_exists() {
        let fault = |code, description: &str| Error::Fault {
            code,
            description: description.into(),
            status: None,
            soap_fault_code: None,
        };
        let cases = [
            (
                fault(ErrorCode::Validation, "ClientReference must be unique"),
                Refusal::KeyExists,
            ),
            (
                fault(ErrorCode::Validation, "The payment is already reversed"),
                Refusal::KeyExists,
            ),
            (
                fault(ErrorCode::Validation, "Invalid age"),
                Refusal::MaybeKeyExists,
            ),
            (fault(ErrorCode::MsisdnBarred, "barred"), Refusal::Other),
            (Error::NotPaid, Refusal::Other),
        ];
        for (error, expected) in cases {
            assert_eq!(refusal(&error), expected, "{error}");
        }
    }
}
