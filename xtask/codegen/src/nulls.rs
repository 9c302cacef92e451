//! Decoding what a provider sends is lenient, building a request is strict.
//! Providers write `null` for an empty list (Puzzel Pay in its own
//! examples, WCF by default), which serde refuses for a `Vec`: every array
//! of a schema no request carries reads `null` as empty. The other way, the
//! sandbox decodes requests with the same types, and serde takes `null` for
//! any `Option`: an optional member of a schema only requests carry, which
//! the spec does not mark `nullable`, refuses `null`, as the spec does.
//! And where a spec says its provider writes `null` for a member with no
//! value (`x-nordpay-writes-null`, as .NET does by default), the sandbox
//! answers so: a nullable member of a schema no request carries is written
//! as `null`, not left out.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Schema, SchemaKind,
    Type,
};

use crate::refs;

/// The null rules of one spec, by struct: which read `null` arrays as
/// empty, and which members refuse `null`.
#[derive(Debug, Default)]
pub struct NullRules {
    /// Schemas no request carries.
    lenient: BTreeSet<String>,
    /// Optional, not nullable members of schemas only requests carry.
    strict: BTreeMap<String, BTreeSet<String>>,
    /// Nullable members of schemas no request carries, written as `null`
    /// when they have no value (a spec marked `x-nordpay-writes-null`).
    written_null: BTreeMap<String, BTreeSet<String>>,
}

impl NullRules {
    /// The rules `spec` implies.
    pub fn of(spec: &OpenAPI) -> Self {
        let carried = Carried::of(spec);
        let lenient = carried.never_sent(spec);
        let writes_null = spec
            .extensions
            .get("x-nordpay-writes-null")
            .is_some_and(|v| v.as_bool() == Some(true));
        let written_null = if writes_null {
            nullable_members(spec, &lenient)
        } else {
            BTreeMap::new()
        };
        Self {
            strict: carried.not_nullable_request_members(spec),
            lenient,
            written_null,
        }
    }

    /// Mark the generated types of `file` with them.
    pub fn apply(&self, file: &mut syn::File) {
        null_arrays_as_empty(file, &self.lenient);
        refuse_null_members(file, &self.strict);
        write_null_members(file, &self.written_null);
    }
}

/// Which component schemas requests and responses carry (directly or
/// inside another schema): a request through its body or a parameter, a
/// response through its body.
pub struct Carried {
    /// Schemas some request carries.
    pub sent: BTreeSet<String>,
    /// Schemas some response carries.
    pub received: BTreeSet<String>,
}

impl Carried {
    /// What `spec`'s operations carry.
    pub fn of(spec: &OpenAPI) -> Self {
        let mut sent = BTreeSet::new();
        let mut received = BTreeSet::new();
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
                if let Ok(parameter) = refs::resolve(Some(&components), parameter) {
                    parameter_schemas(parameter, &mut |schema| reach(schema, spec, &mut sent));
                }
            }
            for operation in operations {
                request_body_schemas(operation, &components, &mut |schema| {
                    reach(schema, spec, &mut sent)
                });
                response_schemas(operation, &components, &mut |schema| {
                    reach(schema, spec, &mut received)
                });
            }
        }
        Self { sent, received }
    }

    /// The schemas no request carries: their arrays read `null` as empty.
    pub fn never_sent(&self, spec: &OpenAPI) -> BTreeSet<String> {
        component_names(spec)
            .filter(|name| !self.sent.contains(name))
            .collect()
    }

    /// The optional members the spec does not mark `nullable`, by schema,
    /// of the schemas only requests carry: they refuse `null`.
    pub fn not_nullable_request_members(
        &self,
        spec: &OpenAPI,
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut members = BTreeMap::new();
        let schemas = spec.components.iter().flat_map(|c| c.schemas.iter());
        for (name, schema) in schemas {
            if !self.sent.contains(name) || self.received.contains(name) {
                continue;
            }
            let Some(Schema {
                schema_kind: SchemaKind::Type(Type::Object(object)),
                ..
            }) = schema.as_item()
            else {
                continue;
            };
            let optional: BTreeSet<String> = object
                .properties
                .iter()
                .filter(|(property, _)| !object.required.contains(property))
                .filter(|(_, schema)| !nullable(schema, spec))
                .map(|(property, _)| property.clone())
                .collect();
            if !optional.is_empty() {
                members.insert(name.clone(), optional);
            }
        }
        members
    }
}

