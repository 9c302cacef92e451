//! Mediaconnect on the wire: every operation's exact request, the docs'
//! samples, the error shapes, and the OAuth code exchange and refresh.
#![cfg(feature = "mediaconnect")]

use std::time::Duration;

use nordpay::mediaconnect::{
    Client, Environment, Error, OAuthClient, ResponseValue, TokenError, TokenSet, UserTokens, types,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// What `?` gives a service: the answer, or the API's error.
fn answer<T>(result: Result<ResponseValue<T>, Error>) -> Result<T, Error> {
    result.map(ResponseValue::into_inner)
}

struct Static(&'static str);

impl nordpay::mediaconnect::TokenSource for Static {
    fn access_token(&self) -> nordpay::mediaconnect::TokenFuture<'_> {
        let token = self.0.to_string();
        Box::pin(async move { Ok(token.into()) })
    }
}

fn environment(server: &MockServer) -> Environment {
    Environment::Custom {
        api: format!("{}/capi", server.uri()).parse().unwrap(),
        login: format!("{}/login", server.uri()).parse().unwrap(),
    }
}

async fn serve(response: ResponseTemplate) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    let client = Client::builder(environment(&server), Static("user-token"))
        .build()
        .unwrap();
    (server, client)
}

/// Listing payment methods from a server that answers `response`.
async fn payment_methods(response: ResponseTemplate) -> Result<types::PaymentMethods, Error> {
    let (_server, client) = serve(response).await;
    answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
}

/// The error of listing payment methods from a server that answers `response`.
async fn payment_methods_error(response: ResponseTemplate) -> Error {
    payment_methods(response).await.unwrap_err()
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

fn assert_request(request: &Request, verb: &str, route: &str, body: Option<Value>) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), route);
    assert_eq!(header(request, "authorization"), Some("Bearer user-token"));
    assert_eq!(header(request, "api-version"), None);
    match body {
        Some(expected) => {
            assert_eq!(header(request, "content-type"), Some("application/json"));
            assert_eq!(
                serde_json::from_slice::<Value>(&request.body).unwrap(),
                expected
            );
        }
        None => assert!(request.body.is_empty()),
    }
}

#[tokio::test]
async fn list_payment_methods() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!({
        "paymentMethodResponseItems": [{"paymentMethod": "recurringPayment", "isActive": "Y"}]
    })))
    .await;
    let methods = answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
    .unwrap();
    assert_request(
        &only_request(&server).await,
        "GET",
        "/capi/v1/product/payment/CO27409",
        None,
    );
    let item = &methods.payment_method_response_items[0];
    assert_eq!(item.payment_method.as_deref(), Some("recurringPayment"));
    assert_eq!(item.is_active.as_deref(), Some("Y"));
}

