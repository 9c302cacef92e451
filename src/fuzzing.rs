//! Entry points for the fuzz targets in `fuzz/` (feature `_fuzz`, not for
//! users): everything a server's answer goes through, without a network.
//! Each takes arbitrary bytes and must return, never panic; the result is
//! formatted (`Display` and `Debug`) so that error types are exercised too.

use std::fmt::Debug;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::runtime::{DecodeError, ErrorAnswer};

/// Statuses the fuzzer picks from (the first byte of its input).
const STATUSES: &[u16] = &[
    200, 201, 204, 400, 401, 402, 403, 404, 415, 424, 429, 500, 502, 503,
];

/// A status, headers and a body from fuzz input.
fn split(input: &[u8]) -> (StatusCode, HeaderMap, &[u8]) {
    let (first, body) = input.split_first().unwrap_or((&0, &[]));
    let status = StatusCode::from_u16(STATUSES[usize::from(*first) % STATUSES.len()])
        .unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    if first & 0x80 != 0 {
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2099 07:28:00 GMT"),
        );
    } else if first & 0x40 != 0 {
        headers.insert("retry-after", HeaderValue::from_static("120"));
    }
    (status, headers, body)
}

fn show<T: Debug>(value: &T) {
    std::hint::black_box(format!("{value:?}"));
}

/// A JSON success body as `T`, and a decode error as the client words it.
fn json<T: serde::de::DeserializeOwned + Debug>(body: &[u8]) {
    match serde_json::from_slice::<T>(body) {
        Ok(value) => show(&value),
        Err(error) => show(&DecodeError::describe(&error)),
    }
}

fn answer<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> ErrorAnswer<'a> {
    ErrorAnswer {
        operation: None,
        status,
        headers,
        body,
    }
}

/// A CONNECT answer: every response type, and the error folding.
#[cfg(feature = "connect")]
pub fn connect_response(input: &[u8]) {
    use crate::connect::{Error, types};
    let (status, headers, body) = split(input);
    json::<types::Transaction>(body);
    json::<Vec<types::Transaction>>(body);
    json::<types::Agreement>(body);
    json::<Vec<types::Agreement>>(body);
    let error = Error::from_answer(answer(status, &headers, body));
    std::hint::black_box((
        error.to_string(),
        error.is_outcome_unknown(),
        error.retry_after(),
    ));
}

/// A Direct Payment REST answer: every response type, and the fault folding.
#[cfg(feature = "direct-payment")]
pub fn direct_payment_rest_response(input: &[u8]) {
    use crate::direct_payment::{Error, types};
    let (status, headers, body) = split(input);
    json::<types::PaymentResponse>(body);
    json::<types::ReversePaymentResponse>(body);
    json::<types::PaymentStatusResponse>(body);
    json::<types::PreAuthorizeResponse>(body);
    json::<types::UserInfo>(body);
    json::<types::UserInfoV3>(body);
    json::<types::UserInfoSummary>(body);
    let error = Error::from_answer(answer(status, &headers, body));
    std::hint::black_box((error.to_string(), error.is_outcome_unknown()));
}

/// A Direct Payment SOAP answer, for every operation: the envelope, the
/// response element and the fault mapping.
#[cfg(feature = "direct-payment")]
pub fn direct_payment_soap_response(input: &[u8]) {
    use crate::direct_payment::soap_api::{dp, operations};
    use crate::runtime::soap::SoapOperation;
    use crate::runtime::soap::codec::XmlValue;
    let (status, mut headers, body) = split(input);
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    let limits = crate::runtime::soap::Limits::default();
    fn one<T: XmlValue + Debug>(
        operation: &SoapOperation,
        (status, headers, body, limits): (
            StatusCode,
            &HeaderMap,
            &[u8],
            &crate::runtime::soap::Limits,
        ),
    ) {
        use crate::direct_payment::soap_transport::answer;
        match answer::<T>(operation, status, headers, body, limits) {
            Ok(value) => show(&value),
            Err(error) => std::hint::black_box((error.to_string(), format!("{error:?}")))
                .0
                .clear(),
        }
    }
    let input = (status, &headers, body, &limits);
    one::<dp::PayResponse>(&operations::PAY, input);
    one::<dp::ReversePaymentResponse>(&operations::REVERSE_PAYMENT, input);
    one::<dp::GetPaymentStatusResponse>(&operations::GET_PAYMENT_STATUS, input);
    one::<dp::SendVerificationCodeResponse>(&operations::SEND_VERIFICATION_CODE, input);
    one::<dp::VerifyVerificationCodeResponse>(&operations::VERIFY_VERIFICATION_CODE, input);
}

