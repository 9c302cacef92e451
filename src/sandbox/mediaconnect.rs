//! The Mediaconnect stand-in: the login server's OAuth endpoints and payment
//! pages, and the payment API.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use serde_json::json;
use url::Url;

use super::engine::{Arrivals, Capped};
use super::journal::{Kind, RecordId};
use super::{Shared, credentials, engine, faults, pages};
use crate::mediaconnect::Outcome;
use crate::mediaconnect::operations;
use crate::mediaconnect::types::{
    ApiError, InvoicePaymentRequest, OAuthError, PaymentChange, PaymentChangeRequest,
    PaymentMethodItem, PaymentMethods, PaymentStarted, Removed, VippsAgreement,
    VippsAgreementRemoval, VippsAgreementRequest, VippsAgreements,
};
use crate::runtime::Operation;

/// What every sandbox invoice costs, in øre.
const INVOICE_AMOUNT: u64 = 19_900;

/// The provider ID the sandbox's Vipps agreements carry (the reference's example).
const VIPPS_PROVIDER_ID: i32 = 55;

/// What a login-server page finishes.
#[derive(Clone)]
enum Pending {
    Invoice { invoice_number: String },
    Change { product: String, method: String },
    Vipps { product: String },
}

#[derive(Default)]
pub(super) struct Store {
    codes: BTreeSet<String>,
    access_tokens: BTreeSet<String>,
    refresh_tokens: BTreeSet<String>,
    /// Active payment method by product.
    methods: BTreeMap<String, String>,
    pending: BTreeMap<i64, Pending>,
    paid_invoices: BTreeSet<String>,
    /// Started payments by arrival, to forget the oldest past the record cap.
    arrivals: Arrivals<i64>,
    /// Valid Vipps agreements: their product, by agreement reference.
    vipps_agreements: BTreeMap<String, String>,
}

const METHODS: [&str; 3] = [
    "invoice",
    "recurringPayExCardPayment",
    "recurringVippsPayment",
];

impl Store {
    /// `records` invoice payments started and never finished (load benches).
    pub(super) fn preload(&mut self, engine: &super::engine::Engine, cap: usize, records: usize) {
        for _ in 0..records {
            let id = 12_000_000 + i64::try_from(engine.next()).unwrap_or(0);
            let pending = Pending::Invoice {
                invoice_number: "1001".into(),
            };
            self.pending.insert(id, pending);
            self.admit(id, cap);
        }
    }
}

impl Capped for Store {
    type Key = i64;

    fn arrivals(&mut self) -> &mut Arrivals<Self::Key> {
        &mut self.arrivals
    }

    fn records(&self) -> usize {
        self.pending.len()
    }

    /// A started payment waits at the login server until the user comes;
    /// none is finished, so the oldest go first.
    fn finished(&self, id: &i64) -> Option<bool> {
        self.pending.get(id).map(|_| false)
    }

    fn forget(&mut self, id: &i64) {
        self.pending.remove(id);
    }
}

/// The handler of each spec operation; routes come from the spec.
pub(super) fn handler(operation: &str, method: MethodFilter) -> Option<MethodRouter<Shared>> {
    Some(match operation {
        "listPaymentMethods" => on(method, payment_methods),
        "changePaymentMethod" => on(method, change_method),
        "payInvoice" => on(method, pay_invoice),
        "listVippsAgreements" => on(method, vipps_agreements),
        "addVippsAgreement" => on(method, vipps_agreement),
        "removeVippsAgreement" => on(method, remove_vipps_agreement),
        "listInvoices" => on(method, invoices),
        _ => return None,
    })
}

/// The login server: OAuth and the pages users are redirected to.
pub(super) fn pages() -> Router<Shared> {
    Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/token", post(token))
        .route("/login/payment/invoice/pay", get(page))
        .route("/login/paymentChange", get(page))
        .route("/login/payment/vipps/agreement/add", get(page))
        .route("/login/outcome", post(outcome))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(OAuthError {
            error: Some(error.to_string()),
            error_description: Some(description.to_string()),
        }),
    )
        .into_response()
}

fn api_error(message: &str) -> Response {
    let body = ApiError {
        exception_type: Some("ValidationException".into()),
        error_message: Some(message.to_string()),
    };
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: Url,
    state: Option<String>,
}

