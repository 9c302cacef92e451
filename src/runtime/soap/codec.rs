//! Reading and writing the WSDL's types in one pass over the bytes.
//!
//! The generator implements [`XmlValue`] for every complex type of a WSDL and
//! [`XmlText`] for every simple one (enumerations, patterns), from the model
//! xsd-parser builds of the XSD (see `xtask/codegen/src/xml_codec.rs`);
//! XML Schema's own types are implemented here. The reader enforces
//! [`Limits`] on every element as it goes, so a response is parsed once,
//! limits included.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use xsd_parser_types::xml::Nillable;

use super::{Limits, SoapError};

/// The XML Schema instance namespace (`xsi:nil`).
const XSI: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// A type that is the content of an XML element.
pub trait XmlValue: Sized {
    /// Write the value as the element `tag`; `xmlns` (namespace declarations,
    /// each with a leading space) goes into its start tag.
    fn write_xml(&self, w: &mut XmlWriter<'_>, tag: &str, xmlns: &str) -> Result<(), SoapError>;

    /// Read the value from `element`, just opened by `r`, up to its end.
    fn read_xml(r: &mut XmlReader<'_>, element: &Child<'_>) -> Result<Self, SoapError>;
}

/// A complex type that can be a document's root: the namespace declarations
/// its root element carries (those of every element below it).
pub trait XmlRoot: XmlValue {
    /// ` xmlns:p="uri"` for each namespace, in the generator's order.
    const XMLNS: &'static str;
}

/// A simple type: the text content of an element.
pub trait XmlText: Sized {
    /// The value as text (unescaped).
    fn to_xml_text(&self) -> Cow<'_, str>;

    /// The value of `text`; [`SoapError::Decode`] if it is not one.
    fn from_xml_text(text: &str) -> Result<Self, SoapError>;
}

/// The error for text that is no value of `type_name`. The text itself is
/// left out: it may be personal data.
pub fn invalid(type_name: &str, why: impl std::fmt::Display) -> SoapError {
    SoapError::Decode(format!("not a valid {type_name}: {why}"))
}

impl XmlText for String {
    fn to_xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }

    fn from_xml_text(text: &str) -> Result<Self, SoapError> {
        Ok(text.to_string())
    }
}

impl XmlText for bool {
    fn to_xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }

    fn from_xml_text(text: &str) -> Result<Self, SoapError> {
        // xs:boolean's four lexical forms.
        match text.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(invalid("xs:boolean", "expected true, false, 1 or 0")),
        }
    }
}

/// Numbers in their `Display`/`FromStr` form, which is XML Schema's for
/// integers and for the decimal and floating forms WCF writes.
macro_rules! xml_number {
    ($($number:ty),+) => {$(
        impl XmlText for $number {
            fn to_xml_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }

            fn from_xml_text(text: &str) -> Result<Self, SoapError> {
                // XML Schema collapses the whitespace around a number.
                text.trim()
                    .parse()
                    .map_err(|e| invalid(stringify!($number), e))
            }
        }
    )+};
}
xml_number!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

pub(super) fn malformed(message: impl Into<String>) -> SoapError {
    SoapError::Malformed(message.into())
}

fn xml_error(error: quick_xml::Error) -> SoapError {
    SoapError::Malformed(error.to_string())
}

/// Simple content: an element holding the value's text.
impl<T: XmlText> XmlValue for T {
    fn write_xml(&self, w: &mut XmlWriter<'_>, tag: &str, xmlns: &str) -> Result<(), SoapError> {
        w.text_element(tag, xmlns, &self.to_xml_text());
        Ok(())
    }

    fn read_xml(r: &mut XmlReader<'_>, element: &Child<'_>) -> Result<Self, SoapError> {
        T::from_xml_text(&r.text(element)?)
    }
}

