//! The Puzzel Pay stand-in, and its callbacks.

use super::*;

/// Puzzel Pay's three operations, as a service calls them: `?` gives the
/// API's error.
pub(super) async fn create_batch(
    client: &puzzel_pay::Client,
    batch: puzzel_pay::types::builder::BatchRequest,
) -> Result<puzzel_pay::types::BatchResponse, puzzel_pay::Error> {
    Ok(client.create_batch().body(batch).send().await?.into_inner())
}

pub(super) async fn batch_status(
    client: &puzzel_pay::Client,
    reference: &str,
) -> Result<puzzel_pay::types::BatchStatus, puzzel_pay::Error> {
    Ok(client
        .get_batch_status()
        .reference(reference)
        .send()
        .await?
        .into_inner())
}

pub(super) async fn refund(
    client: &puzzel_pay::Client,
    batch: &str,
    recipient: &str,
) -> Result<(), puzzel_pay::Error> {
    client
        .refund_recipient()
        .batch_reference(batch)
        .recipient_reference(recipient)
        .send()
        .await?;
    Ok(())
}

/// A Puzzel Pay client of `sandbox`, with the JWT it accepts.
pub(super) fn puzzel_client(sandbox: &Sandbox) -> puzzel_pay::Client {
    puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap()
}

pub(super) fn batch(reference: &str, msisdns: &[&str]) -> puzzel_pay::types::builder::BatchRequest {
    let recipients = msisdns
        .iter()
        .enumerate()
        .map(|(i, msisdn)| {
            puzzel_pay::types::Recipient::builder()
                .reference(format!("r{i}"))
                .msisdn(*msisdn)
                .type_(puzzel_pay::RequestType::Payment)
                .payment(
                    puzzel_pay::types::Payment::builder()
                        .amount(10_000u64)
                        .currency("NOK"),
                )
                .variables(std::collections::BTreeMap::from([(
                    "name".to_string(),
                    format!("N{i}"),
                )]))
                .try_into()
                .unwrap()
        })
        .collect::<Vec<puzzel_pay::types::Recipient>>();
    puzzel_pay::types::BatchRequest::builder()
        .batch_reference(reference)
        .action(puzzel_pay::BatchAction::CreateLinks)
        .message_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Hi {{name}}".into(),
        }])
        .recipients(recipients)
}

#[tokio::test]
async fn puzzel_pay_recipients_move_through_the_steps_and_refunds_follow_the_rules() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch(
            "b1",
            &[
                "+4799999999",
                faults::NO_FUNDS_MSISDN,
                faults::MNO_ERROR_MSISDN,
            ],
        ),
    )
    .await
    .unwrap();
    let links = payment_links(answer);
    let steps = |status: &puzzel_pay::types::BatchStatus| -> Vec<puzzel_pay::Step> {
        status
            .recipient_status
            .iter()
            .map(|r| r.step.unwrap())
            .collect()
    };
    assert_eq!(
        steps(&batch_status(&client, "b1").await.unwrap()),
        [puzzel_pay::Step::SmsEnqueued; 3]
    );

    let delivered = sandbox
        .control_url()
        .join("sandbox/puzzel-pay/batches/b1/recipients/r0/delivered")
        .unwrap();
    reqwest::Client::new()
        .post(delivered)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    for (link, button) in links.iter().zip([
        "Pay with Strex (Direct Payment)",
        "Pay with card",
        "Pay with card",
    ]) {
        pay_at(&browser, link, button, "Pay").await;
    }
    let status = batch_status(&client, "b1").await.unwrap();
    use puzzel_pay::Step::{Paid, PaymentFailed};
    assert_eq!(steps(&status), [Paid, PaymentFailed, Paid]);
    // A callback is a hint anyone could send; the batch status confirms it.
    assert_eq!(client.recipient_step("b1", "r0").await.unwrap(), Some(Paid));
    assert_eq!(
        client.recipient_step("b1", "r1").await.unwrap(),
        Some(PaymentFailed)
    );
    assert_eq!(client.recipient_step("b1", "nobody").await.unwrap(), None);
    assert_eq!(status.sms_status.as_ref().unwrap().clicked, Some(3));

    refund(&client, "b1", "r0").await.unwrap();
    assert!(matches!(
        refund(&client, "b1", "r0").await,
        Err(puzzel_pay::Error::Status { .. })
    ));
    assert!(matches!(
        refund(&client, "b1", "r1").await,
        Err(puzzel_pay::Error::Status { .. })
    ));
    assert!(matches!(
        refund(&client, "b1", "r2").await,
        Err(puzzel_pay::Error::RefundRejected)
    ));
    assert!(matches!(
        refund(&client, "b1", "nobody").await,
        Err(puzzel_pay::Error::NotFound)
    ));
    assert!(matches!(
        batch_status(&client, "nope").await,
        Err(puzzel_pay::Error::NotFound)
    ));
}

