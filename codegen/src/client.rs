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

fn mentions_api_version(tokens: &impl ToTokens) -> bool {
    tokens
        .to_token_stream()
        .to_string()
        .contains("\"api-version\"")
}

impl VisitMut for StripApiVersionHeader {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        visit_mut::visit_block_mut(self, block);
        let before = block.stmts.len();
        block.stmts.retain(|stmt| match stmt {
            syn::Stmt::Expr(syn::Expr::MethodCall(call), _) => {
                !(call.method == "append" && call.args.first().is_some_and(mentions_api_version))
            }
            _ => true,
        });
        self.removed += before - block.stmts.len();
    }

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

/// Adds `#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]`
/// to every struct and enum of the generator's `types` module (its inline
/// parameter and response types), as the models carry it. The generator's
/// settings take extra derives but no attributes, so this is a pass.
pub struct DeriveSchemas {
    /// How many types were given the attribute.
    pub added: usize,
}

impl DeriveSchemas {
    fn attribute() -> syn::Attribute {
        syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))])
    }

    /// Adds the attribute to the types of `file`'s `types` module.
    pub fn apply(&mut self, file: &mut syn::File) {
        for item in &mut file.items {
            let syn::Item::Mod(module) = item else {
                continue;
            };
            if module.ident != "types" {
                continue;
            }
            let Some((_, items)) = &mut module.content else {
                continue;
            };
            for item in items {
                let attrs = match item {
                    syn::Item::Struct(s) => &mut s.attrs,
                    syn::Item::Enum(e) => &mut e.attrs,
                    _ => continue,
                };
                // After the generator's own derive, so serde's attributes
                // below it still apply to the same item.
                let at = attrs
                    .iter()
                    .position(|a| a.path().is_ident("derive"))
                    .map_or(attrs.len(), |i| i + 1);
                attrs.insert(at, Self::attribute());
                self.added += 1;
            }
        }
    }
}

/// Restores the document's operation ids in `OperationInfo` (the generator
/// passes the snake-case method name), so the transport can look operations
/// up in the operation table.
pub struct RestoreOperationIds<'a> {
    /// snake_case method name → operation id.
    pub ids: &'a std::collections::BTreeMap<String, String>,
    /// How many were rewritten.
    pub rewritten: usize,
}

impl VisitMut for RestoreOperationIds<'_> {
    fn visit_expr_struct_mut(&mut self, expr: &mut syn::ExprStruct) {
        visit_mut::visit_expr_struct_mut(self, expr);
        if !expr.path.is_ident("OperationInfo") {
            return;
        }
        for field in expr.fields.iter_mut() {
            let syn::Member::Named(name) = &field.member else {
                continue;
            };
            if name != "operation_id" {
                continue;
            }
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &mut field.expr
            {
                if let Some(id) = self.ids.get(&s.value()) {
                    *s = syn::LitStr::new(id, s.span());
                    self.rewritten += 1;
                }
            }
        }
    }
}

/// Routes every path value of the positional client through
/// `crate::runtime::path_segment`, which refuses values that would resolve to
/// another endpoint (`.`, `..`, empty) and encodes a backslash, instead of the
/// generator's plain `encode_path`.
pub struct GuardPathSegments {
    /// How many calls were rewritten.
    pub rewritten: usize,
}

impl VisitMut for GuardPathSegments {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // URLs are built with `format!`, whose arguments are plain tokens.
        if !mac.path.is_ident("format") {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let Ok(mut args) = mac.parse_body_with(parser) else {
            return;
        };
        for arg in args.iter_mut() {
            self.visit_expr_mut(arg);
        }
        mac.tokens = args.to_token_stream();
    }

