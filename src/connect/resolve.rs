//! A refund, resolved: when its outcome is unknown, the refund is looked for
//! among the REFUND transactions of the original's owner (CONNECT lists
//! transactions only by `connectId` or `chargeToken`, which the original
//! carries), by `refundForTransactionId`, newest first, page after page
//! until it is found or the pages are older than the first attempt. It is
//! sent again only when that lookup shows none and the attempt before can no
//! longer land; "already refunded" means it exists, and is looked up, never
//! reported.
//!
//! Creating a transaction moves no money (the user pays at its PAYMENT
//! link), but its orderId cannot be reused, and its link is in the answer: a
//! lost answer is looked up by the orderId among the user's transactions
//! (CONNECT lists by `connectId` only), and the transaction sent again only
//! if none is recorded.
//!
//! A charging agreement is found the same way: among the user's agreements
//! (listed by `connectId` only), the one whose verification transaction has
//! the orderId.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::{Client, Error, ResponseValue, operations, types};
use crate::runtime::{Lookup, Operation, Plan, Refusal, Resolved, outcome, resolve};

/// Transactions one lookup reads at the most (50 pages).
const MAX_LISTED: u32 = 2_500;
/// How far the server's clock may be behind ours: pages are read back to
/// this long before the first attempt.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// What a refusal says of the key (the original's refund, the orderId).
/// CONNECT answers 400 for a reused key and for real refusals alike, and
/// publishes no codes: a 400 whose code or message speaks of a duplicate or
/// of something done already says the key exists (x-nordpay-inferred); any
/// other 400 is left to the lookup.
fn refusal(error: &Error) -> Refusal {
    match error {
        Error::Api { status, body, .. } if *status == reqwest::StatusCode::BAD_REQUEST => {
            Refusal::of_duplicate_kind(&format!(
                "{} {}",
                body.code.as_deref().unwrap_or_default(),
                body.message.as_deref().unwrap_or_default()
            ))
        }
        _ => Refusal::Other,
    }
}

impl Client {
    fn plan(&self, operation: &'static Operation) -> Plan<'_> {
        let runtime = &self.inner.runtime;
        Plan {
            resolution: runtime.resolution(),
            operation,
            settle: runtime.settle_window(operation),
        }
    }

    /// The first transaction `found` picks from `list`'s stream, newest
    /// first, until the list ends or (with `since`) a page's worth of
    /// transactions in a row started before `since`.
    async fn find_listed<'a>(
        &'a self,
        list: super::builder::ListTransactions<'a>,
        found: impl Fn(&types::Transaction) -> bool,
        since: Option<DateTime<Utc>>,
        what: &'static str,
    ) -> Lookup<types::Transaction, Error> {
        let mut transactions = list.sort(types::SortDirection::Desc).stream();
        let mut read = 0;
        // Transactions in a row that started before `since`: a page of them
        // ends the search (the order is the server's, not start times').
        let mut older = 0;
        while let Some(transaction) = transactions.next().await {
            let transaction = match transaction {
                Ok(transaction) => transaction,
                Err(error) => return Lookup::failed(error),
            };
            if found(&transaction) {
                return Lookup::Done(transaction);
            }
            // Newest first: what follows started earlier still.
            let before = since
                .zip(transaction.start_time)
                .is_some_and(|(since, started)| started < since);
            older = if before { older + 1 } else { 0 };
            if older >= super::pages::PAGE {
                return Lookup::Missing(Error::NotListed(what));
            }
            read += 1;
            if read >= MAX_LISTED {
                return Lookup::Never(Error::InvalidRequest(format!(
                    "more than {MAX_LISTED} transactions to look through for the {what}"
                )));
            }
        }
        Lookup::Missing(Error::NotListed(what))
    }

