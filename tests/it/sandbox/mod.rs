//! The clients against the sandbox: whole flows, every row of the fault
//! table, each API's own auth and error shapes.
#![cfg(feature = "sandbox")]

use crate::support;

use support::{connect_client, direct_payment_client, payment_links};

use std::time::Duration;

use nordpay::sandbox::browser::{Browser, Visit};
use nordpay::sandbox::{Sandbox, credentials, faults};
use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};
use url::Url;

fn redirect(visit: Visit) -> Url {
    match visit {
        Visit::Redirect(url) => url,
        Visit::Page(page) => panic!("expected a redirect, got {}", page.url()),
    }
}

fn page(visit: Visit) -> nordpay::sandbox::browser::Page {
    match visit {
        Visit::Page(page) => page,
        Visit::Redirect(url) => panic!("expected a page, got a redirect to {url}"),
    }
}

/// A recipient opens a Puzzel Pay link, picks a provider by its button
/// (step 4) and presses `end` ("Pay", "Payment fails") on its page.
async fn pay_at(browser: &Browser, link: &Url, provider: &str, end: &str) {
    let offer = page(browser.open(link).await.unwrap());
    let picked = page(browser.click(&offer, provider).await.unwrap());
    browser.click(&picked, end).await.unwrap();
}

/// Press a record's action button on the dashboard, as its form posts it
/// (`kind` as the form names it: "agreement", "batch"): done, or the
/// dashboard's notice of why not.
async fn dashboard_action(
    sandbox: &Sandbox,
    kind: &str,
    id: &str,
    action: &str,
) -> Result<(), String> {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("kind", kind),
            ("id", id),
            ("action", action),
            ("back", "/"),
        ])
        .finish();
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!(
            "http://{}/sandbox/dashboard/action",
            sandbox.addr()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    if answer.status() != 303 {
        return Err(format!("HTTP {}", answer.status()));
    }
    let back = answer.headers()["location"].to_str().unwrap().to_string();
    let notice = url::Url::parse("http://dashboard")
        .unwrap()
        .join(&back)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "notice")
        .map(|(_, notice)| notice.into_owned());
    notice.map_or(Ok(()), Err)
}
mod connect_standin;
mod direct_payment_standin;
mod mediaconnect_standin;
mod puzzel_pay_standin;
mod settlement;

use connect_standin::*;
use direct_payment_standin::*;

#[tokio::test]
async fn reset_forgets_everything() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    client
        .pay(payment("+4799999999", "before-reset"))
        .await
        .unwrap();
    sandbox.reset();
    let gone = client.payment_status("before-reset").await.unwrap_err();
    assert_eq!(gone.code(), Some(direct_payment::ErrorCode::NotFound));
    client
        .pay(payment("+4799999999", "before-reset"))
        .await
        .unwrap();
}

// ---- Only what the specs list ----

/// A raw request to the sandbox, as a client of another language sends it.
async fn raw(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn the_sandbox_answers_only_what_its_specs_list() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();

    // CONNECT lists no 404: an ID that is no one's is Forbidden.
    let (status, _) = raw(http
        .get(
            sandbox
                .connect_url()
                .join("connect/transactions/nobody")
                .unwrap(),
        )
        .basic_auth(credentials::CONNECT_API_KEY, Some("")))
    .await;
    assert_eq!(status, 403);

    // Puzzel Pay lists no 415: a wrong media type is a 400 of validation errors.
    let (status, body) = raw(http
        .post(sandbox.puzzel_pay_url().join("puzzel-pay/batches").unwrap())
        .bearer_auth(credentials::PUZZEL_PAY_JWT)
        .json(&serde_json::json!({})))
    .await;
    assert_eq!(status, 400);
    assert!(
        body["validationErrors"]["Content-Type"].is_array(),
        "{body}"
    );

    // Direct Payment: a malformed MSISDN is code 13; a malformed query is a
    // fault in the API's JSON shape, not plain text.
    let service = sandbox
        .direct_payment_url()
        .join("direct-payment/restV1.svc/service/1234/")
        .unwrap();
    let get = |path: &str| {
        http.get(service.join(path).unwrap()).basic_auth(
            credentials::DIRECT_PAYMENT_USERNAME,
            Some(credentials::DIRECT_PAYMENT_PASSWORD),
        )
    };
    let (status, body) = raw(get("msisdn/4799999999")).await;
    assert_eq!((status, body["Code"].as_i64()), (400, Some(13)), "{body}");
    let (status, body) = raw(get(
        "msisdn/+4799999999/userinfoV2?amount=lots&serviceCode=06005",
    ))
    .await;
    assert_eq!((status, body["Code"].as_i64()), (400, Some(2)), "{body}");
    // The summary leaves absent faults out instead of sending null.
    let (status, body) = raw(get(
        "msisdn/+4799999999/userinfoSummary?amount=2500&serviceCode=06005",
    ))
    .await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["ResponseV1", "ResponseV2", "ResponseV3"], "{body}");

    // Mediaconnect: a query its spec forbids gets Mediaconnect's error shape.
    let token = support::mediaconnect_access_token(&sandbox).await;
    let token = token.as_str();
    for query in [
        "unpaid=maybe",
        "from=2024-13-01",
        "from=2024-02-01&to=2024-01-01",
    ] {
        let url = sandbox
            .mediaconnect_api_url()
            .join(&format!("capi/v1/customer/invoice/payment/P1?{query}"))
            .unwrap();
        let (status, body) = raw(http.get(url).bearer_auth(token)).await;
        assert_eq!(status, 400, "{query}");
        assert!(body["errorMessage"].is_string(), "{query}: {body}");
    }
}

