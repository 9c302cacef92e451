//! The Direct Payment stand-in: one ledger behind the REST routes and the
//! SOAP endpoint.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use chrono::{DateTime, Utc};
use serde_json::json;
use xsd_parser_types::xml::Nillable;

use super::engine::{self, Arrivals, Capped, Engine};
use super::journal::{Api, Kind, RecordId, Sms};
use super::{Shared, credentials, faults};
use crate::direct_payment::rest_api::operations as rest_operations;
use crate::direct_payment::soap_api::{dp, dpf, dpt, operations};
use crate::direct_payment::types::{
    self, PaymentDetails, PaymentResponse, PaymentStatusResponse, PreAuthorizeRequest,
    ReversePaymentResponse, SendVerificationCodeRequest, TransactionId,
    VerifyVerificationCodeRequest,
};
use crate::direct_payment::{
    ConfirmationChannel, ErrorCode, PaymentStatus, SecurityLevel, ServiceCode, Validity,
};
use crate::soap::{self, Limits, SoapOperation};

/// A payment in the ledger.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub(crate) transaction_id: i64,
    pub(crate) msisdn: String,
    pub(crate) price: i32,
    pub(crate) status: PaymentStatus,
}

#[derive(Default)]
pub(super) struct Store {
    /// Payments by ClientReference.
    payments: BTreeMap<String, Payment>,
    /// ClientReference by TransactionId.
    references: BTreeMap<i64, String>,
    /// Verification codes by MSISDN: (code, expiry).
    codes: BTreeMap<String, (String, Option<DateTime<Utc>>)>,
    /// Payments by arrival, to forget the oldest past the record cap.
    arrivals: Arrivals<i64>,
}

impl Capped for Store {
    type Key = i64;

    fn arrivals(&mut self) -> &mut Arrivals<Self::Key> {
        &mut self.arrivals
    }

    fn records(&self) -> usize {
        self.payments.len()
    }

    /// A payment is charged (or reversed) when it is stored: finished.
    fn finished(&self, transaction_id: &i64) -> Option<bool> {
        self.references.contains_key(transaction_id).then_some(true)
    }

    fn forget(&mut self, transaction_id: &i64) {
        if let Some(reference) = self.references.remove(transaction_id) {
            self.payments.remove(&reference);
        }
    }
}

/// A `DirectPaymentFault` to answer with.
struct Fault {
    code: ErrorCode,
    description: String,
}

fn fault(code: ErrorCode, description: impl Into<String>) -> Fault {
    Fault {
        code,
        description: description.into(),
    }
}

/// The fault-table answer for [`faults::BARRED_MSISDN`].
fn barred() -> Fault {
    fault(
        ErrorCode::MsisdnBarred,
        "Transaction for the MSISDN is barred",
    )
}

impl Store {
    fn pay(
        &mut self,
        engine: &Engine,
        cap: usize,
        details: &PaymentDetails,
    ) -> Result<PaymentResponse, Fault> {
        crate::direct_payment::client::check_payment(details)
            .map_err(|e| fault(ErrorCode::Validation, e.to_string()))?;
        match details.msisdn.as_str() {
            faults::BARRED_MSISDN => {
                return Err(barred());
            }
            faults::MNO_ERROR_MSISDN => return Err(fault(ErrorCode::MnoError, "Mno error")),
            faults::NO_FUNDS_MSISDN => {
                return Err(fault(ErrorCode::FinancialFailure, "Financial failure"));
            }
            _ => {}
        }
        let reference = details.client_reference.to_string();
        if self.payments.contains_key(&reference) {
            return Err(fault(
                ErrorCode::Validation,
                "ClientReference must be unique",
            ));
        }
        let transaction_id = 1_000_000 + i64::try_from(engine.next()).unwrap_or(0);
        let status = if awaits_confirmation(details) {
            PaymentStatus::NotPaid
        } else {
            PaymentStatus::Paid
        };
        self.payments.insert(
            reference.clone(),
            Payment {
                transaction_id,
                msisdn: details.msisdn.to_string(),
                price: details.price,
                status,
            },
        );
        self.references.insert(transaction_id, reference.clone());
        self.admit(transaction_id, cap);
        Ok(PaymentResponse {
            client_reference: reference,
            transaction_id: TransactionId(transaction_id),
        })
    }

