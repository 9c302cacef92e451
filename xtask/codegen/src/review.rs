//! What a change to one of our specs does to the users of the generated
//! API, for the reviewer of a spec PR (`cargo xtask review --base <ref>`).
//!
//! Both versions become [`drift`](crate::drift) facts (with limits); each
//! difference is classified. Breaking means: code that builds requests
//! through the generated builders and reads response fields stops compiling
//! or starts failing — a removed operation, parameter or response field, a
//! new required request field or parameter, a type change, a response field
//! whose optionality changed (its Rust type did), a removed enum value, a
//! value added to a response enum (exhaustive matches), a narrowed request
//! limit, a removed SOAP operation or member.

use std::fmt::Write as _;

use crate::drift::Facts;

/// One difference, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The fact's key (`field POST /transactions request.orderId`).
    pub key: String,
    /// What the base said, if it had the fact.
    pub old: Option<String>,
    /// What the change says, if it has the fact.
    pub new: Option<String>,
    /// Whether users' code breaks.
    pub breaking: bool,
    /// Why, in a few words.
    pub why: String,
}

/// Where a field is: in a request (users write it) or a response (they read it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
    Neither,
}

fn side(key: &str) -> Side {
    // `field {METHOD} {path} request.x` / `field {METHOD} {path} 200.x`,
    // `parameter …`, `enum field …`, `limits field …`, `enum parameter …`.
    let rest = key
        .strip_prefix("enum ")
        .or_else(|| key.strip_prefix("limits "))
        .unwrap_or(key);
    if rest.starts_with("parameter ") {
        return Side::Request;
    }
    if let Some(field) = rest.strip_prefix("field ") {
        let mut words = field.split(' ');
        let _method = words.next();
        let _path = words.next();
        return match words.next() {
            Some(place) if place.starts_with("request") => Side::Request,
            Some(_) => Side::Response,
            None => Side::Neither,
        };
    }
    Side::Neither
}

fn required(fact: &str) -> bool {
    fact.ends_with(", required")
}

fn kind(fact: &str) -> &str {
    fact.trim_end_matches(", required")
}

fn values(fact: &str) -> Vec<&str> {
    fact.split(", ").filter(|v| !v.is_empty()).collect()
}

/// `keyword=value` pairs of a `limits` fact.
fn limits(fact: &str) -> Vec<(&str, &str)> {
    fact.split(' ')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

/// Whether the new limits admit less than the old ones.
fn narrowed(old: &str, new: &str) -> Option<String> {
    let (old, new) = (limits(old), limits(new));
    let number = |pairs: &[(&str, &str)], keyword: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == keyword)
            .and_then(|(_, v)| v.parse::<f64>().ok())
    };
    let text = |pairs: &[(&str, &str)], keyword: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == keyword)
            .map(|(_, v)| v.to_string())
    };
    let mut why = Vec::new();
    for upper in ["maxLength", "maximum", "maxItems", "exclusiveMaximum"] {
        match (number(&old, upper), number(&new, upper)) {
            (Some(o), Some(n)) if n < o => why.push(format!("{upper} {o} -> {n}")),
            (None, Some(n)) => why.push(format!("new {upper} {n}")),
            _ => {}
        }
    }
    for lower in ["minLength", "minimum", "minItems", "exclusiveMinimum"] {
        match (number(&old, lower), number(&new, lower)) {
            (Some(o), Some(n)) if n > o => why.push(format!("{lower} {o} -> {n}")),
            (None, Some(n)) if n > 0.0 => why.push(format!("new {lower} {n}")),
            _ => {}
        }
    }
    match (text(&old, "pattern"), text(&new, "pattern")) {
        (o, Some(n)) if o.as_deref() != Some(n.as_str()) => {
            why.push("pattern changed (it may admit less)".into());
        }
        _ => {}
    }
    if text(&old, "uniqueItems").as_deref() != Some("true")
        && text(&new, "uniqueItems").as_deref() == Some("true")
    {
        why.push("items must now be unique".into());
    }
    (!why.is_empty()).then(|| why.join(", "))
}

