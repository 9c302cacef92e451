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

use std::collections::VecDeque;
use std::io::Write;

use chrono::NaiveDate;
use iso_currency::Currency;

use super::FileError;
use super::read::{Format, Reader};
use crate::money::Money;

/// The record length.
const WIDTH: usize = 80;
/// How dates are written (`181217`).
const DATE: &str = "%d%m%y";

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
    fn has_text(self) -> bool {
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
struct Sums {
    transactions: u64,
    records: u64,
    amount: u64,
}

impl Sums {
    fn record(&mut self) {
        self.records += 1;
    }

    fn add(&mut self, transaction: &OcrTransaction) -> Result<(), &'static str> {
        self.transactions += 1;
        self.records += 2 + u64::from(transaction.free_text.is_some());
        self.amount = self
            .amount
            .checked_add(transaction.amount.minor_units())
            .ok_or("the sum of amounts is too large")?;
        Ok(())
    }
}

/// Where the reader is in the file.
#[derive(Debug, Default)]
enum State {
    /// Before the transmission's start record.
    #[default]
    Start,
    /// Between assignments.
    Transmission,
    /// In an assignment (a transaction may be held for its item 3).
    Assignment,
    /// After the transmission's end record.
    Ended,
}

/// The OCR format: records of 80 characters, read into [`OcrRecord`]s.
#[derive(Debug, Default)]
pub struct Ocr {
    state: State,
    /// Amount item 1 read, item 2 not yet.
    first: Option<OcrTransaction>,
    /// Items 1 and 2 read; item 3 may follow.
    held: Option<OcrTransaction>,
    assignment: Sums,
    transmission: Sums,
    /// The earliest and latest processing date in the assignment.
    dates: Option<(NaiveDate, NaiveDate)>,
}

impl super::read::private::Sealed for Ocr {}

/// The records of an OCR report, read as they are asked for.
pub type OcrReader<R> = Reader<R, Ocr>;

type Out = VecDeque<Result<OcrRecord, FileError>>;

/// Fixed-width fields of one record, by character.
struct Columns<'a> {
    text: &'a str,
    /// Byte offsets of the characters (none when the text is ASCII).
    starts: Vec<usize>,
    number: u64,
}

impl<'a> Columns<'a> {
    fn new(text: &'a str, number: u64) -> Result<Self, FileError> {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(at, _)| at)
                .chain([text.len()])
                .collect()
        };
        let width = if text.is_ascii() {
            text.len()
        } else {
            starts.len() - 1
        };
        let columns = Self {
            text,
            starts,
            number,
        };
        if width != WIDTH {
            return Err(columns.malformed("record", "not 80 characters"));
        }
        Ok(columns)
    }

    fn malformed(&self, field: &'static str, problem: &'static str) -> FileError {
        FileError::Malformed {
            line: self.number,
            field,
            problem,
        }
    }

    /// Characters `from..from + width` (from 0).
    fn text(&self, from: usize, width: usize) -> &'a str {
        if self.starts.is_empty() {
            &self.text[from..from + width]
        } else {
            &self.text[self.starts[from]..self.starts[from + width]]
        }
    }

    fn digits(&self, from: usize, width: usize, field: &'static str) -> Result<&'a str, FileError> {
        let text = self.text(from, width);
        if text.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(text)
        } else {
            Err(self.malformed(field, "not digits"))
        }
    }

    fn number(&self, from: usize, width: usize, field: &'static str) -> Result<u64, FileError> {
        self.digits(from, width, field)?
            .parse()
            .map_err(|_| self.malformed(field, "not digits"))
    }

    fn date(&self, from: usize, field: &'static str) -> Result<NaiveDate, FileError> {
        NaiveDate::parse_from_str(self.digits(from, 6, field)?, DATE)
            .map_err(|_| self.malformed(field, "not a date as DDMMYY"))
    }

    fn nok(&self, from: usize, field: &'static str) -> Result<Money, FileError> {
        Ok(Money::from_currency(
            Currency::NOK,
            self.number(from, 17, field)?,
        ))
    }
}

