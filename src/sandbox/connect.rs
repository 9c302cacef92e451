//! The CONNECT Payment stand-in: transactions, refunds, charging agreements,
//! and the PAYMENT page.
//!
//! Where the docs are silent (x-nordpay-inferred):
//! - an agreement with a trial is verified by a `VERIFY` transaction (the
//!   swagger lists the type; a free trial charges nothing at first), of the
//!   amount later periods charge;
//! - a period's charge ("an equal transaction will be set up and charged
//!   using the same payment method as the first time") is made from the
//!   dashboard: a COMPLETED `CHARGE` copying the verification, with its
//!   own server id as orderId (the docs give the merchant no say in it),
//!   `previousTransactionId` the agreement's charge before, no PAYMENT link;
//! - the payment method's ID of a completed charge (`remoteTransactionId`,
//!   a list filter; no transaction field shows it) is `pm-` and the
//!   transaction's id.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::dashboard::actions::{Action, Actions, FAIL, PAY, refused};
use super::engine::{Capped, Kept};
use super::journal::{Api, Happened, Kind, Record, RecordId};
use super::serving::{Answer, Call, Malformed, Part, Stand};
use super::stored::Stored;
use super::{Shared, credentials, faults, pages};
use crate::connect::generated::server::{
    CreateAgreementInput, CreateAgreementOutput, CreateTransactionInput, CreateTransactionOutput,
    GetAgreementInput, GetAgreementOutput, GetTransactionInput, GetTransactionOutput,
    ListAgreementsInput, ListAgreementsOutput, ListTransactionsInput, ListTransactionsOutput,
    RefundTransactionInput, RefundTransactionOutput, Service, StopAgreementInput,
    StopAgreementOutput,
};
use crate::connect::types::Link;
use crate::connect::types::{
    Agreement, AgreementState, ErrorModel, NewAgreement, NewTransaction, RefundRequest,
    SortDirection, Transaction, TransactionState, TransactionType,
};
use crate::connect::{VatRate, operations};
use crate::money::Money;
use crate::runtime::Operation;

/// CONNECT's records, with an index for every lookup a handler makes: no
/// request scans all records; each lookup is O(log n).
#[derive(Default)]
pub(super) struct Store {
    /// B-trees, not hash maps: a hash map that grows rehashes every entry at
    /// once, under the lock (half a second at two million records); a
    /// B-tree grows a node at a time. Transactions are kept as their JSON
    /// (`Stored`): the type is 952 bytes, a transaction's JSON a fifth of it.
    transactions: BTreeMap<String, Stored<Transaction>>,
    agreements: BTreeMap<String, Box<Agreement>>,
    /// Transaction IDs by orderId, connectId and chargeToken, oldest first.
    by_order: BTreeMap<String, VecDeque<String>>,
    by_connect_id: BTreeMap<String, VecDeque<String>>,
    by_charge_token: BTreeMap<String, VecDeque<String>>,
    /// Transactions that have a refund.
    refunded: BTreeSet<String>,
    /// Agreement IDs by connectId, oldest first.
    agreements_by_connect_id: BTreeMap<String, VecDeque<String>>,
    /// The newest period charge of each agreement that has one.
    last_charge: BTreeMap<String, String>,
}

fn index(map: &mut BTreeMap<String, VecDeque<String>>, key: Option<&str>, id: &str) {
    if let Some(key) = key {
        // Most keys name one transaction: room for one, not VecDeque's four.
        map.entry(key.to_string())
            .or_insert_with(|| VecDeque::with_capacity(1))
            .push_back(id.to_string());
    }
}

