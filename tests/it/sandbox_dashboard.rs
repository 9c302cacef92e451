//! The sandbox's dashboard and inbox over HTTP, as a browser without
//! JavaScript sees them: records of every API appear with their state,
//! money and timeline; the forms act; the event stream tells of changes.
//! (`tests/browser` drives the same pages in headless Chromium.)
#![cfg(feature = "sandbox")]

use crate::support;

use std::time::Duration;

use futures_util::StreamExt;
use nordpay::sandbox::{FaultAction, Sandbox, ScriptedFault, credentials};
use nordpay::{connect, direct_payment, puzzel_pay};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(sandbox: &Sandbox, path: &str) -> String {
    let url = format!("http://{}{path}", sandbox.addr());
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// POST a form; where it redirects to.
async fn post(sandbox: &Sandbox, path: &str, form: &[(&str, &str)]) -> String {
    let url = format!("http://{}{path}", sandbox.addr());
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{path}");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The table row of one record (`kind-batch-id`), if shown.
fn row<'a>(html: &'a str, record: &str) -> Option<&'a str> {
    let marker = format!("data-record=\"{record}\"");
    let start = html.find(&marker)?;
    let end = html[start..].find("</tr>")?;
    Some(&html[start..start + end])
}

fn connect_client(sandbox: &Sandbox) -> connect::Client {
    support::connect_client(
        sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    )
}

fn order(id: &str) -> connect::types::builder::NewTransaction {
    connect::types::NewTransaction::builder()
        .order_id(id)
        .purchase_description("Socks")
        .amount(connect::Money::new("NOK", 2_500).unwrap())
        .vat_rate(connect::VatRate::from_percent(25).unwrap())
        .success_redirect("https://shop.example/ok")
        .cancel_redirect("https://shop.example/cancel")
}

async fn create(
    sandbox: &Sandbox,
    order: connect::types::builder::NewTransaction,
) -> Result<connect::types::Transaction, connect::Error> {
    let created = connect_client(sandbox)
        .create_transaction()
        .body(order)
        .send()
        .await?;
    Ok(created.into_inner())
}

#[tokio::test]
async fn a_transaction_appears_with_its_money_and_the_dashboard_completes_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let empty = get(&sandbox, "/").await;
    assert!(empty.contains("No records yet"), "{empty}");

    let transaction = create(&sandbox, order("order-<b>1</b>")).await.unwrap();
    let id = transaction.id.clone();
    let html = get(&sandbox, "/").await;
    let started = row(&html, &format!("transaction--{id}")).expect("the transaction's row");
    assert!(started.contains(r#"data-state="STARTED""#), "{started}");
    assert!(started.contains("NOK 25.00"), "{started}");
    assert!(started.contains("created by the merchant"), "{started}");
    // What a request carried is text on the page, never markup.
    assert!(started.contains("order-&lt;b&gt;1&lt;/b&gt;"), "{started}");
    assert!(!html.contains("<b>1</b>"));

    let back = post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[
            ("kind", "transaction"),
            ("id", &id),
            ("action", "pay"),
            ("back", "/?api=connect"),
        ],
    )
    .await;
    assert_eq!(back, "/?api=connect");
    // The client sees what the dashboard did.
    let paid = connect_client(&sandbox)
        .get_transaction()
        .transaction_id(&id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.state, connect::types::TransactionState::Completed);
    let html = get(&sandbox, &back).await;
    let completed = row(&html, &format!("transaction--{id}")).unwrap();
    assert!(
        completed.contains(r#"data-state="COMPLETED""#),
        "{completed}"
    );
    assert!(completed.contains("paid by the user"), "{completed}");
    assert!(completed.contains("2 steps"), "{completed}");
    assert!(started.contains("1 step<"), "{started}");
    // A finished transaction offers no more actions.
    assert!(!completed.contains("data-action="), "{completed}");

    // Doing it twice says why not, and changes nothing.
    let again = post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[("kind", "transaction"), ("id", &id), ("action", "fail")],
    )
    .await;
    assert!(again.starts_with("/?notice=Not+done"), "{again}");
    // A form cannot send the browser off the sandbox.
    let away = post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[
            ("kind", "transaction"),
            ("id", &id),
            ("action", "pay"),
            ("back", "//evil.example/"),
        ],
    )
    .await;
    assert!(away.starts_with("/?notice="), "{away}");
    // Another site's page cannot post the forms from a browser.
    let cross = http()
        .post(format!("http://{}/sandbox/dashboard/reset", sandbox.addr()))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert!(row(&get(&sandbox, "/").await, &format!("transaction--{id}")).is_some());
}

