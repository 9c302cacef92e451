//! The runtime table: each operation's retry class, deadline and attempt
//! timeout, read from the spec (`x-nordpay-runtime` on an OpenAPI operation,
//! `nordpay:retry`, `nordpay:lookup`, `nordpay:deadline-seconds`,
//! `nordpay:attempt-timeout-seconds` and `nordpay:why` on a WSDL binding
//! operation) and turned into `crate::runtime::Operation` constants.

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
        let why = get("why").ok_or("no `why`: say why this class and these times")?;
        Ok(Self {
            retry,
            deadline_seconds,
            attempt_timeout_seconds,
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
        format!(
            "Retry: {}. Deadline {} s, attempt timeout {} s. {}",
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
            },
        }
    }
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
