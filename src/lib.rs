//! # mcpserve
//!
//! Write [Model Context Protocol](https://modelcontextprotocol.io) servers the way you
//! write web handlers in axum: annotate plain functions, run.
//!
//! ```no_run
//! use mcpserve::prelude::*;
//!
//! /// Add two numbers.
//! #[tool(annotations(read_only, idempotent))]
//! async fn add(
//!     /// The left operand.
//!     a: i64,
//!     /// The right operand.
//!     b: i64,
//! ) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> mcpserve::Result<()> {
//!     Server::from_registry().run().await
//! }
//! ```
//!
//! `run()` (feature `cli`, on by default) makes the binary a command line: no arguments
//! serve stdio as MCP clients expect, `--http [ADDR]` serves Streamable HTTP, and verbs
//! inspect, call, configure and package the server (`list`, `call`, `read`, `prompt`,
//! `config`, `install`, `card`, `server-json`, `bundle`; see [`Server::run`]).
//!
//! * `#[tool]` works on `async fn` and plain `fn` (run on the blocking pool) in any module
//!   of any crate linked into the binary; `inventory` collects them at link time. A crate
//!   that only defines tools must be linked: `use my_tools as _;`.
//! * Parameters become the input schema (JSON Schema 2020-12); doc comments become
//!   descriptions. Parameters whose type implements [`FromContext`] ([`Context`],
//!   [`State<T>`], your own) are extractors and stay out of the schema.
//! * Return text, numbers, [`Content`], `Vec<Content>`, [`CallToolResult`], any
//!   `Serialize + JsonSchema` struct (structured output with an `outputSchema`), or a
//!   `Result` of those: an `Err` becomes a tool error (`isError: true`) the model sees.
//! * One server serves both protocol eras: the session era (2024-11-05 … 2025-11-25,
//!   `initialize`) and the sessionless 2026-07-28 era (`server/discover`, per-request
//!   `_meta`), chosen per request.
//!
//! ## Talking back to the client
//! A `ctx: Context` parameter gives a handler the request's context. The same code works
//! in both eras: in the session era the server sends requests to the client; in the
//! 2026-07-28 era the call answers `input_required` and the client retries with the
//! answers, re-running the handler (so code before an ask must be safe to repeat). Tools,
//! prompts (`prompts/get`) and resource reads (`resources/read`) can all ask.
//!
//! ```no_run
//! use mcpserve::prelude::*;
//!
//! #[derive(Deserialize, Elicit)]      // flat fields only, checked at compile time
//! struct Confirm { proceed: bool, /// Why
//!                  reason: Option<String> }
//!
//! /// Delete a project after asking the user.
//! #[tool(annotations(destructive))]
//! async fn delete_project(name: String, ctx: Context) -> Result<String, Error> {
//!     ctx.progress(0, Some(3), "checking").await;          // only with a progressToken
//!     tracing::info!(%name, "deleting");                   // a log message, if asked for
//!     let Elicitation::Accepted(c) = ctx.elicit::<Confirm>("Really delete?").await? else {
//!         return Ok("kept".into());
//!     };
//!     let summary = ctx.sample("Summarise", SamplingOptions::default()).await?;
//!     let roots = ctx.roots().key("client_roots").await?;  // explicit input key (2026)
//!     Ok(format!("{} {}", summary.text(), roots.len()))
//! }
//! ```
//! * Asks fail with a missing-capability error when the client did not declare the
//!   capability (`-32021` in 2026, a tool error before), and in the session era after
//!   `ServerConfig::client_request_timeout` when the client never answers.
//! * `requestState` is sealed with HMAC-SHA256; share the key between instances with
//!   [`ServerBuilder::request_state_key`].
//! * [`Server::handle`] gives a [`ServerHandle`] to add, remove, enable and disable tools
//!   at run time and announce changes (session notifications and 2026
//!   `subscriptions/listen` streams), and to [`ping`](Peer::ping) connected clients.
//!
//! ## `#[tool]` options
//! `name = "..."`, `title = "..."`, `description = "..."` (overrides the doc comment),
//! `annotations(read_only, destructive, idempotent, open_world, title = "...")`,
//! `icon = "https://..."` or `icon(src = "...", mime_type = "...", sizes = "48x48", theme = "dark")`,
//! `meta = r#"{"key": "value"}"#`, `group = "admin"` (served only with `.groups(["admin"])`),
//! `crate = "path::to::mcpserve"`,
//! `input_schema = r#"{"type": "object", ...}"#`: a hand-written JSON Schema (2020-12
//! keywords such as `$defs`, `allOf`, `if`/`then` kept as written; checked to be a JSON
//! object schema at compile time) published instead of the generated one; arguments are
//! validated against it before the call and still bind by name, or through one
//! `#[arg(flatten)]` struct that then needs only `Deserialize`.
//!
//! Parameter options, `#[arg(...)]`: `rename = "wireName"`, `description = "..."`,
//! `default` or `default = expr` (the argument becomes optional), `header = "Region"`
//! (mirrored as the `Mcp-Param-Region` HTTP header, `x-mcp-header` in the schema),
//! `flatten` (one `Deserialize + JsonSchema` struct is the whole argument object).
//!
//! ## `#[resource("uri", ...)]`
//! A URI without `{..}` is a static resource (listed in `resources/list`); one with RFC 6570
//! expressions is a template (listed in `resources/templates/list`, matched on
//! `resources/read`): `{x}`, `{+x}` (may contain `/`), `{#x}`, `{.x}`, `{/x}`, `{/x*}`,
//! `{;x}`, `{?a,b}`, `{&a}`, `{x:3}`. A concrete resource with the exact URI wins over
//! templates; when several templates match, the most specific wins:
//! more literal characters, then fewer greedy expressions (`{+x}`, `{#x}`, `*`), then fewer
//! variables, then source order. Values are percent-decoded; values of `{+x}`, `{#x}` and
//! `{/x*}` are screened against path traversal (`..`, encoded dots, absolute paths,
//! backslashes, NUL) before any handler runs, and [`SafePath`] screens any variable.
//!
//! Every variable binds the parameter of the same name (any `FromStr` type, or a
//! `Deserialize` one such as a unit enum; `Option<T>` for query variables); every other
//! parameter must be an extractor. A value that does not convert is `-32602`.
//! Return text, bytes (`Vec<u8>`, `bytes::Bytes` → base64 `blob`), [`Json<T>`], [`Text`],
//! [`Blob`], [`Contents`], [`ResourceContents`], a `Vec` of those, any `Serialize` type
//! (JSON text), or a `Result`: `Err(NotFound)` is the era's resource-not-found error.
//!
//! Options: `name`, `title`, `description` (default: doc comment), `mime_type`, `size`,
//! `annotations(audience = "user" | ["user", "assistant"], priority = 0.5,
//! last_modified = "2025-01-12T15:00:58Z")`, `icon`, `meta`, `crate`, and for templates
//! `list = f` (`fn() -> Vec<Resource>`, `async fn()`, or `async fn(Context)`) to put
//! concrete instances in `resources/list`.
//!
//! ## `#[prompt(...)]`
//! Parameters are the prompt's arguments (doc comments describe them; `Option<T>` ones are
//! optional), typed like template variables; extractors are allowed. Return `String` (one
//! user message), [`PromptMessage`]s (`PromptMessage::user(..)`/`assistant(..)` with text
//! or any [`Content`]: images, audio, embedded resources), or a `Result`. Options: `name`,
//! `title`, `description`, `icon`, `meta`, `crate`.
//!
//! ## Completions
//! `#[arg(complete = f)]` on a prompt argument or template variable, where `f` is
//! `fn(&str) -> Vec<String>`, `fn(&CompletionRequest) -> ..` (partial value plus the
//! other arguments in `context.arguments`) or `async fn(CompletionRequest) -> ..`.
//! Arguments whose type is an enum with a JSON Schema complete from its variants
//! automatically. At most 100 values are sent, with `total` and `hasMore`.
#![warn(missing_docs)]

