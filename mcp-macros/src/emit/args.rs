//! Pieces shared by `#[resource]` and `#[prompt]`: wire-string parameters, argument
//! specs, completers, the invocation and icons.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::opt_str;
use crate::model::Param;
use crate::parse::attr::Icon;

/// The trait imports the probes need.
pub(crate) fn probe_imports() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use __mcp::wire::{
            WireExtractor as _, WireOptStr as _, WireOptDe as _, WireStr as _, WireDe as _,
            WireInvalid as _, EnumOpt as _, EnumPlain as _, EnumNone as _,
        };
    }
}

pub(crate) fn binding(p: &Param<'_>) -> syn::Ident {
    format_ident!("__mcp_p{}", p.index)
}

/// `let __mcp_pN: T = <value from the wire string or the context>;` — `owner` is the
/// request value (`__req`/`__call`) and `raw` its accessor for the string.
pub(crate) fn wire_param(p: &Param<'_>, owner: &syn::Ident, raw: TokenStream) -> TokenStream {
    let ty = p.ty;
    let b = binding(p);
    let name = &p.wire_name;
    quote_spanned! {ty.span()=>
        let #b: #ty = match (&&&&&&__mcp::wire::Probe::<#ty>::new()).__mcp_wire(#raw, #owner.context()).await {
            ::core::result::Result::Ok(v) => v,
            ::core::result::Result::Err(e) => return ::core::result::Result::Err(#owner.__wire_error(#name, e)),
        };
    }
}

/// An extractor-only parameter.
pub(crate) fn extractor_param(
    p: &Param<'_>,
    owner: &syn::Ident,
    assert: TokenStream,
) -> TokenStream {
    let ty = p.ty;
    let b = binding(p);
    quote_spanned! {ty.span()=>
        let #b: #ty = match __mcp::#assert::<#ty>(#owner.context()).await {
            ::core::result::Result::Ok(v) => v,
            ::core::result::Result::Err(e) => return ::core::result::Result::Err(e),
        };
    }
}

fn completer_ident(p: &Param<'_>) -> syn::Ident {
    format_ident!("__mcp_complete_{}", p.index)
}

/// One function per `#[arg(complete = f)]`.
pub(crate) fn completers<'a>(params: impl Iterator<Item = &'a Param<'a>>) -> TokenStream {
    let fns = params.filter_map(|p| {
        let path = p.complete.as_ref()?;
        let ident = completer_ident(p);
        Some(quote_spanned! {path.span()=>
            fn #ident(__r: __mcp::CompletionRequest) -> __mcp::BoxFuture<'static, ::core::result::Result<__mcp::Completion, __mcp::Error>> {
                __mcp::run_completer(#path, __r)
            }
        })
    });
    quote!(#(#fns)*)
}

/// `__v.push(ArgSpec { .. })` when the parameter is a wire value (not an extractor).
pub(crate) fn arg_spec(p: &Param<'_>) -> TokenStream {
    let ty = p.ty;
    let name = &p.wire_name;
    let description = opt_str(&p.description);
    let complete = match &p.complete {
        Some(_) => {
            let ident = completer_ident(p);
            quote!(::core::option::Option::Some(#ident as __mcp::CompleteFn))
        }
        None => quote!(::core::option::Option::None),
    };
    let info =
        quote_spanned!(ty.span()=> (&&&&&&__mcp::wire::Probe::<#ty>::new()).__mcp_wire_info());
    let values =
        quote_spanned!(ty.span()=> (&&&__mcp::wire::Probe::<#ty>::new()).__mcp_enum_values());
    quote! {
        if let ::core::option::Option::Some(__info) = #info {
            __v.push(__mcp::ArgSpec {
                name: #name,
                description: #description,
                required: __info.required,
                complete: #complete,
                enum_values: #values,
            });
        }
    }
}

/// Calls the user's function (sync bodies run on the blocking pool).
pub(crate) fn invoke(func: &syn::ItemFn, params: &[Param<'_>], is_async: bool) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let bindings = params.iter().map(binding);
    if is_async {
        quote_spanned!(fn_ident.span()=> #fn_ident(#(#bindings),*).await)
    } else {
        quote_spanned!(fn_ident.span()=> __mcp::run_blocking(move || #fn_ident(#(#bindings),*)).await)
    }
}

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
