//! `cargo xtask bench-build`: the cold build time of a service that depends on
//! nordpay with one API, against a bare service with the same HTTP stack
//! (reqwest with rustls, serde_json), built side by side with the same command.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const BASELINE_MAIN: &str = r#"fn main() {
    let client = reqwest::Client::builder().build().expect("client");
    let body = serde_json::json!({ "orderId": "4d35310c" });
    println!("{client:?} {body}");
}
"#;

const NORDPAY_MAIN: &str = r#"use nordpay::connect::{Auth, Client, Environment};

fn main() {
    let client = Client::builder(Environment::Staging, Auth::api_key("key")).build().expect("client");
    let body = serde_json::json!({ "orderId": "4d35310c" });
    println!("{client:?} {body}");
}
"#;

struct Case {
    name: &'static str,
    dependencies: String,
    main: &'static str,
}

fn cases(root: &Path) -> Vec<Case> {
    // The same reqwest features nordpay uses, so only nordpay's own cost differs.
    let reqwest = r#"reqwest = { version = "0.13.5", default-features = false, features = ["rustls", "http2", "json", "query", "stream"] }"#;
    let serde_json = r#"serde_json = "1""#;
    let nordpay = |features: &str| {
        format!(
            "nordpay = {{ path = {:?}, default-features = false, features = [{features}] }}",
            root.display().to_string()
        )
    };
    vec![
        Case {
            name: "baseline (reqwest rustls + serde_json)",
            dependencies: format!("{reqwest}\n{serde_json}\n"),
            main: BASELINE_MAIN,
        },
        // What a service gets with default features and one API: the
        // clients generated at build time.
        Case {
            name: "nordpay, connect (default: codegen)",
            dependencies: format!(
                "{}\n{serde_json}\n",
                nordpay(r#""connect", "codegen", "rustls-aws-lc""#)
            ),
            main: NORDPAY_MAIN,
        },
        Case {
            name: "nordpay, connect without codegen",
            dependencies: format!(
                "{}\n{serde_json}\n",
                nordpay(r#""connect", "rustls-aws-lc""#)
            ),
            main: NORDPAY_MAIN,
        },
    ]
}

fn write_case(dir: &Path, root: &Path, case: &Case) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"bench-service\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\n{}",
            case.dependencies
        ),
    )?;
    std::fs::write(dir.join("src/main.rs"), case.main)?;
    // Same dependency versions as the workspace, so both sides build the same crates.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    Ok(())
}

fn cold_build(dir: &Path) -> Result<Duration, String> {
    let target = dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| e.to_string())?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let start = Instant::now();
    let status = Command::new(cargo)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .args(["build", "--quiet"])
        .status()
        .map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("cargo build failed in {}", dir.display()));
    }
    Ok(elapsed)
}

/// Run the bench: `rounds` cold builds of each case, interleaved.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let base = root.join("target/bench-build");
    let cases = cases(root);
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for round in 1..=rounds {
        for (index, case) in cases.iter().enumerate() {
            let dir = base.join(format!("case{index}"));
            if let Err(error) = write_case(&dir, root, case) {
                eprintln!("error: {}: {error}", dir.display());
                return ExitCode::FAILURE;
            }
            match cold_build(&dir) {
                Ok(elapsed) => {
                    println!(
                        "round {round}: {:<40} {:>7.1} s",
                        case.name,
                        elapsed.as_secs_f64()
                    );
                    times[index].push(elapsed);
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let median = |runs: &mut Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2].as_secs_f64()
    };
    let baseline = median(&mut times[0]);
    println!("\ncold `cargo build` (debug), median of {rounds} round(s), 2 cores:");
    for (case, runs) in cases.iter().zip(times.iter_mut()) {
        let secs = median(runs);
        println!(
            "  {:<40} {secs:>7.1} s   {:.2}x baseline",
            case.name,
            secs / baseline
        );
    }
    ExitCode::SUCCESS
}
