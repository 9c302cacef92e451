//! No password, token, client secret, MSISDN, ClientReference, connectId or
//! chargeToken in anything nordpay traces (captured at TRACE, the HTTP
//! stack's `log` records included) or in any error's Display and Debug,
//! while every operation of every API runs against the sandbox, successes
//! and failures alike. One test per binary installs the global subscriber;
//! it writes this test's thread only, so that the others are not slowed.
#![cfg(feature = "sandbox")]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nordpay::sandbox::browser::{Browser, Visit};
use nordpay::sandbox::{Sandbox, credentials, faults};
use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Display and Debug of every error and client the flows produce.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn error<T, E: std::fmt::Display + std::fmt::Debug>(
        &mut self,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(format!("{error} | {error:?}"));
                None
            }
        }
    }
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.0.push(format!("{value:?}"));
    }
}

const MSISDN: &str = "+4798765432";
const REFERENCE: &str = "cref-7f3a9c";
const CONNECT_ID: &str = "cid-5e1b77";
const CHARGE_TOKEN: &str = "ctok-93d0aa";
const CLIENT_SECRET_OWN: &str = "own-s3cret-client";

fn redirect(visit: Visit) -> url::Url {
    match visit {
        Visit::Redirect(url) => url,
        Visit::Page(page) => panic!("expected a redirect, got {}", page.url()),
    }
}

thread_local! {
    /// Whether this thread's traces are captured.
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[tokio::test]
async fn nothing_secret_or_personal_is_traced_or_shown() {
    let captured = Captured::default();
    let writer = captured.clone();
    // The global subscriber (a thread's own misses spans whose callsites
    // other tests' threads registered first), writing only what this
    // test's thread does: the test's runtime and the sandbox's tasks run
    // on it. Capturing every other test too, span by span, slowed the
    // whole binary by half.
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    CAPTURING.with(|capturing| capturing.set(true));
    let this_thread =
        tracing_subscriber::filter::dynamic_filter_fn(|_, _| CAPTURING.with(|c| c.get()));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                // Spans are written as they close, with every field recorded.
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(this_thread),
        )
        .try_init()
        .unwrap();

    let sandbox = Sandbox::start().await.unwrap();
    let mut shown = Shown::default();
    direct_payment_flows(&sandbox, &mut shown).await;
    puzzel_pay_flow(&sandbox, &mut shown).await;
    let charge_token = connect_flow(&sandbox, &mut shown).await;
    let mediaconnect_tokens = mediaconnect_flow(&sandbox, &mut shown).await;

    retried_read(&mut shown).await;

    let traced = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    // One event per retry, with its reason and delay, inside the operation's span.
    let retry = traced
        .lines()
        .find(|line| line.contains(" retry ") && line.contains("503"))
        .unwrap_or_else(|| panic!("no retry event in:\n{traced}"));
    for field in [
        "nordpay.api=\"connect\"",
        "nordpay.operation=\"getTransaction\"",
        "http.request.method=\"GET\"",
        "url.template=\"/transactions/{transactionId}\"",
        "otel.name=\"GET /transactions/{transactionId}\"",
        "otel.kind=\"internal\"",
        "server.address=\"127.0.0.1\"",
        "reason=\"503 service unavailable\"",
        "delay=",
    ] {
        assert!(retry.contains(field), "{field} missing in {retry}");
    }
    // A client span per attempt (OpenTelemetry's HTTP conventions): the
    // first answered 503, the second is the first resend.
    let attempts: Vec<&str> = traced
        .lines()
        .filter(|line| {
            line.contains("nordpay.attempt")
                && line.contains("close")
                && line.contains("url.template=\"/transactions/{transactionId}\"")
        })
        .collect();
    let failed = attempts
        .iter()
        .find(|line| line.contains("error.type=\"503\""))
        .unwrap_or_else(|| panic!("no attempt span with error.type 503 in:\n{traced}"));
    assert!(!failed.contains("resend_count"), "{failed}");
    let resent = attempts
        .iter()
        .find(|line| line.contains("http.request.resend_count=1"))
        .unwrap_or_else(|| panic!("no resent attempt span in:\n{traced}"));
    for field in [
        "otel.kind=\"client\"",
        "http.response.status_code=200",
        "server.port=",
        "otel.name=\"GET /transactions/{transactionId}\"",
    ] {
        assert!(resent.contains(field), "{field} missing in {resent}");
    }
    // The test would pass vacuously if nothing were traced.
    for operation in [
        "\"Pay\"",
        "createTransaction",
        "createBatch",
        "listInvoices",
    ] {
        assert!(traced.contains(operation), "no span for {operation}");
    }
    assert!(traced.contains("url.template"));
    let mut secrets = vec![
        credentials::DIRECT_PAYMENT_PASSWORD,
        credentials::CONNECT_API_KEY,
        credentials::CONNECT_BEARER_TOKEN,
        credentials::PUZZEL_PAY_JWT,
        credentials::MEDIACONNECT_CLIENT_SECRET,
        CLIENT_SECRET_OWN,
        MSISDN,
        &MSISDN[1..],
        "%2B4798765432",
        faults::BARRED_MSISDN,
        &faults::BARRED_MSISDN[1..],
        REFERENCE,
        CONNECT_ID,
        CHARGE_TOKEN,
    ];
    secrets.extend(charge_token.iter().map(String::as_str));
    secrets.extend(mediaconnect_tokens.iter().map(String::as_str));
    assert!(
        shown.0.len() > 20,
        "the flows produced too few errors to check"
    );
    for secret in secrets {
        assert!(
            !traced.contains(secret),
            "{secret:?} is in the trace output"
        );
        for text in &shown.0 {
            assert!(!text.contains(secret), "{secret:?} is shown in: {text}");
        }
    }
}

