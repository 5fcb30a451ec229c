//! Emission: the only place that writes tokens.

pub(crate) mod args;
pub(crate) mod fallback;
pub(crate) mod prompt;
pub(crate) mod resource;
pub(crate) mod tool;

use proc_macro2::TokenStream;
use quote::quote;

/// The user's function with the helper attributes the macro consumed removed from its
/// parameters (`#[arg]` and doc comments, which rustc would reject there).
pub(crate) fn clean_fn(func: &syn::ItemFn) -> TokenStream {
    let mut func = func.clone();
    for input in &mut func.sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            pt.attrs
                .retain(|a| !a.path().is_ident("arg") && !a.path().is_ident("doc"));
        }
    }
    quote!(#func)
}

pub(crate) fn opt_str(v: &Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

pub(crate) fn opt_bool(v: Option<bool>) -> TokenStream {
    match v {
        Some(b) => quote!(::core::option::Option::Some(#b)),
        None => quote!(::core::option::Option::None),
    }
}
