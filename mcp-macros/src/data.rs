//! `Serialize`, `Deserialize` and `JsonSchema` derives that work through the facade, so a
//! user's `Cargo.toml` needs `mcpserve` alone (serde's and schemars' own derives name
//! `serde`/`schemars` as crates of the user's package).
//!
//! A derive cannot add `#[serde(crate = "..")]` to the item it is given, so each derive
//! emits, inside `const _`, a private copy of the type with the real derive and the
//! facade paths on it, and implements the trait for the user's type through the copy:
//! * serde: the copy (`__McpRemote`) carries `#[serde(remote = "Type")]`, serde's own
//!   mechanism for (de)serializing a type through a mirror of its fields, so every
//!   `#[serde(..)]` attribute means what it means under serde's derive; a container
//!   `rename` to the original name keeps serde's messages and names right;
//! * schemars: the copy has the same name and attributes, so its schema (name, id,
//!   `$ref`s) is the one schemars' derive would give the original. It shadows the
//!   original inside an inner block, so the outer block first names the original
//!   `__McpOriginal` (a type alias works for module-level types and for types declared in
//!   function bodies alike).
//!
//! In the copy, `Self` (and, for schemars, the type's own name) is rewritten to the
//! original, so recursive types still refer to it.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::visit_mut::VisitMut;

use crate::emit::wrap;
use crate::parse::attr::skip;

/// Which trait is derived.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derive {
    Serialize,
    Deserialize,
    JsonSchema,
}

impl Derive {
    /// The helper attributes the real derive reads; others are dropped from the copy.
    fn keeps(self, attr: &syn::Attribute) -> bool {
        let p = attr.path();
        let kept: &[&str] = match self {
            Derive::Serialize | Derive::Deserialize => &["serde", "doc", "cfg"],
            Derive::JsonSchema => &["serde", "schemars", "validate", "garde", "doc", "cfg"],
        };
        kept.iter().any(|k| p.is_ident(k))
    }
}

