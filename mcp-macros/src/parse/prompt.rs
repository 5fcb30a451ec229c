//! `#[prompt(...)]` options and model building.

use syn::meta::ParseNestedMeta;
use syn::ItemFn;

use super::attr::{parse_icon, path_str, string, Icon, Slot, Spanned};
use super::resource::{meta_json, params, ret};
use super::{doc_text, Unraw};
use crate::ctxt::Errors;
use crate::model::PromptFn;
use crate::symbol::*;

/// `#[prompt(...)]`.
pub(crate) struct PromptArgs {
    name: Slot<Spanned>,
    title: Slot<String>,
    description: Slot<String>,
    icons: Vec<Icon>,
    meta: Slot<Spanned>,
    krate: Slot<syn::Path>,
}

impl Default for PromptArgs {
    fn default() -> Self {
        PromptArgs {
            name: Slot::new(NAME),
            title: Slot::new(TITLE),
            description: Slot::new(DESCRIPTION),
            icons: Vec::new(),
            meta: Slot::new(META),
            krate: Slot::new(CRATE),
        }
    }
}

impl PromptArgs {
    pub(crate) fn parse(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let p = &meta.path;
        if p.is_ident(NAME) {
            let v = string(&meta)?.into();
            self.name.set(&meta, v)
        } else if p.is_ident(TITLE) {
            let v = string(&meta)?.value();
            self.title.set(&meta, v)
        } else if p.is_ident(DESCRIPTION) {
            let v = string(&meta)?.value();
            self.description.set(&meta, v)
        } else if p.is_ident(ICON) {
            self.icons.push(parse_icon(&meta)?);
            Ok(())
        } else if p.is_ident(META) {
            let v = meta_json(&meta)?;
            self.meta.set(&meta, v)
        } else if p.is_ident(CRATE) {
            let v = string(&meta)?.parse::<syn::Path>()?;
            self.krate.set(&meta, v)
        } else {
            Err(meta.error(format_args!(
                "unknown `prompt` option `{}`; expected one of: name, title, description, icon, meta, crate",
                path_str(p)
            )))
        }
    }
}

/// Builds the model of a `#[prompt]` function.
pub(crate) fn prompt<'a>(args: PromptArgs, func: &'a ItemFn, errors: &Errors) -> PromptFn<'a> {
    let ident = &func.sig.ident;
    let (name, name_span) = match args.name.get() {
        Some(n) => (n.value, n.span),
        None => (ident.unraw_string(), ident.span()),
    };
    PromptFn {
        original: func,
        name,
        name_span,
        title: args.title.get(),
        description: args.description.get().or_else(|| doc_text(&func.attrs)),
        icons: args.icons,
        meta: args.meta.get(),
        krate: args
            .krate
            .get()
            .unwrap_or_else(|| syn::parse_quote!(::mcpserve)),
        params: params(func, "prompt", errors),
        ret: ret(func),
        is_async: func.sig.asyncness.is_some(),
    }
}
