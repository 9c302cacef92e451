//! The SOAP transport: domain requests to the WSDL's types and back.

use reqwest::header::CONTENT_TYPE;
use xsd_parser_types::xml::Nillable;

use super::generated::rest::types;
use super::generated::soap::{dp, dpf, dpt, operations};
use super::{Credentials, Error, ErrorCode, PaymentStatus, TransportError};
use crate::runtime::{Runtime, retry_after};
use crate::soap::codec::{XmlRoot, XmlValue};
use crate::soap::{self, Limits, Secret, SoapError, SoapOperation};

/// The XML prefix the generated types give the contract namespace.
const BODY_PREFIX: &str = "dp";

#[derive(Debug)]
pub(super) struct SoapTransport {
    runtime: Runtime,
    endpoint: String,
    credentials: Credentials,
    limits: Limits,
}

fn nillable<T>(value: Option<T>) -> Option<Nillable<T>> {
    value.map(Nillable::new)
}

impl SoapTransport {
    pub(super) fn new(
        runtime: Runtime,
        endpoint: String,
        credentials: Credentials,
        limits: Limits,
    ) -> Self {
        Self {
            runtime,
            endpoint,
            credentials,
            limits,
        }
    }

    /// The runtime its calls go through.
    pub(super) fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The same transport with another deadline for every call.
    pub(super) fn with_deadline(&self, deadline: std::time::Duration) -> Self {
        Self {
            runtime: self.runtime.with_deadline(deadline),
            endpoint: self.endpoint.clone(),
            credentials: self.credentials.clone(),
            limits: self.limits,
        }
    }

    fn service_credentials(&self) -> dpt::ServiceCredentialsType {
        dpt::ServiceCredentialsType {
            password: Secret::new(self.credentials.password()),
            service_id: self.credentials.service_id(),
            username: self.credentials.username().to_string(),
        }
    }

    async fn call<Req, Resp>(
        &self,
        operation: &'static SoapOperation,
        body: &Req,
    ) -> Result<Resp, Error>
    where
        Req: XmlRoot,
        Resp: XmlValue,
    {
        let envelope = soap::encode(operation, BODY_PREFIX, body).map_err(Error::Soap)?;
        let request = self
            .runtime
            .http()
            .post(&self.endpoint)
            .header(CONTENT_TYPE, soap::CONTENT_TYPE)
            .header("SOAPAction", operation.soap_action_header())
            .body(envelope);
        // The credentials are in the envelope.
        let exchange = self.runtime.exchange(&operation.runtime, request).await?;
        answer(
            operation,
            exchange.status,
            &exchange.headers,
            &exchange.body,
            &self.limits,
        )
    }

    pub(super) async fn pay(
        &self,
        details: types::PaymentDetails,
    ) -> Result<types::PaymentResponse, Error> {
        let body = dp::Pay {
            request: dpt::PaymentRequestType {
                payment_details: dpt::PaymentDetailsType {
                    age: nillable(details.age.map(Into::into)),
                    business_model: nillable(details.business_model.map(|m| m.to_string())),
                    client_reference: details.client_reference.to_string(),
                    differentiator: nillable(details.differentiator),
                    end_user_invoice_text: nillable(details.end_user_invoice_text),
                    invoice_node: nillable(details.invoice_node),
                    msisdn: dpt::MsisdnType(details.msisdn.to_string()),
                    price: details.price,
                    service_code: details.service_code.to_string(),
                    authorization_token: nillable(details.authorization_token),
                    confirmation_channel: nillable(details.confirmation_channel.map(Into::into)),
                    security_level: nillable(details.security_level.map(Into::into)),
                    teletorg_settings: nillable(details.teletorg_settings.map(|teletorg| {
                        dpt::TeletorgSettingsType {
                            bnumber: nillable(teletorg.bnumber),
                            duration: teletorg.duration,
                            start_price: teletorg.start_price,
                            start_time: nillable(teletorg.start_time.map(String::from)),
                        }
                    })),
                },
                service_credentials: self.service_credentials(),
            },
        };
        let response: dp::PayResponse = self.call(&operations::PAY, &body).await?;
        let result = response.pay_result;
        Ok(types::PaymentResponse {
            client_reference: result.client_reference.into_inner().unwrap_or_default(),
            transaction_id: types::TransactionId(result.transaction_id),
        })
    }

