//! Reading Puzzel Pay's settlement reports at scale, and reconciling them:
//! `cargo bench --bench settlement` (`-- 1000000` for the largest size only).
//!
//! For each size it writes a CSV and an OCR report to a temporary file with
//! nordpay's writers, then reads each twice side by side: the baseline
//! (the bare line loop a careful engineer would write: `read_line` and a
//! `split(';')`, or a length check for OCR) and nordpay's reader. It prints
//! records per second, the ratio to the baseline, and the peak heap the
//! reader held (a counting allocator), which must stay flat as the report
//! grows. Then it reconciles the CSV report against as many expectations
//! (which are held by design: bytes per expectation).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use nordpay::money::Money;
use nordpay::puzzel_pay::report::{
    AssignmentStart, CsvReader, Expectation, ExpectedOutcome, OcrReader, OcrRecord, OcrTransaction,
    OcrTransactionType, OcrWriter, ReportRecord, ReportedProvider, Settled, TransmissionStart,
    reconcile, write_csv,
};

/// Counts heap bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the
// counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work`; its time in seconds and the peak heap above what was in
/// use when it started.
fn measured<T>(work: impl FnOnce() -> T) -> (T, f64, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    let out = work();
    let seconds = start.elapsed().as_secs_f64();
    (out, seconds, PEAK.load(Ordering::Relaxed) - base)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
}

fn record(i: u64) -> ReportRecord {
    let at = NaiveDateTime::new(
        day(),
        chrono::NaiveTime::from_num_seconds_from_midnight_opt(
            u32::try_from(i % 86_400).unwrap(),
            0,
        )
        .unwrap(),
    );
    ReportRecord::new(
        format!("batch-{}", i / 250),
        format!("kid-{i}"),
        format!("+47{:08}", 90_000_000 + i % 10_000_000),
        Money::new("NOK", 10_000 + i % 90_000).unwrap(),
        ReportedProvider::Pcgw,
        at,
        format!("ext-{i}"),
    )
    .with_variables(vec![
        ("name".into(), "Kari".into()),
        ("amount".into(), "100,00".into()),
    ])
}

fn write_reports(dir: &Path, records: u64) -> (std::path::PathBuf, std::path::PathBuf) {
    let csv = dir.join(format!("report-{records}.csv"));
    let ocr = dir.join(format!("report-{records}.ocr"));
    let mut output = BufWriter::new(File::create(&csv).unwrap());
    // In chunks: the bench's own heap stays small.
    for start in (0..records).step_by(10_000) {
        let chunk: Vec<ReportRecord> = (start..(start + 10_000).min(records)).map(record).collect();
        write_csv(&mut output, &chunk).unwrap();
    }
    drop(output);
    let start = TransmissionStart::new("00008080", "0203271", "00123456");
    let mut writer = OcrWriter::new(BufWriter::new(File::create(&ocr).unwrap()), &start).unwrap();
    writer
        .start_assignment(&AssignmentStart::new("001234567", 1, "01234567890"))
        .unwrap();
    for i in 0..records {
        let transaction = OcrTransaction::new(
            OcrTransactionType::PurchaseWithText,
            u32::try_from(i % 9_999_999 + 1).unwrap(),
            day(),
            10_000 + i % 90_000,
            format!("kid-{i}"),
        );
        writer.transaction(&transaction).unwrap();
    }
    writer.end_assignment(day().succ_opt().unwrap()).unwrap();
    writer.finish(day().succ_opt().unwrap()).unwrap();
    (csv, ocr)
}

/// The baseline: every line read and split, nothing kept.
fn bare_lines(path: &Path, split: bool) -> u64 {
    let mut input = BufReader::new(File::open(path).unwrap());
    let (mut line, mut fields) = (String::new(), 0u64);
    while input.read_line(&mut line).unwrap() > 0 {
        fields += if split {
            line.trim_end().split(';').count() as u64
        } else {
            u64::from(line.trim_end().len() == 80)
        };
        line.clear();
    }
    fields
}

