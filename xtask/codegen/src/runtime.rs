//! The runtime table: each operation's retry class, deadline and attempt
//! timeout, read from the spec (`x-nordpay-runtime` on an OpenAPI operation,
//! `nordpay:retry`, `nordpay:lookup`, `nordpay:deadline-seconds`,
//! `nordpay:attempt-timeout-seconds`, `nordpay:confirmation-window-seconds`
//! and `nordpay:why` on a WSDL binding operation) and turned into
//! `crate::runtime::Operation` constants.

use proc_macro2::TokenStream;
use quote::quote;

/// The runtime policy the spec declares for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimePolicy {
    /// `safe`, `never` or `resolve-by-lookup`.
    pub retry: Retry,
    /// Seconds the whole operation may take.
    pub deadline_seconds: u64,
    /// Seconds one attempt may take (the deadline if not given).
    pub attempt_timeout_seconds: u64,
    /// Seconds the provider may wait for the user to confirm after it got
    /// the request (`confirmation-window-seconds`), if it can.
    pub confirmation_window_seconds: Option<u64>,
    /// Why this class and these times: goes into the generated docs.
    pub why: String,
}

/// A retry class as the spec spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    /// `safe`
    Safe,
    /// `never`
    Never,
    /// `resolve-by-lookup` with `lookup: <operationId>`.
    ResolveByLookup(String),
}

impl RuntimePolicy {
    /// Read a policy from its fields; `get` returns a field's text.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let retry = match get("retry").as_deref() {
            Some("safe") => Retry::Safe,
            Some("never") => Retry::Never,
            Some("resolve-by-lookup") => Retry::ResolveByLookup(
                get("lookup").ok_or("resolve-by-lookup needs `lookup`, the lookup operation")?,
            ),
            Some(other) => return Err(format!("unknown retry class {other:?}")),
            None => return Err("no retry class".into()),
        };
        let seconds = |field: &str| -> Result<Option<u64>, String> {
            get(field)
                .map(|text| {
                    text.parse::<u64>()
                        .ok()
                        .filter(|s| (1..=600).contains(s))
                        .ok_or_else(|| format!("{field} is not 1..=600 seconds: {text:?}"))
                })
                .transpose()
        };
        let deadline_seconds = seconds("deadline-seconds")?.ok_or("no deadline-seconds")?;
        let attempt_timeout_seconds =
            seconds("attempt-timeout-seconds")?.unwrap_or(deadline_seconds);
        if attempt_timeout_seconds > deadline_seconds {
            return Err("attempt-timeout-seconds is longer than deadline-seconds".into());
        }
        let confirmation_window_seconds = seconds("confirmation-window-seconds")?;
        let why = get("why").ok_or("no `why`: say why this class and these times")?;
        Ok(Self {
            retry,
            deadline_seconds,
            attempt_timeout_seconds,
            confirmation_window_seconds,
            why,
        })
    }

    /// The lookup operation, for `resolve-by-lookup`.
    pub fn lookup(&self) -> Option<&str> {
        match &self.retry {
            Retry::ResolveByLookup(lookup) => Some(lookup),
            _ => None,
        }
    }

    fn class_doc(&self) -> String {
        match &self.retry {
            Retry::Safe => "safe to retry".to_string(),
            Retry::Never => "never retried once sent".to_string(),
            Retry::ResolveByLookup(lookup) => {
                format!("never retried once sent; an unknown outcome is resolved by `{lookup}`")
            }
        }
    }

    /// One doc line: class, times and reason.
    pub fn doc(&self) -> String {
        let window = self
            .confirmation_window_seconds
            .map(|seconds| format!(", confirmation window {seconds} s"))
            .unwrap_or_default();
        format!(
            "Retry: {}. Deadline {} s, attempt timeout {} s{window}. {}",
            self.class_doc(),
            self.deadline_seconds,
            self.attempt_timeout_seconds,
            self.why.trim()
        )
    }
}

