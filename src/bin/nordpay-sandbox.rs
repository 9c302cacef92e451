//! `nordpay-sandbox`: the sandbox as a process, for services in any language.
//!
//! ```text
//! nordpay-sandbox [--host HOST] [--port PORT] [--public-url URL]
//!                 [--record-cap N] [--callback-url URL] [--print-config]
//!                 [--no-request-log] [PORT]
//! ```
//!
//! Each option has an environment variable (the option wins):
//! `NORDPAY_SANDBOX_HOST` (127.0.0.1), `NORDPAY_SANDBOX_PORT` (8787; 0 takes
//! any free port), `NORDPAY_SANDBOX_PUBLIC_URL` (the base URL put in
//! payment-page links, when clients reach the sandbox under another name),
//! `NORDPAY_SANDBOX_RECORD_CAP`, `NORDPAY_SANDBOX_CALLBACK_URL` (where Puzzel
//! Pay's callback is POSTed), `NORDPAY_SANDBOX_REQUEST_LOG=off`.
//!
//! `--print-config` makes the first line on stdout a JSON object of the
//! sandbox's URLs and credentials (for a parent process to read, with port
//! 0); otherwise a banner for people. Then one JSON line per request; on
//! SIGTERM or SIGINT the requests in flight finish, a last line says
//! `"event":"stopped"`, and the process exits 0. `GET /sandbox/health`
//! answers `{"status":"ok"}`.

/// mimalloc: glibc's malloc stalled under load after a big store was dropped (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::process::ExitCode;

use nordpay::sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "usage: nordpay-sandbox [--host HOST] [--port PORT] [--public-url URL] \
[--record-cap N] [--callback-url URL] [--confirmation-window-ms MS] [--print-config] \
[--no-request-log] [PORT]";

/// What `--help` says after the usage line.
const HELP: &str = "A local stand-in for CONNECT Payment, Direct Payment, Puzzel Pay and \
Mediaconnect (127.0.0.1:8787 unless told otherwise).\n\
Open its root URL in a browser for the dashboard (every record, its timeline, \
actions, scripted faults, callback deliveries) and /inbox for every SMS it sent.\n\
Each option is also an environment variable: NORDPAY_SANDBOX_HOST, _PORT, \
_PUBLIC_URL, _RECORD_CAP, _CALLBACK_URL, _CONFIRMATION_WINDOW_MS, _REQUEST_LOG=off.\n\
A Direct Payment SecurityLevel 2 payment waits up to the confirmation window (60 s \
unless set) for its user: answer on the dashboard or POST \
/sandbox/direct-payment/payments/{reference}/confirm (or /lapse).";

/// What the command line and the environment ask for: the sandbox's
/// configuration, and whether to print it.
#[derive(Debug)]
struct Options {
    config: SandboxConfig,
    print_config: bool,
}

fn parse_value<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: not a valid value: {value:?}"))
}

fn options(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Options, String> {
    // The library's defaults, but a fixed port and the request log on.
    let mut config = SandboxConfig::default();
    config.addr.set_port(8787);
    config.request_log = true;
    let mut options = Options {
        config,
        print_config: false,
    };
    if let Some(host) = env("NORDPAY_SANDBOX_HOST") {
        options
            .config
            .addr
            .set_ip(parse_value("NORDPAY_SANDBOX_HOST", &host)?);
    }
    if let Some(port) = env("NORDPAY_SANDBOX_PORT") {
        options
            .config
            .addr
            .set_port(parse_value("NORDPAY_SANDBOX_PORT", &port)?);
    }
    if let Some(url) = env("NORDPAY_SANDBOX_PUBLIC_URL") {
        options.config.public_url = Some(parse_value("NORDPAY_SANDBOX_PUBLIC_URL", &url)?);
    }
    if let Some(url) = env("NORDPAY_SANDBOX_CALLBACK_URL") {
        options.config.callback_url = Some(parse_value("NORDPAY_SANDBOX_CALLBACK_URL", &url)?);
    }
    if let Some(ms) = env("NORDPAY_SANDBOX_CONFIRMATION_WINDOW_MS") {
        options.config.confirmation_window = std::time::Duration::from_millis(parse_value(
            "NORDPAY_SANDBOX_CONFIRMATION_WINDOW_MS",
            &ms,
        )?);
    }
    if let Some(cap) = env("NORDPAY_SANDBOX_RECORD_CAP") {
        options.config.record_cap = parse_value("NORDPAY_SANDBOX_RECORD_CAP", &cap)?;
    }
    if let Some(log) = env("NORDPAY_SANDBOX_REQUEST_LOG") {
        options.config.request_log = match log.as_str() {
            "on" | "1" | "true" => true,
            "off" | "0" | "false" => false,
            _ => {
                return Err(format!(
                    "NORDPAY_SANDBOX_REQUEST_LOG: on or off, not {log:?}"
                ));
            }
        };
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--host" => options
                .config
                .addr
                .set_ip(parse_value("--host", &value("--host")?)?),
            "--port" => options
                .config
                .addr
                .set_port(parse_value("--port", &value("--port")?)?),
            "--public-url" => {
                options.config.public_url =
                    Some(parse_value("--public-url", &value("--public-url")?)?);
            }
            "--record-cap" => {
                options.config.record_cap = parse_value("--record-cap", &value("--record-cap")?)?;
            }
            "--confirmation-window-ms" => {
                let ms = value("--confirmation-window-ms")?;
                options.config.confirmation_window =
                    std::time::Duration::from_millis(parse_value("--confirmation-window-ms", &ms)?);
            }
            "--callback-url" => {
                options.config.callback_url =
                    Some(parse_value("--callback-url", &value("--callback-url")?)?);
            }
            "--print-config" => options.print_config = true,
            "--no-request-log" => options.config.request_log = false,
            positional if !positional.starts_with('-') => {
                options
                    .config
                    .addr
                    .set_port(parse_value("PORT", positional)?);
            }
            unknown => return Err(format!("unknown option {unknown}\n{USAGE}")),
        }
    }
    if let Some(url) = &options.config.public_url
        && !matches!(url.scheme(), "http" | "https")
    {
        return Err(format!("--public-url: not an http(s) URL: {url}"));
    }
    if options.config.record_cap == 0 {
        return Err("--record-cap: must be at least 1".into());
    }
    Ok(options)
}

