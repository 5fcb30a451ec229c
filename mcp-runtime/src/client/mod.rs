//! An MCP client (feature `client`): both protocol eras, over a child process's stdio, any
//! byte stream, or Streamable HTTP. It reuses the runtime's protocol types and framing;
//! the proxy ([`ServerBuilder::proxy`](crate::ServerBuilder::proxy)) is built on it.
//!
//! ```no_run
//! use mcp_runtime::client::{Client, Transport};
//!
//! # async fn demo() -> Result<(), mcp_runtime::client::ClientError> {
//! let client = Client::builder()
//!     .name("my-agent", "1.0.0")
//!     .connect(Transport::stdio("npx", ["-y", "@modelcontextprotocol/server-everything"]))
//!     .await?;
//! for tool in client.list_tools().await? {
//!     println!("{}", tool.name);
//! }
//! let result = client.call_tool("echo", serde_json::json!({ "message": "hi" })).await?;
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! * **Eras.** [`EraChoice::Auto`] (the default) probes with `server/discover` and
//!   falls back to the `initialize` handshake when the server is a session-era one, as
//!   the 2026-07-28 backward-compatibility rules describe. [`EraChoice::Both`] keeps
//!   both open when the server speaks both (each request picks one).
//! * **Talking back.** Sampling, elicitation and roots requests from the server reach
//!   the [`on_request`](ClientBuilder::on_request) handler in both eras: as
//!   server-to-client requests in the session era, as `input_required` rounds in 2026
//!   (the typed methods answer them and retry by themselves).
//! * **Notifications** that belong to no request (list changes, resource updates) reach
//!   [`on_notification`](ClientBuilder::on_notification).
//! * **Low level.** [`Client::start`] sends one request and yields everything the server
//!   sends about it ([`Exchange`]): progress and log notifications, server-to-client
//!   requests, the result. Dropping an unfinished exchange cancels the request.
//! * **HTTP.** Plain `http://` URLs (HTTPS is not built in). The session era's response
//!   streams are resumed with `Last-Event-ID` when the server closes them early; the
//!   2026 era's `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` headers are sent as the
//!   transport requires (tool parameters from the last `tools/list`).

mod closing;
mod exchange;
mod http;
mod pool;
mod sse;
mod stream;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

pub(crate) use exchange::{EventReceiver, EventSender};
pub use exchange::{Exchange, Incoming};

use crate::protocol::types::{
    CallToolResult, DiscoverResult, Implementation, InitializeResult, ListToolsResult,
    ServerCapabilities, Tool,
};
use crate::protocol::{
    meta, ErrorObject, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, Prompt, ProtocolVersion, ReadResourceResult, RequestId, Resource,
    ResourceTemplate,
};
use crate::protocol::{Completion, Era};
use crate::server::header_params::{self, HeaderParam};
use crate::tool::BoxFuture;

