//! Calling tools: the call parts handed to generated code, return-value conversion
//! and the probes the macros use to let trait resolution classify parameters.

mod args;
pub mod probe;
mod result;

use std::future::Future;
use std::pin::Pin;

use serde_json::value::RawValue;

pub use args::{ArgKey, ArgsError};
pub use result::{IntoToolResult, Json};

use crate::error::Error;
use crate::extract::rejection::InvalidToolArguments;
use crate::extract::Context;
use crate::protocol::CallToolResult;

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a tool produced: a result (possibly `isError`), or an error that must become a
/// JSON-RPC error (missing capability, cancellation, internal failure).
pub type ToolOutcome = Result<CallToolResult, Error>;

/// Everything a tool invocation receives: the request context and the raw arguments.
pub struct ToolCall {
    pub(crate) ctx: Context,
    pub(crate) tool: std::sync::Arc<str>,
    pub(crate) args: Option<Box<RawValue>>,
}

impl ToolCall {
    /// The request context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The tool's name.
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The raw `arguments` object, if the client sent one.
    pub fn raw_arguments(&self) -> Option<&RawValue> {
        self.args.as_deref()
    }

    /// Deserializes the whole arguments object (absent means `{}`).
    pub fn arguments<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        self.__deserialize_whole().map_err(|r| {
            Error::tool(
                r.content
                    .first()
                    .and_then(|c| c.as_text())
                    .unwrap_or("invalid arguments")
                    .to_owned(),
            )
        })
    }

    /// Deserializes the arguments straight from the request bytes with a generated visitor.
    /// Absent or `null` arguments are an empty object.
    #[doc(hidden)]
    pub fn __deserialize_args<V, T>(&self, visitor: V) -> Result<T, CallToolResult>
    where
        V: for<'de> serde::de::Visitor<'de, Value = T>,
    {
        args::deserialize_map(self.args.as_deref(), visitor).map_err(|e| self.invalid(e))
    }

    /// Deserializes the whole arguments object into `T` (for `#[arg(flatten)]`).
    #[doc(hidden)]
    pub fn __deserialize_whole<T: serde::de::DeserializeOwned>(&self) -> Result<T, CallToolResult> {
        let raw = self.args.as_deref().map(RawValue::get).unwrap_or("{}");
        let raw = if raw == "null" { "{}" } else { raw };
        serde_json::from_str(raw).map_err(|e| self.invalid(args::describe(&e)))
    }

    /// The error result for a missing required argument.
    #[doc(hidden)]
    pub fn __missing(&self, name: &str) -> CallToolResult {
        self.invalid(format!("missing required argument `{name}`"))
    }

    /// The tool error for arguments that do not fit ([`InvalidToolArguments`]).
    fn invalid(&self, detail: String) -> CallToolResult {
        let rejection = InvalidToolArguments {
            tool: self.tool.to_string(),
            detail,
        };
        CallToolResult::error(rejection.to_string())
    }
}

/// Runs a synchronous tool body on the blocking pool so it never stalls the executor.
#[doc(hidden)]
pub async fn run_blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
