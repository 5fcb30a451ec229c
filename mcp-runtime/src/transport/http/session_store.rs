//! Session-era HTTP sessions: one [`Connection`] per `initialize`, addressed by a random
//! `Mcp-Session-Id`, with idle expiry and a cap on how many live at once (see
//! [`SessionCapPolicy`] for what happens at the cap).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::config::{HttpConfig, SessionCapPolicy};
use super::event_store::{EventStore, StreamId};
use crate::dispatch::Connection;
use crate::stores::{Cluster, ClusterMessage, SessionBackend, SessionLimits};

/// One HTTP session.
pub(super) struct HttpSession {
    pub(super) id: Arc<str>,
    pub(super) conn: Arc<Connection>,
    /// Fires when the session ends (DELETE, expiry, eviction, shutdown): streams close.
    pub(super) closed: CancellationToken,
    /// Set with `closed`; an atomic load where the token would take a lock.
    ended: AtomicBool,
    next_stream: AtomicU64,
    /// Streams whose producer is still running, by id; stream 0 is the standalone one.
    streams: Mutex<HashMap<StreamId, Arc<LiveStream>>>,
    /// When the session was last used ([`now_ns`]); meaningful while it is not busy.
    last_used: AtomicU64,
    /// Requests running plus streams attached; a busy session never expires.
    busy: AtomicUsize,
    /// Requests running (the per-session cap).
    requests: AtomicUsize,
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

impl Sink {
    /// A client is reading the stream now.
    pub(super) fn attached(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }
}

/// Marks a session busy (and, for a request, counts it) while alive.
pub(super) struct BusyGuard {
    session: Arc<HttpSession>,
    request: bool,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        // Stamp the time before the session can look idle to the reaper.
        self.session.touch();
        if self.request {
            self.session.requests.fetch_sub(1, Ordering::AcqRel);
        }
        self.session.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Nanoseconds on a process-wide monotonic clock: a session's clock is one atomic word
/// instead of a locked `Instant`, and fine enough that sessions used one after the other
/// are told apart for least-recently-used eviction.
fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

impl HttpSession {
    pub(super) fn new(conn: Arc<Connection>, owner: Option<Arc<str>>, streams: u64) -> Arc<Self> {
        Self::with_id(new_session_id().into(), conn, owner, streams)
    }

    /// A session another instance created (shared stores).
    pub(super) fn with_id(
        id: Arc<str>,
        conn: Arc<Connection>,
        owner: Option<Arc<str>>,
        streams: u64,
    ) -> Arc<Self> {
        Arc::new(HttpSession {
            id,
            conn,
            closed: CancellationToken::new(),
            ended: AtomicBool::new(false),
            next_stream: AtomicU64::new(streams + 1),
            streams: Mutex::default(),
            last_used: AtomicU64::new(now_ns()),
            busy: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            owner,
        })
    }

    pub(super) fn touch(&self) {
        self.last_used.store(now_ns(), Ordering::Release);
    }

    /// True once the session was closed (a request that raced with its end).
    pub(super) fn is_closed(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Keeps the session from expiring while a stream is attached.
    pub(super) fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard {
            session: self.clone(),
            request: false,
        }
    }

