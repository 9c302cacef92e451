//! The money soak: many concurrent money operations through the resolving
//! calls while the sandbox injects a random (seeded) fault schedule, then
//! the sandbox's ledger held against what the clients reported.
//!
//! `cargo xtask soak [--ops N] [--seed S]` runs it; its last line is
//! `soak: N ops, D double charges, L lost, U unresolved`:
//! - **double**: money moved twice for one intended operation (a charge
//!   under a key nobody intended, a second refund, a second batch);
//! - **lost**: the ledger shows the money moved but the client reported it
//!   not done;
//! - **unresolved**: still unknown when the resolution deadline passed,
//!   although every scripted fault is finite (the sandbox heals).
//!
//! Reported done while the ledger shows nothing is counted as `phantom` in
//! the report (and printed), though it is not on the last line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;

use super::browser::{Browser, Visit};
use super::{FaultAction, Sandbox, ScriptedFault, credentials};
use crate::direct_payment::{self, PaymentStatus, Transport};
use crate::runtime::{Resolution, Resolved};
use crate::{connect, puzzel_pay};

/// What a soak runs.
#[derive(Debug, Clone, Copy)]
pub struct SoakConfig {
    /// How many money operations.
    pub ops: usize,
    /// The seed of the fault schedule and the mix of operations.
    pub seed: u64,
    /// How many run at once.
    pub concurrency: usize,
}

impl Default for SoakConfig {
    fn default() -> Self {
        Self {
            ops: 10_000,
            seed: 1,
            concurrency: 32,
        }
    }
}

/// What a soak found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoakReport {
    /// Operations run.
    pub ops: usize,
    /// Money moved twice for one intended operation.
    pub double: usize,
    /// Moved, but reported not done.
    pub lost: usize,
    /// Still unknown at the resolution deadline.
    pub unresolved: usize,
    /// Reported done, but the ledger shows nothing moved.
    pub phantom: usize,
    /// Faults scripted.
    pub faults: usize,
    /// Operations that could not be set up (a CONNECT payment page that did
    /// not work): not counted in `ops`.
    pub skipped: usize,
    /// How long it took.
    pub elapsed: Duration,
}

impl SoakReport {
    /// No money lost, doubled or left unknown, and nothing reported that did
    /// not happen.
    pub fn is_clean(&self) -> bool {
        self.double == 0
            && self.lost == 0
            && self.unresolved == 0
            && self.phantom == 0
            && self.skipped == 0
    }
}

impl fmt::Display for SoakReport {
    /// The last line `cargo xtask soak` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "soak: {} ops, {} double charges, {} lost, {} unresolved",
            self.ops, self.double, self.lost, self.unresolved
        )
    }
}

/// One intended operation and what its client reported.
enum Reported {
    /// A Direct Payment charge under `reference` (and maybe its reversal).
    Charge {
        reference: String,
        paid: Outcome,
        reversed: Option<Outcome>,
    },
    /// A Puzzel Pay batch.
    Batch { reference: String, created: Outcome },
    /// A CONNECT refund of `transaction`.
    Refund {
        transaction: String,
        refunded: Outcome,
    },
    /// A CONNECT transaction prepared under `order` that was not done, so
    /// nothing was refunded.
    Order { order: String, created: Outcome },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    NotDone,
    Unresolved,
}

fn outcome<T, E>(resolved: &Resolved<T, E>) -> Outcome {
    match resolved {
        Resolved::Done(_) => Outcome::Done,
        Resolved::NotDone(_) => Outcome::NotDone,
        Resolved::Unresolved(_) => Outcome::Unresolved,
    }
}

/// The clients of a soak: short timeouts so that delays become unknown
/// outcomes, quick resolution.
struct Clients {
    rest: direct_payment::Client,
    soap: direct_payment::Client,
    puzzel: puzzel_pay::Client,
    connect: connect::Client,
}

fn resolution() -> Resolution {
    Resolution {
        deadline: Duration::from_secs(20),
        first_wait: Duration::from_millis(10),
        max_wait: Duration::from_millis(200),
        ..Resolution::default()
    }
}

const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);

impl Clients {
    fn new(sandbox: &Sandbox) -> Self {
        let dp = |transport| {
            direct_payment::Client::builder(
                sandbox.direct_payment_environment(),
                transport,
                sandbox.direct_payment_credentials(),
            )
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .resolution(resolution())
            .build()
            .expect("the sandbox's client builds")
        };
        Self {
            rest: dp(Transport::Rest),
            soap: dp(Transport::Soap),
            puzzel: puzzel_pay::Client::builder(
                sandbox.puzzel_pay_environment(),
                credentials::PUZZEL_PAY_JWT,
            )
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .resolution(resolution())
            .build()
            .expect("the sandbox's client builds"),
            connect: connect::Client::builder(
                sandbox.connect_environment(),
                connect::Auth::api_key(credentials::CONNECT_API_KEY),
            )
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .resolution(resolution())
            .build()
            .expect("the sandbox's client builds"),
        }
    }
}

