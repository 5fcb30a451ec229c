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
//! ) -> Result<i64, Error> {
//!     a.checked_add(b).ok_or_else(|| Error::tool("the sum does not fit in an i64"))
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
//!   `Serialize + JsonSchema` type (structured output with an `outputSchema`), or a
//!   `Result` of those: an `Err` becomes a tool error (`isError: true`) the model sees.
//!   A struct is the `structuredContent` object itself; anything whose schema is not an
//!   object (`Vec<T>`, an enum, `Option<T>`, [`Json`]`<u64>`) travels as
//!   `{"result": value}` with an `outputSchema` that says so (see [`Json`]).
//! * Derive `Serialize`, `Deserialize` and `JsonSchema` from the prelude: they are serde's
//!   and schemars' derives routed through this crate, so your `Cargo.toml` needs only
//!   `mcpserve` (and `tokio` for `main`).
//! * Published schemas are portable: an `Option<T>` argument is optional, not nullable;
//!   integer widths are `minimum`/`maximum` rather than formats such as `uint32`; no
//!   `type` arrays or bare `true`/`false` schemas (see [`schemars`] attributes to shape
//!   them further).
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
//! * `requestState` is sealed with HMAC-SHA256 and bound to its request (method, target,
//!   arguments); share the key between instances with
//!   [`ServerBuilder::request_state_key`]. A state lives
//!   [`ServerConfig::request_state_ttl`] (5 minutes) and may be replayed within it; the
//!   answers it carries win: a retry that changes one is `-32602`.
//! * [`Server::handle`] gives a [`ServerHandle`] to add, remove, enable and disable tools
//!   at run time and announce changes (session notifications and 2026
//!   `subscriptions/listen` streams), and to [`ping`](Peer::ping) connected clients.
//!
//! ## `#[tool]` options
//! [`#[tool]`](macro@tool) documents every option, parameter and return type, with
//! examples: names, titles, annotations, icons, `_meta`, groups, hand-written input
//! schemas, and per-parameter `#[arg(rename, description, default, header, flatten)]`.
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
//! `scopes = [...]` (a read needs them; on templates, for every matching URI),
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
//! `title`, `description`, `icon`, `meta`, `crate`, `scopes = [...]`.
//!
//! ## Completions
//! `#[arg(complete = f)]` on a prompt argument or template variable, where `f` is
//! `fn(&str) -> Vec<String>`, `fn(&CompletionRequest) -> ..` (partial value plus the
//! other arguments in `context.arguments`) or `async fn(CompletionRequest) -> ..`.
//! Arguments whose type is an enum with a JSON Schema complete from its variants
//! automatically. At most 100 values are sent, with `total` and `hasMore`.
//!
//! ## Authorization
//! With the `auth` feature the HTTP endpoint is an OAuth 2.1 resource server: every
//! request needs a bearer token from your authorization server (JWTs checked against
//! its JWKS, or RFC 7662 introspection), issued for this server's canonical URI, with
//! the scopes the operation declares. A [`Principal`] parameter is the caller.
//!
//! ```no_run
//! use mcpserve::prelude::*;
//! use mcpserve::{Auth, HttpConfig};
//!
//! /// Delete every note.
//! #[tool(scopes = ["notes:write", "notes:delete"])]
//! async fn purge_notes(who: Principal) -> Result<String, Error> {
//!     who.require(["notes:audit"])?; // a run-time demand: the same 403 challenge
//!     Ok(format!("purged for {}", who.subject()))
//! }
//!
//! # async fn run() -> mcpserve::Result<()> {
//! let auth = Auth::jwt()
//!     .issuer("https://idp.example.com")
//!     .jwks_url("https://idp.example.com/.well-known/jwks.json")
//!     .resource("https://mcp.example.com/mcp")
//!     .scope_implies("notes", ["notes:read", "notes:write", "notes:delete"]);
//! let listener = tokio::net::TcpListener::bind("10.0.0.5:8080").await?;
//! Server::from_registry()
//!     .serve_http_on(listener, HttpConfig::default().auth(auth), std::future::pending())
//!     .await
//! # }
//! ```
//! 401s carry `WWW-Authenticate: Bearer resource_metadata="…"`, served at
//! `/.well-known/oauth-protected-resource/mcp` (RFC 9728); missing scopes are a 403
//! `insufficient_scope` challenge naming all of them. Lists show every item unless
//! `Auth::hide_unpermitted()`. stdio has no OAuth. The rules in full: [`auth`].
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// `cfg_http!`/`cfg_testing!` (tokio's style): `#[cfg(feature)]` plus `doc(cfg)`, here
// testing this crate's features.
use mcp_runtime::{cfg_http, cfg_testing};

/// The derives re-exported here (`Serialize`, `Deserialize`, `JsonSchema`) are serde's and
/// schemars' derives routed through this crate: they need no `serde` or `schemars` entry
/// in your `Cargo.toml`.
pub use mcp_macros::{
    include_skills, prompt, resource, tool, Deserialize, Elicit, JsonSchema, Serialize,
};
pub use mcp_runtime::crate_info;

