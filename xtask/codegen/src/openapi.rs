//! The progenitor step: a normalized spec in, client tokens out.

use std::panic::{AssertUnwindSafe, catch_unwind};

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::runtime::{OperationRow, RuntimePolicy};
use crate::spec_enum::{self, SpecEnum};
use crate::{ClientSpec, CodegenError, Kind};

fn settings(api: &ClientSpec, enums: &[SpecEnum]) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    let Kind::OpenApi {
        context_type,
        module,
        replacements,
        ..
    } = &api.kind
    else {
        unreachable!("progenitor runs on OpenAPI specs only");
    };
    let context: TokenStream = context_type
        .parse()
        .expect("Kind::OpenApi::context_type is a Rust path");
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // A missing auth hook must be a compile error, never an unauthenticated request.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(context)
        .with_derive("schemars::JsonSchema")
        .with_map_type("::std::collections::BTreeMap");
    for replacement in *replacements {
        settings.with_replacement(
            replacement.schema,
            replacement.rust_type,
            replacement.impls.iter().cloned(),
        );
    }
    for spec_enum in enums {
        settings.with_replacement(
            &spec_enum.name,
            format!("{module}::types::{}", spec_enum.name),
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

/// `pub mod servers` with one constant per server that names its environment
/// (`x-nordpay-environment`), and the `Environment` a client is built for:
/// one variant per such server and `Custom`, so the hand-written face never
/// re-types a host.
///
/// An API of two specs (Direct Payment's REST and SOAP) gets no generated
/// `Environment`: its face says how the two share one.
pub fn servers(api: &ClientSpec, spec: &OpenAPI) -> TokenStream {
    let named: Vec<Server> = spec.servers.iter().filter_map(Server::of).collect();
    let constants = named.iter().map(Server::constants);
    let environment = match api.listed().generated {
        [_] => environment(spec, &named),
        _ => TokenStream::new(),
    };
    quote! {
        /// The servers of the spec, by environment.
        pub mod servers {
            #(#constants)*
        }
        #environment
    }
}

/// A server of the spec that names its environment.
struct Server {
    /// `staging`.
    environment: String,
    url: String,
    description: String,
    login: Option<String>,
}

impl Server {
    fn of(server: &openapiv3::Server) -> Option<Self> {
        let environment = server.extensions.get("x-nordpay-environment")?.as_str()?;
        Some(Self {
            environment: environment.to_string(),
            url: server.url.clone(),
            description: server
                .description
                .clone()
                .unwrap_or_else(|| environment.to_string()),
            login: server
                .extensions
                .get("x-nordpay-login-server")
                .and_then(|value| value.as_str())
                .map(str::to_string),
        })
    }

    fn constant(&self) -> proc_macro2::Ident {
        quote::format_ident!("{}", self.environment.to_uppercase())
    }

    fn login_constant(&self) -> proc_macro2::Ident {
        quote::format_ident!("{}_LOGIN_SERVER", self.environment.to_uppercase())
    }

    fn constants(&self) -> TokenStream {
        let (name, url) = (self.constant(), &self.url);
        let doc = format!("{}: `{url}`.", self.description);
        let login = self.login.as_ref().map(|login| {
            let name = self.login_constant();
            let doc = format!(
                "The login server (OAuth and redirects) of {}: `{login}`.",
                self.environment
            );
            quote! {
                #[doc = #doc]
                pub const #name: &str = #login;
            }
        });
        quote! {
            #[doc = #doc]
            pub const #name: &str = #url;
            #login
        }
    }

    fn variant(&self) -> proc_macro2::Ident {
        let mut name = self.environment.clone();
        if let Some(first) = name.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        quote::format_ident!("{name}")
    }
}

/// `Environment`: a variant per named server, and `Custom`; with login
/// servers, `Custom` names both and `login_server` is generated.
fn environment(spec: &OpenAPI, named: &[Server]) -> TokenStream {
    if named.is_empty() {
        return TokenStream::new();
    }
    let logins = named.iter().all(|server| server.login.is_some());
    let variants = named.iter().map(|server| {
        let variant = server.variant();
        let doc = match &server.login {
            Some(login) => format!(
                "{}: `{}`, login at `{login}`.",
                server.description, server.url
            ),
            None => format!("{}: `{}`.", server.description, server.url),
        };
        quote! { #[doc = #doc] #variant, }
    });
    let base_arms = named.iter().map(|server| {
        let (variant, constant) = (server.variant(), server.constant());
        quote! { Environment::#variant => servers::#constant, }
    });
    let doc = format!("Where {} lives.", spec.info.title);
    let (custom, custom_base, login) = if logins {
        let login_arms = named.iter().map(|server| {
            let (variant, constant) = (server.variant(), server.login_constant());
            quote! { Environment::#variant => parse(servers::#constant), }
        });
        (
            quote! {
                /// Other servers, such as nordpay's sandbox.
                Custom {
                    /// The API base URL.
                    api: ::url::Url,
                    /// The login server.
                    login: ::url::Url,
                },
            },
            quote! { Environment::Custom { api, .. } => api.as_str(), },
            quote! {
                /// The login server: OAuth endpoints and the pages users are redirected to.
                pub fn login_server(&self) -> ::url::Url {
                    let parse = |url: &str| {
                        ::url::Url::parse(url).expect("the spec's login servers are URLs")
                    };
                    match self {
                        #(#login_arms)*
                        Environment::Custom { login, .. } => login.clone(),
                    }
                }
            },
        )
    } else {
        (
            quote! {
                /// Any other base URL, such as nordpay's sandbox or a mock server.
                Custom(::url::Url),
            },
            quote! { Environment::Custom(url) => url.as_str(), },
            TokenStream::new(),
        )
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Environment {
            #(#variants)*
            #custom
        }

        impl Environment {
            /// The base URL that operation paths are appended to, without a trailing slash.
            pub fn base_url(&self) -> String {
                let url = match self {
                    #(#base_arms)*
                    #custom_base
                };
                url.trim_end_matches('/').to_string()
            }

            #login
        }
    }
}

/// `pub mod operations`: one `crate::runtime::Operation` per operation, with
/// the policy its `x-nordpay-runtime` declares and the real media types of
/// `media` (vendor types normalize renamed); and the request hook that sends
/// every call through the runtime with its row.
pub fn operations(
    api: &ClientSpec,
    spec: &OpenAPI,
    media: &[crate::normalize::MediaTypes],
) -> Result<TokenStream, CodegenError> {
    let fail = |message: String| CodegenError::Extension {
        spec: api.spec.to_string(),
        message,
    };
    let mut ids = Vec::new();
    for (_, item) in &spec.paths.paths {
        if let ReferenceOr::Item(item) = item {
            ids.extend(item.iter().filter_map(|(_, op)| op.operation_id.clone()));
        }
    }
    let mut constants = Vec::new();
    let mut arms = Vec::new();
    let mut all = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let row = Row {
                api,
                spec,
                ids: &ids,
                media,
                path,
                method,
            };
            let (constant, snake, ident) = row.constant(operation)?;
            constants.push(constant);
            arms.push(quote! { #snake => Some(&#ident) });
            all.push(ident);
        }
    }
    let error_codes = crate::runtime::error_codes(spec).map_err(fail)?;
    Ok(quote! {
        /// How the runtime treats each operation (from `x-nordpay-runtime`):
        /// retry class, deadline, attempt timeout, path template, media types.
        pub mod operations {
            #(#constants)*
            #error_codes
            /// Every operation, in spec order.
            pub const ALL: &[crate::runtime::Operation] = &[#(#all),*];
            /// The operation progenitor names `id` (`create_transaction`).
            pub fn by_id(id: &str) -> Option<&'static crate::runtime::Operation> {
                match id {
                    #(#arms,)*
                    _ => None,
                }
            }
        }
        impl Client {
            /// The same client (connections, retry budget) with `deadline`
            /// for every call made through it.
            pub fn with_deadline(&self, deadline: ::std::time::Duration) -> Self {
                self.with_overrides(crate::runtime::Overrides::new().deadline(deadline))
            }

            /// The same client (connections, retry budget, credentials) with
            /// `overrides` (a deadline, an attempt timeout, a retry policy)
            /// for every call made through it: one call's, when it is made
            /// through it once. See [`crate::runtime::Overrides`].
            pub fn with_overrides(&self, overrides: crate::runtime::Overrides) -> Self {
                Self::new_with_client(
                    &self.baseurl,
                    self.client.clone(),
                    self.inner.with_overrides(&overrides),
                )
            }
        }
        /// Every call goes through nordpay's runtime: credentials, deadlines,
        /// retries, redirects, body limits, tracing. The runtime's future
        /// itself, not one more level around it.
        impl progenitor_client::ClientHooks<crate::runtime::Context> for Client {
            fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> impl ::std::future::Future<Output = reqwest::Result<reqwest::Response>> {
                crate::runtime::exec(
                    progenitor_client::ClientInfo::inner(self),
                    operations::by_id(info.operation_id),
                    request,
                )
            }
        }
    })
}

/// One operation of a spec, on its way to its `operations` row.
struct Row<'a> {
    api: &'a ClientSpec,
    spec: &'a OpenAPI,
    /// Every operationId of the spec (a lookup must name one).
    ids: &'a [String],
    media: &'a [crate::normalize::MediaTypes],
    path: &'a str,
    method: &'a str,
}

impl Row<'_> {
    /// The operation's constant, its snake-case name and the constant's ident.
    fn constant(
        &self,
        operation: &openapiv3::Operation,
    ) -> Result<(TokenStream, String, proc_macro2::Ident), CodegenError> {
        let Row {
            api,
            spec,
            ids,
            media,
            path,
            method,
        } = *self;
        let fail = |message: String| CodegenError::Extension {
            spec: api.spec.to_string(),
            message,
        };
        let api_name = api.listed().name;
        let Kind::OpenApi { body_checks, .. } = &api.kind else {
            unreachable!("operation tables of OpenAPI specs only");
        };
        let name = operation.operation_id.clone().ok_or_else(|| {
            fail(format!(
                "{} {path} has no operationId",
                method.to_uppercase()
            ))
        })?;
        let value = operation
            .extensions
            .get("x-nordpay-runtime")
            .ok_or_else(|| {
                fail(format!(
                    "{name}: no x-nordpay-runtime (retry class and deadline)"
                ))
            })?;
        let policy = RuntimePolicy::read(|key| {
            value.get(key).map(|v| match v {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
        })
        .map_err(|message| fail(format!("{name}: x-nordpay-runtime: {message}")))?;
        if let Some(lookup) = policy.lookup()
            && !ids.iter().any(|id| id == lookup)
        {
            return Err(fail(format!(
                "{name}: lookup {lookup} is not an operation of the spec"
            )));
        }
        let rules = crate::runtime::body_rules(spec, operation)
            .map_err(|message| fail(format!("{name}: request body: {message}")))?;
        let body_check = match operation.extensions.get("x-nordpay-body-check") {
            None => None,
            Some(check) => {
                let check = check
                    .as_str()
                    .ok_or_else(|| fail(format!("{name}: x-nordpay-body-check is not a name")))?;
                let found = body_checks.iter().find(|(known, _)| *known == check);
                let (check, function) = *found.ok_or_else(|| {
                    fail(format!(
                        "{name}: x-nordpay-body-check `{check}` is not one this API implements"
                    ))
                })?;
                let body = body_type(api, spec, operation)
                    .map_err(|message| fail(format!("{name}: x-nordpay-body-check: {message}")))?;
                Some((check, function, body))
            }
        };
        let query_values = query_values(spec, operation)
            .map_err(|message| fail(format!("{name}: query parameters: {message}")))?;
        let bearer_requires = bearer_requires(spec, operation)
            .map_err(|message| fail(format!("{name}: x-nordpay-bearer-requires: {message}")))?;
        let types = media.iter().find(|row| row.operation == name);
        let method = method.to_uppercase();
        let row = crate::runtime::operation(&OperationRow {
            api: api_name,
            name: &name,
            method: &method,
            path,
            content_type: types.and_then(|t| t.content_type.as_deref()),
            accept: types.and_then(|t| t.accept.as_deref()),
            policy: &policy,
            body_rules: &rules.arrays,
            integer_rules: &rules.integers,
            not_null: &rules.not_null,
            query_values: &query_values,
            body_check,
            bearer_requires: &bearer_requires,
        });
        let snake = crate::snake_case(&name);
        let ident = quote::format_ident!("{}", snake.to_uppercase());
        let doc = format!("`{name}`: `{method} {path}`. {}", policy.doc());
        let constant = quote! {
            #[doc = #doc]
            pub const #ident: crate::runtime::Operation = #row;
        };
        Ok((constant, snake, ident))
    }
}

/// The generated type of `operation`'s request body, named from `operations`.
fn body_type(
    api: &ClientSpec,
    spec: &OpenAPI,
    operation: &openapiv3::Operation,
) -> Result<TokenStream, String> {
    let body = operation
        .request_body
        .as_ref()
        .ok_or("the operation has no request body")?;
    let schema = crate::refs::body_schema(spec.components.as_ref(), body)?;
    crate::server::Names::of(api, spec, &[]).rust_type(schema)
}

/// Run progenitor on `spec`. A panic inside progenitor becomes
/// [`CodegenError::Panic`] naming the operations that cause it.
pub fn run_progenitor(api: &ClientSpec, spec: &OpenAPI) -> Result<TokenStream, CodegenError> {
    let enums = spec_enum::find(spec).map_err(|message| CodegenError::Extension {
        spec: api.spec.to_string(),
        message,
    })?;
    let mut tokens = match generate_caught(api, spec, &enums) {
        Ok(result) => result.map_err(|source| CodegenError::Generate {
            spec: api.spec.to_string(),
            source,
        }),
        Err(message) => Err(CodegenError::Panic {
            spec: api.spec.to_string(),
            operations: panicking_operations(api, spec, &enums),
            message,
        }),
    }?;
    tokens.extend(spec_enum::module(&enums));
    Ok(tokens)
}

fn generate_caught(
    api: &ClientSpec,
    spec: &OpenAPI,
    enums: &[SpecEnum],
) -> Result<Result<TokenStream, progenitor::Error>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings(api, enums)).generate_tokens(spec)
    }))
    .map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic payload".to_string())
    })
}

