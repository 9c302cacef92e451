//! What the generated `command_line` tables are made of: per operation its
//! flags (from the spec's parameters and body) and a check that reads every
//! value as the type the typed client takes.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::runtime::Operation;

/// One operation as a subcommand.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Command {
    /// The subcommand (`get-payment-status`).
    pub(crate) name: &'static str,
    /// The operation it sends.
    pub(crate) operation: &'static Operation,
    /// The spec's summary, for `--help`.
    pub(crate) about: &'static str,
    /// A flag per path, query and body parameter.
    pub(crate) flags: &'static [Flag],
    /// Reads each value as its generated type: what the typed client
    /// would refuse is refused here, before anything is sent.
    pub(crate) check: fn(&Values) -> Result<(), String>,
}

/// One flag of a subcommand.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flag {
    /// Its name on the command line (`client-reference`).
    pub(crate) flag: &'static str,
    /// Its name on the wire (`ClientReference`).
    pub(crate) wire: &'static str,
    /// Where its value goes.
    pub(crate) place: Place,
    /// How its text becomes JSON.
    pub(crate) kind: Kind,
    /// Whether the spec requires it (path and query parameters).
    pub(crate) required: bool,
    /// The spec's description, first sentence.
    pub(crate) help: &'static str,
}

/// Where a flag's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A member of the JSON body, by JSON pointer (`/PaymentDetails/Price`).
    Body(&'static str),
}

/// How a flag's text becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// As it is.
    String,
    /// A whole number (negative ones too: the type judges them).
    Integer,
    /// A number.
    // No spec has one yet; the generator writes it for `type: number`.
    #[allow(dead_code)]
    Number,
    /// `true` or `false`.
    Boolean,
    /// JSON text (objects, arrays).
    Json,
}

impl Kind {
    /// The JSON value of `text`, or why it is none.
    pub(crate) fn read(self, text: &str) -> Result<Value, String> {
        let number = || serde_json::from_str::<serde_json::Number>(text).ok();
        match self {
            Kind::String => Ok(Value::String(text.to_string())),
            Kind::Integer => number()
                .filter(|n| n.is_i64() || n.is_u64())
                .map(Value::Number)
                .ok_or_else(|| "not a whole number".to_string()),
            Kind::Number => number()
                .map(Value::Number)
                .ok_or_else(|| "not a number".to_string()),
            Kind::Boolean => match text {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err("not true or false".to_string()),
            },
            Kind::Json => serde_json::from_str(text).map_err(|e| format!("not JSON: {e}")),
        }
    }

    /// What `--help` shows as the value's name.
    pub(crate) fn value_name(self) -> &'static str {
        match self {
            Kind::String => "TEXT",
            Kind::Integer => "INTEGER",
            Kind::Number => "NUMBER",
            Kind::Boolean => "BOOL",
            Kind::Json => "JSON",
        }
    }
}

/// The values of one call, as JSON, by wire name: what the check reads.
#[derive(Default)]
pub(crate) struct Values {
    pub(crate) path: Vec<(&'static str, Value)>,
    pub(crate) query: Vec<(String, Value)>,
    pub(crate) body: Option<Value>,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values carry MSISDNs and references.
        f.debug_struct("Values").finish_non_exhaustive()
    }
}

impl Values {
    /// Reads path parameter `name` as `T`.
    pub(crate) fn path<T: DeserializeOwned>(&self, name: &str) -> Result<(), String> {
        let value = self
            .path
            .iter()
            .find(|(wire, _)| *wire == name)
            .map(|(_, value)| value)
            .ok_or_else(|| format!("missing {{{name}}}"))?;
        T::deserialize(value)
            .map(drop)
            .map_err(|e| format!("{{{name}}}: {e}"))
    }

    /// Reads query parameter `name` as `T` (an `Option` when it may be left out).
    pub(crate) fn query<T: DeserializeOwned>(&self, name: &str) -> Result<(), String> {
        let value = self
            .query
            .iter()
            .find(|(wire, _)| wire == name)
            .map_or(&Value::Null, |(_, value)| value);
        T::deserialize(value).map(drop).map_err(|e| match value {
            Value::Null => format!("missing query parameter {name}"),
            _ => format!("query parameter {name}: {e}"),
        })
    }

    /// Reads the body as `T`, naming the member that breaks it, and checks
    /// `operation`'s rule across its fields, as the typed client does.
    pub(crate) fn body<T: DeserializeOwned + 'static>(
        &self,
        operation: &crate::runtime::Operation,
    ) -> Result<(), String> {
        let Some(body) = &self.body else {
            return Err("a body is needed: --body JSON|@FILE, or the body's flags".into());
        };
        let body: T = serde_path_to_error::deserialize(body).map_err(|e| {
            match e.path().to_string().as_str() {
                "." => format!("body: {}", e.inner()),
                path => format!("body {path}: {}", e.inner()),
            }
        })?;
        crate::runtime::check_typed(operation, &body).map_err(|broken| broken.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_text_becomes_json_by_kind() {
        assert_eq!(Kind::Integer.read("-5").unwrap(), serde_json::json!(-5));
        assert!(Kind::Integer.read("2.5").is_err());
        assert_eq!(Kind::Number.read("2.5").unwrap(), serde_json::json!(2.5));
        assert_eq!(Kind::Boolean.read("true").unwrap(), Value::Bool(true));
        assert!(Kind::Boolean.read("yes").is_err());
        assert_eq!(Kind::String.read("007").unwrap(), serde_json::json!("007"));
        assert_eq!(Kind::Json.read("[1]").unwrap(), serde_json::json!([1]));
    }

    #[test]
    fn values_are_read_as_types_and_say_which_broke() {
        let values = Values {
            path: vec![("payment", serde_json::json!("abc"))],
            query: vec![("limit".into(), serde_json::json!(-1))],
            body: Some(serde_json::json!({"a": {"b": "x"}})),
        };
        assert_eq!(values.path::<String>("payment"), Ok(()));
        assert!(
            values
                .path::<i64>("payment")
                .unwrap_err()
                .starts_with("{payment}")
        );
        assert_eq!(
            values.path::<String>("other").unwrap_err(),
            "missing {other}"
        );
        assert!(values.query::<u32>("limit").unwrap_err().contains("limit"));
        assert_eq!(values.query::<Option<u32>>("offset"), Ok(()));
        assert_eq!(
            values.query::<u32>("offset").unwrap_err(),
            "missing query parameter offset"
        );
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            a: Inner,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            b: u32,
        }
        assert!(
            values
                .body::<Outer>(&crate::runtime::context::UNKNOWN)
                .unwrap_err()
                .starts_with("body a.b:")
        );
        assert!(format!("{values:?}").find("abc").is_none());
    }
}
