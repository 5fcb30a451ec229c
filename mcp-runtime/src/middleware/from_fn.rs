//! Middleware from an async function, like axum's `middleware::from_fn`.

use std::future::Future;
use std::task::{Context as TaskContext, Poll};

use tower_layer::Layer;
use tower_service::Service;

use super::CallService;
use crate::error::Error;
use crate::protocol::types::CallToolResult;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// A layer that runs `f(call, next)` around every call: inspect or change the call,
/// decide whether to run the rest of the stack with [`Next::run`], inspect or replace
/// the outcome.
///
/// ```
/// use mcp_runtime::middleware::{from_fn, Next};
/// use mcp_runtime::{Server, ToolCall};
///
/// let audit = from_fn(|call: ToolCall, next: Next| async move {
///     let tool = call.tool_name().to_owned();
///     let outcome = next.run(call).await;
///     tracing::info!(%tool, ok = outcome.as_ref().is_ok_and(|r| !r.is_error), "tool called");
///     outcome
/// });
/// let server = Server::builder().layer(audit).build();
/// ```
pub fn from_fn<F, Fut>(f: F) -> FromFnLayer<F>
where
    F: Fn(ToolCall, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ToolOutcome> + Send + 'static,
{
    FromFnLayer { f }
}

/// The layer [`from_fn`] returns.
#[derive(Clone)]
pub struct FromFnLayer<F> {
    f: F,
}

impl<F> std::fmt::Debug for FromFnLayer<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FromFnLayer").finish_non_exhaustive()
    }
}

impl<F: Clone> Layer<CallService> for FromFnLayer<F> {
    type Service = FromFn<F>;

    fn layer(&self, inner: CallService) -> FromFn<F> {
        FromFn {
            f: self.f.clone(),
            inner,
        }
    }
}

/// The service [`FromFnLayer`] makes.
#[derive(Clone)]
pub struct FromFn<F> {
    f: F,
    inner: CallService,
}

impl<F, Fut> Service<ToolCall> for FromFn<F>
where
    F: Fn(ToolCall, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ToolOutcome> + Send + 'static,
{
    type Response = CallToolResult;
    type Error = Error;
    type Future = BoxFuture<'static, ToolOutcome>;

    // Readiness is the inner stack's business: `Next::run` waits for it.
    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: ToolCall) -> Self::Future {
        let next = Next {
            inner: self.inner.clone(),
        };
        Box::pin((self.f)(call, next))
    }
}

/// The rest of the stack, handed to a [`from_fn`] middleware.
pub struct Next {
    inner: CallService,
}

impl Next {
    /// Runs the remaining layers and the tool.
    pub async fn run(self, call: ToolCall) -> ToolOutcome {
        self.inner.oneshot(call).await
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("inner", &self.inner).finish()
    }
}
