//! Reconciliation: the day's reports held against what the merchant's
//! system believes, every difference by kind, totals per day and currency.
//!
//! The report is the money's truth; the merchant's view (an [`Expectation`]
//! per batch and recipient) is what was shipped and what the batch status
//! said. The report is streamed; the expectations are held, keyed.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ocr::OcrTransaction;
use super::record::ReportRecord;
use crate::money::Money;
use crate::puzzel_pay::FileError;

/// One transaction of a report, CSV or OCR, in the form reconciliation
/// needs.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settled {
    /// The batch's reference; `None` from an OCR report, which has none.
    pub batch_reference: Option<String>,
    /// The recipient's reference (the OCR customer reference).
    pub client_reference: String,
    /// The amount paid or refunded.
    pub amount: Money,
    /// The day of the payment.
    pub day: NaiveDate,
    /// A refund (OCR transaction type 20), not a payment.
    pub refund: bool,
}

impl From<&ReportRecord> for Settled {
    fn from(record: &ReportRecord) -> Self {
        Self {
            batch_reference: Some(record.batch_reference.clone()),
            client_reference: record.client_reference.clone(),
            amount: record.amount,
            day: record.timestamp.date(),
            refund: false,
        }
    }
}

impl From<&OcrTransaction> for Settled {
    fn from(transaction: &OcrTransaction) -> Self {
        Self {
            batch_reference: None,
            client_reference: transaction.customer_reference.clone(),
            amount: transaction.amount,
            day: transaction.date,
            refund: transaction.transaction_type.is_refund(),
        }
    }
}

impl std::fmt::Debug for Settled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settled")
            .field("amount", &self.amount)
            .field("day", &self.day)
            .field("refund", &self.refund)
            .finish_non_exhaustive()
    }
}

/// What the merchant's system believes of a recipient's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ExpectedOutcome {
    /// The batch status (or a confirmed callback) said paid.
    Paid,
    /// It said failed or expired: nothing paid.
    NotPaid,
    /// Not known yet.
    Unresolved,
}

/// What the merchant's system believes of one recipient of a batch.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Expectation {
    /// The batch's reference.
    pub batch_reference: String,
    /// The recipient's reference.
    pub client_reference: String,
    /// The amount asked for (`"NOK 100.00"` in JSON).
    pub amount: Money,
    /// Whether the goods were shipped (or the service given).
    pub shipped: bool,
    /// The payment's outcome as the merchant's system knows it.
    pub outcome: ExpectedOutcome,
    /// Whether the merchant refunded it.
    #[serde(default)]
    pub refunded: bool,
}

impl Expectation {
    /// A recipient asked to pay `amount`.
    pub fn new(
        batch_reference: impl Into<String>,
        client_reference: impl Into<String>,
        amount: Money,
        shipped: bool,
        outcome: ExpectedOutcome,
    ) -> Self {
        Self {
            batch_reference: batch_reference.into(),
            client_reference: client_reference.into(),
            amount,
            shipped,
            outcome,
            refunded: false,
        }
    }

    /// The same, refunded by the merchant.
    pub fn refunded(mut self) -> Self {
        self.refunded = true;
        self
    }
}

impl std::fmt::Debug for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation")
            .field("amount", &self.amount)
            .field("shipped", &self.shipped)
            .field("outcome", &self.outcome)
            .field("refunded", &self.refunded)
            .finish_non_exhaustive()
    }
}

/// A kind of difference between the report and the merchant's view;
/// [`advice`](Self::advice) says what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DifferenceKind {
    /// Paid, and not shipped.
    PaidNotShipped,
    /// Shipped, and no payment in the report.
    ShippedNotInReport,
    /// The batch status said paid, and no payment in the report.
    PaidNotInReport,
    /// The report's amount or currency is not what was asked.
    AmountDiffers,
    /// The same recipient paid more than once.
    PaidTwice,
    /// A payment nobody expected.
    UnknownToMerchant,
    /// Paid, though the merchant's system holds it not paid.
    PaidAfterNotPaid,
    /// Still not known, and not in the report.
    Unresolved,
    /// A refund the merchant's system has not booked.
    Refunded,
}

