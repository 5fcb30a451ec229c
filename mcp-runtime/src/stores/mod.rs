//! State shared by many instances of one server behind a load balancer: sessions,
//! resumable SSE events, tasks and the messages instances send each other.
//!
//! One instance needs none of this: the in-memory defaults serve it. Several instances
//! behind a plain round-robin balancer hand [`ServerBuilder::stores`] the same
//! [`Stores`] (with the `redis` feature, [`RedisStores`](redis::RedisStores) makes them
//! on one Redis), and then:
//!
//! * a session created on one instance is used on any; `DELETE` and idle expiry end it
//!   everywhere, and the session cap counts sessions across the cluster;
//! * a client resuming an SSE stream with `Last-Event-ID` on another instance gets
//!   exactly the events it missed, then the rest as they are produced;
//! * an answer to a server-to-client request (elicitation, sampling, roots), the
//!   client's progress on it, `notifications/cancelled` and changes to the session
//!   (`logging/setLevel`, `resources/subscribe`) reach the instance that needs them;
//! * a session-era task's questions reach a `tasks/result` stream on any instance;
//! * list changes and resource updates reach subscribers on every instance;
//! * tasks live in a shared [`TaskStore`], leased by the instance running them.
//!
//! The 2026-07-28 era keeps no session: its plain requests never touch these stores.
//!
//! [`ServerBuilder::stores`]: crate::ServerBuilder::stores

#[cfg(feature = "redis")]
pub mod redis;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

pub use crate::dispatch::{SessionChange, SessionRecord};
use crate::error::Error;
use crate::protocol::types::ProgressNotificationParams;
use crate::protocol::RequestId;
use crate::tasks::TaskStore;
use crate::transport::http::{EventStore, SessionCapPolicy, StoreFuture};

/// Which stores a server shares with other instances; the rest stay in memory.
#[derive(Clone, Default)]
pub struct Stores {
    pub(crate) sessions: Option<Arc<dyn SessionBackend>>,
    pub(crate) cluster: Option<Arc<dyn Cluster>>,
    pub(crate) events: Option<Arc<dyn EventStore>>,
    pub(crate) tasks: Option<Arc<dyn TaskStore>>,
}

impl Stores {
    /// No shared store: everything in memory (one instance).
    pub fn new() -> Self {
        Self::default()
    }

    /// Shares session-era sessions through `backend`; `cluster` carries what instances
    /// must tell each other about them (and announcements).
    pub fn sessions(mut self, backend: impl SessionBackend, cluster: impl Cluster) -> Self {
        self.sessions = Some(Arc::new(backend));
        self.cluster = Some(Arc::new(cluster));
        self
    }

    /// Keeps resumable SSE events in `store` (see [`HttpConfig::event_store`]).
    ///
    /// [`HttpConfig::event_store`]: crate::transport::http::HttpConfig::event_store
    pub fn events(mut self, store: impl EventStore) -> Self {
        self.events = Some(Arc::new(store));
        self
    }

    /// Keeps tasks in `store`.
    pub fn tasks(mut self, store: impl TaskStore) -> Self {
        self.tasks = Some(Arc::new(store));
        self
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores")
            .field("sessions", &self.sessions.is_some())
            .field("events", &self.events.is_some())
            .field("tasks", &self.tasks.is_some())
            .finish()
    }
}

/// The cluster-wide session limits [`SessionBackend::admit`] enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Live sessions across every instance.
    pub max_sessions: usize,
    /// A session unused this long is gone.
    pub idle: Duration,
    /// What to do at the cap.
    pub policy: SessionCapPolicy,
}

/// The outcome of [`SessionBackend::admit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// The new session has its slot; `evicted` names the idle session closed for it.
    Yes {
        /// The session evicted to make room, if any.
        evicted: Option<String>,
    },
    /// At the cap; a slot may free up after this long.
    Full {
        /// `Retry-After`.
        retry_after: Duration,
    },
}

