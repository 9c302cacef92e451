//! Puzzel Pay's FTP batch file (`ftp.md`), for merchants who send batches
//! as files: a configuration line (version, batch reference, expiry days,
//! SMS text, receipt text), then one line per recipient (MSISDN, customer
//! reference, amount in minor units, currency, variable names and values),
//! `;` between fields, no header.
//!
//! Line breaks in the texts are the file's `{{CRLF}}` (read back as
//! `\r\n`). The importer splits a file of more than 250 recipients into
//! batches of 250 whose references end in `-part{i}`
//! ([`BatchFile::requests`] gives the batches it makes, so their statuses
//! can be looked up). x-nordpay-inferred: parts count from 1; the MSISDN
//! and amount follow the REST API's rules (E.164, at least 1).

use std::io::{BufRead, Write};

use super::file_error::separated_field;
use super::{FileError, RequestType, types};
use crate::money::Money;

/// Recipients per batch the importer makes.
pub const RECIPIENTS_PER_PART: usize = 250;

/// The file's line break in a text.
const CRLF: &str = "{{CRLF}}";

/// A batch as an FTP file.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchFile {
    /// The batch's reference (the importer appends `-part{i}` past 250
    /// recipients).
    pub batch_reference: String,
    /// Days until the payment links stop working (at 23:59:59 of the last).
    pub expiry_days: u32,
    /// The SMS text, with `{{variable}}` placeholders.
    pub sms_text: String,
    /// The receipt SMS text; `None` sends no receipt.
    pub receipt_text: Option<String>,
    /// Who is asked to pay, in order.
    pub recipients: Vec<FileRecipient>,
}

/// One recipient line.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileRecipient {
    /// The phone number (E.164).
    pub msisdn: String,
    /// The customer reference (a KID, unique in the batch): the
    /// recipient's reference in the API and the reports.
    pub client_reference: String,
    /// What to pay.
    pub amount: Money,
    /// The variables, in order.
    pub variables: Vec<(String, String)>,
}

impl FileRecipient {
    /// A recipient asked to pay `amount`.
    pub fn new(
        msisdn: impl Into<String>,
        client_reference: impl Into<String>,
        amount: Money,
    ) -> Self {
        Self {
            msisdn: msisdn.into(),
            client_reference: client_reference.into(),
            amount,
            variables: Vec::new(),
        }
    }

    /// The same with `variables`, in order.
    pub fn with_variables(mut self, variables: Vec<(String, String)>) -> Self {
        self.variables = variables;
        self
    }
}

impl std::fmt::Debug for FileRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // MSISDNs, references and variables are personal data.
        f.debug_struct("FileRecipient")
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for BatchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchFile")
            .field("expiry_days", &self.expiry_days)
            .field("recipients", &self.recipients)
            .finish_non_exhaustive()
    }
}

impl BatchFile {
    /// The file of `request`: its first message template's text, its first
    /// receipt template's, and each recipient with its payment and
    /// variables. The file counts `expiry_days` where the API takes a time.
    pub fn from_request(
        request: &types::BatchRequest,
        expiry_days: u32,
    ) -> Result<Self, FileError> {
        let recipients = request
            .recipients
            .iter()
            .map(|recipient| {
                let amount =
                    Money::new(&recipient.payment.currency, recipient.payment.amount.get())
                        .map_err(|_| {
                            FileError::unwritable("currency", "not an ISO 4217 currency code")
                        })?;
                Ok(FileRecipient {
                    msisdn: recipient.msisdn.to_string(),
                    client_reference: recipient.reference.to_string(),
                    amount,
                    variables: recipient
                        .variables
                        .iter()
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect(),
                })
            })
            .collect::<Result<_, FileError>>()?;
        Ok(Self {
            batch_reference: request.batch_reference.to_string(),
            expiry_days,
            sms_text: request
                .message_templates
                .first()
                .map(|template| template.text.clone())
                .unwrap_or_default(),
            receipt_text: request
                .receipt_templates
                .first()
                .map(|template| template.text.clone()),
            recipients,
        })
    }

