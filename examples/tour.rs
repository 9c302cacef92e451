//! The nordpay tour: starts the sandbox in this process and runs each API's
//! whole flow through the generated clients.
//!
//! `cargo run --example tour --features sandbox`

use std::error::Error;

use nordpay::sandbox::browser::{Browser, Page, Visit};
use nordpay::sandbox::{Sandbox, credentials};
use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};
use url::Url;

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

fn step(text: impl std::fmt::Display) {
    println!("  - {text}");
}

fn page(visit: Visit) -> Result<Page> {
    match visit {
        Visit::Page(page) => Ok(page),
        Visit::Redirect(url) => Err(format!("expected a page, was sent to {url}").into()),
    }
}

fn redirect(visit: Visit) -> Result<Url> {
    match visit {
        Visit::Redirect(url) => Ok(url),
        Visit::Page(page) => {
            Err(format!("expected a redirect, got the page {}", page.url()).into())
        }
    }
}

#[tokio::main]
async fn main() -> Result {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::new();
    println!("nordpay tour: sandbox on http://{}\n", sandbox.addr());

    for transport in [
        direct_payment::Transport::Rest,
        direct_payment::Transport::Soap,
    ] {
        direct_payment_flow(&sandbox, transport).await?;
    }
    puzzel_pay_flow(&sandbox, &browser).await?;
    connect_flow(&sandbox, &browser).await?;
    mediaconnect_flow(&sandbox, &browser).await?;

    println!("\nall flows ran against the sandbox; no credentials, no real money");
    Ok(())
}

async fn direct_payment_flow(sandbox: &Sandbox, transport: direct_payment::Transport) -> Result {
    use direct_payment::{ServiceCode, types};
    println!("Direct Payment over {transport}");
    let client = direct_payment::Client::builder(
        sandbox.direct_payment_environment(),
        transport,
        sandbox.direct_payment_credentials(),
    )
    .build()?;
    let msisdn = "+4799999999";
    let reference = format!("tour-{transport}");

    client
        .send_verification_code(types::SendVerificationCodeRequest::builder().msisdn(msisdn))
        .await?;
    let inspect = sandbox.control_url().join(&format!(
        "sandbox/direct-payment/verification-codes/{msisdn}"
    ))?;
    let sent: serde_json::Value = reqwest::get(inspect).await?.json().await?;
    let code = sent["Code"].as_str().unwrap_or_default().to_string();
    step(format!(
        "verification code {code} sent to {msisdn} (read from the sandbox inbox)"
    ));
    client
        .verify_verification_code(
            types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code),
        )
        .await?;
    step("phone verified");

    let parking: ServiceCode = "06005".parse()?;
    let paid = client
        .pay(
            types::PaymentDetails::builder()
                .msisdn(msisdn)
                .price(2500)
                .service_code(parking)
                .client_reference(reference.as_str())
                .end_user_invoice_text(Some("Parking, 2 hours".to_string())),
        )
        .await?;
    step(format!(
        "paid NOK 25.00 for {parking:?}: transaction {}",
        paid.transaction_id.0
    ));
    let status = client.payment_status(reference.as_str()).await?;
    step(format!(
        "status of {reference}: {:?}",
        status.payment_status
    ));
    client.reverse_payment(paid.transaction_id.0).await?;
    let status = client.payment_status(reference.as_str()).await?;
    step(format!("reversed; status now {:?}", status.payment_status));
    Ok(())
}

