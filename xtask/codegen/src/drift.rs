//! Drift between a hand-written spec and a document the provider publishes:
//! an OpenAPI 3 or Swagger 2.0 file against an OpenAPI spec, or a WSDL
//! (with its schemas inline, as `?singleWsdl` serves it, or imported) against
//! a WSDL. Both sides become a flat set of facts — routes, parameters,
//! fields, enum values, SOAP names — and the difference is what was added,
//! removed or changed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

/// What a document says, one fact per key (`field POST /transactions
/// request.orderId` → `string, required`).
pub type Facts = BTreeMap<String, String>;

/// How two documents differ.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// In the provider's document only.
    pub added: Vec<(String, String)>,
    /// In the hand-written spec only.
    pub removed: Vec<(String, String)>,
    /// In both, saying different things: (key, ours, theirs).
    pub changed: Vec<(String, String, String)>,
}

impl Drift {
    /// No difference.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.added {
            writeln!(f, "+ {key}: {value}")?;
        }
        for (key, value) in &self.removed {
            writeln!(f, "- {key}: {value}")?;
        }
        for (key, ours, theirs) in &self.changed {
            writeln!(f, "~ {key}: {ours} -> {theirs}")?;
        }
        write!(
            f,
            "drift: {} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }
}

/// The difference from `ours` to `theirs`.
pub fn compare(ours: &Facts, theirs: &Facts) -> Drift {
    let mut drift = Drift::default();
    for (key, value) in theirs {
        match ours.get(key) {
            None => drift.added.push((key.clone(), value.clone())),
            Some(mine) if mine != value => {
                drift
                    .changed
                    .push((key.clone(), mine.clone(), value.clone()))
            }
            Some(_) => {}
        }
    }
    for (key, value) in ours {
        if !theirs.contains_key(key) {
            drift.removed.push((key.clone(), value.clone()));
        }
    }
    drift
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// Not readable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Neither YAML/JSON of an OpenAPI or Swagger document, nor a WSDL.
    #[error("{0}")]
    Format(String),
}

/// The facts of a document's text: a WSDL if it is XML, else OpenAPI 3 or
/// Swagger 2.0 (YAML or JSON). `base` is where imported schemas are read
/// from (a WSDL's `schemaLocation`).
pub fn facts(text: &str, base: Option<&Path>) -> Result<Facts, DriftError> {
    facts_with(text, base, false)
}

/// [`facts`], plus one `limits …` fact per field or parameter with limits
/// (length, range, pattern, item count): what `cargo xtask review` compares
/// between two versions of our own spec. Drift leaves them out, as
/// providers' documents rarely state them.
pub fn facts_with_limits(text: &str, base: Option<&Path>) -> Result<Facts, DriftError> {
    facts_with(text, base, true)
}

fn facts_with(text: &str, base: Option<&Path>, limits: bool) -> Result<Facts, DriftError> {
    if text.trim_start().starts_with('<') {
        wsdl_facts(text, base)
    } else {
        let value: Value = serde_yaml::from_str(text)
            .map_err(|e| DriftError::Format(format!("neither XML nor YAML/JSON: {e}")))?;
        openapi_facts(&value, limits)
    }
}

/// An OpenAPI or Swagger document (YAML or JSON) as JSON, for tools that
/// read specs the way `drift` does (the contract test).
pub fn document(path: &Path) -> Result<Value, DriftError> {
    let text = std::fs::read_to_string(path).map_err(|source| DriftError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_yaml::from_str(&text).map_err(|e| DriftError::Format(format!("{}: {e}", path.display())))
}

/// The facts of the document at `path`.
pub fn facts_of_file(path: &Path) -> Result<Facts, DriftError> {
    let text = std::fs::read_to_string(path).map_err(|source| DriftError::Io {
        path: path.display().to_string(),
        source,
    })?;
    facts(&text, path.parent())
}

// ---- OpenAPI 3 and Swagger 2.0 ----

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// `{transactionId}` and `{id}` name the same segment.
fn route(method: &str, path: &str) -> String {
    let path: Vec<String> = path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}".to_string()
            } else {
                segment.to_string()
            }
        })
        .collect();
    format!("{} {}", method.to_uppercase(), path.join("/"))
}

