//! Enums typify cannot make well, generated here instead:
//! - a string enum marked `x-nordpay-open: true` (the provider may add
//!   values) keeps a value the spec does not list in `Unknown(String)`, so a
//!   new state never fails a response (typify makes closed enums only);
//! - an integer enum (typify makes an `i32` newtype) becomes a Rust enum
//!   whose variants the spec names with `x-enum-varnames` and documents with
//!   `x-enum-descriptions` (the convention of openapi-generator). Marked
//!   open, it keeps an unlisted number in `Unknown(i32)`; closed, an unlisted
//!   number is refused, so a request cannot carry one.

use indexmap::IndexMap;
use openapiv3::{IntegerType, OpenAPI, ReferenceOr, SchemaKind, StringType, Type};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// One enum of a spec that is generated here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecEnum {
    /// The schema's name, also the Rust type's.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The documented values.
    pub values: Values,
}

/// The documented values of a [`SpecEnum`], in spec order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values {
    /// An open string enum.
    Strings(Vec<String>),
    /// An integer enum.
    Integers {
        /// The values, with their names.
        values: Vec<Numbered>,
        /// Whether an unlisted number is kept (`Unknown(i32)`) or refused.
        open: bool,
    },
}

/// One value of an integer enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    /// The number on the wire.
    pub value: i32,
    /// The Rust variant (`x-enum-varnames`).
    pub variant: String,
    /// Its doc (`x-enum-descriptions`).
    pub description: Option<String>,
}

/// The enums of `spec` generated here: open string enums and every integer
/// enum. A schema marked open that is neither, or an integer enum whose
/// values are not all named, is an error.
pub fn find(spec: &OpenAPI) -> Result<Vec<SpecEnum>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let extensions = &schema.schema_data.extensions;
        let open = extensions.get("x-nordpay-open").and_then(|v| v.as_bool()) == Some(true);
        let values = match &schema.schema_kind {
            SchemaKind::Type(Type::Integer(IntegerType { enumeration, .. }))
                if !enumeration.is_empty() =>
            {
                integers(name, enumeration, extensions, open)?
            }
            SchemaKind::Type(Type::String(StringType { enumeration, .. })) if open => {
                let values: Vec<String> = enumeration.iter().flatten().cloned().collect();
                if values.is_empty() {
                    return Err(format!("{name}: x-nordpay-open on a string without `enum`"));
                }
                Values::Strings(values)
            }
            _ if open => {
                return Err(format!(
                    "{name}: x-nordpay-open on a schema that is not a string or integer enum"
                ));
            }
            _ => continue,
        };
        found.push(SpecEnum {
            name: name.clone(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }
    Ok(found)
}

/// An integer enum's values, named by `x-enum-varnames`.
fn integers(
    name: &str,
    enumeration: &[Option<i64>],
    extensions: &IndexMap<String, serde_json::Value>,
    open: bool,
) -> Result<Values, String> {
    let texts = |key: &str| -> Result<Option<Vec<String>>, String> {
        let Some(value) = extensions.get(key) else {
            return Ok(None);
        };
        let list = value
            .as_array()
            .filter(|list| list.len() == enumeration.len())
            .ok_or_else(|| format!("{name}: {key} is not a list of one string per value"))?;
        list.iter()
            .map(|item| item.as_str().map(|text| text.trim().to_string()))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| format!("{name}: {key} holds something that is not a string"))
    };
    let variants = texts("x-enum-varnames")?.ok_or_else(|| {
        format!("{name}: an integer enum needs x-enum-varnames (a Rust name for each value)")
    })?;
    let descriptions = texts("x-enum-descriptions")?;
    let mut values = Vec::new();
    for (i, number) in enumeration.iter().enumerate() {
        let value = number
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| format!("{name}: {number:?} is not an int32 value"))?;
        let variant = variants[i].clone();
        if syn::parse_str::<syn::Ident>(&variant).is_err() || variant == "Unknown" {
            return Err(format!("{name}: {variant:?} cannot name a variant"));
        }
        values.push(Numbered {
            value,
            variant,
            description: descriptions.as_ref().map(|d| d[i].clone()),
        });
    }
    Ok(Values::Integers { values, open })
}