    pub(super) async fn reverse_payment(
        &self,
        transaction_id: i64,
    ) -> Result<types::ReversePaymentResponse, Error> {
        let body = dp::ReversePayment {
            request: dpt::ReversePaymentRequestType {
                reverse_payment_details: dpt::ReversePaymentDetailsType { transaction_id },
                service_credentials: self.service_credentials(),
            },
        };
        let response: dp::ReversePaymentResponse =
            self.call(&operations::REVERSE_PAYMENT, &body).await?;
        Ok(types::ReversePaymentResponse {
            transaction_id: types::TransactionId(response.reverse_payment_result.transaction_id),
        })
    }

    pub(super) async fn payment_status(
        &self,
        client_reference: types::ClientReference,
    ) -> Result<types::PaymentStatusResponse, Error> {
        let body = dp::GetPaymentStatus {
            request: dpt::PaymentStatusRequestType {
                client_reference: client_reference.to_string(),
                service_credentials: self.service_credentials(),
            },
        };
        let response: dp::GetPaymentStatusResponse =
            self.call(&operations::GET_PAYMENT_STATUS, &body).await?;
        let result = response.get_payment_status_result;
        Ok(types::PaymentStatusResponse {
            client_reference: result.client_reference.into_inner().unwrap_or_default(),
            payment_status: match result.payment_status {
                dpt::PaymentStatusType::NotPaid => PaymentStatus::NotPaid,
                dpt::PaymentStatusType::Paid => PaymentStatus::Paid,
                dpt::PaymentStatusType::Reversed => PaymentStatus::Reversed,
            },
            transaction_id: result.transaction_id.and_then(Nillable::into_inner),
        })
    }

    pub(super) async fn send_verification_code(
        &self,
        request: types::SendVerificationCodeRequest,
    ) -> Result<(), Error> {
        let body = dp::SendVerificationCode {
            request: dpt::SendVerificationCodeRequestType {
                expiry_time: nillable(
                    request
                        .expiry_time
                        .map(|expiry| soap::XsDateTime::from(expiry.instant())),
                ),
                msisdn: dpt::MsisdnType(request.msisdn.to_string()),
                service_credentials: self.service_credentials(),
                template: nillable(request.template),
            },
        };
        let _: dp::SendVerificationCodeResponse = self
            .call(&operations::SEND_VERIFICATION_CODE, &body)
            .await?;
        Ok(())
    }

    pub(super) async fn verify_verification_code(
        &self,
        request: types::VerifyVerificationCodeRequest,
    ) -> Result<(), Error> {
        let body = dp::VerifyVerificationCode {
            request: dpt::VerifyVerificationCodeRequestType {
                msisdn: dpt::MsisdnType(request.msisdn.to_string()),
                service_credentials: self.service_credentials(),
                verification_code: request.verification_code,
            },
        };
        let _: dp::VerifyVerificationCodeResponse = self
            .call(&operations::VERIFY_VERIFICATION_CODE, &body)
            .await?;
        Ok(())
    }
}

/// What Direct Payment's SOAP answer to `operation` means: the response
/// element, a typed fault, or (an error status without an envelope) not
/// Direct Payment talking.
pub(crate) fn answer<Resp: XmlValue>(
    operation: &SoapOperation,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    limits: &Limits,
) -> Result<Resp, Error> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_xml = content_type.as_deref().is_some_and(|ct| ct.contains("xml"));
    let unexpected = || {
        Error::Transport(TransportError::UnexpectedResponse {
            status,
            content_type: content_type.clone(),
            retry_after: retry_after(headers),
        })
    };
    if !is_xml && !status.is_success() {
        return Err(unexpected());
    }

    match soap::decode::<Resp>(body, operation, limits) {
        Ok(response) => Ok(response),
        Err(SoapError::Fault(fault)) => {
            let detail = fault
                .detail
                .as_ref()
                .filter(|detail| operation.faults.iter().any(|name| detail.is(*name)));
            match detail.map(|d| d.decode::<dpf::DirectPaymentFault>()) {
                Some(Ok(direct)) => Err(Error::Fault {
                    code: ErrorCode::from_wire(direct.code),
                    description: direct.description.into_inner().unwrap_or_default(),
                    status: Some(status),
                    soap_fault_code: Some(fault.code.local.clone()),
                }),
                Some(Err(error)) => Err(Error::Soap(error)),
                None => Err(Error::SoapFault {
                    code: fault.code.to_string(),
                    message: fault.string.clone(),
                }),
            }
        }
        // An error status with a body that is no SOAP envelope is not
        // Direct Payment talking (a proxy, a load balancer).
        Err(SoapError::Malformed(_)) if !status.is_success() => Err(unexpected()),
        Err(error) => Err(Error::Soap(error)),
    }
}
