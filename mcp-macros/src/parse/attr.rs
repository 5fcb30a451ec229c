//! Typed attribute values: `#[tool(...)]` and `#[arg(...)]`.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Expr, LitBool, LitStr};

use crate::symbol::*;

/// A value set at most once; the second occurrence is an error at its tokens.
pub(crate) struct Slot<T> {
    what: &'static str,
    value: Option<T>,
}

impl<T> Slot<T> {
    pub(crate) fn new(what: &'static str) -> Self {
        Slot { what, value: None }
    }

    pub(crate) fn set(&mut self, meta: &ParseNestedMeta<'_>, value: T) -> syn::Result<()> {
        if self.value.is_some() {
            return Err(meta.error(format_args!("duplicate `{}` option", self.what)));
        }
        self.value = Some(value);
        Ok(())
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value
    }
}

/// A string literal with its span.
#[derive(Clone)]
pub(crate) struct Spanned {
    pub(crate) value: String,
    pub(crate) span: Span,
}

impl From<LitStr> for Spanned {
    fn from(lit: LitStr) -> Self {
        Spanned {
            value: lit.value(),
            span: lit.span(),
        }
    }
}

pub(crate) struct Annotations {
    pub(crate) title: Option<String>,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
}

pub(crate) struct Icon {
    pub(crate) src: String,
    pub(crate) mime_type: Option<String>,
    pub(crate) sizes: Vec<String>,
    pub(crate) theme: Option<String>,
}

/// `#[tool(...)]`.
pub(crate) struct ToolArgs {
    pub(crate) name: Slot<Spanned>,
    pub(crate) title: Slot<String>,
    pub(crate) description: Slot<String>,
    pub(crate) annotations: Slot<Annotations>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Slot<Spanned>,
    pub(crate) group: Slot<String>,
    pub(crate) krate: Slot<syn::Path>,
}

impl Default for ToolArgs {
    fn default() -> Self {
        ToolArgs {
            name: Slot::new(NAME),
            title: Slot::new(TITLE),
            description: Slot::new(DESCRIPTION),
            annotations: Slot::new(ANNOTATIONS),
            icons: Vec::new(),
            meta: Slot::new(META),
            group: Slot::new(GROUP),
            krate: Slot::new(CRATE),
        }
    }
}

pub(crate) fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

/// `flag` or `flag = true|false`.
fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

impl ToolArgs {
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
        } else if p.is_ident(ANNOTATIONS) {
            let v = parse_annotations(&meta)?;
            self.annotations.set(&meta, v)
        } else if p.is_ident(ICON) {
            self.icons.push(parse_icon(&meta)?);
            Ok(())
        } else if p.is_ident(META) {
            let lit = string(&meta)?;
            match serde_json::from_str::<serde_json::Value>(&lit.value()) {
                Ok(serde_json::Value::Object(_)) => self.meta.set(&meta, lit.into()),
                Ok(_) => Err(syn::Error::new(lit.span(), "`meta` must be a JSON object")),
                Err(e) => Err(syn::Error::new(
                    lit.span(),
                    format!("`meta` is not valid JSON: {e}"),
                )),
            }
        } else if p.is_ident(GROUP) {
            let v = string(&meta)?.value();
            self.group.set(&meta, v)
        } else if p.is_ident(CRATE) {
            let v = string(&meta)?.parse::<syn::Path>()?;
            self.krate.set(&meta, v)
        } else {
            Err(unknown(
                &meta,
                "`tool` option",
                &[
                    NAME,
                    TITLE,
                    DESCRIPTION,
                    ANNOTATIONS,
                    ICON,
                    META,
                    GROUP,
                    CRATE,
                ],
            ))
        }
    }
}

fn parse_annotations(meta: &ParseNestedMeta<'_>) -> syn::Result<Annotations> {
    let mut a = Annotations {
        title: None,
        read_only: None,
        destructive: None,
        idempotent: None,
        open_world: None,
    };
    meta.parse_nested_meta(|m| {
        let p = &m.path;
        let slot = if p.is_ident(TITLE) {
            a.title = Some(string(&m)?.value());
            return Ok(());
        } else if p.is_ident(READ_ONLY) {
            &mut a.read_only
        } else if p.is_ident(DESTRUCTIVE) {
            &mut a.destructive
        } else if p.is_ident(IDEMPOTENT) {
            &mut a.idempotent
        } else if p.is_ident(OPEN_WORLD) {
            &mut a.open_world
        } else {
            return Err(unknown(
                &m,
                "annotation",
                &[READ_ONLY, DESTRUCTIVE, IDEMPOTENT, OPEN_WORLD, TITLE],
            ));
        };
        if slot.is_some() {
            return Err(m.error(format_args!("duplicate annotation `{}`", path_str(p))));
        }
        *slot = Some(flag(&m)?);
        Ok(())
    })?;
    Ok(a)
}