    /// `records` payments, as if charged long ago (load benches).
    pub(super) fn preload(&mut self, engine: &Engine, cap: usize, records: usize) {
        for _ in 0..records {
            let n = engine.next();
            let details = PaymentDetails::builder()
                .msisdn("+4799999999")
                .price(2500)
                .service_code("06005".parse::<ServiceCode>().expect("a listed code"))
                .client_reference(format!("preload-{n}"))
                .try_into();
            if let Ok(details) = details {
                let _ = self.pay(engine, cap, &details);
            }
        }
    }

    /// The user confirmed the payment under `reference`.
    fn confirm(&mut self, reference: &str) {
        if let Some(payment) = self.payments.get_mut(reference)
            && payment.status == PaymentStatus::NotPaid
        {
            payment.status = PaymentStatus::Paid;
        }
    }

    fn reverse(&mut self, transaction_id: i64) -> Result<ReversePaymentResponse, Fault> {
        let payment = self
            .references
            .get(&transaction_id)
            .and_then(|reference| self.payments.get_mut(reference))
            .ok_or_else(|| fault(ErrorCode::NotFound, "Payment not found"))?;
        if payment.status == PaymentStatus::Reversed {
            return Err(fault(
                ErrorCode::Validation,
                "The payment is already reversed",
            ));
        }
        payment.status = PaymentStatus::Reversed;
        Ok(ReversePaymentResponse {
            transaction_id: TransactionId(transaction_id),
        })
    }

    fn status(&self, reference: &str) -> Result<PaymentStatusResponse, Fault> {
        let payment = self
            .payments
            .get(reference)
            .ok_or_else(|| fault(ErrorCode::NotFound, "Payment not found"))?;
        Ok(PaymentStatusResponse {
            client_reference: reference.to_string(),
            payment_status: payment.status,
            transaction_id: Some(payment.transaction_id),
        })
    }

    fn send_code(
        &mut self,
        engine: &Engine,
        request: &SendVerificationCodeRequest,
    ) -> Result<String, Fault> {
        if request.msisdn.as_str() == faults::BARRED_MSISDN {
            return Err(barred());
        }
        let code = format!("{:06}", 100_000 + (engine.next() * 7919) % 900_000);
        self.codes.insert(
            request.msisdn.to_string(),
            (
                code.clone(),
                request.expiry_time.map(|expiry| expiry.instant()),
            ),
        );
        Ok(code)
    }

    fn verify(
        &mut self,
        engine: &Engine,
        request: &VerifyVerificationCodeRequest,
    ) -> Result<(), Fault> {
        let (code, expiry) = self
            .codes
            .get(request.msisdn.as_str())
            .ok_or_else(|| fault(ErrorCode::NotFound, "Verification code not found"))?;
        if expiry.is_some_and(|expiry| expiry < engine.now()) {
            return Err(fault(
                ErrorCode::Expired,
                "The verification code has expired",
            ));
        }
        if *code != request.verification_code {
            return Err(fault(ErrorCode::Validation, "Wrong verification code"));
        }
        Ok(())
    }

    /// Every payment, for tests that check the ledger.
    pub(crate) fn payments(&self) -> impl Iterator<Item = (&String, &Payment)> {
        self.payments.iter()
    }

    /// Every payment's reference and status: the ledger a soak checks.
    pub(crate) fn ledger(&self) -> impl Iterator<Item = (&str, PaymentStatus)> {
        self.payments
            .iter()
            .map(|(reference, payment)| (reference.as_str(), payment.status))
    }
}

// ---- what REST and SOAP share: the store's change, and the journal's ----

