//! The CONNECT Payment stand-in.

use super::*;

/// A hand-made request to CONNECT at `path` (below its base, with any
/// query), sent with the merchant's API key.
fn keyed_request(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let url = sandbox
        .connect_url()
        .join(&format!("connect/{path}"))
        .unwrap();
    reqwest::Client::new()
        .request(method, url)
        .basic_auth(credentials::CONNECT_API_KEY, Some(""))
}

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

/// A CONNECT client of the sandbox, with the sandbox's API key.
fn keyed_client(sandbox: &Sandbox) -> connect::Client {
    connect_client(
        sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    )
}

/// The user pays `agreement`'s verification on its PAYMENT page.
async fn pay_verification(browser: &Browser, agreement: &connect::types::Agreement) {
    let pay = page(
        browser
            .open(&agreement.payment_link().unwrap())
            .await
            .unwrap(),
    );
    browser.click(&pay, "Pay").await.unwrap();
}

#[tokio::test]
async fn connect_transactions_refunds_and_the_payment_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = keyed_client(&sandbox);

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
    let client = keyed_client(&sandbox);
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
    let response = keyed_request(&sandbox, reqwest::Method::POST, "transactions")
        .json(&serde_json::json!({"orderId": "x".repeat(101)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errorNamespace"], "telenordigital.payment");

    // "402: If the request is malformed." (the creates): a body that is not JSON.
    for (path, body) in [
        ("transactions", "{\"orderId\": "),
        ("agreements", "not json"),
    ] {
        let response = keyed_request(&sandbox, reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 402, "{path}");
    }

    // The product rules the client checks, the sandbox checks too.
    let response = keyed_request(&sandbox, reqwest::Method::POST, "transactions")
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

// ---- what the docs say, read against the stand-in ----

#[tokio::test]
async fn connect_latest_only_is_the_newest_match_whatever_the_sort() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = keyed_client(&sandbox);
    for order_id in ["latest-1", "latest-2", "latest-3"] {
        client
            .create_transaction()
            .body(order(order_id))
            .send()
            .await
            .unwrap();
    }
    // "latestOnly ... If set to true, this will only return latest transaction."
    for sort in [
        None,
        Some(connect::types::SortDirection::Asc),
        Some(connect::types::SortDirection::Desc),
    ] {
        let mut request = client
            .list_transactions()
            .connect_id("user-1")
            .latest_only(true);
        if let Some(sort) = sort {
            request = request.sort(sort);
        }
        let found = request.send().await.unwrap().into_inner();
        let orders: Vec<_> = found.iter().map(|t| t.order_id.as_str()).collect();
        assert_eq!(orders, ["latest-3"], "sort {sort:?}");
    }
}

#[tokio::test]
async fn connect_get_transaction_says_whether_its_agreement_is_active() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = keyed_client(&sandbox);
    let agreement = support::monthly_agreement(&client, order("right-1")).await;
    let verification = agreement.verification_transaction_id.clone().unwrap();
    // "To check if a charging agreement is active and valid look for
    // "hasActiveRight": true on Get Transaction by ID."
    let right = |id: String| async {
        client
            .get_transaction()
            .transaction_id(id)
            .send()
            .await
            .unwrap()
            .into_inner()
            .has_active_right
    };
    assert_eq!(right(verification.clone()).await, Some(false));
    pay_verification(&browser, &agreement).await;
    assert_eq!(right(verification.clone()).await, Some(true));
    client
        .stop_agreement()
        .agreement_id(&agreement.id)
        .send()
        .await
        .unwrap();
    assert_eq!(right(verification).await, Some(false));
    // A transaction without an agreement says nothing of one.
    let plain = client
        .create_transaction()
        .body(order("right-2"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(right(plain.id).await, None);
}

#[tokio::test]
async fn connect_agreement_orders_are_unique_like_transaction_orders() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = keyed_client(&sandbox);
    support::monthly_agreement(&client, order("agreement-order-1")).await;
    let again = client
        .create_agreement()
        .body(
            connect::types::NewAgreement::builder()
                .connect_id(Some("user-1".to_string()))
                .recurrence_time_spec("R/P1M")
                .verification_transaction(order("agreement-order-1")),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.status().map(|s| s.as_u16()), Some(400), "{again:?}");
    assert_eq!(again.provider_code(), Some("DUPLICATE_ORDER_ID"));
    let listed = client
        .list_transactions()
        .connect_id("user-1")
        .order_id("agreement-order-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.len(), 1, "nothing was made of the second");
}

#[tokio::test]
async fn connect_timestamps_carry_milliseconds_as_the_docs_show() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = keyed_client(&sandbox);
    let created = client
        .create_transaction()
        .body(order("millis-1"))
        .send()
        .await
        .unwrap()
        .into_inner();
    // The docs' transactions: "startTime": "2015-04-21T12:07:34.285Z".
    let raw = support::json(
        reqwest::Client::new()
            .get(format!(
                "{}/transactions/{}",
                sandbox.connect_url(),
                created.id
            ))
            .basic_auth(credentials::CONNECT_API_KEY, Some("")),
    )
    .await;
    let start = raw["startTime"].as_str().unwrap();
    let fraction = start
        .trim_end_matches('Z')
        .rsplit_once('.')
        .map_or(0, |(_, digits)| digits.len());
    assert!(fraction <= 3, "{start}");
}

/// NewAgreement's connectId is "required unless API-key auth is used": the
/// sandbox refuses a user's token without it, as the client does before
/// sending, and takes the merchant's key without it.
#[tokio::test]
async fn connect_agreements_need_a_connect_id_with_a_user_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let agreement = |order_id: &str| {
        serde_json::json!({
            "recurrenceTimeSpec": "R/P1M",
            "verificationTransaction": {
                "orderId": order_id, "purchaseDescription": "d", "amount": "NOK 100.00",
                "vatRate": "0.25", "successRedirect": "https://e.com/s",
                "cancelRedirect": "https://e.com/c"
            }
        })
    };
    let url = sandbox.connect_url().join("connect/agreements").unwrap();
    let with_token = reqwest::Client::new()
        .post(url.clone())
        .bearer_auth(credentials::CONNECT_BEARER_TOKEN)
        .json(&agreement("token-no-user"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 400);
    let body: serde_json::Value = with_token.json().await.unwrap();
    assert!(
        body["errorMessage"].as_str().unwrap().contains("connectId"),
        "{body}"
    );
    let with_key = reqwest::Client::new()
        .post(url)
        .basic_auth(credentials::CONNECT_API_KEY, Some(""))
        .json(&agreement("key-no-user"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), 201);
}

/// "We ... return the transaction together with a URI where the user can
/// perform the actual purchase. The same URI can be used by you to query
/// the state of the transaction." (payment.md)
#[tokio::test]
async fn connect_payment_link_is_the_transaction_url_for_merchant_and_user() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = keyed_client(&sandbox);
    let created = client
        .create_transaction()
        .body(order("one-uri"))
        .send()
        .await
        .unwrap();
    let location = connect::location(&created).unwrap();
    let transaction = created.into_inner();
    let link = transaction.payment_link().unwrap();
    assert_eq!(link, location, "the PAYMENT link is the transaction's URL");

    // The merchant, with its key, gets the transaction's state there.
    let state = reqwest::Client::new()
        .get(link.clone())
        .basic_auth(credentials::CONNECT_API_KEY, Some(""))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(state.status(), 200);
    let body: serde_json::Value = state.json().await.unwrap();
    assert_eq!(body["orderId"], "one-uri");
    assert_eq!(body["state"], "STARTED");

    // The user's browser, without credentials, gets the payment page.
    let browser = Browser::new();
    let visit = page(browser.open(&link).await.unwrap());
    browser.click(&visit, "Pay").await.unwrap();
    let paid = client
        .get_transaction()
        .transaction_id(&transaction.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.state, connect::types::TransactionState::Completed);
}

/// The docs' own request sends "MMK 1500"; CONNECT echoes the request's
/// fields, so the amount comes back as sent, not rewritten "MMK 1500.00".
#[tokio::test]
async fn connect_echoes_amounts_as_sent() {
    let sandbox = Sandbox::start().await.unwrap();
    let response = keyed_request(&sandbox, reqwest::Method::POST, "transactions")
        .json(&serde_json::json!({
            "orderId": "mmk", "purchaseDescription": "d", "amount": "MMK 1500",
            "vatRate": "0.05", "successRedirect": "https://e.com/s", "cancelRedirect": "https://e.com/c"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["amount"], "MMK 1500", "{body}");
}

/// "If the payment is set to be recurring, an equal transaction will be set
/// up and charged using the same payment method as the first time."
/// (payment.md) A trial's verification charges nothing: it is a VERIFY
/// (inferred; the swagger lists the type). The dashboard charges a period.
#[tokio::test]
async fn connect_agreements_verify_trials_and_charge_each_period() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = keyed_client(&sandbox);
    let agreement = client
        .create_agreement()
        .body(
            connect::types::NewAgreement::builder()
                .connect_id(Some("user-1".to_string()))
                .recurrence_time_spec("R/P1M")
                .verification_transaction(order("trial-order"))
                .trial(Some(
                    connect::types::TrialPeriod::builder()
                        .period(connect::types::IsoDuration("P1M".into()))
                        .try_into()
                        .unwrap(),
                )),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let verification_id = agreement.verification_transaction_id.clone().unwrap();
    let verification = client
        .get_transaction()
        .transaction_id(&verification_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        verification.type_,
        Some(connect::types::TransactionType::Verify)
    );

    // Not active yet: no period to charge.
    dashboard_action(&sandbox, "agreement", &agreement.id, "charge")
        .await
        .unwrap_err();
    pay_verification(&browser, &agreement).await;
    for _ in 0..2 {
        dashboard_action(&sandbox, "agreement", &agreement.id, "charge")
            .await
            .unwrap();
    }
    let charges: Vec<_> = client
        .list_transactions()
        .connect_id("user-1")
        .type_(connect::types::TransactionType::Charge)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(charges.len(), 2, "{charges:?}");
    for charge in &charges {
        assert_eq!(charge.state, connect::types::TransactionState::Completed);
        assert_eq!(
            charge.charging_agreement_id.as_deref(),
            Some(&*agreement.id)
        );
        assert_eq!(charge.amount, verification.amount);
        assert_eq!(charge.charge_token, charges[0].charge_token);
        assert!(charge.charge_token.is_some(), "the same payment method");
    }
    // Each period follows the one before, the first the verification.
    let after = |previous: &str| {
        charges
            .iter()
            .find(|c| c.previous_transaction_id.as_deref() == Some(previous))
            .unwrap_or_else(|| panic!("no charge after {previous}: {charges:?}"))
    };
    let first = after(&verification_id);
    after(&first.id);
}

/// `remoteTransactionId` ("ID given by the payment method when it performed
/// a charge") filters the list; the sandbox's payment method names a
/// completed charge `pm-` and its id (inferred, in the stand-in's doc).
#[tokio::test]
async fn connect_lists_by_remote_transaction_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = keyed_client(&sandbox);
    let mut ids = Vec::new();
    for order_id in ["remote-1", "remote-2"] {
        let transaction = client
            .create_transaction()
            .body(order(order_id))
            .send()
            .await
            .unwrap()
            .into_inner();
        let visit = page(
            browser
                .open(&transaction.payment_link().unwrap())
                .await
                .unwrap(),
        );
        browser.click(&visit, "Pay").await.unwrap();
        ids.push(transaction.id);
    }
    let by_remote = |remote: String| {
        let client = client.clone();
        async move {
            client
                .list_transactions()
                .connect_id("user-1")
                .remote_transaction_id(remote)
                .send()
                .await
                .unwrap()
                .into_inner()
        }
    };
    let found = by_remote(format!("pm-{}", ids[1])).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id, ids[1]);
    assert!(by_remote("pm-nothing".into()).await.is_empty());
}

/// What the client refuses before sending, the sandbox refuses too: a list
/// filter by a type or state the spec does not list (400, inferred: a typed
/// server refuses a value it cannot convert).
#[tokio::test]
async fn connect_refuses_filters_by_unlisted_values() {
    let sandbox = Sandbox::start().await.unwrap();
    for query in [
        "transactions?connectId=user-1&type=GIFT",
        "agreements?connectId=user-1&state=PAUSED",
    ] {
        let response = keyed_request(&sandbox, reqwest::Method::GET, query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
    // An optional member the spec does not mark nullable is left out, not
    // null (schemathesis sent `"sku": null`).
    let response = keyed_request(&sandbox, reqwest::Method::POST, "transactions")
        .json(&serde_json::json!({
            "orderId": "null-sku", "purchaseDescription": "d", "amount": "NOK 100.00",
            "vatRate": "0.25", "successRedirect": "https://e.com/s", "cancelRedirect": "https://e.com/c",
            "products": [{"name": "a", "price": "NOK 100.00", "vatRate": "0.25", "sku": null}]
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
            .contains("products[0].sku"),
        "{body}"
    );
}

#[tokio::test]
async fn all_transactions_of_a_user_stream_across_pages_newest_first() {
    use futures_util::TryStreamExt;

    let sandbox = Sandbox::start().await.unwrap();
    let client = keyed_client(&sandbox);
    let mut created = Vec::new();
    for i in 0..120 {
        let transaction = client
            .create_transaction()
            .body(order(&format!("paged-{i}")).connect_id(Some("pager".to_string())))
            .send()
            .await
            .unwrap()
            .into_inner();
        created.push(transaction.id);
    }
    // Another user's transaction is not in the list.
    client
        .create_transaction()
        .body(order("other-user"))
        .send()
        .await
        .unwrap();

    let newest_first: Vec<String> = client
        .list_transactions()
        .connect_id("pager")
        .sort(connect::types::SortDirection::Desc)
        .stream()
        .map_ok(|transaction| transaction.id)
        .try_collect()
        .await
        .unwrap();
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(newest_first, expected);

    let oldest_first: Vec<String> = client
        .list_transactions()
        .connect_id("pager")
        .sort(connect::types::SortDirection::Asc)
        .stream()
        .map_ok(|transaction| transaction.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(oldest_first, created);
}