/// The user "logs in" at once: the sandbox redirects back with a code.
async fn authorize(State(shared): State<Shared>, Query(query): Query<AuthorizeQuery>) -> Response {
    if query.response_type != "code" || query.client_id != credentials::MEDIACONNECT_CLIENT_ID {
        return (StatusCode::BAD_REQUEST, "unknown client or response type").into_response();
    }
    let mut state = shared.mediaconnect();
    let code = format!("mc-code-{}", shared.engine.next());
    state.codes.insert(code.clone());
    let mut target = query.redirect_uri;
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(csrf) = &query.state {
        target.query_pairs_mut().append_pair("state", csrf);
    }
    Redirect::to(target.as_str()).into_response()
}

async fn token(State(shared): State<Shared>, body: Bytes) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("client_id") != Some(credentials::MEDIACONNECT_CLIENT_ID)
        || field("client_secret") != Some(credentials::MEDIACONNECT_CLIENT_SECRET)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let mut state = shared.mediaconnect();
    let store = &mut *state;
    let granted = match field("grant_type") {
        Some("authorization_code") => field("code").is_some_and(|code| store.codes.remove(code)),
        Some("refresh_token") => {
            field("refresh_token").is_some_and(|t| store.refresh_tokens.remove(t))
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            );
        }
    };
    if !granted {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code or refresh token is not valid",
        );
    }
    let n = shared.engine.next();
    let (access, refresh) = (format!("mc-at-{n}"), format!("mc-rt-{n}"));
    store.access_tokens.insert(access.clone());
    store.refresh_tokens.insert(refresh.clone());
    axum::Json(json!({"access_token": access, "token_type": "bearer", "expires_in": 43200, "refresh_token": refresh}))
        .into_response()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let token = super::bearer_token(headers).unwrap_or_default();
    if shared.mediaconnect().access_tokens.contains(token) {
        Ok(())
    } else {
        Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is not valid",
        ))
    }
}

fn product_code(code: &str) -> Result<(), Response> {
    if code.is_empty() || code.chars().count() > 12 {
        return Err(api_error("productCode must be 1 to 12 characters"));
    }
    Ok(())
}

/// A request body of `operation`, after the spec's body rules, or
/// Mediaconnect's own 400.
fn decode<T: serde::de::DeserializeOwned>(
    operation: &Operation,
    body: &[u8],
) -> Result<T, Response> {
    engine::json_body(operation, body).map_err(|message| api_error(&message))
}

/// What an API handler returns: the answer, or Mediaconnect's own error.
type Handled = Result<Response, Response>;

async fn payment_methods(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(product): Path<String>,
) -> Handled {
    authorized(&shared, &headers)?;
    product_code(&product)?;
    let state = shared.mediaconnect();
    let active = state
        .methods
        .get(&product)
        .map_or("invoice", String::as_str);
    let payment_method_response_items = METHODS
        .iter()
        .map(|m| PaymentMethodItem {
            payment_method: Some(m.to_string()),
            is_active: Some(if *m == active { "Y" } else { "N" }.to_string()),
        })
        .collect();
    Ok(axum::Json(PaymentMethods {
        payment_method_response_items,
    })
    .into_response())
}

impl Pending {
    /// What its record is on the dashboard.
    fn kind(&self) -> Kind {
        match self {
            Pending::Invoice { .. } => Kind::InvoicePayment,
            Pending::Change { .. } => Kind::PaymentChange,
            Pending::Vipps { .. } => Kind::VippsAgreement,
        }
    }

