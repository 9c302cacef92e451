//! The server side of a spec: `pub mod server`, for the sandbox's stand-in
//! of the API (behind the `sandbox` feature). One `Service` trait with one
//! typed `async fn` per operation, an input struct per operation (path,
//! query and header parameters, body, typed by the spec's schemas), an
//! output enum (each documented status with its typed body and headers)
//! and a router over any `Service`. An operation without a handler is a
//! compile error; nothing of routing or (de)serialization is hand-written.
//!
//! It reads the spec as written (before `normalize`), so the real media
//! types go on the wire, and names the types progenitor generated for the
//! same schemas.

use openapiv3::{
    MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr,
    Response, Schema, SchemaKind, StatusCode, Type, VariantOrUnknownOrEmpty,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::{ClientSpec, Kind, refs};

/// `pub mod server` of `spec`; `enums` names the enums generated beside
/// typify's types (`spec_enum`).
pub fn render(api: &ClientSpec, spec: &OpenAPI, enums: &[String]) -> Result<TokenStream, String> {
    let names = Names::of(api, spec, enums);
    let mut items = Vec::new();
    let mut methods = Vec::new();
    let mut handlers = Vec::new();
    let mut routes: Vec<(String, Vec<TokenStream>)> = Vec::new();
    for SpecOperation {
        path,
        item,
        method,
        name,
        operation,
    } in operations(spec)?
    {
        let mut parameters = item.parameters.clone();
        parameters.extend(operation.parameters.iter().cloned());
        let rendered = render_operation(&names, &name, method, path, operation, &parameters)
            .map_err(|message| format!("{name}: {message}"))?;
        items.push(rendered.items);
        methods.push(rendered.method);
        handlers.push(rendered.handler);
        let route = rendered.route;
        match routes.iter_mut().find(|(p, _)| p == path) {
            Some((_, methods)) => methods.push(route),
            None => routes.push((path.to_string(), vec![route])),
        }
    }
    let routes = routes.into_iter().map(|(path, methods)| {
        let first = &methods[0];
        let rest = &methods[1..];
        quote! { .route(#path, axum::routing::#first #(.#rest)*) }
    });
    let api_doc = format!(
        "The server side of `{}`: what the sandbox's stand-in implements.",
        api.spec
    );
    let xml = crate::xml_shapes::render(spec)?;
    let command_line = crate::command_line::render(&names, spec)?;
    Ok(quote! {
        #command_line

        #[doc = #api_doc]
        #[cfg(feature = "sandbox")]
        pub(crate) mod server {
            use crate::sandbox::serving::{Answer, Call, Malformed, Stand};

            #(#items)*

            /// One typed handler per operation of the spec. A stand-in that
            /// leaves one out does not compile.
            pub(crate) trait Service: Stand {
                #(#methods)*
            }

            /// The routes of every operation (paths relative to the API's
            /// base), each through the sandbox's one adapter.
            pub(crate) fn router<S: Service, T: Clone + Send + Sync + 'static>(service: S) -> axum::Router<T> {
                axum::Router::new()
                    #(#routes)*
                    .with_state(service)
            }

            #(#handlers)*

            #xml
        }
    })
}

/// One operation of a spec, with the path item it is under.
pub(crate) struct SpecOperation<'a> {
    pub(crate) path: &'a str,
    pub(crate) item: &'a PathItem,
    pub(crate) method: &'a str,
    /// Its operationId.
    pub(crate) name: String,
    pub(crate) operation: &'a Operation,
}

/// Every operation of `spec`, in spec order. A path item by `$ref`, or an
/// operation without an operationId, is an error.
pub(crate) fn operations(spec: &OpenAPI) -> Result<Vec<SpecOperation<'_>>, String> {
    let mut found = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("{path}: a path item by $ref is not supported"));
        };
        for (method, operation) in item.iter() {
            let name = operation
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path}: no operationId"))?;
            found.push(SpecOperation {
                path,
                item,
                method,
                name,
                operation,
            });
        }
    }
    Ok(found)
}

