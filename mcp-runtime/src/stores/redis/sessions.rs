//! Sessions on Redis: one hash per session (`{prefix}s:{id}`, expiring after the idle
//! timeout) and one sorted set of every live session by last use (`{prefix}s:`), which
//! the cluster-wide cap counts.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Script;

use super::{store_error, LUA_NOW};
use crate::dispatch::{SessionChange, SessionRecord};
use crate::error::Error;
use crate::stores::{Admitted, SessionBackend, SessionLimits};
use crate::transport::http::{SessionCapPolicy, StoreFuture};

/// [`SessionBackend`] on Redis.
#[derive(Clone)]
pub struct RedisSessions {
    conn: ConnectionManager,
    /// The sorted set's key; each session's hash is this plus its id.
    prefix: Arc<str>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    admit: Script,
    store: Script,
    load: Script,
    touch: Script,
    change: Script,
}

/// KEYS: the set. ARGV: id, max, idle ms, min idle ms (-1: refuse), hash prefix.
/// Returns {admitted, retry after ms, evicted id}.
const ADMIT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
local evicted = ''
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local idle = now - tonumber(oldest[2])
  local min_idle = tonumber(ARGV[4])
  if min_idle < 0 then
    return {0, math.max(tonumber(ARGV[3]) - idle, 1000), ''}
  end
  if idle < min_idle then
    return {0, math.max(min_idle - idle, 1000), ''}
  end
  redis.call('ZREM', KEYS[1], oldest[1])
  redis.call('DEL', ARGV[5] .. oldest[1])
  evicted = oldest[1]
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, 0, evicted}
";

/// KEYS: the hash. ARGV: idle ms, then field/value pairs.
const STORE: &str = r"
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
";

/// KEYS: the set, the hash. ARGV: idle ms, id. Returns the hash's fields, or nil.
const LOAD: &str = r"
local h = redis.call('HGETALL', KEYS[2])
if #h == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return false
end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[2])
return h
";

/// KEYS: the set, then the hashes. ARGV: idle ms, then the ids. Returns 1/0 per id.
const TOUCH: &str = r"
local out = {}
for i = 2, #KEYS do
  if redis.call('PEXPIRE', KEYS[i], ARGV[1]) == 1 then
    redis.call('ZADD', KEYS[1], now, ARGV[i])
    out[#out + 1] = 1
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
    out[#out + 1] = 0
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return out
";

/// KEYS: the hash. ARGV: op/value pairs (`set` field value, `del` field). Only while the
/// session exists: a change never resurrects an expired session.
const CHANGE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 1
while i <= #ARGV do
  if ARGV[i] == 'set' then
    redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  else
    redis.call('HDEL', KEYS[1], ARGV[i + 1])
    i = i + 2
  end
end
return 1
";

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_NOW}{body}"))
}

const SUB: &str = "sub:";

impl RedisSessions {
    pub(super) fn new(conn: ConnectionManager, prefix: Arc<str>) -> Self {
        RedisSessions {
            conn,
            prefix,
            scripts: Arc::new(Scripts {
                admit: script(ADMIT),
                store: script(STORE),
                load: script(LOAD),
                touch: script(TOUCH),
                change: script(CHANGE),
            }),
        }
    }

    fn hash(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }
}

fn millis(d: Duration) -> u64 {
    d.as_millis().clamp(1, u64::MAX as u128) as u64
}

/// The hash's fields: the fixed record as JSON, then what changes one field each.
fn fields(record: &SessionRecord) -> Result<Vec<(String, String)>, Error> {
    let fixed = SessionRecord {
        initialized: false,
        log_level: None,
        subscriptions: Vec::new(),
        ..record.clone()
    };
    let mut out = vec![("r".to_owned(), serde_json::to_string(&fixed)?)];
    if record.initialized {
        out.push(("init".into(), "1".into()));
    }
    if let Some(level) = record.log_level {
        out.push(("log".into(), serde_json::to_string(&level)?));
    }
    for uri in &record.subscriptions {
        out.push((format!("{SUB}{uri}"), "1".into()));
    }
    Ok(out)
}

