//! Writing an OCR report a transaction at a time.

use std::io::Write;

use chrono::NaiveDate;
use iso_currency::Currency;

use super::{AssignmentStart, DATE, OcrTransaction, Sums, TransmissionStart, WIDTH};
use crate::puzzel_pay::FileError;

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
            return Err(FileError::unwritable(
                "record type",
                "the assignment before is not ended",
            ));
        }
        if start.assignment_number > 9_999_999 {
            return Err(FileError::unwritable(
                "assignment number",
                "more than 7 digits",
            ));
        }
        let line = format!(
            "NY090020{}{:07}{}{}",
            digits(&start.agreement_id, 9, "agreement id")?,
            start.assignment_number,
            digits(&start.assignment_account, 11, "assignment account")?,
            "0".repeat(45),
        );
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
            return Err(FileError::unwritable(
                "record type",
                "a transaction outside an assignment",
            ));
        };
        if transaction.amount.currency() != Currency::NOK {
            return Err(FileError::unwritable("amount", "not NOK"));
        }
        if transaction.amount.minor_units() > 99_999_999_999_999_999 {
            return Err(FileError::unwritable("amount", "more than 17 digits"));
        }
        if transaction.number > 9_999_999 {
            return Err(FileError::unwritable(
                "transaction number",
                "more than 7 digits",
            ));
        }
        let code = transaction.transaction_type.code();
        if code > 99 {
            return Err(FileError::unwritable(
                "transaction type",
                "more than 2 digits",
            ));
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
                return Err(FileError::unwritable(
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
            .map_err(|problem| FileError::unwritable("amount", problem))?;
        self.transmission
            .add(transaction)
            .map_err(|problem| FileError::unwritable("amount", problem))?;
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
            return Err(FileError::unwritable("record type", "no assignment to end"));
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

/// `value` as exactly `width` digits.
fn digits<'a>(value: &'a str, width: usize, field: &'static str) -> Result<&'a str, FileError> {
    if value.len() == width && value.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(FileError::unwritable(
            field,
            "not the number of digits the record has room for",
        ))
    }
}

/// `value` when it fits `width` characters of one line, and has no blank at
/// its ends (which the reader trims).
fn fits<'a>(value: &'a str, width: usize, field: &'static str) -> Result<&'a str, FileError> {
    if value.chars().count() > width {
        return Err(FileError::unwritable(
            field,
            "longer than the record has room for",
        ));
    }
    if value.contains(['\n', '\r']) || value.trim() != value {
        return Err(FileError::unwritable(
            field,
            "a line break or blanks at its ends",
        ));
    }
    Ok(value)
}

fn put<W: Write>(output: &mut W, line: &str) -> Result<(), FileError> {
    debug_assert_eq!(line.chars().count(), WIDTH, "{line}");
    output.write_all(line.as_bytes())?;
    output.write_all(b"\r\n")?;
    Ok(())
}