/// What an operation constant is made of.
pub struct OperationRow<'a> {
    /// The API's name in spans (`connect`).
    pub api: &'a str,
    /// The spec's name (`createTransaction`, `Pay`).
    pub name: &'a str,
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Path template.
    pub path: &'a str,
    /// Real Content-Type (vendor media types).
    pub content_type: Option<&'a str>,
    /// Real Accept.
    pub accept: Option<&'a str>,
    /// The declared policy.
    pub policy: &'a RuntimePolicy,
    /// The rules of the request body the generated types do not hold.
    pub body_rules: &'a [ArrayRule],
    /// The largest numbers of the body's integers, where typify's type is wider.
    pub integer_rules: &'a [IntegerRule],
    /// Query parameters of an open enum type, with the values they may carry.
    pub query_values: &'a [(String, Vec<String>)],
    /// Pointers of the body's optional members that are not nullable.
    pub not_null: &'a [String],
    /// The spec's `x-nordpay-body-check`: its name, the Rust function, and
    /// the generated type of the body it checks.
    pub body_check: Option<(&'a str, &'a str, TokenStream)>,
    /// The spec's `x-nordpay-bearer-requires`: members of the body a request
    /// with a user's access token must carry.
    pub bearer_requires: &'a [String],
}

/// `minItems`, `maxItems` and `x-nordpay-unique-by` of one array of a request
/// body: typify generates no check for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayRule {
    /// JSON pointer of the array (`/recipients`).
    pub pointer: String,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// `x-nordpay-unique-by`: the field whose value no two items share.
    pub unique_by: Option<String>,
}

/// The largest value of an integer of a request body, where typify's type
/// is wider than the spec's format: an `int32` or `int64` with a minimum of 0
/// or more becomes an unsigned type, which takes numbers the format does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegerRule {
    /// JSON pointer of the number, `*` for every item of an array.
    pub pointer: String,
    /// The format's largest value.
    pub max: u64,
}

/// The rules of the request body of `operation` that the generated types do
/// not hold, at most a few levels deep: array rules of arrays reached through
/// object properties (not through other arrays, which a pointer cannot
/// name), and integer rules anywhere (`*` for every item of an array).
pub fn body_rules(
    spec: &openapiv3::OpenAPI,
    operation: &openapiv3::Operation,
) -> Result<Rules, String> {
    let Some(body) = &operation.request_body else {
        return Ok(Default::default());
    };
    let openapiv3::ReferenceOr::Item(body) = body else {
        return Err("a $ref request body is not supported".into());
    };
    let mut rules = Rules::default();
    if let Some(schema) = body
        .content
        .values()
        .find_map(|media| media.schema.as_ref())
    {
        collect(
            spec,
            resolve(spec, schema)?,
            String::new(),
            0,
            false,
            &mut rules,
        )?;
    }
    Ok(rules)
}

#[derive(Default)]
pub struct Rules {
    /// Array rules.
    pub arrays: Vec<ArrayRule>,
    /// Integer rules.
    pub integers: Vec<IntegerRule>,
    /// Pointers of optional members that are not nullable.
    pub not_null: Vec<String>,
}

/// The schema `schema` is or refers to.
fn resolve<'a, T: std::borrow::Borrow<openapiv3::Schema>>(
    spec: &'a openapiv3::OpenAPI,
    schema: &'a openapiv3::ReferenceOr<T>,
) -> Result<&'a openapiv3::Schema, String> {
    match schema {
        openapiv3::ReferenceOr::Item(schema) => Ok(schema.borrow()),
        openapiv3::ReferenceOr::Reference { reference } => {
            crate::refs::named::<openapiv3::Schema>(spec.components.as_ref(), reference)
                .map_err(|_| format!("cannot resolve {reference}"))
        }
    }
}

