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
    /// Followers block on `XREAD`: each gets a connection of its own.
    client: redis::Client,
    conn: ConnectionManager,
    prefix: Arc<str>,
    ttl: Duration,
    max_events: usize,
    lease: Duration,
    scripts: Arc<Scripts>,
}

struct Scripts {
    append: Script,
    replay: Script,
    claim: Script,
    end: Script,
    settle: Script,
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

/// KEYS: lease, requests hash. ARGV: stream, request id JSON, lease ms, ttl ms.
const CLAIM: &str = r"
redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
";

/// KEYS: lease, finished hash. ARGV: stream, ttl ms.
const END: &str = r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
";

/// KEYS: counter, stream, lease, finished hash, requests hash. ARGV: stream, ttl ms,
/// the error response's tail. Returns 1 once the stream is finished: ended by its
/// producer, or (its lease lapsed) ended here with an error response for its request.
const SETTLE: &str = r#"
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local request = redis.call('HGET', KEYS[5], ARGV[1])
if request then
  local seq = redis.call('INCR', KEYS[1]) - 1
  local message = '{"jsonrpc":"2.0","id":' .. request .. ARGV[3]
  redis.call('XADD', KEYS[2], '0-' .. (seq + 1), 's', ARGV[1], 'm', message)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
redis.call('HSET', KEYS[4], ARGV[1], '1')
redis.call('PEXPIRE', KEYS[4], ARGV[2])
return 1
"#;

/// What a client resuming a stream whose producer died gets for its request.
const LOST: &str = r#","error":{"code":-32603,"message":"The server instance handling this request stopped before answering; the request was lost"}}"#;

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
                claim: Script::new(CLAIM),
                end: Script::new(END),
                settle: Script::new(SETTLE),
            }),
        }
    }

    fn ttl_ms(&self) -> u64 {
        self.ttl.as_millis().max(1) as u64
    }

    /// Lease, finished-streams hash and requests hash of a session.
    fn stream_keys(&self, session: &str, stream: StreamId) -> [String; 3] {
        let base = format!("{}{session}", self.prefix);
        [
            format!("{base}:l:{stream}"),
            format!("{base}:f"),
            format!("{base}:r"),
        ]
    }

    async fn follow_into(
        self,
        session: String,
        stream: StreamId,
        mut last: u64,
        tx: tokio::sync::mpsc::Sender<(String, Bytes)>,
    ) {
        // `XREAD BLOCK` waits up to 500 ms: longer than the default response timeout.
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let connected = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await;
        let mut conn = match connected {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %super::describe(&e), "cannot follow a stream: Redis unreachable");
                return;
            }
        };
        let [n, s, _] = self.keys(&session);
        let [lease, finished, requests] = self.stream_keys(&session, stream);
        let wanted = stream.to_string();
        let mut settled = false;
        loop {
            let mut read = redis::cmd("XREAD");
            if !settled {
                read.arg("BLOCK").arg(500);
            }
            read.arg("COUNT")
                .arg(256)
                .arg("STREAMS")
                .arg(&s)
                .arg(format!("0-{}", last + 1));
            type Entries = Vec<(String, Vec<(String, Vec<Vec<u8>>)>)>;
            let got: Option<Entries> = tokio::select! {
                r = read.query_async(&mut conn) => match r {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %super::describe(&e), "following a stream failed");
                        return;
                    }
                },
                _ = tx.closed() => return,
            };
            let entries = got
                .into_iter()
                .flatten()
                .flat_map(|(_, entries)| entries)
                .collect::<Vec<_>>();
            let empty = entries.is_empty();
            for (id, fields) in entries {
                let Some(seq) = id
                    .strip_prefix("0-")
                    .and_then(|n| n.parse::<u64>().ok())
                    .map(|n| n - 1)
                else {
                    continue;
                };
                last = seq;
                let (Some(s), Some(m)) = (fields.get(1), fields.get(3)) else {
                    continue;
                };
                if s[..] != *wanted.as_bytes() || m.is_empty() {
                    continue;
                }
                let event = (format!("{stream}-{seq}"), Bytes::from(m.clone()));
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            if settled && empty {
                return; // finished, and everything before the end was read
            }
            if !settled {
                let done: redis::RedisResult<i64> = self
                    .scripts
                    .settle
                    .key(&n)
                    .key(&s)
                    .key(&lease)
                    .key(&finished)
                    .key(&requests)
                    .arg(stream)
                    .arg(self.ttl_ms())
                    .arg(LOST)
                    .invoke_async(&mut conn)
                    .await;
                match done {
                    Ok(1) => settled = true,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %super::describe(&e), "following a stream failed");
                        return;
                    }
                }
            }
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

    fn stream_lease(&self) -> Option<Duration> {
        Some(self.lease)
    }

    fn claim_stream<'a>(
        &'a self,
        session: &'a str,
        stream: StreamId,
        request: &'a str,
    ) -> StoreFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let [lease, _, requests] = self.stream_keys(session, stream);
            let _: i64 = self
                .scripts
                .claim
                .key(lease)
                .key(requests)
                .arg(stream)
                .arg(request)
                .arg(self.lease.as_millis().max(1) as u64)
                .arg(self.ttl_ms())
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn end_stream<'a>(&'a self, session: &'a str, stream: StreamId) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let [lease, finished, _] = self.stream_keys(session, stream);
            let ended: redis::RedisResult<i64> = self
                .scripts
                .end
                .key(lease)
                .key(finished)
                .arg(stream)
                .arg(self.ttl_ms())
                .invoke_async(&mut self.conn.clone())
                .await;
            if let Err(e) = ended {
                tracing::warn!(error = %super::describe(&e), "could not mark a stream finished; followers end it when its lease lapses");
            }
        })
    }

    fn follow(
        &self,
        session: &str,
        stream: StreamId,
        after: &str,
    ) -> Option<tokio::sync::mpsc::Receiver<(String, Bytes)>> {
        let (_, last) = parse_id(after)?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(
            self.clone()
                .follow_into(session.to_owned(), stream, last, tx),
        );
        Some(rx)
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut keys = self.keys(session).to_vec();
            let base = format!("{}{session}", self.prefix);
            keys.push(format!("{base}:f"));
            keys.push(format!("{base}:r"));
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