/// Charge, and show it (a refused charge too: a developer wants to see why).
fn pay(shared: &Shared, details: &PaymentDetails) -> Result<PaymentResponse, Fault> {
    let result = shared
        .direct_payment()
        .pay(&shared.engine, shared.record_cap, details);
    let reference = details.client_reference.to_string();
    let amount = crate::connect::Money::new("NOK", u64::try_from(details.price).unwrap_or(0)).ok();
    let mut keys = vec![
        ("ClientReference", reference.clone()),
        ("MSISDN", details.msisdn.to_string()),
    ];
    let (state, what) = match &result {
        Ok(paid) if awaits_confirmation(details) => {
            keys.push(("TransactionId", paid.transaction_id.0.to_string()));
            (
                "Awaiting confirmation",
                "sent to the user to confirm".to_string(),
            )
        }
        Ok(paid) => {
            keys.push(("TransactionId", paid.transaction_id.0.to_string()));
            ("Paid", "charged by the merchant".to_string())
        }
        Err(refused) => (
            "Refused",
            format!("refused: {:?} ({})", refused.code, refused.description),
        ),
    };
    // A refused duplicate names an existing payment: its record is not replaced.
    let id = RecordId::new(Kind::Payment, reference);
    shared.journal(|journal, at| match &result {
        Err(_) if journal.record(&id).is_some() => journal.step(at, &id, None, what),
        _ => journal.open(at, id, state, amount, keys, what),
    });
    result
}

fn reverse(shared: &Shared, transaction_id: i64) -> Result<ReversePaymentResponse, Fault> {
    let mut store = shared.direct_payment();
    let reversed = store.reverse(transaction_id)?;
    let reference = store.references.get(&transaction_id).cloned();
    drop(store);
    if let Some(reference) = reference {
        let id = RecordId::new(Kind::Payment, reference);
        shared.journal(|journal, at| {
            journal.step(at, &id, Some("Reversed"), "reversed by the merchant")
        });
    }
    Ok(reversed)
}

/// Send a code: kept for `verify`, and put in the inbox.
fn send_code(shared: &Shared, request: &SendVerificationCodeRequest) -> Result<(), Fault> {
    let code = shared.direct_payment().send_code(&shared.engine, request)?;
    let msisdn = request.msisdn.to_string();
    let text = match &request.template {
        Some(template) => template.replace("{0}", &code),
        None => format!("Your verification code is {code}"),
    };
    shared.journal(|journal, at| {
        let expiry = request.expiry_time.map(|e| e.instant().to_rfc3339());
        let mut keys = vec![("MSISDN", msisdn.clone())];
        keys.extend(expiry.map(|expiry| ("expires", expiry)));
        let id = RecordId::new(Kind::VerificationCode, msisdn.clone());
        journal.open(at, id, "Sent", None, keys, "sent by SMS");
        journal.sms(Sms {
            at,
            to: msisdn,
            api: Api::DirectPayment,
            text,
            link: None,
        });
    });
    Ok(())
}

fn verify(shared: &Shared, request: &VerifyVerificationCodeRequest) -> Result<(), Fault> {
    let result = shared.direct_payment().verify(&shared.engine, request);
    let id = RecordId::new(Kind::VerificationCode, request.msisdn.as_str());
    let (state, what) = match &result {
        Ok(()) => (Some("Verified"), "verified".to_string()),
        Err(refused) if refused.code == ErrorCode::Expired => {
            (Some("Expired"), "refused: expired".to_string())
        }
        Err(refused) => (None, format!("refused: {}", refused.description)),
    };
    shared.journal(|journal, at| journal.step(at, &id, state, what));
    result
}

/// The dashboard's "expire" on a verification code: as if its ExpiryTime passed.
pub(super) fn expire_code(shared: &Shared, msisdn: &str) -> Result<(), String> {
    let mut store = shared.direct_payment();
    let (_, expiry) = store
        .codes
        .get_mut(msisdn)
        .ok_or("no code was sent to this MSISDN")?;
    *expiry = Some(shared.engine.now() - chrono::Duration::seconds(1));
    drop(store);
    let id = RecordId::new(Kind::VerificationCode, msisdn);
    shared.journal(|journal, at| {
        journal.step(at, &id, Some("Expired"), "expired from the dashboard")
    });
    Ok(())
}

