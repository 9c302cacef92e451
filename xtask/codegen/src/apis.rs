//! The APIs nordpay generates, and the per-API generator settings.

use progenitor::TypeImpl;

/// One API: its spec, its cargo feature and how its types are generated.
#[derive(Debug)]
pub struct Api {
    /// Module and snapshot name (`connect` → `src/connect/`, `codegen__connect.snap`).
    pub name: &'static str,
    /// The cargo feature that enables it.
    pub feature: &'static str,
    /// The OpenAPI spec, relative to the workspace root.
    pub spec: &'static str,
    /// The hand-written type every request carries (auth, limits), used as
    /// progenitor's inner type.
    pub context_type: &'static str,
    /// Spec schemas that map to hand-written domain types instead of generated ones.
    pub replacements: &'static [Replacement],
}

/// A schema that maps to a hand-written domain type.
#[derive(Debug)]
pub struct Replacement {
    /// The component schema's name in the spec.
    pub schema: &'static str,
    /// The Rust type that stands for it.
    pub rust_type: &'static str,
    /// The traits that type implements, so typify can rely on them.
    pub impls: &'static [TypeImpl],
}

/// Every API, in the order the README lists them.
pub const APIS: &[Api] = &[Api {
    name: "connect",
    feature: "connect",
    spec: "schemas/connect-payment/openapi.yaml",
    context_type: "crate::connect::ClientContext",
    replacements: &[
        // "CUR AMOUNT" strings become integer minor units: never floats for money.
        Replacement {
            schema: "Amount",
            rust_type: "crate::connect::Money",
            impls: &[TypeImpl::Display, TypeImpl::FromStr],
        },
        // Sent as a string, received as a string or a number.
        Replacement {
            schema: "VatRate",
            rust_type: "crate::connect::VatRate",
            impls: &[TypeImpl::Display, TypeImpl::FromStr],
        },
    ],
}];

/// The API named `name`, if there is one.
pub fn api(name: &str) -> Option<&'static Api> {
    APIS.iter().find(|api| api.name == name)
}
