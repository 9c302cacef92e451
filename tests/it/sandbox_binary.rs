//! The `nordpay-sandbox` binary as a service in another language uses it: a
//! child process on port 0, its URLs and credentials read from
//! `--print-config`, health and one call per API over plain HTTP, one JSON
//! log line per request, and a clean stop on SIGTERM.
#![cfg(all(unix, feature = "sandbox"))]

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// The sandbox binary, running, and the lines it writes on stdout.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    /// Starts it with `args`.
    pub(crate) fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nordpay-sandbox"))
            .args(args)
            // The test's own environment must not pick the port.
            .env_remove("NORDPAY_SANDBOX_PORT")
            .env_remove("NORDPAY_SANDBOX_HOST")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    /// The next line.
    pub(crate) fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line on stdout")
    }

    /// Every line written so far.
    pub(crate) fn drain(&self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(200));
        self.lines.try_iter().collect()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("the sandbox did not stop within 10 s");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The JSON answer to `request`.
async fn answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string in the config")
}

#[tokio::test]
async fn the_binary_serves_every_api_logs_each_request_and_stops_on_sigterm() {
    let mut sandbox = Running::start(&["--port", "0", "--print-config"]);
    let config: Value = serde_json::from_str(&sandbox.line()).expect("the first line is JSON");
    let http = reqwest::Client::new();

    let health = answer(http.get(text(&config["health"]))).await;
    assert_eq!(health, json!({"status": "ok"}));

    // CONNECT Payment: create a transaction.
    let connect = &config["connect"];
    let created = http
        .post(format!("{}/transactions", text(&connect["url"])))
        .header("authorization", basic(text(&connect["api_key"]), ""))
        .json(&json!({
            "orderId": "binary-order-1", "purchaseDescription": "test",
            "amount": "NOK 100.00", "vatRate": "0.25",
            "successRedirect": "https://shop.example/ok", "cancelRedirect": "https://shop.example/cancel",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // Direct Payment: pay over REST.
    let direct = &config["direct_payment"];
    let paid = answer(
        http.post(format!(
            "{}/restV1.svc/service/{}/pay",
            text(&direct["url"]).trim_end_matches('/'),
            direct["service_id"]
        ))
        .header(
            "authorization",
            basic(text(&direct["username"]), text(&direct["password"])),
        )
        .json(&json!({"PaymentDetails": {
            "Msisdn": "+4799999999", "Price": 2500, "ServiceCode": "06005",
            "ClientReference": "binary-ref-1",
        }})),
    )
    .await;
    assert!(paid["TransactionId"].as_i64().is_some(), "{paid}");

    // Puzzel Pay: a batch of one payment link.
    let puzzel = &config["puzzel_pay"];
    let batch = http
        .post(format!(
            "{}/batches",
            text(&puzzel["url"]).trim_end_matches('/')
        ))
        .header(
            "content-type",
            "application/vnd.instapay.batchrequest.v1+json",
        )
        .header("accept", "application/vnd.instapay.batchresponse.v1+json")
        .header("authorization", format!("Bearer {}", text(&puzzel["jwt"])))
        .body(
            json!({
                "batchReference": "binary-batch-1",
                "recipients": [{"reference": "r1", "msisdn": "+4799999999", "type": 0,
                                "payment": {"amount": 100, "currency": "NOK"}}],
                "messageTemplates": [{"type": 0, "text": "Pay here: {{paymentLink}}"}],
                "action": 2,
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 200);

    // Mediaconnect: a user's token from the login server, then pay an invoice.
    let mediaconnect = &config["mediaconnect"];
    let login: url::Url = text(&mediaconnect["login_url"]).parse().unwrap();
    let token = support::mediaconnect_access_token_at(&login).await;
    let invoice = http
        .post(format!(
            "{}/v1/api/payment/invoice",
            text(&mediaconnect["api_url"]).trim_end_matches('/')
        ))
        .bearer_auth(&token)
        .json(&json!({"invoiceNumber": "binary-1", "productCode": "P1",
                      "companyCode": "SANDBOX", "paymentMethod": "nexi"}))
        .send()
        .await
        .unwrap();
    assert!(invoice.status().is_success(), "{}", invoice.status());

    // One JSON line per request, with the route's template and never a
    // reference, MSISDN or token from the request.
    let logged: Vec<Value> = sandbox
        .drain()
        .iter()
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    let routes: Vec<(&str, u64)> = logged
        .iter()
        .map(|line| (text(&line["route"]), line["status"].as_u64().unwrap()))
        .collect();
    assert!(routes.contains(&("/sandbox/health", 200)), "{routes:?}");
    assert!(
        routes.contains(&("/connect/transactions", 201)),
        "{routes:?}"
    );
    assert!(routes.contains(&("/puzzel-pay/batches", 200)), "{routes:?}");
    assert!(
        routes.iter().any(|(route, _)| route.contains("/pay")),
        "{routes:?}"
    );
    for line in &logged {
        let line = line.to_string();
        for secret in [
            "binary-order-1",
            "binary-ref-1",
            "binary-batch-1",
            "4799999999",
            &token,
        ] {
            assert!(!line.contains(secret), "{line} shows {secret}");
        }
        assert!(
            line.contains("\"micros\"") && line.contains("\"method\""),
            "{line}"
        );
    }

    sandbox.signal("TERM");
    let status = sandbox.wait();
    assert!(status.success(), "{status:?}");
    let last: Value = serde_json::from_str(&sandbox.line()).unwrap();
    assert_eq!(last, json!({"event": "stopped", "signal": "SIGTERM"}));
}

#[tokio::test]
async fn sigint_stops_it_too_and_bad_options_exit_2() {
    let mut sandbox = Running::start(&["--port", "0", "--print-config", "--no-request-log"]);
    let config: Value = serde_json::from_str(&sandbox.line()).unwrap();
    let health = reqwest::get(text(&config["health"])).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(sandbox.drain().is_empty(), "no request log when it is off");
    sandbox.signal("INT");
    assert!(sandbox.wait().success());

    let refused = Command::new(env!("CARGO_BIN_EXE_nordpay-sandbox"))
        .args(["--port", "not-a-port"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--port"));
}

/// `--tls`: HTTPS with a certificate made at start, trusted by a client
/// that trusts only the CA `--print-config` gives, and by nothing else.
#[cfg(feature = "rustls-aws-lc")]
#[tokio::test]
async fn with_tls_it_serves_https_that_only_its_own_ca_vouches_for() {
    let sandbox = Running::start(&["--port", "0", "--print-config", "--tls"]);
    let config: Value = serde_json::from_str(&sandbox.line()).expect("the first line is JSON");
    let health = text(&config["health"]).to_string();
    assert!(health.starts_with("https://127.0.0.1:"), "{health}");
    let ca = reqwest::Certificate::from_pem(text(&config["ca_pem"]).as_bytes()).unwrap();
    let trusting = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    assert_eq!(answer(trusting.get(&health)).await, json!({"status": "ok"}));
    // The same name by "localhost" is in the certificate too.
    let by_name = health.replace("127.0.0.1", "localhost");
    assert_eq!(
        answer(trusting.get(&by_name)).await,
        json!({"status": "ok"})
    );
    // A client with the usual roots does not trust it; plain HTTP is not served.
    let usual = reqwest::Client::new();
    assert!(usual.get(&health).send().await.is_err());
    assert!(
        usual
            .get(health.replace("https://", "http://"))
            .send()
            .await
            .is_err()
    );

    // A nordpay client on that trusting HTTP client: a CONNECT transaction.
    let connect = &config["connect"];
    let client = nordpay::connect::Client::builder(
        nordpay::connect::Environment::Custom(text(&connect["url"]).parse().unwrap()),
        nordpay::connect::Auth::api_key(text(&connect["api_key"])),
    )
    .http_client(trusting)
    .build()
    .unwrap();
    let created = client
        .create_transaction()
        .body(
            nordpay::connect::types::NewTransaction::builder()
                .order_id("tls-order-1")
                .purchase_description("over HTTPS")
                .amount(nordpay::connect::Money::new("NOK", 10_000).unwrap())
                .vat_rate(nordpay::connect::VatRate::from_percent(25).unwrap())
                .success_redirect("https://shop.example/ok")
                .cancel_redirect("https://shop.example/cancel"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        created
            .payment_link()
            .unwrap()
            .as_str()
            .starts_with("https://127.0.0.1:"),
        "payment pages are on HTTPS too"
    );
}
