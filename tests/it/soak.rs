//! A short money soak (fixed seed) in the test suite: orders through every
//! resolving call under random scripted faults, the merchant crashed (its
//! task dropped halfway) and started again with fresh clients, and the
//! sandbox's ledger held against its orders. `cargo xtask soak` runs the
//! full one, with the merchant in a child process killed by SIGKILL.
#![cfg(feature = "sandbox")]

use nordpay::sandbox::soak::{SoakConfig, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_orders_under_faults_and_crashes_lose_and_double_nothing() {
    let report = run(SoakConfig {
        ops: 300,
        seed: 7,
        concurrency: 32,
        restarts: 4,
    })
    .await
    .unwrap();
    assert!(report.restarts >= 1, "the merchant was crashed: {report:?}");
    assert!(
        report.ops >= 280,
        "the orders reached their money call: {report:?}"
    );
    assert!(
        report.is_clean(),
        "{report}; {report:?}\n{}",
        report.findings.join("\n")
    );
    assert_eq!(
        report.to_string(),
        format!(
            "soak: {} ops, 0 double charges, 0 lost, 0 phantom, 0 unresolved",
            report.ops
        )
    );
}
