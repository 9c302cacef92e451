//! The clients against the sandbox: whole flows, every row of the fault
//! table, each API's own auth and error shapes.
#![cfg(feature = "sandbox")]

use crate::support;

use support::{connect_client, direct_payment_client, payment_links};

use std::time::Duration;

use nordpay::sandbox::browser::{Browser, Visit};
use nordpay::sandbox::{Sandbox, credentials, faults};
use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};
use url::Url;

fn redirect(visit: Visit) -> Url {
    match visit {
        Visit::Redirect(url) => url,
        Visit::Page(page) => panic!("expected a redirect, got {}", page.url()),
    }
}

fn page(visit: Visit) -> nordpay::sandbox::browser::Page {
    match visit {
        Visit::Page(page) => page,
        Visit::Redirect(url) => panic!("expected a page, got a redirect to {url}"),
    }
}

// ---- Direct Payment ----

fn payment(msisdn: &str, reference: &str) -> direct_payment::types::builder::PaymentDetails {
    direct_payment::types::PaymentDetails::builder()
        .msisdn(msisdn)
        .price(2500)
        .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
        .client_reference(reference)
}

const TRANSPORTS: [direct_payment::Transport; 2] = [
    direct_payment::Transport::Rest,
    direct_payment::Transport::Soap,
];

#[tokio::test]
async fn direct_payment_ledger_rules_hold_on_both_transports() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = direct_payment_client(&sandbox, transport);
        let reference = format!("ledger-{transport}");
        let paid = client
            .pay(payment("+4799999999", &reference))
            .await
            .unwrap();

        // A reference is used once.
        let again = client
            .pay(payment("+4799999999", &reference))
            .await
            .unwrap_err();
        assert_eq!(
            again.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}: {again:?}"
        );

        // A payment is reversed once.
        client.reverse_payment(paid.transaction_id.0).await.unwrap();
        let twice = client
            .reverse_payment(paid.transaction_id.0)
            .await
            .unwrap_err();
        assert_eq!(
            twice.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}"
        );
        let status = client.payment_status(reference.as_str()).await.unwrap();
        assert_eq!(
            status.payment_status,
            direct_payment::PaymentStatus::Reversed
        );
        assert_eq!(status.transaction_id, Some(paid.transaction_id.0));

        // Version 2 fields travel on both transports.
        let v2 = payment("+4799999999", &format!("v2-{transport}"))
            .security_level(Some(direct_payment::SecurityLevel::None))
            .authorization_token(Some("tok-1".to_string()));
        client.pay(v2).await.unwrap();

        let unknown = client.payment_status("never-paid").await.unwrap_err();
        assert_eq!(unknown.code(), Some(direct_payment::ErrorCode::NotFound));
        let unknown = client.reverse_payment(1).await.unwrap_err();
        assert_eq!(unknown.code(), Some(direct_payment::ErrorCode::NotFound));
    }
}

#[tokio::test]
async fn direct_payment_fault_table() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = direct_payment_client(&sandbox, transport);
        for (msisdn, code, status) in [
            (
                faults::BARRED_MSISDN,
                direct_payment::ErrorCode::MsisdnBarred,
                403,
            ),
            (
                faults::MNO_ERROR_MSISDN,
                direct_payment::ErrorCode::MnoError,
                424,
            ),
            (
                faults::NO_FUNDS_MSISDN,
                direct_payment::ErrorCode::FinancialFailure,
                424,
            ),
        ] {
            let error = client
                .pay(payment(msisdn, &format!("{transport}-{msisdn}")))
                .await
                .unwrap_err();
            match error {
                direct_payment::Error::Fault {
                    code: got,
                    status: Some(s),
                    ..
                } => {
                    assert_eq!((got, s.as_u16()), (code, status), "{transport} {msisdn}")
                }
                other => panic!("{transport} {msisdn}: {other:?}"),
            }
        }
        // Wrong credentials: that API's own 401 fault.
        let wrong = direct_payment::Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            direct_payment::Credentials::new(
                credentials::DIRECT_PAYMENT_SERVICE_ID,
                "sandbox",
                "wrong",
            ),
        )
        .build()
        .unwrap();
        let error = wrong.pay(payment("+4799999999", "x")).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(direct_payment::ErrorCode::Unauthorized),
            "{transport}"
        );
    }
}

#[tokio::test]
async fn a_timeout_after_the_charge_was_committed_shows_as_paid() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let impatient = direct_payment::Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            sandbox.direct_payment_credentials(),
        )
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
        let reference = format!("slow-{transport}");
        let error = impatient
            .pay(payment(faults::SLOW_MSISDN, &reference))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                direct_payment::Error::Transport(
                    direct_payment::TransportError::DeadlineExceeded { sent: true, .. }
                )
            ) && error.is_outcome_unknown(),
            "{transport}: {error:?}"
        );
        // The charge went through: ask, do not pay again.
        let status = direct_payment_client(&sandbox, transport)
            .payment_status(reference.as_str())
            .await
            .unwrap();
        assert_eq!(
            status.payment_status,
            direct_payment::PaymentStatus::Paid,
            "{transport}"
        );
    }
}

