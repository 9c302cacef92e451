//! The Mediaconnect stand-in and its login server.

use super::*;

pub(super) async fn logged_in(sandbox: &Sandbox) -> mediaconnect::Client {
    logged_in_as(sandbox, None).await
}

/// The login server's pages, and the merchant's return and error URLs.
fn login_server(sandbox: &Sandbox) -> (mediaconnect::LoginServer, Url, Url) {
    let login = mediaconnect::LoginServer::new(
        sandbox.mediaconnect_environment().login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
    )
    .unwrap();
    (
        login,
        "https://shop.example/back".parse().unwrap(),
        "https://shop.example/err".parse().unwrap(),
    )
}

/// Start paying `invoice` of product P1 (the sandbox's company, by Nexi).
async fn start_invoice_payment(
    client: &mediaconnect::Client,
    invoice: &str,
) -> mediaconnect::types::PaymentStarted {
    client
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
        .into_inner()
}

/// A user's client, logged in as the customer `login_hint` names (the
/// sandbox's own customer without one).
async fn logged_in_as(sandbox: &Sandbox, login_hint: Option<&str>) -> mediaconnect::Client {
    let environment = sandbox.mediaconnect_environment();
    let oauth = support::mediaconnect_oauth(sandbox);
    let mut authorize = oauth.authorize_url("s");
    if let Some(hint) = login_hint {
        authorize.query_pairs_mut().append_pair("login_hint", hint);
    }
    let back = redirect(Browser::new().open(&authorize).await.unwrap());
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
    let (login, back, error) = login_server(&sandbox);
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
        let started = start_invoice_payment(&client, invoice).await;
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
    let started = start_invoice_payment(&client, "1002").await;
    let (login, back, error) = login_server(&sandbox);
    let url = login.invoice_payment(&back, &error, started.transaction_id.unwrap());
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

// ---- the login server's token endpoint, as RFC 6749 says ----

const BACK: &str = "https://shop.example/cb";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A fresh authorization code, issued for `redirect_uri`.
async fn code_for(sandbox: &Sandbox, redirect_uri: &str) -> String {
    let mut authorize = sandbox
        .mediaconnect_login_url()
        .join("login/oauth/authorize")
        .unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", credentials::MEDIACONNECT_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri);
    let back = no_redirects().get(authorize).send().await.unwrap();
    let back: Url = back.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    back.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

/// POST a token request: `form` in the body, and HTTP Basic credentials if given.
async fn token_request(
    sandbox: &Sandbox,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = no_redirects()
        .post(
            sandbox
                .mediaconnect_login_url()
                .join("login/oauth/token")
                .unwrap(),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.unwrap()
}

/// The tokens a grant gives, the client authenticated in the form body.
async fn tokens_for(sandbox: &Sandbox, grant: &[(&str, &str)]) -> serde_json::Value {
    let mut form = grant.to_vec();
    form.extend([
        ("client_id", credentials::MEDIACONNECT_CLIENT_ID),
        ("client_secret", credentials::MEDIACONNECT_CLIENT_SECRET),
    ]);
    let answer = token_request(sandbox, &form, None).await;
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

async fn oauth_error(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn the_token_endpoint_authenticates_clients_and_checks_codes_as_rfc_6749_says() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = (
        credentials::MEDIACONNECT_CLIENT_ID,
        credentials::MEDIACONNECT_CLIENT_SECRET,
    );

    // §2.3.1: "The authorization server MUST support the HTTP Basic
    // authentication scheme for authenticating clients that were issued a
    // client password."
    let code = code_for(&sandbox, BACK).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", BACK),
    ];
    let answer = token_request(&sandbox, &form, Some(client)).await;
    assert_eq!(answer.status(), 200);
    let tokens: serde_json::Value = answer.json().await.unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");

    // §5.2: a client that authenticated by the Authorization header and
    // failed gets 401 with WWW-Authenticate.
    let code = code_for(&sandbox, BACK).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", BACK),
    ];
    let wrong = token_request(&sandbox, &form, Some((client.0, "not-it"))).await;
    assert!(wrong.headers().contains_key("www-authenticate"));
    assert_eq!(oauth_error(wrong).await, (401, "invalid_client".into()));

    // §2.3: "The client MUST NOT use more than one authentication method in
    // each request."
    let twice = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", BACK),
        ("client_secret", client.1),
    ];
    let answer = token_request(&sandbox, &twice, Some(client)).await;
    assert_eq!(oauth_error(answer).await, (400, "invalid_request".into()));

    // §4.1.3: the server must "ensure that the "redirect_uri" parameter is
    // present if [it] was included in the initial authorization request
    // ..., and if included ensure that their values are identical."
    for other in [
        Some("https://shop.example/cb/"),
        Some("https://evil.example/cb"),
        None,
    ] {
        let code = code_for(&sandbox, BACK).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        form.extend(other.map(|uri| ("redirect_uri", uri)));
        let answer = token_request(&sandbox, &form, Some(client)).await;
        assert_eq!(
            oauth_error(answer).await,
            (400, "invalid_grant".into()),
            "{other:?}"
        );
    }
}

#[tokio::test]
async fn an_access_token_expires_when_its_expires_in_has_passed() {
    let sandbox = Sandbox::start().await.unwrap();
    let code = code_for(&sandbox, BACK).await;
    let tokens = tokens_for(
        &sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", BACK),
        ],
    )
    .await;
    let lifetime = tokens["expires_in"].as_u64().unwrap();
    let methods = |token: String| {
        let api = sandbox.mediaconnect_api_url();
        async move {
            reqwest::Client::new()
                .get(format!("{api}/v1/product/payment/CO27409"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(methods(access.clone()).await, 200);
    sandbox.advance(Duration::from_secs(lifetime - 1));
    assert_eq!(methods(access.clone()).await, 200);
    sandbox.advance(Duration::from_secs(1));
    assert_eq!(methods(access).await, 401, "past expires_in");
    // The refresh token still gives a working one.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let renewed = tokens_for(
        &sandbox,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    let access = renewed["access_token"].as_str().unwrap().to_string();
    assert_eq!(methods(access).await, 200);
}

/// The flow as a merchant using a standard OAuth 2.0 library would run it:
/// the `oauth2` crate, which authenticates with HTTP Basic by default.
#[tokio::test]
async fn a_standard_oauth_library_with_http_basic_logs_in_and_lists_payment_methods() {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl, TokenResponse,
        TokenUrl,
    };

    async fn send(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
        let request = reqwest::Request::try_from(request)?;
        let response = no_redirects().execute(request).await?;
        let mut answer = oauth2::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let body = response.bytes().await?.to_vec();
        Ok(answer.body(body).expect("a response built from a response"))
    }

    let sandbox = Sandbox::start().await.unwrap();
    let login = sandbox.mediaconnect_login_url();
    let client = BasicClient::new(ClientId::new(credentials::MEDIACONNECT_CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new(
            credentials::MEDIACONNECT_CLIENT_SECRET.into(),
        ))
        .set_auth_uri(AuthUrl::new(login.join("login/oauth/authorize").unwrap().into()).unwrap())
        .set_token_uri(TokenUrl::new(login.join("login/oauth/token").unwrap().into()).unwrap())
        .set_redirect_uri(RedirectUrl::new(BACK.into()).unwrap());
    let (authorize, csrf) = client.authorize_url(CsrfToken::new_random).url();
    let back = no_redirects().get(authorize).send().await.unwrap();
    let back: Url = back.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    assert_eq!(&param("state"), csrf.secret());
    let tokens = client
        .exchange_code(AuthorizationCode::new(param("code")))
        .request_async(&send)
        .await
        .unwrap();
    let methods = reqwest::Client::new()
        .get(format!(
            "{}/v1/product/payment/CO27409",
            sandbox.mediaconnect_api_url()
        ))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(methods.status(), 200);
}

/// Client mode: the merchant's own token (RFC 6749 §4.4, no refresh token,
/// §4.4.3) lists a customer's invoices; a user's token is refused there,
/// and the client's own token on the user's calls.
#[tokio::test]
async fn client_mode_takes_the_clients_own_token_and_only_there() {
    let sandbox = Sandbox::start().await.unwrap();
    let own = support::mediaconnect_oauth(&sandbox)
        .client_credentials()
        .await
        .unwrap();
    assert!(own.refresh_token().is_none(), "§4.4.3: no refresh token");
    let merchant = support::mediaconnect_merchant(&sandbox);
    let customer = credentials::MEDIACONNECT_CUSTOMER_NUMBER;
    let invoices = merchant
        .list_client_invoices()
        .customer_number(customer)
        .product_code("CO27409")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(invoices.client_invoice_info_list.len(), 3);
    assert!(
        invoices
            .client_invoice_info_list
            .iter()
            .all(|i| i.customer_number == Some(customer as i64))
    );
    let nobody = merchant
        .list_client_invoices()
        .customer_number(customer + 1)
        .product_code("CO27409")
        .send()
        .await
        .unwrap_err();
    assert_eq!(nobody.status().map(|s| s.as_u16()), Some(404));
    let wrong_kind = merchant
        .list_payment_methods()
        .product_code("CO27409")
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong_kind.status().map(|s| s.as_u16()), Some(401));

    let user = logged_in(&sandbox).await;
    let refused = user
        .list_client_invoices()
        .customer_number(customer)
        .product_code("CO27409")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
    let details = user
        .list_invoice_details()
        .company_code("SANDBOX")
        .invoice_number("1001")
        .reminder_number(0_u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(details.0["invoiceNumber"], "1001");
    let no_reminder = user
        .list_invoice_details()
        .company_code("SANDBOX")
        .invoice_number("1001")
        .reminder_number(1_u32)
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_reminder.status().map(|s| s.as_u16()), Some(404));
}

/// `{"success": false}` (x-nordpay-inferred; the reference shows only
/// true): nothing was started, so there is no transaction to send the user
/// to, for an invoice that is paid already or not the user's, and for a
/// product that has a Vipps agreement already.
#[tokio::test]
async fn mediaconnect_answers_success_false_when_nothing_is_started() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = logged_in(&sandbox).await;
    let (login, back, error) = login_server(&sandbox);
    let started = start_invoice_payment(&client, "1002").await;
    assert_eq!(started.success, Some(true));
    let url = login.invoice_payment(&back, &error, started.transaction_id.unwrap());
    let browser = Browser::new();
    let confirm = page(browser.open(&url).await.unwrap());
    browser.click(&confirm, "Confirm").await.unwrap();
    for invoice in ["1002", "9999"] {
        let refused = start_invoice_payment(&client, invoice).await;
        assert_eq!(refused.success, Some(false), "{invoice}");
        assert_eq!(refused.transaction_id, None, "{invoice}");
    }

    let add = || async {
        client
            .add_vipps_agreement()
            .body(mediaconnect::types::VippsAgreementRequest::builder().product_code("P1"))
            .send()
            .await
            .unwrap()
            .into_inner()
    };
    let first = add().await;
    let url = login.vipps_agreement(&back, &error, first.transaction_id.unwrap());
    let confirm = page(browser.open(&url).await.unwrap());
    browser.click(&confirm, "Confirm").await.unwrap();
    let again = add().await;
    assert_eq!((again.success, again.transaction_id), (Some(false), None));
}

/// Each logged-in user has their own payment methods, Vipps agreements and
/// paid invoices ("the logged-in user's payment methods", as the reference
/// has each call); `login_hint` picks the customer who logs in
/// (x-nordpay-inferred: OpenID Connect's parameter, as a customer number).
#[tokio::test]
async fn each_user_has_their_own_methods_agreements_and_invoices() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let (anna, bjorn) = (
        logged_in(&sandbox).await,
        logged_in_as(&sandbox, Some("563458")).await,
    );
    let (login, back, error) = login_server(&sandbox);
    let confirm = async |url: Url| {
        let page = page(browser.open(&url).await.unwrap());
        redirect(browser.click(&page, "Confirm").await.unwrap());
    };

    // Bjørn pays invoice 1001, agrees to Vipps for P1.
    let paid = start_invoice_payment(&bjorn, "1001").await;
    confirm(login.invoice_payment(&back, &error, paid.transaction_id.unwrap())).await;
    let agreed = bjorn
        .add_vipps_agreement()
        .body(mediaconnect::types::VippsAgreementRequest::builder().product_code("P1"))
        .send()
        .await
        .unwrap()
        .into_inner();
    confirm(login.vipps_agreement(&back, &error, agreed.transaction_id.unwrap())).await;

    let agreements = async |client: &mediaconnect::Client| {
        client
            .list_vipps_agreements()
            .send()
            .await
            .unwrap()
            .into_inner()
            .recurring_agreements
    };
    let active = async |client: &mediaconnect::Client| {
        let methods = client
            .list_payment_methods()
            .product_code("P1")
            .send()
            .await
            .unwrap()
            .into_inner()
            .payment_method_response_items;
        methods
            .into_iter()
            .find(|m| m.is_active.as_deref() == Some("Y"))
            .and_then(|m| m.payment_method)
    };
    let unpaid = async |client: &mediaconnect::Client| {
        let invoices = client
            .list_invoices()
            .product_code("P1")
            .unpaid(true)
            .send()
            .await
            .unwrap()
            .into_inner()
            .invoices;
        invoices
            .into_iter()
            .filter_map(|i| i.invoice_number)
            .collect::<Vec<_>>()
    };
    let bjorns = agreements(&bjorn).await;
    assert_eq!(bjorns.len(), 1);
    assert!(
        agreements(&anna).await.is_empty(),
        "Anna sees Bjørn's agreement"
    );
    assert_eq!(
        active(&bjorn).await.as_deref(),
        Some("recurringVippsPayment")
    );
    assert_eq!(active(&anna).await.as_deref(), Some("invoice"));
    assert!(!unpaid(&bjorn).await.contains(&"1001".to_string()));
    assert!(unpaid(&anna).await.contains(&"1001".to_string()));

    // Anna cannot remove Bjørn's agreement; he can.
    let removal = |reference: &str| {
        mediaconnect::types::VippsAgreementRemoval::builder()
            .agreement_ref(reference)
            .payment_provider_id(std::num::NonZeroU32::new(55).unwrap())
    };
    let reference = bjorns[0].agreement_ref.clone().unwrap();
    for (client, removed) in [(&anna, false), (&bjorn, true)] {
        let answer = client
            .remove_vipps_agreement()
            .body(removal(&reference))
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.success, Some(removed));
    }

    // Client mode knows Bjørn now, with his invoice paid.
    let merchant = support::mediaconnect_merchant(&sandbox);
    let his = merchant
        .list_client_invoices()
        .customer_number(563458u64)
        .product_code("P1")
        .send()
        .await
        .unwrap()
        .into_inner()
        .client_invoice_info_list;
    let first = his
        .iter()
        .find(|i| i.invoice_id.as_deref() == Some("1001"))
        .unwrap();
    assert_eq!(first.customer_number, Some(563458));
    assert_eq!(first.payment_status.as_deref(), Some("1"));

    // A hint that is no customer number is refused at the login page.
    let mut authorize = support::mediaconnect_oauth(&sandbox).authorize_url("s");
    authorize
        .query_pairs_mut()
        .append_pair("login_hint", "anna");
    let refused = reqwest::get(authorize).await.unwrap();
    assert_eq!(refused.status(), 400);
}

