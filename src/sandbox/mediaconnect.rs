//! The Mediaconnect stand-in: the login server's OAuth endpoints and payment
//! pages, and the payment API. Its state is per customer: each logged-in
//! user's methods, agreements and paid invoices are their own.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use url::Url;

use super::dashboard::actions::{Action, Actions, action, refused};
use super::engine::{Capped, Kept};
use super::journal::{Api, Happened, Kind, Record, RecordId};
use super::serving::{Answer, Call, Malformed, Part, Stand};
use super::{Shared, credentials, faults, pages};
use crate::mediaconnect::generated::server::{
    AddVippsAgreementInput, AddVippsAgreementOutput, ChangePaymentMethodInput,
    ChangePaymentMethodOutput, ListClientInvoicesInput, ListClientInvoicesOutput,
    ListInvoiceDetailsInput, ListInvoiceDetailsOutput, ListInvoicesInput, ListInvoicesOutput,
    ListPaymentMethodsInput, ListPaymentMethodsOutput, ListVippsAgreementsInput,
    ListVippsAgreementsOutput, PayInvoiceInput, PayInvoiceOutput, RemoveVippsAgreementInput,
    RemoveVippsAgreementOutput, Service,
};
use crate::mediaconnect::types::{
    ApiError, OAuthError, PaymentChange, PaymentMethodItem, PaymentMethods, PaymentStarted,
    Removed, VippsAgreement, VippsAgreements,
};
use crate::mediaconnect::{Outcome, operations};
use crate::runtime::Operation;

/// What every sandbox invoice costs, in øre.
const INVOICE_AMOUNT: u64 = 19_900;

/// How long an access token lives (its `expires_in`), in seconds of the
/// sandbox's clock.
const ACCESS_TOKEN_SECONDS: u64 = 43_200;

/// The provider ID the sandbox's Vipps agreements carry (the reference's example).
const VIPPS_PROVIDER_ID: i32 = 55;

/// A Mediaconnect customer, by number: a logged-in user is one (the
/// authorize request's `login_hint` picks which; the sandbox's own customer
/// without it). Each has their own payment methods, agreements and paid
/// invoices.
type Customer = u64;

/// Whose an access token is: the grant it came from decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// A logged-in user's (authorization code, refresh).
    User(Customer),
    /// The merchant's own (client credentials): the "client mode" calls.
    Client,
}

/// What a login-server page finishes, and for whom.
#[derive(Clone)]
struct Pending {
    customer: Customer,
    what: Started,
}

/// What a user started through the API.
#[derive(Clone)]
enum Started {
    Invoice { invoice_number: String },
    Change { product: String, method: String },
    Vipps { product: String },
}

#[derive(Default)]
pub(super) struct Store {
    /// Authorization codes not yet exchanged, each with the `redirect_uri`
    /// it was issued for (RFC 6749 §4.1.3: the token request must repeat it)
    /// and the user who logged in.
    codes: BTreeMap<String, (String, Customer)>,
    /// Access tokens, each with the sandbox time it expires at and whose
    /// it is (a user's, or the merchant's own for client mode).
    access_tokens: BTreeMap<String, (DateTime<Utc>, Holder)>,
    refresh_tokens: BTreeMap<String, Customer>,
    /// Customers who have logged in (client mode knows them, and the
    /// sandbox's own).
    customers: BTreeSet<Customer>,
    /// Active payment method by customer and product.
    methods: BTreeMap<(Customer, String), String>,
    pending: BTreeMap<i64, Pending>,
    /// Paid invoices by customer and number.
    paid_invoices: BTreeSet<(Customer, String)>,
    /// Valid Vipps agreements: their customer and product, by agreement reference.
    vipps_agreements: BTreeMap<String, (Customer, String)>,
}

impl Store {
    /// Whether client mode knows the customer.
    fn knows(&self, customer: Customer) -> bool {
        customer == credentials::MEDIACONNECT_CUSTOMER_NUMBER || self.customers.contains(&customer)
    }

    fn paid(&self, customer: Customer, invoice_number: &str) -> bool {
        self.paid_invoices
            .contains(&(customer, invoice_number.to_string()))
    }
}

const METHODS: [&str; 3] = [
    "invoice",
    "recurringPayExCardPayment",
    "recurringVippsPayment",
];

