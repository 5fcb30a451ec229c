//! Which layers wrap which tools: the server's layers in the order they were added, each
//! with the tools it selects. Applied once per tool when the server is built (and when a
//! tool is added or a mounted server's tools change), never per call.

use std::any::Any;
use std::sync::Arc;

use tower_layer::Layer;
use tower_service::Service;

use super::{BoxError, CallService};
use crate::protocol::types::{CallToolResult, Tool};
use crate::server::Handler;
use crate::tool::ToolCall;

/// Which tools a layer applies to (see
/// [`ServerBuilder::layer_for`](crate::ServerBuilder::layer_for)). A tool name, an array
/// or `Vec` of names, or one of the constructors.
///
/// ```
/// use mcp_runtime::middleware::Select;
///
/// let one: Select = "lookup".into();
/// let some: Select = ["lookup", "search"].into();
/// let admin = Select::group("admin");
/// let read_only = Select::when(|tool| {
///     tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true)
/// });
/// ```
#[derive(Clone)]
pub struct Select(Kind);

type Predicate = Arc<dyn Fn(&Tool) -> bool + Send + Sync>;

#[derive(Clone)]
enum Kind {
    All,
    Names(Vec<String>),
    Group(String),
    When(Predicate),
}

impl Select {
    /// Every tool.
    pub fn all() -> Self {
        Select(Kind::All)
    }

    /// The tools with these names (as this server lists them).
    pub fn tools<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Select(Kind::Names(names.into_iter().map(Into::into).collect()))
    }

    /// The tools of `#[tool(group = "...")]`.
    pub fn group(group: impl Into<String>) -> Self {
        Select(Kind::Group(group.into()))
    }

    /// The tools for which `f` is true (decided once per tool, when the server is built).
    pub fn when(f: impl Fn(&Tool) -> bool + Send + Sync + 'static) -> Self {
        Select(Kind::When(Arc::new(f)))
    }

    pub(crate) fn matches(&self, tool: &Tool, group: Option<&str>) -> bool {
        match &self.0 {
            Kind::All => true,
            Kind::Names(names) => names.contains(&tool.name),
            Kind::Group(g) => group == Some(g.as_str()),
            Kind::When(f) => f(tool),
        }
    }
}

impl std::fmt::Debug for Select {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::All => f.write_str("Select::all()"),
            Kind::Names(n) => write!(f, "Select::tools({n:?})"),
            Kind::Group(g) => write!(f, "Select::group({g:?})"),
            Kind::When(_) => f.write_str("Select::when(..)"),
        }
    }
}

impl From<&str> for Select {
    fn from(name: &str) -> Self {
        Select::tools([name])
    }
}

impl From<String> for Select {
    fn from(name: String) -> Self {
        Select::tools([name])
    }
}

impl<const N: usize> From<[&str; N]> for Select {
    fn from(names: [&str; N]) -> Self {
        Select::tools(names)
    }
}

impl From<Vec<&str>> for Select {
    fn from(names: Vec<&str>) -> Self {
        Select::tools(names)
    }
}

impl From<Vec<String>> for Select {
    fn from(names: Vec<String>) -> Self {
        Select::tools(names)
    }
}

type Apply = Arc<dyn Fn(CallService) -> CallService + Send + Sync>;

/// The layers of one server, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Layers(Vec<(Select, Apply)>);

/// `inner` wrapped in `layer`, as a call service (shared by the builder's layers and
/// `#[tool(layer = ..)]`).
#[doc(hidden)]
pub fn apply_layer<L>(layer: &L, inner: CallService) -> CallService
where
    L: Layer<CallService>,
    L::Service: Service<ToolCall, Response = CallToolResult> + Clone + Send + Sync + 'static,
    <L::Service as Service<ToolCall>>::Error: Into<BoxError>,
    <L::Service as Service<ToolCall>>::Future: Send + 'static,
{
    let like = inner.clone();
    let service = layer.layer(inner);
    // Layers made for the call service (the built-ins) return one already.
    match (Box::new(service) as Box<dyn Any>).downcast::<CallService>() {
        Ok(done) => *done,
        Err(other) => {
            let service = *other
                .downcast::<L::Service>()
                .expect("the layer's own service type");
            CallService::boxed(&like, service)
        }
    }
}

impl Layers {
    /// Adds `layer` for the tools `select` picks; it wraps every layer added before it.
    pub(crate) fn push<L>(&mut self, select: Select, layer: L)
    where
        L: Layer<CallService> + Send + Sync + 'static,
        L::Service: Service<ToolCall, Response = CallToolResult> + Clone + Send + Sync + 'static,
        <L::Service as Service<ToolCall>>::Error: Into<BoxError>,
        <L::Service as Service<ToolCall>>::Future: Send + 'static,
    {
        let apply: Apply = Arc::new(move |inner: CallService| apply_layer(&layer, inner));
        self.0.push((select, apply));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `handler` wrapped in every layer that selects this tool; the handler itself when
    /// none does (or every one that does declined), so such tools pay nothing.
    pub(crate) fn wrap(&self, tool: &Tool, group: Option<&Arc<str>>, handler: Handler) -> Handler {
        let mut selected = self
            .0
            .iter()
            .filter(|(select, _)| select.matches(tool, group.map(|g| &**g)))
            .peekable();
        if selected.peek().is_none() {
            return handler;
        }
        let mut service = CallService::bare(tool.clone(), group.cloned(), handler);
        for (_, apply) in selected {
            service = apply(service);
        }
        service.into_handler()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::{Cache, Timeout};
    use crate::tool::{BoxFuture, ToolOutcome};
    use std::time::Duration;

    fn handler(_call: ToolCall) -> BoxFuture<'static, ToolOutcome> {
        Box::pin(async { Ok(CallToolResult::default()) })
    }

    fn tool(name: &str) -> Tool {
        serde_json::from_value(serde_json::json!({
            "name": name, "inputSchema": { "type": "object" }
        }))
        .unwrap()
    }

    fn is_plain(h: &Handler) -> bool {
        matches!(h, Handler::Static(f) if std::ptr::fn_addr_eq(*f, handler as crate::registry::CallFn))
    }

    #[test]
    fn tools_no_layer_selects_keep_their_plain_handler() {
        let none = Layers::default();
        assert!(is_plain(&none.wrap(
            &tool("add"),
            None,
            Handler::Static(handler)
        )));

        let mut other = Layers::default();
        other.push("other".into(), Timeout::new(Duration::from_secs(1)));
        other.push(Select::group("admin"), Timeout::new(Duration::from_secs(1)));
        assert!(is_plain(&other.wrap(
            &tool("add"),
            None,
            Handler::Static(handler)
        )));

        // A layer that declines the tool (not idempotent) leaves it plain too.
        let mut declined = Layers::default();
        declined.push(Select::all(), Cache::idempotent());
        assert!(is_plain(&declined.wrap(
            &tool("add"),
            None,
            Handler::Static(handler)
        )));

        let mut applied = Layers::default();
        applied.push(Select::all(), Timeout::new(Duration::from_secs(1)));
        assert!(matches!(
            applied.wrap(&tool("add"), None, Handler::Static(handler)),
            Handler::Service(_)
        ));
    }
}
