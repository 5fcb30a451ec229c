//! Where tasks live: the [`TaskStore`] trait and the bounded in-memory default.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use super::record::{TaskOwner, TaskRecord, TaskStatus, TaskUpdate};
use super::time::now_ms;
use crate::error::{Error, ErrorKind};
use crate::tool::BoxFuture;

/// Limits a store enforces atomically when it creates a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskLimits {
    /// Unfinished tasks one owner may have.
    pub max_running_per_owner: usize,
    /// Unfinished tasks overall.
    pub max_running: usize,
}

/// A page of [`TaskStore::list`].
#[derive(Debug, Clone)]
pub struct TaskPage {
    /// Tasks, oldest first.
    pub tasks: Vec<TaskRecord>,
    /// Cursor of the next page (opaque, store-defined).
    pub next_cursor: Option<String>,
}

/// Storage of tasks, shared by every instance that serves them.
///
/// Records are plain data ([`TaskRecord`] is `Serialize`); the running handler stays in
/// the process that runs it and talks to the store only through these calls, so a
/// store may live in another process (e.g. Redis). The contract, checked for any
/// implementation by [`check_task_store`]:
///
/// * `create` is durable when it returns: a `get` from any instance then finds the task.
///   It fails with an [`ErrorKind::InvalidRequest`] error naming the limit when the owner
///   or the whole store has too many unfinished tasks.
/// * `get` and `list` return only the owner's tasks and never expired ones (past
///   `created_at_ms + ttl_ms`).
/// * `update` applies one [`TaskUpdate`] atomically ([`TaskUpdate::apply`] has the
///   rules): a terminal task never changes status again.
/// * `expire` deletes expired tasks and returns their ids.
///
/// How several instances share one store: the instance running a task renews the task's
/// [`Lease`](super::Lease) every third of `TaskConfig::lease`; an instance that finds a
/// running task whose lease lapsed fails it ("the server instance running this task
/// stopped"). `tasks/update` on any instance stores the answers (`input_responses`) and
/// the running instance picks them up (woken at once locally, by polling every
/// `pollInterval` otherwise); `tasks/cancel` on any instance records `cancelled` and the
/// running instance stops the handler at its next lease renewal. Session-era
/// `tasks/result` delivers a task's questions only on the instance running it.
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task.
    fn create(&self, record: TaskRecord, limits: TaskLimits) -> BoxFuture<'_, Result<(), Error>>;

    /// The task `id` if it exists, belongs to `owner` and has not expired.
    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>>;

    /// Applies `update` to task `id` and returns the task as it is afterwards (`None`
    /// when it does not exist).
    fn update<'a>(
        &'a self,
        id: &'a str,
        update: TaskUpdate,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>>;

    /// The owner's tasks, oldest first, at most `limit`, after `cursor` (from a previous
    /// page). An unknown cursor is an [`ErrorKind::InvalidParams`] error.
    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<TaskPage, Error>>;

    /// Deletes tasks expired at `now_ms` and returns their ids.
    fn expire(&self, now_ms: u64) -> BoxFuture<'_, Result<Vec<String>, Error>>;
}

impl<T: TaskStore + ?Sized> TaskStore for std::sync::Arc<T> {
    fn create(&self, record: TaskRecord, limits: TaskLimits) -> BoxFuture<'_, Result<(), Error>> {
        (**self).create(record, limits)
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        (**self).get(owner, id)
    }

    fn update<'a>(
        &'a self,
        id: &'a str,
        update: TaskUpdate,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        (**self).update(id, update)
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<TaskPage, Error>> {
        (**self).list(owner, cursor, limit)
    }

    fn expire(&self, now_ms: u64) -> BoxFuture<'_, Result<Vec<String>, Error>> {
        (**self).expire(now_ms)
    }
}