#[tokio::test]
async fn filters_narrow_the_records_by_api_state_and_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let first = create(&sandbox, order("alpha-1")).await.unwrap();
    let second = create(&sandbox, order("beta-2")).await.unwrap();
    let dp = support::direct_payment_client(&sandbox, direct_payment::Transport::Soap);
    dp.pay(
        direct_payment::types::PaymentDetails::builder()
            .msisdn("+4791111111")
            .price(4990)
            .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
            .client_reference("dp-ref-1"),
    )
    .await
    .unwrap();
    let barred = dp
        .pay(
            direct_payment::types::PaymentDetails::builder()
                .msisdn(nordpay::sandbox::faults::BARRED_MSISDN)
                .price(100)
                .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
                .client_reference("dp-ref-2"),
        )
        .await;
    assert!(barred.is_err());

    let all = get(&sandbox, "/").await;
    assert!(all.contains("4 matching records"), "{all}");
    let payment = row(&all, "payment--dp-ref-1").unwrap();
    assert!(payment.contains("NOK 49.90"), "{payment}");
    assert!(payment.contains(r#"data-state="Paid""#), "{payment}");
    let refused = row(&all, "payment--dp-ref-2").unwrap();
    assert!(refused.contains(r#"data-state="Refused""#), "{refused}");
    assert!(refused.contains("MsisdnBarred"), "{refused}");

    let by_api = get(&sandbox, "/?api=direct_payment").await;
    assert!(by_api.contains("2 matching records"), "{by_api}");
    assert!(row(&by_api, &format!("transaction--{}", first.id)).is_none());
    let by_key = get(&sandbox, "/?key=beta").await;
    assert!(row(&by_key, &format!("transaction--{}", second.id)).is_some());
    assert!(row(&by_key, &format!("transaction--{}", first.id)).is_none());
    let by_state = get(&sandbox, "/?state=refused").await;
    assert!(by_state.contains("1 matching records"), "{by_state}");
    // The live part follows the same filter.
    let live = get(&sandbox, "/sandbox/dashboard/live?api=connect").await;
    assert!(live.contains("2 matching records"), "{live}");
    assert!(!live.contains("<html"));
}

#[tokio::test]
async fn the_inbox_has_every_sms_and_the_dashboard_expires_a_code() {
    let sandbox = Sandbox::start().await.unwrap();
    let dp = support::direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let msisdn = "+4792222222";
    dp.send_verification_code(
        direct_payment::types::SendVerificationCodeRequest::builder()
            .msisdn(msisdn)
            .template(Some("Your shop code: {0}".to_string())),
    )
    .await
    .unwrap();
    let code: serde_json::Value = reqwest::get(format!(
        "{}/direct-payment/verification-codes/{msisdn}",
        sandbox.control_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let code = code["Code"].as_str().unwrap();

    let puzzel = puzzel_pay::Client::builder(
        sandbox.puzzel_pay_environment(),
        credentials::PUZZEL_PAY_JWT,
    )
    .build()
    .unwrap();
    let recipient = puzzel_pay::types::Recipient::builder()
        .reference("r0")
        .msisdn(msisdn)
        .type_(puzzel_pay::RequestType::Payment)
        .payment(
            puzzel_pay::types::Payment::builder()
                .amount(15_000u64)
                .currency("NOK"),
        )
        .variables(std::collections::BTreeMap::from([(
            "name".to_string(),
            "Kari".to_string(),
        )]));
    let batch = puzzel_pay::types::BatchRequest::builder()
        .batch_reference("inbox-1")
        .action(puzzel_pay::BatchAction::SendSms)
        .message_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Hi {{name}}, pay here: {{paymentLink}}".into(),
        }])
        .receipt_templates(vec![puzzel_pay::types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Thanks {{name}}, receipt {{paymentReference}}".into(),
        }])
        .recipients(vec![recipient.try_into().unwrap()]);
    puzzel.create_batch().body(batch).send().await.unwrap();

    let inbox = get(&sandbox, "/inbox").await;
    assert!(
        inbox.contains(&format!("Your shop code: {code}")),
        "{inbox}"
    );
    let link = format!("{}/pay/inbox-1/r0", sandbox.puzzel_pay_url());
    // The link in the text is clickable.
    assert!(
        inbox.contains(&format!(
            r#"Hi Kari, pay here: <a href="{link}">{link}</a>"#
        )),
        "{inbox}"
    );
    // One conversation per MSISDN, the newest message first.
    assert_eq!(inbox.matches("<h2>+4792222222</h2>").count(), 1, "{inbox}");
    assert!(inbox.find("Hi Kari").unwrap() < inbox.find("Your shop code").unwrap());

    let html = get(&sandbox, "/").await;
    let recipient = row(&html, "recipient-inbox-1-r0").unwrap();
    assert!(recipient.contains("NOK 150.00"), "{recipient}");
    assert!(
        recipient.contains(r#"data-state="SmsEnqueued""#),
        "{recipient}"
    );
    let batch = row(&html, "batch--inbox-1").unwrap();
    assert!(batch.contains("NOK 150.00"), "{batch}");
    assert!(batch.contains(r#"data-state="Open""#), "{batch}");

    post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[("kind", "code"), ("id", msisdn), ("action", "expire")],
    )
    .await;
    let expired = dp
        .verify_verification_code(
            direct_payment::types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code),
        )
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some(direct_payment::ErrorCode::Expired));
    let html = get(&sandbox, "/").await;
    let code_row = row(&html, &format!("code--{msisdn}")).unwrap();
    assert!(code_row.contains(r#"data-state="Expired""#), "{code_row}");

    // The recipient pays through the dashboard: Paid, as the status says.
    post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[
            ("kind", "recipient"),
            ("id", "r0"),
            ("batch", "inbox-1"),
            ("action", "pay"),
        ],
    )
    .await;
    let status = puzzel
        .get_batch_status()
        .reference("inbox-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.recipient_status[0].step,
        Some(puzzel_pay::Step::Paid)
    );
    // The receipt SMS, its reference filled in, newest first.
    let inbox = get(&sandbox, "/inbox").await;
    let receipt = inbox
        .find("Thanks Kari, receipt sandbox-ext")
        .expect(&inbox);
    assert!(receipt < inbox.find("Hi Kari").unwrap());
    // Its only recipient paid: the batch is finished.
    let html = get(&sandbox, "/").await;
    let batch = row(&html, "batch--inbox-1").unwrap();
    assert!(batch.contains(r#"data-state="Finished""#), "{batch}");
    assert!(batch.contains("recipient r0: Paid"), "{batch}");
}

#[tokio::test]
async fn the_fault_form_scripts_a_fault_the_api_then_applies() {
    let sandbox = Sandbox::start().await.unwrap();
    let back = post(
        &sandbox,
        "/sandbox/dashboard/faults",
        &[
            ("api", "connect"),
            ("operation", "createTransaction"),
            ("key", "faulty-order"),
            ("times", "1"),
            ("action", "fail_before"),
            ("status", "503"),
        ],
    )
    .await;
    assert!(back.contains("notice=Fault+added"), "{back}");
    let html = get(&sandbox, "/").await;
    assert!(
        html.contains("answer 503 before doing anything"),
        "the fault is listed: {html}"
    );
    let refused = create(&sandbox, order("faulty-order")).await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(get(&sandbox, "/").await.contains("None waiting."));

    let wrong = post(
        &sandbox,
        "/sandbox/dashboard/faults",
        &[("action", "fail_after"), ("status", "999")],
    )
    .await;
    assert!(wrong.contains("notice=Not+added"), "{wrong}");
    // From Rust, and listed the same way.
    sandbox.script(ScriptedFault::new(
        "puzzel_pay",
        "callback",
        FaultAction::DeliverOutOfOrder,
    ));
    let html = get(&sandbox, "/").await;
    assert!(html.contains("deliver the callback after the next one"));

    let reset = post(&sandbox, "/sandbox/dashboard/reset", &[]).await;
    assert!(reset.contains("notice="), "{reset}");
    let html = get(&sandbox, "/").await;
    assert!(html.contains("No records yet") && html.contains("None waiting."));
}

#[tokio::test]
async fn the_event_stream_tells_of_a_change_and_ends_when_the_sandbox_stops() {
    let sandbox = Sandbox::start().await.unwrap();
    let url = format!("http://{}/sandbox/events", sandbox.addr());
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut stream = response.bytes_stream();
    create(&sandbox, order("evented")).await.unwrap();
    let mut seen = String::new();
    while !seen.contains("event: change") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    // An open stream does not hold a graceful stop up.
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("the sandbox stops with a dashboard open");
}

#[tokio::test]
async fn agreements_refunds_and_mediaconnect_payments_show_and_settle() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = connect_client(&sandbox);
    let agreement = support::monthly_agreement(&client, order("agreement-1")).await;
    let verification = agreement.verification_transaction_id.clone().unwrap();
    let html = get(&sandbox, "/").await;
    let shown = row(&html, &format!("agreement--{}", agreement.id)).unwrap();
    assert!(shown.contains(r#"data-state="CREATED""#), "{shown}");
    assert!(shown.contains(&verification), "{shown}");

    // Paying its verification transaction on the dashboard activates it.
    post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[
            ("kind", "transaction"),
            ("id", &verification),
            ("action", "pay"),
        ],
    )
    .await;
    let active = client
        .get_agreement()
        .agreement_id(&agreement.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(active.state, connect::types::AgreementState::Active);
    let refund = client
        .refund_transaction()
        .transaction_id(&verification)
        .body(
            connect::types::RefundRequest::builder()
                .refund_issuer("shop")
                .refund_reason("goodwill"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let html = get(&sandbox, "/").await;
    let shown = row(&html, &format!("agreement--{}", agreement.id)).unwrap();
    assert!(shown.contains(r#"data-state="ACTIVE""#), "{shown}");
    let refunded = row(&html, &format!("refund--{}", refund.id)).unwrap();
    assert!(refunded.contains("NOK 25.00") && refunded.contains(&verification));
    let original = row(&html, &format!("transaction--{verification}")).unwrap();
    assert!(original.contains(&format!("refunded by {}", refund.id)));

    // Mediaconnect, over plain HTTP: an invoice payment waits at the login
    // server until the dashboard marks it paid.
    let token = support::mediaconnect_access_token(&sandbox).await;
    let request: nordpay::mediaconnect::types::InvoicePaymentRequest =
        nordpay::mediaconnect::types::InvoicePaymentRequest::builder()
            .invoice_number("1002")
            .product_code("P1")
            .company_code("SANDBOX")
            .payment_method(nordpay::mediaconnect::types::InvoicePaymentMethod::Nexi)
            .try_into()
            .unwrap();
    let api = sandbox.mediaconnect_api_url();
    let started = support::json(
        http()
            .post(format!("{api}/v1/api/payment/invoice"))
            .bearer_auth(&token)
            .json(&request),
    )
    .await;
    let id = started["transactionId"].as_i64().unwrap().to_string();
    let html = get(&sandbox, "/?api=mediaconnect").await;
    let invoice = row(&html, &format!("invoice--{id}")).unwrap();
    assert!(invoice.contains(r#"data-state="initiated""#), "{invoice}");
    assert!(invoice.contains("NOK 199.00"), "{invoice}");
    post(
        &sandbox,
        "/sandbox/dashboard/action",
        &[("kind", "invoice"), ("id", &id), ("action", "finished")],
    )
    .await;
    let unpaid = support::json(
        http()
            .get(format!("{api}/v1/customer/invoice/payment/P1?unpaid=true"))
            .bearer_auth(&token),
    )
    .await;
    let numbers: Vec<&str> = unpaid["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["invoiceNumber"].as_str().unwrap())
        .collect();
    assert!(!numbers.contains(&"1002"), "{numbers:?}");
    let html = get(&sandbox, "/").await;
    let invoice = row(&html, &format!("invoice--{id}")).unwrap();
    assert!(invoice.contains(r#"data-state="finished""#), "{invoice}");
    assert!(
        invoice.contains("the dashboard chose finished"),
        "{invoice}"
    );
}
