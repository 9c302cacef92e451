//! Money under faults: calls whose outcome is unknown are resolved by the
//! provider's lookup, against the sandbox with scripted faults, and the
//! sandbox's ledger shows exactly one charge for each intended payment.
#![cfg(feature = "sandbox")]

use crate::support;

use std::time::Duration;

use nordpay::direct_payment::{
    self, PaymentStatus, Resolution, Resolved, Transport, fresh_client_reference,
};
use nordpay::sandbox::{FaultAction, Sandbox, ScriptedFault};
use serde_json::Value;

const TRANSPORTS: [Transport; 2] = [Transport::Rest, Transport::Soap];

/// Quick resolution for tests: looks every 50 ms, for at most 10 s.
fn resolution() -> Resolution {
    support::quick_resolution(10)
}

fn client(sandbox: &Sandbox, transport: Transport) -> direct_payment::Client {
    direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        transport,
        sandbox.direct_payment_credentials(),
    )
    // A resend waits until the attempt before can no longer land: keep
    // that short in tests.
    .attempt_timeout(Duration::from_secs(1))
    .resolution(resolution())
    .build()
    .unwrap()
}

fn payment(msisdn: &str, reference: &str) -> direct_payment::types::builder::PaymentDetails {
    direct_payment::types::PaymentDetails::builder()
        .msisdn(msisdn)
        .price(2500)
        .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
        .client_reference(reference)
}

/// The sandbox's Direct Payment ledger: (reference, status) of every payment.
async fn ledger(sandbox: &Sandbox) -> Vec<(String, i64)> {
    let url = sandbox
        .control_url()
        .join("sandbox/direct-payment/payments")
        .unwrap();
    let payments: Vec<Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    payments
        .iter()
        .map(|p| {
            (
                p["ClientReference"].as_str().unwrap().to_string(),
                p["PaymentStatus"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The operation's name in the spec of `transport`.
fn pay_operation(transport: Transport) -> &'static str {
    match transport {
        Transport::Rest => "pay",
        Transport::Soap => "Pay",
    }
}

fn done(
    outcome: Resolved<direct_payment::PaymentRecord, direct_payment::Error>,
) -> direct_payment::PaymentRecord {
    match outcome {
        Resolved::Done(record) => record,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[tokio::test]
async fn a_charge_whose_answer_is_lost_is_found_by_its_reference() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::DropAfter,
            )
            .key(reference.as_str()),
        );
        let client = client(&sandbox, transport);
        // Without resolution the caller only learns that the outcome is unknown.
        let other = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::DropAfter,
            )
            .key(other.as_str()),
        );
        let error = client
            .pay(payment("+4799999999", &other))
            .await
            .unwrap_err();
        assert!(error.is_outcome_unknown(), "{transport:?}: {error:?}");
        let record = done(
            client
                .pay_resolved(payment("+4799999999", &reference))
                .await,
        );
        assert_eq!(record.payment_status, PaymentStatus::Paid, "{transport:?}");
        let charges: Vec<_> = ledger(&sandbox)
            .await
            .into_iter()
            .filter(|(r, _)| r == reference.as_str())
            .collect();
        assert_eq!(
            charges,
            [(reference.to_string(), 1)],
            "{transport:?}: one charge"
        );
        assert!(
            record.transaction_id.is_some(),
            "the sandbox's transaction id"
        );
    }
}

#[tokio::test]
async fn a_refusal_before_commit_is_resent_with_the_same_reference() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let reference = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                pay_operation(transport),
                FaultAction::FailBefore {
                    status: 503,
                    retry_after: None,
                },
            )
            .key(reference.as_str()),
        );
        let record = done(
            client(&sandbox, transport)
                .pay_resolved(payment("+4799999999", &reference))
                .await,
        );
        assert_eq!(record.payment_status, PaymentStatus::Paid);
        assert_eq!(record.client_reference, reference.as_str());
        let charges = ledger(&sandbox)
            .await
            .into_iter()
            .filter(|(r, _)| r == reference.as_str())
            .count();
        assert_eq!(charges, 1, "{transport:?}");
    }
}