/// A Puzzel Pay answer: every response type, the error folding, and the
/// callback parser.
#[cfg(feature = "puzzel-pay")]
pub fn puzzel_pay_response(input: &[u8]) {
    use crate::puzzel_pay::{Error, types};
    let (status, headers, body) = split(input);
    json::<types::BatchResponse>(body);
    json::<types::BatchStatus>(body);
    let error = Error::from_answer(answer(status, &headers, body));
    std::hint::black_box((error.to_string(), error.is_outcome_unknown()));
}

/// The callback Puzzel Pay POSTs to a merchant.
#[cfg(feature = "puzzel-pay")]
pub fn puzzel_pay_callback(input: &[u8]) {
    match crate::puzzel_pay::parse_callback(input) {
        Ok(callback) => show(&callback),
        Err(error) => std::hint::black_box(error.to_string()).clear(),
    }
}

/// A Mediaconnect answer: every response type and the error folding.
#[cfg(feature = "mediaconnect")]
pub fn mediaconnect_response(input: &[u8]) {
    use crate::mediaconnect::{Error, types};
    let (status, headers, body) = split(input);
    json::<types::PaymentMethods>(body);
    json::<types::PaymentChange>(body);
    json::<types::PaymentStarted>(body);
    json::<types::InvoicesAndReminders>(body);
    let error = Error::from_answer(answer(status, &headers, body));
    std::hint::black_box((error.to_string(), error.provider_code().map(str::len)));
}

/// The URL a user comes back with from Mediaconnect's login server.
#[cfg(feature = "mediaconnect")]
pub fn mediaconnect_return_url(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(url) = url::Url::parse(text) {
        show(&crate::mediaconnect::Outcome::from_return_url(&url));
    }
}

/// CONNECT's money and VAT rates, as text and as JSON.
#[cfg(feature = "connect")]
pub fn connect_money(input: &[u8]) {
    use crate::connect::{Money, VatRate};
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(money) = text.parse::<Money>() {
        std::hint::black_box(money.to_string());
    }
    if let Ok(rate) = text.parse::<VatRate>() {
        std::hint::black_box(rate.to_string());
    }
    show(&serde_json::from_slice::<Money>(input).map_err(|e| e.to_string()));
    show(&serde_json::from_slice::<VatRate>(input).map_err(|e| e.to_string()));
}

// ---- properties: what must hold, not only "no panic" ----

/// Values drawn from fuzz input: texts end at a 0xFF byte.
struct Draw<'a>(&'a [u8]);

impl Draw<'_> {
    fn text(&mut self) -> String {
        let end = self
            .0
            .iter()
            .position(|b| *b == 0xFF)
            .unwrap_or(self.0.len());
        let text = String::from_utf8_lossy(&self.0[..end]).into_owned();
        self.0 = self.0.get(end + 1..).unwrap_or_default();
        text
    }

    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn long(&mut self) -> i64 {
        (0..8).fold(0i64, |n, _| (n << 8) | i64::from(self.byte()))
    }
}

/// `value` encoded and decoded again is `value` (compared by `Debug`,
/// which the generated types all have).
fn same<T: Debug>(what: &str, value: &T, again: &T) {
    assert_eq!(
        format!("{value:?}"),
        format!("{again:?}"),
        "{what}: not the same after a round trip"
    );
}