/// The nullable members, by schema, of the object schemas named in `schemas`.
fn nullable_members(
    spec: &OpenAPI,
    schemas: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut members = BTreeMap::new();
    for (name, schema) in spec.components.iter().flat_map(|c| c.schemas.iter()) {
        let Some(Schema {
            schema_kind: SchemaKind::Type(Type::Object(object)),
            ..
        }) = schema.as_item()
        else {
            continue;
        };
        if !schemas.contains(name) {
            continue;
        }
        let nullable: BTreeSet<String> = object
            .properties
            .iter()
            .filter(|(_, schema)| nullable(schema, spec))
            .map(|(property, _)| property.clone())
            .collect();
        if !nullable.is_empty() {
            members.insert(name.clone(), nullable);
        }
    }
    members
}

fn component_names(spec: &OpenAPI) -> impl Iterator<Item = String> + '_ {
    spec.components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .cloned()
}

/// Whether a property's schema admits `null` (`nullable: true` on it, or
/// on the component it names).
fn nullable(schema: &ReferenceOr<Box<Schema>>, spec: &OpenAPI) -> bool {
    match schema {
        ReferenceOr::Item(schema) => schema.schema_data.nullable,
        ReferenceOr::Reference { reference } => {
            refs::named::<Schema>(spec.components.as_ref(), reference)
                .is_ok_and(|schema| schema.schema_data.nullable)
        }
    }
}

/// The schemas of `operation`'s responses.
fn response_schemas(
    operation: &openapiv3::Operation,
    components: &openapiv3::Components,
    visit: &mut impl FnMut(&ReferenceOr<Schema>),
) {
    let responses = operation
        .responses
        .responses
        .values()
        .chain(&operation.responses.default);
    for response in responses {
        let response = refs::resolve(Some(components), response).ok();
        for media in response
            .iter()
            .flat_map(|response| response.content.values())
        {
            if let Some(schema) = &media.schema {
                visit(schema);
            }
        }
    }
}

/// The schemas of `operation`'s request body.
fn request_body_schemas(
    operation: &openapiv3::Operation,
    components: &openapiv3::Components,
    visit: &mut impl FnMut(&ReferenceOr<Schema>),
) {
    let body = operation
        .request_body
        .as_ref()
        .and_then(|body| refs::resolve(Some(components), body).ok());
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
    let Some(items) = types_items(file) else {
        return;
    };
    for item in items {
        let syn::Item::Struct(item) = item else {
            continue;
        };
        if !lenient.contains(&item.ident.to_string()) {
            continue;
        }
        for field in item.fields.iter_mut().filter(|field| is_vec(&field.ty)) {
            add_serde(
                field,
                quote::quote!(deserialize_with = "crate::runtime::null_as_empty"),
            );
        }
    }
}

/// In `mod types`, every `Option` field named in `members` (by struct and
/// wire name) refuses `null`: `default` (absent is `None`) and
/// `deserialize_with = "crate::runtime::absent_or_value"`.
pub fn refuse_null_members(file: &mut syn::File, members: &BTreeMap<String, BTreeSet<String>>) {
    each_named_option(file, members, |field| {
        let default = serde_words(field).iter().any(|word| word == "default");
        let extra = if default {
            quote::quote!(deserialize_with = "crate::runtime::absent_or_value")
        } else {
            quote::quote!(
                default,
                deserialize_with = "crate::runtime::absent_or_value"
            )
        };
        add_serde(field, extra);
    });
}

/// In `mod types`, every `Option` field named in `members` (by struct and
/// wire name) is written as `null` when `None`: its `skip_serializing_if`
/// goes.
pub fn write_null_members(file: &mut syn::File, members: &BTreeMap<String, BTreeSet<String>>) {
    each_named_option(file, members, |field| {
        drop_serde(field, "skip_serializing_if")
    });
}

/// `change` on every `Option` field of `mod types` that `members` names by
/// struct and wire name.
fn each_named_option(
    file: &mut syn::File,
    members: &BTreeMap<String, BTreeSet<String>>,
    mut change: impl FnMut(&mut syn::Field),
) {
    let Some(items) = types_items(file) else {
        return;
    };
    for item in items {
        let syn::Item::Struct(item) = item else {
            continue;
        };
        let Some(names) = members.get(&item.ident.to_string()) else {
            continue;
        };
        for field in item.fields.iter_mut() {
            if is_path_named(&field.ty, "Option") && names.contains(&wire_name(field)) {
                change(field);
            }
        }
    }
}

/// The field's serde attributes without `name = …`.
fn drop_serde(field: &mut syn::Field, name: &str) {
    use syn::punctuated::Punctuated;
    for attr in &mut field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let Ok(metas) =
            attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Vec<&syn::Meta> = metas
            .iter()
            .filter(|meta| !meta.path().is_ident(name))
            .collect();
        *attr = syn::parse_quote!(#[serde(#(#kept),*)]);
    }
}

