//! The sandbox's Puzzel Pay settlement: every payment and refund kept by
//! the sandbox's day, and each ended day's reports written from them by the
//! client's own writers (`GET /sandbox/puzzel-pay/reports/{day}.csv` and
//! `.ocr`), so a merchant's reconciliation runs against the sandbox as
//! against Puzzel.
//!
//! x-nordpay-inferred: days are UTC days of the sandbox's clock (the docs
//! name no time zone), and timestamps are written in UTC. The OCR report
//! writes payments as type 21 ("purchase with free text", the docs' table)
//! and refunds as type 20, the first 25 characters of the clientReference
//! as the customer reference, and the docs' example ids for Nets, the
//! customer, the agreement and the account.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::Shared;
use crate::puzzel_pay::report::{
    AssignmentStart, FileError, OcrTransaction, OcrTransactionType, OcrWriter, ReportRecord,
    TransmissionStart, write_csv,
};

/// A payment or a refund of a day.
pub(super) struct Entry {
    pub(super) record: ReportRecord,
    pub(super) refund: bool,
}

/// Payments and refunds by day. Past the sandbox's record cap the oldest
/// day is forgotten whole: a report is never partial.
#[derive(Default)]
pub(super) struct Ledger {
    days: BTreeMap<NaiveDate, Vec<Entry>>,
    entries: usize,
    /// The last day forgotten: its reports and those before are gone.
    forgotten_through: Option<NaiveDate>,
}

/// Why a day has no report.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NoReport {
    /// The day has not ended on the sandbox's clock.
    NotYet,
    /// The sandbox forgot the day (past its record cap).
    Forgotten,
}

impl Ledger {
    /// Keeps a payment or refund, made on its record's day.
    pub(super) fn push(&mut self, entry: Entry, cap: usize) {
        let day = entry.record.timestamp.date();
        self.days.entry(day).or_default().push(entry);
        self.entries += 1;
        while self.entries > cap.max(1) {
            let Some((day, entries)) = self.days.pop_first() else {
                break;
            };
            self.entries -= entries.len();
            self.forgotten_through = self.forgotten_through.max(Some(day));
        }
    }

    /// The entries of `day`, whose report is made once it ended by `today`.
    pub(super) fn day(&self, day: NaiveDate, today: NaiveDate) -> Result<&[Entry], NoReport> {
        if day >= today {
            return Err(NoReport::NotYet);
        }
        if self.forgotten_through.is_some_and(|through| day <= through) {
            return Err(NoReport::Forgotten);
        }
        Ok(self.days.get(&day).map_or(&[], Vec::as_slice))
    }

    /// Days ended by `today` with payments or refunds, newest first: the
    /// day, payments, refunds.
    pub(super) fn reported_days(
        &self,
        today: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, usize, usize)> + '_ {
        self.days.range(..today).rev().map(|(day, entries)| {
            let refunds = entries.iter().filter(|e| e.refund).count();
            (*day, entries.len() - refunds, refunds)
        })
    }
}

/// The CSV report of a day's entries: its payments.
pub(super) fn csv(entries: &[Entry]) -> Result<Vec<u8>, FileError> {
    let mut written = Vec::new();
    write_csv(
        &mut written,
        entries.iter().filter(|e| !e.refund).map(|e| &e.record),
    )?;
    Ok(written)
}

/// The OCR report of `day`'s entries, made the day after.
pub(super) fn ocr(day: NaiveDate, entries: &[Entry]) -> Result<Vec<u8>, FileError> {
    let made = day + Days::new(1);
    let start = TransmissionStart::new(
        "00008080",
        format!("{}1", made.format("%d%m%y")),
        "00123456",
    );
    let mut writer = OcrWriter::new(Vec::new(), &start)?;
    writer.start_assignment(&AssignmentStart::new("001234567", 1, "01234567890"))?;
    for (number, entry) in (1..).zip(entries) {
        let record = &entry.record;
        let kind = if entry.refund {
            OcrTransactionType::RefundWithText
        } else {
            OcrTransactionType::PurchaseWithText
        };
        let reference: String = record.client_reference.trim().chars().take(25).collect();
        writer.transaction(&OcrTransaction::new(
            kind,
            number,
            day,
            record.amount.minor_units(),
            reference.trim(),
        ))?;
    }
    writer.end_assignment(made)?;
    writer.finish(made)
}

/// `/sandbox/puzzel-pay/reports...`.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/puzzel-pay/reports", get(list))
        .route("/puzzel-pay/reports/{file}", get(report))
}

/// A day's reports as the control API lists them.
#[derive(Serialize)]
struct DaySeen {
    day: NaiveDate,
    payments: usize,
    refunds: usize,
    csv: String,
    ocr: String,
}