impl DifferenceKind {
    /// Every kind, in the order above.
    pub const ALL: [DifferenceKind; 9] = [
        DifferenceKind::PaidNotShipped,
        DifferenceKind::ShippedNotInReport,
        DifferenceKind::PaidNotInReport,
        DifferenceKind::AmountDiffers,
        DifferenceKind::PaidTwice,
        DifferenceKind::UnknownToMerchant,
        DifferenceKind::PaidAfterNotPaid,
        DifferenceKind::Unresolved,
        DifferenceKind::Refunded,
    ];

    /// What the merchant should do about it.
    pub fn advice(self) -> &'static str {
        match self {
            DifferenceKind::PaidNotShipped => "Ship it, or refund the payment.",
            DifferenceKind::ShippedNotInReport => {
                "Ask the batch status: if it is not paid, ask for the payment or take the goods \
                 back; a payment made late in a day is in the next day's report."
            }
            DifferenceKind::PaidNotInReport => {
                "Ask Puzzel before shipping: the report is what is settled."
            }
            DifferenceKind::AmountDiffers => {
                "Compare the batch request sent; charge or refund the difference."
            }
            DifferenceKind::PaidTwice => "Refund the extra payments.",
            DifferenceKind::UnknownToMerchant => {
                "Find its order (another system's batch, or a reference lost), or refund it."
            }
            DifferenceKind::PaidAfterNotPaid => {
                "Treat it as paid (it was paid after a failure or expiry was seen): ship or \
                 refund, and correct the record."
            }
            DifferenceKind::Unresolved => {
                "Resolve it by the batch status; neither ship nor send it again until then."
            }
            DifferenceKind::Refunded => "Book the refund against the order.",
        }
    }

    /// The name JSON gives it (`paidNotShipped`).
    pub fn name(self) -> &'static str {
        match self {
            DifferenceKind::PaidNotShipped => "paidNotShipped",
            DifferenceKind::ShippedNotInReport => "shippedNotInReport",
            DifferenceKind::PaidNotInReport => "paidNotInReport",
            DifferenceKind::AmountDiffers => "amountDiffers",
            DifferenceKind::PaidTwice => "paidTwice",
            DifferenceKind::UnknownToMerchant => "unknownToMerchant",
            DifferenceKind::PaidAfterNotPaid => "paidAfterNotPaid",
            DifferenceKind::Unresolved => "unresolved",
            DifferenceKind::Refunded => "refunded",
        }
    }
}

/// One difference.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Difference {
    /// What kind.
    pub kind: DifferenceKind,
    /// The batch's reference (the merchant's, when the report has none).
    pub batch_reference: Option<String>,
    /// The recipient's reference.
    pub client_reference: String,
    /// The amount in the report, if it is there.
    pub reported: Option<Money>,
    /// The amount the merchant expected, if it expected one.
    pub expected: Option<Money>,
    /// The report's day, if it is there.
    pub day: Option<NaiveDate>,
}

impl std::fmt::Debug for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Difference")
            .field("kind", &self.kind)
            .field("reported", &self.reported)
            .field("expected", &self.expected)
            .field("day", &self.day)
            .finish_non_exhaustive()
    }
}

/// The totals of one day in one currency, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DayTotals {
    /// The day.
    pub day: Option<NaiveDate>,
    /// The currency's code.
    pub currency: String,
    /// Payments in the report.
    pub payments: u64,
    /// Their sum.
    pub paid: u128,
    /// Refunds in the report, and their sum.
    pub refunds: u64,
    /// The refunds' sum.
    pub refunded: u128,
    /// Differences found (of a merchant's recipient not in the report: by
    /// the day `None`).
    pub differences: u64,
}

