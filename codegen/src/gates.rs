//! Feature gates: the Cargo feature of each tag of the document, and the
//! `#[cfg(…)]` attribute that compiles an item when any of a set of
//! features is on (see [`crate::features`] for what gets which gate).

use std::collections::BTreeSet;

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

/// A set of feature names.
pub type Features = BTreeSet<String>;

/// The feature that turns on every API area.
pub const FULL: &str = "full";

/// The feature of a tag: `Direct Messages` → `direct-messages`.
pub fn of_tag(tag: &str) -> String {
    tag.to_kebab_case()
}

/// The features of an operation's tags.
pub fn of_tags(tags: &[String]) -> Features {
    tags.iter().map(|t| of_tag(t)).collect()
}

/// `#[cfg(any(feature = "a", feature = "b"))]`, `#[cfg(feature = "a")]`
/// for one; nothing for an empty set (an operation without tags is always
/// compiled).
pub fn cfg(features: &Features) -> TokenStream {
    match features.iter().collect::<Vec<_>>()[..] {
        [] => TokenStream::new(),
        [name] => quote!(#[cfg(feature = #name)]),
        ref names => quote!(#[cfg(any(#(feature = #names),*))]),
    }
}

/// [`cfg`] as an attribute; `None` for an empty set.
pub fn cfg_attribute(features: &Features) -> Option<syn::Attribute> {
    if features.is_empty() {
        return None;
    }
    let tokens = cfg(features);
    let parsed = syn::parse::Parser::parse2(syn::Attribute::parse_outer, tokens).ok()?;
    parsed.into_iter().next()
}

/// Reads back a `#[cfg(any(feature = …, …))]` or `#[cfg(feature = …)]`
/// attribute; `None` for any other attribute.
pub fn read_cfg(attr: &syn::Attribute) -> Option<Features> {
    if !attr.path().is_ident("cfg") {
        return None;
    }
    let meta: syn::Meta = attr.parse_args().ok()?;
    let parts: Vec<syn::Meta> = match meta {
        syn::Meta::List(list) if list.path.is_ident("any") => list
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .ok()?
            .into_iter()
            .collect(),
        other => vec![other],
    };
    let mut out = Features::new();
    for part in parts {
        let syn::Meta::NameValue(nv) = part else {
            return None;
        };
        if !nv.path.is_ident("feature") {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = nv.value
        else {
            return None;
        };
        out.insert(s.value());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> Features {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn tags_become_kebab_case_features() {
        assert_eq!(of_tag("Direct Messages"), "direct-messages");
        assert_eq!(of_tag("Tweets"), "tweets");
        assert_eq!(of_tag("Community Notes"), "community-notes");
        let tags = vec!["Stream".to_owned(), "Tweets".to_owned()];
        assert_eq!(of_tags(&tags), set(&["stream", "tweets"]));
    }

    #[test]
    fn cfg_attributes_read_back() {
        let attr = cfg_attribute(&set(&["tweets", "users"])).expect("an attribute");
        assert_eq!(read_cfg(&attr), Some(set(&["tweets", "users"])));
        let single: syn::Attribute = syn::parse_quote!(#[cfg(feature = "media")]);
        assert_eq!(read_cfg(&single), Some(set(&["media"])));
        let other: syn::Attribute = syn::parse_quote!(#[cfg(test)]);
        assert_eq!(read_cfg(&other), None);
        assert!(cfg_attribute(&Features::new()).is_none());
    }
}
