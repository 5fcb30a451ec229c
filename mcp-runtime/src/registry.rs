//! Link-time registry: every `#[tool]` submits a [`ToolDescriptor`] through `inventory`.
//!
//! Descriptors hold only `&'static` data and `fn` pointers so the macros can build
//! them in `const` context. Nothing here is validated; [`crate::server::ServerBuilder`]
//! checks names, duplicates and schemas once at startup.

use schemars::SchemaGenerator;
use serde_json::Value;

use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Where a registration was written, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// `file!()` of the definition.
    pub file: &'static str,
    /// `line!()` of the definition.
    pub line: u32,
    /// `module_path!()` of the definition.
    pub module: &'static str,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Name and version of the crate a registration comes from, used for the default
/// `serverInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrateInfo {
    /// `CARGO_PKG_NAME`.
    pub name: &'static str,
    /// `CARGO_PKG_VERSION`.
    pub version: &'static str,
}

/// Icon declared on an attribute.
#[derive(Debug, Clone, Copy)]
pub struct IconDef {
    /// URI of the icon.
    pub src: &'static str,
    /// MIME type.
    pub mime_type: Option<&'static str>,
    /// Sizes.
    pub sizes: &'static [&'static str],
    /// Theme.
    pub theme: Option<&'static str>,
}

/// Tool annotations declared on the attribute.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnnotationsDef {
    /// Display title.
    pub title: Option<&'static str>,
    /// `readOnlyHint`.
    pub read_only: Option<bool>,
    /// `destructiveHint`.
    pub destructive: Option<bool>,
    /// `idempotentHint`.
    pub idempotent: Option<bool>,
    /// `openWorldHint`.
    pub open_world: Option<bool>,
}

/// Builds a JSON Schema with the shared generator.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Value;
/// Builds an optional output schema.
pub type OutputSchemaFn = fn(&mut SchemaGenerator) -> Option<Value>;
/// Runs a tool.
pub type CallFn = fn(ToolCall) -> BoxFuture<'static, ToolOutcome>;

/// A tool registered by `#[tool]`.
#[derive(Debug)]
pub struct ToolDescriptor {
    /// Wire name.
    pub name: &'static str,
    /// Display title.
    pub title: Option<&'static str>,
    /// Description (doc comment or attribute).
    pub description: Option<&'static str>,
    /// Behaviour hints.
    pub annotations: AnnotationsDef,
    /// Icons.
    pub icons: &'static [IconDef],
    /// `_meta` as JSON text (checked by the macro).
    pub meta: Option<&'static str>,
    /// Group; grouped tools are served only when the group is selected.
    pub group: Option<&'static str>,
    /// Input schema builder.
    pub input_schema: SchemaFn,
    /// Output schema builder.
    pub output_schema: OutputSchemaFn,
    /// Entry point.
    pub call: CallFn,
    /// Source location.
    pub location: Location,
    /// Defining crate.
    pub krate: CrateInfo,
}

inventory::collect!(ToolDescriptor);

/// Every tool linked into the binary, in no particular order.
pub fn tools() -> impl Iterator<Item = &'static ToolDescriptor> {
    inventory::iter::<ToolDescriptor>.into_iter()
}
