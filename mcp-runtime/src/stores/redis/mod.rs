//! The shared stores on Redis: [`RedisStores::connect`] and hand the result to
//! [`ServerBuilder::stores`](crate::ServerBuilder::stores).
//!
//! ```no_run
//! # async fn run() -> mcp_runtime::Result<()> {
//! use mcp_runtime::stores::redis::RedisStores;
//! use mcp_runtime::Server;
//!
//! let redis = RedisStores::connect("redis://127.0.0.1:6379").await?;
//! Server::from_registry()
//!     .request_state_key(b"the same secret on every instance")
//!     .stores(redis)
//!     .serve_http("0.0.0.0:8080")
//!     .await
//! # }
//! ```
//!
//! Every key starts with the prefix (`mcpserve:` unless [`RedisStores::prefix`] says
//! otherwise) and has a TTL or a bound: sessions expire after the idle timeout, events
//! after [`RedisStores::event_ttl`] (and at most [`RedisStores::max_events_per_stream`]
//! per stream), tasks after their TTL. Commands time out after
//! [`RedisStores::command_timeout`]; while Redis is down, requests that need it get
//! `503` and the connection is re-established when it returns.

mod cluster;
mod events;
mod sessions;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use cluster::RedisCluster;
pub use events::RedisEventStore;
pub use sessions::RedisSessions;
pub use tasks::RedisTaskStore;

use super::Stores;
use crate::error::Error;

/// Sessions, SSE events, tasks and cluster messages on one Redis.
#[derive(Clone)]
pub struct RedisStores {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: Arc<str>,
    event_ttl: Duration,
    max_events: usize,
    stream_lease: Duration,
}

impl std::fmt::Debug for RedisStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("RedisStores")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStores {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS is
    /// not built in) and checks the server answers.
    pub async fn connect(url: &str) -> crate::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::internal(format!("invalid Redis URL: {}", e.category())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(store_error)?;
        Ok(RedisStores {
            client,
            conn,
            prefix: "mcpserve:".into(),
            event_ttl: Duration::from_secs(3600),
            max_events: 1024,
            stream_lease: Duration::from_secs(10),
        })
    }

    /// Puts every key under `prefix` (default `mcpserve:`): several deployments can
    /// share one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// How long a session's SSE events are kept after the last one (default one hour).
    pub fn event_ttl(mut self, ttl: Duration) -> Self {
        self.event_ttl = ttl;
        self
    }

    /// Events kept per stream (default 1,024); a client that needs an older one cannot
    /// resume.
    pub fn max_events_per_stream(mut self, max: usize) -> Self {
        self.max_events = max.max(1);
        self
    }

    /// How long a stream's producer may go without renewing its claim before a client
    /// resuming it elsewhere is told the request was lost (default 10 s).
    pub fn stream_lease(mut self, lease: Duration) -> Self {
        self.stream_lease = lease.max(Duration::from_millis(100));
        self
    }

    /// The session store alone.
    pub fn sessions(&self) -> RedisSessions {
        RedisSessions::new(self.conn.clone(), self.key("s:"))
    }

    /// The event store alone.
    pub fn events(&self) -> RedisEventStore {
        RedisEventStore::new(
            self.client.clone(),
            self.conn.clone(),
            self.key("e:"),
            self.event_ttl,
            self.max_events,
            self.stream_lease,
        )
    }

    /// The task store alone.
    pub fn tasks(&self) -> RedisTaskStore {
        RedisTaskStore::new(self.conn.clone(), self.key("t:"))
    }

    /// The cluster channel alone (one subscription per call: call it once).
    pub fn cluster(&self) -> RedisCluster {
        RedisCluster::start(self.client.clone(), self.conn.clone(), self.key("bus"))
    }

    fn key(&self, suffix: &str) -> Arc<str> {
        format!("{}{suffix}", self.prefix).into()
    }
}

impl From<RedisStores> for Stores {
    fn from(redis: RedisStores) -> Stores {
        Stores::new()
            .sessions(redis.sessions(), redis.cluster())
            .events(redis.events())
            .tasks(redis.tasks())
    }
}

/// A Redis failure as the stores report it: what failed, never the URL.
pub(crate) fn store_error(e: redis::RedisError) -> Error {
    Error::internal(format!("the shared store (Redis) failed: {}", describe(&e)))
}

fn describe(e: &redis::RedisError) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connection_refusal() || e.is_connection_dropped() || e.is_io_error() {
        "connection lost".into()
    } else {
        e.category().to_owned()
    }
}

/// Redis's clock in milliseconds, as Lua scripts read it.
pub(crate) const LUA_NOW: &str =
    "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n";