#[tokio::test]
async fn pay_invoice_sends_the_docs_sample() {
    let (server, client) = serve(
        ResponseTemplate::new(200)
            .set_body_json(json!({"success": true, "transactionId": 12378954})),
    )
    .await;
    let started = client
        .pay_invoice()
        .body(
            types::InvoicePaymentRequest::builder()
                .invoice_number("7435367")
                .product_code("CO27409")
                .company_code("68979834")
                .payment_method(types::InvoicePaymentMethod::CreditcardPayex),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_request(
        &only_request(&server).await,
        "POST",
        "/capi/v1/api/payment/invoice",
        Some(
            json!({"invoiceNumber": "7435367", "productCode": "CO27409", "companyCode": "68979834", "paymentMethod": "creditcardPayex"}),
        ),
    );
    assert_eq!(started.success, Some(true));
    assert_eq!(started.transaction_id, Some(12378954));
}

#[tokio::test]
async fn change_payment_method_sends_the_docs_sample() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(json!({"paymentChangeId": 12378954}))).await;
    let change = client
        .change_payment_method()
        .product_code("CO27409")
        .body(types::PaymentChangeRequest {
            payment_method: types::RecurringPaymentMethod::RecurringPayExCardPayment,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_request(
        &only_request(&server).await,
        "POST",
        "/capi/v1/product/payment/CO27409",
        Some(json!({"paymentMethod": "recurringPayExCardPayment"})),
    );
    assert_eq!(change.payment_change_id, Some(12378954));
}

#[tokio::test]
async fn add_vipps_agreement() {
    let (server, client) = serve(
        ResponseTemplate::new(200).set_body_json(json!({"success": true, "transactionId": 5})),
    )
    .await;
    let started = client
        .add_vipps_agreement()
        .body(types::VippsAgreementRequest::builder().product_code("CO27409"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_request(
        &only_request(&server).await,
        "POST",
        "/capi/v1/customer/payment/vipps/agreement",
        Some(json!({"productCode": "CO27409"})),
    );
    assert_eq!(started.transaction_id, Some(5));
}

#[tokio::test]
async fn list_vipps_agreements_decodes_the_docs_sample() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!({
        "recurringAgreements": [
            {"agreementRef": "abcd-efgh", "paymentProviderId": 55, "productCode": "CO27409", "since": "2024"}
        ]
    })))
    .await;
    let listed = answer(client.list_vipps_agreements().send().await).unwrap();
    assert_request(
        &only_request(&server).await,
        "GET",
        "/capi/v1/customer/payment/vipps/agreement",
        None,
    );
    let agreement = &listed.recurring_agreements[0];
    assert_eq!(agreement.agreement_ref.as_deref(), Some("abcd-efgh"));
    assert_eq!(agreement.payment_provider_id, Some(55));
    assert_eq!(agreement.product_code.as_deref(), Some("CO27409"));
    assert_eq!(agreement.extra["since"], "2024");
    // No agreements: the array may be absent.
    let (_server, client) = serve(ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let none = answer(client.list_vipps_agreements().send().await).unwrap();
    assert!(none.recurring_agreements.is_empty());
}

#[tokio::test]
async fn remove_vipps_agreement_sends_the_docs_sample() {
    let (server, client) =
        serve(ResponseTemplate::new(200).set_body_json(json!({"success": true}))).await;
    let removed = answer(
        client
            .remove_vipps_agreement()
            .body(
                types::VippsAgreementRemoval::builder()
                    .agreement_ref("abcd-efgh")
                    .payment_provider_id(std::num::NonZeroU32::new(25).unwrap()),
            )
            .send()
            .await,
    )
    .unwrap();
    assert_request(
        &only_request(&server).await,
        "DELETE",
        "/capi/v1/customer/payment/vipps/agreement",
        Some(json!({"agreementRef": "abcd-efgh", "paymentProviderId": 25})),
    );
    assert_eq!(removed.success, Some(true));
}

#[tokio::test]
async fn remove_vipps_agreement_refuses_a_bad_reference_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(200)).await;
    for reference in [String::new(), "r".repeat(65)] {
        let error = client
            .remove_vipps_agreement()
            .body(
                types::VippsAgreementRemoval::builder()
                    .agreement_ref(reference)
                    .payment_provider_id(std::num::NonZeroU32::new(25).unwrap()),
            )
            .send()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
    // paymentProviderId is an int32: the u32 the type holds may be larger.
    let error = client
        .remove_vipps_agreement()
        .body(
            types::VippsAgreementRemoval::builder()
                .agreement_ref("abcd-efgh")
                .payment_provider_id(std::num::NonZeroU32::new(i32::MAX as u32 + 1).unwrap()),
        )
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("paymentProviderId"), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_unpaid_invoices_in_a_period() {
    // The reference's own example: an object of invoices and reminders.
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!({
        "invoices": [{
            "customerNumber": 563457, "product": "CO27409", "invoiceOfferCount": "1",
            "productName": "Weekly Magazine", "amount": 49, "invoiceDate": "2022-01-07",
            "invoiceNumber": "7435367", "companyCode": "5646903690", "paymentDate": "2022-01-17",
            "dueDate": "2022-01-21", "paymentStatus": "0", "invoiceAmount": "295.00",
            "paidAmount": 0, "paymentMethod": "A",
            "invoiceHotelUrl": "http://mediaconnect.no/invoice/view/gkcb93qgt94ca6943bloitxgq4de",
            "invoiceStatus": "Invoiced", "somethingNew": true
        }],
        "reminders": [{
            "invoiceNumber": 7435367, "product": "CO27409", "fromTime": "2023-01-01",
            "includeTime": "2024-01-01", "reminderDate": 1560333600000_i64, "amount": 49,
            "dueDate": 1561716000000_i64, "reminderNumber": 1, "reminderType": "reminder",
            "invoiceHotelUrl": "http://mediaconnect.no/invoice/view/gkcb93qgt94ca6943bloitxgq4de"
        }]
    })))
    .await;
    let invoices = client
        .list_invoices()
        .product_code("CO27409")
        .unpaid(true)
        .from("2024-01-01".parse::<chrono::NaiveDate>().unwrap())
        .to("2024-12-31".parse::<chrono::NaiveDate>().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(
        &request,
        "GET",
        "/capi/v1/customer/invoice/payment/CO27409",
        None,
    );
    assert_eq!(
        request.url.query(),
        Some("from=2024-01-01&to=2024-12-31&unpaid=true")
    );
    let invoice = &invoices.invoices[0];
    assert_eq!(invoice.invoice_number.as_deref(), Some("7435367"));
    assert_eq!(invoice.product.as_deref(), Some("CO27409"));
    assert_eq!(invoice.invoice_amount.as_deref(), Some("295.00"));
    assert_eq!(invoice.payment_status.as_deref(), Some("0"));
    // Fields the docs do not name are kept.
    assert_eq!(invoice.extra["somethingNew"], true);
    let reminder = &invoices.reminders[0];
    assert_eq!(reminder.invoice_number, Some(7435367));
    assert_eq!(reminder.due_date, Some(1561716000000));
}

