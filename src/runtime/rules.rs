//! The rules of a request body that the generated types cannot hold (the
//! spec's `minItems`, `maxItems` and `x-nordpay-unique-by`), checked on the
//! JSON about to be sent, and by the sandbox on the JSON it receives.

use std::collections::HashSet;

use serde_json::Value;

use super::operation::{ArrayRule, IntegerRule, Operation};

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

/// The first rule of `operation`'s body that `body` breaks: its array rules,
/// then its body check. A body that is not JSON, or an array that is absent,
/// breaks none: the generated types judge those.
pub fn check_body(operation: &Operation, body: &[u8]) -> Result<(), BrokenRule> {
    if !has_rules(operation) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    check_json(operation, &value)
}

/// Whether `operation`'s body has rules the generated types do not hold.
pub(crate) fn has_rules(operation: &Operation) -> bool {
    !operation.body_rules.is_empty()
        || !operation.integer_rules.is_empty()
        || operation.body_check.is_some()
}

/// The first rule of `operation`'s body that `body`, parsed already, breaks.
pub(crate) fn check_json(operation: &Operation, body: &Value) -> Result<(), BrokenRule> {
    check_value(operation.body_rules, body)?;
    operation
        .integer_rules
        .iter()
        .try_for_each(|rule| check_integer(rule, body))?;
    match operation.body_check {
        Some(check) => (check.check)(body),
        None => Ok(()),
    }
}

/// The first member of `operation.bearer_requires` that `body` lacks (or
/// holds as null): checked only for requests with a user's access token.
/// A body that is not JSON breaks none: the generated types judge it.
pub fn check_bearer_body(operation: &Operation, body: &[u8]) -> Result<(), BrokenRule> {
    if operation.bearer_requires.is_empty() {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    check_bearer_json(operation, &value)
}

/// [`check_bearer_body`] of a body parsed already.
pub(crate) fn check_bearer_json(operation: &Operation, value: &Value) -> Result<(), BrokenRule> {
    match operation
        .bearer_requires
        .iter()
        .find(|pointer| value.pointer(pointer).is_none_or(Value::is_null))
    {
        Some(pointer) => Err(BrokenRule {
            path: pointer.trim_start_matches('/').replace('/', "."),
            message: "required when a user's access token authenticates the request".into(),
        }),
        None => Ok(()),
    }
}

/// The first number at `rule.pointer` over its maximum; the path names
/// the item (`recipients[3].payment.amount`).
fn check_integer(rule: &IntegerRule, body: &Value) -> Result<(), BrokenRule> {
    let max = rule.max;
    each_at(body, rule.pointer, |value| {
        let over = match value.as_u64() {
            Some(n) => n > max,
            None => value.as_f64().is_some_and(|n| n > max as f64),
        };
        over.then(|| format!("more than {max}"))
    })
}

/// The first member at one of `pointers` that is null: optional members
/// the spec does not mark nullable are left out when absent, never null.
#[cfg(any(test, feature = "sandbox"))]
pub(crate) fn check_not_null(pointers: &[&str], body: &Value) -> Result<(), BrokenRule> {
    pointers.iter().try_for_each(|pointer| {
        each_at(body, pointer, |value| {
            value
                .is_null()
                .then(|| "null is not a value here; leave it out".to_string())
        })
    })
}

/// `broken` of each value at `pointer` (every item of an array where it
/// says `*`); its first complaint, with the path of the value.
fn each_at(
    body: &Value,
    pointer: &str,
    mut broken: impl FnMut(&Value) -> Option<String>,
) -> Result<(), BrokenRule> {
    fn walk(
        value: &Value,
        segments: &[&str],
        path: &mut String,
        broken: &mut dyn FnMut(&Value) -> Option<String>,
    ) -> Result<(), BrokenRule> {
        let Some((segment, rest)) = segments.split_first() else {
            return match broken(value) {
                Some(message) => Err(BrokenRule {
                    path: path.clone(),
                    message,
                }),
                None => Ok(()),
            };
        };
        let before = path.len();
        if *segment == "*" {
            for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                path.push_str(&format!("[{index}]"));
                walk(item, rest, path, broken)?;
                path.truncate(before);
            }
            return Ok(());
        }
        let Some(child) = value.get(*segment) else {
            return Ok(());
        };
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(segment);
        walk(child, rest, path, broken)
    }
    let segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    walk(body, &segments, &mut String::new(), &mut broken)
}

