//! The callback receiver, in the example app (`examples/callback_receiver`),
//! against the sandbox's real callbacks: delivered twice, late, out of
//! order, for a failed payment, and forged.
#![cfg(all(feature = "sandbox", feature = "callback-receiver"))]

#[path = "../../examples/callback_receiver/app.rs"]
mod app;

use std::sync::Arc;
use std::time::Duration;

use nordpay::puzzel_pay::receiver::{CallbackReceiver, Confirmed, Outcome, Receipt};
use nordpay::puzzel_pay::{self, types};
use nordpay::sandbox::browser::{Browser, Visit};
use nordpay::sandbox::{FaultAction, Sandbox, SandboxConfig, ScriptedFault, credentials, faults};
use url::Url;

/// The example app on a port of its own, and a sandbox that calls it back.
async fn start() -> (Sandbox, puzzel_pay::Client, Arc<app::Shop>, Url) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback_url: Url = format!(
        "http://{}{}",
        listener.local_addr().unwrap(),
        app::CALLBACK_PATH
    )
    .parse()
    .unwrap();
    let mut config = SandboxConfig::default();
    config.callback_url = Some(callback_url.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let client = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap();
    let shop = Arc::new(app::Shop::default());
    let served = app::app(client.clone(), Arc::clone(&shop));
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
    (sandbox, client, shop, callback_url)
}