    /// Counts a request against the session's cap of `max`; `Err` when it is reached.
    pub(super) fn begin_request(self: &Arc<Self>, max: usize) -> Result<BusyGuard, ()> {
        if self.requests.fetch_add(1, Ordering::AcqRel) >= max {
            self.requests.fetch_sub(1, Ordering::AcqRel);
            return Err(());
        }
        self.busy.fetch_add(1, Ordering::AcqRel);
        Ok(BusyGuard {
            session: self.clone(),
            request: true,
        })
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

    /// How long the session has been idle at `now`, or `None` while it is busy.
    fn idle_for(&self, now: u64) -> Option<u64> {
        (self.busy.load(Ordering::Acquire) == 0)
            .then(|| now.saturating_sub(self.last_used.load(Ordering::Acquire)))
    }
}

/// 32 random bytes, URL-safe base64: visible ASCII, unguessable.
fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// No room for a new session; one may free up after this long (`Retry-After`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Full {
    pub(super) retry_after: Duration,
}

/// Independent shards of the session map: requests of different sessions rarely meet
/// on a lock, and the common lookup is a shared read.
const SHARDS: usize = 16;

type Shard = RwLock<HashMap<Arc<str>, Arc<HttpSession>>>;

/// Sessions shared with other instances: the backend holds them, the local map is a
/// cache of the ones used here.
pub(super) struct Shared {
    pub(super) backend: Arc<dyn SessionBackend>,
    pub(super) cluster: Arc<dyn Cluster>,
    pub(super) limits: SessionLimits,
}

/// How far closing a session reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The session ends: its events go, and with shared stores every instance learns.
    Everywhere,
    /// Only this instance's copy closes (shared stores: idle cache eviction, shutdown,
    /// a session another instance ended).
    Here,
}

/// Whether closing a shared session still has to remove its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    Remove,
    /// Already removed, awaited by the caller ([`SessionStore::end`]).
    Gone,
}

/// Every live session of one service.
pub(super) struct SessionStore {
    shards: [Shard; SHARDS],
    /// Live sessions plus reserved slots (`initialize` in progress); never above `max`.
    taken: AtomicUsize,
    max: usize,
    idle: Duration,
    policy: SessionCapPolicy,
    events: Arc<dyn EventStore>,
    reaper: std::sync::Once,
    pub(super) shared: Option<Shared>,
    /// Where this instance numbers its POST streams from: 0 alone; with shared stores a
    /// random multiple of 2^32, so streams of one session opened on different instances
    /// never share a number (event ids name their stream).
    pub(super) stream_base: u64,
}

/// A slot for one session, taken when `initialize` starts: the session it becomes is
/// stored without another check, so an id handed out always names a stored session.
/// Dropped unfilled (the `initialize` failed or was cancelled), it frees the slot.
pub(super) struct Reservation {
    store: Arc<SessionStore>,
    filled: bool,
}

impl Reservation {
    /// Stores the session in the reserved slot.
    pub(super) fn fill(mut self, session: Arc<HttpSession>) {
        self.filled = true;
        self.store
            .shard(&session.id)
            .write()
            .expect("sessions lock")
            .insert(session.id.clone(), session);
    }