/// What reconciliation found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reconciliation {
    /// Every difference: the report's in its order, then the merchant's
    /// recipients not in it, in the order given.
    pub differences: Vec<Difference>,
    /// Totals per day and currency, by day.
    pub totals: Vec<DayTotals>,
    /// Transactions read from the report.
    pub reported: u64,
    /// Recipients the merchant expected.
    pub expected: u64,
}

impl Reconciliation {
    /// Whether the report and the merchant agree.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }

    /// How many differences of each kind.
    pub fn counts(&self) -> BTreeMap<DifferenceKind, usize> {
        let mut counts = BTreeMap::new();
        for difference in &self.differences {
            *counts.entry(difference.kind).or_default() += 1;
        }
        counts
    }
}

/// Reconciles a report with the merchant's view, a transaction at a time.
#[derive(Debug)]
pub struct Reconciler {
    expectations: Vec<Expectation>,
    /// Payments seen per expectation.
    seen: Vec<u32>,
    /// Expectations by recipient reference; the batch picks among them (an
    /// OCR report has none: the first not yet paid).
    by_client: HashMap<String, Vec<usize>>,
    differences: Vec<Difference>,
    /// By day (recipients not in the report last) and currency.
    totals: BTreeMap<(bool, Option<NaiveDate>, &'static str), DayTotals>,
    reported: u64,
}

impl Reconciler {
    /// A reconciler of the merchant's `expectations`. A recipient expected
    /// twice counts once (the first).
    pub fn new(expectations: impl IntoIterator<Item = Expectation>) -> Self {
        let mut kept: Vec<Expectation> = Vec::new();
        let mut by_client: HashMap<String, Vec<usize>> = HashMap::new();
        for expectation in expectations {
            let same = by_client
                .entry(expectation.client_reference.clone())
                .or_default();
            if same
                .iter()
                .any(|&index| kept[index].batch_reference == expectation.batch_reference)
            {
                continue;
            }
            same.push(kept.len());
            kept.push(expectation);
        }
        Self {
            seen: vec![0; kept.len()],
            expectations: kept,
            by_client,
            differences: Vec::new(),
            totals: BTreeMap::new(),
            reported: 0,
        }
    }

    /// The expectation `settled` belongs to: by batch and recipient, or for
    /// a report without batch references by the recipient alone (the first
    /// not yet paid of those with that reference).
    fn find(&self, settled: &Settled) -> Option<usize> {
        let mut candidates = self
            .by_client
            .get(&settled.client_reference)?
            .iter()
            .copied();
        match &settled.batch_reference {
            Some(batch) => {
                candidates.find(|&index| self.expectations[index].batch_reference == *batch)
            }
            None => candidates
                .clone()
                .find(|&index| self.seen[index] == 0)
                .or_else(|| candidates.next()),
        }
    }

    /// Holds one transaction of the report against the expectations.
    pub fn record(&mut self, settled: &Settled) {
        self.reported += 1;
        let found = self.find(settled);
        let totals = self.day(Some(settled.day), settled.amount.currency_code());
        let amount = u128::from(settled.amount.minor_units());
        if settled.refund {
            totals.refunds += 1;
            totals.refunded += amount;
        } else {
            totals.payments += 1;
            totals.paid += amount;
        }
        let mut kinds = Vec::new();
        match found {
            None => kinds.push(DifferenceKind::UnknownToMerchant),
            Some(index) if settled.refund => {
                if !self.expectations[index].refunded {
                    kinds.push(DifferenceKind::Refunded);
                }
            }
            Some(index) => {
                self.seen[index] += 1;
                let expected = &self.expectations[index];
                if self.seen[index] > 1 {
                    kinds.push(DifferenceKind::PaidTwice);
                } else {
                    if expected.amount != settled.amount {
                        kinds.push(DifferenceKind::AmountDiffers);
                    }
                    if expected.outcome == ExpectedOutcome::NotPaid {
                        kinds.push(DifferenceKind::PaidAfterNotPaid);
                    }
                    if !expected.shipped && !expected.refunded {
                        kinds.push(DifferenceKind::PaidNotShipped);
                    }
                }
            }
        }
        self.day(Some(settled.day), settled.amount.currency_code())
            .differences += kinds.len() as u64;
        for kind in kinds {
            let expected = found.map(|index| &self.expectations[index]);
            self.differences.push(Difference {
                kind,
                batch_reference: settled
                    .batch_reference
                    .clone()
                    .or_else(|| expected.map(|e| e.batch_reference.clone())),
                client_reference: settled.client_reference.clone(),
                reported: Some(settled.amount),
                expected: expected.map(|e| e.amount),
                day: Some(settled.day),
            });
        }
    }

