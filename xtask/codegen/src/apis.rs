//! The generated clients of nordpay, and the per-client generator settings.

use progenitor::TypeImpl;

/// One generated file: its source spec, its cargo feature and how it is generated.
#[derive(Debug)]
pub struct ClientSpec {
    /// File and snapshot name (`connect` → `OUT_DIR/connect.rs`, `codegen__connect.snap`).
    pub name: &'static str,
    /// The spec, relative to the workspace root: an OpenAPI file or a WSDL.
    pub spec: &'static str,
    /// How the spec becomes Rust.
    pub kind: Kind,
}

/// How a spec becomes Rust.
#[derive(Debug)]
pub enum Kind {
    /// OpenAPI 3.0 through progenitor.
    OpenApi {
        /// The hand-written type every request carries (auth, limits), used as
        /// progenitor's inner type.
        context_type: &'static str,
        /// The Rust module the generated file is included in (generated
        /// types such as open enums are named by their full path).
        module: &'static str,
        /// The API's error type: every builder's `send()` returns it, so
        /// progenitor's error (whose `Display` shows bodies, and `Debug` URLs)
        /// never reaches a user.
        error_type: &'static str,
        /// Spec schemas that map to hand-written domain types.
        replacements: &'static [Replacement],
        /// The checks a spec names with `x-nordpay-body-check` on an
        /// operation: (name, Rust path of a
        /// `fn(&serde_json::Value) -> Result<(), crate::runtime::BrokenRule>`).
        /// The spec says which rule holds; the face writes how it is checked.
        body_checks: &'static [(&'static str, &'static str)],
    },
    /// WSDL 1.1 whose types are in imported XSD files, through xsd-parser.
    Wsdl {
        /// XSD simple types that map to hand-written Rust types:
        /// (namespace, type name, Rust path).
        custom_types: &'static [(&'static str, &'static str, &'static str)],
    },
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

const STRING_LIKE: &[TypeImpl] = &[TypeImpl::Display, TypeImpl::FromStr];

/// Every generated client.
pub const APIS: &[ClientSpec] = &[
    ClientSpec {
        name: "connect",
        spec: "schemas/connect-payment/openapi.yaml",
        kind: Kind::OpenApi {
            context_type: "crate::runtime::Context",
            error_type: "crate::connect::Error",
            module: "crate::connect::generated",
            replacements: &[
                // "CUR AMOUNT" strings become integer minor units: never floats for money.
                Replacement {
                    schema: "Amount",
                    rust_type: "crate::connect::Money",
                    impls: STRING_LIKE,
                },
                // Sent as a string, received as a string or a number.
                Replacement {
                    schema: "VatRate",
                    rust_type: "crate::connect::VatRate",
                    impls: STRING_LIKE,
                },
            ],
            body_checks: &[("products-add-up", "crate::connect::products::check")],
        },
    },
    ClientSpec {
        name: "direct_payment_rest",
        spec: "schemas/direct-payment/rest.yaml",
        kind: Kind::OpenApi {
            context_type: "crate::runtime::Context",
            error_type: "crate::direct_payment::Error",
            module: "crate::direct_payment::generated::rest",
            replacements: &[
                // The documented code list, with each code's price range.
                Replacement {
                    schema: "ServiceCode",
                    rust_type: "crate::direct_payment::ServiceCode",
                    impls: STRING_LIKE,
                },
                Replacement {
                    schema: "BusinessModel",
                    rust_type: "crate::direct_payment::BusinessModel",
                    impls: STRING_LIKE,
                },
                // WCF's "/Date(ms)/" on the wire; a chrono instant in Rust.
                Replacement {
                    schema: "WcfDateTime",
                    rust_type: "crate::direct_payment::WcfDateTime",
                    impls: STRING_LIKE,
                },
            ],
            body_checks: &[(
                "payment-rules",
                "crate::direct_payment::payment_rules::check_request",
            )],
        },
    },
    ClientSpec {
        name: "puzzel_pay",
        spec: "schemas/puzzel-pay/openapi.yaml",
        kind: Kind::OpenApi {
            context_type: "crate::runtime::Context",
            error_type: "crate::puzzel_pay::Error",
            module: "crate::puzzel_pay::generated",
            replacements: &[],
            body_checks: &[],
        },
    },
    ClientSpec {
        name: "mediaconnect",
        spec: "schemas/mediaconnect/openapi.yaml",
        kind: Kind::OpenApi {
            context_type: "crate::runtime::Context",
            error_type: "crate::mediaconnect::Error",
            module: "crate::mediaconnect::generated",
            replacements: &[
                // int64 with minimum 1: typify's NonZeroU64 would send numbers past i64::MAX.
                Replacement {
                    schema: "CustomerNumber",
                    rust_type: "crate::mediaconnect::CustomerNumber",
                    impls: STRING_LIKE,
                },
            ],
            body_checks: &[],
        },
    },
    ClientSpec {
        name: "direct_payment_soap",
        spec: "schemas/direct-payment/DirectPayment.wsdl",
        kind: Kind::Wsdl {
            // Keeps the password out of the generated types' Debug output.
            custom_types: &[(
                "http://directpay.intele.com/v1/types",
                "Password",
                "crate::runtime::soap::Secret",
            )],
        },
    },
];

impl ClientSpec {
    /// The API it belongs to, in the one list of APIs.
    ///
    /// # Panics
    /// When the list does not name it (a test holds the two together).
    pub fn listed(&self) -> &'static nordpay_pinned::Listed {
        nordpay_pinned::api_of(self.name)
            .unwrap_or_else(|| panic!("{} is not in nordpay_pinned::APIS", self.name))
    }
}

/// The generated client named `name`, if there is one.
pub fn api(name: &str) -> Option<&'static ClientSpec> {
    APIS.iter().find(|api| api.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_client_is_one_listed_apis_and_every_listed_file_is_generated() {
        for client in APIS {
            assert!(client.listed().generated.contains(&client.name));
        }
        for listed in nordpay_pinned::APIS {
            for file in listed.generated {
                assert!(api(file).is_some(), "{file} is listed but not generated");
            }
        }
    }
}
