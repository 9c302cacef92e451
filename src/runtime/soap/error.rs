//! What a SOAP exchange can fail with.

use std::fmt;

use super::QName;

/// Everything [`super::encode`] and [`super::decode`] can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SoapError {
    /// The response is larger than [`super::Limits::max_bytes`].
    #[error("the SOAP response is over the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Elements nest deeper than [`super::Limits::max_depth`].
    #[error("the SOAP response nests elements deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// An element has more attributes than [`super::Limits::max_attributes`].
    #[error("an element of the SOAP response has more than {limit} attributes")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// The response has a DOCTYPE; SOAP forbids it and it can carry entity attacks.
    #[error("the SOAP response has a DOCTYPE, which SOAP forbids")]
    Doctype,
    /// Not well-formed XML, or not a SOAP 1.1 envelope.
    #[error("not a SOAP 1.1 envelope: {0}")]
    Malformed(String),
    /// The Body holds another element than the operation's response.
    #[error("expected {expected} in the SOAP Body, found {found}")]
    UnexpectedBody {
        /// The operation's response element.
        expected: String,
        /// What the Body held.
        found: String,
    },
    /// The response element does not match the schema.
    #[error("cannot decode the SOAP response: {0}")]
    Decode(String),
    /// The request could not be written.
    #[error("cannot encode the SOAP request: {0}")]
    Encode(String),
    /// The server answered with a SOAP fault.
    #[error("SOAP fault {}: {}", .0.code, .0.string)]
    Fault(Box<Fault>),
}

/// A SOAP 1.1 fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `faultcode`, resolved to its namespace.
    pub code: FaultCode,
    /// `faultstring`.
    pub string: String,
    /// `faultactor`, if any.
    pub actor: Option<String>,
    /// The first element of `detail`, if any.
    pub detail: Option<FaultDetail>,
}

/// A `faultcode` QName such as `a:BadRequest`, with its prefix resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultCode {
    /// The namespace the prefix was bound to.
    pub namespace: Option<String>,
    /// The local name, e.g. `BadRequest` or `Server`.
    pub local: String,
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{{{namespace}}}{}", self.local),
            None => f.write_str(&self.local),
        }
    }
}

/// The element inside a fault's `detail`, kept as a standalone XML document
/// (with the namespaces in scope declared on it) to decode with a generated type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultDetail {
    /// Namespace of the detail element.
    pub namespace: Option<String>,
    /// Local name of the detail element.
    pub local: String,
    pub(crate) xml: String,
}

impl FaultDetail {
    /// Whether the detail element is `name`.
    pub fn is(&self, name: QName) -> bool {
        self.local == name.local && self.namespace.as_deref() == Some(name.namespace)
    }

    /// Decode the element with a generated type, leniently: an element the
    /// schema does not have (a field the provider added) is skipped, never
    /// fatal. Text where elements belong, a wrong type or a missing element
    /// still fail.
    pub fn decode<T: super::codec::XmlValue>(&self) -> Result<T, SoapError> {
        // The envelope it came from was checked against the caller's limits;
        // the namespaces it inherited add attributes, so none apply again.
        let unbounded = super::Limits {
            max_bytes: usize::MAX,
            max_depth: usize::MAX,
            max_attributes: usize::MAX,
        };
        super::codec::read_root(self.xml.as_bytes(), &unbounded)
    }
}