/// Generate each operation alone to find which ones make progenitor panic.
fn panicking_operations(api: &ClientSpec, spec: &OpenAPI, enums: &[SpecEnum]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let mut single = spec.clone();
            let mut only = item.clone();
            for (other, slot) in [
                ("get", &mut only.get),
                ("put", &mut only.put),
                ("post", &mut only.post),
                ("delete", &mut only.delete),
                ("options", &mut only.options),
                ("head", &mut only.head),
                ("patch", &mut only.patch),
                ("trace", &mut only.trace),
            ] {
                if other != method {
                    *slot = None;
                }
            }
            single.paths.paths.clear();
            single
                .paths
                .paths
                .insert(path.clone(), ReferenceOr::Item(only));
            if generate_caught(api, &single, enums).is_err() {
                let id = operation.operation_id.clone();
                found.push(id.unwrap_or_else(|| format!("{} {path}", method.to_uppercase())));
            }
        }
    }
    found
}

/// The operation's query parameters whose schema is an open string enum
/// (`x-nordpay-open`), with the values listed: the generated type keeps an
/// unlisted value for reading, and a request must not carry one.
fn query_values(
    spec: &openapiv3::OpenAPI,
    operation: &openapiv3::Operation,
) -> Result<Vec<(String, Vec<String>)>, String> {
    use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, SchemaKind, Type};
    let components = spec.components.as_ref();
    let mut found = Vec::new();
    for parameter in &operation.parameters {
        let parameter = match parameter {
            ReferenceOr::Item(parameter) => parameter,
            ReferenceOr::Reference { reference } => {
                crate::refs::named::<Parameter>(components, reference)?
            }
        };
        let Parameter::Query { parameter_data, .. } = parameter else {
            continue;
        };
        let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
            continue;
        };
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                crate::refs::named::<openapiv3::Schema>(components, reference)?
            }
        };
        let open = schema.schema_data.extensions.get("x-nordpay-open")
            == Some(&serde_json::Value::Bool(true));
        if let (true, SchemaKind::Type(Type::String(string))) = (open, &schema.schema_kind) {
            let values = string.enumeration.iter().flatten().cloned().collect();
            found.push((parameter_data.name.clone(), values));
        }
    }
    Ok(found)
}

