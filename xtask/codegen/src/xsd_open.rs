//! Open enumerations of an XSD: a `simpleType` marked `nordpay:open="true"`
//! (the REST specs' `x-nordpay-open`) gets one more variant, `Unknown`, that
//! keeps any value the schema does not list. A provider that adds a status
//! then does not fail the response that carries it.
//!
//! The variant is added to xsd-parser's model between its interpreter and
//! its optimizer, so the type and its codec (`xml_codec.rs`) are rendered
//! from one model like every other type.

use std::collections::BTreeSet;

use xsd_parser::MetaTypes;
use xsd_parser::models::meta::{EnumerationMetaVariant, MetaTypeVariant};
use xsd_parser::models::schema::xs::Use;
use xsd_parser::models::{IdentType, Name, PropertyIdent};
use xsd_parser_types::misc::Namespace;

use crate::wsdl::QName;

/// The Rust variant (and its name in the model) that keeps an unlisted value.
pub const UNKNOWN: &str = "Unknown";

/// The `simpleType`s of `xsd` marked `nordpay:open="true"`, by their
/// qualified name.
pub fn marked(xsd: &str, nordpay_ns: &str) -> Result<Vec<QName>, String> {
    let doc = roxmltree::Document::parse(xsd).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    let namespace = root.attribute("targetNamespace").unwrap_or_default();
    let mut open = Vec::new();
    for node in root.descendants() {
        let Some(flag) = node.attribute((nordpay_ns, "open")) else {
            continue;
        };
        let name = node.attribute("name").unwrap_or_default();
        if node.tag_name().name() != "simpleType" || name.is_empty() {
            return Err(format!(
                "nordpay:open is for named simpleTypes, not <{}>",
                node.tag_name().name()
            ));
        }
        match flag {
            "true" => open.push(QName {
                namespace: namespace.to_string(),
                local: name.to_string(),
            }),
            "false" => {}
            other => {
                return Err(format!(
                    "{name}: nordpay:open={other:?} is not true or false"
                ));
            }
        }
    }
    Ok(open)
}

/// Add the `Unknown(String)` variant to each of `open` in `types`. Every one
/// must be an enumeration the model holds, without a value named `Unknown`.
pub fn open(types: &mut MetaTypes, open: &[QName]) -> Result<(), String> {
    let modules = &types.modules;
    let namespace_of = |ns| modules.get(&ns).and_then(|module| module.namespace.clone());
    let string = types
        .items
        .keys()
        .find(|ident| {
            ident.name.as_str() == "string" && namespace_of(ident.ns) == Some(Namespace::XS)
        })
        .cloned()
        .ok_or("the model has no xs:string")?;

    let mut found = BTreeSet::new();
    for (ident, ty) in &mut types.items {
        let namespace = namespace_of(ident.ns);
        let Some(wanted) = open.iter().find(|q| {
            ident.type_ == IdentType::Type
                && ident.name.as_str() == q.local
                && namespace == Some(Namespace::from(q.namespace.as_bytes().to_vec()))
        }) else {
            continue;
        };
        let MetaTypeVariant::Enumeration(enumeration) = &mut ty.variant else {
            return Err(format!(
                "{}: nordpay:open on a type without enumeration values",
                wanted.local
            ));
        };
        if enumeration
            .variants
            .iter()
            .any(|v| v.ident.name.as_str() == UNKNOWN)
        {
            return Err(format!("{}: lists a value named {UNKNOWN}", wanted.local));
        }
        let mut variant = EnumerationMetaVariant::new(PropertyIdent {
            ns: ident.ns,
            name: Name::new_named(UNKNOWN),
        })
        .with_type(Some(string.clone()));
        variant.use_ = Use::Required;
        variant.display_name = Some(UNKNOWN.to_string());
        variant.documentation = vec![
            "A value the schema does not list, as sent (the provider may add values).".to_string(),
        ];
        enumeration.variants.push(variant);
        found.insert(wanted.local.clone());
    }
    match open.iter().find(|q| !found.contains(&q.local)) {
        Some(missing) => Err(format!(
            "{}: nordpay:open names no type of the schemas",
            missing.local
        )),
        None => Ok(()),
    }
}
