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

/// The options every registered item (`#[tool]`, `#[resource]`, `#[prompt]`) accepts.
pub(crate) struct CommonArgs {
    pub(crate) name: Slot<Spanned>,
    pub(crate) title: Slot<String>,
    pub(crate) description: Slot<String>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Slot<Spanned>,
    pub(crate) krate: Slot<syn::Path>,
    pub(crate) scopes: Slot<Vec<String>>,
}

impl Default for CommonArgs {
    fn default() -> Self {
        CommonArgs {
            name: Slot::new(NAME),
            title: Slot::new(TITLE),
            description: Slot::new(DESCRIPTION),
            icons: Vec::new(),
            meta: Slot::new(META),
            krate: Slot::new(CRATE),
            scopes: Slot::new(SCOPES),
        }
    }
}

impl CommonArgs {
    /// The keys handled here, for "expected one of" messages.
    pub(crate) const KEYS: [&'static str; 7] =
        [NAME, TITLE, DESCRIPTION, ICON, META, CRATE, SCOPES];

    /// Parses `meta` when it is a common option; `Ok(false)` leaves it to the caller.
    pub(crate) fn parse(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
        let p = &meta.path;
        if p.is_ident(NAME) {
            let v = string(meta)?.into();
            self.name.set(meta, v)?;
        } else if p.is_ident(TITLE) {
            let v = string(meta)?.value();
            self.title.set(meta, v)?;
        } else if p.is_ident(DESCRIPTION) {
            let v = string(meta)?.value();
            self.description.set(meta, v)?;
        } else if p.is_ident(ICON) {
            self.icons.push(parse_icon(meta)?);
        } else if p.is_ident(META) {
            let v = meta_json(meta)?;
            self.meta.set(meta, v)?;
        } else if p.is_ident(CRATE) {
            let v = string(meta)?.parse::<syn::Path>()?;
            self.krate.set(meta, v)?;
        } else if p.is_ident(SCOPES) {
            let v = scopes(meta)?;
            self.scopes.set(meta, v)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// The resolved values: the name defaults to the function's, the description to its
    /// doc comment, the crate path to `::mcpserve`.
    pub(crate) fn resolve(self, func: &syn::ItemFn) -> ItemInfo {
        let ident = &func.sig.ident;
        let (name, name_span) = match self.name.get() {
            Some(n) => (n.value, n.span),
            None => {
                let s = ident.to_string();
                (
                    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s),
                    ident.span(),
                )
            }
        };
        ItemInfo {
            name,
            name_span,
            title: self.title.get(),
            description: self
                .description
                .get()
                .or_else(|| super::doc_text(&func.attrs)),
            icons: self.icons,
            meta: self.meta.get(),
            krate: self
                .krate
                .get()
                .unwrap_or_else(|| syn::parse_quote!(::mcpserve)),
            scopes: self.scopes.get().unwrap_or_default(),
        }
    }
}

/// `scopes = ["notes:read", ...]`: OAuth scope tokens, checked here.
fn scopes(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let array = meta.value()?.parse::<syn::ExprArray>()?;
    let mut out = Vec::new();
    for elem in &array.elems {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) = elem
        else {
            return Err(syn::Error::new_spanned(
                elem,
                "`scopes` takes string literals, e.g. scopes = [\"notes:read\"]",
            ));
        };
        crate::scope::check(&lit.value()).map_err(|e| syn::Error::new(lit.span(), e))?;
        out.push(lit.value());
    }
    Ok(out)
}

/// [`CommonArgs`] resolved against the annotated function.
pub(crate) struct ItemInfo {
    pub(crate) name: String,
    pub(crate) name_span: proc_macro2::Span,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Option<Spanned>,
    pub(crate) krate: syn::Path,
    /// OAuth scopes the operation needs.
    pub(crate) scopes: Vec<String>,
}

/// `meta = r#"{..}"#`: a JSON object, checked here.
fn meta_json(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned> {
    let lit = string(meta)?;
    match serde_json::from_str::<serde_json::Value>(&lit.value()) {
        Ok(serde_json::Value::Object(_)) => Ok(lit.into()),
        Ok(_) => Err(syn::Error::new(lit.span(), "`meta` must be a JSON object")),
        Err(e) => Err(syn::Error::new(
            lit.span(),
            format!("`meta` is not valid JSON: {e}"),
        )),
    }
}

/// Reports an unknown option of `what`, suggesting the nearest of `common` + `extra`.
pub(crate) fn unknown_option(meta: &ParseNestedMeta<'_>, what: &str, extra: &[&str]) -> syn::Error {
    let known: Vec<&str> = CommonArgs::KEYS.iter().chain(extra).copied().collect();
    unknown(meta, what, &known)
}

/// `#[tool(...)]`.
#[derive(Default)]
pub(crate) struct ToolArgs {
    pub(crate) common: CommonArgs,
    pub(crate) annotations: Option<Annotations>,
    pub(crate) group: Option<String>,
    /// A hand-written input schema (JSON text, checked here).
    pub(crate) input_schema: Option<Spanned>,
    /// `task = "optional" | "required" | "forbidden"`.
    pub(crate) task: Option<TaskSupport>,
    /// `app = "ui://.."`: the MCP Apps view showing the tool's result.
    pub(crate) app: Option<Spanned>,
    /// `visibility = ["model", "app"]`: who may call the tool (MCP Apps).
    pub(crate) visibility: Option<Vec<String>>,
    /// `layer = expr`: a middleware layer around this tool alone.
    pub(crate) layer: Option<syn::Expr>,
}

/// Whether a tool runs as a task.
#[derive(Clone, Copy)]
pub(crate) enum TaskSupport {
    Forbidden,
    Optional,
    Required,
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
        if self.common.parse(&meta)? {
            return Ok(());
        }
        let p = &meta.path;
        if p.is_ident(ANNOTATIONS) {
            let v = parse_annotations(&meta)?;
            set_once(&meta, &mut self.annotations, ANNOTATIONS, v)
        } else if p.is_ident(INPUT_SCHEMA) {
            let lit = string(&meta)?;
            check_input_schema(&lit.value()).map_err(|msg| syn::Error::new(lit.span(), msg))?;
            set_once(&meta, &mut self.input_schema, INPUT_SCHEMA, lit.into())
        } else if p.is_ident(GROUP) {
            let v = string(&meta)?.value();
            set_once(&meta, &mut self.group, GROUP, v)
        } else if p.is_ident(TASK) {
            let lit = string(&meta)?;
            let v = match lit.value().as_str() {
                "optional" => TaskSupport::Optional,
                "required" => TaskSupport::Required,
                "forbidden" => TaskSupport::Forbidden,
                _ => {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`task` must be \"optional\", \"required\" or \"forbidden\"",
                    ))
                }
            };
            set_once(&meta, &mut self.task, TASK, v)
        } else if p.is_ident(APP) {
            let v = crate::apps::tool_app(&meta)?;
            set_once(&meta, &mut self.app, APP, v)
        } else if p.is_ident(VISIBILITY) {
            let v = crate::apps::visibility(&meta)?;
            set_once(&meta, &mut self.visibility, VISIBILITY, v)
        } else if p.is_ident(LAYER) {
            let v: syn::Expr = meta.value()?.parse()?;
            set_once(&meta, &mut self.layer, LAYER, v)
        } else {
            Err(unknown_option(
                &meta,
                "`tool` option",
                &[
                    ANNOTATIONS,
                    GROUP,
                    INPUT_SCHEMA,
                    TASK,
                    APP,
                    VISIBILITY,
                    LAYER,
                ],
            ))
        }
    }
}