/// The members `x-nordpay-bearer-requires` names: top-level members of the
/// operation's JSON body, optional in its schema (required with the
/// merchant's key) but required when a user's access token authenticates.
fn bearer_requires(
    spec: &openapiv3::OpenAPI,
    operation: &openapiv3::Operation,
) -> Result<Vec<String>, String> {
    let Some(value) = operation.extensions.get("x-nordpay-bearer-requires") else {
        return Ok(Vec::new());
    };
    let members: Vec<String> = serde_json::from_value(value.clone())
        .map_err(|_| "not a list of member names".to_string())?;
    let body = match &operation.request_body {
        Some(openapiv3::ReferenceOr::Item(body)) => body,
        _ => return Err("the operation has no inline request body".into()),
    };
    let schema = body
        .content
        .get("application/json")
        .and_then(|media| media.schema.as_ref())
        .ok_or("the request body is not JSON")?;
    let schema = match schema {
        openapiv3::ReferenceOr::Item(schema) => schema,
        openapiv3::ReferenceOr::Reference { reference } => {
            crate::refs::named::<openapiv3::Schema>(spec.components.as_ref(), reference)
                .map_err(|_| format!("cannot resolve {reference}"))?
        }
    };
    let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &schema.schema_kind else {
        return Err("the request body is not an object".into());
    };
    for member in &members {
        if !object.properties.contains_key(member) {
            return Err(format!("{member} is not a member of the body"));
        }
        if object.required.contains(member) {
            return Err(format!(
                "{member} is required always; say it once, in the schema"
            ));
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progenitor_panic_names_the_spec_and_the_operation() {
        // Two typed error bodies on one operation make progenitor panic
        // (normalize exists to prevent this; here it is skipped on purpose).
        let spec: OpenAPI = serde_yaml::from_str(
            r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /fine:
    get:
      operationId: fine
      responses:
        "200": {description: ok}
  /broken:
    get:
      operationId: broken
      responses:
        "200": {description: ok}
        "400": {description: a, content: {application/json: {schema: {type: string}}}}
        "500": {description: b}
"##,
        )
        .unwrap();
        let api = ClientSpec {
            name: "connect",
            spec: "schemas/test/openapi.yaml",
            kind: Kind::OpenApi {
                context_type: "()",
                module: "crate",
                error_type: "Error",
                replacements: &[],
                body_checks: &[],
            },
        };
        let error = run_progenitor(&api, &spec).unwrap_err();
        let CodegenError::Panic {
            spec, operations, ..
        } = &error
        else {
            panic!("expected a panic error, got {error}");
        };
        assert_eq!(spec, "schemas/test/openapi.yaml");
        assert_eq!(operations, &["broken"]);
        assert!(error.to_string().contains("[broken]"), "{error}");
    }
}
