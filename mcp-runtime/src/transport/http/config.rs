//! What an HTTP deployment can tune. The defaults suit a local server on loopback.

use std::sync::Arc;
use std::time::Duration;

use super::event_store::{EventStore, InMemoryEventStore};

/// How a request's response is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// A JSON body when the handler replies before sending anything else; an SSE stream
    /// as soon as it sends a notification or request first (progress, logs, sampling),
    /// and from the start for a 2026-07-28 `tools/call` that asked for progress.
    #[default]
    Lazy,
    /// Always a JSON body, for simple deployments behind proxies that mishandle SSE.
    /// Notifications and server-to-client requests a handler sends go to the session's
    /// standalone GET stream in the session era, and are dropped in the 2026 era.
    Json,
    /// Always an SSE stream.
    Sse,
}

/// Which `Host` (and `Origin`) values are accepted: DNS-rebinding protection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HostPolicy {
    /// `localhost`, `127.0.0.1` and `[::1]` on any port. [`serve_http`] on a non-loopback
    /// address turns this into [`HostPolicy::Any`] (with a warning), since the names
    /// clients use to reach it are not known.
    ///
    /// [`serve_http`]: crate::Server::serve_http
    #[default]
    Localhost,
    /// These hosts: `name` matches any port, `name:port` only that port. Matching ignores
    /// ASCII case; write IPv6 literals in brackets (`[::1]`).
    List(Vec<String>),
    /// Every host: no DNS-rebinding protection (use behind a proxy that checks `Host`).
    Any,
}

/// Configuration of the Streamable HTTP transport. Start from the defaults (a local
/// server: localhost `Host`s only, no request timeout) and change what differs:
///
/// ```no_run
/// # mod mcpserve {
/// #     pub use mcp_runtime::transport::http::HttpConfig;
/// #     pub use mcp_runtime::*;
/// # }
/// use std::time::Duration;
/// use mcpserve::{HttpConfig, Server};
///
/// # async fn run() -> mcpserve::Result<()> {
/// let config = HttpConfig::default()
///     .allow_hosts(["mcp.example.com"])
///     .allow_origin("https://app.example.com")
///     .configure(|c| {
///         c.max_sessions = 1_000;
///         c.request_timeout = Some(Duration::from_secs(120));
///     });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
/// Server::from_registry()
///     .build()?
///     .serve_http_on(listener, config, shutdown)
///     .await
/// # }
/// ```
///
/// To mount the endpoint in an axum (or any tower) app instead, hand the same config to
/// [`Server::http_service`](crate::Server::http_service).
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Accepted `Host` headers; requests with any other get 403.
    pub allowed_hosts: HostPolicy,
    /// Extra accepted `Origin` values (`scheme://host[:port]`, exact match). An `Origin`
    /// is also accepted when its host passes [`allowed_hosts`](Self::allowed_hosts).
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Requests handled at once (across sessions); more get 503.
    pub max_concurrent_requests: usize,
    /// Live sessions at once; an `initialize` beyond this gets 503.
    pub max_sessions: usize,
    /// A session unused for this long is closed and its resources freed.
    pub session_idle_timeout: Duration,
    /// Offer a standalone GET stream for server-initiated messages (405 when false).
    pub enable_get_stream: bool,
    /// JSON, SSE, or decide per response.
    pub response_mode: ResponseMode,
    /// Messages buffered for a live SSE stream; a resumable stream whose client falls this
    /// far behind is closed (the client resumes from the event store), a 2026-07-28 stream
    /// makes the handler wait instead.
    pub sse_buffer: usize,
    /// Interval of SSE keep-alive comments on quiet streams.
    pub sse_keep_alive: Duration,
    /// The reconnection delay announced in each stream's priming event (`retry:`).
    pub sse_retry: Duration,
    /// A request still running after this long is cancelled and answered with an error
    /// (`None`: no limit). Open-ended requests (`subscriptions/listen`) are exempt.
    pub request_timeout: Option<Duration>,
    /// How long a graceful shutdown waits for in-flight requests before cancelling them.
    pub shutdown_grace: Duration,
    /// Where session-era SSE events are kept for resumption.
    pub event_store: Arc<dyn EventStore>,
    /// OAuth 2.1 authorization of every request (`None`: none; see [`crate::auth`]).
    #[cfg(feature = "auth")]
    pub auth: Option<crate::auth::Auth>,
    /// Serve the server card at `<endpoint>/server-card` and the AI Catalog at
    /// `/.well-known/ai-catalog.json` ([`Server::serve_http`](crate::Server::serve_http)
    /// only; see [`ServerCardService`](super::ServerCardService) for your own router).
    pub server_card: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            allowed_hosts: HostPolicy::Localhost,
            allowed_origins: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            max_concurrent_requests: 1024,
            max_sessions: 10_000,
            session_idle_timeout: Duration::from_secs(30 * 60),
            enable_get_stream: true,
            response_mode: ResponseMode::Lazy,
            sse_buffer: 256,
            sse_keep_alive: Duration::from_secs(15),
            sse_retry: Duration::from_secs(1),
            request_timeout: None,
            shutdown_grace: Duration::from_secs(10),
            event_store: Arc::new(InMemoryEventStore::default()),
            #[cfg(feature = "auth")]
            auth: None,
            server_card: true,
        }
    }
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("allowed_hosts", &self.allowed_hosts)
            .field("allowed_origins", &self.allowed_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("max_sessions", &self.max_sessions)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("enable_get_stream", &self.enable_get_stream)
            .field("response_mode", &self.response_mode)
            .field("sse_buffer", &self.sse_buffer)
            .field("sse_keep_alive", &self.sse_keep_alive)
            .field("sse_retry", &self.sse_retry)
            .field("request_timeout", &self.request_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("auth", &self.auth_debug())
            .field("server_card", &self.server_card)
            .finish_non_exhaustive()
    }
}

impl HttpConfig {
    /// Accepts these hosts (see [`HostPolicy::List`]) instead of the localhost names.
    pub fn allow_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_hosts = HostPolicy::List(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Also accepts this exact `Origin`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Replaces the event store used for resumable streams.
    pub fn event_store(mut self, store: impl EventStore) -> Self {
        self.event_store = Arc::new(store);
        self
    }

    /// Authorizes every request with `auth` (an OAuth 2.1 resource server; see
    /// [`crate::auth`]): bearer tokens, scopes, and the protected resource metadata.
    #[cfg(feature = "auth")]
    pub fn auth(mut self, auth: crate::auth::Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    fn auth_debug(&self) -> Option<&dyn std::fmt::Debug> {
        #[cfg(feature = "auth")]
        if let Some(a) = &self.auth {
            return Some(a);
        }
        None
    }

    /// Changes the configuration in place.
    pub fn configure(mut self, f: impl FnOnce(&mut HttpConfig)) -> Self {
        f(&mut self);
        self
    }
}
