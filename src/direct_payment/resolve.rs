//! Pay and reverse, resolved: when the outcome of a call is unknown (a
//! timeout, a lost connection, a 5xx, an answer that does not decode), the
//! payment is looked up by its ClientReference (`payment_status`, both
//! transports) until Direct Payment says what it has. A resend happens only
//! with the same ClientReference and only after the lookup showed nothing
//! recorded; a "ClientReference must be unique" refusal after an unknown
//! attempt means the first one arrived, and is looked up, never reported.

use std::fmt;

use super::{Client, Error, ErrorCode, PaymentStatus, types};
use crate::runtime::{Lookup, Resolved, resolve};

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

impl Client {
    /// The payment under `reference`, as Direct Payment has it.
    async fn record(&self, reference: &types::ClientReference) -> Lookup<PaymentRecord, Error> {
        match self.payment_status(reference.clone()).await {
            Ok(record) => Lookup::Done(record),
            Err(error) if error.code() == Some(ErrorCode::NotFound) => Lookup::Missing,
            Err(error) => Lookup::failed(error),
        }
    }

    /// Charge a mobile subscription, and never leave the outcome a guess.
    ///
    /// - Answered: `Done` with the payment (`Paid`), or `NotDone` with
    ///   Direct Payment's refusal (barred, no funds, …).
    /// - Unknown (no answer, 5xx, an undecodable answer): the payment is
    ///   looked up by its ClientReference until Direct Payment says; if
    ///   nothing is recorded it is sent again with the same reference.
    /// - `Unresolved` only if the resolution deadline passes first (see
    ///   [`crate::runtime::Resolution`]): look it up later with
    ///   [`Client::payment_status`], never pay again under a new reference.
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
        let reference = &details.client_reference;
        let pay = || async { self.pay(details.clone()).await.map(paid_record) };
        let lookup = || async {
            match self.record(reference).await {
                Lookup::Done(record) => match record.payment_status {
                    PaymentStatus::Paid | PaymentStatus::Reversed => Lookup::Done(record),
                    PaymentStatus::NotPaid => Lookup::NotDone(None),
                    // A status the docs do not list says nothing sure.
                    PaymentStatus::Unknown(_) => Lookup::Never(Error::InvalidRequest(
                        "Direct Payment answered a payment status the docs do not list".into(),
                    )),
                },
                other => other,
            }
        };
        // "ClientReference must be unique" is a validation refusal.
        let duplicate = |error: &Error| error.code() == Some(ErrorCode::Validation);
        resolve(&self.resolution, "pay", pay().await, lookup, pay, duplicate).await
    }

    /// Reverse (credit back) the payment made under `client_reference` with
    /// `transaction_id`, and never leave the outcome a guess: an unknown
    /// outcome is looked up by the reference; the reversal is sent again
    /// only while the payment still shows as paid. `Done` holds the
    /// payment, now `Reversed`.
    pub async fn reverse_resolved<R>(
        &self,
        client_reference: R,
        transaction_id: i64,
    ) -> Resolved<PaymentRecord, Error>
    where
        R: TryInto<types::ClientReference>,
        R::Error: fmt::Display,
    {
        let reference: types::ClientReference = match client_reference.try_into() {
            Ok(reference) => reference,
            Err(e) => {
                return Resolved::NotDone(Error::InvalidRequest(format!("client reference: {e}")));
            }
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
        let lookup = || async {
            match self.record(&reference).await {
                Lookup::Done(record) => match record.payment_status {
                    PaymentStatus::Reversed => Lookup::Done(record),
                    // Still paid: the reversal was not recorded.
                    PaymentStatus::Paid => Lookup::Missing,
                    // Not paid: nothing to reverse.
                    _ => Lookup::NotDone(None),
                },
                // No such payment: nothing to reverse.
                Lookup::Missing => Lookup::NotDone(None),
                other => other,
            }
        };
        // "Already reversed" is a validation refusal.
        let duplicate = |error: &Error| error.code() == Some(ErrorCode::Validation);
        let first = reverse().await;
        resolve(
            &self.resolution,
            "reverse_payment",
            first,
            lookup,
            reverse,
            duplicate,
        )
        .await
    }
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
}
