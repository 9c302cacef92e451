//! The generated clients are pinned by insta snapshots, and what build.rs
//! compiled into the crate is byte for byte the pinned code.

use std::path::Path;

use nordpay_codegen::snapshot::{snapshot_body, snapshot_path};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pinned(api: &str) -> String {
    let path = root().join(snapshot_path(api));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    snapshot_body(&text).expect("an insta snapshot")
}

/// Snapshots live in `tests/snapshots`, named as nordpay-pinned names them
/// (the path build.rs reads the pins from), not by this module's path.
pub(crate) fn pinned_by_insta(assert: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(assert);
}

/// A spec change shows up here as a snapshot diff: review it with
/// `cargo insta review`, or rewrite it with `cargo xtask codegen`.
#[test]
fn generated_clients_match_their_snapshots() {
    for api in nordpay_codegen::APIS {
        let source = nordpay_codegen::generate(api, root())
            .unwrap_or_else(|e| panic!("{e}"))
            .source;
        pinned_by_insta(|| insta::assert_snapshot!(format!("codegen__{}", api.name), source));
    }
}

#[test]
fn generation_is_deterministic() {
    for api in nordpay_codegen::APIS {
        let first = nordpay_codegen::generate(api, root()).unwrap().source;
        let second = nordpay_codegen::generate(api, root()).unwrap().source;
        assert!(first == second, "{} generates differently twice", api.spec);
    }
}

#[cfg(feature = "connect")]
#[test]
fn build_rs_compiled_the_pinned_connect_client() {
    let compiled = include_str!(concat!(env!("OUT_DIR"), "/connect.rs"));
    assert!(
        compiled == pinned("connect"),
        "OUT_DIR/connect.rs differs from the pin"
    );
}

#[test]
fn the_pin_is_the_generated_source_byte_for_byte() {
    let api = nordpay_codegen::api("connect").unwrap();
    let source = nordpay_codegen::generate(api, root()).unwrap().source;
    let rendered = nordpay_codegen::snapshot::render_snapshot(&source);
    assert_eq!(snapshot_body(&rendered).as_deref(), Some(source.as_str()));
}

/// Every public generated item has a doc: from the spec's descriptions,
/// from the type it holds, or a sentence on what it is (builder plumbing).
/// The compiler agrees: the generated modules no longer allow `missing_docs`.
#[test]
fn every_public_generated_item_is_documented() {
    for api in nordpay_codegen::APIS {
        let missing = nordpay_codegen::docs::undocumented(&pinned(api.name)).unwrap();
        assert_eq!(missing, Vec::<String>::new(), "{}", api.name);
    }
}

/// Integer enums are generated from the spec's `x-enum-varnames`: a closed
/// one (what a client sends) refuses an unlisted number, an open one (what
/// a provider sends) keeps it.
#[cfg(all(feature = "direct-payment", feature = "puzzel-pay"))]
#[test]
fn integer_enums_refuse_or_keep_unlisted_numbers() {
    use nordpay::direct_payment::{
        Age, PaymentStatus, PreferredSourceOfFunds, SecurityLevel, Validity,
    };
    use nordpay::puzzel_pay::Step;

    assert_eq!(Age::try_from(18), Ok(Age::Eighteen));
    let refused = Age::try_from(17).unwrap_err();
    assert_eq!(refused.to_string(), "\"17\" is not a valid Age");
    assert!(serde_json::from_str::<Age>("17").is_err());
    assert_eq!(serde_json::to_string(&Age::Sixteen).unwrap(), "16");
    assert_eq!("3".parse::<SecurityLevel>(), Ok(SecurityLevel::Pin));
    assert!("4".parse::<SecurityLevel>().is_err());
    assert!("x".parse::<SecurityLevel>().is_err());

    assert_eq!(
        serde_json::from_str::<PaymentStatus>("1").unwrap(),
        PaymentStatus::Paid
    );
    assert_eq!(
        serde_json::from_str::<PaymentStatus>("7").unwrap(),
        PaymentStatus::Unknown(7)
    );
    assert_eq!(PaymentStatus::Unknown(7).value(), 7);
    assert_eq!(
        serde_json::to_string(&PaymentStatus::Unknown(7)).unwrap(),
        "7"
    );
    assert_eq!(
        serde_json::from_str::<PreferredSourceOfFunds>("-1").unwrap(),
        PreferredSourceOfFunds::NotKnown
    );
    assert_eq!(PreferredSourceOfFunds::NotKnown.value(), -1);
    assert!(serde_json::from_str::<Validity>("\"2\"").is_err());
    assert_eq!(Step::from_wire(6), Step::Paid);
    assert_eq!(Step::from_wire(9), Step::Unknown(9));
    assert_eq!(Step::Paid.to_string(), "6");
}

/// The business models are listed in both specs that take one (Direct
/// Payment's, replaced by `direct_payment::BusinessModel` with its price
/// ranges, and Puzzel Pay's): the three lists agree.
#[cfg(all(feature = "direct-payment", feature = "puzzel-pay"))]
#[test]
fn the_business_model_lists_agree() {
    use nordpay::direct_payment::BusinessModel;
    let models: Vec<&str> = BusinessModel::all().map(|m| m.as_str()).collect();
    for spec in [
        "schemas/direct-payment/rest.yaml",
        "schemas/puzzel-pay/openapi.yaml",
    ] {
        let text = std::fs::read_to_string(root().join(spec)).unwrap();
        let at = text
            .find("\n    BusinessModel:")
            .expect("a BusinessModel schema");
        let line = text[at..]
            .lines()
            .find_map(|line| line.trim().strip_prefix("enum: ["))
            .expect("its enum");
        let listed: Vec<&str> = line
            .trim_end_matches(']')
            .split(", ")
            .map(|value| value.trim_matches('"'))
            .collect();
        assert_eq!(listed, models, "{spec}");
    }
    for model in &models {
        let parsed: nordpay::puzzel_pay::types::BusinessModel =
            serde_json::from_value(serde_json::json!(model)).unwrap();
        assert_eq!(serde_json::to_value(parsed).unwrap(), *model);
    }
}