/// "When the user already has a valid ticket on the product, the new ticket
/// must be authorized by verification and the old one removed; this is
/// done by adding `&ticket=<recurrence token>` to the payment-change
/// redirect URL": a second change to a PayEx card without it goes to the
/// error URL (inferred); with it, the user can confirm.
#[tokio::test]
async fn replacing_a_payex_card_takes_the_old_ticket() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = logged_in(&sandbox).await;
    let (login, back, error) = login_server(&sandbox);
    let change = async || {
        client
            .change_payment_method()
            .product_code("P9")
            .body(mediaconnect::types::PaymentChangeRequest {
                payment_method:
                    mediaconnect::types::RecurringPaymentMethod::RecurringPayExCardPayment,
            })
            .send()
            .await
            .unwrap()
            .into_inner()
            .payment_change_id
            .unwrap()
    };
    let confirmed = async |url: Url| {
        let page = page(browser.open(&url).await.unwrap());
        let back = redirect(browser.click(&page, "Confirm").await.unwrap());
        mediaconnect::Outcome::from_return_url(&back).unwrap()
    };

    // The first card needs no ticket.
    let first = change().await;
    let url = login.payment_change(&back, &error, first);
    assert_eq!(confirmed(url).await, mediaconnect::Outcome::Finished);

    // The second replaces it: not without the old ticket, then with it.
    let second = change().await;
    let without = redirect(
        browser
            .open(&login.payment_change(&back, &error, second))
            .await
            .unwrap(),
    );
    assert_eq!(without, error);
    let ticket = mediaconnect::PayExTicket::new("old-recurrence-token").unwrap();
    let url = login.payment_change_replacing(&back, &error, second, &ticket);
    assert_eq!(confirmed(url).await, mediaconnect::Outcome::Finished);
}