/// Direct Payment over SOAP: a Pay request and the Pay and status answers
/// drawn from the input, written as envelopes and read back, are the same
/// values (or refused when written, never changed on the way).
#[cfg(feature = "direct-payment")]
pub fn soap_round_trip(input: &[u8]) {
    use crate::direct_payment::soap_api::{dp, dpt, operations};
    use xsd_parser_types::xml::Nillable;
    let mut draw = Draw(input);
    let limits = crate::runtime::soap::Limits::default();
    let optional = |draw: &mut Draw<'_>| match draw.byte() % 3 {
        0 => None,
        1 => Some(Nillable::nil()),
        _ => Some(Nillable::new(draw.text())),
    };
    let pay = dp::Pay {
        request: dpt::PaymentRequestType {
            payment_details: dpt::PaymentDetailsType {
                age: None,
                business_model: optional(&mut draw),
                client_reference: draw.text(),
                differentiator: optional(&mut draw),
                end_user_invoice_text: optional(&mut draw),
                invoice_node: optional(&mut draw),
                // Built as the client builds it: from a checked MSISDN.
                msisdn: dpt::MsisdnType(
                    draw.text()
                        .parse::<crate::direct_payment::types::Msisdn>()
                        .map_or_else(|_| "+4799999999".to_string(), |m| m.to_string()),
                ),
                price: draw.long() as i32,
                service_code: draw.text(),
                authorization_token: optional(&mut draw),
                confirmation_channel: None,
                security_level: None,
                teletorg_settings: None,
            },
            service_credentials: dpt::ServiceCredentialsType {
                password: crate::runtime::soap::Secret::new(draw.text()),
                service_id: draw.long() as i32,
                username: draw.text(),
            },
        },
    };
    if let Ok(xml) = crate::runtime::soap::encode(&operations::PAY, "dp", &pay) {
        let again: dp::Pay = crate::runtime::soap::decode_request(&xml, &operations::PAY, &limits)
            .unwrap_or_else(|e| panic!("a Pay envelope nordpay wrote does not read back: {e}"));
        same("Pay", &pay, &again);
    }
    let paid = dp::PayResponse {
        pay_result: dpt::PaymentResponseType {
            client_reference: (draw.byte() % 4 != 0).then(|| Nillable::new(draw.text())),
            transaction_id: draw.long(),
        },
    };
    if let Ok(xml) = crate::runtime::soap::encode_response(&operations::PAY, "dp", &paid) {
        let again: dp::PayResponse = crate::runtime::soap::decode(&xml, &operations::PAY, &limits)
            .unwrap_or_else(|e| panic!("a PayResponse envelope does not read back: {e}"));
        same("PayResponse", &paid, &again);
    }
    let status = dp::GetPaymentStatusResponse {
        get_payment_status_result: dpt::PaymentStatusResponseType {
            client_reference: (draw.byte() % 4 != 0).then(|| Nillable::new(draw.text())),
            payment_status: match draw.byte() % 3 {
                0 => dpt::PaymentStatusType::NotPaid,
                1 => dpt::PaymentStatusType::Paid,
                _ => dpt::PaymentStatusType::Reversed,
            },
            transaction_id: Some(Nillable::new(draw.long())),
        },
    };
    if let Ok(xml) =
        crate::runtime::soap::encode_response(&operations::GET_PAYMENT_STATUS, "dp", &status)
    {
        let again: dp::GetPaymentStatusResponse =
            crate::runtime::soap::decode(&xml, &operations::GET_PAYMENT_STATUS, &limits)
                .unwrap_or_else(|e| panic!("a status envelope does not read back: {e}"));
        same("GetPaymentStatusResponse", &status, &again);
    }
}

/// A JSON answer that decodes, written again and read back, is the same.
fn json_round_trip<T>(body: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(body) else {
        return;
    };
    let written = serde_json::to_vec(&value).expect("a decoded answer can be written");
    let again = serde_json::from_slice::<T>(&written).unwrap_or_else(|e| {
        panic!(
            "{} written by nordpay does not read back: {e}",
            std::any::type_name::<T>()
        )
    });
    same(std::any::type_name::<T>(), &value, &again);
}

/// Every REST API's answer types: decode, write, decode is the same value.
#[cfg(all(
    feature = "connect",
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
pub fn rest_round_trip(input: &[u8]) {
    use crate::{connect, direct_payment, mediaconnect, puzzel_pay};
    json_round_trip::<connect::types::Transaction>(input);
    json_round_trip::<connect::types::Agreement>(input);
    json_round_trip::<direct_payment::types::PaymentResponse>(input);
    json_round_trip::<direct_payment::types::PaymentStatusResponse>(input);
    json_round_trip::<direct_payment::types::UserInfoV3>(input);
    json_round_trip::<puzzel_pay::types::BatchResponse>(input);
    json_round_trip::<puzzel_pay::types::BatchStatus>(input);
    json_round_trip::<mediaconnect::types::InvoicesAndReminders>(input);
    json_round_trip::<mediaconnect::types::PaymentStarted>(input);
}

/// CONNECT's `Money`: parsed, written and parsed again is the same amount,
/// as text and as JSON.
#[cfg(feature = "connect")]
pub fn money_round_trip(input: &[u8]) {
    use crate::connect::Money;
    if let Ok(money) = std::str::from_utf8(input).map(str::parse::<Money>)
        && let Ok(money) = money
    {
        let again: Money = money
            .to_string()
            .parse()
            .unwrap_or_else(|e| panic!("{money} does not parse back: {e}"));
        assert_eq!(money, again, "{money} is not the same after a round trip");
    }
    if let Ok(money) = serde_json::from_slice::<Money>(input) {
        let again: Money = serde_json::from_slice(&serde_json::to_vec(&money).expect("writes"))
            .expect("reads back");
        assert_eq!(money, again);
    }
}