    fn visit_use_tree_mut(&mut self, tree: &mut syn::UseTree) {
        visit_mut::visit_use_tree_mut(self, tree);
        if let syn::UseTree::Group(group) = tree {
            let kept: syn::punctuated::Punctuated<syn::UseTree, syn::Token![,]> = group
                .items
                .iter()
                .filter(|t| !matches!(t, syn::UseTree::Name(n) if n.ident == "encode_path"))
                .cloned()
                .collect();
            group.items = kept;
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::Call(call) = expr else {
            return;
        };
        let syn::Expr::Path(func) = &*call.func else {
            return;
        };
        if !func.path.is_ident("encode_path") || call.args.len() != 1 {
            return;
        }
        let arg = &call.args[0];
        *expr = syn::parse_quote!(crate::runtime::path_segment(#arg)?);
        self.rewritten += 1;
    }
}

/// Applies the post-processing passes to the generator's output.
///
/// `operation_ids` lists the document's operation ids.
pub fn postprocess(tokens: TokenStream, operation_ids: &[String]) -> Result<syn::File, String> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated client does not parse: {e}"))?;
    let mut strip = StripApiVersionHeader { removed: 0 };
    strip.visit_file_mut(&mut file);
    let ids: std::collections::BTreeMap<String, String> = operation_ids
        .iter()
        .map(|id| (heck::ToSnakeCase::to_snake_case(id.as_str()), id.clone()))
        .collect();
    let mut restore = RestoreOperationIds {
        ids: &ids,
        rewritten: 0,
    };
    restore.visit_file_mut(&mut file);
    let mut guard = GuardPathSegments { rewritten: 0 };
    guard.visit_file_mut(&mut file);
    DeriveSchemas { added: 0 }.apply(&mut file);
    if !operation_ids.is_empty() && restore.rewritten != operation_ids.len() {
        return Err(format!(
            "restored {} operation ids of {}",
            restore.rewritten,
            operation_ids.len()
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn processed(json: serde_json::Value) -> (OpenAPI, Models) {
        let mut spec: OpenAPI = serde_json::from_value(json).expect("test document parses");
        let facts = crate::passes::run_all(&mut spec);
        let value = serde_json::to_value(&spec).expect("serialises");
        let models = crate::models::build(&value, &facts.csv_lists);
        (spec, models)
    }

    #[test]
    fn components_are_replaced_by_the_models() {
        let (spec, models) = processed(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/2/things/{id}": {"get": {
                "operationId": "getThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
            }}},
            "components": {"schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}}
        }));
        let tokens = generate(&spec, &models).expect("generates");
        let file = postprocess(tokens, &["getThing".to_owned()]).expect("post-processes");
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("ResponseValue<crate::models::Thing>"),
            "the response is our model: {text}"
        );
        assert!(
            text.contains("kind: Option<&'a crate::models::GetThingKind>"),
            "so is the named parameter enum: {text}"
        );
        assert!(!text.contains("pub struct Thing"), "no type of its own");
        assert!(text.contains("pub async fn get_thing<'a>("));
        assert!(text.contains("operation_id: \"getThing\""));

        let (bare, models) = processed(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {}
        }));
        let err = generate(&bare, &models).expect_err("no components");
        assert!(err.contains("no components"), "{err}");
    }

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
        let file = postprocess(tokens, &[]).expect("post-processes");
        let text = file.to_token_stream().to_string();
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("ACCEPT"), "other headers stay: {text}");
    }

    #[test]
    fn api_version_header_map_entries_are_removed() {
        let tokens = syn::parse_str::<syn::File>(
            r#"fn f() {
                let mut header_map = HeaderMap::with_capacity(1usize);
                header_map.append(HeaderName::from_static("api-version"), HeaderValue::from_static(Self::api_version()));
                header_map.append(HeaderName::from_static("x-other"), v);
            }"#,
        )
        .expect("parses")
        .into_token_stream();
        let text = postprocess(tokens, &[])
            .expect("post-processes")
            .to_token_stream()
            .to_string();
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("x-other"), "{text}");
    }

    #[test]
    fn path_values_go_through_the_guard() {
        let mut file: syn::File = syn::parse_str(
            r#"use progenitor_client::{encode_path, ClientHooks};
            fn f() { let url = format!("{}/2/users/{}", base, encode_path(&id.to_string())); }"#,
        )
        .expect("parses");
        let mut guard = GuardPathSegments { rewritten: 0 };
        guard.visit_file_mut(&mut file);
        assert_eq!(guard.rewritten, 1);
        let text = file.to_token_stream().to_string();
        assert!(
            text.contains("crate :: runtime :: path_segment (& id . to_string ()) ?"),
            "{text}"
        );
        assert!(!text.contains("encode_path"), "{text}");
    }

    #[test]
    fn inline_types_derive_schemas_behind_the_feature() {
        let mut file = syn::parse_str::<syn::File>(
            "pub mod types { #[derive(Clone)] #[serde(transparent)] pub struct A(String); pub enum B { X } pub mod error { pub struct C; } } pub struct Client;",
        )
        .expect("parses");
        let mut pass = DeriveSchemas { added: 0 };
        pass.apply(&mut file);
        assert_eq!(
            pass.added, 2,
            "A and B, not the error module nor the client"
        );
        let text = file.to_token_stream().to_string();
        assert!(
            text.contains("# [derive (Clone)] # [cfg_attr (feature = \"schemars\" , derive (:: schemars :: JsonSchema))] # [serde (transparent)] pub struct A"),
            "{text}"
        );
    }

    #[test]
    fn operation_ids_are_restored() {
        let tokens = syn::parse_str::<syn::File>(
            r#"fn f() { let info = OperationInfo { operation_id: "search_posts_recent" }; }"#,
        )
        .expect("parses")
        .into_token_stream();
        let ids = vec!["searchPostsRecent".to_owned()];
        let text = postprocess(tokens, &ids)
            .expect("post-processes")
            .to_token_stream()
            .to_string();
        assert!(text.contains("\"searchPostsRecent\""), "{text}");
        let missing = syn::parse_str::<syn::File>("fn f() {}")
            .expect("parses")
            .into_token_stream();
        assert!(
            postprocess(missing, &ids).is_err(),
            "a missing rewrite is an error"
        );
    }
}
