//! Changes to progenitor's output that no generator setting can make.

use proc_macro2::TokenStream;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Path, Token, punctuated::Punctuated};

use crate::{ClientSpec, CodegenError};

/// Parse the tokens, make the `JsonSchema` derive conditional on the
/// `schemars` feature (services that do not need schemas do not compile
/// schemars), and drop the `api-version` header progenitor adds to every
/// request (no provider has one; adding it only to remove it costs each call).
pub fn postprocess(
    api: &ClientSpec,
    tokens: TokenStream,
    known: &std::collections::BTreeMap<String, String>,
) -> Result<syn::File, CodegenError> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|error| CodegenError::Syntax {
        spec: api.spec.to_string(),
        message: error.to_string(),
    })?;
    OptionalJsonSchema.visit_file_mut(&mut file);
    NoApiVersionHeader.visit_file_mut(&mut file);
    ConversionReasons::default().visit_file_mut(&mut file);
    spec_enums_into_types(&mut file);
    if let crate::Kind::OpenApi { error_type, .. } = &api.kind {
        let error: syn::Path =
            syn::parse_str(error_type).map_err(|error| CodegenError::Syntax {
                spec: api.spec.to_string(),
                message: format!("error_type {error_type:?}: {error}"),
            })?;
        CheckedJsonBody.visit_file_mut(&mut file);
        DecodedInPlace.visit_file_mut(&mut file);
        UrlFromBase.visit_file_mut(&mut file);
        ApiErrorFromSend { error }.visit_file_mut(&mut file);
    }
    let noun = match api.kind {
        crate::Kind::OpenApi { .. } => "field",
        crate::Kind::Wsdl { .. } => "element",
    };
    crate::docs::document(&mut file, noun, known);
    Ok(file)
}

/// The enums generated beside progenitor's output go into `mod types`,
/// where users look for them and typify's types name them.
fn spec_enums_into_types(file: &mut syn::File) {
    let Some(at) = file
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "spec_enums"))
    else {
        return;
    };
    let syn::Item::Mod(open) = file.items.remove(at) else {
        unreachable!("found as a module");
    };
    let items = open.content.map(|(_, items)| items).unwrap_or_default();
    for item in &mut file.items {
        if let syn::Item::Mod(types) = item
            && types.ident == "types"
            && let Some((_, content)) = &mut types.content
        {
            content.extend(items);
            return;
        }
    }
}

/// Every request builder's `send()` returns the API's own error: progenitor's
/// `send` becomes the private `send_unmapped`, and `send` maps its error.
/// `?` then needs no conversion, and progenitor's error, whose `Display`
/// shows response bodies and whose `Debug` shows URLs (personal data), never
/// reaches a user.
struct ApiErrorFromSend {
    error: syn::Path,
}

impl VisitMut for ApiErrorFromSend {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let mut mapped = Vec::new();
        for member in &mut item.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            if function.sig.ident != "send" || function.sig.asyncness.is_none() {
                continue;
            }
            let syn::ReturnType::Type(_, output) = &function.sig.output else {
                continue;
            };
            let Some(success) = result_ok_type(output) else {
                continue;
            };
            let error = &self.error;
            // A combinator, not an `async fn`: an async level above the
            // call's state would copy it whole when it starts.
            let mut send: syn::ImplItemFn = syn::parse_quote! {
                pub fn send(self) -> impl ::std::future::Future<Output = Result<#success, #error>> {
                    futures_util::TryFutureExt::map_err(self.send_unmapped(), #error::from)
                }
            };
            send.attrs = std::mem::take(&mut function.attrs);
            function.sig.ident = quote::format_ident!("send_unmapped");
            function.vis = syn::Visibility::Inherited;
            mapped.push(syn::ImplItem::Fn(send));
        }
        item.items.extend(mapped);
    }
}

/// A JSON body is written by the runtime, which checks the spec's rules on
/// it while it writes it (`crate::runtime::request_json`): reqwest's
/// `.json()` would write it unchecked, and a check after it would have to
/// parse the bytes again.
struct CheckedJsonBody;

