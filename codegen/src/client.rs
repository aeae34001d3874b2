//! Runs the client generator on the preprocessed document and post-processes
//! its output.
//!
//! Every component schema is replaced by our own model (see [`crate::models`]),
//! so the generator only emits request code plus the few inline parameter
//! types. Its output then goes through small syntax-tree passes.

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

use crate::models::{Item, Models};

/// Runs the generator with every component schema replaced by its model.
pub fn generate(spec: &OpenAPI, models: &Models) -> Result<TokenStream, String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::runtime::Hooks));
    let Some(components) = &spec.components else {
        return Err("the document has no components".to_owned());
    };
    for name in components.schemas.keys() {
        let ident = crate::models::type_ident(name);
        let impls: Vec<TypeImpl> = match models.items.get(&ident) {
            Some(Item::Struct { .. }) => vec![TypeImpl::Default],
            Some(Item::Enum { .. }) => vec![TypeImpl::Display, TypeImpl::FromStr],
            _ => vec![],
        };
        settings.with_replacement(name, format!("crate::models::{ident}"), impls.into_iter());
    }
    let mut generator = Generator::new(&settings);
    generator
        .generate_tokens(spec)
        .map_err(|e| format!("client generator: {e}"))
}

/// Removes the fixed `api-version` header the generator adds to each request;
/// the API does not use it and the facade sets its own headers.
pub struct StripApiVersionHeader {
    /// How many header calls were removed.
    pub removed: usize,
}

impl VisitMut for StripApiVersionHeader {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::MethodCall(call) = expr {
            if call.method == "header" {
                let first = call
                    .args
                    .first()
                    .map(|a| a.to_token_stream().to_string())
                    .unwrap_or_default();
                if first.contains("\"api-version\"") {
                    let receiver = (*call.receiver).clone();
                    *expr = receiver;
                    self.removed += 1;
                }
            }
        }
    }
}

/// Applies the post-processing passes to the generator's output.
pub fn postprocess(tokens: TokenStream) -> Result<syn::File, String> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated client does not parse: {e}"))?;
    let mut strip = StripApiVersionHeader { removed: 0 };
    strip.visit_file_mut(&mut file);
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_header_is_removed() {
        let tokens: TokenStream = syn::parse_str::<syn::File>(
            r#"fn f() {
                let r = client.get(url)
                    .header(::reqwest::header::HeaderName::from_static("api-version"), ::reqwest::header::HeaderValue::from_static(Client::api_version()))
                    .header(ACCEPT, "application/json")
                    .build();
            }"#,
        )
        .expect("parses")
        .into_token_stream();
        let file = postprocess(tokens).expect("post-processes");
        let text = file.to_token_stream().to_string();
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("ACCEPT"), "other headers stay: {text}");
    }
}
