//! Sandbox throughput, latency and start-up, measured side by side with a
//! bare axum server under the same load: `cargo bench --bench sandbox --features sandbox`.
//!
//! Each case sends REQUESTS requests through nordpay's clients (or plain
//! reqwest for the baseline) with CONCURRENCY in flight, on this machine's
//! loopback, and reports requests/s, p50 and p99, and the ratio to the baseline.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nordpay::sandbox::{Sandbox, credentials};
use nordpay::{connect, direct_payment};

const CONCURRENCY: usize = 16;
const REQUESTS: usize = 4_000;
const STARTS: usize = 50;

struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// Run `call(i)` for i in 0..REQUESTS with CONCURRENCY workers.
async fn load<F, Fut>(call: F) -> Measured
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= REQUESTS {
                        return latencies;
                    }
                    let sent = Instant::now();
                    call(i).await;
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Measured {
        per_second: REQUESTS as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// The floor: an axum server answering a fixed JSON body, no state, no types.
async fn baseline_server() -> String {
    let app = axum::Router::new().route(
        "/pay",
        axum::routing::post(|| async {
            (
                [("content-type", "application/json")],
                r#"{"ClientReference":"r","TransactionId":1}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/pay")
}

fn report(name: &str, m: &Measured, baseline: Option<&Measured>) {
    let ratio = baseline
        .map(|b| {
            format!(
                "{:>6.2}x baseline rate, p99 {:>5.2}x",
                m.per_second / b.per_second,
                m.p99.as_secs_f64() / b.p99.as_secs_f64()
            )
        })
        .unwrap_or_default();
    println!(
        "  {name:<38} {:>8.0} req/s   p50 {:>7.3} ms   p99 {:>7.3} ms   {ratio}",
        m.per_second,
        m.p50.as_secs_f64() * 1e3,
        m.p99.as_secs_f64() * 1e3
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("sandbox bench: {REQUESTS} requests, {CONCURRENCY} in flight, loopback\n");

        let url = baseline_server().await;
        let http = reqwest::Client::new();
        let baseline = load(move |_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let body = serde_json::json!({"PaymentDetails": {"Msisdn": "+4799999999"}});
                http.post(&url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
            }
        })
        .await;
        report("baseline: bare axum, fixed JSON", &baseline, None);

        let sandbox = Arc::new(Sandbox::start().await.unwrap());
        let dp = Arc::new(
            direct_payment::Client::builder(
                sandbox.direct_payment_environment(),
                direct_payment::Transport::Rest,
                sandbox.direct_payment_credentials(),
            )
            .build()
            .unwrap(),
        );
        let parking: direct_payment::ServiceCode = "06005".parse().unwrap();
        let pay = load(move |i| {
            let dp = dp.clone();
            async move {
                let details = direct_payment::types::PaymentDetails::builder()
                    .msisdn("+4799999999")
                    .price(2500)
                    .service_code(parking)
                    .client_reference(format!("bench-{i}"));
                dp.pay(details).await.unwrap();
            }
        })
        .await;
        report("Direct Payment REST Pay", &pay, Some(&baseline));

        let cx = Arc::new(
            connect::Client::builder(
                sandbox.connect_environment(),
                connect::Auth::api_key(credentials::CONNECT_API_KEY),
            )
            .build()
            .unwrap(),
        );
        let create = load(move |i| {
            let cx = cx.clone();
            async move {
                let order = connect::types::NewTransaction::builder()
                    .order_id(format!("bench-{i}"))
                    .purchase_description("bench")
                    .amount(connect::Money::new("NOK", 9_900).unwrap())
                    .vat_rate(connect::VatRate::from_percent(25).unwrap())
                    .success_redirect("https://shop.example/ok")
                    .cancel_redirect("https://shop.example/cancel");
                cx.create_transaction().body(order).send().await.unwrap();
            }
        })
        .await;
        report("CONNECT create transaction", &create, Some(&baseline));

        let mut starts = Vec::with_capacity(STARTS);
        for _ in 0..STARTS {
            let begin = Instant::now();
            let sandbox = Sandbox::start().await.unwrap();
            starts.push(begin.elapsed());
            drop(sandbox);
        }
        starts.sort();
        println!(
            "\n  sandbox start-up (median of {STARTS}): {:.3} ms, p99 {:.3} ms",
            starts[STARTS / 2].as_secs_f64() * 1e3,
            starts[STARTS - 1].as_secs_f64() * 1e3
        );
    });
}
