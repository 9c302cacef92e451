//! `nordpay reconcile REPORT… --expected FILE`: Puzzel Pay's daily reports
//! (CSV, or NETS OCR by the `.ocr` extension) held against the merchant's
//! view, the differences printed as a table or JSON. Exit 0 when they
//! agree, 1 when they differ, 2 when a file cannot be read (every malformed
//! line named; no partial result, which would call a payment missing that
//! a broken line holds).

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::puzzel_pay::report::{
    CsvReader, FileError, OcrReader, OcrRecord, Reconciler, Reconciliation, Settled,
    read_expectations,
};

/// Exit code: the report and the merchant's view differ.
pub const EXIT_DIFFERENCES: u8 = 1;

/// A report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// `report_csv.md`.
    Csv,
    /// `report_ocr.md` (NETS OCR giro).
    Ocr,
}

/// How the differences are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// A table for people, with what to do about each kind.
    Table,
    /// The reconciliation as JSON.
    Json,
}

/// What `nordpay reconcile` is given.
#[derive(Debug, clap::Args)]
pub(crate) struct ReconcileArgs {
    /// The day's reports (several days, or a CSV and an OCR report, in one run).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    /// The merchant's view: a JSON array of expectations, or lines of
    /// `batchReference;clientReference;amount;currency;shipped;outcome[;refunded]`.
    #[arg(long, value_name = "FILE")]
    expected: PathBuf,
    /// The reports' format (by default `.ocr` files are OCR, others CSV).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// How to print the differences.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

/// Runs the reconciliation: the exit code, the output printed.
pub(crate) fn run(args: &ReconcileArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match reconcile(args, err) {
        Ok(found) => {
            let printed = match args.output {
                Output::Json => serde_json::to_writer_pretty(&mut *out, &found)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out)),
                Output::Table => table(&found, out),
            };
            if let Err(error) = printed {
                let _ = writeln!(err, "nordpay: {error}");
                return super::EXIT_FAILED;
            }
            if found.is_clean() {
                0
            } else {
                EXIT_DIFFERENCES
            }
        }
        Err(()) => super::EXIT_USAGE,
    }
}

fn open(path: &Path, err: &mut impl Write) -> Result<BufReader<File>, ()> {
    File::open(path).map(BufReader::new).map_err(|error| {
        let _ = writeln!(err, "nordpay: {}: {error}", path.display());
    })
}

fn reconcile(args: &ReconcileArgs, err: &mut impl Write) -> Result<Reconciliation, ()> {
    let expectations = read_expectations(open(&args.expected, err)?).map_err(|error| {
        let _ = writeln!(err, "nordpay: {}: {error}", args.expected.display());
    })?;
    let mut reconciler = Reconciler::new(expectations);
    let mut broken = false;
    for path in &args.reports {
        let input = open(path, err)?;
        let format = args.format.unwrap_or(
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("ocr"))
            {
                ReportFormat::Ocr
            } else {
                ReportFormat::Csv
            },
        );
        let mut failed = |error: FileError| {
            broken = true;
            let _ = writeln!(err, "nordpay: {}: {error}", path.display());
        };
        match format {
            ReportFormat::Csv => {
                for record in CsvReader::new(input) {
                    match record {
                        Ok(record) => reconciler.record(&Settled::from(&record)),
                        Err(error) => failed(error),
                    }
                }
            }
            ReportFormat::Ocr => {
                for record in OcrReader::new(input) {
                    match record {
                        Ok(OcrRecord::Transaction(transaction)) => {
                            reconciler.record(&Settled::from(&transaction));
                        }
                        Ok(_) => {}
                        Err(error) => failed(error),
                    }
                }
            }
        }
    }
    if broken {
        let _ = writeln!(
            err,
            "nordpay: not reconciled: fix or replace the reports first"
        );
        return Err(());
    }
    Ok(reconciler.finish())
}

fn money(amount: Option<&crate::money::Money>) -> String {
    amount.map_or_else(|| "-".to_string(), ToString::to_string)
}

