//! Input asked by a running task (`ctx.elicit(..)`, `ctx.sample(..)`, `ctx.roots()`):
//! the task moves to `input_required` and the handler waits where it asked.
//!
//! * Session era: the request (tagged with the task's `related-task` `_meta`) is stored
//!   with the task, and every `tasks/result` stream of the task delivers it, on whichever
//!   instance serves it (once per stream); the client's answer reaches the handler
//!   wherever it is POSTed, and the request is withdrawn.
//! * 2026-07-28: the request is stored under its key in the task's `inputRequests`
//!   (shown by `tasks/get`); `tasks/update` stores the answer and wakes the handler.
//!   Answers go through the store, so a `tasks/update` served by another instance works.

use std::sync::Arc;

use serde_json::Value;

use super::manager::TaskRun;
use super::record::{TaskApi, TaskUpdate};
use super::wire::with_related_task;
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::input::progress::{heard, ProgressFn, ProgressSink};
use crate::protocol::{jsonrpc, RequestId};

/// Asks the client for input from inside a running task; the answer's `result` object.
pub(crate) async fn ask(
    run: &Arc<TaskRun>,
    ctx: &Context,
    kind: &'static str,
    method: &'static str,
    params: Value,
    key: Option<String>,
    progress: Option<ProgressFn>,
) -> Result<Value, Error> {
    let manager = ctx
        .scope
        .server()
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
            let sink = progress.map(ProgressSink::new);
            let (id, mut rx) = session.register_request(sink.clone());
            let params = match &sink {
                Some(_) => crate::input::progress::with_token(&params, &id),
                None => params,
            };
            // Kept in the store, not here: a `tasks/result` served by any instance
            // delivers it, and the answer comes back to this handler wherever it is
            // POSTed (the request id names this instance).
            let key = question_key(&id);
            let request = serde_json::json!({ "method": method, "params": params });
            let asked = TaskUpdate::AskInput {
                key: key.clone(),
                request,
            };
            if let Err(e) = manager.update(&run.id, asked).await {
                session.forget_request(&id);
                return Err(e);
            }
            let withdraw = |key: String| async {
                session.forget_request(&id);
                if let Err(e) = manager.update(&run.id, TaskUpdate::Withdraw(key)).await {
                    tracing::debug!(task = %run.id, error = %e, "withdrawing an input request failed");
                }
            };
            let mut deadline = tokio::time::Instant::now() + timeout;
            let reply = loop {
                tokio::select! {
                    reply = &mut rx => break reply,
                    _ = tokio::time::sleep_until(deadline) => {
                        withdraw(key).await;
                        return Err(Error::tool(format!("The client did not answer `{method}` within {timeout:?}")));
                    }
                    _ = heard(sink.as_deref()) => {
                        deadline = tokio::time::Instant::now() + timeout;
                    }
                    _ = run.cancel.cancelled() => {
                        withdraw(key).await;
                        return Err(cancelled());
                    }
                }
            };
            manager.update(&run.id, TaskUpdate::Withdraw(key)).await?;
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

/// The key of a session-era question in the task's `input_requests`: its request id
/// as JSON, so [`question`] gives the id back exactly (number or string).
fn question_key(id: &RequestId) -> String {
    serde_json::to_string(id).expect("request ids serialize")
}

/// Session era: a stored question as the JSON-RPC request the client answers.
pub(crate) fn question(key: &str, request: &Value) -> Option<Vec<u8>> {
    let id: RequestId = serde_json::from_str(key).ok()?;
    let method = request.get("method")?.as_str()?;
    let params = request.get("params").unwrap_or(&Value::Null);
    Some(jsonrpc::request(&id, method, params))
}
