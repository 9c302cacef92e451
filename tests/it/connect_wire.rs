//! CONNECT Payment on the wire: for every operation, the exact request the
//! client sends and the decoding of the docs' responses and error statuses.
#![cfg(feature = "connect")]

use nordpay::connect::{
    Auth, Client, Environment, Error, Money, ProviderError, TransportError, VatRate, location,
    types,
};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// "client:secret" as HTTP Basic credentials.
const BASIC: &str = "Basic Y2xpZW50OnNlY3JldA==";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/connect/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A mock server answering every request with `response`, and a client of it.
async fn serve(response: ResponseTemplate) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    let client = client_for(&server, Auth::api_key("client:secret"));
    (server, client)
}

fn client_for(server: &MockServer, auth: Auth) -> Client {
    let url = server.uri().parse().expect("mock server URI");
    Client::builder(Environment::Custom(url), auth)
        .build()
        .expect("client builds")
}

/// The one request the server received.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// Method, path, query, auth and content negotiation of a request.
fn assert_request(request: &Request, method: &str, path: &str, query: &[(&str, &str)]) {
    assert_eq!(request.method.as_str(), method);
    assert_eq!(request.url.path(), path);
    let sent: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(sent, expected, "query of {method} {path}");
    assert_eq!(header(request, "authorization"), Some(BASIC));
    assert_eq!(header(request, "accept"), Some("application/json"));
    // progenitor adds the spec version as a header; CONNECT has no such header.
    assert_eq!(header(request, "api-version"), None);
}

fn assert_json_body(request: &Request, expected: Value) {
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    assert_eq!(body, expected);
}

fn assert_no_body(request: &Request) {
    assert!(request.body.is_empty(), "unexpected body");
}

fn new_transaction_from_docs() -> types::builder::NewTransaction {
    let unicorn = |name: &str| {
        types::Product::builder()
            .name(name)
            .price(Money::new("USD", 4999).unwrap())
            .vat_rate(Some(VatRate::from_percent(10).unwrap()))
    };
    types::NewTransaction::builder()
        .order_id("4d35310c")
        .purchase_description("Purchase for TestMerchant")
        .amount("USD 99.98".parse::<Money>().unwrap())
        .vat_rate("0.10".parse::<VatRate>().unwrap())
        .success_redirect("http://example.com/receipt/4d35310c")
        .cancel_redirect("http://example.com/products")
        .products(vec![
            unicorn("Red Unicorn").try_into().unwrap(),
            unicorn("Blue Unicorn").try_into().unwrap(),
        ])
}

/// The request body of the docs' create-transaction example.
fn new_transaction_json() -> Value {
    json!({
        "orderId": "4d35310c",
        "purchaseDescription": "Purchase for TestMerchant",
        "amount": "USD 99.98",
        "vatRate": "0.10",
        "successRedirect": "http://example.com/receipt/4d35310c",
        "cancelRedirect": "http://example.com/products",
        "products": [
            { "name": "Red Unicorn", "price": "USD 49.99", "vatRate": "0.10" },
            { "name": "Blue Unicorn", "price": "USD 49.99", "vatRate": "0.10" }
        ]
    })
}

