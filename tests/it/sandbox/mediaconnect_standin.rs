//! The Mediaconnect stand-in and its login server.

use super::*;

pub(super) async fn logged_in(sandbox: &Sandbox) -> mediaconnect::Client {
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
