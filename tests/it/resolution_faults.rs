//! Resolution under the faults that used to break it: each test here is a
//! way a charge that happened was reported `NotDone`, sent twice, or
//! panicked. Against the sandbox with scripted faults, or a local scripted
//! server where the sandbox cannot play the provider's part.
#![cfg(feature = "sandbox")]

use crate::support;

use std::time::Duration;

use nordpay::direct_payment::{
    self, PaymentRecord, PaymentStatus, Resolution, Resolved, SecurityLevel, Transport,
    fresh_client_reference,
};
use nordpay::sandbox::{FaultAction, Sandbox, ScriptedFault};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TRANSPORTS: [Transport; 2] = [Transport::Rest, Transport::Soap];

use support::quick_resolution as resolution;
use support::{parking_payment as payment, resolving_direct_payment_client as dp_client};

fn pay_operation(transport: Transport) -> &'static str {
    match transport {
        Transport::Rest => "pay",
        Transport::Soap => "Pay",
    }
}

fn status_operation(transport: Transport) -> &'static str {
    match transport {
        Transport::Rest => "getPaymentStatus",
        Transport::Soap => "GetPaymentStatus",
    }
}

/// A "no such payment" answer of the status lookup, on `transport`.
fn not_found(transport: Transport) -> FaultAction {
    match transport {
        Transport::Rest => FaultAction::Respond {
            status: 404,
            body: r#"{"Code":3,"Description":"Payment not found"}"#.into(),
            content_type: None,
        },
        Transport::Soap => FaultAction::Respond {
            status: 500,
            body: concat!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>"#,
                r#"<faultcode xmlns:a="http://schemas.microsoft.com/2009/WebFault">a:NotFound</faultcode>"#,
                r#"<faultstring xml:lang="nb-NO">Not found</faultstring><detail>"#,
                r#"<DirectPaymentFault xmlns="http://directpay.intele.com/v1/faults" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">"#,
                r#"<Code>3</Code><Description>Payment not found</Description></DirectPaymentFault>"#,
                r#"</detail></s:Fault></s:Body></s:Envelope>"#
            )
            .into(),
            content_type: Some("text/xml; charset=utf-8".into()),
        },
    }
}

fn done<T: std::fmt::Debug, E: std::fmt::Debug>(outcome: Resolved<T, E>) -> T {
    match outcome {
        Resolved::Done(value) => value,
        other => panic!("expected Done, got {other:?}"),
    }
}

/// How many payments the sandbox holds under `reference`, and their status.
async fn charges(sandbox: &Sandbox, reference: &str) -> Vec<i64> {
    let url = sandbox
        .control_url()
        .join("sandbox/direct-payment/payments")
        .unwrap();
    let payments: Vec<serde_json::Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    payments
        .iter()
        .filter(|p| p["ClientReference"] == reference)
        .map(|p| p["PaymentStatus"].as_i64().unwrap())
        .collect()
}

// ---- 1. a resolver called again, or twice at once, with one key ----

#[tokio::test]
async fn resolving_a_charged_reference_again_is_done_with_the_same_payment() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        let first = done(client.pay_resolved(payment(&reference)).await);
        // After a crash, or an Unresolved: the same reference, resolved again.
        let again = done(client.pay_resolved(payment(&reference)).await);
        assert_eq!(again.payment_status, PaymentStatus::Paid, "{transport:?}");
        assert_eq!(again.transaction_id, first.transaction_id, "{transport:?}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
    }
}

#[tokio::test]
async fn two_concurrent_resolutions_of_one_reference_are_both_done() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        let (a, b) = tokio::join!(
            client.pay_resolved(payment(&reference)),
            client.pay_resolved(payment(&reference)),
        );
        let (a, b): (PaymentRecord, PaymentRecord) = (done(a), done(b));
        assert_eq!(a.transaction_id, b.transaction_id, "{transport:?}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
    }
}

// ---- 2. a success the spec does not list, or a redirect ----

