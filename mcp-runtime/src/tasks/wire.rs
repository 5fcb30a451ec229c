//! A task on the wire, in the shape of each task protocol.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::record::TaskRecord;
use super::time::iso8601;
use crate::protocol::ErrorObject;

/// `_meta` key tying session-era messages to their task.
pub(crate) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// 2025-11-25 `Task`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CoreTask<'a> {
    task_id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    created_at: String,
    last_updated_at: String,
    ttl: u64,
    poll_interval: u64,
}

pub(crate) fn core_task(r: &TaskRecord) -> CoreTask<'_> {
    CoreTask {
        task_id: &r.id,
        status: r.status.as_str(),
        status_message: r.status_message.as_deref(),
        created_at: iso8601(r.created_at_ms),
        last_updated_at: iso8601(r.updated_at_ms),
        ttl: r.ttl_ms,
        poll_interval: r.poll_interval_ms,
    }
}

/// 2025-11-25 `CreateTaskResult`: `{task}`.
#[derive(Serialize)]
pub(crate) struct CoreCreated<'a> {
    pub(crate) task: CoreTask<'a>,
}

/// SEP-2663 `Task`, and with `detailed` the `DetailedTask` of `tasks/get` (the result,
/// error or outstanding input requests inlined).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExtensionTask<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    task_id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    created_at: String,
    last_updated_at: String,
    ttl_ms: u64,
    poll_interval_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_requests: Option<&'a Map<String, Value>>,
}

/// `tasks/get`'s `DetailedTask` (the era adds `resultType: "complete"`).
pub(crate) fn detailed(r: &TaskRecord) -> ExtensionTask<'_> {
    use super::TaskStatus::*;
    ExtensionTask {
        result_type: None,
        result: matches!(r.status, Completed)
            .then_some(r.result.as_deref())
            .flatten(),
        error: matches!(r.status, Failed)
            .then_some(r.error.as_ref())
            .flatten(),
        input_requests: matches!(r.status, InputRequired).then_some(&r.input_requests),
        ..base(r)
    }
}

/// The flat `CreateTaskResult` (`resultType: "task"`).
pub(crate) fn created(r: &TaskRecord) -> ExtensionTask<'_> {
    ExtensionTask {
        result_type: Some("task"),
        ..base(r)
    }
}

fn base(r: &TaskRecord) -> ExtensionTask<'_> {
    ExtensionTask {
        result_type: None,
        task_id: &r.id,
        status: r.status.as_str(),
        status_message: r.status_message.as_deref(),
        created_at: iso8601(r.created_at_ms),
        last_updated_at: iso8601(r.updated_at_ms),
        ttl_ms: r.ttl_ms,
        poll_interval_ms: r.poll_interval_ms,
        result: None,
        error: None,
        input_requests: None,
    }
}

/// `{"io.modelcontextprotocol/related-task": {"taskId": id}}` merged into an object's
/// `_meta` (the result of `tasks/result`, a task's input requests).
pub(crate) fn with_related_task(mut object: Map<String, Value>, id: &str) -> Map<String, Value> {
    let meta = object
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(meta) = meta {
        meta.insert(RELATED_TASK.into(), serde_json::json!({ "taskId": id }));
    }
    object
}