fn collect(
    spec: &openapiv3::OpenAPI,
    schema: &openapiv3::Schema,
    pointer: String,
    depth: usize,
    in_array: bool,
    rules: &mut Rules,
) -> Result<(), String> {
    use openapiv3::{SchemaKind, Type};
    if depth > 8 {
        return Ok(());
    }
    let unique_by = schema
        .schema_data
        .extensions
        .get("x-nordpay-unique-by")
        .map(|value| {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{pointer}: x-nordpay-unique-by is not a field name"))
        })
        .transpose()?;
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (name, property) in &object.properties {
                let property = resolve(spec, property)?;
                if !object.required.contains(name) && !property.schema_data.nullable {
                    rules.not_null.push(format!("{pointer}/{name}"));
                }
                collect(
                    spec,
                    property,
                    format!("{pointer}/{name}"),
                    depth + 1,
                    in_array,
                    rules,
                )?;
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            let rule =
                array.min_items.is_some() || array.max_items.is_some() || unique_by.is_some();
            if rule && !in_array {
                rules.arrays.push(ArrayRule {
                    pointer: pointer.clone(),
                    min_items: array.min_items,
                    max_items: array.max_items,
                    unique_by,
                });
            }
            if let Some(items) = &array.items {
                let items = resolve(spec, items)?;
                collect(spec, items, format!("{pointer}/*"), depth + 1, true, rules)?;
            }
        }
        SchemaKind::Type(Type::Integer(integer))
            if integer.minimum.is_some_and(|min| min >= 0) && integer.maximum.is_none() =>
        {
            use openapiv3::{IntegerFormat, VariantOrUnknownOrEmpty};
            let max = match &integer.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => i32::MAX as u64,
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => i64::MAX as u64,
                _ => return Ok(()),
            };
            rules.integers.push(IntegerRule { pointer, max });
        }
        _ => {}
    }
    Ok(())
}