/// A batch `reference` of one payment link per MSISDN (recipients r0, r1 …).
async fn links(client: &puzzel_pay::Client, reference: &str, msisdns: &[&str]) -> Vec<Url> {
    let recipients: Vec<types::Recipient> = msisdns
        .iter()
        .enumerate()
        .map(|(i, msisdn)| {
            types::Recipient::builder()
                .reference(format!("r{i}"))
                .msisdn(*msisdn)
                .type_(puzzel_pay::RequestType::Payment)
                .payment(types::Payment::builder().amount(10_000u64).currency("NOK"))
                .try_into()
                .unwrap()
        })
        .collect();
    let batch = client
        .create_batch()
        .body(
            types::BatchRequest::builder()
                .batch_reference(reference)
                .action(puzzel_pay::BatchAction::CreateLinks)
                .message_templates(vec![types::MessageTemplate {
                    type_: puzzel_pay::RequestType::Payment,
                    text: "Pay: {{paymentLink}}".into(),
                }])
                .recipients(recipients),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let mut links: Vec<(String, Url)> = batch
        .payment_links
        .unwrap()
        .into_iter()
        .map(|link| (link.reference.unwrap(), link.link.unwrap().parse().unwrap()))
        .collect();
    links.sort();
    links.into_iter().map(|(_, link)| link).collect()
}

async fn pay(browser: &Browser, link: &Url) {
    let Visit::Page(offer) = browser.open(link).await.unwrap() else {
        panic!("no offer page");
    };
    let Visit::Page(card) = browser.click(&offer, "Pay with card").await.unwrap() else {
        panic!("no card page");
    };
    browser.click(&card, "Pay").await.unwrap();
}

/// Waits until the sandbox has `count` answered deliveries.
async fn deliveries(sandbox: &Sandbox, count: usize) -> Vec<(String, u32, Option<u16>)> {
    for _ in 0..200 {
        if sandbox.callback_deliveries().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    sandbox
        .callback_deliveries()
        .into_iter()
        .map(|d| (d.client_reference, d.attempt, d.status))
        .collect()
}

fn orders(list: &std::sync::Mutex<Vec<(String, String)>>) -> Vec<String> {
    let mut orders: Vec<String> = list
        .lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.clone())
        .collect();
    orders.sort();
    orders
}

#[tokio::test]
async fn each_paid_order_ships_once_however_the_callbacks_come() {
    let (sandbox, client, shop, _) = start().await;
    // r0's callback twice, r1's late, r2's after the next one; r3 fails.
    for (reference, action) in [
        ("r0", FaultAction::DeliverTwice),
        ("r1", FaultAction::DeliverLate { ms: 300 }),
        ("r2", FaultAction::DeliverOutOfOrder),
    ] {
        sandbox.script(
            ScriptedFault::new("puzzel_pay", "callback", action)
                .key(format!(r#""clientReference":"{reference}""#).as_str()),
        );
    }
    let links = links(
        &client,
        "shop-1",
        &[
            "+4799999991",
            "+4799999992",
            "+4799999993",
            faults::NO_FUNDS_MSISDN,
            "+4799999994",
        ],
    )
    .await;
    let browser = Browser::new();
    for link in &links[..4] {
        pay(&browser, link).await;
    }
    // r0 twice, r1 late, r2 (released by r3's), r3. Two copies of r0 at
    // once: one is answered 503 (in progress) and comes again.
    let mut delivered = Vec::new();
    for _ in 0..200 {
        delivered = deliveries(&sandbox, 0).await;
        let taken = |reference: &str| {
            delivered
                .iter()
                .filter(|(r, _, status)| r == reference && *status == Some(200))
                .count()
        };
        if taken("r0") == 2 && ["r1", "r2", "r3"].iter().all(|r| taken(r) == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        delivered
            .iter()
            .all(|(_, _, status)| matches!(status, Some(200 | 503))),
        "{delivered:?}"
    );
    assert_eq!(orders(&shop.shipped), ["r0", "r1", "r2"], "{delivered:?}");
    assert_eq!(orders(&shop.failed), ["r3"]);
    // r4 never paid: nothing shipped for it.
    assert!(!orders(&shop.shipped).contains(&"r4".to_string()));
}

#[tokio::test]
async fn a_forged_or_early_callback_ships_nothing_and_is_asked_for_again() {
    let (sandbox, client, shop, callback_url) = start().await;
    let links = links(&client, "shop-2", &["+4799999991"]).await;
    let http = reqwest::Client::new();
    let forged = |success: bool| {
        http.post(callback_url.clone()).json(&serde_json::json!({
            "batchReference": "shop-2", "clientReference": "r0", "success": success,
            "externalReference": "x", "externalStatusCode": "0",
        }))
    };
    // Not paid yet: the batch status does not confirm it.
    assert_eq!(forged(true).send().await.unwrap().status(), 503);
    // A recipient the batch does not have: taken, nothing done.
    let stranger = http
        .post(callback_url.clone())
        .json(&serde_json::json!({"batchReference": "shop-2", "clientReference": "nobody", "success": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 200);
    // Not a callback, or too big.
    let junk = http
        .post(callback_url.clone())
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), 400);
    let huge = http
        .post(callback_url.clone())
        .body(vec![b' '; 70_000])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert!(orders(&shop.shipped).is_empty());

    // Paid: the real callback ships it; a forged "failed" after it
    // confirms the payment, as the status says, and is a duplicate.
    pay(&Browser::new(), &links[0]).await;
    deliveries(&sandbox, 1).await;
    assert_eq!(orders(&shop.shipped), ["r0"]);
    assert_eq!(forged(true).send().await.unwrap().status(), 200);
    assert_eq!(forged(false).send().await.unwrap().status(), 200);
    assert_eq!(orders(&shop.shipped), ["r0"]);
    assert!(orders(&shop.failed).is_empty());
}

#[tokio::test]
async fn a_failing_handler_is_asked_again_and_a_duplicate_within_the_window_is_not() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap();
    let links = links(&client, "shop-3", &["+4799999991"]).await;
    pay(&Browser::new(), &links[0]).await;
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let receiver = CallbackReceiver::new(client, move |confirmed: Confirmed| {
        let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            assert_eq!(confirmed.outcome, Outcome::Paid);
            if n == 0 {
                Err("the database is down".into())
            } else {
                Ok(())
            }
        }
    })
    .dedupe_window(Duration::from_millis(300));
    let body = br#"{"batchReference":"shop-3","clientReference":"r0","success":true}"#;
    assert_eq!(receiver.receive(body).await, Receipt::HandlerFailed);
    assert_eq!(
        receiver.receive(body).await,
        Receipt::Handled(Outcome::Paid)
    );
    assert_eq!(receiver.receive(body).await, Receipt::Duplicate);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    // After the window it is handled again (the handler must be idempotent).
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        receiver.receive(body).await,
        Receipt::Handled(Outcome::Paid)
    );
    assert_eq!(Receipt::HandlerFailed.status(), 500);
    assert_eq!(Receipt::Duplicate.status(), 200);
}
