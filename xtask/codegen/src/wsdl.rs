//! The WSDL step: the XSD files a WSDL imports through xsd-parser (quick-xml
//! backend), plus the SOAP operation table read from the WSDL itself, so that
//! no SOAPAction or element name is ever typed a second time by hand.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{ToTokens as _, format_ident, quote};
use xsd_parser::config::{GeneratorFlags, OptimizerFlags, RendererFlags, Schema};
use xsd_parser::models::{IdentType, meta::CustomMeta};
use xsd_parser::{
    Config, exec_generator_with_ident_cache, exec_interpreter_with_ident_cache, exec_optimizer,
    exec_parser, exec_render,
};
use xsd_parser_types::misc::Namespace;

use crate::runtime::{OperationRow, RuntimePolicy};
use crate::{ClientSpec, CodegenError};

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP_BINDING_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// Extension attributes of our own (`nordpay:prefix` on an import names the
/// Rust module and XML prefix of that namespace).
const NORDPAY_NS: &str = "urn:nordpay:spec";

/// An element name with its namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QName {
    /// Namespace URI.
    pub namespace: String,
    /// Local name.
    pub local: String,
}

/// One operation of the WSDL's SOAP binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The operation name.
    pub name: String,
    /// Its SOAPAction.
    pub soap_action: String,
    /// The body element of the request.
    pub request: QName,
    /// The body element of the response.
    pub response: QName,
    /// The detail elements of its faults.
    pub faults: Vec<QName>,
    /// Retry class and times, from the binding operation's `nordpay:*` attributes.
    pub policy: RuntimePolicy,
}

/// What the generator needs from a WSDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wsdl {
    /// (namespace, schema file relative to the WSDL, prefix) of each imported XSD.
    pub imports: Vec<(String, String, String)>,
    /// The operations of the (single) SOAP 1.1 binding, in document order.
    pub operations: Vec<Operation>,
    /// The `soap:address` of the service's port.
    pub address: Option<String>,
}

fn error(api: &ClientSpec, message: impl Into<String>) -> CodegenError {
    CodegenError::Wsdl {
        spec: api.spec.to_string(),
        message: message.into(),
    }
}

/// Read the parts of a WSDL 1.1 document the generator uses.
pub fn parse(text: &str) -> Result<Wsdl, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if !root.has_tag_name((WSDL_NS, "definitions")) {
        return Err("the root element is not wsdl:definitions".into());
    }
    let messages = messages(root)?;
    let (binding, port_type) = soap_binding(root)?;
    let operations = children(binding, WSDL_NS, "operation")
        .into_iter()
        .map(|bound| operation(bound, binding, port_type, &messages))
        .collect::<Result<Vec<_>, _>>()?;
    let address = children(root, WSDL_NS, "service")
        .into_iter()
        .flat_map(|service| children(service, WSDL_NS, "port"))
        .flat_map(|port| children(port, SOAP_BINDING_NS, "address"))
        .find_map(|address| address.attribute("location"))
        .map(str::to_string);
    Ok(Wsdl {
        imports: imports(root)?,
        operations,
        address,
    })
}

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    ns: &'static str,
    name: &'static str,
) -> Vec<Node<'a, 'input>> {
    node.children()
        .filter(|child| child.has_tag_name((ns, name)))
        .collect()
}

/// The QName an attribute of `node` holds, its prefix resolved.
fn qname(node: Node<'_, '_>, attribute: &str) -> Result<QName, String> {
    let value = node
        .attribute(attribute)
        .ok_or_else(|| format!("<{}> has no {attribute}", node.tag_name().name()))?;
    let (prefix, local) = value
        .split_once(':')
        .map_or((None, value), |(p, l)| (Some(p), l));
    let namespace = node
        .lookup_namespace_uri(prefix)
        .ok_or_else(|| format!("prefix of {value:?} is not declared"))?;
    Ok(QName {
        namespace: namespace.to_string(),
        local: local.to_string(),
    })
}

/// The XSD files the WSDL imports: (namespace, location, nordpay:prefix).
fn imports(root: Node<'_, '_>) -> Result<Vec<(String, String, String)>, String> {
    let mut imports = Vec::new();
    for types in children(root, WSDL_NS, "types") {
        for schema in children(types, XSD_NS, "schema") {
            for import in children(schema, XSD_NS, "import") {
                let namespace = import
                    .attribute("namespace")
                    .ok_or("xsd:import without namespace")?;
                let location = import
                    .attribute("schemaLocation")
                    .ok_or("xsd:import without schemaLocation")?;
                let prefix = import
                    .attribute((NORDPAY_NS, "prefix"))
                    .ok_or_else(|| format!("xsd:import of {namespace} has no nordpay:prefix"))?;
                imports.push((
                    namespace.to_string(),
                    location.to_string(),
                    prefix.to_string(),
                ));
            }
        }
    }
    Ok(imports)
}

