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
use nordpay::direct_payment::soap_api::{dp, dpt, operations};
use nordpay::soap::{self, Limits, Secret};
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use xsd_parser_types::xml::Nillable;

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

/// The same request, written element by element.
fn hand_written_request() -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(br#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#);
    let mut writer = Writer::new(&mut out);
    let element = |writer: &mut Writer<&mut Vec<u8>>, name: &str, text: &str| {
        writer
            .write_event(Event::Start(BytesStart::new(name)))
            .unwrap();
        writer
            .write_event(Event::Text(BytesText::new(text)))
            .unwrap();
        writer.write_event(Event::End(BytesEnd::new(name))).unwrap();
    };
    let pay = BytesStart::new("dp:Pay").with_attributes([
        ("xmlns:xs", "http://www.w3.org/2001/XMLSchema"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ("xmlns:dp", "http://directpay.intele.com/v1"),
        ("xmlns:dpt", "http://directpay.intele.com/v1/types"),
    ]);
    writer.write_event(Event::Start(pay)).unwrap();
    writer
        .write_event(Event::Start(BytesStart::new("dp:request")))
        .unwrap();
    writer
        .write_event(Event::Start(BytesStart::new("dpt:PaymentDetails")))
        .unwrap();
    element(&mut writer, "dpt:Age", "18");
    element(&mut writer, "dpt:BusinessModel", "TRANSPORT");
    element(&mut writer, "dpt:ClientReference", "ref-1");
    element(&mut writer, "dpt:EndUserInvoiceText", "Parking");
    element(&mut writer, "dpt:Msisdn", "+4799999999");
    element(&mut writer, "dpt:Price", &2500.to_string());
    element(&mut writer, "dpt:ServiceCode", "06005");
    writer
        .write_event(Event::End(BytesEnd::new("dpt:PaymentDetails")))
        .unwrap();
    writer
        .write_event(Event::Start(BytesStart::new("dpt:ServiceCredentials")))
        .unwrap();
    element(&mut writer, "dpt:Password", "secret");
    element(&mut writer, "dpt:ServiceId", &1234.to_string());
    element(&mut writer, "dpt:Username", "user");
    writer
        .write_event(Event::End(BytesEnd::new("dpt:ServiceCredentials")))
        .unwrap();
    writer
        .write_event(Event::End(BytesEnd::new("dp:request")))
        .unwrap();
    writer
        .write_event(Event::End(BytesEnd::new("dp:Pay")))
        .unwrap();
    out.extend_from_slice(b"</s:Body></s:Envelope>");
    out
}

/// The response, read with a namespace-aware reader: the TransactionId text
/// inside PayResult, with the element names checked.
fn hand_written_response(xml: &[u8]) -> (String, i64) {
    use quick_xml::NsReader;
    use quick_xml::name::{Namespace, ResolveResult};
    const TYPES: &[u8] = b"http://directpay.intele.com/v1/types";
    let mut reader = NsReader::from_reader(xml);
    let mut current = Vec::new();
    let (mut reference, mut id) = (String::new(), 0);
    loop {
        match reader.read_resolved_event().unwrap() {
            (ResolveResult::Bound(Namespace(ns)), Event::Start(start)) if ns == TYPES => {
                current = start.local_name().as_ref().to_vec();
            }
            (_, Event::Text(text)) => {
                let text = text.decode().unwrap();
                match current.as_slice() {
                    b"ClientReference" => reference = text.into_owned(),
                    b"TransactionId" => id = text.parse().unwrap(),
                    _ => {}
                }
            }
            (_, Event::End(_)) => current.clear(),
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    (reference, id)
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