impl Capped for Store {
    type Key = i64;

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

super::serving::stand_in!(
    /// Mediaconnect as the sandbox serves it.
    Mediaconnect serves Api::Mediaconnect
);

impl Stand for Mediaconnect {
    /// An access token the login server issued, of the kind the call takes
    /// (a user's, acting for its customer; the merchant's own for client
    /// mode); otherwise its OAuth 401.
    fn authenticate(
        &self,
        operation: &'static Operation,
        call: &Call,
    ) -> Result<Option<String>, Answer> {
        let headers = call.headers();
        let token = super::bearer_token(headers).unwrap_or_default();
        let issued = self.0.mediaconnect().access_tokens.get(token).copied();
        let client_mode = operation.name == operations::LIST_CLIENT_INVOICES.name;
        let description = match issued {
            // The token answer's expires_in holds: move the sandbox's clock
            // past it and the client must refresh (RFC 6749 §1.5).
            Some((at, _)) if self.0.engine.now() >= at => "the access token has expired",
            Some((_, Holder::User(customer))) if !client_mode => {
                return Ok(Some(customer.to_string()));
            }
            Some((_, Holder::Client)) if client_mode => return Ok(None),
            Some((_, Holder::User(_))) => "client mode takes the client's own token, not a user's",
            Some((_, Holder::Client)) => "this call takes a user's token, not the client's",
            None => "the access token is not valid",
        };
        let body = OAuthError {
            error: Some("invalid_token".into()),
            error_description: Some(description.into()),
        };
        Err(PayInvoiceOutput::Unauthorized(body).into_answer())
    }

    /// Mediaconnect's own 400.
    fn malformed(&self, _: &'static Operation, problem: Malformed) -> Answer {
        let message = match problem.part {
            Part::Path => "productCode must be 1 to 12 characters".to_string(),
            Part::Query => "unpaid is true or false; from and to are YYYY-MM-DD".to_string(),
            _ => problem.to_string(),
        };
        PayInvoiceOutput::BadRequest(api_error(&message)).into_answer()
    }
}

impl Service for Mediaconnect {
    async fn list_payment_methods(
        &self,
        input: ListPaymentMethodsInput,
    ) -> ListPaymentMethodsOutput {
        let product = input.product_code.to_string();
        let store = self.0.mediaconnect();
        let active = store
            .methods
            .get(&(customer(), product))
            .map_or("invoice", String::as_str);
        let payment_method_response_items = METHODS
            .iter()
            .map(|m| PaymentMethodItem {
                payment_method: Some(m.to_string()),
                is_active: Some(if *m == active { "Y" } else { "N" }.to_string()),
            })
            .collect();
        ListPaymentMethodsOutput::Ok(PaymentMethods {
            payment_method_response_items,
        })
    }

    async fn change_payment_method(
        &self,
        input: ChangePaymentMethodInput,
    ) -> ChangePaymentMethodOutput {
        let product = input.product_code.to_string();
        let method = input.body.payment_method.to_string();
        let id = start(&self.0, Started::Change { product, method });
        ChangePaymentMethodOutput::Ok(PaymentChange {
            payment_change_id: Some(id),
        })
    }

    /// `success: false`, and no payment to finish, for an invoice that is
    /// paid already or not the user's (x-nordpay-inferred: the reference
    /// shows only `success: true`).
    async fn pay_invoice(&self, input: PayInvoiceInput) -> PayInvoiceOutput {
        let invoice_number = input.body.invoice_number.to_string();
        let payable = SANDBOX_INVOICES.contains(&invoice_number.as_str())
            && !self.0.mediaconnect().paid(customer(), &invoice_number);
        if !payable {
            return PayInvoiceOutput::Ok(not_started());
        }
        PayInvoiceOutput::Ok(started(&self.0, Started::Invoice { invoice_number }))
    }