#[tokio::test]
async fn verification_codes_are_delivered_to_the_inbox_and_expire() {
    let sandbox = Sandbox::start().await.unwrap();
    // What the phone received: the inbox of the sandbox's control routes.
    let code_sent_to = |msisdn: &str| {
        let url = sandbox
            .control_url()
            .join(&format!(
                "sandbox/direct-payment/verification-codes/{msisdn}"
            ))
            .unwrap();
        async move {
            let sent: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            sent["Code"].as_str().unwrap().to_string()
        }
    };
    for (transport, msisdn) in [
        (direct_payment::Transport::Rest, "+4791111111"),
        (direct_payment::Transport::Soap, "+4792222222"),
    ] {
        let client = direct_payment_client(&sandbox, transport);
        let verify = |code: &str| {
            direct_payment::types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code)
        };
        let none = client
            .verify_verification_code(verify("000000"))
            .await
            .unwrap_err();
        assert_eq!(
            none.code(),
            Some(direct_payment::ErrorCode::NotFound),
            "{transport}"
        );

        client
            .send_verification_code(
                direct_payment::types::SendVerificationCodeRequest::builder().msisdn(msisdn),
            )
            .await
            .unwrap();
        let code = code_sent_to(msisdn).await;
        let wrong = client
            .verify_verification_code(verify("999999x"))
            .await
            .unwrap_err();
        assert_eq!(
            wrong.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}"
        );
        client
            .verify_verification_code(verify(&code))
            .await
            .unwrap();

        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        client
            .send_verification_code(
                direct_payment::types::SendVerificationCodeRequest::builder()
                    .msisdn(msisdn)
                    .expiry_time(Some(past.into())),
            )
            .await
            .unwrap();
        let code = code_sent_to(msisdn).await;
        let expired = client
            .verify_verification_code(verify(&code))
            .await
            .unwrap_err();
        assert_eq!(
            expired.code(),
            Some(direct_payment::ErrorCode::Expired),
            "{transport}"
        );
    }

    // A code valid for an hour expires when the sandbox's clock moves on:
    // no test has to wait for it.
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let msisdn = "+4793333333";
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    client
        .send_verification_code(
            direct_payment::types::SendVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .expiry_time(Some(in_an_hour.into())),
        )
        .await
        .unwrap();
    let code = code_sent_to(msisdn).await;
    sandbox.advance(std::time::Duration::from_secs(2 * 3600));
    let expired = client
        .verify_verification_code(
            direct_payment::types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code.as_str()),
        )
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some(direct_payment::ErrorCode::Expired));
    // Reset brings the clock back.
    sandbox.reset();
    let response = reqwest::Client::new()
        .post(sandbox.control_url().join("sandbox/advance").unwrap())
        .json(&serde_json::json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn rest_only_calls_work_against_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let token = client
        .pre_authorize(
            direct_payment::types::PlatformName::Directpay,
            direct_payment::types::PreAuthorizeRequest::builder()
                .msisdn("+4799999999")
                .transaction_id("mine")
                .platform(direct_payment::Platform::DirectPay)
                .security_level(direct_payment::SecurityLevel::Confirmation),
        )
        .await
        .unwrap();
    assert!(token.token.unwrap().starts_with("preauth-"));
    assert_eq!(token.transaction_id.as_deref(), Some("mine"));
    let code: direct_payment::ServiceCode = "06005".parse().unwrap();
    let barred = client.user_info(faults::BARRED_MSISDN).await.unwrap();
    assert_eq!(
        barred.validity,
        Some(direct_payment::Validity::MnoBillingBarred)
    );
    client
        .user_info_v2("+4799999999", 2500, code, None)
        .await
        .unwrap();
    let error = client
        .user_info_v2(faults::BARRED_MSISDN, 2500, code, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(direct_payment::ErrorCode::MsisdnBarred));
    assert_eq!(
        client
            .user_info_v3("+4799999999")
            .await
            .unwrap()
            .remaining_yearly_amount,
        Some(-1)
    );
    let summary = client
        .user_info_summary(faults::BARRED_MSISDN, 2500, code, None)
        .await
        .unwrap();
    assert_eq!(summary.response_v2_fault.map(|f| f.code), Some(7));
}

// ---- CONNECT ----

fn order(id: &str) -> connect::types::builder::NewTransaction {
    connect::types::NewTransaction::builder()
        .order_id(id)
        .purchase_description("Sandbox test")
        .amount(connect::Money::new("NOK", 10_000).unwrap())
        .vat_rate(connect::VatRate::from_percent(25).unwrap())
        .success_redirect("https://shop.example/ok")
        .cancel_redirect("https://shop.example/cancel")
        .connect_id(Some("user-1".to_string()))
}

