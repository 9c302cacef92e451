//! `nordpay <api> <operation> [PATH-VALUE…] [--query NAME=VALUE…] [--body JSON|@FILE]`:
//! every REST operation of the four APIs from a shell (feature `cli`), for
//! operations staff who want one payment's status without writing Rust.
//!
//! The subcommands are the generated operation tables (`operations::ALL` of
//! each API, from the specs), so a new operation in a spec is a new
//! subcommand; a read's name may drop its `get-` (`payment-status`). Calls
//! go through the same runtime as the clients: the operation's deadline,
//! retry class and body rules. Credentials and base URLs come from the
//! environment; the answer is printed as JSON.
//!
//! Exit codes: 0 answered 2xx; 2 bad usage or input (nothing sent); 3 the
//! API refused (4xx); 4 the API failed or could not be reached (5xx,
//! transport), nothing done; 5 the outcome is unknown (the request may have
//! been received): look it up before repeating it.

use std::process::ExitCode;

use reqwest::Method;
use serde_json::Value;

use crate::apis::Api;
use crate::runtime::{ClientBuilder, Operation, TransportError, check_json};

/// Exit code: bad usage or input; nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the API refused the request (4xx).
pub const EXIT_REFUSED: u8 = 3;
/// Exit code: the API failed or could not be reached; nothing was done.
pub const EXIT_FAILED: u8 = 4;
/// Exit code: the request may have been received; the outcome is unknown.
pub const EXIT_UNKNOWN: u8 = 5;

/// The prefix of `api`'s environment variables (`NORDPAY_DIRECT_PAYMENT`).
fn env_prefix(api: Api) -> String {
    format!("NORDPAY_{}", api.name().to_uppercase())
}

/// `getPaymentStatus` → `get-payment-status`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The `{name}`s of a path template, in order.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn usage() -> String {
    let mut text = String::from(
        "usage: nordpay <api> <operation> [PATH-VALUE...] [--query NAME=VALUE...] [--body JSON|@FILE]\n",
    );
    for &api in Api::ALL {
        text.push_str(&format!(
            "\n{} ({}_URL, credentials: {}):\n",
            api.feature(),
            env_prefix(api),
            credentials_help(api)
        ));
        for operation in api.operations() {
            text.push_str(&format!(
                "  {:<28} {} {}\n",
                kebab(operation.name),
                operation.method,
                operation.path
            ));
        }
    }
    text
}

fn credentials_help(api: Api) -> String {
    let env = env_prefix(api);
    match api {
        Api::Connect => format!("{env}_API_KEY"),
        Api::DirectPayment => format!("{env}_SERVICE_ID, {env}_USERNAME, {env}_PASSWORD"),
        Api::PuzzelPay => format!("{env}_JWT"),
        Api::Mediaconnect => format!("{env}_ACCESS_TOKEN (a user's OAuth token)"),
    }
}

/// What the command line asks for, checked; nothing sent yet.
struct Call {
    operation: &'static Operation,
    url: url::Url,
    authorization: String,
    body: Option<Value>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL can hold an MSISDN or a reference, the header a credential.
        f.debug_struct("Call")
            .field("operation", &self.operation.name)
            .finish_non_exhaustive()
    }
}

fn usage_error(message: impl Into<String>) -> (u8, String) {
    (EXIT_USAGE, message.into())
}

/// A refusal of the command line: its exit code and what to say.
type Refused = (u8, String);

fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Call, Refused> {
    let [api_name, operation_name, rest @ ..] = args else {
        return Err(usage_error(usage()));
    };
    let (api, operation) = find_operation(api_name, operation_name)?;
    let required = |suffix: &str| {
        let name = format!("{}_{suffix}", env_prefix(api));
        env(&name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| usage_error(format!("set {name}")))
    };
    let Arguments {
        positional,
        query,
        body,
    } = arguments(rest)?;
    let segments = path_values(api, operation, positional, &required)?;
    let url = url_of(api, operation, &required("URL")?, &segments, &query)?;
    let authorization = match api {
        Api::Connect => crate::runtime::auth::basic(&required("API_KEY")?, ""),
        Api::DirectPayment => {
            crate::runtime::auth::basic(&required("USERNAME")?, &required("PASSWORD")?)
        }
        Api::PuzzelPay => format!("Bearer {}", required("JWT")?),
        Api::Mediaconnect => format!("Bearer {}", required("ACCESS_TOKEN")?),
    };
    check_body(operation, body.as_ref())?;
    Ok(Call {
        operation,
        url,
        authorization,
        body,
    })
}