/// Session-era sessions shared by every instance. Ids are the `Mcp-Session-Id`s;
/// every entry expires after `idle` without use.
///
/// With the `redis` feature, [`RedisStores`](redis::RedisStores) implements it on Redis.
/// Another store implements the six methods; here, sessions shared by servers in one
/// process (a test of a cluster), refusing new ones at the cap:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex, MutexGuard};
/// use std::time::{Duration, Instant};
///
/// use mcp_runtime::stores::{
///     Admitted, SessionBackend, SessionChange, SessionLimits, SessionRecord,
/// };
/// use mcp_runtime::transport::http::StoreFuture;
/// use mcp_runtime::Error;
///
/// #[derive(Clone, Default)]
/// struct LocalSessions(Arc<Mutex<HashMap<String, Entry>>>);
///
/// struct Entry {
///     record: Option<SessionRecord>, // `None` between `admit` and `store`
///     used: Instant,
/// }
///
/// impl LocalSessions {
///     /// The sessions used within `idle` (the others are gone).
///     fn live(&self, idle: Duration) -> MutexGuard<'_, HashMap<String, Entry>> {
///         let mut sessions = self.0.lock().unwrap();
///         sessions.retain(|_, e| e.used.elapsed() < idle);
///         sessions
///     }
/// }
///
/// impl SessionBackend for LocalSessions {
///     fn admit<'a>(
///         &'a self,
///         id: &'a str,
///         limits: &'a SessionLimits,
///     ) -> StoreFuture<'a, Result<Admitted, Error>> {
///         Box::pin(async move {
///             let mut sessions = self.live(limits.idle);
///             if sessions.len() >= limits.max_sessions {
///                 // The soonest a slot frees up: when the least recently used expires.
///                 let oldest = sessions.values().map(|e| e.used.elapsed()).max();
///                 let retry_after = limits.idle.saturating_sub(oldest.unwrap_or_default());
///                 return Ok(Admitted::Full { retry_after });
///             }
///             let entry = Entry { record: None, used: Instant::now() };
///             sessions.insert(id.to_owned(), entry);
///             Ok(Admitted::Yes { evicted: None })
///         })
///     }
///
///     fn store<'a>(
///         &'a self,
///         id: &'a str,
///         record: &'a SessionRecord,
///         _idle: Duration,
///     ) -> StoreFuture<'a, Result<(), Error>> {
///         let entry = Entry { record: Some(record.clone()), used: Instant::now() };
///         self.0.lock().unwrap().insert(id.to_owned(), entry);
///         Box::pin(async { Ok(()) })
///     }
///
///     fn load<'a>(
///         &'a self,
///         id: &'a str,
///         idle: Duration,
///     ) -> StoreFuture<'a, Result<Option<SessionRecord>, Error>> {
///         let mut sessions = self.live(idle);
///         let record = sessions.get_mut(id).and_then(|e| {
///             e.used = Instant::now();
///             e.record.clone()
///         });
///         Box::pin(async move { Ok(record) })
///     }
///
///     fn touch<'a>(
///         &'a self,
///         ids: &'a [Arc<str>],
///         idle: Duration,
///     ) -> StoreFuture<'a, Result<Vec<bool>, Error>> {
///         let mut sessions = self.live(idle);
///         let alive = ids
///             .iter()
///             .map(|id| match sessions.get_mut(&**id) {
///                 Some(e) => {
///                     e.used = Instant::now();
///                     true
///                 }
///                 None => false,
///             })
///             .collect();
///         Box::pin(async move { Ok(alive) })
///     }
///
///     fn change<'a>(
///         &'a self,
///         id: &'a str,
///         changes: &'a [SessionChange],
///     ) -> StoreFuture<'a, Result<(), Error>> {
///         let mut sessions = self.0.lock().unwrap();
///         if let Some(record) = sessions.get_mut(id).and_then(|e| e.record.as_mut()) {
///             for change in changes {
///                 match change {
///                     SessionChange::Initialized => record.initialized = true,
///                     SessionChange::LogLevel(level) => record.log_level = Some(*level),
///                     SessionChange::Subscribe(uri) => record.subscriptions.push(uri.clone()),
///                     SessionChange::Unsubscribe(uri) => record.subscriptions.retain(|u| u != uri),
///                 }
///             }
///         }
///         Box::pin(async { Ok(()) })
///     }
///
///     fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<(), Error>> {
///         self.0.lock().unwrap().remove(id);
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let sessions = LocalSessions::default();
/// let limits = SessionLimits {
///     max_sessions: 1,
///     idle: Duration::from_secs(60),
///     policy: mcp_runtime::transport::http::SessionCapPolicy::Refuse,
/// };
/// assert_eq!(sessions.admit("a", &limits).await?, Admitted::Yes { evicted: None });
/// assert!(matches!(sessions.admit("b", &limits).await?, Admitted::Full { .. }));
/// assert_eq!(sessions.touch(&["a".into(), "b".into()], limits.idle).await?, [true, false]);
/// # Ok::<(), Error>(()) }).unwrap();
/// ```
pub trait SessionBackend: Send + Sync + 'static {
    /// Takes a slot for the new session `id` under `limits`, atomically across the
    /// cluster (evicting the least recently used idle session when the policy says so).
    fn admit<'a>(
        &'a self,
        id: &'a str,
        limits: &'a SessionLimits,
    ) -> StoreFuture<'a, Result<Admitted, Error>>;

    /// Stores the record of an admitted session (its `initialize` succeeded).
    fn store<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
        idle: Duration,
    ) -> StoreFuture<'a, Result<(), Error>>;

    /// The session's record, marking it used; `None` when it ended or expired.
    fn load<'a>(
        &'a self,
        id: &'a str,
        idle: Duration,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, Error>>;

    /// Marks sessions used now; for each, false when it ended or expired.
    fn touch<'a>(
        &'a self,
        ids: &'a [Arc<str>],
        idle: Duration,
    ) -> StoreFuture<'a, Result<Vec<bool>, Error>>;

    /// Records changes to the session's state.
    fn change<'a>(
        &'a self,
        id: &'a str,
        changes: &'a [SessionChange],
    ) -> StoreFuture<'a, Result<(), Error>>;

    /// Ends the session (and frees its slot).
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<(), Error>>;
}