/// Writes elements into a buffer, escaping text as quick-xml does.
#[derive(Debug)]
pub struct XmlWriter<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> XmlWriter<'o> {
    /// A writer appending to `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        Self { out }
    }

    /// `<tag xmlns>`.
    pub fn open(&mut self, tag: &str, xmlns: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(tag.as_bytes());
        self.out.extend_from_slice(xmlns.as_bytes());
        self.out.push(b'>');
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(tag.as_bytes());
        self.out.push(b'>');
    }

    /// `<tag xmlns/>`.
    pub fn empty(&mut self, tag: &str, xmlns: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(tag.as_bytes());
        self.out.extend_from_slice(xmlns.as_bytes());
        self.out.extend_from_slice(b"/>");
    }

    /// `<tag xmlns>text</tag>`, the text escaped.
    pub fn text_element(&mut self, tag: &str, xmlns: &str, text: &str) {
        self.open(tag, xmlns);
        self.out
            .extend_from_slice(quick_xml::escape::escape(text).as_bytes());
        self.close(tag);
    }

    /// A nillable element: the value, or `<tag xsi:nil="true"/>`.
    pub fn nillable<T: XmlValue>(
        &mut self,
        tag: &str,
        value: &Nillable<T>,
    ) -> Result<(), SoapError> {
        match value.as_ref() {
            Some(value) => value.write_xml(self, tag, ""),
            None => {
                self.empty(tag, r#" xsi:nil="true""#);
                Ok(())
            }
        }
    }
}

/// An element start the reader has just read.
#[derive(Debug)]
pub struct Child<'x> {
    start: BytesStart<'x>,
    empty: bool,
    /// Byte offset of its `<`.
    offset: usize,
}

impl Child<'_> {
    /// The element's local name.
    pub fn local_name(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }

    /// Whether the element is `<x/>` (no content, no end tag to read).
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Its start tag.
    pub(crate) fn start(&self) -> &BytesStart<'_> {
        &self.start
    }

    /// The byte offset of its `<` in the document.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }
}

/// A namespace-aware reader that checks [`Limits`] on every element it meets.
pub struct XmlReader<'x> {
    reader: NsReader<&'x [u8]>,
    limits: Limits,
    depth: usize,
}