/// Why a client call failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc(ErrorObject),
    /// The connection failed or the server's answer could not be understood.
    Transport(String),
    /// No answer in time.
    Timeout(String),
    /// The connection is closed (the server exited, or [`Client::close`] was called).
    Closed(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Rpc(e) => write!(f, "the server answered error {}: {}", e.code, e.message),
            ClientError::Transport(e) => write!(f, "transport error: {e}"),
            ClientError::Timeout(e) => write!(f, "timed out: {e}"),
            ClientError::Closed(e) => write!(f, "connection closed: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A request from the server to the client: `sampling/createMessage`,
/// `elicitation/create`, `roots/list` (or anything else the server asks).
#[derive(Debug, Clone)]
pub struct ServerRequest {
    /// The method.
    pub method: String,
    /// Its params.
    pub params: Value,
}

/// A notification from the server that belongs to no request of this client.
#[derive(Debug, Clone)]
pub struct ServerNotification {
    /// The method (`notifications/tools/list_changed`, `notifications/resources/updated`, ...).
    pub method: String,
    /// Its params.
    pub params: Value,
}

/// Answers server-to-client requests.
pub type RequestHandler =
    Arc<dyn Fn(ServerRequest) -> BoxFuture<'static, Result<Value, ErrorObject>> + Send + Sync>;
/// Receives notifications that belong to no request.
pub type NotificationHandler = Arc<dyn Fn(ServerNotification) + Send + Sync>;

/// Which protocol era to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EraChoice {
    /// 2026-07-28 when the server speaks it, else the session era.
    #[default]
    Auto,
    /// The session era (`initialize`, 2025-11-25).
    Session,
    /// 2026-07-28 only.
    Sessionless,
    /// Both, when the server speaks both (requests choose with [`RequestOptions::era`]);
    /// else whichever it speaks.
    Both,
}

/// How to reach the server.
pub struct Transport(pub(crate) TransportKind);

pub(crate) enum TransportKind {
    Stdio(stream::Command),
    Io(stream::BoxedIo),
    Http(http::Target),
}

impl Transport {
    /// Runs `program` with `args` as a child process and talks to it over its stdin and
    /// stdout (its stderr is inherited).
    pub fn stdio<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Transport(TransportKind::Stdio(stream::Command::new(
            program.into(),
            args.into_iter().map(Into::into).collect(),
        )))
    }

    /// Like [`stdio`](Self::stdio), with extra environment variables for the child.
    pub fn stdio_with_env<I, S, E, K, V>(program: impl Into<String>, args: I, env: E) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        E: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut cmd =
            stream::Command::new(program.into(), args.into_iter().map(Into::into).collect());
        cmd.env = env.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Transport(TransportKind::Stdio(cmd))
    }

    /// Newline-delimited JSON-RPC over any reader/writer pair (a socket, a pipe, an
    /// in-memory duplex).
    pub fn io<R, W>(reader: R, writer: W) -> Self
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        Transport(TransportKind::Io(stream::BoxedIo {
            reader: Box::new(reader),
            writer: Box::new(writer),
        }))
    }

    /// Streamable HTTP at `url` (`http://host:port/mcp`).
    pub fn http(url: impl Into<String>) -> Self {
        Transport(TransportKind::Http(http::Target {
            url: url.into(),
            headers: Vec::new(),
        }))
    }

    /// Streamable HTTP with extra headers on every request (e.g. `Authorization`).
    pub fn http_with_headers<I, K, V>(url: impl Into<String>, headers: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Transport(TransportKind::Http(http::Target {
            url: url.into(),
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }))
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            TransportKind::Stdio(c) => write!(f, "Transport::stdio({:?} {:?})", c.program, c.args),
            TransportKind::Io(_) => f.write_str("Transport::io(..)"),
            TransportKind::Http(t) => write!(f, "Transport::http({:?})", t.url),
        }
    }
}

/// Configures a [`Client`].
#[must_use = "a builder does nothing until `connect`"]
pub struct ClientBuilder {
    info: Implementation,
    capabilities: Value,
    era: EraChoice,
    on_request: Option<RequestHandler>,
    on_notification: Option<NotificationHandler>,
    request_timeout: Option<Duration>,
    connect_timeout: Duration,
}

impl ClientBuilder {
    /// `clientInfo` (defaults to `mcpserve-client` and this crate's version).
    pub fn name(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.info.name = name.into();
        self.info.version = version.into();
        self
    }

    /// The capabilities the client declares (default `{}`; declare `sampling`,
    /// `elicitation` or `roots` when the [`on_request`](Self::on_request) handler answers
    /// them).
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Which era to speak ([`EraChoice::Auto`] by default).
    pub fn era(mut self, era: EraChoice) -> Self {
        self.era = era;
        self
    }

    /// Answers the server's requests (sampling, elicitation, roots) in both eras.
    pub fn on_request<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, ErrorObject>> + Send + 'static,
    {
        self.on_request = Some(Arc::new(move |r| Box::pin(f(r))));
        self
    }

    /// Receives notifications that belong to no request (list changes, resource updates,
    /// and log messages or progress of nobody's request).
    pub fn on_notification(
        mut self,
        f: impl Fn(ServerNotification) + Send + Sync + 'static,
    ) -> Self {
        self.on_notification = Some(Arc::new(f));
        self
    }

    /// How long the typed methods wait for an answer (60 s by default; `None`: forever).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long connecting (spawning, the handshake) may take (30 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects and performs the handshake.
    pub async fn connect(self, transport: Transport) -> Result<Client, ClientError> {
        let timeout = self.connect_timeout;
        tokio::time::timeout(timeout, self.connect_inner(transport))
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Timeout(format!(
                    "connecting took longer than {timeout:?}"
                )))
            })
    }

    async fn connect_inner(self, transport: Transport) -> Result<Client, ClientError> {
        let router = Arc::new(Router {
            on_request: self.on_request.clone(),
            on_notification: self.on_notification.clone(),
        });
        let link = match transport.0 {
            TransportKind::Stdio(cmd) => Link::Stream(stream::StreamLink::spawn(cmd, router)?),
            TransportKind::Io(io) => Link::Stream(stream::StreamLink::over(io, router, None)),
            TransportKind::Http(target) => Link::Http(http::HttpLink::new(target, router)?),
        };
        let client = Client {
            shared: Arc::new(Shared {
                link,
                info_json: serde_json::to_string(&self.info).unwrap_or_else(|_| "{}".into()),
                info: self.info,
                capabilities: self.capabilities,
                session: OnceLock::new(),
                modern: OnceLock::new(),
                preferred: OnceLock::new(),
                handler: self.on_request,
                tool_headers: Mutex::default(),
                next_id: AtomicI64::new(1),
                timeout: self.request_timeout,
            }),
        };
        client.handshake(self.era).await?;
        Ok(client)
    }
}

