//! [`Trace`]: one `tracing` span per tool call.

use std::time::Instant;

use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;

use super::service::{around, Around};
use super::CallService;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Runs every call in a `tracing` span named `mcp.tool.call`, with OpenTelemetry-style
/// fields (`rpc.system = "mcp"`, `rpc.method = "tools/call"`, `mcp.tool.name`,
/// `mcp.request.id`, `mcp.protocol.version`), and records the outcome when it ends: an
/// event with `outcome` (`ok`, `tool_error` or `error`) and `duration_ms`. Export the
/// spans with `tracing-opentelemetry` or read them with `tracing-subscriber`.
///
/// Its target is `mcp_runtime::middleware`, so [`McpLogLayer`](crate::McpLogLayer) keeps
/// these records away from clients.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trace {
    _private: (),
}

impl Trace {
    /// The layer.
    pub fn new() -> Self {
        Trace::default()
    }
}

impl Layer<CallService> for Trace {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        around(inner, *self)
    }
}

impl Around for Trace {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let span = tracing::info_span!(
            "mcp.tool.call",
            rpc.system = "mcp",
            rpc.method = "tools/call",
            mcp.tool.name = %inner.name(),
            mcp.request.id = %call.context().request_id(),
            mcp.protocol.version = %call.context().protocol_version(),
        );
        let fut = inner.call(call);
        Box::pin(
            async move {
                let start = Instant::now();
                let outcome = fut.await;
                let duration_ms = start.elapsed().as_secs_f64() * 1000.0;
                match &outcome {
                    Ok(r) if r.is_error => {
                        tracing::info!(outcome = "tool_error", duration_ms, "tool call finished")
                    }
                    Ok(_) => tracing::info!(outcome = "ok", duration_ms, "tool call finished"),
                    Err(e) => {
                        tracing::warn!(outcome = "error", duration_ms, error = %e, "tool call failed")
                    }
                }
                outcome
            }
            .instrument(span),
        )
    }
}