    async fn list_vipps_agreements(
        &self,
        _: ListVippsAgreementsInput,
    ) -> ListVippsAgreementsOutput {
        let store = self.0.mediaconnect();
        let customer = customer();
        let recurring_agreements = store
            .vipps_agreements
            .iter()
            .filter(|(_, (holder, _))| *holder == customer)
            .map(|(reference, (_, product))| VippsAgreement {
                agreement_ref: Some(reference.clone()),
                payment_provider_id: Some(VIPPS_PROVIDER_ID),
                product_code: Some(product.clone()),
                extra: serde_json::Map::new(),
            })
            .collect();
        ListVippsAgreementsOutput::Ok(VippsAgreements {
            recurring_agreements,
        })
    }

    /// `success: false` for a product that has a valid Vipps agreement
    /// already (x-nordpay-inferred, as for invoices).
    async fn add_vipps_agreement(&self, input: AddVippsAgreementInput) -> AddVippsAgreementOutput {
        let product = input.body.product_code.to_string();
        let customer = customer();
        let has_one = self
            .0
            .mediaconnect()
            .vipps_agreements
            .values()
            .any(|(holder, p)| *holder == customer && *p == product);
        if has_one {
            return AddVippsAgreementOutput::Ok(not_started());
        }
        AddVippsAgreementOutput::Ok(started(&self.0, Started::Vipps { product }))
    }

    /// `success: false` for an agreement that is not (or no longer) there,
    /// so a repeated removal answers as the first did not.
    async fn remove_vipps_agreement(
        &self,
        input: RemoveVippsAgreementInput,
    ) -> RemoveVippsAgreementOutput {
        let request = input.body;
        let reference = request.agreement_ref.as_str();
        let mut store = self.0.mediaconnect();
        // Another user's agreement is not there for this one.
        let theirs = store
            .vipps_agreements
            .get(reference)
            .is_some_and(|(holder, _)| *holder == customer());
        let success = i64::from(request.payment_provider_id.get()) == i64::from(VIPPS_PROVIDER_ID)
            && theirs
            && store.vipps_agreements.remove(reference).is_some();
        RemoveVippsAgreementOutput::Ok(Removed {
            success: Some(success),
        })
    }

    async fn list_invoices(&self, input: ListInvoicesInput) -> ListInvoicesOutput {
        let filter = input.query;
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return ListInvoicesOutput::BadRequest(api_error("from is after to"));
        }
        let product = input.product_code.to_string();
        let store = self.0.mediaconnect();
        let customer = customer();
        let invoices = SANDBOX_INVOICES
            .iter()
            .map(|number| (number, store.paid(customer, number)))
            .filter(|(_, paid)| !(filter.unpaid == Some(true) && *paid))
            .map(|(number, paid)| invoice(number, &product, paid))
            .collect();
        ListInvoicesOutput::Ok(crate::mediaconnect::types::InvoicesAndReminders {
            invoices,
            reminders: Vec::new(),
        })
    }

    /// The invoice as details (the sandbox's invoices have no reminders):
    /// its fields of the list, in one object.
    async fn list_invoice_details(
        &self,
        input: ListInvoiceDetailsInput,
    ) -> ListInvoiceDetailsOutput {
        let query = input.query;
        let number = query.invoice_number.to_string();
        let known = SANDBOX_INVOICES.contains(&number.as_str())
            && query.company_code.as_str() == SANDBOX_COMPANY
            && query.reminder_number.0 == 0;
        if !known {
            return ListInvoiceDetailsOutput::NotFound(api_error("no such invoice or reminder"));
        }
        let paid = self.0.mediaconnect().paid(customer(), &number);
        let details = match serde_json::to_value(invoice(&number, SANDBOX_PRODUCT, paid)) {
            Ok(serde_json::Value::Object(details)) => details,
            _ => serde_json::Map::new(),
        };
        ListInvoiceDetailsOutput::Ok(crate::mediaconnect::types::InvoiceDetails(details))
    }

    /// A customer's invoices of the product, as client mode shows them:
    /// the sandbox's own customer or one who has logged in; any other is
    /// not found.
    async fn list_client_invoices(
        &self,
        input: ListClientInvoicesInput,
    ) -> ListClientInvoicesOutput {
        let store = self.0.mediaconnect();
        let customer = u64::try_from(input.customer_number.get()).unwrap_or(0);
        if !store.knows(customer) {
            return ListClientInvoicesOutput::NotFound(api_error("no such customer"));
        }
        let product = input.product_code.to_string();
        let client_invoice_info_list = SANDBOX_INVOICES
            .iter()
            .map(|number| client_invoice(customer, number, &product, store.paid(customer, number)))
            .collect();
        ListClientInvoicesOutput::Ok(crate::mediaconnect::types::ClientInvoices {
            client_invoice_info_list,
        })
    }
}