/// Records are forgotten oldest first, so the one to drop is almost always
/// the first of its key's list: O(1) then, a scan of that key's list only
/// otherwise.
fn unindex(map: &mut BTreeMap<String, VecDeque<String>>, key: Option<&str>, id: &str) {
    if let Some(key) = key
        && let Some(ids) = map.get_mut(key)
    {
        if ids.front().is_some_and(|first| first == id) {
            ids.pop_front();
        } else {
            ids.retain(|other| other != id);
        }
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

impl Kept<Store> {
    /// Keep a new transaction, indexed; forget the oldest finished ones past `cap`.
    fn insert(&mut self, transaction: Transaction, cap: usize) {
        let id = transaction.id.clone();
        index(&mut self.by_order, Some(&transaction.order_id), &id);
        index(
            &mut self.by_connect_id,
            transaction.connect_id.as_deref(),
            &id,
        );
        index(
            &mut self.by_charge_token,
            transaction.charge_token.as_deref(),
            &id,
        );
        if let Some(original) = &transaction.refund_for_transaction_id {
            self.refunded.insert(original.clone());
        }
        self.transactions
            .insert(id.clone(), Stored::new(&transaction));
        self.admit(id, cap);
    }

    /// `records` finished transactions, as if paid long ago (load benches).
    pub(super) fn preload(&mut self, engine: &super::engine::Engine, cap: usize, records: usize) {
        let template: Transaction = serde_json::from_value(json!({
            "id": "", "orderId": "", "amount": "NOK 100.00", "vatRate": "0.25",
            "state": "COMPLETED", "type": "CHARGE", "purchaseDescription": "preloaded",
        }))
        .expect("the template is a Transaction");
        for _ in 0..records {
            let mut transaction = template.clone();
            transaction.id = engine.id("tx");
            transaction.order_id = format!("preload-{}", transaction.id)
                .parse()
                .expect("a short orderId");
            self.insert(transaction, cap);
        }
    }

    /// Whether a transaction under `order_id` exists already.
    fn has_order(&self, order_id: &str) -> bool {
        self.by_order.contains_key(order_id)
    }

    /// How many transactions each orderId has (REFUNDs aside): the ledger a soak checks.
    pub(super) fn order_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for transaction in self.transactions.values().map(Stored::get) {
            if transaction.refund_for_transaction_id.is_none() {
                *counts.entry(transaction.order_id).or_insert(0) += 1;
            }
        }
        counts
    }

    /// How many refunds each refunded transaction has: the ledger a soak checks.
    pub(super) fn refund_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for transaction in self.transactions.values().map(Stored::get) {
            if let Some(original) = transaction.refund_for_transaction_id {
                *counts.entry(original).or_insert(0) += 1;
            }
        }
        counts
    }
}

impl Capped for Store {
    type Key = String;

    fn records(&self) -> usize {
        self.transactions.len()
    }

    /// A transaction no one can pay any more: not STARTED.
    fn finished(&self, id: &String) -> Option<bool> {
        /// The one field eviction reads (the rest is skipped).
        #[derive(serde::Deserialize)]
        struct State {
            state: TransactionState,
        }
        self.transactions
            .get(id)
            .map(|t| t.read::<State>().state != TransactionState::Started)
    }

    fn holds(&self, id: &String) -> bool {
        self.transactions.contains_key(id)
    }

    fn forget(&mut self, id: &String) {
        let Some(keys) = self.transactions.remove(id).map(|t| t.read::<Keys>()) else {
            return;
        };
        unindex(&mut self.by_order, Some(&keys.order_id), id);
        unindex(&mut self.by_connect_id, keys.connect_id.as_deref(), id);
        unindex(&mut self.by_charge_token, keys.charge_token.as_deref(), id);
        self.refunded.remove(id);
    }
}

/// The fields of a stored transaction the indexes are keyed by: all that
/// forgetting it reads (the rest is skipped, not decoded).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    order_id: String,
    connect_id: Option<String>,
    charge_token: Option<String>,
}

impl Kept<Store> {
    /// A new transaction, unless its orderId is taken.
    fn create(&mut self, transaction: Transaction, cap: usize) -> Option<Happened> {
        if self.has_order(&transaction.order_id) {
            return None;
        }
        let happened = Shown::of(&transaction).open("created by the merchant");
        self.insert(transaction, cap);
        Some(happened)
    }

    /// The transactions `filter` names, oldest first: through the
    /// narrowest index the filter names, the rest checked on it.
    fn find(
        &self,
        filter: &crate::connect::generated::server::ListTransactionsQuery,
    ) -> Vec<Transaction> {
        let candidates = match (&filter.order_id, &filter.connect_id, &filter.charge_token) {
            (Some(order), _, _) => self.by_order.get(order),
            (None, Some(user), _) => self.by_connect_id.get(user),
            (None, None, Some(token)) => self.by_charge_token.get(token),
            (None, None, None) => None,
        };
        candidates
            .into_iter()
            .flatten()
            .filter_map(|id| self.transactions.get(id).map(Stored::get))
            .filter(|t| matches(filter.connect_id.as_deref(), t.connect_id.as_deref()))
            .filter(|t| matches(filter.charge_token.as_deref(), t.charge_token.as_deref()))
            .filter(|t| matches(filter.order_id.as_deref(), Some(t.order_id.as_str())))
            .filter(|t| matches(filter.state.as_ref(), Some(&t.state)))
            .filter(|t| matches(filter.type_.as_ref(), t.type_.as_ref()))
            .filter(|t| {
                let remote = filter.remote_transaction_id.as_deref();
                remote.is_none_or(|remote| Some(remote) == remote_transaction_id(t).as_deref())
            })
            .collect()
    }