struct Row {
    name: String,
    records: u64,
    megabytes: f64,
    seconds: f64,
    baseline: f64,
    peak: usize,
}

fn print(row: &Row) {
    println!(
        "{:<18} {:>9} records {:>7.1} MB  {:>10.0} records/s  {:>6.1} MB/s  {:>5.2}x the bare line loop  peak heap {:>8} bytes",
        row.name,
        row.records,
        row.megabytes,
        row.records as f64 / row.seconds,
        row.megabytes / row.seconds,
        row.seconds / row.baseline,
        row.peak,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a number picks one size.
    let sizes: Vec<u64> = match std::env::args().skip(1).find_map(|a| a.parse().ok()) {
        Some(size) => vec![size],
        None => vec![10_000, 100_000, 1_000_000],
    };
    let dir = std::env::temp_dir().join(format!("nordpay-settlement-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut peaks: Vec<(String, u64, usize)> = Vec::new();
    for &records in &sizes {
        let (csv, ocr) = write_reports(&dir, records);
        let megabytes = |path: &Path| std::fs::metadata(path).unwrap().len() as f64 / 1e6;

        let (_, baseline, _) = measured(|| bare_lines(&csv, true));
        let (read, seconds, peak) = measured(|| {
            CsvReader::new(BufReader::new(File::open(&csv).unwrap()))
                .map(|record| record.unwrap().amount.minor_units())
                .fold(0u64, u64::wrapping_add)
        });
        assert!(read > 0);
        print(&Row {
            name: "csv".into(),
            records,
            megabytes: megabytes(&csv),
            seconds,
            baseline,
            peak,
        });
        peaks.push(("csv".into(), records, peak));

        let (_, baseline, _) = measured(|| bare_lines(&ocr, false));
        let (read, seconds, peak) = measured(|| {
            OcrReader::new(BufReader::new(File::open(&ocr).unwrap()))
                .filter(|record| matches!(record.as_ref().unwrap(), OcrRecord::Transaction(_)))
                .count()
        });
        assert_eq!(read as u64, records);
        print(&Row {
            name: "ocr".into(),
            records,
            megabytes: megabytes(&ocr),
            seconds,
            baseline,
            peak,
        });
        peaks.push(("ocr".into(), records, peak));

        // Reconciliation holds the expectations (the merchant's day); the
        // report streams through. One in a thousand differs.
        let expectations: Vec<Expectation> = (0..records)
            .map(|i| {
                let r = record(i);
                let shipped = i % 1_000 != 0;
                Expectation::new(
                    r.batch_reference,
                    r.client_reference,
                    r.amount,
                    shipped,
                    ExpectedOutcome::Paid,
                )
            })
            .collect();
        let held = IN_USE.load(Ordering::Relaxed);
        let (found, seconds, peak) = measured(|| {
            reconcile(
                CsvReader::new(BufReader::new(File::open(&csv).unwrap()))
                    .map(|record| Settled::from(&record.unwrap())),
                expectations,
            )
        });
        assert_eq!(found.differences.len() as u64, records.div_ceil(1_000));
        println!(
            "{:<18} {:>9} records  {:>10.0} records/s  peak heap {:>5} bytes per expectation ({} held before)",
            "reconcile csv",
            records,
            records as f64 / seconds,
            peak / usize::try_from(records).unwrap(),
            held,
        );
        std::fs::remove_file(&csv).unwrap();
        std::fs::remove_file(&ocr).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    for format in ["csv", "ocr"] {
        let of: Vec<&(String, u64, usize)> = peaks.iter().filter(|(f, ..)| f == format).collect();
        if let (Some(first), Some(last)) = (of.first(), of.last()) {
            println!(
                "{format}: peak heap at {} records / at {} records = {:.2} (flat is 1.00)",
                last.1,
                first.1,
                last.2 as f64 / first.2.max(1) as f64
            );
        }
    }
}
