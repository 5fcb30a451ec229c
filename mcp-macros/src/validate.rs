//! Checks that need the whole model: names, shapes, option combinations.

use std::collections::HashMap;

use crate::ctxt::Errors;
use crate::model::{Param, PromptFn, ResourceFn, ToolFn};
use crate::names::{check_header_name, check_tool_name};

pub(crate) fn tool(model: &ToolFn<'_>, errors: &Errors) {
    free_function(model.original, "tool", errors);
    let sig = &model.original.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            "#[tool] functions cannot be generic: the input schema is generated from concrete parameter types",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.at(v, "#[tool] functions cannot be variadic");
    }
    if let Err(msg) = check_tool_name(&model.name) {
        errors.push(syn::Error::new(model.name_span, msg));
    }

    let flattened: Vec<_> = model
        .params
        .iter()
        .filter(|p| p.flatten.is_some())
        .collect();
    if flattened.len() > 1 {
        errors.at(
            flattened[1].pat,
            "only one parameter can be `#[arg(flatten)]`",
        );
    }
    for p in &flattened {
        if p.default.is_some() || p.header.is_some() {
            errors.at(
                p.pat,
                "`#[arg(flatten)]` cannot be combined with `default` or `header`",
            );
        }
        if !p.is_named() {
            errors.at(
                p.pat,
                "`#[arg(flatten)]` needs a parameter bound to a plain name",
            );
        }
    }

    if model.input_schema.is_some() {
        for p in &model.params {
            if let Some(h) = &p.header {
                let msg = format!(
                    "with `input_schema`, declare the header in the schema instead: \
                     `\"x-mcp-header\": \"{}\"` on the property",
                    h.value
                );
                errors.push(syn::Error::new(h.span, msg));
            }
        }
    }

    for p in &model.params {
        if let Some(c) = &p.complete {
            errors.at(
                c,
                "`complete` applies to #[prompt] arguments and #[resource] template variables, not tool arguments",
            );
        }
    }

    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut headers: HashMap<String, ()> = HashMap::new();
    for p in &model.params {
        if !p.is_named() && (p.default.is_some() || p.header.is_some() || p.description.is_some()) {
            errors.at(p.pat, "argument options need a parameter bound to a plain name; destructuring patterns are only allowed for extractors");
        }
        if p.is_named() && seen.insert(p.wire_name.clone(), ()).is_some() {
            errors.at(
                p.pat,
                format_args!("two parameters share the argument name `{}`", p.wire_name),
            );
        }
        if let Some(h) = &p.header {
            if let Err(msg) = check_header_name(&h.value) {
                errors.push(syn::Error::new(h.span, msg));
            } else if headers.insert(h.value.to_ascii_lowercase(), ()).is_some() {
                errors.push(syn::Error::new(
                    h.span,
                    format!(
                        "header `{}` is used twice (names are case-insensitive)",
                        h.value
                    ),
                ));
            }
        }
    }
}

/// Registered functions are free functions: inside an `impl` or a `trait` the generated
/// registration cannot name them (and rustc's own error there is about the generated
/// code). A `self` parameter is reported by the parser already.
fn free_function(func: &syn::ItemFn, what: &str, errors: &Errors) {
    if matches!(func.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return;
    }
    let ident = &func.sig.ident;
    let uses_self = || {
        let tokens = quote::quote!(#func);
        mentions_self_type(tokens)
    };
    let Some(block) =
        crate::source::enclosing_block(ident.span()).or_else(|| uses_self().then_some("impl"))
    else {
        return;
    };
    errors.at(
        func.sig.fn_token,
        format_args!(
            "#[{what}] cannot be used on an associated function (this `fn` is inside {}): \
             registered functions must be free functions; move `{ident}` out of the `{block}` \
             block to module level, and share data through `State<T>`",
            if block == "impl" {
                "an `impl` block"
            } else {
                "a `trait`"
            }
        ),
    );
}

/// `Self` outside any `impl`/`trait` item nested in the function.
fn mentions_self_type(tokens: proc_macro2::TokenStream) -> bool {
    use proc_macro2::{Delimiter, TokenTree};
    let mut nested_item = false;
    for t in tokens {
        match t {
            TokenTree::Ident(i) if i == "impl" || i == "trait" => nested_item = true,
            TokenTree::Ident(i) if i == "Self" && !nested_item => return true,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && nested_item => {
                nested_item = false;
            }
            TokenTree::Group(g) if !nested_item && mentions_self_type(g.stream()) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

fn signature(sig: &syn::Signature, what: &str, errors: &Errors) {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            format_args!("#[{what}] functions cannot be generic"),
        );
    }
    if let Some(v) = &sig.variadic {
        errors.at(v, format_args!("#[{what}] functions cannot be variadic"));
    }
}

/// Options that only make sense for tool arguments, and duplicate names.
fn params(params: &[Param<'_>], what: &str, errors: &Errors) {
    let mut seen: HashMap<String, ()> = HashMap::new();
    for p in params {
        let unsupported = [
            (p.default.is_some(), "default"),
            (p.header.is_some(), "header"),
            (p.flatten.is_some(), "flatten"),
        ];
        for (set, option) in unsupported {
            if set {
                errors.at(
                    p.pat,
                    format_args!("`#[arg({option})]` is not supported on #[{what}] parameters; use `Option<T>` for an optional value"),
                );
            }
        }
        if p.is_named() && seen.insert(p.wire_name.clone(), ()).is_some() {
            errors.at(
                p.pat,
                format_args!("two parameters share the name `{}`", p.wire_name),
            );
        }
        if !p.is_named() && p.complete.is_some() {
            errors.at(p.pat, "`complete` needs a parameter bound to a plain name");
        }
    }
}

pub(crate) fn resource(model: &ResourceFn<'_>, errors: &Errors) {
    free_function(model.original, "resource", errors);
    signature(&model.original.sig, "resource", errors);
    params(&model.params, "resource", errors);
    let Some(vars) = &model.variables else {
        return;
    };
    for var in vars {
        if !model
            .params
            .iter()
            .any(|p| p.is_named() && &p.wire_name == var)
        {
            errors.push(syn::Error::new(
                model.uri.span,
                format!("URI variable `{var}` has no parameter: add a parameter `{var}: T` where T implements `FromStr` (e.g. String, u64, SafePath)"),
            ));
        }
    }
    for p in &model.params {
        let is_var = p.is_named() && vars.contains(&p.wire_name);
        if let (Some(c), false) = (&p.complete, is_var) {
            errors.at(
                c,
                format_args!(
                    "`complete` applies to URI template variables, and `{}` is not one",
                    p.wire_name
                ),
            );
        }
    }
    if let (Some((_, span)), false) = (&model.size, vars.is_empty()) {
        errors.push(syn::Error::new(
            *span,
            "`size` describes one concrete resource; a template has none (set it per resource in the list function)",
        ));
    }
    if let (Some(list), true) = (&model.list, vars.is_empty()) {
        errors.at(
            list,
            "`list` is for resource templates; a resource without variables is listed already",
        );
    }
}

pub(crate) fn prompt(model: &PromptFn<'_>, errors: &Errors) {
    free_function(model.original, "prompt", errors);
    signature(&model.original.sig, "prompt", errors);
    params(&model.params, "prompt", errors);
    if model.name.is_empty() {
        errors.push(syn::Error::new(
            model.name_span,
            "prompt names cannot be empty",
        ));
    }
}