/// The default store: tasks in memory, at most `capacity` of them. When full, the
/// oldest finished task makes room; when every stored task is still running, `create`
/// fails. Expired tasks are removed by [`TaskStore::expire`] (the server calls it every
/// second while it has tasks).
#[derive(Debug)]
pub struct InMemoryTaskStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    tasks: HashMap<String, TaskRecord>,
    /// `(expires_at_ms, id)`.
    by_expiry: BTreeSet<(u64, String)>,
    /// `(owner, created_at_ms, id)`: listing order and cursors.
    by_owner: BTreeSet<(TaskOwner, u64, String)>,
    /// Finished tasks, oldest finish first: eviction order.
    finished: BTreeSet<(u64, String)>,
    running: usize,
    running_by_owner: HashMap<TaskOwner, usize>,
}

impl Default for InMemoryTaskStore {
    fn default() -> Self {
        Self::new(10_000)
    }
}

impl InMemoryTaskStore {
    /// A store holding at most `capacity` tasks.
    pub fn new(capacity: usize) -> Self {
        InMemoryTaskStore {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Tasks stored now.
    pub fn len(&self) -> usize {
        self.inner.lock().expect("task store lock").tasks.len()
    }

    /// True when no task is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn remove(&mut self, id: &str) -> Option<TaskRecord> {
        let r = self.tasks.remove(id)?;
        self.by_expiry.remove(&(r.expires_at_ms(), r.id.clone()));
        self.by_owner
            .remove(&(r.owner.clone(), r.created_at_ms, r.id.clone()));
        if r.status.is_terminal() {
            self.finished.remove(&(r.updated_at_ms, r.id.clone()));
        } else {
            self.finish_running(&r.owner);
        }
        Some(r)
    }

    fn finish_running(&mut self, owner: &TaskOwner) {
        self.running = self.running.saturating_sub(1);
        if let Some(n) = self.running_by_owner.get_mut(owner) {
            *n -= 1;
            if *n == 0 {
                self.running_by_owner.remove(owner);
            }
        }
    }
}

/// The error for a task beyond `max_running_per_owner` (every store says the same).
pub(crate) fn owner_limit_error(limits: TaskLimits) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "Too many tasks in progress: at most {} unfinished tasks per client; wait for one to finish or cancel one",
            limits.max_running_per_owner
        ),
    )
}

/// The error for a task beyond `max_running`.
pub(crate) fn server_limit_error(limits: TaskLimits) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "Too many tasks in progress on this server (at most {}); try again later",
            limits.max_running
        ),
    )
}

/// A list cursor, `{created_at_ms}:{id}` (the stores' shared format).
pub(crate) fn parse_cursor(cursor: &str) -> Result<(u64, &str), Error> {
    cursor
        .split_once(':')
        .and_then(|(t, id)| Some((t.parse::<u64>().ok()?, id)))
        .ok_or_else(|| Error::invalid_params("Invalid cursor"))
}

fn limit_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