pub(crate) fn expand(input: &syn::DeriveInput, derive: Derive) -> TokenStream {
    let krate: syn::Path = syn::parse_quote!(::mcpserve);
    if derive != Derive::JsonSchema {
        if let Some(e) = serde_container_conflict(input) {
            return e.to_compile_error();
        }
    }
    let copy = copy(input, derive, &krate);
    let delegate = delegate(input, derive);
    let body = if derive == Derive::JsonSchema {
        let alias = original_alias(input);
        quote! {
            #alias
            const _: () = {
                #copy
                #delegate
            };
        }
    } else {
        quote!(#copy #delegate)
    };
    wrap::in_const(&krate, body)
}

/// The serde copy's name: distinct, so the original stays visible by its own name (a
/// tuple struct's constructor is not reachable through a type alias).
const REMOTE: &str = "__McpRemote";

const ORIGINAL: &str = "__McpOriginal";

/// `type __McpOriginal<'a, T, const N: usize> = Type<'a, T, N>;` (no bounds or defaults:
/// aliases do not check them).
fn original_alias(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let alias = syn::Ident::new(ORIGINAL, proc_macro2::Span::call_site());
    let params = input.generics.params.iter().map(|p| match p {
        syn::GenericParam::Lifetime(l) => {
            let l = &l.lifetime;
            quote!(#l)
        }
        syn::GenericParam::Type(t) => {
            let t = &t.ident;
            quote!(#t)
        }
        syn::GenericParam::Const(c) => {
            let (i, ty) = (&c.ident, &c.ty);
            quote!(const #i: #ty)
        }
    });
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let params = if input.generics.params.is_empty() {
        quote!()
    } else {
        quote!(<#(#params),*>)
    };
    quote! {
        type #alias #params = #ident #ty_generics;
    }
}

/// `#[serde(remote)]` is ours to set; a type that already uses it (or names its own
/// serde crate) wants serde's derive directly.
fn serde_container_conflict(input: &syn::DeriveInput) -> Option<syn::Error> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|m| {
            if m.path.is_ident("remote") || m.path.is_ident("crate") {
                found = Some(syn::Error::new_spanned(
                    &m.path,
                    "`mcpserve`'s serde derives set `remote` and `crate` themselves; \
                     for this type add `serde` to your dependencies and use `serde::Serialize`/`serde::Deserialize`",
                ));
            }
            skip(&m)
        });
    }
    found
}

/// The private copy the real derive runs on.
fn copy(input: &syn::DeriveInput, derive: Derive, krate: &syn::Path) -> TokenStream {
    let mut copy = input.clone();
    copy.vis = syn::Visibility::Inherited;
    copy.attrs.retain(|a| derive.keeps(a));
    strip_inner_attrs(&mut copy.data, derive);
    let ident = &input.ident;
    let attrs = match derive {
        Derive::Serialize | Derive::Deserialize => {
            copy.ident = syn::Ident::new(REMOTE, proc_macro2::Span::call_site());
            SelfToOriginal::new(input, None).visit_data_mut(&mut copy.data);
            let serde = quote!(#krate::__private::serde).to_string();
            let remote = ident.to_string();
            let trait_path = if derive == Derive::Serialize {
                quote!(__mcp::serde::Serialize)
            } else {
                quote!(__mcp::serde::Deserialize)
            };
            let rename = (!container_has(input, "serde", "rename")).then(|| {
                let name = ident.to_string();
                quote!(#[serde(rename = #name)])
            });
            quote! {
                #[derive(#trait_path)]
                #[serde(crate = #serde, remote = #remote)]
                #rename
            }
        }
        Derive::JsonSchema => {
            let alias = syn::Ident::new(ORIGINAL, proc_macro2::Span::call_site());
            SelfToOriginal::new(input, Some(alias)).visit_data_mut(&mut copy.data);
            let schemars = quote!(#krate::__private::schemars).to_string();
            quote! {
                #[derive(__mcp::schemars::JsonSchema)]
                #[schemars(crate = #schemars)]
            }
        }
    };
    quote! {
        #attrs
        #[allow(dead_code, non_camel_case_types, clippy::all)]
        #copy
    }
}

/// Whether a container attribute `#[attr(key ..)]` is present.
fn container_has(input: &syn::DeriveInput, attr: &str, key: &str) -> bool {
    let mut found = false;
    for a in input.attrs.iter().filter(|a| a.path().is_ident(attr)) {
        let _ = a.parse_nested_meta(|m| {
            found |= m.path.is_ident(key);
            skip(&m)
        });
    }
    found
}

/// The trait impl for the user's type, calling into the copy.
fn delegate(input: &syn::DeriveInput, derive: Derive) -> TokenStream {
    let ident = &input.ident;
    let remote = syn::Ident::new(REMOTE, proc_macro2::Span::call_site());
    let original = syn::Ident::new(ORIGINAL, proc_macro2::Span::call_site());
    let mut generics = input.generics.clone();
    let type_params: Vec<syn::Ident> = generics.type_params().map(|t| t.ident.clone()).collect();
    match derive {
        Derive::Serialize => {
            let wc = generics.make_where_clause();
            for t in &type_params {
                wc.predicates
                    .push(syn::parse_quote!(#t: __mcp::serde::Serialize));
            }
            let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
            let turbofish = ty_generics.as_turbofish();
            quote! {
                impl #impl_generics __mcp::serde::Serialize for #ident #ty_generics #where_clause {
                    fn serialize<__S: __mcp::serde::Serializer>(&self, __serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                        #remote #turbofish::serialize(self, __serializer)
                    }
                }
            }
        }
        Derive::Deserialize => {
            let (_, ty_generics, _) = input.generics.split_for_impl();
            let turbofish = ty_generics.as_turbofish().to_token_stream();
            let ty_generics = ty_generics.to_token_stream();
            let lifetimes: Vec<syn::Lifetime> =
                generics.lifetimes().map(|l| l.lifetime.clone()).collect();
            let de: syn::LifetimeParam = if lifetimes.is_empty() {
                syn::parse_quote!('de)
            } else {
                syn::parse_quote!('de: #(#lifetimes)+*)
            };
            generics.params.insert(0, syn::GenericParam::Lifetime(de));
            let wc = generics.make_where_clause();
            for t in &type_params {
                wc.predicates
                    .push(syn::parse_quote!(#t: __mcp::serde::Deserialize<'de>));
            }
            let (impl_generics, _, where_clause) = generics.split_for_impl();
            quote! {
                impl #impl_generics __mcp::serde::Deserialize<'de> for #ident #ty_generics #where_clause {
                    fn deserialize<__D: __mcp::serde::Deserializer<'de>>(__deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                        #remote #turbofish::deserialize(__deserializer)
                    }
                }
            }
        }
        Derive::JsonSchema => {
            let wc = generics.make_where_clause();
            for t in &type_params {
                wc.predicates
                    .push(syn::parse_quote!(#t: __mcp::schemars::JsonSchema));
            }
            let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
            let copy = quote!(<#ident #ty_generics as __mcp::schemars::JsonSchema>);
            quote! {
                impl #impl_generics __mcp::schemars::JsonSchema for #original #ty_generics #where_clause {
                    fn inline_schema() -> bool {
                        #copy::inline_schema()
                    }
                    fn schema_name() -> ::std::borrow::Cow<'static, str> {
                        #copy::schema_name()
                    }
                    fn schema_id() -> ::std::borrow::Cow<'static, str> {
                        #copy::schema_id()
                    }
                    fn json_schema(__generator: &mut __mcp::schemars::SchemaGenerator) -> __mcp::schemars::Schema {
                        #copy::json_schema(__generator)
                    }
                }
            }
        }
    }
}

/// Field and variant attributes the copy keeps.
fn strip_inner_attrs(data: &mut syn::Data, derive: Derive) {
    let fields = |fields: &mut syn::Fields| {
        for f in fields.iter_mut() {
            f.attrs.retain(|a| derive.keeps(a));
        }
    };
    match data {
        syn::Data::Struct(s) => fields(&mut s.fields),
        syn::Data::Enum(e) => {
            for v in &mut e.variants {
                v.attrs.retain(|a| derive.keeps(a));
                fields(&mut v.fields);
            }
        }
        syn::Data::Union(u) => {
            for f in &mut u.fields.named {
                f.attrs.retain(|a| derive.keeps(a));
            }
        }
    }
}

/// `Self` inside the copy's fields means the original type; so does the type's own name
/// when the copy shadows it (`alias` is then the original's other name).
struct SelfToOriginal {
    ident: syn::Ident,
    alias: Option<syn::Ident>,
    full: syn::Type,
}

impl SelfToOriginal {
    fn new(input: &syn::DeriveInput, alias: Option<syn::Ident>) -> Self {
        let (_, ty_generics, _) = input.generics.split_for_impl();
        let name = alias.clone().unwrap_or_else(|| input.ident.clone());
        SelfToOriginal {
            ident: input.ident.clone(),
            full: syn::parse_quote!(#name #ty_generics),
            alias,
        }
    }
}

impl VisitMut for SelfToOriginal {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let syn::Type::Path(tp) = ty {
            if tp.qself.is_none() && tp.path.leading_colon.is_none() {
                let first = &tp.path.segments[0].ident;
                if tp.path.segments.len() == 1 && first == "Self" {
                    *ty = self.full.clone();
                    return;
                }
                if first == "Self" {
                    // `Self::Assoc`
                    let rest: Vec<_> = tp.path.segments.iter().skip(1).cloned().collect();
                    let full = &self.full;
                    *ty = syn::parse_quote!(<#full>::#(#rest)::*);
                    return;
                }
                if let (true, Some(alias)) = (first == &self.ident, &self.alias) {
                    tp.path.segments[0].ident = alias.clone();
                }
            }
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    // Attribute arguments (`serialize_with = ".."`) are strings and stay as written.
    fn visit_attribute_mut(&mut self, _: &mut syn::Attribute) {}
}
