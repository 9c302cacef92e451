//! The `nordpay` command's table of a spec (behind the `cli` feature): per
//! operation a flag for each path, query and top-level body parameter (and
//! for each scalar member of a top-level object, so `--price` sets
//! `/PaymentDetails/Price`), and a check that reads every value as the
//! type the typed client takes, so the command refuses what the client
//! refuses, before anything is sent.

use std::collections::HashSet;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::refs;
use crate::server::{Names, SpecOperation};

/// Flags the command itself or an API's credentials take: a body member
/// of the same name gets its parent's name in front.
const RESERVED: &[&str] = &[
    "body",
    "query",
    "help",
    "version",
    "url",
    "api-key",
    "username",
    "password",
    "jwt",
    "access-token",
    "service-id",
];

/// `pub(crate) mod command_line` of `spec`.
pub(crate) fn render(names: &Names<'_>, spec: &OpenAPI) -> Result<TokenStream, String> {
    let mut commands = Vec::new();
    let mut checks = Vec::new();
    for operation in crate::server::operations(spec)? {
        let (command, check) = render_operation(names, spec, &operation)
            .map_err(|message| format!("{}: {message}", operation.name))?;
        commands.push(command);
        checks.push(check);
    }
    Ok(quote! {
        /// The `nordpay` command's view of each operation: its flags, and the
        /// check of their values by the types the typed client takes.
        #[cfg(feature = "cli")]
        pub(crate) mod command_line {
            use crate::cli::table::{Command, Flag, Kind, Place, Values};

            /// Every operation, in spec order.
            pub(crate) const ALL: &[Command] = &[#(#commands),*];

            #(#checks)*
        }
    })
}

/// One flag before it is rendered.
struct Planned {
    flag: String,
    wire: String,
    place: TokenStream,
    kind: &'static str,
    required: bool,
    help: String,
}

fn render_operation(
    names: &Names<'_>,
    spec: &OpenAPI,
    operation: &SpecOperation<'_>,
) -> Result<(TokenStream, TokenStream), String> {
    let components = spec.components.as_ref();
    let mut planned: Vec<Planned> = Vec::new();
    let mut reads = Vec::new();
    let mut parameters = operation.item.parameters.clone();
    parameters.extend(operation.operation.parameters.iter().cloned());
    for parameter in &parameters {
        let parameter = refs::resolve(components, parameter)?;
        let data = parameter.parameter_data_ref();
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(format!(
                "parameter {}: content instead of schema",
                data.name
            ));
        };
        let ty = names.rust_type(schema)?;
        let wire = &data.name;
        let (place, read) = match parameter {
            Parameter::Path { .. } => (
                quote! { Place::Path },
                quote! { values.path::<#ty>(#wire)?; },
            ),
            Parameter::Query { .. } if data.required => (
                quote! { Place::Query },
                quote! { values.query::<#ty>(#wire)?; },
            ),
            Parameter::Query { .. } => (
                quote! { Place::Query },
                quote! { values.query::<::std::option::Option<#ty>>(#wire)?; },
            ),
            _ => {
                return Err(format!(
                    "parameter {wire}: only path and query are supported"
                ));
            }
        };
        reads.push(read);
        planned.push(Planned {
            flag: kebab(wire),
            wire: wire.clone(),
            place,
            kind: kind(spec, schema)?,
            required: data.required,
            help: first_sentence(data.description.as_deref().unwrap_or(wire)),
        });
    }
    if let Some(body) = &operation.operation.request_body {
        let schema = refs::body_schema(components, body)?;
        let ty = names.rust_type(schema)?;
        let constant = format_ident!("{}", crate::snake_case(&operation.name).to_uppercase());
        reads.push(quote! { values.body::<#ty>(&super::operations::#constant)?; });
        plan_body(spec, schema, &mut planned)?;
    }
    let flags = planned.iter().map(|p| {
        let Planned {
            flag,
            wire,
            place,
            kind,
            required,
            help,
        } = p;
        let kind = format_ident!("{kind}");
        quote! {
            Flag { flag: #flag, wire: #wire, place: #place, kind: Kind::#kind, required: #required, help: #help }
        }
    });
    let constant = format_ident!("{}", crate::snake_case(&operation.name).to_uppercase());
    let check = format_ident!("check_{}", crate::snake_case(&operation.name));
    let about = first_sentence(
        operation
            .operation
            .summary
            .as_deref()
            .unwrap_or(&operation.name),
    );
    let subcommand = kebab(&operation.name);
    let check_doc = format!(
        "Reads each value of a `{}` call as its type.",
        operation.name
    );
    let values = format_ident!(
        "{}",
        if reads.is_empty() {
            "_values"
        } else {
            "values"
        }
    );
    Ok((
        quote! {
            Command {
                name: #subcommand,
                operation: &super::operations::#constant,
                about: #about,
                flags: &[#(#flags),*],
                check: #check,
            }
        },
        quote! {
            #[doc = #check_doc]
            fn #check(#values: &Values) -> ::std::result::Result<(), ::std::string::String> {
                #(#reads)*
                Ok(())
            }
        },
    ))
}

/// A flag per top-level member of the body, and one per scalar member of a
/// top-level object (named by its parent too when its name is taken).
fn plan_body(
    spec: &OpenAPI,
    schema: &ReferenceOr<Schema>,
    planned: &mut Vec<Planned>,
) -> Result<(), String> {
    let Some(members) = object_members(spec, schema)? else {
        return Ok(());
    };
    let mut taken: HashSet<String> = planned.iter().map(|p| p.flag.clone()).collect();
    let mut leaves = Vec::new();
    for (wire, member) in &members {
        let mut flag = kebab(wire);
        if taken.contains(&flag) || RESERVED.contains(&flag.as_str()) {
            flag = format!("body-{flag}");
        }
        taken.insert(flag.clone());
        planned.push(Planned {
            flag: flag.clone(),
            wire: wire.clone(),
            place: body_place(&format!("/{wire}")),
            kind: kind(spec, member)?,
            required: false,
            help: first_sentence(description(spec, member).unwrap_or(wire)),
        });
        if let Some(inner) = object_members(spec, member)? {
            for (leaf, leaf_schema) in inner {
                let kind = kind(spec, &leaf_schema)?;
                if kind == "Json" {
                    continue;
                }
                leaves.push((flag.clone(), wire.clone(), leaf, leaf_schema, kind));
            }
        }
    }
    let count = |name: &str| leaves.iter().filter(|l| kebab(&l.2) == name).count();
    let mut named = Vec::new();
    for (parent_flag, parent, leaf, leaf_schema, kind) in &leaves {
        let plain = kebab(leaf);
        let flag =
            if taken.contains(&plain) || RESERVED.contains(&plain.as_str()) || count(&plain) > 1 {
                format!("{parent_flag}-{plain}")
            } else {
                plain
            };
        named.push(Planned {
            flag,
            wire: leaf.clone(),
            place: body_place(&format!("/{parent}/{leaf}")),
            kind,
            required: false,
            help: first_sentence(description(spec, leaf_schema).unwrap_or(leaf)),
        });
    }
    planned.extend(named);
    Ok(())
}

fn body_place(pointer: &str) -> TokenStream {
    quote! { Place::Body(#pointer) }
}

/// What `schema` is after its references.
fn resolved<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Result<&'a Schema, String> {
    refs::resolve(spec.components.as_ref(), schema)
}

/// An object's members by wire name, in spec order.
type Members = Vec<(String, ReferenceOr<Schema>)>;

/// The members of an object schema, in spec order; `None` for anything else.
fn object_members(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> Result<Option<Members>, String> {
    let SchemaKind::Type(Type::Object(object)) = &resolved(spec, schema)?.schema_kind else {
        return Ok(None);
    };
    if object.properties.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        object
            .properties
            .iter()
            .map(|(name, member)| (name.clone(), member.clone().unbox()))
            .collect(),
    ))
}

/// How a flag's text becomes JSON: `String`, `Integer`, `Number`,
/// `Boolean`, or `Json` (objects, arrays, compositions).
fn kind(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> Result<&'static str, String> {
    Ok(match &resolved(spec, schema)?.schema_kind {
        SchemaKind::Type(Type::String(_)) => "String",
        SchemaKind::Type(Type::Integer(_)) => "Integer",
        SchemaKind::Type(Type::Number(_)) => "Number",
        SchemaKind::Type(Type::Boolean(_)) => "Boolean",
        _ => "Json",
    })
}

fn description<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<&'a str> {
    resolved(spec, schema)
        .ok()
        .and_then(|schema| schema.schema_data.description.as_deref())
}

/// The first sentence of a description, on one line.
fn first_sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut ends = line.match_indices(". ").map(|(at, _)| at);
    // "e.g. 47" does not end a sentence.
    match ends.find(|&at| !(line[..at].ends_with("e.g") || line[..at].ends_with("i.e"))) {
        Some(end) => line[..=end].to_string(),
        None => line,
    }
}

/// `ClientReference` → `client-reference`, `orderId` → `order-id`,
/// `MSISDN` → `msisdn`, `VATRate` → `vat-rate`.
pub(crate) fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == '.' {
            out.push('-');
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_become_flags() {
        assert_eq!(kebab("ClientReference"), "client-reference");
        assert_eq!(kebab("orderId"), "order-id");
        assert_eq!(kebab("MSISDN"), "msisdn");
        assert_eq!(kebab("VATRate"), "vat-rate");
        assert_eq!(kebab("serviceId"), "service-id");
        assert_eq!(kebab("redirect_url"), "redirect-url");
        assert_eq!(first_sentence("One.  Two\nthree."), "One.");
        assert_eq!(
            first_sentence("A number, e.g. 47. More."),
            "A number, e.g. 47."
        );
    }
}