/// The logged-in user a call acts for (its access token's; the adapter
/// authenticated it).
fn customer() -> Customer {
    super::serving::caller()
        .and_then(|caller| caller.parse().ok())
        .unwrap_or(credentials::MEDIACONNECT_CUSTOMER_NUMBER)
}

/// The sandbox's invoices (every customer has them for every product, each
/// paid or not on its own), and who invoices them.
const SANDBOX_INVOICES: [&str; 3] = ["1001", "1002", faults::FAILING_INVOICE];
const SANDBOX_COMPANY: &str = "SANDBOX";
/// The product an invoice's details name (details are asked by number).
const SANDBOX_PRODUCT: &str = "SANDBOX";

/// A sandbox invoice as client mode shows it.
fn client_invoice(
    customer: Customer,
    number: &str,
    product: &str,
    paid: bool,
) -> crate::mediaconnect::types::ClientInvoice {
    let kroner = INVOICE_AMOUNT as f64 / 100.0;
    crate::mediaconnect::types::ClientInvoice {
        invoice_id: Some(number.to_string()),
        customer_number: i64::try_from(customer).ok(),
        company_code: Some(SANDBOX_COMPANY.to_string()),
        product: Some(product.to_string()),
        amount: Some(kroner),
        invoice_amount: Some(kroner),
        paid_amount: Some(if paid { kroner } else { 0.0 }),
        payment_status: Some(if paid { "1" } else { "0" }.to_string()),
        desc: Vec::new(),
        due_date: None,
        from_time: None,
        incltime: None,
        invoice_date: None,
        invoice_hotel_url: None,
        invoice_line_info: Vec::new(),
        invoice_offer_count: None,
        payment_date: None,
        payment_method: None,
        period: None,
        period_unit: None,
        product_name: None,
        extra: serde_json::Map::new(),
    }
}

/// A sandbox invoice of `product`.
fn invoice(number: &str, product: &str, paid: bool) -> crate::mediaconnect::types::Invoice {
    crate::mediaconnect::types::Invoice {
        invoice_number: Some(number.to_string()),
        company_code: Some(SANDBOX_COMPANY.to_string()),
        product: Some(product.to_string()),
        amount: Some(INVOICE_AMOUNT as f64 / 100.0),
        invoice_amount: Some(format!(
            "{}.{:02}",
            INVOICE_AMOUNT / 100,
            INVOICE_AMOUNT % 100
        )),
        payment_status: Some(if paid { "1" } else { "0" }.to_string()),
        invoice_status: Some(if paid { "Paid" } else { "Invoiced" }.to_string()),
        customer_number: None,
        due_date: None,
        invoice_date: None,
        invoice_hotel_url: None,
        invoice_offer_count: None,
        paid_amount: None,
        payment_date: None,
        payment_method: None,
        product_name: None,
        extra: serde_json::Map::new(),
    }
}

impl Actions for Mediaconnect {
    /// A payment still open at the login server can be finished, failed or
    /// cancelled, as the user would.
    fn offered(record: &Record) -> Vec<Action> {
        let open = [Outcome::Initiated, Outcome::Unknown]
            .iter()
            .any(|outcome| record.state == outcome.as_str());
        let finish = match record.id.kind {
            _ if !open => return Vec::new(),
            Kind::InvoicePayment => action("finished", "Mark invoice paid"),
            Kind::PaymentChange | Kind::VippsAgreement => action("finished", "Confirm"),
            _ => return Vec::new(),
        };
        let fail = match record.id.kind {
            Kind::InvoicePayment => action("failed", "Fail payment"),
            _ => action("failed", "Fail"),
        };
        vec![finish, fail, action("cancelled", "Cancel")]
    }

    fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String> {
        let (Ok(number), Ok(outcome)) = (id.id.parse::<i64>(), action.parse::<Outcome>()) else {
            return refused(id, action, "no such action");
        };
        settle(shared, number, outcome, "the dashboard")
            .map(drop)
            .map_or_else(|| refused(id, action, "the payment is no longer open"), Ok)
    }
}

