//! Closing the day against the sandbox: payments, failures and open
//! recipients across two sandbox days; each day's reports read back through
//! the client's readers, held against the batch status, and reconciled
//! against a merchant's view with one of each difference the sandbox can
//! make.

use super::puzzel_pay_standin::{batch, batch_status, create_batch, puzzel_client, refund};
use super::*;

use chrono::{Duration as Days, NaiveDate};
use nordpay::money::Money;
use nordpay::puzzel_pay::report::{
    CsvReader, DifferenceKind, Expectation, ExpectedOutcome, OcrReader, OcrRecord,
    OcrTransactionType, ReportRecord, ReportedProvider, Settled, reconcile,
};

/// The sandbox's clock moved to 01:00 UTC of the next day: that day.
fn next_day(sandbox: &Sandbox) -> NaiveDate {
    let now = sandbox.now();
    let day = now.date_naive() + Days::days(1);
    let target = day.and_hms_opt(1, 0, 0).unwrap().and_utc();
    sandbox.advance((target - now).to_std().unwrap());
    day
}

async fn report(sandbox: &Sandbox, day: NaiveDate, format: &str) -> reqwest::Response {
    let url = sandbox
        .control_url()
        .join(&format!("sandbox/puzzel-pay/reports/{day}.{format}"))
        .unwrap();
    reqwest::get(url).await.unwrap()
}

async fn csv(sandbox: &Sandbox, day: NaiveDate) -> Vec<ReportRecord> {
    let answer = report(sandbox, day, "csv").await;
    assert_eq!(answer.status(), 200);
    let body = answer.bytes().await.unwrap();
    CsvReader::new(body.as_ref())
        .collect::<Result<_, _>>()
        .unwrap()
}

async fn ocr(sandbox: &Sandbox, day: NaiveDate) -> Vec<OcrRecord> {
    let answer = report(sandbox, day, "ocr").await;
    assert_eq!(answer.status(), 200);
    let body = answer.bytes().await.unwrap();
    OcrReader::new(body.as_ref())
        .collect::<Result<_, _>>()
        .unwrap()
}

fn references(records: &[ReportRecord]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r.client_reference.as_str())
        .collect()
}

