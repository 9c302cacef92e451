//! The Pay exchange written by hand with quick-xml: the baseline a careful
//! engineer would write without a generator. Shared by the benches.

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// The same request, written element by element.
pub fn hand_written_request() -> Vec<u8> {
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
pub fn hand_written_response(xml: &[u8]) -> (String, i64) {
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
