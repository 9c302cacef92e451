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
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;

use nordpay::sandbox::{Sandbox, SandboxConfig};

/// What `--help` says after the options.
const AFTER_HELP: &str = "Open its root URL in a browser for the dashboard (every record, its timeline, \
actions, scripted faults, callback deliveries) and /inbox for every SMS it sent.\n\
A Direct Payment SecurityLevel 2 payment waits up to the confirmation window (60 s \
unless set) for its user: answer on the dashboard or POST \
/sandbox/direct-payment/payments/{reference}/confirm (or /lapse).";

/// The command line; each option also an environment variable (the option wins).
#[derive(Parser, Debug)]
#[command(
    name = "nordpay-sandbox",
    version,
    about = "A local stand-in for CONNECT Payment, Direct Payment, Puzzel Pay and Mediaconnect \
             (127.0.0.1:8787 unless told otherwise)",
    after_help = AFTER_HELP
)]
struct Flags {
    /// The address to listen on.
    #[arg(long, env = "NORDPAY_SANDBOX_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// The port (0 takes any free port).
    #[arg(long = "port", env = "NORDPAY_SANDBOX_PORT", default_value_t = 8787)]
    port: u16,
    /// The port, as the old form gave it (`nordpay-sandbox 8080`).
    #[arg(value_name = "PORT", conflicts_with = "port", hide = true)]
    bare_port: Option<u16>,
    /// The base URL put in payment-page links, when clients reach the
    /// sandbox under another name.
    #[arg(long, env = "NORDPAY_SANDBOX_PUBLIC_URL", value_parser = http_url)]
    public_url: Option<url::Url>,
    /// The most records each API keeps (the oldest go first).
    #[arg(long, env = "NORDPAY_SANDBOX_RECORD_CAP", value_parser = clap::value_parser!(u64).range(1..))]
    record_cap: Option<u64>,
    /// Where Puzzel Pay's callback is POSTed.
    #[arg(long, env = "NORDPAY_SANDBOX_CALLBACK_URL")]
    callback_url: Option<url::Url>,
    /// How long a SecurityLevel 2 payment waits for its user.
    #[arg(
        long,
        env = "NORDPAY_SANDBOX_CONFIRMATION_WINDOW_MS",
        value_name = "MS"
    )]
    confirmation_window_ms: Option<u64>,
    /// Print the URLs and credentials as one JSON line first (for a parent process).
    #[arg(long)]
    print_config: bool,
    /// No JSON line per request.
    #[arg(long)]
    no_request_log: bool,
    /// Serve HTTPS, with a certificate made at start for the names it
    /// serves; its CA is in --print-config's `ca_pem`, and in the banner.
    #[arg(long, env = "NORDPAY_SANDBOX_TLS")]
    tls: bool,
    /// The request log, on or off.
    #[arg(long = "request-log", env = "NORDPAY_SANDBOX_REQUEST_LOG", value_parser = on_off, hide = true)]
    request_log: Option<bool>,
}

fn http_url(text: &str) -> Result<url::Url, String> {
    let url: url::Url = text.parse().map_err(|e| format!("{e}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        _ => Err(format!("not an http(s) URL: {url}")),
    }
}

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "1" | "true" => Ok(true),
        "off" | "0" | "false" => Ok(false),
        _ => Err(format!("on or off, not {text:?}")),
    }
}

/// What the command line and the environment ask for: the sandbox's
/// configuration, and whether to print it.
#[derive(Debug)]
struct Options {
    config: SandboxConfig,
    print_config: bool,
}

impl From<Flags> for Options {
    fn from(flags: Flags) -> Options {
        // The library's defaults, but a fixed port and the request log on.
        let mut config = SandboxConfig::default();
        config.addr = SocketAddr::new(flags.host, flags.bare_port.unwrap_or(flags.port));
        config.request_log = !flags.no_request_log && flags.request_log.unwrap_or(true);
        config.public_url = flags.public_url;
        config.callback_url = flags.callback_url;
        if let Some(cap) = flags.record_cap {
            config.record_cap = usize::try_from(cap).unwrap_or(usize::MAX);
        }
        if let Some(ms) = flags.confirmation_window_ms {
            config.confirmation_window = std::time::Duration::from_millis(ms);
        }
        config.tls = flags.tls;
        Options {
            config,
            print_config: flags.print_config,
        }
    }
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
    if let Some(ca) = sandbox.ca_pem() {
        config["ca_pem"] = ca.into();
    }
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
    let dashboard = sandbox.dashboard_url();
    let mut text = format!(
        "nordpay sandbox on {}://{}  (dashboard: {dashboard})\n",
        dashboard.scheme(),
        sandbox.addr(),
    );
    if let Some(ca) = sandbox.ca_pem() {
        text.push_str(&format!("  HTTPS; trust this CA:\n{ca}"));
    }
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
    let options = match Flags::try_parse() {
        Ok(flags) => Options::from(flags),
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
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

    /// `args` with the variables in `env` set for the parse only.
    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Options, String> {
        use clap::{CommandFactory, FromArgMatches};
        let mut command = Flags::command();
        // clap reads variables from the process; the test gives them as
        // defaults of an otherwise identical command line instead.
        for (name, value) in env {
            command = command.mut_args(|arg| {
                if arg.get_env().is_some_and(|var| var == *name) {
                    arg.default_value(value.to_string())
                } else {
                    arg
                }
            });
        }
        let argv = std::iter::once("nordpay-sandbox").chain(args.iter().copied());
        let matches = command
            .try_get_matches_from(argv)
            .map_err(|e| e.to_string())?;
        Flags::from_arg_matches(&matches)
            .map(Options::from)
            .map_err(|e| e.to_string())
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
            (&["--port"][..], &[][..], "a value is required"),
            (&["--frobnicate"][..], &[][..], "unexpected argument"),
            (&[][..], &[("NORDPAY_SANDBOX_PORT", "99999")][..], "99999"),
            (&["--record-cap", "0"][..], &[][..], "not in 1.."),
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
