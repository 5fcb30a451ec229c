//! Middleware: [tower] layers around tool calls.
//!
//! Every `tools/call` runs through a *call service*: request a [`ToolCall`] (the tool's
//! name, the raw JSON arguments, the caller's principal and the request [`Context`]),
//! response the tool's [`CallToolResult`] or an [`Error`]. Layers wrap it, so existing
//! tower middleware works as is and [`from_fn`] covers the rest:
//!
//! ```
//! use std::time::Duration;
//! use mcp_runtime::middleware::{from_fn, Cache, MaskErrors, Next, Select, Timeout};
//! use mcp_runtime::{Server, ToolCall};
//!
//! let server = Server::builder()
//!     .layer(Timeout::new(Duration::from_secs(30)))            // every tool
//!     .layer(MaskErrors::new())                                // internal errors → generic text
//!     .layer(Cache::idempotent().ttl(Duration::from_secs(60))) // tools marked idempotent
//!     .layer_for(Select::group("admin"), from_fn(|call: ToolCall, next: Next| async move {
//!         tracing::info!(tool = call.tool_name(), "admin tool called");
//!         next.run(call).await
//!     }))
//!     .build();
//! ```
//!
//! * **Order.** Each layer wraps the layers added before it, as in axum's
//!   `Router::layer`: the layer added last runs first. Layers of a
//!   [mounted](crate::ServerBuilder::mount) server run inside the mounting server's.
//! * **Scope.** [`ServerBuilder::layer`](crate::ServerBuilder::layer) wraps every tool,
//!   [`layer_for`](crate::ServerBuilder::layer_for) the tools a [`Select`] picks (by
//!   name, group or predicate). Tools added at run time get the server's layers too.
//! * **Cost.** Layers are applied once per tool when the server is built. A tool no
//!   layer selects keeps its plain handler: without layers, a call costs exactly what it
//!   did before (measured: same instruction count per `add` call).
//! * **Errors.** A layer's own error type may be anything convertible to a
//!   [`BoxError`] (tower's timeout, load shedding, ...): an [`Error`] stays itself, any
//!   other error becomes a tool error the model can read.
//! * **Readiness.** Each call clones the tool's service and waits for `poll_ready`
//!   before calling it, so tower's `ConcurrencyLimitLayer`, `RateLimitLayer` and
//!   load shedding behave as documented.
//!
//! Built in: [`Timeout`] (tool error on expiry; the handler future is dropped, which
//! cancels it), [`Cache`] (bounded, with a TTL, for idempotent tools, per-principal or
//! shared), [`MaskErrors`] (internal errors and panics become a generic message with a
//! reference; the details go to `tracing`), [`Trace`] (a `tracing` span per call with
//! OpenTelemetry-style fields), `RateLimit` (feature `rate-limit`, `governor`) and
//! `Metrics` (feature `metrics`, the `metrics` crate).
//!
//! [tower]: https://docs.rs/tower
//! [`Context`]: crate::Context
//! [`Error`]: crate::Error
//! [`CallToolResult`]: crate::CallToolResult

mod cache;
mod from_fn;
mod mask;
#[cfg(feature = "metrics")]
mod metrics;
#[cfg(feature = "rate-limit")]
mod rate_limit;
mod service;
mod stack;
mod timeout;
mod trace;

pub use cache::{Cache, Scope};
pub use from_fn::{from_fn, FromFn, FromFnLayer, Next};
pub use mask::MaskErrors;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use metrics::Metrics;
#[cfg(feature = "rate-limit")]
#[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
pub use rate_limit::RateLimit;
pub use service::{BoxError, CallService};
#[doc(hidden)]
pub use stack::apply_layer;
pub(crate) use stack::Layers;
pub use stack::Select;
pub use timeout::Timeout;
pub use tower_layer::Layer;
pub use tower_service::Service;
pub use trace::Trace;

pub use crate::dispatch::CacheScope;
pub use crate::tool::ToolCall;

/// `30s`, `1.5s`, `250ms`: durations as people write them.
pub(crate) fn human(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
