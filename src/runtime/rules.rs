//! The rules of a request body that the generated types cannot hold (the
//! spec's `minItems`, `maxItems` and `x-nordpay-unique-by`), checked on the
//! JSON about to be sent, and by the sandbox on the JSON it receives.

use std::collections::HashSet;

use serde_json::Value;

use super::operation::{ArrayRule, Operation};

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
    if operation.body_rules.is_empty() && operation.body_check.is_none() {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    check_json(operation, &value)
}

/// The first rule of `operation`'s body that `body`, parsed already, breaks.
pub(crate) fn check_json(operation: &Operation, body: &Value) -> Result<(), BrokenRule> {
    check_value(operation.body_rules, body)?;
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
