//! The one wrapper every expansion puts its generated items in (serde's
//! `dummy::wrap_in_const`): an anonymous `const` block, so helper items never leak into
//! the user's namespace, with the runtime bound once as `__mcp`.

use proc_macro2::TokenStream;
use quote::quote;

/// `const _: () = { use #krate::__private as __mcp; #items };`. `#krate` is the
/// `crate = ".."` override or `::mcpserve`.
pub(crate) fn in_const(krate: &syn::Path, items: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, non_upper_case_globals, clippy::all, unused_variables, unreachable_code)]
        const _: () = {
            #[allow(unused_imports)]
            use #krate::__private as __mcp;
            #items
        };
    }
}