fn openapi_facts(document: &Value, limits: bool) -> Result<Facts, DriftError> {
    let swagger = document.get("swagger").is_some();
    if !swagger && document.get("openapi").is_none() {
        return Err(DriftError::Format(
            "no `openapi` or `swagger` version: not an API description".into(),
        ));
    }
    let mut facts = Facts::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Ok(facts);
    };
    let schemas = Schemas { document, limits };
    for (path, item) in paths {
        let shared = item.get("parameters");
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let route = route(method, path);
            facts.insert(format!("operation {route}"), String::new());
            let parameters = shared
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(
                    operation
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            for parameter in parameters {
                let parameter = schemas.resolve(parameter);
                let place = parameter.get("in").and_then(Value::as_str).unwrap_or("");
                let required = parameter
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if place == "body" {
                    if let Some(schema) = parameter.get("schema") {
                        schemas.flatten(schema, &format!("field {route} request"), &mut facts, 0);
                    }
                    continue;
                }
                // A path parameter's name is not on the wire.
                let name = if place == "path" {
                    "{}"
                } else {
                    parameter.get("name").and_then(Value::as_str).unwrap_or("")
                };
                let schema = parameter.get("schema").unwrap_or(parameter);
                let kind = schemas.kind(schema);
                let required = if required { ", required" } else { "" };
                facts.insert(
                    format!("parameter {route} {place}:{name}"),
                    format!("{kind}{required}"),
                );
                schemas.enum_fact(
                    schema,
                    &format!("parameter {route} {place}:{name}"),
                    &mut facts,
                );
                schemas.limits_fact(
                    schema,
                    &format!("parameter {route} {place}:{name}"),
                    &mut facts,
                );
            }
            if let Some(schema) = operation
                .get("requestBody")
                .map(|body| schemas.resolve(body))
                .and_then(first_media_schema)
            {
                schemas.flatten(schema, &format!("field {route} request"), &mut facts, 0);
            }
            if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
                for (status, response) in responses {
                    let response = schemas.resolve(response);
                    facts.insert(format!("response {route} {status}"), String::new());
                    let schema = if swagger {
                        response.get("schema")
                    } else {
                        first_media_schema(response)
                    };
                    if let Some(schema) = schema {
                        schemas.flatten(schema, &format!("field {route} {status}"), &mut facts, 0);
                    }
                }
            }
        }
    }
    Ok(facts)
}

fn first_media_schema(holder: &Value) -> Option<&Value> {
    holder
        .get("content")?
        .as_object()?
        .values()
        .find_map(|media| media.get("schema"))
}

/// `value`, or what its `$ref`s lead to within `document` (`#/definitions/…`,
/// `#/components/…`); a `$ref` that leads nowhere is returned as it is.
pub fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return value;
        };
        match document.pointer(pointer) {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

/// Schema lookups within one document (`#/definitions/…`, `#/components/…`).
struct Schemas<'a> {
    document: &'a Value,
    /// Whether to record `limits …` facts.
    limits: bool,
}

impl<'a> Schemas<'a> {
    fn resolve(&self, value: &'a Value) -> &'a Value {
        resolve(self.document, value)
    }

    /// A schema's type in a word: `string`, `integer`, `array of string`,
    /// `object`, `one of string|number`.
    fn kind(&self, schema: &Value) -> String {
        let schema = self.resolve(schema);
        if let Some(choices) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            let kinds: BTreeSet<String> = choices.iter().map(|c| self.kind(c)).collect();
            return format!("one of {}", kinds.into_iter().collect::<Vec<_>>().join("|"));
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array)
            && let [only] = parts.as_slice()
        {
            return self.kind(only);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => match schema.get("items") {
                Some(items) => format!("array of {}", self.kind(items)),
                None => "array".into(),
            },
            Some(kind) => kind.to_string(),
            None if schema.get("properties").is_some() => "object".into(),
            None => "any".into(),
        }
    }

    /// `limits {key}`: the schema's length, range, pattern and item-count
    /// keywords, as `keyword=value` in keyword order.
    fn limits_fact(&self, schema: &Value, key: &str, facts: &mut Facts) {
        if !self.limits {
            return;
        }
        const KEYWORDS: [&str; 10] = [
            "exclusiveMaximum",
            "exclusiveMinimum",
            "maxItems",
            "maxLength",
            "maximum",
            "minItems",
            "minLength",
            "minimum",
            "pattern",
            "uniqueItems",
        ];
        let schema = self.resolve(schema);
        let found: Vec<String> = KEYWORDS
            .iter()
            .filter_map(|keyword| {
                schema.get(*keyword).map(|value| match value {
                    Value::String(text) => format!("{keyword}={text}"),
                    other => format!("{keyword}={other}"),
                })
            })
            .collect();
        if !found.is_empty() {
            facts.insert(format!("limits {key}"), found.join(" "));
        }
    }

