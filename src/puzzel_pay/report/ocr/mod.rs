//! The OCR report (`report_ocr.md`, NETS OCR giro): 80-character records.
//! A transmission's start record, then per assignment its start record, two
//! or three amount items per transaction and its end record, then the
//! transmission's end record. The end records' counts and totals are
//! checked against the records read.
//!
//! x-nordpay-inferred: amounts are in øre of NOK (the doc says "LMU (i.e.,
//! øre for NOK)", and OCR giro is Norwegian); the customer reference (KID)
//! is the recipient's clientReference; fields the doc marks "not in use" are
//! not checked.

mod reader;
mod writer;

pub use reader::{Ocr, OcrReader};
pub use writer::OcrWriter;

use chrono::NaiveDate;
use iso_currency::Currency;

use crate::money::Money;

/// The record length.
pub(super) const WIDTH: usize = 80;
/// How dates are written (`181217`).
pub(super) const DATE: &str = "%d%m%y";

/// One record of an OCR report; a transaction's amount items are read
/// as one [`OcrTransaction`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OcrRecord {
    /// "Start record for transmission" (record type 10).
    TransmissionStart(TransmissionStart),
    /// "Start record for assignment" (record type 20).
    AssignmentStart(AssignmentStart),
    /// Amount items 1, 2 and (for types 20 and 21) 3 (record types 30–32).
    Transaction(OcrTransaction),
    /// "End record for assignment" (record type 88), its sums checked.
    AssignmentEnd(AssignmentEnd),
    /// "End record for transmission" (record type 89), its sums checked.
    TransmissionEnd(TransmissionEnd),
}

/// "Start record for transmission".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransmissionStart {
    /// Nets' id (8 digits, `00008080`).
    pub data_transmitter: String,
    /// The day (`dmy`) and a sequence number 1–9 (7 digits, `1812171`).
    pub transmission_number: String,
    /// The customer's id (8 digits).
    pub data_recipient: String,
}

impl TransmissionStart {
    /// A start record; values are checked when written.
    pub fn new(
        data_transmitter: impl Into<String>,
        transmission_number: impl Into<String>,
        data_recipient: impl Into<String>,
    ) -> Self {
        Self {
            data_transmitter: data_transmitter.into(),
            transmission_number: transmission_number.into(),
            data_recipient: data_recipient.into(),
        }
    }
}

/// "Start record for assignment".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssignmentStart {
    /// The customer's agreement id (9 digits).
    pub agreement_id: String,
    /// The assignment's serial number in the transmission.
    pub assignment_number: u32,
    /// The payee's account number (11 digits).
    pub assignment_account: String,
}

impl AssignmentStart {
    /// A start record; values are checked when written.
    pub fn new(
        agreement_id: impl Into<String>,
        assignment_number: u32,
        assignment_account: impl Into<String>,
    ) -> Self {
        Self {
            agreement_id: agreement_id.into(),
            assignment_number,
            assignment_account: assignment_account.into(),
        }
    }
}

/// The kind of a transaction. Open: a code the doc does not list is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OcrTransactionType {
    /// 10: transaction from giro debited account.
    GiroDebited,
    /// 19: purchase with KID.
    PurchaseWithKid,
    /// 20: refund with free text (amount item 3 follows).
    RefundWithText,
    /// 21: purchase with free text (amount item 3 follows).
    PurchaseWithText,
    /// Another two-digit code.
    Other(u8),
}

impl OcrTransactionType {
    /// The two-digit code.
    pub fn code(self) -> u8 {
        match self {
            OcrTransactionType::GiroDebited => 10,
            OcrTransactionType::PurchaseWithKid => 19,
            OcrTransactionType::RefundWithText => 20,
            OcrTransactionType::PurchaseWithText => 21,
            OcrTransactionType::Other(code) => code,
        }
    }

