//! Transports: adapters that move bytes between a peer and the [`Dispatcher`](crate::Dispatcher).

cfg_http! {
    pub mod http;
}
mod duplex;
mod io;
pub(crate) mod lines;
mod stdio;

#[cfg(feature = "proxy")]
pub(crate) use io::only_waits;
pub use io::serve_io;

use crate::error::Result;
use crate::server::{Server, ServerBuilder};

impl Server {
    /// Serves newline-delimited JSON-RPC on stdin/stdout until stdin closes.
    ///
    /// Nothing but protocol messages is written to stdout; log with `tracing` to stderr.
    /// When no `tracing` subscriber is installed, [`logging::init`](crate::logging::init)
    /// installs one, so events in handlers reach clients that asked for logs.
    /// When both streams are pipes they are driven by the IO reactor (non-blocking, on
    /// private reopened descriptors) rather than Tokio's blocking pool. The serving runs
    /// as a task of the current runtime (on its worker threads under `#[tokio::main]`),
    /// so a request is read by the thread that sees it arrive; dropping the returned
    /// future stops it.
    ///
    /// Started by hand in a terminal, it says on stderr what it is and how to talk to it.
    ///
    /// When stdin closes, running tasks get [`TaskConfig::shutdown_grace`] to finish
    /// before they are failed ("the server shut down"), and the connections to proxied
    /// remotes are closed (a stdio child gets end of file, and is killed if it has not
    /// exited two seconds later).
    ///
    /// [`TaskConfig::shutdown_grace`]: crate::tasks::TaskConfig::shutdown_grace
    pub async fn serve_stdio(self) -> Result<()> {
        // Served on a task of its own, not in the caller's future: under `#[tokio::main]`
        // that future is `block_on` on the main thread, which does not drive the IO
        // reactor, so every stdin readiness event was seen by a worker in `epoll_wait`
        // that then had to wake the main thread (a futex wake-up and a context switch per
        // sequential request). As a task, the worker that sees the event polls it.
        // Dropping the returned future still stops the serving, as before.
        let serving =
            tokio_util::task::AbortOnDropHandle::new(tokio::spawn(self.serve_stdio_here()));
        match serving.await {
            Ok(served) => served,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => Err(std::io::Error::other(e).into()),
            },
        }
    }

    async fn serve_stdio_here(self) -> Result<()> {
        crate::logging::init_if_unset();
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            eprintln!("{}", stdio::terminal_notice(&self.info().name));
        }
        let (stdin, stdout) = stdio::stdio();
        let handle = self.handle();
        let shared = self.shared.clone();
        let served = serve_io(self, stdin, stdout).await;
        handle.shutdown_tasks(None).await;
        shared.close_remotes().await;
        served
    }

    /// Serves newline-delimited JSON-RPC over any byte stream pair (a TCP or Unix socket,
    /// a pipe) until the reader reaches end of file.
    pub async fn serve_io<R, W>(self, reader: R, writer: W) -> Result<()>
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        serve_io(self, reader, writer).await
    }
}

impl ServerBuilder {
    /// Builds the server and serves it on stdin/stdout.
    pub async fn serve_stdio(self) -> Result<()> {
        // Before `build`, so what it reports (nothing registered, ..) reaches stderr.
        crate::logging::init_if_unset();
        self.build()?.serve_stdio().await
    }

    /// Builds the server and serves it over a byte stream pair.
    pub async fn serve_io<R, W>(self, reader: R, writer: W) -> Result<()>
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        self.build()?.serve_io(reader, writer).await
    }
}
