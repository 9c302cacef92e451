//! The CONNECT Payment stand-in: transactions, refunds, charging agreements,
//! and the PAYMENT page.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Shared, credentials, faults, pages};
use crate::connect::types::{
    Agreement, AgreementState, NewAgreement, NewTransaction, RefundRequest, Transaction,
    TransactionState, TransactionType,
};
use crate::connect::{Money, VatRate};

#[derive(Default)]
pub(super) struct Store {
    transactions: BTreeMap<String, Transaction>,
    /// Transaction IDs in creation order.
    created: Vec<String>,
    agreements: BTreeMap<String, Agreement>,
    next_id: u64,
}

impl Store {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:06}", self.next_id)
    }
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/transactions",
            post(create_transaction).get(list_transactions),
        )
        .route("/transactions/{id}", get(get_transaction))
        .route("/transactions/{id}/refunds", post(refund))
        .route("/agreements", post(create_agreement).get(list_agreements))
        .route("/agreements/{id}", get(get_agreement))
        .route("/agreements/{id}/stop", get(stop_agreement))
        .route("/pay/{id}", get(payment_page))
        .route("/pay/{id}/complete", post(complete))
        .route("/pay/{id}/cancel", post(cancel))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errorNamespace": "telenordigital.payment", "errorCode": code, "errorMessage": message});
    (status, axum::Json(body)).into_response()
}

fn unauthorized() -> Response {
    let body =
        json!({"errorNamespace": "null", "errorCode": null, "errorMessage": "Unauthorized access"});
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// The merchant API key (Basic) or a CONNECT ID user's token (Bearer).
fn authorized(headers: &HeaderMap) -> bool {
    let basic = super::basic_credentials(headers)
        .is_some_and(|(user, _)| user == credentials::CONNECT_API_KEY);
    basic || super::bearer_token(headers) == Some(credentials::CONNECT_BEARER_TOKEN)
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A request body as the generated type, or the API's own 400.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &e.to_string()))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn vat_amount(amount: &Money, rate: &VatRate) -> Money {
    let vat = u128::from(amount.minor_units()) * u128::from(rate.millionths()) / 1_000_000;
    Money::from_currency(amount.currency(), u64::try_from(vat).unwrap_or(u64::MAX))
}

/// A transaction as the server returns it, from the request.
fn started(
    shared: &Shared,
    id: &str,
    new: &NewTransaction,
    agreement: Option<&str>,
) -> Result<Transaction, Response> {
    let mut value = serde_json::to_value(new).map_err(|e| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            &e.to_string(),
        )
    })?;
    let extra = json!({
        "id": id,
        "state": "STARTED",
        "type": "CHARGE",
        "startTime": now(),
        "chargedPaymentMethod": "NOT_SELECTED",
        "vatAmount": vat_amount(&new.amount, &new.vat_rate).to_string(),
        "chargingAgreementId": agreement,
        "links": [{"rel": "PAYMENT", "href": shared.url(&format!("/connect/pay/{id}"))}],
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
        map.extend(extra);
    }
    serde_json::from_value(value).map_err(|e| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            &e.to_string(),
        )
    })
}

async fn create_transaction(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let new: NewTransaction = match decode(&body) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = shared.lock();
    let store = &mut state.connect;
    if store
        .transactions
        .values()
        .any(|t| t.order_id == *new.order_id)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "DUPLICATE_ORDER_ID",
            "orderId must be unique",
        );
    }
    let id = store.id("tx");
    let transaction = match started(&shared, &id, &new, None) {
        Ok(t) => t,
        Err(response) => return response,
    };
    store.transactions.insert(id.clone(), transaction.clone());
    store.created.push(id.clone());
    let location = shared.url(&format!("/connect/transactions/{id}"));
    let mut response = json_response(StatusCode::CREATED, &transaction);
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
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

async fn list_transactions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<TransactionFilter>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    if filter.connect_id.is_none() && filter.charge_token.is_none() {
        return (
            StatusCode::BAD_REQUEST,
            "connectId or chargeToken must be given to this method",
        )
            .into_response();
    }
    let state = shared.lock();
    let store = &state.connect;
    let mut found: Vec<&Transaction> = store
        .created
        .iter()
        .filter_map(|id| store.transactions.get(id))
        .filter(|t| {
            filter
                .connect_id
                .as_ref()
                .is_none_or(|c| t.connect_id.as_ref() == Some(c))
        })
        .filter(|t| {
            filter
                .charge_token
                .as_ref()
                .is_none_or(|c| t.charge_token.as_ref() == Some(c))
        })
        .filter(|t| filter.order_id.as_ref().is_none_or(|o| &t.order_id == o))
        .filter(|t| filter.state.as_ref().is_none_or(|s| &wire(&t.state) == s))
        .filter(|t| {
            filter
                .type_
                .as_ref()
                .is_none_or(|k| t.type_.as_ref().map(wire).as_ref() == Some(k))
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
    json_response(StatusCode::OK, &page)
}

async fn get_transaction(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    match shared.lock().connect.transactions.get(&id) {
        Some(transaction) => json_response(StatusCode::OK, transaction),
        None => error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such transaction"),
    }
}

async fn refund(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let request: RefundRequest = match decode(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let mut state = shared.lock();
    let store = &mut state.connect;
    let Some(original) = store.transactions.get(&id).cloned() else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such transaction");
    };
    if original.state != TransactionState::Completed
        || original.type_ != Some(TransactionType::Charge)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "NOT_REFUNDABLE",
            "only a COMPLETED CHARGE can be refunded",
        );
    }
    let refunded = store
        .transactions
        .values()
        .any(|t| t.refund_for_transaction_id.as_deref() == Some(id.as_str()));
    if refunded {
        return error(
            StatusCode::BAD_REQUEST,
            "ALREADY_REFUNDED",
            "the transaction is already refunded",
        );
    }
    let refund_id = store.id("tx");
    let mut refund = original.clone();
    refund.id = refund_id.clone();
    refund.type_ = Some(TransactionType::Refund);
    refund.state = TransactionState::Completed;
    refund.return_code = Some("OK".into());
    refund.refund_for_transaction_id = Some(id);
    refund.refund_issuer = Some(request.refund_issuer);
    refund.refund_reason = Some(request.refund_reason);
    refund.links = None;
    refund.start_time = Some(chrono::Utc::now());
    refund.completed_time = refund.start_time;
    store.transactions.insert(refund_id.clone(), refund.clone());
    store.created.push(refund_id);
    json_response(StatusCode::OK, &refund)
}

