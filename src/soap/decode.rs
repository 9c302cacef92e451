//! SOAP 1.1 response envelopes: limits first, then the Body's child by name.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, QName as XmlName, ResolveResult};

use super::codec::{XmlReader, XmlValue};
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
    if let Some(value) = decode_expected(xml, expected, limits)? {
        return Ok(value);
    }
    // A fault or another element: read again to capture it (rare; the
    // limits are checked before that second parse).
    limits.check(xml)?;
    match body_child(xml)? {
        BodyChild::Fault(fault) => Err(SoapError::Fault(Box::new(fault))),
        BodyChild::Element(element) => {
            if !element.is(expected) {
                return Err(SoapError::UnexpectedBody {
                    expected: expected.to_string(),
                    found: display_name(element.namespace.as_deref(), &element.local),
                });
            }
            element.decode()
        }
    }
}

/// One pass over the envelope: the value if the Body's child is `expected`,
/// `None` if it is something else.
fn decode_expected<T: XmlValue>(
    xml: &[u8],
    expected: super::QName,
    limits: &Limits,
) -> Result<Option<T>, SoapError> {
    let envelope_ns = Some(ENVELOPE_NS.as_bytes());
    let mut r = XmlReader::new(xml, limits)?;
    let envelope = r
        .next_child()?
        .ok_or_else(|| malformed("no root element"))?;
    if envelope.local_name() != b"Envelope" || !r.in_namespace(&envelope, envelope_ns) {
        return Err(malformed(format!(
            "the root element is {}, not a SOAP 1.1 Envelope",
            display_name(
                r.namespace_of(&envelope).as_deref(),
                &String::from_utf8_lossy(envelope.local_name())
            )
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
            other => {
                return Err(malformed(format!(
                    "unexpected {} in the Envelope",
                    display_name(
                        r.namespace_of(&next).as_deref(),
                        &String::from_utf8_lossy(other)
                    )
                )));
            }
        }
    };
    if body.is_empty() {
        return Err(malformed("the Body is empty"));
    }
    let child = r
        .next_child()?
        .ok_or_else(|| malformed("the Body is empty"))?;
    if child.local_name() != expected.local.as_bytes()
        || !r.in_namespace(&child, Some(expected.namespace.as_bytes()))
    {
        return Ok(None);
    }
    let value = T::read_xml(&mut r, &child)?;
    // The rest of the Body and the Envelope, still under the limits.
    for _ in 0..2 {
        while let Some(rest) = r.next_child()? {
            r.skip(&rest)?;
        }
    }
    r.finish()?;
    Ok(Some(value))
}

enum BodyChild {
    Element(FaultDetail),
    Fault(Fault),
}

/// `xmlns` declarations in scope, as (attribute name, raw value), outermost first.
type Declarations = Vec<(Vec<u8>, Vec<u8>)>;

fn malformed(message: impl Into<String>) -> SoapError {
    SoapError::Malformed(message.into())
}

fn xml_error(error: quick_xml::Error) -> SoapError {
    SoapError::Malformed(error.to_string())
}

fn display_name(namespace: Option<&str>, local: &str) -> String {
    match namespace {
        Some(namespace) => format!("{{{namespace}}}{local}"),
        None => local.to_string(),
    }
}

fn namespace_of(resolved: &ResolveResult<'_>) -> Option<String> {
    match resolved {
        ResolveResult::Bound(Namespace(ns)) => Some(String::from_utf8_lossy(ns).into_owned()),
        _ => None,
    }
}

fn local_of(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

fn declare(start: &BytesStart<'_>, scope: &mut Declarations) {
    for attribute in start.attributes().with_checks(false).flatten() {
        if attribute.key.as_namespace_binding().is_some() {
            scope.push((attribute.key.as_ref().to_vec(), attribute.value.to_vec()));
        }
    }
}

/// The next element start inside the current element, with its byte offset;
/// `None` at the current element's end. Comments and processing instructions
/// are skipped; text other than whitespace is an error.
struct Next<'x> {
    offset: usize,
    start: BytesStart<'x>,
    empty: bool,
    namespace: Option<String>,
}

fn next_element<'x>(reader: &mut NsReader<&'x [u8]>) -> Result<Option<Next<'x>>, SoapError> {
    loop {
        let offset = reader.buffer_position() as usize;
        let (resolved, event) = reader.read_resolved_event().map_err(xml_error)?;
        match event {
            Event::Start(start) => {
                return Ok(Some(Next {
                    offset,
                    namespace: namespace_of(&resolved),
                    start,
                    empty: false,
                }));
            }
            Event::Empty(start) => {
                let empty = true;
                return Ok(Some(Next {
                    offset,
                    namespace: namespace_of(&resolved),
                    start,
                    empty,
                }));
            }
            Event::End(_) => return Ok(None),
            Event::Eof => return Err(malformed("unexpected end of document")),
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(malformed("text where an element was expected"));
            }
            Event::DocType(_) => return Err(SoapError::Doctype),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
}

fn skip(reader: &mut NsReader<&[u8]>, next: &Next<'_>) -> Result<(), SoapError> {
    if !next.empty {
        reader.read_to_end(next.start.name()).map_err(xml_error)?;
    }
    Ok(())
}

fn body_child(xml: &[u8]) -> Result<BodyChild, SoapError> {
    let mut reader = NsReader::from_reader(xml);
    let mut scope = Declarations::new();

    let envelope = next_element(&mut reader)?.ok_or_else(|| malformed("no root element"))?;
    if envelope.namespace.as_deref() != Some(ENVELOPE_NS) || local_of(&envelope.start) != "Envelope"
    {
        return Err(malformed(format!(
            "the root element is {}, not a SOAP 1.1 Envelope",
            display_name(envelope.namespace.as_deref(), &local_of(&envelope.start))
        )));
    }
    if envelope.empty {
        return Err(malformed("the Envelope is empty"));
    }
    declare(&envelope.start, &mut scope);

    let body = loop {
        let next =
            next_element(&mut reader)?.ok_or_else(|| malformed("the Envelope has no Body"))?;
        let in_envelope_ns = next.namespace.as_deref() == Some(ENVELOPE_NS);
        match local_of(&next.start).as_str() {
            "Header" if in_envelope_ns => skip(&mut reader, &next)?,
            "Body" if in_envelope_ns => break next,
            other => {
                return Err(malformed(format!(
                    "unexpected {} in the Envelope",
                    display_name(next.namespace.as_deref(), other)
                )));
            }
        }
    };
    if body.empty {
        return Err(malformed("the Body is empty"));
    }
    declare(&body.start, &mut scope);

    let child = next_element(&mut reader)?.ok_or_else(|| malformed("the Body is empty"))?;
    if child.namespace.as_deref() == Some(ENVELOPE_NS) && local_of(&child.start) == "Fault" {
        if child.empty {
            return Err(malformed("the Fault is empty"));
        }
        declare(&child.start, &mut scope);
        return fault(xml, &mut reader, scope).map(BodyChild::Fault);
    }
    capture(xml, &mut reader, &child, &scope).map(BodyChild::Element)
}

/// The element `next` as a standalone document: its bytes, with the
/// namespace declarations of its ancestors added to its start tag.
fn capture(
    xml: &[u8],
    reader: &mut NsReader<&[u8]>,
    next: &Next<'_>,
    scope: &Declarations,
) -> Result<FaultDetail, SoapError> {
    skip(reader, next)?;
    let end = reader.buffer_position() as usize;
    let element = &xml[next.offset..end];

    let own: Vec<Vec<u8>> = next
        .start
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
    let name_end = 1 + next.start.name().as_ref().len();
    let mut document = Vec::with_capacity(element.len() + inherited.len());
    document.extend_from_slice(&element[..name_end]);
    document.extend_from_slice(&inherited);
    document.extend_from_slice(&element[name_end..]);

    Ok(FaultDetail {
        namespace: next.namespace.clone(),
        local: local_of(&next.start),
        xml: String::from_utf8(document).map_err(|_| malformed("the response is not UTF-8"))?,
    })
}

/// The text content of the element just opened, up to its end tag.
fn text_content(reader: &mut NsReader<&[u8]>) -> Result<String, SoapError> {
    let mut text = String::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| malformed(e.to_string()))?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|e| malformed(e.to_string()))?),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(xml_error)? {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| malformed(e.to_string()))?;
                    let value = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| malformed(format!("undefined entity &{name};")))?;
                    text.push_str(value);
                }
            }
            Event::End(_) => return Ok(text),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => return Err(malformed("unexpected end of document")),
            _ => return Err(malformed("an element inside a text-only fault field")),
        }
    }
}

