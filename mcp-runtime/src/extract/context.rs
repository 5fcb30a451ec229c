//! The request context handed to handlers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::dispatch::{Connection, Origin, Outbound, Session};
use crate::error::Error;
use crate::input::mrtr::InputScope;
use crate::protocol::jsonrpc;
use crate::protocol::meta::ClientInfo;
use crate::protocol::types::{
    Implementation, LoggingLevel, LoggingMessageParams, ProgressNotificationParams, ProgressToken,
};
use crate::protocol::{Era, ProtocolVersion, RequestId};
use crate::server::ServerShared;
use crate::tasks::TaskRun;

use super::cancel::CancelSlot;

/// Everything the runtime knows about one request. Cheap to clone.
///
/// Handlers take it as a parameter (`ctx: Context`); it is never part of the input schema.
/// The same code works in both protocol eras: asking the client ([`elicit`](Self::elicit),
/// [`sample`](Self::sample), [`roots`](Self::roots)) is a server-to-client request in the
/// session era and an input round (`input_required`, retried by the client) in the
/// 2026-07-28 era, where the handler runs again from the top.
///
/// ```
/// # use mcp_runtime as mcpserve;
/// use mcpserve::{Context, Error, LoggingLevel};
///
/// // #[tool]
/// async fn export(rows: Vec<String>, ctx: Context) -> Result<String, Error> {
///     let client = ctx.client_info().map_or("unknown", |c| c.name.as_str());
///     ctx.log(LoggingLevel::Info, format!("export for {client}")).await;
///     for (done, _row) in rows.iter().enumerate() {
///         if ctx.is_cancelled() {
///             return Err(Error::tool("cancelled"));
///         }
///         ctx.progress(done + 1, Some(rows.len()), "exporting").await;
///     }
///     Ok(format!("{} rows", rows.len()))
/// }
/// ```
#[derive(Clone)]
pub struct Context {
    pub(crate) scope: Arc<RequestScope>,
    /// The server whose state and handle a mounted server's handlers see (`None`: the
    /// server that received the request).
    pub(crate) home: Option<Arc<ServerShared>>,
}

pub(crate) struct RequestScope {
    pub(crate) id: RequestId,
    pub(crate) version: ProtocolVersion,
    /// `_meta.progressToken`.
    pub(crate) progress_token: Option<ProgressToken>,
    /// The rest of `_meta` as sent (the keys the runtime interprets are read into the
    /// fields here and at the transport; keeping the whole `RequestMeta` made every
    /// request's scope ≈200 bytes larger, all of it copied as the scope is built).
    pub(crate) meta: serde_json::Map<String, Value>,
    /// The client's capabilities and info when they are this request's own (2026-07-28:
    /// from `_meta`); `None` in the session era, where they are the session's, read
    /// through it rather than reference-counted again for every request.
    pub(crate) client: Option<(Arc<Value>, ClientInfo)>,
    pub(crate) log_level: Option<LoggingLevel>,
    /// Created on first use: most requests finish without anyone asking about
    /// cancellation, and a token costs an allocation and a locked node per clone and drop.
    pub(crate) cancel: CancelSlot,
    /// The server, the connection and the queue for what the request sends: one
    /// reference count per request, shared with the connection's other requests.
    pub(crate) origin: Arc<Origin>,
    /// A session the connection does not hold (`initialize` over HTTP); otherwise the
    /// connection's (see [`session`](Self::session)).
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) last_progress: Mutex<Option<f64>>,
    pub(crate) done: AtomicBool,
    /// The request's params may carry an input round's answers (`inputResponses`,
    /// `requestState`); false when its params index shows they do not.
    pub(crate) may_retry: bool,
    /// Answers and pending asks of a 2026-era request that may need input.
    pub(crate) inputs: OnceLock<Arc<InputScope>>,
    /// Set once the call runs as a task: asks then go through the task.
    pub(crate) task: OnceLock<Arc<TaskRun>>,
    /// The caller, as the transport's authorization established it.
    pub(crate) auth: Option<crate::auth::AuthContext>,
}