    fn enum_fact(&self, schema: &Value, key: &str, facts: &mut Facts) {
        let schema = self.resolve(schema);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: BTreeSet<String> = values
                .iter()
                .map(|v| match v {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect();
            facts.insert(
                format!("enum {key}"),
                values.into_iter().collect::<Vec<_>>().join(", "),
            );
        }
    }

    /// One fact per field reached from `schema` (objects, arrays, allOf),
    /// keyed `{prefix}.{field}`.
    fn flatten(&self, schema: &Value, prefix: &str, facts: &mut Facts, depth: usize) {
        if depth > 8 {
            return;
        }
        let schema = self.resolve(schema);
        self.enum_fact(schema, prefix, facts);
        self.limits_fact(schema, prefix, facts);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                self.flatten(part, prefix, facts, depth + 1);
            }
        }
        if let Some(items) = schema.get("items") {
            self.flatten(items, &format!("{prefix}[]"), facts, depth + 1);
        }
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, property) in properties {
            let key = format!("{prefix}.{name}");
            let mut fact = self.kind(property);
            if required.contains(name.as_str()) {
                fact.push_str(", required");
            }
            facts.insert(key.clone(), fact);
            self.flatten(property, &key, facts, depth + 1);
        }
    }
}

// ---- WSDL and XSD ----

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

fn wsdl_facts(text: &str, base: Option<&Path>) -> Result<Facts, DriftError> {
    let document = roxmltree::Document::parse(text)
        .map_err(|e| DriftError::Format(format!("not XML: {e}")))?;
    let root = document.root_element();
    if root.tag_name().namespace() != Some(WSDL_NS) {
        return Err(DriftError::Format(
            "XML, but not a WSDL 1.1 document".into(),
        ));
    }
    let mut facts = Facts::new();
    let target = root.attribute("targetNamespace").unwrap_or("");
    facts.insert("soap namespace".into(), target.to_string());
    let is = |node: &roxmltree::Node, ns: &str, name: &str| {
        node.is_element()
            && node.tag_name().namespace() == Some(ns)
            && node.tag_name().name() == name
    };
    // message name -> element QName
    let mut messages = BTreeMap::new();
    for message in root.children().filter(|n| is(n, WSDL_NS, "message")) {
        let element = message
            .children()
            .find(|n| is(n, WSDL_NS, "part"))
            .and_then(|part| part.attribute("element"))
            .map(|qname| expand(&message, qname))
            .unwrap_or_default();
        messages.insert(message.attribute("name").unwrap_or("").to_string(), element);
    }
    let local = |qname: &str| qname.rsplit(':').next().unwrap_or(qname).to_string();
    for port_type in root.children().filter(|n| is(n, WSDL_NS, "portType")) {
        for operation in port_type.children().filter(|n| is(n, WSDL_NS, "operation")) {
            let name = operation.attribute("name").unwrap_or("");
            for (direction, tag) in [("input", "input"), ("output", "output"), ("fault", "fault")] {
                for io in operation.children().filter(|n| is(n, WSDL_NS, tag)) {
                    let message = io.attribute("message").map(local).unwrap_or_default();
                    let element = messages.get(&message).cloned().unwrap_or_default();
                    facts.insert(format!("soap operation {name} {direction}"), element);
                }
            }
        }
    }
    for binding in root.children().filter(|n| is(n, WSDL_NS, "binding")) {
        for operation in binding.children().filter(|n| is(n, WSDL_NS, "operation")) {
            let name = operation.attribute("name").unwrap_or("");
            if let Some(action) = operation
                .children()
                .find(|n| is(n, SOAP_NS, "operation"))
                .and_then(|op| op.attribute("soapAction"))
            {
                facts.insert(format!("soap operation {name} action"), action.to_string());
            }
        }
    }
    let mut seen = BTreeSet::new();
    for types in root.children().filter(|n| is(n, WSDL_NS, "types")) {
        for schema in types.children().filter(|n| is(n, XSD_NS, "schema")) {
            schema_facts(&schema, base, &mut facts, &mut seen)?;
        }
    }
    Ok(facts)
}

/// `prefix:local` in scope at `node` as `{namespace}local`.
fn expand(node: &roxmltree::Node, qname: &str) -> String {
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
    let namespace = node
        .lookup_namespace_uri(if prefix.is_empty() {
            None
        } else {
            Some(prefix)
        })
        .unwrap_or("");
    format!("{{{namespace}}}{local}")
}