#[tokio::test]
async fn an_unlisted_success_or_a_redirect_after_a_charge_is_looked_up_and_done() {
    let sandbox = Sandbox::start().await.unwrap();
    for (status, body) in [(201, ""), (202, "{}"), (302, "")] {
        let client = dp_client(&sandbox, Transport::Rest);
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                "pay",
                FaultAction::RespondAfter {
                    status,
                    body: body.into(),
                    content_type: None,
                },
            )
            .key(reference.as_str()),
        );
        let record = done(client.pay_resolved(payment(&reference)).await);
        assert_eq!(record.payment_status, PaymentStatus::Paid, "HTTP {status}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "HTTP {status}");
    }
}

#[tokio::test]
async fn an_unlisted_success_is_an_unknown_outcome_in_every_api() {
    use nordpay::{connect, puzzel_pay};
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.script(
        ScriptedFault::new(
            "connect",
            "createTransaction",
            FaultAction::RespondAfter {
                status: 200,
                body: String::new(),
                content_type: None,
            },
        )
        .key("order-unlisted"),
    );
    let connect = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key(nordpay::sandbox::credentials::CONNECT_API_KEY),
    )
    .build()
    .unwrap();
    let error = connect
        .create_transaction()
        .body(
            connect::types::NewTransaction::builder()
                .order_id("order-unlisted")
                .purchase_description("Unlisted")
                .amount(connect::Money::new("NOK", 10_000).unwrap())
                .vat_rate(connect::VatRate::from_percent(25).unwrap())
                .success_redirect("https://shop.example/ok")
                .cancel_redirect("https://shop.example/cancel"),
        )
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");

    sandbox.script(
        ScriptedFault::new(
            "puzzel_pay",
            "createBatch",
            FaultAction::RespondAfter {
                status: 201,
                body: String::new(),
                content_type: None,
            },
        )
        .key("batch-unlisted"),
    );
    let puzzel = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        nordpay::sandbox::credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap();
    let error = puzzel
        .create_batch()
        .body(support::batch("batch-unlisted"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");

    // Mediaconnect: a started invoice payment answered 201.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let error = mediaconnect_client(&server)
        .pay_invoice()
        .body(
            nordpay::mediaconnect::types::InvoicePaymentRequest::builder()
                .invoice_number("7435367")
                .product_code("CO27409")
                .company_code("68979834")
                .payment_method("creditcardPayex"),
        )
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
}

// ---- 3. a duplicate refusal that lookups do not see ----

#[tokio::test]
async fn a_duplicate_refusal_is_never_overruled_by_lookups_that_do_not_see_the_payment() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        // The first Pay is charged and its answer lost; every lookup lags.
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::DropAfter,
            )
            .key(reference.as_str()),
        );
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                status_operation(transport),
                not_found(transport),
            )
            .key(reference.as_str())
            .times(10_000),
        );
        let outcome = client.pay_resolved(payment(&reference)).await;
        assert!(outcome.is_unresolved(), "{transport:?}: {outcome:?}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
    }
}

#[tokio::test]
async fn a_charged_reference_resolved_again_while_lookups_lag_is_never_not_done() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = dp_client(&sandbox, Transport::Rest);
    let reference = fresh_client_reference();
    done(client.pay_resolved(payment(&reference)).await);
    sandbox.script(
        ScriptedFault::new(
            "direct_payment",
            "getPaymentStatus",
            not_found(Transport::Rest),
        )
        .key(reference.as_str())
        .times(10_000),
    );
    let outcome = client.pay_resolved(payment(&reference)).await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
}

#[tokio::test]
async fn a_charge_the_lookup_sees_only_later_is_done_and_charged_once() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::DropAfter,
            )
            .key(reference.as_str()),
        );
        // A lagging replica: for 1.5 s the status does not see the charge.
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                status_operation(transport),
                FaultAction::LookupLag { ms: 1500 },
            )
            .key(reference.as_str()),
        );
        let started = std::time::Instant::now();
        let record = done(client.pay_resolved(payment(&reference)).await);
        assert_eq!(record.payment_status, PaymentStatus::Paid, "{transport:?}");
        assert!(
            started.elapsed() >= Duration::from_millis(1500),
            "{transport:?}: seen during the lag"
        );
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
    }
}

// ---- 4. hostile Retry-After, unbounded deadlines, zero waits ----