/// The classification of every money operation's answer: a 2xx whose body
/// does not decode as the operation's success (or a 2xx the spec does not
/// list) is an unknown outcome, in every API and over SOAP; never "not
/// done".
#[cfg(all(
    feature = "connect",
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
pub fn money_answer_is_unknown(input: &[u8]) {
    use crate::{connect, direct_payment, mediaconnect, puzzel_pay};
    let (first, body) = input.split_first().unwrap_or((&0, &[]));
    let status = StatusCode::from_u16(200 + u16::from(*first % 100)).expect("a 2xx");

    fn check<T, E>(operation: &str, status: StatusCode, body: &[u8])
    where
        T: serde::de::DeserializeOwned,
        E: From<progenitor_client::Error<()>> + Debug + crate::runtime::Classified,
    {
        let failures = [
            serde_json::from_slice::<T>(body).err().map(|error| {
                progenitor_client::Error::InvalidResponsePayload(
                    bytes::Bytes::copy_from_slice(body),
                    error,
                )
            }),
            Some(progenitor_client::Error::UnexpectedResponse(
                reqwest::Response::from(
                    http::Response::builder()
                        .status(status)
                        .body(body.to_vec())
                        .expect("a response"),
                ),
            )),
        ];
        for failure in failures.into_iter().flatten() {
            let error = E::from(failure);
            assert!(
                error.outcome_unknown(),
                "{operation}: HTTP {status} that does not decode is {error:?}, not an unknown outcome"
            );
        }
    }
    check::<connect::types::Transaction, connect::Error>("createTransaction", status, body);
    check::<connect::types::Transaction, connect::Error>("refundTransaction", status, body);
    check::<connect::types::Agreement, connect::Error>("createAgreement", status, body);
    check::<direct_payment::types::PaymentResponse, direct_payment::Error>("pay", status, body);
    check::<direct_payment::types::ReversePaymentResponse, direct_payment::Error>(
        "reversePayment",
        status,
        body,
    );
    check::<puzzel_pay::types::BatchResponse, puzzel_pay::Error>("createBatch", status, body);
    check::<mediaconnect::types::PaymentStarted, mediaconnect::Error>("payInvoice", status, body);
    check::<mediaconnect::types::PaymentChange, mediaconnect::Error>(
        "changePaymentMethod",
        status,
        body,
    );

    // Over SOAP: any 2xx that is not Pay's answer nor a fault Direct
    // Payment sent is an unknown outcome.
    use crate::direct_payment::soap_api::{dp, operations};
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    let answer = crate::direct_payment::soap_transport::answer::<dp::PayResponse>(
        &operations::PAY,
        status,
        &headers,
        body,
        &crate::runtime::soap::Limits::default(),
    );
    if let Err(error) = answer
        && !matches!(
            error,
            direct_payment::Error::Fault { .. } | direct_payment::Error::SoapFault { .. }
        )
    {
        assert!(
            error.is_outcome_unknown(),
            "Pay over SOAP: HTTP {status} that does not decode is {error:?}, not an unknown outcome"
        );
    }
}

#[cfg(all(
    test,
    feature = "connect",
    feature = "direct-payment",
    feature = "puzzel-pay",
    feature = "mediaconnect"
))]
mod tests {
    //! The properties on a few inputs, so that `cargo test` holds them too
    //! (the fuzzer, on nightly, searches for more).

    #[test]
    fn soap_answers_and_requests_read_back_as_written() {
        for input in [
            &b""[..],
            b"\x02np-1\xff\x00\x00\x00\x00\x00\x00\x09\xc4\xff06005\xff",
            b"\x01 spaced \xff\x02<&>\"'\xff+4799999999\xff\x00\x00\x00\x00\x00\x00\x00\x01",
            "\u{e6}\u{f8}\u{e5} \u{2603}\u{ff}x".as_bytes(),
        ] {
            super::soap_round_trip(input);
        }
    }