/// The items of the file's `mod types`.
fn types_items(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// A field's name on the wire: its serde `rename`, else its identifier.
fn wire_name(field: &syn::Field) -> String {
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut renamed = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                renamed = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
        if let Some(name) = renamed {
            return name;
        }
    }
    field
        .ident
        .as_ref()
        .map(|ident| ident.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_default()
}

/// The bare words of a field's serde attributes (`default`).
fn serde_words(field: &syn::Field) -> Vec<String> {
    let mut words = Vec::new();
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if let Some(word) = meta.path.get_ident() {
                words.push(word.to_string());
            }
            Ok(())
        });
    }
    words
}

/// `extra` appended to the field's first serde attribute (one is added if
/// it has none).
fn add_serde(field: &mut syn::Field, extra: proc_macro2::TokenStream) {
    for attr in &mut field.attrs {
        if attr.path().is_ident("serde")
            && let syn::Meta::List(list) = &mut attr.meta
        {
            let tokens = std::mem::take(&mut list.tokens);
            list.tokens = quote::quote!(#tokens, #extra);
            return;
        }
    }
    field.attrs.push(syn::parse_quote!(#[serde(#extra)]));
}

/// `::std::vec::Vec<_>` (typify's spelling) or `Vec<_>`.
fn is_vec(ty: &syn::Type) -> bool {
    is_path_named(ty, "Vec")
}

/// A type path whose last segment is `name` (`::std::option::Option<_>`).
fn is_path_named(ty: &syn::Type, name: &str) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == name)
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
        let lenient: Vec<String> = Carried::of(&spec).never_sent(&spec).into_iter().collect();
        assert_eq!(lenient, ["BatchStatus", "Callback", "Step"]);
    }

    #[test]
    fn optional_members_of_request_only_schemas_refuse_null_unless_nullable() {
        let spec: OpenAPI = serde_yaml::from_str(&SPEC.replace(
            "        recipients: {type: array, items: {$ref: \"#/components/schemas/Recipient\"}}",
            "        recipients: {type: array, items: {$ref: \"#/components/schemas/Recipient\"}}\n        note: {type: string}\n        tag: {type: string, nullable: true}\n        step: {$ref: \"#/components/schemas/Step\"}",
        ))
        .unwrap();
        let members = Carried::of(&spec).not_nullable_request_members(&spec);
        // Step is in a request and in a response: left as it is.
        assert_eq!(
            members,
            BTreeMap::from([
                (
                    "BatchRequest".to_string(),
                    BTreeSet::from([
                        "note".to_string(),
                        "recipients".to_string(),
                        "step".to_string()
                    ])
                ),
                (
                    "Recipient".to_string(),
                    BTreeSet::from(["variables".to_string()])
                ),
            ])
        );
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct BatchRequest {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub note: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "step", default)]
                    pub step_: ::std::option::Option<Step>,
                    pub tag: ::std::option::Option<::std::string::String>,
                }
            }
        };
        refuse_null_members(&mut file, &members);
        let text = quote::quote!(#file).to_string();
        assert_eq!(text.matches("absent_or_value").count(), 2, "{text}");
        assert_eq!(text.matches("default").count(), 2, "{text}");
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

    #[test]
    fn nullable_members_of_answers_are_written_as_null_where_the_provider_writes_null() {
        let spec: OpenAPI = serde_yaml::from_str(
            r##"
openapi: 3.0.3
info: {title: t, version: "1"}
x-nordpay-writes-null: true
paths:
  /b:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Sent"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Answer"}
components:
  schemas:
    Sent:
      type: object
      properties:
        note: {type: string, nullable: true}
    Answer:
      type: object
      properties:
        links: {type: array, nullable: true, items: {type: string}}
        name: {type: string}
"##,
        )
        .unwrap();
        let rules = NullRules::of(&spec);
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Answer {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub links: ::std::option::Option<::std::vec::Vec<String>>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub name: ::std::option::Option<String>,
                }
                pub struct Sent {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub note: ::std::option::Option<String>,
                }
            }
        };
        rules.apply(&mut file);
        let text = quote::quote!(#file).to_string();
        // Only Answer.links: name is not nullable, Sent is a request's.
        assert_eq!(text.matches("skip_serializing_if").count(), 2, "{text}");
        assert!(text.contains("# [serde (default)] pub links"), "{text}");
    }
}