/// The handler of each REST spec operation; routes come from the spec.
pub(super) fn handler(operation: &str, method: MethodFilter) -> Option<MethodRouter<Shared>> {
    Some(match operation {
        "pay" => on(method, rest_pay),
        "reversePayment" => on(method, rest_reverse),
        "getPaymentStatus" => on(method, rest_status),
        "sendVerificationCode" => on(method, rest_send_code),
        "verifyVerificationCode" => on(method, rest_verify),
        "preAuthorize" => on(method, rest_pre_authorize),
        "getUserInfo" => on(method, rest_user_info),
        "getUserInfoV2" => on(method, rest_user_info_v2),
        "getUserInfoV3" => on(method, rest_user_info_v3),
        "getUserInfoSummary" => on(method, rest_user_info_summary),
        _ => return None,
    })
}

/// The SOAP endpoint: one route, the operation by SOAPAction (every WSDL
/// operation has a handler: see `soap_operation`).
pub(super) fn pages() -> Router<Shared> {
    Router::new().route("/soapV1.svc", post(soap_endpoint))
}

/// `/sandbox/direct-payment/...`: what a phone would have received.
pub(super) fn control_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/direct-payment/verification-codes/{msisdn}",
            get(inspect_code),
        )
        .route("/direct-payment/payments", get(inspect_payments))
}

async fn inspect_code(State(shared): State<Shared>, Path(msisdn): Path<String>) -> Response {
    match shared.direct_payment().codes.get(&msisdn) {
        Some((code, expiry)) => {
            axum::Json(json!({"Msisdn": msisdn, "Code": code, "ExpiryTime": expiry}))
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no code was sent to this MSISDN").into_response(),
    }
}

async fn inspect_payments(State(shared): State<Shared>) -> Response {
    let state = shared.direct_payment();
    let payments: Vec<_> = state
        .payments()
        .map(|(reference, p)| {
            json!({"ClientReference": reference, "TransactionId": p.transaction_id, "Msisdn": p.msisdn,
                   "Price": p.price, "PaymentStatus": p.status.value()})
        })
        .collect();
    axum::Json(payments).into_response()
}

// ---- REST ----

/// A fault answered the REST way: the code's HTTP status and a JSON body.
struct RestFault(Fault);

impl From<Fault> for RestFault {
    fn from(fault: Fault) -> Self {
        Self(fault)
    }
}

impl IntoResponse for RestFault {
    fn into_response(self) -> Response {
        let status = self
            .0
            .code
            .http_status()
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(fault_json(&self.0))).into_response()
    }
}

/// What a REST handler returns.
type RestResult = Result<Response, RestFault>;

/// What a lookup answers for a record it does not see (a scripted
/// `lookup_lag`): Direct Payment's own "not found", on either transport.
pub(super) fn nothing_found(operation: &str) -> Option<Response> {
    let missing = || fault(ErrorCode::NotFound, "Payment not found");
    match operation {
        "getPaymentStatus" => Some(RestFault(missing()).into_response()),
        "GetPaymentStatus" => Some(soap_fault(missing())),
        _ => None,
    }
}

fn fault_json(fault: &Fault) -> types::DirectPaymentFault {
    types::DirectPaymentFault {
        code: fault.code.value(),
        description: fault.description.clone(),
    }
}

fn rest_ok(body: &impl serde::Serialize) -> RestResult {
    Ok(axum::Json(body).into_response())
}

/// Basic credentials and the serviceId of the path must match.
fn rest_authorized(headers: &HeaderMap, service_id: &str) -> Result<(), Fault> {
    let credentials_ok = super::basic_credentials(headers).is_some_and(|(user, password)| {
        user == credentials::DIRECT_PAYMENT_USERNAME
            && password == credentials::DIRECT_PAYMENT_PASSWORD
    });
    if credentials_ok && service_id == credentials::DIRECT_PAYMENT_SERVICE_ID.to_string() {
        Ok(())
    } else {
        Err(fault(ErrorCode::Unauthorized, "Unauthorized"))
    }
}

/// A request body of the REST `operation`, after the spec's body rules, or
/// the API's own validation fault.
fn rest_body<T: serde::de::DeserializeOwned>(
    operation: &crate::runtime::Operation,
    body: &[u8],
) -> Result<T, Fault> {
    engine::json_body(operation, body).map_err(|message| fault(ErrorCode::Validation, message))
}