/// A random fault for a call that carries `key`, or none.
fn fault(rng: &mut fastrand::Rng, api: &str, operation: &str, key: &str) -> Option<ScriptedFault> {
    let action = match rng.u8(0..10) {
        0..=2 => return None,
        3 => FaultAction::DropAfter,
        4 => FaultAction::FailBefore {
            status: 503,
            retry_after: None,
        },
        5 => FaultAction::FailBefore {
            status: 429,
            retry_after: Some(0),
        },
        6 => FaultAction::FailAfter { status: 502 },
        7 => FaultAction::Truncate,
        _ => FaultAction::Delay {
            ms: rng.u64(0..=2 * ATTEMPT_TIMEOUT.as_millis() as u64),
        },
    };
    Some(
        ScriptedFault::new(api, operation, action)
            .key(key)
            .times(rng.u32(1..=2)),
    )
}

/// Script a random fault on the call and, sometimes, on its lookup.
fn script(
    sandbox: &Sandbox,
    rng: &mut fastrand::Rng,
    api: &str,
    (operation, lookup): (&str, &str),
    key: &str,
) -> usize {
    let mut count = 0;
    if let Some(fault) = fault(rng, api, operation, key) {
        sandbox.script(fault);
        count += 1;
    }
    if rng.bool() {
        sandbox.script(
            ScriptedFault::new(
                api,
                lookup,
                FaultAction::FailBefore {
                    status: 503,
                    retry_after: None,
                },
            )
            .key(key)
            .times(rng.u32(1..=3)),
        );
        count += 1;
    }
    count
}

fn key(rng: &mut fastrand::Rng, prefix: &str) -> String {
    format!("{prefix}-{:016x}", rng.u64(..))
}

async fn charge(
    clients: &Clients,
    sandbox: &Sandbox,
    rng: &mut fastrand::Rng,
    reverse: bool,
) -> (Reported, usize) {
    let (client, pay, status, reversal) = if rng.bool() {
        (&clients.rest, "pay", "getPaymentStatus", "reversePayment")
    } else {
        (&clients.soap, "Pay", "GetPaymentStatus", "ReversePayment")
    };
    let reference = key(rng, "soak");
    let mut faults = script(sandbox, rng, "direct_payment", (pay, status), &reference);
    let details = direct_payment::types::PaymentDetails::builder()
        .msisdn("+4799999999")
        .price(2500)
        .service_code(
            "06005"
                .parse::<direct_payment::ServiceCode>()
                .expect("a code"),
        )
        .client_reference(reference.as_str());
    let resolved = client.pay_resolved(details).await;
    let paid = outcome(&resolved);
    let mut reversed = None;
    if let (true, Resolved::Done(record)) = (reverse, &resolved)
        && let Some(transaction_id) = record.transaction_id
    {
        // The lookup of a reversal is by the reference; the call by the id.
        faults += script(
            sandbox,
            rng,
            "direct_payment",
            (reversal, status),
            &reference,
        );
        if let Some(fault) = fault(rng, "direct_payment", reversal, &transaction_id.to_string()) {
            sandbox.script(fault);
            faults += 1;
        }
        reversed = Some(outcome(
            &client
                .reverse_resolved(reference.as_str(), transaction_id)
                .await,
        ));
    }
    (
        Reported::Charge {
            reference,
            paid,
            reversed,
        },
        faults,
    )
}

async fn batch(clients: &Clients, sandbox: &Sandbox, rng: &mut fastrand::Rng) -> (Reported, usize) {
    use puzzel_pay::types;
    let reference = key(rng, "soak");
    let faults = script(
        sandbox,
        rng,
        "puzzel_pay",
        ("createBatch", "getBatchStatus"),
        &reference,
    );
    let batch = types::BatchRequest::builder()
        .batch_reference(reference.as_str())
        .action(puzzel_pay::BatchAction::SendSms)
        .message_templates(vec![types::MessageTemplate {
            type_: puzzel_pay::RequestType::Payment,
            text: "Pay: {{paymentLink}}".into(),
        }])
        .recipients(vec![
            types::Recipient::builder()
                .reference("r0")
                .msisdn("+4799999999")
                .type_(puzzel_pay::RequestType::Payment)
                .payment(types::Payment::builder().amount(100u64).currency("NOK"))
                .try_into()
                .expect("a valid recipient"),
        ]);
    let created = outcome(&clients.puzzel.create_batch_resolved(batch).await);
    (Reported::Batch { reference, created }, faults)
}

