//! [`MaskErrors`]: internal failures reach clients as a generic message; the details go
//! to `tracing` under a reference both sides can quote.

use std::borrow::Cow;

use tower_layer::Layer;
use tower_service::Service;

use super::service::{around, Around};
use super::CallService;
use crate::dispatch::CatchUnwind;
use crate::error::{Error, ErrorKind};
use crate::protocol::types::CallToolResult;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Replaces what a failing tool would reveal about the server with a generic message
/// and a reference (`Internal error (reference 3f2a9c1e)`), and logs the original
/// with `tracing` at `error` level under the same reference.
///
/// The rule: only messages written *for the model* reach it. A tool that returns
/// `Err(Error::tool("no such user"))` (or an `isError` result it built) meant that text
/// and it passes; any other failure is masked:
///
/// * an error of another kind or type returned by the handler (`Error::internal(..)`, an
///   `io::Error`, an `anyhow::Error`, a `String`): the tool error carries the generic
///   message instead of its text;
/// * a panic: the same, instead of the panic's message;
/// * an internal error raised around the handler (JSON-RPC `-32603`, e.g. a missing
///   `State<T>`): still `-32603`, with the generic message.
///
/// [`tool_errors`](Self::tool_errors) masks deliberate tool errors too. Errors that are
/// part of the protocol (invalid params, a missing client capability, cancellation) pass
/// unchanged.
#[derive(Debug, Clone)]
pub struct MaskErrors {
    message: Cow<'static, str>,
    tool_errors: bool,
}

impl Default for MaskErrors {
    fn default() -> Self {
        MaskErrors::new()
    }
}

impl MaskErrors {
    /// Masks internal errors and panics with "Internal error".
    pub fn new() -> Self {
        MaskErrors {
            message: Cow::Borrowed("Internal error"),
            tool_errors: false,
        }
    }

    /// Uses `message` instead of "Internal error".
    pub fn message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }

    /// Masks `isError` results as well.
    pub fn tool_errors(mut self, on: bool) -> Self {
        self.tool_errors = on;
        self
    }
}

impl Layer<CallService> for MaskErrors {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        around(inner, self.clone())
    }
}

impl Around for MaskErrors {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let tool = inner.name().clone();
        let mask = self.clone();
        let fut = CatchUnwind(inner.call(call));
        Box::pin(async move {
            let masked = |what: &dyn std::fmt::Display| {
                let reference = reference();
                tracing::error!(%tool, %reference, detail = %what, "tool failed (masked for the client)");
                format!("{} (reference {reference})", mask.message)
            };
            match fut.await {
                Err(panic) => Ok(CallToolResult::error(masked(&format_args!(
                    "panicked: {panic}"
                )))),
                Ok(Err(e)) if matches!(e.kind(), ErrorKind::Internal | ErrorKind::Io) => {
                    Err(Error::internal(masked(&e)))
                }
                // A failure, not a message written for the model (those are results).
                Ok(Err(e)) if e.kind() == ErrorKind::Tool => Err(Error::tool(masked(&e))),
                Ok(Ok(result)) if result.is_error && mask.tool_errors => {
                    let text: Vec<&str> =
                        result.content.iter().filter_map(|c| c.as_text()).collect();
                    Ok(CallToolResult::error(masked(&text.join("\n"))))
                }
                Ok(other) => other,
            }
        })
    }
}

/// Eight hex digits, random per failure.
fn reference() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
