//! What a call through nordpay costs over the same request written by hand
//! with reqwest + serde (quick-xml for SOAP), side by side in one run, against
//! one in-process server answering fixed bodies:
//! `cargo bench --bench client_overhead --features sandbox`.
//!
//! Sequential requests on loopback. Each operation runs ROUNDS rounds; a
//! round times BATCH calls through nordpay and BATCH by hand, in alternating
//! order. The ratio is the median of the rounds' own ratios: the two halves
//! of a round run back to back, so a machine that slows down for a while
//! (another process, the kernel's page scanner) slows both.
//! The hand-written client has the settings of nordpay's own (no redirects,
//! a connect timeout) and a 30 s timeout, as any production client would.
//! Set `NORDPAY_BENCH_ROUNDS` for a longer run.
//!
//! Each side's CPU time per call is printed too (the kernel's schedstat, on
//! the client's thread and in the whole process): wall time that grows
//! without CPU time is waiting, not work.
//!
//! Wall time on a shared machine is noisy; instruction counts are not. For
//! those, run one side of one operation under callgrind and subtract a run
//! of neither (`NORDPAY_BENCH_PROFILE=none/none`), e.g.
//! `NORDPAY_BENCH_ROUNDS=5 NORDPAY_BENCH_PROFILE="connect get_transaction/nordpay"
//! valgrind --tool=callgrind target/release/deps/client_overhead-<hash>`.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use base64::Engine as _;
use nordpay::{connect, direct_payment, mediaconnect, puzzel_pay};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};

#[path = "common/hand_soap.rs"]
mod hand_soap;

const BATCH: usize = 200;

const TRANSACTION: &str = include_str!("../tests/fixtures/connect/transaction_created.json");
const PAYMENT: &str = r#"{"ClientReference":"ref-1","TransactionId":42}"#;
const BATCH_STATUS: &str =
    r#"{"reference":"b-1","recipientStatus":[{"reference":"r-1","step":4}]}"#;
const METHODS: &str =
    r#"{"paymentMethodResponseItems":[{"paymentMethod":"INVOICE","active":true}]}"#;
const PAY_RESPONSE: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><PayResponse xmlns="http://directpay.intele.com/v1"><PayResult xmlns:a="http://directpay.intele.com/v1/types" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:ClientReference>ref-1</a:ClientReference><a:TransactionId>42</a:TransactionId></PayResult></PayResponse></s:Body></s:Envelope>"#;

fn json(body: &'static str) -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// The server: fixed answers on the routes of the four APIs.
fn server() -> Router {
    Router::new()
        .route(
            "/connect/transactions/{id}",
            get(|| async { json(TRANSACTION) }),
        )
        .route(
            "/connect/transactions",
            post(|| async { (StatusCode::CREATED, json(TRANSACTION)) }),
        )
        .route(
            "/dp/restV1.svc/service/{id}/pay",
            post(|| async { json(PAYMENT) }),
        )
        .route(
            "/dp/soapV1.svc",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                    PAY_RESPONSE,
                )
            }),
        )
        .route(
            "/pp/batches/{reference}/status",
            get(|| async {
                (
                    [(
                        header::CONTENT_TYPE,
                        "application/vnd.instapay.batchstatus.v1+json",
                    )],
                    BATCH_STATUS,
                )
            }),
        )
        .route(
            "/mc/capi/v1/product/payment/{code}",
            get(|| async { json(METHODS) }),
        )
}

struct Tokens;

impl mediaconnect::TokenSource for Tokens {
    fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
        Box::pin(async { Ok("user-token".into()) })
    }
}

/// An operation's row: wall time, the client thread's CPU time and the
/// process's CPU time, each side by side; and the size of each side's call
/// future (a call's state, copied whole whenever it moves).
struct Row {
    name: &'static str,
    wall: Compared,
    client_cpu: Compared,
    process_cpu: Compared,
    futures: (usize, usize),
}

/// One measure of both sides: nordpay's and the hand-written median per
/// call, and the median of the rounds' ratios.
#[derive(Clone, Copy)]
struct Compared {
    nordpay: Duration,
    hand: Duration,
    ratio: f64,
}

