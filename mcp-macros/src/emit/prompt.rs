//! `#[prompt]` expansion: a render function, the arguments' specs, completers and the
//! `inventory` registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::item::{self, clean_fn, invoke, opt_str};
use super::wire::{self, arg_spec, completers, extractor_param, wire_param};
use super::wrap;
use crate::model::PromptFn;

pub(crate) fn expand(model: &PromptFn<'_>) -> TokenStream {
    let func = clean_fn(model.original);
    let krate = &model.krate;
    let ret = &model.ret;
    let call = format_ident!("__call");

    // Named parameters are arguments unless their type is an extractor (decided by the
    // probe); destructuring patterns can only be extractors.
    let params = model.params.iter().map(|p| {
        if p.is_named() {
            let name = &p.wire_name;
            wire_param(p, &call, quote!(#call.arg(#name)))
        } else {
            extractor_param(p, &call, quote!(extract_param))
        }
    });
    let specs = model.params.iter().filter(|p| p.is_named()).map(arg_spec);
    let completers = completers(model.params.iter().filter(|p| p.is_named()));
    let invoke = invoke(model.original, &model.params, model.is_async);
    let finish = quote_spanned!(ret.span()=> __mcp::into_prompt_result::<#ret>(__ret));

    let name = &model.name;
    let title = opt_str(&model.title);
    let description = opt_str(&model.description);
    let meta = opt_str(&model.meta.as_ref().map(|m| m.value.clone()));
    let icons = item::icons(&model.icons);
    let scopes = &model.scopes;
    let location = item::location(model.original);
    let imports = wire::probe_imports();
    let requires = item::requires_fn(&model.params, false);

    let items = quote! {
        #imports

        fn __mcp_get(#call: __mcp::PromptCall) -> __mcp::BoxFuture<'static, __mcp::PromptOutcome> {
            ::std::boxed::Box::pin(async move {
                #(#params)*
                let __ret = #invoke;
                #finish
            })
        }

        fn __mcp_arguments() -> ::std::vec::Vec<__mcp::ArgSpec> {
            let mut __v = ::std::vec::Vec::new();
            #(#specs)*
            __v
        }

        #completers
        #requires

        __mcp::inventory::submit! {
            __mcp::PromptDescriptor {
                name: #name,
                title: #title,
                description: #description,
                icons: #icons,
                meta: #meta,
                scopes: &[#(#scopes),*],
                arguments: __mcp_arguments,
                get: __mcp_get,
                requires: __mcp_requires,
                #location
            }
        }
    };
    let registration = wrap::in_const(krate, items);
    quote! {
        #func
        #registration
    }
}
