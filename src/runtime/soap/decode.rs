//! SOAP 1.1 response envelopes, in one pass that checks the limits on each
//! element: the Body's child by name, a fault, or the wrong element.

use quick_xml::events::BytesStart;

use super::codec::{Child, XmlReader, XmlValue, malformed};
use super::{ENVELOPE_NS, Fault, FaultCode, FaultDetail, Limits, SoapError, SoapOperation};

/// Decode the response envelope of `operation`.
///
/// The limits are checked on every element as it is read (and the size
/// first); the Body's child must be the operation's response element (or a
/// SOAP fault, returned as [`SoapError::Fault`]).
pub fn decode<T>(xml: &[u8], operation: &SoapOperation, limits: &Limits) -> Result<T, SoapError>
where
    T: XmlValue,
{
    decode_element(xml, operation.response, limits)
}

/// Decode the request envelope of `operation` (for servers, such as
/// nordpay's sandbox), under the same limits.
pub fn decode_request<T>(
    xml: &[u8],
    operation: &SoapOperation,
    limits: &Limits,
) -> Result<T, SoapError>
where
    T: XmlValue,
{
    decode_element(xml, operation.request, limits)
}

fn decode_element<T>(xml: &[u8], expected: super::QName, limits: &Limits) -> Result<T, SoapError>
where
    T: XmlValue,
{
    let envelope_ns = Some(ENVELOPE_NS.as_bytes());
    let mut r = XmlReader::new(xml, limits)?;
    let envelope = r
        .next_child()?
        .ok_or_else(|| malformed("no root element"))?;
    if envelope.local_name() != b"Envelope" || !r.in_namespace(&envelope, envelope_ns) {
        return Err(malformed(format!(
            "the root element is {}, not a SOAP 1.1 Envelope",
            name_of(&r, &envelope)
        )));
    }
    if envelope.is_empty() {
        return Err(malformed("the Envelope is empty"));
    }
    let body = loop {
        let next = r
            .next_child()?
            .ok_or_else(|| malformed("the Envelope has no Body"))?;
        let in_envelope_ns = r.in_namespace(&next, envelope_ns);
        match next.local_name() {
            b"Header" if in_envelope_ns => r.skip(&next)?,
            b"Body" if in_envelope_ns => break next,
            _ => {
                return Err(malformed(format!(
                    "unexpected {} in the Envelope",
                    name_of(&r, &next)
                )));
            }
        }
    };
    if body.is_empty() {
        return Err(malformed("the Body is empty"));
    }
    // The `xmlns` in scope, for a fault detail or an unexpected element kept
    // alone; only those rare answers need them.
    let scope = || {
        let mut scope = Declarations::new();
        declare(envelope.start(), &mut scope);
        declare(body.start(), &mut scope);
        scope
    };
    let child = r
        .next_child()?
        .ok_or_else(|| malformed("the Body is empty"))?;
    let answer = if child.local_name() == expected.local.as_bytes()
        && r.in_namespace(&child, Some(expected.namespace.as_bytes()))
    {
        Ok(T::read_xml(&mut r, &child)?)
    } else if child.local_name() == b"Fault" && r.in_namespace(&child, envelope_ns) {
        if child.is_empty() {
            return Err(malformed("the Fault is empty"));
        }
        let mut scope = scope();
        declare(child.start(), &mut scope);
        Err(SoapError::Fault(Box::new(fault(xml, &mut r, scope)?)))
    } else {
        let found = capture(xml, &mut r, &child, &scope())?;
        Err(SoapError::UnexpectedBody {
            expected: expected.to_string(),
            found: display_name(found.namespace.as_deref(), &found.local),
        })
    };
    // The rest of the Body and the Envelope, still under the limits.
    for _ in 0..2 {
        while let Some(rest) = r.next_child()? {
            r.skip(&rest)?;
        }
    }
    r.finish()?;
    answer
}

/// `xmlns` declarations in scope, as (attribute name, raw value), outermost first.
type Declarations = Vec<(Vec<u8>, Vec<u8>)>;

fn display_name(namespace: Option<&str>, local: &str) -> String {
    match namespace {
        Some(namespace) => format!("{{{namespace}}}{local}"),
        None => local.to_string(),
    }
}