fn schema_facts(
    schema: &roxmltree::Node,
    base: Option<&Path>,
    facts: &mut Facts,
    seen: &mut BTreeSet<String>,
) -> Result<(), DriftError> {
    let target = schema.attribute("targetNamespace").unwrap_or("");
    let xsd = |node: &roxmltree::Node, name: &str| {
        node.is_element()
            && node.tag_name().namespace() == Some(XSD_NS)
            && node.tag_name().name() == name
    };
    for child in schema.children().filter(|n| n.is_element()) {
        if xsd(&child, "import") || xsd(&child, "include") {
            let (Some(location), Some(base)) = (child.attribute("schemaLocation"), base) else {
                continue;
            };
            let path = base.join(location);
            if !seen.insert(path.display().to_string()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| DriftError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let document = roxmltree::Document::parse(&text)
                .map_err(|e| DriftError::Format(format!("{}: {e}", path.display())))?;
            schema_facts(&document.root_element(), path.parent(), facts, seen)?;
            continue;
        }
        let Some(name) = child.attribute("name") else {
            continue;
        };
        let qname = format!("{{{target}}}{name}");
        if xsd(&child, "element") {
            let kind = child
                .attribute("type")
                .map(|t| expand(&child, t))
                .unwrap_or_else(|| "(inline)".into());
            facts.insert(format!("xsd element {qname}"), kind);
            if let Some(inline) = child.children().find(|n| xsd(n, "complexType")) {
                members(&inline, &qname, facts);
            }
        } else if xsd(&child, "complexType") {
            facts.insert(format!("xsd type {qname}"), "complex".into());
            members(&child, &qname, facts);
        } else if xsd(&child, "simpleType") {
            let values: Vec<&str> = child
                .descendants()
                .filter(|n| xsd(n, "enumeration"))
                .filter_map(|n| n.attribute("value"))
                .collect();
            let fact = if values.is_empty() {
                "simple".to_string()
            } else {
                let values: BTreeSet<&str> = values.into_iter().collect();
                format!("enum {}", values.into_iter().collect::<Vec<_>>().join(", "))
            };
            facts.insert(format!("xsd type {qname}"), fact);
        }
    }
    Ok(())
}

/// The elements of a complex type's sequence, with their position: WCF's
/// DataContractSerializer reads members in order.
fn members(complex: &roxmltree::Node, owner: &str, facts: &mut Facts) {
    let elements = complex.descendants().filter(|n| {
        n.is_element()
            && n.tag_name().namespace() == Some(XSD_NS)
            && n.tag_name().name() == "element"
            && n.attribute("name").is_some()
    });
    for (position, element) in elements.enumerate() {
        let name = element.attribute("name").unwrap_or("");
        let kind = element
            .attribute("type")
            .map(|t| expand(&element, t))
            .unwrap_or_else(|| "(inline)".into());
        let optional = if element.attribute("minOccurs") == Some("0") {
            " optional"
        } else {
            ""
        };
        let nillable = if element.attribute("nillable") == Some("true") {
            " nillable"
        } else {
            ""
        };
        facts.insert(
            format!("xsd member {owner}/{name}"),
            format!("#{} {kind}{optional}{nillable}", position + 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = r##"
openapi: 3.0.3
paths:
  /things/{thingId}:
    parameters:
      - {name: thingId, in: path, required: true, schema: {type: string}}
    get:
      parameters:
        - {name: full, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        state: {type: string, enum: [NEW, DONE]}
"##;

    const THEIRS: &str = r##"
swagger: "2.0"
paths:
  /things/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: full, in: query, type: string}
      responses:
        "200":
          description: ok
          schema: {$ref: "#/definitions/Thing"}
    delete:
      responses:
        "204": {description: gone}
definitions:
  Thing:
    type: object
    required: [id]
    properties:
      id: {type: string}
      state: {type: string, enum: [NEW, DONE, LOST]}
      owner: {type: string}
"##;

    #[test]
    fn routes_fields_and_enum_values_are_compared_across_versions() {
        let drift = compare(&facts(OURS, None).unwrap(), &facts(THEIRS, None).unwrap());
        let added: Vec<&str> = drift.added.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            added,
            [
                "field GET /things/{} 200.owner",
                "operation DELETE /things/{}",
                "response DELETE /things/{} 204",
            ]
        );
        assert!(drift.removed.is_empty(), "{drift}");
        let changed: Vec<String> = drift
            .changed
            .iter()
            .map(|(k, a, b)| format!("{k}: {a} -> {b}"))
            .collect();
        assert_eq!(
            changed,
            [
                "enum field GET /things/{} 200.state: DONE, NEW -> DONE, LOST, NEW",
                "parameter GET /things/{} query:full: boolean -> string",
            ]
        );
        assert!(compare(&facts(OURS, None).unwrap(), &facts(OURS, None).unwrap()).is_empty());
    }

    #[test]
    fn a_document_of_neither_kind_is_refused() {
        assert!(facts("title: not an api", None).is_err());
        assert!(facts("<html/>", None).is_err());
    }
}
