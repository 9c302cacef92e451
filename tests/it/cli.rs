//! The `nordpay` command against the sandbox binary, as an operator runs
//! it; what reached the sandbox is read from its request log.
#![cfg(all(unix, feature = "cli", feature = "sandbox"))]

use std::process::{Command, Output};

use serde_json::Value;

use crate::sandbox_binary::Running;

/// The sandbox binary and the environment `nordpay` reads to reach it.
struct Setup {
    sandbox: Running,
    env: Vec<(String, String)>,
}

impl Setup {
    fn start() -> Setup {
        let sandbox = Running::start(&["--port", "0", "--print-config"]);
        let config: Value = serde_json::from_str(&sandbox.line()).expect("the first line is JSON");
        let text = |value: &Value| value.as_str().expect("a string").to_string();
        let direct = &config["direct_payment"];
        let connect = &config["connect"];
        let env = vec![
            (
                "NORDPAY_DIRECT_PAYMENT_URL".into(),
                format!("{}/restV1.svc", text(&direct["url"]).trim_end_matches('/')),
            ),
            (
                "NORDPAY_DIRECT_PAYMENT_SERVICE_ID".into(),
                direct["service_id"].to_string(),
            ),
            (
                "NORDPAY_DIRECT_PAYMENT_USERNAME".into(),
                text(&direct["username"]),
            ),
            (
                "NORDPAY_DIRECT_PAYMENT_PASSWORD".into(),
                text(&direct["password"]),
            ),
            ("NORDPAY_CONNECT_URL".into(), text(&connect["url"])),
            ("NORDPAY_CONNECT_API_KEY".into(), text(&connect["api_key"])),
        ];
        Setup { sandbox, env }
    }

    fn nordpay(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nordpay"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("the nordpay binary runs")
    }

    /// The routes of the requests the sandbox logged since the last look.
    fn requests(&self) -> Vec<String> {
        self.sandbox
            .drain()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter_map(|entry| entry["route"].as_str().map(str::to_string))
            .collect()
    }
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn payment_status_by_client_reference_prints_json() {
    let setup = Setup::start();
    let paid = setup.nordpay(&[
        "direct-payment",
        "pay",
        "--msisdn",
        "+4799999999",
        "--price",
        "2500",
        "--service-code",
        "06005",
        "--client-reference",
        "cli-ref-1",
    ]);
    assert!(paid.status.success(), "{paid:?}");
    let transaction = json(&paid)["TransactionId"]
        .as_i64()
        .expect("a TransactionId");
    // --body still works, and a read may drop its get-.
    let status = setup.nordpay(&["direct-payment", "payment-status", "cli-ref-1"]);
    assert!(status.status.success(), "{status:?}");
    let status = json(&status);
    assert_eq!(status["ClientReference"], "cli-ref-1", "{status}");
    assert_eq!(status["TransactionId"], transaction, "{status}");

    // A reference Direct Payment does not know: refused, exit 3, its error as JSON.
    let unknown = setup.nordpay(&["direct-payment", "get-payment-status", "no-such-ref"]);
    assert_eq!(unknown.status.code(), Some(3), "{unknown:?}");
    assert!(json(&unknown).is_object());

    // Another API through the same table: CONNECT's transactions, by a query flag.
    let listed = setup.nordpay(&["connect", "list-transactions", "--connect-id", "nobody"]);
    assert!(listed.status.success(), "{listed:?}");
    assert!(json(&listed).is_array());
    let logged = setup.requests();
    assert!(
        logged.iter().any(|route| route.ends_with("/pay")),
        "{logged:?}"
    );
    assert!(
        logged.iter().any(|route| route.ends_with("/transactions")),
        "{logged:?}"
    );
}

#[test]
fn what_the_client_refuses_exits_2_and_never_reaches_the_sandbox() {
    let setup = Setup::start();
    let pay = |extra: &[&str]| {
        let mut args = vec![
            "direct-payment",
            "pay",
            "--msisdn",
            "+4799999999",
            "--service-code",
            "06005",
        ];
        args.extend_from_slice(extra);
        setup.nordpay(&args)
    };
    for (refused, says) in [
        (
            pay(&["--price", "-5", "--client-reference", "cli-neg"]),
            "price -5 is negative",
        ),
        (
            pay(&["--price", "2500", "--client-reference", ""]),
            "ClientReference",
        ),
        (
            pay(&["--price", "99", "--client-reference", "cli-low"]),
            "not between 100",
        ),
        (
            setup.nordpay(&["direct-payment", "get-payment-status"]),
            "missing {payment}",
        ),
        (
            setup.nordpay(&["direct-payment", "pay-stauts", "x"]),
            "payment-status",
        ),
        (
            setup.nordpay(&["connect", "list-transactions", "--limit", "many"]),
            "not a whole number",
        ),
    ] {
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        assert!(
            stderr(&refused).contains(says),
            "{says}: {}",
            stderr(&refused)
        );
    }
    // One call that passes the checks: the log shows it, and only it.
    let sent = setup.nordpay(&["direct-payment", "get-payment-status", "cli-neg"]);
    assert_eq!(sent.status.code(), Some(3), "{sent:?}");
    let logged = setup.requests();
    assert_eq!(logged.len(), 1, "the sandbox saw {logged:?}");
    assert!(logged[0].ends_with("/pay/{payment}"), "{logged:?}");
}

#[test]
fn version_help_and_completions() {
    let setup = Setup::start();
    let version = setup.nordpay(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("nordpay {}", env!("CARGO_PKG_VERSION"))
    );
    let help = setup.nordpay(&["direct-payment", "pay", "--help"]);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--price <INTEGER>") && help.contains("--body <JSON|@FILE>"),
        "{help}"
    );
    // Secrets from the environment are never shown.
    let api = setup.nordpay(&["direct-payment", "--help"]);
    let api = String::from_utf8_lossy(&api.stdout);
    assert!(api.contains("NORDPAY_DIRECT_PAYMENT_PASSWORD"), "{api}");
    let password = &setup
        .env
        .iter()
        .find(|(k, _)| k.ends_with("PASSWORD"))
        .unwrap()
        .1;
    assert!(!api.contains(password.as_str()), "{api}");
    for shell in ["bash", "zsh", "fish"] {
        let script = setup.nordpay(&["completions", shell]);
        assert!(script.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&script.stdout);
        assert!(script.contains("get-payment-status"), "{shell}");
    }
}
