//! Procedural macros for [mcpserve](https://docs.rs/mcpserve). Use them through the
//! `mcpserve` crate (`use mcpserve::prelude::*;`), which re-exports what the generated
//! code needs.
//!
//! Each macro is a thin entry point: parse → model → validate → emit. On error the
//! user's item is still emitted next to the errors, so one mistake does not cascade.

extern crate proc_macro;

mod apps;
mod ctxt;
mod data;
mod elicit;
mod emit;
mod model;
mod names;
mod parse;
mod scope;
mod skills;
mod source;
mod symbol;
mod uri_template;
mod validate;

use proc_macro::TokenStream;
use syn::parse_macro_input;

#[doc = include_str!("../docs/tool.md")]
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut tool_args = parse::attr::ToolArgs::default();
    let parser = syn::meta::parser(|m| tool_args.parse(m));
    let func = parse_macro_input!(item as syn::ItemFn);
    if let Err(e) = syn::parse::Parser::parse(parser, args) {
        return emit::fallback::annotated_fn(&func, e).into();
    }
    let errors = ctxt::Errors::new();
    let model = parse::tool(tool_args, &func, &errors);
    validate::tool(&model, &errors);
    match errors.finish() {
        Ok(()) => emit::tool::expand(&model).into(),
        Err(e) => emit::fallback::annotated_fn(&func, e).into(),
    }
}

/// Embeds a skills folder (relative to `Cargo.toml`) in the binary, checking every
/// `SKILL.md` now: an invalid skill is a compile error naming the file. Serve it with
/// `Server::from_registry().skills(Skills::embed(include_skills!("skills")))`; see
/// `mcpserve::skills`.
#[proc_macro]
pub fn include_skills(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as skills::Input);
    skills::expand(input).into()
}

/// Derives a flat elicitation form (`Elicit`) for a struct, or a select for a
/// unit-variant enum. See `mcpserve::Elicit` for the supported field types and the
/// `#[elicit(...)]` options.
#[proc_macro_derive(Elicit, attributes(elicit, schemars))]
pub fn derive_elicit(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as syn::DeriveInput);
    elicit::expand(&input).into()
}

/// Registers a function as an MCP resource or resource template. See the `mcpserve`
/// crate for the full reference.
#[proc_macro_attribute]
pub fn resource(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut resource_args = parse::resource::ResourceArgs::default();
    let func = parse_macro_input!(item as syn::ItemFn);
    let parser = |input: syn::parse::ParseStream<'_>| resource_args.parse(input);
    if let Err(e) = syn::parse::Parser::parse(parser, args) {
        return emit::fallback::annotated_fn(&func, e).into();
    }
    let errors = ctxt::Errors::new();
    let model = parse::resource::resource(resource_args, &func, &errors);
    validate::resource(&model, &errors);
    match errors.finish() {
        Ok(()) => emit::resource::expand(&model).into(),
        Err(e) => emit::fallback::annotated_fn(&func, e).into(),
    }
}

/// Registers a function as an MCP prompt. See the `mcpserve` crate for the full reference.
#[proc_macro_attribute]
pub fn prompt(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut prompt_args = parse::prompt::PromptArgs::default();
    let parser = syn::meta::parser(|m| prompt_args.parse(m));
    let func = parse_macro_input!(item as syn::ItemFn);
    if let Err(e) = syn::parse::Parser::parse(parser, args) {
        return emit::fallback::annotated_fn(&func, e).into();
    }
    let errors = ctxt::Errors::new();
    let model = parse::prompt::prompt(prompt_args, &func, &errors);
    validate::prompt(&model, &errors);
    match errors.finish() {
        Ok(()) => emit::prompt::expand(&model).into(),
        Err(e) => emit::fallback::annotated_fn(&func, e).into(),
    }
}

/// `serde::Serialize`, derived through `mcpserve` (no `serde` in your `Cargo.toml`):
/// every `#[serde(..)]` attribute works as with serde's own derive. Re-exported as
/// `mcpserve::Serialize` and in the prelude.
#[proc_macro_derive(Serialize, attributes(serde))]
pub fn derive_serialize(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as syn::DeriveInput);
    data::expand(&input, data::Derive::Serialize).into()
}

/// `serde::Deserialize`, derived through `mcpserve` (see [`macro@Serialize`]).
#[proc_macro_derive(Deserialize, attributes(serde))]
pub fn derive_deserialize(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as syn::DeriveInput);
    data::expand(&input, data::Derive::Deserialize).into()
}

/// `schemars::JsonSchema`, derived through `mcpserve` (no `schemars` in your
/// `Cargo.toml`): `#[schemars(..)]`, `#[serde(..)]` and doc comments shape the schema as
/// with schemars' own derive.
#[proc_macro_derive(JsonSchema, attributes(schemars, serde, validate, garde))]
pub fn derive_json_schema(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as syn::DeriveInput);
    data::expand(&input, data::Derive::JsonSchema).into()
}
