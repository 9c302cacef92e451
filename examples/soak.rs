//! The money soak (run by `cargo xtask soak [--ops N] [--seed S]`): see
//! `nordpay::sandbox::soak`. Its last line is
//! `soak: N ops, D double charges, L lost, U unresolved`; it exits non-zero
//! unless all three (and phantoms) are 0.

use std::process::ExitCode;

use nordpay::sandbox::soak::{SoakConfig, run};

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = SoakConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--ops", Some(ops)) => config.ops = ops as usize,
            ("--seed", Some(seed)) => config.seed = seed,
            ("--concurrency", Some(n)) => config.concurrency = n as usize,
            _ => {
                eprintln!("usage: soak [--ops N] [--seed S] [--concurrency C]");
                return ExitCode::from(2);
            }
        }
    }
    let report = match run(config).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("soak: cannot start the sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "seed {}, {} faults scripted, {} phantom (reported done, nothing moved), {} skipped, {:.1} s",
        config.seed,
        report.faults,
        report.phantom,
        report.skipped,
        report.elapsed.as_secs_f64()
    );
    println!("{report}");
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