    /// Writes the file (`\r\n` after each line, UTF-8 as the doc
    /// recommends). A value holding a `;`, or a line break anywhere but in
    /// the texts, is refused: the importer would split it.
    pub fn write<W: Write>(&self, mut output: W) -> Result<(), FileError> {
        let sms = text(&self.sms_text, "SMS message text")?;
        let receipt = match &self.receipt_text {
            Some(receipt) => text(receipt, "SMS receipt text")?,
            None => String::new(),
        };
        let reference = separated_field(&self.batch_reference, "Batch reference")?;
        write!(
            output,
            "1;{reference};{};{sms};{receipt}\r\n",
            self.expiry_days
        )?;
        for recipient in &self.recipients {
            write!(
                output,
                "{};{};{};{}",
                separated_field(&recipient.msisdn, "Msisdn")?,
                separated_field(&recipient.client_reference, "Customer reference")?,
                recipient.amount.minor_units(),
                recipient.amount.currency_code(),
            )?;
            for (name, value) in &recipient.variables {
                write!(
                    output,
                    ";{};{}",
                    separated_field(name, "Variable name")?,
                    separated_field(value, "Variable value")?
                )?;
            }
            output.write_all(b"\r\n")?;
        }
        output.flush()?;
        Ok(())
    }

    /// Reads a file. Every line is checked: a malformed one is an error
    /// naming its line and field.
    pub fn read<R: BufRead>(input: R) -> Result<Self, FileError> {
        let mut lines = input.lines();
        let mut number = 0;
        let mut next = || -> Option<Result<(u64, String), FileError>> {
            loop {
                number += 1;
                match lines.next()? {
                    Err(error) => return Some(Err(error.into())),
                    Ok(line) if line.trim_end_matches('\r').is_empty() => continue,
                    Ok(line) if line.trim_end_matches('\r').contains('\r') => {
                        return Some(Err(FileError::malformed(
                            number,
                            "line",
                            "a carriage return inside the line",
                        )));
                    }
                    Ok(line) => return Some(Ok((number, line.trim_end_matches('\r').to_string()))),
                }
            }
        };
        let (first, line) =
            next().ok_or_else(|| FileError::malformed(1, "Version", "the file is empty"))??;
        let fields: Vec<&str> = line.split(';').collect();
        if fields.len() != 5 {
            return Err(FileError::malformed(
                first,
                "configuration",
                "not five fields",
            ));
        }
        if fields[0] != "1" {
            return Err(FileError::malformed(first, "Version", "not 1"));
        }
        if fields[1].is_empty() {
            return Err(FileError::malformed(first, "Batch reference", "empty"));
        }
        let expiry_days = fields[2].parse().map_err(|_| {
            FileError::malformed(first, "Expiry days", "not a whole number of days")
        })?;
        let mut file = Self {
            batch_reference: fields[1].to_string(),
            expiry_days,
            sms_text: fields[3].replace(CRLF, "\r\n"),
            receipt_text: (!fields[4].is_empty()).then(|| fields[4].replace(CRLF, "\r\n")),
            recipients: Vec::new(),
        };
        while let Some(line) = next() {
            let (number, line) = line?;
            file.recipients.push(recipient(&line, number)?);
        }
        Ok(file)
    }

