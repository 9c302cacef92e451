//! A render step of our own in xsd-parser's pipeline: `XmlValue` and
//! `XmlRoot` (`crate::runtime::soap::codec`) for every complex type and `XmlText` for
//! every simple one, read from the same model xsd-parser renders the types
//! from.
//!
//! xsd-parser's own quick-xml (de)serializers are state machines driven one
//! event at a time through trait objects; a Pay exchange through them cost
//! 3.6x the same XML written and read by hand. The code rendered here writes
//! bytes straight into the buffer and reads each element in one loop, so
//! the SOAP layer can parse a response once, limits included. xsd-parser's
//! own quick-xml steps are not run.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use xsd_parser::config::TypedefMode;
use xsd_parser::models::TypeIdent;
use xsd_parser::models::data::{
    ComplexData, ComplexDataElement, ComplexDataStruct, DataTypeVariant, EnumerationData,
    EnumerationVariantValue, Occurs, SimpleData, StructMode,
};
use xsd_parser::models::meta::ElementMetaVariant;
use xsd_parser::models::schema::xs::FormChoiceType;
use xsd_parser::pipeline::renderer::{Context, RenderStep, RenderStepType};
use xsd_parser_types::misc::Namespace;

/// The render step; added to the config in `wsdl::generate`.
#[derive(Debug, Clone, Default)]
pub struct XmlCodecRenderStep;

impl RenderStep for XmlCodecRenderStep {
    fn render_step_type(&self) -> RenderStepType {
        RenderStepType::ExtraImpls
    }