/// Stores an item-specific option, rejecting a second occurrence at its tokens.
pub(crate) fn set_once<T>(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<T>,
    what: &str,
    value: T,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("duplicate `{what}` option")));
    }
    *slot = Some(value);
    Ok(())
}

/// An MCP input schema is a JSON object schema: `{"type": "object", ...}`.
fn check_input_schema(text: &str) -> Result<(), String> {
    use serde_json::Value;
    const NOT_OBJECT: &str = "`input_schema` must be a JSON object with `\"type\": \"object\"` \
                              (MCP tools take an arguments object)";
    let schema = serde_json::from_str::<Value>(text)
        .map_err(|e| format!("`input_schema` is not valid JSON: {e}"))?;
    let Value::Object(m) = schema else {
        return Err(NOT_OBJECT.into());
    };
    if m.get("type").and_then(Value::as_str) != Some("object") {
        return Err(NOT_OBJECT.into());
    }
    match m.get("properties") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err("`input_schema`: `properties` must be an object".into()),
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

/// Consumes an entry of another derive's attribute (`#[serde(..)]`) we only look into:
/// `key`, `key = value` or `key(...)`.
pub(crate) fn skip(m: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if m.input.peek(syn::Token![=]) {
        m.value()?.parse::<syn::Expr>()?;
    } else if m.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in m.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
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
