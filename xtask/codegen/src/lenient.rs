//! Decoding what a provider sends is lenient, building a request is strict.
//! Providers write `null` for an empty list (Puzzel Pay in its own
//! examples, WCF by default), which serde refuses for a `Vec`: every array
//! of a schema no request carries reads `null` as empty. Schemas a request
//! carries stay strict, so the sandbox, which decodes requests with the
//! same types, refuses what the spec forbids.

use std::collections::BTreeSet;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Schema, SchemaKind,
    Type,
};
use syn::visit_mut::VisitMut;

/// The component schemas no request carries (through its body or a
/// parameter, directly or inside another schema).
pub fn never_sent(spec: &OpenAPI) -> BTreeSet<String> {
    let mut sent = BTreeSet::new();
    let components = spec.components.clone().unwrap_or_default();
    let items = spec.paths.paths.values().filter_map(ReferenceOr::as_item);
    for item in items {
        let operations: Vec<_> = item.iter().map(|(_, operation)| operation).collect();
        let parameters = item.parameters.iter().chain(
            operations
                .iter()
                .flat_map(|operation| &operation.parameters),
        );
        for parameter in parameters {
            let parameter = match parameter {
                ReferenceOr::Item(parameter) => Some(parameter),
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/parameters/")
                    .and_then(|name| components.parameters.get(name))
                    .and_then(ReferenceOr::as_item),
            };
            if let Some(parameter) = parameter {
                parameter_schemas(parameter, &mut |schema| reach(schema, spec, &mut sent));
            }
        }
        for operation in operations {
            request_body_schemas(operation, &components, &mut |schema| {
                reach(schema, spec, &mut sent)
            });
        }
    }
    components
        .schemas
        .keys()
        .filter(|name| !sent.contains(*name))
        .cloned()
        .collect()
}

/// The schemas of `operation`'s request body.
fn request_body_schemas(
    operation: &openapiv3::Operation,
    components: &openapiv3::Components,
    visit: &mut impl FnMut(&ReferenceOr<Schema>),
) {
    let body = match &operation.request_body {
        Some(ReferenceOr::Item(body)) => Some(body),
        Some(ReferenceOr::Reference { reference }) => reference
            .strip_prefix("#/components/requestBodies/")
            .and_then(|name| components.request_bodies.get(name))
            .and_then(ReferenceOr::as_item),
        None => None,
    };
    if let Some(RequestBody { content, .. }) = body {
        for media in content.values() {
            if let Some(schema) = &media.schema {
                visit(schema);
            }
        }
    }
}

fn parameter_schemas(parameter: &Parameter, visit: &mut impl FnMut(&ReferenceOr<Schema>)) {
    if let ParameterSchemaOrContent::Schema(schema) = &parameter.parameter_data_ref().format {
        visit(schema);
    }
}

/// Every component schema `schema` names, into `seen`.
fn reach(schema: &ReferenceOr<Schema>, spec: &OpenAPI, seen: &mut BTreeSet<String>) {
    match schema {
        ReferenceOr::Reference { reference } => {
            let Some(name) = reference.strip_prefix("#/components/schemas/") else {
                return;
            };
            if !seen.insert(name.to_string()) {
                return;
            }
            let found = spec
                .components
                .as_ref()
                .and_then(|components| components.schemas.get(name));
            if let Some(found) = found {
                reach(found, spec, seen);
            }
        }
        ReferenceOr::Item(schema) => {
            for inner in inner_schemas(schema) {
                reach(&inner, spec, seen);
            }
        }
    }
}

/// The schemas directly inside `schema`.
fn inner_schemas(schema: &Schema) -> Vec<ReferenceOr<Schema>> {
    let boxed = |s: &ReferenceOr<Box<Schema>>| match s {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(item) => ReferenceOr::Item((**item).clone()),
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            let mut inner: Vec<_> = object.properties.values().map(boxed).collect();
            if let Some(openapiv3::AdditionalProperties::Schema(extra)) =
                &object.additional_properties
            {
                inner.push((**extra).clone());
            }
            inner
        }
        SchemaKind::Type(Type::Array(array)) => array.items.iter().map(boxed).collect(),
        SchemaKind::OneOf { one_of: all }
        | SchemaKind::AllOf { all_of: all }
        | SchemaKind::AnyOf { any_of: all } => all.clone(),
        SchemaKind::Not { not } => vec![(**not).clone()],
        SchemaKind::Any(any) => {
            let mut inner: Vec<_> = any.properties.values().map(boxed).collect();
            inner.extend(any.items.iter().map(boxed));
            inner.extend(
                any.one_of
                    .iter()
                    .chain(&any.all_of)
                    .chain(&any.any_of)
                    .cloned(),
            );
            inner
        }
        _ => Vec::new(),
    }
}