#[tokio::test]
async fn a_timed_out_pay_whose_resend_is_refused_as_a_duplicate_is_paid() {
    let sandbox = Sandbox::start().await.unwrap();
    let reference = fresh_client_reference();
    // The slow MSISDN is charged at once and answered after 2 s: the first
    // attempt times out. The first lookup (scripted: a lagging replica) sees
    // nothing, so the payment is sent again and refused as a duplicate.
    sandbox.script(
        ScriptedFault::new(
            "direct_payment",
            "getPaymentStatus",
            FaultAction::Respond {
                status: 404,
                body: r#"{"Code":3,"Description":"Payment not found"}"#.into(),
                content_type: None,
            },
        )
        .key(reference.as_str()),
    );
    let client = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        Transport::Rest,
        sandbox.direct_payment_credentials(),
    )
    .attempt_timeout(Duration::from_millis(500))
    .resolution(resolution())
    .build()
    .unwrap();
    let first = client
        .pay(payment(
            nordpay::sandbox::faults::SLOW_MSISDN,
            &fresh_client_reference(),
        ))
        .await
        .unwrap_err();
    assert!(
        first.is_outcome_unknown(),
        "the slow MSISDN times out: {first:?}"
    );

    let record = done(
        client
            .pay_resolved(payment(nordpay::sandbox::faults::SLOW_MSISDN, &reference))
            .await,
    );
    assert_eq!(record.payment_status, PaymentStatus::Paid);
    let charges = ledger(&sandbox)
        .await
        .into_iter()
        .filter(|(r, _)| r == reference.as_str())
        .count();
    assert_eq!(charges, 1);
}

#[tokio::test]
async fn a_refused_payment_is_not_done_and_nothing_is_resent() {
    let sandbox = Sandbox::start().await.unwrap();
    let reference = fresh_client_reference();
    let outcome = client(&sandbox, Transport::Rest)
        .pay_resolved(payment(
            nordpay::sandbox::faults::NO_FUNDS_MSISDN,
            &reference,
        ))
        .await;
    assert!(
        matches!(&outcome, Resolved::NotDone(e) if e.code() == Some(direct_payment::ErrorCode::FinancialFailure)),
        "{outcome:?}"
    );
    assert!(ledger(&sandbox).await.is_empty());
}

#[tokio::test]
async fn a_reversal_whose_answer_is_lost_is_done_once() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = client(&sandbox, transport);
        let reference = fresh_client_reference();
        let paid = done(
            client
                .pay_resolved(payment("+4799999999", &reference))
                .await,
        );
        let transaction_id = paid.transaction_id.unwrap();
        let operation = match transport {
            Transport::Rest => "reversePayment",
            Transport::Soap => "ReversePayment",
        };
        sandbox.script(
            ScriptedFault::new("direct_payment", operation, FaultAction::DropAfter)
                .key(transaction_id.to_string()),
        );
        let reversed = done(
            client
                .reverse_resolved(reference.clone(), transaction_id)
                .await,
        );
        assert_eq!(reversed.payment_status, PaymentStatus::Reversed);
        let status: Vec<_> = ledger(&sandbox)
            .await
            .into_iter()
            .filter(|(r, _)| r == reference.as_str())
            .collect();
        assert_eq!(status, [(reference.to_string(), 2)], "{transport:?}");
    }
}

#[tokio::test]
async fn an_outage_past_the_deadline_is_unresolved_never_failed() {
    let sandbox = Sandbox::start().await.unwrap();
    let reference = fresh_client_reference();
    // The charge is made; then neither the answer nor any lookup gets through.
    sandbox.script(
        ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter).key(reference.as_str()),
    );
    sandbox.script(
        ScriptedFault::new(
            "direct_payment",
            "getPaymentStatus",
            FaultAction::FailBefore {
                status: 503,
                retry_after: None,
            },
        )
        .key(reference.as_str())
        .times(1000),
    );
    let client = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        Transport::Rest,
        sandbox.direct_payment_credentials(),
    )
    .resolution(Resolution {
        deadline: Duration::from_millis(600),
        ..resolution()
    })
    .build()
    .unwrap();
    let outcome = client
        .pay_resolved(payment("+4799999999", &reference))
        .await;
    match outcome {
        Resolved::Unresolved(error) => assert!(error.is_outcome_unknown() || error.is_retryable()),
        other => panic!("expected Unresolved, got {other:?}"),
    }
    // It was charged: that is why "unresolved" must never be read as "failed".
    assert_eq!(ledger(&sandbox).await.len(), 1);
}