#[tokio::test]
async fn each_days_reports_match_the_batch_status_and_reconcile_to_exactly_the_differences_made() {
    let sandbox = Sandbox::start().await.unwrap();
    let browser = Browser::new();
    let client = puzzel_client(&sandbox);
    let msisdns: Vec<String> = (0..10).map(|i| format!("+4791000{i:03}")).collect();
    let msisdns: Vec<&str> = msisdns.iter().map(String::as_str).collect();
    let links = support::payment_links(
        create_batch(&client, batch("close", &msisdns))
            .await
            .unwrap(),
    );
    let pay = |i: usize, button: &'static str| pay_at(&browser, &links[i], button, "Pay");

    let first = next_day(&sandbox);
    pay(0, "Pay with card").await;
    pay_at(&browser, &links[1], "Pay with card", "Payment fails").await;
    pay(2, "Pay with Strex (Direct Payment)").await;
    pay(7, "Pay with card").await;
    pay(8, "Pay with card").await;
    // Not made before the day ends.
    assert_eq!(report(&sandbox, first, "csv").await.status(), 404);

    let second = next_day(&sandbox);
    pay(3, "Pay with card").await;
    pay(6, "Pay with card").await;
    refund(&client, "close", "r0").await.unwrap();
    next_day(&sandbox);

    // Each day's CSV has that day's payments, as the batch asked them.
    let day_one = csv(&sandbox, first).await;
    let day_two = csv(&sandbox, second).await;
    assert_eq!(references(&day_one), ["r0", "r2", "r7", "r8"]);
    assert_eq!(references(&day_two), ["r3", "r6"]);
    let r2 = &day_one[1];
    assert_eq!(r2.batch_reference, "close");
    assert_eq!(r2.msisdn, "+4791000002");
    assert_eq!(r2.amount, Money::new("NOK", 10_000).unwrap());
    assert_eq!(r2.payment_provider, ReportedProvider::DirectPay);
    assert_eq!(day_one[0].payment_provider, ReportedProvider::Pcgw);
    assert_eq!(r2.timestamp.date(), first);
    assert_eq!(r2.variables, [("name".to_string(), "N2".to_string())]);
    assert!(day_one.iter().all(|r| !r.external_reference.is_empty()));

    // Together they are exactly the recipients the batch status says paid.
    let status = batch_status(&client, "close").await.unwrap();
    let mut paid: Vec<&str> = status
        .recipient_status
        .iter()
        .filter(|r| r.step == Some(puzzel_pay::Step::Paid))
        .map(|r| r.reference.as_deref().unwrap())
        .collect();
    let mut reported = [references(&day_one), references(&day_two)].concat();
    paid.sort_unstable();
    reported.sort_unstable();
    assert_eq!(reported, paid);

    // The OCR reports have the same payments, and the second the refund.
    let transactions = |records: Vec<OcrRecord>| -> Vec<(OcrTransactionType, String, u64)> {
        records
            .into_iter()
            .filter_map(|record| match record {
                OcrRecord::Transaction(t) => Some((
                    t.transaction_type,
                    t.customer_reference,
                    t.amount.minor_units(),
                )),
                _ => None,
            })
            .collect()
    };
    use OcrTransactionType::{PurchaseWithText as Paid, RefundWithText as Refund};
    let ocr_two = transactions(ocr(&sandbox, second).await);
    assert_eq!(
        ocr_two,
        [
            (Paid, "r3".to_string(), 10_000),
            (Paid, "r6".to_string(), 10_000),
            (Refund, "r0".to_string(), 10_000)
        ]
    );
    assert_eq!(transactions(ocr(&sandbox, first).await).len(), 4);

    // The list and the dashboard name both days.
    let listed: serde_json::Value = reqwest::get(
        sandbox
            .control_url()
            .join("sandbox/puzzel-pay/reports")
            .unwrap(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed[0]["day"], second.to_string(), "{listed}");
    assert_eq!(listed[0]["refunds"], 1, "{listed}");
    assert_eq!(listed[1]["payments"], 4, "{listed}");
    let dashboard = reqwest::get(format!("http://{}/", sandbox.addr()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dashboard.contains(&format!("/sandbox/puzzel-pay/reports/{first}.ocr")),
        "the dashboard links the day's reports"
    );

    // The merchant's view, with one of each difference the sandbox can
    // make (it never takes a recipient's payment twice, as Puzzel does not).
    let nok = |minor| Money::new("NOK", minor).unwrap();
    let expect = |client: &str, amount, shipped, outcome| {
        Expectation::new("close", client, nok(amount), shipped, outcome)
    };
    use ExpectedOutcome::{NotPaid, Paid as WasPaid, Unresolved as Open};
    let view = [
        expect("r0", 10_000, true, WasPaid), // refunded, the refund not booked
        expect("r1", 10_000, false, NotPaid), // failed: agrees
        expect("r2", 10_000, true, WasPaid), // agrees
        expect("r3", 10_000, false, WasPaid), // paid, not shipped
        expect("r4", 10_000, true, Open),    // shipped, open
        expect("r5", 10_000, false, Open),   // open
        expect("r6", 5_000, true, WasPaid),  // asked 50 NOK in the merchant's books
        expect("r7", 10_000, true, NotPaid), // paid after it was seen failed
        // r8 paid, and unknown to the merchant.
        expect("r9", 10_000, false, WasPaid), // a forged "paid"; not in the report
    ];
    let mut settled: Vec<Settled> = day_one.iter().chain(&day_two).map(Settled::from).collect();
    // Refunds are in the OCR report only.
    settled.extend(
        ocr(&sandbox, second)
            .await
            .iter()
            .filter_map(|record| match record {
                OcrRecord::Transaction(t) if t.transaction_type.is_refund() => {
                    Some(Settled::from(t))
                }
                _ => None,
            }),
    );
    let found = reconcile(settled, view);
    let differences: Vec<(DifferenceKind, &str)> = found
        .differences
        .iter()
        .map(|d| (d.kind, d.client_reference.as_str()))
        .collect();
    use DifferenceKind::*;
    assert_eq!(
        differences,
        [
            (PaidAfterNotPaid, "r7"),
            (UnknownToMerchant, "r8"),
            (PaidNotShipped, "r3"),
            (AmountDiffers, "r6"),
            (Refunded, "r0"),
            (ShippedNotInReport, "r4"),
            (Unresolved, "r5"),
            (PaidNotInReport, "r9"),
        ]
    );
    let totals: Vec<(Option<NaiveDate>, u64, u128)> = found
        .totals
        .iter()
        .map(|t| (t.day, t.payments, t.paid))
        .collect();
    assert_eq!(
        totals,
        [
            (Some(first), 4, 40_000),
            (Some(second), 2, 20_000),
            (None, 0, 0)
        ]
    );
}
