//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use nordpay::sandbox::{Sandbox, credentials};
use nordpay::{connect, direct_payment};
use serde_json::Value;

/// An OAuth client of the sandbox's Mediaconnect login server, with the
/// sandbox's client credentials, redirecting to `https://shop.example/cb`.
pub fn mediaconnect_oauth(sandbox: &Sandbox) -> nordpay::mediaconnect::OAuthClient {
    nordpay::mediaconnect::OAuthClient::new(
        sandbox.mediaconnect_environment().login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
        credentials::MEDIACONNECT_CLIENT_SECRET,
        "https://shop.example/cb".parse().unwrap(),
    )
    .unwrap()
}

/// A client-mode Mediaconnect client: the merchant's own token, from the
/// client-credentials grant.
pub fn mediaconnect_merchant(sandbox: &Sandbox) -> nordpay::mediaconnect::Client {
    nordpay::mediaconnect::Client::builder(
        sandbox.mediaconnect_environment(),
        nordpay::mediaconnect::ClientTokens::new(mediaconnect_oauth(sandbox)),
    )
    .build()
    .unwrap()
}

/// A Mediaconnect access token from the sandbox's login server, got over
/// plain HTTP as a service in another language would: the authorize
/// redirect's code, exchanged at the token endpoint.
pub async fn mediaconnect_access_token(sandbox: &Sandbox) -> String {
    mediaconnect_access_token_at(&sandbox.mediaconnect_login_url()).await
}

/// The same, from the login server at `login` (a sandbox in another process).
pub async fn mediaconnect_access_token_at(login: &url::Url) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut authorize = login.join("login/oauth/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", credentials::MEDIACONNECT_CLIENT_ID)
        .append_pair("redirect_uri", "https://shop.example/cb");
    let back = no_redirects.get(authorize).send().await.unwrap();
    let back: url::Url = back.headers()["location"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("client_id", credentials::MEDIACONNECT_CLIENT_ID)
        .append_pair("client_secret", credentials::MEDIACONNECT_CLIENT_SECRET)
        .append_pair("redirect_uri", "https://shop.example/cb")
        .finish();
    let tokens = json(
        no_redirects
            .post(login.join("login/oauth/token").unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    tokens["access_token"].as_str().unwrap().to_string()
}

/// A CONNECT client of the sandbox.
pub fn connect_client(sandbox: &Sandbox, auth: connect::Auth) -> connect::Client {
    connect::Client::builder(sandbox.connect_environment(), auth)
        .build()
        .unwrap()
}

/// A builder of a Direct Payment client of the sandbox, over `transport`.
fn direct_payment_builder(
    sandbox: &Sandbox,
    transport: direct_payment::Transport,
) -> direct_payment::ClientBuilder {
    direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        transport,
        sandbox.direct_payment_credentials(),
    )
}

/// A Direct Payment client of the sandbox, over `transport`.
pub fn direct_payment_client(
    sandbox: &Sandbox,
    transport: direct_payment::Transport,
) -> direct_payment::Client {
    direct_payment_builder(sandbox, transport).build().unwrap()
}

/// A Direct Payment client of the sandbox for resolution tests: attempts of
/// 500 ms, a six-second resolution that looks up quickly.
pub fn resolving_direct_payment_client(
    sandbox: &Sandbox,
    transport: direct_payment::Transport,
) -> direct_payment::Client {
    direct_payment_builder(sandbox, transport)
        .attempt_timeout(std::time::Duration::from_millis(500))
        .resolution(quick_resolution(6))
        .build()
        .unwrap()
}

/// A NOK 25 parking payment by +4799999999 under `reference`.
pub fn parking_payment(reference: &str) -> direct_payment::types::builder::PaymentDetails {
    direct_payment::types::PaymentDetails::builder()
        .msisdn("+4799999999")
        .price(2500)
        .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
        .client_reference(reference)
}

/// The payment links of a Puzzel Pay batch's answer, in recipient order.
pub fn payment_links(answer: nordpay::puzzel_pay::types::BatchResponse) -> Vec<url::Url> {
    answer
        .payment_links
        .unwrap()
        .iter()
        .map(|l| l.link.as_deref().unwrap().parse().unwrap())
        .collect()
}

/// A monthly charging agreement for CONNECT ID user-1, verified by `verification`.
pub async fn monthly_agreement(
    client: &connect::Client,
    verification: connect::types::builder::NewTransaction,
) -> connect::types::Agreement {
    client
        .create_agreement()
        .body(
            connect::types::NewAgreement::builder()
                .connect_id(Some("user-1".to_string()))
                .recurrence_time_spec("R/P1M")
                .verification_transaction(verification),
        )
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// The JSON an HTTP request answers with.
pub async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// A resolution quick enough for tests: looks every 50 ms (doubling to
/// 200 ms), for at most `seconds`.
pub fn quick_resolution(seconds: u64) -> direct_payment::Resolution {
    direct_payment::Resolution {
        deadline: std::time::Duration::from_secs(seconds),
        first_wait: std::time::Duration::from_millis(50),
        max_wait: std::time::Duration::from_millis(200),
        ..direct_payment::Resolution::default()
    }
}

/// A Puzzel Pay batch of one payment SMS under `reference`.
pub fn batch(reference: &str) -> nordpay::puzzel_pay::types::BatchRequest {
    use nordpay::puzzel_pay::{self, types};
    types::BatchRequest::builder()
        .batch_reference(reference)
        .action(puzzel_pay::BatchAction::SendSms)
        .message_templates(vec![types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Pay here: {{paymentLink}}".into(),
        }])
        .recipients(vec![
            types::Recipient::builder()
                .reference("r0")
                .msisdn("+4799999999")
                .type_(puzzel_pay::RequestType::Payment)
                .payment(types::Payment::builder().amount(10_000u64).currency("NOK"))
                .try_into()
                .unwrap(),
        ])
        .try_into()
        .unwrap()
}
