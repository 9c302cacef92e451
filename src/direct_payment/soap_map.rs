//! Direct Payment's one SOAP <-> REST mapping: the WSDL's types and the
//! REST domain types, both ways. The client's SOAP transport sends REST
//! requests as SOAP and reads the answers back; the sandbox's SOAP
//! endpoint reads SOAP requests as the REST service's inputs and writes its
//! answers as SOAP. The same rules hold on both transports because there
//! is one mapping.

use xsd_parser_types::xml::Nillable;

use super::generated::rest::types::{self, error::ConversionError};
use super::generated::soap::dpt;
use super::{PaymentStatus, ServiceCode};
use crate::runtime::soap;

fn nillable<T>(value: Option<T>) -> Option<Nillable<T>> {
    value.map(Nillable::new)
}

/// A nillable element's value (absent and nil alike are none).
fn value<T>(element: Option<Nillable<T>>) -> Option<T> {
    element.and_then(Nillable::into_inner)
}

fn invalid(e: impl std::fmt::Display) -> ConversionError {
    e.to_string().into()
}

impl From<types::PaymentDetails> for dpt::PaymentDetailsType {
    fn from(details: types::PaymentDetails) -> Self {
        Self {
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
            teletorg_settings: nillable(details.teletorg_settings.map(Into::into)),
        }
    }
}

/// The same validation as a REST body gets.
impl TryFrom<dpt::PaymentDetailsType> for types::PaymentDetails {
    type Error = ConversionError;

    fn try_from(details: dpt::PaymentDetailsType) -> Result<Self, ConversionError> {
        let business_model = match value(details.business_model) {
            Some(model) => Some(model.parse().map_err(invalid)?),
            None => None,
        };
        let teletorg_settings = match value(details.teletorg_settings) {
            Some(teletorg) => Some(types::TeletorgSettings::try_from(teletorg)?),
            None => None,
        };
        Self::builder()
            .msisdn(details.msisdn.0)
            .price(details.price)
            .service_code(
                details
                    .service_code
                    .parse::<ServiceCode>()
                    .map_err(invalid)?,
            )
            .client_reference(details.client_reference)
            .age(value(details.age).map(Into::into))
            .business_model(business_model)
            .end_user_invoice_text(value(details.end_user_invoice_text))
            .differentiator(value(details.differentiator))
            .invoice_node(value(details.invoice_node))
            .authorization_token(value(details.authorization_token))
            .security_level(value(details.security_level).map(Into::into))
            .confirmation_channel(value(details.confirmation_channel).map(Into::into))
            .teletorg_settings(teletorg_settings)
            .try_into()
    }
}

impl From<types::TeletorgSettings> for dpt::TeletorgSettingsType {
    fn from(teletorg: types::TeletorgSettings) -> Self {
        Self {
            bnumber: nillable(teletorg.bnumber),
            duration: teletorg.duration,
            start_price: teletorg.start_price,
            start_time: nillable(teletorg.start_time.map(String::from)),
        }
    }
}

impl TryFrom<dpt::TeletorgSettingsType> for types::TeletorgSettings {
    type Error = ConversionError;

    fn try_from(teletorg: dpt::TeletorgSettingsType) -> Result<Self, ConversionError> {
        let start_time = value(teletorg.start_time)
            .map(|time| time.parse())
            .transpose()?;
        Self::builder()
            .start_time(start_time)
            .bnumber(value(teletorg.bnumber))
            .duration(teletorg.duration)
            .start_price(teletorg.start_price)
            .try_into()
    }
}

impl From<types::PaymentResponse> for dpt::PaymentResponseType {
    fn from(paid: types::PaymentResponse) -> Self {
        Self {
            client_reference: Some(Nillable::new(paid.client_reference)),
            transaction_id: paid.transaction_id.0,
        }
    }
}

impl From<dpt::PaymentResponseType> for types::PaymentResponse {
    fn from(paid: dpt::PaymentResponseType) -> Self {
        Self {
            client_reference: value(paid.client_reference).unwrap_or_default(),
            transaction_id: types::TransactionId(paid.transaction_id),
        }
    }
}

impl From<types::ReversePaymentResponse> for dpt::ReversePaymentResponseType {
    fn from(reversed: types::ReversePaymentResponse) -> Self {
        Self {
            transaction_id: reversed.transaction_id.0,
        }
    }
}

impl From<dpt::ReversePaymentResponseType> for types::ReversePaymentResponse {
    fn from(reversed: dpt::ReversePaymentResponseType) -> Self {
        Self {
            transaction_id: types::TransactionId(reversed.transaction_id),
        }
    }
}

