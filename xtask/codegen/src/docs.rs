//! Docs on every public generated item. What the spec describes, progenitor,
//! typify and xsd-parser carry over themselves; this pass fills the rest:
//! a field of a described type gets that type's description (OpenAPI 3.0
//! ignores a description beside a `$ref`, so the referenced schema's is the
//! spec's word on it), and the plumbing no spec describes (builder setters,
//! element aliases, namespace modules) gets a fixed sentence saying what it
//! is. `undocumented` counts what is left; a test holds it at 0.

use std::collections::BTreeMap;

use syn::visit_mut::VisitMut;

/// Document every public item, field and variant of `file` that has no doc.
/// `noun` is what a field is on the wire: `field` (JSON) or `element` (XML).
/// `known` describes types the file uses but does not define (the
/// hand-written types that stand for spec schemas), by name.
pub fn document(file: &mut syn::File, noun: &'static str, known: &BTreeMap<String, String>) {
    let mut described = Described(known.clone());
    described.visit_file_mut(file);
    Filler {
        described: described.0,
        owner: None,
        noun,
    }
    .visit_file_mut(file);
}

/// The public items, fields and variants of generated `source` without a
/// doc: what `missing_docs` would report.
pub fn undocumented(source: &str) -> Result<Vec<String>, String> {
    let mut file = syn::parse_file(source).map_err(|e| e.to_string())?;
    let mut counter = Counter::default();
    counter.visit_file_mut(&mut file);
    Ok(counter.0)
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident("doc"))
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn doc(text: &str) -> syn::Attribute {
    syn::parse_quote!(#[doc = #text])
}

/// The first paragraph of a doc.
fn first_paragraph(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        let syn::Meta::NameValue(meta) = &attr.meta else {
            continue;
        };
        if !meta.path.is_ident("doc") {
            continue;
        }
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &meta.value
        {
            lines.extend(text.value().lines().map(|line| line.trim().to_string()));
        }
    }
    let paragraph: Vec<String> = lines
        .into_iter()
        .skip_while(String::is_empty)
        .take_while(|line| !line.is_empty())
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

/// The wire name of a field or variant: serde's `rename`, else its ident.
fn wire_name(attrs: &[syn::Attribute], ident: &syn::Ident) -> String {
    for attr in attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut renamed = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                renamed = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
        if let Some(renamed) = renamed {
            return renamed;
        }
    }
    ident.to_string().trim_end_matches('_').to_string()
}

/// The named type a field holds, through `Option`, `Vec`, `Box` and
/// `Nillable`: `Option<Vec<Product>>` → `Product`.
fn held_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let wrapper = matches!(
        last.ident.to_string().as_str(),
        "Option" | "Vec" | "Box" | "Nillable"
    );
    if wrapper
        && let syn::PathArguments::AngleBracketed(arguments) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = arguments.args.first()
    {
        return held_type(inner);
    }
    Some(last.ident.to_string())
}

/// The first paragraph of every documented struct, enum and alias, by name.
#[derive(Default)]
struct Described(BTreeMap<String, String>);

// Read-only visitors written as VisitMut: syn's `visit` feature would be
// one more thing every build of the generator compiles.
impl VisitMut for Described {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if let Some(text) = first_paragraph(&item.attrs) {
            self.0.insert(item.ident.to_string(), text);
        }
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if let Some(text) = first_paragraph(&item.attrs) {
            self.0.insert(item.ident.to_string(), text);
        }
    }

    fn visit_item_type_mut(&mut self, item: &mut syn::ItemType) {
        if let Some(text) = first_paragraph(&item.attrs) {
            self.0.insert(item.ident.to_string(), text);
        }
    }
}

struct Filler {
    described: BTreeMap<String, String>,
    /// The type whose `impl` is being visited.
    owner: Option<String>,
    /// `field` or `element`.
    noun: &'static str,
}

