//! XML bodies for an API whose spec says how to write them (`x-nordpay-xml`,
//! Direct Payment's WCF REST endpoint): an XML request is read into the JSON
//! the stand-in's typed handlers take, and a JSON answer is written as XML
//! when the request's `Accept` prefers it. The shapes are generated from the
//! spec beside its server module; nothing here knows an API.

use std::fmt::Write as _;

use axum::http::{HeaderMap, header};
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

/// The XML form of one spec's bodies.
pub(crate) struct Dialect {
    /// The one namespace of every element (a DataContract namespace).
    pub(crate) namespace: &'static str,
    /// Each operation's bodies.
    pub(crate) operations: &'static [OperationXml],
}

/// The bodies of one operation: root element and shape.
pub(crate) struct OperationXml {
    /// The spec's operationId.
    pub(crate) name: &'static str,
    /// Its request body, if it has one.
    pub(crate) request: Option<(&'static str, &'static Shape)>,
    /// Its answers: the status (`200`, `4XX`, `default`), root and shape.
    pub(crate) answers: &'static [(&'static str, &'static str, &'static Shape)],
}

/// What a JSON value is in XML.
pub(crate) enum Shape {
    /// A string, as text.
    Text,
    /// A JSON number, as its digits.
    Number,
    /// `true` or `false`.
    #[allow(dead_code)] // Direct Payment's bodies have no boolean yet.
    Bool,
    /// An integer enum written by member name: each number with its name.
    Enum(&'static [(i64, &'static str)]),
    /// WCF's JSON date (`/Date(ms)/`) as an xs:dateTime.
    DateTime,
    /// Members as child elements, in this order.
    Object(&'static [(&'static str, &'static Shape)]),
}

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

impl Dialect {
    fn operation(&self, name: &str) -> Option<&OperationXml> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// The JSON of an XML request body of `operation`, or why it cannot be read.
    pub(crate) fn read_request(&self, operation: &str, xml: &[u8]) -> Result<Vec<u8>, String> {
        let (root, shape) = self
            .operation(operation)
            .and_then(|o| o.request)
            .ok_or("this operation takes no body")?;
        let element = parse(xml)?;
        if element.name != root {
            return Err(format!("the root element is {root}, not {}", element.name));
        }
        let value = to_json(&element, shape)?;
        serde_json::to_vec(&value).map_err(|e| e.to_string())
    }

    /// The XML of a JSON answer of `operation` with `status`; `None` when
    /// the spec gives that answer no body or `json` is not JSON.
    pub(crate) fn write_answer(&self, operation: &str, status: u16, json: &[u8]) -> Option<String> {
        let answers = self.operation(operation)?.answers;
        let exact = status.to_string();
        let class = format!("{}XX", status / 100);
        let (_, root, shape) = [exact.as_str(), class.as_str(), "default"]
            .iter()
            .find_map(|pattern| answers.iter().find(|(s, _, _)| s == pattern))?;
        let value: Value = serde_json::from_slice(json).ok()?;
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        let _ = write!(
            out,
            "<{root} xmlns=\"{}\" xmlns:i=\"{XSI}\">",
            self.namespace
        );
        write_content(&mut out, &value, shape);
        let _ = write!(out, "</{root}>");
        Some(out)
    }
}

/// Whether `Accept` prefers XML to JSON (JSON when it does not say, or
/// weighs them the same and names JSON or neither).
pub(crate) fn prefers_xml(headers: &HeaderMap) -> bool {
    let (mut json, mut xml, mut any) = (None::<f32>, None::<f32>, None::<f32>);
    for (media, q) in super::pages::accept_ranges(headers) {
        let slot = match media.as_str() {
            "application/json" => &mut json,
            "application/xml" | "text/xml" => &mut xml,
            "*/*" | "application/*" => &mut any,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old| old.max(q)));
    }
    let json = json.or(any).unwrap_or(0.0);
    let xml = xml.or(any).unwrap_or(0.0);
    xml > json
}

/// Whether `Accept` takes JSON or XML at all (absent takes anything).
pub(crate) fn accepts_json_or_xml(headers: &HeaderMap) -> bool {
    let ranges = super::pages::accept_ranges(headers);
    ranges.is_empty()
        || ranges.iter().any(|(media, q)| {
            *q > 0.0
                && matches!(
                    media.as_str(),
                    "application/json" | "application/xml" | "text/xml" | "application/*" | "*/*"
                )
        })
}

