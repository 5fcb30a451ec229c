//! The internal model of an annotated function, built by `parse` and consumed by `emit`.

use proc_macro2::Span;
use syn::{Expr, Ident, ItemFn, Pat, Type};

use crate::parse::attr::{Annotations, Icon, Spanned, TaskSupport};

/// A `#[tool]` function.
pub(crate) struct ToolFn<'a> {
    pub(crate) original: &'a ItemFn,
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) annotations: Option<Annotations>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Option<Spanned>,
    pub(crate) group: Option<String>,
    pub(crate) krate: syn::Path,
    /// `scopes = [...]`: OAuth scopes the operation needs.
    pub(crate) scopes: Vec<String>,
    /// `input_schema = "..."`: published instead of the schema built from the parameters.
    pub(crate) input_schema: Option<Spanned>,
    /// `task = "..."`.
    pub(crate) task: Option<TaskSupport>,
    /// `layer = expr`.
    pub(crate) layer: Option<syn::Expr>,
    pub(crate) params: Vec<Param<'a>>,
    pub(crate) ret: Type,
    pub(crate) is_async: bool,
}

/// One parameter.
pub(crate) struct Param<'a> {
    pub(crate) index: usize,
    /// The binding, when the pattern is a plain identifier.
    pub(crate) binding: Option<&'a Ident>,
    /// The argument's wire name (parameter name or `rename`).
    pub(crate) wire_name: String,
    pub(crate) ty: &'a Type,
    pub(crate) pat: &'a Pat,
    pub(crate) description: Option<String>,
    /// `Some(None)` is `#[arg(default)]`, `Some(Some(e))` is `#[arg(default = e)]`.
    pub(crate) default: Option<Option<Expr>>,
    pub(crate) header: Option<Spanned>,
    pub(crate) flatten: Option<Span>,
    /// `#[arg(complete = f)]` (prompts and template variables).
    pub(crate) complete: Option<syn::Path>,
}

impl Param<'_> {
    /// Whether the parameter can be an argument at all (patterns can only be extractors).
    pub(crate) fn is_named(&self) -> bool {
        self.binding.is_some()
    }
}

/// A `#[resource]` function.
pub(crate) struct ResourceFn<'a> {
    pub(crate) original: &'a ItemFn,
    pub(crate) uri: Spanned,
    /// Variable names, when the URI is a valid template.
    pub(crate) variables: Option<Vec<String>>,
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) size: Option<(u64, Span)>,
    pub(crate) annotations: Option<ResourceAnnotations>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Option<Spanned>,
    pub(crate) list: Option<syn::Path>,
    pub(crate) krate: syn::Path,
    /// `scopes = [...]`: OAuth scopes the operation needs.
    pub(crate) scopes: Vec<String>,
    pub(crate) params: Vec<Param<'a>>,
    pub(crate) ret: Type,
    pub(crate) is_async: bool,
}

/// `annotations(...)` on `#[resource]`.
pub(crate) struct ResourceAnnotations {
    pub(crate) audience: Vec<String>,
    pub(crate) priority: Option<f64>,
    pub(crate) last_modified: Option<String>,
}

/// A `#[prompt]` function.
pub(crate) struct PromptFn<'a> {
    pub(crate) original: &'a ItemFn,
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) icons: Vec<Icon>,
    pub(crate) meta: Option<Spanned>,
    pub(crate) krate: syn::Path,
    /// `scopes = [...]`: OAuth scopes the operation needs.
    pub(crate) scopes: Vec<String>,
    pub(crate) params: Vec<Param<'a>>,
    pub(crate) ret: Type,
    pub(crate) is_async: bool,
}
