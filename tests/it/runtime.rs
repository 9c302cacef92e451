//! The runtime under all four clients, against local servers: deadlines that
//! hold with a user's own reqwest client, safe retries with backoff, budget
//! and Retry-After, money operations sent once, redirects refused, tokens.
#![cfg(all(
    feature = "connect",
    feature = "direct-payment",
    feature = "mediaconnect"
))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nordpay::runtime::{RetryClass, RetryConfig, TransportError};
use nordpay::{connect, direct_payment, mediaconnect};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TRANSPORTS: [direct_payment::Transport; 2] = [
    direct_payment::Transport::Rest,
    direct_payment::Transport::Soap,
];

fn connect_client(base: &str) -> connect::ClientBuilder {
    connect::Client::builder(
        connect::Environment::Custom(base.parse().unwrap()),
        connect::Auth::api_key("k3y"),
    )
}

/// A CONNECT read that is expected to fail, and its error.
async fn failed_read(client: &connect::Client) -> connect::Error {
    client
        .get_transaction()
        .transaction_id("t-1")
        .send()
        .await
        .unwrap_err()
}

fn direct_payment_client(
    base: &str,
    transport: direct_payment::Transport,
) -> direct_payment::ClientBuilder {
    direct_payment::Client::builder(
        direct_payment::Environment::Custom(base.parse().unwrap()),
        transport,
        direct_payment::Credentials::new(1234, "user", "p4ssw0rd"),
    )
}

fn payment(reference: &str) -> direct_payment::types::builder::PaymentDetails {
    direct_payment::types::PaymentDetails::builder()
        .msisdn("+4799999999")
        .price(2500)
        .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
        .client_reference(reference)
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{address}")
}

/// What each call in flight holds: the request once, not once per layer it
/// passes through (an `async fn` keeps its arguments beside what it awaits).
/// A CONNECT read was 3.7 KB so, about 1.6 KB since.
#[test]
fn a_call_in_flight_holds_its_request_once() {
    let client = connect_client("http://127.0.0.1:9").build().unwrap();
    let read = client.get_transaction().transaction_id("t-1").send();
    let size = std::mem::size_of_val(&read);
    assert!(size <= 2048, "a CONNECT read's future is {size} bytes");
}

#[tokio::test]
async fn a_users_client_without_timeouts_still_meets_the_deadline() {
    let base = silent_server().await;
    // reqwest's own client has no timeout at all.
    let started = std::time::Instant::now();
    let client = connect_client(&base)
        .http_client(reqwest::Client::new())
        .deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let error = failed_read(&client).await;
    assert!(
        matches!(
            error,
            connect::Error::Transport(TransportError::DeadlineExceeded { sent: true, .. })
        ),
        "{error:?}"
    );
    assert!(error.is_outcome_unknown() && error.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    for transport in TRANSPORTS {
        let started = std::time::Instant::now();
        let client = direct_payment_client(&base, transport)
            .http_client(reqwest::Client::new())
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let error = client.pay(payment("order-1")).await.unwrap_err();
        assert!(
            matches!(
                error,
                direct_payment::Error::Transport(TransportError::Timeout { .. })
            ),
            "{transport}: {error:?}"
        );
        // A charge that may have happened: resolve it, do not report it failed.
        assert!(error.is_outcome_unknown(), "{transport}");
        assert!(started.elapsed() < Duration::from_secs(2), "{transport}");
    }
}

/// One scripted answer: status, an extra header, body.
type Answer = (u16, Option<(&'static str, &'static str)>, String);

/// A server that answers each request with the next of `script`
/// (status, extra header, body) and records when each request came, on
/// tokio's clock (paused in the test that uses it).
async fn scripted_server(script: Vec<Answer>) -> (String, Arc<Mutex<Vec<tokio::time::Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&arrivals);
    tokio::spawn(async move {
        let mut script = script.into_iter();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let read = socket.read(&mut buffer).await.unwrap();
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
            }
            seen.lock().unwrap().push(tokio::time::Instant::now());
            let Some((status, header, body)) = script.next() else {
                break;
            };
            let extra = header
                .map(|(name, value)| format!("{name}: {value}\r\n"))
                .unwrap_or_default();
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.ok();
        }
    });
    (format!("http://{address}"), arrivals)
}