impl Ocr {
    fn record(&mut self, columns: &Columns<'_>, out: &mut Out) -> Result<(), FileError> {
        if columns.text(0, 2) != "NY" {
            return Err(columns.malformed("format code", "not NY"));
        }
        let record_type = columns.text(6, 2);
        if record_type != "31" && self.first.take().is_some() {
            out.push_back(Err(
                columns.malformed("record type", "amount item 1 without item 2")
            ));
        }
        // A held transaction ends at any record but its own item 3.
        if record_type != "32" {
            self.release(columns, out)?;
        }
        match (&self.state, record_type) {
            (State::Start, "10") => {
                out.push_back(Ok(OcrRecord::TransmissionStart(TransmissionStart {
                    data_transmitter: columns.digits(8, 8, "data transmitter")?.to_string(),
                    transmission_number: columns.digits(16, 7, "transmission number")?.to_string(),
                    data_recipient: columns.digits(23, 8, "data recipient")?.to_string(),
                })));
                self.state = State::Transmission;
                self.transmission = Sums {
                    records: 1,
                    ..Sums::default()
                };
            }
            (State::Transmission, "20") => {
                let start = AssignmentStart {
                    agreement_id: columns.digits(8, 9, "agreement id")?.to_string(),
                    assignment_number: u32::try_from(columns.number(17, 7, "assignment number")?)
                        .map_err(|_| {
                        columns.malformed("assignment number", "too large")
                    })?,
                    assignment_account: columns.digits(24, 11, "assignment account")?.to_string(),
                };
                self.state = State::Assignment;
                self.transmission.record();
                self.assignment = Sums {
                    records: 1,
                    ..Sums::default()
                };
                self.dates = None;
                out.push_back(Ok(OcrRecord::AssignmentStart(start)));
            }
            (State::Assignment, "30") => {
                let date = columns.date(15, "date")?;
                self.first = Some(OcrTransaction {
                    transaction_type: transaction_type(columns)?,
                    number: transaction_number(columns)?,
                    date,
                    amount: columns.nok(32, "amount")?,
                    customer_reference: columns.text(49, 25).trim().to_string(),
                    bank_date: date,
                    form_number: String::new(),
                    archive_reference: String::new(),
                    debit_account: String::new(),
                    free_text: None,
                });
            }
            (State::Assignment, "31") => {
                let Some(mut transaction) = self.first.take() else {
                    return Err(columns.malformed("record type", "amount item 2 without item 1"));
                };
                same_transaction(columns, &transaction)?;
                transaction.form_number = columns.digits(15, 10, "form number")?.to_string();
                transaction.archive_reference =
                    columns.digits(25, 9, "archive reference")?.to_string();
                transaction.bank_date = columns.date(41, "bank date")?;
                transaction.debit_account = columns.digits(47, 11, "debit account")?.to_string();
                self.held = Some(transaction);
            }
            (State::Assignment, "32") => {
                let Some(mut transaction) = self.held.take() else {
                    return Err(
                        columns.malformed("record type", "amount item 3 without items 1 and 2")
                    );
                };
                same_transaction(columns, &transaction)?;
                transaction.free_text = Some(columns.text(15, 40).trim().to_string());
                self.held = Some(transaction);
            }
            (State::Assignment, "88") => {
                self.assignment.record();
                self.transmission.record();
                let end = AssignmentEnd {
                    transactions: columns.number(8, 8, "number of transactions")?,
                    records: columns.number(16, 8, "number of records")?,
                    total: columns.nok(24, "total amount")?,
                    date: columns.date(41, "date")?,
                    earliest: columns.date(47, "earliest date")?,
                    latest: columns.date(53, "latest date")?,
                };
                self.state = State::Transmission;
                check(
                    columns,
                    &self.assignment,
                    end.transactions,
                    end.records,
                    &end.total,
                )?;
                out.push_back(Ok(OcrRecord::AssignmentEnd(end)));
            }
            (State::Transmission, "89") => {
                self.transmission.record();
                let end = TransmissionEnd {
                    transactions: columns.number(8, 8, "number of transactions")?,
                    records: columns.number(16, 8, "number of records")?,
                    total: columns.nok(24, "total amount")?,
                    date: columns.date(41, "date")?,
                };
                self.state = State::Ended;
                check(
                    columns,
                    &self.transmission,
                    end.transactions,
                    end.records,
                    &end.total,
                )?;
                out.push_back(Ok(OcrRecord::TransmissionEnd(end)));
            }
            (_, "10" | "20" | "30" | "31" | "32" | "88" | "89") => {
                return Err(columns.malformed("record type", "out of its place"));
            }
            _ => return Err(columns.malformed("record type", "not a record type the doc lists")),
        }
        Ok(())
    }

