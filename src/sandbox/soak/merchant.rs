//! The merchant of the soak: a shop that takes orders through nordpay's
//! resolving calls, as a service would. It stores each key before the call
//! that uses it; on `Done` it ships, on `NotDone` the customer may try again
//! with a fresh key, on `Unresolved` it keeps the key and resolves it again
//! later. It may be killed at any point: started again, it reads its
//! orders back and resolves every open key through the public API, with
//! fresh clients.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt as _;
use url::Url;

use super::mix::{self, ATTEMPT_TIMEOUT, Call};
use super::orders::{self, Event, Journal, Order};
use crate::direct_payment::{self, Transport};
use crate::runtime::{Resolution, Resolved};
use crate::sandbox::browser::{Browser, Visit};
use crate::sandbox::credentials;
use crate::{connect, puzzel_pay};

/// What a merchant process is given.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// The sandbox's root URL.
    pub sandbox: Url,
    /// Its orders file: read at start, appended to.
    pub orders: PathBuf,
    /// Orders 0..ops.
    pub ops: usize,
    /// The seed of the orders' kinds and faults.
    pub seed: u64,
    /// Orders in progress at once.
    pub concurrency: usize,
}

/// How many times one run resolves an order's key while it stays
/// unresolved, before it leaves it open for a later run.
const PASSES: u32 = 3;
/// Customers of one order (a fresh key each) at the most.
const ATTEMPTS: usize = 3;
/// The CONNECT users refund orders share, so that each one's list of
/// refunds grows past a page.
const CONNECT_USERS: usize = 8;

/// What an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A Direct Payment charge; maybe reversed after shipping; maybe sent
    /// by two workers at once ("double click"); maybe with `SecurityLevel`
    /// 2 by a user who confirms late (NotPaid until then).
    Charge {
        transport: Transport,
        reverse: bool,
        double_click: bool,
        confirms_late: bool,
    },
    /// A Puzzel Pay batch.
    Batch,
    /// A CONNECT refund of a transaction the customer paid.
    Refund,
    /// A CONNECT transaction prepared for a user.
    Transaction,
}

impl Kind {
    /// The kind of `order`, the same in every run of one seed.
    pub(crate) fn of(seed: u64, order: usize) -> Self {
        let mut rng = fastrand::Rng::with_seed(mix_seed(seed, order as u64, 0));
        match rng.u8(0..10) {
            0..=5 => Kind::Charge {
                transport: if rng.bool() {
                    Transport::Rest
                } else {
                    Transport::Soap
                },
                reverse: rng.u8(0..3) == 0,
                double_click: rng.u8(0..6) == 0,
                confirms_late: rng.u8(0..8) == 0,
            },
            6..=7 => Kind::Batch,
            8 => Kind::Refund,
            _ => Kind::Transaction,
        }
    }

    fn call(self) -> Call {
        match self {
            Kind::Charge {
                transport: Transport::Rest,
                ..
            } => Call {
                api: "direct_payment",
                operation: "pay",
                lookup: "getPaymentStatus",
            },
            Kind::Charge { .. } => Call {
                api: "direct_payment",
                operation: "Pay",
                lookup: "GetPaymentStatus",
            },
            Kind::Batch => Call {
                api: "puzzel_pay",
                operation: "createBatch",
                lookup: "getBatchStatus",
            },
            Kind::Refund => Call {
                api: "connect",
                operation: "refundTransaction",
                lookup: "listTransactions",
            },
            Kind::Transaction => Call {
                api: "connect",
                operation: "createTransaction",
                lookup: "listTransactions",
            },
        }
    }
}

/// The CONNECT user of `order`.
pub(crate) fn connect_user(order: usize) -> String {
    format!("soak-user-{}", order % CONNECT_USERS)
}

fn mix_seed(seed: u64, a: u64, b: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(a.wrapping_mul(1_000_003))
        .wrapping_add(b)
}

/// What an order's call was reported as.
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

/// The shop: its clients (new in every run, as after a restart), its
/// journal, and a way to script the sandbox's faults.
struct Shop {
    rest: direct_payment::Client,
    soap: direct_payment::Client,
    puzzel: puzzel_pay::Client,
    connect: connect::Client,
    http: reqwest::Client,
    faults: Url,
    journal: Journal,
    seed: u64,
}

fn resolution() -> Resolution {
    Resolution {
        deadline: Duration::from_secs(20),
        first_wait: Duration::from_millis(50),
        max_wait: Duration::from_millis(200),
        ..Resolution::default()
    }
}

fn built<T, E: std::fmt::Display>(client: Result<T, E>) -> io::Result<T> {
    client.map_err(|e| io::Error::other(e.to_string()))
}