#[tokio::test(start_paused = true)]
async fn a_safe_read_is_retried_through_503s_with_backoff_and_retry_after() {
    let transaction = include_str!("../fixtures/connect/transaction_created.json").to_string();
    let (base, arrivals) = scripted_server(vec![
        (503, Some(("retry-after", "3")), String::new()),
        (503, None, String::new()),
        (200, None, transaction),
    ])
    .await;
    let client = connect_client(&base)
        .retry(RetryConfig::default().backoff(Duration::from_secs(1), Duration::from_secs(8)))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let found = client
        .get_transaction()
        .transaction_id("t-1")
        .send()
        .await
        .unwrap();
    assert!(!found.id.is_empty());
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 3, "three attempts");
    let (first, second) = (arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]);
    // Retry-After: 3 outweighs the first backoff (at most 1 s).
    assert!(
        first >= Duration::from_secs(3) && first < Duration::from_millis(3100),
        "{first:?}"
    );
    // The second backoff is drawn from 0..=2 s (full jitter).
    assert!(second <= Duration::from_millis(2100), "{second:?}");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_slow_token_source_runs_inside_the_deadline_and_nothing_is_sent() {
    struct Slow;
    impl connect::TokenSource for Slow {
        fn access_token(&self) -> connect::TokenFuture<'_> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok("late".to_string().into())
            })
        }
    }
    let server = MockServer::start().await;
    let client = connect::Client::builder(
        connect::Environment::Custom(server.uri().parse().unwrap()),
        connect::Auth::token_source(Slow),
    )
    .deadline(Duration::from_millis(200))
    .build()
    .unwrap();
    let started = std::time::Instant::now();
    let error = client.list_transactions().send().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            error,
            connect::Error::Transport(TransportError::DeadlineExceeded { sent: false, .. })
        ),
        "{error:?}"
    );
    assert!(!error.is_outcome_unknown(), "nothing was sent");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_pay_answered_503_is_sent_exactly_once() {
    for transport in TRANSPORTS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("retry-after", "7")
                    .set_body_raw("busy", "text/plain"),
            )
            .mount(&server)
            .await;
        let client = direct_payment_client(&server.uri(), transport)
            .build()
            .unwrap();
        let error = client.pay(payment("order-503")).await.unwrap_err();
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{transport}: a payment is never sent twice"
        );
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
        assert!(error.is_outcome_unknown(), "{transport}: {error:?}");
        // The server's wish is kept for the caller, who decides.
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_secs(7)),
            "{transport}"
        );
    }
    // The table says why.
    let pay = &direct_payment::rest_api::operations::PAY;
    assert_eq!(
        pay.policy.retry,
        RetryClass::ResolveByLookup {
            lookup: "getPaymentStatus"
        }
    );
    assert!(pay.policy.attempt_timeout > Duration::from_secs(60));
    let soap = direct_payment::soap_api::operations::PAY.runtime.policy;
    assert_eq!(
        soap.retry,
        RetryClass::ResolveByLookup {
            lookup: "GetPaymentStatus"
        }
    );
    assert_eq!(
        (soap.deadline, soap.attempt_timeout),
        (pay.policy.deadline, pay.policy.attempt_timeout)
    );
}

