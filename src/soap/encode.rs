//! SOAP 1.1 request envelopes.

use quick_xml::Writer;
use xsd_parser_types::quick_xml::SerializeSync;

use super::{SoapError, SoapOperation};

/// The request envelope of `operation` with `body` as its Body element.
///
/// The body element is written with the prefix xsd-parser gives the
/// operation's request namespace; its namespaces are declared on it.
pub fn encode<T>(
    operation: &SoapOperation,
    body_prefix: &str,
    body: &T,
) -> Result<Vec<u8>, SoapError>
where
    T: SerializeSync,
    T::Error: std::fmt::Display,
{
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(
        br#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#,
    );
    let root = format!("{body_prefix}:{}", operation.request.local);
    let mut writer = Writer::new(&mut out);
    body.serialize(&root, &mut writer)
        .map_err(|e| SoapError::Encode(e.to_string()))?;
    out.extend_from_slice(b"</s:Body></s:Envelope>");
    Ok(out)
}