#[tokio::test]
async fn create_transaction_sends_the_docs_request_and_decodes_the_201() {
    let (server, client) = serve(
        ResponseTemplate::new(201)
            .insert_header(
                "location",
                "https://payment.telenordigital.com/transactions/wYRR_DeITSuqGwiG7JsTPA",
            )
            .set_body_json(fixture("transaction_created.json")),
    )
    .await;

    let response = client
        .create_transaction()
        .body(new_transaction_from_docs())
        .send()
        .await
        .expect("201 decodes");

    let request = only_request(&server).await;
    assert_request(&request, "POST", "/transactions", &[]);
    assert_json_body(&request, new_transaction_json());

    assert_eq!(response.status(), 201);
    assert_eq!(
        location(&response).unwrap().as_str(),
        "https://payment.telenordigital.com/transactions/wYRR_DeITSuqGwiG7JsTPA"
    );
    let transaction = response.into_inner();
    assert_eq!(transaction.id, "wYRR_DeITSuqGwiG7JsTPA");
    assert_eq!(transaction.state, types::TransactionState::Started);
    assert_eq!(transaction.type_, Some(types::TransactionType::Charge));
    assert_eq!(transaction.amount, Money::new("USD", 9998).unwrap());
    assert_eq!(
        transaction.vat_amount,
        Some(Money::new("USD", 999).unwrap())
    );
    assert_eq!(
        transaction.vat_rate,
        Some(VatRate::from_percent(10).unwrap())
    );
    assert_eq!(transaction.connect_id.as_deref(), Some("584xxxx72"));
    assert_eq!(transaction.allowed_payment_methods, None);
    assert_eq!(
        transaction.charged_payment_method.as_deref(),
        Some("NOT_SELECTED")
    );
    assert_eq!(
        transaction.start_time.unwrap().to_rfc3339(),
        "2010-01-02T03:05:06+00:00"
    );
    assert_eq!(transaction.products.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        transaction.payment_link().unwrap().as_str(),
        "https://payment.telenordigital.com/transactions/wYRR_DeITSuqGwiG7JsTPA"
    );
}

#[tokio::test]
async fn an_order_id_over_100_characters_is_refused_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(201)).await;
    let error = client
        .create_transaction()
        .body(new_transaction_from_docs().order_id("x".repeat(101)))
        .send()
        .await
        .expect_err("101 characters is over the limit");

    assert!(
        matches!(&error, Error::InvalidRequest(message) if message.contains("order_id")),
        "{error}"
    );
    assert!(
        error.to_string().contains("longer than 100 characters"),
        "{error}"
    );
    let requests = server.received_requests().await.unwrap();
    assert!(requests.is_empty(), "nothing may reach the server");

    // 100 characters is still fine.
    client
        .create_transaction()
        .body(new_transaction_from_docs().order_id("x".repeat(100)))
        .send()
        .await
        .expect_err("the mock's empty 201 body does not decode");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn products_that_do_not_add_up_are_refused_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(201)).await;
    let product = |price: &str, vat: u8| {
        types::Product::builder()
            .name("Unicorn")
            .price(price.parse::<Money>().unwrap())
            .vat_rate(Some(VatRate::from_percent(vat).unwrap()))
            .try_into()
            .unwrap()
    };
    let broken = [
        (
            new_transaction_from_docs().products(vec![product("USD 49.99", 10)]),
            "products:",
        ),
        (
            new_transaction_from_docs()
                .products(vec![product("USD 49.99", 10), product("EUR 49.99", 10)]),
            "products[1].price",
        ),
        (
            new_transaction_from_docs()
                .products(vec![product("USD 49.99", 25), product("USD 49.99", 15)]),
            "vatRate",
        ),
        (
            new_transaction_from_docs().products(vec![
                product("USD 49.99", 10),
                types::Product::builder()
                    .name("Subscription")
                    .price("USD 49.99".parse::<Money>().unwrap())
                    .sku(Some("premium".parse().unwrap()))
                    .try_into()
                    .unwrap(),
            ]),
            "products[1].timeSpec",
        ),
    ];
    for (builder, path) in broken {
        let error = client.create_transaction().body(builder).send().await;
        assert!(
            matches!(&error, Err(Error::InvalidRequest(m)) if m.contains(path)),
            "{path}: {error:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // The docs' own list adds up, and a vatRate read as a number is the same rate.
    let rate: VatRate = serde_json::from_value(json!(0.1)).unwrap();
    assert_eq!(rate, VatRate::from_percent(10).unwrap());
}

#[tokio::test]
async fn other_length_limits_are_enforced_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(201)).await;
    let too_long = [
        new_transaction_from_docs().purchase_description("d".repeat(1024)),
        new_transaction_from_docs().success_redirect(format!("https://e.com/{}", "p".repeat(140))),
        new_transaction_from_docs().cancel_redirect(format!("https://e.com/{}", "p".repeat(140))),
    ];
    for builder in too_long {
        let error = client.create_transaction().body(builder).send().await;
        assert!(matches!(error, Err(Error::InvalidRequest(_))), "{error:?}");
    }
    assert!(types::ProductName::try_from("n".repeat(146)).is_err());
    assert!(types::Sku::try_from("s".repeat(146)).is_err());
    assert!(types::Sku::try_from("s".repeat(145)).is_ok());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_transactions_sends_every_filter() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!([
        fixture("transaction_created.json"),
        fixture("transaction_refund.json"),
    ])))
    .await;

    let transactions = client
        .list_transactions()
        .connect_id("123456789")
        .state(types::TransactionState::Completed)
        .order_id("4d35310c")
        .type_(types::TransactionType::Charge)
        .charge_token("ct-1")
        .remote_transaction_id("remote-9")
        .latest_only(true)
        .sort(types::SortDirection::Desc)
        .limit(3u32)
        .offset(0u32)
        .send()
        .await
        .expect("200 decodes")
        .into_inner();

    let request = only_request(&server).await;
    assert_request(
        &request,
        "GET",
        "/transactions",
        &[
            ("chargeToken", "ct-1"),
            ("connectId", "123456789"),
            ("latestOnly", "true"),
            ("limit", "3"),
            ("offset", "0"),
            ("orderId", "4d35310c"),
            ("remoteTransactionId", "remote-9"),
            ("sort", "desc"),
            ("state", "COMPLETED"),
            ("type", "CHARGE"),
        ],
    );
    assert_no_body(&request);
    assert_eq!(transactions.len(), 2);
    assert_eq!(transactions[1].type_, Some(types::TransactionType::Refund));
}