#[tokio::test]
async fn a_retry_after_of_two_to_the_sixty_four_does_not_panic() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = dp_client(&sandbox, Transport::Rest);
    let reference = fresh_client_reference();
    sandbox.script(
        ScriptedFault::new(
            "direct_payment",
            "getPaymentStatus",
            FaultAction::FailBefore {
                status: 503,
                retry_after: Some(u64::MAX),
            },
        )
        .key(reference.as_str())
        .times(10_000),
    );
    let error = client.payment_status(reference.clone()).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    // Inside a resolution, after a charge whose answer was lost.
    sandbox.script(
        ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter).key(reference.as_str()),
    );
    let client = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        Transport::Rest,
        sandbox.direct_payment_credentials(),
    )
    .resolution(resolution(1))
    .build()
    .unwrap();
    let outcome = client.pay_resolved(payment(&reference)).await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
}

#[tokio::test]
async fn unbounded_deadlines_and_zero_waits_neither_panic_nor_storm() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        Transport::Rest,
        sandbox.direct_payment_credentials(),
    )
    .deadline(Duration::MAX)
    .resolution(Resolution {
        deadline: Duration::from_millis(500),
        first_wait: Duration::ZERO,
        max_wait: Duration::ZERO,
        ..Resolution::default()
    })
    .build()
    .unwrap();
    let reference = fresh_client_reference();
    done(client.pay_resolved(payment(&reference)).await);
    let record = client
        .with_deadline(Duration::MAX)
        .payment_status(reference.clone())
        .await
        .unwrap();
    assert_eq!(record.payment_status, PaymentStatus::Paid);

    // Zero waits against a lookup that never answers: the waits are kept
    // at Resolution::MIN_WAIT and double, so half a second holds few lookups.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = direct_payment::Client::builder(
        direct_payment::Environment::Custom(server.uri().parse().unwrap()),
        Transport::Rest,
        direct_payment::Credentials::new(1234, "user", "secret"),
    )
    .attempt_timeout(Duration::from_millis(100))
    .retry(nordpay::runtime::RetryConfig::disabled())
    .resolution(Resolution {
        deadline: Duration::from_millis(500),
        first_wait: Duration::ZERO,
        max_wait: Duration::ZERO,
        ..Resolution::default()
    })
    .build()
    .unwrap();
    let outcome = client.pay_resolved(payment("np-storm")).await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
    let lookups = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert!((1..=40).contains(&lookups), "{lookups} lookups in 500 ms");
}

// ---- 5. a CONNECT refund past the first page ----

#[tokio::test]
async fn a_refund_past_the_first_page_is_found_with_one_refund_post() {
    use nordpay::connect;
    let server = MockServer::start().await;
    let transaction = |id: &str, refund_for: Option<&str>| {
        json!({
            "id": id, "orderId": format!("order-{id}"), "purchaseDescription": "x",
            "amount": "NOK 10.00", "vatRate": "0.25", "state": "COMPLETED",
            "type": if refund_for.is_some() { "REFUND" } else { "PAYMENT" },
            "chargeToken": "token-1", "refundForTransactionId": refund_for,
            "successRedirect": "https://shop.example/ok", "cancelRedirect": "https://shop.example/c",
            "links": [],
        })
    };
    Mock::given(method("GET"))
        .and(path("/transactions/t-original"))
        .respond_with(ResponseTemplate::new(200).set_body_json(transaction("t-original", None)))
        .mount(&server)
        .await;
    // The refund's answer never comes.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    // 50 refunds of other transactions first, ours on the second page.
    let others: Vec<_> = (0..50)
        .map(|i| transaction(&format!("r-{i}"), Some(&format!("t-{i}"))))
        .collect();
    Mock::given(method("GET"))
        .and(path("/transactions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(others))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/transactions"))
        .and(query_param("offset", "50"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([transaction("r-ours", Some("t-original"))])),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let client = connect::Client::builder(
        connect::Environment::Custom(server.uri().parse().unwrap()),
        connect::Auth::api_key("key"),
    )
    .attempt_timeout(Duration::from_millis(200))
    .resolution(resolution(4))
    .build()
    .unwrap();
    let request = connect::types::RefundRequest::builder()
        .refund_issuer("support@shop.example")
        .refund_reason("customer asked")
        .try_into()
        .unwrap();
    let refund = done(client.refund_resolved("t-original", request).await);
    assert_eq!(refund.id, "r-ours");
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1, "one refund POST");
    let pages: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/transactions")
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .collect();
    assert!(
        pages.iter().all(|q| q.contains("sort=desc")),
        "newest first: {pages:?}"
    );
}

