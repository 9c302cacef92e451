//! The progenitor step: a normalized spec in, client tokens out.

use std::panic::{AssertUnwindSafe, catch_unwind};

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::{Api, CodegenError, Kind};

fn settings(api: &Api) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    let Kind::OpenApi {
        context_type,
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
    settings
}

/// `pub mod servers` with one constant per server that names its environment
/// (`x-nordpay-environment`), so the hand-written face never re-types a host.
pub fn servers(spec: &OpenAPI) -> TokenStream {
    let constants = spec.servers.iter().filter_map(|server| {
        let environment = server.extensions.get("x-nordpay-environment")?.as_str()?;
        let name = quote::format_ident!("{}", environment.to_uppercase());
        let url = &server.url;
        let doc = format!(
            "{}: `{url}`.",
            server.description.as_deref().unwrap_or(environment)
        );
        let login = server
            .extensions
            .get("x-nordpay-login-server")
            .and_then(|value| value.as_str())
            .map(|login| {
                let name = quote::format_ident!("{}_LOGIN_SERVER", environment.to_uppercase());
                let doc =
                    format!("The login server (OAuth and redirects) of {environment}: `{login}`.");
                quote! {
                    #[doc = #doc]
                    pub const #name: &str = #login;
                }
            });
        Some(quote! {
            #[doc = #doc]
            pub const #name: &str = #url;
            #login
        })
    });
    quote! {
        /// The servers of the spec, by environment.
        pub mod servers {
            #(#constants)*
        }
    }
}

/// `pub mod media_types` with the real Content-Type and Accept of every
/// operation whose vendor media types normalize renamed; nothing otherwise.
pub fn media_types(table: &[crate::normalize::MediaTypes]) -> TokenStream {
    if table.is_empty() {
        return TokenStream::new();
    }
    let option = |value: &Option<String>| match value {
        Some(value) => quote! { Some(#value) },
        None => quote! { None },
    };
    let rows = table.iter().map(|row| {
        // The name progenitor gives the operation in `OperationInfo`.
        let operation = crate::snake_case(&row.operation);
        let (content_type, accept) = (option(&row.content_type), option(&row.accept));
        quote! { (#operation, #content_type, #accept) }
    });
    quote! {
        /// The media types the API really uses, by operation: (operation,
        /// request Content-Type, Accept). The request hook sends these.
        pub mod media_types {
            /// Every operation with vendor media types.
            pub const OPERATIONS: &[(&str, Option<&str>, Option<&str>)] = &[#(#rows),*];

            /// The (Content-Type, Accept) of `operation`, if it has vendor media types.
            pub fn of(operation: &str) -> Option<(Option<&'static str>, Option<&'static str>)> {
                OPERATIONS
                    .iter()
                    .find(|row| row.0 == operation)
                    .map(|row| (row.1, row.2))
            }
        }
    }
}

/// Run progenitor on `spec`. A panic inside progenitor becomes
/// [`CodegenError::Panic`] naming the operations that cause it.
pub fn run_progenitor(api: &Api, spec: &OpenAPI) -> Result<TokenStream, CodegenError> {
    match generate_caught(api, spec) {
        Ok(result) => result.map_err(|source| CodegenError::Generate {
            spec: api.spec.to_string(),
            source,
        }),
        Err(message) => Err(CodegenError::Panic {
            spec: api.spec.to_string(),
            operations: panicking_operations(api, spec),
            message,
        }),
    }
}

fn generate_caught(
    api: &Api,
    spec: &OpenAPI,
) -> Result<Result<TokenStream, progenitor::Error>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings(api)).generate_tokens(spec)
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
fn panicking_operations(api: &Api, spec: &OpenAPI) -> Vec<String> {
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
            if generate_caught(api, &single).is_err() {
                let id = operation.operation_id.clone();
                found.push(id.unwrap_or_else(|| format!("{} {path}", method.to_uppercase())));
            }
        }
    }
    found
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
        let api = Api {
            name: "test",
            feature: "test",
            spec: "schemas/test/openapi.yaml",
            kind: Kind::OpenApi {
                context_type: "()",
                replacements: &[],
                raw_error_bodies: false,
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