fn classify(key: &str, old: Option<&str>, new: Option<&str>) -> (bool, String) {
    let side = side(key);
    let is = |prefix: &str| key.starts_with(prefix);
    match (old, new) {
        (None, Some(new)) => {
            if is("enum ") {
                return match side {
                    Side::Response => (true, "a response enum gained values".into()),
                    _ => (false, "values added".into()),
                };
            }
            if is("limits ") {
                return match side {
                    Side::Request => (true, format!("request now limited: {new}")),
                    _ => (false, "limits added to an answer".into()),
                };
            }
            if (is("parameter ") || side == Side::Request) && required(new) {
                return (true, "a new required request field or parameter".into());
            }
            (false, "added".into())
        }
        (Some(_), None) => {
            if is("enum ") {
                return (true, "an enum lost all its listed values".into());
            }
            if is("limits ") {
                return (false, "limits removed".into());
            }
            if is("field ") && side == Side::Request {
                return (
                    true,
                    "a request field removed (its builder method goes)".into(),
                );
            }
            (true, "removed".into())
        }
        (Some(old), Some(new)) => {
            if is("enum ") {
                let (old_values, new_values) = (values(old), values(new));
                let removed: Vec<&str> = old_values
                    .iter()
                    .filter(|v| !new_values.contains(v))
                    .copied()
                    .collect();
                let added: Vec<&str> = new_values
                    .iter()
                    .filter(|v| !old_values.contains(v))
                    .copied()
                    .collect();
                if !removed.is_empty() {
                    return (true, format!("values removed: {}", removed.join(", ")));
                }
                return match side {
                    Side::Response => {
                        (true, format!("response values added: {}", added.join(", ")))
                    }
                    _ => (false, format!("values added: {}", added.join(", "))),
                };
            }
            if is("limits ") {
                return match (side, narrowed(old, new)) {
                    (Side::Request, Some(why)) => (true, format!("narrowed: {why}")),
                    (Side::Request, None) => (false, "widened".into()),
                    _ => (false, "an answer's limits".into()),
                };
            }
            if kind(old) != kind(new) {
                return (true, "type changed".into());
            }
            match (side, required(old), required(new)) {
                (Side::Response, _, _) => (true, "optionality changed (its Rust type did)".into()),
                (_, false, true) => (true, "now required".into()),
                (_, true, false) => (false, "now optional".into()),
                _ => (true, "changed".into()),
            }
        }
        (None, None) => (false, String::new()),
    }
}

/// Every difference between `old` and `new`, classified, in key order.
pub fn review(old: &Facts, new: &Facts) -> Vec<Change> {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    // "GET /path" of each operation the new spec adds: what it takes breaks no caller.
    let added: Vec<&str> = keys
        .iter()
        .filter(|key| !old.contains_key(**key))
        .filter_map(|key| key.strip_prefix("operation "))
        .collect();
    let of_added = |key: &str| {
        added
            .iter()
            .any(|op| key.ends_with(&format!(" {op}")) || key.contains(&format!(" {op} ")))
    };
    keys.into_iter()
        .filter_map(|key| {
            let (o, n) = (old.get(key), new.get(key));
            if o == n {
                return None;
            }
            let (breaking, why) = if of_added(key) {
                (false, "part of an added operation".to_string())
            } else {
                classify(key, o.map(String::as_str), n.map(String::as_str))
            };
            Some(Change {
                key: key.clone(),
                old: o.cloned(),
                new: n.cloned(),
                breaking,
                why,
            })
        })
        .collect()
}