/// A connection to one MCP server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) link: Link,
    info: Implementation,
    capabilities: Value,
    session: OnceLock<InitializeResult>,
    modern: OnceLock<DiscoverResult>,
    preferred: OnceLock<Era>,
    handler: Option<RequestHandler>,
    /// `clientInfo` as JSON, for 2026 `_meta`.
    info_json: String,
    /// `x-mcp-header` parameters per tool, from the last `tools/list` (2026 HTTP).
    tool_headers: Mutex<HashMap<String, Arc<[HeaderParam]>>>,
    next_id: AtomicI64,
    timeout: Option<Duration>,
}

/// Client-level callbacks, shared with the link's reader.
pub(crate) struct Router {
    pub(crate) on_request: Option<RequestHandler>,
    pub(crate) on_notification: Option<NotificationHandler>,
}

impl Router {
    pub(crate) fn notify(&self, method: String, params: Value) {
        match &self.on_notification {
            Some(f) => f(ServerNotification { method, params }),
            None => tracing::trace!(%method, "notification without a handler"),
        }
    }

    pub(crate) fn answer(
        &self,
        method: String,
        params: Value,
    ) -> BoxFuture<'static, Result<Value, ErrorObject>> {
        if method == "ping" {
            return Box::pin(std::future::ready(Ok(json!({}))));
        }
        match &self.on_request {
            Some(f) => f(ServerRequest { method, params }),
            None => Box::pin(std::future::ready(Err(method_not_found(&method)))),
        }
    }
}

/// The JSON-RPC response answering a server's request `id`.
pub(crate) fn response(
    id: Value,
    answer: Result<Value, ErrorObject>,
) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&match answer {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error }),
    })
}

pub(crate) fn method_not_found(method: &str) -> ErrorObject {
    ErrorObject {
        code: crate::protocol::code::METHOD_NOT_FOUND,
        message: format!("Method not found: {method} (this client does not handle it)"),
        data: None,
    }
}

/// One transport connection.
pub(crate) enum Link {
    Stream(Arc<stream::StreamLink>),
    Http(Arc<http::HttpLink>),
}

/// A request ready to go out.
pub(crate) struct Outgoing {
    pub(crate) id: RequestId,
    pub(crate) method: String,
    pub(crate) body: Vec<u8>,
    pub(crate) era: Era,
    /// 2026-07-28 HTTP headers (`Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`).
    pub(crate) headers: Vec<(::http::HeaderName, ::http::HeaderValue)>,
    /// HTTP: run the request inside its exchange instead of on a task of its own (the
    /// exchange is waited on right away).
    pub(crate) inline: bool,
}

impl Link {
    /// The client's callbacks, which answer the server's requests and notifications.
    pub(crate) fn router(&self) -> &Arc<Router> {
        match self {
            Link::Stream(l) => l.router(),
            Link::Http(l) => l.router(),
        }
    }

    async fn start(&self, out: Outgoing) -> Result<EventReceiver, ClientError> {
        match self {
            Link::Stream(l) => l.start(out).await,
            Link::Http(l) => l.start(out),
        }
    }

    async fn notify(&self, method: &str, params: Value, era: Era) -> Result<(), ClientError> {
        let body =
            serde_json::to_vec(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
                .map_err(|e| ClientError::Transport(e.to_string()))?;
        match self {
            Link::Stream(l) => l.send(body).await,
            Link::Http(l) => l.post_message(body, era).await,
        }
    }

    pub(crate) async fn respond(
        &self,
        id: Value,
        answer: Result<Value, ErrorObject>,
        era: Era,
    ) -> Result<(), ClientError> {
        let body = response(id, answer).map_err(|e| ClientError::Transport(e.to_string()))?;
        match self {
            Link::Stream(l) => l.send(body).await,
            Link::Http(l) => l.post_message(body, era).await,
        }
    }

    pub(crate) fn cancel(&self, id: &RequestId, era: Era) {
        match self {
            Link::Stream(l) => l.cancel(id),
            Link::Http(l) => l.cancel(id, era),
        }
    }

    fn closing(&self) -> &closing::Closing {
        match self {
            Link::Stream(l) => &l.closing,
            Link::Http(l) => &l.closing,
        }
    }

    async fn close(&self) {
        match self {
            Link::Stream(l) => l.close().await,
            Link::Http(l) => l.close().await,
        }
    }
}

/// A request as the proxy sends it: params members already as JSON text.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    /// The members of `params` except `_meta`, as JSON without the braces (may be empty).
    pub(crate) members: &'a str,
    /// `_meta` keys of the caller's own.
    pub(crate) meta: Option<&'a Map<String, Value>>,
    /// `params.name` or `params.uri`, for the 2026 HTTP headers.
    pub(crate) name: Option<&'a str>,
    /// `params.arguments`, for the 2026 HTTP `Mcp-Param-*` headers.
    pub(crate) arguments: Option<&'a RawValue>,
    /// 2026 era: the capabilities to declare (instead of the options' or the client's).
    pub(crate) capabilities: Option<&'a Value>,
    /// 2026 era: the log level to ask for.
    pub(crate) log_level: Option<crate::LoggingLevel>,
}