/// `STARTED` → `Started`, `recurringPayExCardPayment` → `RecurringPayExCardPayment`.
fn variant(value: &str) -> proc_macro2::Ident {
    let mut out = String::new();
    let upper = value.chars().all(|c| !c.is_lowercase());
    for word in value.split(['_', '-', ' ']).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            let rest: String = chars.collect();
            out.push_str(&if upper { rest.to_lowercase() } else { rest });
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    format_ident!("{out}")
}

/// `mod spec_enums { .. }` for `enums`; its items end up in `mod types`.
pub fn module(enums: &[SpecEnum]) -> TokenStream {
    if enums.is_empty() {
        return TokenStream::new();
    }
    let items = enums.iter().map(|spec_enum| match &spec_enum.values {
        Values::Strings(values) => open_strings(spec_enum, values),
        Values::Integers { values, open } => numbered(spec_enum, values, *open),
    });
    // Moved into `mod types` by the postprocess step, beside typify's types.
    quote! {
        mod spec_enums {
            #(#items)*
        }
    }
}

/// The type's doc: the schema's description, or its name.
fn type_doc(spec_enum: &SpecEnum) -> &str {
    spec_enum
        .description
        .as_deref()
        .unwrap_or(&spec_enum.name)
        .trim()
}

/// An open string enum.
fn open_strings(open: &SpecEnum, values: &[String]) -> TokenStream {
    let name = format_ident!("{}", open.name);
    let doc = format!(
        "{} Open: a value the spec does not list is kept in `Unknown`.",
        type_doc(open)
    );
    let variants: Vec<_> = values.iter().map(|v| variant(v)).collect();
    let docs = values.iter().map(|v| format!("`{v}`"));
    let schema_name = &open.name;
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #docs] #variants, )*
            /// A value the spec does not list, as the provider sent it.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                })
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(match value.parse() {
                    Ok(parsed) => parsed,
                    Err(never) => match never {},
                })
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #schema_name.into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "description": "Open: other values may come.",
                    "examples": [#(#values),*],
                })
            }
        }
    }
}

