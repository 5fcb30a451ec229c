//! `#[tool]` expansion: the function, a streaming argument visitor, the schema builders
//! and the `inventory` registration, inside `const _: () = { .. };`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::item::{self, binding, clean_fn, invoke, opt_bool, opt_str};
use super::wrap;
use crate::model::{Param, ToolFn};
use crate::parse::attr::TaskSupport;

pub(crate) fn expand(model: &ToolFn<'_>) -> TokenStream {
    let func = clean_fn(model.original);
    let krate = &model.krate;
    let fn_ident = &model.original.sig.ident;
    let ret = &model.ret;
    let flatten = model.params.iter().find(|p| p.flatten.is_some());

    let slots: Vec<_> = model.params.iter().map(slot_ident).collect();
    let bindings: Vec<_> = model.params.iter().map(binding).collect();

    // Arguments: a generated visitor reads the JSON object straight into typed slots.
    let (deserialize, finish) = match flatten {
        None => {
            let visitor = visitor(model);
            let slot_list = &slots;
            let finishes = model
                .params
                .iter()
                .map(|p| finish_param(p, &bindings[p.index], &slots[p.index]));
            (
                quote! {
                    #visitor
                    let (#(#slot_list,)*) = match __call.__deserialize_args(__Visitor) {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(r) => return ::core::result::Result::Ok(r),
                    };
                },
                quote!(#(#finishes)*),
            )
        }
        Some(flat) => {
            let ty = flat.ty;
            let b = &bindings[flat.index];
            let others = model.params.iter().filter(|p| p.flatten.is_none()).map(|p| {
                let ty = p.ty;
                let b = &bindings[p.index];
                let name = &p.wire_name;
                let check = quote_spanned! {ty.span()=>
                    __mcp::assert_extractor::<#ty>();
                };
                quote_spanned! {ty.span()=>
                    #check
                    let #b: #ty = match (&&&&__mcp::probe::Probe::<#ty>::new()).__mcp_param_finish(::core::option::Option::None, &__call, #name).await {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(o) => return o,
                    };
                }
            });
            (
                quote! {
                    let #b: #ty = match __call.__deserialize_whole::<#ty>() {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(r) => return ::core::result::Result::Ok(r),
                    };
                },
                quote!(#(#others)*),
            )
        }
    };

    let invoke = invoke(model.original, &model.params, model.is_async);
    let into_outcome = quote_spanned! {ret.span()=>
        (&&&&__mcp::probe::Probe::<#ret>::new()).__mcp_into_outcome(__ret)
    };
    let output_schema = quote_spanned! {ret.span()=>
        (&&&&__mcp::probe::Probe::<#ret>::new()).__mcp_output_schema(__gen)
    };
    // Spanned at the function's name: a handler whose future is not `Send` (an `Rc` held
    // across `.await`) is reported there rather than at the attribute.
    let call_body = quote_spanned! {fn_ident.span()=>
        ::std::boxed::Box::pin(async move {
            #deserialize
            #finish
            let __ret = #invoke;
            #into_outcome
        })
    };
    let input_schema = input_schema(model, flatten);
    let descriptor = descriptor(model);
    let requires = item::requires_fn(&model.params, true);

    let items = quote! {
        #[allow(unused_imports)]
        use __mcp::probe::{
            ParamExtractor as _, ParamOptional as _, ParamRequired as _, ParamInvalid as _,
            ReturnIntoResult as _, ReturnStructuredResult as _, ReturnStructured as _, ReturnInvalid as _,
        };

        fn __mcp_call(__call: __mcp::ToolCall) -> __mcp::BoxFuture<'static, __mcp::ToolOutcome> {
            #call_body
        }

        fn __mcp_input_schema(__gen: &mut __mcp::SchemaGenerator) -> __mcp::serde_json::Value {
            #input_schema
        }

        fn __mcp_output_schema(__gen: &mut __mcp::SchemaGenerator) -> ::core::option::Option<__mcp::serde_json::Value> {
            #output_schema
        }

        #requires

        __mcp::inventory::submit! { #descriptor }
    };
    let registration = wrap::in_const(krate, items);
    quote! {
        #func
        #registration
    }
}

fn slot_ident(p: &Param<'_>) -> syn::Ident {
    format_ident!("__mcp_s{}", p.index)
}

fn probe(p: &Param<'_>) -> TokenStream {
    let ty = p.ty;
    quote_spanned!(ty.span()=> (&&&&__mcp::probe::Probe::<#ty>::new()))
}

fn visitor(model: &ToolFn<'_>) -> TokenStream {
    let tys: Vec<_> = model.params.iter().map(|p| p.ty).collect();
    let slots: Vec<_> = model.params.iter().map(slot_ident).collect();
    let arms = model.params.iter().filter(|p| p.is_named()).map(|p| {
        let name = &p.wire_name;
        let slot = slot_ident(p);
        let probe = probe(p);
        let de = quote_spanned!(p.ty.span()=> #probe.__mcp_param_de(&mut __map));
        quote! {
            #name => {
                if #slot.is_some() {
                    return ::core::result::Result::Err(__mcp::ArgsError::duplicate::<__A::Error>(#name));
                }
                #slot = #de.map_err(|e| __mcp::ArgsError::at::<__A::Error>(#name, e))?;
            }
        }
    });
    quote! {
        struct __Visitor;
        impl<'de> __mcp::serde::de::Visitor<'de> for __Visitor {
            type Value = (#(::core::option::Option<#tys>,)*);
            fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str("an arguments object")
            }
            fn visit_map<__A: __mcp::serde::de::MapAccess<'de>>(self, mut __map: __A) -> ::core::result::Result<Self::Value, __A::Error> {
                #(let mut #slots: ::core::option::Option<#tys> = ::core::option::Option::None;)*
                while let ::core::option::Option::Some(__key) = __map.next_key::<__mcp::ArgKey<'de>>()? {
                    match __key.as_str() {
                        #(#arms)*
                        _ => { __map.next_value::<__mcp::serde::de::IgnoredAny>()?; }
                    }
                }
                ::core::result::Result::Ok((#(#slots,)*))
            }
        }
    }
}

fn finish_param(p: &Param<'_>, binding: &syn::Ident, slot: &syn::Ident) -> TokenStream {
    let ty = p.ty;
    let name = &p.wire_name;
    if let Some(default) = &p.default {
        let expr = match default {
            Some(e) => quote!(#e),
            None => quote!(::core::default::Default::default()),
        };
        return quote_spanned! {ty.span()=>
            let #binding: #ty = match #slot {
                ::core::option::Option::Some(v) => v,
                ::core::option::Option::None => #expr,
            };
        };
    }
    let probe = probe(p);
    let check = if p.is_named() {
        quote!()
    } else {
        quote_spanned!(ty.span()=> __mcp::assert_extractor::<#ty>();)
    };
    quote_spanned! {ty.span()=>
        #check
        let #binding: #ty = match #probe.__mcp_param_finish(#slot, &__call, #name).await {
            ::core::result::Result::Ok(v) => v,
            ::core::result::Result::Err(o) => return o,
        };
    }
}

fn input_schema(model: &ToolFn<'_>, flatten: Option<&Param<'_>>) -> TokenStream {
    if let Some(schema) = &model.input_schema {
        let text = &schema.value;
        return quote! {
            __mcp::serde_json::from_str(#text).expect("`input_schema` was checked at compile time")
        };
    }
    if let Some(flat) = flatten {
        let ty = flat.ty;
        return quote_spanned!(ty.span()=> __mcp::schema::whole::<#ty>(__gen));
    }
    let params = model.params.iter().filter(|p| p.is_named()).map(|p| {
        let name = &p.wire_name;
        let probe = probe(p);
        let ty = p.ty;
        let description = opt_str(&p.description);
        let header = opt_str(&p.header.as_ref().map(|h| h.value.clone()));
        let default = match &p.default {
            None => quote!(::core::option::Option::None),
            Some(None) => quote_spanned!(ty.span()=> __mcp::default_value::<#ty>(::core::default::Default::default())),
            Some(Some(e)) => quote_spanned!(ty.span()=> __mcp::default_value::<#ty>(#e)),
        };
        let schema = quote_spanned!(ty.span()=> #probe.__mcp_param_schema(__gen));
        quote! {
            __s.param(#name, #schema, #description, #default, #header);
        }
    });
    quote! {
        let mut __s = __mcp::schema::ObjectSchema::new();
        #(#params)*
        __s.finish(__gen)
    }
}

fn descriptor(model: &ToolFn<'_>) -> TokenStream {
    let name = &model.name;
    let title = opt_str(&model.title);
    let description = opt_str(&model.description);
    let group = opt_str(&model.group);
    let scopes = &model.scopes;
    let meta = opt_str(&model.meta.as_ref().map(|m| m.value.clone()));
    let a = model.annotations.as_ref();
    let a_title = opt_str(&a.and_then(|a| a.title.clone()));
    let read_only = opt_bool(a.and_then(|a| a.read_only));
    let destructive = opt_bool(a.and_then(|a| a.destructive));
    let idempotent = opt_bool(a.and_then(|a| a.idempotent));
    let open_world = opt_bool(a.and_then(|a| a.open_world));
    let icons = item::icons(&model.icons);
    let location = item::location(model.original);
    let task_support = match model.task {
        None | Some(TaskSupport::Forbidden) => quote!(__mcp::TaskSupport::Forbidden),
        Some(TaskSupport::Optional) => quote!(__mcp::TaskSupport::Optional),
        Some(TaskSupport::Required) => quote!(__mcp::TaskSupport::Required),
    };
    // Evaluated when a server is built (each build gets the layer's own state); a
    // value that is not a layer for the call service fails to compile here.
    let layer = match &model.layer {
        None => quote!(::core::option::Option::None),
        Some(expr) => quote_spanned! {expr.span()=>
            ::core::option::Option::Some({
                fn __mcp_layer(inner: __mcp::CallService) -> __mcp::CallService {
                    __mcp::apply_layer(&(#expr), inner)
                }
                __mcp_layer as __mcp::LayerFn
            })
        },
    };
    quote! {
        __mcp::ToolDescriptor {
            name: #name,
            title: #title,
            description: #description,
            annotations: __mcp::AnnotationsDef {
                title: #a_title,
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            },
            icons: #icons,
            meta: #meta,
            group: #group,
            scopes: &[#(#scopes),*],
            input_schema: __mcp_input_schema,
            output_schema: __mcp_output_schema,
            task_support: #task_support,
            layer: #layer,
            call: __mcp_call,
            requires: __mcp_requires,
            #location
        }
    }
}