impl Shop {
    fn new(merchant: &Merchant) -> io::Result<Self> {
        let at = |path: &str| {
            merchant
                .sandbox
                .join(path)
                .map_err(|e| io::Error::other(e.to_string()))
        };
        let dp = |transport| {
            built(
                direct_payment::Client::builder(
                    direct_payment::Environment::Custom(at("direct-payment")?),
                    transport,
                    direct_payment::Credentials::new(
                        credentials::DIRECT_PAYMENT_SERVICE_ID,
                        credentials::DIRECT_PAYMENT_USERNAME,
                        credentials::DIRECT_PAYMENT_PASSWORD,
                    ),
                )
                .attempt_timeout(ATTEMPT_TIMEOUT)
                .resolution(resolution())
                .build(),
            )
        };
        Ok(Self {
            rest: dp(Transport::Rest)?,
            soap: dp(Transport::Soap)?,
            puzzel: built(
                puzzel_pay::Client::builder(
                    puzzel_pay::Environment::Custom(at("puzzel-pay")?),
                    credentials::PUZZEL_PAY_JWT,
                )
                .attempt_timeout(ATTEMPT_TIMEOUT)
                .resolution(resolution())
                .build(),
            )?,
            connect: built(
                connect::Client::builder(
                    connect::Environment::Custom(at("connect")?),
                    connect::Auth::api_key(credentials::CONNECT_API_KEY),
                )
                .attempt_timeout(ATTEMPT_TIMEOUT)
                .resolution(resolution())
                .build(),
            )?,
            http: reqwest::Client::new(),
            faults: at("sandbox/faults")?,
            journal: Journal::open(&merchant.orders)?,
            seed: merchant.seed,
        })
    }

    fn record(&self, event: Event) -> io::Result<()> {
        self.journal.record(&event)
    }

    /// Script the faults of one call on the sandbox.
    async fn script(&self, rng: &mut fastrand::Rng, call: Call, key: &str, lookup_key: &str) {
        for fault in mix::faults(rng, call, key, lookup_key) {
            // A fault that did not get through is a call without a fault.
            let _ = self
                .http
                .post(self.faults.clone())
                .json(&fault)
                .send()
                .await;
        }
    }