impl Compared {
    /// `measure` of the rounds' batches, `ours` against `theirs`.
    fn of(ours: &[Batch], theirs: &[Batch], measure: fn(&Batch) -> Duration) -> Self {
        let ours: Vec<Duration> = ours.iter().map(measure).collect();
        let theirs: Vec<Duration> = theirs.iter().map(measure).collect();
        Self {
            ratio: median_ratio(&ours, &theirs),
            nordpay: median(ours),
            hand: median(theirs),
        }
    }
}

/// Median time per call of `rounds` batches.
fn median(mut rounds: Vec<Duration>) -> Duration {
    rounds.sort();
    rounds[rounds.len() / 2] / BATCH as u32
}

/// Median of each round's nordpay time over its hand time.
fn median_ratio(ours: &[Duration], theirs: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .map(|(ours, theirs)| ours.as_secs_f64() / theirs.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Nanoseconds on a CPU so far (the kernel's schedstat, user and system
/// time both): of this thread, and of every thread of the process (the
/// server's too).
fn cpu_ns() -> (u64, u64) {
    fn of(path: &std::path::Path) -> u64 {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|stat| stat.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
    let client = of("/proc/thread-self/schedstat".as_ref());
    let all = std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .flatten()
                .map(|task| of(&task.path().join("schedstat")))
                .sum()
        })
        .unwrap_or(0);
    (client, all)
}

/// A batch's wall time, and the CPU time the client's thread and the whole
/// process spent in it: where wall time grows without CPU time, the
/// difference is waiting, not work.
#[derive(Clone, Copy)]
struct Batch {
    wall: Duration,
    client_cpu: Duration,
    process_cpu: Duration,
}

async fn time<F, Fut>(call: &F) -> Batch
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let (client, all) = cpu_ns();
    let started = Instant::now();
    for _ in 0..BATCH {
        call().await;
    }
    let wall = started.elapsed();
    let (client_after, all_after) = cpu_ns();
    Batch {
        wall,
        client_cpu: Duration::from_nanos(client_after.saturating_sub(client)),
        process_cpu: Duration::from_nanos(all_after.saturating_sub(all)),
    }
}

/// Alternate batches of the two, after a warm-up; (nordpay, hand) per call.
///
/// `NORDPAY_BENCH_PROFILE="<operation>/nordpay"` (or `/hand`) runs that side
/// of that operation alone, for a profiler (`valgrind --tool=callgrind`).
async fn side_by_side<A, AF, B, BF>(name: &'static str, rounds: usize, nordpay: A, hand: B) -> Row
where
    A: Fn() -> AF,
    AF: Future<Output = ()>,
    B: Fn() -> BF,
    BF: Future<Output = ()>,
{
    let sizes = (size_of_val(&nordpay()), size_of_val(&hand()));
    if let Ok(profile) = std::env::var("NORDPAY_BENCH_PROFILE") {
        let side = profile
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('/'));
        for _ in 0..rounds {
            match side {
                Some("nordpay") => _ = time(&nordpay).await,
                Some("hand") => _ = time(&hand).await,
                _ => {}
            }
        }
        let none = Compared {
            nordpay: Duration::from_nanos(1),
            hand: Duration::from_nanos(1),
            ratio: 1.0,
        };
        return Row {
            name,
            wall: none,
            client_cpu: none,
            process_cpu: none,
            futures: sizes,
        };
    }
    time(&nordpay).await;
    time(&hand).await;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            ours.push(time(&nordpay).await);
            theirs.push(time(&hand).await);
        } else {
            theirs.push(time(&hand).await);
            ours.push(time(&nordpay).await);
        }
    }
    Row {
        name,
        wall: Compared::of(&ours, &theirs, |batch| batch.wall),
        client_cpu: Compared::of(&ours, &theirs, |batch| batch.client_cpu),
        process_cpu: Compared::of(&ours, &theirs, |batch| batch.process_cpu),
        futures: sizes,
    }
}