/// The `#[tool]` reference (`mcp-macros/docs/tool.md`, shown on the macro) compiled and
/// run as this crate's doctests: the macro crate cannot depend on the facade.
#[cfg(doctest)]
#[doc = include_str!("../mcp-macros/docs/tool.md")]
pub struct ToolReferenceExamples;

/// Composition: options for [`ServerBuilder::mount_with`].
pub use mcp_runtime::server::Mount;
pub use mcp_runtime::{
    Ask, Blob, CallToolResult, CancellationToken, ClientProgress, Completion, CompletionRequest,
    Content, Contents, Context, Elicit, Elicitation, Era, Error, ErrorKind, FromContext,
    GetPromptResult, IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult, Json,
    LoggingLevel, McpLogLayer, NotFound, Peer, ProgressAmount, ProgressMessage, PromptMessage,
    ProtocolVersion, Resource, ResourceContents, ResourceDef, ResourceRequest, Resources, Result,
    Root, SafePath, SampledMessage, SamplingMessage, SamplingOptions, SamplingPrompt, Server,
    ServerBuilder, ServerConfig, ServerHandle, Setting, SettingKind, State, TaskConfig,
    TaskSupport, Text, ToolCall, ToolChoice, ToolDef, UrlElicitation,
};

/// Protocol extensions: declare one with [`extension::Extension`] and add it with
/// [`ServerBuilder::extension`].
pub mod extension {
    pub use mcp_runtime::extension::*;
}

/// Skills (SEP-2640): folders of instructions served over MCP. Embed a folder with
/// [`include_skills!`](crate::include_skills), read one at startup with
/// [`skills::Skills::from_dir`], or declare skills in code with [`skills::Skill`]; add
/// them with [`ServerBuilder::skills`].
pub mod skills {
    pub use mcp_runtime::skills::*;
}

/// MCP Apps (`io.modelcontextprotocol/ui`): interactive HTML views linked to tools with
/// `#[tool(app = "ui://..")]` and served by `#[resource("ui://..", app(..))]`.
pub mod apps {
    pub use mcp_runtime::apps::*;
}

pub use mcp_runtime::apps::Html;

/// Long-running tool calls (`#[tool(task = "optional")]`): configuration, the
/// [`tasks::TaskStore`] trait and the in-memory store.
pub mod tasks {
    pub use mcp_runtime::tasks::*;
}

/// OAuth 2.1 authorization of the HTTP endpoint: the server as a resource server.
/// `Principal` is always available; `Auth`, the verifiers and the metadata service need
/// the `auth` feature. See the "Authorization" section above.
pub mod auth {
    pub use mcp_runtime::auth::*;
}
/// The endpoint's authorization (feature `auth`): see [`auth`].
#[cfg(feature = "auth")]
pub use mcp_runtime::auth::Auth;
pub use mcp_runtime::auth::Principal;
cfg_http! {
    pub use mcp_runtime::transport::http::{HttpConfig, McpHttpService};

    /// Streamable HTTP (feature `http`, on by default): [`Server::serve_http`], or
    /// [`Server::http_service`] to mount in axum / hyper; its configuration, response
    /// modes and the event store behind resumable streams.
    pub mod http {
        pub use mcp_runtime::transport::http::*;
    }

    /// State shared by many instances behind a load balancer ([`ServerBuilder::stores`]):
    /// sessions, resumable SSE events, tasks and announcements; on Redis with the
    /// `redis` feature ([`RedisStores`](stores::redis::RedisStores)).
    pub mod stores {
        pub use mcp_runtime::stores::*;
        #[cfg(feature = "redis")]
        pub use mcp_runtime::stores::redis::RedisStores;
    }
}

#[cfg(feature = "redis")]
pub use mcp_runtime::stores::redis::RedisStores;