/// Writes `_meta` members after the params' own, opening the object on the first one.
struct MetaWriter<'a, 'm> {
    out: &'a mut String,
    own: Option<&'m Map<String, Value>>,
    open: bool,
    after_members: bool,
}

impl MetaWriter<'_, '_> {
    fn open(&mut self) {
        if self.open {
            self.out.push(',');
        } else {
            if self.after_members {
                self.out.push(',');
            }
            self.out.push_str(r#""_meta":{"#);
            self.open = true;
        }
    }

    /// `"key":value`, unless the caller's own `_meta` sets `key` (a constant: nothing
    /// to escape).
    fn field(&mut self, key: &'static str, value: impl FnOnce(&mut String)) {
        if self.own.is_some_and(|m| m.contains_key(key)) {
            return;
        }
        self.open();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push('"');
        self.out.push(':');
        value(self.out);
    }
}

/// Appends a value's JSON text.
pub(crate) fn push_json<T: Serialize + ?Sized>(out: &mut String, v: &T) {
    match serde_json::to_string(v) {
        Ok(s) => out.push_str(&s),
        Err(_) => out.push_str("null"),
    }
}

/// Appends a string as JSON; the common case (nothing to escape) is a plain copy.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        push_json(out, s);
    }
}

/// Appends a request id as JSON.
fn push_id(out: &mut String, id: &RequestId) {
    match id {
        // Not `write!`: the formatting machinery was ≈0.6k instructions a request.
        RequestId::Number(n) => out.push_str(itoa::Buffer::new().format(*n)),
        RequestId::String(s) => push_json_str(out, s),
    }
}

/// Options of one request sent with [`Client::start`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The era to send it in (default: the client's; must be one the server speaks).
    pub era: Option<Era>,
    /// Ask for progress notifications (a `progressToken` is added).
    pub progress: bool,
    /// 2026 era: the `clientCapabilities` to declare for this request instead of the
    /// client's own (a proxy passes its own client's).
    pub capabilities: Option<Value>,
    /// 2026 era: the log level to ask for (`_meta` `logLevel`).
    pub log_level: Option<crate::LoggingLevel>,
    /// The caller waits on the exchange at once (see [`Outgoing::inline`]).
    pub(crate) inline: bool,
}

impl RequestOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends the request in `era`.
    pub fn era(mut self, era: Era) -> Self {
        self.era = Some(era);
        self
    }

    /// Asks for progress notifications.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// Declares these capabilities for this request (2026 era).
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Asks for log messages at `level` and above (2026 era).
    pub fn log_level(mut self, level: crate::LoggingLevel) -> Self {
        self.log_level = Some(level);
        self
    }

    /// The request runs inside its exchange, which the caller polls until the end.
    pub(crate) fn inline(mut self) -> Self {
        self.inline = true;
        self
    }
}