/// Whether a Content-Type is XML.
pub(crate) fn is_xml(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|media| matches!(media.as_str(), "application/xml" | "text/xml"))
}

/// An element as read: its local name, whether it is `i:nil`, its text and
/// its children.
struct Element {
    name: String,
    nil: bool,
    text: String,
    children: Vec<Element>,
}

/// The document's root element (namespaces are not checked: a client may
/// prefix them as it likes).
fn parse(xml: &[u8]) -> Result<Element, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut buffer = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::Start(start) => stack.push(opened(&start)),
            Event::Empty(start) => {
                let element = opened(&start);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(text) => {
                if let Some(open) = stack.last_mut() {
                    let text = text
                        .decode()
                        .map_err(|e| format!("not well-formed XML: {e}"))?;
                    let text = quick_xml::escape::unescape(&text)
                        .map_err(|e| format!("not well-formed XML: {e}"))?;
                    open.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(open) = stack.last_mut() {
                    let name = String::from_utf8_lossy(&reference).into_owned();
                    let escaped = format!("&{name};");
                    let text = quick_xml::escape::unescape(&escaped)
                        .map_err(|e| format!("not well-formed XML: {e}"))?;
                    open.text.push_str(&text);
                }
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or("not well-formed XML: an end without a start")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Eof => return Err("not well-formed XML: no root element".into()),
            _ => {}
        }
        buffer.clear();
    }
}

/// An element just opened: its local name and whether it is `i:nil`.
fn opened(start: &quick_xml::events::BytesStart<'_>) -> Element {
    Element {
        name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
        nil: start
            .attributes()
            .flatten()
            .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true"),
        text: String::new(),
        children: Vec::new(),
    }
}

/// The JSON of `element` read as `shape`.
fn to_json(element: &Element, shape: &Shape) -> Result<Value, String> {
    if element.nil {
        return Ok(Value::Null);
    }
    let text = element.text.trim();
    let wrong = |what: &str| format!("{} is not {what}", element.name);
    Ok(match shape {
        Shape::Text => Value::String(element.text.clone()),
        Shape::Number => {
            if let Ok(n) = text.parse::<i64>() {
                Value::from(n)
            } else {
                text.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| wrong("a number"))?
            }
        }
        Shape::Bool => match text {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(wrong("true or false")),
        },
        Shape::Enum(members) => members
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(value, _)| Value::from(*value))
            .ok_or_else(|| {
                let names: Vec<&str> = members.iter().map(|(_, name)| *name).collect();
                wrong(&format!("one of {}", names.join(", ")))
            })?,
        Shape::DateTime => {
            let at = chrono::DateTime::parse_from_rfc3339(text)
                .map(|at| at.timestamp_millis())
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                        .map(|at| at.and_utc().timestamp_millis())
                })
                .map_err(|_| wrong("an xs:dateTime"))?;
            Value::String(format!("/Date({at})/"))
        }
        Shape::Object(members) => {
            let mut object = Map::new();
            for child in &element.children {
                // An element the shape does not name is skipped, as unknown
                // JSON members are; i:nil is how WCF writes a member it
                // has no value for, so it is left out, as absent.
                if child.nil {
                    continue;
                }
                if let Some((name, shape)) = members.iter().find(|(n, _)| *n == child.name) {
                    object.insert((*name).to_string(), to_json(child, shape)?);
                }
            }
            Value::Object(object)
        }
    })
}

