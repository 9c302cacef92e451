//! `cargo xtask drift <api> <file-or-URL>`: what a provider-published
//! document says differently from our hand-written spec.

use std::path::Path;
use std::process::ExitCode;

use nordpay_codegen::APIS;
use nordpay_codegen::drift::{compare, facts, facts_of_file};

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let [api, source] = args else {
        eprintln!("usage: cargo xtask drift <api> <file-or-URL>");
        let names: Vec<&str> = nordpay_codegen::snapshot::APIS
            .iter()
            .map(|api| api.feature)
            .collect();
        eprintln!("APIs: {}", names.join(", "));
        return ExitCode::from(2);
    };
    let text = match read(source) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("drift: {source}: {error}");
            return ExitCode::from(2);
        }
    };
    // Direct Payment has two specs: the WSDL for a WSDL, the REST one else.
    let wsdl = text.trim_start().starts_with('<');
    let name = match (api.replace('-', "_").as_str(), wsdl) {
        ("direct_payment", true) => "direct_payment_soap".to_string(),
        ("direct_payment", false) => "direct_payment_rest".to_string(),
        (other, _) => other.to_string(),
    };
    let Some(spec) = APIS.iter().find(|a| a.name == name) else {
        eprintln!("drift: unknown API `{api}`");
        return ExitCode::from(2);
    };
    let base = Path::new(source).parent().filter(|_| !is_url(source));
    let (ours, theirs) = match (facts_of_file(&root.join(spec.spec)), facts(&text, base)) {
        (Ok(ours), Ok(theirs)) => (ours, theirs),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("drift: {error}");
            return ExitCode::from(2);
        }
    };
    let drift = compare(&ours, &theirs);
    println!("{} against {source}", spec.spec);
    println!("(+ only the provider's, - only ours, ~ both, differently)");
    println!("{drift}");
    if drift.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

fn read(source: &str) -> Result<String, String> {
    if is_url(source) {
        let response = reqwest::blocking::get(source).map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("answered {status}"));
        }
        response.text().map_err(|e| e.to_string())
    } else {
        std::fs::read_to_string(source).map_err(|e| e.to_string())
    }
}
