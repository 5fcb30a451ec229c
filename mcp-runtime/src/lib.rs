//! Runtime for [mcpserve](https://docs.rs/mcpserve): protocol types, the link-time
//! registry, the dispatcher that serves both protocol eras, extractors and transports.
//!
//! Users depend on the `mcpserve` facade; this crate holds the machinery.
#![warn(missing_docs)]

pub mod dispatch;
pub mod error;
pub mod extract;
pub mod input;
pub mod logging;
pub(crate) mod notify;
pub mod protocol;
pub mod registry;
pub mod schema;
pub mod server;
pub mod testing;
pub mod tool;
pub mod transport;

pub use dispatch::Dispatcher;
pub use error::{Error, ErrorKind, Result};
pub use extract::{CancellationToken, Context, FromContext, ProgressMessage, State};
pub use input::{
    Ask, Elicit, Elicitation, Root, SampledMessage, SamplingMessage, SamplingOptions,
    SamplingPrompt, ToolChoice, UrlElicitation,
};
pub use logging::McpLogLayer;
pub use protocol::types::{CallToolResult, Content, LoggingLevel, ResourceContents};
pub use protocol::{Era, ProtocolVersion};
pub use server::{Peer, Server, ServerBuilder, ServerConfig, ServerHandle, ToolDef};
pub use tool::{IntoToolResult, Json, ToolCall};