fn parse(flat: Vec<String>) -> Result<Option<SessionRecord>, Error> {
    let mut record: Option<SessionRecord> = None;
    let mut initialized = false;
    let mut log_level = None;
    let mut subscriptions = Vec::new();
    let mut it = flat.into_iter();
    while let (Some(field), Some(value)) = (it.next(), it.next()) {
        match field.as_str() {
            "r" => record = Some(serde_json::from_str(&value)?),
            "init" => initialized = true,
            "log" => log_level = serde_json::from_str(&value).ok(),
            f => {
                if let Some(uri) = f.strip_prefix(SUB) {
                    subscriptions.push(uri.to_owned());
                }
            }
        }
    }
    Ok(record.map(|r| SessionRecord {
        initialized,
        log_level,
        subscriptions,
        ..r
    }))
}

impl SessionBackend for RedisSessions {
    fn admit<'a>(
        &'a self,
        id: &'a str,
        limits: &'a SessionLimits,
    ) -> StoreFuture<'a, Result<Admitted, Error>> {
        Box::pin(async move {
            let min_idle: i64 = match limits.policy {
                SessionCapPolicy::EvictIdle { min_idle } => {
                    millis(min_idle.min(limits.idle)) as i64
                }
                _ => -1,
            };
            let (ok, retry_ms, evicted): (i64, u64, String) = self
                .scripts
                .admit
                .key(&*self.prefix)
                .arg(id)
                .arg(limits.max_sessions.max(1))
                .arg(millis(limits.idle))
                .arg(min_idle)
                .arg(&*self.prefix)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(if ok == 1 {
                Admitted::Yes {
                    evicted: (!evicted.is_empty()).then_some(evicted),
                }
            } else {
                Admitted::Full {
                    retry_after: Duration::from_millis(retry_ms),
                }
            })
        })
    }

    fn store<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
        idle: Duration,
    ) -> StoreFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut call = self.scripts.store.key(self.hash(id));
            call.arg(millis(idle));
            for (field, value) in fields(record)? {
                call.arg(field).arg(value);
            }
            let _: i64 = call
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
        idle: Duration,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, Error>> {
        Box::pin(async move {
            let flat: Option<Vec<String>> = self
                .scripts
                .load
                .key(&*self.prefix)
                .key(self.hash(id))
                .arg(millis(idle))
                .arg(id)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            match flat {
                Some(flat) => parse(flat),
                None => Ok(None),
            }
        })
    }

    fn touch<'a>(
        &'a self,
        ids: &'a [Arc<str>],
        idle: Duration,
    ) -> StoreFuture<'a, Result<Vec<bool>, Error>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut call = self.scripts.touch.key(&*self.prefix);
            call.arg(millis(idle));
            for id in ids {
                call.key(self.hash(id)).arg(&**id);
            }
            let alive: Vec<i64> = call
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(alive.into_iter().map(|a| a == 1).collect())
        })
    }

    fn change<'a>(
        &'a self,
        id: &'a str,
        changes: &'a [SessionChange],
    ) -> StoreFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut call = self.scripts.change.key(self.hash(id));
            for change in changes {
                match change {
                    SessionChange::Initialized => {
                        call.arg("set").arg("init").arg("1");
                    }
                    SessionChange::LogLevel(level) => {
                        call.arg("set")
                            .arg("log")
                            .arg(serde_json::to_string(level)?);
                    }
                    SessionChange::Subscribe(uri) => {
                        call.arg("set").arg(format!("{SUB}{uri}")).arg("1");
                    }
                    SessionChange::Unsubscribe(uri) => {
                        call.arg("del").arg(format!("{SUB}{uri}"));
                    }
                }
            }
            let _: i64 = call
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let _: () = redis::pipe()
                .atomic()
                .del(self.hash(id))
                .ignore()
                .zrem(&*self.prefix, id)
                .ignore()
                .query_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }
}
