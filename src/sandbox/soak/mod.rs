//! The money soak: a merchant takes orders through nordpay's resolving
//! calls while the sandbox injects a seeded schedule of faults, and is
//! crashed and started again at random points; at the end the sandbox's
//! ledger is held against the merchant's orders.
//!
//! `cargo xtask soak [--ops N] [--seed S] [--restarts K]` runs it with the
//! merchant in a child process killed with SIGKILL; `run` does the same
//! with the merchant as a task that is dropped halfway (the test suite's
//! short version). Its last line is
//! `soak: N ops, D double charges, L lost, P phantom, U unresolved`,
//! counted per order, never per key:
//! - **double**: money moved under two of an order's keys (two charges, two
//!   batches, two transactions), or a refund made twice;
//! - **lost**: money moved for an order that was not shipped, or under a
//!   key reported `NotDone` (the promise that nothing moved, broken);
//! - **phantom**: shipped (reported `Done`), and nothing moved;
//! - **unresolved**: a key still open at the end, although every scripted
//!   fault is finite (the sandbox heals).

mod merchant;
mod mix;
mod orders;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::process::Command;
use std::time::{Duration, Instant};

use merchant::Kind;
pub use merchant::Merchant;

use super::Sandbox;
use crate::direct_payment::PaymentStatus;

/// What a soak runs.
#[derive(Debug, Clone, Copy)]
pub struct SoakConfig {
    /// How many orders.
    pub ops: usize,
    /// The seed of the orders, their faults and the crash times.
    pub seed: u64,
    /// How many orders are in progress at once.
    pub concurrency: usize,
    /// How many times the merchant is crashed and started again.
    pub restarts: usize,
}

impl Default for SoakConfig {
    fn default() -> Self {
        Self {
            ops: 10_000,
            seed: 1,
            concurrency: 32,
            restarts: 20,
        }
    }
}

/// What a soak found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoakReport {
    /// Orders that reached a money operation.
    pub ops: usize,
    /// Orders whose money moved twice.
    pub double: usize,
    /// Orders whose money moved but were not shipped, or under a key
    /// reported `NotDone`.
    pub lost: usize,
    /// Orders shipped with no money moved.
    pub phantom: usize,
    /// Orders with a key still open at the end.
    pub unresolved: usize,
    /// Times the merchant was crashed and started again.
    pub restarts: usize,
    /// Orders that never reached a money operation (a refund's original
    /// transaction could not be prepared): not in `ops`.
    pub skipped: usize,
    /// How long it took.
    pub elapsed: Duration,
    /// The first orders found wrong, each in a line (kind, keys and what
    /// was reported and moved), to follow up with the seed.
    pub findings: Vec<String>,
}

/// Findings kept in a report at the most.
const FINDINGS: usize = 20;

impl SoakReport {
    /// No money lost, doubled or left unknown, and nothing shipped that was
    /// not paid.
    pub fn is_clean(&self) -> bool {
        self.double == 0 && self.lost == 0 && self.unresolved == 0 && self.phantom == 0
    }
}

impl fmt::Display for SoakReport {
    /// The last line `cargo xtask soak` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "soak: {} ops, {} double charges, {} lost, {} phantom, {} unresolved",
            self.ops, self.double, self.lost, self.phantom, self.unresolved
        )
    }
}

/// Run a soak on a fresh in-process sandbox; the merchant runs as a task
/// that is dropped at `config.restarts` random points and started again
/// with fresh clients.
pub async fn run(config: SoakConfig) -> std::io::Result<SoakReport> {
    soak(config, |merchant| {
        let merchant = merchant.clone();
        Box::new(InProcess(Some(tokio::spawn(async move {
            merchant.run().await
        }))))
    })
    .await
}

/// Run a soak on a fresh in-process sandbox with the merchant in a child
/// process: `command(merchant)` starts one (the same program, told to be
/// the merchant), which is killed with SIGKILL at `config.restarts` random
/// points and started again.
pub async fn run_with_processes(
    config: SoakConfig,
    command: impl Fn(&Merchant) -> Command,
) -> std::io::Result<SoakReport> {
    soak(config, |merchant| match command(merchant).spawn() {
        Ok(child) => Box::new(ChildProcess(child)),
        Err(error) => Box::new(Failed(Some(error))),
    })
    .await
}

/// A running merchant, as the soak sees it.
trait Running {
    /// Whether it finished (and how), without waiting.
    fn finished(&mut self) -> Option<std::io::Result<()>>;
    /// Crash it: from here on, `finished` tells when nothing of it runs.
    fn crash(&mut self);
}

struct InProcess(Option<tokio::task::JoinHandle<std::io::Result<()>>>);

impl Running for InProcess {
    fn finished(&mut self) -> Option<std::io::Result<()>> {
        let handle = self.0.take_if(|handle| handle.is_finished())?;
        Some(
            futures_util::FutureExt::now_or_never(handle)
                .expect("a finished task")
                .unwrap_or_else(|error| Err(std::io::Error::other(error))),
        )
    }

    fn crash(&mut self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
    }
}

struct ChildProcess(std::process::Child);

