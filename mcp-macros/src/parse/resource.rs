//! `#[resource("uri", ...)]` and `#[prompt(...)]` option parsing and model building.

use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{FnArg, ItemFn, LitStr, ReturnType};

use super::attr::{path_str, string, unknown_option, CommonArgs, Slot, Spanned};
use super::param;
use crate::ctxt::Errors;
use crate::model::{Param, ResourceAnnotations, ResourceFn};
use crate::symbol::*;
use crate::uri_template;

/// `#[resource(...)]`.
pub(crate) struct ResourceArgs {
    pub(crate) uri: Option<LitStr>,
    common: CommonArgs,
    mime_type: Slot<String>,
    size: Slot<(u64, proc_macro2::Span)>,
    annotations: Slot<ResourceAnnotations>,
    list: Slot<syn::Path>,
    /// `app(..)`: an MCP Apps view's `_meta.ui`.
    app: Slot<serde_json::Value>,
}

impl Default for ResourceArgs {
    fn default() -> Self {
        ResourceArgs {
            uri: None,
            common: CommonArgs::default(),
            mime_type: Slot::new(MIME_TYPE),
            size: Slot::new(SIZE),
            annotations: Slot::new(ANNOTATIONS),
            list: Slot::new(LIST),
            app: Slot::new(APP),
        }
    }
}

impl ResourceArgs {
    /// `"uri"` first, then `key = value` options.
    pub(crate) fn parse(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        if !input.peek(LitStr) {
            return Err(input.error(
                "expected the resource URI first, e.g. #[resource(\"config://app\")] or #[resource(\"users://{id}/profile\")]",
            ));
        }
        self.uri = Some(input.parse()?);
        if input.is_empty() {
            return Ok(());
        }
        input.parse::<syn::Token![,]>()?;
        let parser = syn::meta::parser(|m| self.option(m));
        syn::parse::Parser::parse2(parser, input.parse()?)
    }

    fn option(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        if self.common.parse(&meta)? {
            return Ok(());
        }
        let p = &meta.path;
        if p.is_ident(MIME_TYPE) {
            let lit = string(&meta)?;
            if !lit.value().contains('/') {
                return Err(syn::Error::new(
                    lit.span(),
                    "`mime_type` must look like `type/subtype`, e.g. \"application/json\"",
                ));
            }
            self.mime_type.set(&meta, lit.value())
        } else if p.is_ident(SIZE) {
            let lit = meta.value()?.parse::<syn::LitInt>()?;
            let v = (lit.base10_parse::<u64>()?, lit.span());
            self.size.set(&meta, v)
        } else if p.is_ident(ANNOTATIONS) {
            let v = parse_annotations(&meta)?;
            self.annotations.set(&meta, v)
        } else if p.is_ident(LIST) {
            let v = meta.value()?.parse::<syn::Path>()?;
            self.list.set(&meta, v)
        } else if p.is_ident(APP) {
            let v = crate::apps::resource_app(&meta)?;
            self.app.set(&meta, v)
        } else {
            Err(unknown_option(
                &meta,
                "`resource` option",
                &[MIME_TYPE, SIZE, ANNOTATIONS, LIST, APP],
            ))
        }
    }
}

fn parse_annotations(meta: &ParseNestedMeta<'_>) -> syn::Result<ResourceAnnotations> {
    let mut a = ResourceAnnotations {
        audience: Vec::new(),
        priority: None,
        last_modified: None,
    };
    meta.parse_nested_meta(|m| {
        let p = &m.path;
        if p.is_ident(AUDIENCE) {
            let lits: Vec<LitStr> = match m.value()?.parse::<syn::Expr>()? {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => vec![s],
                syn::Expr::Array(arr) => arr
                    .elems
                    .into_iter()
                    .map(|e| match e {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Ok(s),
                        other => Err(syn::Error::new_spanned(
                            other,
                            "expected \"user\" or \"assistant\"",
                        )),
                    })
                    .collect::<syn::Result<_>>()?,
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "expected \"user\", \"assistant\" or [\"user\", \"assistant\"]",
                    ))
                }
            };
            for lit in lits {
                let v = lit.value();
                if v != "user" && v != "assistant" {
                    return Err(syn::Error::new(
                        lit.span(),
                        "audience must be \"user\" or \"assistant\"",
                    ));
                }
                a.audience.push(v);
            }
        } else if p.is_ident(PRIORITY) {
            let lit: syn::Lit = m.value()?.parse()?;
            let v = match &lit {
                syn::Lit::Float(f) => f.base10_parse::<f64>()?,
                syn::Lit::Int(i) => i.base10_parse::<f64>()?,
                _ => {
                    return Err(syn::Error::new_spanned(
                        &lit,
                        "priority must be a number from 0.0 to 1.0",
                    ))
                }
            };
            if !(0.0..=1.0).contains(&v) {
                return Err(syn::Error::new_spanned(
                    &lit,
                    "priority must be from 0.0 to 1.0",
                ));
            }
            a.priority = Some(v);
        } else if p.is_ident(LAST_MODIFIED) {
            let lit = string(&m)?;
            let v = lit.value();
            let b = v.as_bytes();
            let looks_iso = b.len() >= 10
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[7] == b'-';
            if !looks_iso {
                return Err(syn::Error::new(
                    lit.span(),
                    "last_modified must be an ISO 8601 timestamp, e.g. \"2025-01-12T15:00:58Z\"",
                ));
            }
            a.last_modified = Some(v);
        } else {
            return Err(m.error(format_args!(
                "unknown annotation `{}`; expected one of: audience, priority, last_modified",
                path_str(p)
            )));
        }
        Ok(())
    })?;
    Ok(a)
}