// ---- CONNECT ----

#[tokio::test]
async fn a_connect_refund_whose_answer_is_lost_is_found_once() {
    use nordpay::connect;
    use nordpay::sandbox::browser::{Browser, Visit};
    let sandbox = Sandbox::start().await.unwrap();
    let client = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key(nordpay::sandbox::credentials::CONNECT_API_KEY),
    )
    .resolution(resolution())
    .build()
    .unwrap();
    let transaction = client
        .create_transaction()
        .body(
            connect::types::NewTransaction::builder()
                .order_id("refund-me")
                .purchase_description("Resolution test")
                .amount(connect::Money::new("NOK", 10_000).unwrap())
                .vat_rate(connect::VatRate::from_percent(25).unwrap())
                .success_redirect("https://shop.example/ok")
                .cancel_redirect("https://shop.example/cancel")
                .connect_id(Some("user-1".to_string())),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let browser = Browser::new();
    let Visit::Page(page) = browser
        .open(&transaction.payment_link().unwrap())
        .await
        .unwrap()
    else {
        panic!("a payment page")
    };
    browser.click(&page, "Pay").await.unwrap();

    sandbox.script(
        ScriptedFault::new("connect", "refundTransaction", FaultAction::DropAfter)
            .key(transaction.id.as_str()),
    );
    let request = connect::types::RefundRequest::builder()
        .refund_issuer("support@shop.example")
        .refund_reason("customer asked")
        .try_into()
        .unwrap();
    let refund = match client.refund_resolved(&transaction.id, request).await {
        Resolved::Done(refund) => refund,
        other => panic!("expected Done, got {other:?}"),
    };
    assert_eq!(
        refund.refund_for_transaction_id.as_deref(),
        Some(transaction.id.as_str())
    );
    let refunds = client
        .list_transactions()
        .connect_id("user-1")
        .type_(connect::types::TransactionType::Refund)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(refunds.len(), 1, "refunded once");
}

// ---- Puzzel Pay ----

#[tokio::test]
async fn a_batch_whose_answer_is_lost_is_found_and_never_sent_twice() {
    use nordpay::puzzel_pay::{self, BatchRecord};
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        nordpay::sandbox::credentials::PUZZEL_PAY_JWT,
    )
    // The resend after the 503 waits until the first attempt can no longer land.
    .attempt_timeout(Duration::from_secs(1))
    .resolution(resolution())
    .build()
    .unwrap();
    // Answer lost after the SMS went out: found by its reference.
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "createBatch", FaultAction::DropAfter).key("lost-1"),
    );
    match client.create_batch_resolved(support::batch("lost-1")).await {
        Resolved::Done(BatchRecord::Status(status)) => {
            assert_eq!(status.recipient_status.len(), 1)
        }
        other => panic!("expected the batch's status, got {other:?}"),
    }
    // Refused before anything was recorded (503): sent again, accepted.
    sandbox.script(
        ScriptedFault::new(
            "puzzel_pay",
            "createBatch",
            FaultAction::FailBefore {
                status: 503,
                retry_after: Some(0),
            },
        )
        .key("busy-1"),
    );
    match client.create_batch_resolved(support::batch("busy-1")).await {
        Resolved::Done(BatchRecord::Answer(answer)) => {
            assert_eq!(answer.batch_reference.as_deref(), Some("busy-1"))
        }
        other => panic!("expected the create answer, got {other:?}"),
    }
    // The sandbox refuses a second batch of one reference: each went out once.
    for reference in ["lost-1", "busy-1"] {
        let again = client
            .create_batch()
            .body(support::batch(reference))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(again, puzzel_pay::Error::Validation(_)),
            "{again:?}"
        );
    }
}

