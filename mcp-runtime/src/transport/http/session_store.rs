//! Session-era HTTP sessions: one [`Connection`] per `initialize`, addressed by a random
//! `Mcp-Session-Id`, with idle expiry and a cap on how many live at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::event_store::{EventStore, StreamId};
use crate::dispatch::Connection;

/// One HTTP session.
pub(super) struct HttpSession {
    pub(super) id: Arc<str>,
    pub(super) conn: Arc<Connection>,
    /// Fires when the session ends (DELETE, expiry, shutdown): streams close.
    pub(super) closed: CancellationToken,
    next_stream: AtomicU64,
    /// Streams whose producer is still running, by id; stream 0 is the standalone one.
    streams: Mutex<HashMap<StreamId, Arc<LiveStream>>>,
    last_used: Mutex<Instant>,
    /// Requests running plus streams attached; a busy session never expires.
    busy: AtomicUsize,
    /// The principal that created the session (`Principal::owner_key`); only it may use
    /// the session.
    pub(super) owner: Option<Arc<str>>,
}

/// Where the producer of a resumable stream writes: the current HTTP response, if a
/// client is attached. The lock orders storing an event against (re)attaching a client,
/// so a resuming client gets every event exactly once.
#[derive(Default)]
pub(super) struct LiveStream {
    pub(super) sink: tokio::sync::Mutex<Sink>,
}

/// The attached client of a live stream.
#[derive(Default)]
pub(super) struct Sink {
    pub(super) tx: Option<mpsc::Sender<Bytes>>,
    /// The producer wrote its last event; nothing attaches any more.
    pub(super) finished: bool,
}

/// Marks a session busy while alive.
pub(super) struct BusyGuard(Arc<HttpSession>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HttpSession {
    pub(super) fn new(conn: Arc<Connection>, owner: Option<Arc<str>>) -> Arc<Self> {
        Arc::new(HttpSession {
            id: new_session_id().into(),
            conn,
            closed: CancellationToken::new(),
            next_stream: AtomicU64::new(1),
            streams: Mutex::default(),
            last_used: Mutex::new(Instant::now()),
            busy: AtomicUsize::new(0),
            owner,
        })
    }

    pub(super) fn touch(&self) {
        *self.last_used.lock().expect("session clock") = Instant::now();
    }

    pub(super) fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.touch();
        BusyGuard(self.clone())
    }

    /// Registers a new POST stream.
    pub(super) fn open_stream(&self) -> (StreamId, Arc<LiveStream>) {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let live = Arc::new(LiveStream::default());
        self.streams
            .lock()
            .expect("streams lock")
            .insert(id, live.clone());
        (id, live)
    }

    /// The standalone GET stream's producer, created on first use.
    pub(super) fn standalone(&self) -> Arc<LiveStream> {
        self.streams
            .lock()
            .expect("streams lock")
            .entry(0)
            .or_default()
            .clone()
    }

    pub(super) fn live_stream(&self, id: StreamId) -> Option<Arc<LiveStream>> {
        self.streams.lock().expect("streams lock").get(&id).cloned()
    }

    /// The producer of `id` finished: later resumes replay from the event store only.
    pub(super) fn finish_stream(&self, id: StreamId) {
        self.streams.lock().expect("streams lock").remove(&id);
    }

    fn expired(&self, idle: Duration, now: Instant) -> bool {
        self.busy.load(Ordering::Acquire) == 0
            && now.duration_since(*self.last_used.lock().expect("session clock")) >= idle
    }
}

/// 32 random bytes, URL-safe base64: visible ASCII, unguessable.
fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Why a new session could not be created.
pub(super) struct Full;

/// Every live session of one service.
pub(super) struct SessionStore {
    sessions: Mutex<HashMap<Arc<str>, Arc<HttpSession>>>,
    max: usize,
    idle: Duration,
    events: Arc<dyn EventStore>,
    reaper: std::sync::Once,
}

impl SessionStore {
    pub(super) fn new(max: usize, idle: Duration, events: Arc<dyn EventStore>) -> Arc<Self> {
        Arc::new(SessionStore {
            sessions: Mutex::default(),
            max,
            idle,
            events,
            reaper: std::sync::Once::new(),
        })
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        let session = self
            .sessions
            .lock()
            .expect("sessions lock")
            .get(id)
            .cloned()?;
        session.touch();
        Some(session)
    }

    pub(super) fn len(&self) -> usize {
        self.sessions.lock().expect("sessions lock").len()
    }

    /// Checks there is room for one more session, expiring idle ones first if needed.
    pub(super) fn reserve(self: &Arc<Self>) -> Result<(), Full> {
        self.start_reaper();
        if self.len() >= self.max {
            self.expire_idle();
        }
        if self.len() >= self.max {
            Err(Full)
        } else {
            Ok(())
        }
    }

    /// Makes an initialized session addressable.
    pub(super) fn insert(&self, session: Arc<HttpSession>) -> Result<(), Full> {
        let mut map = self.sessions.lock().expect("sessions lock");
        if map.len() >= self.max {
            return Err(Full);
        }
        map.insert(session.id.clone(), session);
        Ok(())
    }

    /// Ends a session: cancels its requests, closes its streams, frees its events.
    pub(super) fn remove(&self, id: &str) -> bool {
        let removed = self.sessions.lock().expect("sessions lock").remove(id);
        match removed {
            Some(session) => {
                self.close(&session);
                true
            }
            None => false,
        }
    }

    pub(super) fn close(&self, session: &Arc<HttpSession>) {
        session.closed.cancel();
        session.conn.cancel_all();
        session.streams.lock().expect("streams lock").clear();
        let (events, id) = (self.events.clone(), session.id.clone());
        tokio::spawn(async move { events.remove_session(&id).await });
    }

    /// Ends every session (shutdown).
    pub(super) fn close_all(&self) {
        let all: Vec<_> = self
            .sessions
            .lock()
            .expect("sessions lock")
            .drain()
            .collect();
        for (_, session) in all {
            self.close(&session);
        }
    }

    fn expire_idle(&self) {
        let now = Instant::now();
        let expired: Vec<_> = {
            let mut map = self.sessions.lock().expect("sessions lock");
            let ids: Vec<_> = map
                .iter()
                .filter(|(_, s)| s.expired(self.idle, now))
                .map(|(id, _)| id.clone())
                .collect();
            ids.into_iter().filter_map(|id| map.remove(&id)).collect()
        };
        for session in expired {
            tracing::debug!(session = %session.id, "session expired");
            self.close(&session);
        }
    }

    /// Expires idle sessions in the background; the task ends with the store.
    fn start_reaper(self: &Arc<Self>) {
        self.reaper.call_once(|| {
            let weak: Weak<SessionStore> = Arc::downgrade(self);
            let every = (self.idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(30));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let Some(store) = weak.upgrade() else { break };
                    store.expire_idle();
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_ids_are_visible_ascii_and_distinct() {
        let a = super::new_session_id();
        let b = super::new_session_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| (0x21..=0x7e).contains(&c)), "{a}");
    }
}
