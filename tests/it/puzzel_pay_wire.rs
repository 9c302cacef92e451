//! Puzzel Pay on the wire: the exact requests (vendor media types included)
//! and the decoding of every example and error status of the docs.
#![cfg(feature = "puzzel-pay")]

use nordpay::puzzel_pay::{
    BatchAction, Client, Environment, Error, PaymentProvider, RequestType, ResponseValue, Step,
    parse_callback, types,
};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudCJ9.c2ln";

/// What `?` gives a service: the answer, or the API's error.
fn answer<T>(result: Result<ResponseValue<T>, Error>) -> Result<T, Error> {
    result.map(ResponseValue::into_inner)
}

struct Harness {
    server: MockServer,
    client: Client,
}

async fn serve(response: ResponseTemplate) -> Harness {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    let client = Client::builder(Environment::Custom(server.uri().parse().unwrap()), JWT)
        .build()
        .unwrap();
    Harness { server, client }
}

impl Harness {
    async fn only_request(&self) -> Request {
        let mut requests = self.server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.remove(0)
    }

    async fn sent(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

fn assert_auth(request: &Request) {
    let bearer = format!("Bearer {JWT}");
    assert_eq!(header(request, "authorization"), Some(bearer.as_str()));
    assert_eq!(header(request, "api-version"), None);
}

fn vendor(body: Value, media_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), media_type)
}

fn recipient(reference: &str, name: &str, amount: u64) -> types::Recipient {
    types::Recipient::builder()
        .reference(reference)
        .msisdn("+4799999999")
        .type_(RequestType::Payment)
        .payment(types::Payment::builder().amount(amount).currency("NOK"))
        .variables(std::collections::BTreeMap::from([
            ("name".to_string(), name.to_string()),
            ("amount".to_string(), (amount / 100).to_string()),
        ]))
        .try_into()
        .expect("a valid recipient")
}

/// The request example of rest.md (with distinct recipient references: the
/// docs use the placeholder "a_unique_reference" for both).
fn docs_batch() -> types::builder::BatchRequest {
    let mut john = recipient("recipient-1", "John", 100);
    john.settings = Some(types::RecipientSettings {
        differentiator: "March billing".into(),
        invoice_node: "2017-03".into(),
    });
    types::BatchRequest::builder()
        .batch_reference("a_unique_reference")
        .expires(Some("2017-01-01T09:00:00Z".parse().unwrap()))
        .recipients(vec![john, recipient("recipient-2", "Jane", 200)])
        .message_templates(vec![types::MessageTemplate {
            type_: RequestType::Payment,
            text: "Dear {{name}}. Amount kr. {{amount}},-. Tap the link to pay.".into(),
        }])
        .direct_payment_settings(Some(types::DirectPaymentSettings {
            business_model: types::BusinessModel::StrexPayment,
            service_code: "14001".parse().unwrap(),
        }))
        .action(BatchAction::SendSms)
        .receipt_templates(vec![types::MessageTemplate {
            type_: RequestType::Payment,
            text: "Dear {{name}}, the invoice payment has been registered.".into(),
        }])
        .service_overrides(Some(types::ServiceOverrides {
            service_templates: vec![types::ServiceTemplate {
                type_: RequestType::Payment,
                text1: Some("string".into()),
                text2: None,
                text3: None,
                text4: None,
            }],
        }))
}

fn docs_batch_json() -> Value {
    json!({
        "batchReference": "a_unique_reference",
        "expires": "2017-01-01T09:00:00Z",
        "recipients": [
            {"reference": "recipient-1", "msisdn": "+4799999999", "variables": {"name": "John", "amount": "1"},
             "type": 0, "payment": {"amount": 100, "currency": "NOK"},
             "settings": {"differentiator": "March billing", "invoiceNode": "2017-03"}},
            {"reference": "recipient-2", "msisdn": "+4799999999", "variables": {"name": "Jane", "amount": "2"},
             "type": 0, "payment": {"amount": 200, "currency": "NOK"}}
        ],
        "messageTemplates": [{"type": 0, "text": "Dear {{name}}. Amount kr. {{amount}},-. Tap the link to pay."}],
        "directPaymentSettings": {"businessModel": "STREX-PAYMENT", "serviceCode": "14001"},
        "action": 1,
        "receiptTemplates": [{"type": 0, "text": "Dear {{name}}, the invoice payment has been registered."}],
        "serviceOverrides": {"serviceTemplates": [{"type": 0, "text1": "string"}]}
    })
}

