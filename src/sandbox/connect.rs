//! The CONNECT Payment stand-in: transactions, refunds, charging agreements,
//! and the PAYMENT page.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use serde_json::{Value, json};

use super::engine::{Arrivals, Capped};
use super::journal::{Kind, RecordId};
use super::{Shared, credentials, engine, faults, pages};
use crate::connect::types::Link;
use crate::connect::types::{
    Agreement, AgreementState, ErrorModel, NewAgreement, NewTransaction, RefundRequest,
    Transaction, TransactionState, TransactionType,
};
use crate::connect::{Money, VatRate, operations};
use crate::runtime::Operation;

/// CONNECT's records, with an index for every lookup a handler makes: no
/// request scans all records; each lookup is O(log n).
#[derive(Default)]
pub(super) struct Store {
    /// B-trees, not hash maps: a hash map that grows rehashes every entry at
    /// once, under the lock (half a second at two million records); a
    /// B-tree grows a node at a time. Boxed: a record is large, a node
    /// moves its entries.
    transactions: BTreeMap<String, Box<Transaction>>,
    agreements: BTreeMap<String, Box<Agreement>>,
    /// Transaction IDs by orderId, connectId and chargeToken, oldest first.
    by_order: BTreeMap<String, VecDeque<String>>,
    by_connect_id: BTreeMap<String, VecDeque<String>>,
    by_charge_token: BTreeMap<String, VecDeque<String>>,
    /// Transactions that have a refund.
    refunded: BTreeSet<String>,
    /// Agreement IDs by connectId, oldest first.
    agreements_by_connect_id: BTreeMap<String, VecDeque<String>>,
    arrivals: Arrivals<String>,
}