fn hand_client() -> reqwest::Client {
    // The same settings as nordpay's own client, and the timeout any
    // production client has (nordpay's deadlines are its equivalent).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent("nordpay/bench")
        .build()
        .unwrap()
}

/// What a hand-written client does with an answer: check the status, read
/// the body, decode it.
async fn hand_json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    let response = request.send().await.unwrap();
    assert!(response.status().is_success());
    let body = response.bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

fn main() {
    let rounds: usize = std::env::var("NORDPAY_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    // The server gets its own thread, as a remote server would.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, server()).await.unwrap();
        });
    });
    let address = receiver.recv().unwrap();
    let base = format!("http://{address}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows = runtime.block_on(run(&base, rounds));
    println!(
        "client overhead: nordpay vs hand-written reqwest + serde, {rounds} rounds of {BATCH} sequential calls"
    );
    println!(
        "| operation | nordpay µs/call | hand µs/call | ratio | nordpay future B | hand future B |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    for row in &rows {
        println!(
            "| {} | {:.1} | {:.1} | {:.3} | {} | {} |",
            row.name,
            micros(row.wall.nordpay),
            micros(row.wall.hand),
            row.wall.ratio,
            row.futures.0,
            row.futures.1,
        );
    }
    println!();
    println!("CPU time per call (the kernel's schedstat: user and system), median of the rounds");
    println!(
        "| operation | client thread nordpay µs | hand µs | ratio | process nordpay µs | hand µs | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let (client, process) = (row.client_cpu, row.process_cpu);
        println!(
            "| {} | {:.1} | {:.1} | {:.3} | {:.1} | {:.1} | {:.3} |",
            row.name,
            micros(client.nordpay),
            micros(client.hand),
            client.ratio,
            micros(process.nordpay),
            micros(process.hand),
            process.ratio,
        );
    }
}