    /// A full refund of a COMPLETED CHARGE, as the transaction `refund_id`.
    fn refund(
        &mut self,
        id: &str,
        request: RefundRequest,
        refund_id: String,
        now: chrono::DateTime<chrono::Utc>,
        cap: usize,
    ) -> Result<(Transaction, Happened), RefundTransactionOutput> {
        let original = self
            .transactions
            .get(id)
            .map(Stored::get)
            .ok_or(RefundTransactionOutput::Forbidden)?;
        if original.state != TransactionState::Completed
            || original.type_ != Some(TransactionType::Charge)
        {
            return Err(RefundTransactionOutput::BadRequest(error(
                "NOT_REFUNDABLE",
                "only a COMPLETED CHARGE can be refunded",
            )));
        }
        if self.refunded.contains(id) {
            return Err(RefundTransactionOutput::BadRequest(error(
                "ALREADY_REFUNDED",
                "the transaction is already refunded",
            )));
        }
        let mut refund = original;
        refund.id = refund_id.clone();
        refund.type_ = Some(TransactionType::Refund);
        refund.state = TransactionState::Completed;
        refund.return_code = Some("OK".into());
        refund.refund_for_transaction_id = Some(id.to_string());
        refund.refund_issuer = Some(request.refund_issuer);
        refund.refund_reason = Some(request.refund_reason);
        refund.links = None;
        refund.start_time = Some(now);
        refund.completed_time = refund.start_time;
        self.insert(refund.clone(), cap);
        let mut happened = Happened::nothing();
        happened.step(
            RecordId::new(Kind::Transaction, id),
            None,
            format!("refunded by {refund_id}"),
        );
        let happened = happened.and(Shown::of(&refund).open("issued by the merchant"));
        Ok((refund, happened))
    }

    /// A new agreement and its verification transaction, unless the
    /// transaction's orderId is taken.
    fn create_agreement(
        &mut self,
        agreement: Agreement,
        verification: Transaction,
        cap: usize,
    ) -> Option<Happened> {
        if self.has_order(&verification.order_id) {
            return None;
        }
        let shown = Shown::of(&verification);
        let mut keys = vec![("verification", verification.id.clone())];
        if let Some(user) = &agreement.connect_id {
            keys.push(("connectId", user.clone()));
        }
        let amount = Some(shown.amount);
        let mut happened = shown.open("created to verify a charging agreement");
        happened.open(
            RecordId::new(Kind::ChargingAgreement, &agreement.id),
            wire(&agreement.state),
            amount,
            keys,
            "created by the merchant",
        );
        self.insert(verification, cap);
        index(
            &mut self.agreements_by_connect_id,
            agreement.connect_id.as_deref(),
            &agreement.id,
        );
        self.agreements
            .insert(agreement.id.clone(), Box::new(agreement));
        Some(happened)
    }

    /// The agreements of a user, oldest first.
    fn agreements_of(&self, connect_id: &str, state: Option<&AgreementState>) -> Vec<Agreement> {
        self.agreements_by_connect_id
            .get(connect_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.agreements.get(id).map(|a| &**a))
            .filter(|a| matches(state, Some(&a.state)))
            .cloned()
            .collect()
    }

    /// The merchant stops an agreement.
    fn stop(&mut self, id: &str) -> Option<(Agreement, Happened)> {
        let agreement = self.agreements.get_mut(id)?;
        agreement.state = AgreementState::Stopped;
        agreement.has_active_right = Some(false);
        let happened = agreement_step(id, &AgreementState::Stopped, "stopped by the merchant");
        Some(((**agreement).clone(), happened))
    }

