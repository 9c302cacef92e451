//! The Direct Payment stand-in, over REST and SOAP.

use super::*;

pub(super) fn payment(
    msisdn: &str,
    reference: &str,
) -> direct_payment::types::builder::PaymentDetails {
    direct_payment::types::PaymentDetails::builder()
        .msisdn(msisdn)
        .price(2500)
        .service_code("06005".parse::<direct_payment::ServiceCode>().unwrap())
        .client_reference(reference)
}

/// The code a phone received: the inbox of the sandbox's control routes.
async fn code_sent_to(sandbox: &Sandbox, msisdn: &str) -> String {
    let url = sandbox
        .control_url()
        .join(&format!(
            "sandbox/direct-payment/verification-codes/{msisdn}"
        ))
        .unwrap();
    let sent: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    sent["Code"].as_str().unwrap().to_string()
}

/// A PreAuthorize token for `msisdn` (PreAuthorize is REST only).
async fn pre_authorized(sandbox: &Sandbox, msisdn: &str) -> String {
    direct_payment_client(sandbox, direct_payment::Transport::Rest)
        .pre_authorize(
            direct_payment::types::PlatformName::Directpay,
            direct_payment::types::PreAuthorizeRequest::builder()
                .msisdn(msisdn)
                .transaction_id("subscription-1")
                .platform(direct_payment::Platform::DirectPay)
                .security_level(direct_payment::SecurityLevel::None),
        )
        .await
        .unwrap()
        .token
        .unwrap()
}

pub(super) const TRANSPORTS: [direct_payment::Transport; 2] = [
    direct_payment::Transport::Rest,
    direct_payment::Transport::Soap,
];

#[tokio::test]
async fn direct_payment_ledger_rules_hold_on_both_transports() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = direct_payment_client(&sandbox, transport);
        let reference = format!("ledger-{transport}");
        let paid = client
            .pay(payment("+4799999999", &reference))
            .await
            .unwrap();

        // A reference is used once.
        let again = client
            .pay(payment("+4799999999", &reference))
            .await
            .unwrap_err();
        assert_eq!(
            again.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}: {again:?}"
        );

        // A payment is reversed once.
        client.reverse_payment(paid.transaction_id.0).await.unwrap();
        let twice = client
            .reverse_payment(paid.transaction_id.0)
            .await
            .unwrap_err();
        assert_eq!(
            twice.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}"
        );
        let status = client.payment_status(reference.as_str()).await.unwrap();
        assert_eq!(
            status.payment_status,
            direct_payment::PaymentStatus::Reversed
        );
        assert_eq!(status.transaction_id, Some(paid.transaction_id.0));

        // Version 2 fields travel on both transports (a token PreAuthorize,
        // REST only, issued for the MSISDN).
        let token = pre_authorized(&sandbox, "+4799999999").await;
        let v2 = payment("+4799999999", &format!("v2-{transport}"))
            .security_level(Some(direct_payment::SecurityLevel::None))
            .authorization_token(Some(token));
        client.pay(v2).await.unwrap();

        let unknown = client.payment_status("never-paid").await.unwrap_err();
        assert_eq!(unknown.code(), Some(direct_payment::ErrorCode::NotFound));
        let unknown = client.reverse_payment(1).await.unwrap_err();
        assert_eq!(unknown.code(), Some(direct_payment::ErrorCode::NotFound));
    }
}

#[tokio::test]
async fn direct_payment_fault_table() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let client = direct_payment_client(&sandbox, transport);
        for (msisdn, code, status) in [
            (
                faults::BARRED_MSISDN,
                direct_payment::ErrorCode::MsisdnBarred,
                403,
            ),
            (
                faults::MNO_ERROR_MSISDN,
                direct_payment::ErrorCode::MnoError,
                424,
            ),
            (
                faults::NO_FUNDS_MSISDN,
                direct_payment::ErrorCode::FinancialFailure,
                424,
            ),
        ] {
            let error = client
                .pay(payment(msisdn, &format!("{transport}-{msisdn}")))
                .await
                .unwrap_err();
            match error {
                direct_payment::Error::Fault {
                    code: got,
                    status: Some(s),
                    ..
                } => {
                    assert_eq!((got, s.as_u16()), (code, status), "{transport} {msisdn}")
                }
                other => panic!("{transport} {msisdn}: {other:?}"),
            }
        }
        // Wrong credentials: that API's own 401 fault.
        let wrong = direct_payment::Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            direct_payment::Credentials::new(
                credentials::DIRECT_PAYMENT_SERVICE_ID,
                "sandbox",
                "wrong",
            ),
        )
        .build()
        .unwrap();
        let error = wrong.pay(payment("+4799999999", "x")).await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(direct_payment::ErrorCode::Unauthorized),
            "{transport}"
        );
    }
}