#[tokio::test]
async fn connect_transactions_refunds_and_the_payment_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = connect_client(
        &sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    );

    let created = client
        .create_transaction()
        .body(order("o-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = connect::location(&created).unwrap();
    let transaction = created.into_inner();
    assert!(location.path().ends_with(&transaction.id));
    assert_eq!(
        transaction.vat_amount,
        Some(connect::Money::new("NOK", 2_500).unwrap())
    );

    // Refunding before it is paid is refused in the API's own shape.
    let refund = |id: String| {
        client
            .refund_transaction()
            .transaction_id(id)
            .body(
                connect::types::RefundRequest::builder()
                    .refund_issuer("me")
                    .refund_reason("test"),
            )
            .send()
    };
    let early = refund(transaction.id.clone()).await.unwrap_err();
    assert_eq!(early.status().map(|s| s.as_u16()), Some(400), "{early:?}");
    assert_eq!(
        early.provider_error().unwrap().code.as_deref(),
        Some("NOT_REFUNDABLE")
    );

    let pay = page(
        browser
            .open(&transaction.payment_link().unwrap())
            .await
            .unwrap(),
    );
    let back = redirect(browser.click(&pay, "Pay").await.unwrap());
    assert_eq!(back.as_str(), "https://shop.example/ok");
    let paid = client
        .get_transaction()
        .transaction_id(&transaction.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.state, connect::types::TransactionState::Completed);

    let refunded = refund(transaction.id.clone()).await.unwrap().into_inner();
    assert_eq!(
        refunded.type_,
        Some(connect::types::TransactionType::Refund)
    );
    assert_eq!(
        refunded.refund_for_transaction_id.as_deref(),
        Some(transaction.id.as_str())
    );
    let twice = refund(transaction.id.clone()).await.unwrap_err();
    assert_eq!(
        twice.provider_error().unwrap().code.as_deref(),
        Some("ALREADY_REFUNDED")
    );

    // Listing needs a connectId (the docs' plain-text 400), and filters.
    let listed = client
        .list_transactions()
        .connect_id("user-1")
        .type_(connect::types::TransactionType::Refund)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1);
    let error = client.list_transactions().send().await.unwrap_err();
    assert_eq!(
        error.provider_error().unwrap().message.as_deref(),
        Some("connectId or chargeToken must be given to this method")
    );
}

#[tokio::test]
async fn connect_failing_orders_and_cancels_go_to_cancel_redirect() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = connect_client(
        &sandbox,
        connect::Auth::bearer_token(credentials::CONNECT_BEARER_TOKEN),
    );
    for (id, button) in [
        (format!("{}1", faults::FAILING_ORDER_PREFIX), "Pay"),
        ("o-cancel".to_string(), "Cancel"),
    ] {
        let transaction = client
            .create_transaction()
            .body(order(&id))
            .send()
            .await
            .unwrap()
            .into_inner();
        let pay = page(
            browser
                .open(&transaction.payment_link().unwrap())
                .await
                .unwrap(),
        );
        let back = redirect(browser.click(&pay, button).await.unwrap());
        assert_eq!(back.as_str(), "https://shop.example/cancel", "{id}");
        let now = client
            .get_transaction()
            .transaction_id(&transaction.id)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(now.state, connect::types::TransactionState::Failed, "{id}");
    }
}

