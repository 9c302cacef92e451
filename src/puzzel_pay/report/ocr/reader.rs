//! Reading an OCR report: a record at a time, a transaction held until
//! its amount items are all read, the end records held to what was read.

use std::collections::VecDeque;

use chrono::NaiveDate;
use iso_currency::Currency;

use super::super::read::{Format, Reader};
use super::{
    AssignmentEnd, AssignmentStart, DATE, OcrRecord, OcrTransaction, OcrTransactionType, Sums,
    TransmissionEnd, TransmissionStart, WIDTH,
};
use crate::money::Money;
use crate::puzzel_pay::FileError;

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
}

impl super::super::read::private::Sealed for Ocr {}

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
        FileError::malformed(self.number, field, problem)
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
                out.push_back(Ok(OcrRecord::TransmissionStart(transmission_start(
                    columns,
                )?)));
                self.state = State::Transmission;
                self.transmission = Sums::default();
                self.transmission.record();
            }
            (State::Transmission, "20") => {
                let start = assignment_start(columns)?;
                self.state = State::Assignment;
                self.transmission.record();
                self.assignment = Sums::default();
                self.assignment.record();
                out.push_back(Ok(OcrRecord::AssignmentStart(start)));
            }
            (State::Assignment, "30") => self.first = Some(amount_item_1(columns)?),
            (State::Assignment, "31") => {
                let Some(mut transaction) = self.first.take() else {
                    return Err(columns.malformed("record type", "amount item 2 without item 1"));
                };
                amount_item_2(columns, &mut transaction)?;
                self.held = Some(transaction);
            }
            (State::Assignment, "32") => {
                let Some(transaction) = self.held.as_mut() else {
                    return Err(
                        columns.malformed("record type", "amount item 3 without items 1 and 2")
                    );
                };
                same_transaction(columns, transaction)?;
                transaction.free_text = Some(columns.text(15, 40).trim().to_string());
            }
            (State::Assignment, "88") => {
                self.assignment.record();
                self.transmission.record();
                self.state = State::Transmission;
                let end = assignment_end(columns)?;
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
                self.state = State::Ended;
                let end = transmission_end(columns)?;
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
        out.push_back(Ok(OcrRecord::Transaction(transaction)));
        Ok(())
    }
}

fn transmission_start(columns: &Columns<'_>) -> Result<TransmissionStart, FileError> {
    Ok(TransmissionStart {
        data_transmitter: columns.digits(8, 8, "data transmitter")?.to_string(),
        transmission_number: columns.digits(16, 7, "transmission number")?.to_string(),
        data_recipient: columns.digits(23, 8, "data recipient")?.to_string(),
    })
}

fn assignment_start(columns: &Columns<'_>) -> Result<AssignmentStart, FileError> {
    Ok(AssignmentStart {
        agreement_id: columns.digits(8, 9, "agreement id")?.to_string(),
        assignment_number: u32::try_from(columns.number(17, 7, "assignment number")?)
            .map_err(|_| columns.malformed("assignment number", "too large"))?,
        assignment_account: columns.digits(24, 11, "assignment account")?.to_string(),
    })
}

/// A transaction as its amount item 1 starts it.
fn amount_item_1(columns: &Columns<'_>) -> Result<OcrTransaction, FileError> {
    let date = columns.date(15, "date")?;
    Ok(OcrTransaction {
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
    })
}

fn amount_item_2(columns: &Columns<'_>, transaction: &mut OcrTransaction) -> Result<(), FileError> {
    same_transaction(columns, transaction)?;
    transaction.form_number = columns.digits(15, 10, "form number")?.to_string();
    transaction.archive_reference = columns.digits(25, 9, "archive reference")?.to_string();
    transaction.bank_date = columns.date(41, "bank date")?;
    transaction.debit_account = columns.digits(47, 11, "debit account")?.to_string();
    Ok(())
}

fn assignment_end(columns: &Columns<'_>) -> Result<AssignmentEnd, FileError> {
    Ok(AssignmentEnd {
        transactions: columns.number(8, 8, "number of transactions")?,
        records: columns.number(16, 8, "number of records")?,
        total: columns.nok(24, "total amount")?,
        date: columns.date(41, "date")?,
        earliest: columns.date(47, "earliest date")?,
        latest: columns.date(53, "latest date")?,
    })
}

fn transmission_end(columns: &Columns<'_>) -> Result<TransmissionEnd, FileError> {
    Ok(TransmissionEnd {
        transactions: columns.number(8, 8, "number of transactions")?,
        records: columns.number(16, 8, "number of records")?,
        total: columns.nok(24, "total amount")?,
        date: columns.date(41, "date")?,
    })
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
            out.push_back(Err(FileError::malformed(
                last + 1,
                "record type",
                "the file ends before the end record for transmission",
            )));
        }
    }
}
