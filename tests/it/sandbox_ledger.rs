//! A property of the sandbox's Direct Payment ledger under concurrency: after
//! many random pays and reversals over both transports at once, no payment
//! is lost, none is charged twice, and every reversal is matched.
#![cfg(feature = "sandbox")]

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;
use nordpay::direct_payment::{Client, ErrorCode, PaymentStatus, ServiceCode, Transport, types};
use nordpay::sandbox::Sandbox;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// Pay with reference `r{n}` (few names, so many collide).
    Pay { reference: u8, soap: bool },
    /// Reverse the `pick`-th successful payment (or an unknown ID).
    Reverse { pick: u8, soap: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..8, any::<bool>()).prop_map(|(reference, soap)| Op::Pay { reference, soap }),
        2 => (0u8..16, any::<bool>()).prop_map(|(pick, soap)| Op::Reverse { pick, soap }),
    ]
}

struct Run {
    /// (reference, Ok(transaction id) or Err(error code)) of every pay.
    pays: Vec<(String, Result<i64, Option<ErrorCode>>)>,
    /// (transaction id, Ok or Err(error code)) of every reversal.
    reversals: Vec<(i64, Result<(), Option<ErrorCode>>)>,
    /// The sandbox's ledger afterwards: reference -> (transaction id, status).
    ledger: BTreeMap<String, (i64, i32)>,
}

async fn run(ops: Vec<Op>) -> Run {
    let sandbox = Sandbox::start().await.unwrap();
    let client = |transport| {
        Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            sandbox.direct_payment_credentials(),
        )
        .build()
        .unwrap()
    };
    let (rest, soap) = (client(Transport::Rest), client(Transport::Soap));
    let pick = |soap_side: bool| if soap_side { &soap } else { &rest };
    let parking: ServiceCode = "06005".parse().unwrap();

    // All pays at once, then all reversals at once.
    let pays = join_all(ops.iter().filter_map(|op| match op {
        Op::Pay { reference, soap } => {
            let reference = format!("r{reference}");
            let client = pick(*soap);
            Some(async move {
                let details = types::PaymentDetails::builder()
                    .msisdn("+4799999999")
                    .price(100)
                    .service_code(parking)
                    .client_reference(reference.as_str());
                let result = client
                    .pay(details)
                    .await
                    .map(|p| p.transaction_id.0)
                    .map_err(|e| e.code());
                (reference, result)
            })
        }
        Op::Reverse { .. } => None,
    }))
    .await;
    let paid: Vec<i64> = pays
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().copied())
        .collect();
    let reversals = join_all(ops.iter().filter_map(|op| match op {
        Op::Reverse { pick: index, soap } => {
            let id = paid
                .get(usize::from(*index))
                .copied()
                .unwrap_or(999_999_999);
            let client = pick(*soap);
            Some(async move {
                (
                    id,
                    client
                        .reverse_payment(id)
                        .await
                        .map(drop)
                        .map_err(|e| e.code()),
                )
            })
        }
        Op::Pay { .. } => None,
    }))
    .await;

    let url = sandbox
        .control_url()
        .join("sandbox/direct-payment/payments")
        .unwrap();
    let rows: Vec<serde_json::Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    let ledger = rows
        .iter()
        .map(|row| {
            (
                row["ClientReference"].as_str().unwrap().to_string(),
                (
                    row["TransactionId"].as_i64().unwrap(),
                    row["PaymentStatus"].as_i64().unwrap() as i32,
                ),
            )
        })
        .collect();
    Run {
        pays,
        reversals,
        ledger,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_balances(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let run = runtime.block_on(run(ops));

        // No double charge: one successful pay per reference; the others were
        // refused as validation errors.
        let mut charged: BTreeMap<&str, i64> = BTreeMap::new();
        for (reference, result) in &run.pays {
            match result {
                Ok(id) => prop_assert!(charged.insert(reference, *id).is_none(), "{reference} charged twice"),
                Err(code) => prop_assert_eq!(*code, Some(ErrorCode::Validation)),
            }
        }
        // No lost payment: the ledger holds exactly the successful pays.
        let ledger_ids: BTreeMap<&str, i64> = run.ledger.iter().map(|(r, (id, _))| (r.as_str(), *id)).collect();
        prop_assert_eq!(&ledger_ids, &charged);

        // Every reversal matched: a payment is Reversed iff exactly one
        // reversal of it succeeded; repeats are validation errors, unknown
        // IDs not-found errors.
        let known: BTreeSet<i64> = charged.values().copied().collect();
        let mut reversed: BTreeMap<i64, usize> = BTreeMap::new();
        for (id, result) in &run.reversals {
            match result {
                Ok(()) => *reversed.entry(*id).or_default() += 1,
                Err(code) if known.contains(id) => prop_assert_eq!(*code, Some(ErrorCode::Validation)),
                Err(code) => prop_assert_eq!(*code, Some(ErrorCode::NotFound)),
            }
        }
        for (id, status) in run.ledger.values() {
            let successes = reversed.get(id).copied().unwrap_or(0);
            prop_assert!(successes <= 1, "{id} reversed {successes} times");
            let expected = if successes == 1 { PaymentStatus::Reversed } else { PaymentStatus::Paid };
            prop_assert_eq!(*status, expected.value(), "payment {}", id);
        }
    }
}
