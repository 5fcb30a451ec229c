//! [`RateLimit`]: calls per principal, per client or overall (`governor`'s GCRA).

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;
use tower_layer::Layer;
use tower_service::Service;

use super::service::{around, Around};
use super::{human, CallService};
use crate::protocol::types::CallToolResult;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Limits how often a caller may call tools: at most `n` calls per `period`, in bursts
/// of up to `n` (a GCRA limiter from `governor`, so the budget refills smoothly).
///
/// * [`per_principal`](Self::per_principal): one budget per [principal]; anonymous
///   callers share the budget of their connection or session (sessionless anonymous
///   callers share one budget).
/// * [`per_client`](Self::per_client): one budget per connection or session-era session.
/// * [`global`](Self::global): one budget for everyone.
///
/// The budget is shared by every tool the layer wraps; [`per_tool`](Self::per_tool)
/// gives each tool its own. A call over the limit is not run: the client gets a tool
/// error (``Rate limit exceeded for `search`: at most 10 calls per 1s; retry in 80ms``)
/// whose `_meta` carries `io.mcpserve/retryAfterMs`.
///
/// Memory is bounded: budgets idle long enough to be full again are dropped, and at
/// most [`max_keys`](Self::max_keys) (100,000) callers are tracked at once; callers
/// beyond that share one budget.
///
/// [principal]: crate::ToolCall::principal
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::middleware::RateLimit;
///
/// let limit = RateLimit::per_principal(10, Duration::from_secs(1));
/// ```
#[derive(Clone)]
pub struct RateLimit {
    by: By,
    per_tool: bool,
    n: u32,
    period: Duration,
    max_keys: usize,
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    calls: Arc<AtomicU32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum By {
    Principal,
    Client,
    Global,
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("by", &self.by)
            .field("per_tool", &self.per_tool)
            .field("n", &self.n)
            .field("period", &self.period)
            .finish()
    }
}

impl RateLimit {
    /// `n` calls per `period` for each principal.
    pub fn per_principal(n: u32, period: Duration) -> Self {
        Self::new(By::Principal, n, period)
    }

    /// `n` calls per `period` for each connection (stdio, a socket) or session.
    pub fn per_client(n: u32, period: Duration) -> Self {
        Self::new(By::Client, n, period)
    }

    /// `n` calls per `period` for all callers together.
    pub fn global(n: u32, period: Duration) -> Self {
        Self::new(By::Global, n, period)
    }

    fn new(by: By, n: u32, period: Duration) -> Self {
        let n = n.max(1);
        let burst = NonZeroU32::new(n).expect("n >= 1");
        // The budget refills one call every period / n.
        let quota = Quota::with_period(period / n)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst);
        RateLimit {
            by,
            per_tool: false,
            n,
            period,
            max_keys: 100_000,
            limiter: Arc::new(RateLimiter::keyed(quota)),
            calls: Arc::default(),
        }
    }

    /// Gives every tool its own budget.
    pub fn per_tool(mut self) -> Self {
        self.per_tool = true;
        self
    }

    /// Tracks at most this many callers at once (100,000 by default).
    pub fn max_keys(mut self, max: usize) -> Self {
        self.max_keys = max.max(1);
        self
    }

    fn key(&self, call: &ToolCall, tool: &str) -> String {
        let who = match self.by {
            By::Global => String::new(),
            By::Principal => match call.principal() {
                Some(p) => format!("p:{p}"),
                None => call
                    .client_key()
                    .map_or_else(|| "anonymous".to_owned(), |k| format!("c:{k}")),
            },
            By::Client => call
                .client_key()
                .map_or_else(|| "anonymous".to_owned(), |k| format!("c:{k}")),
        };
        if self.per_tool {
            format!("{who}\u{0}{tool}")
        } else {
            who
        }
    }

    /// Forgets budgets that are full again; past `max_keys` callers, new ones share one.
    fn bounded(&self, key: String) -> String {
        if self.calls.fetch_add(1, Ordering::Relaxed) % 1024 == 0 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        if self.limiter.len() >= self.max_keys {
            self.limiter.retain_recent();
            if self.limiter.len() >= self.max_keys {
                return "overflow".to_owned();
            }
        }
        key
    }
}

impl Layer<CallService> for RateLimit {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        around(inner, self.clone())
    }
}

impl Around for RateLimit {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let limit = self;
        let key = limit.bounded(limit.key(&call, inner.name()));
        match limit.limiter.check_key(&key) {
            Ok(()) => inner.call(call),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut result = CallToolResult::error(format!(
                    "Rate limit exceeded for `{}`: at most {} calls per {}; retry in {}",
                    inner.name(),
                    limit.n,
                    human(limit.period),
                    human(wait.max(Duration::from_millis(1)))
                ));
                let retry_ms = wait.as_millis().max(1) as u64;
                result.meta = json!({ "io.mcpserve/retryAfterMs": retry_ms })
                    .as_object()
                    .cloned();
                Box::pin(std::future::ready(Ok(result)))
            }
        }
    }
}