    /// An active agreement charges its next period (see the module doc):
    /// the charge, or why not.
    fn charge_period(
        &mut self,
        agreement_id: &str,
        charge_id: String,
        now: chrono::DateTime<chrono::Utc>,
        cap: usize,
    ) -> Result<Happened, &'static str> {
        let agreement = self
            .agreements
            .get(agreement_id)
            .ok_or("no such agreement")?;
        if agreement.state != AgreementState::Active {
            return Err("the agreement is not active");
        }
        let first = agreement
            .verification_transaction
            .as_ref()
            .ok_or("the agreement has no verification transaction")?;
        let previous = self
            .last_charge
            .get(agreement_id)
            .cloned()
            .unwrap_or_else(|| first.id.clone());
        let mut charge = first.clone();
        charge.order_id = charge_id.clone();
        charge.id = charge_id.clone();
        charge.type_ = Some(TransactionType::Charge);
        charge.state = TransactionState::Completed;
        charge.start_time = Some(now);
        charge.completed_time = Some(now);
        charge.previous_transaction_id = Some(previous);
        charge.links = None;
        let happened = Shown::of(&charge).open("charged for the next period of its agreement");
        self.last_charge.insert(agreement_id.to_string(), charge_id);
        self.insert(charge, cap);
        Ok(happened)
    }

    /// The agreement a verification transaction belongs to.
    fn agreement_of(&mut self, transaction: &Transaction) -> Option<&mut Agreement> {
        let id = transaction.charging_agreement_id.as_ref()?;
        self.agreements.get_mut(id).map(|a| &mut **a)
    }

    /// The user opens the PAYMENT link: an agreement it verifies is
    /// pending verification from now on.
    fn open_page(&mut self, id: &str) -> Option<(Transaction, Happened)> {
        let transaction = self.transactions.get(id).map(Stored::get)?;
        let mut happened = Happened::nothing();
        happened.step(
            RecordId::new(Kind::Transaction, id),
            None,
            "payment page opened by the user",
        );
        if let Some(agreement) = self.agreement_of(&transaction)
            && agreement.state == AgreementState::Created
        {
            agreement.state = AgreementState::PendingVerification;
            let id = agreement.id.clone();
            happened = happened.and(agreement_step(
                &id,
                &AgreementState::PendingVerification,
                "its verification page was opened",
            ));
        }
        Some((transaction, happened))
    }

    /// See [`settle`].
    fn settle(
        &mut self,
        id: &str,
        pay: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Option<String>, Happened), Refused> {
        let stored = self
            .transactions
            .get_mut(id)
            .ok_or(Refused::NoSuchTransaction)?;
        let mut transaction = stored.get();
        if transaction.state != TransactionState::Started {
            return Err(Refused::NotOpen);
        }
        let fails = transaction
            .order_id
            .starts_with(faults::FAILING_ORDER_PREFIX);
        let paid = pay && !fails;
        transaction.state = if paid {
            TransactionState::Completed
        } else {
            TransactionState::Failed
        };
        if paid {
            transaction.completed_time = Some(now);
            transaction.charged_payment_method = Some("CREDIT_CARD".into());
            transaction.return_code = Some("OK".into());
            transaction.charge_token = Some(format!("ct-{id}"));
        }
        let token = transaction.charge_token.clone();
        let target = if paid {
            transaction.success_redirect.clone()
        } else {
            transaction.cancel_redirect.clone()
        };
        *stored = Stored::new(&transaction);
        index(&mut self.by_charge_token, token.as_deref(), id);
        let what = match (pay, paid) {
            (true, true) => "paid by the user",
            (true, false) => "failed: the orderId is one that fails",
            (false, _) => "cancelled by the user",
        };
        let mut happened = Happened::nothing();
        happened.step(
            RecordId::new(Kind::Transaction, id),
            Some(wire(&transaction.state)),
            what,
        );
        if paid && let Some(agreement) = self.agreement_of(&transaction) {
            agreement.state = AgreementState::Active;
            agreement.has_active_right = Some(true);
            agreement.verification_transaction = Some(transaction.clone());
            let id = agreement.id.clone();
            happened = happened.and(agreement_step(
                &id,
                &AgreementState::Active,
                "verified: its transaction was paid",
            ));
        }
        Ok((target, happened))
    }
}

/// Why a payment page's action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    NoSuchTransaction,
    NotOpen,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NoSuchTransaction => {
                (StatusCode::NOT_FOUND, "no such transaction").into_response()
            }
            Refused::NotOpen => {
                (StatusCode::CONFLICT, "the transaction is no longer open").into_response()
            }
        }
    }
}

super::serving::stand_in!(
    /// CONNECT Payment as the sandbox serves it.
    Connect serves Api::Connect
);

impl Stand for Connect {
    /// The merchant API key (Basic) or a CONNECT ID user's token (Bearer);
    /// otherwise CONNECT's 401 body.
    fn authenticate(&self, _: &'static Operation, call: &Call) -> Result<Option<String>, Answer> {
        let headers = call.headers();
        let basic = super::basic_credentials(headers)
            .is_some_and(|(user, _)| user == credentials::CONNECT_API_KEY);
        if basic || super::bearer_token(headers) == Some(credentials::CONNECT_BEARER_TOKEN) {
            return Ok(None);
        }
        // As CONNECT sends it: the namespace the string "null", the code null.
        let body = ErrorModel {
            error_namespace: Some("null".into()),
            error_code: Some(Value::Null),
            error_message: Some("Unauthorized access".into()),
        };
        Err(GetTransactionOutput::Unauthorized(body).into_answer())
    }