#[tokio::test]
async fn a_timeout_after_the_charge_was_committed_shows_as_paid() {
    let sandbox = Sandbox::start().await.unwrap();
    for transport in TRANSPORTS {
        let impatient = direct_payment::Client::builder(
            sandbox.direct_payment_environment(),
            transport,
            sandbox.direct_payment_credentials(),
        )
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
        let reference = format!("slow-{transport}");
        let error = impatient
            .pay(payment(faults::SLOW_MSISDN, &reference))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                direct_payment::Error::Transport(
                    direct_payment::TransportError::DeadlineExceeded { sent: true, .. }
                )
            ) && error.is_outcome_unknown(),
            "{transport}: {error:?}"
        );
        // The charge went through: ask, do not pay again.
        let status = direct_payment_client(&sandbox, transport)
            .payment_status(reference.as_str())
            .await
            .unwrap();
        assert_eq!(
            status.payment_status,
            direct_payment::PaymentStatus::Paid,
            "{transport}"
        );
    }
}

#[tokio::test]
async fn verification_codes_are_delivered_to_the_inbox_and_expire() {
    let sandbox = Sandbox::start().await.unwrap();
    for (transport, msisdn) in [
        (direct_payment::Transport::Rest, "+4791111111"),
        (direct_payment::Transport::Soap, "+4792222222"),
    ] {
        let client = direct_payment_client(&sandbox, transport);
        let verify = |code: &str| {
            direct_payment::types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code)
        };
        let none = client
            .verify_verification_code(verify("000000"))
            .await
            .unwrap_err();
        assert_eq!(
            none.code(),
            Some(direct_payment::ErrorCode::NotFound),
            "{transport}"
        );

        client
            .send_verification_code(
                direct_payment::types::SendVerificationCodeRequest::builder().msisdn(msisdn),
            )
            .await
            .unwrap();
        let code = code_sent_to(&sandbox, msisdn).await;
        let wrong = client
            .verify_verification_code(verify("999999x"))
            .await
            .unwrap_err();
        assert_eq!(
            wrong.code(),
            Some(direct_payment::ErrorCode::Validation),
            "{transport}"
        );
        client
            .verify_verification_code(verify(&code))
            .await
            .unwrap();

        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        client
            .send_verification_code(
                direct_payment::types::SendVerificationCodeRequest::builder()
                    .msisdn(msisdn)
                    .expiry_time(Some(past.into())),
            )
            .await
            .unwrap();
        let code = code_sent_to(&sandbox, msisdn).await;
        let expired = client
            .verify_verification_code(verify(&code))
            .await
            .unwrap_err();
        assert_eq!(
            expired.code(),
            Some(direct_payment::ErrorCode::Expired),
            "{transport}"
        );
    }

    // A code valid for an hour expires when the sandbox's clock moves on:
    // no test has to wait for it.
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let msisdn = "+4793333333";
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    client
        .send_verification_code(
            direct_payment::types::SendVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .expiry_time(Some(in_an_hour.into())),
        )
        .await
        .unwrap();
    let code = code_sent_to(&sandbox, msisdn).await;
    sandbox.advance(std::time::Duration::from_secs(2 * 3600));
    let expired = client
        .verify_verification_code(
            direct_payment::types::VerifyVerificationCodeRequest::builder()
                .msisdn(msisdn)
                .verification_code(code.as_str()),
        )
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some(direct_payment::ErrorCode::Expired));
    // Reset brings the clock back.
    sandbox.reset();
    let response = reqwest::Client::new()
        .post(sandbox.control_url().join("sandbox/advance").unwrap())
        .json(&serde_json::json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn rest_only_calls_work_against_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let token = client
        .pre_authorize(
            direct_payment::types::PlatformName::Directpay,
            direct_payment::types::PreAuthorizeRequest::builder()
                .msisdn("+4799999999")
                .transaction_id("mine")
                .platform(direct_payment::Platform::DirectPay)
                .security_level(direct_payment::SecurityLevel::Confirmation),
        )
        .await
        .unwrap();
    assert!(token.token.unwrap().starts_with("preauth-"));
    assert_eq!(token.transaction_id.as_deref(), Some("mine"));
    let code: direct_payment::ServiceCode = "06005".parse().unwrap();
    let barred = client.user_info(faults::BARRED_MSISDN).await.unwrap();
    assert_eq!(
        barred.validity,
        Some(direct_payment::Validity::MnoBillingBarred)
    );
    client
        .user_info_v2("+4799999999", 2500, code, None)
        .await
        .unwrap();
    let error = client
        .user_info_v2(faults::BARRED_MSISDN, 2500, code, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(direct_payment::ErrorCode::MsisdnBarred));
    assert_eq!(
        client
            .user_info_v3("+4799999999")
            .await
            .unwrap()
            .remaining_yearly_amount,
        Some(-1)
    );
    let summary = client
        .user_info_summary(faults::BARRED_MSISDN, 2500, code, None)
        .await
        .unwrap();
    assert_eq!(summary.response_v2_fault.map(|f| f.code), Some(7));
}

