//! Tasks on Redis. Each record is JSON under `{prefix}{id}` (kept an hour past its
//! expiry, so `expire` can still find its owner); `{prefix}x` orders ids by expiry,
//! `{prefix}o:{owner}` lists an owner's tasks by creation, `{prefix}r` and
//! `{prefix}r:{owner}` hold the unfinished ones the limits count. Updates read the
//! record, apply [`TaskUpdate::apply`] (the rules live there, once) and write it back
//! only if nobody changed it meanwhile.

use std::sync::Arc;

use redis::aio::ConnectionManager;
use redis::Script;

use super::store_error;
use crate::error::Error;
use crate::tasks::{TaskLimits, TaskOwner, TaskPage, TaskRecord, TaskStore, TaskUpdate};
use crate::tool::BoxFuture;

/// [`TaskStore`] on Redis, shared by every instance.
#[derive(Clone)]
pub struct RedisTaskStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    create: Script,
    swap: Script,
    remove: Script,
}

/// How long a record outlives its expiry (for `expire` to clean the indexes up).
const GRACE_MS: u64 = 3_600_000;

/// Extends `key`'s expiry to at least `at` ms (a key without one gets it).
const EXTEND: &str = r"
local function extend(key, at, now)
  local ttl = redis.call('PTTL', key)
  if ttl < at - now then redis.call('PEXPIREAT', key, at) end
end
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

/// KEYS: record, by-expiry, owner's list, running, owner's running. ARGV: json, id,
/// keep-until ms, list member, max per owner, max, unfinished (1/0), expires at.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return -3 end
if ARGV[7] == '1' then
  if redis.call('SCARD', KEYS[5]) >= tonumber(ARGV[5]) then return -1 end
  if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[6]) then return -2 end
  redis.call('SADD', KEYS[4], ARGV[2])
  redis.call('SADD', KEYS[5], ARGV[2])
  extend(KEYS[4], tonumber(ARGV[3]), now)
  extend(KEYS[5], tonumber(ARGV[3]), now)
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
extend(KEYS[2], tonumber(ARGV[3]), now)
extend(KEYS[3], tonumber(ARGV[3]), now)
return 1
";

/// KEYS: record, running, owner's running. ARGV: expected json, new json, id, finished
/// now (1/0). Returns 1 when swapped, 0 when the record changed meanwhile, -1 when gone.
const SWAP: &str = r"
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
if ARGV[4] == '1' then
  redis.call('SREM', KEYS[2], ARGV[3])
  redis.call('SREM', KEYS[3], ARGV[3])
end
return 1
";

/// KEYS: record, by-expiry, owner's list, running, owner's running. ARGV: id, member.
const REMOVE: &str = r"
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
return 1
";

/// An owner's list orders members by text: fixed-width creation time, then the id.
fn member(created_at_ms: u64, id: &str) -> String {
    format!("{created_at_ms:016x}:{id}")
}

impl RedisTaskStore {
    pub(super) fn new(conn: ConnectionManager, prefix: Arc<str>) -> Self {
        RedisTaskStore {
            conn,
            prefix,
            scripts: Arc::new(Scripts {
                create: Script::new(&format!("{EXTEND}{CREATE}")),
                swap: Script::new(SWAP),
                remove: Script::new(REMOVE),
            }),
        }
    }

    fn record_key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    fn expiry_key(&self) -> String {
        format!("{}x", self.prefix)
    }

    fn owner_key(&self, owner: &TaskOwner) -> String {
        format!("{}o:{}", self.prefix, owner.as_str())
    }

    fn running_key(&self) -> String {
        format!("{}r", self.prefix)
    }

    fn owner_running_key(&self, owner: &TaskOwner) -> String {
        format!("{}r:{}", self.prefix, owner.as_str())
    }

    async fn read(&self, id: &str) -> Result<Option<(String, TaskRecord)>, Error> {
        let json: Option<String> = redis::cmd("GET")
            .arg(self.record_key(id))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(store_error)?;
        match json {
            Some(json) => {
                let record = serde_json::from_str(&json)?;
                Ok(Some((json, record)))
            }
            None => Ok(None),
        }
    }