async fn rest_pay(
    State(shared): State<Shared>,
    Path(service_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    let request: types::PaymentRequest = rest_body(&rest_operations::PAY, &body)?;
    let result = pay(&shared, &request.payment_details);
    answer_when_due(&shared, &request.payment_details, result.is_ok()).await;
    rest_ok(&result?)
}

/// Whether the payment waits for the user's late confirmation (the fault
/// table's [`faults::CONFIRMS_LATE_MSISDN`] with `SecurityLevel` 2).
fn awaits_confirmation(details: &PaymentDetails) -> bool {
    details.msisdn.as_str() == faults::CONFIRMS_LATE_MSISDN
        && details.security_level == Some(SecurityLevel::Confirmation)
}

/// The fault table's late answers: a charge committed but answered late,
/// and one that waits for the user's confirmation. The confirmation comes
/// even if the client stops waiting (the caller's future is dropped).
async fn answer_when_due(shared: &Shared, details: &PaymentDetails, paid: bool) {
    if details.msisdn.as_str() == faults::SLOW_MSISDN {
        tokio::time::sleep(faults::SLOW_RESPONSE).await;
    }
    if paid && awaits_confirmation(details) {
        let shared = shared.clone();
        let reference = details.client_reference.to_string();
        let confirmation = tokio::spawn(async move {
            tokio::time::sleep(faults::LATE_CONFIRMATION).await;
            shared.direct_payment().confirm(&reference);
            let id = RecordId::new(Kind::Payment, reference);
            shared.journal(|journal, at| {
                journal.step(at, &id, Some("Paid"), "confirmed by the user")
            });
        });
        let _ = confirmation.await;
    }
}

async fn rest_reverse(
    State(shared): State<Shared>,
    Path((service_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    let transaction_id: i64 = id
        .parse()
        .map_err(|_| fault(ErrorCode::Validation, "TransactionId must be a number"))?;
    let reversed = reverse(&shared, transaction_id)?;
    rest_ok(&reversed)
}

async fn rest_status(
    State(shared): State<Shared>,
    Path((service_id, reference)): Path<(String, String)>,
    headers: HeaderMap,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    let status = shared.direct_payment().status(&reference)?;
    rest_ok(&status)
}

async fn rest_send_code(
    State(shared): State<Shared>,
    Path(service_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    let request: SendVerificationCodeRequest =
        rest_body(&rest_operations::SEND_VERIFICATION_CODE, &body)?;
    send_code(&shared, &request)?;
    Ok(StatusCode::OK.into_response())
}

async fn rest_verify(
    State(shared): State<Shared>,
    Path(service_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    let request: VerifyVerificationCodeRequest =
        rest_body(&rest_operations::VERIFY_VERIFICATION_CODE, &body)?;
    verify(&shared, &request)?;
    Ok(StatusCode::OK.into_response())
}

async fn rest_pre_authorize(
    State(shared): State<Shared>,
    Path((service_id, platform)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    if !matches!(platform.as_str(), "directpay" | "sms" | "0" | "1") {
        return Err(fault(ErrorCode::Validation, "Unknown platform").into());
    }
    let request: PreAuthorizeRequest = rest_body(&rest_operations::PRE_AUTHORIZE, &body)?;
    if request.msisdn.as_str() == faults::BARRED_MSISDN {
        return Err(barred().into());
    }
    let n = shared.engine.next();
    rest_ok(&types::PreAuthorizeResponse {
        external_transaction_reference: Some(format!("strex-{n}")),
        token: Some(format!("preauth-{n}")),
        transaction_id: Some(request.transaction_id.to_string()),
    })
}

fn user_info(msisdn: &str) -> types::UserInfo {
    let validity = if msisdn == faults::BARRED_MSISDN {
        Validity::MnoBillingBarred
    } else {
        Validity::Valid
    };
    types::UserInfo {
        msisdn: Some(msisdn.to_string()),
        validity: Some(validity),
        terminal_type: Some("sandbox phone".into()),
    }
}

fn user_info_v3() -> types::UserInfoV3 {
    types::UserInfoV3 {
        preferred_source_of_funds: Some(crate::direct_payment::PreferredSourceOfFunds::from_wire(
            1,
        )),
        subscription_type: Some(crate::direct_payment::SubscriptionType::from_wire(0)),
        max_amount_pr_transaction: Some(500_000),
        remaining_monthly_amount: Some(500_000),
        remaining_yearly_amount: Some(-1),
    }
}

#[derive(serde::Deserialize)]
struct ChargeCheck {
    amount: Option<i64>,
    #[serde(rename = "serviceCode")]
    service_code: Option<String>,
}

/// The query of a request, or the API's own validation fault.
fn rest_query<T: serde::de::DeserializeOwned>(uri: &axum::http::Uri) -> Result<T, Fault> {
    engine::query(uri).map_err(|message| fault(ErrorCode::Validation, message))
}

/// The path's MSISDN, or code 13 (invalid msisdn) as the docs give it.
fn valid_msisdn(msisdn: &str) -> Result<(), Fault> {
    msisdn
        .parse::<types::Msisdn>()
        .map(drop)
        .map_err(|_| fault(ErrorCode::InvalidMsisdn, "Invalid msisdn"))
}

fn check_charge(msisdn: &str, query: &ChargeCheck) -> Result<(), Fault> {
    if msisdn == faults::BARRED_MSISDN {
        return Err(barred());
    }
    let code: ServiceCode = query
        .service_code
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| fault(ErrorCode::Validation, "Invalid service code"))?;
    let amount = query
        .amount
        .and_then(|a| u32::try_from(a).ok())
        .unwrap_or(0);
    if !code.price_range().contains(&amount) {
        return Err(fault(
            ErrorCode::Validation,
            "Invalid amount for the service code",
        ));
    }
    Ok(())
}

async fn rest_user_info(
    Path((service_id, msisdn)): Path<(String, String)>,
    headers: HeaderMap,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    valid_msisdn(&msisdn)?;
    rest_ok(&user_info(&msisdn))
}

async fn rest_user_info_v2(
    Path((service_id, msisdn)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    valid_msisdn(&msisdn)?;
    let query: ChargeCheck = rest_query(&uri)?;
    check_charge(&msisdn, &query)?;
    Ok(StatusCode::OK.into_response())
}

async fn rest_user_info_v3(
    Path((service_id, msisdn)): Path<(String, String)>,
    headers: HeaderMap,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    valid_msisdn(&msisdn)?;
    rest_ok(&user_info_v3())
}

async fn rest_user_info_summary(
    Path((service_id, msisdn)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> RestResult {
    rest_authorized(&headers, &service_id)?;
    valid_msisdn(&msisdn)?;
    let query: ChargeCheck = rest_query(&uri)?;
    let v2 = check_charge(&msisdn, &query);
    // Through the generated type: an absent fault is left out, not null
    // (the spec's fault objects are not nullable).
    rest_ok(&types::UserInfoSummary {
        response_v1: Some(user_info(&msisdn)),
        response_v1_fault: None,
        response_v2: v2.is_ok().then(serde_json::Map::new),
        response_v2_fault: v2.err().as_ref().map(fault_json),
        response_v3: Some(user_info_v3()),
        response_v3_fault: None,
    })
}

// ---- SOAP ----

const PREFIX: &str = "dp";
const WEB_FAULT_NS: &str = "http://schemas.microsoft.com/2009/WebFault";

fn soap_xml(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, soap::CONTENT_TYPE)], body).into_response()
}

/// A WCF WebFault: the HTTP status of the code, its name as faultcode.
fn soap_fault(fault: Fault) -> Response {
    let status = fault
        .code
        .http_status()
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let name: String = status
        .canonical_reason()
        .unwrap_or("Error")
        .split_whitespace()
        .collect();
    let detail = dpf::DirectPaymentFault {
        code: fault.code.value(),
        description: Nillable::new(fault.description.clone()),
    };
    match soap::encode_fault(
        (WEB_FAULT_NS, &name),
        status.canonical_reason().unwrap_or("Error"),
        Some(("dpf:DirectPaymentFault", &detail)),
    ) {
        Ok(body) => soap_xml(status, body),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn soap_ok<T>(operation: &SoapOperation, body: &T) -> Response
where
    T: soap::codec::XmlRoot,
{
    match soap::encode_response(operation, PREFIX, body) {
        Ok(xml) => soap_xml(StatusCode::OK, xml),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn soap_authorized(credentials_in_body: &dpt::ServiceCredentialsType) -> Result<(), Fault> {
    let ok = credentials_in_body.service_id == credentials::DIRECT_PAYMENT_SERVICE_ID
        && credentials_in_body.username == credentials::DIRECT_PAYMENT_USERNAME
        && credentials_in_body.password.expose() == credentials::DIRECT_PAYMENT_PASSWORD;
    if ok {
        Ok(())
    } else {
        Err(fault(ErrorCode::Unauthorized, "Unauthorized"))
    }
}

fn decode_request<T: soap::codec::XmlValue>(
    body: &[u8],
    operation: &SoapOperation,
) -> Result<T, Fault> {
    soap::decode_request(body, operation, &Limits::default())
        .map_err(|e| fault(ErrorCode::Validation, e.to_string()))
}

/// The SOAP PaymentDetails as the REST domain type (the same validation runs).
fn payment_details(details: dpt::PaymentDetailsType) -> Result<PaymentDetails, Fault> {
    let age: Option<crate::direct_payment::Age> =
        details.age.and_then(Nillable::into_inner).map(Into::into);
    let invalid = |e: &dyn std::fmt::Display| fault(ErrorCode::Validation, e.to_string());
    let business_model = match details.business_model.and_then(Nillable::into_inner) {
        Some(model) => Some(model.parse().map_err(|e| invalid(&e))?),
        None => None,
    };
    let security_level: Option<SecurityLevel> = details
        .security_level
        .and_then(Nillable::into_inner)
        .map(Into::into);
    let confirmation_channel: Option<ConfirmationChannel> = details
        .confirmation_channel
        .and_then(Nillable::into_inner)
        .map(Into::into);
    let teletorg_settings = match details.teletorg_settings.and_then(Nillable::into_inner) {
        Some(teletorg) => Some(
            types::TeletorgSettings::builder()
                .start_time(
                    teletorg
                        .start_time
                        .and_then(Nillable::into_inner)
                        .map(|time| time.parse())
                        .transpose()
                        .map_err(|e: types::error::ConversionError| invalid(&e))?,
                )
                .bnumber(teletorg.bnumber.and_then(Nillable::into_inner))
                .duration(teletorg.duration)
                .start_price(teletorg.start_price)
                .try_into()
                .map_err(|e: types::error::ConversionError| invalid(&e))?,
        ),
        None => None,
    };
    PaymentDetails::builder()
        .msisdn(details.msisdn.0)
        .price(details.price)
        .service_code(
            details
                .service_code
                .parse::<ServiceCode>()
                .map_err(|e| invalid(&e))?,
        )
        .client_reference(details.client_reference)
        .age(age)
        .business_model(business_model)
        .end_user_invoice_text(details.end_user_invoice_text.and_then(Nillable::into_inner))
        .differentiator(details.differentiator.and_then(Nillable::into_inner))
        .invoice_node(details.invoice_node.and_then(Nillable::into_inner))
        .authorization_token(details.authorization_token.and_then(Nillable::into_inner))
        .security_level(security_level)
        .confirmation_channel(confirmation_channel)
        .teletorg_settings(teletorg_settings)
        .try_into()
        .map_err(|e: types::error::ConversionError| invalid(&e))
}

/// The SOAPAction of a request, without its quotes.
pub(super) fn soap_action(headers: &HeaderMap) -> &str {
    headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_matches('"')
}

/// The operation a SOAPAction names.
pub(super) fn soap_operation(action: &str) -> Option<&'static SoapOperation> {
    operations::ALL.iter().find(|op| op.soap_action == action)
}

async fn soap_endpoint(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let action = soap_action(&headers);
    let Some(operation) = soap_operation(action) else {
        return soap_fault(fault(
            ErrorCode::Validation,
            format!("Unknown SOAPAction {action:?}"),
        ));
    };
    let result = match operation.name {
        "Pay" => soap_pay(&shared, operation, &body).await,
        "ReversePayment" => soap_reverse(&shared, operation, &body),
        "GetPaymentStatus" => soap_status(&shared, operation, &body),
        "SendVerificationCode" => soap_send_code(&shared, operation, &body),
        "VerifyVerificationCode" => soap_verify(&shared, operation, &body),
        other => Err(fault(
            ErrorCode::Validation,
            format!("Unknown operation {other}"),
        )),
    };
    result.unwrap_or_else(soap_fault)
}

async fn soap_pay(
    shared: &Shared,
    operation: &SoapOperation,
    body: &[u8],
) -> Result<Response, Fault> {
    let request: dp::Pay = decode_request(body, operation)?;
    soap_authorized(&request.request.service_credentials)?;
    let details = payment_details(request.request.payment_details)?;
    let result = pay(shared, &details);
    answer_when_due(shared, &details, result.is_ok()).await;
    let paid = result?;
    Ok(soap_ok(
        operation,
        &dp::PayResponse {
            pay_result: dpt::PaymentResponseType {
                client_reference: Nillable::new(paid.client_reference),
                transaction_id: paid.transaction_id.0,
            },
        },
    ))
}

fn soap_reverse(
    shared: &Shared,
    operation: &SoapOperation,
    body: &[u8],
) -> Result<Response, Fault> {
    let request: dp::ReversePayment = decode_request(body, operation)?;
    soap_authorized(&request.request.service_credentials)?;
    let id = request.request.reverse_payment_details.transaction_id;
    let reversed = reverse(shared, id)?;
    Ok(soap_ok(
        operation,
        &dp::ReversePaymentResponse {
            reverse_payment_result: dpt::ReversePaymentResponseType {
                transaction_id: reversed.transaction_id.0,
            },
        },
    ))
}

fn soap_status(shared: &Shared, operation: &SoapOperation, body: &[u8]) -> Result<Response, Fault> {
    let request: dp::GetPaymentStatus = decode_request(body, operation)?;
    soap_authorized(&request.request.service_credentials)?;
    let status = shared
        .direct_payment()
        .status(&request.request.client_reference)?;
    let payment_status = match status.payment_status {
        PaymentStatus::Paid => dpt::PaymentStatusType::Paid,
        PaymentStatus::Reversed => dpt::PaymentStatusType::Reversed,
        _ => dpt::PaymentStatusType::NotPaid,
    };
    Ok(soap_ok(
        operation,
        &dp::GetPaymentStatusResponse {
            get_payment_status_result: dpt::PaymentStatusResponseType {
                client_reference: Nillable::new(status.client_reference),
                payment_status,
                transaction_id: status.transaction_id.map(Nillable::new),
            },
        },
    ))
}

fn soap_send_code(
    shared: &Shared,
    operation: &SoapOperation,
    body: &[u8],
) -> Result<Response, Fault> {
    let request: dp::SendVerificationCode = decode_request(body, operation)?;
    soap_authorized(&request.request.service_credentials)?;
    let domain = SendVerificationCodeRequest::builder()
        .msisdn(request.request.msisdn.0)
        .expiry_time(
            request
                .request
                .expiry_time
                .and_then(Nillable::into_inner)
                .map(|t| t.0.with_timezone(&Utc).into()),
        )
        .template(request.request.template.and_then(Nillable::into_inner))
        .try_into()
        .map_err(|e: types::error::ConversionError| fault(ErrorCode::Validation, e.to_string()))?;
    send_code(shared, &domain)?;
    Ok(soap_ok(
        operation,
        &dp::SendVerificationCodeResponseElementType,
    ))
}

fn soap_verify(shared: &Shared, operation: &SoapOperation, body: &[u8]) -> Result<Response, Fault> {
    let request: dp::VerifyVerificationCode = decode_request(body, operation)?;
    soap_authorized(&request.request.service_credentials)?;
    let domain = VerifyVerificationCodeRequest::builder()
        .msisdn(request.request.msisdn.0)
        .verification_code(request.request.verification_code)
        .try_into()
        .map_err(|e: types::error::ConversionError| fault(ErrorCode::Validation, e.to_string()))?;
    verify(shared, &domain)?;
    Ok(soap_ok(
        operation,
        &dp::VerifyVerificationCodeResponseElementType,
    ))
}