// ---- 6. a provider that commits after the client gave up ----

#[tokio::test]
async fn a_late_commit_is_found_and_never_sent_twice() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        // No answer; the charge lands 300 ms later (within the attempt timeout).
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::CommitLate { ms: 300 },
            )
            .key(reference.as_str()),
        );
        // Counts the Pay calls that reach the sandbox after the first.
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::Respond {
                    status: 599,
                    body: String::new(),
                    content_type: None,
                },
            )
            .key(reference.as_str()),
        );
        let record = done(client.pay_resolved(payment(&reference)).await);
        assert_eq!(record.payment_status, PaymentStatus::Paid, "{transport:?}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
        // The 599 was never used: Pay was sent once.
        let again = client.pay(payment(&reference)).await.unwrap_err();
        assert_eq!(
            again.status().map(|s| s.as_u16()),
            Some(599),
            "{transport:?}: the 599 fault was taken by a resend"
        );
    }
}

// ---- 7. a SecurityLevel 2 payment still waiting for its confirmation ----

#[tokio::test]
async fn a_payment_awaiting_confirmation_is_not_reported_not_done() {
    let server = MockServer::start().await;
    // The connection is lost while Direct Payment waits for the user.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let status = |code: i64| {
        ResponseTemplate::new(200).set_body_json(json!({
            "ClientReference": "np-confirm", "PaymentStatus": code, "TransactionId": 7,
        }))
    };
    // NotPaid for the first lookups, then the user confirms.
    Mock::given(method("GET"))
        .and(path_regex("/pay/np-confirm$"))
        .respond_with(status(0))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/pay/np-confirm$"))
        .respond_with(status(1))
        .with_priority(5)
        .mount(&server)
        .await;
    let client = direct_payment::Client::builder(
        direct_payment::Environment::Custom(server.uri().parse().unwrap()),
        Transport::Rest,
        direct_payment::Credentials::new(1234, "user", "secret"),
    )
    .attempt_timeout(Duration::from_millis(200))
    .resolution(resolution(5))
    .build()
    .unwrap();
    let details = payment("np-confirm").security_level(Some(SecurityLevel::Confirmation));
    let record = done(client.pay_resolved(details).await);
    assert_eq!(record.payment_status, PaymentStatus::Paid);
}

#[tokio::test]
async fn a_payment_the_user_confirms_after_the_client_gave_up_is_done_in_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        // The attempt times out (500 ms) long before the user confirms.
        let client = dp_client(&sandbox, transport);
        let reference = fresh_client_reference();
        let details = payment(&reference)
            .msisdn(nordpay::sandbox::faults::CONFIRMS_LATE_MSISDN)
            .security_level(Some(SecurityLevel::Confirmation));
        let record = done(client.pay_resolved(details).await);
        assert_eq!(record.payment_status, PaymentStatus::Paid, "{transport:?}");
        assert_eq!(charges(&sandbox, &reference).await, [1], "{transport:?}");
    }
}

// ---- 8. Puzzel Pay: a proxy's 404 is no "no such batch" ----

/// A Puzzel Pay client of the sandbox that gives up and resolves quickly.
fn quick_puzzel_pay(sandbox: &Sandbox) -> nordpay::puzzel_pay::Client {
    nordpay::puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        nordpay::sandbox::credentials::PUZZEL_PAY_JWT,
    )
    .attempt_timeout(Duration::from_millis(300))
    .resolution(resolution(3))
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_proxy_404_is_not_no_such_batch() {
    use nordpay::puzzel_pay;
    let sandbox = Sandbox::start().await.unwrap();
    let client = quick_puzzel_pay(&sandbox);
    let proxy_page = FaultAction::Respond {
        status: 404,
        body: "<html><body><h1>404 Not Found</h1>nginx</body></html>".into(),
        content_type: Some("text/html".into()),
    };
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "getBatchStatus", proxy_page.clone()).key("proxied"),
    );
    let error = client
        .get_batch_status()
        .reference("proxied")
        .send()
        .await
        .unwrap_err();
    assert!(
        !matches!(error, puzzel_pay::Error::NotFound),
        "a proxy's page read as Puzzel Pay's 404: {error:?}"
    );
    // A batch whose answer is lost, while a proxy answers every lookup.
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "createBatch", FaultAction::DropAfter).key("proxied-2"),
    );
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "getBatchStatus", proxy_page)
            .key("proxied-2")
            .times(10_000),
    );
    let outcome = client
        .create_batch_resolved(support::batch("proxied-2"))
        .await;
    assert!(
        outcome.is_unresolved(),
        "the batch went out; a proxy's 404 proves nothing: {outcome:?}"
    );
}

