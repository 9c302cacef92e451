//! What a SOAP exchange can fail with.

use std::fmt;

use xsd_parser_types::quick_xml::{DeserializeSync, SliceReader, WithDeserializer};

use super::QName;

/// Everything [`super::encode`] and [`super::decode`] can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// fatal — a PayResponse with one more field still carries a charge.
    /// Text where elements belong, a wrong type or a missing element still fail.
    pub fn decode<T>(&self) -> Result<T, SoapError>
    where
        T: WithDeserializer,
    {
        let mut xml = std::borrow::Cow::Borrowed(self.xml.as_str());
        // Each round removes one element and parses again: a bound keeps a
        // hostile answer of countless unknown elements from costing n².
        for _ in 0..=MAX_UNKNOWN_ELEMENTS {
            let error = match T::deserialize(&mut SliceReader::new(&xml)) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(unknown) = unexpected_element(&xml, &error) else {
                return Err(SoapError::Decode(error.to_string()));
            };
            tracing::debug!(
                element = %String::from_utf8_lossy(unknown.name.as_bytes()),
                "skipped an element the schema does not have"
            );
            let mut rest = xml.into_owned();
            rest.replace_range(unknown.range, "");
            xml = std::borrow::Cow::Owned(rest);
        }
        Err(SoapError::Decode(format!(
            "more than {MAX_UNKNOWN_ELEMENTS} elements the schema does not have"
        )))
    }
}

/// Most elements one response may have that its schema does not.
const MAX_UNKNOWN_ELEMENTS: usize = 32;

/// An element the generated deserializer refused: its name and its bytes.
struct UnexpectedElement {
    name: String,
    range: std::ops::Range<usize>,
}

/// The element `error` refuses in `xml`, if it refuses an element: the
/// error's position is the end of its start tag.
fn unexpected_element(
    xml: &str,
    error: &xsd_parser_types::quick_xml::Error,
) -> Option<UnexpectedElement> {
    use quick_xml::events::Event;
    use xsd_parser_types::quick_xml::ErrorKind;
    let ErrorKind::UnexpectedEvent(event) = &error.kind else {
        return None;
    };
    let (name, empty) = match event {
        Event::Start(start) => (start.name().as_ref().to_vec(), false),
        Event::Empty(start) => (start.name().as_ref().to_vec(), true),
        _ => return None,
    };
    let tag_end = usize::try_from(error.position?).ok()?.min(xml.len());
    // '<' cannot occur inside a tag (attribute values escape it).
    let start = xml[..tag_end].rfind('<')?;
    let end = if empty {
        tag_end
    } else {
        let mut reader = quick_xml::Reader::from_str(&xml[start..]);
        match reader.read_event().ok()? {
            Event::Start(tag) => {
                let end = tag.to_end().into_owned();
                reader.read_to_end(end.name()).ok()?;
                start + usize::try_from(reader.buffer_position()).ok()?
            }
            _ => return None,
        }
    };
    Some(UnexpectedElement {
        name: String::from_utf8(name).ok()?,
        range: start..end,
    })
}