#[tokio::test]
async fn connect_agreements_move_through_their_states() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = connect_client(
        &sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    );
    let agreement = support::monthly_agreement(&client, order("agreement-1")).await;
    let state = |id: String| async {
        client
            .get_agreement()
            .agreement_id(id)
            .send()
            .await
            .unwrap()
            .into_inner()
            .state
    };
    assert_eq!(agreement.state, connect::types::AgreementState::Created);
    let pay = page(
        browser
            .open(&agreement.payment_link().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(
        state(agreement.id.clone()).await,
        connect::types::AgreementState::PendingVerification
    );
    browser.click(&pay, "Pay").await.unwrap();
    assert_eq!(
        state(agreement.id.clone()).await,
        connect::types::AgreementState::Active
    );
    let active = client
        .list_agreements()
        .connect_id("user-1")
        .state(connect::types::AgreementState::Active)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(active.len(), 1);
    client
        .stop_agreement()
        .agreement_id(&agreement.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        state(agreement.id.clone()).await,
        connect::types::AgreementState::Stopped
    );
}

#[tokio::test]
async fn connect_wrong_credentials_and_bad_bodies_get_connects_own_errors() {
    let sandbox = Sandbox::start().await.unwrap();
    let wrong = connect_client(&sandbox, connect::Auth::api_key("not-the-key"));
    let error = wrong
        .create_transaction()
        .body(order("o"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        error.provider_error().unwrap().message.as_deref(),
        Some("Unauthorized access")
    );

    // A body the client would never send, straight to the sandbox.
    let response = reqwest::Client::new()
        .post(sandbox.connect_url().join("connect/transactions").unwrap())
        .basic_auth(credentials::CONNECT_API_KEY, Some(""))
        .json(&serde_json::json!({"orderId": "x".repeat(101)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errorNamespace"], "telenordigital.payment");

    // The product rules the client checks, the sandbox checks too.
    let response = reqwest::Client::new()
        .post(sandbox.connect_url().join("connect/transactions").unwrap())
        .basic_auth(credentials::CONNECT_API_KEY, Some(""))
        .json(&serde_json::json!({
            "orderId": "short-list", "purchaseDescription": "d", "amount": "NOK 100.00",
            "vatRate": "0.25", "successRedirect": "https://e.com/s", "cancelRedirect": "https://e.com/c",
            "products": [{"name": "a", "price": "NOK 60.00", "vatRate": "0.25"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("products:"),
        "{body}"
    );
}

// ---- Puzzel Pay ----

/// Puzzel Pay's three operations, as a service calls them: `?` gives the
/// API's error.
async fn create_batch(
    client: &puzzel_pay::Client,
    batch: puzzel_pay::types::builder::BatchRequest,
) -> Result<puzzel_pay::types::BatchResponse, puzzel_pay::Error> {
    Ok(client.create_batch().body(batch).send().await?.into_inner())
}

async fn batch_status(
    client: &puzzel_pay::Client,
    reference: &str,
) -> Result<puzzel_pay::types::BatchStatus, puzzel_pay::Error> {
    Ok(client
        .get_batch_status()
        .reference(reference)
        .send()
        .await?
        .into_inner())
}

async fn refund(
    client: &puzzel_pay::Client,
    batch: &str,
    recipient: &str,
) -> Result<(), puzzel_pay::Error> {
    client
        .refund_recipient()
        .batch_reference(batch)
        .recipient_reference(recipient)
        .send()
        .await?;
    Ok(())
}

/// A Puzzel Pay client of `sandbox`, with the JWT it accepts.
fn puzzel_client(sandbox: &Sandbox) -> puzzel_pay::Client {
    puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap()
}

fn batch(reference: &str, msisdns: &[&str]) -> puzzel_pay::types::builder::BatchRequest {
    let recipients = msisdns
        .iter()
        .enumerate()
        .map(|(i, msisdn)| {
            puzzel_pay::types::Recipient::builder()
                .reference(format!("r{i}"))
                .msisdn(*msisdn)
                .type_(puzzel_pay::RequestType::Payment)
                .payment(
                    puzzel_pay::types::Payment::builder()
                        .amount(10_000u64)
                        .currency("NOK"),
                )
                .variables(std::collections::BTreeMap::from([(
                    "name".to_string(),
                    format!("N{i}"),
                )]))
                .try_into()
                .unwrap()
        })
        .collect::<Vec<puzzel_pay::types::Recipient>>();
    puzzel_pay::types::BatchRequest::builder()
        .batch_reference(reference)
        .action(puzzel_pay::BatchAction::CreateLinks)
        .message_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Hi {{name}}".into(),
        }])
        .recipients(recipients)
}

#[tokio::test]
async fn puzzel_pay_recipients_move_through_the_steps_and_refunds_follow_the_rules() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch(
            "b1",
            &[
                "+4799999999",
                faults::NO_FUNDS_MSISDN,
                faults::MNO_ERROR_MSISDN,
            ],
        ),
    )
    .await
    .unwrap();
    let links = payment_links(answer);
    let steps = |status: &puzzel_pay::types::BatchStatus| -> Vec<puzzel_pay::Step> {
        status
            .recipient_status
            .iter()
            .map(|r| r.step.unwrap())
            .collect()
    };
    assert_eq!(
        steps(&batch_status(&client, "b1").await.unwrap()),
        [puzzel_pay::Step::SmsEnqueued; 3]
    );

    let delivered = sandbox
        .control_url()
        .join("sandbox/puzzel-pay/batches/b1/recipients/r0/delivered")
        .unwrap();
    reqwest::Client::new()
        .post(delivered)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    for (link, button) in links.iter().zip([
        "Pay with Strex (Direct Payment)",
        "Pay with card",
        "Pay with card",
    ]) {
        let pay = page(browser.open(link).await.unwrap());
        browser.click(&pay, button).await.unwrap();
    }
    let status = batch_status(&client, "b1").await.unwrap();
    use puzzel_pay::Step::{Paid, PaymentFailed};
    assert_eq!(steps(&status), [Paid, PaymentFailed, Paid]);
    // A callback is a hint anyone could send; the batch status confirms it.
    assert_eq!(client.recipient_step("b1", "r0").await.unwrap(), Some(Paid));
    assert_eq!(
        client.recipient_step("b1", "r1").await.unwrap(),
        Some(PaymentFailed)
    );
    assert_eq!(client.recipient_step("b1", "nobody").await.unwrap(), None);
    assert_eq!(status.sms_status.as_ref().unwrap().clicked, Some(3));

    refund(&client, "b1", "r0").await.unwrap();
    assert!(matches!(
        refund(&client, "b1", "r0").await,
        Err(puzzel_pay::Error::Status { .. })
    ));
    assert!(matches!(
        refund(&client, "b1", "r1").await,
        Err(puzzel_pay::Error::Status { .. })
    ));
    assert!(matches!(
        refund(&client, "b1", "r2").await,
        Err(puzzel_pay::Error::RefundRejected)
    ));
    assert!(matches!(
        refund(&client, "b1", "nobody").await,
        Err(puzzel_pay::Error::NotFound)
    ));
    assert!(matches!(
        batch_status(&client, "nope").await,
        Err(puzzel_pay::Error::NotFound)
    ));
}

#[tokio::test]
async fn puzzel_pay_sms_to_a_barred_number_fails() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch("sms", &["+4799999999", faults::BARRED_MSISDN])
            .action(puzzel_pay::BatchAction::SendSms),
    )
    .await
    .unwrap();
    let codes: Vec<_> = answer
        .sms_statuses
        .unwrap()
        .iter()
        .map(|s| s.status_code)
        .collect();
    assert_eq!(codes, [Some(0), Some(1)]);
    assert!(answer.payment_links.is_none());
    let steps: Vec<_> = batch_status(&client, "sms")
        .await
        .unwrap()
        .recipient_status
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(
        steps,
        [
            Some(puzzel_pay::Step::SmsEnqueued),
            Some(puzzel_pay::Step::SmsFailed)
        ]
    );
}

#[tokio::test]
async fn puzzel_pay_validation_errors_come_in_the_documented_shape() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let missing =
        batch("b2", &["+4799999999"]).message_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Hi {{name}}, you owe {{amount}}".into(),
        }]);
    match create_batch(&client, missing).await.unwrap_err() {
        puzzel_pay::Error::Validation(errors) => {
            assert_eq!(
                errors["recipients[0].variables"],
                ["The variable 'amount' is missing"]
            )
        }
        other => panic!("{other:?}"),
    }
    create_batch(&client, batch("b3", &["+4799999999"]))
        .await
        .unwrap();
    match create_batch(&client, batch("b3", &["+4799999999"]))
        .await
        .unwrap_err()
    {
        puzzel_pay::Error::Validation(errors) => assert!(errors.contains_key("batchReference")),
        other => panic!("{other:?}"),
    }
    // The spec's batch rules bind the sandbox as they bind the client: a
    // batch the client would refuse, sent by hand, is refused in the API's shape.
    let two_with_one_reference = serde_json::json!({
        "batchReference": "b4",
        "action": 2,
        "messageTemplates": [{"type": 1, "text": "Pay: {{paymentLink}}"}],
        "recipients": [
            {"reference": "same", "msisdn": "+4799999999", "type": 1,
             "payment": {"amount": 100, "currency": "NOK"}},
            {"reference": "same", "msisdn": "+4799999998", "type": 1,
             "payment": {"amount": 100, "currency": "NOK"}}
        ]
    });
    let response = reqwest::Client::new()
        .post(format!("{}/batches", sandbox.puzzel_pay_url()))
        .bearer_auth(credentials::PUZZEL_PAY_JWT)
        .header(
            "content-type",
            "application/vnd.instapay.batchrequest.v1+json",
        )
        .body(two_with_one_reference.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        answer["validationErrors"]["recipients[1].reference"][0],
        "the same as an earlier item's; each reference is unique"
    );
    let wrong = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        "eyJhbGciOiJub25lIn0.e30.not-it",
    )
    .build()
    .unwrap();
    assert!(matches!(
        batch_status(&wrong, "b3").await,
        Err(puzzel_pay::Error::Unauthorized)
    ));
}