#[tokio::test]
async fn list_transactions_without_filters_sends_no_query() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!([]))).await;
    let transactions = client
        .list_transactions()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(transactions.is_empty());
    assert_request(&only_request(&server).await, "GET", "/transactions", &[]);
}

#[tokio::test]
async fn get_transaction_uses_the_server_id() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("transaction_created.json"))).await;
    let transaction = client
        .get_transaction()
        .transaction_id("wYRR_DeITSuqGwiG7JsTPA")
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(&request, "GET", "/transactions/wYRR_DeITSuqGwiG7JsTPA", &[]);
    assert_no_body(&request);
    assert_eq!(transaction.order_id, "4d35310c");
}

#[tokio::test]
async fn states_and_types_the_docs_do_not_list_are_kept_not_fatal() {
    let mut body = fixture("transaction_created.json");
    body["state"] = json!("ON_HOLD_FOR_REVIEW");
    body["type"] = json!("INSTALMENT");
    let (_server, client) = serve(ResponseTemplate::new(200).set_body_json(body)).await;
    let transaction = client
        .get_transaction()
        .transaction_id("wYRR_DeITSuqGwiG7JsTPA")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        transaction.state,
        types::TransactionState::Unknown("ON_HOLD_FOR_REVIEW".into())
    );
    let kind = transaction.type_.unwrap();
    assert_eq!(kind.as_str(), "INSTALMENT");
    assert!(!kind.is_known());
    // The record is whole: its id and links are there to find the money.
    assert_eq!(transaction.order_id, "4d35310c");

    let mut agreement = fixture("agreement_created.json");
    agreement["state"] = json!("SUSPENDED");
    let (_server, client) = serve(ResponseTemplate::new(200).set_body_json(agreement)).await;
    let agreement = client
        .get_agreement()
        .agreement_id("a-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(agreement.state.to_string(), "SUSPENDED");
    // Documented values are the named variants.
    assert_eq!(
        "COMPLETED".parse::<types::TransactionState>().unwrap(),
        types::TransactionState::Completed
    );
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("transaction_created.json"))).await;
    client
        .get_transaction()
        .transaction_id("a/b?c")
        .send()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), "/transactions/a%2Fb%3Fc");
}