/// How to reach this stand-in.
pub(super) fn details(sandbox: &super::Sandbox) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("api_url", sandbox.mediaconnect_api_url().as_str().into()),
        (
            "login_url",
            sandbox.mediaconnect_login_url().as_str().into(),
        ),
        (
            "client_id",
            super::credentials::MEDIACONNECT_CLIENT_ID.into(),
        ),
        (
            "client_secret",
            super::credentials::MEDIACONNECT_CLIENT_SECRET.into(),
        ),
        (
            "customer_number",
            super::credentials::MEDIACONNECT_CUSTOMER_NUMBER.into(),
        ),
    ]
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

fn api_error(message: &str) -> ApiError {
    ApiError {
        exception_type: Some("ValidationException".into()),
        error_message: Some(message.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    /// As sent: the token request must repeat it to the letter.
    redirect_uri: String,
    state: Option<String>,
    /// Which customer logs in (x-nordpay-inferred: OpenID Connect's
    /// `login_hint`, as a customer number); the sandbox's own without it.
    login_hint: Option<String>,
}

/// The user "logs in" at once: the sandbox redirects back with a code.
async fn authorize(State(shared): State<Shared>, Query(query): Query<AuthorizeQuery>) -> Response {
    if query.response_type != "code" || query.client_id != credentials::MEDIACONNECT_CLIENT_ID {
        return (StatusCode::BAD_REQUEST, "unknown client or response type").into_response();
    }
    let Ok(mut target) = Url::parse(&query.redirect_uri) else {
        return (
            StatusCode::BAD_REQUEST,
            "redirect_uri is not an absolute URL",
        )
            .into_response();
    };
    let customer = match query.login_hint.as_deref() {
        None => credentials::MEDIACONNECT_CUSTOMER_NUMBER,
        Some(hint) => match hint.parse::<crate::mediaconnect::CustomerNumber>() {
            Ok(number) => u64::try_from(number.get()).unwrap_or_default(),
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    "login_hint is a customer number (1 to 9223372036854775807)",
                )
                    .into_response();
            }
        },
    };
    let mut state = shared.mediaconnect();
    let code = format!("mc-code-{}", shared.engine.next());
    state
        .codes
        .insert(code.clone(), (query.redirect_uri, customer));
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(csrf) = &query.state {
        target.query_pairs_mut().append_pair("state", csrf);
    }
    Redirect::to(target.as_str()).into_response()
}

/// The login server's token answer (RFC 6749 §5.1).
#[derive(serde::Serialize)]
struct Tokens {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// The client's credentials, by the one method it used (RFC 6749 §2.3.1):
/// HTTP Basic, which the server MUST support (what common OAuth libraries
/// send by default), or `client_id` and `client_secret` in the form body.
fn client_credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Result<(), Response> {
    let field = |name: &str| form.get(name).map(String::as_str);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"));
    let Some((_, encoded)) = basic else {
        return if field("client_id") == Some(credentials::MEDIACONNECT_CLIENT_ID)
            && field("client_secret") == Some(credentials::MEDIACONNECT_CLIENT_SECRET)
        {
            Ok(())
        } else {
            Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client or wrong secret",
            ))
        };
    };
    // "The client MUST NOT use more than one authentication method in each request."
    if field("client_secret").is_some() {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the client authenticated twice (HTTP Basic and client_secret)",
        ));
    }
    // Each part is form-urlencoded before it is joined and base64-encoded.
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let pair = decoded
        .as_deref()
        .and_then(|text| text.split_once(':'))
        .map(|(id, secret)| {
            let plain = |part: &str| {
                url::form_urlencoded::parse(format!("x={part}").as_bytes())
                    .next()
                    .map(|(_, value)| value.into_owned())
                    .unwrap_or_default()
            };
            (plain(id), plain(secret))
        });
    let known = pair.is_some_and(|(id, secret)| {
        id == credentials::MEDIACONNECT_CLIENT_ID
            && secret == credentials::MEDIACONNECT_CLIENT_SECRET
            && field("client_id").is_none_or(|body_id| body_id == id)
    });
    if known {
        return Ok(());
    }
    // §5.2: a client that authenticated by the Authorization header gets
    // 401 with WWW-Authenticate for the scheme it used.
    let mut refused = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "unknown client or wrong secret",
    );
    refused.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"mediaconnect\""),
    );
    Err(refused)
}

