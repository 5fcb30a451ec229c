//! Parsing: attribute tokens and the function signature into the [`model`](crate::model).

pub(crate) mod attr;
pub(crate) mod docs;
pub(crate) mod prompt;
pub(crate) mod resource;

use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, Pat, ReturnType};

use crate::ctxt::Errors;
use crate::model::{Param, ToolFn};
use crate::symbol::ARG;
use attr::{ArgAttrs, ToolArgs};
pub(crate) use docs::doc_text;

/// Builds the model of a `#[tool]` function; problems are recorded in `errors`.
pub(crate) fn tool<'a>(args: ToolArgs, func: &'a ItemFn, errors: &Errors) -> ToolFn<'a> {
    let info = args.common.resolve(func);
    let params = func
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(index, input)| match input {
            FnArg::Receiver(r) => {
                errors.at(r, "#[tool] functions cannot take `self`; write a free function and use `State<T>` for shared data");
                None
            }
            FnArg::Typed(pt) => Some(param(index, pt, errors)),
        })
        .collect();
    let ret = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let mut meta = info.meta;
    if let Some(ui) = crate::apps::tool_ui(args.app.as_ref(), args.visibility.as_deref()) {
        match crate::apps::merge_meta(meta.take(), ui, func.sig.ident.span()) {
            Ok(m) => meta = Some(m),
            Err(e) => errors.push(e),
        }
    }
    if let Some(uri) = &args.app {
        if let Err(e) = crate::apps::check_declared(uri, func.sig.ident.span()) {
            errors.push(e);
        }
    }
    ToolFn {
        original: func,
        name: info.name,
        name_span: info.name_span,
        title: info.title,
        description: info.description,
        annotations: args.annotations,
        icons: info.icons,
        meta,
        group: args.group,
        input_schema: args.input_schema,
        task: args.task,
        layer: args.layer,
        krate: info.krate,
        scopes: info.scopes,
        params,
        ret,
        is_async: func.sig.asyncness.is_some(),
    }
}

pub(crate) fn param<'a>(index: usize, pt: &'a syn::PatType, errors: &Errors) -> Param<'a> {
    let mut attrs = ArgAttrs::default();
    for a in pt.attrs.iter().filter(|a| a.path().is_ident(ARG)) {
        if let Err(e) = a.parse_nested_meta(|m| attrs.parse(m)) {
            errors.push(e);
        }
    }
    let binding = match &*pt.pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => Some(&p.ident),
        _ => None,
    };
    let rename = attrs.rename.get();
    let wire_name = match (&rename, binding) {
        (Some(r), _) => r.value.clone(),
        (None, Some(b)) => b.unraw_string(),
        (None, None) => format!("__param{index}"),
    };
    if binding.is_none() && rename.is_some() {
        errors.at(
            &pt.pat,
            "`#[arg(rename)]` needs a parameter bound to a plain name",
        );
    }
    let _ = pt.span();
    Param {
        index,
        binding,
        wire_name,
        ty: &pt.ty,
        pat: &pt.pat,
        description: attrs.description.get().or_else(|| doc_text(&pt.attrs)),
        default: attrs.default.get(),
        header: attrs.header.get(),
        flatten: attrs.flatten.get(),
        complete: attrs.complete.get(),
    }
}

pub(crate) trait Unraw {
    fn unraw_string(&self) -> String;
}

impl Unraw for syn::Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
}
