//! Open enums: a string enum of a spec marked `x-nordpay-open: true` (the
//! provider may add values) becomes an enum whose `Unknown(String)` keeps a
//! value the spec does not list, so a new state never fails a response.
//! typify generates closed enums only; these replace them.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, StringType, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// One open enum of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    /// The schema's name, also the Rust type's.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The documented values, in spec order.
    pub values: Vec<String>,
}

/// The open enums of `spec`. A schema marked open that is not a string enum
/// is an error.
pub fn find(spec: &OpenAPI) -> Result<Vec<OpenEnum>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let open = schema.schema_data.extensions.get("x-nordpay-open");
        if open.and_then(|v| v.as_bool()) != Some(true) {
            continue;
        }
        let SchemaKind::Type(Type::String(StringType { enumeration, .. })) = &schema.schema_kind
        else {
            return Err(format!(
                "{name}: x-nordpay-open on a schema that is not a string enum"
            ));
        };
        let values: Vec<String> = enumeration.iter().flatten().cloned().collect();
        if values.is_empty() {
            return Err(format!("{name}: x-nordpay-open on a string without `enum`"));
        }
        found.push(OpenEnum {
            name: name.clone(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }
    Ok(found)
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

/// `mod open_enums { .. }` for `enums`; its items end up in `mod types`.
pub fn module(enums: &[OpenEnum]) -> TokenStream {
    if enums.is_empty() {
        return TokenStream::new();
    }
    let items = enums.iter().map(|open| {
        let name = format_ident!("{}", open.name);
        let doc = format!(
            "{} Open: a value the spec does not list is kept in `Unknown`.",
            open.description.as_deref().unwrap_or(&open.name).trim()
        );
        let variants: Vec<_> = open.values.iter().map(|v| variant(v)).collect();
        let values = &open.values;
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
    });
    // Moved into `mod types` by the postprocess step, beside typify's types.
    quote! {
        mod open_enums {
            #(#items)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let spec: OpenAPI = serde_yaml::from_str(
            r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    State: {type: string, enum: [A, B_C], x-nordpay-open: true, description: A state.}
    Closed: {type: string, enum: [X]}
"#,
        )
        .unwrap();
        let found = find(&spec).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].values, ["A", "B_C"]);
        let bad: OpenAPI = serde_yaml::from_str(
            r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    N: {type: integer, x-nordpay-open: true}
"#,
        )
        .unwrap();
        assert!(find(&bad).unwrap_err().contains("not a string enum"));
    }
}