    /// A body that does not decode or breaks a rule: CONNECT's 400; a list
    /// without its required filter: the documented plain-text 400.
    fn malformed(&self, operation: &'static Operation, problem: Malformed) -> Answer {
        let creates = [
            operations::CREATE_TRANSACTION.name,
            operations::CREATE_AGREEMENT.name,
        ];
        match problem.part {
            // A filter value the spec does not list is named; anything else
            // is the missing connectId, in CONNECT's words.
            Part::Query if operation.name == operations::LIST_AGREEMENTS.name => {
                let text = match &problem.name {
                    Some(name) => format!("{name}: {}", problem.message),
                    None => "connectId cannot be null".into(),
                };
                ListAgreementsOutput::BadRequest(text).into_answer()
            }
            Part::Query => ListTransactionsOutput::BadRequest(problem.message).into_answer(),
            // The creates document "402: If the request is malformed." (no
            // body); JSON that is not a valid entity is their 400, "The
            // request entity has errors" (x-nordpay-inferred: the docs do
            // not draw the line; a body that is not JSON is malformed).
            Part::NotJson if creates.contains(&operation.name) => {
                CreateTransactionOutput::PaymentRequired.into_answer()
            }
            _ => {
                CreateTransactionOutput::BadRequest(error("INVALID_REQUEST", &problem.to_string()))
                    .into_answer()
            }
        }
    }

    /// A list without the record, or the unknown-ID answer.
    fn nothing_found(&self, operation: &'static Operation) -> Option<Answer> {
        let name = operation.name;
        Some(if name == operations::LIST_TRANSACTIONS.name {
            ListTransactionsOutput::Ok(Vec::new()).into_answer()
        } else if name == operations::LIST_AGREEMENTS.name {
            ListAgreementsOutput::Ok(Vec::new()).into_answer()
        // An ID that is not the caller's, or no one's: CONNECT lists no
        // 404, and tells neither apart.
        } else if name == operations::GET_TRANSACTION.name {
            GetTransactionOutput::Forbidden.into_answer()
        } else if name == operations::GET_AGREEMENT.name {
            GetAgreementOutput::Forbidden.into_answer()
        } else {
            return None;
        })
    }
}

impl Service for Connect {
    async fn create_transaction(&self, input: CreateTransactionInput) -> CreateTransactionOutput {
        let shared = &self.0;
        // Built outside the store's lock; an ID a duplicate orderId then
        // leaves unused is only a gap in the numbers.
        let id = shared.engine.id("tx");
        let transaction = started(shared, &id, &input.body, None);
        let answer = CreateTransactionOutput::Created {
            body: transaction.clone(),
            location: Some(shared.url(&format!("/connect/transactions/{id}"))),
        };
        let created = shared.connect().create(transaction, shared.record_cap);
        let Some(happened) = created else {
            return CreateTransactionOutput::BadRequest(error(
                "DUPLICATE_ORDER_ID",
                "orderId must be unique",
            ));
        };
        shared.publish(happened);
        answer
    }

