//! The CSV report (`report_csv.md`): no header, `;` between fields, nine
//! fixed fields, then the variables as name and value pairs.
//!
//! x-nordpay-inferred: the doc shows no quoting, so a field holds no `;`
//! and no line break; the writer refuses such a value rather than write a
//! line no reader can split. Lines end with `\n` or `\r\n`; an empty line
//! (the file's last line break) is no record.

use std::collections::VecDeque;
use std::io::Write;

use chrono::NaiveDateTime;

use super::read::{Format, Reader};
use super::record::{ReportRecord, ReportedProvider};
use crate::money::Money;
use crate::puzzel_pay::FileError;
use crate::puzzel_pay::file_error::separated_field;

/// How the report writes a timestamp (`29.05.2017 10:20:20`).
const TIMESTAMP: &str = "%d.%m.%Y %H:%M:%S";

/// The fields before the variables.
const FIXED: usize = 9;

/// The CSV format, a record per line.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Csv;

impl super::read::private::Sealed for Csv {}

impl Format for Csv {
    type Item = ReportRecord;

    fn line(
        &mut self,
        text: &str,
        number: u64,
        out: &mut VecDeque<Result<ReportRecord, FileError>>,
    ) {
        // An empty line (the file's last line break) is no record.
        if !text.is_empty() {
            out.push_back(parse(text, number));
        }
    }

    fn end(&mut self, _: u64, _: &mut VecDeque<Result<ReportRecord, FileError>>) {}
}

/// The records of a CSV report, one per line, read as they are asked for.
pub type CsvReader<R> = Reader<R, Csv>;

fn parse(line: &str, number: u64) -> Result<ReportRecord, FileError> {
    let malformed = |field, problem| FileError::malformed(number, field, problem);
    let fields: Vec<&str> = line.split(';').collect();
    if fields.len() < FIXED {
        return Err(malformed("externalReference", "fewer than nine fields"));
    }
    if !(fields.len() - FIXED).is_multiple_of(2) {
        return Err(malformed(
            "variables",
            "a variable's name without its value",
        ));
    }
    let text = |index: usize, field: &'static str| -> Result<String, FileError> {
        match fields[index] {
            "" => Err(malformed(field, "empty")),
            value => Ok(value.to_string()),
        }
    };
    let amount = fields[3]
        .parse::<u64>()
        .map_err(|_| malformed("amount", "not a whole number of minor units"))?;
    let amount = Money::new(fields[4], amount)
        .map_err(|_| malformed("currency", "not an ISO 4217 currency code"))?;
    if fields[6] != "1" {
        return Err(malformed(
            "paymentSucceeded",
            "not 1 (the report lists successful transactions only)",
        ));
    }
    let timestamp = NaiveDateTime::parse_from_str(fields[7], TIMESTAMP)
        .map_err(|_| malformed("timestamp", "not dd.MM.yyyy HH:mm:ss"))?;
    let mut variables = Vec::with_capacity((fields.len() - FIXED) / 2);
    for pair in fields[FIXED..].chunks_exact(2) {
        if pair[0].is_empty() {
            return Err(malformed("variables", "a variable without a name"));
        }
        variables.push((pair[0].to_string(), pair[1].to_string()));
    }
    Ok(ReportRecord {
        batch_reference: text(0, "batchReference")?,
        client_reference: text(1, "clientReference")?,
        msisdn: text(2, "msisdn")?,
        amount,
        payment_provider: ReportedProvider::from_name(&text(5, "paymentProvider")?),
        timestamp,
        // x-nordpay-inferred: a provider may give no reference.
        external_reference: fields[8].to_string(),
        variables,
    })
}