async fn token(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str);
    if let Err(refused) = client_credentials(&headers, &form) {
        return refused;
    }
    let mut state = shared.mediaconnect();
    let store = &mut *state;
    let granted = match field("grant_type") {
        // §4.1.3: the redirect_uri must be the authorization request's, to the letter.
        Some("authorization_code") => match field("code").and_then(|code| store.codes.remove(code))
        {
            Some((issued_for, customer)) if field("redirect_uri") == Some(issued_for.as_str()) => {
                Some(customer)
            }
            Some(_) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri is not the one the code was issued for",
                );
            }
            None => None,
        },
        Some("refresh_token") => {
            field("refresh_token").and_then(|t| store.refresh_tokens.remove(t))
        }
        // §4.4: the client authenticated above is all it takes; no refresh
        // token is issued (§4.4.3).
        Some("client_credentials") => {
            let n = shared.engine.next();
            let access = format!("mc-ct-{n}");
            let expires =
                shared.engine.now() + chrono::Duration::seconds(ACCESS_TOKEN_SECONDS as i64);
            store
                .access_tokens
                .insert(access.clone(), (expires, Holder::Client));
            return axum::Json(Tokens {
                access_token: access,
                token_type: "bearer",
                expires_in: ACCESS_TOKEN_SECONDS,
                refresh_token: None,
            })
            .into_response();
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code, refresh_token or client_credentials",
            );
        }
    };
    let Some(customer) = granted else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code or refresh token is not valid",
        );
    };
    store.customers.insert(customer);
    let n = shared.engine.next();
    let (access, refresh) = (format!("mc-at-{n}"), format!("mc-rt-{n}"));
    let expires = shared.engine.now() + chrono::Duration::seconds(ACCESS_TOKEN_SECONDS as i64);
    store
        .access_tokens
        .insert(access.clone(), (expires, Holder::User(customer)));
    store.refresh_tokens.insert(refresh.clone(), customer);
    axum::Json(Tokens {
        access_token: access,
        token_type: "bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: Some(refresh),
    })
    .into_response()
}

impl Pending {
    /// What its record is on the dashboard.
    fn kind(&self) -> Kind {
        match self.what {
            Started::Invoice { .. } => Kind::InvoicePayment,
            Started::Change { .. } => Kind::PaymentChange,
            Started::Vipps { .. } => Kind::VippsAgreement,
        }
    }

    /// Its record on the dashboard, opened.
    fn opened(&self, id: i64) -> Happened {
        let (amount, mut keys) = match &self.what {
            Started::Invoice { invoice_number } => (
                crate::money::Money::new("NOK", INVOICE_AMOUNT).ok(),
                vec![("invoice", invoice_number.clone())],
            ),
            Started::Change { product, method } => (
                None,
                vec![("product", product.clone()), ("method", method.clone())],
            ),
            Started::Vipps { product } => (None, vec![("product", product.clone())]),
        };
        keys.push(("customer", self.customer.to_string()));
        let mut happened = Happened::nothing();
        let record = RecordId::new(self.kind(), id.to_string());
        let what = "started by the service; the user is sent to the login server";
        happened.open(record, Outcome::Initiated.as_str(), amount, keys, what);
        happened
    }
}

impl Kept<Store> {
    /// `records` invoice payments started and never finished (load benches).
    pub(super) fn preload(&mut self, engine: &super::engine::Engine, cap: usize, records: usize) {
        for _ in 0..records {
            let id = 12_000_000 + i64::try_from(engine.next()).unwrap_or(0);
            let pending = Pending {
                customer: credentials::MEDIACONNECT_CUSTOMER_NUMBER,
                what: Started::Invoice {
                    invoice_number: "1001".into(),
                },
            };
            self.pending.insert(id, pending);
            self.admit(id, cap);
        }
    }
    /// Remember what a login-server page is to finish, as `id`.
    fn start(&mut self, id: i64, pending: Pending, cap: usize) -> Happened {
        let happened = pending.opened(id);
        self.pending.insert(id, pending);
        self.admit(id, cap);
        happened
    }