    #[test]
    fn rest_answers_read_back_as_written() {
        for input in [
            &br#"{"ClientReference":"a","TransactionId":7}"#[..],
            br#"{"ClientReference":"a","PaymentStatus":9,"TransactionId":null}"#,
            br#"{"id":"t","orderId":"o","state":"SOMETHING_NEW","amount":"NOK 10.00","vatRate":0.25,"links":[]}"#,
            br#"{"batchReference":"b","validationErrors":{"recipients[0].msisdn":["bad"]}}"#,
            br#"{"success":true,"transactionId":5}"#,
        ] {
            super::rest_round_trip(input);
        }
    }

    #[test]
    fn money_reads_back_as_written() {
        for input in ["NOK 100", "USD 18.14", "\"NOK 0.50\"", "MMK 1500"] {
            super::money_round_trip(input.as_bytes());
        }
    }

    #[test]
    fn every_undecodable_success_of_a_money_operation_is_an_unknown_outcome() {
        for input in [
            &b"\x00"[..],
            b"\x01{}",
            b"\x00<html>gateway</html>",
            b"\x00{\"ClientReference\":5}",
            b"\x02<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>",
        ] {
            super::money_answer_is_unknown(input);
        }
    }
}

/// Puzzel Pay's CSV report: read from any bytes without a panic; every
/// record read writes back and reads back the same.
#[cfg(feature = "puzzel-pay")]
pub fn puzzel_pay_report_csv(input: &[u8]) {
    use crate::puzzel_pay::report::{CsvReader, ReportRecord, write_csv};
    let records: Vec<ReportRecord> = CsvReader::new(input)
        .filter_map(|record| match record {
            Ok(record) => Some(record),
            Err(error) => {
                show(&error.to_string());
                None
            }
        })
        .collect();
    let mut written = Vec::new();
    write_csv(&mut written, &records).expect("a record read writes back");
    let again: Vec<ReportRecord> = CsvReader::new(written.as_slice())
        .collect::<Result<_, _>>()
        .expect("what was written reads back");
    assert_eq!(again, records, "a record changed in a round trip");
}

/// Puzzel Pay's OCR report: read from any bytes without a panic; a report
/// read without an error that the (strict) writer takes reads back the same.
#[cfg(feature = "puzzel-pay")]
pub fn puzzel_pay_report_ocr(input: &[u8]) {
    use crate::puzzel_pay::report::{FileError, OcrReader, OcrRecord, OcrWriter};
    let mut records = Vec::new();
    let mut clean = true;
    for record in OcrReader::new(input) {
        match record {
            Ok(record) => records.push(record),
            Err(error) => {
                show(&error.to_string());
                clean = false;
            }
        }
    }
    let Some(OcrRecord::TransmissionStart(start)) = records.first().filter(|_| clean) else {
        return;
    };
    let write = || -> Result<Vec<u8>, FileError> {
        let mut writer = OcrWriter::new(Vec::new(), start)?;
        for record in &records[1..] {
            match record {
                OcrRecord::AssignmentStart(start) => writer.start_assignment(start)?,
                OcrRecord::Transaction(transaction) => writer.transaction(transaction)?,
                OcrRecord::AssignmentEnd(end) => writer.end_assignment(end.date)?,
                OcrRecord::TransmissionEnd(end) => return writer.finish(end.date),
                OcrRecord::TransmissionStart(_) => unreachable!("one start record"),
            }
        }
        unreachable!("a clean report ends with its end record")
    };
    let Ok(written) = write() else {
        return;
    };
    let again: Vec<OcrRecord> = OcrReader::new(written.as_slice())
        .collect::<Result<_, _>>()
        .expect("what was written reads back");
    // The writer computes the end records; the rest is as read.
    let transactions = |records: &[OcrRecord]| -> Vec<OcrRecord> {
        records
            .iter()
            .filter(|r| {
                !matches!(
                    r,
                    OcrRecord::AssignmentEnd(_) | OcrRecord::TransmissionEnd(_)
                )
            })
            .cloned()
            .collect()
    };
    assert_eq!(transactions(&again), transactions(&records));
}

/// Puzzel Pay's FTP batch file: read from any bytes without a panic; a file
/// read writes back and reads back the same.
#[cfg(feature = "puzzel-pay")]
pub fn puzzel_pay_batch_file(input: &[u8]) {
    use crate::puzzel_pay::batch_file::BatchFile;
    match BatchFile::read(input) {
        Ok(file) => {
            let mut written = Vec::new();
            if file.write(&mut written).is_ok() {
                let again =
                    BatchFile::read(written.as_slice()).expect("what was written reads back");
                assert_eq!(again, file, "a batch file changed in a round trip");
            }
        }
        Err(error) => show(&error.to_string()),
    }
}
