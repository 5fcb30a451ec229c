//! The only `quote!` calls of `#[derive(Elicit)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{Field, Model};
use crate::emit::wrap;

pub(super) fn expand(model: &Model<'_>) -> TokenStream {
    match model {
        Model::Form {
            ident,
            krate,
            fields,
        } => {
            let entries = fields.iter().map(field);
            let checks = fields.iter().map(checks);
            wrap::in_const(
                krate,
                quote! {
                    use __mcp::elicit as __e;
                    impl __mcp::Elicit for #ident {
                        fn requested_schema() -> __mcp::serde_json::Value {
                            __e::object(::std::vec![#(#entries),*])
                        }
                    }
                    #[allow(dead_code)]
                    fn __elicit_checks() {
                        #(#checks)*
                    }
                },
            )
        }
        Model::Select {
            ident,
            krate,
            variants,
        } => {
            let entries = variants.iter().map(|(value, title)| {
                let title = opt_str(title.as_deref());
                quote!((#value, #title))
            });
            wrap::in_const(
                krate,
                quote! {
                    use __mcp::elicit as __e;
                    impl __e::ElicitEnum for #ident {
                        const VARIANTS: &'static [(&'static str, ::std::option::Option<&'static str>)] =
                            &[#(#entries),*];
                    }
                    impl __e::ElicitField for #ident {
                        fn schema(o: &__e::FieldOpts) -> __mcp::serde_json::Value {
                            __e::single_select(<Self as __e::ElicitEnum>::VARIANTS, o)
                        }
                    }
                },
            )
        }
    }
}

/// What a failed derive still implements (never called: the crate does not compile), so
/// uses of the type as a form or a field report nothing beyond the derive's own errors.
pub(super) fn stub(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let body = match &input.data {
        syn::Data::Enum(_) => quote! {
            use __mcp::elicit as __e;
            impl #impl_generics __e::ElicitEnum for #ident #ty_generics #where_clause {
                const VARIANTS: &'static [(&'static str, ::std::option::Option<&'static str>)] = &[];
            }
            impl #impl_generics __e::ElicitField for #ident #ty_generics #where_clause {
                fn schema(_: &__e::FieldOpts) -> __mcp::serde_json::Value {
                    ::core::unreachable!()
                }
            }
        },
        syn::Data::Struct(_) | syn::Data::Union(_) => quote! {
            impl #impl_generics __mcp::Elicit for #ident #ty_generics #where_clause {
                fn requested_schema() -> __mcp::serde_json::Value {
                    ::core::unreachable!()
                }
            }
        },
    };
    wrap::in_const(krate, body)
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    }
}

fn opt_cast(e: Option<&syn::Expr>, ty: TokenStream) -> TokenStream {
    match e {
        Some(e) => quote!(::std::option::Option::Some((#e) as #ty)),
        None => quote!(::std::option::Option::None),
    }
}

fn field(f: &Field<'_>) -> TokenStream {
    let name = &f.name;
    let ty = f.ty;
    let title = opt_str(f.title.as_deref());
    let description = opt_str(f.description.as_deref());
    let format = opt_str(f.format.as_deref());
    let default = match &f.default {
        Some(e) => quote!(__e::default_value(#e)),
        None => quote!(::std::option::Option::None),
    };
    let minimum = opt_cast(f.minimum.as_ref(), quote!(f64));
    let maximum = opt_cast(f.maximum.as_ref(), quote!(f64));
    let min_length = opt_cast(f.min_length.as_ref(), quote!(u64));
    let max_length = opt_cast(f.max_length.as_ref(), quote!(u64));
    let min_items = opt_cast(f.min_items.as_ref(), quote!(u64));
    let max_items = opt_cast(f.max_items.as_ref(), quote!(u64));
    let enum_names = f.enum_names;
    // Spanned on the type, so "cannot be a field of an elicitation form" points at it.
    let as_field = quote_spanned!(ty.span()=> <#ty as __e::ElicitField>);
    quote! {
        (
            #name,
            #as_field::schema(&__e::FieldOpts {
                title: #title,
                description: #description,
                format: #format,
                default: #default,
                minimum: #minimum,
                maximum: #maximum,
                min_length: #min_length,
                max_length: #max_length,
                min_items: #min_items,
                max_items: #max_items,
                enum_names: #enum_names,
            }),
            #as_field::REQUIRED,
        )
    }
}

fn checks(f: &Field<'_>) -> TokenStream {
    let ty = f.ty;
    let mut out = TokenStream::new();
    if f.format.is_some() || f.min_length.is_some() || f.max_length.is_some() {
        out.extend(quote_spanned!(ty.span()=> __e::assert_string::<#ty>();));
    }
    if f.minimum.is_some() || f.maximum.is_some() {
        out.extend(quote_spanned!(ty.span()=> __e::assert_number::<#ty>();));
    }
    out
}
