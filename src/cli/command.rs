//! The command line as clap sees it: `nordpay <api> [credentials] <operation>
//! [flags]`, the operations and their flags from the generated tables, the
//! credentials with their environment variables, and `completions`.

use clap::{Arg, ArgAction, Args, Command as Clap, FromArgMatches, Subcommand};

use super::table::{Command, Place};
use crate::apis::Api;

/// Where an API is and who calls it. Every value may come from the
/// environment (`NORDPAY_<API>_…`); a flag wins.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    pub(crate) url: Option<String>,
    /// CONNECT's API key, Puzzel Pay's JWT or a Mediaconnect user's token.
    pub(crate) token: Option<String>,
    /// Direct Payment's service ID, user and password.
    pub(crate) service_id: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

macro_rules! credentials {
    ($name:ident, $prefix:literal, { $($field:ident : $flag:literal => $env:literal, $secret:literal, $help:literal;)* }) => {
        #[derive(Args, Debug)]
        struct $name {
            #[arg(long, global = true, env = concat!($prefix, "_URL"), value_name = "URL",
                  help = "The API's base URL", help_heading = "Credentials")]
            url: Option<String>,
            $(
                #[arg(long = $flag, global = true, env = concat!($prefix, "_", $env),
                      hide_env_values = $secret, help = $help, help_heading = "Credentials")]
                $field: Option<String>,
            )*
        }

        impl From<$name> for Credentials {
            fn from(given: $name) -> Credentials {
                #[allow(unused_mut)]
                let mut credentials = Credentials { url: given.url, ..Credentials::default() };
                $( credentials.$field = given.$field; )*
                credentials
            }
        }
    };
}

credentials!(ConnectCredentials, "NORDPAY_CONNECT", {
    token: "api-key" => "API_KEY", true, "The merchant's API key";
});
credentials!(DirectPaymentCredentials, "NORDPAY_DIRECT_PAYMENT", {
    service_id: "service-id" => "SERVICE_ID", false, "The service ID from the Puzzel service desk";
    username: "username" => "USERNAME", false, "The service's user name";
    password: "password" => "PASSWORD", true, "The service's password";
});
credentials!(PuzzelPayCredentials, "NORDPAY_PUZZEL_PAY", {
    token: "jwt" => "JWT", true, "The merchant's JWT";
});
credentials!(MediaconnectCredentials, "NORDPAY_MEDIACONNECT", {
    token: "access-token" => "ACCESS_TOKEN", true, "A user's OAuth access token";
});

// The subcommands that are not an API (no doc comment: it would become
// the command's about).
#[derive(Subcommand, Debug)]
pub(crate) enum Builtin {
    /// Print a completion script for a shell (`nordpay completions bash > …`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Hold Puzzel Pay's daily reports (CSV or OCR) against the merchant's
    /// view and print every difference; exit 1 when there is any.
    Reconcile(super::reconcile::ReconcileArgs),
}

/// The whole command line.
pub(crate) fn command() -> Clap {
    let mut top = Clap::new("nordpay")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Every REST operation of Telenor CONNECT Payment, Direct Payment, Puzzel Pay and Mediaconnect from a shell; the answer as JSON")
        .after_help(
            "Exit codes: 0 answered 2xx; 2 bad usage or input (nothing sent); 3 the API refused (4xx); \
             4 the API failed or could not be reached, nothing done; 5 the outcome is unknown: \
             look it up before repeating it. `reconcile`: 0 agree, 1 differ, 2 a file cannot be read.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true);
    top = Builtin::augment_subcommands(top);
    for &api in Api::ALL {
        top = top.subcommand(api_command(api));
    }
    top
}

fn api_command(api: Api) -> Clap {
    let command = Clap::new(api.feature())
        .about(api.title())
        .subcommand_required(true)
        .arg_required_else_help(true);
    let mut command = match api {
        Api::Connect => ConnectCredentials::augment_args(command),
        Api::DirectPayment => DirectPaymentCredentials::augment_args(command),
        Api::PuzzelPay => PuzzelPayCredentials::augment_args(command),
        Api::Mediaconnect => MediaconnectCredentials::augment_args(command),
    };
    let options: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(str::to_string))
        .collect();
    for table in api.commands() {
        command = command.subcommand(operation_command(table, &options));
    }
    command
}

/// The credentials `matches` (of the API's subcommand) hold.
pub(crate) fn credentials(
    api: Api,
    matches: &clap::ArgMatches,
) -> Result<Credentials, clap::Error> {
    Ok(match api {
        Api::Connect => ConnectCredentials::from_arg_matches(matches)?.into(),
        Api::DirectPayment => DirectPaymentCredentials::from_arg_matches(matches)?.into(),
        Api::PuzzelPay => PuzzelPayCredentials::from_arg_matches(matches)?.into(),
        Api::Mediaconnect => MediaconnectCredentials::from_arg_matches(matches)?.into(),
    })
}

/// The id of the positional form of a path flag.
pub(crate) fn positional_id(flag: &str) -> String {
    format!("{flag}@path")
}

/// One operation: a positional and a flag per path parameter (an API
/// option of the same name, Direct Payment's `--service-id`, fills it),
/// a flag per query and body parameter, `--query` and `--body`.
fn operation_command(table: &Command, api_options: &[String]) -> Clap {
    let operation = table.operation;
    let mut command = Clap::new(table.name)
        .about(format!(
            "{} — {} {}",
            table.about, operation.method, operation.path
        ))
        .allow_negative_numbers(true);
    if let Some(short) = table.name.strip_prefix("get-") {
        command = command.visible_alias(short);
    }
    for flag in table.flags {
        if api_options.iter().any(|option| option == flag.flag) {
            continue;
        }
        let help = match (flag.place, flag.required) {
            (Place::Query, true) => format!("{} (required)", flag.help),
            _ => flag.help.to_string(),
        };
        let mut arg = Arg::new(flag.flag)
            .long(flag.flag)
            .value_name(flag.kind.value_name())
            .help(help)
            .allow_hyphen_values(true);
        if flag.place == Place::Path {
            command = command.arg(
                Arg::new(positional_id(flag.flag))
                    .value_name(flag.flag.to_uppercase().replace('-', "_"))
                    .help(format!("{} (or --{})", flag.help, flag.flag))
                    .conflicts_with(flag.flag),
            );
            arg = arg.hide_short_help(true);
        }
        command = command.arg(arg);
    }
    command
        .arg(
            Arg::new("query")
                .long("query")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help("A query parameter by its wire name"),
        )
        .arg(
            Arg::new("body")
                .long("body")
                .value_name("JSON|@FILE")
                .help("The JSON body, or a file holding it; the body's flags change it"),
        )
}
