//! On error: the compile errors plus the user's function, so code that calls it keeps
//! compiling and the user sees only the real problems.

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn tool(func: &syn::ItemFn, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let func = super::clean_fn(func);
    quote! {
        #errors
        #func
    }
}