/// The differences, the totals, and what to do, for people.
fn table(found: &Reconciliation, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} transactions in the reports, {} recipients expected: {}",
        found.reported,
        found.expected,
        if found.is_clean() {
            "they agree.".to_string()
        } else {
            format!("{} differences.", found.differences.len())
        }
    )?;
    if !found.is_clean() {
        let rows: Vec<[String; 6]> = found
            .differences
            .iter()
            .map(|d| {
                [
                    d.kind.name().to_string(),
                    d.batch_reference.clone().unwrap_or_else(|| "-".into()),
                    d.client_reference.clone(),
                    money(d.reported.as_ref()),
                    money(d.expected.as_ref()),
                    d.day.map_or_else(|| "-".into(), |day| day.to_string()),
                ]
            })
            .collect();
        columns(
            out,
            ["KIND", "BATCH", "RECIPIENT", "REPORTED", "EXPECTED", "DAY"],
            &rows,
        )?;
    }
    writeln!(out)?;
    let rows: Vec<[String; 6]> = found
        .totals
        .iter()
        .map(|t| {
            [
                t.day
                    .map_or_else(|| "not in a report".into(), |day| day.to_string()),
                t.currency.clone(),
                t.payments.to_string(),
                t.paid.to_string(),
                t.refunds.to_string(),
                t.differences.to_string(),
            ]
        })
        .collect();
    columns(
        out,
        [
            "DAY",
            "CURRENCY",
            "PAYMENTS",
            "PAID (MINOR)",
            "REFUNDS",
            "DIFFERENCES",
        ],
        &rows,
    )?;
    let counts = found.counts();
    if !counts.is_empty() {
        writeln!(out)?;
        for (kind, count) in counts {
            writeln!(out, "{} ({count}): {}", kind.name(), kind.advice())?;
        }
    }
    Ok(())
}

fn columns<const N: usize>(
    out: &mut impl Write,
    heads: [&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut widths = heads.map(|head| head.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line =
        |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> std::io::Result<()> {
            let text: Vec<String> = cells
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            writeln!(out, "{}", text.join("  ").trim_end())
        };
    line(out, &mut heads.iter().copied())?;
    for row in rows {
        line(out, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run_with(args: &ReconcileArgs) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn differences_exit_1_agreement_0_and_a_broken_report_2() {
        let dir = std::env::temp_dir().join(format!("nordpay-reconcile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let report = file(
            &dir,
            "2027-03-01.csv",
            "b;r1;+4799999999;10000;NOK;PCGW;1;01.03.2027 10:00:00;x\n",
        );
        let agrees = file(&dir, "agrees.csv", "b;r1;10000;NOK;true;paid\n");
        let differs = file(
            &dir,
            "differs.json",
            r#"[{"batchReference":"b","clientReference":"r1","amount":"NOK 100.00","shipped":false,"outcome":"paid"},
                {"batchReference":"b","clientReference":"r2","amount":"NOK 5.00","shipped":true,"outcome":"unresolved"}]"#,
        );
        let args = |expected: &PathBuf, output| ReconcileArgs {
            reports: vec![report.clone()],
            expected: expected.clone(),
            format: None,
            output,
        };
        let (code, out, _) = run_with(&args(&agrees, Output::Table));
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("they agree"), "{out}");

        let (code, out, _) = run_with(&args(&differs, Output::Table));
        assert_eq!(code, EXIT_DIFFERENCES, "{out}");
        assert!(out.contains("paidNotShipped"), "{out}");
        assert!(
            out.contains("shippedNotInReport (1): Ask the batch status"),
            "{out}"
        );
        let (code, out, _) = run_with(&args(&differs, Output::Json));
        assert_eq!(code, EXIT_DIFFERENCES);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["differences"][1]["kind"], "shippedNotInReport");
        assert_eq!(json["differences"][1]["expected"], "NOK 5.00");

        let broken = file(
            &dir,
            "broken.csv",
            "b;r1;+4799999999;ten;NOK;PCGW;1;01.03.2027 10:00:00;x\n",
        );
        let (code, out, err) = run_with(&ReconcileArgs {
            reports: vec![broken],
            ..args(&agrees, Output::Json)
        });
        assert_eq!(code, super::super::EXIT_USAGE);
        assert!(out.is_empty(), "no partial result: {out}");
        assert!(err.contains("line 1, amount"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
