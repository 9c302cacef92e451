//! The SOAP transport: domain requests to the WSDL's types and back.

use super::generated::rest::types;
use super::generated::soap::{dp, dpf, dpt, operations};
use super::{Credentials, Error, ErrorCode, TransportError, soap_map};
use crate::runtime::soap::codec::{XmlRoot, XmlValue};
use crate::runtime::soap::{self, Limits, Secret, SoapError, SoapOperation};
use crate::runtime::{Runtime, retry_after};
use reqwest::header::CONTENT_TYPE;

/// The XML prefix the generated types give the contract namespace.
const BODY_PREFIX: &str = "dp";

#[derive(Debug)]
pub(super) struct SoapTransport {
    runtime: Runtime,
    /// Parsed once: each call sends to a copy, not a string parsed again.
    endpoint: url::Url,
    credentials: Credentials,
    limits: Limits,
}

impl SoapTransport {
    /// The transport to `endpoint`; why not, if it is not a URL.
    pub(super) fn new(
        runtime: Runtime,
        endpoint: &str,
        credentials: Credentials,
        limits: Limits,
    ) -> Result<Self, Error> {
        let endpoint = url::Url::parse(endpoint)
            .map_err(|error| Error::InvalidRequest(format!("the SOAP endpoint: {error}")))?;
        Ok(Self {
            runtime,
            endpoint,
            credentials,
            limits,
        })
    }

    /// The runtime its calls go through.
    pub(super) fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The same transport with `overrides` for every call.
    pub(super) fn with_overrides(&self, overrides: &crate::runtime::Overrides) -> Self {
        Self {
            runtime: self.runtime.with_overrides(overrides),
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
            .post(self.endpoint.clone())
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
                payment_details: details.into(),
                service_credentials: self.service_credentials(),
            },
        };
        let response: dp::PayResponse = self.call(&operations::PAY, &body).await?;
        Ok(response.pay_result.into())
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
        Ok(response.reverse_payment_result.into())
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
        Ok(response.get_payment_status_result.into())
    }

    pub(super) async fn send_verification_code(
        &self,
        request: types::SendVerificationCodeRequest,
    ) -> Result<(), Error> {
        let body = dp::SendVerificationCode {
            request: soap_map::send_code_request(request, self.service_credentials()),
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
            request: soap_map::verify_code_request(request, self.service_credentials()),
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
                    description: direct
                        .description
                        .and_then(xsd_parser_types::xml::Nillable::into_inner)
                        .unwrap_or_default(),
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
