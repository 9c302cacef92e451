//! Puzzel Pay's callback received, confirmed and acted on once: an axum app
//! (`app.rs`) against the embedded sandbox, which sends the callback.
//!
//! `cargo run --example callback_receiver --features sandbox,callback-receiver`

mod app;

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use nordpay::puzzel_pay::{self, BatchAction, RequestType, types};
use nordpay::sandbox::browser::{Browser, Visit};
use nordpay::sandbox::{Sandbox, SandboxConfig, credentials};

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() -> Result {
    // The merchant's app, on a port of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!("http://{}{}", listener.local_addr()?, app::CALLBACK_PATH);
    let mut config = SandboxConfig::default();
    config.callback_url = Some(callback_url.parse()?);
    let sandbox = Sandbox::start_with(config).await?;
    let client = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()?;
    let shop = Arc::new(app::Shop::default());
    let served = app::app(client.clone(), Arc::clone(&shop));
    tokio::spawn(async move { axum::serve(listener, served).await });
    println!("callbacks go to {callback_url}");

    // A batch of one payment link; the customer pays at it.
    let recipient = types::Recipient::builder()
        .reference("order-1")
        .msisdn("+4798765432")
        .type_(RequestType::Payment)
        .payment(types::Payment::builder().amount(49_900u64).currency("NOK"));
    let batch = client
        .create_batch()
        .body(
            types::BatchRequest::builder()
                .batch_reference("example-batch")
                .action(BatchAction::CreateLinks)
                .message_templates(vec![types::MessageTemplate {
                    type_: RequestType::Payment,
                    text: "Your order: {{paymentLink}}".into(),
                }])
                .recipients(vec![recipient.try_into()?]),
        )
        .send()
        .await?
        .into_inner();
    let link = batch
        .payment_links
        .unwrap_or_default()
        .into_iter()
        .find_map(|link| link.link)
        .ok_or("no payment link")?
        .parse()?;
    let browser = Browser::new();
    let Visit::Page(offer) = browser.open(&link).await? else {
        return Err("the link did not show a page".into());
    };
    let Visit::Page(card) = browser.click(&offer, "Pay with card").await? else {
        return Err("no card page".into());
    };
    browser.click(&card, "Pay").await?;

    for _ in 0..100 {
        if !shop.shipped.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shipped = shop.shipped.lock().unwrap().clone();
    println!("shipped: {shipped:?}");
    if shipped.len() != 1 {
        return Err("the order was not shipped exactly once".into());
    }
    Ok(())
}