pub use mcp_macros::{prompt, resource, tool, Elicit};
pub use mcp_runtime::crate_info;
/// Composition: options for [`ServerBuilder::mount_with`].
pub use mcp_runtime::server::Mount;
/// Streamable HTTP (feature `http`, on by default): `Server::serve_http`, or
/// `Server::http_service` to mount in axum / hyper.
#[cfg(feature = "http")]
pub use mcp_runtime::transport::http::{HttpConfig, McpHttpService};
pub use mcp_runtime::{
    Ask, Blob, CallToolResult, CancellationToken, Completion, CompletionRequest, Content, Contents,
    Context, Elicit, Elicitation, Era, Error, ErrorKind, FromContext, GetPromptResult,
    IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult, Json, LoggingLevel,
    McpLogLayer, NotFound, Peer, ProgressMessage, PromptMessage, ProtocolVersion, Resource,
    ResourceContents, ResourceDef, ResourceRequest, Resources, Result, Root, SafePath,
    SampledMessage, SamplingMessage, SamplingOptions, SamplingPrompt, Server, ServerBuilder,
    ServerConfig, ServerHandle, Setting, SettingKind, State, Text, ToolCall, ToolChoice, ToolDef,
    UrlElicitation,
};

/// `tracing` integration: [`McpLogLayer`] and [`logging::init`].
pub mod logging {
    pub use mcp_runtime::logging::*;
}