/// `{namespace}local` of `child`, the element just read.
fn name_of(r: &XmlReader<'_>, child: &Child<'_>) -> String {
    display_name(
        r.namespace_of(child).as_deref(),
        &String::from_utf8_lossy(child.local_name()),
    )
}

fn declare(start: &BytesStart<'_>, scope: &mut Declarations) {
    for attribute in start.attributes().with_checks(false).flatten() {
        if attribute.key.as_namespace_binding().is_some() {
            scope.push((attribute.key.as_ref().to_vec(), attribute.value.to_vec()));
        }
    }
}

/// The element `child` as a standalone document: its bytes, with the
/// namespace declarations of its ancestors added to its start tag.
fn capture(
    xml: &[u8],
    r: &mut XmlReader<'_>,
    child: &Child<'_>,
    scope: &Declarations,
) -> Result<FaultDetail, SoapError> {
    let namespace = r.namespace_of(child);
    r.skip(child)?;
    let element = &xml[child.offset()..r.position()];

    let own: Vec<Vec<u8>> = child
        .start()
        .attributes()
        .with_checks(false)
        .flatten()
        .filter(|a| a.key.as_namespace_binding().is_some())
        .map(|a| a.key.as_ref().to_vec())
        .collect();
    let mut inherited: Vec<u8> = Vec::new();
    let mut seen: Vec<&[u8]> = Vec::new();
    for (key, value) in scope.iter().rev() {
        if own.iter().any(|k| k == key) || seen.contains(&key.as_slice()) {
            continue;
        }
        seen.push(key);
        let quote = if value.contains(&b'"') { b'\'' } else { b'"' };
        inherited.push(b' ');
        inherited.extend_from_slice(key);
        inherited.extend_from_slice(&[b'=', quote]);
        inherited.extend_from_slice(value);
        inherited.push(quote);
    }
    let name_end = 1 + child.start().name().as_ref().len();
    let mut document = Vec::with_capacity(element.len() + inherited.len());
    document.extend_from_slice(&element[..name_end]);
    document.extend_from_slice(&inherited);
    document.extend_from_slice(&element[name_end..]);

    Ok(FaultDetail {
        namespace,
        local: String::from_utf8_lossy(child.local_name()).into_owned(),
        xml: String::from_utf8(document).map_err(|_| malformed("the response is not UTF-8"))?,
    })
}

/// The text of a fault field; an element inside one makes the fault malformed.
fn text_of(r: &mut XmlReader<'_>, child: &Child<'_>) -> Result<String, SoapError> {
    match r.text(child) {
        Ok(text) => Ok(text.into_owned()),
        Err(SoapError::Decode(_)) => Err(malformed("an element inside a text-only fault field")),
        Err(error) => Err(error),
    }
}

/// The Fault just opened (its declarations in `scope`), up to its end.
fn fault(xml: &[u8], r: &mut XmlReader<'_>, mut scope: Declarations) -> Result<Fault, SoapError> {
    let mut code = None;
    let mut string = None;
    let mut actor = None;
    let mut detail = None;
    while let Some(next) = r.next_child()? {
        if next.is_empty() {
            if next.local_name() == b"faultstring" {
                string = Some(String::new());
            }
            continue;
        }
        match next.local_name() {
            b"faultcode" => {
                let text = text_of(r, &next)?;
                // The prefix is resolved in the faultcode element's own scope,
                // which stays open until the next read.
                let (namespace, local) = r.resolve_qname(text.trim());
                code = Some(FaultCode { namespace, local });
            }
            b"faultstring" => string = Some(text_of(r, &next)?),
            b"faultactor" => actor = Some(text_of(r, &next)?),
            b"detail" => {
                declare(next.start(), &mut scope);
                if let Some(element) = r.next_child()? {
                    detail = Some(capture(xml, r, &element, &scope)?);
                    while let Some(rest) = r.next_child()? {
                        r.skip(&rest)?;
                    }
                }
            }
            _ => r.skip(&next)?,
        }
    }
    Ok(Fault {
        code: code.ok_or_else(|| malformed("the Fault has no faultcode"))?,
        string: string.ok_or_else(|| malformed("the Fault has no faultstring"))?,
        actor,
        detail,
    })
}