// ---- Mediaconnect ----

async fn logged_in(sandbox: &Sandbox) -> mediaconnect::Client {
    let environment = sandbox.mediaconnect_environment();
    let oauth = mediaconnect::OAuthClient::new(
        environment.login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
        credentials::MEDIACONNECT_CLIENT_SECRET,
        "https://shop.example/cb".parse().unwrap(),
    )
    .unwrap();
    let back = redirect(
        Browser::new()
            .open(&oauth.authorize_url("s"))
            .await
            .unwrap(),
    );
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        back.query_pairs().find(|(k, _)| k == "state").unwrap().1,
        "s"
    );
    let tokens = oauth.exchange_code(&code).await.unwrap();
    // A code is used once.
    assert!(matches!(
        oauth.exchange_code(&code).await,
        Err(mediaconnect::TokenError::Rejected { .. })
    ));
    mediaconnect::Client::builder(environment, mediaconnect::UserTokens::new(oauth, tokens))
        .build()
        .unwrap()
}

#[tokio::test]
async fn mediaconnect_payment_pages_return_each_outcome() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = logged_in(&sandbox).await;
    let login = mediaconnect::LoginServer::new(
        sandbox.mediaconnect_environment().login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
    )
    .unwrap();
    let (back, error): (Url, Url) = (
        "https://shop.example/back".parse().unwrap(),
        "https://shop.example/err".parse().unwrap(),
    );
    for (invoice, button, expected) in [
        ("1001", "Leave pending", mediaconnect::Outcome::Initiated),
        ("1001", "Lose track", mediaconnect::Outcome::Unknown),
        ("1001", "Cancel", mediaconnect::Outcome::Cancelled),
        ("1002", "Confirm", mediaconnect::Outcome::Finished),
        (
            faults::FAILING_INVOICE,
            "Confirm",
            mediaconnect::Outcome::Failed,
        ),
    ] {
        let started = client
            .pay_invoice()
            .body(
                mediaconnect::types::InvoicePaymentRequest::builder()
                    .invoice_number(invoice)
                    .product_code("P1")
                    .company_code("SANDBOX")
                    .payment_method(mediaconnect::types::InvoicePaymentMethod::Nexi),
            )
            .send()
            .await
            .unwrap()
            .into_inner();
        let url = login.invoice_payment(&back, &error, started.transaction_id.unwrap());
        let confirm = page(browser.open(&url).await.unwrap());
        let returned = redirect(browser.click(&confirm, button).await.unwrap());
        assert_eq!(
            mediaconnect::Outcome::from_return_url(&returned).unwrap(),
            expected,
            "{invoice}"
        );
    }
    let unpaid = client
        .list_invoices()
        .product_code("P1")
        .unpaid(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    let numbers: Vec<_> = unpaid
        .invoices
        .iter()
        .map(|i| i.invoice_number.clone().unwrap())
        .collect();
    assert_eq!(numbers, ["1001", faults::FAILING_INVOICE]);
    // A return URL is a hint anyone could type; the API confirms it.
    assert!(!client.is_invoice_unpaid("P1", "1002").await.unwrap());
    assert!(client.is_invoice_unpaid("P1", "1001").await.unwrap());

    // An unknown transaction goes to errorUrl.
    let lost = login.invoice_payment(&back, &error, 1);
    assert_eq!(redirect(browser.open(&lost).await.unwrap()), error);
}