    /// Its record on the dashboard: kind, amount and keys.
    fn shown(
        &self,
    ) -> (
        Kind,
        Option<crate::connect::Money>,
        Vec<(&'static str, String)>,
    ) {
        let (amount, keys) = match self {
            Pending::Invoice { invoice_number } => (
                crate::connect::Money::new("NOK", INVOICE_AMOUNT).ok(),
                vec![("invoice", invoice_number.clone())],
            ),
            Pending::Change { product, method } => (
                None,
                vec![("product", product.clone()), ("method", method.clone())],
            ),
            Pending::Vipps { product } => (None, vec![("product", product.clone())]),
        };
        (self.kind(), amount, keys)
    }
}

/// Remember what a login-server page is to finish; its ID.
fn start(shared: &Shared, pending: Pending) -> i64 {
    let (kind, amount, keys) = pending.shown();
    let mut state = shared.mediaconnect();
    let id = 12_000_000 + i64::try_from(shared.engine.next()).unwrap_or(0);
    state.pending.insert(id, pending);
    state.admit(id, shared.record_cap);
    drop(state);
    shared.journal(|journal, at| {
        let record = RecordId::new(kind, id.to_string());
        let what = "started by the service; the user is sent to the login server";
        journal.open(at, record, Outcome::Initiated.as_str(), amount, keys, what);
    });
    id
}

/// The answer to a started payment: `{success, transactionId}`.
fn started(shared: &Shared, pending: Pending) -> Response {
    let id = start(shared, pending);
    axum::Json(PaymentStarted {
        success: Some(true),
        transaction_id: Some(id),
    })
    .into_response()
}

async fn change_method(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(product): Path<String>,
    body: Bytes,
) -> Handled {
    authorized(&shared, &headers)?;
    product_code(&product)?;
    let request: PaymentChangeRequest = decode(&operations::CHANGE_PAYMENT_METHOD, &body)?;
    let method = request.payment_method.to_string();
    let id = start(&shared, Pending::Change { product, method });
    Ok(axum::Json(PaymentChange {
        payment_change_id: Some(id),
    })
    .into_response())
}

async fn pay_invoice(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Handled {
    authorized(&shared, &headers)?;
    let request: InvoicePaymentRequest = decode(&operations::PAY_INVOICE, &body)?;
    let invoice_number = request.invoice_number.to_string();
    Ok(started(&shared, Pending::Invoice { invoice_number }))
}

async fn vipps_agreement(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Handled {
    authorized(&shared, &headers)?;
    let request: VippsAgreementRequest = decode(&operations::ADD_VIPPS_AGREEMENT, &body)?;
    let product = request.product_code.to_string();
    Ok(started(&shared, Pending::Vipps { product }))
}

async fn vipps_agreements(State(shared): State<Shared>, headers: HeaderMap) -> Handled {
    authorized(&shared, &headers)?;
    let state = shared.mediaconnect();
    let recurring_agreements = state
        .vipps_agreements
        .iter()
        .map(|(reference, product)| VippsAgreement {
            agreement_ref: Some(reference.clone()),
            payment_provider_id: Some(VIPPS_PROVIDER_ID),
            product_code: Some(product.clone()),
            extra: serde_json::Map::new(),
        })
        .collect();
    Ok(axum::Json(VippsAgreements {
        recurring_agreements,
    })
    .into_response())
}

/// `success: false` for an agreement that is not (or no longer) there, so a
/// repeated removal answers as the first did not.
async fn remove_vipps_agreement(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Handled {
    authorized(&shared, &headers)?;
    let request: VippsAgreementRemoval = decode(&operations::REMOVE_VIPPS_AGREEMENT, &body)?;
    let mut state = shared.mediaconnect();
    let success = i64::from(request.payment_provider_id.get()) == i64::from(VIPPS_PROVIDER_ID)
        && state
            .vipps_agreements
            .remove(request.agreement_ref.as_str())
            .is_some();
    Ok(axum::Json(Removed {
        success: Some(success),
    })
    .into_response())
}

#[derive(serde::Deserialize)]
struct InvoiceFilter {
    unpaid: Option<bool>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

async fn invoices(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(product): Path<String>,
    uri: axum::http::Uri,
) -> Handled {
    authorized(&shared, &headers)?;
    product_code(&product)?;
    // The spec's query types (a boolean, two YYYY-MM-DD dates), refused in
    // Mediaconnect's own error shape rather than axum's plain text.
    let filter: InvoiceFilter = engine::query(&uri)
        .map_err(|_| api_error("unpaid is true or false; from and to are YYYY-MM-DD"))?;
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(api_error("from is after to"));
    }
    let state = shared.mediaconnect();
    let invoices = ["1001", "1002", faults::FAILING_INVOICE]
        .iter()
        .map(|number| (number, state.paid_invoices.contains(*number)))
        .filter(|(_, paid)| !(filter.unpaid == Some(true) && *paid))
        .map(|(number, paid)| {
            crate::mediaconnect::types::Invoice::builder()
                .invoice_number(Some(number.to_string()))
                .company_code(Some("SANDBOX".to_string()))
                .product(Some(product.clone()))
                .amount(Some(INVOICE_AMOUNT as f64 / 100.0))
                .invoice_amount(Some(format!(
                    "{}.{:02}",
                    INVOICE_AMOUNT / 100,
                    INVOICE_AMOUNT % 100
                )))
                .payment_status(Some(if paid { "1" } else { "0" }.to_string()))
                .invoice_status(Some(if paid { "Paid" } else { "Invoiced" }.to_string()))
                // typify's builder wants the map of other fields set, even empty.
                .extra(serde_json::Map::new())
                .try_into()
        })
        .collect::<Result<Vec<crate::mediaconnect::types::Invoice>, _>>()
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())?;
    let answer = crate::mediaconnect::types::InvoicesAndReminders {
        invoices,
        reminders: Vec::new(),
    };
    Ok(axum::Json(answer).into_response())
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQuery {
    return_url: Url,
    error_url: Url,
    transaction_id: Option<i64>,
    payment_change_id: Option<i64>,
}

/// A login-server page: the user picks what happens.
async fn page(State(shared): State<Shared>, Query(query): Query<PageQuery>) -> Response {
    let Some(id) = query.transaction_id.or(query.payment_change_id) else {
        return Redirect::to(query.error_url.as_str()).into_response();
    };
    if !shared.mediaconnect().pending.contains_key(&id) {
        return Redirect::to(query.error_url.as_str()).into_response();
    }
    let action = |outcome: Outcome| {
        let mut target =
            Url::parse(&shared.url("/mediaconnect/login/outcome")).expect("sandbox URLs are valid");
        target
            .query_pairs_mut()
            .append_pair("id", &id.to_string())
            .append_pair("outcome", outcome.as_str())
            .append_pair("returnUrl", query.return_url.as_str());
        target.to_string()
    };
    pages::page(
        "ConnectID",
        &[format!("Transaction {id}")],
        &[
            ("Confirm", action(Outcome::Finished)),
            ("Cancel", action(Outcome::Cancelled)),
            ("Fail", action(Outcome::Failed)),
            ("Leave pending", action(Outcome::Initiated)),
            ("Lose track", action(Outcome::Unknown)),
        ],
    )
    .into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutcomeQuery {
    id: i64,
    outcome: String,
    return_url: Url,
}

async fn outcome(State(shared): State<Shared>, Query(query): Query<OutcomeQuery>) -> Response {
    let chosen: Outcome = query.outcome.parse().unwrap_or(Outcome::Unknown);
    let Some(result) = settle(&shared, query.id, chosen, "the user") else {
        return (StatusCode::NOT_FOUND, "no such transaction").into_response();
    };
    let mut target = query.return_url;
    target
        .query_pairs_mut()
        .append_pair("status", result.as_str());
    Redirect::to(target.as_str()).into_response()
}

/// `by` (the user on the page, or the dashboard) chooses the outcome of a
/// started payment; what it came to (a failing invoice fails), or `None`
/// for no such payment.
pub(super) fn settle(shared: &Shared, id: i64, chosen: Outcome, by: &str) -> Option<Outcome> {
    let mut state = shared.mediaconnect();
    let store = &mut *state;
    // A pending or lost payment stays open: the page can be visited again.
    let open = matches!(chosen, Outcome::Initiated | Outcome::Unknown);
    let taken = if open {
        store.pending.get(&id).cloned()
    } else {
        store.pending.remove(&id)
    };
    let pending = taken?;
    let kind = pending.kind();
    let result = match (&pending, chosen) {
        (Pending::Invoice { invoice_number }, _) if invoice_number == faults::FAILING_INVOICE => {
            Outcome::Failed
        }
        (_, chosen) => chosen,
    };
    if result == Outcome::Finished {
        match pending {
            Pending::Invoice { invoice_number } => {
                store.paid_invoices.insert(invoice_number);
            }
            Pending::Change { product, method } => {
                store.methods.insert(product, method);
            }
            Pending::Vipps { product } => {
                let reference = format!("sandbox-vipps-{}", shared.engine.next());
                store.vipps_agreements.insert(reference, product.clone());
                store
                    .methods
                    .insert(product, "recurringVippsPayment".into());
            }
        }
    }
    drop(state);
    let what = if result == chosen {
        format!("{by} chose {}", result.as_str())
    } else {
        format!(
            "{by} chose {}; the invoice is one that fails",
            chosen.as_str()
        )
    };
    let record = RecordId::new(kind, id.to_string());
    shared.journal(|journal, at| journal.step(at, &record, Some(result.as_str()), what));
    Some(result)
}