    async fn list_transactions(&self, input: ListTransactionsInput) -> ListTransactionsOutput {
        let filter = input.query;
        if filter.connect_id.is_none() && filter.charge_token.is_none() {
            return ListTransactionsOutput::BadRequest(
                "connectId or chargeToken must be given to this method".into(),
            );
        }
        let store = self.0.connect();
        let mut found = store.find(&filter);
        // "If set to true, this will only return latest transaction": the
        // newest match, whatever the sort.
        if filter.latest_only == Some(true) {
            found = found.pop().into_iter().collect();
        }
        if filter.sort == Some(SortDirection::Desc) {
            found.reverse();
        }
        let offset = usize::try_from(filter.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(filter.limit.unwrap_or(50)).unwrap_or(usize::MAX);
        let page = found.into_iter().skip(offset).take(limit).collect();
        ListTransactionsOutput::Ok(page)
    }

    async fn get_transaction(&self, input: GetTransactionInput) -> GetTransactionOutput {
        let store = self.0.connect();
        let Some(mut shown) = store
            .transactions
            .get(&input.transaction_id)
            .map(Stored::get)
        else {
            return GetTransactionOutput::Forbidden;
        };
        // "To check if a charging agreement is active and valid look for
        // "hasActiveRight": true on Get Transaction by ID."
        let agreement = shown
            .charging_agreement_id
            .as_ref()
            .and_then(|id| store.agreements.get(id));
        if let Some(agreement) = agreement {
            shown.has_active_right = Some(agreement.has_active_right == Some(true));
        }
        GetTransactionOutput::Ok(shown)
    }

    async fn refund_transaction(&self, input: RefundTransactionInput) -> RefundTransactionOutput {
        let shared = &self.0;
        let refund_id = shared.engine.id("tx");
        let refunded = shared.connect().refund(
            &input.transaction_id,
            input.body,
            refund_id,
            shared.engine.now(),
            shared.record_cap,
        );
        match refunded {
            Ok((refund, happened)) => {
                shared.publish(happened);
                RefundTransactionOutput::Ok(refund)
            }
            Err(refused) => refused,
        }
    }

    async fn create_agreement(&self, input: CreateAgreementInput) -> CreateAgreementOutput {
        let shared = &self.0;
        let new: NewAgreement = input.body;
        let agreement_id = shared.engine.id("ag");
        let transaction_id = shared.engine.id("tx");
        let mut verification = started(
            shared,
            &transaction_id,
            &new.verification_transaction,
            Some(&agreement_id),
        );
        verification.connect_id = new.connect_id.clone().or(verification.connect_id);
        if new.trial.is_some() {
            verification.type_ = Some(TransactionType::Verify);
        }
        let agreement = agreement(shared, &agreement_id, &new, verification.clone());
        let answer = CreateAgreementOutput::Created {
            body: agreement.clone(),
            location: Some(shared.url(&format!("/connect/agreements/{agreement_id}"))),
        };
        let created = shared
            .connect()
            .create_agreement(agreement, verification, shared.record_cap);
        // Its verification transaction is a transaction like any other: its
        // orderId is unique as createTransaction's is.
        let Some(happened) = created else {
            return CreateAgreementOutput::BadRequest(error(
                "DUPLICATE_ORDER_ID",
                "orderId must be unique",
            ));
        };
        shared.publish(happened);
        answer
    }

    async fn list_agreements(&self, input: ListAgreementsInput) -> ListAgreementsOutput {
        let query = input.query;
        ListAgreementsOutput::Ok(
            self.0
                .connect()
                .agreements_of(&query.connect_id, query.state.as_ref()),
        )
    }

    async fn get_agreement(&self, input: GetAgreementInput) -> GetAgreementOutput {
        match self.0.connect().agreements.get(&input.agreement_id) {
            Some(agreement) => GetAgreementOutput::Ok((**agreement).clone()),
            None => GetAgreementOutput::Forbidden,
        }
    }

    async fn stop_agreement(&self, input: StopAgreementInput) -> StopAgreementOutput {
        let stopped = self.0.connect().stop(&input.agreement_id);
        match stopped {
            Some((agreement, happened)) => {
                self.0.publish(happened);
                StopAgreementOutput::Ok(agreement)
            }
            None => StopAgreementOutput::Forbidden,
        }
    }
}

/// CONNECT charges an active agreement each period; the sandbox's clock
/// does not run for months, so the user of the dashboard says when.
const CHARGE_PERIOD: Action = super::dashboard::actions::action("charge", "Charge next period");

impl Actions for Connect {
    /// A transaction still open can be paid or failed, as on its page; an
    /// active agreement can charge its next period.
    fn offered(record: &Record) -> Vec<Action> {
        match record.id.kind {
            Kind::Transaction if record.state == wire(&TransactionState::Started) => {
                vec![PAY, FAIL]
            }
            Kind::ChargingAgreement if record.state == wire(&AgreementState::Active) => {
                vec![CHARGE_PERIOD]
            }
            _ => Vec::new(),
        }
    }

    fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String> {
        match (id.kind, action) {
            (Kind::Transaction, "pay" | "fail") => settle(shared, &id.id, action == "pay")
                .map(drop)
                .or_else(|_| refused(id, action, "the transaction is not open")),
            (Kind::ChargingAgreement, "charge") => {
                let charge_id = shared.engine.id("tx");
                let now = shared.engine.now();
                let charged =
                    shared
                        .connect()
                        .charge_period(&id.id, charge_id, now, shared.record_cap);
                match charged {
                    Ok(happened) => {
                        shared.publish(happened);
                        Ok(())
                    }
                    Err(why) => refused(id, action, why),
                }
            }
            _ => refused(id, action, "no such action"),
        }
    }
}

/// How to reach this stand-in.
pub(super) fn details(sandbox: &super::Sandbox) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("url", sandbox.connect_url().as_str().into()),
        ("api_key", super::credentials::CONNECT_API_KEY.into()),
    ]
}