/// Message name -> the element of its (single) part.
fn messages(root: Node<'_, '_>) -> Result<std::collections::BTreeMap<String, QName>, String> {
    let mut messages = std::collections::BTreeMap::new();
    for message in children(root, WSDL_NS, "message") {
        let name = message
            .attribute("name")
            .ok_or("wsdl:message without name")?;
        let part = children(message, WSDL_NS, "part")
            .into_iter()
            .next()
            .ok_or_else(|| format!("message {name} has no part"))?;
        messages.insert(name.to_string(), qname(part, "element")?);
    }
    Ok(messages)
}

/// The WSDL's one SOAP 1.1 binding and the portType it binds.
fn soap_binding<'a, 'input>(
    root: Node<'a, 'input>,
) -> Result<(Node<'a, 'input>, Node<'a, 'input>), String> {
    let bindings = children(root, WSDL_NS, "binding");
    let [binding] = bindings.as_slice() else {
        return Err(format!(
            "expected one wsdl:binding, found {}",
            bindings.len()
        ));
    };
    if children(*binding, SOAP_BINDING_NS, "binding").is_empty() {
        return Err("the binding is not a SOAP 1.1 binding".into());
    }
    let port_type_name = qname(*binding, "type")?.local;
    let port_type = children(root, WSDL_NS, "portType")
        .into_iter()
        .find(|p| p.attribute("name") == Some(port_type_name.as_str()))
        .ok_or_else(|| format!("unknown portType {port_type_name}"))?;
    Ok((*binding, port_type))
}

/// One bound operation: its SOAPAction, messages, faults and runtime policy.
fn operation(
    bound: Node<'_, '_>,
    binding: Node<'_, '_>,
    port_type: Node<'_, '_>,
    messages: &std::collections::BTreeMap<String, QName>,
) -> Result<Operation, String> {
    let message_of = |node: Node<'_, '_>| -> Result<QName, String> {
        let reference = qname(node, "message")?;
        messages
            .get(&reference.local)
            .cloned()
            .ok_or_else(|| format!("unknown message {}", reference.local))
    };
    let name = bound
        .attribute("name")
        .ok_or("binding operation without name")?;
    let soap_action = children(bound, SOAP_BINDING_NS, "operation")
        .first()
        .and_then(|op| op.attribute("soapAction"))
        .ok_or_else(|| format!("operation {name} has no soapAction"))?
        .to_string();
    let abstract_op = children(port_type, WSDL_NS, "operation")
        .into_iter()
        .find(|op| op.attribute("name") == Some(name))
        .ok_or_else(|| {
            let port_type_name = port_type.attribute("name").unwrap_or_default();
            format!("operation {name} is not in portType {port_type_name}")
        })?;
    let one = |kind: &'static str| {
        children(abstract_op, WSDL_NS, kind)
            .first()
            .copied()
            .ok_or_else(|| format!("operation {name} has no {kind}"))
    };
    let faults = children(abstract_op, WSDL_NS, "fault")
        .into_iter()
        .map(message_of)
        .collect::<Result<Vec<_>, _>>()?;
    let policy = RuntimePolicy::read(|key| bound.attribute((NORDPAY_NS, key)).map(str::to_string))
        .map_err(|message| format!("operation {name}: nordpay runtime attributes: {message}"))?;
    if let Some(lookup) = policy.lookup()
        && !children(binding, WSDL_NS, "operation")
            .iter()
            .any(|op| op.attribute("name") == Some(lookup))
    {
        return Err(format!(
            "operation {name}: lookup {lookup} is not an operation of the binding"
        ));
    }
    Ok(Operation {
        policy,
        name: name.to_string(),
        soap_action,
        request: message_of(one("input")?)?,
        response: message_of(one("output")?)?,
        faults,
    })
}