impl Client {
    /// A builder with the defaults: `clientInfo` `mcpserve-client`, no capabilities,
    /// [`EraChoice::Auto`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            info: Implementation {
                name: "mcpserve-client".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                ..Default::default()
            },
            capabilities: json!({}),
            era: EraChoice::Auto,
            on_request: None,
            on_notification: None,
            request_timeout: Some(Duration::from_secs(60)),
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// Connects with the defaults.
    pub async fn connect(transport: Transport) -> Result<Client, ClientError> {
        Self::builder().connect(transport).await
    }

    /// The era requests go out in by default.
    pub fn era(&self) -> Era {
        *self.shared.preferred.get().unwrap_or(&Era::Session)
    }

    /// True when the server speaks `era` on this connection.
    pub fn speaks(&self, era: Era) -> bool {
        match era {
            Era::Session => self.shared.session.get().is_some(),
            Era::Sessionless => self.shared.modern.get().is_some(),
        }
    }

    /// The server's identity (`serverInfo`).
    pub fn server_info(&self) -> Implementation {
        if let Some(init) = self.shared.session.get() {
            return init.server_info.clone();
        }
        self.shared
            .modern
            .get()
            .and_then(|d| d.meta.as_ref()?.get(meta::SERVER_INFO).cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// The capabilities the server declared.
    pub fn server_capabilities(&self) -> ServerCapabilities {
        if let Some(d) = self.shared.modern.get() {
            return d.capabilities.clone();
        }
        self.shared
            .session
            .get()
            .map(|i| i.capabilities.clone())
            .unwrap_or_default()
    }

    /// The server's instructions, if any.
    pub fn instructions(&self) -> Option<String> {
        self.shared
            .session
            .get()
            .and_then(|i| i.instructions.clone())
            .or_else(|| {
                self.shared
                    .modern
                    .get()
                    .and_then(|d| d.instructions.clone())
            })
    }

    /// The protocol version of requests sent in `era`.
    pub fn protocol_version(&self, era: Era) -> ProtocolVersion {
        match era {
            Era::Sessionless => ProtocolVersion::V2026_07_28,
            Era::Session => self
                .shared
                .session
                .get()
                .and_then(|i| ProtocolVersion::parse(&i.protocol_version))
                .unwrap_or(ProtocolVersion::LATEST_SESSION),
        }
    }

    /// Why the connection closed, once it has.
    pub fn closed_reason(&self) -> Option<String> {
        self.shared.link.closing().reason()
    }

    /// True once the connection is closed (what [`closed_reason`](Self::closed_reason)
    /// tells, without copying the reason).
    #[cfg(feature = "proxy")]
    pub(crate) fn is_closed(&self) -> bool {
        self.shared.link.closing().is_closed()
    }

    /// Resolves when the connection closes (the server exited or ended the session, or
    /// [`close`](Self::close) was called); then [`closed_reason`](Self::closed_reason)
    /// says why.
    pub async fn closed(&self) {
        self.shared.link.closing().token.cancelled().await
    }

    async fn handshake(&self, choice: EraChoice) -> Result<(), ClientError> {
        let want_modern = choice != EraChoice::Session;
        let mut modern_error = None;
        if want_modern {
            match self.discover().await {
                Ok(d) => {
                    let _ = self.shared.modern.set(d);
                }
                Err(ClientError::Rpc(e))
                    if e.code == crate::protocol::code::UNSUPPORTED_PROTOCOL_VERSION =>
                {
                    return Err(ClientError::Rpc(e));
                }
                Err(e @ ClientError::Closed(_)) => return Err(e),
                Err(e) => modern_error = Some(e),
            }
        }
        let modern = self.shared.modern.get().is_some();
        if choice == EraChoice::Sessionless && !modern {
            return Err(modern_error.unwrap_or_else(|| {
                ClientError::Transport("the server does not speak 2026-07-28".into())
            }));
        }
        if !modern || choice == EraChoice::Both || choice == EraChoice::Session {
            match self.initialize().await {
                Ok(init) => {
                    let _ = self.shared.session.set(init);
                }
                Err(e) if !modern => return Err(e),
                Err(e) => tracing::debug!(error = %e, "the server does not speak the session era"),
            }
        }
        let preferred = if modern && choice != EraChoice::Session {
            Era::Sessionless
        } else {
            Era::Session
        };
        let _ = self.shared.preferred.set(preferred);
        if let (Link::Http(l), Some(_)) = (&self.shared.link, self.shared.session.get()) {
            l.open_listen_stream();
        }
        Ok(())
    }

    async fn discover(&self) -> Result<DiscoverResult, ClientError> {
        let raw = tokio::time::timeout(
            Duration::from_secs(10),
            self.raw_request(
                "server/discover",
                json!({}),
                RequestOptions::new().era(Era::Sessionless),
            ),
        )
        .await
        .map_err(|_| ClientError::Timeout("server/discover".into()))??;
        serde_json::from_str(raw.get())
            .map_err(|e| ClientError::Transport(format!("invalid server/discover result: {e}")))
    }

    async fn initialize(&self) -> Result<InitializeResult, ClientError> {
        let params = json!({
            "protocolVersion": ProtocolVersion::LATEST_SESSION.as_str(),
            "capabilities": self.shared.capabilities,
            "clientInfo": self.shared.info,
        });
        let raw = self
            .raw_request(
                "initialize",
                params,
                RequestOptions::new().era(Era::Session),
            )
            .await?;
        let init: InitializeResult = serde_json::from_str(raw.get())
            .map_err(|e| ClientError::Transport(format!("invalid initialize result: {e}")))?;
        if let Link::Http(l) = &self.shared.link {
            l.set_session_version(&init.protocol_version);
        }
        self.shared
            .link
            .notify("notifications/initialized", json!({}), Era::Session)
            .await?;
        Ok(init)
    }

    /// Sends one request and returns everything the server sends about it. The era's
    /// `_meta` is added (2026: protocol version, capabilities, client info; a
    /// `progressToken` when asked for). Dropping the exchange before its result cancels
    /// the request.
    pub async fn start(
        &self,
        method: &str,
        params: Value,
        options: RequestOptions,
    ) -> Result<Exchange, ClientError> {
        let mut params = match params {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(ClientError::Transport(format!(
                    "params must be an object, not {other}"
                )))
            }
        };
        let meta = match params.remove("_meta") {
            Some(Value::Object(m)) => m,
            None => Map::new(),
            Some(_) => return Err(ClientError::Transport("`_meta` must be an object".into())),
        };
        let mut members = String::new();
        for (k, v) in &params {
            if !members.is_empty() {
                members.push(',');
            }
            push_json_str(&mut members, k);
            members.push(':');
            push_json(&mut members, v);
        }
        let name = params
            .get("name")
            .or_else(|| params.get("uri"))
            .or_else(|| params.get("taskId"))
            .and_then(Value::as_str);
        let arguments = params
            .get("arguments")
            .and_then(|a| serde_json::value::to_raw_value(a).ok());
        let request = Request {
            method,
            members: &members,
            meta: (!meta.is_empty()).then_some(&meta),
            name,
            arguments: arguments.as_deref(),
            capabilities: None,
            log_level: None,
        };
        self.send_request(request, options).await
    }

    /// Sends a request whose params are already JSON text (the proxy forwards arguments
    /// without re-encoding them).
    pub(crate) async fn send_request(
        &self,
        req: Request<'_>,
        options: RequestOptions,
    ) -> Result<Exchange, ClientError> {
        let era = options.era.unwrap_or_else(|| self.era());
        let id = RequestId::Number(self.shared.next_id.fetch_add(1, Ordering::Relaxed));
        let body = self.encode(&id, &req, era, &options);
        let headers = if era == Era::Sessionless && matches!(self.shared.link, Link::Http(_)) {
            self.modern_headers(&req)
        } else {
            Vec::new()
        };
        let rx = self
            .shared
            .link
            .start(Outgoing {
                id: id.clone(),
                // Only HTTP needs it (the `initialize` answer, error messages).
                method: match self.shared.link {
                    Link::Http(_) => req.method.to_owned(),
                    Link::Stream(_) => String::new(),
                },
                body,
                era,
                headers,
                inline: options.inline,
            })
            .await?;
        Ok(Exchange::new(id, era, rx, self.clone()))
    }

    /// The request's JSON-RPC text, with the era's `_meta` (the caller's own keys win).
    /// Written straight into one buffer: no intermediate strings per field.
    fn encode(
        &self,
        id: &RequestId,
        req: &Request<'_>,
        era: Era,
        options: &RequestOptions,
    ) -> Vec<u8> {
        let modern = if era == Era::Sessionless {
            256 + self.shared.info_json.len()
        } else {
            0
        };
        let mut out = String::with_capacity(96 + req.members.len() + modern);
        out.push_str(r#"{"jsonrpc":"2.0","id":"#);
        push_id(&mut out, id);
        out.push_str(r#","method":"#);
        push_json_str(&mut out, req.method);
        out.push_str(r#","params":{"#);
        out.push_str(req.members);
        let mut meta = MetaWriter {
            out: &mut out,
            own: req.meta,
            open: false,
            after_members: !req.members.is_empty(),
        };
        if options.progress {
            meta.field("progressToken", |o| push_id(o, id));
        }
        if era == Era::Sessionless {
            meta.field(meta::PROTOCOL_VERSION, |o| o.push_str(r#""2026-07-28""#));
            let caps = req
                .capabilities
                .or(options.capabilities.as_ref())
                .unwrap_or(&self.shared.capabilities);
            meta.field(meta::CLIENT_CAPABILITIES, |o| push_json(o, caps));
            meta.field(meta::CLIENT_INFO, |o| o.push_str(&self.shared.info_json));
            if let Some(level) = req.log_level.or(options.log_level) {
                meta.field(meta::LOG_LEVEL, |o| push_json(o, &level));
            }
        }
        if let Some(own) = req.meta {
            for (k, v) in own {
                meta.open();
                push_json_str(meta.out, k);
                meta.out.push(':');
                push_json(meta.out, v);
            }
        }
        if meta.open {
            out.push('}');
        }
        out.push_str("}}");
        out.into_bytes()
    }

    /// The SEP-2243 headers of a 2026-07-28 HTTP request.
    fn modern_headers(&self, req: &Request<'_>) -> Vec<(::http::HeaderName, ::http::HeaderValue)> {
        use ::http::{HeaderName, HeaderValue};
        let method = req.method;
        let mut headers = Vec::with_capacity(4);
        headers.push((
            HeaderName::from_static("mcp-protocol-version"),
            HeaderValue::from_static(ProtocolVersion::V2026_07_28.as_str()),
        ));
        let value = |v: &str| HeaderValue::from_str(v).ok();
        let Some(m) = value(method) else {
            return headers;
        };
        headers.push((HeaderName::from_static("mcp-method"), m));
        // The tasks extension's methods mirror `taskId` (its declared name parameter).
        let named = matches!(
            method,
            "tools/call"
                | "prompts/get"
                | "resources/read"
                | "tasks/get"
                | "tasks/update"
                | "tasks/cancel"
        );
        if let Some(name) = req.name.filter(|_| named) {
            if let Some(v) = value(&header_params::encode_value(name)) {
                headers.push((HeaderName::from_static("mcp-name"), v));
            }
            if method == "tools/call" {
                let specs = self
                    .shared
                    .tool_headers
                    .lock()
                    .expect("tool headers")
                    .get(name)
                    .cloned();
                if let Some(specs) = specs {
                    let args: Value = req
                        .arguments
                        .and_then(|a| serde_json::from_str(a.get()).ok())
                        .unwrap_or(Value::Null);
                    for spec in specs.iter() {
                        let header = HeaderName::try_from(format!("mcp-param-{}", spec.name));
                        if let (Ok(k), Some(v)) =
                            (header, spec.header_value(&args).as_deref().and_then(value))
                        {
                            headers.push((k, v));
                        }
                    }
                }
            }
        }
        headers
    }

    /// Sends a request and waits for its raw result. Server-to-client requests that come
    /// with it go to the [`on_request`](ClientBuilder::on_request) handler, its
    /// notifications to [`on_notification`](ClientBuilder::on_notification). An
    /// `input_required` result is returned as it is.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let raw = self
            .raw_request(method, params, RequestOptions::new())
            .await?;
        serde_json::from_str(raw.get()).map_err(|e| ClientError::Transport(e.to_string()))
    }

    /// Like [`request`](Self::request) with options, returning the result's raw JSON.
    pub async fn raw_request(
        &self,
        method: &str,
        params: Value,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, ClientError> {
        let timeout = self.shared.timeout;
        let work = async {
            let mut exchange = self.start(method, params, options.inline()).await?;
            exchange.finish_with_handlers().await
        };
        match timeout {
            Some(t) => tokio::time::timeout(t, work).await.map_err(|_| {
                ClientError::Timeout(format!("no answer to `{method}` within {t:?}"))
            })?,
            None => work.await,
        }
    }

    /// Sends `method` and, while the result is `input_required` (2026 era), answers its
    /// input requests with the [`on_request`](ClientBuilder::on_request) handler and
    /// retries, as a 2026 client does.
    pub async fn request_resolving_inputs(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientError> {
        let mut result = self.request(method, params.clone()).await?;
        for _ in 0..16 {
            if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                return Ok(result);
            }
            let mut responses = Map::new();
            if let Some(Value::Object(requests)) = result.get("inputRequests") {
                for (key, request) in requests {
                    let req = ServerRequest {
                        method: request["method"].as_str().unwrap_or_default().to_owned(),
                        params: request.get("params").cloned().unwrap_or(Value::Null),
                    };
                    let answer = match &self.shared.handler {
                        Some(h) => h(req).await.map_err(ClientError::Rpc)?,
                        None => return Err(ClientError::Rpc(method_not_found(&req.method))),
                    };
                    responses.insert(key.clone(), answer);
                }
            }
            let mut retry = params.clone();
            retry["inputResponses"] = Value::Object(responses);
            if let Some(state) = result.get("requestState") {
                retry["requestState"] = state.clone();
            }
            result = self.request(method, retry).await?;
        }
        Err(ClientError::Transport(format!(
            "`{method}` asked for input more than 16 times"
        )))
    }

    /// Every tool (all pages). In the 2026 era over HTTP this also learns which
    /// arguments the tools mirror into headers.
    pub async fn list_tools(&self) -> Result<Vec<Tool>, ClientError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let page: ListToolsResult = self.page("tools/list", &cursor).await?;
            tools.extend(page.tools);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        self.learn_headers(&tools);
        Ok(tools)
    }

    /// Remembers the `x-mcp-header` parameters of `tools`; tools whose annotations are
    /// invalid are left out of the result, as the 2026 transport requires of clients.
    pub(crate) fn learn_headers(&self, tools: &[Tool]) {
        let mut map = self.shared.tool_headers.lock().expect("tool headers");
        map.clear();
        for t in tools {
            if let Some(schema) = t.input_schema.as_object() {
                match header_params::collect(&t.name, schema) {
                    Ok(params) if !params.is_empty() => {
                        map.insert(t.name.clone(), params.into());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(tool = %t.name, error = %e, "tool with invalid x-mcp-header annotations")
                    }
                }
            }
        }
    }

    async fn page<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        cursor: &Option<String>,
    ) -> Result<T, ClientError> {
        let params = match cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let value = self.request(method, params).await?;
        serde_json::from_value(value)
            .map_err(|e| ClientError::Transport(format!("invalid {method} result: {e}")))
    }

    /// Calls a tool; input requests (2026) and server-to-client requests (session era)
    /// go to the [`on_request`](ClientBuilder::on_request) handler.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<CallToolResult, ClientError> {
        let arguments =
            serde_json::to_value(arguments).map_err(|e| ClientError::Transport(e.to_string()))?;
        let result = self
            .request_resolving_inputs(
                "tools/call",
                json!({ "name": name, "arguments": arguments }),
            )
            .await?;
        serde_json::from_value(result)
            .map_err(|e| ClientError::Transport(format!("invalid tools/call result: {e}")))
    }

    /// Every resource (all pages).
    pub async fn list_resources(&self) -> Result<Vec<Resource>, ClientError> {
        let mut all = Vec::new();
        let mut cursor = None;
        for _ in 0..10_000 {
            let page: ListResourcesResult = self.page("resources/list", &cursor).await?;
            all.extend(page.resources);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(all)
    }

    /// Every resource template (all pages).
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>, ClientError> {
        let mut all = Vec::new();
        let mut cursor = None;
        for _ in 0..10_000 {
            let page: ListResourceTemplatesResult =
                self.page("resources/templates/list", &cursor).await?;
            all.extend(page.resource_templates);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(all)
    }

    /// Reads a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        let value = self
            .request_resolving_inputs("resources/read", json!({ "uri": uri }))
            .await?;
        serde_json::from_value(value)
            .map_err(|e| ClientError::Transport(format!("invalid resources/read result: {e}")))
    }

    /// Every prompt (all pages).
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>, ClientError> {
        let mut all = Vec::new();
        let mut cursor = None;
        for _ in 0..10_000 {
            let page: ListPromptsResult = self.page("prompts/list", &cursor).await?;
            all.extend(page.prompts);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(all)
    }

    /// Renders a prompt.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<GetPromptResult, ClientError> {
        let arguments =
            serde_json::to_value(arguments).map_err(|e| ClientError::Transport(e.to_string()))?;
        let value = self
            .request_resolving_inputs(
                "prompts/get",
                json!({ "name": name, "arguments": arguments }),
            )
            .await?;
        serde_json::from_value(value)
            .map_err(|e| ClientError::Transport(format!("invalid prompts/get result: {e}")))
    }

    /// Completes an argument of a prompt (`ref/prompt`) or resource template
    /// (`ref/resource`): `reference` is the whole `ref` object.
    pub async fn complete(
        &self,
        reference: Value,
        argument: &str,
        value: &str,
    ) -> Result<Completion, ClientError> {
        let result = self
            .request(
                "completion/complete",
                json!({ "ref": reference, "argument": { "name": argument, "value": value } }),
            )
            .await?;
        serde_json::from_value(result["completion"].clone())
            .map_err(|e| ClientError::Transport(format!("invalid completion result: {e}")))
    }

    /// Pings the server (session era).
    pub async fn ping(&self) -> Result<(), ClientError> {
        self.raw_request("ping", json!({}), RequestOptions::new().era(Era::Session))
            .await
            .map(drop)
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value, era: Era) -> Result<(), ClientError> {
        self.shared.link.notify(method, params, era).await
    }

    /// Closes the connection: ends the session (HTTP `DELETE`), closes the child's stdin
    /// and waits briefly for it to exit (then kills it).
    pub async fn close(&self) {
        self.shared.link.close().await;
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("era", &self.era())
            .field("server", &self.server_info().name)
            .finish()
    }
}
