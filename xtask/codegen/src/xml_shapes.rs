//! XML bodies of a REST spec that speaks XML beside JSON (its top-level
//! `x-nordpay-xml`: Direct Payment's WCF endpoint): for each operation the
//! root element and shape of its request body and of each documented
//! answer, so the sandbox reads and writes the XML form from the same spec
//! as the JSON one. A body is its schema's DataContract: the root element
//! is the schema's name, members are elements in ordinal name order, an
//! integer enum marked `x-nordpay-xml: name` is written by member name
//! (`x-enum-varnames`), a schema marked `x-nordpay-xml: dateTime` is an
//! xs:dateTime.

use std::collections::BTreeMap;

use openapiv3::{
    MediaType, OpenAPI, ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode, Type,
};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::refs;

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// `static XML` and the shapes it names, for a spec with `x-nordpay-xml`;
/// `None` for any other.
pub fn render(spec: &OpenAPI) -> Result<Option<TokenStream>, String> {
    let Some(xml) = spec.extensions.get("x-nordpay-xml") else {
        return Ok(None);
    };
    let namespace = xml
        .get("namespace")
        .and_then(|n| n.as_str())
        .ok_or("x-nordpay-xml: no namespace")?;
    let mut shapes = Shapes {
        spec,
        rendered: BTreeMap::new(),
    };
    let mut operations = Vec::new();
    for crate::server::SpecOperation {
        name, operation, ..
    } in crate::server::operations(spec)?
    {
        let request = match &operation.request_body {
            Some(body) => {
                let body: &RequestBody = refs::resolve(spec.components.as_ref(), body)?;
                let (root, shape) = shapes
                    .body(body.content.get("application/json"))
                    .map_err(|e| format!("{name} request: {e}"))?;
                quote! { Some((#root, #shape)) }
            }
            None => quote! { None },
        };
        let mut answers = Vec::new();
        let statuses = operation
            .responses
            .responses
            .iter()
            .map(|(status, response)| (status_pattern(status), response))
            .chain(
                operation
                    .responses
                    .default
                    .iter()
                    .map(|response| ("default".to_string(), response)),
            );
        for (status, response) in statuses {
            let response: &Response = refs::resolve(spec.components.as_ref(), response)?;
            let Some(media) = response.content.get("application/json") else {
                continue;
            };
            let (root, shape) = shapes
                .body(Some(media))
                .map_err(|e| format!("{name} {status}: {e}"))?;
            answers.push(quote! { (#status, #root, #shape) });
        }
        operations.push(quote! {
            crate::sandbox::xml_body::OperationXml {
                name: #name,
                request: #request,
                answers: &[#(#answers),*],
            }
        });
    }
    let statics = shapes.rendered.into_values();
    Ok(Some(quote! {
        /// The XML form of the spec's bodies (its `x-nordpay-xml`).
        pub(crate) static XML: crate::sandbox::xml_body::Dialect = crate::sandbox::xml_body::Dialect {
            namespace: #namespace,
            operations: &[#(#operations),*],
        };
        #(#statics)*
    }))
}

/// `200`, `4XX`.
fn status_pattern(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(range) => format!("{range}XX"),
    }
}

/// The named shapes rendered so far, as statics by schema name.
struct Shapes<'a> {
    spec: &'a OpenAPI,
    rendered: BTreeMap<String, TokenStream>,
}

impl Shapes<'_> {
    /// The root element and shape of a JSON body, which must be a named schema.
    fn body(&mut self, media: Option<&MediaType>) -> Result<(String, TokenStream), String> {
        match media.and_then(|m| m.schema.as_ref()) {
            Some(ReferenceOr::Reference { reference }) => {
                let name = reference
                    .strip_prefix(SCHEMA_PREFIX)
                    .ok_or_else(|| format!("{reference}: not a schema"))?;
                Ok((name.to_string(), self.named(name)?))
            }
            Some(ReferenceOr::Item(_)) => {
                Err("an XML body needs a named schema (its root element)".into())
            }
            None => Err("no application/json body to write as XML".into()),
        }
    }

    /// `&XML_<NAME>`, rendering the named schema's static the first time.
    fn named(&mut self, name: &str) -> Result<TokenStream, String> {
        let ident = format_ident!("XML_{}", screaming(name));
        if !self.rendered.contains_key(name) {
            // Claimed before its members render, so a schema may hold itself.
            self.rendered.insert(name.to_string(), TokenStream::new());
            let schema: &Schema = refs::named(
                self.spec.components.as_ref(),
                &format!("{SCHEMA_PREFIX}{name}"),
            )?;
            let shape = self.shape(schema).map_err(|e| format!("{name}: {e}"))?;
            let doc = format!("The XML shape of `{name}`.");
            self.rendered.insert(
                name.to_string(),
                quote! {
                    #[doc = #doc]
                    static #ident: crate::sandbox::xml_body::Shape = #shape;
                },
            );
        }
        Ok(quote! { &#ident })
    }

    /// `&'static Shape` of a member's schema.
    fn member(&mut self, schema: &ReferenceOr<Box<Schema>>) -> Result<TokenStream, String> {
        match schema {
            ReferenceOr::Reference { reference } => self.by_ref(reference),
            ReferenceOr::Item(schema) => self.inline(schema),
        }
    }

    fn by_ref(&mut self, reference: &str) -> Result<TokenStream, String> {
        let name = reference
            .strip_prefix(SCHEMA_PREFIX)
            .ok_or_else(|| format!("{reference}: not a schema"))?;
        self.named(name)
    }

    fn inline(&mut self, schema: &Schema) -> Result<TokenStream, String> {
        // A nullable wrapper of one schema (`allOf: [$ref]`) is that schema.
        if let SchemaKind::AllOf { all_of } = &schema.schema_kind
            && all_of.len() == 1
        {
            return match &all_of[0] {
                ReferenceOr::Reference { reference } => self.by_ref(reference),
                ReferenceOr::Item(schema) => self.inline(schema),
            };
        }
        let shape = self.shape(schema)?;
        Ok(quote! { &#shape })
    }

    /// The `Shape` expression of a schema.
    fn shape(&mut self, schema: &Schema) -> Result<TokenStream, String> {
        let marked = schema
            .schema_data
            .extensions
            .get("x-nordpay-xml")
            .and_then(|v| v.as_str());
        if marked == Some("dateTime") {
            return Ok(quote! { crate::sandbox::xml_body::Shape::DateTime });
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(_)) => {
                Ok(quote! { crate::sandbox::xml_body::Shape::Text })
            }
            SchemaKind::Type(Type::Number(_)) => {
                Ok(quote! { crate::sandbox::xml_body::Shape::Number })
            }
            SchemaKind::Type(Type::Boolean(_)) => {
                Ok(quote! { crate::sandbox::xml_body::Shape::Bool })
            }
            SchemaKind::Type(Type::Integer(integer)) if marked == Some("name") => {
                let names = schema
                    .schema_data
                    .extensions
                    .get("x-enum-varnames")
                    .and_then(|v| v.as_array())
                    .ok_or("x-nordpay-xml: name needs x-enum-varnames")?;
                if names.len() != integer.enumeration.len() {
                    return Err("x-enum-varnames does not name every value".into());
                }
                let members = integer
                    .enumeration
                    .iter()
                    .zip(names)
                    .map(|(value, name)| {
                        let value = value.ok_or("a null enum value")?;
                        let name = name.as_str().ok_or("a variant name is not a string")?;
                        let value = Literal::i64_unsuffixed(value);
                        Ok(quote! { (#value, #name) })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(quote! { crate::sandbox::xml_body::Shape::Enum(&[#(#members),*]) })
            }
            SchemaKind::Type(Type::Integer(_)) => {
                Ok(quote! { crate::sandbox::xml_body::Shape::Number })
            }
            SchemaKind::Type(Type::Object(object)) => {
                // DataContract order: ordinal by name.
                let mut names: Vec<&String> = object.properties.keys().collect();
                names.sort();
                let members = names
                    .into_iter()
                    .map(|name| {
                        let shape = self.member(&object.properties[name])?;
                        Ok(quote! { (#name, #shape) })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(quote! { crate::sandbox::xml_body::Shape::Object(&[#(#members),*]) })
            }
            SchemaKind::Type(Type::Array(_)) => {
                Err("arrays have no XML form here yet (DataContract collections)".into())
            }
            _ => Err("a schema kind with no XML form here".into()),
        }
    }
}

/// `PaymentStatusResponse` → `PAYMENT_STATUS_RESPONSE`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> OpenAPI {
        serde_yaml::from_str(text).unwrap()
    }

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
x-nordpay-xml: {namespace: "urn:t"}
paths:
  /pay:
    post:
      operationId: pay
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/PayRequest"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Paid"}
components:
  schemas:
    PayRequest:
      type: object
      properties:
        When: {$ref: "#/components/schemas/Date"}
        Amount: {type: integer}
    Paid:
      type: object
      properties:
        Status: {$ref: "#/components/schemas/Status"}
    Status:
      type: integer
      enum: [0, 1]
      x-enum-varnames: [NotPaid, Paid]
      x-nordpay-xml: name
    Date:
      type: string
      x-nordpay-xml: dateTime
"##;

    #[test]
    fn roots_members_in_order_enum_names_and_dates() {
        let tokens = render(&spec(SPEC)).unwrap().unwrap().to_string();
        assert!(tokens.contains("namespace : \"urn:t\""), "{tokens}");
        assert!(
            tokens.contains("Some ((\"PayRequest\" , & XML_PAY_REQUEST))"),
            "{tokens}"
        );
        assert!(
            tokens.contains("(\"200\" , \"Paid\" , & XML_PAID)"),
            "{tokens}"
        );
        // Amount before When: ordinal order, not the spec's.
        let amount = tokens.find("\"Amount\"").unwrap();
        assert!(amount < tokens.find("\"When\"").unwrap(), "{tokens}");
        assert!(
            tokens.contains("Enum (& [(0 , \"NotPaid\") , (1 , \"Paid\")])"),
            "{tokens}"
        );
        assert!(tokens.contains("Shape :: DateTime"), "{tokens}");
    }

    #[test]
    fn a_spec_without_xml_has_none_and_an_inline_body_is_refused() {
        let plain = SPEC.replace("x-nordpay-xml: {namespace: \"urn:t\"}\n", "");
        assert!(render(&spec(&plain)).unwrap().is_none());
        let inline = SPEC.replace(
            "schema: {$ref: \"#/components/schemas/PayRequest\"}",
            "schema: {type: object}",
        );
        let error = render(&spec(&inline)).unwrap_err();
        assert!(error.contains("named schema"), "{error}");
        assert_eq!(
            screaming("PaymentStatusResponse"),
            "PAYMENT_STATUS_RESPONSE"
        );
        assert_eq!(screaming("UserInfoV3"), "USER_INFO_V3");
    }
}