/// An MCP client for both protocol eras (feature `client`): child processes over stdio,
/// any byte stream, Streamable HTTP.
#[cfg(feature = "client")]
pub mod client {
    pub use mcp_runtime::client::*;
}

/// Proxying remote MCP servers (feature `proxy`): [`Remote`](proxy::Remote) for
/// [`ServerBuilder::proxy`].
#[cfg(feature = "proxy")]
pub mod proxy {
    pub use mcp_runtime::proxy::*;
}

/// Middleware: tower layers around tool calls ([`ServerBuilder::layer`]), `from_fn`,
/// and the built-in timeout, cache, error masking, tracing, rate limit (feature
/// `rate-limit`) and metrics (feature `metrics`) layers.
pub mod middleware {
    pub use mcp_runtime::middleware::*;
}

/// RFC 6570 URI templates as `#[resource]` uses them (parsing and matching).
pub mod uri_template {
    pub use mcp_runtime::uri_template::*;
}

/// Server identity outside the protocol: the server card, `server.json`, MCPB bundles
/// and MCP client configurations.
pub mod identity {
    pub use mcp_runtime::identity::*;
}

/// Wire types of both protocol eras.
pub mod protocol {
    pub use mcp_runtime::protocol::*;
}

/// Transports beyond stdio.
pub mod transport {
    pub use mcp_runtime::transport::*;
}

/// A typed in-memory client for testing servers.
pub mod testing {
    pub use mcp_runtime::testing::*;
}

/// The dispatcher, for writing transports.
pub mod dispatch {
    pub use mcp_runtime::dispatch::*;
}

pub use schemars;
pub use schemars::JsonSchema;
pub use serde;

/// `use mcpserve::prelude::*;` brings in the macros and the types handlers use.
pub mod prelude {
    pub use crate::{
        prompt, resource, tool, Blob, CallToolResult, CompletionRequest, Content, Context, Elicit,
        Elicitation, Error, FromContext, Json, JsonSchema, LoggingLevel, NotFound, PromptMessage,
        Resource, SafePath, SamplingOptions, Server, State, Text,
    };
    pub use schemars;
    pub use serde::{Deserialize, Serialize};
}

#[doc(hidden)]
pub mod __private {
    pub use inventory;
    pub use mcp_runtime::complete::{run_completer, CompleteFn, CompletionRequest};
    pub use mcp_runtime::crate_info;
    pub use mcp_runtime::input::elicit::derive as elicit;
    pub use mcp_runtime::prompt::{into_prompt_result, PromptCall, PromptOutcome};
    pub use mcp_runtime::protocol::{Completion, Resource};
    pub use mcp_runtime::registry::{
        AnnotationsDef, ArgSpec, CrateInfo, IconDef, Location, PromptDescriptor,
        ResourceAnnotationsDef, ResourceDescriptor, ToolDescriptor,
    };
    pub use mcp_runtime::resource::probe as read_probe;
    pub use mcp_runtime::resource::{
        extract_param, extract_resource_param, run_lister, ReadOutcome, ResourceRequest,
    };
    pub use mcp_runtime::schema;
    /// Composition: options for [`ServerBuilder::mount_with`].
    pub use mcp_runtime::server::Mount;
    pub use mcp_runtime::tool::probe;
    pub use mcp_runtime::tool::{
        run_blocking, ArgKey, ArgsError, BoxFuture, ToolCall, ToolOutcome,
    };
    pub use mcp_runtime::wire_arg as wire;
    pub use mcp_runtime::Elicit;
    pub use mcp_runtime::{Context, Error};
    pub use schemars::SchemaGenerator;
    pub use serde;
    pub use serde_json;

    /// Compile-time check that a parameter is an extractor.
    pub fn assert_extractor<T: mcp_runtime::FromContext>() {}

    /// A parameter's default value, for the schema.
    pub fn default_value<T: serde::Serialize>(value: T) -> Option<serde_json::Value> {
        serde_json::to_value(value).ok()
    }
}