    /// The batches the importer makes of the file, to send them over REST
    /// or to look up their statuses: one, or past 250 recipients one per
    /// 250 with `-part{i}` appended to the reference. Each sends SMS with
    /// the file's texts; `expires` is the time the expiry days end at
    /// (the file counts days, the API takes a time).
    pub fn requests(
        &self,
        expires: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<types::BatchRequest>, FileError> {
        let parts = self.recipients.len().div_ceil(RECIPIENTS_PER_PART).max(1);
        let templates = |text: &str| {
            vec![types::MessageTemplate {
                type_: RequestType::Payment,
                text: text.to_string(),
            }]
        };
        let invalid =
            |_| FileError::unwritable("batch", "not a batch the API takes (see its rules)");
        let mut requests = Vec::with_capacity(parts);
        for (index, chunk) in self.recipients.chunks(RECIPIENTS_PER_PART).enumerate() {
            let reference = if parts > 1 {
                format!("{}-part{}", self.batch_reference, index + 1)
            } else {
                self.batch_reference.clone()
            };
            let recipients = chunk
                .iter()
                .map(|recipient| {
                    types::Recipient::builder()
                        .reference(recipient.client_reference.as_str())
                        .msisdn(recipient.msisdn.as_str())
                        .type_(RequestType::Payment)
                        .payment(
                            types::Payment::builder()
                                .amount(recipient.amount.minor_units())
                                .currency(recipient.amount.currency_code()),
                        )
                        .variables(
                            recipient
                                .variables
                                .iter()
                                .cloned()
                                .collect::<std::collections::BTreeMap<_, _>>(),
                        )
                        .try_into()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<types::Recipient>, FileError>>()?;
            let mut request = types::BatchRequest::builder()
                .batch_reference(reference)
                .action(super::BatchAction::SendSms)
                .message_templates(templates(&self.sms_text))
                .recipients(recipients)
                .expires(expires);
            if let Some(receipt) = &self.receipt_text {
                request = request.receipt_templates(templates(receipt));
            }
            requests.push(request.try_into().map_err(invalid)?);
        }
        Ok(requests)
    }
}

fn recipient(line: &str, number: u64) -> Result<FileRecipient, FileError> {
    let fields: Vec<&str> = line.split(';').collect();
    if fields.len() < 4 {
        return Err(FileError::malformed(
            number,
            "Currency",
            "fewer than four fields",
        ));
    }
    if !(fields.len() - 4).is_multiple_of(2) {
        return Err(FileError::malformed(
            number,
            "Variable value",
            "a variable's name without its value",
        ));
    }
    types::Msisdn::try_from(fields[0]).map_err(|_| {
        FileError::malformed(number, "Msisdn", "not an E.164 number (+ and digits)")
    })?;
    if fields[1].is_empty() {
        return Err(FileError::malformed(number, "Customer reference", "empty"));
    }
    let minor: u64 = fields[2]
        .parse()
        .ok()
        .filter(|&minor| minor > 0)
        .ok_or_else(|| {
            FileError::malformed(
                number,
                "Amount",
                "not a whole number of minor units above 0",
            )
        })?;
    let amount = Money::new(fields[3], minor)
        .map_err(|_| FileError::malformed(number, "Currency", "not an ISO 4217 currency code"))?;
    let mut variables = Vec::with_capacity((fields.len() - 4) / 2);
    for pair in fields[4..].chunks_exact(2) {
        if pair[0].is_empty() {
            return Err(FileError::malformed(number, "Variable name", "empty"));
        }
        variables.push((pair[0].to_string(), pair[1].to_string()));
    }
    Ok(FileRecipient {
        msisdn: fields[0].to_string(),
        client_reference: fields[1].to_string(),
        amount,
        variables,
    })
}

/// A text as written: its line breaks as `{{CRLF}}`.
fn text(value: &str, name: &'static str) -> Result<String, FileError> {
    let written = value.replace("\r\n", CRLF).replace(['\n', '\r'], CRLF);
    separated_field(&written, name)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc's example file (ftp.md, "Example of a file").
    const DOC_EXAMPLE: &str = "\
1;test-20170101-120000;30;Hello {{name}}, click here to pay {{amount}} kroner.;Your payment of {{amount}} is now confirmed
+4799999999;abcd1234;10000;NOK;name;Kjetil;amount;100
+4799999998;abcd1235;25000;NOK;name;Steven;amount;250
+4799999997;abcd1236;7500;NOK;name;Robbie;amount;75
";

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_docs_example_reads_as_documented_and_writes_back_byte_for_byte() {
        let file = BatchFile::read(DOC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(file.batch_reference, "test-20170101-120000");
        assert_eq!(file.expiry_days, 30);
        assert_eq!(
            file.sms_text,
            "Hello {{name}}, click here to pay {{amount}} kroner."
        );
        assert_eq!(
            file.receipt_text.as_deref(),
            Some("Your payment of {{amount}} is now confirmed")
        );
        assert_eq!(file.recipients.len(), 3);
        let first = &file.recipients[0];
        assert_eq!(first.msisdn, "+4799999999");
        assert_eq!(first.client_reference, "abcd1234");
        assert_eq!(first.amount, Money::new("NOK", 10_000).unwrap());
        assert_eq!(
            first.variables,
            pairs(&[("name", "Kjetil"), ("amount", "100")])
        );
        assert_eq!(file.recipients[2].amount.minor_units(), 7_500);
        let mut written = Vec::new();
        file.write(&mut written).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap().replace("\r\n", "\n"),
            DOC_EXAMPLE
        );
    }

    #[test]
    fn texts_carry_line_breaks_as_crlf_and_a_receipt_may_be_left_out() {
        let mut file = BatchFile::read(DOC_EXAMPLE.as_bytes()).unwrap();
        file.sms_text = "Hello {{name}},\r\nplease pay.\nThanks".into();
        file.receipt_text = None;
        let mut written = Vec::new();
        file.write(&mut written).unwrap();
        let written = String::from_utf8(written).unwrap();
        assert!(
            written.starts_with(
                "1;test-20170101-120000;30;Hello {{name}},{{CRLF}}please pay.{{CRLF}}Thanks;\r\n"
            ),
            "{written}"
        );
        let again = BatchFile::read(written.as_bytes()).unwrap();
        assert_eq!(again.sms_text, "Hello {{name}},\r\nplease pay.\r\nThanks");
        assert_eq!(again.receipt_text, None);
    }

    #[test]
    fn a_malformed_line_names_its_line_and_field() {
        let error = |text: &str| match BatchFile::read(text.as_bytes()) {
            Err(FileError::Malformed { line, field, .. }) => (line, field),
            other => panic!("{other:?}"),
        };
        let config = "1;b;30;Hi;\n";
        assert_eq!(error(""), (1, "Version"));
        assert_eq!(error("2;b;30;Hi;\n"), (1, "Version"));
        assert_eq!(error("1;b;thirty;Hi;\n"), (1, "Expiry days"));
        assert_eq!(error("1;b;30;Hi\n"), (1, "configuration"));
        assert_eq!(
            error(&format!("{config}4799999999;r;100;NOK\n")),
            (2, "Msisdn")
        );
        assert_eq!(
            error(&format!("{config}+4799999999;r;0;NOK\n")),
            (2, "Amount")
        );
        assert_eq!(
            error(&format!("{config}+4799999999;r;100;NOKK\n")),
            (2, "Currency")
        );
        assert_eq!(
            error(&format!("{config}\n+4799999999;r;100;NOK;name\n")),
            (3, "Variable value")
        );
        // Found by the fuzz target: a bare CR inside a line.
        assert_eq!(error("1;b;30;Hi\rthere;\n"), (1, "line"));
        // No value in an error.
        let shown = BatchFile::read(format!("{config}4799999999;r;100;NOK\n").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("4799999999"), "{shown}");
    }

    #[test]
    fn a_value_the_file_cannot_carry_is_refused() {
        let mut file = BatchFile::read(DOC_EXAMPLE.as_bytes()).unwrap();
        file.recipients[1].variables[0].1 = "Ste;ven".into();
        assert!(matches!(
            file.write(Vec::new()),
            Err(FileError::Unwritable {
                field: "Variable value",
                ..
            })
        ));
    }

    #[test]
    fn past_250_recipients_the_importer_makes_parts_the_api_takes() {
        let recipients = (0..501)
            .map(|i| {
                FileRecipient::new(
                    format!("+47{:08}", 90_000_000 + i),
                    format!("kid-{i}"),
                    Money::new("NOK", 100).unwrap(),
                )
                .with_variables(pairs(&[("name", "Kari")]))
            })
            .collect();
        let file = BatchFile {
            batch_reference: "march".into(),
            expiry_days: 10,
            sms_text: "Hi {{name}}".into(),
            receipt_text: Some("Thanks".into()),
            recipients,
        };
        let requests = file.requests(None).unwrap();
        let shape: Vec<(String, usize)> = requests
            .iter()
            .map(|r| (r.batch_reference.to_string(), r.recipients.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("march-part1".to_string(), 250),
                ("march-part2".to_string(), 250),
                ("march-part3".to_string(), 1)
            ]
        );
        assert_eq!(requests[2].recipients[0].reference.as_str(), "kid-500");
        // One part keeps the reference; a request makes the same file back.
        let one = BatchFile {
            recipients: file.recipients[..3].to_vec(),
            ..file.clone()
        };
        let request = one.requests(None).unwrap().remove(0);
        assert_eq!(request.batch_reference.as_str(), "march");
        assert_eq!(BatchFile::from_request(&request, 10).unwrap(), one);
    }

    proptest::proptest! {
        /// Any file the format can carry reads back as written.
        #[test]
        fn written_files_read_back(
            reference in "[^;\r\n]{1,20}",
            days in 0u32..400,
            sms in "[^;\r]{0,40}",
            receipt in proptest::option::of("[^;\r]{1,40}"),
            recipients in proptest::collection::vec(
                (
                    "\\+[1-9][0-9]{6,14}", "[^;\r\n]{1,12}", 1u64..u64::MAX,
                    proptest::sample::select(vec!["NOK", "SEK", "EUR"]),
                    proptest::collection::vec(("[^;\r\n]{1,8}", "[^;\r\n]{0,8}"), 0..3),
                ),
                0..10,
            ),
        ) {
            let file = BatchFile {
                batch_reference: reference,
                expiry_days: days,
                // The file's line break reads back as \r\n.
                sms_text: sms.replace('\n', "\r\n"),
                receipt_text: receipt.map(|text| text.replace('\n', "\r\n")),
                recipients: recipients
                    .into_iter()
                    .map(|(msisdn, kid, amount, currency, variables)| {
                        FileRecipient::new(msisdn, kid, Money::new(currency, amount).unwrap())
                            .with_variables(variables)
                    })
                    .collect(),
            };
            let mut written = Vec::new();
            file.write(&mut written).unwrap();
            let again = BatchFile::read(written.as_slice()).unwrap();
            proptest::prop_assert_eq!(again, file);
        }
    }
}
