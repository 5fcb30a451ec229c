//! Per-connection and per-session state.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::value::RawValue;
use serde_json::Value;
use tokio::sync::oneshot;

use super::Outbound;
use crate::extract::Canceller;
use crate::input::progress::ProgressSink;
use crate::protocol::types::{Implementation, LoggingLevel, ProgressNotificationParams};
use crate::protocol::{ErrorObject, ProtocolVersion, RequestId};

/// Reply to a server-to-client request.
pub type ClientReply = Result<Box<RawValue>, ErrorObject>;

/// A session-era (2024-11-05 … 2025-11-25) session, created by `initialize`.
pub struct Session {
    /// Random and unguessable: what the session's tasks are bound to.
    key: Box<str>,
    pub(crate) version: ProtocolVersion,
    pub(crate) client_capabilities: Arc<Value>,
    pub(crate) client_info: Arc<Implementation>,
    log_level: AtomicU8,
    initialized: std::sync::atomic::AtomicBool,
    next_id: AtomicI64,
    pending: Mutex<HashMap<RequestId, Pending>>,
    resource_subscriptions: Mutex<HashSet<String>>,
    /// Set when the session is shared by several instances (a shared session store):
    /// server-to-client request ids carry this instance's tag, so answers routed through
    /// another instance find their way back, and changes are recorded for the store.
    shared: OnceLock<Box<str>>,
    changes: Mutex<Vec<SessionChange>>,
}

/// A change to a session's state that instances sharing the session must learn
/// (recorded only for shared sessions; see [`Session::take_changes`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionChange {
    /// `notifications/initialized` arrived.
    Initialized,
    /// `logging/setLevel`.
    LogLevel(LoggingLevel),
    /// `resources/subscribe`.
    Subscribe(String),
    /// `resources/unsubscribe`.
    Unsubscribe(String),
}

/// What instances sharing a session store about it: enough to serve it anywhere.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SessionRecord {
    /// The session's internal key (tasks are bound to it).
    pub key: String,
    /// The negotiated revision.
    pub version: String,
    /// The client's capabilities.
    pub client_capabilities: Value,
    /// The client's identity.
    pub client_info: Implementation,
    /// The principal that created the session, when the endpoint authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `notifications/initialized` arrived.
    #[serde(default)]
    pub initialized: bool,
    /// The `logging/setLevel` level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LoggingLevel>,
    /// Resources subscribed to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
}

const NO_LOGS: u8 = u8::MAX;

/// A server-to-client request waiting for the client's answer.
struct Pending {
    reply: oneshot::Sender<ClientReply>,
    /// Where the client's progress on it goes (it carried a `progressToken`).
    progress: Option<Arc<ProgressSink>>,
}