impl Running for ChildProcess {
    fn finished(&mut self) -> Option<std::io::Result<()>> {
        match self.0.try_wait() {
            Ok(Some(status)) if status.success() => Some(Ok(())),
            Ok(Some(status)) => Some(Err(std::io::Error::other(format!(
                "the merchant exited with {status}"
            )))),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }

    fn crash(&mut self) {
        // SIGKILL: nothing of the merchant runs after it.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Failed(Option<std::io::Error>);

impl Running for Failed {
    fn finished(&mut self) -> Option<std::io::Result<()>> {
        Some(Err(self.0.take().unwrap_or_else(|| {
            std::io::Error::other("the merchant did not start")
        })))
    }

    fn crash(&mut self) {}
}

/// Runs of the merchant after the crashes, each resolving what is still open.
const FINAL_RUNS: usize = 3;

async fn soak(
    config: SoakConfig,
    start: impl Fn(&Merchant) -> Box<dyn Running>,
) -> std::io::Result<SoakReport> {
    let started = Instant::now();
    let sandbox = Sandbox::start().await?;
    let dir = std::env::temp_dir().join(format!(
        "nordpay-soak-{}-{:x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir)?;
    let merchant = Merchant {
        sandbox: sandbox.dashboard_url(),
        orders: dir.join("orders.jsonl"),
        ops: config.ops,
        seed: config.seed,
        concurrency: config.concurrency,
    };
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x50a4);
    let mut restarts = 0;
    let mut finished = false;
    while restarts < config.restarts && !finished {
        let mut running = start(&merchant);
        let crash_at = Instant::now() + Duration::from_millis(rng.u64(200..=2_500));
        loop {
            if let Some(result) = running.finished() {
                result?;
                finished = true;
                break;
            }
            if Instant::now() >= crash_at {
                running.crash();
                // An aborted task stops only at its next await, and may
                // write to the orders file until then: a restart must not
                // race it.
                while running.finished().is_none() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                restarts += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    for _ in 0..FINAL_RUNS {
        let mut running = start(&merchant);
        loop {
            if let Some(result) = running.finished() {
                result?;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let orders = orders::load(&merchant.orders)?;
        if (0..config.ops).all(|order| orders.get(&order).is_some_and(|o| o.closed)) {
            break;
        }
    }
    let orders = orders::load(&merchant.orders)?;
    let mut report = check(&sandbox, &config, &orders);
    report.restarts = restarts;
    report.elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report)
}

/// Hold the sandbox's ledger against the merchant's orders.
fn check(
    sandbox: &Sandbox,
    config: &SoakConfig,
    orders: &BTreeMap<usize, orders::Order>,
) -> SoakReport {
    let (direct_payment, puzzel_pay, connect) = (
        sandbox.shared.direct_payment(),
        sandbox.shared.puzzel_pay(),
        sandbox.shared.connect(),
    );
    let charges: BTreeMap<&str, PaymentStatus> = direct_payment.ledger().collect();
    let batches: BTreeSet<&str> = puzzel_pay.batch_references().collect();
    let refunds = connect.refund_counts();
    let transactions = connect.order_counts();
    let mut report = SoakReport::default();
    let none = orders::Order::default();
    let mut keys = BTreeSet::new();
    for order in 0..config.ops {
        let state = orders.get(&order).unwrap_or(&none);
        if state.keys.is_empty() {
            report.skipped += 1;
            continue;
        }
        report.ops += 1;
        keys.extend(state.keys.iter().map(String::as_str));
        let kind = Kind::of(config.seed, order);
        // How many times money moved under each of the order's keys.
        let moved = |key: &str| -> usize {
            match kind {
                Kind::Charge { .. } => usize::from(matches!(
                    charges.get(key),
                    Some(PaymentStatus::Paid | PaymentStatus::Reversed)
                )),
                Kind::Batch => usize::from(batches.contains(key)),
                Kind::Refund => refunds.get(key).copied().unwrap_or(0),
                Kind::Transaction => transactions.get(key).copied().unwrap_or(0),
            }
        };
        let total: usize = state.keys.iter().map(|key| moved(key)).sum();
        let broken_promise = state.failed.iter().any(|key| moved(key) > 0);
        let mut wrong = Vec::new();
        if total > 1 {
            report.double += 1;
            wrong.push("double");
        }
        if !state.closed && state.open_key().is_some() {
            report.unresolved += 1;
            wrong.push("unresolved");
        } else if broken_promise || (total > 0 && state.shipped.is_none()) {
            report.lost += 1;
            wrong.push("lost");
        } else if state.shipped.is_some() && total == 0 {
            report.phantom += 1;
            wrong.push("phantom");
        }
        if !wrong.is_empty() && report.findings.len() < FINDINGS {
            let moved: Vec<_> = state.keys.iter().map(|key| moved(key)).collect();
            report.findings.push(format!(
                "order {order} ({kind:?}): {}; keys {:?}, moved {moved:?}, reported not done {:?}, shipped {:?}",
                wrong.join(", "),
                state.keys,
                state.failed,
                state.shipped
            ));
        }
        // A reversal: reported done exactly when the ledger shows it.
        if let (Some(reported), Some(key)) = (state.reversed, &state.shipped) {
            let reversed = charges.get(key.as_str()) == Some(&PaymentStatus::Reversed);
            match (reported, reversed) {
                (true, false) => report.phantom += 1,
                (false, true) => report.lost += 1,
                _ => {}
            }
        } else if state.reversing.is_some() && !state.closed {
            report.unresolved += 1;
        }
    }
    // Money moved under a soak key no order made: nobody intended it.
    report.double += charges
        .keys()
        .chain(batches.iter())
        .filter(|key| key.starts_with("soak-") && !keys.contains(*key))
        .count();
    report
}