impl std::fmt::Debug for XmlReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlReader")
            .field("position", &self.reader.buffer_position())
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl<'x> XmlReader<'x> {
    /// A reader of `xml`; refuses it at once if it is over the size limit.
    pub fn new(xml: &'x [u8], limits: &Limits) -> Result<Self, SoapError> {
        limits.check_size(xml)?;
        Ok(Self {
            reader: NsReader::from_reader(xml),
            limits: *limits,
            depth: 0,
        })
    }

    fn enter(&mut self, start: &BytesStart<'_>, is_start: bool) -> Result<(), SoapError> {
        self.limits.check_element(start, self.depth)?;
        if is_start {
            self.depth += 1;
        }
        Ok(())
    }

    /// The element whose start tag was just read, once the limits admit it.
    fn child(
        &mut self,
        start: BytesStart<'x>,
        offset: usize,
        empty: bool,
    ) -> Result<Child<'x>, SoapError> {
        self.enter(&start, !empty)?;
        Ok(Child {
            start,
            offset,
            empty,
        })
    }

    /// The next child element of the element being read; `None` at its end.
    /// Whitespace, comments and processing instructions are skipped; other
    /// text is an error.
    pub fn next_child(&mut self) -> Result<Option<Child<'x>>, SoapError> {
        loop {
            let offset = self.position();
            match self.reader.read_event().map_err(xml_error)? {
                Event::Start(start) => return self.child(start, offset, false).map(Some),
                Event::Empty(start) => return self.child(start, offset, true).map(Some),
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(malformed("text where an element was expected"));
                }
                Event::DocType(_) => return Err(SoapError::Doctype),
                Event::Eof => return Err(malformed("unexpected end of document")),
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            }
        }
    }

    /// Whether `child` (the element just read) is in `namespace` (`None`:
    /// in no namespace).
    pub fn in_namespace(&self, child: &Child<'_>, namespace: Option<&[u8]>) -> bool {
        match (self.reader.resolve_element(child.start.name()).0, namespace) {
            (ResolveResult::Bound(Namespace(found)), Some(expected)) => found == expected,
            (ResolveResult::Unbound, None) => true,
            _ => false,
        }
    }

    /// `qname` (`a:Server`, from text such as a faultcode) resolved in the
    /// scope of the element just read: its namespace, and its local name.
    pub(crate) fn resolve_qname(&self, qname: &str) -> (Option<String>, String) {
        self.resolve(quick_xml::name::QName(qname.as_bytes()))
    }

    /// The namespace of `child` (the element just read), if it has one.
    pub fn namespace_of(&self, child: &Child<'_>) -> Option<String> {
        self.resolve(child.start.name()).0
    }

    fn resolve(&self, name: quick_xml::name::QName<'_>) -> (Option<String>, String) {
        let (resolved, local) = self.reader.resolve_element(name);
        let namespace = match resolved {
            ResolveResult::Bound(Namespace(ns)) => Some(String::from_utf8_lossy(ns).into_owned()),
            _ => None,
        };
        (
            namespace,
            String::from_utf8_lossy(local.as_ref()).into_owned(),
        )
    }

    /// Skip `child` and everything in it, still under the limits.
    pub fn skip(&mut self, child: &Child<'_>) -> Result<(), SoapError> {
        if child.empty {
            return Ok(());
        }
        let level = self.depth;
        loop {
            match self.reader.read_event().map_err(xml_error)? {
                Event::Start(start) => self.enter(&start, true)?,
                Event::Empty(start) => self.enter(&start, false)?,
                Event::End(_) => {
                    self.depth -= 1;
                    if self.depth < level {
                        return Ok(());
                    }
                }
                Event::DocType(_) => return Err(SoapError::Doctype),
                Event::Eof => return Err(malformed("unexpected end of document")),
                _ => {}
            }
        }
    }

    /// The text content of `child`, up to its end tag; an element inside is
    /// an error.
    pub fn text(&mut self, child: &Child<'_>) -> Result<Cow<'x, str>, SoapError> {
        if child.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut text: Cow<'x, str> = Cow::Borrowed("");
        loop {
            let piece: Cow<'x, str> = match self.reader.read_event().map_err(xml_error)? {
                Event::Text(t) => utf8(t.into_inner())?,
                Event::CData(t) => utf8(t.into_inner())?,
                Event::GeneralRef(r) => {
                    if let Some(c) = r.resolve_char_ref().map_err(xml_error)? {
                        Cow::Owned(c.to_string())
                    } else {
                        let name = r.decode().map_err(|e| malformed(e.to_string()))?;
                        let value = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("undefined entity &{name};")))?;
                        Cow::Borrowed(value)
                    }
                }
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(text);
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Eof => return Err(malformed("unexpected end of document")),
                Event::DocType(_) => return Err(SoapError::Doctype),
                _ => return Err(SoapError::Decode("an element inside a simple value".into())),
            };
            if text.is_empty() {
                text = piece;
            } else {
                text.to_mut().push_str(&piece);
            }
        }
    }

    /// Whether `child` carries `xsi:nil="true"` (or another true spelling).
    pub fn is_nil(&self, child: &Child<'_>) -> bool {
        child
            .start
            .attributes()
            .with_checks(false)
            .flatten()
            .any(|attribute| {
                attribute.key.local_name().as_ref() == b"nil"
                    && matches!(
                        self.reader.resolve_attribute(attribute.key).0,
                        ResolveResult::Bound(Namespace(ns)) if ns == XSI
                    )
                    && matches!(
                        attribute.value.as_ref(),
                        b"true" | b"True" | b"TRUE" | b"1" | b"yes" | b"Yes" | b"YES"
                    )
            })
    }

    /// A nillable element: `xsi:nil` or the value.
    pub fn nillable<T: XmlValue>(&mut self, child: &Child<'_>) -> Result<Nillable<T>, SoapError> {
        if self.is_nil(child) {
            self.skip(child)?;
            Ok(Nillable::nil())
        } else {
            T::read_xml(self, child).map(Nillable::new)
        }
    }

    /// Skip an element the schema does not have (a field the provider
    /// added): decoding is lenient, so it is never fatal.
    pub fn skip_unknown(&mut self, child: &Child<'_>) -> Result<(), SoapError> {
        tracing::debug!(
            element = %String::from_utf8_lossy(child.local_name()),
            "skipped an element the schema does not have"
        );
        self.skip(child)
    }

    /// The error for a required element the content lacks.
    pub fn missing(&self, element: &str) -> SoapError {
        SoapError::Decode(format!("the required element {element} is missing"))
    }

    /// Read the rest of the document: only whitespace, comments and
    /// processing instructions may follow the root element.
    pub fn finish(mut self) -> Result<(), SoapError> {
        loop {
            match self.reader.read_event().map_err(xml_error)? {
                Event::Eof => return Ok(()),
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(_) => return Err(SoapError::Doctype),
                _ => return Err(malformed("content after the root element")),
            }
        }
    }

    /// The byte offset just after the last event read.
    pub fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }
}

