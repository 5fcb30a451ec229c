//! The server's task machinery: creating tasks in the store, running their handlers on
//! their own tokio tasks, recording how they end, cancelling them, expiring them and
//! shutting them down. What lives only in this process (cancellation tokens, wake-ups,
//! queued session-era requests) is kept per running task in a [`TaskRun`]; everything a
//! client can observe is in the store.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::value::RawValue;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::record::{Lease, TaskApi, TaskOwner, TaskRecord, TaskStatus, TaskUpdate};
use super::time::now_ms;
use super::{wire, TaskConfig};
use crate::dispatch::Outbound;
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::protocol::{encode, jsonrpc, CallToolResult, Era, ErrorObject};
use crate::tool::ToolOutcome;

/// How often expired tasks are swept while any exist.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct TaskManager {
    pub(crate) config: TaskConfig,
    runs: Mutex<HashMap<String, Arc<TaskRun>>>,
    /// This process, as a lease holder.
    instance: String,
    tracker: TaskTracker,
    closing: AtomicBool,
    sweeping: AtomicBool,
    me: Weak<TaskManager>,
}

/// The in-process side of a task this instance runs.
pub(crate) struct TaskRun {
    pub(crate) id: String,
    pub(crate) api: TaskApi,
    pub(crate) cancel: CancellationToken,
    /// Woken on every change a waiter may care about (status, questions, answers).
    pub(crate) changed: Notify,
    /// Session era: where `notifications/tasks/status` go (the session's stream).
    status_to: Option<Outbound>,
    /// Set when the server's shutdown, not the client, stops the task.
    shutting_down: AtomicBool,
    next_key: AtomicU32,
}

impl TaskRun {
    /// The next automatic input key of this task: `<kind>_<n>`.
    pub(crate) fn auto_key(&self, kind: &str) -> String {
        format!(
            "{kind}_{}",
            self.next_key.fetch_add(1, Ordering::Relaxed) + 1
        )
    }
}

