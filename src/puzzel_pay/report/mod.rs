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
mod record;

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
pub use record::{ReportRecord, ReportedProvider};

pub use super::file_error::FileError;