/// A URL parser resolves a `..` segment (and drops `.`): formatted into the
/// path, such an ID would reach another resource with the merchant's key.
#[tokio::test]
async fn a_path_parameter_that_would_leave_its_segment_is_refused_before_sending() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("transaction_created.json"))).await;
    for id in ["..", ".", ""] {
        let error = client
            .get_transaction()
            .transaction_id(id)
            .send()
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert!(error.to_string().contains("transaction_id"), "{error}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn refund_sends_issuer_and_reason_and_decodes_the_refund_transaction() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("transaction_refund.json"))).await;
    let refund = client
        .refund_transaction()
        .transaction_id("wYRR_DeITSuqGwiG7JsTPA")
        .body(
            types::RefundRequest::builder()
                .refund_issuer("refundissuer@example.com")
                .refund_reason("Reason for issuing refund."),
        )
        .send()
        .await
        .unwrap()
        .into_inner();

    let request = only_request(&server).await;
    assert_request(
        &request,
        "POST",
        "/transactions/wYRR_DeITSuqGwiG7JsTPA/refunds",
        &[],
    );
    assert_json_body(
        &request,
        json!({
            "refundIssuer": "refundissuer@example.com",
            "refundReason": "Reason for issuing refund."
        }),
    );
    assert_eq!(refund.type_, Some(types::TransactionType::Refund));
    assert_eq!(refund.state, types::TransactionState::Completed);
    assert_eq!(
        refund.refund_for_transaction_id.as_deref(),
        Some("wYRR_DeITSuqGwiG7JsTPA")
    );
    assert_eq!(refund.amount, Money::new("NOK", 100).unwrap());
    assert_eq!(refund.vat_rate, None);
    let instrument = refund.payment_instrument.expect("instrument");
    assert_eq!(instrument.payment_method.as_deref(), Some("CREDIT_CARD"));
    let info = instrument.payment_instrument_info.expect("instrument info");
    assert_eq!(info.last4.as_deref(), Some("4242"));
    assert_eq!(info.type_.as_deref(), Some("CARD_ISSUER"));
}

fn new_agreement_from_docs() -> types::builder::NewAgreement {
    let transaction = types::NewTransaction::builder()
        .order_id("4d35310c")
        .purchase_description("Unlimited Access to Something")
        .amount(Money::new("USD", 4999).unwrap())
        .vat_rate(VatRate::from_percent(10).unwrap())
        .success_redirect("https://example.com/receipt/4d35310c")
        .cancel_redirect("https://example.com/products")
        .products(vec![
            types::Product::builder()
                .name("Red Unicorn")
                .price(Money::new("USD", 4999).unwrap())
                .vat_rate(Some(VatRate::from_percent(10).unwrap()))
                .sku(Some("CMO-UNI-1-R".try_into().unwrap()))
                .time_spec(Some(types::IsoDuration("P1M".into())))
                .try_into()
                .unwrap(),
        ]);
    types::NewAgreement::builder()
        .connect_id(Some("584xxxx72".to_string()))
        .recurrence_time_spec("R/P1M")
        .verification_transaction(transaction)
        .trial(Some(
            types::TrialPeriod::builder()
                .period(types::IsoDuration("P1M".into()))
                .try_into()
                .unwrap(),
        ))
}

#[tokio::test]
async fn create_agreement_sends_the_docs_request_and_decodes_the_201() {
    let (server, client) = serve(
        ResponseTemplate::new(201)
            .insert_header(
                "location",
                "https://payment.telenordigital.com/agreements/zU314qSETx-B3fUszBzssg",
            )
            .set_body_json(fixture("agreement_created.json")),
    )
    .await;
    let response = client
        .create_agreement()
        .body(new_agreement_from_docs())
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_request(&request, "POST", "/agreements", &[]);
    assert_json_body(
        &request,
        json!({
            "connectId": "584xxxx72",
            "recurrenceTimeSpec": "R/P1M",
            "verificationTransaction": {
                "orderId": "4d35310c",
                "purchaseDescription": "Unlimited Access to Something",
                "amount": "USD 49.99",
                "vatRate": "0.10",
                "successRedirect": "https://example.com/receipt/4d35310c",
                "cancelRedirect": "https://example.com/products",
                "products": [{
                    "name": "Red Unicorn", "price": "USD 49.99", "vatRate": "0.10",
                    "sku": "CMO-UNI-1-R", "timeSpec": "P1M"
                }]
            },
            "trial": { "period": "P1M" }
        }),
    );

    assert_eq!(
        location(&response).unwrap().path(),
        "/agreements/zU314qSETx-B3fUszBzssg"
    );
    let agreement = response.into_inner();
    assert_eq!(agreement.id, "zU314qSETx-B3fUszBzssg");
    assert_eq!(agreement.state, types::AgreementState::Created);
    assert_eq!(agreement.has_active_right, Some(false));
    assert_eq!(agreement.trial.as_ref().unwrap().period.0, "P1W");
    let verification = agreement.verification_transaction.as_ref().unwrap();
    // The docs' response sends vatRate as the number 0.1.
    assert_eq!(
        verification.vat_rate,
        Some(VatRate::from_percent(10).unwrap())
    );
    assert!(verification.links.is_none());
    assert_eq!(
        agreement.payment_link().unwrap().as_str(),
        "https://payment.telenordigital.com/transactions/Dy-WcDx8T2iCMCy5RAdRqQ"
    );
}

#[tokio::test]
async fn list_agreements_sends_connect_id_and_state() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!([
        fixture("agreement_created.json"),
        fixture("agreement_stopped.json"),
    ])))
    .await;
    let agreements = client
        .list_agreements()
        .connect_id("123456789")
        .state(types::AgreementState::Active)
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(
        &request,
        "GET",
        "/agreements",
        &[("connectId", "123456789"), ("state", "ACTIVE")],
    );
    assert_no_body(&request);
    assert_eq!(agreements.len(), 2);
    assert_eq!(agreements[1].state, types::AgreementState::Stopped);
}

