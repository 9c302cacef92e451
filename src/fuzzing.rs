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
    use crate::soap::SoapOperation;
    use crate::soap::codec::XmlValue;
    let (status, mut headers, body) = split(input);
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    let limits = crate::soap::Limits::default();
    fn one<T: XmlValue + Debug>(
        operation: &SoapOperation,
        (status, headers, body, limits): (StatusCode, &HeaderMap, &[u8], &crate::soap::Limits),
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