/// The API and operation the first two arguments name. A read may drop
/// its `get-`: `payment-status` is `get-payment-status`.
fn find_operation(
    api_name: &str,
    operation_name: &str,
) -> Result<(Api, &'static Operation), Refused> {
    let api = Api::ALL
        .iter()
        .copied()
        .find(|api| api.feature() == api_name)
        .ok_or_else(|| usage_error(format!("unknown API {api_name:?}\n{}", usage())))?;
    let operation = api
        .operations()
        .iter()
        .find(|op| kebab(op.name) == operation_name)
        .or_else(|| {
            api.operations()
                .iter()
                .find(|op| kebab(op.name).strip_prefix("get-") == Some(operation_name))
        })
        .ok_or_else(|| {
            usage_error(format!(
                "{} has no operation {operation_name:?}\n{}",
                api.feature(),
                usage()
            ))
        })?;
    Ok((api, operation))
}

/// The arguments after the operation: path values, `--query` pairs, the body.
struct Arguments {
    positional: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

fn arguments(rest: &[String]) -> Result<Arguments, Refused> {
    let mut positional = Vec::new();
    let mut query = Vec::new();
    let mut body = None;
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--query" => {
                let pair = rest
                    .next()
                    .ok_or_else(|| usage_error("--query needs NAME=VALUE"))?;
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| usage_error(format!("--query {pair:?}: not NAME=VALUE")))?;
                query.push((name.to_string(), value.to_string()));
            }
            "--body" => {
                let text = rest
                    .next()
                    .ok_or_else(|| usage_error("--body needs JSON or @FILE"))?;
                let text = match text.strip_prefix('@') {
                    Some(file) => std::fs::read_to_string(file)
                        .map_err(|e| usage_error(format!("--body @{file}: {e}")))?,
                    None => text.clone(),
                };
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| usage_error(format!("--body: not JSON: {e}")))?;
                body = Some(value);
            }
            flag if flag.starts_with("--") => {
                return Err(usage_error(format!("unknown option {flag}")));
            }
            value => positional.push(value.to_string()),
        }
    }
    Ok(Arguments {
        positional,
        query,
        body,
    })
}

/// A value for each of the path's parameters, in order. Direct Payment's
/// service ID is configuration, not an argument.
fn path_values(
    api: Api,
    operation: &'static Operation,
    positional: Vec<String>,
    required: &dyn Fn(&str) -> Result<String, Refused>,
) -> Result<Vec<(&'static str, String)>, Refused> {
    let mut values = positional.into_iter();
    let mut segments = Vec::new();
    for parameter in path_parameters(operation.path) {
        let value = if api == Api::DirectPayment && parameter == "serviceId" {
            required("SERVICE_ID")?
        } else {
            values.next().ok_or_else(|| {
                usage_error(format!(
                    "{} {}: missing {{{parameter}}} ({} {})",
                    api.feature(),
                    kebab(operation.name),
                    operation.method,
                    operation.path
                ))
            })?
        };
        if value.is_empty() || value.chars().any(char::is_control) {
            return Err(usage_error(format!(
                "{{{parameter}}}: empty or control characters"
            )));
        }
        segments.push((parameter, value));
    }
    if let Some(extra) = values.next() {
        return Err(usage_error(format!("unexpected argument {extra:?}")));
    }
    Ok(segments)
}

/// The call's URL: the API's base, the operation's path with its values
/// (each one segment, escaped), the query.
fn url_of(
    api: Api,
    operation: &Operation,
    base: &str,
    segments: &[(&str, String)],
    query: &[(String, String)],
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
                    let value = segments
                        .iter()
                        .find(|(p, _)| *p == name)
                        .map_or("", |(_, value)| value.as_str());
                    parts.push(value);
                }
                None => {
                    parts.push(segment);
                }
            }
        }
    }
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in query {
            pairs.append_pair(name, value);
        }
    }
    Ok(url)
}

/// A body only where the method sends one, and by the spec's body rules,
/// as the clients check them before sending.
fn check_body(operation: &Operation, body: Option<&Value>) -> Result<(), Refused> {
    let sends_body = matches!(operation.method, "POST" | "PUT" | "PATCH");
    match (body, sends_body) {
        (Some(_), false) => Err(usage_error(format!("{} takes no body", operation.method))),
        (Some(value), true) => {
            check_json(operation, value).map_err(|broken| usage_error(broken.to_string()))?;
            if let Some(rule) = operation.body_check {
                (rule.check)(value).map_err(|broken| usage_error(broken.to_string()))?;
            }
            Ok(())
        }
        (None, _) => Ok(()),
    }
}

