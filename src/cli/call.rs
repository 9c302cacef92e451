//! From parsed flags to a call that can be sent: each value read as JSON by
//! its kind, the body put together, every value checked as the typed
//! client checks it, the URL and the credentials. Nothing is sent here.

use clap::ArgMatches;
use serde_json::Value;

use super::command::{Credentials, positional_id};
use super::table::{Command, Flag, Kind, Place, Values};
use super::{Call, Refused, env_prefix, usage_error};
use crate::apis::Api;
use crate::runtime::{Operation, check_json, check_query};

/// The checked call `matches` (of the operation's subcommand) asks for.
pub(super) fn prepare(
    api: Api,
    table: &Command,
    credentials: &Credentials,
    matches: &ArgMatches,
) -> Result<Call, Refused> {
    let set = |name: &str| {
        format!(
            "set {}_{name} or pass --{}",
            env_prefix(api),
            name.to_lowercase().replace('_', "-")
        )
    };
    let required = |value: &Option<String>, name: &str| {
        value
            .clone()
            .filter(|value| !value.is_empty())
            .ok_or_else(|| usage_error(set(name)))
    };
    let base = required(&credentials.url, "URL")?;
    let values = values(table, credentials, matches)?;
    (table.check)(&values).map_err(usage_error)?;
    check_body(table.operation, values.body.as_ref())?;
    let url = url_of(api, table.operation, &base, &values)?;
    check_query(table.operation, url.query()).map_err(|broken| usage_error(broken.to_string()))?;
    let authorization = match api {
        Api::Connect => crate::runtime::auth::basic(&required(&credentials.token, "API_KEY")?, ""),
        Api::DirectPayment => crate::runtime::auth::basic(
            &required(&credentials.username, "USERNAME")?,
            &required(&credentials.password, "PASSWORD")?,
        ),
        Api::PuzzelPay => format!("Bearer {}", required(&credentials.token, "JWT")?),
        Api::Mediaconnect => {
            format!("Bearer {}", required(&credentials.token, "ACCESS_TOKEN")?)
        }
    };
    Ok(Call {
        operation: table.operation,
        url,
        authorization,
        body: values.body,
    })
}

/// Every value given, as JSON by wire name; the body from `--body` with
/// its flags set on top.
fn values(
    table: &Command,
    credentials: &Credentials,
    matches: &ArgMatches,
) -> Result<Values, Refused> {
    let mut values = Values::default();
    let mut body = match matches.get_one::<String>("body") {
        Some(text) => Some(body_text(text)?),
        None => None,
    };
    for flag in table.flags {
        let Some(text) = given(flag, credentials, matches) else {
            continue;
        };
        let value = flag
            .kind
            .read(&text)
            .map_err(|why| usage_error(format!("--{}: {why}", flag.flag)))?;
        match flag.place {
            Place::Path => {
                if value
                    .as_str()
                    .is_some_and(|text| text.is_empty() || text.chars().any(char::is_control))
                {
                    return Err(usage_error(format!(
                        "{{{}}}: empty or control characters",
                        flag.wire
                    )));
                }
                values.path.push((flag.wire, value));
            }
            Place::Query => values.query.push((flag.wire.to_string(), value)),
            Place::Body(pointer) => set(
                body.get_or_insert_with(|| Value::Object(Default::default())),
                pointer,
                value,
            )
            .map_err(|why| usage_error(format!("--{}: {why}", flag.flag)))?,
        }
    }
    for pair in matches.get_many::<String>("query").into_iter().flatten() {
        let (name, text) = pair
            .split_once('=')
            .ok_or_else(|| usage_error(format!("--query {pair:?}: not NAME=VALUE")))?;
        let kind = table
            .flags
            .iter()
            .find(|flag| flag.place == Place::Query && flag.wire == name)
            .map_or(Kind::String, |flag| flag.kind);
        let value = kind
            .read(text)
            .map_err(|why| usage_error(format!("--query {name}: {why}")))?;
        values.query.retain(|(wire, _)| wire != name);
        values.query.push((name.to_string(), value));
    }
    values.body = body;
    Ok(values)
}

/// The text given for `flag`: its flag, its positional form, or for a path
/// parameter the API option of its name (Direct Payment's service ID).
fn given(flag: &Flag, credentials: &Credentials, matches: &ArgMatches) -> Option<String> {
    if flag.place == Place::Path && flag.flag == "service-id" {
        return credentials.service_id.clone();
    }
    let ids = [flag.flag.to_string(), positional_id(flag.flag)];
    ids.iter()
        .find_map(|id| matches.try_get_one::<String>(id).ok().flatten().cloned())
}

/// `--body`'s JSON, or a file's when it starts with `@`.
fn body_text(text: &str) -> Result<Value, Refused> {
    let text = match text.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| usage_error(format!("--body @{file}: {e}")))?,
        None => text.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| usage_error(format!("--body: not JSON: {e}")))
}

/// Sets the member at `pointer` (`/PaymentDetails/Price`), making the
/// objects on the way.
fn set(body: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let mut at = body;
    let mut names = pointer.split('/').skip(1).peekable();
    while let Some(name) = names.next() {
        let Value::Object(members) = at else {
            return Err(format!(
                "the body's {pointer} is inside something that is not an object"
            ));
        };
        if names.peek().is_none() {
            members.insert(name.to_string(), value);
            return Ok(());
        }
        at = members
            .entry(name.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    Ok(())
}

/// The call's URL: the API's base, the operation's path with its values
/// (each one segment, escaped), the query.
fn url_of(
    api: Api,
    operation: &Operation,
    base: &str,
    values: &Values,
) -> Result<url::Url, Refused> {
    let what = format!("{}_URL", env_prefix(api));
    let mut url: url::Url = base
        .parse()
        .map_err(|e| usage_error(format!("{what}: {e}")))?;
    crate::runtime::checks::base_url(&what, &url)
        .and_then(|()| crate::runtime::checks::tls(&what, url.as_str()))
        .map_err(usage_error)?;
    {
        let mut parts = url
            .path_segments_mut()
            .map_err(|()| usage_error(format!("{what} cannot take a path")))?;
        parts.pop_if_empty();
        for segment in operation.path.split('/').filter(|s| !s.is_empty()) {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let value = values
                        .path
                        .iter()
                        .find(|(wire, _)| *wire == name)
                        .map_or(String::new(), |(_, value)| text(value));
                    parts.push(&value);
                }
                None => {
                    parts.push(segment);
                }
            }
        }
    }
    if !values.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &values.query {
            pairs.append_pair(name, &text(value));
        }
    }
    Ok(url)
}

/// A value as it goes in a URL: a string as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A body only where the method sends one, and by the spec's body rules,
/// as the clients check them before sending.
fn check_body(operation: &Operation, body: Option<&Value>) -> Result<(), Refused> {
    let sends_body = matches!(operation.method, "POST" | "PUT" | "PATCH");
    match (body, sends_body) {
        (Some(_), false) => Err(usage_error(format!("{} takes no body", operation.method))),
        (Some(value), true) => {
            // As the client checks what it sends with the merchant's
            // credentials: nulls are left out, not refused.
            check_json(operation, Default::default(), value)
                .map_err(|broken| usage_error(broken.to_string()))
        }
        (None, _) => Ok(()),
    }
}
