//! [`Metrics`]: counters and latency histograms through the `metrics` facade.

use std::time::Instant;

use tower_layer::Layer;
use tower_service::Service;

use super::service::{around, Around};
use super::CallService;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Records every call with the [`metrics`](https://docs.rs/metrics) facade (install any
/// exporter, e.g. `metrics-exporter-prometheus`):
///
/// * `mcp_tool_calls_total` (counter; labels `tool`, `outcome` = `ok` | `tool_error` |
///   `error`),
/// * `mcp_tool_call_duration_seconds` (histogram; label `tool`),
/// * `mcp_tool_calls_in_flight` (gauge; label `tool`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    _private: (),
}

impl Metrics {
    /// The layer.
    pub fn new() -> Self {
        Metrics::default()
    }
}

impl Layer<CallService> for Metrics {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        around(inner, *self)
    }
}

impl Around for Metrics {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let tool = inner.name().to_string();
        let fut = inner.call(call);
        Box::pin(async move {
            let in_flight =
                InFlight(metrics::gauge!("mcp_tool_calls_in_flight", "tool" => tool.clone()));
            in_flight.0.increment(1.0);
            let start = Instant::now();
            let outcome = fut.await;
            drop(in_flight);
            metrics::histogram!("mcp_tool_call_duration_seconds", "tool" => tool.clone())
                .record(start.elapsed().as_secs_f64());
            let label = match &outcome {
                Ok(r) if r.is_error => "tool_error",
                Ok(_) => "ok",
                Err(_) => "error",
            };
            metrics::counter!("mcp_tool_calls_total", "tool" => tool, "outcome" => label)
                .increment(1);
            outcome
        })
    }
}

/// Decrements the in-flight gauge however the call ends (a cancelled call included).
struct InFlight(metrics::Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