async fn puzzel_pay_flow(sandbox: &Sandbox, browser: &Browser) -> Result {
    use puzzel_pay::{BatchAction, RequestType, types};
    println!("Puzzel Pay");
    let client = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()?;
    let recipient = |reference: &str, name: &str| -> Result<types::Recipient> {
        Ok(types::Recipient::builder()
            .reference(reference)
            .msisdn("+4798765432")
            .type_(RequestType::Payment)
            .payment(types::Payment::builder().amount(49_900u64).currency("NOK"))
            .variables(std::collections::BTreeMap::from([(
                "name".to_string(),
                name.to_string(),
            )]))
            .try_into()?)
    };
    let batch = client
        .create_batch()
        .body(
            types::BatchRequest::builder()
                .batch_reference("tour-batch")
                .action(BatchAction::CreateLinks)
                .message_templates(vec![types::MessageTemplate {
                    type_: RequestType::Payment,
                    text: "Hi {{name}}, your invoice of NOK 499: {{paymentLink}}".into(),
                }])
                .recipients(vec![recipient("kari", "Kari")?, recipient("ola", "Ola")?]),
        )
        .send()
        .await?
        .into_inner();
    let links = batch.payment_links.unwrap_or_default();
    step(format!(
        "batch tour-batch created with {} payment links",
        links.len()
    ));
    let link: Url = links
        .iter()
        .find(|l| l.reference.as_deref() == Some("kari"))
        .and_then(|l| l.link.as_deref())
        .ok_or("no link for kari")?
        .parse()?;
    let offer = page(browser.open(&link).await?)?;
    step(format!(
        "kari opened her link; the page offers {:?}",
        offer.buttons()
    ));
    let card = page(browser.click(&offer, "Pay with card").await?)?;
    step("kari picked a card (step 4, PickedPaymentProvider)".to_string());
    browser.click(&card, "Pay").await?;
    let status = client
        .get_batch_status()
        .reference("tour-batch")
        .send()
        .await?
        .into_inner();
    for recipient in &status.recipient_status {
        let at = recipient.step.map(|s| format!("{s:?}")).unwrap_or_default();
        step(format!(
            "{} is at step {at}",
            recipient.reference.as_deref().unwrap_or("?")
        ));
    }
    client
        .refund_recipient()
        .batch_reference("tour-batch")
        .recipient_reference("kari")
        .send()
        .await?;
    step("kari's payment refunded in full");
    Ok(())
}

async fn connect_flow(sandbox: &Sandbox, browser: &Browser) -> Result {
    use connect::{Money, VatRate, types};
    println!("Telenor CONNECT Payment");
    let client = connect::Client::builder(
        sandbox.connect_environment(),
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    )
    .build()?;
    let order = |id: &str| {
        types::NewTransaction::builder()
            .order_id(id)
            .purchase_description("Tour subscription, one month")
            .amount(Money::new("NOK", 9_900).expect("NOK"))
            .vat_rate(VatRate::from_percent(25).expect("a VAT rate"))
            .success_redirect("https://shop.example/thanks")
            .cancel_redirect("https://shop.example/cart")
            .connect_id(Some("tour-user".to_string()))
    };
    let transaction = client
        .create_transaction()
        .body(order("tour-order-1"))
        .send()
        .await?
        .into_inner();
    step(format!(
        "transaction {} created: {:?}",
        transaction.id, transaction.state
    ));
    let pay_page = page(browser.open(&transaction.payment_link()?).await?)?;
    let back = redirect(browser.click(&pay_page, "Pay").await?)?;
    step(format!("the user paid and was sent to {back}"));
    let now = client
        .get_transaction()
        .transaction_id(&transaction.id)
        .send()
        .await?
        .into_inner();
    step(format!("transaction {} is {:?}", now.id, now.state));
    let refund = client
        .refund_transaction()
        .transaction_id(&transaction.id)
        .body(
            types::RefundRequest::builder()
                .refund_issuer("tour@shop.example")
                .refund_reason("tour"),
        )
        .send()
        .await?
        .into_inner();
    step(format!(
        "refunded {} by the REFUND transaction {}",
        refund.amount, refund.id
    ));

    let agreement = client
        .create_agreement()
        .body(
            types::NewAgreement::builder()
                .connect_id(Some("tour-user".to_string()))
                .recurrence_time_spec("R/P1M")
                .verification_transaction(order("tour-agreement-1")),
        )
        .send()
        .await?
        .into_inner();
    step(format!(
        "agreement {} created: {:?}",
        agreement.id, agreement.state
    ));
    let pay_page = page(browser.open(&agreement.payment_link()?).await?)?;
    browser.click(&pay_page, "Pay").await?;
    let active = client
        .get_agreement()
        .agreement_id(&agreement.id)
        .send()
        .await?
        .into_inner();
    step(format!(
        "verification paid; agreement is {:?}",
        active.state
    ));
    let stopped = client
        .stop_agreement()
        .agreement_id(&agreement.id)
        .send()
        .await?
        .into_inner();
    step(format!("agreement stopped: {:?}", stopped.state));
    Ok(())
}