fn index(map: &mut BTreeMap<String, VecDeque<String>>, key: Option<&str>, id: &str) {
    if let Some(key) = key {
        map.entry(key.to_string())
            .or_default()
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

impl Store {
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
        self.transactions.insert(id.clone(), Box::new(transaction));
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
    pub(super) fn order_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for transaction in self.transactions.values() {
            if transaction.refund_for_transaction_id.is_none() {
                *counts.entry(transaction.order_id.as_str()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// How many refunds each refunded transaction has: the ledger a soak checks.
    pub(super) fn refund_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for transaction in self.transactions.values() {
            if let Some(original) = transaction.refund_for_transaction_id.as_deref() {
                *counts.entry(original).or_insert(0) += 1;
            }
        }
        counts
    }
}

impl Capped for Store {
    type Key = String;

    fn arrivals(&mut self) -> &mut Arrivals<Self::Key> {
        &mut self.arrivals
    }

    fn records(&self) -> usize {
        self.transactions.len()
    }

    /// A transaction no one can pay any more: not STARTED.
    fn finished(&self, id: &String) -> Option<bool> {
        self.transactions
            .get(id)
            .map(|t| t.state != TransactionState::Started)
    }

    fn forget(&mut self, id: &String) {
        let Some(transaction) = self.transactions.remove(id) else {
            return;
        };
        unindex(&mut self.by_order, Some(&transaction.order_id), id);
        unindex(
            &mut self.by_connect_id,
            transaction.connect_id.as_deref(),
            id,
        );
        unindex(
            &mut self.by_charge_token,
            transaction.charge_token.as_deref(),
            id,
        );
        self.refunded.remove(id);
    }
}

/// The handler of each spec operation; routes come from the spec.
pub(super) fn handler(operation: &str, method: MethodFilter) -> Option<MethodRouter<Shared>> {
    Some(match operation {
        "createTransaction" => on(method, create_transaction),
        "listTransactions" => on(method, list_transactions),
        "getTransaction" => on(method, get_transaction),
        "refundTransaction" => on(method, refund),
        "createAgreement" => on(method, create_agreement),
        "listAgreements" => on(method, list_agreements),
        "getAgreement" => on(method, get_agreement),
        "stopAgreement" => on(method, stop_agreement),
        _ => return None,
    })
}

/// The payment pages the PAYMENT links lead to (not API operations).
pub(super) fn pages() -> Router<Shared> {
    Router::new()
        .route("/pay/{id}", get(payment_page))
        .route("/pay/{id}/complete", post(complete))
        .route("/pay/{id}/cancel", post(cancel))
}

/// What a CONNECT handler returns: the answer, or the API's own error.
type Handled = Result<Response, Response>;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorModel {
        error_namespace: Some("telenordigital.payment".into()),
        error_code: Some(Value::String(code.into())),
        error_message: Some(message.into()),
    };
    (status, axum::Json(body)).into_response()
}

fn internal(error_text: impl std::fmt::Display) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        &error_text.to_string(),
    )
}

/// What a lookup answers for a record it does not see (a scripted
/// `lookup_lag`): a list without it, or the unknown-ID answer.
pub(super) fn nothing_found(operation: &str) -> Option<Response> {
    match operation {
        "listTransactions" | "listAgreements" => {
            Some(json_response(StatusCode::OK, &Vec::<Value>::new()))
        }
        "getTransaction" | "getAgreement" => Some(not_found()),
        _ => None,
    }
}

/// An ID that is not the caller's, or no one's: CONNECT lists no 404, and
/// tells neither apart (the spec's Forbidden, documented without a body).
fn not_found() -> Response {
    StatusCode::FORBIDDEN.into_response()
}

/// The merchant API key (Basic) or a CONNECT ID user's token (Bearer);
/// otherwise CONNECT's 401 body.
fn authorize(headers: &HeaderMap) -> Result<(), Response> {
    let basic = super::basic_credentials(headers)
        .is_some_and(|(user, _)| user == credentials::CONNECT_API_KEY);
    if basic || super::bearer_token(headers) == Some(credentials::CONNECT_BEARER_TOKEN) {
        return Ok(());
    }
    // As CONNECT sends it: the namespace the string "null", the code null.
    let body = ErrorModel {
        error_namespace: Some("null".into()),
        error_code: Some(Value::Null),
        error_message: Some("Unauthorized access".into()),
    };
    Err((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response())
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A 201 with the created resource and its `Location`.
fn created(shared: &Shared, path: &str, body: &impl serde::Serialize) -> Response {
    let mut response = json_response(StatusCode::CREATED, body);
    if let Ok(value) = shared.url(path).parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A request body of `operation`, after the spec's body rules (the ones
/// the client checks before sending), or the API's own 400.
fn decode_checked<T: serde::de::DeserializeOwned>(
    operation: &Operation,
    body: &[u8],
) -> Result<T, Response> {
    engine::json_body(operation, body)
        .map_err(|message| error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &message))
}

fn now(shared: &Shared) -> String {
    shared
        .engine
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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
        links: Some(vec![Link {
            rel: "PAYMENT".into(),
            href: shared.url(&format!("/connect/pay/{id}")),
        }]),
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

    fn open(self, shared: &Shared, what: &str) {
        shared.journal(|journal, at| {
            journal.open(at, self.id, &self.state, Some(self.amount), self.keys, what);
        });
    }
}

fn transaction_step(shared: &Shared, id: &str, state: Option<&str>, what: &str) {
    let id = RecordId::new(Kind::Transaction, id);
    shared.journal(|journal, at| journal.step(at, &id, state, what));
}

fn agreement_step(shared: &Shared, id: &str, state: &AgreementState, what: &str) {
    let id = RecordId::new(Kind::ChargingAgreement, id);
    shared.journal(|journal, at| journal.step(at, &id, Some(&wire(state)), what));
}

async fn create_transaction(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Handled {
    authorize(&headers)?;
    let new: NewTransaction = decode_checked(&operations::CREATE_TRANSACTION, &body)?;
    // Built and answered outside the store's lock; an ID a duplicate
    // orderId then leaves unused is only a gap in the numbers.
    let id = shared.engine.id("tx");
    let transaction = started(&shared, &id, &new, None);
    let answer = created(
        &shared,
        &format!("/connect/transactions/{id}"),
        &transaction,
    );
    let shown = Shown::of(&transaction);
    let mut state = shared.connect();
    if state.has_order(&new.order_id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "DUPLICATE_ORDER_ID",
            "orderId must be unique",
        ));
    }
    state.insert(transaction, shared.record_cap);
    drop(state);
    shown.open(&shared, "created by the merchant");
    Ok(answer)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionFilter {
    connect_id: Option<String>,
    state: Option<String>,
    order_id: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    charge_token: Option<String>,
    latest_only: Option<bool>,
    sort: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `Some(wanted)` matches only `value == Some(wanted)`; `None` matches all.
fn matches<T: PartialEq + ?Sized>(wanted: Option<&T>, value: Option<&T>) -> bool {
    wanted.is_none_or(|wanted| value == Some(wanted))
}

async fn list_transactions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<TransactionFilter>,
) -> Handled {
    authorize(&headers)?;
    if filter.connect_id.is_none() && filter.charge_token.is_none() {
        return Err((
            StatusCode::BAD_REQUEST,
            "connectId or chargeToken must be given to this method",
        )
            .into_response());
    }
    let state = shared.connect();
    let store = &*state;
    // The narrowest index the filter names; the rest is checked on it.
    let candidates = match (&filter.order_id, &filter.connect_id, &filter.charge_token) {
        (Some(order), _, _) => store.by_order.get(order),
        (None, Some(user), _) => store.by_connect_id.get(user),
        (None, None, Some(token)) => store.by_charge_token.get(token),
        (None, None, None) => None,
    };
    let mut found: Vec<&Transaction> = candidates
        .into_iter()
        .flatten()
        .filter_map(|id| store.transactions.get(id).map(|t| &**t))
        .filter(|t| matches(filter.connect_id.as_deref(), t.connect_id.as_deref()))
        .filter(|t| matches(filter.charge_token.as_deref(), t.charge_token.as_deref()))
        .filter(|t| matches(filter.order_id.as_deref(), Some(t.order_id.as_str())))
        .filter(|t| matches(filter.state.as_deref(), Some(wire(&t.state).as_str())))
        .filter(|t| {
            matches(
                filter.type_.as_deref(),
                t.type_.as_ref().map(wire).as_deref(),
            )
        })
        .collect();
    if filter.sort.as_deref() == Some("desc") {
        found.reverse();
    }
    if filter.latest_only == Some(true) {
        found.truncate(1);
    }
    let page: Vec<&Transaction> = found
        .into_iter()
        .skip(filter.offset.unwrap_or(0))
        .take(filter.limit.unwrap_or(50))
        .collect();
    Ok(json_response(StatusCode::OK, &page))
}

async fn get_transaction(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Handled {
    authorize(&headers)?;
    let state = shared.connect();
    let transaction = state.transactions.get(&id).ok_or_else(not_found)?;
    Ok(json_response(StatusCode::OK, transaction))
}

async fn refund(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Handled {
    authorize(&headers)?;
    let request: RefundRequest = decode_checked(&operations::REFUND_TRANSACTION, &body)?;
    let mut state = shared.connect();
    let store = &mut *state;
    let original = store
        .transactions
        .get(&id)
        .map(|t| (**t).clone())
        .ok_or_else(not_found)?;
    if original.state != TransactionState::Completed
        || original.type_ != Some(TransactionType::Charge)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "NOT_REFUNDABLE",
            "only a COMPLETED CHARGE can be refunded",
        ));
    }
    if store.refunded.contains(&id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "ALREADY_REFUNDED",
            "the transaction is already refunded",
        ));
    }
    let refund_id = shared.engine.id("tx");
    let mut refund = original;
    refund.id = refund_id.clone();
    refund.type_ = Some(TransactionType::Refund);
    refund.state = TransactionState::Completed;
    refund.return_code = Some("OK".into());
    refund.refund_for_transaction_id = Some(id);
    refund.refund_issuer = Some(request.refund_issuer);
    refund.refund_reason = Some(request.refund_reason);
    refund.links = None;
    refund.start_time = Some(shared.engine.now());
    refund.completed_time = refund.start_time;
    store.insert(refund.clone(), shared.record_cap);
    drop(state);
    let original = refund
        .refund_for_transaction_id
        .as_deref()
        .unwrap_or_default();
    transaction_step(&shared, original, None, &format!("refunded by {refund_id}"));
    Shown::of(&refund).open(&shared, "issued by the merchant");
    Ok(json_response(StatusCode::OK, &refund))
}