// ---- what the docs say, read against the stand-in ----

/// A Pay over REST, sent by hand to `base` (`…/restV1.svc`).
async fn raw_pay(base: &str, details: serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!(
            "{base}/service/{}/pay",
            credentials::DIRECT_PAYMENT_SERVICE_ID
        ))
        .basic_auth(
            credentials::DIRECT_PAYMENT_USERNAME,
            Some(credentials::DIRECT_PAYMENT_PASSWORD),
        )
        .json(&serde_json::json!({ "PaymentDetails": details }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn direct_payment_rest_answers_as_its_docs_write_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let base = sandbox.direct_payment_url();
    let base = base.as_str().trim_end_matches('/');
    let details = |msisdn: &str, reference: &str| {
        serde_json::json!({
            "Msisdn": msisdn, "Price": 2500, "ServiceCode": "06005",
            "ClientReference": reference,
        })
    };
    // The user-info docs write `RestV1.svc`, the others `restV1.svc`: both serve.
    for (spelling, reference) in [("restV1.svc", "docs-1"), ("RestV1.svc", "docs-2")] {
        let (status, paid) = raw_pay(
            &format!("{base}/{spelling}"),
            details("+4799999999", reference),
        )
        .await;
        assert_eq!(status, 200, "{spelling}: {paid}");
        assert!(paid["TransactionId"].is_i64(), "{paid}");
    }
    // Error code 13, "Invalid msisdn" (in the docs' list since 2021), for a
    // malformed MSISDN in a body too, and no parser position in the
    // description.
    let (status, fault) = raw_pay(
        &format!("{base}/restV1.svc"),
        details("4799-not-a-number", "docs-3"),
    )
    .await;
    assert_eq!(status, 400, "{fault}");
    assert_eq!(fault["Code"], 13, "{fault}");
    let (status, fault) = raw_pay(
        &format!("{base}/restV1.svc"),
        serde_json::json!({"Msisdn": "+4799999999", "Price": "many", "ServiceCode": "06005", "ClientReference": "docs-4"}),
    )
    .await;
    assert_eq!(
        (status, &fault["Code"]),
        (400, &serde_json::json!(2)),
        "{fault}"
    );
    let description = fault["Description"].as_str().unwrap();
    assert!(
        description.starts_with("PaymentDetails.Price"),
        "{description}"
    );
    assert!(
        !description.contains("line") && !description.contains("column"),
        "{description}"
    );
    // A price out of range names the range as a person writes it.
    let (_, fault) = raw_pay(
        &format!("{base}/restV1.svc"),
        serde_json::json!({"Msisdn": "+4799999999", "Price": 99, "ServiceCode": "06005", "ClientReference": "docs-5"}),
    )
    .await;
    let description = fault["Description"].as_str().unwrap();
    assert!(
        description.contains("not between 100 and 50000 øre"),
        "{description}"
    );
    assert!(!description.contains("..="), "{description}");
}

/// "This method returns a token to be used in subsequent Pay requests ...
/// The token is issued by Strex and does not expire. However it can be
/// manually invalidated by Strex": a Pay carries only a token issued for
/// its MSISDN and not revoked, on either transport.
#[tokio::test]
async fn pay_takes_only_a_preauthorize_token_issued_for_its_msisdn_and_not_revoked() {
    let sandbox = Sandbox::start().await.unwrap();
    let rest = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let token = pre_authorized(&sandbox, "+4799999999").await;
    let with_token = |msisdn: &str, reference: &str, token: &str| {
        payment(msisdn, reference)
            .security_level(Some(direct_payment::SecurityLevel::None))
            .authorization_token(Some(token.to_string()))
    };
    for (i, transport) in TRANSPORTS.into_iter().enumerate() {
        let client = direct_payment_client(&sandbox, transport);
        let reference = format!("token-{i}");
        client
            .pay(with_token("+4799999999", &reference, &token))
            .await
            .unwrap();
        let stranger = client
            .pay(with_token("+4799999998", &format!("{reference}-b"), &token))
            .await
            .unwrap_err();
        assert_eq!(
            stranger.code(),
            Some(direct_payment::ErrorCode::Forbidden),
            "{transport:?}"
        );
        let invented = client
            .pay(with_token(
                "+4799999999",
                &format!("{reference}-c"),
                "preauth-0",
            ))
            .await
            .unwrap_err();
        assert_eq!(
            invented.code(),
            Some(direct_payment::ErrorCode::Forbidden),
            "{transport:?}"
        );
    }
    let revoked = reqwest::Client::new()
        .delete(format!(
            "{}/direct-payment/tokens/{token}",
            sandbox.control_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = rest
        .pay(with_token("+4799999999", "token-after", &token))
        .await
        .unwrap_err();
    assert_eq!(after.code(), Some(direct_payment::ErrorCode::Forbidden));

    // The dashboard revokes a token as Strex would, once.
    let other = pre_authorized(&sandbox, "+4799999999").await;
    dashboard_action(&sandbox, "token", &other, "revoke")
        .await
        .unwrap();
    dashboard_action(&sandbox, "token", &other, "revoke")
        .await
        .unwrap_err();
    let after = rest
        .pay(with_token("+4799999999", "token-after-dashboard", &other))
        .await
        .unwrap_err();
    assert_eq!(after.code(), Some(direct_payment::ErrorCode::Forbidden));
}

/// "If provided, age of the subscriber is checked to be above the input
/// age" (user info v2 and the summary), and PaymentDetails' `Age`, "the
/// minimum age of the subscriber required for the purchase": the fault
/// table's 16-year-old passes 16 and fails 18 (code 6, inferred).
#[tokio::test]
async fn the_subscribers_age_is_checked_where_a_request_gives_one() {
    let sandbox = Sandbox::start().await.unwrap();
    let young = faults::AGED_16_MSISDN;
    let code: direct_payment::ServiceCode = "06005".parse().unwrap();
    let rest = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    rest.user_info_v2(young, 2500, code, Some(16))
        .await
        .unwrap();
    // Any age, not only PaymentDetails' 16 and 18 (the docs give these none).
    for age in [17, 18, 21] {
        let refused = rest
            .user_info_v2(young, 2500, code, Some(age))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Some(direct_payment::ErrorCode::Forbidden));
    }
    let summary = rest
        .user_info_summary(young, 2500, code, Some(18))
        .await
        .unwrap();
    assert_eq!(summary.response_v2_fault.map(|f| f.code), Some(6));
    for (i, transport) in TRANSPORTS.into_iter().enumerate() {
        let client = direct_payment_client(&sandbox, transport);
        let adult_only =
            payment(young, &format!("age-{i}")).age(Some(direct_payment::Age::Eighteen));
        let refused = client.pay(adult_only).await.unwrap_err();
        assert_eq!(
            refused.code(),
            Some(direct_payment::ErrorCode::Forbidden),
            "{transport:?}"
        );
        let any_age = payment(young, &format!("age-{i}-b")).age(Some(direct_payment::Age::Sixteen));
        client.pay(any_age).await.unwrap();
    }
}

/// "2 = Confirmation (End user will have 1 minute to confirm the
/// transaction)" (methods.md): Pay waits for the user, who gets the message
/// in the inbox and answers from the dashboard; confirmed, it is Paid;
/// let lapse, Pay fails Expired (code 10, inferred) and nothing is charged.
#[tokio::test]
async fn security_level_2_waits_for_the_user_to_confirm_or_let_lapse() {
    let sandbox = Sandbox::start().await.unwrap();
    for (transport, answer) in [
        (direct_payment::Transport::Rest, "confirm"),
        (direct_payment::Transport::Soap, "lapse"),
        (direct_payment::Transport::Rest, "lapse"),
        (direct_payment::Transport::Soap, "confirm"),
    ] {
        let client = direct_payment_client(&sandbox, transport);
        let reference = format!("confirm-{transport:?}-{answer}");
        let msisdn = "+4793333333";
        let paying = tokio::spawn({
            let client = direct_payment_client(&sandbox, transport);
            let details = payment(msisdn, &reference)
                .security_level(Some(direct_payment::SecurityLevel::Confirmation));
            async move { client.pay(details).await }
        });
        // Until the user answers: NotPaid, and the message in the inbox.
        let mut waited = 0;
        loop {
            match client.payment_status(reference.as_str()).await {
                Ok(status) => {
                    assert_eq!(
                        status.payment_status,
                        direct_payment::PaymentStatus::NotPaid
                    );
                    break;
                }
                Err(_) if waited < 100 => {
                    waited += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("never recorded: {error}"),
            }
        }
        assert!(!paying.is_finished(), "Pay waits for the user");
        let inbox = reqwest::get(sandbox.inbox_url())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(inbox.contains("confirm a payment of 25,00 kr"), "{inbox}");

        // The dashboard's buttons, or the control route a test in any
        // language can call.
        if transport == direct_payment::Transport::Soap && answer == "confirm" {
            let url = sandbox
                .control_url()
                .join(&format!(
                    "sandbox/direct-payment/payments/{reference}/confirm"
                ))
                .unwrap();
            let answered = reqwest::Client::new().post(url).send().await.unwrap();
            assert_eq!(answered.status(), 204);
        } else {
            dashboard_action(&sandbox, "payment", &reference, answer)
                .await
                .unwrap();
        }
        let paid = tokio::time::timeout(Duration::from_secs(5), paying)
            .await
            .expect("Pay answers once the user has")
            .unwrap();
        let status = client
            .payment_status(reference.as_str())
            .await
            .unwrap()
            .payment_status;
        match answer {
            "confirm" => {
                assert!(paid.is_ok(), "{transport:?}: {paid:?}");
                assert_eq!(status, direct_payment::PaymentStatus::Paid);
            }
            _ => {
                let error = paid.unwrap_err();
                assert_eq!(
                    error.code(),
                    Some(direct_payment::ErrorCode::Expired),
                    "{error:?}"
                );
                assert_eq!(status, direct_payment::PaymentStatus::NotPaid);
            }
        }
        // Answered once: the dashboard offers nothing more.
        dashboard_action(&sandbox, "payment", &reference, "confirm")
            .await
            .unwrap_err();
    }
}

/// "The REST endpoint supports both JSON and XML. To specify the content
/// type of the request, you must specify the Content-Type header and to
/// specify the content type of the response, you must specify the Accept
/// header." XML is each body's DataContract (x-nordpay-xml in the spec):
/// root named after the schema, the types namespace, enums by name.
#[tokio::test]
async fn direct_payment_rest_speaks_xml_both_ways() {
    let sandbox = Sandbox::start().await.unwrap();
    let rest = sandbox.direct_payment_environment().rest_url();
    let base = format!(
        "{}/service/{}",
        rest.as_str().trim_end_matches('/'),
        credentials::DIRECT_PAYMENT_SERVICE_ID
    );
    let http = reqwest::Client::new();
    let send = async |request: reqwest::RequestBuilder| {
        let answer = request
            .basic_auth(
                credentials::DIRECT_PAYMENT_USERNAME,
                Some(credentials::DIRECT_PAYMENT_PASSWORD),
            )
            .send()
            .await
            .unwrap();
        let media = answer
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (
            answer.status().as_u16(),
            media,
            answer.text().await.unwrap(),
        )
    };
    let pay = |msisdn: &str| {
        format!(
            r#"<a:PaymentRequest xmlns:a="http://directpay.intele.com/v1/types" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:PaymentDetails><a:Age i:nil="true"/><a:ClientReference>xml-1</a:ClientReference><a:Msisdn>{msisdn}</a:Msisdn><a:Price>2500</a:Price><a:SecurityLevel>None</a:SecurityLevel><a:ServiceCode>06005</a:ServiceCode></a:PaymentDetails></a:PaymentRequest>"#
        )
    };
    let xml_post = |url: String, body: String| {
        http.post(url)
            .header("content-type", "application/xml; charset=utf-8")
            .header("accept", "application/xml")
            .body(body)
    };

    let (status, media, body) = send(xml_post(format!("{base}/pay"), pay("+4798079008"))).await;
    assert_eq!(
        (status, media.as_str()),
        (200, "application/xml; charset=utf-8"),
        "{body}"
    );
    assert!(
        body.contains(r#"<PaymentResponse xmlns="http://directpay.intele.com/v1/types" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ClientReference>xml-1</ClientReference><TransactionId>"#),
        "{body}"
    );

    // The status in XML names the enum member; in JSON it is the number.
    let (status, _, body) = send(
        http.get(format!("{base}/pay/xml-1"))
            .header("accept", "application/xml"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<PaymentStatus>Paid</PaymentStatus>"),
        "{body}"
    );
    let (_, media, body) = send(http.get(format!("{base}/pay/xml-1"))).await;
    assert!(media.starts_with("application/json"), "{media}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["PaymentStatus"],
        1
    );

    // Faults too: a malformed MSISDN (code 13), an unknown payment (3), a
    // body that is not XML (2).
    for (request, status, code) in [
        (xml_post(format!("{base}/pay"), pay("98079008")), 400, 13),
        (
            http.get(format!("{base}/pay/nothing"))
                .header("accept", "text/xml"),
            404,
            3,
        ),
        (
            xml_post(format!("{base}/pay"), "<PaymentRequest>".into()),
            400,
            2,
        ),
    ] {
        let (got, media, body) = send(request).await;
        assert_eq!(got, status, "{body}");
        assert!(media.starts_with("application/xml"), "{media}");
        assert!(
            body.contains(&format!("<DirectPaymentFault xmlns=\"http://directpay.intele.com/v1/types\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Code>{code}</Code><Description>")),
            "{body}"
        );
    }

    // Neither JSON nor XML: 406, with the fault in JSON.
    let (status, _, body) = send(
        http.get(format!("{base}/pay/xml-1"))
            .header("accept", "text/html"),
    )
    .await;
    assert_eq!(status, 406);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Code"],
        2
    );
}

/// "Some of our services requires the mobile phone subscription to be
/// verified before use"; "If this field [ExpiryTime] is not used, the
/// verification lasts forever." The fault table's MUST_VERIFY_MSISDN is
/// such a service's number: refused (code 6, inferred) until verified, and
/// again once its verification's ExpiryTime has passed.
#[tokio::test]
async fn a_service_that_requires_verification_charges_only_a_verified_number() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = direct_payment_client(&sandbox, direct_payment::Transport::Rest);
    let msisdn = faults::MUST_VERIFY_MSISDN;
    let verify = async |expiry: Option<chrono::DateTime<chrono::Utc>>| {
        client
            .send_verification_code(
                direct_payment::types::SendVerificationCodeRequest::builder()
                    .msisdn(msisdn)
                    .expiry_time(expiry.map(Into::into)),
            )
            .await
            .unwrap();
        let code = code_sent_to(&sandbox, msisdn).await;
        client
            .verify_verification_code(
                direct_payment::types::VerifyVerificationCodeRequest::builder()
                    .msisdn(msisdn)
                    .verification_code(code.as_str()),
            )
            .await
            .unwrap();
    };

    let refused = client.pay(payment(msisdn, "verify-1")).await.unwrap_err();
    assert_eq!(refused.code(), Some(direct_payment::ErrorCode::Forbidden));

    // Verified for an hour: charged, then refused once the hour is over.
    verify(Some(chrono::Utc::now() + chrono::Duration::hours(1))).await;
    client.pay(payment(msisdn, "verify-2")).await.unwrap();
    sandbox.advance(std::time::Duration::from_secs(2 * 3600));
    let lapsed = client.pay(payment(msisdn, "verify-3")).await.unwrap_err();
    assert_eq!(lapsed.code(), Some(direct_payment::ErrorCode::Forbidden));

    // Without an ExpiryTime the verification lasts.
    verify(None).await;
    sandbox.advance(std::time::Duration::from_secs(400 * 24 * 3600));
    client.pay(payment(msisdn, "verify-4")).await.unwrap();
}