#[tokio::test]
async fn puzzel_pay_sms_to_a_barred_number_fails() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch("sms", &["+4799999999", faults::BARRED_MSISDN])
            .action(puzzel_pay::BatchAction::SendSms),
    )
    .await
    .unwrap();
    let codes: Vec<_> = answer
        .sms_statuses
        .unwrap()
        .iter()
        .map(|s| s.status_code)
        .collect();
    assert_eq!(codes, [Some(0), Some(1)]);
    assert!(answer.payment_links.is_none());
    let steps: Vec<_> = batch_status(&client, "sms")
        .await
        .unwrap()
        .recipient_status
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(
        steps,
        [
            Some(puzzel_pay::Step::SmsEnqueued),
            Some(puzzel_pay::Step::SmsFailed)
        ]
    );
}

/// A batch as JSON, sent by hand as Puzzel Pay's media type.
async fn post_batch(sandbox: &Sandbox, batch: &serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/batches", sandbox.puzzel_pay_url()))
        .bearer_auth(credentials::PUZZEL_PAY_JWT)
        .header(
            "content-type",
            "application/vnd.instapay.batchrequest.v1+json",
        )
        .body(batch.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn puzzel_pay_validation_errors_come_in_the_documented_shape() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let missing =
        batch("b2", &["+4799999999"]).message_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Hi {{name}}, you owe {{amount}}".into(),
        }]);
    match create_batch(&client, missing).await.unwrap_err() {
        puzzel_pay::Error::Validation(errors) => {
            assert_eq!(
                errors["recipients[0].variables"],
                ["The variable 'amount' is missing"]
            )
        }
        other => panic!("{other:?}"),
    }
    create_batch(&client, batch("b3", &["+4799999999"]))
        .await
        .unwrap();
    match create_batch(&client, batch("b3", &["+4799999999"]))
        .await
        .unwrap_err()
    {
        puzzel_pay::Error::Validation(errors) => assert!(errors.contains_key("batchReference")),
        other => panic!("{other:?}"),
    }
    // The spec's batch rules bind the sandbox as they bind the client: a
    // batch the client would refuse, sent by hand, is refused in the API's shape.
    let two_with_one_reference = serde_json::json!({
        "batchReference": "b4",
        "action": 2,
        "messageTemplates": [{"type": 1, "text": "Pay: {{paymentLink}}"}],
        "recipients": [
            {"reference": "same", "msisdn": "+4799999999", "type": 1,
             "payment": {"amount": 100, "currency": "NOK"}},
            {"reference": "same", "msisdn": "+4799999998", "type": 1,
             "payment": {"amount": 100, "currency": "NOK"}}
        ]
    });
    let response = post_batch(&sandbox, &two_with_one_reference).await;
    assert_eq!(response.status(), 400);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        answer["validationErrors"]["recipients[1].reference"][0],
        "the same as an earlier item's; each reference is unique"
    );
    // As the docs' "Response example, validation errors" writes it:
    // "smsStatuses": null, "paymentLinks": null.
    assert_eq!(answer.get("smsStatuses"), Some(&serde_json::Value::Null));
    assert_eq!(answer.get("paymentLinks"), Some(&serde_json::Value::Null));
    // And the "Response example, ok" of a batch that sends SMS:
    // "paymentLinks": null, "validationErrors": null.
    let mut sent = two_with_one_reference.clone();
    sent["batchReference"] = "b4-ok".into();
    sent["recipients"][1]["reference"] = "other".into();
    sent["action"] = 1.into();
    let response = post_batch(&sandbox, &sent).await;
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["smsStatuses"].as_array().map(Vec::len), Some(2));
    assert_eq!(answer.get("paymentLinks"), Some(&serde_json::Value::Null));
    assert_eq!(
        answer.get("validationErrors"),
        Some(&serde_json::Value::Null)
    );
    // Answers read a `null` list as empty; requests stay strict: a batch
    // whose recipients are `null` is refused.
    let null_recipients = serde_json::json!({
        "batchReference": "b5",
        "action": 2,
        "messageTemplates": [{"type": 1, "text": "Pay: {{paymentLink}}"}],
        "recipients": null
    });
    let response = post_batch(&sandbox, &null_recipients).await;
    assert_eq!(response.status(), 400);
    let wrong = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        "eyJhbGciOiJub25lIn0.e30.not-it",
    )
    .build()
    .unwrap();
    assert!(matches!(
        batch_status(&wrong, "b3").await,
        Err(puzzel_pay::Error::Unauthorized)
    ));
}

