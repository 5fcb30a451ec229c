//! Resumable SSE events on Redis: one Redis stream per session (`{prefix}e:{id}`, entry
//! ids `0-{seq+1}`), trimmed to a bound, with a TTL refreshed on every append.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::aio::ConnectionManager;
use redis::Script;

use super::store_error;
use crate::error::Error;
use crate::transport::http::{EventStore, Replay, StoreFuture, StreamId};

/// [`EventStore`] on Redis: event ids are `{stream}-{seq}` like the in-memory store's,
/// with the sequence counted in Redis, so any instance can resume any stream.
#[derive(Clone)]
pub struct RedisEventStore {
    #[allow(dead_code)] // dedicated connections for followers
    client: redis::Client,
    conn: ConnectionManager,
    prefix: Arc<str>,
    ttl: Duration,
    max_events: usize,
    #[allow(dead_code)]
    lease: Duration,
    scripts: Arc<Scripts>,
}

struct Scripts {
    append: Script,
    replay: Script,
}

/// KEYS: counter, stream, evicted-per-stream hash. ARGV: stream, message, max, ttl ms.
/// Returns the event's sequence number.
const APPEND: &str = r"
local seq = redis.call('INCR', KEYS[1]) - 1
redis.call('XADD', KEYS[2], '0-' .. (seq + 1), 's', ARGV[1], 'm', ARGV[2])
local over = redis.call('XLEN', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  for _, e in ipairs(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', over)) do
    redis.call('HSET', KEYS[3], e[2][2], tonumber(string.sub(e[1], 3)) - 1)
  end
  redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[3])
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return seq
";

/// KEYS: counter, stream, evicted hash. ARGV: stream, seq. Returns nil when the id is
/// unknown or events after it were evicted; else seq/message pairs of the stream.
const REPLAY: &str = r"
local next = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[2])
if seq >= next then return false end
local evicted = redis.call('HGET', KEYS[3], ARGV[1])
if evicted and tonumber(evicted) > seq then return false end
local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[2], '(0-' .. (seq + 1), '+')) do
  if e[2][2] == ARGV[1] then
    out[#out + 1] = tostring(tonumber(string.sub(e[1], 3)) - 1)
    out[#out + 1] = e[2][4]
  end
end
return out
";

impl RedisEventStore {
    pub(super) fn new(
        client: redis::Client,
        conn: ConnectionManager,
        prefix: Arc<str>,
        ttl: Duration,
        max_events: usize,
        lease: Duration,
    ) -> Self {
        RedisEventStore {
            client,
            conn,
            prefix,
            ttl,
            max_events,
            lease,
            scripts: Arc::new(Scripts {
                append: Script::new(APPEND),
                replay: Script::new(REPLAY),
            }),
        }
    }

    fn keys(&self, session: &str) -> [String; 3] {
        let stream = format!("{}{session}", self.prefix);
        [format!("{stream}:n"), stream.clone(), format!("{stream}:x")]
    }
}

/// `{stream}-{seq}`.
fn parse_id(id: &str) -> Option<(StreamId, u64)> {
    let (stream, seq) = id.split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

impl EventStore for RedisEventStore {
    fn append<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        message: Bytes,
    ) -> StoreFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let [n, s, x] = self.keys(session);
            let seq: u64 = self
                .scripts
                .append
                .key(n)
                .key(s)
                .key(x)
                .arg(stream)
                .arg(&message[..])
                .arg(self.max_events)
                .arg(self.ttl.as_millis().max(1) as u64)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(format!("{stream}-{seq}"))
        })
    }

    fn replay_after<'a>(
        &'a self,
        session: &'a str,
        last_event_id: &'a str,
    ) -> StoreFuture<'a, Result<Option<Replay>, Error>> {
        Box::pin(async move {
            let Some((stream, seq)) = parse_id(last_event_id) else {
                return Ok(None);
            };
            let [n, s, x] = self.keys(session);
            let flat: Option<Vec<Vec<u8>>> = self
                .scripts
                .replay
                .key(n)
                .key(s)
                .key(x)
                .arg(stream)
                .arg(seq)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            let Some(flat) = flat else { return Ok(None) };
            let mut events = Vec::with_capacity(flat.len() / 2);
            let mut it = flat.into_iter();
            while let (Some(seq), Some(message)) = (it.next(), it.next()) {
                if message.is_empty() {
                    continue; // priming events are never replayed
                }
                let seq = String::from_utf8_lossy(&seq);
                events.push((format!("{stream}-{seq}"), Bytes::from(message)));
            }
            Ok(Some(Replay { stream, events }))
        })
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let keys = self.keys(session);
            let removed: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(&keys[..])
                .query_async(&mut self.conn.clone())
                .await;
            if let Err(e) = removed {
                // They expire anyway.
                tracing::debug!(error = %super::describe(&e), "could not delete a session's events");
            }
        })
    }
}
