//! Writes the generated client of every enabled API to `OUT_DIR/<api>.rs`,
//! and the crate's `Api` enum (`OUT_DIR/apis.rs`) from the one list of APIs
//! (`nordpay_pinned::APIS`).
//!
//! With the `codegen` feature (on by default) the clients are generated from
//! `schemas/`. Without it, the pinned snapshot in `tests/snapshots/` is used
//! instead: the same bytes (a test and `cargo xtask codegen --check` hold them
//! equal), without the generator's build cost for services that depend on us.

use std::path::PathBuf;

fn main() {
    // Any rerun line turns off cargo's scan of the whole package, so every
    // input is listed: this script, and per API its spec or its pin.
    build_helper::rerun_if_changed("build.rs");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));

    write_if_changed(&out_dir.join("apis.rs"), &nordpay_pinned::api_enum());
    for api in nordpay_pinned::APIS {
        let env = format!(
            "CARGO_FEATURE_{}",
            api.feature.to_uppercase().replace('-', "_")
        );
        if std::env::var_os(env).is_none() {
            continue;
        }
        for name in api.generated {
            let source = source_of(name, &root);
            write_if_changed(&out_dir.join(format!("{name}.rs")), &source);
        }
    }
}

/// Leave an unchanged file untouched so that rustc's fingerprints stay valid.
fn write_if_changed(out: &std::path::Path, source: &str) {
    if std::fs::read_to_string(out).ok().as_deref() != Some(source) {
        std::fs::write(out, source).expect("OUT_DIR is writable");
    }
}

#[cfg(feature = "codegen")]
fn source_of(name: &str, root: &std::path::Path) -> String {
    let api = nordpay_codegen::api(name).expect("build.rs and the generator list the same APIs");
    match nordpay_codegen::generate(api, root) {
        Ok(generated) => {
            for input in &generated.inputs {
                build_helper::rerun_if_changed(input);
            }
            generated.source
        }
        Err(error) => {
            // Still watch the spec, so that fixing it reruns this script.
            build_helper::rerun_if_changed(root.join(api.spec));
            panic!("nordpay: cannot generate the `{name}` client: {error}");
        }
    }
}

#[cfg(not(feature = "codegen"))]
fn source_of(name: &str, root: &std::path::Path) -> String {
    use nordpay_pinned as snapshot;
    let pin = root.join(snapshot::snapshot_path(name));
    build_helper::rerun_if_changed(&pin);
    let text = std::fs::read_to_string(&pin)
        .unwrap_or_else(|e| panic!("nordpay: cannot read {}: {e}", pin.display()));
    snapshot::snapshot_body(&text)
        .unwrap_or_else(|| panic!("nordpay: {} is not an insta snapshot", pin.display()))
}
