//! `nordpay <api> <operation> [PATH-VALUE…] [--FLAG VALUE…] [--query NAME=VALUE…] [--body JSON|@FILE]`:
//! every REST operation of the four APIs from a shell (feature `cli`), for
//! operations staff who want one payment's status without writing Rust.
//!
//! The subcommands and their flags are the generated `command_line` tables
//! of each API (from the specs, beside the clients), so a new operation or
//! parameter in a spec is a new subcommand or flag; a read's name may drop
//! its `get-` (`payment-status`). Each value is read as the type the typed
//! client takes, and the spec's body rules apply, before anything is sent.
//! Calls go through the same runtime as the clients: the operation's
//! deadline and retry class. Credentials and base URLs are flags or
//! environment variables; the answer is printed as JSON.
//!
//! `nordpay reconcile REPORT… --expected FILE` holds Puzzel Pay's daily
//! reports against the merchant's view (see `puzzel_pay::report`).
//!
//! Exit codes: 0 answered 2xx; 2 bad usage or input (nothing sent); 3 the
//! API refused (4xx); 4 the API failed or could not be reached (5xx,
//! transport), nothing done; 5 the outcome is unknown (the request may have
//! been received): look it up before repeating it.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::FromArgMatches;
use reqwest::Method;
use serde_json::Value;

use crate::apis::Api;
use crate::runtime::{ClientBuilder, Operation, TransportError};

mod call;
mod command;
mod reconcile;
pub(crate) mod table;

pub use reconcile::EXIT_DIFFERENCES;

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

fn usage_error(message: impl Into<String>) -> Refused {
    (EXIT_USAGE, message.into())
}

/// A refusal of the command line: its exit code and what to say.
type Refused = (u8, String);

/// What the command line asks for.
enum Asked {
    /// Help, the version or completions: printed already.
    Printed,
    /// A command that runs without calling an API: its exit code.
    Finished(u8),
    /// A call, checked.
    Call(Call),
}

/// Parses `args` (with the program's name) into a checked call.
fn parse(args: Vec<OsString>) -> Result<Asked, Refused> {
    let matches = match command::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let code = error.exit_code();
            let _ = error.print();
            return match code {
                0 => Ok(Asked::Printed),
                _ => Err((EXIT_USAGE, String::new())),
            };
        }
    };
    let (api_name, api_matches) = matches
        .subcommand()
        .ok_or_else(|| usage_error("no subcommand"))?;
    match command::Builtin::from_arg_matches(&matches) {
        Ok(command::Builtin::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut command::command(),
                "nordpay",
                &mut std::io::stdout(),
            );
            return Ok(Asked::Printed);
        }
        Ok(command::Builtin::Reconcile(args)) => {
            let code = reconcile::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
            return Ok(Asked::Finished(code));
        }
        Err(_) => {}
    }
    let api = Api::ALL
        .iter()
        .copied()
        .find(|api| api.feature() == api_name)
        .ok_or_else(|| usage_error(format!("unknown API {api_name:?}")))?;
    let (operation_name, operation_matches) = api_matches
        .subcommand()
        .ok_or_else(|| usage_error("no operation"))?;
    let table = api
        .commands()
        .iter()
        .find(|table| table.name == operation_name)
        .ok_or_else(|| usage_error(format!("no operation {operation_name:?}")))?;
    let credentials =
        command::credentials(api, api_matches).map_err(|error| usage_error(error.to_string()))?;
    call::prepare(api, table, &credentials, operation_matches).map(Asked::Call)
}

fn transport_exit(error: &TransportError) -> u8 {
    if error.is_outcome_unknown() {
        EXIT_UNKNOWN
    } else {
        EXIT_FAILED
    }
}

