//! The rules of a request that the generated types cannot hold: a query's
//! open enum values, a body's rules (written by [`super::json_rules`]) and
//! its rule across fields, and how a broken one reads.

use super::operation::Operation;

/// The first query parameter of `query` (a URL's query string) whose value
/// `operation` does not list for it (see [`Operation::query_values`]).
pub(crate) fn check_query(operation: &Operation, query: Option<&str>) -> Result<(), BrokenRule> {
    let (Some(query), false) = (query, operation.query_values.is_empty()) else {
        return Ok(());
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let rule = operation.query_values.iter().find(|rule| rule.name == name);
        if let Some(rule) = rule
            && !rule.values.contains(&value.as_ref())
        {
            return Err(BrokenRule {
                path: name.into_owned(),
                message: format!("{value:?} is not one of {}", rule.values.join(", ")),
            });
        }
    }
    Ok(())
}

/// A broken rule: where (`recipients[3].reference`) and what. Never holds
/// a value of the body: they carry personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRule {
    /// The path of what breaks it, in the API's own notation.
    pub path: String,
    /// The rule.
    pub message: String,
}

impl std::fmt::Display for BrokenRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A value outside a documented set (a generated integer enum's number, a
/// service code not on the list); the name is the type's, the value the
/// caller's own input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {name}")]
pub struct InvalidValue {
    /// The type.
    pub name: &'static str,
    /// The rejected value.
    pub value: String,
}

/// The spec's rule across the fields of `body` (`x-nordpay-body-check`),
/// if `operation` has one.
pub(crate) fn check_typed<B: std::any::Any>(
    operation: &Operation,
    body: &B,
) -> Result<(), BrokenRule> {
    match operation.body_check {
        Some(check) => (check.check)(body),
        None => Ok(()),
    }
}
