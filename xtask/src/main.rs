//! `cargo xtask` — maintainer tasks.
//!
//! - `cargo xtask codegen [API…]`: regenerate the clients and rewrite their
//!   pinned snapshots (and the JSON Schema snapshots of the request types).
//! - `cargo xtask codegen --check [API…]`: fail, with a diff, when the specs,
//!   the generator and the snapshots disagree.
//! - `cargo xtask bench-build [--rounds N]`: cold build time of
//!   a service using nordpay against a bare reqwest + serde_json service.
//! - `cargo xtask soak [--ops N] [--seed S] [--restarts K] [--dev]`: a
//!   merchant's orders through the resolving calls under a random fault
//!   schedule, the merchant (a child process) killed and started again, the
//!   sandbox's ledger held against its orders (runs `examples/soak.rs`, in
//!   release unless `--dev`; its last line is the verdict).
//! - `cargo xtask review --base <git-ref>`: markdown of what the specs'
//!   change since `git-ref` does to the generated API, breaking or not.
//! - `cargo xtask fuzz [--seconds S] [--jobs J] [--dev] [TARGET…]`: every fuzz target of `fuzz/`
//!   with cargo-fuzz (nightly); last line `fuzz: T targets, E execs, C crashes`.
//! - `cargo xtask bench-sandbox [--seconds S] [--records N]`: the sandbox's
//!   main write operations under wrk against a bare axum baseline, and again
//!   with N records stored (flatness); bytes per record.
//! - `cargo xtask drift <api> <file-or-URL>`: the routes, fields, enum values
//!   and SOAP names a provider-published OpenAPI/Swagger document or WSDL has
//!   added, removed or changed against our spec; non-zero exit on a difference.

mod bench_build;
mod bench_sandbox;
mod drift;
mod fuzz;
mod review;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use nordpay_codegen::{APIS, ClientSpec, generate, snapshot};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Asked for, the usage is an answer, not an error.
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", usage());
        return ExitCode::SUCCESS;
    }
    match args.split_first() {
        Some((task, rest)) if task == "codegen" => codegen(rest),
        Some((task, rest)) if task == "bench-build" => bench_build::run(&root(), rest),
        Some((task, rest)) if task == "soak" => soak(rest),
        Some((task, rest)) if task == "fuzz" => fuzz::run(&root(), rest),
        Some((task, rest)) if task == "drift" => drift::run(&root(), rest),
        Some((task, rest)) if task == "bench-sandbox" => bench_sandbox::run(&root(), rest),
        Some((task, rest)) if task == "review" => review::run(&root(), rest),
        Some((task, [])) if task == "features" => {
            // One cargo feature a line: the one list of APIs, for CI's loops.
            for api in snapshot::APIS {
                println!("{}", api.feature);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{}", usage());
            ExitCode::from(2)
        }
    }
}

/// Every task with its arguments, and the APIs.
fn usage() -> String {
    [
        "usage: cargo xtask codegen [--check] [API...]",
        "       cargo xtask bench-build [--rounds N]",
        "       cargo xtask soak [--ops N] [--seed S] [--restarts K] [--dev]",
        "       cargo xtask fuzz [--seconds S] [--runs N] [--jobs J] [--dev] [TARGET...]",
        "       cargo xtask drift <api> <file-or-URL>",
        "       cargo xtask bench-sandbox [--seconds S] [--records N]",
        "       cargo xtask review --base <git-ref>",
        "       cargo xtask features   (the APIs' cargo features, one a line)",
        &format!("APIs: {}", names().join(", ")),
    ]
    .join("\n")
}

fn names() -> Vec<&'static str> {
    APIS.iter().map(|api| api.name).collect()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn codegen(args: &[String]) -> ExitCode {
    let check = args.iter().any(|a| a == "--check");
    let selected: Vec<&str> = args
        .iter()
        .filter(|a| *a != "--check")
        .map(String::as_str)
        .collect();
    let apis: Vec<&ClientSpec> = if selected.is_empty() {
        APIS.iter().collect()
    } else {
        let mut apis = Vec::new();
        for name in &selected {
            match nordpay_codegen::api(name) {
                Some(api) => apis.push(api),
                None => {
                    eprintln!("unknown API `{name}`; known: {}", names().join(", "));
                    return ExitCode::from(2);
                }
            }
        }
        apis
    };

    let root = root();
    let mut stale = 0;
    for api in apis {
        let generated = match generate(api, &root) {
            Ok(generated) => generated,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let again = generate(api, &root).map(|g| g.source).unwrap_or_default();
        if again != generated.source {
            eprintln!("error: {}: the generator is not deterministic", api.spec);
            return ExitCode::FAILURE;
        }
        println!("{} ({})", api.name, api.spec);
        for rewrite in &generated.rewrites {
            println!("  normalize: {rewrite}");
        }

        let path = root.join(snapshot::snapshot_path(api.name));
        let pinned = std::fs::read_to_string(&path).ok();
        let pinned_body = pinned.as_deref().and_then(snapshot::snapshot_body);
        let fresh = pinned_body.as_deref() == Some(generated.source.as_str());
        if check {
            if !fresh {
                stale += 1;
                eprintln!(
                    "stale: {} does not match what {} generates:",
                    path.display(),
                    api.spec
                );
                let old = pinned_body.unwrap_or_default();
                let diff = similar::TextDiff::from_lines(&old, &generated.source);
                eprint!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header("pinned", "generated")
                );
            }
        } else if !fresh {
            if let Err(error) = std::fs::write(&path, snapshot::render_snapshot(&generated.source))
            {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
            println!("  updated {}", path.display());
        }
    }

    if check {
        if stale > 0 {
            eprintln!("{stale} snapshot(s) stale: run `cargo xtask codegen` and review the diff");
            return ExitCode::FAILURE;
        }
        println!("snapshots are up to date");
        return ExitCode::SUCCESS;
    }
    update_schema_snapshots(&root)
}

/// The JSON Schemas of the request types are pinned by an insta test; let it
/// rewrite them from the regenerated types.
fn update_schema_snapshots(root: &Path) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "1")
        .args([
            "test",
            "--quiet",
            "--all-features",
            "--test",
            "it",
            "--",
            "json_schema::",
        ])
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("error: updating the JSON Schema snapshots failed ({status})");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The soak runs in its own process, built against the current code: xtask
/// itself does not depend on nordpay, so that codegen works on broken specs.
fn soak(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `--dev` builds the soak without optimisations (quicker to build, as CI wants).
    let dev = args.iter().any(|arg| arg == "--dev");
    let profile: &[&str] = if dev { &[] } else { &["--release"] };
    let status = Command::new(cargo)
        .current_dir(root())
        .args(["run", "--quiet"])
        .args(profile)
        .args(["--features", "sandbox", "--example", "soak", "--"])
        .args(args.iter().filter(|arg| *arg != "--dev"))
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
