//! A small SOAP 1.1 layer for clients generated from a WSDL by xsd-parser.
//!
//! - [`encode`] wraps a body element in an envelope.
//! - [`decode`] reads the envelope once, checking [`Limits`] before each
//!   element goes further (size first, then element depth and attributes per
//!   element; any DOCTYPE is refused), checks that the Body's child is the
//!   expected response element and decodes it, or returns the SOAP fault as
//!   [`SoapError::Fault`].
//!
//! The operation table ([`SoapOperation`]) is generated from the WSDL.

pub mod codec;
mod datetime;
mod decode;
mod encode;
mod error;
mod limits;
mod secret;

pub use datetime::XsDateTime;
pub use decode::{decode, decode_request};
pub use encode::{encode, encode_fault, encode_response};
pub use error::{Fault, FaultCode, FaultDetail, SoapError};
pub use limits::Limits;
pub use secret::Secret;

/// The SOAP 1.1 envelope namespace.
pub const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The Content-Type of a SOAP 1.1 request.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// An XML element name with its namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QName {
    /// The namespace URI.
    pub namespace: &'static str,
    /// The local name.
    pub local: &'static str,
}

impl QName {
    /// The name `local` in `namespace`.
    pub const fn new(namespace: &'static str, local: &'static str) -> Self {
        Self { namespace, local }
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}{}", self.namespace, self.local)
    }
}

/// One operation of a WSDL's SOAP binding; generated, never typed by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoapOperation {
    /// The operation name.
    pub name: &'static str,
    /// The `SOAPAction` header value (sent quoted).
    pub soap_action: &'static str,
    /// The Body element of the request.
    pub request: QName,
    /// The Body element of the response.
    pub response: QName,
    /// The detail elements of the operation's declared faults.
    pub faults: &'static [QName],
    /// Its retry class, deadline and attempt timeout, from the WSDL.
    pub runtime: crate::runtime::Operation,
}

impl SoapOperation {
    /// The `SOAPAction` header: the action in double quotes, as SOAP 1.1 requires.
    pub fn soap_action_header(&self) -> String {
        format!("\"{}\"", self.soap_action)
    }
}