#[tokio::test]
async fn list_agreements_requires_a_connect_id() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!([]))).await;
    let error = client.list_agreements().send().await;
    assert!(
        matches!(&error, Err(Error::InvalidRequest(m)) if m.contains("connect_id")),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_agreement_uses_the_agreement_id() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("agreement_created.json"))).await;
    let agreement = client
        .get_agreement()
        .agreement_id("zU314qSETx-B3fUszBzssg")
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(&request, "GET", "/agreements/zU314qSETx-B3fUszBzssg", &[]);
    assert_no_body(&request);
    assert_eq!(
        agreement.recurrence_time_spec.as_deref(),
        Some("R/2015-05-21T12:07:34.284Z/P1M")
    );
}

#[tokio::test]
async fn stop_agreement_is_a_get_and_decodes_the_stopped_agreement() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(fixture("agreement_stopped.json"))).await;
    let agreement = client
        .stop_agreement()
        .agreement_id("fMnTBWJMQ6yKMis2DQ4QNA")
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(
        &request,
        "GET",
        "/agreements/fMnTBWJMQ6yKMis2DQ4QNA/stop",
        &[],
    );
    assert_no_body(&request);
    assert_eq!(agreement.state, types::AgreementState::Stopped);
    let verification = agreement.verification_transaction.unwrap();
    assert_eq!(verification.state, types::TransactionState::Completed);
    assert_eq!(
        verification.vat_amount,
        Some(Money::new("NOK", 10).unwrap())
    );
}

/// How each documented error status comes back.
struct ErrorCase {
    status: u16,
    body: ResponseTemplate,
    expected: ProviderError,
}