// ---- 8b. Puzzel Pay: `null` lists, as Puzzel Pay writes them in its own examples ----

#[tokio::test]
async fn a_batch_status_with_null_lists_resolves_the_batch() {
    use nordpay::puzzel_pay;
    let sandbox = Sandbox::start().await.unwrap();
    let client = quick_puzzel_pay(&sandbox);
    let with_nulls = FaultAction::Respond {
        status: 200,
        body: r#"{"reference":"nulls-1","smsStatus":{"sent":1,"delivered":0,"clicked":0},"paymentProviderStatus":{"paymentProviders":null},"recipientStatus":null}"#.into(),
        content_type: Some("application/json".into()),
    };
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "createBatch", FaultAction::DropAfter).key("nulls-1"),
    );
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "getBatchStatus", with_nulls)
            .key("nulls-1")
            .times(10_000),
    );
    let outcome = client
        .create_batch_resolved(support::batch("nulls-1"))
        .await;
    let status = match outcome {
        Resolved::Done(puzzel_pay::BatchRecord::Status(status)) => status,
        other => panic!("the batch went out and its status says so: {other:?}"),
    };
    assert!(status.recipient_status.is_empty(), "{status:?}");
    let providers = status.payment_provider_status.expect("sent as an object");
    assert!(providers.payment_providers.is_empty(), "{providers:?}");
}

// ---- 9. Mediaconnect: an invoice confirmed only by its absence ----

struct Token;

impl nordpay::mediaconnect::TokenSource for Token {
    fn access_token(&self) -> nordpay::mediaconnect::TokenFuture<'_> {
        Box::pin(async { Ok("user-token".to_string().into()) })
    }
}

fn mediaconnect_client(server: &MockServer) -> nordpay::mediaconnect::Client {
    nordpay::mediaconnect::Client::builder(
        nordpay::mediaconnect::Environment::Custom {
            api: format!("{}/capi", server.uri()).parse().unwrap(),
            login: format!("{}/login", server.uri()).parse().unwrap(),
        },
        Token,
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn an_invoice_absent_from_an_empty_answer_is_not_paid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let answer = mediaconnect_client(&server)
        .is_invoice_unpaid("CO27409", "7435367")
        .await;
    assert!(
        matches!(answer, Err(nordpay::mediaconnect::Error::InvoiceNotListed)),
        "an empty answer read as paid: {answer:?}"
    );
}

// ---- Direct Payment: error classes, and a reversal of another payment ----

#[tokio::test]
async fn a_failure_behind_puzzel_is_an_unknown_outcome_and_a_users_refusal_is_not() {
    let sandbox = Sandbox::start().await.unwrap();
    let fault = |code: i32| FaultAction::Respond {
        status: 424,
        body: format!(r#"{{"Code":{code},"Description":"scripted"}}"#),
        content_type: None,
    };
    // (code, whether its refusal leaves the outcome unknown), from the spec.
    for (code, unknown) in [
        (4, true),
        (8, false),
        (9, true),
        (10, false),
        (11, true),
        (12, false),
    ] {
        let client = dp_client(&sandbox, Transport::Rest);
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new("direct_payment", "pay", fault(code)).key(reference.as_str()),
        );
        let error = client.pay(payment(&reference)).await.unwrap_err();
        assert_eq!(
            error.is_outcome_unknown(),
            unknown,
            "code {code}: {error:?}"
        );
        // Answered so without charging: a refusal is NotDone once the
        // lookup shows nothing; an unknown outcome is sent again, once.
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new("direct_payment", "pay", fault(code)).key(reference.as_str()),
        );
        let outcome = client.pay_resolved(payment(&reference)).await;
        if unknown {
            assert!(
                matches!(outcome, Resolved::Done(_)),
                "code {code}: {outcome:?}"
            );
            assert_eq!(charges(&sandbox, &reference).await, [1], "code {code}");
        } else {
            assert!(
                matches!(outcome, Resolved::NotDone(_)),
                "code {code}: {outcome:?}"
            );
            assert!(
                charges(&sandbox, &reference).await.is_empty(),
                "code {code}"
            );
        }
    }
    // Answered code 9 after the charge went through: found, not resent.
    let client = dp_client(&sandbox, Transport::Rest);
    let reference = fresh_client_reference();
    sandbox.script(
        ScriptedFault::new(
            "direct_payment",
            "pay",
            FaultAction::RespondAfter {
                status: 424,
                body: r#"{"Code":9,"Description":"Third party system error"}"#.into(),
                content_type: None,
            },
        )
        .key(reference.as_str()),
    );
    let record = done(client.pay_resolved(payment(&reference)).await);
    assert_eq!(record.payment_status, PaymentStatus::Paid);
    assert_eq!(charges(&sandbox, &reference).await, [1]);
}