/// A read answered 503 once: retried, traced. The transaction ID is a
/// charge token, which must not show.
async fn retried_read(shown: &mut Shown) {
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            include_str!("../fixtures/connect/transaction_created.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = connect::Client::builder(
        connect::Environment::Custom(server.uri().parse().unwrap()),
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    )
    .build()
    .unwrap();
    let found = client
        .get_transaction()
        .transaction_id(CHARGE_TOKEN)
        .send()
        .await;
    assert!(found.is_ok());
    shown.error(found);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

async fn direct_payment_flows(sandbox: &Sandbox, shown: &mut Shown) {
    use direct_payment::types;
    let code: direct_payment::ServiceCode = "06005".parse().unwrap();
    for transport in [
        direct_payment::Transport::Rest,
        direct_payment::Transport::Soap,
    ] {
        let builder = direct_payment::Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            sandbox.direct_payment_credentials(),
        );
        shown.debug(&builder);
        let client = builder.build().unwrap();
        shown.debug(&client);
        let payment = |msisdn: &str, reference: &str| {
            types::PaymentDetails::builder()
                .msisdn(msisdn)
                .price(2500)
                .service_code(code)
                .client_reference(reference)
        };
        let reference = format!("{REFERENCE}-{transport}");
        let paid = shown
            .error(client.pay(payment(MSISDN, &reference)).await)
            .unwrap();
        shown.error(client.pay(payment(MSISDN, &reference)).await); // reused reference
        shown.error(client.pay(payment(faults::BARRED_MSISDN, "b")).await);
        shown.error(client.pay(payment("not a number", REFERENCE)).await);
        shown.error(client.payment_status(reference.as_str()).await);
        shown.error(
            client
                .payment_status(format!("{REFERENCE}-none").as_str())
                .await,
        );
        shown.error(client.reverse_payment(paid.transaction_id.0).await);
        shown.error(client.reverse_payment(paid.transaction_id.0).await); // twice
        shown.error(
            client
                .send_verification_code(
                    types::SendVerificationCodeRequest::builder().msisdn(MSISDN),
                )
                .await,
        );
        shown.error(
            client
                .verify_verification_code(
                    types::VerifyVerificationCodeRequest::builder()
                        .msisdn(MSISDN)
                        .verification_code("000000"),
                )
                .await,
        );
        // A charge answered after the deadline: a transport error.
        let slow = client.with_deadline(Duration::from_millis(200));
        shown.error(
            slow.pay(payment(
                faults::SLOW_MSISDN,
                &format!("{REFERENCE}-slow-{transport}"),
            ))
            .await,
        );
        shown.error(
            client
                .pre_authorize(
                    types::PlatformName::Directpay,
                    types::PreAuthorizeRequest::builder()
                        .msisdn(MSISDN)
                        .transaction_id(REFERENCE)
                        .platform(direct_payment::Platform::DirectPay)
                        .security_level(direct_payment::SecurityLevel::Confirmation),
                )
                .await,
        );
        shown.error(client.user_info(MSISDN).await);
        shown.error(
            client
                .user_info_v2(faults::BARRED_MSISDN, 2500, code, None)
                .await,
        );
        shown.error(client.user_info_v3(MSISDN).await);
        shown.error(client.user_info_summary(MSISDN, 2500, code, None).await);
        shown.error(client.user_info(&format!("{MSISDN}x")).await);
    }
    // Wrong credentials.
    let wrong = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        direct_payment::Transport::Soap,
        direct_payment::Credentials::new(1234, "sandbox", "wr0ng-pass"),
    )
    .build()
    .unwrap();
    shown.error(wrong.payment_status(REFERENCE).await);
    // Nobody listens: reqwest's error would name the URL, MSISDN and all.
    let nowhere = direct_payment::Client::builder(
        direct_payment::Environment::Custom("http://127.0.0.1:9".parse().unwrap()),
        direct_payment::Transport::Rest,
        sandbox.direct_payment_credentials(),
    )
    .retry(nordpay::runtime::RetryConfig::disabled())
    .build()
    .unwrap();
    let refused = nowhere.user_info(MSISDN).await;
    assert!(matches!(
        refused,
        Err(direct_payment::Error::Transport(
            nordpay::runtime::TransportError::Connect { .. }
        ))
    ));
    shown.error(refused);
}

