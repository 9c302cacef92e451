//! `nordpay <api> <operation> …`: see [`nordpay::cli`]. `nordpay --help`
//! lists every API, `nordpay <api> --help` its operations and credentials.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    nordpay::cli::run(std::env::args_os().skip(1)).await
}
