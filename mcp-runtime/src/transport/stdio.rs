//! stdin/stdout for the stdio transport. Tokio's `stdin()`/`stdout()` run every read and
//! write on the blocking thread pool: a thread hand-off per message, which dominates the
//! round trip of a small request. When both streams are pipes (the way MCP clients launch
//! servers) they are reopened through `/proc/self/fd` with `O_NONBLOCK` and driven by the
//! IO reactor instead. The reopen gives them their own open file descriptions, so the
//! process's own fds 0/1 (and children inheriting them) keep their blocking mode.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The one line a server started by hand in a terminal prints on stderr: MCP clients
/// launch stdio servers with pipes, so a terminal on stdin means a person is looking.
pub(crate) fn terminal_notice(server: &str) -> String {
    let exe = std::env::args().next().unwrap_or_else(|| server.to_owned());
    format!(
        "{server} is an MCP server speaking JSON-RPC on stdin/stdout: an MCP client starts it and \
         talks to it (try `npx @modelcontextprotocol/inspector {exe}`); Ctrl-D quits"
    )
}

/// Standard input: a non-blocking pipe on the reactor, or Tokio's blocking-pool stdin.
pub(crate) enum StdinReader {
    #[cfg(target_os = "linux")]
    Pipe(tokio::net::unix::pipe::Receiver),
    Blocking(tokio::io::Stdin),
}

/// Standard output: a non-blocking pipe on the reactor, or Tokio's blocking-pool stdout.
pub(crate) enum StdoutWriter {
    #[cfg(target_os = "linux")]
    Pipe(tokio::net::unix::pipe::Sender),
    Blocking(tokio::io::Stdout),
}

/// The stdio pair, on the reactor when both are FIFOs. Must run inside a Tokio runtime.
pub(crate) fn stdio() -> (StdinReader, StdoutWriter) {
    #[cfg(target_os = "linux")]
    if let Some((r, w)) = reopen_pipes() {
        tracing::debug!("stdio: non-blocking pipes on the IO reactor");
        return (StdinReader::Pipe(r), StdoutWriter::Pipe(w));
    }
    (
        StdinReader::Blocking(tokio::io::stdin()),
        StdoutWriter::Blocking(tokio::io::stdout()),
    )
}

#[cfg(target_os = "linux")]
fn reopen_pipes() -> Option<(
    tokio::net::unix::pipe::Receiver,
    tokio::net::unix::pipe::Sender,
)> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

    let open = |path: &str, write: bool| -> Option<std::fs::File> {
        // O_NONBLOCK also keeps the open itself from waiting for a peer.
        let file = std::fs::OpenOptions::new()
            .read(!write)
            .write(write)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .ok()?;
        file.metadata().ok()?.file_type().is_fifo().then_some(file)
    };
    let read = open("/proc/self/fd/0", false)?;
    let write = open("/proc/self/fd/1", true)?;
    let read = tokio::net::unix::pipe::Receiver::from_file(read).ok()?;
    let write = tokio::net::unix::pipe::Sender::from_file(write).ok()?;
    Some((read, write))
}

impl AsyncRead for StdinReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            #[cfg(target_os = "linux")]
            StdinReader::Pipe(r) => Pin::new(r).poll_read(cx, buf),
            StdinReader::Blocking(r) => Pin::new(r).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for StdoutWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            #[cfg(target_os = "linux")]
            StdoutWriter::Pipe(w) => Pin::new(w).poll_write(cx, buf),
            StdoutWriter::Blocking(w) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            #[cfg(target_os = "linux")]
            StdoutWriter::Pipe(w) => Pin::new(w).poll_flush(cx),
            StdoutWriter::Blocking(w) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            #[cfg(target_os = "linux")]
            StdoutWriter::Pipe(w) => Pin::new(w).poll_shutdown(cx),
            StdoutWriter::Blocking(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_notice_names_the_server_and_a_client() {
        let line = super::terminal_notice("notes");
        assert!(line.starts_with("notes is an MCP server speaking JSON-RPC on stdin/stdout"));
        assert!(line.contains("npx @modelcontextprotocol/inspector "));
        assert!(!line.contains('\n'));
    }
}
