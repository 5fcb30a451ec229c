//! Where session-era SSE events are kept so a client that lost its connection can resume
//! with `Last-Event-ID` and receive exactly what it missed on that stream.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::error::Error;

/// A boxed future, so event stores can be used as trait objects.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Numbers a session's SSE streams: `0` is the standalone GET stream, each POST that
/// answers with SSE gets the next number.
pub type StreamId = u64;

/// Events stored on one stream after a given event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The stream the event id belongs to.
    pub stream: StreamId,
    /// `(event id, message)` pairs, oldest first, without priming events.
    pub events: Vec<(String, Bytes)>,
}

/// Storage of SSE events for resumption. The transport calls it in stream order, one
/// call at a time per stream.
pub trait EventStore: Send + Sync + 'static {
    /// Stores `message` as the next event of `stream` and returns its event id, unique
    /// within the session. An empty message is a priming event: it gets an id (so a
    /// client can resume after it) but is never replayed.
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: Bytes,
    ) -> StoreFuture<'a, Result<String, Error>>;

    /// The stream `last_event_id` belongs to and every event stored on that stream after
    /// it. `None` when the id is unknown, or when events after it are no longer stored
    /// (replaying the rest would silently lose messages).
    fn replay_after<'a>(
        &'a self,
        session: &'a str,
        last_event_id: &'a str,
    ) -> StoreFuture<'a, Result<Option<Replay>, Error>>;

    /// Forgets a session's events (it was deleted or expired).
    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()>;

    /// How often a stream's producer must renew its claim ([`claim_stream`]) for
    /// [`follow`] on other instances to trust it is alive; `None` (the default) for a
    /// store only one instance uses.
    ///
    /// [`claim_stream`]: Self::claim_stream
    /// [`follow`]: Self::follow
    fn stream_lease(&self) -> Option<std::time::Duration> {
        None
    }

    /// Claims `stream` (answering `request`, its JSON-RPC id as JSON) for this
    /// instance's producer, for [`stream_lease`](Self::stream_lease); called again to
    /// renew. If the claim lapses before [`end_stream`](Self::end_stream), followers end
    /// the stream with an error response for `request`: its producer died.
    fn claim_stream<'a>(
        &'a self,
        _session: &'a str,
        _stream: StreamId,
        _request: &'a str,
    ) -> StoreFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    /// The producer wrote the last event of `stream`.
    fn end_stream<'a>(&'a self, _session: &'a str, _stream: StreamId) -> StoreFuture<'a, ()> {
        Box::pin(async {})
    }

    /// Delivers the events of `stream` stored after `after` (an event id) as they are
    /// produced elsewhere, until the stream ends; `None` when this store cannot (only
    /// one instance uses it, so the producer is local or gone).
    fn follow(
        &self,
        _session: &str,
        _stream: StreamId,
        _after: &str,
    ) -> Option<tokio::sync::mpsc::Receiver<(String, Bytes)>> {
        None
    }
}

/// The default store: bounded ring buffers in memory, per session and overall. Event
/// ids are `{stream}-{sequence}`; the sequence counts per session. When a bound is hit
/// the oldest events go first; a client that needs an evicted event cannot resume.
#[derive(Debug)]
pub struct InMemoryEventStore {
    max_events: usize,
    max_bytes: usize,
    max_total_bytes: usize,
    inner: Mutex<Events>,
}

#[derive(Debug, Default)]
struct Events {
    sessions: HashMap<Arc<str>, SessionEvents>,
    /// Every stored event in append order, across sessions, for the overall bound.
    /// Entries of events already evicted per session (or of removed sessions) linger
    /// until popped or compacted; `stale` counts them.
    order: VecDeque<(Arc<str>, u64)>,
    stale: usize,
    total_bytes: usize,
}

#[derive(Debug, Default)]
struct SessionEvents {
    next_seq: u64,
    /// A contiguous run of sequence numbers: eviction only ever pops the front.
    events: VecDeque<Stored>,
    bytes: usize,
    /// Per stream, the highest sequence number evicted to respect the bounds.
    evicted: HashMap<StreamId, u64>,
}

#[derive(Debug)]
struct Stored {
    seq: u64,
    stream: StreamId,
    message: Bytes,
}

impl SessionEvents {
    fn pop_oldest(&mut self) -> Option<usize> {
        let old = self.events.pop_front()?;
        self.bytes -= old.message.len();
        self.evicted.insert(old.stream, old.seq);
        Some(old.message.len())
    }
}

impl Default for InMemoryEventStore {
    /// 1024 events and 4 MiB per session, 256 MiB in all.
    fn default() -> Self {
        Self::new(1024, 4 * 1024 * 1024).with_total_bytes(256 * 1024 * 1024)
    }
}

impl InMemoryEventStore {
    /// A store keeping, per session, at most `max_events` events and `max_bytes` bytes of
    /// messages (and 256 MiB over all sessions).
    pub fn new(max_events: usize, max_bytes: usize) -> Self {
        InMemoryEventStore {
            max_events: max_events.max(1),
            max_bytes,
            max_total_bytes: 256 * 1024 * 1024,
            inner: Mutex::default(),
        }
    }

    /// Bounds the bytes of messages kept over all sessions.
    pub fn with_total_bytes(mut self, max_total_bytes: usize) -> Self {
        self.max_total_bytes = max_total_bytes;
        self
    }