#[tokio::test]
async fn a_vipps_agreement_confirmed_at_the_login_server_is_listed_until_removed() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = logged_in(&sandbox).await;
    let login = mediaconnect::LoginServer::new(
        sandbox.mediaconnect_environment().login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
    )
    .unwrap();
    let listed = || async {
        client
            .list_vipps_agreements()
            .send()
            .await
            .unwrap()
            .into_inner()
            .recurring_agreements
    };
    assert!(listed().await.is_empty());
    let started = client
        .add_vipps_agreement()
        .body(mediaconnect::types::VippsAgreementRequest::builder().product_code("P7"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let url = login.vipps_agreement(
        &"https://shop.example/back".parse().unwrap(),
        &"https://shop.example/err".parse().unwrap(),
        started.transaction_id.unwrap(),
    );
    let confirm = page(browser.open(&url).await.unwrap());
    redirect(browser.click(&confirm, "Confirm").await.unwrap());
    let agreements = listed().await;
    assert_eq!(agreements.len(), 1);
    assert_eq!(agreements[0].product_code.as_deref(), Some("P7"));
    let removal = || {
        mediaconnect::types::VippsAgreementRemoval::builder()
            .agreement_ref(agreements[0].agreement_ref.clone().unwrap())
            .payment_provider_id(
                std::num::NonZeroU32::new(
                    u32::try_from(agreements[0].payment_provider_id.unwrap()).unwrap(),
                )
                .unwrap(),
            )
    };
    let remove = || async {
        client
            .remove_vipps_agreement()
            .body(removal())
            .send()
            .await
            .unwrap()
            .into_inner()
            .success
    };
    assert_eq!(remove().await, Some(true));
    assert!(listed().await.is_empty());
    // Removing it again changes nothing and says so.
    assert_eq!(remove().await, Some(false));
}

#[tokio::test]
async fn a_lost_invoice_payment_start_is_started_again_and_confirmed_by_the_api() {
    // Starting an invoice payment moves no money (the user pays at the
    // login server), so a lost answer is simply started again; what counts
    // is confirmed with the API, not read from the return URL.
    let sandbox = Sandbox::start().await.unwrap();
    let client = logged_in(&sandbox).await;
    sandbox.script(nordpay::sandbox::ScriptedFault::new(
        "mediaconnect",
        "payInvoice",
        nordpay::sandbox::FaultAction::DropAfter,
    ));
    let request = || {
        mediaconnect::types::InvoicePaymentRequest::builder()
            .invoice_number("1002")
            .product_code("P1")
            .company_code("SANDBOX")
            .payment_method(mediaconnect::types::InvoicePaymentMethod::Nexi)
    };
    let lost = client
        .pay_invoice()
        .body(request())
        .send()
        .await
        .unwrap_err();
    assert!(lost.is_outcome_unknown(), "{lost:?}");
    assert!(client.is_invoice_unpaid("P1", "1002").await.unwrap());
    let started = client
        .pay_invoice()
        .body(request())
        .send()
        .await
        .unwrap()
        .into_inner();
    let login = mediaconnect::LoginServer::new(
        sandbox.mediaconnect_environment().login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
    )
    .unwrap();
    let url = login.invoice_payment(
        &"https://shop.example/back".parse().unwrap(),
        &"https://shop.example/err".parse().unwrap(),
        started.transaction_id.unwrap(),
    );
    let browser = Browser::new();
    let confirm = page(browser.open(&url).await.unwrap());
    browser.click(&confirm, "Confirm").await.unwrap();
    assert!(!client.is_invoice_unpaid("P1", "1002").await.unwrap());
}

#[tokio::test]
async fn mediaconnect_refuses_unknown_tokens_in_oauth_shape() {
    let sandbox = Sandbox::start().await.unwrap();
    struct Fake;
    impl mediaconnect::TokenSource for Fake {
        fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
            Box::pin(async { Ok("forged".to_string().into()) })
        }
    }
    let client = mediaconnect::Client::builder(sandbox.mediaconnect_environment(), Fake)
        .build()
        .unwrap();
    let error = client
        .list_payment_methods()
        .product_code("P1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, mediaconnect::Error::OAuth { error, .. } if error == "invalid_token"),
        "{error:?}"
    );
}

#[tokio::test]
async fn reset_forgets_everything() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    client
        .pay(payment("+4799999999", "before-reset"))
        .await
        .unwrap();
    sandbox.reset();
    let gone = client.payment_status("before-reset").await.unwrap_err();
    assert_eq!(gone.code(), Some(direct_payment::ErrorCode::NotFound));
    client
        .pay(payment("+4799999999", "before-reset"))
        .await
        .unwrap();
}

// ---- Only what the specs list ----