async fn mediaconnect_flow(sandbox: &Sandbox, browser: &Browser) -> Result {
    use mediaconnect::{LoginServer, OAuthClient, Outcome, UserTokens, types};
    println!("Mediaconnect");
    let environment = sandbox.mediaconnect_environment();
    let callback: Url = "https://shop.example/oauth/callback".parse()?;
    let oauth = OAuthClient::new(
        environment.login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
        credentials::MEDIACONNECT_CLIENT_SECRET,
        callback,
    )?;
    let back = redirect(browser.open(&oauth.authorize_url("csrf-1")).await?)?;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code")?;
    let tokens = oauth.exchange_code(&code).await?;
    step("the user logged in; the authorization code was exchanged for tokens");
    let client = mediaconnect::Client::builder(environment.clone(), UserTokens::new(oauth, tokens))
        .build()?;

    let methods = client
        .list_payment_methods()
        .product_code("TOUR01")
        .send()
        .await?
        .into_inner();
    let active = methods
        .payment_method_response_items
        .iter()
        .find(|m| m.is_active.as_deref() == Some("Y"))
        .and_then(|m| m.payment_method.clone());
    step(format!(
        "product TOUR01 pays by {}",
        active.unwrap_or_default()
    ));

    let unpaid = client
        .list_invoices()
        .product_code("TOUR01")
        .unpaid(true)
        .send()
        .await?
        .into_inner();
    step(format!("{} unpaid invoices", unpaid.invoices.len()));
    let started = client
        .pay_invoice()
        .body(
            types::InvoicePaymentRequest::builder()
                .invoice_number("1001")
                .product_code("TOUR01")
                .company_code("SANDBOX")
                .payment_method(types::InvoicePaymentMethod::CreditcardPayex),
        )
        .send()
        .await?
        .into_inner();
    let login = LoginServer::new(
        environment.login_server(),
        credentials::MEDIACONNECT_CLIENT_ID,
    )?;
    let return_url: Url = "https://shop.example/paid".parse()?;
    let error_url: Url = "https://shop.example/error".parse()?;
    let pay_here = login.invoice_payment(
        &return_url,
        &error_url,
        started.transaction_id.ok_or("no transaction")?,
    );
    let confirm = page(browser.open(&pay_here).await?)?;
    let back = redirect(browser.click(&confirm, "Confirm").await?)?;
    step(format!(
        "invoice 1001 paid at the login server: {}",
        Outcome::from_return_url(&back)?
    ));
    let unpaid = client
        .list_invoices()
        .product_code("TOUR01")
        .unpaid(true)
        .send()
        .await?
        .into_inner();
    step(format!("{} unpaid invoices left", unpaid.invoices.len()));

    let change = client
        .change_payment_method()
        .product_code("TOUR01")
        .body(types::PaymentChangeRequest {
            payment_method: types::RecurringPaymentMethod::RecurringPayExCardPayment,
        })
        .send()
        .await?
        .into_inner();
    let change_here = login.payment_change(
        &return_url,
        &error_url,
        change.payment_change_id.ok_or("no id")?,
    );
    let confirm = page(browser.open(&change_here).await?)?;
    let back = redirect(browser.click(&confirm, "Confirm").await?)?;
    let methods = client
        .list_payment_methods()
        .product_code("TOUR01")
        .send()
        .await?
        .into_inner();
    let active = methods
        .payment_method_response_items
        .iter()
        .find(|m| m.is_active.as_deref() == Some("Y"))
        .and_then(|m| m.payment_method.clone());
    step(format!(
        "payment method change {}; TOUR01 now pays by {}",
        Outcome::from_return_url(&back)?,
        active.unwrap_or_default()
    ));
    Ok(())
}