fn fault(
    xml: &[u8],
    reader: &mut NsReader<&[u8]>,
    mut scope: Declarations,
) -> Result<Fault, SoapError> {
    let mut code = None;
    let mut string = None;
    let mut actor = None;
    let mut detail = None;
    while let Some(next) = next_element(reader)? {
        let local = local_of(&next.start);
        if next.empty {
            if local == "faultstring" {
                string = Some(String::new());
            }
            continue;
        }
        match local.as_str() {
            "faultcode" => {
                let text = text_content(reader)?;
                // The prefix is resolved in the faultcode element's own scope,
                // which stays open until the next read.
                let text = text.trim().to_string();
                let (resolved, local_name) = reader.resolve(XmlName(text.as_bytes()), false);
                code = Some(FaultCode {
                    namespace: namespace_of(&resolved),
                    local: String::from_utf8_lossy(local_name.as_ref()).into_owned(),
                });
            }
            "faultstring" => string = Some(text_content(reader)?),
            "faultactor" => actor = Some(text_content(reader)?),
            "detail" => {
                declare(&next.start, &mut scope);
                if let Some(element) = next_element(reader)? {
                    detail = Some(capture(xml, reader, &element, &scope)?);
                    while let Some(rest) = next_element(reader)? {
                        skip(reader, &rest)?;
                    }
                }
            }
            _ => skip(reader, &next)?,
        }
    }
    Ok(Fault {
        code: code.ok_or_else(|| malformed("the Fault has no faultcode"))?,
        string: string.ok_or_else(|| malformed("the Fault has no faultstring"))?,
        actor,
        detail,
    })
}