pub(crate) fn parse_icon(meta: &ParseNestedMeta<'_>) -> syn::Result<Icon> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Icon {
            src: string(meta)?.value(),
            mime_type: None,
            sizes: Vec::new(),
            theme: None,
        });
    }
    let mut icon = Icon {
        src: String::new(),
        mime_type: None,
        sizes: Vec::new(),
        theme: None,
    };
    meta.parse_nested_meta(|m| {
        let p = &m.path;
        if p.is_ident(SRC) {
            icon.src = string(&m)?.value();
        } else if p.is_ident(MIME_TYPE) {
            icon.mime_type = Some(string(&m)?.value());
        } else if p.is_ident(SIZES) {
            icon.sizes = string(&m)?
                .value()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
        } else if p.is_ident(THEME) {
            let theme = string(&m)?;
            if theme.value() != "light" && theme.value() != "dark" {
                return Err(syn::Error::new(
                    theme.span(),
                    "icon theme must be \"light\" or \"dark\"",
                ));
            }
            icon.theme = Some(theme.value());
        } else {
            return Err(unknown(&m, "icon option", &[SRC, MIME_TYPE, SIZES, THEME]));
        }
        Ok(())
    })?;
    if icon.src.is_empty() {
        return Err(meta.error("an icon needs `src = \"...\"`"));
    }
    Ok(icon)
}

/// `#[arg(...)]` on a parameter.
pub(crate) struct ArgAttrs {
    pub(crate) rename: Slot<Spanned>,
    pub(crate) description: Slot<String>,
    pub(crate) default: Slot<Option<Expr>>,
    pub(crate) header: Slot<Spanned>,
    pub(crate) flatten: Slot<Span>,
    pub(crate) complete: Slot<syn::Path>,
}

impl Default for ArgAttrs {
    fn default() -> Self {
        ArgAttrs {
            rename: Slot::new(RENAME),
            description: Slot::new(DESCRIPTION),
            default: Slot::new(DEFAULT),
            header: Slot::new(HEADER),
            flatten: Slot::new(FLATTEN),
            complete: Slot::new(COMPLETE),
        }
    }
}

impl ArgAttrs {
    pub(crate) fn parse(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let p = &meta.path;
        if p.is_ident(RENAME) {
            let v = string(&meta)?.into();
            self.rename.set(&meta, v)
        } else if p.is_ident(DESCRIPTION) {
            let v = string(&meta)?.value();
            self.description.set(&meta, v)
        } else if p.is_ident(DEFAULT) {
            let v = if meta.input.peek(syn::Token![=]) {
                Some(meta.value()?.parse::<Expr>()?)
            } else {
                None
            };
            self.default.set(&meta, v)
        } else if p.is_ident(HEADER) {
            let v = string(&meta)?.into();
            self.header.set(&meta, v)
        } else if p.is_ident(FLATTEN) {
            let span = syn::spanned::Spanned::span(p);
            self.flatten.set(&meta, span)
        } else if p.is_ident(COMPLETE) {
            let v = meta.value()?.parse::<syn::Path>()?;
            self.complete.set(&meta, v)
        } else {
            Err(unknown(
                &meta,
                "`arg` option",
                &[RENAME, DESCRIPTION, DEFAULT, HEADER, FLATTEN, COMPLETE],
            ))
        }
    }
}

pub(crate) fn path_str(p: &syn::Path) -> String {
    quote::quote!(#p).to_string().replace(' ', "")
}

/// "unknown X `key`", with the closest known key when the typo is small.
fn unknown(meta: &ParseNestedMeta<'_>, what: &str, known: &[&str]) -> syn::Error {
    let key = path_str(&meta.path);
    let closest = known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let hint = closest.map_or_else(String::new, |(_, k)| format!(" (did you mean `{k}`?)"));
    meta.error(format_args!(
        "unknown {what} `{key}`{hint}; expected one of: {}",
        known.join(", ")
    ))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