/// A markdown section for one spec: a table, breaking changes first.
pub fn markdown(title: &str, changes: &[Change]) -> String {
    let mut out = format!("## {title}\n\n");
    if changes.is_empty() {
        out.push_str("No change to the generated API.\n");
        return out;
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let _ = writeln!(
        out,
        "{} change(s), **{breaking} breaking**.\n\n| | what | before | after | why |\n|---|---|---|---|---|",
        changes.len()
    );
    let cell = |text: &Option<String>| match text {
        Some(text) if text.is_empty() => "(present)".to_string(),
        Some(text) => format!("`{}`", text.replace('|', "\\|")),
        None => "—".to_string(),
    };
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by_key(|c| !c.breaking);
    for change in sorted {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            if change.breaking {
                "**breaking**"
            } else {
                "ok"
            },
            change.key.replace('|', "\\|"),
            cell(&change.old),
            cell(&change.new),
            change.why
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::facts_with_limits;

    const BASE: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - {name: dryRun, in: query, schema: {type: boolean}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [orderId]
              properties:
                orderId: {type: string, maxLength: 100}
                kind: {type: string, enum: [CHARGE, RESERVE]}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
                  state: {type: string, enum: [STARTED, COMPLETED]}
                  note: {type: string}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
"#;

    /// The one change `edit` makes, classified.
    fn one(edit: (&str, &str)) -> Change {
        let old = facts_with_limits(BASE, None).unwrap();
        assert!(BASE.contains(edit.0), "{:?}", edit.0);
        let new = facts_with_limits(&BASE.replacen(edit.0, edit.1, 1), None).unwrap();
        let changes = review(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        changes.into_iter().next().unwrap()
    }

    #[test]
    fn each_kind_of_change_is_classified() {
        let cases: [(&str, (&str, &str), bool, &str); 10] = [
            (
                "removed response field",
                ("                  note: {type: string}\n", ""),
                true,
                "201.note",
            ),
            (
                "new required request field",
                ("required: [orderId]", "required: [orderId, kind]"),
                true,
                "request.kind",
            ),
            (
                "new optional request field",
                (
                    "                kind:",
                    "                memo: {type: string}\n                kind:",
                ),
                false,
                "request.memo",
            ),
            (
                "narrowed request limit",
                ("maxLength: 100", "maxLength: 50"),
                true,
                "limits",
            ),
            (
                "widened request limit",
                ("maxLength: 100", "maxLength: 200"),
                false,
                "limits",
            ),
            (
                "removed request enum value",
                ("[CHARGE, RESERVE]", "[CHARGE]"),
                true,
                "enum",
            ),
            (
                "added request enum value",
                ("[CHARGE, RESERVE]", "[CHARGE, RESERVE, REFUND]"),
                false,
                "enum",
            ),
            (
                "added response enum value",
                ("[STARTED, COMPLETED]", "[STARTED, COMPLETED, FAILED]"),
                true,
                "enum",
            ),
            (
                "response field now optional",
                ("                required: [id]\n", ""),
                true,
                "201.id",
            ),
            (
                "new required query parameter",
                (
                    "{name: dryRun, in: query, schema",
                    "{name: dryRun, in: query, required: true, schema",
                ),
                true,
                "query:dryRun",
            ),
        ];
        for (name, edit, breaking, key) in cases {
            let change = one(edit);
            assert_eq!(change.breaking, breaking, "{name}: {change:?}");
            assert!(change.key.contains(key), "{name}: {change:?}");
        }
    }

    #[test]
    fn what_an_added_operation_takes_breaks_no_caller() {
        let old = facts_with_limits(BASE, None).unwrap();
        let added = "  /orders/{id}/refunds:\n    post:\n      operationId: refundOrder\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string, maxLength: 12}}\n        - {name: amount, in: query, required: true, schema: {type: integer, minimum: 1}}\n      responses:\n        \"200\": {description: ok}\n";
        let new = facts_with_limits(&format!("{BASE}{added}"), None).unwrap();
        let changes = review(&old, &new);
        assert!(changes.len() > 2, "{changes:#?}");
        assert!(
            changes.iter().any(|c| c.key.contains("query:amount")),
            "{changes:#?}"
        );
        assert!(changes.iter().all(|c| !c.breaking), "{changes:#?}");
        // The same parameter made required on an operation that was there is breaking.
        let required = one((
            "{name: dryRun, in: query, schema",
            "{name: dryRun, in: query, required: true, schema",
        ));
        assert!(required.breaking);
    }

    #[test]
    fn a_removed_operation_is_breaking_and_the_summary_says_so() {
        let old = facts_with_limits(BASE, None).unwrap();
        let cut = BASE.find("  /orders/{id}:").unwrap();
        let new = facts_with_limits(&BASE[..cut], None).unwrap();
        let changes = review(&old, &new);
        assert!(changes.iter().all(|c| c.breaking), "{changes:#?}");
        assert!(
            changes.iter().any(|c| c.key == "operation GET /orders/{}"),
            "{changes:#?}"
        );
        let text = markdown("t", &changes);
        assert!(
            text.contains(&format!(
                "{} change(s), **{} breaking**",
                changes.len(),
                changes.len()
            )),
            "{text}"
        );
        assert_eq!(
            markdown("t", &[]),
            "## t\n\nNo change to the generated API.\n"
        );
    }
}
