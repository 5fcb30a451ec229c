//! Serving helpers shared by the rmcp bench servers: stdio in both flavours and streamable
//! HTTP in the README default and in rmcp's fastest configuration.

use rmcp::transport::streamable_http_server::{
    session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
};
use rmcp::{ServerHandler, ServiceExt};

/// How an rmcp server is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RmcpMode {
    /// `serve(stdio())`, as rmcp's README shows.
    Stdio,
    /// `serve(stdio_pipes())`: non-blocking pipes on the IO reactor.
    StdioPipes,
    /// `StreamableHttpServerConfig::default()` under `axum::serve` (SSE replies,
    /// legacy sessions, Nagle on).
    HttpDefault,
    /// Default config (legacy sessions, SSE) with TCP_NODELAY: rmcp's best for the session era.
    HttpSessionFast,
    /// Stateless, JSON responses, no keep-alive pings, TCP_NODELAY: rmcp's best for
    /// stateless POSTs.
    HttpFast,
}

impl RmcpMode {
    /// Parses the command-line name of a mode.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "stdio" => Self::Stdio,
            "stdio-pipes" => Self::StdioPipes,
            "http-default" => Self::HttpDefault,
            "http-session-fast" => Self::HttpSessionFast,
            "http-fast" => Self::HttpFast,
            _ => return None,
        })
    }
}

/// Runs `make()`'s server in `mode` until the peer goes away (stdio) or forever (HTTP).
pub async fn serve<S, F>(mode: RmcpMode, addr: Option<&str>, make: F) -> std::io::Result<()>
where
    S: ServerHandler + Send + 'static,
    F: Fn() -> S + Send + Sync + 'static,
{
    match mode {
        RmcpMode::Stdio => {
            let running = make()
                .serve(rmcp::transport::stdio())
                .await
                .map_err(std::io::Error::other)?;
            running.waiting().await.map_err(std::io::Error::other)?;
            Ok(())
        }
        RmcpMode::StdioPipes => {
            let running = make()
                .serve(rmcp::transport::io::stdio_pipes())
                .await
                .map_err(std::io::Error::other)?;
            running.waiting().await.map_err(std::io::Error::other)?;
            Ok(())
        }
        RmcpMode::HttpDefault | RmcpMode::HttpSessionFast | RmcpMode::HttpFast => {
            let addr = addr.expect("HTTP modes need an address");
            let config = match mode {
                RmcpMode::HttpFast => StreamableHttpServerConfig::default()
                    .with_legacy_session_mode(false)
                    .with_json_response(true)
                    .with_sse_keep_alive(None),
                _ => StreamableHttpServerConfig::default(),
            };
            let service: StreamableHttpService<S, LocalSessionManager> =
                StreamableHttpService::new(move || Ok(make()), Default::default(), config);
            let router = axum::Router::new().nest_service("/mcp", service);
            let listener = tokio::net::TcpListener::bind(addr).await?;
            if mode == RmcpMode::HttpDefault {
                axum::serve(listener, router).await
            } else {
                use axum::serve::ListenerExt;
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, router).await
            }
        }
    }
}

/// Reads `MODE [ADDR]` from the command line.
pub fn args() -> (RmcpMode, Option<String>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args
        .first()
        .and_then(|m| RmcpMode::parse(m))
        .unwrap_or_else(|| {
            eprintln!(
                "usage: srv-rmcp stdio|stdio-pipes|http-default ADDR|http-session-fast ADDR|http-fast ADDR"
            );
            std::process::exit(2)
        });
    (mode, args.get(1).cloned())
}