#[tokio::test]
async fn an_empty_retry_budget_stops_retrying() {
    let server = answering(503).await;
    let client = connect_client(&server.uri())
        .retry(
            RetryConfig::default()
                .budget(5)
                .backoff(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let list = || async { client.list_transactions().send().await };
    let error = list().await.unwrap_err();
    assert!(error.is_retryable());
    // One retry (5 tokens) empties the budget.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    list().await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

/// An OAuth client of the login server at `server`/login; its secret is in
/// the token form.
fn oauth_at(server: &MockServer) -> mediaconnect::OAuthClient {
    mediaconnect::OAuthClient::new(
        format!("{}/login", server.uri()).parse().unwrap(),
        "shop",
        "sh0p-s3cret",
        "https://shop.example/cb".parse().unwrap(),
    )
    .unwrap()
}

/// Server A answers `status` with a `Location` on server B.
async fn redirecting_to(status: u16, b: &MockServer) -> MockServer {
    let a = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("location", format!("{}/elsewhere", b.uri())),
        )
        .mount(&a)
        .await;
    a
}

#[tokio::test]
async fn credentials_never_follow_a_redirect() {
    for status in [307, 308] {
        for own_client in [false, true] {
            let b = MockServer::start().await;
            let a = redirecting_to(status, &b).await;
            let http = || {
                // reqwest's default client follows redirects, 307/308 included.
                own_client.then(reqwest::Client::new)
            };

            let mut builder = direct_payment_client(&a.uri(), direct_payment::Transport::Soap);
            if let Some(http) = http() {
                builder = builder.http_client(http);
            }
            let error = builder
                .build()
                .unwrap()
                .pay(payment("o-1"))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    error,
                    direct_payment::Error::Transport(TransportError::Redirected { .. })
                ),
                "{status} own={own_client}: {error:?}"
            );

            let mut oauth = oauth_at(&a);
            if let Some(http) = http() {
                oauth = oauth.with_http_client(http).unwrap();
            }
            let error = oauth.exchange_code("c0de").await.unwrap_err();
            assert!(
                matches!(
                    error,
                    mediaconnect::TokenError::Transport(TransportError::Redirected { .. })
                ),
                "{status} own={own_client}: {error:?}"
            );
            assert_eq!(a.received_requests().await.unwrap().len(), 2);
            assert!(
                b.received_requests().await.unwrap().is_empty(),
                "{status} own={own_client}: the second server got a request"
            );
        }
    }
}

#[tokio::test]
async fn a_header_credential_does_not_travel_with_a_followed_redirect() {
    // A user's client follows a 302 to another origin (as GET); reqwest drops
    // the Authorization header on the way, and nordpay refuses the answer.
    let b = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&b)
        .await;
    let a = redirecting_to(302, &b).await;
    let client = connect_client(&a.uri())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let error = client.list_transactions().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            connect::Error::Transport(TransportError::Redirected { .. })
        ),
        "{error:?}"
    );
    for request in b.received_requests().await.unwrap() {
        assert!(request.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn an_endless_token_lifetime_is_no_panic() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at", "refresh_token": "rt", "expires_in": u64::MAX
        })))
        .mount(&server)
        .await;
    let oauth = oauth_at(&server);
    let tokens = oauth.exchange_code("c").await.unwrap();
    // Too far to represent: no expiry, never refreshed.
    assert_eq!(tokens.expires_at(), None);
    let stored = mediaconnect::TokenSet::new("at", None, Some(Duration::MAX));
    assert_eq!(stored.expires_at(), None);
}

