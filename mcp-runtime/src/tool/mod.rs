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

/// Everything a tool invocation receives: the request context, the tool's name, the raw
/// arguments and, when known, who is calling. It is also the request type of the
/// [middleware](crate::middleware) call service.
pub struct ToolCall {
    pub(crate) ctx: Context,
    pub(crate) tool: std::sync::Arc<str>,
    pub(crate) args: Option<Box<RawValue>>,
    pub(crate) principal: Option<std::sync::Arc<str>>,
    /// The call runs as a task (a proxied tool then runs as a task on its remote too).
    #[cfg_attr(not(feature = "proxy"), allow(dead_code))]
    pub(crate) as_task: bool,
}

impl ToolCall {
    /// A call of `tool` with raw `arguments` in `ctx`, for driving a
    /// [`CallService`](crate::middleware::CallService) by hand (tests, adapters).
    pub fn new(
        ctx: Context,
        tool: impl Into<std::sync::Arc<str>>,
        arguments: Option<Box<RawValue>>,
    ) -> Self {
        ToolCall {
            ctx,
            tool: tool.into(),
            args: arguments,
            principal: None,
            as_task: false,
        }
    }

    /// The request context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The method this call serves: always `"tools/call"`.
    pub fn method(&self) -> &'static str {
        "tools/call"
    }

    /// The tool's name, as the client called it (with its namespace, for tools of a
    /// mounted server).
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The raw `arguments` object, if the client sent one.
    pub fn raw_arguments(&self) -> Option<&RawValue> {
        self.args.as_deref()
    }

    /// Replaces the arguments (middleware that rewrites or redacts them). The tool's
    /// input schema was checked against the original arguments already.
    pub fn set_arguments(&mut self, arguments: Option<Box<RawValue>>) {
        self.args = arguments;
    }

    /// A stable key for who is calling, used by per-principal middleware (rate limits,
    /// private caches): the one [`set_principal`](Self::set_principal) recorded (e.g. a
    /// [`from_fn`](crate::middleware::from_fn) layer that checks an API key), else the
    /// authenticated [`Principal`](crate::auth::Principal)'s
    /// [`owner_key`](crate::auth::Principal::owner_key); `None` for anonymous calls.
    pub fn principal(&self) -> Option<&str> {
        self.principal
            .as_deref()
            .or_else(|| self.ctx.principal().map(|p| p.owner_key()))
    }

    /// Records who is calling (see [`principal`](Self::principal)).
    pub fn set_principal(&mut self, key: impl Into<std::sync::Arc<str>>) {
        self.principal = Some(key.into());
    }

    /// A key for the calling client: the principal when known, else the connection or
    /// session-era session the call arrived on, else `None` (a sessionless 2026-07-28
    /// request from an anonymous caller).
    pub fn client_key(&self) -> Option<std::borrow::Cow<'_, str>> {
        if let Some(p) = self.principal() {
            return Some(std::borrow::Cow::Borrowed(p));
        }
        self.ctx
            .scope
            .conn()
            .map(|c| std::borrow::Cow::Owned(format!("conn-{}", c.id)))
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