/// "List invoice details": three query parameters, reminder 0 the invoice
/// itself; the body (no example is published) is kept whole.
#[tokio::test]
async fn list_invoice_details_sends_all_three_and_keeps_the_body() {
    let (server, client) = serve(
        ResponseTemplate::new(200)
            .set_body_json(json!({"invoiceNumber": "7435367", "lines": [1, 2]})),
    )
    .await;
    let details = client
        .list_invoice_details()
        .company_code("5646903690")
        .invoice_number("7435367")
        .reminder_number(0)
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(&request, "GET", "/capi/v1/customer/invoice/details", None);
    assert_eq!(
        request.url.query(),
        Some("companyCode=5646903690&invoiceNumber=7435367&reminderNumber=0")
    );
    assert_eq!(details.0["lines"], json!([1, 2]));
}

/// "List invoices for product - client mode": the reference's example,
/// with its epoch-millisecond dates and a numeric invoiceAmount.
#[tokio::test]
async fn list_client_invoices_decodes_the_reference_example() {
    let (server, client) = serve(ResponseTemplate::new(200).set_body_json(json!({
        "clientInvoiceInfoList": [{
            "invoiceId": "1", "invoiceDate": 1560333600000_i64, "invoiceOfferCount": "1",
            "customerNumber": 563457, "product": "CO27409", "productName": "Weekly Magazine",
            "amount": 2, "companyCode": "5646903690", "paymentStatus": "0", "invoiceAmount": 295,
            "paidAmount": 0, "paymentMethod": "A",
            "invoiceHotelUrl": "http://mediaconnect.no/invoice/view/gkcb93qgt94ca6943bloitxgq4de",
            "paymentDate": 1561716000000_i64, "dueDate": 1561716000000_i64,
            "desc": ["Weekly Magazine"], "period": 1, "periodUnit": "E",
            "fromTime": "2019-06-12", "incltime": "2020-06-12",
            "invoiceLineInfo": [{
                "productCode": "CO27409", "invoiceAmount": 84.54,
                "invoiceVatAmount": 13.47, "invoiceVatPercent": 36.73
            }]
        }]
    })))
    .await;
    let invoices = client
        .list_client_invoices()
        .customer_number(563457u64)
        .product_code("CO27409")
        .from("2019-01-01".parse::<chrono::NaiveDate>().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    let request = only_request(&server).await;
    assert_request(
        &request,
        "GET",
        "/capi/v1/client/customer/invoice/payment/563457/CO27409",
        None,
    );
    assert_eq!(request.url.query(), Some("from=2019-01-01"));
    // customerNumber is an int64 with minimum 1: 0 and past i64::MAX stay here.
    for number in [0, i64::MAX as u64 + 1] {
        let error = client
            .list_client_invoices()
            .customer_number(number)
            .product_code("CO27409")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert!(error.to_string().contains("CustomerNumber"), "{error}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let invoice = &invoices.client_invoice_info_list[0];
    assert_eq!(invoice.invoice_id.as_deref(), Some("1"));
    assert_eq!(invoice.invoice_amount, Some(295.0));
    assert_eq!(invoice.due_date, Some(1561716000000));
    assert_eq!(invoice.desc, ["Weekly Magazine"]);
    assert_eq!(
        invoice.invoice_line_info[0].invoice_vat_percent,
        Some(36.73)
    );
}

#[tokio::test]
async fn error_shapes_are_typed() {
    let error = payment_methods_error(ResponseTemplate::new(400).set_body_json(
        json!({"exceptionType": "ValidationException", "errorMessage": "Unknown invoice"}),
    ))
    .await;
    assert!(
        matches!(&error, Error::Api { status, exception_type: Some(t), message: Some(m) }
            if status.as_u16() == 400 && t == "ValidationException" && m == "Unknown invoice"),
        "{error:?}"
    );

    let error = payment_methods_error(ResponseTemplate::new(401).set_body_json(
        json!({"error": "invalid_token", "error_description": "The access token expired"}),
    ))
    .await;
    assert!(
        matches!(&error, Error::OAuth { error, description: Some(d), .. }
            if error == "invalid_token" && d == "The access token expired"),
        "{error:?}"
    );

    let (_server, client) =
        serve(ResponseTemplate::new(429).insert_header("retry-after", "7")).await;
    // A wait past the deadline is not waited for: the 429 comes back at once.
    let started = std::time::Instant::now();
    let error = client
        .with_deadline(Duration::from_secs(5))
        .list_payment_methods()
        .product_code("CO27409")
        .send()
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)),
        "{error:?}"
    );

    for status in [500, 503] {
        let error = payment_methods_error(ResponseTemplate::new(status)).await;
        assert!(
            matches!(&error, Error::Status(e) if e.status.as_u16() == status),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn over_long_codes_are_refused_before_sending() {
    let (server, client) = serve(ResponseTemplate::new(200)).await;
    let thirteen = "ABCDEFGHIJKLM";
    let errors = [
        answer(
            client
                .list_payment_methods()
                .product_code(thirteen)
                .send()
                .await,
        )
        .unwrap_err(),
        answer(
            client
                .change_payment_method()
                .product_code(thirteen)
                .body(types::PaymentChangeRequest {
                    payment_method: types::RecurringPaymentMethod::Invoice,
                })
                .send()
                .await,
        )
        .unwrap_err(),
        answer(
            client
                .add_vipps_agreement()
                .body(types::VippsAgreementRequest::builder().product_code(thirteen))
                .send()
                .await,
        )
        .unwrap_err(),
        answer(client.list_invoices().product_code(thirteen).send().await).unwrap_err(),
        answer(
            client
                .pay_invoice()
                .body(
                    types::InvoicePaymentRequest::builder()
                        .invoice_number("7435367")
                        .product_code(thirteen)
                        .company_code("68979834")
                        .payment_method(types::InvoicePaymentMethod::Nexi),
                )
                .send()
                .await,
        )
        .unwrap_err(),
        answer(
            client
                .pay_invoice()
                .body(
                    types::InvoicePaymentRequest::builder()
                        .invoice_number("12345678901")
                        .product_code("CO27409")
                        .company_code("68979834")
                        .payment_method(types::InvoicePaymentMethod::Nexi),
                )
                .send()
                .await,
        )
        .unwrap_err(),
        answer(client.list_payment_methods().product_code("").send().await).unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(&error, Error::InvalidRequest(m) if m.contains("characters")),
            "{error:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // Twelve characters is the limit, not past it.
    answer(
        client
            .list_payment_methods()
            .product_code("ABCDEFGHIJKL")
            .send()
            .await,
    )
    .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

fn oauth(server: &MockServer) -> OAuthClient {
    OAuthClient::new(
        format!("{}/login", server.uri()).parse().unwrap(),
        "shop",
        "sh0p-s3cret",
        "https://shop.example/callback".parse().unwrap(),
    )
    .unwrap()
}

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

#[tokio::test]
async fn the_authorization_code_is_exchanged_for_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-1", "token_type": "bearer", "expires_in": 43200, "refresh_token": "rt-1"
        })))
        .mount(&server)
        .await;
    let oauth = oauth(&server);
    assert_eq!(
        oauth.authorize_url("csrf-42").as_str(),
        format!(
            "{}/login/oauth/authorize?response_type=code&client_id=shop&redirect_uri=https%3A%2F%2Fshop.example%2Fcallback&state=csrf-42",
            server.uri()
        )
    );
    let tokens = oauth.exchange_code("the-code").await.unwrap();
    assert_eq!(tokens.access_token().expose_secret(), "at-1");
    assert_eq!(tokens.refresh_token().unwrap().expose_secret(), "rt-1");
    assert!(tokens.expires_at().is_some());

    let request = only_request(&server).await;
    assert_eq!(
        header(&request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form(&request),
        [
            ("grant_type", "authorization_code"),
            ("code", "the-code"),
            ("redirect_uri", "https://shop.example/callback"),
            ("client_id", "shop"),
            ("client_secret", "sh0p-s3cret"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let shown = format!("{oauth:?} {tokens:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("at-1") && !shown.contains("rt-1"),
        "{shown}"
    );
}

/// Client mode (RFC 6749 §4.4): the merchant's own token, asked for once
/// with the client credentials grant and kept until it expires.
#[tokio::test]
async fn client_mode_tokens_come_from_the_client_credentials_grant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "client-at", "token_type": "bearer", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/capi/v1/client/customer/invoice/payment/563457/CO27409",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"clientInvoiceInfoList": null})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let tokens = nordpay::mediaconnect::ClientTokens::new(oauth(&server));
    let client = Client::builder(environment(&server), tokens.clone())
        .build()
        .unwrap();
    for _ in 0..2 {
        let invoices = client
            .list_client_invoices()
            .customer_number(563457u64)
            .product_code("CO27409")
            .send()
            .await
            .unwrap()
            .into_inner();
        assert!(
            invoices.client_invoice_info_list.is_empty(),
            "null reads as none"
        );
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        form(&requests[0]),
        [
            ("grant_type", "client_credentials"),
            ("client_id", "shop"),
            ("client_secret", "sh0p-s3cret"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    for call in &requests[1..] {
        assert_eq!(header(call, "authorization"), Some("Bearer client-at"));
    }
    assert!(!format!("{tokens:?}").contains("s3cret"));
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_once_before_the_call() {
    let server = MockServer::start().await;
    Mock::given(path("/login/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "at-2", "expires_in": 43200})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/capi/v1/product/payment/CO27409"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"paymentMethodResponseItems": []})),
        )
        .mount(&server)
        .await;
    let expiring = TokenSet::new("at-1", Some("rt-1".into()), Some(Duration::from_secs(5)));
    let tokens = UserTokens::new(oauth(&server), expiring);
    let client = Client::builder(environment(&server), tokens)
        .build()
        .unwrap();
    answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
    .unwrap();
    answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
    .unwrap();

    let requests = server.received_requests().await.unwrap();
    let refresh = &requests[0];
    assert_eq!(refresh.url.path(), "/login/oauth/token");
    assert!(form(refresh).contains(&("grant_type".into(), "refresh_token".into())));
    assert!(form(refresh).contains(&("refresh_token".into(), "rt-1".into())));
    for call in &requests[1..] {
        assert_eq!(header(call, "authorization"), Some("Bearer at-2"));
    }
    assert_eq!(requests.len(), 3);
}

#[tokio::test]
async fn a_refused_refresh_sends_no_api_request() {
    let server = MockServer::start().await;
    Mock::given(path("/login/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "invalid_grant", "error_description": "expired"})),
        )
        .mount(&server)
        .await;
    let oauth = oauth(&server);
    let error = oauth.refresh(&"rt-1".to_string().into()).await.unwrap_err();
    assert!(
        matches!(&error, TokenError::Rejected { error, .. } if error == "invalid_grant"),
        "{error:?}"
    );

    let expired = TokenSet::new("at-1", Some("rt-1".into()), Some(Duration::ZERO));
    let client = Client::builder(environment(&server), UserTokens::new(oauth, expired))
        .build()
        .unwrap();
    let error = answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(m) if m.contains("invalid_grant")),
        "{error:?}"
    );
    let api_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().starts_with("/capi"))
        .count();
    assert_eq!(api_calls, 0);

    let no_refresh = UserTokens::new(
        oauth_placeholder(),
        TokenSet::new("at", None, Some(Duration::ZERO)),
    );
    let client = Client::builder(environment(&server), no_refresh)
        .build()
        .unwrap();
    let error = answer(
        client
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await,
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(m) if m.contains("no refresh token")),
        "{error:?}"
    );
}

fn oauth_placeholder() -> OAuthClient {
    OAuthClient::new(
        "http://127.0.0.1:9/login".parse().unwrap(),
        "c",
        "s",
        "https://shop.example/cb".parse().unwrap(),
    )
    .unwrap()
}

#[test]
fn environments_come_from_the_spec() {
    assert_eq!(
        Environment::Production.login_server().as_str(),
        "https://connectid.no/user"
    );
    assert_eq!(
        Environment::Test.login_server().as_str(),
        "https://api-test.mediaconnect.no/login"
    );
}

/// A proxy's web page (sniffed: it names no type) is not Mediaconnect
/// talking: an unknown outcome, its text never in the error.
#[tokio::test]
async fn a_web_page_is_not_the_provider_talking() {
    for status in [400, 403, 500] {
        let page =
            ResponseTemplate::new(status).set_body_string("<html><h1>Gateway says no</h1></html>");
        let error = payment_methods_error(page).await;
        assert!(
            matches!(
                &error,
                Error::Transport(nordpay::runtime::TransportError::UnexpectedResponse { .. })
            ),
            "{status}: {error:?}"
        );
        assert!(error.is_outcome_unknown(), "{status}: {error:?}");
        assert!(!error.to_string().contains("Gateway"), "{error}");
    }
}

/// Lists a provider sends as `null` read as empty (what the response
/// types allow; requests stay strict).
#[tokio::test]
async fn null_lists_read_as_empty() {
    let methods = payment_methods(
        ResponseTemplate::new(200).set_body_json(json!({"paymentMethodResponseItems": null})),
    )
    .await
    .unwrap();
    assert!(methods.payment_method_response_items.is_empty());
}
