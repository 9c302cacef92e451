//! The `metrics` feature, read through an in-memory recorder: request
//! duration by outcome, retries, retry-budget refusals, and the money
//! metrics (outcomes that became unknown, resolutions by result, their
//! duration, those still open).
#![cfg(all(feature = "metrics", feature = "sandbox"))]

use std::time::Duration;

use metrics::{SharedString, Unit};
use metrics_util::CompositeKey;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use nordpay::direct_payment::Transport;
use nordpay::runtime::{RetryConfig, telemetry};
use nordpay::sandbox::{FaultAction, Sandbox, ScriptedFault};
use nordpay::{connect, direct_payment::fresh_client_reference};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support;

/// Everything recorded (a snapshot drains what it reads: take one).
type Recorded = Vec<(CompositeKey, Option<Unit>, Option<SharedString>, DebugValue)>;

/// What was recorded under `name` with every label of `labels`, summed:
/// a counter's count, a gauge's value, a histogram's number of samples.
fn value(recorded: &Recorded, name: &str, labels: &[(&str, &str)]) -> f64 {
    recorded
        .iter()
        .filter(|(key, ..)| {
            let key = key.key();
            key.name() == name
                && labels.iter().all(|(label, wanted)| {
                    key.labels()
                        .any(|l| l.key() == *label && l.value() == *wanted)
                })
        })
        .map(|(.., value)| match value {
            DebugValue::Counter(count) => *count as f64,
            DebugValue::Gauge(gauge) => gauge.into_inner(),
            DebugValue::Histogram(samples) => samples.len() as f64,
        })
        .sum()
}

/// Runs `flow` on a runtime of this thread with `recorder` as its metrics
/// recorder (local: other tests' calls are not counted).
fn recorded<F: std::future::Future<Output = ()>>(recorder: &DebuggingRecorder, flow: F) {
    metrics::with_local_recorder(recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(flow)
    });
}

#[test]
fn money_metrics_count_unknown_outcomes_and_their_resolutions() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorded(&recorder, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = support::resolving_direct_payment_client(&sandbox, Transport::Rest);
        // A plain payment: a request, no resolution.
        let plain = client
            .pay_resolved(support::parking_payment(&fresh_client_reference()))
            .await;
        assert!(plain.done().is_some());
        // Charged, then the answer lost: unknown, resolved by the lookup.
        let lost = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter).key(lost.as_str()),
        );
        assert!(
            client
                .pay_resolved(support::parking_payment(&lost))
                .await
                .done()
                .is_some()
        );
        // Charged, answer lost, and the lookup lags: the caller gives up
        // on the resolution (drops it) while it is open.
        let abandoned = fresh_client_reference();
        sandbox.script(
            ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter)
                .key(abandoned.as_str()),
        );
        sandbox.script(
            ScriptedFault::new(
                "direct_payment",
                "getPaymentStatus",
                FaultAction::LookupLag { ms: 5_000 },
            )
            .key(abandoned.as_str()),
        );
        let gave_up = tokio::time::timeout(
            Duration::from_millis(800),
            client.pay_resolved(support::parking_payment(&abandoned)),
        )
        .await;
        assert!(gave_up.is_err(), "the lookup should still lag");
    });
    let recorded = snapshotter.snapshot().into_vec();
    let pay = [("api", "direct_payment"), ("operation", "pay")];
    let with = |extra: (&'static str, &'static str)| {
        let mut labels = pay.to_vec();
        labels.push(extra);
        labels
    };
    assert_eq!(value(&recorded, telemetry::OUTCOMES_UNKNOWN, &pay), 2.0);
    assert_eq!(
        value(&recorded, telemetry::RESOLUTIONS, &with(("result", "done"))),
        1.0
    );
    assert_eq!(
        value(
            &recorded,
            telemetry::RESOLUTIONS,
            &with(("result", "abandoned"))
        ),
        1.0
    );
    assert_eq!(value(&recorded, telemetry::RESOLUTIONS, &pay), 2.0);
    assert_eq!(
        value(
            &recorded,
            telemetry::RESOLUTION_DURATION,
            &with(("result", "done"))
        ),
        1.0
    );
    assert_eq!(value(&recorded, telemetry::RESOLUTIONS_OPEN, &pay), 0.0);
    // Three Pays sent (two lost), lookups on top.
    assert_eq!(
        value(
            &recorded,
            telemetry::REQUEST_DURATION,
            &with(("outcome", "ok"))
        ),
        1.0
    );
    assert_eq!(
        value(
            &recorded,
            telemetry::REQUEST_DURATION,
            &with(("outcome", "unknown"))
        ),
        2.0
    );
    assert!(
        value(
            &recorded,
            telemetry::REQUEST_DURATION,
            &[("operation", "getPaymentStatus")]
        ) >= 2.0
    );
}

#[test]
fn retries_and_budget_refusals_are_counted_by_reason() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorded(&recorder, async {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let client = |retry: RetryConfig| {
            connect::Client::builder(
                connect::Environment::Custom(server.uri().parse().unwrap()),
                connect::Auth::api_key("k3y"),
            )
            .retry(retry.backoff(Duration::from_millis(1), Duration::from_millis(1)))
            .build()
            .unwrap()
        };
        let read = |client: connect::Client| async move {
            client.get_transaction().transaction_id("t-1").send().await
        };
        // Three attempts: two retries.
        assert!(read(client(RetryConfig::default())).await.is_err());
        // An empty budget: the first retry is refused.
        assert!(
            read(client(RetryConfig::default().budget(0)))
                .await
                .is_err()
        );
    });
    let recorded = snapshotter.snapshot().into_vec();
    let read = [("api", "connect"), ("operation", "getTransaction")];
    let mut by_reason = read.to_vec();
    by_reason.push(("reason", "503 service unavailable"));
    assert_eq!(value(&recorded, telemetry::RETRIES, &by_reason), 2.0);
    assert_eq!(value(&recorded, telemetry::BUDGET_REFUSALS, &read), 1.0);
    let mut failed = read.to_vec();
    failed.push(("outcome", "server_error"));
    assert_eq!(value(&recorded, telemetry::REQUEST_DURATION, &failed), 2.0);
}