    /// The type of `code`.
    pub fn from_code(code: u8) -> Self {
        match code {
            10 => OcrTransactionType::GiroDebited,
            19 => OcrTransactionType::PurchaseWithKid,
            20 => OcrTransactionType::RefundWithText,
            21 => OcrTransactionType::PurchaseWithText,
            other => OcrTransactionType::Other(other),
        }
    }

    /// Whether it gives money back.
    pub fn is_refund(self) -> bool {
        self == OcrTransactionType::RefundWithText
    }

    /// Whether amount item 3 (free text) belongs to it.
    pub(super) fn has_text(self) -> bool {
        matches!(
            self,
            OcrTransactionType::RefundWithText | OcrTransactionType::PurchaseWithText
        )
    }
}

/// A transaction: its amount items 1, 2 and 3 tied together by their
/// transaction number.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcrTransaction {
    /// The transaction type (all items carry it).
    pub transaction_type: OcrTransactionType,
    /// The sequence number in the assignment.
    pub number: u32,
    /// The PSP processing date (item 1).
    pub date: NaiveDate,
    /// The amount (item 1), in NOK.
    pub amount: Money,
    /// The customer reference, often a KID (item 1; blanks trimmed).
    pub customer_reference: String,
    /// The bank date (item 2; Puzzel writes the processing date).
    pub bank_date: NaiveDate,
    /// The form number (item 2, 10 digits; Puzzel writes zeros).
    pub form_number: String,
    /// The agreement id or archive reference (item 2, 9 digits; zeros).
    pub archive_reference: String,
    /// The debit account (item 2, 11 digits; zeros: Puzzel does not know
    /// the payer's account).
    pub debit_account: String,
    /// The free text (item 3; blanks trimmed). `None` without item 3.
    pub free_text: Option<String>,
}

impl OcrTransaction {
    /// A transaction of `amount` øre on `date`, as Puzzel writes one: the
    /// bank date the same, the unused fields zeros, item 3 (blank) for
    /// types 20 and 21.
    pub fn new(
        transaction_type: OcrTransactionType,
        number: u32,
        date: NaiveDate,
        amount: u64,
        customer_reference: impl Into<String>,
    ) -> Self {
        Self {
            transaction_type,
            number,
            date,
            amount: Money::from_currency(Currency::NOK, amount),
            customer_reference: customer_reference.into(),
            bank_date: date,
            form_number: "0".repeat(10),
            archive_reference: "0".repeat(9),
            debit_account: "0".repeat(11),
            free_text: transaction_type.has_text().then(String::new),
        }
    }
}

impl std::fmt::Debug for OcrTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The reference and free text may be personal: never shown.
        f.debug_struct("OcrTransaction")
            .field("transaction_type", &self.transaction_type)
            .field("number", &self.number)
            .field("date", &self.date)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// "End record for assignment".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssignmentEnd {
    /// Transactions in the assignment.
    pub transactions: u64,
    /// Records in the assignment, its start and end records included.
    pub records: u64,
    /// The absolute sum of its amounts (refunds not deducted).
    pub total: Money,
    /// When the assignment was made.
    pub date: NaiveDate,
    /// The earliest processing date of its transactions.
    pub earliest: NaiveDate,
    /// The latest processing date of its transactions.
    pub latest: NaiveDate,
}

/// "End record for transmission".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransmissionEnd {
    /// Transactions in the transmission.
    pub transactions: u64,
    /// Records in the transmission, every start and end record included.
    pub records: u64,
    /// The absolute sum of its amounts (refunds not deducted).
    pub total: Money,
    /// When it was made.
    pub date: NaiveDate,
}

/// Counts of records and amounts, to hold end records to.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Sums {
    transactions: u64,
    records: u64,
    amount: u64,
}

impl Sums {
    pub(super) fn record(&mut self) {
        self.records += 1;
    }

    pub(super) fn add(&mut self, transaction: &OcrTransaction) -> Result<(), &'static str> {
        self.transactions += 1;
        self.records += 2 + u64::from(transaction.free_text.is_some());
        self.amount = self
            .amount
            .checked_add(transaction.amount.minor_units())
            .ok_or("the sum of amounts is too large")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
