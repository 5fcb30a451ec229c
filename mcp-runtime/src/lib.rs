//! Runtime for [mcpserve](https://docs.rs/mcpserve): protocol types, the link-time
//! registry, the dispatcher that serves both protocol eras, extractors and transports.
//!
//! Users depend on the `mcpserve` facade; this crate holds the machinery.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

pub mod apps;
pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod complete;
pub mod dispatch;
pub mod error;
pub mod extension;
pub mod extract;
#[cfg(test)]
mod fuzz;
pub mod identity;
pub mod input;
pub mod logging;
pub mod middleware;
// Shared with mcp-macros (`#[path]`); some rules are used only there.
#[allow(dead_code)]
pub(crate) mod names;
pub(crate) mod notify;
pub mod prompt;
pub mod protocol;
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub mod proxy;
pub mod registry;
pub mod resource;
pub mod schema;
pub mod server;
pub mod skills;
#[cfg(feature = "http")]
pub mod stores;
cfg_testing! {
    pub mod testing;
}
pub mod tasks;
pub mod tool;
pub mod transport;
pub mod uri_template;
pub mod wire_arg;

pub use complete::{CompletionRequest, IntoCompletion};
pub use dispatch::Dispatcher;
pub use error::{Error, ErrorKind, Result};
pub use extension::{Extension, ExtensionMethod};
pub use extract::{
    CancellationToken, Context, FromContext, ProgressAmount, ProgressMessage, State,
};
pub use identity::{Setting, SettingKind};
pub use input::{
    Ask, ClientProgress, Elicit, Elicitation, Root, SampledMessage, SamplingMessage,
    SamplingOptions, SamplingPrompt, ToolChoice, UrlElicitation,
};
pub use logging::McpLogLayer;
pub use prompt::IntoPromptResult;
pub use protocol::types::{CallToolResult, Content, LoggingLevel, ResourceContents};
pub use protocol::{Completion, GetPromptResult, PromptMessage, Resource};
pub use protocol::{Era, ProtocolVersion};
pub use resource::{
    Blob, Contents, IntoResourceContents, NotFound, ResourceRequest, SafePath, Text,
};
pub use server::{
    Peer, ResourceDef, Resources, Server, ServerBuilder, ServerConfig, ServerHandle, ToolDef,
};
pub use tasks::{TaskConfig, TaskSupport};
pub use tool::{IntoToolResult, Json, ToolCall};