impl RequestScope {
    /// The server that received the request.
    pub(crate) fn server(&self) -> &Arc<ServerShared> {
        &self.origin.dispatcher.server
    }

    /// Where the request's notifications and questions go.
    pub(crate) fn out(&self) -> &Outbound {
        &self.origin.out
    }

    /// The connection the request arrived on, for messages that outlive the request.
    pub(crate) fn conn(&self) -> Option<&Arc<Connection>> {
        self.origin.conn.as_ref()
    }

    /// The request's session (session era).
    pub(crate) fn session(&self) -> Option<&Arc<Session>> {
        match self.version.era() {
            Era::Sessionless => None,
            Era::Session => self
                .session
                .as_ref()
                .or_else(|| self.conn().and_then(|c| c.session())),
        }
    }

    /// The client's capabilities: the request's own, or its session's.
    pub(crate) fn client_capabilities(&self) -> &Value {
        static NONE: std::sync::LazyLock<Value> =
            std::sync::LazyLock::new(|| Value::Object(Default::default()));
        match (&self.client, self.session()) {
            (Some((caps, _)), _) => caps,
            (None, Some(session)) => &session.client_capabilities,
            (None, None) => &NONE,
        }
    }

    /// The client's name and version: the request's own, or its session's.
    pub(crate) fn client_info(&self) -> Option<&Implementation> {
        match (&self.client, self.session()) {
            (Some((_, info)), _) => info.get(),
            (None, Some(session)) => Some(&session.client_info),
            (None, None) => None,
        }
    }

    /// This request's cancellation token, created on first use.
    pub(crate) fn cancel_token(&self) -> &CancellationToken {
        self.cancel.token()
    }

    /// True once the request was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The scope a call gets when it runs as a task: the request's client, session and
    /// `_meta`, but its own cancellation (`cancel`) and lifetime, and (session era) the
    /// session's stream for its notifications, since the request's stream ends with the
    /// `CreateTaskResult`.
    pub(crate) fn for_task(&self, cancel: CancellationToken) -> RequestScope {
        let origin = match (self.version.era(), self.conn()) {
            (Era::Session, Some(conn)) => Arc::new(Origin {
                dispatcher: self.origin.dispatcher.clone(),
                out: conn.out.clone(),
                conn: Some(conn.clone()),
            }),
            _ => self.origin.clone(),
        };
        RequestScope {
            id: self.id.clone(),
            version: self.version,
            progress_token: self.progress_token.clone(),
            meta: self.meta.clone(),
            client: self.client.clone(),
            log_level: self.log_level,
            cancel: CancelSlot::Given(cancel),
            origin,
            session: self.session.clone(),
            last_progress: Mutex::new(None),
            done: AtomicBool::new(false),
            may_retry: self.may_retry,
            inputs: OnceLock::new(),
            task: OnceLock::new(),
            auth: self.auth.clone(),
        }
    }
}

impl Context {
    /// The JSON-RPC id of the request.
    pub fn request_id(&self) -> &RequestId {
        &self.scope.id
    }