// ---- callbacks ----

pub(super) async fn receiver(fail_first: &'static [&'static str]) -> Receiver {
    use axum::http::StatusCode;
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = bodies.clone();
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let callback = puzzel_pay::parse_callback(&body).unwrap();
                let mut seen = seen.lock().unwrap();
                let before = seen
                    .iter()
                    .filter(|b| {
                        puzzel_pay::parse_callback(b).unwrap().client_reference
                            == callback.client_reference
                    })
                    .count();
                seen.push(body.to_vec());
                if before == 0 && fail_first.contains(&callback.client_reference.as_str()) {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, bodies }
}

#[tokio::test]
async fn puzzel_pay_callbacks_reach_the_merchant_twice_when_scripted_and_again_after_a_500() {
    use nordpay::sandbox::{FaultAction, SandboxConfig, ScriptedFault};
    let receiver = receiver(&["r2"]).await;
    let mut config = SandboxConfig::default();
    config.callback_url = Some(receiver.url.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "callback", FaultAction::DeliverTwice)
            .key(r#""clientReference":"r0""#),
    );
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch(
            "cb1",
            &["+4799999999", faults::NO_FUNDS_MSISDN, "+4799999998"],
        ),
    )
    .await
    .unwrap();
    let browser = Browser::new();
    for link in answer.payment_links.unwrap() {
        let link: Url = link.link.as_deref().unwrap().parse().unwrap();
        pay_at(&browser, &link, "Pay with card", "Pay").await;
    }

    // r0 twice (scripted), r1 once, r2 twice (its first answer was a 500).
    let mut callbacks = Vec::new();
    for _ in 0..100 {
        callbacks = receiver.bodies.lock().unwrap().clone();
        // The sandbox records an attempt once its answer is back.
        if callbacks.len() >= 5 && sandbox.callback_deliveries().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let callbacks: Vec<_> = callbacks
        .iter()
        .map(|body| puzzel_pay::parse_callback(body).unwrap())
        .collect();
    let of = |reference: &str| -> Vec<&puzzel_pay::types::Callback> {
        callbacks
            .iter()
            .filter(|c| c.client_reference == reference)
            .collect()
    };
    assert_eq!(of("r0").len(), 2, "{callbacks:?}");
    assert_eq!(of("r1").len(), 1, "{callbacks:?}");
    assert_eq!(of("r2").len(), 2, "{callbacks:?}");
    assert!(
        of("r0")
            .iter()
            .all(|c| c.success && c.batch_reference == "cb1")
    );
    assert!(!of("r1")[0].success);
    assert_eq!(of("r1")[0].external_status_code.as_deref(), Some("1"));
    assert!(of("r2").iter().all(|c| c.success));

    let r2: Vec<(u32, Option<u16>)> = sandbox
        .callback_deliveries()
        .iter()
        .filter(|d| d.client_reference == "r2")
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(r2, [(1, Some(500)), (2, Some(200))]);
    // A callback is a hint: the merchant confirms it with the batch status.
    assert_eq!(
        client.recipient_step("cb1", "r0").await.unwrap(),
        Some(puzzel_pay::Step::Paid)
    );
}