fn utf8(bytes: Cow<'_, [u8]>) -> Result<Cow<'_, str>, SoapError> {
    match bytes {
        Cow::Borrowed(b) => std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|_| malformed("the document is not UTF-8")),
        Cow::Owned(v) => String::from_utf8(v)
            .map(Cow::Owned)
            .map_err(|_| malformed("the document is not UTF-8")),
    }
}

/// Write `value` as the document's root element `tag`, with its namespaces.
pub fn write_root<T: XmlRoot>(out: &mut Vec<u8>, tag: &str, value: &T) -> Result<(), SoapError> {
    value.write_xml(&mut XmlWriter::new(out), tag, T::XMLNS)
}

/// Read a standalone document whose root element is a `T`.
pub fn read_root<T: XmlValue>(xml: &[u8], limits: &Limits) -> Result<T, SoapError> {
    let mut r = XmlReader::new(xml, limits)?;
    let root = r
        .next_child()?
        .ok_or_else(|| malformed("no root element"))?;
    let value = T::read_xml(&mut r, &root)?;
    r.finish()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct_payment::soap_api::{dp, dpt, operations};
    use crate::runtime::soap::{Secret, decode, decode_request, encode};

    const TYPES: &str = "http://directpay.intele.com/v1/types";

    fn pay_response(result: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><PayResponse xmlns="http://directpay.intele.com/v1"><PayResult xmlns:a="{TYPES}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{result}</PayResult></PayResponse></s:Body></s:Envelope>"#
        )
    }

    fn read(result: &str, limits: &Limits) -> Result<dp::PayResponse, SoapError> {
        decode(pay_response(result).as_bytes(), &operations::PAY, limits)
    }

    #[test]
    fn values_nil_entities_and_cdata_are_read() {
        let response = read(
            "<a:ClientReference>r&amp;1<![CDATA[<x>]]>&#65;</a:ClientReference><a:TransactionId>42</a:TransactionId>",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            response
                .pay_result
                .client_reference
                .and_then(Nillable::into_inner)
                .as_deref(),
            Some("r&1<x>A")
        );
        assert_eq!(response.pay_result.transaction_id, 42);

        let nil = read(
            r#"<a:ClientReference i:nil="true"/><a:TransactionId>7</a:TransactionId>"#,
            &Limits::default(),
        )
        .unwrap();
        assert!(nil.pay_result.client_reference.is_some_and(|r| r.is_nil()));
    }

    #[test]
    fn a_missing_required_element_or_a_wrong_value_is_a_decode_error() {
        let missing = read(
            "<a:ClientReference>r</a:ClientReference>",
            &Limits::default(),
        );
        assert!(
            matches!(&missing, Err(SoapError::Decode(m)) if m.contains("TransactionId")),
            "{missing:?}"
        );
        // The right local name in another namespace is not the element.
        let foreign = read(
            r#"<b:TransactionId xmlns:b="urn:other">1</b:TransactionId>"#,
            &Limits::default(),
        );
        assert!(matches!(foreign, Err(SoapError::Decode(_))), "{foreign:?}");
        let nested = read(
            "<a:TransactionId><a:X/></a:TransactionId>",
            &Limits::default(),
        );
        assert!(matches!(nested, Err(SoapError::Decode(_))), "{nested:?}");
    }

    #[test]
    fn limits_hold_inside_the_response_element_and_after_it() {
        let limits = Limits {
            max_depth: 6,
            ..Limits::default()
        };
        // Envelope, Body, PayResponse, PayResult: an unknown element two
        // levels deeper is skipped, three levels is too deep.
        let ok = "<a:U><a:V/></a:U><a:ClientReference/><a:TransactionId>1</a:TransactionId>";
        assert_eq!(
            read(ok, &limits).map(|r| r.pay_result.transaction_id),
            Ok(1)
        );
        let deep = "<a:U><a:V><a:W/></a:V></a:U><a:TransactionId>1</a:TransactionId>";
        assert_eq!(
            read(deep, &limits).unwrap_err(),
            SoapError::TooDeep { limit: 6 }
        );
        let crowded = r#"<a:U p="1" q="2" r="3"/><a:TransactionId>1</a:TransactionId>"#;
        let few = Limits {
            max_attributes: 2,
            ..Limits::default()
        };
        // The envelope's own elements have at most 2 attributes.
        assert_eq!(
            read(crowded, &few).unwrap_err(),
            SoapError::TooManyAttributes { limit: 2 }
        );
        let trailing = format!(
            "{}<extra/>",
            pay_response("<a:ClientReference/><a:TransactionId>1</a:TransactionId>")
        );
        assert!(matches!(
            decode::<dp::PayResponse>(trailing.as_bytes(), &operations::PAY, &Limits::default()),
            Err(SoapError::Malformed(_))
        ));
        let doctype = format!(
            "{}<!DOCTYPE x>",
            pay_response("<a:ClientReference/><a:TransactionId>1</a:TransactionId>")
        );
        assert_eq!(
            decode::<dp::PayResponse>(doctype.as_bytes(), &operations::PAY, &Limits::default())
                .unwrap_err(),
            SoapError::Doctype
        );
    }

    #[test]
    fn a_request_reads_back_as_written() {
        let pay = dp::Pay {
            request: dpt::PaymentRequestType {
                payment_details: dpt::PaymentDetailsType {
                    age: Some(Nillable::new(dpt::AgeType::_16)),
                    business_model: Some(Nillable::nil()),
                    client_reference: "a<b>&\"c'".into(),
                    differentiator: None,
                    end_user_invoice_text: Some(Nillable::new(String::new())),
                    invoice_node: None,
                    msisdn: dpt::MsisdnType("+4799999999".into()),
                    price: 100,
                    service_code: "06005".into(),
                    authorization_token: None,
                    confirmation_channel: Some(Nillable::new(dpt::ConfirmationChannelType::Sms)),
                    security_level: None,
                    teletorg_settings: None,
                },
                service_credentials: dpt::ServiceCredentialsType {
                    password: Secret::new("pw"),
                    service_id: 9,
                    username: "u".into(),
                },
            },
        };
        let xml = encode(&operations::PAY, "dp", &pay).unwrap();
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(
            text.contains(r#"<dpt:BusinessModel xsi:nil="true"/>"#),
            "{text}"
        );
        assert!(
            text.contains(
                "<dpt:ClientReference>a&lt;b&gt;&amp;&quot;c&apos;</dpt:ClientReference>"
            ),
            "{text}"
        );
        assert!(
            text.contains("<dpt:EndUserInvoiceText></dpt:EndUserInvoiceText>"),
            "{text}"
        );

        let back: dp::Pay = decode_request(&xml, &operations::PAY, &Limits::default()).unwrap();
        let details = back.request.payment_details;
        assert!(matches!(
            details.age.and_then(Nillable::into_inner),
            Some(dpt::AgeType::_16)
        ));
        assert!(details.business_model.unwrap().is_nil());
        assert_eq!(details.client_reference, "a<b>&\"c'");
        assert_eq!(
            details
                .end_user_invoice_text
                .unwrap()
                .into_inner()
                .as_deref(),
            Some("")
        );
        assert!(details.differentiator.is_none());
        assert_eq!(details.msisdn.0, "+4799999999");
        assert!(matches!(
            details.confirmation_channel.and_then(Nillable::into_inner),
            Some(dpt::ConfirmationChannelType::Sms)
        ));
        assert_eq!(back.request.service_credentials.password.expose(), "pw");
        assert_eq!(back.request.service_credentials.service_id, 9);
    }
}
