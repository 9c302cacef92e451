//! SOAP cost, measured side by side in one run: `cargo bench --bench soap`.
//!
//! - `pay_exchange/generated`: encode a Pay request envelope and decode a
//!   PayResponse envelope with the xsd-parser types and nordpay's SOAP layer
//!   (limits check, Body child check, re-rooting included).
//! - `pay_exchange/hand_written`: the same two documents with quick-xml by hand,
//!   the baseline a careful engineer would write without a generator.
//! - `hostile/*`: how long the limits take to refuse hostile responses.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use nordpay::direct_payment::soap::{self, Limits, Secret};
use nordpay::direct_payment::soap_api::{dp, dpt, operations};
use xsd_parser_types::xml::Nillable;

#[path = "common/hand_soap.rs"]
mod hand_soap;
use hand_soap::{hand_written_request, hand_written_response};

const PAY_RESPONSE: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><PayResponse xmlns="http://directpay.intele.com/v1"><PayResult xmlns:a="http://directpay.intele.com/v1/types" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:ClientReference>ref-1</a:ClientReference><a:TransactionId>42</a:TransactionId></PayResult></PayResponse></s:Body></s:Envelope>"#;

fn generated_request() -> dp::Pay {
    dp::Pay {
        request: dpt::PaymentRequestType {
            payment_details: dpt::PaymentDetailsType {
                age: Some(Nillable::new(dpt::AgeType::_18)),
                business_model: Some(Nillable::new("TRANSPORT".into())),
                client_reference: "ref-1".into(),
                differentiator: None,
                end_user_invoice_text: Some(Nillable::new("Parking".into())),
                invoice_node: None,
                msisdn: dpt::MsisdnType("+4799999999".into()),
                price: 2500,
                service_code: "06005".into(),
                authorization_token: None,
                confirmation_channel: None,
                security_level: None,
                teletorg_settings: None,
            },
            service_credentials: dpt::ServiceCredentialsType {
                password: Secret::new("secret"),
                service_id: 1234,
                username: "user".into(),
            },
        },
    }
}

fn generated_exchange(limits: &Limits) -> (Vec<u8>, i64) {
    let request = soap::encode(&operations::PAY, "dp", &generated_request()).unwrap();
    let response: dp::PayResponse =
        soap::decode(PAY_RESPONSE.as_bytes(), &operations::PAY, limits).unwrap();
    (request, response.pay_result.transaction_id)
}

fn pay_exchange(c: &mut Criterion) {
    let limits = Limits::default();
    // Both sides must produce the same bytes and read the same answer.
    assert_eq!(generated_exchange(&limits).0, hand_written_request());
    assert_eq!(
        hand_written_response(PAY_RESPONSE.as_bytes()),
        ("ref-1".to_string(), 42)
    );

    let mut group = c.benchmark_group("pay_exchange");
    group.bench_function("generated", |b| {
        b.iter(|| black_box(generated_exchange(&limits)))
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            let request = hand_written_request();
            black_box((request, hand_written_response(PAY_RESPONSE.as_bytes())))
        })
    });
    group.finish();
}

fn hostile(c: &mut Criterion) {
    let mut attributes = String::new();
    for i in 0..100_000 {
        attributes.push_str(&format!(r#" xmlns:p{i}="urn:p{i}""#));
    }
    let many_xmlns = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><PayResponse xmlns="http://directpay.intele.com/v1"{attributes}/></s:Body></s:Envelope>"#
    );
    let roomy = Limits {
        max_bytes: 8 * 1024 * 1024,
        ..Limits::default()
    };
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol2;</s:Body></s:Envelope>"#;

    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    group.bench_function("100k_xmlns_refused", |b| {
        b.iter(|| {
            let result =
                soap::decode::<dp::PayResponse>(many_xmlns.as_bytes(), &operations::PAY, &roomy);
            assert!(result.is_err());
        })
    });
    group.bench_function("billion_laughs_refused", |b| {
        b.iter(|| {
            let result = soap::decode::<dp::PayResponse>(
                billion_laughs.as_bytes(),
                &operations::PAY,
                &roomy,
            );
            assert!(result.is_err());
        })
    });
    group.finish();
}

criterion_group!(benches, pay_exchange, hostile);
criterion_main!(benches);