#[tokio::test]
async fn a_refresh_outlives_its_cancelled_caller_and_is_handed_to_the_hook() {
    use mediaconnect::TokenSource as _;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(300))
                .set_body_json(json!({
                    "access_token": "at-2", "refresh_token": "rt-2", "expires_in": 3600
                })),
        )
        .mount(&server)
        .await;
    let oauth = oauth_at(&server);
    let stored = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::clone(&stored);
    let tokens = mediaconnect::UserTokens::with_refresh_hook(
        oauth,
        mediaconnect::TokenSet::new("at-1", Some("rt-1".into()), Some(Duration::ZERO)),
        move |tokens| {
            use secrecy::ExposeSecret as _;
            let refresh = tokens
                .refresh_token()
                .map(|t| t.expose_secret().to_string());
            store.lock().unwrap().push(refresh);
        },
    );
    // The caller gives up while the refresh is in flight.
    let gave_up = tokio::time::timeout(Duration::from_millis(50), tokens.access_token()).await;
    assert!(gave_up.is_err());
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The rotated refresh token was kept, and handed over to be stored.
    let current = tokens.current().await;
    use secrecy::ExposeSecret as _;
    assert_eq!(current.access_token().expose_secret(), "at-2");
    assert_eq!(current.refresh_token().unwrap().expose_secret(), "rt-2");
    assert_eq!(*stored.lock().unwrap(), vec![Some("rt-2".to_string())]);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn every_operation_of_every_api_has_a_policy() {
    let rows = connect::operations::ALL
        .iter()
        .chain(direct_payment::rest_api::operations::ALL)
        .chain(nordpay::puzzel_pay::operations::ALL)
        .chain(mediaconnect::operations::ALL)
        .copied()
        .chain(
            direct_payment::soap_api::operations::ALL
                .iter()
                .map(|operation| operation.runtime),
        );
    for row in rows {
        let policy = row.policy;
        assert!(policy.attempt_timeout <= policy.deadline, "{row:?}");
        // Reads are the only operations sent again after they may have arrived.
        if policy.retry == RetryClass::Safe {
            assert!(
                row.method == "GET" || row.name == "GetPaymentStatus",
                "{} {} is a write marked safe",
                row.api,
                row.name
            );
        }
    }
}

#[tokio::test]
async fn mediaconnect_users_share_one_client_and_keep_their_own_tokens() {
    struct Token(&'static str);
    impl mediaconnect::TokenSource for Token {
        fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
            let token = self.0.to_string();
            Box::pin(async move { Ok(token.into()) })
        }
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let kari = mediaconnect::Client::builder(
        mediaconnect::Environment::Custom {
            api: format!("{}/capi", server.uri()).parse().unwrap(),
            login: format!("{}/login", server.uri()).parse().unwrap(),
        },
        Token("kari-token"),
    )
    .build()
    .unwrap();
    let ola = kari.for_user(Token("ola-token"));
    for user in [&kari, &ola] {
        user.list_payment_methods()
            .product_code("P1")
            .send()
            .await
            .unwrap();
    }
    let tokens: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(tokens, ["Bearer kari-token", "Bearer ola-token"]);
}

/// A server that answers every request with `status` and a chunked body of
/// `size` bytes: no Content-Length to refuse it by.
async fn chunked_server(status: u16, size: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                );
                let _ = socket.write_all(head.as_bytes()).await;
                for _ in 0..size / 1000 {
                    let chunk = format!("3e8\r\n{}\r\n", "x".repeat(1000));
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_fails_as_too_large() {
    // A success body, read by the generated client.
    let base = chunked_server(200, 50_000).await;
    let client = connect_client(&base)
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let error = failed_read(&client).await;
    assert!(
        matches!(
            error,
            connect::Error::Transport(TransportError::TooLarge { limit: 4096, .. })
        ),
        "{error:?}"
    );
    // An error body, read by the face, and a SOAP answer, read by the runtime.
    let base = chunked_server(500, 50_000).await;
    let puzzel = nordpay::puzzel_pay::Client::builder(
        nordpay::puzzel_pay::Environment::Custom(base.parse().unwrap()),
        "eyJhbGciOiJub25lIn0.e30.sig",
    )
    .max_response_bytes(4096)
    .build()
    .unwrap();
    let error = puzzel
        .get_batch_status()
        .reference("b-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            nordpay::puzzel_pay::Error::Transport(TransportError::TooLarge { limit: 4096, .. })
        ),
        "{error:?}"
    );
    let soap = direct_payment_client(&base, direct_payment::Transport::Soap)
        .limits(nordpay::direct_payment::soap::Limits {
            max_bytes: 4096,
            ..Default::default()
        })
        .build()
        .unwrap();
    let error = soap.payment_status("ref-1").await.unwrap_err();
    assert!(
        matches!(
            error,
            direct_payment::Error::Transport(TransportError::TooLarge { limit: 4096, .. })
        ),
        "{error:?}"
    );
}

/// A user token that never changes.
struct FixedToken;

impl mediaconnect::TokenSource for FixedToken {
    fn access_token(&self) -> mediaconnect::TokenFuture<'_> {
        Box::pin(async { Ok("user-token".to_string().into()) })
    }
}

