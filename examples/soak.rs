//! The money soak (run by `cargo xtask soak [--ops N] [--seed S]
//! [--restarts K] [--concurrency C]`): see `nordpay::sandbox::soak`. The
//! merchant runs as a child process of this program (`soak merchant …`),
//! killed with SIGKILL and started again. The last line is
//! `soak: N ops, D double charges, L lost, P phantom, U unresolved`; it
//! exits non-zero unless all four are 0.

use std::process::{Command, ExitCode};

use nordpay::sandbox::soak::{Merchant, SoakConfig, run_with_processes};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("merchant") {
        return merchant(&args[1..]).await;
    }
    let mut config = SoakConfig::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--ops", Some(ops)) => config.ops = ops as usize,
            ("--seed", Some(seed)) => config.seed = seed,
            ("--concurrency", Some(n)) => config.concurrency = n as usize,
            ("--restarts", Some(n)) => config.restarts = n as usize,
            _ => {
                eprintln!("usage: soak [--ops N] [--seed S] [--concurrency C] [--restarts K]");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "seed {} (rerun with --seed {}), {} orders, {} at once, {} restarts",
        config.seed, config.seed, config.ops, config.concurrency, config.restarts
    );
    let Ok(program) = std::env::current_exe() else {
        eprintln!("soak: cannot find its own program to run the merchant");
        return ExitCode::FAILURE;
    };
    let report = run_with_processes(config, |merchant| {
        let mut command = Command::new(&program);
        command
            .arg("merchant")
            .arg(merchant.sandbox.as_str())
            .arg(&merchant.orders)
            .args([
                merchant.ops.to_string(),
                merchant.seed.to_string(),
                merchant.concurrency.to_string(),
            ]);
        command
    })
    .await;
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("soak: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{} restarts (SIGKILL), {} skipped, {:.1} s",
        report.restarts,
        report.skipped,
        report.elapsed.as_secs_f64()
    );
    for finding in &report.findings {
        println!("  {finding}");
    }
    println!("{report}");
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `soak merchant URL ORDERS OPS SEED CONCURRENCY`: the merchant process.
async fn merchant(args: &[String]) -> ExitCode {
    let [sandbox, orders, ops, seed, concurrency] = args else {
        eprintln!("usage: soak merchant URL ORDERS OPS SEED CONCURRENCY");
        return ExitCode::from(2);
    };
    let (Ok(sandbox), Ok(ops), Ok(seed), Ok(concurrency)) = (
        sandbox.parse(),
        ops.parse(),
        seed.parse(),
        concurrency.parse(),
    ) else {
        eprintln!("soak merchant: bad arguments");
        return ExitCode::from(2);
    };
    let merchant = Merchant {
        sandbox,
        orders: orders.into(),
        ops,
        seed,
        concurrency,
    };
    match merchant.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("soak merchant: {error}");
            ExitCode::FAILURE
        }
    }
}