async fn create_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let new: NewAgreement = match decode(&body) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = shared.lock();
    let store = &mut state.connect;
    let agreement_id = store.id("ag");
    let transaction_id = store.id("tx");
    let mut verification = match started(
        &shared,
        &transaction_id,
        &new.verification_transaction,
        Some(&agreement_id),
    ) {
        Ok(t) => t,
        Err(response) => return response,
    };
    verification.connect_id = new.connect_id.clone().or(verification.connect_id);
    let value = json!({
        "id": agreement_id,
        "verificationTransaction": verification,
        "verificationTransactionId": transaction_id,
        "generation": format!("gen-{agreement_id}"),
        "state": "CREATED",
        "links": [{"rel": "PAYMENT", "href": shared.url(&format!("/connect/pay/{transaction_id}"))}],
        "creationTime": now(),
        "merchantName": new.merchant_name,
        "connectId": new.connect_id,
        "recurrenceTimeSpec": new.recurrence_time_spec,
        "trial": new.trial,
        "hasActiveRight": false,
    });
    let agreement: Agreement = match serde_json::from_value(value) {
        Ok(agreement) => agreement,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                &e.to_string(),
            );
        }
    };
    store
        .transactions
        .insert(transaction_id.clone(), verification);
    store.created.push(transaction_id);
    store
        .agreements
        .insert(agreement_id.clone(), agreement.clone());
    let mut response = json_response(StatusCode::CREATED, &agreement);
    if let Ok(value) = shared
        .url(&format!("/connect/agreements/{agreement_id}"))
        .parse()
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
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
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let Some(connect_id) = filter.connect_id else {
        return (StatusCode::BAD_REQUEST, "connectId cannot be null").into_response();
    };
    let state = shared.lock();
    let found: Vec<&Agreement> = state
        .connect
        .agreements
        .values()
        .filter(|a| a.connect_id.as_ref() == Some(&connect_id))
        .filter(|a| filter.state.as_ref().is_none_or(|s| &wire(&a.state) == s))
        .collect();
    json_response(StatusCode::OK, &found)
}

async fn get_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    match shared.lock().connect.agreements.get(&id) {
        Some(agreement) => json_response(StatusCode::OK, agreement),
        None => error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such agreement"),
    }
}

async fn stop_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut state = shared.lock();
    let Some(agreement) = state.connect.agreements.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such agreement");
    };
    agreement.state = AgreementState::Stopped;
    agreement.has_active_right = Some(false);
    json_response(StatusCode::OK, agreement)
}

/// The agreement a verification transaction belongs to.
fn agreement_of<'a>(store: &'a mut Store, transaction: &Transaction) -> Option<&'a mut Agreement> {
    let id = transaction.charging_agreement_id.as_ref()?;
    store.agreements.get_mut(id)
}

/// The PAYMENT link: what the user sees.
async fn payment_page(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    let store = &mut state.connect;
    let Some(transaction) = store.transactions.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such transaction").into_response();
    };
    if let Some(agreement) = agreement_of(store, &transaction)
        && agreement.state == AgreementState::Created
    {
        agreement.state = AgreementState::PendingVerification;
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

fn finish(shared: &Shared, id: &str, pay: bool) -> Response {
    let mut state = shared.lock();
    let store = &mut state.connect;
    let Some(transaction) = store.transactions.get_mut(id) else {
        return (StatusCode::NOT_FOUND, "no such transaction").into_response();
    };
    if transaction.state != TransactionState::Started {
        return (StatusCode::CONFLICT, "the transaction is no longer open").into_response();
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
        transaction.completed_time = Some(chrono::Utc::now());
        transaction.charged_payment_method = Some("CREDIT_CARD".into());
        transaction.return_code = Some("OK".into());
        transaction.charge_token = Some(format!("ct-{id}"));
    }
    let target = if paid {
        transaction.success_redirect.clone()
    } else {
        transaction.cancel_redirect.clone()
    };
    let transaction = transaction.clone();
    if paid && let Some(agreement) = agreement_of(store, &transaction) {
        agreement.state = AgreementState::Active;
        agreement.has_active_right = Some(true);
        agreement.verification_transaction = Some(transaction);
    }
    Redirect::to(&target.unwrap_or_default()).into_response()
}

async fn complete(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, true)
}

async fn cancel(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    finish(&shared, &id, false)
}