/// Runs the command line `args` (without the program's name): prints
/// the answer on stdout, errors on stderr, and gives the exit code.
pub async fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut argv = vec![OsString::from("nordpay")];
    argv.extend(args.into_iter().map(Into::into));
    let call = match parse(argv) {
        Ok(Asked::Call(call)) => call,
        Ok(Asked::Printed) => return ExitCode::SUCCESS,
        Ok(Asked::Finished(code)) => return ExitCode::from(code),
        Err((code, message)) => {
            if !message.is_empty() {
                eprintln!("nordpay: {message}");
            }
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

    const DIRECT_PAYMENT: &str = "direct-payment --url http://127.0.0.1:9/direct-payment/restV1.svc \
        --service-id 1234 --username user --password secret";

    fn args(text: &str) -> Vec<OsString> {
        std::iter::once("nordpay")
            .chain(text.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    fn call(text: &str) -> Result<Call, Refused> {
        match parse(args(text))? {
            Asked::Call(call) => Ok(call),
            Asked::Printed | Asked::Finished(_) => panic!("{text}: printed"),
        }
    }

    #[test]
    fn every_operation_of_every_api_is_a_subcommand_with_sound_flags() {
        let command = command::command();
        command.clone().debug_assert();
        for &api in Api::ALL {
            let api_command = command.find_subcommand(api.feature()).unwrap();
            assert_eq!(api.commands().len(), api.operations().len());
            for (table, operation) in api.commands().iter().zip(api.operations()) {
                assert_eq!(table.operation, operation);
                assert!(
                    api_command.find_subcommand(table.name).is_some(),
                    "{}",
                    operation.name
                );
            }
        }
        let status = Api::DirectPayment
            .commands()
            .iter()
            .find(|table| table.operation.name == "getPaymentStatus")
            .unwrap();
        assert_eq!(status.name, "get-payment-status");
    }

    #[test]
    fn a_call_is_built_from_the_table_the_arguments_and_the_credentials() {
        let call = call(&format!("{DIRECT_PAYMENT} get-payment-status ref/1")).unwrap();
        let short = super::tests::call(&format!("{DIRECT_PAYMENT} payment-status --payment ref/1"))
            .unwrap();
        assert_eq!(short.operation.name, "getPaymentStatus");
        assert_eq!(call.operation.name, "getPaymentStatus");
        assert_eq!(
            call.url.as_str(),
            "http://127.0.0.1:9/direct-payment/restV1.svc/service/1234/pay/ref%2F1"
        );
        assert_eq!(short.url, call.url);
        assert!(call.authorization.starts_with("Basic "));
        let shown = format!("{call:?}");
        assert!(
            !shown.contains("ref") && !shown.contains(&call.authorization),
            "{shown}"
        );
    }

    #[test]
    fn body_flags_set_members_over_the_body_and_are_typed() {
        let call = call(&format!(
            "{DIRECT_PAYMENT} pay --msisdn +4799999999 --price 2500 --service-code 06005 \
             --client-reference order-1 --body {{\"PaymentDetails\":{{\"Price\":1}}}}"
        ))
        .unwrap();
        let body = call.body.unwrap();
        assert_eq!(body["PaymentDetails"]["Price"], 2500);
        assert_eq!(body["PaymentDetails"]["ServiceCode"], "06005");
        assert_eq!(body["PaymentDetails"]["ClientReference"], "order-1");
    }

    #[test]
    fn bad_input_is_refused_before_sending_with_exit_2() {
        let pay = format!("{DIRECT_PAYMENT} pay --msisdn +4799999999 --service-code 06005");
        for (line, says) in [
            (
                format!("{DIRECT_PAYMENT} get-payment-status"),
                "missing {payment}",
            ),
            (
                format!("{DIRECT_PAYMENT} get-payment-status a --body {{}}"),
                "takes no body",
            ),
            (format!("{DIRECT_PAYMENT} pay --body nope"), "not JSON"),
            (format!("{DIRECT_PAYMENT} pay"), "a body is needed"),
            (
                format!("{pay} --price -5 --client-reference x"),
                "price -5 is negative",
            ),
            (format!("{pay} --price 2500 --client-reference"), ""),
            (
                format!(
                    "{DIRECT_PAYMENT} pay --msisdn 12 --service-code 06005 --price 2500 \
                     --client-reference x"
                ),
                "Msisdn",
            ),
            (format!("{pay} --price x"), "--price: not a whole number"),
            (
                "connect list-transactions".to_string(),
                "NORDPAY_CONNECT_URL",
            ),
        ] {
            let (code, message) = call(&line).unwrap_err();
            assert_eq!(code, EXIT_USAGE, "{line}");
            assert!(message.contains(says), "{line}: {message}");
        }
        // What clap refuses (an unknown API, operation or flag) exits 2 too.
        for line in [
            "paypal get",
            "direct-payment get-status x",
            "connect list-transactions --frob",
        ] {
            assert_eq!(call(line).unwrap_err().0, EXIT_USAGE, "{line}");
        }
    }

    #[test]
    fn an_empty_client_reference_is_refused_as_the_client_refuses_it() {
        let (code, message) = call(&format!(
            "{DIRECT_PAYMENT} pay --msisdn +4799999999 --service-code 06005 --price 2500 \
             --body {{\"PaymentDetails\":{{\"ClientReference\":\"\"}}}}"
        ))
        .unwrap_err();
        assert_eq!(code, EXIT_USAGE);
        assert!(message.contains("ClientReference"), "{message}");
    }
}
