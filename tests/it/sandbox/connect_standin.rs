//! The CONNECT Payment stand-in.

use super::*;

pub(super) fn order(id: &str) -> connect::types::builder::NewTransaction {
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