    /// Counts a transaction whose items are all read, and gives it out.
    fn release(&mut self, columns: &Columns<'_>, out: &mut Out) -> Result<(), FileError> {
        let Some(transaction) = self.held.take() else {
            return Ok(());
        };
        let sums = self
            .assignment
            .add(&transaction)
            .and_then(|()| self.transmission.add(&transaction));
        if let Err(problem) = sums {
            return Err(columns.malformed("amount", problem));
        }
        let date = transaction.date;
        self.dates = Some(match self.dates {
            Some((earliest, latest)) => (earliest.min(date), latest.max(date)),
            None => (date, date),
        });
        out.push_back(Ok(OcrRecord::Transaction(transaction)));
        Ok(())
    }
}

fn transaction_type(columns: &Columns<'_>) -> Result<OcrTransactionType, FileError> {
    let code = columns.number(4, 2, "transaction type")?;
    Ok(OcrTransactionType::from_code(
        u8::try_from(code).unwrap_or(u8::MAX),
    ))
}

fn transaction_number(columns: &Columns<'_>) -> Result<u32, FileError> {
    u32::try_from(columns.number(8, 7, "transaction number")?)
        .map_err(|_| columns.malformed("transaction number", "too large"))
}

/// An amount item 2 or 3 belongs to the transaction before it.
fn same_transaction(columns: &Columns<'_>, transaction: &OcrTransaction) -> Result<(), FileError> {
    if transaction_number(columns)? != transaction.number {
        return Err(columns.malformed("transaction number", "not the number of the item before"));
    }
    if transaction_type(columns)? != transaction.transaction_type {
        return Err(columns.malformed("transaction type", "not the type of the item before"));
    }
    Ok(())
}

/// An end record's control sums against what was read.
fn check(
    columns: &Columns<'_>,
    read: &Sums,
    transactions: u64,
    records: u64,
    total: &Money,
) -> Result<(), FileError> {
    let differs = "differs from the records read";
    if transactions != read.transactions {
        return Err(columns.malformed("number of transactions", differs));
    }
    if records != read.records {
        return Err(columns.malformed("number of records", differs));
    }
    if total.minor_units() != read.amount {
        return Err(columns.malformed("total amount", differs));
    }
    Ok(())
}

impl Format for Ocr {
    type Item = OcrRecord;

    fn line(&mut self, text: &str, number: u64, out: &mut Out) {
        let result = Columns::new(text, number).and_then(|columns| self.record(&columns, out));
        if let Err(error) = result {
            out.push_back(Err(error));
        }
    }

    fn end(&mut self, last: u64, out: &mut Out) {
        if !matches!(self.state, State::Ended) {
            out.push_back(Err(FileError::Malformed {
                line: last + 1,
                field: "record type",
                problem: "the file ends before the end record for transmission",
            }));
        }
    }
}

/// Writes an OCR report a transaction at a time; the end records' counts,
/// totals and dates are computed from what was written.
#[derive(Debug)]
pub struct OcrWriter<W: Write> {
    output: W,
    assignment: Option<Sums>,
    transmission: Sums,
    dates: Option<(NaiveDate, NaiveDate)>,
}

impl<W: Write> OcrWriter<W> {
    /// Starts the transmission.
    pub fn new(mut output: W, start: &TransmissionStart) -> Result<Self, FileError> {
        let line = format!(
            "NY000010{}{}{}{}",
            digits(&start.data_transmitter, 8, "data transmitter")?,
            digits(&start.transmission_number, 7, "transmission number")?,
            digits(&start.data_recipient, 8, "data recipient")?,
            "0".repeat(49),
        );
        put(&mut output, &line)?;
        let mut transmission = Sums::default();
        transmission.record();
        Ok(Self {
            output,
            assignment: None,
            transmission,
            dates: None,
        })
    }