    async fn remove(&self, record: &TaskRecord) -> Result<(), Error> {
        let _: i64 = self
            .scripts
            .remove
            .key(self.record_key(&record.id))
            .key(self.expiry_key())
            .key(self.owner_key(&record.owner))
            .key(self.running_key())
            .key(self.owner_running_key(&record.owner))
            .arg(&record.id)
            .arg(member(record.created_at_ms, &record.id))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

impl TaskStore for RedisTaskStore {
    fn create(&self, record: TaskRecord, limits: TaskLimits) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let json = serde_json::to_string(&record)?;
            let outcome: i64 = self
                .scripts
                .create
                .key(self.record_key(&record.id))
                .key(self.expiry_key())
                .key(self.owner_key(&record.owner))
                .key(self.running_key())
                .key(self.owner_running_key(&record.owner))
                .arg(json)
                .arg(&record.id)
                .arg(record.expires_at_ms().saturating_add(GRACE_MS))
                .arg(member(record.created_at_ms, &record.id))
                .arg(limits.max_running_per_owner)
                .arg(limits.max_running)
                .arg(if record.status.is_terminal() {
                    "0"
                } else {
                    "1"
                })
                .arg(record.expires_at_ms())
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            match outcome {
                1 => Ok(()),
                -1 => Err(crate::tasks::owner_limit_error(limits)),
                -2 => Err(crate::tasks::server_limit_error(limits)),
                _ => Err(Error::internal("task id collision")),
            }
        })
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        Box::pin(async move {
            let now = crate::tasks::time::now_ms();
            Ok(self
                .read(id)
                .await?
                .map(|(_, r)| r)
                .filter(|r| r.owner == *owner && r.expires_at_ms() > now))
        })
    }

    fn update<'a>(
        &'a self,
        id: &'a str,
        update: TaskUpdate,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        Box::pin(async move {
            // Optimistic: a concurrent writer makes the swap fail and this one retry.
            for _ in 0..64 {
                let Some((before, mut record)) = self.read(id).await? else {
                    return Ok(None);
                };
                let was_terminal = record.status.is_terminal();
                update
                    .clone()
                    .apply(&mut record, crate::tasks::time::now_ms());
                let after = serde_json::to_string(&record)?;
                if after == before {
                    return Ok(Some(record));
                }
                let finished = !was_terminal && record.status.is_terminal();
                let swapped: i64 = self
                    .scripts
                    .swap
                    .key(self.record_key(id))
                    .key(self.running_key())
                    .key(self.owner_running_key(&record.owner))
                    .arg(&before)
                    .arg(&after)
                    .arg(id)
                    .arg(if finished { "1" } else { "0" })
                    .invoke_async(&mut self.conn.clone())
                    .await
                    .map_err(store_error)?;
                match swapped {
                    1 => return Ok(Some(record)),
                    -1 => return Ok(None),
                    _ => tokio::task::yield_now().await,
                }
            }
            Err(Error::internal(
                "the task changed too often to update it; try again",
            ))
        })
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<TaskPage, Error>> {
        Box::pin(async move {
            let limit = limit.max(1);
            let mut from = match cursor {
                None => "-".to_owned(),
                Some(c) => {
                    let (created, id) = crate::tasks::parse_cursor(c)?;
                    format!("({}", member(created, id))
                }
            };
            let now = crate::tasks::time::now_ms();
            let mut tasks: Vec<TaskRecord> = Vec::new();
            loop {
                let batch = limit + 1 - tasks.len();
                let members: Vec<String> = redis::cmd("ZRANGE")
                    .arg(self.owner_key(owner))
                    .arg(&from)
                    .arg("+")
                    .arg("BYLEX")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(batch)
                    .query_async(&mut self.conn.clone())
                    .await
                    .map_err(store_error)?;
                if members.is_empty() {
                    break;
                }
                let keys: Vec<String> = members
                    .iter()
                    .filter_map(|m| m.split_once(':').map(|(_, id)| self.record_key(id)))
                    .collect();
                let records: Vec<Option<String>> = redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut self.conn.clone())
                    .await
                    .map_err(store_error)?;
                for json in records.into_iter().flatten() {
                    let record: TaskRecord = serde_json::from_str(&json)?;
                    if record.owner == *owner && record.expires_at_ms() > now {
                        tasks.push(record);
                    }
                }
                from = format!("({}", members.last().expect("not empty"));
                if tasks.len() > limit || members.len() < batch {
                    break;
                }
            }
            let next_cursor = if tasks.len() > limit {
                tasks.truncate(limit);
                let last = tasks.last().expect("a full page");
                Some(format!("{}:{}", last.created_at_ms, last.id))
            } else {
                None
            };
            Ok(TaskPage { tasks, next_cursor })
        })
    }

    fn expire(&self, now_ms: u64) -> BoxFuture<'_, Result<Vec<String>, Error>> {
        Box::pin(async move {
            let due: Vec<String> = redis::cmd("ZRANGE")
                .arg(self.expiry_key())
                .arg("-inf")
                .arg(now_ms)
                .arg("BYSCORE")
                .arg("LIMIT")
                .arg(0)
                .arg(1000)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            let mut gone = Vec::with_capacity(due.len());
            for id in due {
                match self.read(&id).await? {
                    Some((_, record)) => self.remove(&record).await?,
                    None => {
                        let _: () = redis::cmd("ZREM")
                            .arg(self.expiry_key())
                            .arg(&id)
                            .query_async(&mut self.conn.clone())
                            .await
                            .map_err(store_error)?;
                    }
                }
                gone.push(id);
            }
            Ok(gone)
        })
    }
}