    fn day(&mut self, day: Option<NaiveDate>, currency: &'static str) -> &mut DayTotals {
        self.totals
            .entry((day.is_none(), day, currency))
            .or_insert_with(|| DayTotals {
                day,
                currency: currency.to_string(),
                ..DayTotals::default()
            })
    }

    /// The differences, once the whole report was read.
    pub fn finish(mut self) -> Reconciliation {
        let expectations = std::mem::take(&mut self.expectations);
        for (index, expected) in expectations.iter().enumerate() {
            if self.seen[index] > 0 {
                continue;
            }
            let kind = if expected.shipped && !expected.refunded {
                DifferenceKind::ShippedNotInReport
            } else {
                match expected.outcome {
                    ExpectedOutcome::Paid if !expected.refunded => DifferenceKind::PaidNotInReport,
                    ExpectedOutcome::Unresolved => DifferenceKind::Unresolved,
                    _ => continue,
                }
            };
            self.differences.push(Difference {
                kind,
                batch_reference: Some(expected.batch_reference.clone()),
                client_reference: expected.client_reference.clone(),
                reported: None,
                expected: Some(expected.amount),
                day: None,
            });
            self.day(None, expected.amount.currency_code()).differences += 1;
        }
        Reconciliation {
            differences: self.differences,
            totals: self.totals.into_values().collect(),
            reported: self.reported,
            expected: u64::try_from(expectations.len()).unwrap_or(u64::MAX),
        }
    }
}

/// Reconciles `report` with the merchant's `expectations`.
///
/// ```
/// use chrono::NaiveDate;
/// use nordpay::money::Money;
/// use nordpay::puzzel_pay::report::{
///     reconcile, CsvReader, DifferenceKind, ExpectedOutcome, Expectation, Settled,
/// };
///
/// let report = "march;inv-1;+4799999999;10000;NOK;PCGW;1;02.03.2027 10:20:20;755\n";
/// let records: Vec<_> = CsvReader::new(report.as_bytes()).collect::<Result<_, _>>().unwrap();
/// let nok = |minor| Money::new("NOK", minor).unwrap();
/// let found = reconcile(
///     records.iter().map(Settled::from),
///     [
///         Expectation::new("march", "inv-1", nok(10_000), false, ExpectedOutcome::Paid),
///         Expectation::new("march", "inv-2", nok(5_000), true, ExpectedOutcome::Paid),
///     ],
/// );
/// let kinds: Vec<_> = found.differences.iter().map(|d| d.kind).collect();
/// assert_eq!(kinds, [DifferenceKind::PaidNotShipped, DifferenceKind::ShippedNotInReport]);
/// ```
pub fn reconcile(
    report: impl IntoIterator<Item = Settled>,
    expectations: impl IntoIterator<Item = Expectation>,
) -> Reconciliation {
    let mut reconciler = Reconciler::new(expectations);
    for settled in report {
        reconciler.record(&settled);
    }
    reconciler.finish()
}

/// Reads a merchant's expectations: a JSON array of [`Expectation`]s, or
/// lines of `batchReference;clientReference;amount;currency;shipped;outcome`
/// (amount in minor units as in the report, `shipped` `true` or `false`,
/// `outcome` `paid`, `notPaid` or `unresolved`, an optional seventh field
/// `refunded`; a first line naming the fields is skipped).
pub fn read_expectations(mut input: impl BufRead) -> Result<Vec<Expectation>, FileError> {
    let starts_json = loop {
        let buffer = input.fill_buf()?;
        match buffer.iter().position(|byte| !byte.is_ascii_whitespace()) {
            Some(at) => break buffer[at] == b'[',
            None if buffer.is_empty() => return Ok(Vec::new()),
            None => {
                let length = buffer.len();
                input.consume(length);
            }
        }
    };
    if starts_json {
        return serde_json::from_reader(input).map_err(|error| FileError::Malformed {
            line: u64::try_from(error.line()).unwrap_or(u64::MAX),
            field: "expectations",
            problem: "not a JSON array of expectations",
        });
    }
    let mut expectations = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let number = u64::try_from(index).unwrap_or(u64::MAX) + 1;
        let line = line?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() || (number == 1 && line.starts_with("batchReference")) {
            continue;
        }
        expectations.push(expectation(line, number)?);
    }
    Ok(expectations)
}