    /// See [`settle`].
    fn settle(
        &mut self,
        id: i64,
        chosen: Outcome,
        by: &str,
        vipps_reference: impl FnOnce() -> String,
    ) -> Option<(Outcome, Happened)> {
        // A pending or lost payment stays open: the page can be visited again.
        let open = matches!(chosen, Outcome::Initiated | Outcome::Unknown);
        let pending = if open {
            self.pending.get(&id).cloned()
        } else {
            self.pending.remove(&id)
        }?;
        let kind = pending.kind();
        let result = match (&pending.what, chosen) {
            (Started::Invoice { invoice_number }, _)
                if invoice_number == faults::FAILING_INVOICE =>
            {
                Outcome::Failed
            }
            (_, chosen) => chosen,
        };
        if result == Outcome::Finished {
            let customer = pending.customer;
            match pending.what {
                Started::Invoice { invoice_number } => {
                    self.paid_invoices.insert((customer, invoice_number));
                }
                Started::Change { product, method } => {
                    self.methods.insert((customer, product), method);
                }
                Started::Vipps { product } => {
                    self.vipps_agreements
                        .insert(vipps_reference(), (customer, product.clone()));
                    self.methods
                        .insert((customer, product), "recurringVippsPayment".into());
                }
            }
        }
        let what = if result == chosen {
            format!("{by} chose {}", result.as_str())
        } else {
            format!(
                "{by} chose {}; the invoice is one that fails",
                chosen.as_str()
            )
        };
        let mut happened = Happened::nothing();
        happened.step(
            RecordId::new(kind, id.to_string()),
            Some(result.as_str().to_string()),
            what,
        );
        Some((result, happened))
    }
}

/// Remember what a login-server page is to finish, for the calling user; its ID.
fn start(shared: &Shared, what: Started) -> i64 {
    let pending = Pending {
        customer: customer(),
        what,
    };
    let id = 12_000_000 + i64::try_from(shared.engine.next()).unwrap_or(0);
    let happened = shared.mediaconnect().start(id, pending, shared.record_cap);
    shared.publish(happened);
    id
}

/// The answer to a payment that was not started: nothing to finish.
fn not_started() -> PaymentStarted {
    PaymentStarted {
        success: Some(false),
        transaction_id: None,
    }
}

/// The answer to a started payment: `{success, transactionId}`.
fn started(shared: &Shared, what: Started) -> PaymentStarted {
    PaymentStarted {
        success: Some(true),
        transaction_id: Some(start(shared, what)),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQuery {
    return_url: Url,
    error_url: Url,
    transaction_id: Option<i64>,
    payment_change_id: Option<i64>,
    /// The old PayEx recurrence token, when a change replaces a valid card.
    ticket: Option<String>,
}

/// The payment method whose change needs the old card's `ticket`.
const PAYEX_CARD: &str = "recurringPayExCardPayment";

/// A login-server page: the user picks what happens.
async fn page(State(shared): State<Shared>, Query(query): Query<PageQuery>) -> Response {
    let Some(id) = query.transaction_id.or(query.payment_change_id) else {
        return Redirect::to(query.error_url.as_str()).into_response();
    };
    // "When the user already has a valid ticket on the product, the new
    // ticket must be authorized by verification and the old one removed
    // ... by adding &ticket=<recurrence token>": without it the change
    // cannot be made (x-nordpay-inferred: the user is sent to errorUrl).
    // The token's value is not checked: no API tells a merchant the
    // sandbox's.
    let refused = {
        let store = shared.mediaconnect();
        match store.pending.get(&id) {
            None => true,
            Some(Pending {
                customer,
                what: Started::Change { product, method },
            }) if method == PAYEX_CARD => {
                let replaces = store
                    .methods
                    .get(&(*customer, product.clone()))
                    .is_some_and(|active| active == PAYEX_CARD);
                replaces && query.ticket.as_deref().is_none_or(str::is_empty)
            }
            Some(_) => false,
        }
    };
    if refused {
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
    let vipps_reference = || format!("sandbox-vipps-{}", shared.engine.next());
    let (result, happened) = shared
        .mediaconnect()
        .settle(id, chosen, by, vipps_reference)?;
    shared.publish(happened);
    Some(result)
}