impl VisitMut for CheckedJsonBody {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.ident != "send" || function.sig.asyncness.is_none() {
            return;
        }
        let mut id = OperationId(None);
        id.visit_block_mut(&mut function.block);
        let Some(id) = id.0 else {
            return;
        };
        let constant = quote::format_ident!("{}", id.to_uppercase());
        JsonBody { constant }.visit_block_mut(&mut function.block);
    }
}

/// The `operation_id` of the `OperationInfo` a `send` builds.
struct OperationId(Option<String>);

impl VisitMut for OperationId {
    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        if let (syn::Member::Named(name), syn::Expr::Lit(literal)) = (&field.member, &field.expr)
            && name == "operation_id"
            && let syn::Lit::Str(text) = &literal.lit
        {
            self.0 = Some(text.value());
        }
    }
}

/// `.json(&body)` as the runtime's checked JSON of the operation's body.
struct JsonBody {
    constant: proc_macro2::Ident,
}

impl VisitMut for JsonBody {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        if call.method != "json" || call.args.len() != 1 {
            return;
        }
        let (receiver, body, constant) = (&call.receiver, &call.args[0], &self.constant);
        *expr = syn::parse_quote! {
            #receiver
                .header(
                    ::reqwest::header::CONTENT_TYPE,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .body(
                    crate::runtime::request_json(
                        &super::operations::#constant,
                        progenitor_client::ClientInfo::inner(client),
                        #body,
                    )
                    .map_err(Error::InvalidRequest)?,
                )
        };
    }
}

/// Each call's URL is the client's parsed base URL with the path's segments
/// appended (`crate::runtime::url_of`), where progenitor formats a string
/// that reqwest parses again: the parse was a fifth of a call's work, and
/// a parameter of `.` or `..` left its segment when the string was parsed.
struct UrlFromBase;

impl VisitMut for UrlFromBase {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.ident != "send" || function.sig.asyncness.is_none() {
            return;
        }
        for stmt in &mut function.block.stmts {
            let syn::Stmt::Local(local) = stmt else {
                continue;
            };
            let syn::Pat::Ident(name) = &local.pat else {
                continue;
            };
            if name.ident != "url" {
                continue;
            }
            let Some(init) = &mut local.init else {
                continue;
            };
            if let Some(built) = url_of(&init.expr) {
                *init.expr = built;
            }
        }
    }
}

