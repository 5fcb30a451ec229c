//! [`Cache`]: answers repeated calls of idempotent tools from memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tower_layer::Layer;
use tower_service::Service;

use super::service::{around, Around};
use super::CallService;
use crate::dispatch::CacheScope;
use crate::protocol::types::{CallToolResult, Tool};
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Caches successful results of idempotent tools, keyed by tool, arguments (compared as
/// JSON, so key order and spacing do not matter) and, for [`CacheScope::Private`] (the
/// default), the caller.
///
/// * Bounded: at most [`max_entries`](Self::max_entries) results (1,024 by default);
///   the oldest go first. Entries expire after the [`ttl`](Self::ttl) (60 s by default).
/// * Only successful results are stored (`isError` results and errors never are), and
///   a call that asks the client for input runs every time.
/// * `CacheScope::Private` keeps one entry per principal (or per connection for
///   anonymous callers; sessionless anonymous calls are not cached), as the 2026-07-28
///   `cacheScope: "private"` prescribes; `CacheScope::Public` shares entries between
///   everyone.
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::middleware::Cache;
///
/// let lookups = Cache::for_tools(["lookup"]).ttl(Duration::from_secs(300));
/// let everything_idempotent = Cache::idempotent().max_entries(10_000);
/// ```
#[derive(Clone)]
pub struct Cache {
    tools: Option<Vec<String>>,
    ttl: Duration,
    max_entries: usize,
    scope: CacheScope,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("tools", &self.tools)
            .field("ttl", &self.ttl)
            .field("max_entries", &self.max_entries)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Which results a [`Cache`] may share; an alias of the 2026-07-28 `cacheScope`.
pub type Scope = CacheScope;

impl Cache {
    /// Caches the tools marked `idempotent` (`#[tool(annotations(idempotent))]`).
    pub fn idempotent() -> Self {
        Cache {
            tools: None,
            ttl: Duration::from_secs(60),
            max_entries: 1024,
            scope: CacheScope::Private,
            store: Arc::default(),
        }
    }

    /// Caches these tools (a tool not marked idempotent is cached too, with a warning
    /// when the server is built).
    pub fn for_tools<I, S>(tools: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cache {
            tools: Some(tools.into_iter().map(Into::into).collect()),
            ..Cache::idempotent()
        }
    }

    /// How long a result stays valid.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// At most this many results are kept (over all tools this layer caches).
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.max(1);
        self
    }

    /// Whether results are kept per caller (`Private`, the default) or shared (`Public`).
    pub fn scope(mut self, scope: CacheScope) -> Self {
        self.scope = scope;
        self
    }

    fn applies(&self, tool: &Tool) -> bool {
        let idempotent = tool
            .annotations
            .as_ref()
            .and_then(|a| a.idempotent_hint)
            .unwrap_or(false);
        match &self.tools {
            None => idempotent,
            Some(names) if names.contains(&tool.name) => {
                if !idempotent {
                    tracing::warn!(tool = %tool.name, "caching the results of a tool not marked idempotent");
                }
                true
            }
            Some(_) => false,
        }
    }
}

impl Layer<CallService> for Cache {
    type Service = CallService;

    fn layer(&self, inner: CallService) -> CallService {
        if !self.applies(inner.tool()) {
            return inner;
        }
        around(inner, self.clone())
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    tool: Arc<str>,
    caller: Option<String>,
    args: String,
}

#[derive(Default)]
struct Store {
    entries: HashMap<Key, (Instant, CallToolResult)>,
    /// Insertion order, for eviction; may hold keys already replaced or removed.
    order: VecDeque<(Key, Instant)>,
}

impl Store {
    fn get(&mut self, key: &Key) -> Option<CallToolResult> {
        let (expires, result) = self.entries.get(key)?;
        if *expires > Instant::now() {
            return Some(result.clone());
        }
        self.entries.remove(key);
        None
    }

    fn put(&mut self, key: Key, result: CallToolResult, ttl: Duration, max: usize) {
        let expires = Instant::now() + ttl;
        while self.entries.len() >= max {
            let Some((old, at)) = self.order.pop_front() else {
                break;
            };
            // Only the entry this order record was made for (not a newer one).
            if self.entries.get(&old).is_some_and(|(e, _)| *e == at) {
                self.entries.remove(&old);
            }
        }
        self.order.push_back((key.clone(), expires));
        self.entries.insert(key, (expires, result));
        // Stale order records cannot outgrow the entries by much.
        if self.order.len() > 2 * max {
            let entries = &self.entries;
            self.order
                .retain(|(k, at)| entries.get(k).is_some_and(|(e, _)| e == at));
        }
    }
}

impl Around for Cache {
    fn call(&self, call: ToolCall, inner: &mut CallService) -> BoxFuture<'static, ToolOutcome> {
        let caller = match self.scope {
            CacheScope::Public => None,
            CacheScope::Private => match call.client_key() {
                Some(k) => Some(k.into_owned()),
                // No way to tell anonymous sessionless callers apart: never shared.
                None => return inner.call(call),
            },
        };
        let key = Key {
            tool: inner.name().clone(),
            caller,
            args: canonical_args(call.raw_arguments().map(|r| r.get())),
        };
        if let Some(hit) = self.store.lock().expect("cache lock").get(&key) {
            return Box::pin(std::future::ready(Ok(hit)));
        }
        let fut = inner.call(call);
        let cache = self.clone();
        Box::pin(async move {
            let outcome = fut.await;
            if let Ok(result) = &outcome {
                if !result.is_error {
                    cache.store.lock().expect("cache lock").put(
                        key,
                        result.clone(),
                        cache.ttl,
                        cache.max_entries,
                    );
                }
            }
            outcome
        })
    }
}

/// The arguments as JSON with object keys sorted at every level, so equal arguments
/// give equal keys whatever their order or spacing. Absent and `null` arguments are `{}`.
fn canonical_args(raw: Option<&str>) -> String {
    let value: Value = match raw.map(serde_json::from_str) {
        Some(Ok(Value::Null)) | None => return "{}".to_owned(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return raw.unwrap_or_default().to_owned(),
    };
    let mut out = String::new();
    write_canonical(&value, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_arguments_give_equal_keys() {
        assert_eq!(
            canonical_args(Some(r#"{"b": [1, {"y":1,"x":2}], "a": "s"}"#)),
            canonical_args(Some(r#"{"a":"s","b":[1,{"x":2,"y":1}]}"#))
        );
        assert_eq!(canonical_args(None), "{}");
        assert_eq!(canonical_args(Some("null")), "{}");
        assert_ne!(
            canonical_args(Some(r#"{"a":1}"#)),
            canonical_args(Some(r#"{"a":2}"#))
        );
    }

    #[test]
    fn the_store_is_bounded_and_expires() {
        let mut store = Store::default();
        let key = |n: usize| Key {
            tool: "t".into(),
            caller: None,
            args: n.to_string(),
        };
        for n in 0..10 {
            store.put(
                key(n),
                CallToolResult::default(),
                Duration::from_secs(60),
                3,
            );
        }
        assert_eq!(store.entries.len(), 3);
        assert!(store.get(&key(9)).is_some());
        assert!(store.get(&key(0)).is_none());
        store.put(key(42), CallToolResult::default(), Duration::ZERO, 3);
        assert!(store.get(&key(42)).is_none(), "expired at once");
        assert!(store.order.len() <= 6);
    }
}
