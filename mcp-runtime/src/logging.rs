//! `tracing` events inside handlers become MCP log messages (`notifications/message`)
//! on the request's own stream, at the level the client asked for.
//!
//! The runtime marks the task running each request; [`McpLogLayer`] looks that mark up
//! when an event fires. Events outside handlers, events when the client did not ask for
//! logs, and the framework's own events are never sent to clients.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! tracing_subscriber::registry()
//!     // stderr output keeps its own filter, so RUST_LOG does not decide what clients get
//!     .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)
//!         .with_filter(tracing_subscriber::EnvFilter::from_default_env()))
//!     .with(mcp_runtime::logging::McpLogLayer::new())
//!     .init();
//! ```
//!
//! [`init`] does exactly that; `serve_stdio` calls it when no subscriber is installed.

use std::fmt;
use std::future::Future;
use std::sync::atomic::Ordering;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};

use crate::extract::Context;
use crate::protocol::jsonrpc;
use crate::protocol::types::{LoggingLevel, LoggingMessageParams};

tokio::task_local! {
    static CURRENT: Context;
    /// Set around the runtime's own work done inside a request (a proxied request's
    /// HTTP exchange): its libraries' events are not the handler's.
    static QUIET: ();
}

/// Runs `fut` inside a request without its `tracing` events reaching the client.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn quiet<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    QUIET.scope((), fut)
}

/// Runs `fut` as the handler of `ctx`'s request, so its `tracing` events can reach the
/// client.
pub(crate) fn in_request<F: Future>(ctx: Context, fut: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(ctx, fut)
}

/// Turns `tracing` events inside handlers into `notifications/message`. Add it to your
/// subscriber (see the [module docs](self)).
#[derive(Debug, Default, Clone, Copy)]
pub struct McpLogLayer {
    _private: (),
}

impl McpLogLayer {
    /// The layer.
    pub fn new() -> Self {
        McpLogLayer::default()
    }
}

/// The MCP level of a `tracing` level.
fn level_of(level: &Level) -> LoggingLevel {
    match *level {
        Level::ERROR => LoggingLevel::Error,
        Level::WARN => LoggingLevel::Warning,
        Level::INFO => LoggingLevel::Info,
        _ => LoggingLevel::Debug,
    }
}

impl<S: Subscriber> Layer<S> for McpLogLayer {
    fn on_event(&self, event: &Event<'_>, _: LayerContext<'_, S>) {
        let meta = event.metadata();
        // The framework's own diagnostics may carry request details; they stay local.
        if meta.target().starts_with("mcp_runtime")
            || meta.target().starts_with("mcpserve")
            || QUIET.try_with(|_| ()).is_ok()
        {
            return;
        }
        let _ = CURRENT.try_with(|ctx| {
            let level = level_of(meta.level());
            if ctx.scope.done.load(Ordering::Acquire)
                || ctx.log_level().is_none_or(|min| level < min)
            {
                return;
            }
            let mut fields = JsonFields::default();
            event.record(&mut fields);
            let data = match (fields.message, fields.map.is_empty()) {
                (Some(message), true) => Value::String(message),
                (message, _) => {
                    let mut map = fields.map;
                    if let Some(m) = message {
                        map.insert("message".into(), Value::String(m));
                    }
                    Value::Object(map)
                }
            };
            let params = LoggingMessageParams {
                level,
                logger: Some(meta.target().to_owned()),
                data,
            };
            // Layers cannot wait; a full queue drops the message rather than stall.
            ctx.scope
                .out()
                .try_send(jsonrpc::notification("notifications/message", &params));
        });
    }
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    map: Map<String, Value>,
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.map.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }
}

/// [`init`] unless the program already installed a `tracing` subscriber; the serve
/// functions call this so handlers' events reach clients without any setup.
pub fn init_if_unset() {
    if !tracing::dispatcher::has_been_set() {
        init();
    }
}

/// Installs a global subscriber: human-readable logs on stderr filtered by `RUST_LOG`
/// (default `info`), plus [`McpLogLayer`]. Returns false if a subscriber was already set
/// (then add `McpLogLayer` to it yourself).
pub fn init() -> bool {
    use tracing_subscriber::prelude::*;
    tracing_subscriber::registry()
        .with(stderr_layer(tracing::Level::INFO))
        .with(McpLogLayer::new())
        .try_init()
        .is_ok()
}

/// Human-readable events on stderr, filtered by `RUST_LOG`, or at `default` and above
/// when it is unset or unreadable.
pub(crate) fn stderr_layer<S>(default: tracing::Level) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    use tracing_subscriber::layer::{Filter, Layer};
    // `EnvFilter` only when `RUST_LOG` is set: the usual server runs without it, and
    // its default is a plain level (parsing "info" into an `EnvFilter` was a
    // measurable part of a stdio server's start: issue 18's cold-start row).
    let default = LevelFilter::from_level(default);
    let filter: Box<dyn Filter<S> + Send + Sync> =
        match std::env::var("RUST_LOG").map(EnvFilter::try_new) {
            Ok(Ok(filter)) => Box::new(filter),
            _ => Box::new(default),
        };
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(filter)
}