fn json_error(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn text_error(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/plain")
        .set_body_string(text)
}

fn provider(namespace: Option<&str>, code: Option<&str>, message: Option<&str>) -> ProviderError {
    ProviderError {
        namespace: namespace.map(str::to_string),
        code: code.map(str::to_string),
        message: message.map(str::to_string),
    }
}

fn documented_errors() -> Vec<ErrorCase> {
    let payment_error = |status| ErrorCase {
        status,
        body: json_error(
            status,
            json!({"errorNamespace": "telenordigital.payment", "errorCode": 4001, "errorMessage": "Invalid amount"}),
        ),
        expected: provider(
            Some("telenordigital.payment"),
            Some("4001"),
            Some("Invalid amount"),
        ),
    };
    vec![
        payment_error(400),
        ErrorCase {
            status: 401,
            body: json_error(
                401,
                json!({"errorNamespace": "null", "errorCode": null, "errorMessage": "Unauthorized access"}),
            ),
            expected: provider(None, None, Some("Unauthorized access")),
        },
        ErrorCase {
            status: 402,
            body: ResponseTemplate::new(402),
            expected: provider(None, None, None),
        },
        ErrorCase {
            status: 403,
            body: ResponseTemplate::new(403),
            expected: provider(None, None, None),
        },
        payment_error(500),
        ErrorCase {
            status: 400,
            body: text_error(400, "connectId or chargeToken must be given to this method"),
            expected: provider(
                None,
                None,
                Some("connectId or chargeToken must be given to this method"),
            ),
        },
        ErrorCase {
            status: 401,
            body: text_error(401, "If the user is unauthorized."),
            expected: provider(None, None, Some("If the user is unauthorized.")),
        },
    ]
}

/// A proxy's or gateway's web page is not CONNECT talking: an unknown
/// outcome, and never shown in the error (sniffed when it has no type).
#[tokio::test]
async fn a_web_page_is_not_the_provider_talking() {
    let pages = [
        ResponseTemplate::new(502)
            .set_body_raw("<html><body>Bad gateway</body></html>", "text/html"),
        ResponseTemplate::new(400).set_body_string("\n<!DOCTYPE html><title>Bad gateway</title>"),
    ];
    for page in pages {
        let (_server, client) = serve(page).await;
        let error = client
            .get_transaction()
            .transaction_id("t")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Transport(TransportError::UnexpectedResponse { .. })
            ),
            "{error:?}"
        );
        assert!(error.is_outcome_unknown(), "{error:?}");
        assert!(!error.to_string().contains("Bad gateway"), "{error}");
    }
}

async fn call(client: &Client, operation: &str) -> Result<(), Error> {
    match operation {
        "createTransaction" => client
            .create_transaction()
            .body(new_transaction_from_docs())
            .send()
            .await
            .map(drop)?,
        "listTransactions" => client
            .list_transactions()
            .connect_id("1")
            .send()
            .await
            .map(drop)?,
        "getTransaction" => client
            .get_transaction()
            .transaction_id("t")
            .send()
            .await
            .map(drop)?,
        "refundTransaction" => client
            .refund_transaction()
            .transaction_id("t")
            .body(
                types::RefundRequest::builder()
                    .refund_issuer("i")
                    .refund_reason("r"),
            )
            .send()
            .await
            .map(drop)?,
        "createAgreement" => client
            .create_agreement()
            .body(new_agreement_from_docs())
            .send()
            .await
            .map(drop)?,
        "listAgreements" => client
            .list_agreements()
            .connect_id("1")
            .send()
            .await
            .map(drop)?,
        "getAgreement" => client
            .get_agreement()
            .agreement_id("a")
            .send()
            .await
            .map(drop)?,
        "stopAgreement" => client
            .stop_agreement()
            .agreement_id("a")
            .send()
            .await
            .map(drop)?,
        other => panic!("unknown operation {other}"),
    }
    Ok(())
}