impl TaskStore for InMemoryTaskStore {
    fn create(&self, record: TaskRecord, limits: TaskLimits) -> BoxFuture<'_, Result<(), Error>> {
        let outcome = (|| {
            let mut inner = self.inner.lock().expect("task store lock");
            if inner.tasks.contains_key(&record.id) {
                return Err(Error::internal("task id collision"));
            }
            let mine = inner
                .running_by_owner
                .get(&record.owner)
                .copied()
                .unwrap_or(0);
            if mine >= limits.max_running_per_owner {
                return Err(owner_limit_error(limits));
            }
            if inner.running >= limits.max_running {
                return Err(server_limit_error(limits));
            }
            if inner.tasks.len() >= self.capacity {
                let oldest = inner.finished.iter().next().map(|(_, id)| id.clone());
                match oldest {
                    Some(id) => {
                        inner.remove(&id);
                    }
                    None => {
                        return Err(limit_error(format!(
                            "Too many tasks stored on this server (at most {}); try again later",
                            self.capacity
                        )))
                    }
                }
            }
            inner
                .by_expiry
                .insert((record.expires_at_ms(), record.id.clone()));
            inner.by_owner.insert((
                record.owner.clone(),
                record.created_at_ms,
                record.id.clone(),
            ));
            if record.status.is_terminal() {
                inner
                    .finished
                    .insert((record.updated_at_ms, record.id.clone()));
            } else {
                inner.running += 1;
                *inner
                    .running_by_owner
                    .entry(record.owner.clone())
                    .or_default() += 1;
            }
            inner.tasks.insert(record.id.clone(), record);
            Ok(())
        })();
        Box::pin(std::future::ready(outcome))
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        let now = now_ms();
        let inner = self.inner.lock().expect("task store lock");
        let found = inner
            .tasks
            .get(id)
            .filter(|r| r.owner == *owner && r.expires_at_ms() > now)
            .cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn update<'a>(
        &'a self,
        id: &'a str,
        update: TaskUpdate,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, Error>> {
        let now = now_ms();
        let mut inner = self.inner.lock().expect("task store lock");
        let Some(record) = inner.tasks.get_mut(id) else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        let was_terminal = record.status.is_terminal();
        update.apply(record, now);
        let after = record.clone();
        if !was_terminal && after.status.is_terminal() {
            inner
                .finished
                .insert((after.updated_at_ms, after.id.clone()));
            inner.finish_running(&after.owner);
        }
        Box::pin(std::future::ready(Ok(Some(after))))
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<TaskPage, Error>> {
        let outcome = (|| {
            let now = now_ms();
            let inner = self.inner.lock().expect("task store lock");
            let start = match cursor {
                None => (owner.clone(), 0, String::new()),
                Some(c) => {
                    let (created, id) = parse_cursor(c)?;
                    (owner.clone(), created, format!("{id}\u{0}"))
                }
            };
            let mut tasks = Vec::new();
            let mut next_cursor = None;
            for (o, created, id) in inner.by_owner.range(start..) {
                if o != owner {
                    break;
                }
                let Some(r) = inner.tasks.get(id).filter(|r| r.expires_at_ms() > now) else {
                    continue;
                };
                if tasks.len() == limit.max(1) {
                    let last: &TaskRecord = tasks.last().expect("a full page");
                    next_cursor = Some(format!("{}:{}", last.created_at_ms, last.id));
                    break;
                }
                debug_assert_eq!(*created, r.created_at_ms);
                tasks.push(r.clone());
            }
            Ok(TaskPage { tasks, next_cursor })
        })();
        Box::pin(std::future::ready(outcome))
    }

    fn expire(&self, now_ms: u64) -> BoxFuture<'_, Result<Vec<String>, Error>> {
        let mut inner = self.inner.lock().expect("task store lock");
        let due: Vec<String> = inner
            .by_expiry
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .map(|(_, id)| id.clone())
            .collect();
        for id in &due {
            inner.remove(id);
        }
        Box::pin(std::future::ready(Ok(due)))
    }
}