impl Session {
    pub(crate) fn new(
        version: ProtocolVersion,
        client_capabilities: Arc<Value>,
        client_info: Arc<Implementation>,
    ) -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        Session {
            key: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            version,
            client_capabilities,
            client_info,
            log_level: AtomicU8::new(NO_LOGS),
            initialized: Default::default(),
            next_id: AtomicI64::new(0),
            pending: Mutex::default(),
            resource_subscriptions: Mutex::default(),
            shared: OnceLock::new(),
            changes: Mutex::default(),
        }
    }

    fn record_change(&self, change: SessionChange) {
        if self.shared.get().is_some() {
            self.changes.lock().expect("changes lock").push(change);
        }
    }

    /// A random key identifying this session inside the server (never sent).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The negotiated protocol revision.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The client's identity.
    pub fn client_info(&self) -> &Implementation {
        &self.client_info
    }

    /// The log level set with `logging/setLevel`, if any.
    pub fn log_level(&self) -> Option<LoggingLevel> {
        const LEVELS: [LoggingLevel; 8] = [
            LoggingLevel::Debug,
            LoggingLevel::Info,
            LoggingLevel::Notice,
            LoggingLevel::Warning,
            LoggingLevel::Error,
            LoggingLevel::Critical,
            LoggingLevel::Alert,
            LoggingLevel::Emergency,
        ];
        LEVELS
            .get(self.log_level.load(Ordering::Relaxed) as usize)
            .copied()
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(level as u8, Ordering::Relaxed);
        self.record_change(SessionChange::LogLevel(level));
    }

    pub(crate) fn mark_initialized(&self) {
        if !self.initialized.swap(true, Ordering::AcqRel) {
            self.record_change(SessionChange::Initialized);
        }
    }

    /// True once `notifications/initialized` arrived.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Acquire)
    }

    /// Registers a server-to-client request and returns its id and reply receiver; the
    /// client's progress on it (its id is the progress token) goes to `progress`.
    pub(crate) fn register_request(
        &self,
        progress: Option<Arc<ProgressSink>>,
    ) -> (RequestId, oneshot::Receiver<ClientReply>) {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = match self.shared.get() {
            Some(instance) => RequestId::String(format!("{instance}-{n}").into()),
            None => RequestId::Number(n),
        };
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending lock").insert(
            id.clone(),
            Pending {
                reply: tx,
                progress,
            },
        );
        (id, rx)
    }

    /// True while the server-to-client request `id` waits for the client's answer.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn awaits(&self, id: &RequestId) -> bool {
        self.pending.lock().expect("pending lock").contains_key(id)
    }

    /// Forgets a request whose reply will not be awaited.
    pub(crate) fn forget_request(&self, id: &RequestId) {
        self.pending.lock().expect("pending lock").remove(id);
    }

    /// Records `resources/subscribe`: `notifications/resources/updated` for `uri` will
    /// reach this session.
    pub fn subscribe_resource(&self, uri: impl Into<String>) {
        let uri = uri.into();
        self.record_change(SessionChange::Subscribe(uri.clone()));
        self.resource_subscriptions
            .lock()
            .expect("subscriptions lock")
            .insert(uri);
    }

    /// Records `resources/unsubscribe`.
    pub fn unsubscribe_resource(&self, uri: &str) {
        self.record_change(SessionChange::Unsubscribe(uri.to_owned()));
        self.resource_subscriptions
            .lock()
            .expect("subscriptions lock")
            .remove(uri);
    }

    /// True when the session subscribed to `uri`.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        self.resource_subscriptions
            .lock()
            .expect("subscriptions lock")
            .contains(uri)
    }

    /// Delivers a client's reply; false when no such request is pending.
    pub(crate) fn complete_request(&self, id: &RequestId, reply: ClientReply) -> bool {
        let pending = self.pending.lock().expect("pending lock").remove(id);
        pending.is_some_and(|p| p.reply.send(reply).is_ok())
    }

    /// Delivers the client's progress on a pending server-to-client request; false when
    /// no request with that token waits here (it may wait on another instance).
    pub(crate) fn client_progress(&self, p: &ProgressNotificationParams) -> bool {
        let sink = {
            let pending = self.pending.lock().expect("pending lock");
            match pending.get(&p.progress_token) {
                Some(waiting) => waiting.progress.clone(),
                None => return false,
            }
        };
        if let Some(sink) = sink {
            sink.report(p);
        }
        true
    }
}

/// Shared sessions (several instances behind a load balancer; see `crate::stores`).
#[cfg(feature = "http")]
impl Session {
    /// A session another instance created, from its stored record; `None` when the
    /// record names a revision this build does not speak.
    pub(crate) fn restore(record: &SessionRecord) -> Option<Self> {
        let version = ProtocolVersion::parse(&record.version)?;
        let mut session = Session::new(
            version,
            Arc::new(record.client_capabilities.clone()),
            Arc::new(record.client_info.clone()),
        );
        session.key = record.key.clone().into();
        session.apply_all(record);
        Some(session)
    }