    /// Stores the session unless another request stored one with its id first; the
    /// stored one either way.
    pub(super) fn fill_or_get(mut self, session: Arc<HttpSession>) -> Arc<HttpSession> {
        let mut map = self.store.shard(&session.id).write().expect("sessions lock");
        match map.get(&session.id) {
            Some(existing) => existing.clone(),
            None => {
                self.filled = true;
                map.insert(session.id.clone(), session.clone());
                session
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.filled {
            self.store.taken.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl SessionStore {
    pub(super) fn new(config: &HttpConfig, shared: Option<Shared>) -> Arc<Self> {
        let stream_base = match shared {
            Some(_) => {
                let mut b = [0u8; 4];
                getrandom::fill(&mut b).expect("the OS random number generator failed");
                u64::from(u32::from_le_bytes(b).max(1)) << 32
            }
            None => 0,
        };
        Arc::new(SessionStore {
            stream_base,
            shared,
            shards: Default::default(),
            taken: AtomicUsize::new(0),
            max: config.max_sessions.max(1),
            idle: config.session_idle_timeout,
            policy: config.session_cap_policy,
            events: config.event_store.clone(),
            reaper: std::sync::Once::new(),
        })
    }

    fn shard(&self, id: &str) -> &Shard {
        // Ids are random base64, so their first byte spreads them evenly enough.
        &self.shards[id.as_bytes().first().map_or(0, |b| *b as usize) % SHARDS]
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.shard(id)
            .read()
            .expect("sessions lock")
            .get(id)
            .cloned()
    }

    /// Live sessions.
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().expect("sessions lock").len())
            .sum()
    }

    /// Takes a slot for a new session. At the cap, expires idle sessions first, then
    /// applies the [`SessionCapPolicy`].
    pub(super) fn reserve(self: &Arc<Self>) -> Result<Reservation, Full> {
        self.start_reaper();
        let reservation = || Reservation {
            store: self.clone(),
            filled: false,
        };
        if self.try_take() {
            return Ok(reservation());
        }
        self.expire_idle();
        if self.try_take() {
            return Ok(reservation());
        }
        let min_idle = match self.policy {
            SessionCapPolicy::EvictIdle { min_idle } => min_idle.min(self.idle),
            SessionCapPolicy::Refuse => self.idle,
        };
        if let SessionCapPolicy::EvictIdle { .. } = self.policy {
            // A few rounds: a competing `initialize` may take the same candidate.
            for _ in 0..4 {
                match self.least_recently_used(min_idle) {
                    Candidate::Evictable(session) => {
                        if self.take_over(&session) {
                            tracing::debug!(session = %session.id, "idle session closed to admit a new one");
                            // Shared stores: only this copy goes; the session lives on.
                            self.close(&session, self.local_reach());
                            return Ok(reservation());
                        }
                    }
                    Candidate::Later(_) => break,
                }
                if self.try_take() {
                    return Ok(reservation());
                }
            }
        }
        let retry_after = match self.least_recently_used(min_idle) {
            Candidate::Later(wait) => wait,
            Candidate::Evictable(_) => Duration::from_secs(1),
        };
        Err(Full { retry_after })
    }

    fn try_take(&self) -> bool {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_ok()
    }

    /// The idle session used least recently, if it has been idle for `min_idle`; else
    /// how long until some session will have been.
    fn least_recently_used(&self, min_idle: Duration) -> Candidate {
        let now = now_ns();
        let oldest = self
            .shards
            .iter()
            .filter_map(|shard| {
                let map = shard.read().expect("sessions lock");
                map.values()
                    .filter_map(|s| Some((s.idle_for(now)?, s.clone())))
                    .max_by_key(|(idle, _)| *idle)
            })
            .max_by_key(|(idle, _)| *idle);
        let min_idle_ns = min_idle.as_nanos().min(u64::MAX as u128) as u64;
        match oldest {
            Some((idle, s)) if idle >= min_idle_ns => Candidate::Evictable(s),
            // Every session busy: the soonest one could qualify is a full `min_idle`
            // after it stops being busy.
            idle => Candidate::Later(Duration::from_nanos(
                min_idle_ns - idle.map_or(0, |(idle, _)| idle),
            )),
        }
    }

    /// Removes `session` to hand its slot to a newcomer; false when another request
    /// removed it first or it became busy.
    fn take_over(&self, session: &Arc<HttpSession>) -> bool {
        let mut map = self.shard(&session.id).write().expect("sessions lock");
        let still_idle = session.busy.load(Ordering::Acquire) == 0;
        still_idle && map.remove(&session.id).is_some()
    }

    /// Ends a session: cancels its requests, closes its streams, frees its events (with
    /// shared stores, `reach` says whether it ends everywhere or only here).
    pub(super) fn remove(&self, id: &str, reach: Reach) -> bool {
        match self.take(id) {
            Some(session) => {
                self.close(&session, reach);
                true
            }
            None => false,
        }
    }

    /// Ends the session `id` everywhere and returns once its shared record is gone, so
    /// no instance serves it after the caller answers (DELETE). On a store error
    /// nothing has changed.
    pub(super) async fn end(&self, id: &str) -> crate::Result<()> {
        if let Some(shared) = &self.shared {
            shared.backend.remove(id).await?;
        }
        if let Some(session) = self.take(id) {
            self.close_with(&session, Reach::Everywhere, Record::Gone);
        }
        Ok(())
    }

    fn take(&self, id: &str) -> Option<Arc<HttpSession>> {
        let session = self.shard(id).write().expect("sessions lock").remove(id)?;
        self.taken.fetch_sub(1, Ordering::AcqRel);
        Some(session)
    }

    /// Closes `session` here; with `Reach::Everywhere`, also ends it for good (its
    /// events, and with shared stores its record and every other instance's copy).
    /// A local-only close of an unshared session is the same as ending it.
    pub(super) fn close(&self, session: &Arc<HttpSession>, reach: Reach) {
        self.close_with(session, reach, Record::Remove);
    }

    fn close_with(&self, session: &Arc<HttpSession>, reach: Reach, record: Record) {
        session.ended.store(true, Ordering::Release);
        session.closed.cancel();
        session.conn.cancel_all();
        session.streams.lock().expect("streams lock").clear();
        let everywhere = reach == Reach::Everywhere;
        match &self.shared {
            Some(_) if !everywhere => {}
            Some(shared) => {
                shared.cluster.publish(ClusterMessage::SessionClosed {
                    session: session.id.to_string(),
                });
                let backend = (record == Record::Remove).then(|| shared.backend.clone());
                let (events, id) = (self.events.clone(), session.id.clone());
                tokio::spawn(async move {
                    if let Some(backend) = backend {
                        if let Err(e) = backend.remove(&id).await {
                            tracing::warn!(error = %e, "could not end a shared session; it expires when idle");
                        }
                    }
                    events.remove_session(&id).await;
                });
            }
            None => {
                let (events, id) = (self.events.clone(), session.id.clone());
                tokio::spawn(async move { events.remove_session(&id).await });
            }
        }
    }

    /// How far eviction and expiry reach: with shared stores, only this copy.
    fn local_reach(&self) -> Reach {
        if self.shared.is_some() {
            Reach::Here
        } else {
            Reach::Everywhere
        }
    }

    /// Ends every session (shutdown; with shared stores they live on elsewhere).
    pub(super) fn close_all(&self) {
        for shard in &self.shards {
            let all: Vec<_> = shard.write().expect("sessions lock").drain().collect();
            self.taken.fetch_sub(all.len(), Ordering::AcqRel);
            for (_, session) in all {
                self.close(&session, self.local_reach());
            }
        }
    }

    /// Local sessions in use right now (requests or streams): with shared stores, the
    /// reaper marks them used in the backend so they neither expire nor get evicted.
    fn busy_ids(&self) -> Vec<Arc<str>> {
        self.shards
            .iter()
            .flat_map(|shard| {
                let map = shard.read().expect("sessions lock");
                map.values()
                    .filter(|s| s.busy.load(Ordering::Acquire) > 0)
                    .map(|s| s.id.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn expire_idle(&self) {
        let now = now_ns();
        let idle = self.idle.as_nanos().min(u64::MAX as u128) as u64;
        for shard in &self.shards {
            let expired: Vec<_> = {
                let mut map = shard.write().expect("sessions lock");
                let ids: Vec<_> = map
                    .iter()
                    .filter(|(_, s)| s.idle_for(now).is_some_and(|t| t >= idle))
                    .map(|(id, _)| id.clone())
                    .collect();
                ids.into_iter().filter_map(|id| map.remove(&id)).collect()
            };
            self.taken.fetch_sub(expired.len(), Ordering::AcqRel);
            for session in expired {
                tracing::debug!(session = %session.id, "session expired");
                self.close(&session, self.local_reach());
            }
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
                    if let Some(shared) = &store.shared {
                        let busy = store.busy_ids();
                        if let Err(e) = shared.backend.touch(&busy, store.idle).await {
                            tracing::warn!(error = %e, "could not keep busy sessions alive in the shared store");
                        }
                    }
                }
            });
        });
    }
}

enum Candidate {
    Evictable(Arc<HttpSession>),
    Later(Duration),
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
