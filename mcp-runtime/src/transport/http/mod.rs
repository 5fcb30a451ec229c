//! Streamable HTTP for both protocol eras on one endpoint.
//!
//! * Session era (2025-03-26 … 2025-11-25): `initialize` creates a session
//!   (`Mcp-Session-Id`); POST carries messages, GET opens the standalone SSE stream or
//!   resumes one with `Last-Event-ID`, DELETE ends the session.
//! * 2026-07-28: POST only, no sessions; headers mirror the body and are validated.
//!
//! The era is chosen per request by the dispatcher's one rule (see `routing`). [`McpHttpService`] is a tower
//! service (mount it in axum or hyper); [`Server::serve_http`] runs it on hyper.

// Handlers return the finished error `Response` on their early-exit paths; it is built
// once per refused request, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod admission;
mod authz;
mod body;
mod card;
mod cluster;
mod config;
mod connections;
mod event_store;
mod headers;
mod origin;
mod reply;
mod request_body;
mod routing;
mod serve;
mod service;
mod session_era;
mod session_store;
mod sse;
mod stateless;
mod stream;

pub use admission::FairnessKey;
pub use body::ResponseBody;
pub use card::ServerCardService;
pub use config::{HostPolicy, HttpConfig, ResponseMode, SessionCapPolicy};
pub use event_store::{EventStore, InMemoryEventStore, Replay, StoreFuture, StreamId};
pub use serve::shutdown_signal;
pub use service::McpHttpService;

use std::future::Future;

use tokio::net::{TcpListener, ToSocketAddrs};

use crate::error::Result;
use crate::server::{Server, ServerBuilder};

impl Server {
    /// The Streamable HTTP endpoint as a tower service, to mount in axum
    /// (`Router::new().nest_service("/mcp", server.http_service(HttpConfig::default()))`)
    /// or serve with hyper.
    pub fn http_service(&self, config: HttpConfig) -> McpHttpService {
        McpHttpService::new(self.clone(), config)
    }

    /// Serves the endpoint at `/mcp` on `addr` (e.g. `"127.0.0.1:8080"`) with the default
    /// [`HttpConfig`], until an error occurs. Bind to loopback for local servers: the
    /// default configuration only accepts localhost `Host`s when bound there.
    pub async fn serve_http(self, addr: impl ToSocketAddrs) -> Result<()> {
        self.serve_http_with_shutdown(addr, HttpConfig::default(), std::future::pending())
            .await
    }

    /// Like [`serve_http`](Self::serve_http) with `config`, shutting down gracefully once
    /// `signal` resolves: no new connections or requests, running requests finish (up to
    /// [`HttpConfig::shutdown_grace`]), then sessions close, then the connections to
    /// proxied remotes (a stdio child gets end of file, and is killed if it has not exited
    /// two seconds later).
    pub async fn serve_http_with_shutdown(
        self,
        addr: impl ToSocketAddrs,
        config: HttpConfig,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<()> {
        let listener = TcpListener::bind(addr).await?;
        self.serve_http_on(listener, config, signal).await
    }

    /// Like [`serve_http_with_shutdown`](Self::serve_http_with_shutdown) on a listener
    /// you bound yourself (e.g. on port 0, reading the port from
    /// [`TcpListener::local_addr`]).
    ///
    /// Like `serve_stdio`, installs [`logging::init`](crate::logging::init) when no
    /// `tracing` subscriber is set.
    pub async fn serve_http_on(
        self,
        listener: TcpListener,
        config: HttpConfig,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<()> {
        crate::logging::init_if_unset();
        let shared = self.shared.clone();
        let served = serve::serve(self, listener, config, signal).await;
        shared.close_remotes().await;
        served
    }
}

impl ServerBuilder {
    /// Builds the server and returns its HTTP service.
    ///
    /// # Panics
    ///
    /// If the server cannot be built (the message is the build error); call
    /// [`build`](Self::build) first to handle that case.
    pub fn http_service(self, config: HttpConfig) -> McpHttpService {
        match self.build() {
            Ok(server) => server.http_service(config),
            Err(e) => panic!("{e}"),
        }
    }

    /// Builds the server and serves it with [`Server::serve_http`].
    pub async fn serve_http(self, addr: impl ToSocketAddrs) -> Result<()> {
        self.build()?.serve_http(addr).await
    }

    /// Builds the server and serves it with [`Server::serve_http_with_shutdown`].
    pub async fn serve_http_with_shutdown(
        self,
        addr: impl ToSocketAddrs,
        config: HttpConfig,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<()> {
        self.build()?
            .serve_http_with_shutdown(addr, config, signal)
            .await
    }

    /// Builds the server and serves it with [`Server::serve_http_on`].
    pub async fn serve_http_on(
        self,
        listener: TcpListener,
        config: HttpConfig,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<()> {
        self.build()?.serve_http_on(listener, config, signal).await
    }
}
