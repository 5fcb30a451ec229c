//! Tasks: long-running tool calls that answer at once with a handle the client polls,
//! in both protocol eras, from one declaration: `#[tool(task = "optional")]` (or
//! `"required"`).
//!
//! * **Session era** (2025-11-25 core tasks): the server declares `capabilities.tasks`;
//!   `tools/list` shows `execution.taskSupport`; a `tools/call` with `params.task` answers
//!   `CreateTaskResult` (`{task}`) at once. `tasks/get`, `tasks/result` (blocks until the
//!   task ends; carries elicitation and sampling requests the task makes),
//!   `tasks/list` (the session's tasks) and `tasks/cancel`; `notifications/tasks/status`
//!   on every status change.
//! * **2026-07-28** (the `io.modelcontextprotocol/tasks` extension, SEP-2663): a client
//!   that declares the extension on a `tools/call` of a task tool gets a flat
//!   `CreateTaskResult` (`resultType: "task"`) unless the handler finished or asked for
//!   input before it first had to wait (input asked that early is gathered synchronously
//!   with `input_required` rounds first). `tasks/get` inlines the result, error or
//!   pending `inputRequests`; `tasks/update` delivers `inputResponses` and the handler
//!   continues where it waited (it is not re-run); `tasks/cancel` acknowledges.
//!
//! The handler is the same as for a plain call; [`Context`](crate::Context) progress,
//! logs, cancellation and input requests work inside a task. Tasks run on their own
//! tokio task: they outlive the request (and its HTTP connection) and end only when they
//! finish, are cancelled, expire (TTL) or the server shuts down.
//!
//! Records are kept in a [`TaskStore`] ([`InMemoryTaskStore`] by default), bounded by
//! [`TaskConfig`]'s limits. Ids are random UUIDs (122 bits); tasks are bound to their
//! owner (the session in the session era, one server-wide namespace in 2026-07-28) and
//! invisible to other owners.

mod call;
mod input;
mod manager;
mod methods;
mod record;
mod store;
pub(crate) mod time;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use call::{call_as_task, plan, Plan, TaskCall};
pub(crate) use input::ask;
pub(crate) use manager::{TaskManager, TaskRun};
pub(crate) use methods::extension;
pub use record::{Lease, TaskApi, TaskOwner, TaskRecord, TaskStatus, TaskUpdate};
pub use store::{check_task_store, InMemoryTaskStore, TaskLimits, TaskPage, TaskStore};
#[cfg(feature = "redis")]
pub(crate) use store::{owner_limit_error, parse_cursor, server_limit_error};

use crate::extract::Context;
use crate::protocol::Era;

/// The extension identifier of 2026-07-28 tasks.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/tasks";

/// Whether a tool can run as a task: `#[tool(task = "optional")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// Never a task (the default).
    #[default]
    Forbidden,
    /// A task when the client asks for one (session era) or supports them (2026).
    Optional,
    /// Only as a task: other calls get an error.
    Required,
}

impl TaskSupport {
    /// `Tool.execution` for this support: absent when the tool is never a task.
    pub(crate) fn execution(self) -> Option<crate::protocol::types::ToolExecution> {
        (self != TaskSupport::Forbidden).then_some(crate::protocol::types::ToolExecution {
            task_support: Some(self),
        })
    }
}

/// Limits and tunables of tasks. Set with
/// [`ServerBuilder::tasks`](crate::ServerBuilder::tasks).
#[derive(Clone)]
#[non_exhaustive]
pub struct TaskConfig {
    /// TTL of a task whose client did not ask for one (and of every 2026-07-28 task).
    pub default_ttl: Duration,
    /// Longest TTL granted; a client asking for more gets this (the result says so).
    pub max_ttl: Duration,
    /// `pollInterval` suggested to clients.
    pub poll_interval: Duration,
    /// Unfinished tasks one owner (session, or the 2026 namespace) may have.
    pub max_running_per_owner: usize,
    /// Unfinished tasks on the server.
    pub max_running: usize,
    /// How long a task waits for the client's answer to an input request before the ask
    /// fails.
    pub input_timeout: Duration,
    /// How long a running task's claim in the store lasts between renewals; a task whose
    /// instance died is failed once it lapses.
    pub lease: Duration,
    /// How long a shutdown waits for running tasks before failing them (the HTTP
    /// transport uses its own `HttpConfig::shutdown_grace`).
    pub shutdown_grace: Duration,
    /// Where tasks are kept.
    pub store: Arc<dyn TaskStore>,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            default_ttl: Duration::from_secs(3600),
            max_ttl: Duration::from_secs(24 * 3600),
            poll_interval: Duration::from_millis(500),
            max_running_per_owner: 64,
            max_running: 1024,
            input_timeout: Duration::from_secs(3600),
            lease: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            store: Arc::new(InMemoryTaskStore::default()),
        }
    }
}

impl TaskConfig {
    /// Replaces the store.
    pub fn store(mut self, store: impl TaskStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Changes the configuration in place.
    pub fn configure(mut self, f: impl FnOnce(&mut TaskConfig)) -> Self {
        f(&mut self);
        self
    }

    pub(crate) fn limits(&self) -> TaskLimits {
        TaskLimits {
            max_running_per_owner: self.max_running_per_owner,
            max_running: self.max_running,
        }
    }
}

impl std::fmt::Debug for TaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskConfig")
            .field("default_ttl", &self.default_ttl)
            .field("max_ttl", &self.max_ttl)
            .field("poll_interval", &self.poll_interval)
            .field("max_running_per_owner", &self.max_running_per_owner)
            .field("max_running", &self.max_running)
            .field("input_timeout", &self.input_timeout)
            .field("lease", &self.lease)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish_non_exhaustive()
    }
}

/// A random UUID v4: 122 bits from the OS generator, so ids cannot be guessed.
pub(crate) fn new_task_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(HEX[usize::from(byte >> 4)] as char);
        id.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    id
}

/// Who owns the tasks a request creates and may see. The one place that decides it:
/// the authenticated principal when there is one (both eras); otherwise the session in
/// the session era, and a server-wide namespace in 2026-07-28 (the unguessable id is
/// then the only key).
pub(crate) fn owner_of(ctx: &Context) -> TaskOwner {
    if let Some(principal) = ctx.principal() {
        return TaskOwner::principal(principal.owner_key());
    }
    match (ctx.era(), ctx.session()) {
        (Era::Session, Some(session)) => TaskOwner::session(session.key()),
        _ => TaskOwner::unbound(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn task_ids_are_uuid_v4() {
        let a = super::new_task_id();
        let b = a.as_bytes();
        assert_eq!(a.len(), 36);
        assert!([8, 13, 18, 23].iter().all(|&i| b[i] == b'-'), "{a}");
        assert_eq!(b[14], b'4', "version 4: {a}");
        assert!(
            matches!(b[19], b'8' | b'9' | b'a' | b'b'),
            "RFC 4122 variant: {a}"
        );
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        assert_ne!(a, super::new_task_id());
    }
}