/// What the payment page's buttons post to. The page itself is at the
/// transaction's own URL ([`page_at_transaction`]).
pub(super) fn pages() -> Router<Shared> {
    Router::new()
        .route("/pay/{id}/complete", post(complete))
        .route("/pay/{id}/cancel", post(cancel))
}

/// CONNECT's error body.
fn error(code: &str, message: &str) -> ErrorModel {
    ErrorModel {
        error_namespace: Some("telenordigital.payment".into()),
        error_code: Some(Value::String(code.into())),
        error_message: Some(message.into()),
    }
}

fn vat_amount(amount: &Money, rate: &VatRate) -> Money {
    let vat = u128::from(amount.minor_units()) * u128::from(rate.millionths()) / 1_000_000;
    Money::from_currency(amount.currency(), u64::try_from(vat).unwrap_or(u64::MAX))
}

/// A transaction as the server returns it, from the request: its fields
/// echoed, the server's added. Built field by field (no JSON round trip: it
/// runs on every create).
fn started(
    shared: &Shared,
    id: &str,
    new: &NewTransaction,
    agreement: Option<&str>,
) -> Transaction {
    Transaction {
        allowed_payment_methods: (!new.allowed_payment_methods.is_empty())
            .then(|| new.allowed_payment_methods.clone()),
        amount: new.amount,
        attributes: None,
        cancel_redirect: Some(new.cancel_redirect.to_string()),
        charge_token: None,
        charged_payment_method: Some("NOT_SELECTED".into()),
        charging_agreement_id: agreement.map(str::to_string),
        client_correlator: None,
        completed_time: None,
        connect_id: new.connect_id.clone(),
        has_active_right: None,
        id: id.to_string(),
        links: Some(vec![payment_link(shared, id)]),
        locale: new.locale.clone(),
        marked_as_fraud: None,
        marked_as_fraud_time: None,
        merchant_name: new.merchant_name.clone(),
        order_id: new.order_id.to_string(),
        payment_instrument: None,
        previous_transaction_id: None,
        products: (!new.products.is_empty()).then(|| new.products.clone()),
        purchase_description: Some(new.purchase_description.to_string()),
        refund_for_transaction_id: None,
        refund_issuer: None,
        refund_reason: None,
        return_code: None,
        sku: None,
        source_of_funds_code: None,
        source_of_funds_id: None,
        start_time: Some(shared.engine.now()),
        state: TransactionState::Started,
        success_redirect: Some(new.success_redirect.to_string()),
        time_spec: None,
        type_: Some(TransactionType::Charge),
        vat_amount: Some(vat_amount(&new.amount, &new.vat_rate)),
        vat_model: None,
        vat_rate: Some(new.vat_rate),
    }
}

/// The PAYMENT link of a transaction: the transaction's own URL ("The same
/// URI can be used by you to query the state of the transaction").
fn payment_link(shared: &Shared, transaction_id: &str) -> Link {
    Link {
        rel: "PAYMENT".into(),
        href: shared.url(&format!("/connect/transactions/{transaction_id}")),
    }
}

/// A new agreement as the server returns it, verified by `verification`.
fn agreement(
    shared: &Shared,
    id: &str,
    new: &NewAgreement,
    verification: Transaction,
) -> Agreement {
    Agreement {
        connect_id: new.connect_id.clone(),
        // Milliseconds, as CONNECT shows them.
        creation_time: Some(shared.engine.now()),
        generation: Some(format!("gen-{id}")),
        has_active_right: Some(false),
        id: id.to_string(),
        links: Some(vec![payment_link(shared, &verification.id)]),
        merchant_name: new.merchant_name.clone(),
        payment_instrument: None,
        payment_method: None,
        payment_method_id: None,
        recurrence_time_spec: Some(new.recurrence_time_spec.clone()),
        state: AgreementState::Created,
        subscription_id: None,
        trial: new.trial.clone(),
        verification_transaction_id: Some(verification.id.clone()),
        verification_transaction: Some(verification),
    }
}

/// The ID the sandbox's payment method gave a charge it performed (see
/// the module doc): only a completed charge has one.
fn remote_transaction_id(transaction: &Transaction) -> Option<String> {
    let charged = transaction.state == TransactionState::Completed
        && transaction.refund_for_transaction_id.is_none();
    charged.then(|| format!("{REMOTE_ID_PREFIX}{}", transaction.id))
}

/// What the sandbox's payment method puts before a transaction's id to
/// make the ID it gives the charge.
pub(super) const REMOTE_ID_PREFIX: &str = "pm-";