    /// Starts an assignment (ending the one before, if open, is the
    /// caller's: see [`end_assignment`](Self::end_assignment)).
    pub fn start_assignment(&mut self, start: &AssignmentStart) -> Result<(), FileError> {
        if self.assignment.is_some() {
            return Err(unwritable(
                "record type",
                "the assignment before is not ended",
            ));
        }
        let line = format!(
            "NY090020{}{:07}{}{}",
            digits(&start.agreement_id, 9, "agreement id")?,
            start.assignment_number,
            digits(&start.assignment_account, 11, "assignment account")?,
            "0".repeat(45),
        );
        if start.assignment_number > 9_999_999 {
            return Err(unwritable("assignment number", "more than 7 digits"));
        }
        put(&mut self.output, &line)?;
        let mut sums = Sums::default();
        sums.record();
        self.transmission.record();
        self.assignment = Some(sums);
        self.dates = None;
        Ok(())
    }

    /// Writes a transaction's amount items (item 3 when it has free text).
    pub fn transaction(&mut self, transaction: &OcrTransaction) -> Result<(), FileError> {
        let Some(sums) = self.assignment.as_mut() else {
            return Err(unwritable(
                "record type",
                "a transaction outside an assignment",
            ));
        };
        if transaction.amount.currency() != Currency::NOK {
            return Err(unwritable("amount", "not NOK"));
        }
        if transaction.amount.minor_units() > 99_999_999_999_999_999 {
            return Err(unwritable("amount", "more than 17 digits"));
        }
        if transaction.number > 9_999_999 {
            return Err(unwritable("transaction number", "more than 7 digits"));
        }
        let code = transaction.transaction_type.code();
        if code > 99 {
            return Err(unwritable("transaction type", "more than 2 digits"));
        }
        let reference = fits(&transaction.customer_reference, 25, "customer reference")?;
        let head = |record: &str| format!("NY09{code:02}{record}{:07}", transaction.number);
        let first = format!(
            "{}{}00000000000{:017}{reference:>25}000000",
            head("30"),
            transaction.date.format(DATE),
            transaction.amount.minor_units(),
        );
        let second = format!(
            "{}{}{}0000000{}{}{}",
            head("31"),
            digits(&transaction.form_number, 10, "form number")?,
            digits(&transaction.archive_reference, 9, "archive reference")?,
            transaction.bank_date.format(DATE),
            digits(&transaction.debit_account, 11, "debit account")?,
            "0".repeat(22),
        );
        let third = match &transaction.free_text {
            Some(_) if !transaction.transaction_type.has_text() => {
                return Err(unwritable(
                    "free text",
                    "amount item 3 is for types 20 and 21 only",
                ));
            }
            Some(text) => Some(format!(
                "{}{:<40}{}",
                head("32"),
                fits(text, 40, "free text")?,
                "0".repeat(25)
            )),
            None => None,
        };
        sums.add(transaction)
            .map_err(|problem| unwritable("amount", problem))?;
        self.transmission
            .add(transaction)
            .map_err(|problem| unwritable("amount", problem))?;
        let date = transaction.date;
        self.dates = Some(match self.dates {
            Some((earliest, latest)) => (earliest.min(date), latest.max(date)),
            None => (date, date),
        });
        put(&mut self.output, &first)?;
        put(&mut self.output, &second)?;
        if let Some(third) = third {
            put(&mut self.output, &third)?;
        }
        Ok(())
    }

    /// Ends the assignment, made on `date`. An empty assignment's earliest
    /// and latest dates are `date`.
    pub fn end_assignment(&mut self, date: NaiveDate) -> Result<(), FileError> {
        let Some(mut sums) = self.assignment.take() else {
            return Err(unwritable("record type", "no assignment to end"));
        };
        sums.record();
        self.transmission.record();
        let (earliest, latest) = self.dates.unwrap_or((date, date));
        let line = format!(
            "NY090088{:08}{:08}{:017}{}{}{}{}",
            sums.transactions,
            sums.records,
            sums.amount,
            date.format(DATE),
            earliest.format(DATE),
            latest.format(DATE),
            "0".repeat(21),
        );
        put(&mut self.output, &line)
    }

