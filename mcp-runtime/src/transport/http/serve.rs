//! Running the service on hyper: accept loop (with `TCP_NODELAY`) under the connection
//! cap, HTTP/1.1 and HTTP/2, stalled and idle connections closed (see `connections`),
//! graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::config::{HostPolicy, HttpConfig};
use super::connections::Connections;
use super::reply;
use super::service::McpHttpService;
use crate::error::Result;
use crate::server::Server;

/// The path `serve_http` answers on.
pub(super) const ENDPOINT: &str = "/mcp";

pub(super) async fn serve(
    server: Server,
    listener: TcpListener,
    mut config: HttpConfig,
    signal: impl Future<Output = ()> + Send,
) -> Result<()> {
    #[cfg(feature = "auth")]
    if let Some(auth) = &config.auth {
        auth.validate()?;
    }
    let local = listener.local_addr()?;
    if config.allowed_hosts == HostPolicy::Localhost && !local.ip().is_loopback() {
        tracing::warn!(
            %local,
            "not bound to loopback: Host/Origin checks are off; set HttpConfig::allowed_hosts to the names clients use"
        );
        config.allowed_hosts = HostPolicy::Any;
    }
    let grace = config.shutdown_grace + server.config().cancel_grace;
    let connections = Connections::new(&config);
    connections.start_sweeper();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Header and keep-alive deadlines are the sweeper's, the same for both protocols;
    // hyper's timer drives HTTP/2 pings, which find peers that vanished mid-stream.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(config.keep_alive_timeout));
    let cards = config.server_card.then(|| {
        // An unspecified address is not a URL anyone can use: the card then lists only
        // the builder's remotes and the catalog carries it inline.
        let here = (!local.ip().is_unspecified()).then(|| format!("http://{local}{ENDPOINT}"));
        let remotes = super::card::card_remotes(&server, here.as_deref());
        Arc::new(super::card::CardRoutes::new(&server, ENDPOINT, &remotes))
    });
    let service = McpHttpService::new(server, config);
    tracing::info!(
        max_connections = connections.max(),
        "MCP endpoint listening on http://{local}{ENDPOINT}"
    );
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        // At the cap, wait for room before accepting, so new connections queue in the
        // kernel's backlog.
        let next = async {
            connections.room().await;
            listener.accept().await
        };
        let (stream, peer) = tokio::select! {
            biased;
            _ = &mut signal => break,
            accepted = next => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Usually out of file descriptors: close an idle connection and
                    // wait for a descriptor, instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    connections.shed().await;
                    continue;
                }
            },
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let io = connections.watch(stream);
        let state = io.state().clone();
        let svc = service.clone();
        let cards = cards.clone();
        let hyper_service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let active = state.begin();
            // Off the endpoint: the server card and AI Catalog, else 404 (decided here so
            // the endpoint's own requests pay nothing for it).
            // Then the protected resource metadata (RFC 9728) when the endpoint has `Auth`.
            let other = (req.uri().path() != ENDPOINT).then(|| {
                cards
                    .as_ref()
                    .and_then(|c| c.respond(&req))
                    .or_else(|| svc.metadata(&req))
                    .unwrap_or_else(|| reply::status(StatusCode::NOT_FOUND))
            });
            // The endpoint's future itself, not the tower service's boxed one: hyper keeps
            // each request's future in one box per connection already.
            let endpoint = svc.endpoint();
            async move {
                let res = match other {
                    Some(res) => res,
                    None => endpoint.handle(req).await,
                };
                Ok::<_, Infallible>(res.map(|body| body.on_connection(active)))
            }
        });
        let conn = builder
            .serve_connection(TokioIo::new(io), hyper_service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Closing it from outside (timeouts, the cap) shuts its socket down, which
            // ends this like a peer that left. `alone`: hyper wakes the connection's task
            // from inside its poll when it hands a request's body to the service; Tokio
            // took each such wake-up as a yield and woke the other worker to steal the
            // task (≈1.2 futex calls and 0.6 eventfd writes per request, and a 4 ms p99
            // at 64 connections where it is now 1.3 ms).
            if let Err(e) = crate::transport::duplex::alone(conn).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    let connections = async {
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::debug!("some connections were still open at the end of the grace period");
        }
    };
    tokio::join!(service.shutdown(), connections);
    Ok(())
}

/// A shutdown signal for [`Server::serve_http_on`](crate::Server::serve_http_on) and
/// [`serve_http_with_shutdown`](crate::Server::serve_http_with_shutdown): resolves on
/// Ctrl-C (`SIGINT`) or, on Unix, `SIGTERM`. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives while the
/// server is still starting shuts it down gracefully instead of killing the process.
///
/// ```no_run
/// use mcp_runtime::transport::http::{shutdown_signal, HttpConfig};
/// use mcp_runtime::Server;
///
/// # async fn demo() -> mcp_runtime::Result<()> {
/// let shutdown = shutdown_signal();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// println!("listening on http://{}/mcp", listener.local_addr()?);
/// Server::from_registry()
///     .build()?
///     .serve_http_on(listener, HttpConfig::default(), shutdown)
///     .await
/// # }
/// ```
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let signals = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        async move {
            match signals {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