fn transport_exit(error: &TransportError) -> u8 {
    if error.is_outcome_unknown() {
        EXIT_UNKNOWN
    } else {
        EXIT_FAILED
    }
}

/// Run the command line `args` (without the program name) with `env`;
/// prints the answer on stdout, errors on stderr.
pub async fn run(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> ExitCode {
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let call = match parse(args, env) {
        Ok(call) => call,
        Err((code, message)) => {
            eprintln!("nordpay: {message}");
            return ExitCode::from(code);
        }
    };
    let runtime = match ClientBuilder::new(()).runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("nordpay: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let method =
        Method::from_bytes(call.operation.method.as_bytes()).expect("spec methods are valid");
    let mut request = runtime
        .http()
        .request(method, call.url)
        .header(reqwest::header::AUTHORIZATION, call.authorization);
    if let Some(body) = &call.body {
        request = request
            .header(
                reqwest::header::CONTENT_TYPE,
                call.operation.content_type.unwrap_or("application/json"),
            )
            .body(body.to_string());
    }
    let exchange = match runtime.exchange(call.operation, request).await {
        Ok(exchange) => exchange,
        Err(error) => {
            eprintln!("nordpay: {error}");
            return ExitCode::from(transport_exit(&error));
        }
    };
    let answer = match serde_json::from_slice::<Value>(&exchange.body) {
        Ok(json) => json,
        Err(_) if exchange.body.is_empty() => Value::Null,
        Err(_) => Value::String(String::from_utf8_lossy(&exchange.body).into_owned()),
    };
    let status = exchange.status.as_u16();
    println!(
        "{}",
        serde_json::to_string_pretty(&answer).expect("a JSON value prints")
    );
    match status {
        200..=299 => ExitCode::SUCCESS,
        400..=499 => {
            eprintln!("nordpay: HTTP {status}");
            ExitCode::from(EXIT_REFUSED)
        }
        _ => {
            eprintln!("nordpay: HTTP {status}");
            // A server error after sending: only a write's outcome is unknown.
            ExitCode::from(if call.operation.policy.retry.repeats_after_sending() {
                EXIT_FAILED
            } else {
                EXIT_UNKNOWN
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "NORDPAY_DIRECT_PAYMENT_URL" => {
                Some("http://127.0.0.1:9/direct-payment/restV1.svc".into())
            }
            "NORDPAY_DIRECT_PAYMENT_SERVICE_ID" => Some("1234".into()),
            "NORDPAY_DIRECT_PAYMENT_USERNAME" => Some("user".into()),
            "NORDPAY_DIRECT_PAYMENT_PASSWORD" => Some("secret".into()),
            _ => None,
        }
    }

    #[test]
    fn every_operation_of_every_api_is_a_subcommand() {
        let help = usage();
        for &api in Api::ALL {
            assert!(!api.operations().is_empty());
            for operation in api.operations() {
                assert!(help.contains(&kebab(operation.name)), "{}", operation.name);
            }
        }
        assert_eq!(kebab("getPaymentStatus"), "get-payment-status");
    }

    #[test]
    fn a_call_is_built_from_the_table_the_arguments_and_the_environment() {
        let call = parse(&args("direct-payment get-payment-status ref/1"), &env).unwrap();
        let short = parse(&args("direct-payment payment-status ref/1"), &env).unwrap();
        assert_eq!(short.operation.name, "getPaymentStatus");
        assert_eq!(call.operation.name, "getPaymentStatus");
        assert_eq!(
            call.url.as_str(),
            "http://127.0.0.1:9/direct-payment/restV1.svc/service/1234/pay/ref%2F1"
        );
        assert!(call.authorization.starts_with("Basic "));
        let shown = format!("{call:?}");
        assert!(
            !shown.contains("ref") && !shown.contains(&call.authorization),
            "{shown}"
        );
    }

    #[test]
    fn bad_input_is_refused_before_sending_with_exit_2() {
        for (line, says) in [
            ("", "usage"),
            ("paypal get", "unknown API"),
            ("direct-payment get-status x", "no operation"),
            ("direct-payment get-payment-status", "missing {payment}"),
            (
                "direct-payment get-payment-status a b",
                "unexpected argument",
            ),
            (
                "direct-payment get-payment-status a --body {}",
                "takes no body",
            ),
            ("direct-payment pay --body nope", "not JSON"),
            ("connect list-transactions", "NORDPAY_CONNECT_URL"),
        ] {
            let (code, message) = parse(&args(line), &env).unwrap_err();
            assert_eq!(code, EXIT_USAGE, "{line}");
            assert!(message.contains(says), "{line}: {message}");
        }
    }
}
