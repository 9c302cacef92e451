//! `cargo xtask drift`: a hand-written spec against a provider's document —
//! CONNECT's 2016 swagger, and a Direct Payment WSDL this test writes as the
//! live `?singleWsdl` would differ from ours.

use std::path::{Path, PathBuf};

use nordpay_codegen::drift::{compare, facts, facts_of_file};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn connects_2016_swagger_differs_where_the_spec_says_it_chose_otherwise() {
    let ours = facts_of_file(&root().join("schemas/connect-payment/openapi.yaml")).unwrap();
    let theirs =
        facts_of_file(&root().join("tests/fixtures/drift/connect-payment-swagger-2016.yml"))
            .unwrap();
    let drift = compare(&ours, &theirs);
    let added: Vec<&str> = drift.added.iter().map(|(key, _)| key.as_str()).collect();
    let removed: Vec<&str> = drift.removed.iter().map(|(key, _)| key.as_str()).collect();
    let changed = |key: &str| {
        drift
            .changed
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, ours, theirs)| (ours.as_str(), theirs.as_str()))
    };
    // The swagger's list of agreements spells connectID; ours, as the docs, connectId.
    assert!(added.contains(&"parameter GET /agreements query:connectID"));
    assert!(removed.contains(&"parameter GET /agreements query:connectId"));
    // Listing transactions and refunds came after 2016.
    assert!(removed.contains(&"operation GET /transactions"));
    assert!(removed.contains(&"operation POST /transactions/{}/refunds"));
    // x-nordpay-inferred in our spec: merchantName optional (the swagger requires it).
    assert_eq!(
        changed("field POST /agreements request.merchantName"),
        Some(("string", "string, required"))
    );
    // x-nordpay-inferred: vatRate a string or a number.
    assert_eq!(
        changed("field POST /transactions request.vatRate"),
        Some(("one of number|string, required", "string, required"))
    );
    assert!(!drift.is_empty());
    assert!(drift.to_string().ends_with(&format!(
        "drift: {} added, {} removed, {} changed",
        drift.added.len(),
        drift.removed.len(),
        drift.changed.len()
    )));
}

/// Our WSDL and its schemas copied into a fresh directory, edited by `edit`.
fn published_wsdl(name: &str, edit: impl Fn(&str, String) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nordpay-drift-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in [
        "DirectPayment.wsdl",
        "types.xsd",
        "messages.xsd",
        "faults.xsd",
    ] {
        let text =
            std::fs::read_to_string(root().join("schemas/direct-payment").join(file)).unwrap();
        std::fs::write(dir.join(file), edit(file, text)).unwrap();
    }
    dir.join("DirectPayment.wsdl")
}

#[test]
fn a_wsdl_that_renames_an_action_and_a_member_is_reported() {
    let wsdl = root().join("schemas/direct-payment/DirectPayment.wsdl");
    let ours = facts_of_file(&wsdl).unwrap();

    let same = published_wsdl("same", |_, text| text);
    assert!(compare(&ours, &facts_of_file(&same).unwrap()).is_empty());

    let moved = published_wsdl("moved", |file, text| match file {
        "DirectPayment.wsdl" => text.replace(
            "soapAction=\"http://directpay.intele.com/v1/IDirectPayment/Pay\"",
            "soapAction=\"http://puzzel.com/directpayment/IDirectPayment/Pay\"",
        ),
        "types.xsd" => text.replace(
            "<xs:element name=\"EndUserInvoiceText\"",
            "<xs:element name=\"InvoiceText\"",
        ),
        _ => text,
    });
    let drift = compare(&ours, &facts_of_file(&moved).unwrap());
    let keys = |list: &[(String, String)]| -> Vec<String> {
        list.iter().map(|(key, _)| key.clone()).collect()
    };
    let member = "xsd member {http://directpay.intele.com/v1/types}PaymentDetails/";
    assert_eq!(keys(&drift.added), [format!("{member}InvoiceText")]);
    assert_eq!(
        keys(&drift.removed),
        [format!("{member}EndUserInvoiceText")]
    );
    assert_eq!(
        drift.changed,
        [(
            "soap operation Pay action".to_string(),
            "http://directpay.intele.com/v1/IDirectPayment/Pay".to_string(),
            "http://puzzel.com/directpayment/IDirectPayment/Pay".to_string()
        )]
    );
    std::fs::remove_dir_all(same.parent().unwrap()).ok();
    std::fs::remove_dir_all(moved.parent().unwrap()).ok();
}

#[test]
fn a_single_wsdl_with_inline_schemas_reads_like_the_imported_one() {
    // What `?singleWsdl` serves: the schemas inline, no imports.
    let dir = root().join("schemas/direct-payment");
    let schema = |file: &str| {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let start = text.find("<xs:schema").unwrap();
        text[start..].to_string()
    };
    let wsdl = std::fs::read_to_string(dir.join("DirectPayment.wsdl")).unwrap();
    let start = wsdl.find("<wsdl:types>").unwrap();
    let end = wsdl.find("</wsdl:types>").unwrap();
    let inline = format!(
        "{}<wsdl:types>{}{}{}{}",
        &wsdl[..start],
        schema("messages.xsd"),
        schema("types.xsd"),
        schema("faults.xsd"),
        &wsdl[end..]
    );
    let ours = facts_of_file(&dir.join("DirectPayment.wsdl")).unwrap();
    let theirs = facts(&inline, None).unwrap();
    assert_eq!(compare(&ours, &theirs), Default::default());
}