/// What one operation adds to the module.
struct Rendered {
    items: TokenStream,
    method: TokenStream,
    handler: TokenStream,
    /// `post(create_batch::<S>)`: the method router of the path.
    route: TokenStream,
}

fn render_operation(
    names: &Names<'_>,
    name: &str,
    method: &str,
    path: &str,
    operation: &Operation,
    parameters: &[ReferenceOr<Parameter>],
) -> Result<Rendered, String> {
    let snake = crate::snake_case(name);
    let fn_name = format_ident!("{snake}");
    let pascal = pascal(name);
    let input_type = format_ident!("{pascal}Input");
    let output_type = format_ident!("{pascal}Output");
    let query_type = format_ident!("{pascal}Query");
    let constant = format_ident!("{}", snake.to_uppercase());
    let summary = operation.summary.as_deref().unwrap_or("");
    let signature = format!("`{name}`: `{} {path}`.", method.to_uppercase());

    let Input {
        fields,
        reads,
        query_item,
    } = input(names, name, &query_type, operation, parameters)?;
    let (variants, arms) = outputs(names, operation)?;
    let input_doc = format!("What a call of `{name}` carries.");
    let output_doc = format!("What `{name}` answers: one variant per documented status.");
    let method_doc = format!("{signature} {summary}");
    let handler_doc = format!("Serves `{name}`.");
    let route_method = format_ident!("{}", method.to_lowercase());
    let call = format_ident!("{}", if reads.is_empty() { "_call" } else { "call" });
    Ok(Rendered {
        items: quote! {
            #query_item
            #[doc = #input_doc]
            // A stand-in may ignore a parameter (the service ID it serves).
            #[allow(dead_code)]
            pub(crate) struct #input_type { #(#fields)* }

            #[doc = #output_doc]
            // A stand-in need not answer every documented status.
            #[allow(dead_code)]
            pub(crate) enum #output_type { #(#variants)* }

            impl #output_type {
                /// The answer on the wire.
                pub(crate) fn into_answer(self) -> Answer {
                    match self { #(#arms)* }
                }
            }
        },
        method: quote! {
            #[doc = #method_doc]
            fn #fn_name(&self, input: #input_type) -> impl ::std::future::Future<Output = #output_type> + Send;
        },
        handler: quote! {
            #[doc = #handler_doc]
            async fn #fn_name<S: Service>(
                axum::extract::State(service): axum::extract::State<S>,
                request: axum::extract::Request,
            ) -> axum::response::Response {
                crate::sandbox::serving::serve(
                    service,
                    &super::operations::#constant,
                    request,
                    |service: S, #call: Call| async move {
                        let input = #input_type { #(#reads)* };
                        Ok::<Answer, Malformed>(service.#fn_name(input).await.into_answer())
                    },
                )
                .await
            }
        },
        route: quote! { #route_method(#fn_name::<S>) },
    })
}

/// An operation's input: its struct's fields, how each is read from the
/// call, and the query struct if it has query parameters.
struct Input {
    fields: Vec<TokenStream>,
    reads: Vec<TokenStream>,
    query_item: TokenStream,
}

