//! `#[resource]` expansion: a read function, the variables' specs, completers, an
//! optional list function and the `inventory` registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::item::{self, clean_fn, invoke, opt_str};
use super::wire::{self, arg_spec, completers, extractor_param, wire_param};
use super::wrap;
use crate::model::ResourceFn;

pub(crate) fn expand(model: &ResourceFn<'_>) -> TokenStream {
    let func = clean_fn(model.original);
    let krate = &model.krate;
    let ret = &model.ret;
    let vars = model.variables.as_deref().unwrap_or_default();
    let req = format_ident!("__req");
    let is_var = |p: &crate::model::Param<'_>| p.is_named() && vars.contains(&p.wire_name);

    let params = model.params.iter().map(|p| {
        if is_var(p) {
            let name = &p.wire_name;
            wire_param(p, &req, quote!(#req.var(#name)))
        } else {
            extractor_param(p, &req, quote!(extract_resource_param))
        }
    });
    let specs = model.params.iter().filter(|p| is_var(p)).map(arg_spec);
    let completers = completers(model.params.iter().filter(|p| is_var(p)));
    let invoke = invoke(model.original, &model.params, model.is_async);
    let into_read = quote_spanned! {ret.span()=>
        (&&&&__mcp::read_probe::Probe::<#ret>::new()).__mcp_into_read(__ret, &#req)
    };
    let (list_fn, list) = match &model.list {
        Some(path) => (
            quote_spanned! {path.span()=>
                fn __mcp_list(__ctx: __mcp::Context) -> __mcp::BoxFuture<'static, ::core::result::Result<::std::vec::Vec<__mcp::Resource>, __mcp::Error>> {
                    __mcp::run_lister(#path, __ctx)
                }
            },
            quote!(::core::option::Option::Some(__mcp_list)),
        ),
        None => (quote!(), quote!(::core::option::Option::None)),
    };

    let uri = &model.uri.value;
    let name = &model.name;
    let title = opt_str(&model.title);
    let description = opt_str(&model.description);
    let mime_type = opt_str(&model.mime_type);
    let meta = opt_str(&model.meta.as_ref().map(|m| m.value.clone()));
    let size = match model.size {
        Some((s, _)) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let (audience, priority, last_modified) = match &model.annotations {
        Some(a) => (
            a.audience.clone(),
            match a.priority {
                Some(p) => quote!(::core::option::Option::Some(#p)),
                None => quote!(::core::option::Option::None),
            },
            opt_str(&a.last_modified),
        ),
        None => (
            Vec::new(),
            quote!(::core::option::Option::None),
            quote!(::core::option::Option::None),
        ),
    };
    let icons = item::icons(&model.icons);
    let scopes = &model.scopes;
    let location = item::location(model.original);
    let imports = wire::probe_imports();
    let requires = item::requires_fn(&model.params, false);

    let items = quote! {
        #imports
        #[allow(unused_imports)]
        use __mcp::read_probe::{ReadInto as _, ReadSerResult as _, ReadSer as _, ReadInvalid as _};

        fn __mcp_read(#req: __mcp::ResourceRequest) -> __mcp::BoxFuture<'static, __mcp::ReadOutcome> {
            ::std::boxed::Box::pin(async move {
                #(#params)*
                let __ret = #invoke;
                #into_read
            })
        }

        fn __mcp_variables() -> ::std::vec::Vec<__mcp::ArgSpec> {
            let mut __v = ::std::vec::Vec::new();
            #(#specs)*
            __v
        }

        #completers
        #list_fn
        #requires

        __mcp::inventory::submit! {
            __mcp::ResourceDescriptor {
                uri: #uri,
                name: #name,
                title: #title,
                description: #description,
                mime_type: #mime_type,
                size: #size,
                annotations: __mcp::ResourceAnnotationsDef {
                    audience: &[#(#audience),*],
                    priority: #priority,
                    last_modified: #last_modified,
                },
                icons: #icons,
                meta: #meta,
                scopes: &[#(#scopes),*],
                read: __mcp_read,
                list: #list,
                requires: __mcp_requires,
                variables: __mcp_variables,
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
