//! The call service: what every middleware layer wraps. One boxed, cloneable service per
//! layered tool, built once when the server is built.

use std::any::Any;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use tower_service::Service;

use crate::error::Error;
use crate::protocol::types::{CallToolResult, Tool};
use crate::server::Handler;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// The error type tower middleware produces (`tower::BoxError`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The service a middleware [`Layer`](tower_layer::Layer) wraps: one tool's handler with
/// the layers added before it. Request: a [`ToolCall`]; response: the tool's
/// [`CallToolResult`] or an [`Error`].
///
/// Layers may look at which tool they wrap ([`tool`](Self::tool), [`group`](Self::group))
/// when the server is built, and return `inner` untouched for tools they do not apply
/// to: such tools then pay nothing for the layer.
pub struct CallService {
    info: Arc<Info>,
    inner: Inner,
}

/// What a layer may know about the tool it wraps.
struct Info {
    tool: Tool,
    name: Arc<str>,
    group: Option<Arc<str>>,
}

enum Inner {
    /// The tool's own handler, no layer yet.
    Bare(Handler),
    Boxed(Box<dyn CloneService>),
}

impl CallService {
    pub(crate) fn bare(tool: Tool, group: Option<Arc<str>>, handler: Handler) -> Self {
        CallService {
            info: Arc::new(Info {
                name: tool.name.as_str().into(),
                tool,
                group,
            }),
            inner: Inner::Bare(handler),
        }
    }

    /// Wraps this service in `f`'s (a layer written for the call service returns that
    /// from its `layer`). The new service's errors are converted: an [`Error`] stays
    /// itself, anything else (e.g. tower's `Elapsed`) becomes a tool error naming the
    /// tool.
    pub fn map<S>(self, f: impl FnOnce(CallService) -> S) -> Self
    where
        S: Service<ToolCall, Response = CallToolResult> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        let info = self.info.clone();
        CallService {
            info,
            inner: Inner::Boxed(Box::new(f(self))),
        }
    }

    /// `service` (made by a layer from `like`) as a call service for the same tool.
    pub(crate) fn boxed<S>(like: &CallService, service: S) -> Self
    where
        S: Service<ToolCall, Response = CallToolResult> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        CallService {
            info: like.info.clone(),
            inner: Inner::Boxed(Box::new(service)),
        }
    }

    /// The tool's name, shared (cheap to keep per call).
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.info.name
    }

    /// The definition of the tool this service calls (as listed by this server).
    pub fn tool(&self) -> &Tool {
        &self.info.tool
    }

    /// The tool's `#[tool(group = "...")]`, if any.
    pub fn group(&self) -> Option<&str> {
        self.info.group.as_deref()
    }

    /// The handler to install: the original one when no layer wrapped it.
    pub(crate) fn into_handler(self) -> Handler {
        match self.inner {
            Inner::Bare(handler) => handler,
            Inner::Boxed(_) => Handler::Service(Box::new(self)),
        }
    }

    /// Waits until the service is ready, then calls it (tower's `oneshot`).
    ///
    /// Readiness is asked once right here, where most stacks are ready (no limit
    /// reached): the call's own future is then returned as is, without a box of its
    /// own around the wait. A stack that is not ready is asked again, with the caller's
    /// waker, from that box (tower services take a new waker on every `poll_ready`).
    pub(crate) fn oneshot(mut self, call: ToolCall) -> BoxFuture<'static, ToolOutcome> {
        let mut cx = TaskContext::from_waker(Waker::noop());
        match Service::poll_ready(&mut self, &mut cx) {
            Poll::Ready(Ok(())) => Service::call(&mut self, call),
            Poll::Ready(Err(e)) => Box::pin(std::future::ready(Err(e))),
            Poll::Pending => Box::pin(async move {
                std::future::poll_fn(|cx| Service::poll_ready(&mut self, cx)).await?;
                Service::call(&mut self, call).await
            }),
        }
    }
}