/// A number as a literal, negative ones included (`- 1` in a pattern).
fn number(value: i32) -> TokenStream {
    let magnitude = Literal::u32_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(- #magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// An integer enum carried as a number on the wire.
fn numbered(spec_enum: &SpecEnum, values: &[Numbered], open: bool) -> TokenStream {
    let name = format_ident!("{}", spec_enum.name);
    let schema_name = &spec_enum.name;
    let doc = if open {
        format!(
            "{} Open: a number the spec does not list is kept in `Unknown`.",
            type_doc(spec_enum)
        )
    } else {
        format!(
            "{} A number the spec does not list is refused.",
            type_doc(spec_enum)
        )
    };
    let variants: Vec<_> = values
        .iter()
        .map(|v| format_ident!("{}", v.variant))
        .collect();
    let numbers: Vec<_> = values.iter().map(|v| number(v.value)).collect();
    let docs = values.iter().map(|v| match &v.description {
        Some(text) => format!("{}: {text}", v.value),
        None => format!("`{}`", v.value),
    });
    let (unknown_variant, unknown_value, from_wire, decode, schema) = if open {
        (
            quote! {
                /// A number the spec does not list, as the provider sent it.
                Unknown(i32),
            },
            quote! { Self::Unknown(value) => value, },
            quote! {
                /// The variant for a number the server sent: a listed one, or
                /// [`Self::Unknown`] keeping the number.
                pub fn from_wire(value: i32) -> Self {
                    Self::from_value(value).unwrap_or(Self::Unknown(value))
                }
            },
            quote! { Ok(Self::from_wire(value)) },
            quote! { ::schemars::json_schema!({
                "type": "integer",
                "format": "int32",
                "description": "Open: other values may come.",
                "examples": [#(#numbers),*],
            }) },
        )
    } else {
        (
            TokenStream::new(),
            TokenStream::new(),
            TokenStream::new(),
            quote! { Self::try_from(value).map_err(::serde::de::Error::custom) },
            quote! { ::schemars::json_schema!({
                "type": "integer",
                "format": "int32",
                "enum": [#(#numbers),*],
            }) },
        )
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #docs] #variants, )*
            #unknown_variant
        }

        impl #name {
            /// The number on the wire.
            pub fn value(self) -> i32 {
                match self {
                    #( Self::#variants => #numbers, )*
                    #unknown_value
                }
            }

            /// The variant for `value`, if the spec lists it.
            pub fn from_value(value: i32) -> ::std::option::Option<Self> {
                match value {
                    #( #numbers => Some(Self::#variants), )*
                    _ => None,
                }
            }

            #from_wire
        }

        impl ::std::convert::TryFrom<i32> for #name {
            type Error = crate::runtime::InvalidValue;

            fn try_from(value: i32) -> Result<Self, crate::runtime::InvalidValue> {
                Self::from_value(value).ok_or_else(|| crate::runtime::InvalidValue {
                    name: #schema_name,
                    value: value.to_string(),
                })
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = crate::runtime::InvalidValue;

            fn from_str(text: &str) -> Result<Self, crate::runtime::InvalidValue> {
                text.parse::<i32>()
                    .ok()
                    .and_then(Self::from_value)
                    .ok_or_else(|| crate::runtime::InvalidValue {
                        name: #schema_name,
                        value: text.to_string(),
                    })
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i32(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <i32 as ::serde::Deserialize>::deserialize(deserializer)?;
                #decode
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #schema_name.into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                #schema
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(schemas: &str) -> OpenAPI {
        serde_yaml::from_str(&format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: \"1\"}}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}"
        ))
        .unwrap()
    }

    #[test]
    fn variants_are_pascal_case() {
        assert_eq!(variant("STARTED").to_string(), "Started");
        assert_eq!(
            variant("VERIFICATION_FAILED").to_string(),
            "VerificationFailed"
        );
        assert_eq!(
            variant("recurringPayExCardPayment").to_string(),
            "RecurringPayExCardPayment"
        );
        assert_eq!(variant("asc").to_string(), "Asc");
    }

    #[test]
    fn only_marked_string_enums_are_open() {
        let found = find(&spec(
            "    State: {type: string, enum: [A, B_C], x-nordpay-open: true, description: A state.}\n    Closed: {type: string, enum: [X]}\n",
        ))
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].values,
            Values::Strings(vec!["A".into(), "B_C".into()])
        );
        let bad = find(&spec("    N: {type: number, x-nordpay-open: true}\n"));
        assert!(bad.unwrap_err().contains("not a string or integer enum"));
    }

    #[test]
    fn integer_enums_are_named_by_the_spec() {
        let found = find(&spec(
            "    S: {type: integer, enum: [-1, 2], x-enum-varnames: [NotKnown, Paid], x-enum-descriptions: [Not known., Paid.], x-nordpay-open: true}\n    N: {type: integer}\n",
        ))
        .unwrap();
        assert_eq!(found.len(), 1);
        let Values::Integers { values, open } = &found[0].values else {
            panic!("an integer enum: {found:?}");
        };
        assert!(open);
        assert_eq!(
            values[0],
            Numbered {
                value: -1,
                variant: "NotKnown".into(),
                description: Some("Not known.".into())
            }
        );
        let unnamed = find(&spec("    A: {type: integer, enum: [16, 18]}\n"));
        assert!(unnamed.unwrap_err().contains("x-enum-varnames"));
        let short = find(&spec(
            "    A: {type: integer, enum: [16, 18], x-enum-varnames: [Sixteen]}\n",
        ));
        assert!(short.unwrap_err().contains("one string per value"));
        let bad_name = find(&spec(
            "    A: {type: integer, enum: [16], x-enum-varnames: [\"16\"]}\n",
        ));
        assert!(bad_name.unwrap_err().contains("cannot name a variant"));
    }

    #[test]
    fn negative_numbers_are_literals() {
        assert_eq!(number(-1).to_string(), "- 1");
        assert_eq!(number(16).to_string(), "16");
    }
}