/// `format!("{}/transactions/{}", client.baseurl, encode_path(&id.to_string()))`
/// as the runtime's URL of those segments; `None` for a template it does
/// not read (then progenitor's code stays).
fn url_of(format: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Macro(format) = format else {
        return None;
    };
    if !format.mac.path.is_ident("format") {
        return None;
    }
    let arguments = format
        .mac
        .parse_body_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated)
        .ok()?;
    let mut arguments = arguments.into_iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = arguments.next()?
    else {
        return None;
    };
    let base = arguments.next()?;
    if quote::quote!(#base).to_string().replace(' ', "") != "client.baseurl" {
        return None;
    }
    let template = template.value();
    let path = template.strip_prefix("{}/")?;
    let mut segments = Vec::new();
    for piece in path.split('/') {
        if piece == "{}" {
            let syn::Expr::Call(encode) = arguments.next()? else {
                return None;
            };
            let value = encode.args.first()?;
            let name = parameter_name(value)?;
            segments.push(quote::quote! { crate::runtime::Segment::Parameter(#name, #value) });
        } else if piece.is_empty() || piece.contains(['{', '}']) {
            return None;
        } else {
            segments.push(quote::quote! { crate::runtime::Segment::Fixed(#piece) });
        }
    }
    if arguments.next().is_some() {
        return None;
    }
    Some(syn::parse_quote! {
        crate::runtime::url_of(
            progenitor_client::ClientInfo::inner(client),
            &[#(#segments),*],
        )
        .map_err(Error::InvalidRequest)?
    })
}

/// `id` of `&id.to_string()`.
fn parameter_name(value: &syn::Expr) -> Option<String> {
    let syn::Expr::Reference(reference) = value else {
        return None;
    };
    let syn::Expr::MethodCall(call) = &*reference.expr else {
        return None;
    };
    let syn::Expr::Path(path) = &*call.receiver else {
        return None;
    };
    Some(path.path.get_ident()?.to_string())
}

/// A success's body is decoded by the runtime (`crate::runtime::decoded`),
/// which keeps the response's headers where progenitor's
/// `ResponseValue::from_response` copies them: a map and its entries per call.
struct DecodedInPlace;

impl VisitMut for DecodedInPlace {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(function) = &*call.func else {
            return;
        };
        let names: Vec<String> = function
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        if names.ends_with(&["ResponseValue".to_string(), "from_response".to_string()]) {
            *call.func = syn::parse_quote!(crate::runtime::decoded);
        }
    }
}

/// `T` of `Result<T, _>`.
fn result_ok_type(output: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(path) = output else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(success) => Some(success.clone()),
        _ => None,
    }
}

/// The text of a `"conversion to … failed"` literal.
struct ConversionMessage(Option<String>);

impl VisitMut for ConversionMessage {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        let text = literal.value();
        if text.starts_with("conversion to ") {
            self.0.get_or_insert(text);
        }
    }
}

/// progenitor's builder setters drop why a parameter was refused
/// (`.map_err(|_| "conversion to `ProductCode` for product_code failed")`):
/// keep the reason ("longer than 12 characters"), which needs the setter's
/// conversion error to be `Display` (typify's errors are).
#[derive(Default)]
struct ConversionReasons {
    changed: bool,
}

impl VisitMut for ConversionReasons {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        self.changed = false;
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
        if self.changed && function.sig.generics.params.len() == 1 {
            let predicate: syn::WherePredicate = syn::parse_quote!(V::Error: std::fmt::Display);
            function
                .sig
                .generics
                .make_where_clause()
                .predicates
                .push(predicate);
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "map_err" || call.args.len() != 1 {
            return;
        }
        let Some(syn::Expr::Closure(closure)) = call.args.first() else {
            return;
        };
        if !matches!(closure.inputs.first(), Some(syn::Pat::Wild(_))) {
            return;
        }
        let mut found = ConversionMessage(None);
        found.visit_expr_mut(&mut closure.body.clone());
        let Some(message) = found.0 else {
            return;
        };
        let format = format!("{}: {{}}", message.replace('{', "{{").replace('}', "}}"));
        call.args[0] = syn::parse_quote!(|error| format!(#format, error));
        self.changed = true;
    }
}

/// Removes `header_map.append(HeaderName::from_static("api-version"), …);`
/// and shrinks the `HeaderMap::with_capacity(n)` before it by one.
struct NoApiVersionHeader;

fn appends_api_version(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && call
            .args
            .first()
            .is_some_and(|name| quote::quote!(#name).to_string().contains("\"api-version\""))
}

impl VisitMut for NoApiVersionHeader {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !appends_api_version(stmt));
        if block.stmts.len() < before {
            for stmt in &mut block.stmts {
                shrink_header_capacity(stmt);
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// `let mut header_map = HeaderMap::with_capacity(Nusize);` → `N - 1`.
fn shrink_header_capacity(stmt: &mut syn::Stmt) {
    let syn::Stmt::Local(local) = stmt else {
        return;
    };
    let Some(init) = &mut local.init else {
        return;
    };
    let syn::Expr::Call(call) = init.expr.as_mut() else {
        return;
    };
    let is_with_capacity = matches!(call.func.as_ref(), syn::Expr::Path(path)
        if path.path.segments.last().is_some_and(|s| s.ident == "with_capacity"));
    if !is_with_capacity {
        return;
    }
    if let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(capacity),
        ..
    })) = call.args.first_mut()
        && let Ok(n) = capacity.base10_parse::<usize>()
    {
        let smaller = syn::LitInt::new(&format!("{}usize", n.saturating_sub(1)), capacity.span());
        *capacity = smaller;
        // The map may now stay empty, and unchanged.
        local.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
    }
}

struct OptionalJsonSchema;

fn is_json_schema(path: &Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "JsonSchema")
}

impl OptionalJsonSchema {
    fn rewrite(attrs: &mut Vec<Attribute>) {
        let mut index = 0;
        while index < attrs.len() {
            let attr = &attrs[index];
            index += 1;
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            else {
                continue;
            };
            if !paths.iter().any(is_json_schema) {
                continue;
            }
            let kept: Vec<&Path> = paths.iter().filter(|p| !is_json_schema(p)).collect();
            let optional: Attribute = syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            );
            if kept.is_empty() {
                attrs[index - 1] = optional;
            } else {
                attrs[index - 1].meta = syn::parse_quote!(derive(#(#kept),*));
                attrs.insert(index, optional);
                index += 1;
            }
        }
    }
}

impl VisitMut for OptionalJsonSchema {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        Self::rewrite(&mut item.attrs);
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        Self::rewrite(&mut item.attrs);
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn the_api_version_header_is_never_built() {
        let api = &crate::APIS[0];
        let file = postprocess(
            api,
            quote! {
                fn send() {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    header_map.append("x-other", value);
                }
            },
            &Default::default(),
        )
        .unwrap();
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("with_capacity(1usize)"), "{text}");
        assert!(text.contains("x-other"), "{text}");
    }

    #[test]
    fn a_refused_parameter_keeps_its_reason() {
        let api = &crate::APIS[0];
        let file = postprocess(
            api,
            quote! {
                impl<'a> ListPaymentMethods<'a> {
                    pub fn product_code<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::ProductCode>,
                    {
                        self.product_code = value.try_into().map_err(|_| {
                            "conversion to `ProductCode` for product_code failed".to_string()
                        });
                        self
                    }
                }
            },
            &Default::default(),
        )
        .unwrap();
        let text = prettyplease::unparse(&file);
        assert!(text.contains("V::Error: std::fmt::Display"), "{text}");
        assert!(
            text.contains(
                "format!(\"conversion to `ProductCode` for product_code failed: {}\", error)"
            ),
            "{text}"
        );
    }

    #[test]
    fn send_returns_the_apis_error() {
        let api = crate::APIS
            .iter()
            .find(|api| api.name == "puzzel_pay")
            .unwrap();
        let file = postprocess(
            api,
            quote! {
                impl<'a> GetBatchStatus<'a> {
                    ///Sends a `GET` request
                    pub async fn send(self) -> Result<ResponseValue<types::BatchStatus>, Error<ByteStream>> {
                        todo!()
                    }
                }
            },
            &Default::default(),
        )
        .unwrap();
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains(
                "futures_util::TryFutureExt::map_err(\n            self.send_unmapped(),\n            crate::puzzel_pay::Error::from,\n        )"
            ),
            "{text}"
        );
        assert!(
            text.contains("    async fn send_unmapped(\n        self,\n    ) -> Result<ResponseValue<types::BatchStatus>, Error<ByteStream>> {"),
            "{text}"
        );
    }

    #[test]
    fn json_schema_derive_moves_behind_the_feature() {
        let api = &crate::APIS[0];
        let file = postprocess(
            api,
            quote! {
                #[derive(Clone, ::schemars::JsonSchema, Debug)]
                #[serde(rename_all = "camelCase")]
                struct A;
                #[derive(schemars::JsonSchema)]
                enum B {}
                #[derive(Clone)]
                struct C;
            },
            &Default::default(),
        )
        .unwrap();
        let text = prettyplease::unparse(&file);
        assert_eq!(
            text,
            "#[derive(Clone, Debug)]\n\
             #[cfg_attr(feature = \"schemars\", derive(::schemars::JsonSchema))]\n\
             #[serde(rename_all = \"camelCase\")]\n\
             struct A;\n\
             #[cfg_attr(feature = \"schemars\", derive(::schemars::JsonSchema))]\n\
             enum B {}\n\
             #[derive(Clone)]\n\
             struct C;\n"
        );
    }
}