/// Parameters of a `#[resource]` / `#[prompt]` function.
pub(crate) fn params<'a>(func: &'a ItemFn, what: &str, errors: &Errors) -> Vec<Param<'a>> {
    func.sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(index, input)| match input {
            FnArg::Receiver(r) => {
                errors.at(r, format_args!("#[{what}] functions cannot take `self`; write a free function and use `State<T>` for shared data"));
                None
            }
            FnArg::Typed(pt) => Some(param(index, pt, errors)),
        })
        .collect()
}

pub(crate) fn ret(func: &ItemFn) -> syn::Type {
    match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    }
}

/// Builds the model of a `#[resource]` function.
pub(crate) fn resource<'a>(
    args: ResourceArgs,
    func: &'a ItemFn,
    errors: &Errors,
) -> ResourceFn<'a> {
    let uri_lit = args.uri.expect("checked by ResourceArgs::parse");
    let uri: Spanned = uri_lit.clone().into();
    let variables = match uri_template::parse_template(&uri.value) {
        Ok(parts) => {
            if let Err(e) = uri_template::check_scheme(&uri.value) {
                errors.push(syn::Error::new(uri.span, e.message));
            }
            Some(
                uri_template::variable_names(&parts)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            )
        }
        Err(e) => {
            errors.push(syn::Error::new(
                uri.span,
                format!("invalid URI template `{}`: {e}", uri.value),
            ));
            None
        }
    };
    let info = args.common.resolve(func);
    let (meta, mime_type) = apps_view(
        &uri,
        info.meta,
        args.mime_type.get(),
        args.app.get(),
        errors,
    );
    ResourceFn {
        original: func,
        uri,
        variables,
        name: info.name,
        title: info.title,
        description: info.description,
        mime_type,
        size: args.size.get(),
        annotations: args.annotations.get(),
        icons: info.icons,
        meta,
        list: args.list.get(),
        krate: info.krate,
        scopes: info.scopes,
        params: params(func, "resource", errors),
        ret: ret(func),
        is_async: func.sig.asyncness.is_some(),
    }
}

/// A `ui://` resource is an MCP Apps view: served as `text/html;profile=mcp-app` unless
/// it says otherwise, with `app(..)`'s settings in `_meta.ui`. `app` needs a `ui://`
/// URI naming one view (no template variables).
fn apps_view(
    uri: &Spanned,
    meta: Option<Spanned>,
    mime_type: Option<String>,
    app: Option<serde_json::Value>,
    errors: &Errors,
) -> (Option<Spanned>, Option<String>) {
    let is_view = uri.value.starts_with(crate::apps::UI_SCHEME);
    let Some(ui) = app else {
        let mime = mime_type.or_else(|| is_view.then(|| crate::apps::MIME_TYPE.to_owned()));
        return (meta, mime);
    };
    if !is_view {
        errors.push(syn::Error::new(
            uri.span,
            format!(
                "`app` makes an MCP Apps view, whose URI must use the `ui://` scheme, not `{}`",
                uri.value
            ),
        ));
    } else if uri.value.contains('{') {
        errors.push(syn::Error::new(
            uri.span,
            "an MCP Apps view is one resource: its URI cannot hold template variables",
        ));
    }
    if let Some(m) = mime_type
        .as_deref()
        .filter(|m| *m != crate::apps::MIME_TYPE)
    {
        errors.push(syn::Error::new(
            uri.span,
            format!(
                "an MCP Apps view is served as `{}`, not `{m}`: drop `mime_type`",
                crate::apps::MIME_TYPE
            ),
        ));
    }
    let meta = match crate::apps::merge_meta(meta, ui, uri.span) {
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    (meta, Some(crate::apps::MIME_TYPE.to_owned()))
}