/// Checks that a store keeps the [`TaskStore`] contract; panics naming the first rule it
/// breaks. Run it against every implementation (the in-memory store's tests do):
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// mcp_runtime::tasks::check_task_store(&mcp_runtime::tasks::InMemoryTaskStore::new(100)).await;
/// # }
/// ```
pub async fn check_task_store(store: &dyn TaskStore) {
    use serde_json::json;
    let now = now_ms();
    let owner = TaskOwner::custom(&format!("contract-{}", super::new_task_id()));
    let other = TaskOwner::custom(&format!("contract-other-{}", super::new_task_id()));
    let record = |owner: &TaskOwner, created: u64| working(&super::new_task_id(), owner, created);
    let limits = TaskLimits {
        max_running_per_owner: 2,
        max_running: 1_000,
    };
    let a = record(&owner, now);
    store.create(a.clone(), limits).await.expect("create");
    let got = store.get(&owner, &a.id).await.expect("get");
    assert!(got.is_some(), "create is durable: get finds the task");
    assert!(
        store.get(&other, &a.id).await.expect("get").is_none(),
        "another owner does not see the task"
    );
    // Limits.
    let b = record(&owner, now + 1);
    store.create(b.clone(), limits).await.expect("second task");
    let err = store
        .create(record(&owner, now + 2), limits)
        .await
        .expect_err("a third unfinished task exceeds max_running_per_owner = 2");
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "limit errors");
    store
        .create(record(&other, now), limits)
        .await
        .expect("other owners are counted separately");
    // Inputs.
    let r = store
        .update(
            &a.id,
            TaskUpdate::AskInput {
                key: "k1".into(),
                request: json!({"method": "elicitation/create", "params": {}}),
            },
        )
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(
        r.status,
        TaskStatus::InputRequired,
        "asking moves to input_required"
    );
    let mut answers = serde_json::Map::new();
    answers.insert("k1".into(), json!({"action": "accept"}));
    answers.insert("unknown".into(), json!({}));
    let r = store
        .update(&a.id, TaskUpdate::Respond(answers))
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(
        r.status,
        TaskStatus::Working,
        "answering every input resumes"
    );
    assert!(r.input_requests.is_empty() && r.input_responses.contains_key("k1"));
    assert!(
        !r.input_responses.contains_key("unknown"),
        "unknown keys ignored"
    );
    // Terminal states stick.
    let done = store
        .update(
            &a.id,
            TaskUpdate::Finish {
                status: TaskStatus::Cancelled,
                message: Some("cancelled".into()),
                result: None,
                error: None,
            },
        )
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(done.status, TaskStatus::Cancelled);
    let after = store
        .update(&a.id, TaskUpdate::Status(TaskStatus::Working))
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(
        after.status,
        TaskStatus::Cancelled,
        "a terminal task never changes"
    );
    store
        .create(record(&owner, now + 3), limits)
        .await
        .expect("a finished task frees its slot");
    // Listing.
    let page = store.list(&owner, None, 2).await.expect("list");
    assert_eq!(page.tasks.len(), 2, "pages hold at most `limit` tasks");
    assert_eq!(page.tasks[0].id, a.id, "oldest first");
    let cursor = page.next_cursor.expect("a next page");
    let rest = store.list(&owner, Some(&cursor), 2).await.expect("list");
    assert_eq!(rest.tasks.len(), 1, "the next page continues");
    assert!(rest.next_cursor.is_none(), "the last page has no cursor");
    assert!(
        rest.tasks.iter().all(|t| t.owner == owner),
        "lists hold only the owner's tasks"
    );
    assert!(
        store.list(&owner, Some("garbage"), 2).await.is_err(),
        "bad cursors fail"
    );
    // Expiry.
    let gone = store.expire(now + 120_000).await.expect("expire");
    assert!(
        gone.contains(&a.id) && gone.contains(&b.id),
        "expire deletes expired tasks"
    );
    assert!(store.get(&owner, &b.id).await.expect("get").is_none());
    assert!(store
        .update(&b.id, TaskUpdate::Message(None))
        .await
        .expect("update")
        .is_none());
}

/// A new `working` task record that lives a minute.
fn working(id: &str, owner: &TaskOwner, created: u64) -> TaskRecord {
    TaskRecord {
        id: id.into(),
        owner: owner.clone(),
        api: super::TaskApi::Extension,
        method: "tools/call".into(),
        target: "contract".into(),
        status: TaskStatus::Working,
        status_message: None,
        created_at_ms: created,
        updated_at_ms: created,
        ttl_ms: 60_000,
        poll_interval_ms: 100,
        input_requests: Default::default(),
        input_responses: Default::default(),
        result: None,
        error: None,
        lease: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_store_keeps_the_contract() {
        check_task_store(&InMemoryTaskStore::new(100)).await;
    }

    #[tokio::test]
    async fn full_store_evicts_finished_tasks_first() {
        let store = InMemoryTaskStore::new(2);
        let limits = TaskLimits {
            max_running_per_owner: 10,
            max_running: 10,
        };
        let owner = TaskOwner::unbound();
        let mk = |id: &str| working(id, &owner, now_ms());
        store.create(mk("a"), limits).await.unwrap();
        store.create(mk("b"), limits).await.unwrap();
        let err = store.create(mk("c"), limits).await.unwrap_err();
        assert!(err.message().contains("at most 2"), "{err}");
        let finish = TaskUpdate::Finish {
            status: TaskStatus::Completed,
            message: None,
            result: None,
            error: None,
        };
        store.update("a", finish).await.unwrap();
        store.create(mk("c"), limits).await.unwrap();
        assert!(store.get(&owner, "a").await.unwrap().is_none(), "evicted");
        assert_eq!(store.len(), 2);
    }
}