    fn render_type(&mut self, ctx: &mut Context<'_, '_>) {
        // XML Schema's own types (xs:anyType) are no WSDL's content.
        let module = ctx.meta.types.meta.types.modules.get(&ctx.ident.ns);
        if module.and_then(|m| m.namespace.as_ref()) == Some(&Namespace::XS) {
            return;
        }
        let code = match &ctx.data.variant {
            DataTypeVariant::Complex(ComplexData::Struct {
                type_,
                content_type: None,
            }) => render_struct(ctx, type_),
            DataTypeVariant::Enumeration(data) => render_enumeration(data),
            DataTypeVariant::Simple(data) => render_simple(data),
            DataTypeVariant::Reference(data) => match data.mode {
                // A type alias is its target.
                TypedefMode::Auto | TypedefMode::Typedef => return,
                TypedefMode::NewType => render_newtype(&data.type_ident, false),
            },
            DataTypeVariant::BuildIn(_) | DataTypeVariant::Custom(_) => return,
            DataTypeVariant::Complex(_)
            | DataTypeVariant::Union(_)
            | DataTypeVariant::Dynamic(_) => {
                let ident = &ctx.ident.name;
                let message = format!(
                    "nordpay: {ident}: choices, unions and dynamic types are not supported by the SOAP codec"
                );
                quote! { compile_error!(#message); }
            }
        };
        ctx.current_module().append(code);
    }
}

/// An enumeration: each variant is its value's text; an open one's
/// `Unknown` (see `xsd_open.rs`) keeps any other text.
fn render_enumeration(data: &EnumerationData<'_>) -> TokenStream {
    let type_ident = &data.type_ident;
    let codec = quote!(crate::runtime::soap::codec);
    let (open, listed): (Vec<_>, Vec<_>) = data
        .variants
        .iter()
        .partition(|v| v.target_type.is_some() && v.variant_ident == crate::xsd_open::UNKNOWN);
    if let Some(variant) = listed
        .iter()
        .find(|v| v.target_type.is_some() || !matches!(v.value, EnumerationVariantValue::None))
    {
        let message = format!(
            "nordpay: {type_ident}::{}: only plain enumeration values are supported by the SOAP codec",
            variant.variant_ident
        );
        return quote! { compile_error!(#message); };
    }
    let writes = listed.iter().map(|variant| {
        let (ident, text) = (&variant.variant_ident, &variant.s_name);
        quote! { Self::#ident => ::std::borrow::Cow::Borrowed(#text), }
    });
    let reads = listed.iter().map(|variant| {
        let (ident, text) = (&variant.variant_ident, &variant.s_name);
        quote! { #text => Ok(Self::#ident), }
    });
    let name = type_ident.to_string();
    let (write_other, read_other) = match open.first() {
        Some(variant) => {
            let ident = &variant.variant_ident;
            (
                quote! { Self::#ident(value) => #codec::XmlText::to_xml_text(value), },
                quote! { _ => Ok(Self::#ident(#codec::XmlText::from_xml_text(text)?)), },
            )
        }
        None => (
            quote! {},
            quote! { _ => Err(#codec::invalid(#name, "not one of its values")), },
        ),
    };
    quote! {
        impl #codec::XmlText for #type_ident {
            fn to_xml_text(&self) -> ::std::borrow::Cow<'_, str> {
                match self {
                    #(#writes)*
                    #write_other
                }
            }

            fn from_xml_text(text: &str) -> Result<Self, crate::runtime::soap::SoapError> {
                match text {
                    #(#reads)*
                    #read_other
                }
            }
        }
    }
}

/// A restriction of a simple type: its base's text, checked against the
/// facets xsd-parser rendered into `validate_str` and `new`.
fn render_simple(data: &SimpleData<'_>) -> TokenStream {
    if !matches!(data.occurs, Occurs::Single) {
        let message = format!(
            "nordpay: {}: list types are not supported by the SOAP codec",
            data.type_ident
        );
        return quote! { compile_error!(#message); };
    }
    render_newtype(
        &data.type_ident,
        data.constrains.meta.need_string_validation(),
    )
}

fn render_newtype(type_ident: &proc_macro2::Ident, validate_str: bool) -> TokenStream {
    let codec = quote!(crate::runtime::soap::codec);
    let name = type_ident.to_string();
    let validate = validate_str.then(|| {
        quote! { Self::validate_str(text).map_err(|e| #codec::invalid(#name, e))?; }
    });
    let build = if validate_str {
        quote! { Self::new(inner).map_err(|e| #codec::invalid(#name, e)) }
    } else {
        quote! { Ok(Self(inner)) }
    };
    quote! {
        impl #codec::XmlText for #type_ident {
            fn to_xml_text(&self) -> ::std::borrow::Cow<'_, str> {
                #codec::XmlText::to_xml_text(&self.0)
            }

            fn from_xml_text(text: &str) -> Result<Self, crate::runtime::soap::SoapError> {
                #validate
                let inner = #codec::XmlText::from_xml_text(text)?;
                #build
            }
        }
    }
}

fn unsupported(what: &str, ty: &ComplexDataStruct<'_>) -> TokenStream {
    let message = format!(
        "nordpay: {}: {what} is not supported by the SOAP codec",
        ty.base.type_ident
    );
    quote! { compile_error!(#message); }
}

/// The element's namespace, if its name is qualified.
fn element_namespace(element: &ComplexDataElement<'_>) -> Option<Namespace> {
    (element.tag_name.form == FormChoiceType::Qualified)
        .then_some(element.tag_name.module)
        .flatten()
        .and_then(|module| module.namespace.clone())
}

fn render_struct(ctx: &Context<'_, '_>, ty: &ComplexDataStruct<'_>) -> TokenStream {
    if !ty.attributes.is_empty() || ty.allow_any_attribute {
        return unsupported("an attribute", ty);
    }
    let elements = match &ty.mode {
        StructMode::Empty { .. } => &[][..],
        StructMode::Sequence { elements, .. } | StructMode::All { elements, .. } => &elements[..],
        StructMode::Content { .. } => return unsupported("simple content", ty),
    };
    if let Some(element) = elements
        .iter()
        .find(|e| e.target_is_dynamic || e.need_indirection)
    {
        return unsupported(
            &format!("element {} (dynamic or boxed)", element.s_name),
            ty,
        );
    }
    let type_ident = &ty.base.type_ident;
    let xmlns = Literal::string(&xmlns_of(ctx, ty, elements));

    let codec = quote!(crate::runtime::soap::codec);
    let (write, read) = if elements.is_empty() {
        (
            quote! { w.empty(tag, xmlns); },
            quote! {
                r.skip(element)?;
                Ok(Self)
            },
        )
    } else {
        (write_elements(elements), read_elements(elements))
    };

    quote! {
        impl #codec::XmlValue for #type_ident {
            fn write_xml(
                &self,
                w: &mut #codec::XmlWriter<'_>,
                tag: &str,
                xmlns: &str,
            ) -> Result<(), crate::runtime::soap::SoapError> {
                #write
                Ok(())
            }

            fn read_xml(
                r: &mut #codec::XmlReader<'_>,
                element: &#codec::Child<'_>,
            ) -> Result<Self, crate::runtime::soap::SoapError> {
                #read
            }
        }

        impl #codec::XmlRoot for #type_ident {
            const XMLNS: &'static str = #xmlns;
        }
    }
}

/// How a struct's elements are written, in order.
fn write_elements(elements: &[ComplexDataElement<'_>]) -> TokenStream {
    let codec = quote!(crate::runtime::soap::codec);
    let writes = elements.iter().map(|element| {
        let field = &element.field_ident;
        let tag = element.tag_name.get(true);
        let nillable = element.meta().nillable;
        let one = |value: TokenStream| {
            if nillable {
                quote! { w.nillable(#tag, #value)?; }
            } else {
                quote! { #codec::XmlValue::write_xml(#value, w, #tag, "")?; }
            }
        };
        match element.occurs {
            Occurs::Optional => {
                let one = one(quote!(value));
                quote! { if let Some(value) = &self.#field { #one } }
            }
            Occurs::DynamicList | Occurs::StaticList(_) => {
                let one = one(quote!(value));
                quote! { for value in &self.#field { #one } }
            }
            Occurs::Single | Occurs::None => one(quote!(&self.#field)),
        }
    });
    quote! {
        w.open(tag, xmlns);
        #(#writes)*
        w.close(tag);
    }
}

/// How a struct's elements are read: in any order, unknown ones skipped,
/// required ones checked.
fn read_elements(elements: &[ComplexDataElement<'_>]) -> TokenStream {
    let codec = quote!(crate::runtime::soap::codec);
    let locals = elements.iter().map(|element| {
        let field = &element.field_ident;
        match element.occurs {
            Occurs::DynamicList | Occurs::StaticList(_) => {
                quote! { let mut #field = Vec::new(); }
            }
            _ => quote! { let mut #field = None; },
        }
    });
    let arms = elements.iter().map(|element| {
        let field = &element.field_ident;
        let local = Literal::byte_string(element.tag_name.name.as_bytes());
        let namespace = match element_namespace(element) {
            Some(ns) => {
                let ns = Literal::byte_string(ns.as_ref());
                quote!(Some(#ns))
            }
            None => quote!(None),
        };
        let value = if element.meta().nillable {
            quote! { r.nillable(&child)? }
        } else {
            quote! { #codec::XmlValue::read_xml(r, &child)? }
        };
        let store = match element.occurs {
            Occurs::DynamicList | Occurs::StaticList(_) => quote! { #field.push(#value) },
            _ => quote! { #field = Some(#value) },
        };
        quote! { #local if r.in_namespace(&child, #namespace) => #store, }
    });
    let fields = elements.iter().map(|element| {
        let field = &element.field_ident;
        match element.occurs {
            Occurs::Single | Occurs::None => {
                let name = &element.tag_name.name;
                quote! { #field: #field.ok_or_else(|| r.missing(#name))? }
            }
            _ => quote! { #field },
        }
    });
    quote! {
        #(#locals)*
        if !element.is_empty() {
            while let Some(child) = r.next_child()? {
                match child.local_name() {
                    #(#arms)*
                    _ => r.skip_unknown(&child)?,
                }
            }
        }
        Ok(Self { #(#fields),* })
    }
}

/// The declarations a root element of this type carries: XML Schema, the
/// root's own namespace, XML Schema instance if an element below is
/// nillable, and the namespace of every element below it; in xsd-parser's
/// namespace order, as its own serializer declared them.
fn xmlns_of(
    ctx: &Context<'_, '_>,
    ty: &ComplexDataStruct<'_>,
    elements: &[ComplexDataElement<'_>],
) -> String {
    let mut used = BTreeSet::new();
    // The root's own name.
    if let Some(namespace) = ty
        .base
        .tag_name
        .as_ref()
        .and_then(|tag| tag.module)
        .and_then(|module| module.namespace.as_ref())
    {
        used.insert(namespace.as_ref().to_vec());
    }
    let mut seen = BTreeSet::new();
    collect(ctx, elements, &mut used, &mut seen);
    let modules = &ctx.meta.types.meta.types.modules;
    let mut declared = BTreeMap::new();
    for (id, module) in modules {
        let Some(namespace) = &module.namespace else {
            continue;
        };
        // Every simple value is an XML Schema type.
        let always = *namespace == Namespace::XS;
        if always || used.contains(namespace.as_ref()) {
            let Some(prefix) = module.prefix() else {
                continue;
            };
            declared.insert(
                id.0,
                format!(
                    " xmlns:{prefix}=\"{}\"",
                    String::from_utf8_lossy(namespace.as_ref())
                ),
            );
        }
    }
    declared.into_values().collect()
}

fn collect(
    ctx: &Context<'_, '_>,
    elements: &[ComplexDataElement<'_>],
    used: &mut BTreeSet<Vec<u8>>,
    seen: &mut BTreeSet<TypeIdent>,
) {
    for element in elements {
        if let Some(namespace) = element_namespace(element) {
            used.insert(namespace.as_ref().to_vec());
        }
        // `xsi:nil` may be written.
        if element.meta().nillable {
            used.insert(Namespace::XSI.as_ref().to_vec());
        }
        if let ElementMetaVariant::Type { type_, .. } = &element.meta().variant {
            collect_type(ctx, type_, used, seen);
        }
    }
}

fn collect_type(
    ctx: &Context<'_, '_>,
    ident: &TypeIdent,
    used: &mut BTreeSet<Vec<u8>>,
    seen: &mut BTreeSet<TypeIdent>,
) {
    if !seen.insert(ident.clone()) {
        return;
    }
    match ctx.meta.types.items.get(ident).map(|data| &data.variant) {
        Some(DataTypeVariant::Complex(ComplexData::Struct { type_, .. })) => {
            collect(ctx, type_.elements(), used, seen);
        }
        Some(DataTypeVariant::Reference(reference)) => {
            collect_type(ctx, &reference.meta.type_, used, seen);
        }
        _ => {}
    }
}
