//! `cargo xtask fuzz [--seconds S] [--runs N] [--jobs J] [--dev] [TARGET…]`:
//! every fuzz target of `fuzz/` (or those named) for S seconds each (default
//! 60), or for N executions each (however long they take), J targets at once
//! (default 1), with cargo-fuzz on the nightly toolchain (installed if
//! missing). `--dev` builds without optimisations: half the build time for
//! a tenth of the executions, what a smoke run in CI wants. Corpora start from
//! `fuzz/seeds/<target>` and the test fixtures. The last line is
//! `fuzz: T targets, E execs, C crashes`; a crash leaves its input in
//! `fuzz/artifacts/<target>/` and fails the task.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

const USAGE: &str =
    "usage: cargo xtask fuzz [--seconds S] [--runs N] [--jobs J] [--dev] [TARGET...]";

/// The fuzz targets, from `fuzz/Cargo.toml`.
fn targets(fuzz: &Path) -> Vec<String> {
    let manifest = fs::read_to_string(fuzz.join("Cargo.toml")).unwrap_or_default();
    let mut targets = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(name) = line.strip_prefix("name = ") {
            targets.push(name.trim_matches('"').to_string());
        }
    }
    targets
}

/// Fill `fuzz/corpus/<target>` from the seeds (and, for CONNECT, the test
/// fixtures, behind a status byte).
fn seed(root: &Path, target: &str) -> std::io::Result<()> {
    let corpus = root.join("fuzz/corpus").join(target);
    fs::create_dir_all(&corpus)?;
    if let Ok(seeds) = fs::read_dir(root.join("fuzz/seeds").join(target)) {
        for seed in seeds.flatten() {
            fs::copy(seed.path(), corpus.join(seed.file_name()))?;
        }
    }
    if target == "connect_response" {
        for fixture in fs::read_dir(root.join("tests/fixtures/connect"))?.flatten() {
            let path = fixture.path();
            if path.extension().is_some_and(|e| e == "json") {
                let mut input = vec![0u8];
                input.extend(fs::read(&path)?);
                fs::write(corpus.join(fixture.file_name()), input)?;
            }
        }
    }
    Ok(())
}

/// The cargo-fuzz this task installs when it finds none (`.ci/tools` reads
/// it from here too).
const CARGO_FUZZ: &str = "0.13.2";

fn cargo_fuzz_installed() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `stat::number_of_executed_units: N` from libFuzzer's final stats.
fn executions(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
        .filter_map(|n| n.trim().parse().ok())
        .next_back()
        .unwrap_or(0)
}

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let mut seconds = 60u64;
    let mut runs = None;
    let mut jobs = 1usize;
    let mut dev = false;
    let mut selected = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--dev" {
            dev = true;
        } else if arg == "--seconds" || arg == "--runs" || arg == "--jobs" {
            match args.next().and_then(|s| s.parse::<u64>().ok()) {
                Some(n) if arg == "--seconds" => seconds = n,
                Some(n) if arg == "--runs" => runs = Some(n),
                Some(n) if n > 0 => jobs = usize::try_from(n).unwrap_or(usize::MAX),
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            }
        } else {
            selected.push(arg.clone());
        }
    }
    let fuzz = root.join("fuzz");
    let all = targets(&fuzz);
    let chosen: Vec<String> = if selected.is_empty() {
        all.clone()
    } else {
        selected
    };
    if let Some(unknown) = chosen.iter().find(|t| !all.contains(t)) {
        eprintln!("unknown fuzz target `{unknown}`; known: {}", all.join(", "));
        return ExitCode::from(2);
    }
    if !cargo_fuzz_installed() {
        eprintln!("installing cargo-fuzz");
        let installed = Command::new("cargo")
            .args(["install", "--locked", &format!("cargo-fuzz@{CARGO_FUZZ}")])
            .status();
        if !installed.is_ok_and(|s| s.success()) {
            eprintln!("cannot install cargo-fuzz");
            return ExitCode::FAILURE;
        }
    }
    for target in &chosen {
        if let Err(error) = seed(root, target) {
            eprintln!("{target}: cannot seed the corpus: {error}");
            return ExitCode::FAILURE;
        }
    }
    // Built first, all in one cargo call: runs side by side would each wait
    // for the build lock.
    let mut build = cargo_fuzz(&fuzz, "build", dev);
    // cargo fuzz builds one target or every one.
    if let [only] = chosen.as_slice()
        && all.len() > 1
    {
        build.arg(only);
    }
    if !build.status().is_ok_and(|s| s.success()) {
        eprintln!("the fuzz targets do not build");
        return ExitCode::FAILURE;
    }
    let logs = fuzz.join("logs");
    if let Err(error) = fs::create_dir_all(&logs) {
        eprintln!("cannot make {}: {error}", logs.display());
        return ExitCode::FAILURE;
    }
    let (mut total, mut crashes) = (0u64, 0usize);
    let mut waiting = chosen.iter();
    let mut running: Vec<(&String, Child)> = Vec::new();
    loop {
        while running.len() < jobs
            && let Some(target) = waiting.next()
        {
            match start(&fuzz, &logs, target, dev, runs, seconds) {
                Ok(child) => running.push((target, child)),
                Err(error) => {
                    eprintln!("{target}: cannot run cargo fuzz: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        if running.is_empty() {
            break;
        }
        let mut index = 0;
        while index < running.len() {
            let status = match running[index].1.try_wait() {
                Ok(Some(status)) => status.success(),
                Ok(None) => {
                    index += 1;
                    continue;
                }
                Err(_) => false,
            };
            let (target, _) = running.swap_remove(index);
            let log = fs::read_to_string(logs.join(format!("{target}.log"))).unwrap_or_default();
            let execs = executions(&log);
            total += execs;
            if status {
                println!("{target}: {execs} execs, no crash");
            } else {
                crashes += 1;
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                eprintln!(
                    "{target}: CRASH after {execs} execs; the input is in fuzz/artifacts/{target}/"
                );
                for line in tail.into_iter().rev() {
                    eprintln!("  {line}");
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "fuzz: {} targets, {total} execs, {crashes} crashes",
        chosen.len()
    );
    if crashes == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo +nightly fuzz <verb>` with the build settings: `build` and `run`
/// must share them, or each run would build again.
fn cargo_fuzz(fuzz: &Path, verb: &str, dev: bool) -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(fuzz)
        .args(["+nightly", "fuzz", verb, "--sanitizer", "none"]);
    if dev {
        command.arg("--dev");
    }
    command
}

/// `cargo fuzz run` of one target, its output in `logs/<target>.log`.
fn start(
    fuzz: &Path,
    logs: &Path,
    target: &str,
    dev: bool,
    runs: Option<u64>,
    seconds: u64,
) -> std::io::Result<Child> {
    let log = fs::File::create(logs.join(format!("{target}.log")))?;
    cargo_fuzz(fuzz, "run", dev)
        .args([target, &format!("corpus/{target}"), "--"])
        .arg(match runs {
            Some(runs) => format!("-runs={runs}"),
            None => format!("-max_total_time={seconds}"),
        })
        .args(["-print_final_stats=1", "-rss_limit_mb=2048", "-timeout=10"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
}
