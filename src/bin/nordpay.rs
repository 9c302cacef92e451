//! `nordpay <api> <operation> …`: see [`nordpay::cli`]. `nordpay --help`
//! lists every operation and the environment variables each API reads.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    nordpay::cli::run(&args, &|name| std::env::var(name).ok()).await
}