    /// Ends the transmission, made on `date`, and gives the output back.
    pub fn finish(mut self, date: NaiveDate) -> Result<W, FileError> {
        if self.assignment.is_some() {
            self.end_assignment(date)?;
        }
        self.transmission.record();
        let sums = self.transmission;
        let line = format!(
            "NY000089{:08}{:08}{:017}{}{}",
            sums.transactions,
            sums.records,
            sums.amount,
            date.format(DATE),
            "0".repeat(33),
        );
        put(&mut self.output, &line)?;
        self.output.flush()?;
        Ok(self.output)
    }
}

fn unwritable(field: &'static str, problem: &'static str) -> FileError {
    FileError::Unwritable { field, problem }
}

/// `value` as exactly `width` digits.
fn digits<'a>(value: &'a str, width: usize, field: &'static str) -> Result<&'a str, FileError> {
    if value.len() == width && value.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(unwritable(
            field,
            "not the number of digits the record has room for",
        ))
    }
}

/// `value` when it fits `width` characters of one line, and has no blank at
/// its ends (which the reader trims).
fn fits<'a>(value: &'a str, width: usize, field: &'static str) -> Result<&'a str, FileError> {
    if value.chars().count() > width {
        return Err(unwritable(field, "longer than the record has room for"));
    }
    if value.contains(['\n', '\r']) || value.trim() != value {
        return Err(unwritable(field, "a line break or blanks at its ends"));
    }
    Ok(value)
}