impl TaskManager {
    pub(crate) fn new(config: TaskConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| TaskManager {
            config,
            runs: Mutex::default(),
            instance: format!("instance-{}", super::new_task_id()),
            tracker: TaskTracker::new(),
            closing: AtomicBool::new(false),
            sweeping: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    pub(crate) fn store(&self) -> &dyn super::TaskStore {
        &*self.config.store
    }

    /// The TTL granted for a requested one (milliseconds).
    pub(crate) fn ttl_ms(&self, requested: Option<u64>) -> u64 {
        let max = self.config.max_ttl.as_millis() as u64;
        requested
            .unwrap_or(self.config.default_ttl.as_millis() as u64)
            .clamp(1, max.max(1))
    }

    /// Stores a new task (durably: a `tasks/get` finds it once this returns) and
    /// registers its in-process side.
    pub(crate) async fn create(
        &self,
        ctx: &Context,
        api: TaskApi,
        target: &str,
        ttl_ms: u64,
        cancel: CancellationToken,
    ) -> Result<(Arc<TaskRun>, TaskRecord), Error> {
        if self.closing.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "The server is shutting down and accepts no new tasks",
            ));
        }
        let now = now_ms();
        let record = TaskRecord {
            id: super::new_task_id(),
            owner: super::owner_of(ctx),
            api,
            method: "tools/call".into(),
            target: target.into(),
            status: TaskStatus::Working,
            status_message: None,
            created_at_ms: now,
            updated_at_ms: now,
            ttl_ms,
            poll_interval_ms: self.config.poll_interval.as_millis().max(1) as u64,
            input_requests: Default::default(),
            input_responses: Default::default(),
            result: None,
            error: None,
            lease: Some(self.lease(now)),
        };
        self.store()
            .create(record.clone(), self.config.limits())
            .await?;
        let status_to = match api {
            TaskApi::Core => ctx.scope.conn().map(|c| c.out.clone()),
            TaskApi::Extension => None,
        };
        let run = Arc::new(TaskRun {
            id: record.id.clone(),
            api,
            cancel,
            changed: Notify::new(),
            status_to,
            shutting_down: AtomicBool::new(false),
            next_key: AtomicU32::new(0),
        });
        self.runs
            .lock()
            .expect("task runs lock")
            .insert(run.id.clone(), run.clone());
        self.start_sweeper();
        tracing::info!(task = %record.id, tool = target, "task created");
        Ok((run, record))
    }

    fn lease(&self, now: u64) -> Lease {
        Lease {
            holder: self.instance.clone(),
            until_ms: now + self.config.lease.as_millis() as u64,
        }
    }

    /// The running task `id`, if this instance runs it.
    pub(crate) fn run(&self, id: &str) -> Option<Arc<TaskRun>> {
        self.runs.lock().expect("task runs lock").get(id).cloned()
    }

    /// The owner's task `id`. A task still marked running whose runner's lease lapsed
    /// (its instance died) is failed on the way.
    pub(crate) async fn get(
        &self,
        owner: &TaskOwner,
        id: &str,
    ) -> Result<Option<TaskRecord>, Error> {
        let Some(record) = self.store().get(owner, id).await? else {
            return Ok(None);
        };
        let lapsed = !record.status.is_terminal()
            && record.lease.as_ref().is_some_and(|l| l.until_ms < now_ms());
        if lapsed && self.run(id).is_none() {
            let update = TaskUpdate::Finish {
                status: TaskStatus::Failed,
                message: Some("The server instance running this task stopped".into()),
                result: None,
                error: Some(ErrorObject {
                    code: crate::protocol::code::INTERNAL_ERROR,
                    message: "The server instance running this task stopped".into(),
                    data: None,
                }),
            };
            return self.store().update(id, update).await;
        }
        Ok(Some(record))
    }

    /// Applies `update` and tells whoever waits on the task.
    pub(crate) async fn update(
        &self,
        id: &str,
        update: TaskUpdate,
    ) -> Result<Option<TaskRecord>, Error> {
        let run = self.run(id);
        let status_may_change = matches!(
            update,
            TaskUpdate::Status(_)
                | TaskUpdate::AskInput { .. }
                | TaskUpdate::Respond(_)
                | TaskUpdate::Withdraw(_)
                | TaskUpdate::Finish { .. }
        );
        let after = self.store().update(id, update).await?;
        if let (Some(run), Some(record)) = (&run, &after) {
            run.changed.notify_waiters();
            if status_may_change {
                self.announce(run, record);
            }
        }
        Ok(after)
    }

    /// Session era: `notifications/tasks/status` with the task as it is now.
    fn announce(&self, run: &TaskRun, record: &TaskRecord) {
        if let Some(out) = &run.status_to {
            let params = wire::core_task(record);
            let _ = out.try_send(jsonrpc::notification("notifications/tasks/status", &params));
        }
    }

    /// Cancels the owner's task `id`: the store records `cancelled` (unless it already
    /// ended) before this returns, then the handler is stopped. `None` when there is no
    /// such task.
    pub(crate) async fn cancel(
        &self,
        owner: &TaskOwner,
        id: &str,
    ) -> Result<Option<TaskRecord>, Error> {
        let Some(record) = self.get(owner, id).await? else {
            return Ok(None);
        };
        if record.status.is_terminal() {
            return Ok(Some(record));
        }
        let update = TaskUpdate::Finish {
            status: TaskStatus::Cancelled,
            message: Some("The task was cancelled by request.".into()),
            result: None,
            error: None,
        };
        let after = self.update(id, update).await?;
        if let Some(run) = self.run(id) {
            run.cancel.cancel();
        }
        tracing::info!(task = %id, "task cancelled");
        Ok(after)
    }

    /// Runs a task's handler on its own tokio task and records how it ends. The handler
    /// is stopped when the task is cancelled (here, or in the store by another instance),
    /// expires, or the server shuts down; a panic fails the task.
    pub(crate) fn spawn<F>(&self, run: Arc<TaskRun>, ctx: Context, tool: Arc<str>, fut: F)
    where
        F: Future<Output = Result<ToolOutcome, String>> + Send + 'static,
    {
        let Some(me) = self.me.upgrade() else { return };
        let grace = ctx.scope.server().config.cancel_grace;
        self.tracker.spawn(async move {
            let mut fut = std::pin::pin!(crate::logging::in_request(ctx, fut));
            let mut renew = tokio::time::interval((me.config.lease / 3).max(Duration::from_millis(10)));
            renew.tick().await;
            let outcome = loop {
                tokio::select! {
                    biased;
                    out = &mut fut => break Some(out),
                    _ = run.cancel.cancelled() => {
                        // A moment to wind down, then the handler is dropped.
                        let _ = tokio::time::timeout(grace, &mut fut).await;
                        break None;
                    }
                    _ = renew.tick() => {
                        let lease = TaskUpdate::Lease(me.lease(now_ms()));
                        match me.store().update(&run.id, lease).await {
                            // Cancelled (or expired) elsewhere: stop.
                            Ok(Some(r)) if r.status.is_terminal() => run.cancel.cancel(),
                            Ok(None) => run.cancel.cancel(),
                            Ok(Some(_)) => {}
                            Err(e) => tracing::warn!(task = %run.id, error = %e, "renewing the task lease failed"),
                        }
                    }
                }
            };
            let update = me.outcome(&run, &tool, outcome);
            if let Err(e) = me.update(&run.id, update).await {
                tracing::error!(task = %run.id, error = %e, "recording the task's outcome failed");
            }
            me.runs.lock().expect("task runs lock").remove(&run.id);
            run.changed.notify_waiters();
        });
    }

    /// How a handler's end is recorded. Tool errors are results (`isError`), which the
    /// session era reports as `failed` and 2026-07-28 as `completed`; JSON-RPC errors
    /// and panics fail the task with the error inlined.
    fn outcome(
        &self,
        run: &TaskRun,
        tool: &str,
        outcome: Option<Result<ToolOutcome, String>>,
    ) -> TaskUpdate {
        let era = match run.api {
            TaskApi::Core => Era::Session,
            TaskApi::Extension => Era::Sessionless,
        };
        let failed = |error: ErrorObject| TaskUpdate::Finish {
            status: TaskStatus::Failed,
            message: Some(error.message.clone()),
            result: None,
            error: Some(error),
        };
        let result = match outcome {
            None if run.shutting_down.load(Ordering::Acquire) => {
                return failed(ErrorObject {
                    code: crate::protocol::code::INTERNAL_ERROR,
                    message: "The server shut down before the task finished".into(),
                    data: None,
                })
            }
            None => {
                return TaskUpdate::Finish {
                    status: TaskStatus::Cancelled,
                    message: Some("The task was cancelled.".into()),
                    result: None,
                    error: None,
                }
            }
            Some(Err(panic)) => {
                tracing::error!(task = %run.id, tool, %panic, "task panicked");
                return failed(
                    Error::internal(format!("Tool `{tool}` panicked: {panic}"))
                        .to_error_object(era),
                );
            }
            Some(Ok(Ok(result))) => result,
            Some(Ok(Err(e))) => match e.kind() {
                ErrorKind::Tool => CallToolResult::error(e.message()),
                ErrorKind::MissingCapability if era == Era::Session => {
                    CallToolResult::error(e.message())
                }
                ErrorKind::Cancelled => {
                    return TaskUpdate::Finish {
                        status: TaskStatus::Cancelled,
                        message: Some("The task was cancelled.".into()),
                        result: None,
                        error: None,
                    }
                }
                _ => return failed(e.to_error_object(era)),
            },
        };
        let raw = match encode::to_vec(&result)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| RawValue::from_string(s).ok())
        {
            Some(raw) => raw,
            None => {
                return failed(
                    Error::internal("the tool's result could not be serialized")
                        .to_error_object(era),
                )
            }
        };
        let status = if result.is_error && era == Era::Session {
            TaskStatus::Failed
        } else {
            TaskStatus::Completed
        };
        let message = result
            .is_error
            .then(|| result.content.first().and_then(|c| c.as_text()))
            .flatten()
            .map(|t| format!("Tool execution failed: {t}"));
        TaskUpdate::Finish {
            status,
            message,
            result: Some(raw),
            error: None,
        }
    }

    /// Expires tasks every second while any are stored; the sweep stops with the server.
    fn start_sweeper(&self) {
        if self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = self.me.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                let Some(manager) = me.upgrade() else { return };
                match manager.store().expire(now_ms()).await {
                    Ok(gone) => {
                        for id in gone {
                            tracing::debug!(task = %id, "task expired");
                            if let Some(run) = manager.run(&id) {
                                run.cancel.cancel();
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "expiring tasks failed"),
                }
            }
        });
    }

    /// Stops accepting tasks, waits up to `grace` for running ones, then stops the rest
    /// and fails them ("the server shut down").
    pub(crate) async fn shutdown(&self, grace: Duration) {
        self.closing.store(true, Ordering::Release);
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
        {
            return;
        }
        let runs: Vec<Arc<TaskRun>> = self
            .runs
            .lock()
            .expect("task runs lock")
            .values()
            .cloned()
            .collect();
        tracing::info!(
            tasks = runs.len(),
            "shutdown grace over; failing unfinished tasks"
        );
        for run in runs {
            run.shutting_down.store(true, Ordering::Release);
            run.cancel.cancel();
        }
        // Each runner gives its handler `cancel_grace`, then records the failure.
        let _ = tokio::time::timeout(grace + Duration::from_secs(5), self.tracker.wait()).await;
    }
}
