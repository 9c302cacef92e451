//! Changes to progenitor's output that no generator setting can make.

use proc_macro2::TokenStream;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Path, Token, punctuated::Punctuated};

use crate::{Api, CodegenError};

/// Parse the tokens and make the `JsonSchema` derive conditional on the
/// `schemars` feature, so services that do not need schemas do not compile
/// schemars.
pub fn postprocess(api: &Api, tokens: TokenStream) -> Result<syn::File, CodegenError> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|error| CodegenError::Syntax {
        spec: api.spec.to_string(),
        message: error.to_string(),
    })?;
    OptionalJsonSchema.visit_file_mut(&mut file);
    Ok(file)
}

struct OptionalJsonSchema;

fn is_json_schema(path: &Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "JsonSchema")
}

impl OptionalJsonSchema {
    fn rewrite(attrs: &mut Vec<Attribute>) {
        let mut index = 0;
        while index < attrs.len() {
            let attr = &attrs[index];
            index += 1;
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            else {
                continue;
            };
            if !paths.iter().any(is_json_schema) {
                continue;
            }
            let kept: Vec<&Path> = paths.iter().filter(|p| !is_json_schema(p)).collect();
            let optional: Attribute = syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            );
            if kept.is_empty() {
                attrs[index - 1] = optional;
            } else {
                attrs[index - 1].meta = syn::parse_quote!(derive(#(#kept),*));
                attrs.insert(index, optional);
                index += 1;
            }
        }
    }
}

impl VisitMut for OptionalJsonSchema {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        Self::rewrite(&mut item.attrs);
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        Self::rewrite(&mut item.attrs);
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn json_schema_derive_moves_behind_the_feature() {
        let api = &crate::APIS[0];
        let file = postprocess(
            api,
            quote! {
                #[derive(Clone, ::schemars::JsonSchema, Debug)]
                #[serde(rename_all = "camelCase")]
                pub struct A;
                #[derive(schemars::JsonSchema)]
                pub enum B {}
                #[derive(Clone)]
                pub struct C;
            },
        )
        .unwrap();
        let text = prettyplease::unparse(&file);
        assert_eq!(
            text,
            "#[derive(Clone, Debug)]\n\
             #[cfg_attr(feature = \"schemars\", derive(::schemars::JsonSchema))]\n\
             #[serde(rename_all = \"camelCase\")]\n\
             pub struct A;\n\
             #[cfg_attr(feature = \"schemars\", derive(::schemars::JsonSchema))]\n\
             pub enum B {}\n\
             #[derive(Clone)]\n\
             pub struct C;\n"
        );
    }
}