#[tokio::test]
async fn create_batch_sends_the_vendor_types_and_decodes_the_ok_example() {
    let h = serve(vendor(
        json!({
            "batchReference": "a_unique_reference",
            "smsStatuses": [
                {"reference": "recipient-1", "statusCode": 0, "statusMessage": "Message enqueued for sending"},
                {"reference": "recipient-2", "statusCode": 0, "statusMessage": "Message enqueued for sending"}
            ],
            "paymentLinks": null,
            "validationErrors": null
        }),
        "application/vnd.instapay.batchresponse.v1+json",
    ))
    .await;
    let answer = answer(h.client.create_batch().body(docs_batch()).send().await).unwrap();

    let request = h.only_request().await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/batches");
    assert_auth(&request);
    assert_eq!(
        header(&request, "content-type"),
        Some("application/vnd.instapay.batchrequest.v1+json")
    );
    assert_eq!(
        header(&request, "accept"),
        Some("application/vnd.instapay.batchresponse.v1+json")
    );
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent, docs_batch_json());

    assert_eq!(
        answer.batch_reference.as_deref(),
        Some("a_unique_reference")
    );
    let statuses = answer.sms_statuses.unwrap();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0].status_code, Some(0));
    assert!(answer.payment_links.is_none());
    assert!(answer.validation_errors.is_none());
}

#[tokio::test]
async fn create_batch_decodes_the_validation_error_example() {
    let h = serve(
        ResponseTemplate::new(400).set_body_raw(
            json!({
                "batchReference": "a_unique_reference",
                "smsStatuses": null,
                "paymentLinks": null,
                "validationErrors": {
                    "recipients[0].variables": ["The variable 'amount' is missing"],
                    "recipients[0].variables[0]": ["The variable 'name' is missing in the template"]
                }
            })
            .to_string(),
            "application/vnd.instapay.batchresponse.v1+json",
        ),
    )
    .await;
    let error = answer(h.client.create_batch().body(docs_batch()).send().await).unwrap_err();
    let Error::Validation(errors) = &error else {
        panic!("expected validation errors, got {error:?}");
    };
    assert_eq!(errors.len(), 2);
    assert_eq!(
        errors["recipients[0].variables"],
        ["The variable 'amount' is missing"]
    );
    assert!(
        error
            .to_string()
            .contains("recipients[0].variables[0]: The variable 'name'")
    );
}

#[tokio::test]
async fn create_links_returns_the_payment_links() {
    let h = serve(vendor(
        json!({"batchReference": "b", "smsStatuses": null,
               "paymentLinks": [{"reference": "recipient-1", "link": "https://short.url/example"}],
               "validationErrors": null}),
        "application/vnd.instapay.batchresponse.v1+json",
    ))
    .await;
    let answer = answer(
        h.client
            .create_batch()
            .body(docs_batch().action(BatchAction::CreateLinks))
            .send()
            .await,
    )
    .unwrap();
    let links = answer.payment_links.unwrap();
    assert_eq!(links[0].link.as_deref(), Some("https://short.url/example"));
    let sent: Value = serde_json::from_slice(&h.only_request().await.body).unwrap();
    assert_eq!(sent["action"], 2);
}

#[tokio::test]
async fn batch_status_decodes_the_example() {
    let h = serve(vendor(
        json!({
            "reference": "a_unique_reference",
            "smsStatus": {"sent": 2, "delivered": 2, "clicked": 2},
            "paymentProviderStatus": {
                "averageConversionTimeInMinutes": 3,
                "paymentProviders": [{"paymentProvider": 1, "selected": 2, "paid": 2}]
            },
            "recipientStatus": [
                {"reference": "a_unique_reference", "step": 6},
                {"reference": "a_unique_reference", "step": 4}
            ]
        }),
        "application/vnd.instapay.batchstatus.v1+json",
    ))
    .await;
    let status = answer(
        h.client
            .get_batch_status()
            .reference("a_unique_reference")
            .send()
            .await,
    )
    .unwrap();

    let request = h.only_request().await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/batches/a_unique_reference/status");
    assert_auth(&request);
    assert_eq!(
        header(&request, "accept"),
        Some("application/vnd.instapay.batchstatus.v1+json")
    );
    assert!(request.body.is_empty());

    assert_eq!(status.sms_status.as_ref().unwrap().clicked, Some(2));
    let providers = status.payment_provider_status.unwrap();
    assert_eq!(providers.average_conversion_time_in_minutes, Some(3));
    assert_eq!(
        providers.payment_providers[0].payment_provider,
        Some(PaymentProvider::Adyen)
    );
    let steps: Vec<_> = status.recipient_status.iter().map(|r| r.step).collect();
    assert_eq!(steps, [Some(Step::Paid), Some(Step::PickedPaymentProvider)]);
}