/// In `mod types`, every `Vec` field of a struct named in `lenient` reads
/// `null` as empty (`deserialize_with = "crate::runtime::null_as_empty"`).
pub fn null_arrays_as_empty(file: &mut syn::File, lenient: &BTreeSet<String>) {
    let mut visitor = NullAsEmpty { lenient };
    for item in &mut file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "types"
        {
            visitor.visit_item_mod_mut(module);
        }
    }
}

struct NullAsEmpty<'a> {
    lenient: &'a BTreeSet<String>,
}

impl VisitMut for NullAsEmpty<'_> {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        // typify's builders (`types::builder`) are not decoded.
        if module.ident == "types"
            && let Some((_, items)) = &mut module.content
        {
            for item in items {
                if let syn::Item::Struct(item) = item {
                    self.visit_item_struct_mut(item);
                }
            }
        }
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if !self.lenient.contains(&item.ident.to_string()) {
            return;
        }
        for field in item.fields.iter_mut() {
            if !is_vec(&field.ty) {
                continue;
            }
            for attr in &mut field.attrs {
                if attr.path().is_ident("serde")
                    && let syn::Meta::List(list) = &mut attr.meta
                {
                    let tokens = std::mem::take(&mut list.tokens);
                    list.tokens = quote::quote! {
                        #tokens, deserialize_with = "crate::runtime::null_as_empty"
                    };
                    break;
                }
            }
            if !field.attrs.iter().any(|attr| attr.path().is_ident("serde")) {
                field.attrs.push(syn::parse_quote! {
                    #[serde(deserialize_with = "crate::runtime::null_as_empty")]
                });
            }
        }
    }
}

/// `::std::vec::Vec<_>` (typify's spelling) or `Vec<_>`.
fn is_vec(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "Vec")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /batches/{ref}:
    parameters:
      - {name: ref, in: path, required: true, schema: {$ref: "#/components/schemas/Reference"}}
    post:
      operationId: createBatch
      requestBody:
        content:
          application/json: {schema: {$ref: "#/components/schemas/BatchRequest"}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/BatchStatus"}}}}
components:
  schemas:
    Reference: {type: string}
    BatchRequest:
      type: object
      properties:
        recipients: {type: array, items: {$ref: "#/components/schemas/Recipient"}}
    Recipient: {type: object, properties: {variables: {type: array, items: {type: string}}}}
    BatchStatus:
      type: object
      properties:
        steps: {type: array, items: {$ref: "#/components/schemas/Step"}}
    Step: {type: object, properties: {providers: {type: array, items: {type: integer}}}}
    Callback: {type: object}
"##;

    #[test]
    fn only_schemas_no_request_carries_are_lenient() {
        let spec: OpenAPI = serde_yaml::from_str(SPEC).unwrap();
        let lenient: Vec<String> = never_sent(&spec).into_iter().collect();
        assert_eq!(lenient, ["BatchStatus", "Callback", "Step"]);
    }

    #[test]
    fn vec_fields_of_lenient_structs_read_null_as_empty() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct BatchStatus {
                    #[serde(rename = "steps", default)]
                    pub steps: ::std::vec::Vec<Step>,
                    pub required: ::std::vec::Vec<Step>,
                    pub name: ::std::option::Option<::std::string::String>,
                }
                pub struct BatchRequest {
                    #[serde(default)]
                    pub recipients: ::std::vec::Vec<Recipient>,
                }
            }
        };
        null_arrays_as_empty(&mut file, &["BatchStatus".to_string()].into());
        let text = quote::quote!(#file).to_string();
        assert_eq!(text.matches("null_as_empty").count(), 2, "{text}");
        assert!(
            text.contains("# [serde (rename = \"steps\" , default , deserialize_with"),
            "{text}"
        );
    }
}