    /// This session as a record for a shared store (`owner` is the transport's).
    pub(crate) fn record(&self, owner: Option<&str>) -> SessionRecord {
        let mut subscriptions: Vec<String> = self
            .resource_subscriptions
            .lock()
            .expect("subscriptions lock")
            .iter()
            .cloned()
            .collect();
        subscriptions.sort();
        SessionRecord {
            key: self.key.to_string(),
            version: self.version.as_str().to_owned(),
            client_capabilities: (*self.client_capabilities).clone(),
            client_info: (*self.client_info).clone(),
            owner: owner.map(str::to_owned),
            initialized: self.is_initialized(),
            log_level: self.log_level(),
            subscriptions,
        }
    }

    /// Takes over the mutable state of `record` (another instance changed it).
    pub(crate) fn apply_all(&self, record: &SessionRecord) {
        if record.initialized {
            self.initialized.store(true, Ordering::Release);
        }
        if let Some(level) = record.log_level {
            self.log_level.store(level as u8, Ordering::Relaxed);
        }
        *self
            .resource_subscriptions
            .lock()
            .expect("subscriptions lock") = record.subscriptions.iter().cloned().collect();
    }

    /// Applies a change another instance recorded.
    pub(crate) fn apply(&self, change: &SessionChange) {
        match change {
            SessionChange::Initialized => self.initialized.store(true, Ordering::Release),
            SessionChange::LogLevel(level) => self.log_level.store(*level as u8, Ordering::Relaxed),
            SessionChange::Subscribe(uri) => {
                self.resource_subscriptions
                    .lock()
                    .expect("subscriptions lock")
                    .insert(uri.clone());
            }
            SessionChange::Unsubscribe(uri) => {
                self.resource_subscriptions
                    .lock()
                    .expect("subscriptions lock")
                    .remove(uri);
            }
        }
    }

    /// Marks the session shared between instances: request ids get `instance` as a
    /// prefix and changes are recorded for [`take_changes`](Self::take_changes).
    pub(crate) fn share(&self, instance: &str) {
        let _ = self.shared.set(instance.into());
    }

    /// Changes made here since the last call (always empty unless shared).
    pub(crate) fn take_changes(&self) -> Vec<SessionChange> {
        if self.shared.get().is_none() {
            return Vec::new();
        }
        std::mem::take(&mut *self.changes.lock().expect("changes lock"))
    }
}

/// A bidirectional message stream (stdio, a socket, an in-memory pipe, or one HTTP
/// session): the in-flight requests that can be cancelled, the optional legacy session,
/// and where unsolicited messages go.
pub struct Connection {
    /// Unique per process: keys per-client state (rate limits, private caches).
    pub(crate) id: u64,
    pub(crate) out: Outbound,
    pub(crate) session: OnceLock<Arc<Session>>,
    /// foldhash (seeded per process), not SipHash: the client picks the ids, but the
    /// map never holds more than the connection's in-flight limit, so a crafted
    /// collision costs a bounded probe; SipHash was ≈0.2k instructions per proxied call.
    inflight: Mutex<HashMap<RequestId, Canceller, foldhash::quality::RandomState>>,
}

impl Connection {
    /// A connection whose unsolicited messages go to `out`.
    pub fn new(out: Outbound) -> Arc<Self> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Arc::new(Connection {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            out,
            session: OnceLock::new(),
            inflight: Mutex::default(),
        })
    }

    /// The legacy session, once `initialize` succeeded.
    pub fn session(&self) -> Option<&Arc<Session>> {
        self.session.get()
    }

    pub(crate) fn track(&self, id: RequestId, canceller: Canceller) {
        self.inflight
            .lock()
            .expect("inflight lock")
            .insert(id, canceller);
    }

    pub(crate) fn untrack(&self, id: &RequestId) {
        self.inflight.lock().expect("inflight lock").remove(id);
    }

    pub(crate) fn cancel(&self, id: &RequestId) {
        if let Some(canceller) = self.inflight.lock().expect("inflight lock").get(id) {
            canceller.cancel();
        }
    }

    /// Cancels every in-flight request (the peer went away).
    pub fn cancel_all(&self) {
        for canceller in self.inflight.lock().expect("inflight lock").values() {
            canceller.cancel();
        }
    }
}
