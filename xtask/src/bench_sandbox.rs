//! `cargo xtask bench-sandbox [--seconds S] [--records N] [--repeats R] [--api A]`: the sandbox
//! under an external load generator (wrk, installed from Debian's packages
//! if missing), against a bare axum server answering fixed JSON in the same
//! run, then the same load again after preloading N records per store.
//!
//! Prints, per API's main write operation: req/s, p99, the ratio to the
//! baseline's req/s (measured again just before each API, so that drift in
//! the machine's speed does not land in the ratio), the flatness ratio
//! (req/s with N records stored over req/s on an empty sandbox), and bytes
//! of memory per stored record. Each figure is the median of R runs
//! (default 3): one stall of the machine (the kernel's page scanner, a
//! neighbour) moves a single run's p99 by more than the server does.
//!
//! The load generator and the servers get separate CPUs (`taskset`; the
//! first half for wrk, the second half for the server, whose tokio workers
//! match): on two cores, wrk and the server otherwise preempt each other and
//! the p99 measures the scheduler rather than the server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

struct Load {
    api: &'static str,
    operation: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    /// The body, `%s` where the request's unique key goes.
    body: &'static str,
}

/// Which CPUs the load generator and the servers run on.
#[derive(Clone)]
struct Cpus {
    /// `taskset -c` lists (load, server); `None` without taskset or with one CPU.
    split: Option<(String, String)>,
    load_threads: usize,
    server_threads: usize,
}

impl Cpus {
    fn detect() -> Cpus {
        let n = std::thread::available_parallelism().map_or(1, usize::from);
        let taskset = Command::new("taskset").arg("--version").output().is_ok();
        if n < 2 || !taskset {
            return Cpus {
                split: None,
                load_threads: 1,
                server_threads: n,
            };
        }
        let half = n / 2;
        let list = |range: std::ops::Range<usize>| {
            range
                .map(|cpu| cpu.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        Cpus {
            split: Some((list(0..half), list(half..n))),
            load_threads: half,
            server_threads: n - half,
        }
    }

    /// `program` run on the load generator's CPUs, or as is.
    fn load_command(&self, program: &str) -> Command {
        self.pinned(program, self.split.as_ref().map(|(load, _)| load.as_str()))
    }

    /// `program` run on the server's CPUs with as many tokio workers.
    fn server_command(&self, program: &Path) -> Command {
        let program = program.to_string_lossy();
        let mut command = self.pinned(
            &program,
            self.split.as_ref().map(|(_, server)| server.as_str()),
        );
        command.env("TOKIO_WORKER_THREADS", self.server_threads.to_string());
        command
    }

    fn pinned(&self, program: &str, cpus: Option<&str>) -> Command {
        match cpus {
            Some(cpus) => {
                let mut command = Command::new("taskset");
                command.args(["-c", cpus, program]);
                command
            }
            None => Command::new(program),
        }
    }

    fn describe(&self) -> String {
        match &self.split {
            Some((load, server)) => format!(
                "wrk on CPU {load}, the server on CPU {server} with {} tokio worker(s)",
                self.server_threads
            ),
            None => "wrk and the server share the CPUs (no taskset)".to_string(),
        }
    }
}

struct Measured {
    requests_per_second: f64,
    p99_ms: f64,
}

/// Bytes of RSS per record `records` add to a fresh sandbox: its own
/// process, so that no memory freed by earlier runs is reused.
fn memory_per_record(
    cpus: &Cpus,
    release: &Path,
    api: &str,
    records: usize,
) -> Result<f64, String> {
    let port = free_port()?;
    let sandbox = Server::start(
        cpus,
        &release.join("nordpay-sandbox"),
        port,
        &["--no-request-log"],
    )?;
    let before = sandbox.rss();
    post_json(
        &format!("http://127.0.0.1:{port}/sandbox/preload"),
        serde_json::json!({"api": api, "records": records}),
    )?;
    Ok(sandbox.rss().saturating_sub(before) as f64 / records as f64)
}

/// One letter per run in a key: a key of a million requests' counter still
/// fits Mediaconnect's 10-character invoice number.
fn run_letter(run: u64) -> char {
    char::from(b'a' + (run % 26) as u8)
}

/// The median req/s and the median p99 of `repeats` runs of `run`.
fn median_of(
    repeats: u64,
    mut run: impl FnMut(u64) -> Result<Measured, String>,
) -> Result<Measured, String> {
    let mut runs = (0..repeats.max(1))
        .map(&mut run)
        .collect::<Result<Vec<_>, _>>()?;
    let middle = runs.len() / 2;
    runs.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
    let requests_per_second = runs[middle].requests_per_second;
    runs.sort_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms));
    Ok(Measured {
        requests_per_second,
        p99_ms: runs[middle].p99_ms,
    })
}

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|at| args.get(at + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let seconds = value("--seconds").unwrap_or(10);
    let records = value("--records").unwrap_or(1_000_000) as usize;
    let repeats = value("--repeats").unwrap_or(3);
    // `--api connect`: that API alone.
    let only = args
        .iter()
        .position(|a| a == "--api")
        .and_then(|at| args.get(at + 1))
        .map(String::as_str);
    match bench(root, seconds, records, repeats, only) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench-sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}