/// Every operation of every spec, and nothing else, is an API route of the
/// sandbox: each answers an unauthenticated call with its own 401 (its
/// handler ran), and a method its spec does not list for the path is 405.
#[tokio::test]
async fn every_spec_operation_is_served_and_no_other_method() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let apis: [(String, &[nordpay::runtime::Operation]); 4] = [
        (sandbox.connect_url().to_string(), connect::operations::ALL),
        (
            format!("{}/restV1.svc", sandbox.direct_payment_url()),
            direct_payment::rest_api::operations::ALL,
        ),
        (
            sandbox.puzzel_pay_url().to_string(),
            puzzel_pay::operations::ALL,
        ),
        (
            sandbox.mediaconnect_api_url().to_string(),
            mediaconnect::operations::ALL,
        ),
    ];
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for (base, operations) in apis {
        for op in operations {
            // Every path parameter filled with a plausible value.
            let path: String = op
                .path
                .split('/')
                .map(|segment| match segment {
                    s if s.starts_with('{') => "1234",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{}{path}", base.trim_end_matches('/'));
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
            let response = http.request(method, &url).send().await.unwrap();
            assert_eq!(
                response.status().as_u16(),
                401,
                "{} {} {url}",
                op.api,
                op.name
            );
            for other in methods {
                let listed = operations
                    .iter()
                    .any(|o| o.path == op.path && o.method == other);
                if listed {
                    continue;
                }
                let method = reqwest::Method::from_bytes(other.as_bytes()).unwrap();
                let response = http.request(method, &url).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 405, "{other} {url}");
            }
        }
    }
}

/// Past its record cap a store forgets its oldest finished records first:
/// memory stays bounded, and a payment still open is kept while finished
/// ones remain to forget.
#[tokio::test]
async fn a_store_past_its_record_cap_forgets_the_oldest_finished_records() {
    let sandbox = Sandbox::bind_with(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), 3)
        .await
        .unwrap();
    let client = connect_client(
        &sandbox,
        connect::Auth::api_key(credentials::CONNECT_API_KEY),
    );
    let browser = Browser::new();
    let mut ids = Vec::new();
    for n in 0..3 {
        let created = client
            .create_transaction()
            .body(order(&format!("cap-{n}")))
            .send()
            .await
            .unwrap()
            .into_inner();
        ids.push(created.id.clone());
        // The first and the last are paid (finished); the middle stays open.
        if n != 1 {
            let page = page(
                browser
                    .open(&created.payment_link().unwrap())
                    .await
                    .unwrap(),
            );
            browser.click(&page, "Pay").await.unwrap();
        }
    }
    let status = |id: String| {
        let client = client.clone();
        async move {
            client
                .get_transaction()
                .transaction_id(id)
                .send()
                .await
                .map(|t| t.into_inner().state)
                .map_err(|e| e.status().map(|s| s.as_u16()))
        }
    };
    // A fourth: the oldest finished one (the first) goes, the open one stays.
    client
        .create_transaction()
        .body(order("cap-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(ids[0].clone()).await, Err(Some(403)));
    assert_eq!(
        status(ids[1].clone()).await,
        Ok(connect::types::TransactionState::Started)
    );
    assert_eq!(
        status(ids[2].clone()).await,
        Ok(connect::types::TransactionState::Completed)
    );
    // Its orderId is free to look up no more: the index forgot it too.
    let listed = client
        .list_transactions()
        .connect_id("user-1")
        .order_id("cap-0")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(listed.is_empty());
}

/// A merchant's callback endpoint: keeps every body; answers 500 to the
/// first delivery for a recipient in `fail_first`, 200 otherwise.
struct Receiver {
    url: Url,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

/// Requests are held to the spec as the clients hold them: an optional
/// member the spec does not mark `nullable` is absent or a value, never
/// `null` (serde alone takes `null` for any `Option`).
#[tokio::test]
async fn null_for_a_member_the_spec_does_not_make_nullable_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let transaction = |locale: Option<serde_json::Value>| {
        let mut body = serde_json::json!({
            "orderId": "", "purchaseDescription": "Sandbox test", "amount": "NOK 100.00",
            "vatRate": "0.25", "successRedirect": "https://shop.example/ok",
            "cancelRedirect": "https://shop.example/cancel", "connectId": "user-1",
        });
        if let Some(locale) = locale {
            body["locale"] = locale;
        }
        body
    };
    let cases = [
        ("absent", None, 201),
        ("a value", Some(serde_json::json!("nb")), 201),
        ("null", Some(serde_json::Value::Null), 400),
    ];
    for (i, (what, locale, expected)) in cases.into_iter().enumerate() {
        let mut body = transaction(locale);
        body["orderId"] = format!("null-{i}").into();
        let (status, answer) = raw(http
            .post(format!("{}/transactions", sandbox.connect_url()))
            .basic_auth(credentials::CONNECT_API_KEY, Some(""))
            .json(&body))
        .await;
        assert_eq!(status, expected, "locale {what}: {answer}");
    }
    // Direct Payment: an optional member of PaymentDetails.
    let (status, fault) = raw(http
        .post(format!(
            "{}/restV1.svc/service/{}/pay",
            sandbox.direct_payment_url(),
            credentials::DIRECT_PAYMENT_SERVICE_ID
        ))
        .basic_auth(
            credentials::DIRECT_PAYMENT_USERNAME,
            Some(credentials::DIRECT_PAYMENT_PASSWORD),
        )
        .json(&serde_json::json!({"PaymentDetails": {
            "Msisdn": "+4799999999", "Price": 2500, "ServiceCode": "06005",
            "ClientReference": "null-dp", "EndUserInvoiceText": null,
        }})))
    .await;
    assert_eq!(
        (status, &fault["Code"]),
        (400, &serde_json::json!(2)),
        "{fault}"
    );
}