    /// The refund of `transaction_id`, among the REFUND transactions of the
    /// original's owner (back to `since`, if given).
    async fn find_refund(
        &self,
        transaction_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> Lookup<types::Transaction, Error> {
        let original = match self
            .get_transaction()
            .transaction_id(transaction_id)
            .send()
            .await
        {
            Ok(original) => original.into_inner(),
            // The original exists (it is being refunded): not finding it
            // is a lagging or misrouted read.
            Err(error) if error.status() == Some(reqwest::StatusCode::NOT_FOUND) => {
                return Lookup::Later(error);
            }
            Err(error) => return Lookup::failed(error),
        };
        let owner = match (original.charge_token, original.connect_id) {
            (Some(token), _) => Ok(token),
            (None, Some(connect_id)) => Err(connect_id),
            (None, None) => {
                return Lookup::Never(Error::InvalidRequest(
                    "the transaction has neither a chargeToken nor a connectId, which CONNECT \
                     needs to list its refunds"
                        .into(),
                ));
            }
        };
        let list = self
            .list_transactions()
            .type_(types::TransactionType::Refund);
        let list = match owner {
            Ok(token) => list.charge_token(token),
            Err(connect_id) => list.connect_id(connect_id),
        };
        let is_refund =
            |t: &types::Transaction| t.refund_for_transaction_id.as_deref() == Some(transaction_id);
        self.find_listed(list, is_refund, since, "refund of the transaction")
            .await
    }

    /// Refund a completed transaction in full, and never leave the outcome
    /// a guess.
    ///
    /// - `Done`: the REFUND transaction, by the answer or (the answer lost)
    ///   found among the original's refunds. Calling again for the same
    ///   transaction gives `Done` with the same refund.
    /// - `NotDone`: CONNECT refused it and lists no refund of it.
    /// - `Unresolved`: still unknown at the resolution deadline: call again
    ///   later, or ask [`Client::refund_outcome`]; never refund blindly.
    ///
    /// It is sent again only when the lookup shows no refund, the attempt
    /// before can no longer land (its attempt timeout), and fewer than
    /// `Resolution::max_resends` resends were made. A future of this call
    /// that is dropped halfway leaves nothing wrong: call again.
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
        // chrono's clock feature is not needed for this: std's clock is.
        let since = DateTime::<Utc>::from(std::time::SystemTime::now()) - CLOCK_SKEW;
        resolve(
            self.plan(&operations::REFUND_TRANSACTION),
            refusal,
            || self.find_refund(transaction_id, Some(since)),
            refund,
        )
        .await
    }

    /// What became of a refund of `transaction_id`, by the lookup alone
    /// (nothing is sent): `Done` with the REFUND transaction if CONNECT
    /// lists one, `Unresolved` if it lists none (an attempt may still land:
    /// call [`Client::refund_resolved`] to settle it) or cannot be asked.
    pub async fn refund_outcome(
        &self,
        transaction_id: &str,
    ) -> Resolved<types::Transaction, Error> {
        outcome(self.plan(&operations::REFUND_TRANSACTION), || {
            self.find_refund(transaction_id, None)
        })
        .await
    }

    /// The transaction of `order_id` among `connect_id`'s.
    async fn find_order(
        &self,
        connect_id: &str,
        order_id: &str,
    ) -> Lookup<types::Transaction, Error> {
        let list = self
            .list_transactions()
            .connect_id(connect_id)
            .order_id(order_id);
        let is_order = |t: &types::Transaction| *t.order_id == *order_id;
        self.find_listed(list, is_order, None, "transaction of the orderId")
            .await
    }

    /// Prepare a transaction, and never leave the outcome a guess: `Done`
    /// with the transaction (and its PAYMENT link) whether the answer came
    /// or the lookup found it by its orderId (calling again with the same
    /// orderId gives the same transaction); `NotDone` with CONNECT's
    /// refusal. Without a `connectId` in the request no lookup exists
    /// (CONNECT lists transactions only by connectId or chargeToken): an
    /// unknown outcome is then `Unresolved` — start again with a new orderId;
    /// the lost one, if recorded, expires unpaid. With a connectId, an
    /// `Unresolved` (or a restart) is settled by calling again with the same
    /// request, or asked with [`Client::transaction_outcome`]; a future of
    /// this call dropped halfway leaves nothing wrong.
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
            match &transaction.connect_id {
                Some(connect_id) => self.find_order(connect_id, &order_id).await,
                None => Lookup::Never(no_connect_id()),
            }
        };
        resolve(
            self.plan(&operations::CREATE_TRANSACTION),
            refusal,
            lookup,
            create,
        )
        .await
    }

    /// What became of the transaction of `order_id` that `connect_id`'s
    /// request created, by the lookup alone: `Done` if CONNECT lists it,
    /// `Unresolved` if not (call [`Client::create_transaction_resolved`]
    /// with the same request to settle it) or if it cannot be asked.
    pub async fn transaction_outcome(
        &self,
        connect_id: &str,
        order_id: &str,
    ) -> Resolved<types::Transaction, Error> {
        outcome(self.plan(&operations::CREATE_TRANSACTION), || {
            self.find_order(connect_id, order_id)
        })
        .await
    }
}