#[tokio::test]
async fn a_connect_transaction_whose_answer_is_lost_is_found_with_its_link() {
    use nordpay::connect;
    let sandbox = Sandbox::start().await.unwrap();
    let client = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key(nordpay::sandbox::credentials::CONNECT_API_KEY),
    )
    .resolution(resolution())
    .build()
    .unwrap();
    let order = |id: &str, user: Option<&str>| {
        connect::types::NewTransaction::builder()
            .order_id(id)
            .purchase_description("Resolution test")
            .amount(connect::Money::new("NOK", 10_000).unwrap())
            .vat_rate(connect::VatRate::from_percent(25).unwrap())
            .success_redirect("https://shop.example/ok")
            .cancel_redirect("https://shop.example/cancel")
            .connect_id(user.map(str::to_string))
    };
    sandbox.script(
        ScriptedFault::new("connect", "createTransaction", FaultAction::DropAfter)
            .key("lost-order"),
    );
    let found = match client
        .create_transaction_resolved(order("lost-order", Some("user-7")))
        .await
    {
        Resolved::Done(transaction) => transaction,
        other => panic!("expected Done, got {other:?}"),
    };
    assert_eq!(found.order_id.to_string(), "lost-order");
    assert!(found.payment_link().is_ok(), "the link to send the user to");
    let listed = client
        .list_transactions()
        .connect_id("user-7")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1, "created once");

    // Without a connectId CONNECT has no lookup: unresolved, never "failed".
    sandbox.script(
        ScriptedFault::new("connect", "createTransaction", FaultAction::DropAfter).key("no-user"),
    );
    let outcome = client
        .create_transaction_resolved(order("no-user", None))
        .await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
}

#[tokio::test]
async fn a_connect_agreement_whose_answer_is_lost_is_found_by_its_order_id() {
    use nordpay::connect;
    let sandbox = Sandbox::start().await.unwrap();
    let client = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key(nordpay::sandbox::credentials::CONNECT_API_KEY),
    )
    .resolution(resolution())
    .build()
    .unwrap();
    let agreement = |order_id: &str, user: Option<&str>| {
        connect::types::NewAgreement::builder()
            .connect_id(user.map(str::to_string))
            .recurrence_time_spec("R/P1M")
            .verification_transaction(
                connect::types::NewTransaction::builder()
                    .order_id(order_id)
                    .purchase_description("Monthly")
                    .amount(connect::Money::new("NOK", 9_900).unwrap())
                    .vat_rate(connect::VatRate::from_percent(25).unwrap())
                    .success_redirect("https://shop.example/ok")
                    .cancel_redirect("https://shop.example/cancel"),
            )
    };
    // Another agreement of the same user, which the lookup must not take.
    client
        .create_agreement()
        .body(agreement("other-order", Some("user-9")))
        .send()
        .await
        .unwrap();
    sandbox.script(
        ScriptedFault::new("connect", "createAgreement", FaultAction::DropAfter)
            .key("lost-agreement"),
    );
    let found = match client
        .create_agreement_resolved(agreement("lost-agreement", Some("user-9")))
        .await
    {
        Resolved::Done(agreement) => agreement,
        other => panic!("expected Done, got {other:?}"),
    };
    let verification = found
        .verification_transaction
        .as_ref()
        .expect("verification");
    assert_eq!(verification.order_id.to_string(), "lost-agreement");
    let listed = client
        .list_agreements()
        .connect_id("user-9")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 2, "created once: {listed:?}");
    let again = client
        .agreement_outcome("user-9", "lost-agreement")
        .await
        .done()
        .expect("the lookup alone finds it");
    assert_eq!(again.id, found.id);

    // Without a connectId CONNECT has no lookup: unresolved, never "failed".
    sandbox.script(
        ScriptedFault::new("connect", "createAgreement", FaultAction::DropAfter)
            .key("no-user-agreement"),
    );
    let outcome = client
        .create_agreement_resolved(agreement("no-user-agreement", None))
        .await;
    assert!(outcome.is_unresolved(), "{outcome:?}");
}