const OPERATIONS: [&str; 8] = [
    "createTransaction",
    "listTransactions",
    "getTransaction",
    "refundTransaction",
    "createAgreement",
    "listAgreements",
    "getAgreement",
    "stopAgreement",
];

#[tokio::test]
async fn every_operation_decodes_every_documented_error_status() {
    for operation in OPERATIONS {
        for case in documented_errors() {
            let (server, client) = serve(case.body).await;
            let error = call(&client, operation).await.expect_err("an error status");
            match &error {
                Error::Api { status, body, .. } => {
                    assert_eq!(status.as_u16(), case.status, "{operation}");
                    assert_eq!(body, &case.expected, "{operation} {}", case.status);
                }
                other => panic!(
                    "{operation} {}: expected Error::Api, got {other:?}",
                    case.status
                ),
            }
            assert_eq!(error.status().map(|s| s.as_u16()), Some(case.status));
            // Reads are retried on "not now" statuses (3 attempts by default);
            // writes never are.
            let row = nordpay::connect::operations::ALL
                .iter()
                .find(|row| row.name == operation)
                .unwrap();
            let retried = row.policy.retry == nordpay::runtime::RetryClass::Safe
                && [429, 502, 503, 504].contains(&case.status);
            let expected = if retried { 3 } else { 1 };
            assert_eq!(
                server.received_requests().await.unwrap().len(),
                expected,
                "{operation} {}",
                case.status
            );
        }
    }
}

#[tokio::test]
async fn a_success_body_that_breaks_the_spec_is_a_decode_error() {
    for body in [
        json!({"id": "x"}),
        json!({"id": "x", "orderId": "o", "amount": "100 NOK", "state": "STARTED"}),
        // A new state is kept (Unknown); a state that is not a string is not one.
        json!({"id": "x", "orderId": "o", "amount": "NOK 1", "state": 7}),
    ] {
        let (_server, client) = serve(ResponseTemplate::new(200).set_body_json(body.clone())).await;
        let error = call(&client, "getTransaction")
            .await
            .expect_err("does not decode");
        // A 2xx that does not decode may well be a done deal: its body is
        // kept and the outcome is unknown, never "failed".
        match &error {
            Error::Decode(decode) => assert_eq!(
                decode.body.as_ref().map(|b| b.as_bytes().to_vec()),
                Some(serde_json::to_vec(&body).unwrap()),
                "{body}"
            ),
            other => panic!("{body}: expected a decode error, got {other:?}"),
        }
        assert!(
            error.is_outcome_unknown() && !error.is_retryable(),
            "{body}"
        );
    }
    let (_server, client) = serve(ResponseTemplate::new(200).set_body_string("<html>")).await;
    assert!(matches!(
        call(&client, "getTransaction").await,
        Err(Error::Decode { .. })
    ));
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let mut body = fixture("transaction_created.json");
    body["somethingNew"] = json!({"nested": [1, 2]});
    let (_server, client) = serve(ResponseTemplate::new(200).set_body_json(body)).await;
    call(&client, "getTransaction")
        .await
        .expect("new fields do not break decoding");
}

#[tokio::test]
async fn a_response_over_the_size_limit_fails_without_buffering_it_all() {
    let server = MockServer::start().await;
    let mut body = fixture("transaction_created.json");
    body["purchaseDescription"] = json!("x".repeat(10_000));
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let url = server.uri().parse().unwrap();
    let client = Client::builder(Environment::Custom(url), Auth::api_key("k"))
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = call(&client, "getTransaction")
        .await
        .expect_err("too large");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn bearer_tokens_are_sent_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("transaction_created.json")))
        .mount(&server)
        .await;
    let client = client_for(&server, Auth::bearer_token("s3cr3t-t0ken"));
    call(&client, "getTransaction").await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(
        header(&request, "authorization"),
        Some("Bearer s3cr3t-t0ken")
    );
    let shown = format!("{client:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
}