impl VisitMut for Filler {
    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            let text = match item.ident.to_string().as_str() {
                "builder" => {
                    "Builders: a value built field by field, checked when it is built.".to_string()
                }
                "types" => "The types of the spec's schemas.".to_string(),
                "error" => "Why a value could not be built.".to_string(),
                name => format!("The generated items of `{name}`."),
            };
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            let name = item.ident.to_string();
            let text = match name.strip_suffix("ElementType") {
                Some(element) => format!("The content of the `{element}` element."),
                None => match self.described.get(&name) {
                    // A builder of a described type.
                    Some(text) => format!("Builds: {text}"),
                    None => format!("`{name}`."),
                },
            };
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            let name = item.ident.to_string();
            let text = match name.strip_suffix("ElementType") {
                Some(element) => format!("The content of the `{element}` element."),
                None => format!("`{name}`: one of its variants."),
            };
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_enum_mut(self, item);
    }

    fn visit_variant_mut(&mut self, variant: &mut syn::Variant) {
        if !has_doc(&variant.attrs) {
            let name = wire_name(&variant.attrs, &variant.ident);
            let text = match &variant.fields {
                syn::Fields::Unnamed(fields) => match fields
                    .unnamed
                    .first()
                    .and_then(|field| held_type(&field.ty))
                    .and_then(|held| self.described.get(&held))
                {
                    Some(text) => text.clone(),
                    None => format!("The `{name}` choice."),
                },
                _ => format!("The value `{name}`."),
            };
            variant.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_variant_mut(self, variant);
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        if is_pub(&field.vis)
            && !has_doc(&field.attrs)
            && let Some(ident) = &field.ident
        {
            let name = wire_name(&field.attrs, ident);
            let text = match held_type(&field.ty).and_then(|held| self.described.get(&held)) {
                Some(text) => text.clone(),
                None if name == "extra" => {
                    "Fields the spec does not list, kept as they came.".into()
                }
                None => format!("The `{name}` {}.", self.noun),
            };
            field.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_field_mut(self, field);
    }

    fn visit_item_type_mut(&mut self, item: &mut syn::ItemType) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            let name = item.ident.to_string();
            let text = match held_type(&item.ty).and_then(|held| self.described.get(&held)) {
                Some(text) => format!("The `{name}` element: {text}"),
                None => format!("The `{name}` element."),
            };
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_type_mut(self, item);
    }

    fn visit_item_const_mut(&mut self, item: &mut syn::ItemConst) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            // xsd-parser's namespace and prefix constants: say which.
            let mut literal = ByteString::default();
            literal.visit_expr_mut(&mut item.expr.clone());
            let kind = match &*item.ty {
                syn::Type::Path(path) => path
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let text = match (kind.as_str(), literal.0) {
                ("Namespace", Some(uri)) => format!("The XML namespace `{uri}`."),
                ("NamespacePrefix", Some(prefix)) => format!("The XML prefix `{prefix}`."),
                _ => format!("`{}`.", item.ident),
            };
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_const_mut(self, item);
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            let text = format!("`{}`.", item.sig.ident);
            item.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_item_fn_mut(self, item);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        // Trait impls need no docs; inherent ones name their type.
        if item.trait_.is_some() {
            return;
        }
        let owner = match &*item.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.owner, owner);
        syn::visit_mut::visit_item_impl_mut(self, item);
        self.owner = outer;
    }

    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if is_pub(&function.vis) && !has_doc(&function.attrs) {
            let name = function.sig.ident.to_string();
            let owner = self.owner.clone().unwrap_or_default();
            let takes_self = function.sig.receiver().is_some();
            let text = match name.as_str() {
                "builder" => format!("A builder of `{owner}`, field by field."),
                "new" => format!("A `{owner}`."),
                "body_map" => "Changes the body with a function of the current one.".into(),
                _ if takes_self && function.sig.inputs.len() == 2 => {
                    format!("Sets `{name}`; the value is checked when it is set or built.")
                }
                _ => format!("`{name}` of `{owner}`."),
            };
            function.attrs.push(doc(&text));
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
    }
}

/// The first byte-string literal of an expression (`b"http://…"`).
#[derive(Default)]
struct ByteString(Option<String>);

impl VisitMut for ByteString {
    fn visit_lit_byte_str_mut(&mut self, literal: &mut syn::LitByteStr) {
        if self.0.is_none() {
            self.0 = Some(String::from_utf8_lossy(&literal.value()).into_owned());
        }
    }
}

/// Counts what `missing_docs` counts: public items, fields and variants.
#[derive(Default)]
struct Counter(Vec<String>);

impl VisitMut for Counter {
    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("mod {}", item.ident));
        }
        syn::visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("struct {}", item.ident));
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("enum {}", item.ident));
        }
        syn::visit_mut::visit_item_enum_mut(self, item);
    }

    fn visit_variant_mut(&mut self, variant: &mut syn::Variant) {
        if !has_doc(&variant.attrs) {
            self.0.push(format!("variant {}", variant.ident));
        }
        syn::visit_mut::visit_variant_mut(self, variant);
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        if is_pub(&field.vis) && field.ident.is_some() && !has_doc(&field.attrs) {
            self.0.push(format!("field {:?}", field.ident));
        }
        syn::visit_mut::visit_field_mut(self, field);
    }

    fn visit_item_type_mut(&mut self, item: &mut syn::ItemType) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("type {}", item.ident));
        }
    }

    fn visit_item_const_mut(&mut self, item: &mut syn::ItemConst) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("const {}", item.ident));
        }
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        if is_pub(&item.vis) && !has_doc(&item.attrs) {
            self.0.push(format!("fn {}", item.sig.ident));
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if item.trait_.is_none() {
            syn::visit_mut::visit_item_impl_mut(self, item);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if is_pub(&function.vis) && !has_doc(&function.attrs) {
            self.0.push(format!("fn {}", function.sig.ident));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_item_gets_a_doc_from_its_type_or_what_it_is() {
        let mut file: syn::File = syn::parse_quote! {
            /// A product code.
            pub struct ProductCode(String);
            pub mod builder {
                pub struct Invoice { amount: Option<f64> }
                impl Invoice {
                    pub fn amount<T>(mut self, value: T) -> Self { self }
                }
            }
            pub struct Invoice {
                #[serde(rename = "productCode")]
                pub product_code: Option<ProductCode>,
                pub price: Money,
                pub paid_amount: Option<f64>,
                private: u8,
            }
            pub type Pay = PayElementType;
        };
        assert_eq!(
            undocumented(&quote::quote!(#file).to_string())
                .unwrap()
                .len(),
            8
        );
        let known = BTreeMap::from([("Money".to_string(), "CUR AMOUNT.".to_string())]);
        document(&mut file, "field", &known);
        let text = quote::quote!(#file).to_string();
        assert_eq!(undocumented(&text).unwrap(), Vec::<String>::new());
        for expected in [
            "A product code.",
            "CUR AMOUNT.",
            "The `paid_amount` field.",
            "Sets `amount`",
            "The `Pay` element.",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
    }
}
