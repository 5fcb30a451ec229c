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

/// What a server at [`HttpConfig::max_sessions`] does with a new `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionCapPolicy {
    /// Refuse it: `503` with a `Retry-After` saying when the soonest idle session
    /// expires (at least [`HttpConfig::session_idle_timeout`] away when every session is
    /// busy). Live sessions are never disturbed; a client that opens sessions and leaves
    /// them idle locks others out until they expire.
    Refuse,
    /// Close the least recently used idle session (no request running, no stream open)
    /// once it has been idle for at least `min_idle`, and admit the new one. When no
    /// session qualifies, refuse like [`Refuse`](Self::Refuse), with a `Retry-After`
    /// saying when one will. A client whose session was closed gets `404` on its next
    /// request and, as the protocol requires, initializes a new one.
    EvictIdle {
        /// How long a session must have been idle before it may be closed for a
        /// newcomer.
        min_idle: Duration,
    },
}

impl Default for SessionCapPolicy {
    fn default() -> Self {
        SessionCapPolicy::EvictIdle {
            min_idle: Duration::from_secs(60),
        }
    }
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
///
/// # Connections
///
/// [`serve_http`](crate::Server::serve_http) closes connections that stall or idle:
/// a request's headers must arrive within [`header_read_timeout`](Self::header_read_timeout)
/// of its first byte (of the connection's opening for its first request), its body
/// within [`body_read_timeout`](Self::body_read_timeout) with no gap longer than
/// [`body_idle_timeout`](Self::body_idle_timeout) (else `408`), and a connection with no
/// request in progress is closed after [`keep_alive_timeout`](Self::keep_alive_timeout).
/// At most [`max_connections`](Self::max_connections) are open; at the cap, the
/// connection idle the longest (keep-alive, or still sending its headers) is closed to
/// admit the new one, and when every connection is busy accepting pauses until one
/// ends. Timeouts are checked on a tick of a quarter of the shortest one (10 ms to 1 s),
/// so a connection closes up to that much after its deadline. The body timeouts also
/// apply when the service is mounted elsewhere (axum); the connection limits are
/// `serve_http`'s own, so configure the equivalent in the server you mount it in.
///
/// # Requests
///
/// At most [`max_concurrent_requests`](Self::max_concurrent_requests) run at once (else
/// `503`), of which [`reserved_sessionless_requests`](Self::reserved_sessionless_requests)
/// only 2026-07-28 requests may use, so session-era load never starves them. One session
/// may run [`max_requests_per_session`](Self::max_requests_per_session) at once and one
/// principal (a [`FairnessKey`](super::FairnessKey) set by a layer in front of the
/// service) [`max_requests_per_principal`](Self::max_requests_per_principal); beyond
/// those, `429`.
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
    /// Requests handled at once, across sessions and eras; more get 503. Default 1,024.
    pub max_concurrent_requests: usize,
    /// Of [`max_concurrent_requests`](Self::max_concurrent_requests), how many only
    /// 2026-07-28 (sessionless) requests may use: session-era requests get 503 once the
    /// rest is taken. Default 256 (clamped to the total).
    pub reserved_sessionless_requests: usize,
    /// Requests one session-era session may have running at once; more get 429. Count
    /// this well below the total, so one client cannot take every slot. Default 64.
    pub max_requests_per_session: usize,
    /// Requests one principal may have running at once, across its sessions and both
    /// eras; more get 429. The principal is the one `auth` authenticated (feature `auth`),
    /// or whatever a layer in front of the service names with a
    /// [`FairnessKey`](super::FairnessKey) in the request's extensions (that wins).
    /// Default 256.
    pub max_requests_per_principal: usize,
    /// How long a session-era request that is waiting for the client's answer
    /// (elicitation, sampling, roots, ping) may go on while no client reads its stream
    /// (the connection dropped and nobody resumed it) before it is cancelled. The
    /// client can still resume within this time (`GET` with `Last-Event-ID`) or answer.
    /// Applies to requests answered on their own SSE stream (what the default
    /// [`ResponseMode::Lazy`] does once a handler asks the client something); with
    /// [`ResponseMode::Json`] the question travels on the session's `GET` stream and
    /// waits up to the server's `client_request_timeout`. Default 5 s.
    pub detached_client_wait: Duration,
    /// Live sessions at once; what happens to an `initialize` beyond this is
    /// [`session_cap_policy`](Self::session_cap_policy). Default 10,000.
    pub max_sessions: usize,
    /// At [`max_sessions`](Self::max_sessions): make room by closing the least recently
    /// used idle session, or refuse. Default: evict sessions idle for a minute or more.
    pub session_cap_policy: SessionCapPolicy,
    /// A session unused for this long is closed and its resources freed. Default 30 min.
    pub session_idle_timeout: Duration,
    /// Open connections at once (`serve_http`). Lowered at start to fit the process's
    /// open-file limit (`RLIMIT_NOFILE`, keeping an eighth of it for everything else),
    /// so accepting never fails for lack of descriptors. Default 4,096.
    pub max_connections: usize,
    /// A request's line and headers must arrive within this long of its first byte (for
    /// a new connection, of its opening); else the connection is closed (`serve_http`).
    /// Default 10 s.
    pub header_read_timeout: Duration,
    /// A request body must arrive within this long of its headers; else `408` and the
    /// connection closes. Default 60 s.
    pub body_read_timeout: Duration,
    /// A request body may pause this long between chunks; else `408` and the connection
    /// closes. Default 10 s.
    pub body_idle_timeout: Duration,
    /// A connection with no request in progress is closed after this long
    /// (`serve_http`); HTTP/2 connections are also pinged this often and closed when
    /// the ping is not answered within 20 s. Default 60 s.
    pub keep_alive_timeout: Duration,
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
            reserved_sessionless_requests: 256,
            max_requests_per_session: 64,
            max_requests_per_principal: 256,
            detached_client_wait: Duration::from_secs(5),
            max_sessions: 10_000,
            session_cap_policy: SessionCapPolicy::default(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
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
            .field(
                "reserved_sessionless_requests",
                &self.reserved_sessionless_requests,
            )
            .field("max_requests_per_session", &self.max_requests_per_session)
            .field(
                "max_requests_per_principal",
                &self.max_requests_per_principal,
            )
            .field("detached_client_wait", &self.detached_client_wait)
            .field("max_sessions", &self.max_sessions)
            .field("session_cap_policy", &self.session_cap_policy)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field("keep_alive_timeout", &self.keep_alive_timeout)
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