    /// The protocol revision this request speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.scope.version
    }

    /// The protocol era of this request.
    pub fn era(&self) -> Era {
        self.scope.version.era()
    }

    /// The progress token the client attached, if any.
    pub fn progress_token(&self) -> Option<&ProgressToken> {
        self.scope.progress_token.as_ref()
    }

    /// The client's identity (from `initialize`, or the request's `_meta`).
    pub fn client_info(&self) -> Option<&Implementation> {
        self.scope.client_info()
    }

    /// The client's declared capabilities (per session, or per request from 2026-07-28).
    pub fn client_capabilities(&self) -> &Value {
        self.scope.client_capabilities()
    }

    /// True when the client declared the named top-level capability, e.g. `"sampling"`.
    pub fn client_supports(&self, capability: &str) -> bool {
        self.scope.client_capabilities().get(capability).is_some()
    }

    /// The settings the client declared for extension `id` (from `initialize` in the
    /// session era, from this request's `_meta` in 2026-07-28); `None` when it did not
    /// declare the extension.
    pub fn client_extension(&self, id: &str) -> Option<&Value> {
        crate::extension::client_settings(self.scope.client_capabilities(), id)
    }

    /// The id of the task this call runs as, if it runs as one.
    pub fn task_id(&self) -> Option<&str> {
        self.scope.task.get().map(|t| t.id.as_str())
    }

    /// The authenticated caller (HTTP with `Auth`); `None` for anonymous requests and on
    /// transports without authorization. Handlers usually take a
    /// [`Principal`](crate::auth::Principal) parameter instead.
    pub fn principal(&self) -> Option<&crate::auth::Principal> {
        self.scope.auth.as_ref().and_then(|a| a.principal.as_ref())
    }

    /// The raw `_meta` of the request.
    pub fn meta(&self) -> &serde_json::Map<String, Value> {
        &self.scope.meta
    }

    /// Fires when the client cancels the request.
    pub fn cancellation_token(&self) -> &CancellationToken {
        self.scope.cancel_token()
    }

    /// True once the client cancelled the request.
    pub fn is_cancelled(&self) -> bool {
        self.scope.is_cancelled()
    }

    /// Resolves when the client cancels the request.
    pub async fn cancelled(&self) {
        self.scope.cancel_token().cancelled().await
    }

    /// A value registered with `.state(value)` on the server builder.
    pub fn state<T: Clone + 'static>(&self) -> Option<T> {
        self.home_server().state.get::<T>().cloned()
    }

    /// The server whose handlers run this request: a mounted server for its own tools,
    /// resources and prompts, else the server that received it.
    pub(crate) fn home_server(&self) -> &Arc<ServerShared> {
        self.home.as_ref().unwrap_or(self.scope.server())
    }

    /// This context as seen by a handler of the mounted server `home`.
    pub(crate) fn at_home(&self, home: &Arc<ServerShared>) -> Context {
        Context {
            scope: self.scope.clone(),
            home: Some(home.clone()),
        }
    }

    /// Reports progress: `ctx.progress(1, Some(3), "copying").await`. Sent only when the
    /// client asked for progress (a `progressToken`), only while the request runs, and
    /// only when `progress` increases; returns whether a notification was sent.
    ///
    /// `progress` and `total` are numbers of one type (any integer or float; literals
    /// just work); without a known total pass `None`. The message may be `&str`, `String`
    /// or `None`.
    ///
    /// ```
    /// # use mcp_runtime::Context;
    /// # async fn demo(ctx: Context, files: Vec<String>) {
    /// ctx.progress(0, None, "scanning").await;
    /// for (done, file) in files.iter().enumerate() {
    ///     ctx.progress(done + 1, Some(files.len()), format!("copied {file}")).await;
    /// }
    /// ctx.progress(0.5, Some(1.0), None).await;
    /// # }
    /// ```
    pub async fn progress<N: ProgressAmount>(
        &self,
        progress: N,
        total: Option<N>,
        message: impl ProgressMessage,
    ) -> bool {
        let message = message.into_message();
        if let (Some(task), Some(text)) = (self.scope.task.get(), &message) {
            // A task's progress message is its `statusMessage` too (2026-07-28 tasks
            // have no progress notifications, but `tasks/get` shows it).
            if let Some(tasks) = &self.scope.server().tasks {
                let update = crate::tasks::TaskUpdate::Message(Some(text.clone()));
                if let Err(e) = tasks.update(&task.id, update).await {
                    tracing::debug!(error = %e, "recording a task's progress failed");
                }
            }
        }
        let Some(token) = self.progress_token() else {
            return false;
        };
        let progress = progress.to_f64();
        {
            let mut last = self.scope.last_progress.lock().expect("progress lock");
            if self.scope.done.load(Ordering::Acquire) || last.is_some_and(|l| progress <= l) {
                return false;
            }
            *last = Some(progress);
        }
        let params = ProgressNotificationParams {
            progress_token: token.clone(),
            progress,
            total: total.map(ProgressAmount::to_f64),
            message,
        };
        self.scope
            .out()
            .send(jsonrpc::notification("notifications/progress", &params))
            .await
    }

    /// Pings the client (session era) and waits for the answer, at most
    /// `ServerConfig::client_request_timeout`.
    pub async fn ping(&self) -> Result<(), Error> {
        let Some(session) = self.session().filter(|_| self.era() == Era::Session) else {
            return Err(Error::tool(
                "ping: the server can only ping session-era clients",
            ));
        };
        crate::input::round_trip(
            session,
            self.scope.out(),
            "ping",
            &serde_json::json!({}),
            self.scope.server().config.client_request_timeout,
            self.scope.cancel_token(),
            None,
        )
        .await
        .map(drop)
    }

    /// The minimum level the client wants log messages at, if it asked for any.
    pub fn log_level(&self) -> Option<LoggingLevel> {
        match self.scope.session() {
            Some(session) if self.era() == Era::Session => session.log_level(),
            _ => self.scope.log_level,
        }
    }

    /// Sends a `notifications/message` on this request's stream if the client asked for
    /// messages at `level` or above; returns whether it was sent.
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) -> bool {
        self.log_to(level, None, data).await
    }

    /// Like [`log`](Self::log), with a logger name.
    pub async fn log_to(
        &self,
        level: LoggingLevel,
        logger: Option<&str>,
        data: impl Serialize,
    ) -> bool {
        if self.scope.done.load(Ordering::Acquire) || self.log_level().is_none_or(|min| level < min)
        {
            return false;
        }
        let params = LoggingMessageParams {
            level,
            logger: logger.map(str::to_owned),
            data: serde_json::to_value(data).unwrap_or(Value::Null),
        };
        self.scope
            .out()
            .send(jsonrpc::notification("notifications/message", &params))
            .await
    }

    /// A handle on the server, for changing tools and announcing changes (for a handler
    /// of a mounted server: that server's handle; its changes reach the mounting
    /// server's clients).
    pub fn server(&self) -> crate::server::ServerHandle {
        crate::server::ServerHandle {
            shared: self.home_server().clone(),
        }
    }

    /// The session-era client this request came from, reachable after the request ends
    /// (e.g. to ping it later). `None` in the 2026 era.
    pub fn peer(&self) -> Option<crate::server::Peer> {
        let conn = self.scope.conn()?.clone();
        crate::server::Peer::new(conn, self.scope.server()).filter(|_| self.era() == Era::Session)
    }

    /// Closes this request's response stream early while the request keeps running (SSE
    /// polling): the client reconnects with `Last-Event-ID` and receives what was sent
    /// after the close, including the response. Only resumable streams support this
    /// (session-era Streamable HTTP); returns false, doing nothing, everywhere else.
    pub fn close_stream(&self) -> bool {
        self.scope.out().close_stream()
    }

    /// The legacy session this request belongs to, if any.
    pub(crate) fn session(&self) -> Option<&Arc<Session>> {
        self.scope.session()
    }
}

/// A progress or total amount for [`Context::progress`]: any primitive integer or float.
///
/// Progress and total share one type, so `None` needs no annotation:
/// `ctx.progress(1, None, "started")`.
pub trait ProgressAmount: Copy + Send {
    /// The amount as sent on the wire (JSON numbers are doubles).
    fn to_f64(self) -> f64;
}

macro_rules! progress_amount {
    ($($t:ty),*) => {$(
        impl ProgressAmount for $t {
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

progress_amount!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

/// A progress message: `&str`, `String` or `None`.
pub trait ProgressMessage {
    /// The message, if any.
    fn into_message(self) -> Option<String>;
}

impl ProgressMessage for &str {
    fn into_message(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl ProgressMessage for String {
    fn into_message(self) -> Option<String> {
        Some(self)
    }
}

impl ProgressMessage for &String {
    fn into_message(self) -> Option<String> {
        Some(self.clone())
    }
}

impl ProgressMessage for Option<String> {
    fn into_message(self) -> Option<String> {
        self
    }
}
