//! Parameters filled from wire strings, shared by `#[resource]` (template variables) and
//! `#[prompt]` (arguments): the conversion, their specs and their completers.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::item::{binding, opt_str};
use crate::model::Param;

/// The trait imports the probes need.
pub(crate) fn probe_imports() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use __mcp::wire::{
            WireExtractor as _, WireOptStr as _, WireOptDe as _, WireStr as _, WireDe as _,
            WireInvalid as _, EnumOpt as _, EnumPlain as _, EnumNone as _,
            ListCheck as _, NotAList as _,
        };
    }
}

/// `let __mcp_pN: T = <value from the wire string or the context>;` — `owner` is the
/// request value (`__req`/`__call`) and `raw` its accessor for the string.
pub(crate) fn wire_param(p: &Param<'_>, owner: &syn::Ident, raw: TokenStream) -> TokenStream {
    let ty = p.ty;
    let b = binding(p);
    let name = &p.wire_name;
    quote_spanned! {ty.span()=>
        (&&__mcp::wire::Probe::<#ty>::new()).__mcp_not_a_list();
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