async fn puzzel_pay_flow(sandbox: &Sandbox, shown: &mut Shown) {
    use puzzel_pay::types;
    let builder = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    );
    shown.debug(&builder);
    let client = builder.build().unwrap();
    shown.debug(&client);
    let recipient = |reference: &str, msisdn: &str| -> types::Recipient {
        types::Recipient::builder()
            .reference(reference)
            .msisdn(msisdn)
            .type_(puzzel_pay::RequestType::Payment)
            .payment(types::Payment::builder().amount(10_000u64).currency("NOK"))
            .variables(std::collections::BTreeMap::from([(
                "name".to_string(),
                "Kari".to_string(),
            )]))
            .try_into()
            .unwrap()
    };
    let batch = |reference: &str, recipients: Vec<types::Recipient>| {
        types::BatchRequest::builder()
            .batch_reference(reference)
            .action(puzzel_pay::BatchAction::SendSms)
            .message_templates(vec![types::MessageTemplate {
                type_: puzzel_pay::RequestType::Payment,
                text: "Dear {{name}}, pay here.".into(),
            }])
            .recipients(recipients)
    };
    let status = |reference: String| client.get_batch_status().reference(reference).send();
    shown.error(
        client
            .create_batch()
            .body(batch(REFERENCE, vec![recipient(REFERENCE, MSISDN)]))
            .send()
            .await,
    );
    shown.error(
        client
            .create_batch()
            .body(batch(
                "dup",
                vec![recipient(REFERENCE, MSISDN), recipient(REFERENCE, MSISDN)],
            ))
            .send()
            .await,
    );
    shown.error(status(REFERENCE.into()).await);
    shown.error(status(format!("{REFERENCE}-none")).await);
    shown.error(
        client
            .refund_recipient()
            .batch_reference(REFERENCE)
            .recipient_reference(REFERENCE)
            .send()
            .await,
    );
    shown.error(status(format!("{REFERENCE} with spaces/and slashes")).await);
}

async fn connect_flow(sandbox: &Sandbox, shown: &mut Shown) -> Vec<String> {
    let order = |id: &str| {
        connect::types::NewTransaction::builder()
            .order_id(id)
            .purchase_description("Redaction test")
            .amount(connect::Money::new("NOK", 10_000).unwrap())
            .vat_rate(connect::VatRate::from_percent(25).unwrap())
            .success_redirect("https://shop.example/ok")
            .cancel_redirect("https://shop.example/cancel")
            .connect_id(Some(CONNECT_ID.to_string()))
    };
    let mut tokens = Vec::new();
    for auth in [
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
        connect::Auth::bearer_token(credentials::CONNECT_BEARER_TOKEN),
    ] {
        let builder = connect::Client::builder(sandbox.connect_environment(), auth);
        shown.debug(&builder);
        let client = builder.build().unwrap();
        shown.debug(&client);
        let transaction = shown
            .error(
                client
                    .create_transaction()
                    .body(order(&format!("{REFERENCE}-{}", tokens.len())))
                    .send()
                    .await,
            )
            .unwrap()
            .into_inner();
        let page = match Browser::new()
            .open(&transaction.payment_link().unwrap())
            .await
            .unwrap()
        {
            Visit::Page(page) => page,
            Visit::Redirect(url) => panic!("expected the payment page, got {url}"),
        };
        Browser::new().click(&page, "Pay").await.unwrap();
        let paid = shown
            .error(
                client
                    .get_transaction()
                    .transaction_id(&transaction.id)
                    .send()
                    .await,
            )
            .unwrap()
            .into_inner();
        tokens.extend(paid.charge_token.clone());
        for (connect_id, charge_token) in [
            (CONNECT_ID.to_string(), CHARGE_TOKEN.to_string()),
            (
                CONNECT_ID.to_string(),
                paid.charge_token.clone().unwrap_or_default(),
            ),
        ] {
            shown.error(
                client
                    .list_transactions()
                    .connect_id(connect_id)
                    .charge_token(charge_token)
                    .send()
                    .await,
            );
        }
        let refund = || {
            client
                .refund_transaction()
                .transaction_id(&transaction.id)
                .body(
                    connect::types::RefundRequest::builder()
                        .refund_issuer("shop@shop.example")
                        .refund_reason("test"),
                )
                .send()
        };
        shown.error(refund().await);
        shown.error(refund().await); // twice
        shown.error(
            client
                .get_transaction()
                .transaction_id(CHARGE_TOKEN)
                .send()
                .await,
        );
        let agreement = shown
            .error(
                client
                    .create_agreement()
                    .body(
                        connect::types::NewAgreement::builder()
                            .connect_id(Some(CONNECT_ID.to_string()))
                            .recurrence_time_spec("R/P1M")
                            .verification_transaction(order(&format!(
                                "{REFERENCE}-a{}",
                                tokens.len()
                            ))),
                    )
                    .send()
                    .await,
            )
            .unwrap()
            .into_inner();
        shown.error(client.list_agreements().connect_id(CONNECT_ID).send().await);
        shown.error(
            client
                .get_agreement()
                .agreement_id(&agreement.id)
                .send()
                .await,
        );
        shown.error(
            client
                .stop_agreement()
                .agreement_id(&agreement.id)
                .send()
                .await,
        );
        // Too long: refused before sending.
        shown.error(
            client
                .create_transaction()
                .body(order(&"x".repeat(101)))
                .send()
                .await,
        );
    }
    let wrong = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key("wr0ng-k3y"),
    )
    .build()
    .unwrap();
    shown.error(
        wrong
            .list_transactions()
            .connect_id(CONNECT_ID)
            .send()
            .await,
    );
    tokens
}

