//! The JSON Schemas of the request types (feature `schemars`), pinned so that
//! a spec change that alters what users send shows up in review.
#![cfg(all(feature = "connect", feature = "schemars"))]

use nordpay::connect::types;

#[test]
fn connect_request_types() {
    crate::codegen::pinned_by_insta(|| {
        insta::assert_json_snapshot!(
            "json_schema__connect_new_transaction",
            schemars::schema_for!(types::NewTransaction)
        );
        insta::assert_json_snapshot!(
            "json_schema__connect_new_agreement",
            schemars::schema_for!(types::NewAgreement)
        );
        insta::assert_json_snapshot!(
            "json_schema__connect_refund_request",
            schemars::schema_for!(types::RefundRequest)
        );
    });
}