/// wrk from Debian's packages, installed when missing (as root, as in CI).
fn wrk() -> Result<(), String> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("installing wrk (apt-get install wrk)");
    let status = Command::new("apt-get")
        .args(["install", "-y", "-q", "wrk"])
        .status()
        .map_err(|e| format!("apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("could not install wrk; install it (apt-get install wrk) and run again".into())
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// A child process that is killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    fn start(cpus: &Cpus, binary: &Path, port: u16, args: &[&str]) -> Result<Server, String> {
        let child = cpus
            .server_command(binary)
            .arg(port.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let server = Server(child);
        let ends = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > ends {
                return Err(format!("{} did not listen on {port}", binary.display()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// Resident memory, in bytes.
    fn rss(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }
}

fn lua(load: &Load, run: &str) -> String {
    let headers: String = load
        .headers
        .iter()
        .map(|(name, value)| format!("wrk.headers[{name:?}] = {value:?}\n"))
        .collect();
    format!(
        "wrk.method = \"POST\"\n{headers}\
         local counter = 0\n\
         request = function()\n\
           counter = counter + 1\n\
           local body = string.format({body:?}, \"{run}-\" .. counter)\n\
           return wrk.format(nil, nil, nil, body)\n\
         end\n",
        body = load.body,
    )
}

/// `load` on `url` for `seconds`, its keys prefixed `key` (through the
/// script file `script`).
fn wrk_run(
    cpus: &Cpus,
    url: &str,
    script: &Path,
    (load, key): (&Load, &str),
    seconds: u64,
) -> Result<Measured, String> {
    std::fs::write(script, lua(load, key)).map_err(|e| e.to_string())?;
    let output = cpus
        .load_command("wrk")
        .args([
            &format!("-t{}", cpus.load_threads),
            "-c10",
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let requests_per_second = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let p99_ms = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("99%"))
        .map(str::trim)
        .and_then(milliseconds)
        .ok_or_else(|| format!("no 99% latency in wrk's output:\n{text}"))?;
    if text.contains("Non-2xx or 3xx responses") {
        return Err(format!("the server refused requests:\n{text}"));
    }
    Ok(Measured {
        requests_per_second,
        p99_ms,
    })
}

/// `1.23ms`, `845.00us`, `1.01s` in milliseconds.
fn milliseconds(value: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = value.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

fn post_json(url: &str, body: serde_json::Value) -> Result<(), String> {
    let response = reqwest::blocking::Client::new()
        .post(url)
        .json(&body)
        .timeout(Duration::from_secs(600))
        .send()
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("{url} answered {}", response.status()))
    }
}

/// A Mediaconnect user token from the sandbox's login server.
fn mediaconnect_token(base: &str) -> Result<String, String> {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let authorize = format!(
        "{base}/mediaconnect/login/oauth/authorize?response_type=code&client_id=sandbox-client&redirect_uri=https%3A%2F%2Fbench.example%2Fcb"
    );
    let back = http.get(authorize).send().map_err(|e| e.to_string())?;
    let location = back
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no redirect from authorize")?;
    let code = location
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("code="))
        .ok_or("no code in the redirect")?;
    let form = format!(
        "grant_type=authorization_code&code={code}&client_id=sandbox-client&client_secret=sandbox-secret&redirect_uri=https%3A%2F%2Fbench.example%2Fcb"
    );
    let tokens: serde_json::Value = http
        .post(format!("{base}/mediaconnect/login/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .and_then(|r| r.json())
        .map_err(|e| e.to_string())?;
    tokens["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "no access token".into())
}

fn loads(token: &str) -> Vec<Load> {
    vec![
        Load {
            api: "connect",
            operation: "createTransaction",
            path: "/connect/transactions",
            headers: vec![
                ("Content-Type", "application/json".into()),
                (
                    "Authorization",
                    format!("Basic {}", base64_basic("sandbox-api-key:")),
                ),
            ],
            body: r#"{"orderId":"%s","purchaseDescription":"bench","amount":"NOK 100.00","vatRate":"0.25","successRedirect":"https://bench.example/ok","cancelRedirect":"https://bench.example/cancel"}"#,
        },
        Load {
            api: "direct_payment",
            operation: "pay (REST)",
            path: "/direct-payment/restV1.svc/service/1234/pay",
            headers: vec![
                ("Content-Type", "application/json".into()),
                (
                    "Authorization",
                    format!("Basic {}", base64_basic("sandbox:sandbox-password")),
                ),
            ],
            body: r#"{"PaymentDetails":{"Msisdn":"+4799999999","Price":2500,"ServiceCode":"06005","ClientReference":"%s"}}"#,
        },
        Load {
            api: "puzzel_pay",
            operation: "createBatch",
            path: "/puzzel-pay/batches",
            headers: vec![
                (
                    "Content-Type",
                    "application/vnd.instapay.batchrequest.v1+json".into(),
                ),
                (
                    "Accept",
                    "application/vnd.instapay.batchresponse.v1+json".into(),
                ),
                (
                    "Authorization",
                    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJzYW5kYm94In0.sandbox".into(),
                ),
            ],
            body: r#"{"batchReference":"%s","recipients":[{"reference":"r1","msisdn":"+4799999999","type":0,"payment":{"amount":100,"currency":"NOK"}}],"messageTemplates":[{"type":0,"text":"Pay here: {{paymentLink}}"}],"action":2}"#,
        },
        Load {
            api: "mediaconnect",
            operation: "payInvoice",
            path: "/mediaconnect/capi/v1/api/payment/invoice",
            headers: vec![
                ("Content-Type", "application/json".into()),
                ("Authorization", format!("Bearer {token}")),
            ],
            body: r#"{"invoiceNumber":"%s","productCode":"P1","companyCode":"SANDBOX","paymentMethod":"nexi"}"#,
        },
    ]
}

/// Basic credentials as base64.
fn base64_basic(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn bench(
    root: &Path,
    seconds: u64,
    records: usize,
    repeats: u64,
    only: Option<&str>,
) -> Result<(), String> {
    wrk()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "--features",
            "sandbox",
            "--bin",
            "nordpay-sandbox",
            "--example",
            "bare_axum",
        ])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("the release build failed".into());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let release = target.join("release");
    let scripts = std::env::temp_dir().join(format!("nordpay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scripts).map_err(|e| e.to_string())?;

    let cpus = Cpus::detect();

    // The baseline: the same load on a bare axum server, kept running and
    // measured again before each API.
    let bare_port = free_port()?;
    let _bare = Server::start(&cpus, &release.join("examples/bare_axum"), bare_port, &[])?;
    let plain = Load {
        api: "baseline",
        operation: "bare axum, fixed JSON",
        path: "/",
        headers: vec![("Content-Type", "application/json".into())],
        body: r#"{"orderId":"%s"}"#,
    };
    let bare_script = scripts.join("baseline.lua");
    let bare_url = format!("http://127.0.0.1:{bare_port}/");
    let mut bare_runs = 0;
    let mut baseline = || {
        median_of(repeats, |_| {
            bare_runs += 1;
            let key = format!("b{bare_runs}");
            wrk_run(&cpus, &bare_url, &bare_script, (&plain, &key), seconds)
        })
    };
    // A warm-up, forgotten.
    wrk_run(&cpus, &bare_url, &bare_script, (&plain, "w"), 2)?;

    println!(
        "sandbox load bench: wrk -c10 -d{seconds}s, median of {repeats} runs, unique keys, release build, loopback; {}",
        cpus.describe()
    );
    println!();
    println!(
        "| API | operation | baseline req/s | baseline p99 | req/s empty | p99 empty | vs baseline | req/s at {records} | p99 at {records} | flatness | bytes/record |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for index in 0..4 {
        let api = loads("").swap_remove(index).api;
        if only.is_some_and(|only| only != api) {
            continue;
        }
        // A fresh process per API: its memory growth is that API's records.
        let port = free_port()?;
        let _sandbox = Server::start(
            &cpus,
            &release.join("nordpay-sandbox"),
            port,
            // The baseline logs nothing either.
            &["--no-request-log"],
        )?;
        let base = format!("http://127.0.0.1:{port}");
        let load = loads(&mediaconnect_token(&base)?).swap_remove(index);
        let script = scripts.join(format!("{index}.lua"));

        // A warm-up (threads, allocator, connections), forgotten; then the
        // empty runs; then the same load with `records` stored. Memory per
        // record is measured apart, on a fresh sandbox.
        let url = format!("{base}{}", load.path);
        let measure = |load: &Load, key: &str, seconds: u64| {
            wrk_run(&cpus, &url, &script, (load, key), seconds)
        };
        // A reset forgets the Mediaconnect token too: log in again.
        let reset = || -> Result<Load, String> {
            post_json(&format!("{base}/sandbox/reset"), serde_json::json!(null))?;
            Ok(loads(&mediaconnect_token(&base)?).swap_remove(index))
        };
        measure(&load, &format!("w{index}"), 2)?;
        let load = reset()?;
        let bare = baseline()?;
        let empty = median_of(repeats, |run| {
            measure(&load, &format!("e{index}{}", run_letter(run)), seconds)
        })?;
        // The empty runs stored records too (more than `records`, for the
        // fastest API): forgotten, so that the runs after the preload start
        // at `records`, however fast the API is.
        let load = reset()?;
        post_json(
            &format!("{base}/sandbox/preload"),
            serde_json::json!({"api": load.api, "records": records}),
        )?;
        let per_record = memory_per_record(&cpus, &release, load.api, records)?;
        let full = median_of(repeats, |run| {
            measure(&load, &format!("f{index}{}", run_letter(run)), seconds)
        })?;
        println!(
            "| {} | {} | {:.0} | {:.2} ms | {:.0} | {:.2} ms | {:.2}x | {:.0} | {:.2} ms | {:.2}x | {:.0} |",
            load.api,
            load.operation,
            bare.requests_per_second,
            bare.p99_ms,
            empty.requests_per_second,
            empty.p99_ms,
            empty.requests_per_second / bare.requests_per_second,
            full.requests_per_second,
            full.p99_ms,
            full.requests_per_second / empty.requests_per_second,
            per_record,
        );
    }
    std::fs::remove_dir_all(&scripts).ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_latencies_and_basic_credentials_are_read() {
        assert_eq!(milliseconds("845.00us"), Some(0.845));
        assert_eq!(milliseconds("1.50ms"), Some(1.5));
        assert_eq!(milliseconds("2.00s"), Some(2000.0));
        assert_eq!(base64_basic("sandbox-api-key:"), "c2FuZGJveC1hcGkta2V5Og==");
        assert_eq!(base64_basic("ab"), "YWI=");
    }
}
