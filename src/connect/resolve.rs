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

use super::{Client, Error, ResponseValue, types};
use crate::runtime::{Lookup, Resolved, resolve};

impl Client {
    /// The refund of `transaction_id`, among the REFUND transactions of the
    /// original's owner.
    async fn find_refund(&self, transaction_id: &str) -> Lookup<types::Transaction, Error> {
        let unknown = |error: &Error| error.is_retryable() || error.is_outcome_unknown();
        let original = match self
            .get_transaction()
            .transaction_id(transaction_id)
            .send()
            .await
        {
            Ok(original) => original.into_inner(),
            Err(error) if unknown(&error) => return Lookup::Later(error),
            Err(error) => return Lookup::Never(error),
        };
        let list = self
            .list_transactions()
            .type_(types::TransactionType::Refund);
        let list = match (original.charge_token, original.connect_id) {
            (Some(token), _) => list.charge_token(token),
            (None, Some(connect_id)) => list.connect_id(connect_id),
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
                .map_or(Lookup::Missing, Lookup::Done),
            Err(error) if unknown(&error) => Lookup::Later(error),
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
        let refund = || async {
            self.refund_transaction()
                .transaction_id(transaction_id)
                .body(request.clone())
                .send()
                .await
                .map(ResponseValue::into_inner)
        };
        // "Already refunded" is a 400; so are real refusals, which the next
        // lookup tells apart.
        let duplicate = |error: &Error| error.status() == Some(reqwest::StatusCode::BAD_REQUEST);
        let first = refund().await;
        let lookup = || self.find_refund(transaction_id);
        resolve(
            self.inner.runtime.resolution(),
            "refundTransaction",
            first,
            lookup,
            refund,
            duplicate,
        )
        .await
    }
}