async fn mediaconnect_flow(sandbox: &Sandbox, shown: &mut Shown) -> Vec<String> {
    use mediaconnect::types;
    use secrecy::ExposeSecret as _;
    let environment = sandbox.mediaconnect_environment();
    let oauth = crate::support::mediaconnect_oauth(sandbox);
    shown.debug(&oauth);
    let back = redirect(
        Browser::new()
            .open(&oauth.authorize_url("state-1"))
            .await
            .unwrap(),
    );
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = oauth.exchange_code(&code).await.unwrap();
    shown.debug(&tokens);
    shown.error(oauth.exchange_code(&code).await); // used twice
    let secrets = vec![
        code.clone(),
        tokens.access_token().expose_secret().to_string(),
        tokens.refresh_token().unwrap().expose_secret().to_string(),
    ];
    let wrong_secret = mediaconnect::OAuthClient::new(
        environment.login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
        CLIENT_SECRET_OWN,
        "https://shop.example/cb".parse().unwrap(),
    )
    .unwrap();
    shown.error(wrong_secret.exchange_code(&code).await);
    let user = mediaconnect::UserTokens::new(oauth, tokens);
    shown.debug(&user);
    let client = mediaconnect::Client::builder(environment, user)
        .build()
        .unwrap();
    shown.debug(&client);
    let methods = |code: &'static str| client.list_payment_methods().product_code(code).send();
    shown.error(methods("P1").await);
    let started = shown.error(
        client
            .pay_invoice()
            .body(
                types::InvoicePaymentRequest::builder()
                    .invoice_number("1001")
                    .product_code("P1")
                    .company_code("SANDBOX")
                    .payment_method(types::InvoicePaymentMethod::Nexi),
            )
            .send()
            .await,
    );
    assert!(started.is_some());
    shown.error(
        client
            .change_payment_method()
            .product_code("P1")
            .body(types::PaymentChangeRequest {
                payment_method: types::RecurringPaymentMethod::Invoice,
            })
            .send()
            .await,
    );
    shown.error(
        client
            .add_vipps_agreement()
            .body(types::VippsAgreementRequest::builder().product_code("P1"))
            .send()
            .await,
    );
    shown.error(client.list_vipps_agreements().send().await);
    shown.error(
        client
            .remove_vipps_agreement()
            .body(
                types::VippsAgreementRemoval::builder()
                    .agreement_ref("sandbox-vipps-1")
                    .payment_provider_id(std::num::NonZeroU32::new(55).unwrap()),
            )
            .send()
            .await,
    );
    shown.error(
        client
            .list_invoices()
            .product_code("P1")
            .unpaid(true)
            .send()
            .await,
    );
    shown.error(methods("FAR-TOO-LONG-CODE").await);
    struct Refused;
    impl mediaconnect::TokenSource for Refused {
        fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
            Box::pin(async { Err("the store has no token".into()) })
        }
    }
    shown.error(
        client
            .for_user(Refused)
            .list_invoices()
            .product_code("P1")
            .send()
            .await,
    );
    secrets
}
