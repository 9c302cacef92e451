//! A small money soak (fixed seed) in the test suite: every money operation
//! under random scripted faults is reported as the sandbox's ledger has it.
//! `cargo xtask soak` runs the full one.
#![cfg(feature = "sandbox")]

use nordpay::sandbox::soak::{SoakConfig, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_money_operations_under_faults_lose_and_double_nothing() {
    let report = run(SoakConfig {
        ops: 300,
        seed: 7,
        concurrency: 16,
    })
    .await
    .unwrap();
    assert!(
        report.faults > 100,
        "the schedule injects faults: {report:?}"
    );
    assert!(report.is_clean(), "{report}; {report:?}");
    assert_eq!(
        report.to_string(),
        "soak: 300 ops, 0 double charges, 0 lost, 0 unresolved"
    );
}