async fn create_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Handled {
    authorize(&headers)?;
    let new: NewAgreement = decode_checked(&operations::CREATE_AGREEMENT, &body)?;
    let mut state = shared.connect();
    let store = &mut *state;
    let agreement_id = shared.engine.id("ag");
    let transaction_id = shared.engine.id("tx");
    let mut verification = started(
        &shared,
        &transaction_id,
        &new.verification_transaction,
        Some(&agreement_id),
    );
    verification.connect_id = new.connect_id.clone().or(verification.connect_id);
    let value = json!({
        "id": agreement_id,
        "verificationTransaction": verification,
        "verificationTransactionId": transaction_id,
        "generation": format!("gen-{agreement_id}"),
        "state": "CREATED",
        "links": [{"rel": "PAYMENT", "href": shared.url(&format!("/connect/pay/{transaction_id}"))}],
        "creationTime": now(&shared),
        "merchantName": new.merchant_name,
        "connectId": new.connect_id,
        "recurrenceTimeSpec": new.recurrence_time_spec,
        "trial": new.trial,
        "hasActiveRight": false,
    });
    let agreement: Agreement = serde_json::from_value(value).map_err(internal)?;
    let shown = Shown::of(&verification);
    store.insert(verification, shared.record_cap);
    index(
        &mut store.agreements_by_connect_id,
        agreement.connect_id.as_deref(),
        &agreement_id,
    );
    store
        .agreements
        .insert(agreement_id.clone(), Box::new(agreement.clone()));
    drop(state);
    let mut keys = vec![("verification", transaction_id)];
    if let Some(user) = &agreement.connect_id {
        keys.push(("connectId", user.clone()));
    }
    let amount = Some(shown.amount);
    shown.open(&shared, "created to verify a charging agreement");
    shared.journal(|journal, at| {
        let id = RecordId::new(Kind::ChargingAgreement, &agreement_id);
        journal.open(
            at,
            id,
            &wire(&agreement.state),
            amount,
            keys,
            "created by the merchant",
        );
    });
    Ok(created(
        &shared,
        &format!("/connect/agreements/{agreement_id}"),
        &agreement,
    ))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgreementFilter {
    connect_id: Option<String>,
    state: Option<String>,
}

async fn list_agreements(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<AgreementFilter>,
) -> Handled {
    authorize(&headers)?;
    let Some(connect_id) = filter.connect_id else {
        return Err((StatusCode::BAD_REQUEST, "connectId cannot be null").into_response());
    };
    let state = shared.connect();
    let found: Vec<&Agreement> = state
        .agreements_by_connect_id
        .get(&connect_id)
        .into_iter()
        .flatten()
        .filter_map(|id| state.agreements.get(id).map(|a| &**a))
        .filter(|a| matches(filter.state.as_deref(), Some(wire(&a.state).as_str())))
        .collect();
    Ok(json_response(StatusCode::OK, &found))
}

async fn get_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Handled {
    authorize(&headers)?;
    let state = shared.connect();
    let agreement = state.agreements.get(&id).ok_or_else(not_found)?;
    Ok(json_response(StatusCode::OK, agreement))
}

async fn stop_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Handled {
    authorize(&headers)?;
    let mut state = shared.connect();
    let agreement = state.agreements.get_mut(&id).ok_or_else(not_found)?;
    agreement.state = AgreementState::Stopped;
    agreement.has_active_right = Some(false);
    let answer = json_response(StatusCode::OK, agreement);
    drop(state);
    agreement_step(
        &shared,
        &id,
        &AgreementState::Stopped,
        "stopped by the merchant",
    );
    Ok(answer)
}

/// The agreement a verification transaction belongs to.
fn agreement_of<'a>(store: &'a mut Store, transaction: &Transaction) -> Option<&'a mut Agreement> {
    let id = transaction.charging_agreement_id.as_ref()?;
    store.agreements.get_mut(id).map(|a| &mut **a)
}