/// `value`'s content as `shape` (the element around it is the caller's).
fn write_content(out: &mut String, value: &Value, shape: &Shape) {
    match (shape, value) {
        (Shape::Object(members), Value::Object(object)) => {
            for (name, shape) in *members {
                match object.get(*name) {
                    None => {}
                    Some(Value::Null) => {
                        let _ = write!(out, "<{name} i:nil=\"true\"/>");
                    }
                    Some(member) => {
                        let _ = write!(out, "<{name}>");
                        write_content(out, member, shape);
                        let _ = write!(out, "</{name}>");
                    }
                }
            }
        }
        (Shape::Enum(members), Value::Number(n)) => {
            match members.iter().find(|(v, _)| Some(*v) == n.as_i64()) {
                Some((_, name)) => out.push_str(name),
                // A number the spec does not list: as WCF writes an
                // undefined enum value, its number.
                None => out.push_str(&n.to_string()),
            }
        }
        (Shape::DateTime, Value::String(wcf)) => out.push_str(&xml_date(wcf)),
        (_, Value::String(text)) => out.push_str(&quick_xml::escape::escape(text.as_str())),
        (_, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (_, Value::Number(n)) => out.push_str(&n.to_string()),
        // A shape the value does not have: its JSON text, escaped.
        (_, other) => out.push_str(&quick_xml::escape::escape(other.to_string().as_str())),
    }
}

/// `/Date(1826791200000)/` (an offset, if any, only says how to show it) as
/// `2027-11-21T10:00:00Z`; anything else as it is.
fn xml_date(wcf: &str) -> String {
    let millis = wcf
        .strip_prefix("/Date(")
        .and_then(|rest| rest.strip_suffix(")/"))
        .map(|inner| {
            let end = inner[1..].find(['+', '-']).map_or(inner.len(), |i| i + 1);
            &inner[..end]
        })
        .and_then(|digits| digits.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis);
    match millis {
        Some(at) => at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        None => quick_xml::escape::escape(wcf).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static STATUS: Shape = Shape::Enum(&[(0, "NotPaid"), (1, "Paid")]);
    static ANSWER: Shape = Shape::Object(&[
        ("ClientReference", &Shape::Text),
        ("Expires", &Shape::DateTime),
        ("PaymentStatus", &STATUS),
        ("TransactionId", &Shape::Number),
    ]);
    static DIALECT: Dialect = Dialect {
        namespace: "urn:t",
        operations: &[OperationXml {
            name: "status",
            request: Some(("Answer", &ANSWER)),
            answers: &[("200", "Answer", &ANSWER)],
        }],
    };

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn answers_are_written_in_order_with_names_dates_and_nil() {
        let json = br#"{"TransactionId": 7, "PaymentStatus": 1, "ClientReference": null, "Expires": "/Date(1826791200000+0100)/"}"#;
        let xml = DIALECT.write_answer("status", 200, json).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Answer xmlns=\"urn:t\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><ClientReference i:nil=\"true\"/><Expires>2027-11-21T10:00:00Z</Expires><PaymentStatus>Paid</PaymentStatus><TransactionId>7</TransactionId></Answer>"
        );
        assert!(DIALECT.write_answer("status", 404, json).is_none());
    }

    #[test]
    fn requests_are_read_back_into_the_json_the_handlers_take() {
        let xml = br#"<a:Answer xmlns:a="urn:t" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:TransactionId>7</a:TransactionId><a:PaymentStatus>Paid</a:PaymentStatus><a:ClientReference>r &amp; 1</a:ClientReference><a:Expires>2027-11-21T10:00:00Z</a:Expires><a:Other>x</a:Other></a:Answer>"#;
        let json: Value =
            serde_json::from_slice(&DIALECT.read_request("status", xml).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"TransactionId": 7, "PaymentStatus": 1, "ClientReference": "r & 1", "Expires": "/Date(1826791200000)/"})
        );
        let nil = br#"<Answer xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ClientReference i:nil="true"/></Answer>"#;
        let json: Value =
            serde_json::from_slice(&DIALECT.read_request("status", nil).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({}));
        for (bad, why) in [
            (&b"<Other/>"[..], "root element"),
            (
                b"<Answer><PaymentStatus>Gone</PaymentStatus></Answer>",
                "one of NotPaid, Paid",
            ),
            (
                b"<Answer><TransactionId>x</TransactionId></Answer>",
                "not a number",
            ),
            (b"<Answer><TransactionId>", "well-formed"),
        ] {
            let error = DIALECT.read_request("status", bad).unwrap_err();
            assert!(error.contains(why), "{error}");
        }
    }

    #[test]
    fn xml_is_chosen_only_when_accept_prefers_it() {
        assert!(prefers_xml(&accept("application/xml")));
        assert!(prefers_xml(&accept("text/xml, application/json;q=0.5")));
        assert!(!prefers_xml(&accept("application/json, application/xml")));
        assert!(!prefers_xml(&accept("*/*")));
        assert!(!prefers_xml(&HeaderMap::new()));
        assert!(accepts_json_or_xml(&accept("application/xml")));
        assert!(!accepts_json_or_xml(&accept("text/html")));
        assert!(accepts_json_or_xml(&HeaderMap::new()));
    }
}