    /// The order, taken from where its journal left it to its end (or to
    /// an outcome still unresolved after `PASSES`).
    async fn take(&self, order: usize, mut state: Order) -> io::Result<()> {
        let kind = Kind::of(self.seed, order);
        let mut rng = fastrand::Rng::with_seed(mix_seed(
            self.seed,
            order as u64,
            1 + state.keys.len() as u64,
        ));
        if kind == Kind::Refund && state.original.is_none() {
            match self.prepare_original(order, &mut rng).await {
                Some(transaction) => {
                    self.record(Event::Original {
                        order,
                        transaction: transaction.clone(),
                    })?;
                    state.original = Some(transaction);
                }
                // No transaction to refund: nothing of the order moved.
                None => return self.record(Event::Closed { order }),
            }
        }
        let mut passes = 0;
        while state.shipped.is_none() {
            let key = match state.open_key() {
                Some(key) => key.to_string(),
                None if kind == Kind::Refund && !state.keys.is_empty() => {
                    // A refund refused: the customer is told.
                    return self.record(Event::Closed { order });
                }
                None if state.keys.len() >= ATTEMPTS => {
                    return self.record(Event::Closed { order });
                }
                None => {
                    let key = match (kind, &state.original) {
                        (Kind::Refund, Some(original)) => original.clone(),
                        _ => format!("soak-{order}-{:012x}", rng.u64(..) >> 16),
                    };
                    // Stored before it is sent.
                    self.record(Event::Key {
                        order,
                        key: key.clone(),
                    })?;
                    state.keys.push(key.clone());
                    let lookup_key = match kind {
                        Kind::Refund => connect_user(order),
                        _ => key.clone(),
                    };
                    self.script(&mut rng, kind.call(), &key, &lookup_key).await;
                    key
                }
            };
            let double_click = matches!(
                kind,
                Kind::Charge {
                    double_click: true,
                    ..
                }
            ) && passes == 0;
            let reported = self.resolve(kind, order, &key, double_click).await;
            if reported.contains(&Outcome::NotDone) {
                self.record(Event::Failed {
                    order,
                    key: key.clone(),
                })?;
                state.failed.push(key.clone());
            }
            if reported.contains(&Outcome::Done) {
                self.record(Event::Shipped {
                    order,
                    key: key.clone(),
                })?;
                state.shipped = Some(key);
            } else if reported.contains(&Outcome::NotDone) {
                // The customer may try again, with a fresh key.
                if rng.u8(0..4) == 0 {
                    return self.record(Event::Closed { order });
                }
            } else {
                passes += 1;
                if passes >= PASSES {
                    // Left open: a later run resolves it again.
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        if let Kind::Charge {
            transport,
            reverse: true,
            ..
        } = kind
            && state.reversed.is_none()
            && let Some(reference) = state.shipped.clone()
        {
            let client = self.dp(transport);
            let transaction_id = match state.reversing {
                Some(id) => id,
                None => match client.payment_status(reference.as_str()).await {
                    Ok(direct_payment::types::PaymentStatusResponse {
                        transaction_id: Some(id),
                        ..
                    }) => {
                        self.record(Event::Reversing {
                            order,
                            transaction_id: id,
                        })?;
                        self.script(&mut rng, reversal(transport), &id.to_string(), &reference)
                            .await;
                        id
                    }
                    // Left for a later run.
                    _ => return Ok(()),
                },
            };
            for _ in 0..PASSES {
                let reversed = client
                    .reverse_resolved(reference.as_str(), transaction_id)
                    .await;
                match outcome(&reversed) {
                    Outcome::Unresolved => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    done => {
                        self.record(Event::Reversal {
                            order,
                            done: done == Outcome::Done,
                        })?;
                        return self.record(Event::Closed { order });
                    }
                }
            }
            return Ok(());
        }
        self.record(Event::Closed { order })
    }

    fn dp(&self, transport: Transport) -> &direct_payment::Client {
        match transport {
            Transport::Rest => &self.rest,
            Transport::Soap => &self.soap,
        }
    }

    /// What the resolving call (or two at once) reported for `key`.
    async fn resolve(&self, kind: Kind, order: usize, key: &str, twice: bool) -> Vec<Outcome> {
        match kind {
            Kind::Charge {
                transport,
                confirms_late,
                ..
            } => {
                let client = self.dp(transport);
                let details = || {
                    let details = direct_payment::types::PaymentDetails::builder()
                        .price(2500)
                        .service_code(
                            "06005"
                                .parse::<direct_payment::ServiceCode>()
                                .expect("a documented code"),
                        )
                        .client_reference(key);
                    if confirms_late {
                        details
                            .msisdn(crate::sandbox::faults::CONFIRMS_LATE_MSISDN)
                            .security_level(Some(direct_payment::SecurityLevel::Confirmation))
                    } else {
                        details.msisdn("+4799999999")
                    }
                };
                if twice {
                    let (a, b) = tokio::join!(
                        client.pay_resolved(details()),
                        client.pay_resolved(details())
                    );
                    vec![outcome(&a), outcome(&b)]
                } else {
                    vec![outcome(&client.pay_resolved(details()).await)]
                }
            }
            Kind::Batch => {
                use puzzel_pay::types;
                let batch = types::BatchRequest::builder()
                    .batch_reference(key)
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
                vec![outcome(&self.puzzel.create_batch_resolved(batch).await)]
            }
            Kind::Refund => {
                let request = connect::types::RefundRequest::builder()
                    .refund_issuer("soak@shop.example")
                    .refund_reason("soak")
                    .try_into()
                    .expect("a valid refund request");
                vec![outcome(&self.connect.refund_resolved(key, request).await)]
            }
            Kind::Transaction => vec![outcome(
                &self
                    .connect
                    .create_transaction_resolved(new_transaction(key, &connect_user(order)))
                    .await,
            )],
        }
    }

    /// A transaction the customer of refund order `order` paid, to refund.
    async fn prepare_original(&self, order: usize, rng: &mut fastrand::Rng) -> Option<String> {
        let order_id = format!("soak-original-{order}-{:012x}", rng.u64(..) >> 16);
        let created = self
            .connect
            .create_transaction_resolved(new_transaction(&order_id, &connect_user(order)))
            .await
            .done()?;
        let browser = Browser::new();
        let Ok(Visit::Page(page)) = browser.open(&created.payment_link().ok()?).await else {
            return None;
        };
        browser.click(&page, "Pay").await.ok()?;
        Some(created.id)
    }
}

/// A reversal's call (keyed by the TransactionId) and its lookup (the
/// status, by the reference).
fn reversal(transport: Transport) -> Call {
    match transport {
        Transport::Rest => Call {
            api: "direct_payment",
            operation: "reversePayment",
            lookup: "getPaymentStatus",
        },
        Transport::Soap => Call {
            api: "direct_payment",
            operation: "ReversePayment",
            lookup: "GetPaymentStatus",
        },
    }
}

fn new_transaction(order_id: &str, connect_id: &str) -> connect::types::builder::NewTransaction {
    connect::types::NewTransaction::builder()
        .order_id(order_id)
        .purchase_description("Soak")
        .amount(crate::money::Money::new("NOK", 10_000).expect("NOK"))
        .vat_rate(connect::VatRate::from_percent(25).expect("a VAT rate"))
        .success_redirect("https://shop.example/ok")
        .cancel_redirect("https://shop.example/cancel")
        .connect_id(Some(connect_id.to_string()))
}

impl Merchant {
    /// Take every order not closed yet, from where the orders file left it.
    pub async fn run(&self) -> io::Result<()> {
        let orders = orders::load(&self.orders)?;
        let shop = Shop::new(self)?;
        let open: Vec<(usize, Order)> = (0..self.ops)
            .map(|order| (order, orders.get(&order).cloned().unwrap_or_default()))
            .filter(|(_, state)| !state.closed)
            .collect();
        let shop = &shop;
        let results: Vec<io::Result<()>> = futures_util::stream::iter(open)
            .map(|(order, state)| shop.take(order, state))
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }
}