/// Path parameters one by one, the query as one struct, the JSON body.
fn input(
    names: &Names<'_>,
    name: &str,
    query_type: &proc_macro2::Ident,
    operation: &Operation,
    parameters: &[ReferenceOr<Parameter>],
) -> Result<Input, String> {
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    let mut query_fields = Vec::new();
    for parameter in parameters {
        let parameter = names.parameter(parameter)?;
        let data = parameter.parameter_data_ref();
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(format!(
                "parameter {}: content instead of schema",
                data.name
            ));
        };
        let ty = names.rust_type(schema)?;
        let field = format_ident!("{}", field_name(&data.name));
        let wire = &data.name;
        let doc = data.description.clone().unwrap_or_else(|| wire.clone());
        match parameter {
            Parameter::Path { .. } => {
                fields.push(quote! { #[doc = #doc] pub(crate) #field: #ty, });
                reads.push(quote! { #field: call.path(#wire)?, });
            }
            Parameter::Header { .. } => {
                return Err(format!(
                    "parameter {wire}: header parameters are not served"
                ));
            }
            Parameter::Query { .. } => {
                let ty = optional(ty, data.required);
                query_fields.push(quote! {
                    #[doc = #doc]
                    #[serde(rename = #wire)]
                    pub(crate) #field: #ty,
                });
            }
            Parameter::Cookie { .. } => {
                return Err(format!("parameter {wire}: cookies are not supported"));
            }
        }
    }
    let mut query_item = TokenStream::new();
    if !query_fields.is_empty() {
        let doc = format!("The query of `{name}`.");
        query_item = quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, serde::Deserialize)]
            #[allow(dead_code)]
            pub(crate) struct #query_type { #(#query_fields)* }
        };
        fields.push(quote! { /// The query parameters.
        pub(crate) query: #query_type, });
        reads.push(quote! { query: call.query()?, });
    }
    if let Some(body) = &operation.request_body {
        let body = names.request_body(body)?;
        let (media, content) = body
            .content
            .iter()
            .next()
            .ok_or("a request body without content")?;
        let schema = content
            .schema
            .as_ref()
            .ok_or("a request body without a schema")?;
        let ty = names.rust_type(schema)?;
        if !is_json(media) {
            return Err(format!("request body {media}: only JSON is served"));
        }
        if !body.required {
            return Err("an optional request body is not served".into());
        }
        let read = quote! { call.json()? };
        let doc = body
            .description
            .clone()
            .unwrap_or_else(|| "The body.".into());
        fields.push(quote! { #[doc = #doc] pub(crate) body: #ty, });
        reads.push(quote! { body: #read, });
    }

    Ok(Input {
        fields,
        reads,
        query_item,
    })
}

/// A variant per documented status, and the arm that writes it.
fn outputs(
    names: &Names<'_>,
    operation: &Operation,
) -> Result<(Vec<TokenStream>, Vec<TokenStream>), String> {
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for (status, response) in &operation.responses.responses {
        let response = names.response(response)?;
        let variant = Variant::of(names, status, response)?;
        variants.push(variant.declaration());
        arms.push(variant.arm());
    }
    if operation.responses.default.is_some() {
        return Err("a `default` response is not served".into());
    }
    Ok((variants, arms))
}

/// One documented status of an operation.
struct Variant {
    name: proc_macro2::Ident,
    /// `None` for a status range (`4XX`): the variant carries its status.
    status: Option<u16>,
    body: Option<Body>,
    headers: Vec<(String, proc_macro2::Ident, TokenStream, bool)>,
    doc: String,
}

struct Body {
    ty: TokenStream,
    media: String,
    json: bool,
}

impl Variant {
    fn of(names: &Names<'_>, status: &StatusCode, response: &Response) -> Result<Self, String> {
        let (name, code) = match status {
            StatusCode::Code(code) => (reason(*code), Some(*code)),
            StatusCode::Range(1) => ("Informational".to_string(), None),
            StatusCode::Range(2) => ("Success".to_string(), None),
            StatusCode::Range(3) => ("Redirection".to_string(), None),
            StatusCode::Range(4) => ("ClientError".to_string(), None),
            StatusCode::Range(_) => ("ServerError".to_string(), None),
        };
        let body = match response.content.iter().next() {
            None => None,
            Some((media, MediaType { schema: None, .. })) => {
                // Documented without a schema: nothing is promised, none is sent.
                let _ = media;
                None
            }
            Some((
                media,
                MediaType {
                    schema: Some(schema),
                    ..
                },
            )) => {
                let json = is_json(media);
                if !json && !media.starts_with("text/") {
                    return Err(format!("response {status}: {media} is not served"));
                }
                Some(Body {
                    ty: names.rust_type(schema)?,
                    media: media.clone(),
                    json,
                })
            }
        };
        let mut headers = Vec::new();
        for (wire, header) in &response.headers {
            let header = match header {
                ReferenceOr::Item(header) => header,
                ReferenceOr::Reference { reference } => {
                    return Err(format!("response header {reference}: by $ref"));
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &header.format else {
                return Err(format!("response header {wire}: content instead of schema"));
            };
            let ty = names.rust_type(schema)?;
            headers.push((
                wire.clone(),
                format_ident!("{}", field_name(wire)),
                ty,
                header.required,
            ));
        }
        Ok(Self {
            name: format_ident!("{name}"),
            status: code,
            body,
            headers,
            doc: format!("{status}: {}", response.description.trim()),
        })
    }

    fn declaration(&self) -> TokenStream {
        let Self { name, doc, .. } = self;
        let status = self.status.is_none().then(|| {
            quote! { /// The status.
            status: u16, }
        });
        let headers: Vec<TokenStream> = self
            .headers
            .iter()
            .map(|(wire, field, ty, required)| {
                let ty = optional(ty.clone(), *required);
                let doc = format!("The `{wire}` header.");
                quote! { #[doc = #doc] #field: #ty, }
            })
            .collect();
        match (&self.body, status.is_some() || !headers.is_empty()) {
            (None, false) => quote! { #[doc = #doc] #name, },
            (Some(body), false) => {
                let ty = &body.ty;
                quote! { #[doc = #doc] #name(#ty), }
            }
            (body, true) => {
                let body = body.as_ref().map(|body| {
                    let ty = &body.ty;
                    quote! { /// The body.
                    body: #ty, }
                });
                quote! { #[doc = #doc] #name { #status #body #(#headers)* }, }
            }
        }
    }

    fn arm(&self) -> TokenStream {
        let name = &self.name;
        let status = match self.status {
            Some(code) => quote! { #code },
            None => quote! { status },
        };
        let answer = match &self.body {
            None => quote! { Answer::empty(#status) },
            Some(Body {
                media, json: true, ..
            }) => quote! { Answer::json(#status, #media, &body) },
            Some(Body { media, .. }) => quote! { Answer::text(#status, #media, body) },
        };
        let headers: Vec<TokenStream> = self
            .headers
            .iter()
            .map(|(wire, field, _, required)| {
                if *required {
                    quote! { .header(#wire, #field.to_string()) }
                } else {
                    quote! { .optional_header(#wire, #field.map(|value| value.to_string())) }
                }
            })
            .collect();
        let fields: Vec<&proc_macro2::Ident> = self.headers.iter().map(|h| &h.1).collect();
        let status_field = self.status.is_none().then(|| quote! { status, });
        match (
            &self.body,
            self.status.is_none() || !self.headers.is_empty(),
        ) {
            (None, false) => quote! { Self::#name => #answer, },
            (Some(_), false) => quote! { Self::#name(body) => #answer, },
            (body, true) => {
                let body = body.as_ref().map(|_| quote! { body, });
                quote! {
                    Self::#name { #status_field #body #(#fields),* } => #answer #(#headers)*,
                }
            }
        }
    }
}

/// Names the Rust types of a spec's schemas as progenitor generated them.
pub(crate) struct Names<'a> {
    spec: &'a OpenAPI,
    replacements: Vec<(&'static str, &'static str)>,
    enums: &'a [String],
}

impl<'a> Names<'a> {
    /// The names of `api`'s types; `enums` as for [`render`].
    pub(crate) fn of(api: &ClientSpec, spec: &'a OpenAPI, enums: &'a [String]) -> Self {
        let Kind::OpenApi { replacements, .. } = &api.kind else {
            unreachable!("names are given for OpenAPI specs only");
        };
        Names {
            spec,
            replacements: replacements
                .iter()
                .map(|r| (r.schema, r.rust_type))
                .collect(),
            enums,
        }
    }

    /// The Rust type of `schema`, named from a module beside `types`.
    pub(crate) fn rust_type(&self, schema: &ReferenceOr<Schema>) -> Result<TokenStream, String> {
        let schema = match schema {
            ReferenceOr::Reference { reference } => return self.component(reference),
            ReferenceOr::Item(schema) => schema,
        };
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => match &string.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => {
                    quote! { ::chrono::NaiveDate }
                }
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
                    quote! { ::chrono::DateTime<::chrono::offset::Utc> }
                }
                _ if string.enumeration.is_empty() && string.pattern.is_none() => {
                    quote! { ::std::string::String }
                }
                _ => return Err("an inline constrained string: make it a component".into()),
            },
            SchemaKind::Type(Type::Boolean(_)) => quote! { bool },
            SchemaKind::Type(Type::Integer(integer)) => {
                if !integer.enumeration.is_empty() {
                    return Err("an inline integer enum: make it a component".into());
                }
                match &integer.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => {
                        quote! { i32 }
                    }
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "uint32" => {
                        quote! { u32 }
                    }
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "uint64" => {
                        quote! { u64 }
                    }
                    _ => quote! { i64 },
                }
            }
            SchemaKind::Type(Type::Number(_)) => quote! { f64 },
            SchemaKind::Type(Type::Array(array)) => {
                let items = array.items.as_ref().ok_or("an array without items")?;
                let item = match items {
                    ReferenceOr::Reference { reference } => {
                        self.rust_type(&ReferenceOr::Reference {
                            reference: reference.clone(),
                        })?
                    }
                    ReferenceOr::Item(item) => {
                        self.rust_type(&ReferenceOr::Item((**item).clone()))?
                    }
                };
                quote! { ::std::vec::Vec<#item> }
            }
            _ => return Err("an inline object schema: make it a component".into()),
        };
        Ok(if schema.schema_data.nullable {
            quote! { ::std::option::Option<#ty> }
        } else {
            ty
        })
    }

    /// `#/components/schemas/X`: a replacement's type, a spec enum, or
    /// typify's `types::X`.
    fn component(&self, reference: &str) -> Result<TokenStream, String> {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{reference}: not a component schema"))?;
        if let Some((_, rust)) = self.replacements.iter().find(|(schema, _)| *schema == name) {
            return rust.parse().map_err(|_| format!("{rust}: not a Rust path"));
        }
        let known = self
            .spec
            .components
            .as_ref()
            .is_some_and(|c| c.schemas.contains_key(name));
        if !known && !self.enums.iter().any(|generated| generated == name) {
            return Err(format!("{reference}: no such schema"));
        }
        let ident = format_ident!("{}", pascal(name));
        Ok(quote! { super::types::#ident })
    }

    fn parameter<'p>(
        &'p self,
        parameter: &'p ReferenceOr<Parameter>,
    ) -> Result<&'p Parameter, String> {
        refs::resolve(self.spec.components.as_ref(), parameter)
    }

    fn request_body<'p>(
        &'p self,
        body: &'p ReferenceOr<openapiv3::RequestBody>,
    ) -> Result<&'p openapiv3::RequestBody, String> {
        refs::resolve(self.spec.components.as_ref(), body)
    }

    fn response<'p>(&'p self, response: &'p ReferenceOr<Response>) -> Result<&'p Response, String> {
        refs::resolve(self.spec.components.as_ref(), response)
    }
}

fn optional(ty: TokenStream, required: bool) -> TokenStream {
    if required {
        ty
    } else {
        quote! { ::std::option::Option<#ty> }
    }
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// `createBatch` → `CreateBatch`, `Retry-After` → `RetryAfter`.
fn pascal(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c == '-' || c == '_' || c == ' ' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `connectId` → `connect_id`, `Retry-After` → `retry_after`, `type` → `type_`.
fn field_name(wire: &str) -> String {
    let snake = crate::snake_case(&pascal(wire));
    let snake = snake.trim_start_matches('_').to_string();
    match snake.as_str() {
        "type" | "ref" | "match" | "move" | "self" | "use" => format!("{snake}_"),
        _ => snake,
    }
}

/// The variant named by a status: its reason phrase in Pascal case.
fn reason(code: u16) -> String {
    let phrase = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        302 => "Found",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        424 => "FailedDependency",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        other => return format!("Status{other}"),
    };
    phrase.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_become_rust_names() {
        assert_eq!(field_name("connectId"), "connect_id");
        assert_eq!(field_name("Retry-After"), "retry_after");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("Age"), "age");
        assert_eq!(pascal("createBatch"), "CreateBatch");
        assert_eq!(reason(424), "FailedDependency");
        assert_eq!(reason(418), "Status418");
    }
}
