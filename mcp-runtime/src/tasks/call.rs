//! `tools/call` as a task: whether a call becomes one, and starting it.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::manager::TaskManager;
use super::record::TaskApi;
use super::{wire, TaskSupport, EXTENSION_ID};
use crate::dispatch::{CatchUnwind, MethodResult};
use crate::error::{Error, ErrorKind};
use crate::extension::{client_settings, missing_extension};
use crate::extract::Context;
use crate::input::mrtr::{self, Driven, Started};
use crate::protocol::{encode, CallToolResult, Era};
use crate::server::ToolEntry;
use crate::tool::{ToolCall, ToolOutcome};

/// How a `tools/call` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// An ordinary call.
    Plain,
    /// A task, with the TTL the client asked for (session era).
    Task { ttl_ms: Option<u64> },
}

/// Decides how a call of `tool` runs. Session era: `params.task` asks for a task; a tool
/// that forbids tasks refuses it and one that requires them refuses plain calls (both
/// `-32601`). 2026-07-28: a task whenever the client declared the extension on this
/// request; a tool that requires tasks refuses other clients with `-32021`; the legacy
/// `task` param is ignored.
pub(crate) fn plan(
    ctx: &Context,
    tool: &str,
    support: TaskSupport,
    task_param: Option<&RawValue>,
) -> Result<Plan, Error> {
    match ctx.era() {
        Era::Session => {
            let requested = task_param.filter(|t| t.get() != "null");
            match (support, requested) {
                (TaskSupport::Forbidden, None) | (TaskSupport::Optional, None) => Ok(Plan::Plain),
                (TaskSupport::Forbidden, Some(_)) => Err(Error::new(
                    ErrorKind::MethodNotFound,
                    format!("Method not found: tool `{tool}` does not support task-augmented calls"),
                )),
                (TaskSupport::Required, None) => Err(Error::new(
                    ErrorKind::MethodNotFound,
                    format!("Method not found: tool `{tool}` must be called as a task (add `task` to the params)"),
                )),
                (_, Some(raw)) => {
                    #[derive(Deserialize)]
                    struct TaskParams {
                        #[serde(default)]
                        ttl: Option<u64>,
                    }
                    let p: TaskParams = serde_json::from_str(raw.get()).map_err(|e| {
                        Error::invalid_params(format!("Invalid params: `task`: {e}"))
                    })?;
                    Ok(Plan::Task { ttl_ms: p.ttl })
                }
            }
        }
        Era::Sessionless => {
            if support == TaskSupport::Forbidden {
                return Ok(Plan::Plain);
            }
            let declared = client_settings(ctx.client_capabilities(), EXTENSION_ID).is_some();
            match (support, declared) {
                (_, true) => Ok(Plan::Task { ttl_ms: None }),
                (TaskSupport::Required, false) => Err(missing_extension(EXTENSION_ID)),
                _ => Ok(Plan::Plain),
            }
        }
    }
}

/// What a task-capable call produced.
pub(crate) enum TaskCall {
    /// A task was created (`CreateTaskResult`), or input is needed first.
    Answer(MethodResult),
    /// The handler finished at once (2026-07-28): answered like a plain call.
    Immediate(Result<ToolOutcome, String>),
}

/// Starts a call as a task. The handler gets a context of its own (its own cancellation,
/// its own stream) that outlives the request. Session era: the task is created before
/// the handler runs. 2026-07-28: the handler is polled once first; if it finished or
/// asked for input by then, the call is answered without a task (a result, or
/// `input_required` rounds that gather the input synchronously).
pub(crate) async fn call_as_task(
    manager: &Arc<TaskManager>,
    ctx: &Context,
    entry: &Arc<ToolEntry>,
    params: Option<&RawValue>,
    arguments: Option<&RawValue>,
    ttl_ms: Option<u64>,
) -> Result<TaskCall, Error> {
    let era = ctx.era();
    let cancel = CancellationToken::new();
    let tctx = Context {
        scope: Arc::new(ctx.scope.for_task(cancel.clone())),
        home: ctx.home.clone(),
    };
    let call = ToolCall {
        ctx: tctx.clone(),
        tool: entry.name.clone(),
        args: arguments.map(RawValue::to_owned),
        principal: None,
        as_task: true,
    };
    let handler = {
        let entry = entry.clone();
        async move {
            if let Err(message) = entry.validate(call.args.as_deref()) {
                return Ok(CallToolResult::error(message));
            }
            entry.call(call).await.map(|r| entry.shape(r))
        }
    };
    let fut = CatchUnwind(Box::pin(handler));
    let ttl_ms = manager.ttl_ms(ttl_ms);
    let api = match era {
        Era::Session => TaskApi::Core,
        Era::Sessionless => TaskApi::Extension,
    };
    let fut = match era {
        Era::Session => fut,
        Era::Sessionless => {
            let target = mrtr::Target {
                method: "tools/call",
                name: &entry.name,
                arguments,
            };
            match mrtr::start(&tctx, params, target, fut).await? {
                Started::Settled(Driven::InputRequired(result)) => {
                    return Ok(TaskCall::Answer(result))
                }
                Started::Settled(Driven::Done(outcome)) => return Ok(TaskCall::Immediate(outcome)),
                Started::Suspended(fut) => fut,
            }
        }
    };
    let (run, record) = manager
        .create(&tctx, api, &entry.name, ttl_ms, cancel)
        .await?;
    let body = match api {
        TaskApi::Core => encode::to_vec(&wire::CoreCreated {
            task: wire::core_task(&record),
        })?,
        TaskApi::Extension => encode::to_vec(&wire::created(&record))?,
    };
    if api == TaskApi::Extension {
        // 2026-07-28 tasks carry no progress or log notifications.
        tctx.scope
            .done
            .store(true, std::sync::atomic::Ordering::Release);
    }
    if tctx.scope.task.set(run.clone()).is_err() {
        return Err(Error::internal("task installed twice"));
    }
    manager.spawn(run, tctx, entry.name.clone(), fut);
    Ok(TaskCall::Answer(match api {
        TaskApi::Core => MethodResult::Complete(body),
        TaskApi::Extension => MethodResult::Raw(body),
    }))
}
