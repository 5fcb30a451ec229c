//! [`Timeout`]: a tool error when a call takes too long.

use std::time::Duration;

use tower_layer::Layer;
use tower_service::Service;

use super::service::{around, Around};
use super::{human, CallService};
use crate::protocol::types::CallToolResult;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Ends a call that runs longer than the limit with a tool error
/// (``Tool `x` timed out after 30s``). The handler's future is dropped at that moment,
/// which cancels an async handler at its next `.await` (a plain `fn` tool runs on the
/// blocking pool and finishes in the background; its result is discarded).
///
/// Unlike tower's `TimeoutLayer` (which also works), the error names the tool and the
/// limit, and it is a tool result the model can react to.
#[derive(Debug, Clone, Copy)]
pub struct Timeout {
    after: Duration,
}

impl Timeout {
    /// A limit of `after` per call.
    pub fn new(after: Duration) -> Self {
        Timeout { after }
    }
}

impl Layer<CallService> for Timeout {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        around(inner, *self)
    }
}

impl Around for Timeout {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let name = inner.name().clone();
        let after = self.after;
        let fut = inner.call(call);
        Box::pin(async move {
            match tokio::time::timeout(after, fut).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    tracing::debug!(tool = %name, ?after, "tool call timed out");
                    Ok(CallToolResult::error(format!(
                        "Tool `{name}` timed out after {}",
                        human(after)
                    )))
                }
            }
        })
    }
}