    fn append_now(&self, session: &str, stream: StreamId, message: Bytes) -> String {
        let mut guard = self.inner.lock().expect("event store lock");
        let inner = &mut *guard;
        let key: Arc<str> = match inner.sessions.get_key_value(session) {
            Some((k, _)) => k.clone(),
            None => session.into(),
        };
        let s = inner.sessions.entry(key.clone()).or_default();
        let seq = s.next_seq;
        s.next_seq += 1;
        s.bytes += message.len();
        inner.total_bytes += message.len();
        s.events.push_back(Stored {
            seq,
            stream,
            message,
        });
        inner.order.push_back((key, seq));
        while s.events.len() > self.max_events || (s.bytes > self.max_bytes && s.events.len() > 1) {
            let Some(len) = s.pop_oldest() else { break };
            inner.total_bytes -= len;
            inner.stale += 1;
        }
        while inner.total_bytes > self.max_total_bytes {
            let Some((sid, seq)) = inner.order.pop_front() else {
                break;
            };
            match inner.sessions.get_mut(&sid) {
                Some(s) if s.events.front().is_some_and(|e| e.seq == seq) => {
                    let len = s.pop_oldest().unwrap_or_default();
                    inner.total_bytes -= len;
                }
                _ => inner.stale -= 1,
            }
        }
        inner.compact();
        format!("{stream}-{seq}")
    }

    fn replay_now(&self, session: &str, last_event_id: &str) -> Option<Replay> {
        let (stream, seq) = last_event_id.split_once('-')?;
        let (stream, seq): (StreamId, u64) = (stream.parse().ok()?, seq.parse().ok()?);
        let inner = self.inner.lock().expect("event store lock");
        let s = inner.sessions.get(session)?;
        if seq >= s.next_seq || s.evicted.get(&stream).is_some_and(|&e| e > seq) {
            return None;
        }
        let events = s
            .events
            .iter()
            .filter(|e| e.stream == stream && e.seq > seq && !e.message.is_empty())
            .map(|e| (format!("{}-{}", e.stream, e.seq), e.message.clone()))
            .collect();
        Some(Replay { stream, events })
    }

    fn remove_now(&self, session: &str) {
        let mut inner = self.inner.lock().expect("event store lock");
        if let Some(s) = inner.sessions.remove(session) {
            inner.total_bytes -= s.bytes;
            inner.stale += s.events.len();
            inner.compact();
        }
    }
}

impl Events {
    /// Drops lingering order entries once they outnumber live ones.
    fn compact(&mut self) {
        if self.stale < 1024 || self.stale * 2 < self.order.len() {
            return;
        }
        let sessions = &self.sessions;
        self.order.retain(|(sid, seq)| {
            sessions
                .get(sid)
                .and_then(|s| s.events.front())
                .is_some_and(|front| front.seq <= *seq)
        });
        self.stale = 0;
    }
}

impl EventStore for InMemoryEventStore {
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: Bytes,
    ) -> StoreFuture<'a, Result<String, Error>> {
        let id = self.append_now(session, stream, message);
        Box::pin(async move { Ok(id) })
    }

    fn replay_after<'a>(
        &'a self,
        session: &'a str,
        last_event_id: &'a str,
    ) -> StoreFuture<'a, Result<Option<Replay>, Error>> {
        let replay = self.replay_now(session, last_event_id);
        Box::pin(async move { Ok(replay) })
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        self.remove_now(session);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> Bytes {
        Bytes::from(s.to_owned())
    }

    #[test]
    fn replays_only_later_events_of_the_same_stream() {
        let store = InMemoryEventStore::default();
        let prime = store.append_now("s", 1, Bytes::new());
        store.append_now("s", 2, msg("other"));
        let a = store.append_now("s", 1, msg("a"));
        store.append_now("s", 1, msg("b"));
        let r = store.replay_now("s", &prime).unwrap();
        assert_eq!(r.stream, 1);
        assert_eq!(
            r.events,
            vec![("1-2".to_owned(), msg("a")), ("1-3".to_owned(), msg("b"))]
        );
        let r = store.replay_now("s", &a).unwrap();
        assert_eq!(r.events, vec![("1-3".to_owned(), msg("b"))]);
        assert_eq!(store.replay_now("t", &a), None);
        assert_eq!(store.replay_now("s", "1-99"), None);
        assert_eq!(store.replay_now("s", "garbage"), None);
    }

    #[test]
    fn refuses_to_replay_across_an_eviction_gap() {
        let store = InMemoryEventStore::new(2, usize::MAX);
        let first = store.append_now("s", 1, msg("a"));
        store.append_now("s", 1, msg("b"));
        store.append_now("s", 1, msg("c")); // evicts "a"
        store.append_now("s", 1, msg("d")); // evicts "b", which `first` still needs
        assert_eq!(store.replay_now("s", &first), None);
        let r = store.replay_now("s", "1-1").unwrap();
        assert_eq!(
            r.events,
            vec![("1-2".to_owned(), msg("c")), ("1-3".to_owned(), msg("d"))]
        );
    }

    #[test]
    fn the_overall_bound_evicts_the_oldest_events_of_any_session() {
        let store = InMemoryEventStore::new(100, usize::MAX).with_total_bytes(4);
        let a = store.append_now("a", 1, msg("aa"));
        store.append_now("b", 1, msg("bb"));
        assert!(store.replay_now("a", &a).is_some());
        store.append_now("b", 1, msg("cc")); // 6 bytes: evicts a's event
        let b = store.replay_now("b", "1-0").unwrap();
        assert_eq!(b.events, vec![("1-1".to_owned(), msg("cc"))]);
        assert_eq!(store.replay_now("a", "1-0").unwrap().events, vec![]);
        store.remove_now("b");
        let inner = store.inner.lock().unwrap();
        assert_eq!(inner.total_bytes, 0);
        assert!(!inner.sessions.contains_key("b"));
    }
}