/// The first rule of `rules` that `body` breaks.
fn check_value(rules: &[ArrayRule], body: &Value) -> Result<(), BrokenRule> {
    rules.iter().try_for_each(|rule| check(rule, body))
}

fn check(rule: &ArrayRule, body: &Value) -> Result<(), BrokenRule> {
    let Some(items) = body.pointer(rule.pointer).and_then(Value::as_array) else {
        return Ok(());
    };
    let path = rule.pointer.trim_start_matches('/').replace('/', ".");
    let count = items.len();
    let broken = |path: String, message: String| Err(BrokenRule { path, message });
    match (rule.min_items, rule.max_items) {
        (Some(min), Some(max)) if count < min || count > max => {
            return broken(path, format!("{count} items; {min} to {max} allowed"));
        }
        (Some(min), None) if count < min => {
            return broken(path, format!("{count} items; at least {min} needed"));
        }
        (None, Some(max)) if count > max => {
            return broken(path, format!("{count} items; at most {max} allowed"));
        }
        _ => {}
    }
    if let Some(field) = rule.unique_by {
        let mut seen = HashSet::with_capacity(count);
        for (index, item) in items.iter().enumerate() {
            if let Some(key) = item.get(field)
                && !seen.insert(key)
            {
                return broken(
                    format!("{path}[{index}].{field}"),
                    format!("the same as an earlier item's; each {field} is unique"),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_past_their_format_are_found_in_every_item() {
        let rule = IntegerRule {
            pointer: "/recipients/*/payment/amount",
            max: i64::MAX as u64,
        };
        let body = |second: &str| -> Value {
            serde_json::from_str(&format!(
                r#"{{"recipients": [{{"payment": {{"amount": 100}}}}, {{"payment": {{"amount": {second}}}}}]}}"#
            ))
            .unwrap()
        };
        assert_eq!(check_integer(&rule, &body("9223372036854775807")), Ok(()));
        let broken = check_integer(&rule, &body("9223372036854775808")).unwrap_err();
        assert_eq!(broken.path, "recipients[1].payment.amount");
        assert!(check_integer(&rule, &body("1e30")).is_err());
    }

    const RULES: &[ArrayRule] = &[ArrayRule {
        pointer: "/batch/recipients",
        min_items: Some(1),
        max_items: Some(3),
        unique_by: Some("reference"),
    }];

    fn check(body: &str) -> Result<(), String> {
        let operation = Operation {
            body_rules: RULES,
            ..crate::runtime::context::UNKNOWN
        };
        check_body(&operation, body.as_bytes()).map_err(|broken| broken.to_string())
    }

    #[test]
    fn counts_and_unique_fields_are_checked_without_echoing_values() {
        let refs = |refs: &[&str]| {
            let items: Vec<String> = refs
                .iter()
                .map(|r| format!(r#"{{"reference":"{r}"}}"#))
                .collect();
            format!(r#"{{"batch":{{"recipients":[{}]}}}}"#, items.join(","))
        };
        assert_eq!(check(&refs(&["a", "b", "c"])), Ok(()));
        assert_eq!(
            check(&refs(&[])),
            Err("batch.recipients: 0 items; 1 to 3 allowed".into())
        );
        assert_eq!(
            check(&refs(&["a", "b", "c", "d"])),
            Err("batch.recipients: 4 items; 1 to 3 allowed".into())
        );
        let duplicate = check(&refs(&["secret-ref", "b", "secret-ref"])).unwrap_err();
        assert_eq!(
            duplicate,
            "batch.recipients[2].reference: the same as an earlier item's; each reference is unique"
        );
        assert!(!duplicate.contains("secret-ref"));
        // Absent arrays and bodies that are not JSON are the generated types' to judge.
        assert_eq!(check(r#"{"batch":{}}"#), Ok(()));
        assert_eq!(check("not json"), Ok(()));
    }
}
