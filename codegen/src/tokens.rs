//! Small helpers for emitting tokens, shared by the emitting passes.

use proc_macro2::TokenStream;
use quote::quote;

/// `Some(v)` or `None`, as tokens.
pub(crate) fn opt<T: quote::ToTokens>(v: &Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}
