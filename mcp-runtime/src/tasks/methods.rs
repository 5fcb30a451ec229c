//! The task methods, declared as one [`Extension`]: `io.modelcontextprotocol/tasks`
//! (2026-07-28: `tasks/get`, `tasks/update`, `tasks/cancel`; advertised in
//! `server/discover`, client opt-in required, `Mcp-Name` = `taskId`) plus the 2025-11-25
//! core methods of the session era (`tasks/get`, `tasks/result`, `tasks/list`,
//! `tasks/cancel`), which that era's `capabilities.tasks` declares instead.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::input::question;
use super::manager::TaskManager;
use super::record::{TaskApi, TaskRecord, TaskStatus, TaskUpdate};
use super::{owner_of, wire, EXTENSION_ID};
use crate::error::{Error, ErrorKind};
use crate::extension::{Extension, ExtensionMethod, Output};
use crate::extract::Context;
use crate::protocol::{code, encode, Era, ErrorObject};

/// The tasks extension (both eras' methods).
pub(crate) fn extension() -> Extension {
    let core = |m: ExtensionMethod| m.only_in(Era::Session).client_opt_in(false);
    Extension::new(EXTENSION_ID)
        .only_in(Era::Sessionless)
        .require_client_opt_in()
        .method(ExtensionMethod::encoded("tasks/get", get).mcp_name_param("taskId"))
        .method(ExtensionMethod::encoded("tasks/update", update).mcp_name_param("taskId"))
        .method(ExtensionMethod::encoded("tasks/cancel", cancel).mcp_name_param("taskId"))
        .method(core(ExtensionMethod::encoded("tasks/get", core_get)))
        .method(core(ExtensionMethod::encoded("tasks/result", core_result)))
        .method(core(ExtensionMethod::encoded("tasks/list", core_list)))
        .method(core(ExtensionMethod::encoded("tasks/cancel", core_cancel)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ById {
    task_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateParams {
    task_id: String,
    #[serde(default)]
    input_responses: Option<Value>,
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
}

fn manager(ctx: &Context) -> Result<Arc<TaskManager>, Error> {
    ctx.scope
        .server()
        .tasks
        .clone()
        .ok_or_else(|| Error::internal("tasks are not enabled on this server"))
}

fn not_found() -> Error {
    Error::invalid_params("Failed to retrieve task: Task not found")
}

async fn find(ctx: &Context, id: &str) -> Result<(Arc<TaskManager>, TaskRecord), Error> {
    let manager = manager(ctx)?;
    let record = manager
        .get(&owner_of(ctx), id)
        .await?
        .ok_or_else(not_found)?;
    Ok((manager, record))
}

fn object(value: &impl serde::Serialize) -> Result<Output, Error> {
    Ok(Output::Object(encode::to_vec(value)?))
}

fn ack() -> Result<Output, Error> {
    Ok(Output::Object(b"{}".to_vec()))
}

// --- 2026-07-28 -------------------------------------------------------------------

async fn get(ctx: Context, p: ById) -> Result<Output, Error> {
    let (_, record) = find(&ctx, &p.task_id).await?;
    object(&wire::detailed(&record))
}

async fn update(ctx: Context, p: UpdateParams) -> Result<Output, Error> {
    let responses = match p.input_responses {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(Error::invalid_params(
                "Invalid params: inputResponses must be an object",
            ))
        }
    };
    let (manager, record) = find(&ctx, &p.task_id).await?;
    // Answers to keys no longer outstanding (or on a finished task) are ignored.
    if !record.status.is_terminal() && !responses.is_empty() {
        manager
            .update(&p.task_id, TaskUpdate::Respond(responses))
            .await?;
    }
    ack()
}

async fn cancel(ctx: Context, p: ById) -> Result<Output, Error> {
    let manager = manager(&ctx)?;
    // Idempotent: a finished task acknowledges too.
    manager
        .cancel(&owner_of(&ctx), &p.task_id)
        .await?
        .ok_or_else(not_found)?;
    ack()
}

// --- session era (2025-11-25) -------------------------------------------------------

async fn core_get(ctx: Context, p: ById) -> Result<Output, Error> {
    let (_, record) = find(&ctx, &p.task_id).await?;
    object(&wire::core_task(&record))
}

async fn core_cancel(ctx: Context, p: ById) -> Result<Output, Error> {
    let (manager, record) = find(&ctx, &p.task_id).await?;
    if record.status.is_terminal() {
        return Err(Error::invalid_params(format!(
            "Cannot cancel task: already in terminal status '{}'",
            record.status.as_str()
        )));
    }
    let record = manager
        .cancel(&owner_of(&ctx), &p.task_id)
        .await?
        .ok_or_else(not_found)?;
    object(&wire::core_task(&record))
}

async fn core_list(ctx: Context, p: ListParams) -> Result<Output, Error> {
    let manager = manager(&ctx)?;
    let page_size = ctx.scope.server().config.page_size;
    let page = manager
        .store()
        .list(&owner_of(&ctx), p.cursor.as_deref(), page_size)
        .await?;
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListTasks<'a> {
        tasks: Vec<wire::CoreTask<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_cursor: Option<&'a str>,
    }
    object(&ListTasks {
        tasks: page.tasks.iter().map(wire::core_task).collect(),
        next_cursor: page.next_cursor.as_deref(),
    })
}

/// Blocks until the task ends, delivering on this request's stream the requests the
/// task makes meanwhile (elicitation, sampling; each once per stream, on any instance:
/// they are in the store), then answers what the call itself would have: its result
/// (with the `related-task` `_meta`) or its JSON-RPC error.
async fn core_result(ctx: Context, p: ById) -> Result<Output, Error> {
    let manager = manager(&ctx)?;
    let owner = owner_of(&ctx);
    let mut delivered = std::collections::HashSet::new();
    loop {
        let run = manager.run(&p.task_id);
        let mut changed = run.as_ref().map(|r| Box::pin(r.changed.notified()));
        if let Some(n) = changed.as_mut() {
            n.as_mut().enable();
        }
        let record = manager
            .get(&owner, &p.task_id)
            .await?
            .ok_or_else(not_found)?;
        if record.api == TaskApi::Core {
            for (key, request) in &record.input_requests {
                if delivered.contains(key) {
                    continue;
                }
                delivered.insert(key.clone());
                let Some(message) = question(key, request) else {
                    continue;
                };
                if !ctx.scope.out().send(message).await {
                    return Err(Error::new(ErrorKind::Cancelled, "the client went away"));
                }
            }
        }
        if record.status.is_terminal() {
            return terminal_result(record);
        }
        tokio::select! {
            _ = async { match changed { Some(n) => n.await, None => std::future::pending().await } } => {}
            _ = tokio::time::sleep(manager.config.poll_interval) => {}
            _ = ctx.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "cancelled")),
        }
    }
}

