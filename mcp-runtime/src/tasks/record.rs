//! What a [`TaskStore`](super::TaskStore) keeps: plain, serializable data (no handles,
//! no pointers), so a store can live in another process.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::protocol::ErrorObject;

/// The state of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Running.
    Working,
    /// Waiting for input from the client.
    InputRequired,
    /// Finished with a result.
    Completed,
    /// Finished with an error (2025-11-25: also a tool result with `isError`).
    Failed,
    /// Stopped at the client's request.
    Cancelled,
}

impl TaskStatus {
    /// `completed`, `failed` and `cancelled` never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

/// Which task protocol created the task, and so which wire shapes it is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskApi {
    /// The 2025-11-25 core tasks (session era): `params.task`, `tasks/result`.
    Core,
    /// The `io.modelcontextprotocol/tasks` extension (2026-07-28): `tasks/update`.
    Extension,
}

/// Whose task it is. Opaque to stores: they compare owners for equality only. A task
/// is visible only to requests with the same owner: the authenticated principal when
/// the endpoint has authorization; otherwise the session in the session era, and one
/// server-wide namespace in 2026-07-28 (the unguessable task id is the only key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskOwner(String);

impl TaskOwner {
    /// The owner for requests of one session-era session.
    pub fn session(key: &str) -> Self {
        TaskOwner(format!("session:{key}"))
    }

    /// The owner for requests that carry no identity (2026-07-28 without authorization).
    pub fn unbound() -> Self {
        TaskOwner("unbound".to_owned())
    }

    /// The owner for requests of an authenticated principal
    /// ([`Principal::owner_key`](crate::auth::Principal::owner_key)), in either era.
    pub fn principal(owner_key: &str) -> Self {
        TaskOwner(format!("principal:{owner_key}"))
    }

    /// An owner from an application-defined key (e.g. an authenticated principal).
    pub fn custom(key: &str) -> Self {
        TaskOwner(format!("custom:{key}"))
    }

    /// The key, for stores.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which instance runs a task, and until when that claim holds. A store shared by
/// several instances lets any of them notice a task whose runner died: once the lease
/// expires the task is failed instead of staying `working` forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The running instance's id.
    pub holder: String,
    /// Expiry, in milliseconds since the epoch.
    pub until_ms: u64,
}

/// One task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRecord {
    /// Unguessable id (UUID v4 text).
    pub id: String,
    /// Whose task it is.
    pub owner: TaskOwner,
    /// The protocol that created it.
    pub api: TaskApi,
    /// The augmented method (`tools/call`).
    pub method: String,
    /// The tool's name.
    pub target: String,
    /// Current status.
    pub status: TaskStatus,
    /// Human-readable status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Creation time, milliseconds since the epoch.
    pub created_at_ms: u64,
    /// Last status change, milliseconds since the epoch.
    pub updated_at_ms: u64,
    /// Lifetime from creation; the task may be deleted after it.
    pub ttl_ms: u64,
    /// Suggested polling interval.
    pub poll_interval_ms: u64,
    /// Outstanding input requests by key (`{method, params}`), 2026-07-28 tasks.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_requests: Map<String, Value>,
    /// Answers delivered by `tasks/update` and not yet taken by the running handler.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_responses: Map<String, Value>,
    /// The result, once finished with one (a `CallToolResult`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Box<RawValue>>,
    /// The JSON-RPC error, once failed with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// The instance running the task, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

impl TaskRecord {
    /// When the task may be deleted.
    pub fn expires_at_ms(&self) -> u64 {
        self.created_at_ms.saturating_add(self.ttl_ms)
    }
}

/// An atomic change to a task. Stores apply each one as a unit and never change a task
/// in a terminal status, except for [`TaskUpdate::TakeResponse`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TaskUpdate {
    /// Back to `working` (after input) or to `input_required` (session-era asks).
    Status(TaskStatus),
    /// Sets or clears `statusMessage`.
    Message(Option<String>),
    /// Adds an outstanding input request and moves the task to `input_required`.
    AskInput {
        /// Unique over the task's lifetime.
        key: String,
        /// `{method, params}`.
        request: Value,
    },
    /// Answers: each key still outstanding moves from `input_requests` to
    /// `input_responses`; other keys are ignored. With none outstanding any more, the task
    /// is `working` again.
    Respond(Map<String, Value>),
    /// The handler took the answer for this key.
    TakeResponse(String),
    /// Session era: the input request `key` is no longer outstanding (its answer went
    /// straight to the waiting handler, or the handler gave up on it). With none
    /// outstanding any more, an `input_required` task is `working` again.
    Withdraw(String),
    /// Ends the task (terminal status) with its outcome; clears inputs and the lease.
    Finish {
        /// `completed`, `failed` or `cancelled`.
        status: TaskStatus,
        /// `statusMessage`.
        message: Option<String>,
        /// The result, if any.
        result: Option<Box<RawValue>>,
        /// The error, if any.
        error: Option<ErrorObject>,
    },
    /// Renews the runner's lease.
    Lease(Lease),
}

impl TaskUpdate {
    /// Applies the update to `record` at `now_ms`, following the store contract. Stores
    /// that hold records in memory (or read-modify-write them) use this, so the rules are
    /// written once.
    pub fn apply(self, record: &mut TaskRecord, now_ms: u64) {
        if record.status.is_terminal() && !matches!(self, TaskUpdate::TakeResponse(_)) {
            return;
        }
        match self {
            TaskUpdate::Status(status) if !status.is_terminal() => {
                if record.status != status {
                    record.status = status;
                    record.updated_at_ms = now_ms;
                }
            }
            TaskUpdate::Status(_) => {}
            TaskUpdate::Message(message) => {
                if record.status_message != message {
                    record.status_message = message;
                    record.updated_at_ms = now_ms;
                }
            }
            TaskUpdate::AskInput { key, request } => {
                record.input_requests.insert(key, request);
                record.status = TaskStatus::InputRequired;
                record.updated_at_ms = now_ms;
            }
            TaskUpdate::Respond(responses) => {
                let mut changed = false;
                for (key, answer) in responses {
                    if record.input_requests.remove(&key).is_some() {
                        record.input_responses.insert(key, answer);
                        changed = true;
                    }
                }
                if changed && record.input_requests.is_empty() {
                    record.status = TaskStatus::Working;
                }
                if changed {
                    record.updated_at_ms = now_ms;
                }
            }
            TaskUpdate::TakeResponse(key) => {
                record.input_responses.remove(&key);
            }
            TaskUpdate::Withdraw(key) => {
                if record.input_requests.remove(&key).is_some() {
                    if record.input_requests.is_empty()
                        && record.status == TaskStatus::InputRequired
                    {
                        record.status = TaskStatus::Working;
                    }
                    record.updated_at_ms = now_ms;
                }
            }
            TaskUpdate::Finish {
                status,
                message,
                result,
                error,
            } => {
                if !status.is_terminal() {
                    return;
                }
                record.status = status;
                record.status_message = message;
                record.result = result;
                record.error = error;
                record.input_requests.clear();
                record.input_responses.clear();
                record.lease = None;
                record.updated_at_ms = now_ms;
            }
            TaskUpdate::Lease(lease) => record.lease = Some(lease),
        }
    }
}