/// The PAYMENT link: what the user sees.
async fn payment_page(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let mut state = shared.connect();
    let store = &mut *state;
    let Some(transaction) = store.transactions.get(&id).map(|t| (**t).clone()) else {
        return (StatusCode::NOT_FOUND, "no such transaction").into_response();
    };
    let mut verifying = None;
    if let Some(agreement) = agreement_of(store, &transaction)
        && agreement.state == AgreementState::Created
    {
        agreement.state = AgreementState::PendingVerification;
        verifying = Some(agreement.id.clone());
    }
    drop(state);
    transaction_step(&shared, &id, None, "payment page opened by the user");
    if let Some(agreement) = verifying {
        let state = AgreementState::PendingVerification;
        agreement_step(
            &shared,
            &agreement,
            &state,
            "its verification page was opened",
        );
    }
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
pub(super) fn settle(shared: &Shared, id: &str, pay: bool) -> Result<Option<String>, Response> {
    let mut state = shared.connect();
    let store = &mut *state;
    let Some(transaction) = store.transactions.get_mut(id) else {
        return Err((StatusCode::NOT_FOUND, "no such transaction").into_response());
    };
    if transaction.state != TransactionState::Started {
        return Err((StatusCode::CONFLICT, "the transaction is no longer open").into_response());
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
        transaction.completed_time = Some(shared.engine.now());
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
    let transaction = transaction.clone();
    index(&mut store.by_charge_token, token.as_deref(), id);
    let mut verified = None;
    if paid && let Some(agreement) = agreement_of(store, &transaction) {
        agreement.state = AgreementState::Active;
        agreement.has_active_right = Some(true);
        verified = Some(agreement.id.clone());
        agreement.verification_transaction = Some(*transaction.clone());
    }
    drop(state);
    let what = match (pay, paid) {
        (true, true) => "paid by the user",
        (true, false) => "failed: the orderId is one that fails",
        (false, _) => "cancelled by the user",
    };
    transaction_step(shared, id, Some(&wire(&transaction.state)), what);
    if let Some(agreement) = verified {
        agreement_step(
            shared,
            &agreement,
            &AgreementState::Active,
            "verified: its transaction was paid",
        );
    }
    Ok(target)
}

fn finish(shared: &Shared, id: &str, pay: bool) -> Response {
    match settle(shared, id, pay) {
        Ok(target) => Redirect::to(&target.unwrap_or_default()).into_response(),
        Err(refused) => refused,
    }
}

async fn complete(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, true)
}

async fn cancel(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, false)
}