fn terminal_result(record: TaskRecord) -> Result<Output, Error> {
    if let Some(error) = &record.error {
        return Err(error_from(error));
    }
    match (&record.result, record.status) {
        (Some(result), _) => {
            let map: Map<String, Value> = serde_json::from_str(result.get())?;
            object(&wire::with_related_task(map, &record.id))
        }
        (None, TaskStatus::Cancelled) => Err(Error::invalid_params(format!(
            "Task {} was cancelled: it has no result",
            record.id
        ))),
        (None, _) => Err(Error::internal("the task ended without a result")),
    }
}

/// The stored JSON-RPC error as an [`Error`] that renders the same code.
fn error_from(e: &ErrorObject) -> Error {
    let kind = match e.code {
        code::INVALID_REQUEST => ErrorKind::InvalidRequest,
        code::METHOD_NOT_FOUND => ErrorKind::MethodNotFound,
        code::INVALID_PARAMS => ErrorKind::InvalidParams,
        code::RESOURCE_NOT_FOUND => ErrorKind::ResourceNotFound,
        code::MISSING_CLIENT_CAPABILITY => ErrorKind::MissingCapability,
        _ => ErrorKind::Internal,
    };
    let error = Error::new(kind, e.message.clone());
    match &e.data {
        Some(data) => error.with_data(data.clone()),
        None => error,
    }
}
