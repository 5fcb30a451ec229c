//! What every registered item (`#[tool]`, `#[resource]`, `#[prompt]`) emits the same
//! way: the cleaned function, the call into it, icons and the source location.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::Param;
use crate::parse::attr::Icon;

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

/// The local each parameter is bound to before the call.
pub(crate) fn binding(p: &Param<'_>) -> syn::Ident {
    format_ident!("__mcp_p{}", p.index)
}

/// Calls the user's function with the bound parameters (sync bodies run on the blocking
/// pool). Spanned at the function's name, so errors about the call land there.
pub(crate) fn invoke(func: &syn::ItemFn, params: &[Param<'_>], is_async: bool) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let bindings = params.iter().map(binding);
    if is_async {
        quote_spanned!(fn_ident.span()=> #fn_ident(#(#bindings),*).await)
    } else {
        quote_spanned!(fn_ident.span()=> __mcp::run_blocking(move || #fn_ident(#(#bindings),*)).await)
    }
}

/// `&[IconDef { .. }, ..]`.
pub(crate) fn icons(icons: &[Icon]) -> TokenStream {
    let icons = icons.iter().map(|i| {
        let src = &i.src;
        let mime = opt_str(&i.mime_type);
        let sizes = &i.sizes;
        let theme = opt_str(&i.theme);
        quote!(__mcp::IconDef { src: #src, mime_type: #mime, sizes: &[#(#sizes),*], theme: #theme })
    });
    quote!(&[#(#icons),*])
}

/// The `location` and `krate` fields of a descriptor: where the item is defined.
pub(crate) fn location(func: &syn::ItemFn) -> TokenStream {
    let line = quote_spanned!(func.sig.ident.span()=> ::core::line!());
    quote! {
        location: __mcp::Location { file: ::core::file!(), line: #line, module: ::core::module_path!() },
        krate: __mcp::crate_info!(),
    }
}

/// `fn __mcp_requires(..)`: what the parameters' extractors need from the server (the
/// descriptor's `requires`, checked at `build()`). Every parameter goes through its probe:
/// only extractors declare anything, and a type that fits no level adds no second error.
pub(crate) fn requires_fn(params: &[Param<'_>], tool_probe: bool) -> TokenStream {
    let calls = params.iter().map(|p| {
        let ty = p.ty;
        if tool_probe {
            quote_spanned!(ty.span()=> (&&&&__mcp::probe::Probe::<#ty>::new()).__mcp_param_requires(__needs);)
        } else {
            quote_spanned!(ty.span()=> (&&&&&&__mcp::wire::Probe::<#ty>::new()).__mcp_wire_requires(__needs);)
        }
    });
    quote! {
        fn __mcp_requires(__needs: &mut __mcp::Requirements) {
            #(#calls)*
        }
    }
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