async fn run(base: &str, rounds: usize) -> Vec<Row> {
    let hand = hand_client();
    let mut rows = Vec::new();

    // CONNECT
    let client = connect::Client::builder(
        connect::Environment::Custom(format!("{base}/connect").parse().unwrap()),
        connect::Auth::api_key("k3y"),
    )
    .build()
    .unwrap();
    let key = basic("k3y", "");
    let nordpay_get = || async {
        let found = client
            .get_transaction()
            .transaction_id("t-1")
            .send()
            .await
            .unwrap();
        std::hint::black_box(found.into_inner());
    };
    let hand_get = || async {
        // A hand-written client formats the URL per call too.
        let found: connect::types::Transaction = hand_json(
            hand.get(format!("{base}/connect/transactions/{}", "t-1"))
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, &key),
        )
        .await;
        std::hint::black_box(found);
    };
    rows.push(side_by_side("connect get_transaction", rounds, nordpay_get, hand_get).await);

    let order = || {
        connect::types::NewTransaction::builder()
            .order_id("4d35310c")
            .purchase_description("Purchase for Test Merchant")
            .amount(connect::Money::new("NOK", 9_900).unwrap())
            .vat_rate(connect::VatRate::from_percent(25).unwrap())
            .success_redirect("https://example.com/receipt/4d35310c")
            .cancel_redirect("https://example.com/products")
    };
    let nordpay_create = || async {
        let created = client
            .create_transaction()
            .body(order())
            .send()
            .await
            .unwrap();
        std::hint::black_box(created.into_inner());
    };
    let hand_create = || async {
        let body: connect::types::NewTransaction = order().try_into().unwrap();
        let created: connect::types::Transaction = hand_json(
            hand.post(format!("{base}/connect/transactions"))
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, &key)
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&body).unwrap()),
        )
        .await;
        std::hint::black_box(created);
    };
    rows.push(
        side_by_side(
            "connect create_transaction",
            rounds,
            nordpay_create,
            hand_create,
        )
        .await,
    );

    // Direct Payment, both transports.
    let details = || {
        direct_payment::types::PaymentDetails::builder()
            .age(Some(direct_payment::Age::Eighteen))
            .business_model(Some(
                "TRANSPORT"
                    .parse::<direct_payment::BusinessModel>()
                    .unwrap(),
            ))
            .client_reference("ref-1")
            .end_user_invoice_text(Some("Parking".to_string()))
            .msisdn("+4799999999")
            .price(2500)
            .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
    };
    let dp = |transport| {
        direct_payment::Client::builder(
            direct_payment::Environment::Custom(format!("{base}/dp").parse().unwrap()),
            transport,
            direct_payment::Credentials::new(1234, "user", "secret"),
        )
        .build()
        .unwrap()
    };
    let rest = dp(direct_payment::Transport::Rest);
    let dp_basic = basic("user", "secret");
    let nordpay_rest = || async {
        std::hint::black_box(rest.pay(details()).await.unwrap());
    };
    let hand_rest = || async {
        let body = direct_payment::types::PaymentRequest {
            payment_details: details().try_into().unwrap(),
        };
        let paid: direct_payment::types::PaymentResponse = hand_json(
            hand.post(format!("{base}/dp/restV1.svc/service/{}/pay", 1234))
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, &dp_basic)
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&body).unwrap()),
        )
        .await;
        std::hint::black_box(paid);
    };
    rows.push(side_by_side("direct_payment pay (REST)", rounds, nordpay_rest, hand_rest).await);

    let soap = dp(direct_payment::Transport::Soap);
    let nordpay_soap = || async {
        std::hint::black_box(soap.pay(details()).await.unwrap());
    };
    let hand_soap_call = || async {
        let response = hand
            .post(format!("{base}/dp/soapV1.svc"))
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header(
                "SOAPAction",
                "\"http://directpay.intele.com/v1/IDirectPayment/Pay\"",
            )
            .body(hand_soap::hand_written_request())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let body = response.bytes().await.unwrap();
        std::hint::black_box(hand_soap::hand_written_response(&body));
    };
    rows.push(
        side_by_side(
            "direct_payment pay (SOAP)",
            rounds,
            nordpay_soap,
            hand_soap_call,
        )
        .await,
    );

    // Puzzel Pay
    let puzzel = puzzel_pay::Client::builder(
        puzzel_pay::Environment::Custom(format!("{base}/pp").parse().unwrap()),
        "eyJhbGciOiJub25lIn0.e30.sig",
    )
    .build()
    .unwrap();
    let nordpay_status = || async {
        let status = puzzel.get_batch_status().reference("b-1").send().await;
        std::hint::black_box(status.unwrap().into_inner());
    };
    let hand_status = || async {
        let status: puzzel_pay::types::BatchStatus = hand_json(
            hand.get(format!("{base}/pp/batches/{}/status", "b-1"))
                .header(ACCEPT, "application/vnd.instapay.batchstatus.v1+json")
                .header(AUTHORIZATION, "Bearer jwt"),
        )
        .await;
        std::hint::black_box(status);
    };
    rows.push(
        side_by_side(
            "puzzel_pay batch_status",
            rounds,
            nordpay_status,
            hand_status,
        )
        .await,
    );

    // Mediaconnect
    let media = mediaconnect::Client::builder(
        mediaconnect::Environment::Custom {
            api: format!("{base}/mc/capi").parse().unwrap(),
            login: format!("{base}/mc/login").parse().unwrap(),
        },
        Tokens,
    )
    .build()
    .unwrap();
    let nordpay_methods = || async {
        let methods = media.list_payment_methods().product_code("P1").send().await;
        std::hint::black_box(methods.unwrap().into_inner());
    };
    let hand_methods = || async {
        let methods: mediaconnect::types::PaymentMethods = hand_json(
            hand.get(format!("{base}/mc/capi/v1/product/payment/{}", "P1"))
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, "Bearer user-token"),
        )
        .await;
        std::hint::black_box(methods);
    };
    rows.push(
        side_by_side(
            "mediaconnect payment_methods",
            rounds,
            nordpay_methods,
            hand_methods,
        )
        .await,
    );
    rows
}