cfg_testing! {
    /// A typed in-memory client for testing servers (feature `testing`; enable it for your
    /// tests with `mcpserve = { version = "..", features = ["testing"] }` under
    /// `[dev-dependencies]`).
    ///
    /// Every helper returns the protocol's typed result, and what its API takes
    /// ([`json!`](testing::json), [`Value`](testing::Value),
    /// [`ErrorObject`](testing::ErrorObject)) is re-exported here, so a test needs no
    /// `serde_json` of its own.
    ///
    /// ```
    /// use mcpserve::prelude::*;
    /// use mcpserve::testing::{json, TestClient};
    ///
    /// /// Add two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// /// A greeting.
    /// #[resource("greetings://{name}")]
    /// async fn greeting(name: String) -> String {
    ///     format!("Hello, {name}!")
    /// }
    ///
    /// /// Ask for a review.
    /// #[prompt]
    /// fn review(code: String) -> String {
    ///     format!("Review this:\n{code}")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `#[tokio::test] async fn ..()` in a test file.
    /// let client = TestClient::session(Server::from_registry()).await?; // 2025-11-25 handshake
    /// assert!(client.list_tools().await?.iter().any(|t| t.name == "add"));
    ///
    /// let sum = client.call("add", json!({ "a": 1, "b": 2 })).await?;
    /// assert_eq!(sum.text(), "3");
    /// assert_eq!(client.call_as::<i64>("add", json!({ "a": 2, "b": 2 })).await?, 4);
    ///
    /// let page = client.read("greetings://Ada").await?;
    /// assert_eq!(page.text(), "Hello, Ada!");
    ///
    /// let prompt = client.get_prompt("review", json!({ "code": "fn x() {}" })).await?;
    /// assert_eq!(prompt.messages.len(), 1);
    ///
    /// // The same calls in the sessionless 2026-07-28 era:
    /// let modern = TestClient::sessionless(Server::from_registry());
    /// assert_eq!(modern.call("add", json!({ "a": 1, "b": 2 })).await?.text(), "3");
    /// # Ok(()) }
    /// ```
    pub mod testing {
        pub use mcp_runtime::testing::*;
    }
}

pub use mcp_runtime::extract::Requirements;

/// Typed reasons a request is refused before its handler runs, and how each reaches the
/// client (a tool error or a JSON-RPC code); [`Error::rejection`] gets one back.
pub mod rejection {
    pub use mcp_runtime::extract::rejection::*;
}

/// `tracing` integration: [`McpLogLayer`] and [`logging::init`].
pub mod logging {
    pub use mcp_runtime::logging::*;
}

/// An MCP client for both protocol eras (feature `client`): child processes over stdio,
/// any byte stream, Streamable HTTP.
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client {
    pub use mcp_runtime::client::*;
}

/// Proxying remote MCP servers (feature `proxy`): [`Remote`](proxy::Remote) for
/// [`ServerBuilder::proxy`].
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
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

/// Wire types of both protocol eras that handlers, run-time tools and tests meet.
/// (The JSON-RPC framing and the dispatcher are internal; transports live in the
/// runtime crate.)
pub mod protocol {
    pub use mcp_runtime::protocol::{
        code, Annotations, CallToolResult, CompleteResult, Completion, Content, Era, ErrorObject,
        GetPromptResult, Icon, Implementation, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListToolsResult, LoggingLevel, ProgressToken, Prompt, PromptArgument,
        PromptMessage, ProtocolVersion, ReadResourceResult, RequestId, Resource, ResourceContents,
        ResourceTemplate, Role, ServerCapabilities, Tool, ToolAnnotations,
    };
}

pub use schemars;
pub use serde;
/// The traits behind the derives of the same names.
pub use serde::{de::Deserialize, ser::Serialize};
// `schemars::JsonSchema` is both the trait and schemars' derive; importing it through a
// glob lets the explicit derive import above win in the macro namespace.
mod json_schema_trait {
    pub use schemars::JsonSchema;
}
pub use json_schema_trait::*;

/// `use mcpserve::prelude::*;` brings in the macros and the types handlers use.
pub mod prelude {
    pub use crate::{
        include_skills, prompt, resource, tool, Blob, CallToolResult, CompletionRequest, Content,
        Context, Deserialize, Elicit, Elicitation, Error, FromContext, Html, Json, JsonSchema,
        LoggingLevel, NotFound, Principal, PromptMessage, Resource, SafePath, SamplingOptions,
        Serialize, Server, State, Text,
    };
    pub use schemars;
}

#[doc(hidden)]
pub mod __private {
    pub use inventory;
    pub use mcp_runtime::complete::{run_completer, CompleteFn, CompletionRequest};
    pub use mcp_runtime::crate_info;
    pub use mcp_runtime::extract::Requirements;
    pub use mcp_runtime::input::elicit::derive as elicit;
    pub use mcp_runtime::middleware::{apply_layer, CallService};
    pub use mcp_runtime::prompt::{into_prompt_result, PromptCall, PromptOutcome};
    pub use mcp_runtime::protocol::{Completion, Resource};
    pub use mcp_runtime::registry::{
        AnnotationsDef, ArgSpec, CrateInfo, IconDef, LayerFn, Location, PromptDescriptor,
        ResourceAnnotationsDef, ResourceDescriptor, ToolDescriptor,
    };
    pub use mcp_runtime::resource::probe as read_probe;
    pub use mcp_runtime::resource::{
        extract_param, extract_resource_param, run_lister, ReadOutcome, ResourceRequest,
    };
    pub use mcp_runtime::schema;
    pub use mcp_runtime::tasks::TaskSupport;
    pub use mcp_runtime::tool::probe;
    pub use mcp_runtime::tool::{
        run_blocking, ArgKey, ArgsError, BoxFuture, ToolCall, ToolOutcome,
    };
    pub use mcp_runtime::wire_arg as wire;
    pub use mcp_runtime::Elicit;
    pub use mcp_runtime::{Context, Error};
    pub use schemars;
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