/// Writes `records` as a CSV report (`\r\n` after each line, as files from
/// Windows systems end them; the reader takes either).
pub fn write_csv<'a, W: Write>(
    mut output: W,
    records: impl IntoIterator<Item = &'a ReportRecord>,
) -> Result<(), FileError> {
    for record in records {
        let fixed: [(&'static str, &str); FIXED] = [
            ("batchReference", &record.batch_reference),
            ("clientReference", &record.client_reference),
            ("msisdn", &record.msisdn),
            ("amount", ""),
            ("currency", ""),
            ("paymentProvider", record.payment_provider.as_str()),
            ("paymentSucceeded", "1"),
            ("timestamp", ""),
            ("externalReference", &record.external_reference),
        ];
        // Every field checked before any is written: no half a line.
        for (field, value) in fixed {
            separated_field(value, field)?;
        }
        for (name, value) in &record.variables {
            separated_field(name, "variables")?;
            separated_field(value, "variables")?;
        }
        write!(
            output,
            "{};{};{};{};{};{};1;{};{}",
            record.batch_reference,
            record.client_reference,
            record.msisdn,
            record.amount.minor_units(),
            record.amount.currency_code(),
            record.payment_provider.as_str(),
            record.timestamp.format(TIMESTAMP),
            record.external_reference,
        )?;
        for (name, value) in &record.variables {
            write!(output, ";{name};{value}")?;
        }
        output.write_all(b"\r\n")?;
    }
    output.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc's example file (report_csv.md, "Example of a file").
    const DOC_EXAMPLE: &str = "\
1234-1;100001;+4799999990;162800;NOK;PCGW;1;29.05.2017 10:20:20;755;firstname;Steven;amount;1.628,00
1234-1;100002;+4799999991;51300;NOK;PCGW;1;29.05.2017 09:08:43;754;firstname;Jamie;amount;513,00
1234-1;100003;+4799999992;103700;NOK;PCGW;1;29.05.2017 07:50:51;753;firstname;Kenny;amount;1.037,00
1234-1;100004;+4799999993;123200;NOK;PCGW;1;29.05.2017 17:33:36;756;firstname;Robbie;amount;1.232,00
";

    fn read(text: &str) -> Vec<Result<ReportRecord, FileError>> {
        CsvReader::new(text.as_bytes()).collect()
    }

    #[test]
    fn the_docs_example_reads_as_documented() {
        let records: Vec<ReportRecord> =
            read(DOC_EXAMPLE).into_iter().map(Result::unwrap).collect();
        assert_eq!(records.len(), 4);
        let first = &records[0];
        assert_eq!(first.batch_reference, "1234-1");
        assert_eq!(first.client_reference, "100001");
        assert_eq!(first.msisdn, "+4799999990");
        // 162800 øre: the "amount" variable says 1.628,00 NOK.
        assert_eq!(first.amount, Money::new("NOK", 162_800).unwrap());
        assert_eq!(first.payment_provider, ReportedProvider::Pcgw);
        assert_eq!(
            first.timestamp,
            NaiveDateTime::parse_from_str("2017-05-29 10:20:20", "%Y-%m-%d %H:%M:%S").unwrap()
        );
        assert_eq!(first.external_reference, "755");
        assert_eq!(
            first.variables,
            [
                ("firstname".to_string(), "Steven".to_string()),
                ("amount".to_string(), "1.628,00".to_string())
            ]
        );
        assert_eq!(records[3].amount.minor_units(), 123_200);
        assert_eq!(records[1].variables[0].1, "Jamie");
    }

    #[test]
    fn lines_may_differ_in_variables_and_name_providers_the_doc_does_not_list() {
        let text = "b;r1;+4790000001;100;NOK;Vipps;1;01.01.2027 00:00:00;x\r\n\
                    b;r2;+4790000002;200;NOK;Apple Pay;1;01.01.2027 23:59:59;y;name;Kari\r\n\r\n";
        let records: Vec<ReportRecord> = read(text).into_iter().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0].payment_provider,
            ReportedProvider::Other("Vipps".into())
        );
        assert!(records[0].variables.is_empty());
        assert_eq!(records[1].payment_provider, ReportedProvider::ApplePay);
        assert_eq!(records[1].variables.len(), 1);
    }

    #[test]
    fn a_malformed_line_is_an_error_naming_its_line_and_field_and_reading_goes_on() {
        let text = "b;r1;+4790000001;100;NOK;PCGW;1;01.01.2027 00:00:00;x\n\
                    b;r2;+4790000002;12.50;NOK;PCGW;1;01.01.2027 00:00:00;x\n\
                    b;r3;+4790000003;100;NOK;PCGW;0;01.01.2027 00:00:00;x\n\
                    b;r4;+4790000004;100;NOK;PCGW;1;2027-01-01 00:00;x\n\
                    b;r5;+4790000005;100;NOK1;PCGW;1;01.01.2027 00:00:00;x\n\
                    b;r6;+4790000006;100;NOK;PCGW;1;01.01.2027 00:00:00;x;name\n\
                    b;r7\n\
                    ;r8;+4790000008;100;NOK;PCGW;1;01.01.2027 00:00:00;x\n\
                    b;r9;+4790000009;100;NOK;PCGW;1;01.01.2027 00:00:00;x;name;A\rB\n";
        let results = read(text);
        assert!(results[0].is_ok());
        let errors: Vec<(u64, &str)> = results[1..]
            .iter()
            .map(|result| match result {
                Err(FileError::Malformed { line, field, .. }) => (*line, *field),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            errors,
            [
                (2, "amount"),
                (3, "paymentSucceeded"),
                (4, "timestamp"),
                (5, "currency"),
                (6, "variables"),
                (7, "externalReference"),
                (8, "batchReference"),
                // Found by the fuzz target: a value cannot hold a bare CR.
                (9, "line")
            ]
        );
        // No value in the message: the MSISDN stays out.
        let shown = results[1].as_ref().unwrap_err().to_string();
        assert!(
            !shown.contains("4790000002") && !shown.contains("12.50"),
            "{shown}"
        );
        assert!(!format!("{:?}", results[0]).contains("4790000001"));
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let records: Vec<ReportRecord> =
            read(DOC_EXAMPLE).into_iter().map(Result::unwrap).collect();
        let mut written = Vec::new();
        write_csv(&mut written, &records).unwrap();
        let again: Vec<ReportRecord> = read(std::str::from_utf8(&written).unwrap())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(again, records);
        // The doc's lines, byte for byte (but for the line ends).
        assert_eq!(
            String::from_utf8(written).unwrap().replace("\r\n", "\n"),
            DOC_EXAMPLE
        );
    }

    proptest::proptest! {
        /// Any records the format can carry read back as written.
        #[test]
        fn written_records_read_back(
            records in proptest::collection::vec(
                (
                    "[^;\r\n]{1,12}", "[^;\r\n]{1,12}", "\\+47[0-9]{8}",
                    proptest::num::u64::ANY,
                    proptest::sample::select(vec!["NOK", "SEK", "EUR", "JPY"]),
                    proptest::prop_oneof![
                        proptest::strategy::Just(ReportedProvider::Pcgw),
                        proptest::strategy::Just(ReportedProvider::DirectPay),
                        proptest::strategy::Strategy::prop_map(
                            "[A-Za-z][A-Za-z ]{0,10}",
                            |name| ReportedProvider::from_name(&name),
                        ),
                    ],
                    0i64..4_000_000_000, "[^;\r\n]{0,8}",
                    proptest::collection::vec(("[^;\r\n]{1,8}", "[^;\r\n]{0,8}"), 0..4),
                ),
                0..20,
            )
        ) {
            let records: Vec<ReportRecord> = records
                .into_iter()
                .map(|(batch, client, msisdn, amount, currency, provider, seconds, external, variables)| {
                    ReportRecord::new(
                        batch, client, msisdn, Money::new(currency, amount).unwrap(), provider,
                        chrono::DateTime::from_timestamp(seconds, 0).unwrap().naive_utc(),
                        external,
                    )
                    .with_variables(variables)
                })
                .collect();
            let mut written = Vec::new();
            write_csv(&mut written, &records).unwrap();
            let again: Vec<ReportRecord> = CsvReader::new(written.as_slice())
                .collect::<Result<_, _>>()
                .unwrap();
            proptest::prop_assert_eq!(again, records);
        }
    }

    #[test]
    fn a_value_the_format_cannot_carry_is_refused() {
        let record = ReportRecord::new(
            "b",
            "r;1",
            "+4790000001",
            Money::new("NOK", 100).unwrap(),
            ReportedProvider::Pcgw,
            NaiveDateTime::parse_from_str("2027-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
            "x",
        );
        let error = write_csv(Vec::new(), [&record]).unwrap_err();
        assert!(
            matches!(
                error,
                FileError::Unwritable {
                    field: "clientReference",
                    ..
                }
            ),
            "{error}"
        );
    }
}
