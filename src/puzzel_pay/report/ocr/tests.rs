//! The OCR report's reader and writer, from the doc's example on.

use super::*;
use crate::puzzel_pay::report::FileError;

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
            OcrRecord::TransmissionStart(TransmissionStart::new("00008080", "1406171", "00123456")),
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