/// Generate the types of the XSD files `api.spec` imports, and its operation table.
pub fn generate(
    api: &ClientSpec,
    root: &Path,
) -> Result<(TokenStream, Vec<PathBuf>), CodegenError> {
    let wsdl_path = root.join(api.spec);
    let text = crate::read(&wsdl_path)?;
    let wsdl = parse(&text).map_err(|message| error(api, message))?;
    let dir = wsdl_path.parent().unwrap_or(root);
    let xsd_paths: Vec<PathBuf> = wsdl
        .imports
        .iter()
        .map(|(_, location, _)| dir.join(location))
        .collect();

    let mut config = Config::default()
        .with_schemas(xsd_paths.iter().cloned().map(Schema::File))
        // REMOVE_DUPLICATES would merge distinct request types, and the
        // USE_UNRESTRICTED_BASE_TYPE_* flags drop pattern and length facets.
        .set_optimizer_flags(
            OptimizerFlags::REMOVE_EMPTY_ENUM_VARIANTS
                | OptimizerFlags::REMOVE_EMPTY_ENUMS
                | OptimizerFlags::REMOVE_DUPLICATE_UNION_VARIANTS
                | OptimizerFlags::REMOVE_EMPTY_UNIONS,
        )
        // WCF marks absent values with xsi:nil="true".
        .with_nillable_type_support()
        .with_generator_flags(
            GeneratorFlags::USE_NAMESPACE_MODULES | GeneratorFlags::FLATTEN_CONTENT,
        )
        .with_renderer_flags(RendererFlags::RENDER_DOCS)
        // The codec the SOAP layer reads and writes with (see xml_codec.rs),
        // instead of xsd-parser's quick-xml steps.
        .with_render_step(crate::xml_codec::XmlCodecRenderStep)
        // A real timestamp, not a String.
        .with_type(
            (IdentType::Type, Namespace::XS, "dateTime"),
            CustomMeta::new("XsDateTime")
                .include_from("crate::runtime::soap::XsDateTime")
                .with_namespace(Namespace::XS),
        );
    for (namespace, _, prefix) in &wsdl.imports {
        config = config.with_namespace(prefix.as_bytes().to_vec(), namespace.as_bytes().to_vec());
    }
    let crate::Kind::Wsdl { custom_types } = &api.kind else {
        unreachable!("xsd-parser runs on WSDL specs only");
    };
    for (namespace, name, path) in *custom_types {
        let short = path.rsplit_once("::").map_or(*path, |(_, short)| short);
        config = config.with_type(
            (
                IdentType::Type,
                Namespace::from(namespace.as_bytes().to_vec()),
                *name,
            ),
            CustomMeta::new(short)
                .include_from(*path)
                .with_namespace(Namespace::XS),
        );
    }
    let mut open = Vec::new();
    for path in &xsd_paths {
        let marked = crate::xsd_open::marked(&crate::read(path)?, NORDPAY_NS)
            .map_err(|message| error(api, format!("{}: {message}", path.display())))?;
        open.extend(marked);
    }
    // xsd-parser's pipeline step by step, to open the marked enumerations
    // in its model before the types and their codec are rendered from it.
    let xsd = |e: &dyn std::fmt::Display| error(api, format!("xsd-parser: {e}"));
    let schemas = exec_parser(config.parser).map_err(|e| xsd(&e))?;
    let (mut meta, idents) =
        exec_interpreter_with_ident_cache(config.interpreter, &schemas).map_err(|e| xsd(&e))?;
    crate::xsd_open::open(&mut meta, &open).map_err(|message| error(api, message))?;
    let meta = exec_optimizer(config.optimizer, meta).map_err(|e| xsd(&e))?;
    let data = exec_generator_with_ident_cache(config.generator, &schemas, Some(&idents), &meta)
        .map_err(|e| xsd(&e))?;
    let types = exec_render(config.renderer, &data)
        .map_err(|e| xsd(&e))?
        .to_token_stream();
    let operations = operation_table(api.listed().name, &wsdl);

    let mut inputs = vec![wsdl_path];
    inputs.extend(xsd_paths);
    Ok((quote! { #types #operations }, inputs))
}

/// `pub mod operations`: one `crate::runtime::soap::SoapOperation` per WSDL operation.
fn operation_table(api_name: &str, wsdl: &Wsdl) -> TokenStream {
    let qname = |name: &QName| {
        let (namespace, local) = (&name.namespace, &name.local);
        quote! { crate::runtime::soap::QName::new(#namespace, #local) }
    };
    // Logged instead of the URL: the endpoint's path.
    let path = wsdl
        .address
        .as_deref()
        .and_then(|address| address.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|at| rest[at..].to_string()))
        .unwrap_or_else(|| "/".to_string());
    let constants = wsdl.operations.iter().map(|op| {
        let ident = format_ident!("{}", screaming_snake(&op.name));
        let (name, action) = (&op.name, &op.soap_action);
        let (request, response) = (qname(&op.request), qname(&op.response));
        let faults = op.faults.iter().map(qname);
        let doc = format!("`{name}`: SOAPAction `{action}`. {}", op.policy.doc());
        let runtime = crate::runtime::operation(&OperationRow {
            api: api_name,
            name,
            method: "POST",
            path: &path,
            content_type: None,
            accept: None,
            policy: &op.policy,
            body_rules: &[],
            integer_rules: &[],
            query_values: &[],
            not_null: &[],
            body_check: None,
            bearer_requires: &[],
        });
        quote! {
            #[doc = #doc]
            pub const #ident: crate::runtime::soap::SoapOperation = crate::runtime::soap::SoapOperation {
                name: #name,
                soap_action: #action,
                request: #request,
                response: #response,
                faults: &[#(#faults),*],
                runtime: #runtime,
            };
        }
    });
    let all = wsdl
        .operations
        .iter()
        .map(|op| format_ident!("{}", screaming_snake(&op.name)));
    let address = wsdl.address.as_ref().map(|address| {
        quote! {
            /// The service's `soap:address` in the WSDL.
            pub const ADDRESS: &str = #address;
        }
    });
    quote! {
        /// The operations of the WSDL's SOAP binding.
        pub mod operations {
            #(#constants)*
            /// Every operation, in WSDL order.
            pub const ALL: &[crate::runtime::soap::SoapOperation] = &[#(#all),*];
            #address
        }
    }
}

fn screaming_snake(name: &str) -> String {
    crate::snake_case(name).to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WSDL: &str = r#"<wsdl:definitions targetNamespace="urn:t"
        xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
        xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:t" xmlns:f="urn:f"
        xmlns:nordpay="urn:nordpay:spec">
      <wsdl:types><xsd:schema><xsd:import namespace="urn:t" schemaLocation="t.xsd" nordpay:prefix="t"/></xsd:schema></wsdl:types>
      <wsdl:message name="In"><wsdl:part name="parameters" element="tns:Ping"/></wsdl:message>
      <wsdl:message name="Out"><wsdl:part name="parameters" element="tns:PingResponse"/></wsdl:message>
      <wsdl:message name="Fault"><wsdl:part name="detail" element="f:Oops"/></wsdl:message>
      <wsdl:portType name="P"><wsdl:operation name="Ping">
        <wsdl:input message="tns:In"/><wsdl:output message="tns:Out"/><wsdl:fault name="x" message="tns:Fault"/>
      </wsdl:operation></wsdl:portType>
      <wsdl:binding name="B" type="tns:P"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
        <wsdl:operation name="Ping" nordpay:retry="safe" nordpay:deadline-seconds="20"
            nordpay:attempt-timeout-seconds="5" nordpay:why="A read."><soap:operation soapAction="urn:t/P/Ping"/></wsdl:operation>
      </wsdl:binding>
    </wsdl:definitions>"#;

    #[test]
    fn operations_come_from_binding_port_type_and_messages() {
        let wsdl = parse(WSDL).unwrap();
        assert_eq!(wsdl.imports, [("urn:t".into(), "t.xsd".into(), "t".into())]);
        let q = |namespace: &str, local: &str| QName {
            namespace: namespace.into(),
            local: local.into(),
        };
        assert_eq!(
            wsdl.operations,
            [Operation {
                name: "Ping".into(),
                soap_action: "urn:t/P/Ping".into(),
                request: q("urn:t", "Ping"),
                response: q("urn:t", "PingResponse"),
                faults: vec![q("urn:f", "Oops")],
                policy: RuntimePolicy {
                    retry: crate::runtime::Retry::Safe,
                    deadline_seconds: 20,
                    attempt_timeout_seconds: 5,
                    confirmation_window_seconds: None,
                    why: "A read.".into(),
                },
            }]
        );
        assert_eq!(wsdl.address, None);
        assert_eq!(screaming_snake("GetPaymentStatus"), "GET_PAYMENT_STATUS");
    }

    #[test]
    fn a_wsdl_without_a_soap_binding_is_refused() {
        let broken = WSDL.replace(
            r#"<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>"#,
            "",
        );
        assert_eq!(
            parse(&broken).unwrap_err(),
            "the binding is not a SOAP 1.1 binding"
        );
        let unclassified = WSDL.replace(r#"nordpay:retry="safe""#, "");
        assert!(parse(&unclassified).unwrap_err().contains("Ping"));
        let undeclared = WSDL.replace(r#"element="tns:Ping""#, r#"element="zz:Ping""#);
        assert!(parse(&undeclared).unwrap_err().contains("not declared"));
    }
}