/// The transaction types and states are open for reading (a new one is
/// kept), not for asking: a filter by a value the spec does not list is
/// refused before sending (schemathesis found the sandbox taking one).
#[tokio::test]
async fn a_filter_by_an_unlisted_type_or_state_is_refused_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!([]))).await;
    let error = client
        .list_transactions()
        .connect_id("user-1")
        .type_(types::TransactionType::Unknown("GIFT".into()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(error.to_string().contains("type"), "{error}");
    let error = client
        .list_agreements()
        .connect_id("user-1")
        .state(types::AgreementState::Unknown("PAUSED".into()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
    client
        .list_transactions()
        .connect_id("user-1")
        .type_(types::TransactionType::Refund)
        .send()
        .await
        .expect("a listed type is sent");
}

/// NewAgreement's connectId is "required unless API-key auth is used": a
/// user's token without it is refused before anything is sent.
#[tokio::test]
async fn an_agreement_without_connect_id_is_refused_before_sending_with_a_token_only() {
    let (server, _) =
        serve(ResponseTemplate::new(201).set_body_json(fixture("agreement_created.json"))).await;
    let without_user = || new_agreement_from_docs().connect_id(None);
    let with_token = client_for(&server, Auth::bearer_token("user-token"));
    let error = with_token
        .create_agreement()
        .body(without_user())
        .send()
        .await
        .expect_err("refused before sending");
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(error.to_string().contains("connectId"), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());

    with_token
        .create_agreement()
        .body(new_agreement_from_docs())
        .send()
        .await
        .expect("with a connectId, a token may create it");
    let with_key = client_for(&server, Auth::api_key("merchant-key"));
    with_key
        .create_agreement()
        .body(without_user())
        .send()
        .await
        .expect("the merchant's key needs no connectId");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_token_source_sends_nothing() {
    struct Expired;
    impl nordpay::connect::TokenSource for Expired {
        fn access_token(&self) -> nordpay::connect::TokenFuture<'_> {
            Box::pin(async { Err("refresh token expired".into()) })
        }
    }
    let server = MockServer::start().await;
    let client = client_for(&server, Auth::token_source(Expired));
    let error = call(&client, "getTransaction").await.expect_err("no token");
    assert!(
        matches!(&error, Error::Auth(m) if m.contains("refresh token expired")),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn api_key_debug_output_is_redacted() {
    let server = MockServer::start().await;
    let client = client_for(&server, Auth::api_key("client:s3cr3t"));
    let shown = format!("{client:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[tokio::test]
async fn the_transaction_stream_reads_page_after_page_with_the_filters_kept() {
    use futures_util::TryStreamExt;
    use wiremock::matchers::{method, path, query_param};

    let server = MockServer::start().await;
    let transaction = |id: usize| {
        let mut transaction = fixture("transaction_created.json");
        transaction["id"] = json!(format!("t-{id}"));
        transaction
    };
    for (offset, count) in [(0, 50), (50, 50), (100, 20)] {
        let page: Vec<Value> = (offset..offset + count).map(transaction).collect();
        Mock::given(method("GET"))
            .and(path("/transactions"))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "50"))
            .and(query_param("connectId", "pager"))
            .and(query_param("sort", "desc"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server, Auth::api_key("client:secret"));
    let ids: Vec<String> = client
        .list_transactions()
        .connect_id("pager")
        .sort(types::SortDirection::Desc)
        .limit(7u32)
        .stream()
        .map_ok(|transaction| transaction.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 120);
    assert_eq!(ids[0], "t-0");
    assert_eq!(ids[119], "t-119");
    server.verify().await;
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    use futures_util::StreamExt;

    let (_server, client) = serve(text_error(503, "down")).await;
    let mut stream = client.list_transactions().connect_id("pager").stream();
    let first = stream.next().await.expect("an item");
    assert!(first.unwrap_err().is_retryable());
    assert!(stream.next().await.is_none());
}
