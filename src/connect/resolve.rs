//! A refund, resolved: when its outcome is unknown, the refund is looked for
//! among the REFUND transactions of the original's owner (CONNECT lists
//! transactions only by `connectId` or `chargeToken`, which the original
//! carries), by `refundForTransactionId`. It is sent again only when that
//! lookup shows none; "already refunded" after an unknown attempt means the
//! first one arrived, and is looked up, never reported.
//!
//! Creating a transaction needs no resolving: it only prepares a payment the
//! user completes at its PAYMENT link, and a lost answer leaves nothing
//! charged. Its orderId cannot be reused, so a new attempt needs a new one;
//! the old one, if it was recorded, expires unpaid.

use super::{Client, Error, types};
use crate::runtime::{Resolved, Waits};

/// What a lookup of the refund says.
enum Lookup {
    Found(Box<types::Transaction>),
    Nothing,
    Later(Error),
    /// It cannot be looked up: asking again is no use.
    Never(Error),
}

impl Client {
    async fn find_refund(&self, transaction_id: &str) -> Lookup {
        let original = match self
            .get_transaction()
            .transaction_id(transaction_id)
            .send()
            .await
        {
            Ok(original) => original.into_inner(),
            Err(error) if error.is_retryable() || error.is_outcome_unknown() => {
                return Lookup::Later(error);
            }
            Err(error) => return Lookup::Never(error),
        };
        let mut list = self
            .list_transactions()
            .type_(types::TransactionType::Refund);
        list = match (&original.charge_token, &original.connect_id) {
            (Some(token), _) => list.charge_token(token.clone()),
            (None, Some(connect_id)) => list.connect_id(connect_id.clone()),
            (None, None) => {
                return Lookup::Never(Error::InvalidRequest(
                    "the transaction has neither a chargeToken nor a connectId, which CONNECT \
                     needs to list its refunds"
                        .into(),
                ));
            }
        };
        match list.send().await {
            Ok(found) => found
                .into_inner()
                .into_iter()
                .find(|t| t.refund_for_transaction_id.as_deref() == Some(transaction_id))
                .map_or(Lookup::Nothing, |refund| Lookup::Found(Box::new(refund))),
            Err(error) if error.is_retryable() || error.is_outcome_unknown() => {
                Lookup::Later(error)
            }
            Err(error) => Lookup::Never(error),
        }
    }

    /// Refund a completed transaction in full, and never leave the outcome
    /// a guess: `Done` holds the REFUND transaction, `NotDone` CONNECT's
    /// refusal, `Unresolved` an outcome still unknown when the resolution
    /// deadline passed (look again later; never refund again blindly).
    pub async fn refund_resolved(
        &self,
        transaction_id: &str,
        request: types::RefundRequest,
    ) -> Resolved<types::Transaction, Error> {
        let refund = || {
            self.refund_transaction()
                .transaction_id(transaction_id)
                .body(request.clone())
                .send()
        };
        let mut last = match refund().await {
            Ok(refund) => return Resolved::Done(refund.into_inner()),
            Err(error) if !error.is_outcome_unknown() => return Resolved::NotDone(error),
            Err(error) => error,
        };
        tracing::info!(
            operation = "refundTransaction",
            "the outcome is unknown; resolving by the original's refunds"
        );
        let mut waits = Waits::new(self.inner.runtime.resolution());
        // A 400 to a resend: "already refunded" (an earlier attempt arrived)
        // if the next lookup finds the refund, a refusal if it still does not.
        let mut refused = None;
        while waits.wait().await {
            match self.find_refund(transaction_id).await {
                Lookup::Found(refund) => return Resolved::Done(*refund),
                Lookup::Later(error) => last = error,
                Lookup::Never(error) => return Resolved::Unresolved(error),
                Lookup::Nothing if refused.is_some() => {
                    return Resolved::NotDone(refused.unwrap_or(last));
                }
                // No refund recorded: the same refund again.
                Lookup::Nothing => match refund().await {
                    Ok(refund) => return Resolved::Done(refund.into_inner()),
                    Err(error) if error.status() == Some(reqwest::StatusCode::BAD_REQUEST) => {
                        refused = Some(error);
                    }
                    Err(error) if !error.is_outcome_unknown() => return Resolved::NotDone(error),
                    Err(error) => last = error,
                },
            }
        }
        Resolved::Unresolved(last)
    }
}