async fn refund(
    clients: &Clients,
    sandbox: &Sandbox,
    rng: &mut fastrand::Rng,
) -> Option<(Reported, usize)> {
    let order = key(rng, "soak");
    // The transaction is prepared through its resolver too, under faults.
    let mut faults = script(
        sandbox,
        rng,
        "connect",
        ("createTransaction", "listTransactions"),
        &order,
    );
    let created = clients
        .connect
        .create_transaction_resolved(
            connect::types::NewTransaction::builder()
                .order_id(order.as_str())
                .purchase_description("Soak")
                .amount(connect::Money::new("NOK", 10_000).expect("NOK"))
                .vat_rate(connect::VatRate::from_percent(25).expect("a VAT rate"))
                .success_redirect("https://shop.example/ok")
                .cancel_redirect("https://shop.example/cancel")
                .connect_id(Some(order.clone())),
        )
        .await;
    let transaction = match created {
        Resolved::Done(transaction) => transaction,
        other => {
            return Some((
                Reported::Order {
                    order,
                    created: outcome(&other),
                },
                faults,
            ));
        }
    };
    let browser = Browser::new();
    let Ok(Visit::Page(page)) = browser.open(&transaction.payment_link().ok()?).await else {
        return None;
    };
    browser.click(&page, "Pay").await.ok()?;
    faults += script(
        sandbox,
        rng,
        "connect",
        ("refundTransaction", "listTransactions"),
        &transaction.id,
    );
    let request = connect::types::RefundRequest::builder()
        .refund_issuer("soak@shop.example")
        .refund_reason("soak")
        .try_into()
        .ok()?;
    let refunded = outcome(
        &clients
            .connect
            .refund_resolved(&transaction.id, request)
            .await,
    );
    Some((
        Reported::Refund {
            transaction: transaction.id,
            refunded,
        },
        faults,
    ))
}

/// Run a soak on a fresh in-process sandbox.
pub async fn run(config: SoakConfig) -> std::io::Result<SoakReport> {
    let started = Instant::now();
    let sandbox = Sandbox::start().await?;
    let clients = Clients::new(&sandbox);
    let runs = futures_util::stream::iter(0..config.ops)
        .map(|i| {
            let (sandbox, clients) = (&sandbox, &clients);
            let mut rng = fastrand::Rng::with_seed(
                config.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
            );
            async move {
                match rng.u8(0..10) {
                    0..=3 => Some(charge(clients, sandbox, &mut rng, false).await),
                    4..=6 => Some(charge(clients, sandbox, &mut rng, true).await),
                    7..=8 => Some(batch(clients, sandbox, &mut rng).await),
                    _ => refund(clients, sandbox, &mut rng).await,
                }
            }
        })
        .buffer_unordered(config.concurrency.max(1));
    let results: Vec<(Reported, usize)> = runs.filter_map(|r| async move { r }).collect().await;
    let mut report = SoakReport {
        ops: results.len(),
        skipped: config.ops - results.len(),
        faults: results.iter().map(|(_, faults)| faults).sum(),
        ..SoakReport::default()
    };
    check(
        &sandbox,
        results.into_iter().map(|(r, _)| r).collect(),
        &mut report,
    );
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Hold the ledger against the reports.
fn check(sandbox: &Sandbox, reported: Vec<Reported>, report: &mut SoakReport) {
    let (direct_payment, puzzel_pay, connect) = (
        sandbox.shared.direct_payment(),
        sandbox.shared.puzzel_pay(),
        sandbox.shared.connect(),
    );
    let charges: BTreeMap<&str, PaymentStatus> = direct_payment.ledger().collect();
    let batches: BTreeSet<&str> = puzzel_pay.batch_references().collect();
    let refunds = connect.refund_counts();
    let orders = connect.order_counts();
    let mut intended_charges = BTreeSet::new();
    let mut intended_batches = BTreeSet::new();
    let tally = |outcome: Outcome, moved: bool, report: &mut SoakReport| match (outcome, moved) {
        (Outcome::Unresolved, _) => report.unresolved += 1,
        (Outcome::NotDone, true) => report.lost += 1,
        (Outcome::Done, false) => report.phantom += 1,
        _ => {}
    };
    for reported in &reported {
        match reported {
            Reported::Charge {
                reference,
                paid,
                reversed,
            } => {
                intended_charges.insert(reference.as_str());
                let status = charges.get(reference.as_str()).copied();
                let charged = matches!(status, Some(PaymentStatus::Paid | PaymentStatus::Reversed));
                tally(*paid, charged, report);
                if let Some(reversed) = reversed {
                    tally(*reversed, status == Some(PaymentStatus::Reversed), report);
                }
            }
            Reported::Batch { reference, created } => {
                intended_batches.insert(reference.as_str());
                tally(*created, batches.contains(reference.as_str()), report);
            }
            Reported::Refund {
                transaction,
                refunded,
            } => {
                let count = refunds.get(transaction.as_str()).copied().unwrap_or(0);
                report.double += count.saturating_sub(1);
                tally(*refunded, count > 0, report);
            }
            Reported::Order { order, created } => {
                let count = orders.get(order.as_str()).copied().unwrap_or(0);
                tally(*created, count > 0, report);
            }
        }
    }
    // A transaction prepared twice for one order (an orderId is unique).
    report.double += orders.values().map(|n| n.saturating_sub(1)).sum::<usize>();
    // Money moved under a key no operation intended: a second charge.
    report.double += charges
        .keys()
        .filter(|r| !intended_charges.contains(*r))
        .count();
    report.double += batches
        .iter()
        .filter(|r| !intended_batches.contains(*r))
        .count();
}