/// The sandbox's URLs and credentials, for another process to read.
fn config_json(sandbox: &Sandbox) -> serde_json::Value {
    let mut config = serde_json::json!({
        "url": sandbox.control_url().as_str().trim_end_matches("/sandbox").to_string(),
        "health": format!("{}/health", sandbox.control_url()),
        "control": sandbox.control_url().as_str(),
        "dashboard": sandbox.dashboard_url().as_str(),
        "inbox": sandbox.inbox_url().as_str(),
    });
    for stand_in in sandbox.stand_ins() {
        let details: serde_json::Map<String, serde_json::Value> = stand_in
            .details
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect();
        config[stand_in.name] = details.into();
    }
    config
}

fn banner(sandbox: &Sandbox) -> String {
    let mut text = format!(
        "nordpay sandbox on http://{}  (dashboard: {})\n",
        sandbox.addr(),
        sandbox.dashboard_url()
    );
    for stand_in in sandbox.stand_ins() {
        text.push_str(&format!("  {:<16}", stand_in.title));
        for (key, value) in &stand_in.details {
            // URLs bare, as a terminal links them; credentials quoted, as JSON.
            match value.as_str() {
                Some(url) if key.ends_with("url") => text.push_str(&format!("  {key} {url}")),
                _ => text.push_str(&format!("  {key} {value}")),
            }
        }
        text.push('\n');
    }
    let control = sandbox.control_url();
    text.push_str(&format!(
        "  {:<16} {control}/reset, {control}/health",
        "control"
    ));
    text
}

/// SIGTERM (what `docker stop` and process managers send) or SIGINT (Ctrl-C).
async fn stop_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => Ok("SIGTERM"),
            _ = int.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        Ok("Ctrl-C")
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "-h" || arg == "--help")
    {
        println!("{USAGE}\n\n{HELP}");
        return ExitCode::SUCCESS;
    }
    let options = match options(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("nordpay-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    let addr = options.config.addr;
    let sandbox = match Sandbox::start_with(options.config).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("nordpay-sandbox: cannot listen on {}: {error}", addr);
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let first = if options.print_config {
            config_json(&sandbox).to_string()
        } else {
            banner(&sandbox)
        };
        let _ = writeln!(out, "{first}");
        let _ = out.flush();
    }
    let signal = match stop_signal().await {
        Ok(signal) => signal,
        Err(error) => {
            eprintln!("nordpay-sandbox: cannot wait for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    sandbox.shutdown().await;
    let _ = writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::json!({"event": "stopped", "signal": signal})
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Options, String> {
        options(args.iter().map(|a| a.to_string()), |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn options_come_from_flags_over_the_environment() {
        let defaults = parse(&[], &[]).unwrap();
        assert_eq!(defaults.config.addr.ip(), IpAddr::from([127, 0, 0, 1]));
        assert_eq!(defaults.config.addr.port(), 8787);
        assert!(defaults.config.request_log && !defaults.print_config);

        let env = [
            ("NORDPAY_SANDBOX_HOST", "0.0.0.0"),
            ("NORDPAY_SANDBOX_PORT", "9000"),
            ("NORDPAY_SANDBOX_REQUEST_LOG", "off"),
            ("NORDPAY_SANDBOX_PUBLIC_URL", "http://sandbox:9000"),
        ];
        let from_env = parse(&[], &env).unwrap();
        assert_eq!(from_env.config.addr.ip(), IpAddr::from([0, 0, 0, 0]));
        assert_eq!(from_env.config.addr.port(), 9000);
        assert!(!from_env.config.request_log);
        assert_eq!(
            from_env.config.public_url.unwrap().as_str(),
            "http://sandbox:9000/"
        );

        let flags = parse(&["--port", "0", "--print-config", "--host", "::1"], &env).unwrap();
        assert_eq!(flags.config.addr.port(), 0);
        assert_eq!(flags.config.addr.ip(), "::1".parse::<IpAddr>().unwrap());
        assert!(flags.print_config);
        // The old form, a bare port, still works.
        assert_eq!(parse(&["8080"], &[]).unwrap().config.addr.port(), 8080);
    }

    #[test]
    fn bad_options_are_refused_with_what_is_wrong() {
        for (args, env, says) in [
            (&["--port", "http"][..], &[][..], "--port"),
            (&["--port"][..], &[][..], "needs a value"),
            (&["--frobnicate"][..], &[][..], "unknown option"),
            (
                &[][..],
                &[("NORDPAY_SANDBOX_PORT", "99999")][..],
                "NORDPAY_SANDBOX_PORT",
            ),
            (&["--record-cap", "0"][..], &[][..], "at least 1"),
            (&["--public-url", "ftp://x"][..], &[][..], "http(s)"),
            (
                &[][..],
                &[("NORDPAY_SANDBOX_REQUEST_LOG", "maybe")][..],
                "on or off",
            ),
        ] {
            let error = parse(args, env).unwrap_err();
            assert!(error.contains(says), "{args:?} {env:?}: {error}");
        }
    }
}
