//! Puzzel Pay's daily settlement reports, and closing the day with them.
//!
//! Every day Puzzel Pay reports the successful transactions of the day
//! before, as CSV (`report_csv.md`: [`CsvReader`], [`write_csv`]) or as
//! NETS OCR giro (`report_ocr.md`: [`OcrReader`], [`OcrWriter`]). Both are
//! read line by line from any [`std::io::BufRead`], or with
//! [`Reader::into_stream`] any tokio `AsyncBufRead`: a year of reports need
//! not fit in memory. [`reconcile`] holds a report against what the
//! merchant's system believes ([`Expectation`]) and names every
//! [`Difference`] by kind.
//!
//! Lenient where the docs allow variation (lines with different numbers of
//! variables, a payment provider or transaction type they do not list),
//! strict where they do not: a malformed line is an error naming its line
//! number and field, never skipped, and the OCR end records' counts and
//! totals are checked. Errors and `Debug` never show a value: the records
//! carry MSISDNs and references.

mod csv;
mod ocr;
mod read;
mod reconcile;

pub use csv::{Csv, CsvReader, write_csv};
pub use ocr::{
    AssignmentEnd, AssignmentStart, Ocr, OcrReader, OcrRecord, OcrTransaction, OcrTransactionType,
    OcrWriter, TransmissionEnd, TransmissionStart,
};
pub use read::{Format, Reader};
pub use reconcile::{
    DayTotals, Difference, DifferenceKind, Expectation, ExpectedOutcome, Reconciler,
    Reconciliation, Settled, read_expectations, reconcile,
};

use chrono::NaiveDateTime;

use crate::money::Money;

pub use super::file_error::FileError;

/// One successful transaction of a report.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportRecord {
    /// The batch's reference.
    pub batch_reference: String,
    /// The recipient's reference.
    pub client_reference: String,
    /// The recipient's MSISDN.
    pub msisdn: String,
    /// The amount and its currency, as in the batch request.
    pub amount: Money,
    /// The payment provider the user chose.
    pub payment_provider: ReportedProvider,
    /// When the payment was made. x-nordpay-inferred: the doc gives no time
    /// zone (`29.05.2017 10:20:20`); Norwegian local time is the likely one,
    /// so it is kept as written.
    pub timestamp: NaiveDateTime,
    /// The payment provider's reference.
    pub external_reference: String,
    /// The recipient's variables, in the order of the line.
    pub variables: Vec<(String, String)>,
}

impl ReportRecord {
    /// A record of a successful transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch_reference: impl Into<String>,
        client_reference: impl Into<String>,
        msisdn: impl Into<String>,
        amount: Money,
        payment_provider: ReportedProvider,
        timestamp: NaiveDateTime,
        external_reference: impl Into<String>,
    ) -> Self {
        Self {
            batch_reference: batch_reference.into(),
            client_reference: client_reference.into(),
            msisdn: msisdn.into(),
            amount,
            payment_provider,
            timestamp,
            external_reference: external_reference.into(),
            variables: Vec::new(),
        }
    }

    /// The same record with `variables`, in order.
    pub fn with_variables(mut self, variables: Vec<(String, String)>) -> Self {
        self.variables = variables;
        self
    }
}

impl std::fmt::Debug for ReportRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // References and MSISDNs are personal data: never shown.
        f.debug_struct("ReportRecord")
            .field("amount", &self.amount)
            .field("payment_provider", &self.payment_provider)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// The payment provider a report names. Open: a name the doc does not list
/// is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportedProvider {
    /// `Direct Pay`: Strex mobile billing.
    DirectPay,
    /// `PCGW`: card payment.
    Pcgw,
    /// `Mobile Banking`.
    MobileBanking,
    /// `SMS`.
    Sms,
    /// `Apple Pay`.
    ApplePay,
    /// `PayPal`.
    PayPal,
    /// A name the doc does not list.
    Other(String),
}

impl ReportedProvider {
    /// The name as the report writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ReportedProvider::DirectPay => "Direct Pay",
            ReportedProvider::Pcgw => "PCGW",
            ReportedProvider::MobileBanking => "Mobile Banking",
            ReportedProvider::Sms => "SMS",
            ReportedProvider::ApplePay => "Apple Pay",
            ReportedProvider::PayPal => "PayPal",
            ReportedProvider::Other(name) => name,
        }
    }

    /// The provider `name` names.
    pub fn from_name(name: &str) -> Self {
        match name {
            "Direct Pay" => ReportedProvider::DirectPay,
            "PCGW" => ReportedProvider::Pcgw,
            "Mobile Banking" => ReportedProvider::MobileBanking,
            "SMS" => ReportedProvider::Sms,
            "Apple Pay" => ReportedProvider::ApplePay,
            "PayPal" => ReportedProvider::PayPal,
            other => ReportedProvider::Other(other.to_string()),
        }
    }
}

/// The name a report gives the provider the API names: the API's numbers
/// for Adyen, Dibs and Vipps (before December 2017) and any it does not
/// list are kept under their API names (x-nordpay-inferred: the report's
/// current values are Direct Pay, PCGW, Mobile Banking, SMS, Apple Pay and
/// PayPal).
impl From<super::PaymentProvider> for ReportedProvider {
    fn from(provider: super::PaymentProvider) -> Self {
        use super::PaymentProvider as Api;
        match provider {
            Api::DirectPayment => ReportedProvider::DirectPay,
            Api::PaymentCard => ReportedProvider::Pcgw,
            Api::MobileBanking => ReportedProvider::MobileBanking,
            Api::Sms => ReportedProvider::Sms,
            Api::ApplePay => ReportedProvider::ApplePay,
            Api::PayPal => ReportedProvider::PayPal,
            Api::Unknown(number) => ReportedProvider::Other(format!("provider {number}")),
            other => ReportedProvider::Other(format!("{other:?}")),
        }
    }
}