#[tokio::test]
async fn a_refusal_is_not_done_only_if_nothing_is_recorded_under_the_key() {
    // A second worker, or an earlier run, charged the reference; this
    // call is turned away (429, then a refusal a proxy made up): Done.
    let sandbox = Sandbox::start().await.unwrap();
    let client = dp_client(&sandbox, Transport::Rest);
    for action in [
        FaultAction::FailBefore {
            status: 429,
            retry_after: Some(0),
        },
        FaultAction::Respond {
            status: 403,
            body: r#"{"Code":7,"Description":"barred"}"#.into(),
            content_type: None,
        },
    ] {
        let reference = fresh_client_reference();
        let first = done(client.pay_resolved(payment(&reference)).await);
        sandbox.script(ScriptedFault::new("direct_payment", "pay", action).key(reference.as_str()));
        let again = done(client.pay_resolved(payment(&reference)).await);
        assert_eq!(again.transaction_id, first.transaction_id);
        assert_eq!(charges(&sandbox, &reference).await, [1]);
    }
}

#[tokio::test]
async fn a_reversal_is_done_only_for_the_transaction_it_reversed() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    // The reference shows a reversed payment, but of another transaction.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ClientReference": "np-other", "PaymentStatus": 2, "TransactionId": 99,
        })))
        .mount(&server)
        .await;
    let client = direct_payment::Client::builder(
        direct_payment::Environment::Custom(server.uri().parse().unwrap()),
        Transport::Rest,
        direct_payment::Credentials::new(1234, "user", "secret"),
    )
    .resolution(resolution(2))
    .build()
    .unwrap();
    let outcome = client.reverse_resolved("np-other", 7).await;
    assert!(
        !matches!(outcome, Resolved::Done(_)),
        "another transaction's reversal taken for this one: {outcome:?}"
    );
}

// ---- lookup-only resolution, for open keys after a restart ----

#[tokio::test]
async fn the_outcome_of_a_key_is_told_without_sending() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = dp_client(&sandbox, Transport::Rest);
    let paid = fresh_client_reference();
    sandbox.script(
        ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter).key(paid.as_str()),
    );
    assert!(client.pay(payment(&paid)).await.is_err());
    let record = done(client.payment_outcome(paid.clone()).await);
    assert_eq!(record.payment_status, PaymentStatus::Paid);
    // A reference never sent: nothing recorded is no proof; nothing is sent.
    let never = fresh_client_reference();
    let outcome = client.payment_outcome(never.clone()).await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
    assert!(charges(&sandbox, &never).await.is_empty());
}

#[tokio::test]
async fn wrong_credentials_are_not_done_when_the_lookup_cannot_tell() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"Code": 1, "Description": "Unauthorized"})),
        )
        .mount(&server)
        .await;
    let client = direct_payment::Client::builder(
        direct_payment::Environment::Custom(server.uri().parse().unwrap()),
        Transport::Rest,
        direct_payment::Credentials::new(1234, "user", "wrong"),
    )
    .resolution(resolution(2))
    .build()
    .unwrap();
    let outcome = client.pay_resolved(payment("np-wrong-key")).await;
    assert!(
        matches!(&outcome, Resolved::NotDone(e) if e.code() == Some(direct_payment::ErrorCode::Unauthorized)),
        "{outcome:?}"
    );
}