fn expectation(line: &str, number: u64) -> Result<Expectation, FileError> {
    let malformed = |field, problem| FileError::malformed(number, field, problem);
    let fields: Vec<&str> = line.split(';').collect();
    if !(6..=7).contains(&fields.len()) {
        return Err(malformed("expectation", "not six or seven fields"));
    }
    let flag = |index: usize, field| match fields.get(index).copied() {
        Some("true") => Ok(true),
        Some("false") | None => Ok(false),
        Some(_) => Err(malformed(field, "not true or false")),
    };
    let minor = fields[2]
        .parse()
        .map_err(|_| malformed("amount", "not a whole number of minor units"))?;
    let amount = Money::new(fields[3], minor)
        .map_err(|_| malformed("currency", "not an ISO 4217 currency code"))?;
    let outcome = match fields[5] {
        "paid" => ExpectedOutcome::Paid,
        "notPaid" => ExpectedOutcome::NotPaid,
        "unresolved" => ExpectedOutcome::Unresolved,
        _ => return Err(malformed("outcome", "not paid, notPaid or unresolved")),
    };
    if fields[0].is_empty() || fields[1].is_empty() {
        return Err(malformed("reference", "empty"));
    }
    Ok(Expectation {
        batch_reference: fields[0].to_string(),
        client_reference: fields[1].to_string(),
        amount,
        shipped: flag(4, "shipped")?,
        outcome,
        refunded: flag(6, "refunded")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nok(minor: u64) -> Money {
        Money::new("NOK", minor).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn paid(batch: Option<&str>, client: &str, amount: Money, on: &str) -> Settled {
        Settled {
            batch_reference: batch.map(str::to_string),
            client_reference: client.to_string(),
            amount,
            day: day(on),
            refund: false,
        }
    }

    #[test]
    fn every_kind_of_difference_is_found_once_and_agreement_is_none() {
        let expectations = [
            Expectation::new("b", "ok", nok(100), true, ExpectedOutcome::Paid),
            Expectation::new("b", "not-shipped", nok(100), false, ExpectedOutcome::Paid),
            Expectation::new(
                "b",
                "shipped-unpaid",
                nok(100),
                true,
                ExpectedOutcome::Unresolved,
            ),
            Expectation::new("b", "status-paid", nok(100), false, ExpectedOutcome::Paid),
            Expectation::new("b", "wrong-amount", nok(100), true, ExpectedOutcome::Paid),
            Expectation::new("b", "twice", nok(100), true, ExpectedOutcome::Paid),
            Expectation::new("b", "late", nok(100), true, ExpectedOutcome::NotPaid),
            Expectation::new("b", "open", nok(100), false, ExpectedOutcome::Unresolved),
            Expectation::new("b", "refund", nok(100), true, ExpectedOutcome::Paid),
            Expectation::new("b", "failed", nok(100), false, ExpectedOutcome::NotPaid),
        ];
        let mut refund = paid(None, "refund", nok(100), "2027-03-02");
        refund.refund = true;
        let report = [
            paid(Some("b"), "ok", nok(100), "2027-03-01"),
            paid(Some("b"), "not-shipped", nok(100), "2027-03-01"),
            paid(
                Some("b"),
                "wrong-amount",
                Money::new("SEK", 100).unwrap(),
                "2027-03-01",
            ),
            paid(Some("b"), "twice", nok(100), "2027-03-01"),
            paid(Some("b"), "twice", nok(100), "2027-03-02"),
            paid(Some("b"), "late", nok(100), "2027-03-02"),
            paid(Some("other"), "ok", nok(100), "2027-03-02"),
            paid(None, "refund", nok(100), "2027-03-02"),
            refund,
        ];
        let found = reconcile(report, expectations);
        let kinds: Vec<(DifferenceKind, &str)> = found
            .differences
            .iter()
            .map(|d| (d.kind, d.client_reference.as_str()))
            .collect();
        use DifferenceKind::*;
        assert_eq!(
            kinds,
            [
                (PaidNotShipped, "not-shipped"),
                (AmountDiffers, "wrong-amount"),
                (PaidTwice, "twice"),
                (PaidAfterNotPaid, "late"),
                (UnknownToMerchant, "ok"),
                (Refunded, "refund"),
                (ShippedNotInReport, "shipped-unpaid"),
                (PaidNotInReport, "status-paid"),
                (Unresolved, "open"),
            ]
        );
        // The OCR payment without a batch reference found its recipient.
        assert_eq!(found.differences[5].batch_reference.as_deref(), Some("b"));
        assert_eq!((found.reported, found.expected), (9, 10));
        let first = &found.totals[0];
        assert_eq!(
            (
                first.day,
                first.currency.as_str(),
                first.payments,
                first.paid
            ),
            (Some(day("2027-03-01")), "NOK", 3, 300)
        );
        let second = found
            .totals
            .iter()
            .find(|t| t.day == Some(day("2027-03-02")) && t.currency == "NOK")
            .unwrap();
        assert_eq!(
            (second.payments, second.refunds, second.refunded),
            (4, 1, 100)
        );
        // References never in Debug.
        assert!(!format!("{found:?}").contains("not-shipped"));
        let clean = reconcile(
            [paid(Some("b"), "ok", nok(100), "2027-03-01")],
            [Expectation::new(
                "b",
                "ok",
                nok(100),
                true,
                ExpectedOutcome::Paid,
            )],
        );
        assert!(clean.is_clean(), "{clean:?}");
    }

    #[test]
    fn each_kind_is_named_in_json_as_serde_names_it() {
        for kind in DifferenceKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
            assert!(kind.advice().ends_with('.'));
        }
    }

    #[test]
    fn expectations_read_from_json_or_lines_alike() {
        let json = r#"[
            {"batchReference": "b", "clientReference": "r1", "amount": "NOK 100.00",
             "shipped": true, "outcome": "paid"},
            {"batchReference": "b", "clientReference": "r2", "amount": "NOK 5.00",
             "shipped": false, "outcome": "notPaid", "refunded": true}
        ]"#;
        let lines = "batchReference;clientReference;amount;currency;shipped;outcome;refunded\n\
                     b;r1;10000;NOK;true;paid\r\n\
                     b;r2;500;NOK;false;notPaid;true\n";
        let from_json = read_expectations(json.as_bytes()).unwrap();
        assert_eq!(from_json, read_expectations(lines.as_bytes()).unwrap());
        assert_eq!(from_json[1].amount, nok(500));
        assert!(from_json[1].refunded);
        let bad = read_expectations("b;r1;ten;NOK;true;paid\n".as_bytes()).unwrap_err();
        assert!(
            matches!(
                bad,
                FileError::Malformed {
                    line: 1,
                    field: "amount",
                    ..
                }
            ),
            "{bad}"
        );
        assert!(read_expectations("[{\"batchReference\": 1}]".as_bytes()).is_err());
        assert!(read_expectations("".as_bytes()).unwrap().is_empty());
    }
}