impl Clone for CallService {
    fn clone(&self) -> Self {
        CallService {
            info: self.info.clone(),
            inner: match &self.inner {
                Inner::Bare(h) => Inner::Bare(h.clone()),
                Inner::Boxed(s) => Inner::Boxed(s.clone_box()),
            },
        }
    }
}

impl std::fmt::Debug for CallService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallService")
            .field("tool", &self.info.name)
            .finish_non_exhaustive()
    }
}

impl Service<ToolCall> for CallService {
    type Response = CallToolResult;
    type Error = Error;
    type Future = BoxFuture<'static, ToolOutcome>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        match &mut self.inner {
            Inner::Bare(_) => Poll::Ready(Ok(())),
            Inner::Boxed(s) => s.poll_ready(cx, &self.info.name),
        }
    }

    fn call(&mut self, call: ToolCall) -> Self::Future {
        match &mut self.inner {
            Inner::Bare(h) => h.call(call),
            Inner::Boxed(s) => s.call(call, self.info.name.clone()),
        }
    }
}

/// Object-safe, cloneable view of a layered service.
trait CloneService: Send + Sync {
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>, tool: &str) -> Poll<Result<(), Error>>;
    fn call(&mut self, call: ToolCall, tool: Arc<str>) -> BoxFuture<'static, ToolOutcome>;
    fn clone_box(&self) -> Box<dyn CloneService>;
}

impl<S> CloneService for S
where
    S: Service<ToolCall, Response = CallToolResult> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>, tool: &str) -> Poll<Result<(), Error>> {
        Service::poll_ready(self, cx).map_err(|e| into_error(e.into(), tool))
    }

    fn call(&mut self, call: ToolCall, tool: Arc<str>) -> BoxFuture<'static, ToolOutcome> {
        let fut = Service::call(self, call);
        // A service that already answers in the framework's types (`from_fn`, the
        // built-in layers: their errors are `Error`s, which `into_error` keeps as they
        // are) is returned without a second box around it.
        let mut fut = Some(fut);
        let own = (&mut fut as &mut dyn Any)
            .downcast_mut::<Option<BoxFuture<'static, ToolOutcome>>>()
            .and_then(Option::take);
        if let Some(own) = own {
            return own;
        }
        let Some(fut) = fut else {
            unreachable!("taken only when it is returned")
        };
        Box::pin(async move { fut.await.map_err(|e| into_error(e.into(), &tool)) })
    }

    fn clone_box(&self) -> Box<dyn CloneService> {
        Box::new(self.clone())
    }
}

/// A middleware error as the framework's: ours pass through; foreign ones (a tower
/// timeout, an overloaded service) are tool errors the model can read.
fn into_error(e: BoxError, tool: &str) -> Error {
    match e.downcast::<Error>() {
        Ok(e) => *e,
        Err(e) => Error::tool(format!("Tool `{tool}` failed: {e}")),
    }
}

/// What a built-in layer does around one call: the only part that differs between them.
/// [`around`] gives each the same tower service shape.
pub(crate) trait Around: Clone + Send + Sync + 'static {
    /// Handles `call`, calling `inner` (the wrapped service: `inner.name()` is the
    /// tool's) or answering by itself.
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome>;
}

/// Wraps `inner` in `layer`'s [`Around`].
pub(crate) fn around<A: Around>(inner: CallService, layer: A) -> CallService {
    inner.map(|inner| Wrapped { inner, layer })
}

#[derive(Clone)]
struct Wrapped<A> {
    inner: CallService,
    layer: A,
}

impl<A: Around> Service<ToolCall> for Wrapped<A> {
    type Response = CallToolResult;
    type Error = Error;
    type Future = BoxFuture<'static, ToolOutcome>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        Service::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, call: ToolCall) -> Self::Future {
        self.layer.call(call, &mut self.inner)
    }
}