/// `crate::runtime::Operation { .. }` for `row`.
pub fn operation(row: &OperationRow<'_>) -> TokenStream {
    let OperationRow {
        api,
        name,
        method,
        path,
        ..
    } = row;
    let option = |value: Option<&str>| match value {
        Some(value) => quote! { Some(#value) },
        None => quote! { None },
    };
    let (content_type, accept) = (option(row.content_type), option(row.accept));
    let retry = match &row.policy.retry {
        Retry::Safe => quote! { crate::runtime::RetryClass::Safe },
        Retry::Never => quote! { crate::runtime::RetryClass::Never },
        Retry::ResolveByLookup(lookup) => {
            quote! { crate::runtime::RetryClass::ResolveByLookup { lookup: #lookup } }
        }
    };
    let (deadline, attempt) = (
        row.policy.deadline_seconds,
        row.policy.attempt_timeout_seconds,
    );
    let confirmation_window = match row.policy.confirmation_window_seconds {
        Some(seconds) => quote! { Some(::std::time::Duration::from_secs(#seconds)) },
        None => quote! { None },
    };
    let rules = row.body_rules.iter().map(|rule| {
        let pointer = &rule.pointer;
        let count = |value: Option<usize>| match value {
            Some(value) => quote! { Some(#value) },
            None => quote! { None },
        };
        let (min, max) = (count(rule.min_items), count(rule.max_items));
        let unique_by = option(rule.unique_by.as_deref());
        quote! {
            crate::runtime::ArrayRule {
                pointer: #pointer,
                min_items: #min,
                max_items: #max,
                unique_by: #unique_by,
            }
        }
    });
    let integers = row.integer_rules.iter().map(|rule| {
        let (pointer, max) = (&rule.pointer, rule.max);
        quote! { crate::runtime::IntegerRule { pointer: #pointer, max: #max } }
    });
    let not_null = row.not_null.iter();
    let query_values = row.query_values.iter().map(|(name, values)| {
        quote! { crate::runtime::QueryValues { name: #name, values: &[#(#values),*] } }
    });
    let body_check = match &row.body_check {
        Some((name, function, body)) => {
            let function: TokenStream = function.parse().expect("body_checks name Rust paths");
            quote! {
                Some(crate::runtime::BodyCheck {
                    name: #name,
                    check: |body| match body.downcast_ref::<#body>() {
                        Some(body) => #function(body),
                        None => Ok(()),
                    },
                })
            }
        }
        None => quote! { None },
    };
    let bearer_requires = row
        .bearer_requires
        .iter()
        .map(|member| format!("/{member}"));
    quote! {
        crate::runtime::Operation {
            api: #api,
            name: #name,
            method: #method,
            path: #path,
            content_type: #content_type,
            accept: #accept,
            policy: crate::runtime::Policy {
                retry: #retry,
                deadline: ::std::time::Duration::from_secs(#deadline),
                attempt_timeout: ::std::time::Duration::from_secs(#attempt),
                confirmation_window: #confirmation_window,
            },
            body_rules: &[#(#rules),*],
            integer_rules: &[#(#integers),*],
            query_values: &[#(#query_values),*],
            not_null: &[#(#not_null),*],
            body_check: #body_check,
            bearer_requires: &[#(#bearer_requires),*],
        }
    }
}

/// `OUTCOME_UNKNOWN_CODES` from the spec's `x-nordpay-error-codes` (on the
/// error code property of a schema): the provider's error codes whose
/// refusal leaves the outcome unknown, each with its reason in the docs.
/// Nothing if the spec has no such table.
pub fn error_codes(spec: &openapiv3::OpenAPI) -> Result<TokenStream, String> {
    let schemas = spec.components.iter().flat_map(|c| c.schemas.iter());
    let mut table = None;
    for (name, schema) in schemas {
        let Some(openapiv3::Schema {
            schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)),
            ..
        }) = schema.as_item()
        else {
            continue;
        };
        for (property, value) in &object.properties {
            let Some(item) = value.as_item() else {
                continue;
            };
            if let Some(codes) = item.schema_data.extensions.get("x-nordpay-error-codes") {
                if table.is_some() {
                    return Err("x-nordpay-error-codes is given twice".into());
                }
                table = Some((format!("{name}.{property}"), codes.clone()));
            }
        }
    }
    let Some((at, codes)) = table else {
        return Ok(TokenStream::new());
    };
    let rows = codes
        .as_array()
        .ok_or_else(|| format!("{at}: x-nordpay-error-codes is not a list"))?;
    let mut unknown = Vec::new();
    let mut docs = vec![format!(
        "The error codes (`{at}`) whose refusal leaves the outcome unknown: it is \
         looked up, never taken as \"nothing done\" (from `x-nordpay-error-codes`)."
    )];
    for row in rows {
        let code = row["code"]
            .as_i64()
            .and_then(|code| i32::try_from(code).ok())
            .ok_or_else(|| format!("{at}: an error code is not a number: {row}"))?;
        let why = row["why"]
            .as_str()
            .ok_or_else(|| format!("{at}: code {code} has no `why`"))?;
        match row["outcome"].as_str() {
            Some("unknown") => unknown.push(code),
            Some("refused") => {}
            _ => {
                return Err(format!(
                    "{at}: code {code}: outcome is `unknown` or `refused`"
                ));
            }
        }
        docs.push(format!(
            "- {code} ({}): {why}",
            row["outcome"].as_str().unwrap_or("")
        ));
    }
    let doc = docs.join("\n");
    Ok(quote! {
        #[doc = #doc]
        pub const OUTCOME_UNKNOWN_CODES: &[i32] = &[#(#unknown),*];
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(fields: &[(&str, &str)]) -> Result<RuntimePolicy, String> {
        RuntimePolicy::read(|key| {
            fields
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn policies_are_read_and_checked() {
        let policy = read(&[
            ("retry", "resolve-by-lookup"),
            ("lookup", "getPaymentStatus"),
            ("deadline-seconds", "75"),
            ("why", "moves money"),
        ])
        .unwrap();
        assert_eq!(policy.lookup(), Some("getPaymentStatus"));
        assert_eq!(policy.attempt_timeout_seconds, 75);
        assert_eq!(policy.confirmation_window_seconds, None);
        for (fields, message) in [
            (
                vec![("deadline-seconds", "3"), ("why", "x")],
                "no retry class",
            ),
            (
                vec![
                    ("retry", "resolve-by-lookup"),
                    ("deadline-seconds", "3"),
                    ("why", "x"),
                ],
                "needs `lookup`",
            ),
            (
                vec![("retry", "sometimes"), ("why", "x")],
                "unknown retry class",
            ),
            (vec![("retry", "safe"), ("why", "x")], "no deadline-seconds"),
            (
                vec![("retry", "safe"), ("deadline-seconds", "0"), ("why", "x")],
                "not 1..=600",
            ),
            (
                vec![
                    ("retry", "safe"),
                    ("deadline-seconds", "5"),
                    ("attempt-timeout-seconds", "9"),
                    ("why", "x"),
                ],
                "longer than",
            ),
            (
                vec![("retry", "safe"), ("deadline-seconds", "5")],
                "no `why`",
            ),
        ] {
            let error = read(&fields).unwrap_err();
            assert!(error.contains(message), "{error}");
        }
    }
}
