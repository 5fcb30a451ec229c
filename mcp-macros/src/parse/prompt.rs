//! `#[prompt(...)]` options and model building.

use syn::meta::ParseNestedMeta;
use syn::ItemFn;

use super::attr::{unknown_option, CommonArgs};
use super::resource::{params, ret};
use crate::ctxt::Errors;
use crate::model::PromptFn;

/// `#[prompt(...)]`: only the common options.
#[derive(Default)]
pub(crate) struct PromptArgs {
    common: CommonArgs,
}

impl PromptArgs {
    pub(crate) fn parse(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        if self.common.parse(&meta)? {
            return Ok(());
        }
        Err(unknown_option(&meta, "`prompt` option", &[]))
    }
}

/// Builds the model of a `#[prompt]` function.
pub(crate) fn prompt<'a>(args: PromptArgs, func: &'a ItemFn, errors: &Errors) -> PromptFn<'a> {
    let info = args.common.resolve(func);
    PromptFn {
        original: func,
        name: info.name,
        name_span: info.name_span,
        title: info.title,
        description: info.description,
        icons: info.icons,
        meta: info.meta,
        krate: info.krate,
        scopes: info.scopes,
        params: params(func, "prompt", errors),
        ret: ret(func),
        is_async: func.sig.asyncness.is_some(),
    }
}
