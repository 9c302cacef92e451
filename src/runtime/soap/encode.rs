//! SOAP 1.1 envelopes: requests for clients, responses and faults for servers
//! (such as nordpay's sandbox).

use super::codec::{XmlRoot, write_root};
use super::{SoapError, SoapOperation};

const OPEN: &[u8] = br#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#;
const CLOSE: &[u8] = b"</s:Body></s:Envelope>";

/// The request envelope of `operation` with `body` as its Body element.
///
/// The body element is written with the prefix the generated types give
/// the operation's request namespace; its namespaces are declared on it.
pub fn encode<T>(
    operation: &SoapOperation,
    body_prefix: &str,
    body: &T,
) -> Result<Vec<u8>, SoapError>
where
    T: XmlRoot,
{
    envelope(operation.request.local, body_prefix, body)
}

/// The response envelope of `operation`, for servers.
pub fn encode_response<T>(
    operation: &SoapOperation,
    body_prefix: &str,
    body: &T,
) -> Result<Vec<u8>, SoapError>
where
    T: XmlRoot,
{
    envelope(operation.response.local, body_prefix, body)
}

fn envelope<T>(local: &str, body_prefix: &str, body: &T) -> Result<Vec<u8>, SoapError>
where
    T: XmlRoot,
{
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(OPEN);
    write_root(&mut out, &format!("{body_prefix}:{local}"), body)?;
    out.extend_from_slice(CLOSE);
    Ok(out)
}

/// A SOAP 1.1 fault envelope, for servers. `code` is the faultcode as
/// (namespace, local name); `detail` is serialized as the element named
/// `detail.0` inside `<detail>`.
pub fn encode_fault<T>(
    code: (&str, &str),
    string: &str,
    detail: Option<(&str, &T)>,
) -> Result<Vec<u8>, SoapError>
where
    T: XmlRoot,
{
    let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(OPEN);
    out.extend_from_slice(
        format!(
            r#"<s:Fault><faultcode xmlns:a="{}">a:{}</faultcode><faultstring>{}</faultstring>"#,
            escape(code.0),
            escape(code.1),
            escape(string)
        )
        .as_bytes(),
    );
    if let Some((root, detail)) = detail {
        out.extend_from_slice(b"<detail>");
        write_root(&mut out, root, detail)?;
        out.extend_from_slice(b"</detail>");
    }
    out.extend_from_slice(b"</s:Fault>");
    out.extend_from_slice(CLOSE);
    Ok(out)
}
