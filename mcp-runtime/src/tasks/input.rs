//! Input asked by a running task (`ctx.elicit(..)`, `ctx.sample(..)`, `ctx.roots()`):
//! the task moves to `input_required` and the handler waits where it asked.
//!
//! * Session era: the request (tagged with the task's `related-task` `_meta`) is queued
//!   for the client's `tasks/result` stream; the client's answer reaches the handler.
//! * 2026-07-28: the request is stored under its key in the task's `inputRequests`
//!   (shown by `tasks/get`); `tasks/update` stores the answer and wakes the handler.
//!   Answers go through the store, so a `tasks/update` served by another instance works.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::Value;

use super::manager::TaskRun;
use super::record::{TaskApi, TaskStatus, TaskUpdate};
use super::wire::with_related_task;
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::protocol::jsonrpc;

/// Asks the client for input from inside a running task; the answer's `result` object.
pub(crate) async fn ask(
    run: &Arc<TaskRun>,
    ctx: &Context,
    kind: &'static str,
    method: &'static str,
    params: Value,
    key: Option<String>,
) -> Result<Value, Error> {
    let manager = ctx
        .scope
        .server
        .tasks
        .clone()
        .ok_or_else(|| Error::internal("tasks are not enabled"))?;
    let timeout = manager.config.input_timeout;
    let cancelled = || Error::new(ErrorKind::Cancelled, "the task was cancelled");
    match run.api {
        TaskApi::Core => {
            let session = ctx
                .session()
                .ok_or_else(|| Error::tool(format!("`{method}` needs an initialized session")))?;
            let params = match params {
                Value::Object(map) => Value::Object(with_related_task(map, &run.id)),
                other => other,
            };
            let (id, rx) = session.register_request();
            let message = jsonrpc::request(&id, method, &params);
            run.outbox
                .lock()
                .expect("task outbox lock")
                .push_back((id.clone(), message));
            let waiting = Waiting::start(run);
            manager
                .update(&run.id, TaskUpdate::Status(TaskStatus::InputRequired))
                .await?;
            let forget = || {
                session.forget_request(&id);
                run.outbox
                    .lock()
                    .expect("task outbox lock")
                    .retain(|(queued, _)| *queued != id);
            };
            let reply = tokio::select! {
                reply = rx => reply,
                _ = tokio::time::sleep(timeout) => {
                    forget();
                    return Err(Error::tool(format!("The client did not answer `{method}` within {timeout:?}")));
                }
                _ = run.cancel.cancelled() => {
                    forget();
                    return Err(cancelled());
                }
            };
            if waiting.finish() {
                manager
                    .update(&run.id, TaskUpdate::Status(TaskStatus::Working))
                    .await?;
            }
            crate::input::client_answer(method, reply)
        }
        TaskApi::Extension => {
            let key = key.unwrap_or_else(|| run.auto_key(kind));
            let request = serde_json::json!({ "method": method, "params": params });
            manager
                .update(
                    &run.id,
                    TaskUpdate::AskInput {
                        key: key.clone(),
                        request,
                    },
                )
                .await?;
            let owner = super::owner_of(ctx);
            let poll = manager.config.poll_interval;
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                let changed = run.changed.notified();
                let mut changed = std::pin::pin!(changed);
                changed.as_mut().enable();
                let record = manager
                    .store()
                    .get(&owner, &run.id)
                    .await?
                    .ok_or_else(cancelled)?;
                if record.status.is_terminal() {
                    return Err(cancelled());
                }
                if let Some(answer) = record.input_responses.get(&key) {
                    let answer = answer.clone();
                    manager
                        .store()
                        .update(&run.id, TaskUpdate::TakeResponse(key))
                        .await?;
                    return Ok(answer);
                }
                // A wake-up on this instance, or a poll for answers stored by another.
                tokio::select! {
                    _ = changed => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = run.cancel.cancelled() => return Err(cancelled()),
                    _ = tokio::time::sleep_until(deadline) => {
                        return Err(Error::tool(format!(
                            "The client did not answer `{method}` (input `{key}`) within {timeout:?}"
                        )));
                    }
                }
            }
        }
    }
}

/// Counts a session-era task's unanswered requests: the task is `working` again only
/// when the last one is answered.
struct Waiting<'a>(&'a TaskRun);

impl<'a> Waiting<'a> {
    fn start(run: &'a TaskRun) -> Self {
        run.asking.fetch_add(1, Ordering::AcqRel);
        Waiting(run)
    }

    /// True when no other request of the task is still unanswered.
    fn finish(self) -> bool {
        let left = self.0.asking.fetch_sub(1, Ordering::AcqRel) - 1;
        std::mem::forget(self);
        left == 0
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.asking.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Session era: the queued requests of a task, for a `tasks/result` stream to deliver.
pub(crate) fn drain_outbox(run: &TaskRun) -> Vec<Vec<u8>> {
    run.outbox
        .lock()
        .expect("task outbox lock")
        .drain(..)
        .map(|(_, m)| m)
        .collect()
}