/// A transaction (or refund) as the dashboard shows it.
struct Shown {
    id: RecordId,
    state: String,
    amount: Money,
    keys: Vec<(&'static str, String)>,
}

impl Shown {
    fn of(transaction: &Transaction) -> Self {
        let kind = match transaction.refund_for_transaction_id {
            Some(_) => Kind::Refund,
            None => Kind::Transaction,
        };
        let mut keys = vec![("orderId", transaction.order_id.clone())];
        let optional = [
            ("connectId", &transaction.connect_id),
            ("agreement", &transaction.charging_agreement_id),
            ("refund of", &transaction.refund_for_transaction_id),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                keys.push((name, value.clone()));
            }
        }
        Self {
            id: RecordId::new(kind, &transaction.id),
            state: wire(&transaction.state),
            amount: transaction.amount,
            keys,
        }
    }

    fn open(self, what: &str) -> Happened {
        let mut happened = Happened::nothing();
        happened.open(self.id, self.state, Some(self.amount), self.keys, what);
        happened
    }
}

fn agreement_step(id: &str, state: &AgreementState, what: &str) -> Happened {
    let mut happened = Happened::nothing();
    happened.step(
        RecordId::new(Kind::ChargingAgreement, id),
        Some(wire(state)),
        what,
    );
    happened
}

/// A value as its JSON string (`STARTED`), as the dashboard shows states.
pub(super) fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `Some(wanted)` matches only `value == Some(wanted)`; `None` matches all.
fn matches<T: PartialEq + ?Sized>(wanted: Option<&T>, value: Option<&T>) -> bool {
    wanted.is_none_or(|wanted| value == Some(wanted))
}

/// The docs give the user and the merchant one URI for a transaction: "a URI
/// where the user can perform the actual purchase. The same URI can be used
/// by you to query the state of the transaction." A browser (asking for
/// HTML) gets the payment page at the transaction's URL, without
/// credentials; the merchant's API call (JSON, authenticated) the
/// transaction. Middleware over the generated router, which owns the path.
pub(super) async fn page_at_transaction(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = request
        .uri()
        .path()
        .strip_prefix("/transactions/")
        .filter(|id| !id.is_empty() && !id.contains('/'));
    match id {
        Some(id)
            if request.method() == axum::http::Method::GET
                && pages::prefers_html(request.headers()) =>
        {
            payment_page(&shared, id)
        }
        _ => next.run(request).await,
    }
}

/// The payment page: what the user sees at the PAYMENT link.
fn payment_page(shared: &Shared, id: &str) -> Response {
    let opened = shared.connect().open_page(id);
    let Some((transaction, happened)) = opened else {
        return Refused::NoSuchTransaction.into_response();
    };
    shared.publish(happened);
    let lines = [
        transaction.purchase_description.clone().unwrap_or_default(),
        format!("Amount: {}", transaction.amount),
        format!("State: {}", wire(&transaction.state)),
    ];
    pages::page(
        "CONNECT Payment",
        &lines,
        &[
            ("Pay", shared.url(&format!("/connect/pay/{id}/complete"))),
            ("Cancel", shared.url(&format!("/connect/pay/{id}/cancel"))),
        ],
    )
    .into_response()
}

/// The user pays (`pay`) or cancels on the payment page: the transaction
/// COMPLETED or FAILED (a failing orderId fails either way), and the
/// agreement it verifies ACTIVE. Where the page redirects to.
pub(super) fn settle(shared: &Shared, id: &str, pay: bool) -> Result<Option<String>, Refused> {
    let settled = shared.connect().settle(id, pay, shared.engine.now());
    let (target, happened) = settled?;
    shared.publish(happened);
    Ok(target)
}

fn finish(shared: &Shared, id: &str, pay: bool) -> Response {
    match settle(shared, id, pay) {
        Ok(target) => Redirect::to(&target.unwrap_or_default()).into_response(),
        Err(refused) => refused.into_response(),
    }
}

async fn complete(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, true)
}

async fn cancel(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_keys_read_from_a_stored_transaction_are_its_own() {
        let transaction: Transaction = serde_json::from_value(serde_json::json!({
            "id": "tx1", "orderId": "o-1", "amount": "NOK 100", "state": "COMPLETED",
            "connectId": "user-1", "chargeToken": "ct-1",
        }))
        .unwrap();
        let keys = Stored::new(&transaction).read::<Keys>();
        assert_eq!(keys.order_id, transaction.order_id);
        assert_eq!(keys.connect_id, transaction.connect_id);
        assert_eq!(keys.charge_token, transaction.charge_token);
        assert!(keys.connect_id.is_some() && keys.charge_token.is_some());
    }
}