/// What instances tell each other. Delivered at most once to every other instance
/// (never back to the sender); a message an instance cannot use is ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClusterMessage {
    /// The session ended (DELETE, eviction): close it here too.
    SessionClosed {
        /// `Mcp-Session-Id`.
        session: String,
    },
    /// The session's state changed on another instance.
    SessionChanged {
        /// `Mcp-Session-Id`.
        session: String,
        /// What changed, in order.
        changes: Vec<SessionChange>,
    },
    /// A client's answer to a server-to-client request, for the instance waiting on it.
    ClientResponse {
        /// `Mcp-Session-Id`.
        session: String,
        /// The JSON-RPC response as the client sent it.
        response: String,
    },
    /// The client's `notifications/progress` on a server-to-client request, for the
    /// instance waiting on it.
    ClientProgress {
        /// `Mcp-Session-Id`.
        session: String,
        /// The notification's params.
        progress: ProgressNotificationParams,
    },
    /// `notifications/cancelled` for a request running wherever it runs.
    Cancelled {
        /// `Mcp-Session-Id`.
        session: String,
        /// The cancelled request.
        request_id: RequestId,
    },
    /// A list change or resource update for every instance's subscribers.
    Announce {
        /// The notification method.
        method: String,
        /// For `notifications/resources/updated`, the resource.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uri: Option<String>,
    },
}

/// Carries [`ClusterMessage`]s between instances (Redis pub/sub with the `redis`
/// feature).
///
/// Another transport implements three methods. Here, servers in one process (a test of
/// a cluster) hand each other messages through one broadcast channel per member:
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use mcp_runtime::stores::{Cluster, ClusterMessage};
/// use tokio::sync::broadcast;
///
/// /// The members' inboxes.
/// #[derive(Clone, Default)]
/// struct Hub(Arc<Mutex<Vec<broadcast::Sender<Arc<ClusterMessage>>>>>);
///
/// struct Member {
///     hub: Hub,
///     index: usize,
///     name: String,
/// }
///
/// impl Hub {
///     fn join(&self) -> Member {
///         let mut inboxes = self.0.lock().unwrap();
///         // Bounded: a member that falls this far behind misses messages (and logs it).
///         inboxes.push(broadcast::channel(1024).0);
///         let index = inboxes.len() - 1;
///         Member { hub: self.clone(), index, name: format!("member-{index}") }
///     }
/// }
///
/// impl Cluster for Member {
///     fn instance(&self) -> &str {
///         &self.name
///     }
///
///     fn publish(&self, message: ClusterMessage) {
///         let message = Arc::new(message);
///         for (i, inbox) in self.hub.0.lock().unwrap().iter().enumerate() {
///             if i != self.index {
///                 // No receiver yet: nobody to tell.
///                 let _ = inbox.send(message.clone());
///             }
///         }
///     }
///
///     fn subscribe(&self) -> broadcast::Receiver<Arc<ClusterMessage>> {
///         self.hub.0.lock().unwrap()[self.index].subscribe()
///     }
/// }
///
/// let hub = Hub::default();
/// let (a, b) = (hub.join(), hub.join());
/// let (mut to_a, mut to_b) = (a.subscribe(), b.subscribe());
/// let ended = ClusterMessage::SessionClosed { session: "s1".into() };
/// a.publish(ended.clone());
/// assert_eq!(*to_b.try_recv().unwrap(), ended);
/// assert!(to_a.try_recv().is_err(), "never back to the sender");
/// ```
pub trait Cluster: Send + Sync + 'static {
    /// This instance's id, unique in the cluster.
    fn instance(&self) -> &str;

    /// Sends `message` to every other instance, in the background.
    fn publish(&self, message: ClusterMessage);

    /// Messages from other instances.
    fn subscribe(&self) -> broadcast::Receiver<Arc<ClusterMessage>>;
}

/// A random id for an instance: 12 hex digits.
#[cfg(feature = "redis")]
pub(crate) fn new_instance_id() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_messages_round_trip_through_json() {
        let progress: ProgressNotificationParams = serde_json::from_value(serde_json::json!({
            "progressToken": "a1b2-0", "progress": 1, "total": 2, "message": "typing"
        }))
        .unwrap();
        let messages = [
            ClusterMessage::ClientProgress {
                session: "s".into(),
                progress,
            },
            ClusterMessage::Cancelled {
                session: "s".into(),
                request_id: RequestId::Number(3),
            },
        ];
        for m in messages {
            let json = serde_json::to_string(&m).unwrap();
            let back: ClusterMessage =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, m, "{json}");
        }
    }
}