#[tokio::test]
async fn unknown_steps_and_providers_are_kept() {
    let h = serve(vendor(
        json!({"reference": "b", "paymentProviderStatus": {"paymentProviders": [{"paymentProvider": 12}]},
               "recipientStatus": [{"reference": "r", "step": 9}]}),
        "application/vnd.instapay.batchstatus.v1+json",
    ))
    .await;
    let status = answer(h.client.get_batch_status().reference("b").send().await).unwrap();
    assert_eq!(status.recipient_status[0].step, Some(Step::Unknown(9)));
    assert_eq!(
        status.payment_provider_status.unwrap().payment_providers[0].payment_provider,
        Some(PaymentProvider::Unknown(12))
    );
}

#[tokio::test]
async fn refund_is_a_delete_with_the_refund_accept_type() {
    let h = serve(ResponseTemplate::new(200)).await;
    h.client
        .refund_recipient()
        .batch_reference("batch-1")
        .recipient_reference("recipient-1")
        .send()
        .await
        .unwrap();
    let request = h.only_request().await;
    assert_eq!(request.method.as_str(), "DELETE");
    assert_eq!(request.url.path(), "/batches/batch-1/recipient-1");
    assert_auth(&request);
    assert_eq!(
        header(&request, "accept"),
        Some("application/vnd.instapay.refundrequest.v1+json")
    );
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn every_documented_error_status_is_typed() {
    let is_status =
        |error: &Error, code: u16| matches!(error, Error::Status(e) if e.status.as_u16() == code);
    for status in [400, 401, 404, 424, 500] {
        // Puzzel Pay's own error statuses carry no body (but a 400's validation errors).
        let response = ResponseTemplate::new(status);
        let h = serve(response).await;
        let errors = [
            (
                "create",
                answer(h.client.create_batch().body(docs_batch()).send().await).unwrap_err(),
            ),
            (
                "status",
                answer(h.client.get_batch_status().reference("b").send().await).unwrap_err(),
            ),
            (
                "refund",
                answer(
                    h.client
                        .refund_recipient()
                        .batch_reference("b")
                        .recipient_reference("r")
                        .send()
                        .await,
                )
                .unwrap_err(),
            ),
        ];
        for (operation, error) in errors {
            let typed = match status {
                401 => matches!(error, Error::Unauthorized),
                404 => matches!(error, Error::NotFound),
                // Only a refund documents 424.
                424 if operation == "refund" => matches!(error, Error::RefundRejected),
                // A 400 without validation errors keeps its status.
                _ => is_status(&error, status),
            };
            assert!(typed, "{operation} {status}: {error:?}");
        }
        assert_eq!(h.sent().await, 3);
    }
    // Puzzel Pay's own 404: no body, or a JSON one.
    for response in [
        ResponseTemplate::new(404),
        ResponseTemplate::new(404).set_body_raw("{}", "application/json"),
    ] {
        let h = serve(response).await;
        let error = answer(h.client.get_batch_status().reference("b").send().await).unwrap_err();
        assert!(matches!(error, Error::NotFound), "{error:?}");
    }
}

/// No most number of recipients is published (the FTP importer splits a
/// batch of more than 250 rather than refusing it): a large batch is sent.
#[tokio::test]
async fn a_batch_of_more_than_250_recipients_is_sent() {
    let h = serve(vendor(
        json!({"batchReference": "big"}),
        "application/vnd.instapay.batchresponse.v1+json",
    ))
    .await;
    let many: Vec<types::Recipient> = (0..300)
        .map(|i| recipient(&format!("r{i}"), "N", 100))
        .collect();
    answer(
        h.client
            .create_batch()
            .body(docs_batch().recipients(many))
            .send()
            .await,
    )
    .unwrap();
    assert_eq!(h.sent().await, 1);
}

#[tokio::test]
async fn bad_batches_are_refused_before_sending() {
    let h = serve(ResponseTemplate::new(200)).await;
    let cases: Vec<(types::builder::BatchRequest, &str)> = vec![
        (docs_batch().batch_reference(""), "batch_reference"),
        (docs_batch().recipients(vec![]), "recipients: 0 items"),
        (
            docs_batch().message_templates(vec![]),
            "messageTemplates: 0 items; at least 1 needed",
        ),
        (
            docs_batch().recipients(vec![
                recipient("same", "A", 100),
                recipient("same", "B", 100),
            ]),
            "recipients[1].reference: the same as an earlier item's",
        ),
        // The amount is an int64: the u64 the type holds may be larger.
        (
            docs_batch().recipients(vec![
                recipient("a", "A", 100),
                recipient("b", "B", i64::MAX as u64 + 1),
            ]),
            "recipients[1].payment.amount: more than 9223372036854775807",
        ),
    ];
    for (batch, expected) in cases {
        match answer(h.client.create_batch().body(batch).send().await) {
            Err(Error::InvalidRequest(message)) => {
                assert!(message.contains(expected), "{message:?} lacks {expected:?}")
            }
            other => panic!("expected InvalidRequest({expected}), got {other:?}"),
        }
    }
    let valid = || {
        types::Recipient::builder()
            .reference("r")
            .msisdn("+4799999999")
            .type_(RequestType::Payment)
            .payment(types::Payment::builder().amount(100u64).currency("NOK"))
    };
    for (field, builder) in [
        ("reference", valid().reference("")),
        ("msisdn", valid().msisdn("99999999")),
        ("msisdn", valid().msisdn("+47 999 99 999")),
    ] {
        let built: Result<types::Recipient, _> = builder.try_into();
        let error = built.expect_err("invalid recipient");
        assert!(error.to_string().contains(field), "{error}");
    }
    // A negative amount does not compile (the amount is a NonZeroU64); zero is refused.
    let payment: Result<types::Payment, _> = types::Payment::builder()
        .amount(0u64)
        .currency("NOK")
        .try_into();
    assert!(payment.unwrap_err().to_string().contains("amount"));
    assert!(answer(h.client.get_batch_status().reference("").send().await).is_err());
    assert!(
        answer(
            h.client
                .refund_recipient()
                .batch_reference("b")
                .recipient_reference("")
                .send()
                .await
        )
        .is_err()
    );
    assert_eq!(h.sent().await, 0, "nothing may be sent");
}

#[test]
fn the_callback_parses_and_refuses_garbage() {
    let callback = parse_callback(
        br#"{"batchReference":"b-1","clientReference":"r-1","success":false,
             "externalReference":null,"externalStatusCode":"51"}"#,
    )
    .unwrap();
    assert!(!callback.success);
    assert_eq!(callback.batch_reference, "b-1");
    assert_eq!(callback.external_reference, None);
    assert_eq!(callback.external_status_code.as_deref(), Some("51"));

    assert!(parse_callback(b"{}").is_err());
    assert!(parse_callback(b"not json").is_err());
    assert!(
        parse_callback(br#"{"batchReference":"b","clientReference":"r","success":"yes"}"#).is_err()
    );
    let huge = vec![b' '; 100_000];
    assert!(matches!(
        parse_callback(&huge),
        Err(nordpay::puzzel_pay::CallbackError::TooLarge)
    ));
}

#[tokio::test]
async fn the_jwt_never_shows_in_debug_output() {
    let h = serve(ResponseTemplate::new(200)).await;
    let shown = format!(
        "{:?} {:?}",
        h.client,
        Client::builder(Environment::Production, JWT)
    );
    assert!(!shown.contains("c2ln"), "{shown}");
}

/// A proxy's web page, at any status, is not Puzzel Pay talking: an unknown
/// outcome that says nothing of the batch, its text never in the error.
#[tokio::test]
async fn a_web_page_is_not_the_provider_talking() {
    for status in [400, 401, 404, 424, 500] {
        let page = ResponseTemplate::new(status).set_body_raw("<html>oops</html>", "text/html");
        let h = serve(page).await;
        let error = answer(h.client.get_batch_status().reference("b").send().await).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Transport(nordpay::runtime::TransportError::UnexpectedResponse { .. })
            ),
            "{status}: {error:?}"
        );
        assert!(error.is_outcome_unknown(), "{status}: {error:?}");
        assert!(!error.to_string().contains("oops"), "{error}");
    }
}