/// A raw request to the sandbox, as a client of another language sends it.
async fn raw(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn the_sandbox_answers_only_what_its_specs_list() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();

    // CONNECT lists no 404: an ID that is no one's is Forbidden.
    let (status, _) = raw(http
        .get(
            sandbox
                .connect_url()
                .join("connect/transactions/nobody")
                .unwrap(),
        )
        .basic_auth(credentials::CONNECT_API_KEY, Some("")))
    .await;
    assert_eq!(status, 403);

    // Puzzel Pay lists no 415: a wrong media type is a 400 of validation errors.
    let (status, body) = raw(http
        .post(sandbox.puzzel_pay_url().join("puzzel-pay/batches").unwrap())
        .bearer_auth(credentials::PUZZEL_PAY_JWT)
        .json(&serde_json::json!({})))
    .await;
    assert_eq!(status, 400);
    assert!(
        body["validationErrors"]["Content-Type"].is_array(),
        "{body}"
    );

    // Direct Payment: a malformed MSISDN is code 13; a malformed query is a
    // fault in the API's JSON shape, not plain text.
    let service = sandbox
        .direct_payment_url()
        .join("direct-payment/restV1.svc/service/1234/")
        .unwrap();
    let get = |path: &str| {
        http.get(service.join(path).unwrap()).basic_auth(
            credentials::DIRECT_PAYMENT_USERNAME,
            Some(credentials::DIRECT_PAYMENT_PASSWORD),
        )
    };
    let (status, body) = raw(get("msisdn/4799999999")).await;
    assert_eq!((status, body["Code"].as_i64()), (400, Some(13)), "{body}");
    let (status, body) = raw(get(
        "msisdn/+4799999999/userinfoV2?amount=lots&serviceCode=06005",
    ))
    .await;
    assert_eq!((status, body["Code"].as_i64()), (400, Some(2)), "{body}");
    // The summary leaves absent faults out instead of sending null.
    let (status, body) = raw(get(
        "msisdn/+4799999999/userinfoSummary?amount=2500&serviceCode=06005",
    ))
    .await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["ResponseV1", "ResponseV2", "ResponseV3"], "{body}");

    // Mediaconnect: a query its spec forbids gets Mediaconnect's error shape.
    let token = support::mediaconnect_access_token(&sandbox).await;
    let token = token.as_str();
    for query in [
        "unpaid=maybe",
        "from=2024-13-01",
        "from=2024-02-01&to=2024-01-01",
    ] {
        let url = sandbox
            .mediaconnect_api_url()
            .join(&format!("capi/v1/customer/invoice/payment/P1?{query}"))
            .unwrap();
        let (status, body) = raw(http.get(url).bearer_auth(token)).await;
        assert_eq!(status, 400, "{query}");
        assert!(body["errorMessage"].is_string(), "{query}: {body}");
    }
}

/// Every operation of every spec, and nothing else, is an API route of the
/// sandbox: each answers an unauthenticated call with its own 401 (its
/// handler ran), and a method its spec does not list for the path is 405.
#[tokio::test]
async fn every_spec_operation_is_served_and_no_other_method() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let apis: [(String, &[nordpay::runtime::Operation]); 4] = [
        (sandbox.connect_url().to_string(), connect::operations::ALL),
        (
            format!("{}/restV1.svc", sandbox.direct_payment_url()),
            direct_payment::rest_api::operations::ALL,
        ),
        (
            sandbox.puzzel_pay_url().to_string(),
            puzzel_pay::operations::ALL,
        ),
        (
            sandbox.mediaconnect_api_url().to_string(),
            mediaconnect::operations::ALL,
        ),
    ];
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for (base, operations) in apis {
        for op in operations {
            // Every path parameter filled with a plausible value.
            let path: String = op
                .path
                .split('/')
                .map(|segment| match segment {
                    s if s.starts_with('{') => "1234",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{}{path}", base.trim_end_matches('/'));
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
            let response = http.request(method, &url).send().await.unwrap();
            assert_eq!(
                response.status().as_u16(),
                401,
                "{} {} {url}",
                op.api,
                op.name
            );
            for other in methods {
                let listed = operations
                    .iter()
                    .any(|o| o.path == op.path && o.method == other);
                if listed {
                    continue;
                }
                let method = reqwest::Method::from_bytes(other.as_bytes()).unwrap();
                let response = http.request(method, &url).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 405, "{other} {url}");
            }
        }
    }
}

