//! Hostile SOAP responses fail with typed errors, before any costly parsing.
//! (How fast is measured in `benches/soap.rs`, not here.)
#![cfg(feature = "direct-payment")]

use nordpay::direct_payment::soap::{Limits, SoapError};
use nordpay::direct_payment::{Client, Credentials, Environment, Error, Transport, TransportError};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn reverse_against(body: String, limits: Limits) -> (Error, usize) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml; charset=utf-8"))
        .mount(&server)
        .await;
    let client = Client::builder(
        Environment::Custom(server.uri().parse().unwrap()),
        Transport::Soap,
        Credentials::new(1, "u", "p"),
    )
    .limits(limits)
    .build()
    .unwrap();
    let error = client
        .reverse_payment(1)
        .await
        .expect_err("hostile input must fail");
    (error, server.received_requests().await.unwrap().len())
}

fn envelope(body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>&lol9;</faultstring></s:Fault></s:Body></s:Envelope>"#;

const EXTERNAL_ENTITY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE r [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>&xxe;</faultstring></s:Fault></s:Body></s:Envelope>"#;

#[tokio::test]
async fn billion_laughs_is_refused() {
    let (error, sent) = reverse_against(BILLION_LAUGHS.to_string(), Limits::default()).await;
    assert!(
        matches!(error, Error::Soap(SoapError::Doctype)),
        "{error:?}"
    );
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn an_external_entity_is_refused() {
    let (error, _) = reverse_against(EXTERNAL_ENTITY.to_string(), Limits::default()).await;
    assert!(
        matches!(error, Error::Soap(SoapError::Doctype)),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_entity_reference_without_a_doctype_is_not_expanded() {
    let body = envelope(
        r#"<s:Fault><faultcode>s:Server</faultcode><faultstring>&xxe;</faultstring></s:Fault>"#,
    );
    let (error, _) = reverse_against(body, Limits::default()).await;
    assert!(
        matches!(&error, Error::Soap(SoapError::Malformed(m)) if m.contains("undefined entity")),
        "{error:?}"
    );
}

/// 100 000 namespace declarations on one element.
fn many_xmlns() -> String {
    let mut attributes = String::with_capacity(3_000_000);
    for i in 0..100_000 {
        attributes.push_str(&format!(r#" xmlns:p{i}="urn:p{i}""#));
    }
    envelope(&format!(
        r#"<ReversePaymentResponse xmlns="http://directpay.intele.com/v1"{attributes}/>"#
    ))
}

#[tokio::test]
async fn a_hundred_thousand_xmlns_attributes_are_refused() {
    let body = many_xmlns();
    // With room for the bytes, the attribute count is what stops it.
    let roomy = Limits {
        max_bytes: 8 * 1024 * 1024,
        ..Limits::default()
    };
    let (error, _) = reverse_against(body.clone(), roomy).await;
    assert!(
        matches!(
            error,
            Error::Soap(SoapError::TooManyAttributes { limit: 32 })
        ),
        "{error:?}"
    );
    // With the default limits, its size alone stops it, before it is parsed.
    let (error, _) = reverse_against(body, Limits::default()).await;
    assert!(
        matches!(
            error,
            Error::Transport(TransportError::TooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn deep_nesting_is_refused() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let (error, _) = reverse_against(envelope(&deep), Limits::default()).await;
    assert!(
        matches!(error, Error::Soap(SoapError::TooDeep { limit: 32 })),
        "{error:?}"
    );
}

#[tokio::test]
async fn truncated_and_non_soap_documents_are_malformed_not_panics() {
    for body in [
        "".to_string(),
        "<".to_string(),
        envelope("<ReversePaymentResponse xmlns=\"http://directpay.intele.com/v1\">"),
        "<Envelope/>".to_string(),
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>"#.to_string(),
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#
            .to_string(),
        "\u{feff}not xml at all".to_string(),
    ] {
        let (error, _) = reverse_against(body.clone(), Limits::default()).await;
        assert!(
            matches!(error, Error::Soap(SoapError::Malformed(_))),
            "{body:?}: {error:?}"
        );
    }
}