/// A status the WSDL does not list goes out as its number, the only name
/// a REST status has; never as a listed status, which would promise
/// something (NotPaid: nothing moved).
impl From<PaymentStatus> for dpt::PaymentStatusType {
    fn from(status: PaymentStatus) -> Self {
        match status {
            PaymentStatus::NotPaid => Self::NotPaid,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Reversed => Self::Reversed,
            PaymentStatus::Unknown(number) => Self::Unknown(number.to_string()),
        }
    }
}

/// WCF names enum members in XML, so a status the WSDL does not list comes
/// as a name REST has no number for: it reads as `Unknown(i32::MIN)` (a
/// number no status has), and the name is logged. A number reads as itself.
impl From<dpt::PaymentStatusType> for PaymentStatus {
    fn from(status: dpt::PaymentStatusType) -> Self {
        match status {
            dpt::PaymentStatusType::NotPaid => Self::NotPaid,
            dpt::PaymentStatusType::Paid => Self::Paid,
            dpt::PaymentStatusType::Reversed => Self::Reversed,
            dpt::PaymentStatusType::Unknown(name) => Self::Unknown(name.trim().parse().unwrap_or_else(|_| {
                tracing::warn!(status = %name.escape_debug(), "Direct Payment sent a payment status the WSDL does not list");
                i32::MIN
            })),
        }
    }
}

impl From<types::PaymentStatusResponse> for dpt::PaymentStatusResponseType {
    fn from(status: types::PaymentStatusResponse) -> Self {
        Self {
            client_reference: Some(Nillable::new(status.client_reference)),
            payment_status: status.payment_status.into(),
            transaction_id: nillable(status.transaction_id),
        }
    }
}

impl From<dpt::PaymentStatusResponseType> for types::PaymentStatusResponse {
    fn from(status: dpt::PaymentStatusResponseType) -> Self {
        Self {
            client_reference: value(status.client_reference).unwrap_or_default(),
            payment_status: status.payment_status.into(),
            transaction_id: value(status.transaction_id),
        }
    }
}

/// A SOAP request's own part, beside the credentials every request carries.
pub(crate) fn send_code_request(
    request: types::SendVerificationCodeRequest,
    service_credentials: dpt::ServiceCredentialsType,
) -> dpt::SendVerificationCodeRequestType {
    dpt::SendVerificationCodeRequestType {
        expiry_time: nillable(
            request
                .expiry_time
                .map(|expiry| soap::XsDateTime::from(expiry.instant())),
        ),
        msisdn: dpt::MsisdnType(request.msisdn.to_string()),
        service_credentials,
        template: nillable(request.template),
    }
}

impl TryFrom<dpt::SendVerificationCodeRequestType> for types::SendVerificationCodeRequest {
    type Error = ConversionError;

    fn try_from(request: dpt::SendVerificationCodeRequestType) -> Result<Self, ConversionError> {
        Self::builder()
            .msisdn(request.msisdn.0)
            .expiry_time(value(request.expiry_time).map(|t| t.0.with_timezone(&chrono::Utc).into()))
            .template(value(request.template))
            .try_into()
    }
}

/// A SOAP request's own part, beside the credentials every request carries.
pub(crate) fn verify_code_request(
    request: types::VerifyVerificationCodeRequest,
    service_credentials: dpt::ServiceCredentialsType,
) -> dpt::VerifyVerificationCodeRequestType {
    dpt::VerifyVerificationCodeRequestType {
        msisdn: dpt::MsisdnType(request.msisdn.to_string()),
        service_credentials,
        verification_code: request.verification_code,
    }
}

impl TryFrom<dpt::VerifyVerificationCodeRequestType> for types::VerifyVerificationCodeRequest {
    type Error = ConversionError;

    fn try_from(request: dpt::VerifyVerificationCodeRequestType) -> Result<Self, ConversionError> {
        Self::builder()
            .msisdn(request.msisdn.0)
            .verification_code(request.verification_code)
            .try_into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_details_read_back_as_written() {
        let details: types::PaymentDetails = types::PaymentDetails::builder()
            .msisdn("+4799999999")
            .price(2500)
            .service_code("06005".parse::<ServiceCode>().unwrap())
            .client_reference("order-1")
            .differentiator(Some("d".to_string()))
            .try_into()
            .unwrap();
        let soap = dpt::PaymentDetailsType::from(details.clone());
        let back = types::PaymentDetails::try_from(soap).unwrap();
        let json = |d: &types::PaymentDetails| serde_json::to_value(d).unwrap();
        assert_eq!(json(&back), json(&details));
    }

    #[test]
    fn every_soap_status_reads_back_as_written() {
        for rest in [
            PaymentStatus::NotPaid,
            PaymentStatus::Paid,
            PaymentStatus::Reversed,
            PaymentStatus::Unknown(7),
        ] {
            assert_eq!(
                PaymentStatus::from(dpt::PaymentStatusType::from(rest)),
                rest
            );
        }
    }
}