/// Past its record cap a store forgets its oldest finished records first:
/// memory stays bounded, and a payment still open is kept while finished
/// ones remain to forget.
#[tokio::test]
async fn a_store_past_its_record_cap_forgets_the_oldest_finished_records() {
    let sandbox = Sandbox::bind_with(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), 3)
        .await
        .unwrap();
    let client = connect_client(
        &sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    );
    let browser = Browser::new();
    let mut ids = Vec::new();
    for n in 0..3 {
        let created = client
            .create_transaction()
            .body(order(&format!("cap-{n}")))
            .send()
            .await
            .unwrap()
            .into_inner();
        ids.push(created.id.clone());
        // The first and the last are paid (finished); the middle stays open.
        if n != 1 {
            let page = page(
                browser
                    .open(&created.payment_link().unwrap())
                    .await
                    .unwrap(),
            );
            browser.click(&page, "Pay").await.unwrap();
        }
    }
    let status = |id: String| {
        let client = client.clone();
        async move {
            client
                .get_transaction()
                .transaction_id(id)
                .send()
                .await
                .map(|t| t.into_inner().state)
                .map_err(|e| e.status().map(|s| s.as_u16()))
        }
    };
    // A fourth: the oldest finished one (the first) goes, the open one stays.
    client
        .create_transaction()
        .body(order("cap-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(ids[0].clone()).await, Err(Some(403)));
    assert_eq!(
        status(ids[1].clone()).await,
        Ok(connect::types::TransactionState::Started)
    );
    assert_eq!(
        status(ids[2].clone()).await,
        Ok(connect::types::TransactionState::Completed)
    );
    // Its orderId is free to look up no more: the index forgot it too.
    let listed = client
        .list_transactions()
        .connect_id("user-1")
        .order_id("cap-0")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(listed.is_empty());
}

/// A merchant's callback endpoint: keeps every body; answers 500 to the
/// first delivery for a recipient in `fail_first`, 200 otherwise.
struct Receiver {
    url: Url,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

async fn receiver(fail_first: &'static [&'static str]) -> Receiver {
    use axum::http::StatusCode;
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = bodies.clone();
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let callback = puzzel_pay::parse_callback(&body).unwrap();
                let mut seen = seen.lock().unwrap();
                let before = seen
                    .iter()
                    .filter(|b| {
                        puzzel_pay::parse_callback(b).unwrap().client_reference
                            == callback.client_reference
                    })
                    .count();
                seen.push(body.to_vec());
                if before == 0 && fail_first.contains(&callback.client_reference.as_str()) {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, bodies }
}

#[tokio::test]
async fn puzzel_pay_callbacks_reach_the_merchant_twice_when_scripted_and_again_after_a_500() {
    use nordpay::sandbox::{FaultAction, SandboxConfig, ScriptedFault};
    let receiver = receiver(&["r2"]).await;
    let mut config = SandboxConfig::default();
    config.callback_url = Some(receiver.url.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "callback", FaultAction::DeliverTwice)
            .key(r#""clientReference":"r0""#),
    );
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch(
            "cb1",
            &["+4799999999", faults::NO_FUNDS_MSISDN, "+4799999998"],
        ),
    )
    .await
    .unwrap();
    let browser = Browser::new();
    for link in answer.payment_links.unwrap() {
        let link: Url = link.link.as_deref().unwrap().parse().unwrap();
        let pay = page(browser.open(&link).await.unwrap());
        browser.click(&pay, "Pay with card").await.unwrap();
    }

    // r0 twice (scripted), r1 once, r2 twice (its first answer was a 500).
    let mut callbacks = Vec::new();
    for _ in 0..100 {
        callbacks = receiver.bodies.lock().unwrap().clone();
        // The sandbox records an attempt once its answer is back.
        if callbacks.len() >= 5 && sandbox.callback_deliveries().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let callbacks: Vec<_> = callbacks
        .iter()
        .map(|body| puzzel_pay::parse_callback(body).unwrap())
        .collect();
    let of = |reference: &str| -> Vec<&puzzel_pay::types::Callback> {
        callbacks
            .iter()
            .filter(|c| c.client_reference == reference)
            .collect()
    };
    assert_eq!(of("r0").len(), 2, "{callbacks:?}");
    assert_eq!(of("r1").len(), 1, "{callbacks:?}");
    assert_eq!(of("r2").len(), 2, "{callbacks:?}");
    assert!(
        of("r0")
            .iter()
            .all(|c| c.success && c.batch_reference == "cb1")
    );
    assert!(!of("r1")[0].success);
    assert_eq!(of("r1")[0].external_status_code.as_deref(), Some("1"));
    assert!(of("r2").iter().all(|c| c.success));

    let r2: Vec<(u32, Option<u16>)> = sandbox
        .callback_deliveries()
        .iter()
        .filter(|d| d.client_reference == "r2")
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(r2, [(1, Some(500)), (2, Some(200))]);
    // A callback is a hint: the merchant confirms it with the batch status.
    assert_eq!(
        client.recipient_step("cb1", "r0").await.unwrap(),
        Some(puzzel_pay::Step::Paid)
    );
}

#[tokio::test]
async fn puzzel_pay_callbacks_scripted_late_or_out_of_order_arrive_so() {
    use nordpay::sandbox::{FaultAction, SandboxConfig, ScriptedFault};
    let receiver = receiver(&[]).await;
    let mut config = SandboxConfig::default();
    config.callback_url = Some(receiver.url.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "callback", FaultAction::DeliverOutOfOrder)
            .key(r#""clientReference":"r0""#),
    );
    sandbox.script(
        ScriptedFault::new(
            "puzzel_pay",
            "callback",
            FaultAction::DeliverLate { ms: 400 },
        )
        .key(r#""clientReference":"r2""#),
    );
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch("late1", &["+4799999999", "+4799999998", "+4799999997"]),
    )
    .await
    .unwrap();
    let links = payment_links(answer);
    let browser = Browser::new();
    let references = |bodies: &[Vec<u8>]| -> Vec<String> {
        bodies
            .iter()
            .map(|b| puzzel_pay::parse_callback(b).unwrap().client_reference)
            .collect()
    };
    let wait_for = |count: usize| {
        let bodies = receiver.bodies.clone();
        async move {
            for _ in 0..200 {
                if bodies.lock().unwrap().len() >= count {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            bodies.lock().unwrap().clone()
        }
    };

    // r0 is paid first, but its callback waits for the next one: r1's.
    let pay = page(browser.open(&links[0]).await.unwrap());
    browser.click(&pay, "Pay with card").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        receiver.bodies.lock().unwrap().is_empty(),
        "r0 is held back"
    );
    let pay = page(browser.open(&links[1]).await.unwrap());
    browser.click(&pay, "Pay with card").await.unwrap();
    assert_eq!(references(&wait_for(2).await), ["r1", "r0"]);

    // r2's callback comes 400 ms after the payment, not at once.
    let paid_at = std::time::Instant::now();
    let pay = page(browser.open(&links[2]).await.unwrap());
    browser.click(&pay, "Pay with card").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.bodies.lock().unwrap().len(), 2, "r2 is late");
    assert_eq!(references(&wait_for(3).await), ["r1", "r0", "r2"]);
    assert!(paid_at.elapsed() >= Duration::from_millis(400));
    // Late or not, each went once (an attempt is recorded once its answer
    // is back), and the batch status is the truth.
    for _ in 0..200 {
        if sandbox.callback_deliveries().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(sandbox.callback_deliveries().len(), 3);
    assert_eq!(
        client.recipient_step("late1", "r0").await.unwrap(),
        Some(puzzel_pay::Step::Paid)
    );
}
