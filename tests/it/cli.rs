//! The `nordpay` command against the sandbox, as an operator runs it.
#![cfg(all(feature = "cli", feature = "sandbox"))]

use std::process::{Command, Output};

use nordpay::sandbox::{Sandbox, credentials};
use serde_json::Value;

fn nordpay(sandbox: &Sandbox, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nordpay"))
        .args(args)
        .env(
            "NORDPAY_DIRECT_PAYMENT_URL",
            sandbox
                .direct_payment_url()
                .join("direct-payment/restV1.svc")
                .unwrap()
                .as_str(),
        )
        .env(
            "NORDPAY_DIRECT_PAYMENT_SERVICE_ID",
            credentials::DIRECT_PAYMENT_SERVICE_ID.to_string(),
        )
        .env(
            "NORDPAY_DIRECT_PAYMENT_USERNAME",
            credentials::DIRECT_PAYMENT_USERNAME,
        )
        .env(
            "NORDPAY_DIRECT_PAYMENT_PASSWORD",
            credentials::DIRECT_PAYMENT_PASSWORD,
        )
        .env("NORDPAY_CONNECT_URL", sandbox.connect_url().as_str())
        .env("NORDPAY_CONNECT_API_KEY", credentials::CONNECT_API_KEY)
        .output()
        .expect("the nordpay binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_status_by_client_reference_prints_json() {
    let sandbox = Sandbox::start().await.unwrap();
    let body = r#"{"PaymentDetails":{"Msisdn":"+4799999999","Price":2500,"ServiceCode":"06005","ClientReference":"cli-ref-1"}}"#;
    let paid = nordpay(&sandbox, &["direct-payment", "pay", "--body", body]);
    assert!(paid.status.success(), "{paid:?}");
    let transaction = json(&paid)["TransactionId"]
        .as_i64()
        .expect("a TransactionId");

    let status = nordpay(
        &sandbox,
        &["direct-payment", "get-payment-status", "cli-ref-1"],
    );
    assert!(status.status.success(), "{status:?}");
    let status = json(&status);
    assert_eq!(status["ClientReference"], "cli-ref-1", "{status}");
    assert_eq!(status["TransactionId"], transaction, "{status}");
    assert!(
        status["PaymentStatus"].is_number() || status["PaymentStatus"].is_string(),
        "{status}"
    );

    // A reference Direct Payment does not know: refused, exit 3, its error as JSON.
    let unknown = nordpay(
        &sandbox,
        &["direct-payment", "get-payment-status", "no-such-ref"],
    );
    assert_eq!(unknown.status.code(), Some(3), "{unknown:?}");
    assert!(json(&unknown).is_object());

    // Bad input never leaves the machine: exit 2.
    let broken = nordpay(&sandbox, &["direct-payment", "get-payment-status"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("missing {payment}"));

    // Another API through the same table: CONNECT's transactions.
    let listed = nordpay(
        &sandbox,
        &[
            "connect",
            "list-transactions",
            "--query",
            "connectId=nobody",
        ],
    );
    assert!(listed.status.success(), "{listed:?}");
    assert!(json(&listed).is_array());
}