/// A safe read of each API (Direct Payment on both transports) through a
/// handle made by `with_overrides`, against `base`: how each API takes
/// per-call overrides, one way.
async fn each_api_read(
    base: &str,
    overrides: nordpay::runtime::Overrides,
) -> Vec<(&'static str, bool)> {
    let mut failed = Vec::new();
    let connect = connect_client(base)
        .build()
        .unwrap()
        .with_overrides(overrides);
    failed.push((
        "connect",
        connect
            .get_transaction()
            .transaction_id("t-1")
            .send()
            .await
            .is_err(),
    ));
    for transport in TRANSPORTS {
        let direct = direct_payment_client(base, transport)
            .build()
            .unwrap()
            .with_overrides(overrides);
        failed.push((
            "direct_payment",
            direct.payment_status("ref-1").await.is_err(),
        ));
    }
    let puzzel = nordpay::puzzel_pay::Client::builder(
        nordpay::puzzel_pay::Environment::Custom(base.parse().unwrap()),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudCJ9.c2ln",
    )
    .build()
    .unwrap()
    .with_overrides(overrides);
    failed.push((
        "puzzel_pay",
        puzzel
            .get_batch_status()
            .reference("b-1")
            .send()
            .await
            .is_err(),
    ));
    let media = mediaconnect::Client::builder(
        mediaconnect::Environment::Custom {
            api: format!("{base}/capi").parse().unwrap(),
            login: format!("{base}/login").parse().unwrap(),
        },
        FixedToken,
    )
    .build()
    .unwrap()
    .with_overrides(overrides);
    failed.push((
        "mediaconnect",
        media
            .list_payment_methods()
            .product_code("CO27409")
            .send()
            .await
            .is_err(),
    ));
    failed
}

/// A server that answers every request with `status`.
async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_per_call_retry_policy_holds_for_every_api_and_the_client_keeps_its_own() {
    use nordpay::runtime::Overrides;

    let server = answering(503).await;
    let quick = RetryConfig::default().backoff(Duration::from_millis(1), Duration::from_millis(1));
    // Five reads (Direct Payment twice): 5 attempts each with the override …
    let failed = each_api_read(&server.uri(), Overrides::new().retry(quick.max_attempts(5))).await;
    assert!(failed.iter().all(|(_, failed)| *failed), "{failed:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 5 * 5);
    // … one each with retries off …
    let server = answering(503).await;
    each_api_read(
        &server.uri(),
        Overrides::new().retry(RetryConfig::disabled()),
    )
    .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
    let server = answering(503).await;
    // … and with nothing overridden, the client's own policy (3 attempts).
    each_api_read(
        &server.uri(),
        Overrides::new().deadline(Duration::from_secs(30)),
    )
    .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 5 * 3);
}

#[tokio::test]
async fn a_per_call_attempt_timeout_and_deadline_hold_for_every_api() {
    use nordpay::runtime::Overrides;

    let base = silent_server().await;
    let started = std::time::Instant::now();
    // The spec's attempt timeouts are 10 s or more: each read would wait
    // that long (and retry) without the override.
    let failed = each_api_read(
        &base,
        Overrides::new()
            .attempt_timeout(Duration::from_millis(100))
            .deadline(Duration::from_millis(250)),
    )
    .await;
    assert!(failed.iter().all(|(_, failed)| *failed), "{failed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_override_never_sends_a_payment_twice() {
    use nordpay::runtime::Overrides;

    let server = answering(503).await;
    for transport in TRANSPORTS {
        let client = direct_payment_client(&server.uri(), transport)
            .build()
            .unwrap()
            .with_overrides(Overrides::new().retry(RetryConfig::default().max_attempts(10)));
        let error = client.pay(payment("override-1")).await.unwrap_err();
        assert!(
            error.is_outcome_unknown() || error.is_retryable(),
            "{error}"
        );
    }
    // One Pay per transport: the retry class, not the policy, decides.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
