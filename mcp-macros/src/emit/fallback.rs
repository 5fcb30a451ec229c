//! On error: the compile errors plus the user's function, so code that calls it keeps
//! compiling and the user sees only the real problems (thiserror's fallback). Shared by
//! `#[tool]`, `#[resource]` and `#[prompt]`.

use proc_macro2::TokenStream;
use quote::quote;

use super::item::clean_fn;

/// `error` as `compile_error!`s next to the annotated function (its helper attributes
/// removed).
pub(crate) fn annotated_fn(func: &syn::ItemFn, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let has_receiver = matches!(func.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    if has_receiver {
        // Re-emitting `self` outside an impl adds rustc's own error on top of ours; the
        // signature without it (and a body that cannot mention `self`) adds nothing.
        let mut stub = func.clone();
        stub.sig.inputs = stub
            .sig
            .inputs
            .into_iter()
            .filter(|a| !matches!(a, syn::FnArg::Receiver(_)))
            .collect();
        stub.block = syn::parse_quote!({ ::core::unreachable!() });
        stub.attrs
            .push(syn::parse_quote!(#[allow(unused_variables, dead_code)]));
        let stub = clean_fn(&stub);
        return quote! {
            #errors
            #stub
        };
    }
    let func = clean_fn(func);
    quote! {
        #errors
        #func
    }
}