#[tokio::test]
async fn puzzel_pay_callbacks_scripted_late_or_out_of_order_arrive_so() {
    use nordpay::sandbox::{FaultAction, SandboxConfig, ScriptedFault};
    let receiver = receiver(&[]).await;
    let mut config = SandboxConfig::default();
    config.callback_url = Some(receiver.url.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    sandbox.script(
        ScriptedFault::new("puzzel_pay", "callback", FaultAction::DeliverOutOfOrder)
            .key(r#""clientReference":"r0""#),
    );
    sandbox.script(
        ScriptedFault::new(
            "puzzel_pay",
            "callback",
            FaultAction::DeliverLate { ms: 400 },
        )
        .key(r#""clientReference":"r2""#),
    );
    let client = puzzel_client(&sandbox);
    let answer = create_batch(
        &client,
        batch("late1", &["+4799999999", "+4799999998", "+4799999997"]),
    )
    .await
    .unwrap();
    let links = payment_links(answer);
    let browser = Browser::new();
    let references = |bodies: &[Vec<u8>]| -> Vec<String> {
        bodies
            .iter()
            .map(|b| puzzel_pay::parse_callback(b).unwrap().client_reference)
            .collect()
    };
    let wait_for = |count: usize| {
        let bodies = receiver.bodies.clone();
        async move {
            for _ in 0..200 {
                if bodies.lock().unwrap().len() >= count {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            bodies.lock().unwrap().clone()
        }
    };

    // r0 is paid first, but its callback waits for the next one: r1's.
    pay_at(&browser, &links[0], "Pay with card", "Pay").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        receiver.bodies.lock().unwrap().is_empty(),
        "r0 is held back"
    );
    pay_at(&browser, &links[1], "Pay with card", "Pay").await;
    assert_eq!(references(&wait_for(2).await), ["r1", "r0"]);

    // r2's callback comes 400 ms after the payment, not at once.
    let paid_at = std::time::Instant::now();
    pay_at(&browser, &links[2], "Pay with card", "Pay").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.bodies.lock().unwrap().len(), 2, "r2 is late");
    assert_eq!(references(&wait_for(3).await), ["r1", "r0", "r2"]);
    assert!(paid_at.elapsed() >= Duration::from_millis(400));
    // Late or not, each went once (an attempt is recorded once its answer
    // is back), and the batch status is the truth.
    for _ in 0..200 {
        if sandbox.callback_deliveries().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(sandbox.callback_deliveries().len(), 3);
    assert_eq!(
        client.recipient_step("late1", "r0").await.unwrap(),
        Some(puzzel_pay::Step::Paid)
    );
}

// ---- what the docs say, read against the stand-in ----

/// "expires: Date/time when the batch expires": a link past it no longer
/// pays (x-nordpay-inferred: the page answers 410 Gone), by the sandbox's
/// clock or by the dashboard's "Expire batch".
#[tokio::test]
async fn puzzel_pay_links_past_their_batch_expiry_do_not_pay() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    let links = payment_links(
        create_batch(
            &client,
            batch("expiring", &["+4799999999", "+4799999998"]).expires(Some(in_an_hour)),
        )
        .await
        .unwrap(),
    );
    let http = reqwest::Client::new();
    let open = |link: Url| {
        let http = http.clone();
        async move { http.get(link).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(open(links[0].clone()).await, 200, "before expires");
    sandbox.advance(Duration::from_secs(2 * 3600));
    assert_eq!(open(links[1].clone()).await, 410, "after expires");
    let pay = links[1].join("r1/5").unwrap();
    let paid = http.post(pay).send().await.unwrap();
    assert_eq!(paid.status(), 410);
    let status = batch_status(&client, "expiring").await.unwrap();
    assert!(
        status
            .recipient_status
            .iter()
            .all(|r| r.step != Some(puzzel_pay::Step::Paid)),
        "{status:?}"
    );

    // The dashboard's action: a batch without `expires` expires now.
    let links = payment_links(
        create_batch(&client, batch("let-lapse", &["+4799999999"]))
            .await
            .unwrap(),
    );
    dashboard_action(&sandbox, "batch", "let-lapse", "expire")
        .await
        .unwrap();
    assert_eq!(open(links[0].clone()).await, 410);
}

/// Step 4, "Picked payment provider": the recipient picks a provider on
/// the payment page before paying, and the batch status counts it as
/// selected, then paid.
#[tokio::test]
async fn puzzel_pay_recipients_pick_a_provider_before_paying() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let links = payment_links(
        create_batch(&client, batch("picking", &["+4799999999"]))
            .await
            .unwrap(),
    );
    let browser = Browser::new();
    let offer = page(browser.open(&links[0]).await.unwrap());
    let picked = page(browser.click(&offer, "Pay with card").await.unwrap());
    let status = batch_status(&client, "picking").await.unwrap();
    assert_eq!(
        status.recipient_status[0].step,
        Some(puzzel_pay::Step::PickedPaymentProvider)
    );
    let providers = &status
        .payment_provider_status
        .as_ref()
        .unwrap()
        .payment_providers;
    assert_eq!(providers.len(), 1, "{providers:?}");
    assert_eq!(
        providers[0].payment_provider,
        Some(puzzel_pay::PaymentProvider::PaymentCard)
    );
    assert_eq!(
        (providers[0].selected, providers[0].paid),
        (Some(1), Some(0))
    );

    browser.click(&picked, "Pay").await.unwrap();
    let status = batch_status(&client, "picking").await.unwrap();
    assert_eq!(
        status.recipient_status[0].step,
        Some(puzzel_pay::Step::Paid)
    );
    let providers = &status
        .payment_provider_status
        .as_ref()
        .unwrap()
        .payment_providers;
    assert_eq!(
        (providers[0].selected, providers[0].paid),
        (Some(1), Some(1))
    );
}

/// The docs' validation example names a variable the template lacks:
/// "recipients[0].variables[0]": ["The variable 'name' is missing in the
/// template"], beside a missing one ("The variable 'amount' is missing").
#[tokio::test]
async fn puzzel_pay_reports_missing_and_unused_variables() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let refused = create_batch(
        &client,
        batch("unused", &["+4799999999"]).message_templates(vec![
            puzzel_pay::types::MessageTemplate {
                type_: puzzel_pay::RequestType::Payment,
                text: "Pay {{amount}} here".into(),
            },
        ]),
    )
    .await
    .unwrap_err();
    let puzzel_pay::Error::Validation(errors) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(
        errors["recipients[0].variables"],
        ["The variable 'amount' is missing"]
    );
    assert_eq!(
        errors["recipients[0].variables[0]"],
        ["The variable 'name' is missing in the template"]
    );
}

/// Receipt templates, like message templates, have a request type: a
/// recipient's receipt is the one of its type.
#[tokio::test]
async fn puzzel_pay_receipts_follow_the_recipients_request_type() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = puzzel_client(&sandbox);
    let template = |type_, text: &str| puzzel_pay::types::MessageTemplate {
        type_,
        text: text.into(),
    };
    let mut request: puzzel_pay::types::BatchRequest = batch("receipts", &["+4794444444"])
        .message_templates(vec![
            template(puzzel_pay::RequestType::Payment, "Hi {{name}}"),
            template(puzzel_pay::RequestType::Reminder, "Reminder {{name}}"),
        ])
        .receipt_templates(vec![
            template(puzzel_pay::RequestType::Payment, "Payment receipt {{name}}"),
            template(
                puzzel_pay::RequestType::Reminder,
                "Reminder receipt {{name}}",
            ),
        ])
        .try_into()
        .unwrap();
    request.recipients[0].type_ = puzzel_pay::RequestType::Reminder;
    let links = payment_links(create_batch(&client, request.into()).await.unwrap());
    pay_at(&Browser::new(), &links[0], "Pay with card", "Pay").await;
    let inbox = reqwest::get(sandbox.inbox_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Reminder receipt N0"), "{inbox}");
    assert!(!inbox.contains("Payment receipt"), "{inbox}");
}
