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

/// Cargo metadata of the crate a registration comes from: the defaults of `serverInfo`,
/// the server card, `server.json`, MCPB manifests and the command line's `--help` and
/// `--version`. Build one for your own crate with [`crate_info!`](crate::crate_info).
///
/// Empty strings stand for fields the manifest does not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrateInfo {
    /// `CARGO_PKG_NAME`.
    pub name: &'static str,
    /// `CARGO_PKG_VERSION`.
    pub version: &'static str,
    /// `CARGO_PKG_DESCRIPTION`.
    pub description: &'static str,
    /// `CARGO_PKG_HOMEPAGE`.
    pub homepage: &'static str,
    /// `CARGO_PKG_REPOSITORY`.
    pub repository: &'static str,
    /// `CARGO_PKG_LICENSE`.
    pub license: &'static str,
    /// `CARGO_PKG_AUTHORS` (`:`-separated).
    pub authors: &'static str,
}

/// The [`CrateInfo`] of the crate this is written in.
///
/// `env!` expands where the macro is used, so the values are the calling crate's
/// manifest, not mcpserve's. The attribute macros use it for every registration;
/// pass it to [`ServerBuilder::crate_info`](crate::ServerBuilder::crate_info) when the
/// binary's own crate defines no tools (they all live in a library crate) and its
/// metadata should still name the server.
///
/// ```
/// let info = mcp_runtime::crate_info!();
/// assert_eq!(info.name, "mcp-runtime");
/// ```
#[macro_export]
macro_rules! crate_info {
    () => {
        $crate::registry::CrateInfo {
            name: ::core::env!("CARGO_PKG_NAME"),
            version: ::core::env!("CARGO_PKG_VERSION"),
            description: ::core::env!("CARGO_PKG_DESCRIPTION"),
            homepage: ::core::env!("CARGO_PKG_HOMEPAGE"),
            repository: ::core::env!("CARGO_PKG_REPOSITORY"),
            license: ::core::env!("CARGO_PKG_LICENSE"),
            authors: ::core::env!("CARGO_PKG_AUTHORS"),
        }
    };
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
/// Collects what a handler's extractors need (checked at `build()`).
pub type RequiresFn = fn(&mut crate::extract::Requirements);

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
    /// OAuth scopes a call needs (`scopes = [...]`), all of them.
    pub scopes: &'static [&'static str],
    /// Input schema builder.
    pub input_schema: SchemaFn,
    /// Output schema builder.
    pub output_schema: OutputSchemaFn,
    /// Whether the tool runs as a task (`#[tool(task = "...")]`).
    pub task_support: crate::tasks::TaskSupport,
    /// `#[tool(layer = ..)]`: wraps the handler (inside the server's own layers).
    pub layer: Option<LayerFn>,
    /// Entry point.
    pub call: CallFn,
    /// What its extractors need from the server.
    pub requires: RequiresFn,
    /// Source location.
    pub location: Location,
    /// Defining crate.
    pub krate: CrateInfo,
}

inventory::collect!(ToolDescriptor);

/// Wraps a tool's call service in the layer of `#[tool(layer = ..)]`.
pub type LayerFn = fn(crate::middleware::CallService) -> crate::middleware::CallService;

/// Every tool linked into the binary, in no particular order.
pub fn tools() -> impl Iterator<Item = &'static ToolDescriptor> {
    inventory::iter::<ToolDescriptor>.into_iter()
}

/// Resource annotations declared on `#[resource(annotations(..))]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResourceAnnotationsDef {
    /// `"user"` and/or `"assistant"`.
    pub audience: &'static [&'static str],
    /// 0.0 to 1.0.
    pub priority: Option<f64>,
    /// ISO 8601 timestamp.
    pub last_modified: Option<&'static str>,
}

/// A prompt argument or template variable, built at startup from the parameter's type.
#[derive(Debug, Clone)]
pub struct ArgSpec {
    /// Name.
    pub name: &'static str,
    /// Description (doc comment or `#[arg(description)]`).
    pub description: Option<&'static str>,
    /// Whether the value must be given.
    pub required: bool,
    /// `#[arg(complete = f)]`.
    pub complete: Option<crate::complete::CompleteFn>,
    /// Values offered automatically when there is no completer (enum types).
    pub enum_values: Vec<String>,
}

/// Builds the argument specs of a prompt or template.
pub type ArgsFn = fn() -> Vec<ArgSpec>;

/// A resource or resource template registered by `#[resource]`.
#[derive(Debug)]
pub struct ResourceDescriptor {
    /// URI (static resource) or RFC 6570 template (checked by the macro).
    pub uri: &'static str,
    /// Programmatic name.
    pub name: &'static str,
    /// Display title.
    pub title: Option<&'static str>,
    /// Description.
    pub description: Option<&'static str>,
    /// MIME type.
    pub mime_type: Option<&'static str>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Annotations.
    pub annotations: ResourceAnnotationsDef,
    /// Icons.
    pub icons: &'static [IconDef],
    /// `_meta` as JSON text.
    pub meta: Option<&'static str>,
    /// OAuth scopes a read needs (`scopes = [...]`), all of them.
    pub scopes: &'static [&'static str],
    /// Reads the resource.
    pub read: crate::resource::ReadFn,
    /// Lists a template's concrete resources.
    pub list: Option<crate::resource::ListFn>,
    /// What its extractors need from the server.
    pub requires: RequiresFn,
    /// The template's variables (empty for static resources).
    pub variables: ArgsFn,
    /// Source location.
    pub location: Location,
    /// Defining crate.
    pub krate: CrateInfo,
}

inventory::collect!(ResourceDescriptor);

/// Every resource linked into the binary, in no particular order.
pub fn resources() -> impl Iterator<Item = &'static ResourceDescriptor> {
    inventory::iter::<ResourceDescriptor>.into_iter()
}

/// A prompt registered by `#[prompt]`.
#[derive(Debug)]
pub struct PromptDescriptor {
    /// Wire name.
    pub name: &'static str,
    /// Display title.
    pub title: Option<&'static str>,
    /// Description.
    pub description: Option<&'static str>,
    /// Icons.
    pub icons: &'static [IconDef],
    /// `_meta` as JSON text.
    pub meta: Option<&'static str>,
    /// OAuth scopes a `prompts/get` needs (`scopes = [...]`), all of them.
    pub scopes: &'static [&'static str],
    /// The arguments.
    pub arguments: ArgsFn,
    /// Renders the prompt.
    pub get: crate::prompt::GetFn,
    /// What its extractors need from the server.
    pub requires: RequiresFn,
    /// Source location.
    pub location: Location,
    /// Defining crate.
    pub krate: CrateInfo,
}

inventory::collect!(PromptDescriptor);

/// Every prompt linked into the binary, in no particular order.
pub fn prompts() -> impl Iterator<Item = &'static PromptDescriptor> {
    inventory::iter::<PromptDescriptor>.into_iter()
}