async fn list(State(shared): State<Shared>) -> Response {
    let today = shared.engine.now().date_naive();
    let days: Vec<DaySeen> = shared
        .puzzel_pay()
        .ledger()
        .reported_days(today)
        .map(|(day, payments, refunds)| DaySeen {
            day,
            payments,
            refunds,
            csv: shared.url(&format!("/sandbox/puzzel-pay/reports/{day}.csv")),
            ocr: shared.url(&format!("/sandbox/puzzel-pay/reports/{day}.ocr")),
        })
        .collect();
    axum::Json(days).into_response()
}

fn problem(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": error }))).into_response()
}

async fn report(State(shared): State<Shared>, Path(file): Path<String>) -> Response {
    let Some((day, format)) = file.rsplit_once('.') else {
        return problem(StatusCode::BAD_REQUEST, "expected {day}.csv or {day}.ocr");
    };
    let Ok(day) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
        return problem(StatusCode::BAD_REQUEST, "the day is not YYYY-MM-DD");
    };
    let today = shared.engine.now().date_naive();
    let written = {
        let store = shared.puzzel_pay();
        let entries = match store.ledger().day(day, today) {
            Ok(entries) => entries,
            Err(NoReport::NotYet) => {
                return problem(
                    StatusCode::NOT_FOUND,
                    "not made yet: a day's report is made once the day ended (POST /sandbox/advance)",
                );
            }
            Err(NoReport::Forgotten) => {
                return problem(
                    StatusCode::GONE,
                    "forgotten: the sandbox keeps as many payments as its record cap",
                );
            }
        };
        match format {
            "csv" => csv(entries).map(|body| (body, "text/csv; charset=utf-8")),
            "ocr" => ocr(day, entries).map(|body| (body, "text/plain; charset=utf-8")),
            _ => return problem(StatusCode::BAD_REQUEST, "expected {day}.csv or {day}.ocr"),
        }
    };
    match written {
        Ok((body, media)) => ([(header::CONTENT_TYPE, media)], body).into_response(),
        // A value the format cannot carry (a ';' in a variable): the
        // merchant's batch made a report no reader could split.
        Err(error) => problem(StatusCode::UNPROCESSABLE_ENTITY, &error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::puzzel_pay::report::{OcrReader, OcrRecord, ReportedProvider};

    fn entry(at: &str, refund: bool) -> Entry {
        let timestamp = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
        let record = ReportRecord::new(
            "b",
            "r",
            "+4799999999",
            Money::new("NOK", 100).unwrap(),
            ReportedProvider::Pcgw,
            timestamp,
            "x",
        );
        Entry { record, refund }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_day_is_reported_once_it_ended_and_forgotten_whole() {
        let mut ledger = Ledger::default();
        ledger.push(entry("2027-03-01 23:59:59", false), 3);
        ledger.push(entry("2027-03-02 00:00:00", false), 3);
        ledger.push(entry("2027-03-02 10:00:00", true), 3);
        let today = day("2027-03-02");
        assert_eq!(ledger.day(day("2027-03-01"), today).unwrap().len(), 1);
        assert!(matches!(ledger.day(today, today), Err(NoReport::NotYet)));
        assert_eq!(ledger.day(day("2027-02-01"), today).unwrap().len(), 0);
        // A fourth entry forgets 1 March whole, and what came before.
        ledger.push(entry("2027-03-03 00:00:00", false), 3);
        let later = day("2027-03-04");
        assert!(matches!(
            ledger.day(day("2027-03-01"), later),
            Err(NoReport::Forgotten)
        ));
        assert!(matches!(
            ledger.day(day("2027-02-01"), later),
            Err(NoReport::Forgotten)
        ));
        assert_eq!(ledger.day(day("2027-03-02"), later).unwrap().len(), 2);
        let entries = ledger.day(day("2027-03-02"), later).unwrap();
        // The CSV has the payment; the OCR the payment and the refund.
        assert_eq!(
            String::from_utf8(csv(entries).unwrap())
                .unwrap()
                .lines()
                .count(),
            1
        );
        let read: Vec<OcrRecord> =
            OcrReader::new(ocr(day("2027-03-02"), entries).unwrap().as_slice())
                .collect::<Result<_, _>>()
                .unwrap();
        let kinds: Vec<_> = read
            .iter()
            .filter_map(|r| match r {
                OcrRecord::Transaction(t) => Some(t.transaction_type),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                OcrTransactionType::PurchaseWithText,
                OcrTransactionType::RefundWithText
            ]
        );
    }
}
