//! A refund, resolved: when its outcome is unknown, the refund is looked for
//! among the REFUND transactions of the original's owner (CONNECT lists
//! transactions only by `connectId` or `chargeToken`, which the original
//! carries), by `refundForTransactionId`. It is sent again only when that
//! lookup shows none; "already refunded" after an unknown attempt means the
//! first one arrived, and is looked up, never reported.
//!
//! Creating a transaction moves no money (the user pays at its PAYMENT
//! link), but its orderId cannot be reused, and its link is in the answer: a
//! lost answer is looked up by the orderId among the user's transactions
//! (CONNECT lists by `connectId` only), and the transaction sent again only
//! if none is recorded.

use super::{Client, Error, ResponseValue, types};
use crate::runtime::{Lookup, Resolved, resolve};

impl Client {
    /// The refund of `transaction_id`, among the REFUND transactions of the
    /// original's owner.
    async fn find_refund(&self, transaction_id: &str) -> Lookup<types::Transaction, Error> {
        let original = match self
            .get_transaction()
            .transaction_id(transaction_id)
            .send()
            .await
        {
            Ok(original) => original.into_inner(),
            Err(error) => return Lookup::failed(error),
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
            Err(error) => Lookup::failed(error),
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

    /// Prepare a transaction, and never leave the outcome a guess: `Done`
    /// with the transaction (and its PAYMENT link) whether the answer came
    /// or the lookup found it by its orderId; `NotDone` with CONNECT's
    /// refusal. Without a `connectId` in the request no lookup exists
    /// (CONNECT lists transactions only by connectId or chargeToken): an
    /// unknown outcome is then `Unresolved` — start again with a new orderId;
    /// the lost one, if recorded, expires unpaid.
    pub async fn create_transaction_resolved<B>(
        &self,
        transaction: B,
    ) -> Resolved<types::Transaction, Error>
    where
        B: TryInto<types::NewTransaction>,
        B::Error: std::fmt::Display,
    {
        let transaction: types::NewTransaction = match transaction.try_into() {
            Ok(transaction) => transaction,
            Err(e) => return Resolved::NotDone(Error::InvalidRequest(e.to_string())),
        };
        let create = || async {
            self.create_transaction()
                .body(transaction.clone())
                .send()
                .await
                .map(ResponseValue::into_inner)
        };
        let order_id = transaction.order_id.to_string();
        let lookup = || async {
            let Some(connect_id) = transaction.connect_id.clone() else {
                return Lookup::Never(Error::InvalidRequest(
                    "no connectId in the request: CONNECT cannot list its transactions".into(),
                ));
            };
            let found = self
                .list_transactions()
                .connect_id(connect_id)
                .order_id(order_id.clone())
                .send()
                .await;
            match found {
                Ok(found) => found
                    .into_inner()
                    .into_iter()
                    .find(|t| *t.order_id == order_id)
                    .map_or(Lookup::Missing, Lookup::Done),
                Err(error) => Lookup::failed(error),
            }
        };
        // A reused orderId is refused with a 400.
        let duplicate = |error: &Error| error.status() == Some(reqwest::StatusCode::BAD_REQUEST);
        let first = create().await;
        resolve(
            self.inner.runtime.resolution(),
            "createTransaction",
            first,
            lookup,
            create,
            duplicate,
        )
        .await
    }
}