fn put<W: Write>(output: &mut W, line: &str) -> Result<(), FileError> {
    debug_assert_eq!(line.chars().count(), WIDTH, "{line}");
    output.write_all(line.as_bytes())?;
    output.write_all(b"\r\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc's example file (report_ocr.md, "Example of a file").
    const DOC_EXAMPLE: &str = "\
NY000010000080801406171001234560000000000000000000000000000000000000000000000000
NY090020001234567000000101234567890000000000000000000000000000000000000000000000
NY09103000000011306170000000000000000000000331200                 12345678000000
NY091031000000100000000000000000000000000130617000000000000000000000000000000000
NY090088000000010000000400000000000331200140617130617130617000000000000000000000
NY000089000000010000000600000000000331200140617000000000000000000000000000000000
";

    fn read(text: &str) -> Vec<Result<OcrRecord, FileError>> {
        OcrReader::new(text.as_bytes()).collect()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn errors(results: &[Result<OcrRecord, FileError>]) -> Vec<(u64, &'static str)> {
        results
            .iter()
            .filter_map(|result| match result {
                Err(FileError::Malformed { line, field, .. }) => Some((*line, *field)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_docs_example_reads_as_documented() {
        let records: Vec<OcrRecord> = read(DOC_EXAMPLE).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            records,
            [
                // Line 1: Nets (00008080), the 14.06.17 report, number 1.
                OcrRecord::TransmissionStart(TransmissionStart::new(
                    "00008080", "1406171", "00123456"
                )),
                // Line 2.
                OcrRecord::AssignmentStart(AssignmentStart::new("001234567", 1, "01234567890")),
                // Lines 3 and 4: type 10, so no item 3; 3312.00 NOK.
                OcrRecord::Transaction(OcrTransaction::new(
                    OcrTransactionType::GiroDebited,
                    1,
                    day("2017-06-13"),
                    331_200,
                    "12345678"
                )),
                // Line 5: 1 transaction, 4 records.
                OcrRecord::AssignmentEnd(AssignmentEnd {
                    transactions: 1,
                    records: 4,
                    total: Money::new("NOK", 331_200).unwrap(),
                    date: day("2017-06-14"),
                    earliest: day("2017-06-13"),
                    latest: day("2017-06-13"),
                }),
                // Line 6: 6 records.
                OcrRecord::TransmissionEnd(TransmissionEnd {
                    transactions: 1,
                    records: 6,
                    total: Money::new("NOK", 331_200).unwrap(),
                    date: day("2017-06-14"),
                }),
            ]
        );
    }

    #[test]
    fn what_is_written_reads_back_the_same_and_the_docs_example_byte_for_byte() {
        let records: Vec<OcrRecord> = read(DOC_EXAMPLE).into_iter().map(Result::unwrap).collect();
        let written = write(&records, day("2017-06-14"));
        assert_eq!(
            String::from_utf8(written.clone())
                .unwrap()
                .replace("\r\n", "\n"),
            DOC_EXAMPLE
        );
        let again: Vec<OcrRecord> = OcrReader::new(written.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(again, records);
    }

    /// Writes the starts and transactions of `records`; the writer makes
    /// the end records.
    fn write(records: &[OcrRecord], date: NaiveDate) -> Vec<u8> {
        let OcrRecord::TransmissionStart(start) = &records[0] else {
            panic!("no start")
        };
        let mut writer = OcrWriter::new(Vec::new(), start).unwrap();
        for record in &records[1..] {
            match record {
                OcrRecord::AssignmentStart(start) => writer.start_assignment(start).unwrap(),
                OcrRecord::Transaction(transaction) => writer.transaction(transaction).unwrap(),
                OcrRecord::AssignmentEnd(end) => writer.end_assignment(end.date).unwrap(),
                _ => {}
            }
        }
        writer.finish(date).unwrap()
    }

    #[test]
    fn items_of_a_transaction_are_read_as_one_with_item_3_for_text_types() {
        let mut refund = OcrTransaction::new(
            OcrTransactionType::RefundWithText,
            2,
            day("2027-01-02"),
            500,
            "kid-2",
        );
        refund.free_text = Some("Refund of order 42, blåbær".into());
        let records = vec![
            OcrRecord::TransmissionStart(TransmissionStart::new("00008080", "0201271", "00123456")),
            OcrRecord::AssignmentStart(AssignmentStart::new("001234567", 1, "01234567890")),
            OcrRecord::Transaction(OcrTransaction::new(
                OcrTransactionType::PurchaseWithText,
                1,
                day("2027-01-01"),
                10_000,
                "kid-1",
            )),
            OcrRecord::Transaction(refund),
        ];
        let written = write(&records, day("2027-01-03"));
        let read: Vec<OcrRecord> = OcrReader::new(written.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read[..4], records[..]);
        // 2 transactions of 3 records each; the total adds the refund.
        let OcrRecord::AssignmentEnd(end) = &read[4] else {
            panic!("{read:?}")
        };
        assert_eq!((end.transactions, end.records), (2, 8));
        assert_eq!(end.total.minor_units(), 10_500);
        assert_eq!(
            (end.earliest, end.latest),
            (day("2027-01-01"), day("2027-01-02"))
        );
        let OcrRecord::TransmissionEnd(end) = &read[5] else {
            panic!("{read:?}")
        };
        assert_eq!(end.records, 10);
    }

    #[test]
    fn control_sums_that_differ_are_errors_naming_the_line_and_field() {
        let wrong_count = DOC_EXAMPLE.replace(
            "NY090088000000010000000400000000000331200",
            "NY090088000000020000000400000000000331200",
        );
        assert_eq!(errors(&read(&wrong_count)), [(5, "number of transactions")]);
        let wrong_total = DOC_EXAMPLE.replace(
            "NY000089000000010000000600000000000331200",
            "NY000089000000010000000600000000000331201",
        );
        assert_eq!(errors(&read(&wrong_total)), [(6, "total amount")]);
        let wrong_records =
            DOC_EXAMPLE.replace("NY000089000000010000000600", "NY000089000000010000000500");
        assert_eq!(errors(&read(&wrong_records)), [(6, "number of records")]);
    }

    #[test]
    fn a_malformed_or_short_file_is_an_error_never_a_panic() {
        let lines: Vec<&str> = DOC_EXAMPLE.lines().collect();
        // The end records missing.
        let cut = lines[..4].join("\n");
        assert_eq!(errors(&read(&cut)), [(5, "record type")]);
        // A short record, a letter in the amount, an unknown record type.
        let mut short = lines.clone();
        short[1] = &lines[1][..70];
        let short = short.join("\n");
        assert!(errors(&read(&short)).contains(&(2, "record")));
        let letter = DOC_EXAMPLE.replace("0000331200    ", "00003312X0    ");
        assert!(
            errors(&read(&letter)).contains(&(3, "amount")),
            "{:?}",
            read(&letter)
        );
        let unknown = DOC_EXAMPLE.replace("NY091031", "NY091033");
        assert!(errors(&read(&unknown)).contains(&(4, "record type")));
        // Item 2 of another transaction.
        let other = DOC_EXAMPLE.replace("NY0910310000001", "NY0910310000002");
        assert!(errors(&read(&other)).contains(&(4, "transaction number")));
        // The reference is never in an error or a transaction's Debug.
        for result in read(&letter).iter().chain(&read(DOC_EXAMPLE)) {
            if let Ok(OcrRecord::AssignmentStart(_) | OcrRecord::TransmissionStart(_)) = result {
                continue;
            }
            let shown = format!("{result:?}");
            assert!(!shown.contains("12345678"), "{shown}");
        }
    }

    #[test]
    fn ascii_and_latin_1_records_read_alike() {
        let mut transaction = OcrTransaction::new(
            OcrTransactionType::PurchaseWithText,
            1,
            day("2027-01-01"),
            100,
            "kid",
        );
        transaction.free_text = Some("Bestilling på Ærø".into());
        let records = vec![
            OcrRecord::TransmissionStart(TransmissionStart::new("00008080", "0101271", "00123456")),
            OcrRecord::AssignmentStart(AssignmentStart::new("001234567", 1, "01234567890")),
            OcrRecord::Transaction(transaction),
        ];
        let utf8 = write(&records, day("2027-01-02"));
        let latin1: Vec<u8> = String::from_utf8(utf8.clone())
            .unwrap()
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let from_utf8: Vec<OcrRecord> = OcrReader::new(utf8.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        let from_latin1: Vec<OcrRecord> = OcrReader::new(latin1.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(from_utf8, from_latin1);
        assert_eq!(from_utf8[2], records[2]);
    }

    proptest::proptest! {
        /// Any transactions the format can carry read back as written.
        #[test]
        fn written_transactions_read_back(
            transactions in proptest::collection::vec(
                (
                    proptest::sample::select(vec![10u8, 19, 20, 21, 42]),
                    0i32..20_000,
                    0u64..100_000_000_000,
                    "[A-Za-z0-9][A-Za-z0-9 -]{0,22}[A-Za-z0-9]",
                    proptest::option::of("[a-zæøå0-9]([a-zæøå0-9 ]{0,38}[a-zæøå0-9])?"),
                ),
                0..30,
            ),
            split in 0usize..30,
        ) {
            let epoch = day("2000-01-01");
            let transactions: Vec<OcrTransaction> = transactions
                .into_iter()
                .enumerate()
                .map(|(index, (code, days, amount, reference, text))| {
                    let mut transaction = OcrTransaction::new(
                        OcrTransactionType::from_code(code),
                        u32::try_from(index).unwrap() + 1,
                        epoch + chrono::Days::new(u64::try_from(days).unwrap()),
                        amount,
                        reference,
                    );
                    if transaction.transaction_type.has_text() {
                        transaction.free_text = text;
                    }
                    transaction
                })
                .collect();
            let split = split.min(transactions.len());
            let mut records = vec![
                OcrRecord::TransmissionStart(TransmissionStart::new("00008080", "0101001", "00123456")),
                OcrRecord::AssignmentStart(AssignmentStart::new("001234567", 1, "01234567890")),
            ];
            records.extend(transactions[..split].iter().cloned().map(OcrRecord::Transaction));
            records.push(OcrRecord::AssignmentEnd(AssignmentEnd {
                transactions: 0, records: 0, total: Money::new("NOK", 0).unwrap(),
                date: epoch, earliest: epoch, latest: epoch,
            }));
            records.push(OcrRecord::AssignmentStart(AssignmentStart::new("001234567", 2, "01234567890")));
            records.extend(transactions[split..].iter().cloned().map(OcrRecord::Transaction));
            let written = write(&records, epoch);
            let read: Vec<OcrRecord> = OcrReader::new(written.as_slice())
                .collect::<Result<_, _>>()
                .unwrap();
            let read: Vec<OcrTransaction> = read
                .into_iter()
                .filter_map(|record| match record {
                    OcrRecord::Transaction(transaction) => Some(transaction),
                    _ => None,
                })
                .collect();
            proptest::prop_assert_eq!(read, transactions);
        }
    }
}
