//! nordpay's one code generator, shared by `build.rs` and `cargo xtask codegen`.
//!
//! `schemas/<api>/*.yaml` → [`normalize`] (rewrite only what progenitor cannot
//! take, and report it) → progenitor → [`postprocess`] → prettyplease. The
//! output is deterministic: the same spec gives byte-identical source.

mod apis;
mod command_line;
pub mod docs;
#[cfg(feature = "drift")]
pub mod drift;
pub mod normalize;
mod nulls;
mod openapi;
mod postprocess;
mod refs;
#[cfg(feature = "drift")]
pub mod review;
pub mod runtime;
mod server;
mod spec_enum;
#[cfg(feature = "wsdl")]
mod wsdl;
#[cfg(feature = "wsdl")]
mod xml_codec;
mod xml_shapes;
#[cfg(feature = "wsdl")]
mod xsd_open;

use std::path::{Path, PathBuf};

pub use apis::{APIS, ClientSpec, Kind, Replacement, api};
/// How the generated code is pinned (its own crate, for build.rs).
pub use nordpay_pinned as snapshot;
pub use normalize::Rewrite;

/// The generated client of one API.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The Rust source, with its "do not edit" header.
    pub source: String,
    /// What normalize rewrote, in spec order.
    pub rewrites: Vec<Rewrite>,
    /// Every file the output depends on (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
}

/// Why generation failed. Every variant names the spec it came from.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A spec file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The spec file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A spec file is not a valid OpenAPI 3.0 document.
    #[error("{path}: not a valid OpenAPI 3.0 document: {source}")]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// The parse error.
        source: serde_yaml::Error,
    },
    /// progenitor rejected the spec.
    #[error("{spec}: progenitor rejected the spec: {source}")]
    Generate {
        /// The spec file.
        spec: String,
        /// progenitor's error.
        source: progenitor::Error,
    },
    /// progenitor panicked; `operations` are those that panic on their own.
    #[error(
        "{spec}: progenitor panicked on operation(s) [{}]: {message}",
        operations.join(", ")
    )]
    Panic {
        /// The spec file.
        spec: String,
        /// operationIds that make progenitor panic when generated alone.
        operations: Vec<String>,
        /// The panic message.
        message: String,
    },
    /// The WSDL or its XSD files could not be turned into Rust.
    #[error("{spec}: {message}")]
    Wsdl {
        /// The WSDL file.
        spec: String,
        /// What went wrong.
        message: String,
    },
    /// A `x-nordpay-*` extension is missing or wrong.
    #[error("{spec}: {message}")]
    Extension {
        /// The spec file.
        spec: String,
        /// What is wrong, naming the operation.
        message: String,
    },
    /// progenitor produced tokens that are not a Rust file.
    #[error("{spec}: generated code does not parse: {message}")]
    Syntax {
        /// The spec file.
        spec: String,
        /// The parser's message.
        message: String,
    },
}

/// Generate the client of `api` from the specs under `root` (the workspace root).
pub fn generate(api: &ClientSpec, root: &Path) -> Result<Generated, CodegenError> {
    let mut known = std::collections::BTreeMap::new();
    let (tokens, rewrites, inputs, null_rules) = match &api.kind {
        Kind::OpenApi { replacements, .. } => {
            let spec_path = root.join(api.spec);
            let text = read(&spec_path)?;
            let mut spec: openapiv3::OpenAPI =
                serde_yaml::from_str(&text).map_err(|source| CodegenError::Parse {
                    path: spec_path.clone(),
                    source,
                })?;
            // The hand-written types that stand for schemas are described by them.
            for replacement in *replacements {
                let described = spec
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(replacement.schema))
                    .and_then(|schema| schema.as_item())
                    .and_then(|schema| schema.schema_data.description.as_deref());
                if let (Some(text), Some(name)) =
                    (described, replacement.rust_type.rsplit("::").next())
                {
                    let paragraph: Vec<&str> = text
                        .lines()
                        .map(str::trim)
                        .take_while(|line| !line.is_empty())
                        .collect();
                    known.insert(name.to_string(), paragraph.join(" "));
                }
            }
            // The server serves the spec as written (real media types).
            let served = spec.clone();
            let null_rules = nulls::NullRules::of(&served);
            let (mut rewrites, mut media_types) = normalize::vendor_media_types(&mut spec);
            normalize::accept_json_faults(&spec, &mut media_types);
            // The runtime reads every error status itself (the generated code
            // never sees one), and each face decodes its body: one raw body.
            rewrites.extend(normalize::raw_error_bodies(&mut spec));
            let mut tokens = openapi::run_progenitor(api, &spec)?;
            tokens.extend(openapi::servers(api, &spec));
            tokens.extend(openapi::operations(api, &spec, &media_types)?);
            let enums: Vec<String> = spec_enum::find(&served)
                .map_err(|message| CodegenError::Extension {
                    spec: api.spec.to_string(),
                    message: message.clone(),
                })?
                .into_iter()
                .map(|spec_enum| spec_enum.name)
                .collect();
            tokens.extend(server::render(api, &served, &enums).map_err(|message| {
                CodegenError::Extension {
                    spec: api.spec.to_string(),
                    message: format!("server: {message}"),
                }
            })?);
            (tokens, rewrites, vec![spec_path], null_rules)
        }
        #[cfg(feature = "wsdl")]
        Kind::Wsdl { .. } => {
            let (tokens, inputs) = wsdl::generate(api, root)?;
            (tokens, Vec::new(), inputs, nulls::NullRules::default())
        }
        #[cfg(not(feature = "wsdl"))]
        Kind::Wsdl { .. } => {
            return Err(CodegenError::Wsdl {
                spec: api.spec.to_string(),
                message: "nordpay-codegen was built without its `wsdl` feature".into(),
            });
        }
    };
    let mut file = postprocess::postprocess(api, tokens, &known)?;
    null_rules.apply(&mut file);
    let body = prettyplease::unparse(&file);

    Ok(Generated {
        source: format!("{}{body}", header(api, &rewrites)),
        rewrites,
        inputs,
    })
}

/// `getPaymentStatus` → `get_payment_status`: the operation names progenitor
/// gives in `OperationInfo`, and (upper-cased) the operation constants.
fn snake_case(identifier: &str) -> String {
    let mut out = String::new();
    for (i, c) in identifier.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn read(path: &Path) -> Result<String, CodegenError> {
    std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn header(api: &ClientSpec, rewrites: &[Rewrite]) -> String {
    let mut out = format!(
        "// @generated by nordpay-codegen from {}. Do not edit:\n\
         // change the spec or the generator, then run `cargo xtask codegen`.\n",
        api.spec
    );
    if matches!(api.kind, Kind::Wsdl { .. }) {
        out.push('\n');
        return out;
    }
    if rewrites.is_empty() {
        out.push_str("//\n// normalize rewrites: none\n");
    } else {
        out.push_str("//\n// normalize rewrites:\n");
        for rewrite in rewrites {
            out.push_str(&format!("// - {rewrite}\n"));
        }
    }
    out.push('\n');
    out
}