impl Client {
    /// The agreement of `connect_id` verified by the transaction of
    /// `order_id`. An agreement listed without its verification transaction
    /// is matched by that transaction's id, found by the orderId.
    async fn find_agreement(
        &self,
        connect_id: &str,
        order_id: &str,
    ) -> Lookup<types::Agreement, Error> {
        let agreements = match self.list_agreements().connect_id(connect_id).send().await {
            Ok(agreements) => agreements.into_inner(),
            Err(error) => return Lookup::failed(error),
        };
        let verified_by_order = |a: &&types::Agreement| {
            a.verification_transaction
                .as_ref()
                .is_some_and(|t| *t.order_id == *order_id)
        };
        if let Some(agreement) = agreements.iter().find(verified_by_order) {
            return Lookup::Done(agreement.clone());
        }
        if agreements
            .iter()
            .all(|a| a.verification_transaction.is_some())
        {
            return Lookup::Missing(Error::NotListed("charging agreement of the orderId"));
        }
        let transaction = match self.find_order(connect_id, order_id).await {
            Lookup::Done(transaction) => transaction,
            Lookup::NotDone(error) => return Lookup::NotDone(error),
            Lookup::Missing(error) => return Lookup::Missing(error),
            Lookup::Later(error) => return Lookup::Later(error),
            Lookup::Never(error) => return Lookup::Never(error),
        };
        match agreements
            .iter()
            .find(|a| a.verification_transaction_id.as_deref() == Some(&*transaction.id))
        {
            Some(agreement) => Lookup::Done(agreement.clone()),
            // The transaction is created with its agreement: a list that
            // lacks the agreement lags.
            None => Lookup::Later(Error::NotListed("charging agreement of the orderId")),
        }
    }

    /// Create a charging agreement, and never leave the outcome a guess:
    /// `Done` with the agreement (and its PAYMENT link) whether the answer
    /// came or the lookup found it among the user's agreements by its
    /// verification transaction's orderId (calling again with the same
    /// request gives the same agreement); `NotDone` with CONNECT's refusal.
    /// Without a `connectId` in the request no lookup exists (CONNECT lists
    /// agreements only by connectId): an unknown outcome is then
    /// `Unresolved` — start again with a new orderId; the lost agreement, if
    /// recorded, is never verified. An `Unresolved` with a connectId is
    /// settled by calling again with the same request, or asked with
    /// [`Client::agreement_outcome`].
    pub async fn create_agreement_resolved<B>(
        &self,
        agreement: B,
    ) -> Resolved<types::Agreement, Error>
    where
        B: TryInto<types::NewAgreement>,
        B::Error: std::fmt::Display,
    {
        let agreement: types::NewAgreement = match agreement.try_into() {
            Ok(agreement) => agreement,
            Err(e) => return Resolved::NotDone(Error::InvalidRequest(e.to_string())),
        };
        let create = || async {
            self.create_agreement()
                .body(agreement.clone())
                .send()
                .await
                .map(ResponseValue::into_inner)
        };
        let order_id = agreement.verification_transaction.order_id.to_string();
        let lookup = || async {
            match &agreement.connect_id {
                Some(connect_id) => self.find_agreement(connect_id, &order_id).await,
                None => Lookup::Never(no_connect_id()),
            }
        };
        resolve(
            self.plan(&operations::CREATE_AGREEMENT),
            refusal,
            lookup,
            create,
        )
        .await
    }

    /// What became of the agreement that `connect_id`'s request with the
    /// verification transaction of `order_id` created, by the lookup alone:
    /// `Done` if CONNECT lists it, `Unresolved` if not (call
    /// [`Client::create_agreement_resolved`] with the same request to settle
    /// it) or if it cannot be asked.
    pub async fn agreement_outcome(
        &self,
        connect_id: &str,
        order_id: &str,
    ) -> Resolved<types::Agreement, Error> {
        outcome(self.plan(&operations::CREATE_AGREEMENT), || {
            self.find_agreement(connect_id, order_id)
        })
        .await
    }
}

fn no_connect_id() -> Error {
    Error::InvalidRequest(
        "no connectId in the request: CONNECT lists transactions and agreements only by connectId"
            .into(),
    )
}
