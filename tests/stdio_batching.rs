//! A client that pipelines: the stdio loop answers requests that finish at once while
//! more input is buffered as one queued batch. Every reply must still arrive exactly once,
//! as a line of its own, after what its request sent while it ran, and `initialize`'s
//! reply before anything else; closing the input right after the last request must not
//! lose a batch. A server whose output breaks stops reading, however fast input comes.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use mcpserve::prelude::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Reports progress once, then answers with its text in capitals.
#[tool]
async fn shout(ctx: Context, text: String) -> String {
    ctx.progress(1u32, Some(1u32), None).await;
    text.to_uppercase()
}

/// Enough requests, with long enough replies, for several batches.
const CALLS: usize = 300;

fn text(i: usize) -> String {
    format!("{i:04} {}", "x".repeat(500))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_replies_arrive_whole_once_and_after_their_requests_messages() {
    let server = Server::from_registry().build().unwrap();
    let (client, server_io) = tokio::io::duplex(4 << 20);
    let serving = tokio::spawn(async move {
        let (read, write) = tokio::io::split(server_io);
        server.serve_io(read, write).await
    });
    let (read, mut write) = tokio::io::split(client);

    // Everything in one write, `initialize` first and no `initialized` in between, then
    // end of input.
    let mut input = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "batching-test", "version": "1.0.0" }
        }
    })
    .to_string();
    input.push('\n');
    for i in 1..=CALLS {
        let call = json!({
            "jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {
                "name": "shout",
                "arguments": { "text": text(i) },
                "_meta": { "progressToken": i }
            }
        });
        input.push_str(&call.to_string());
        input.push('\n');
    }
    write.write_all(input.as_bytes()).await.unwrap();
    write.shutdown().await.unwrap();

    let mut lines = BufReader::new(read).lines();
    let mut messages = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON message per line ({e}): {line:.200}"));
        messages.push(message);
    }
    serving.await.unwrap().unwrap();

    assert_eq!(
        messages.len(),
        1 + 2 * CALLS,
        "one reply and one progress per call"
    );
    assert_eq!(
        messages[0]["id"],
        json!(0),
        "initialize's reply comes first"
    );
    assert_eq!(
        messages[0]["result"]["protocolVersion"],
        json!("2025-11-25")
    );
    let mut progress_at = vec![None; CALLS + 1];
    let mut reply_at = vec![None; CALLS + 1];
    for (at, message) in messages.iter().enumerate().skip(1) {
        if message["method"] == json!("notifications/progress") {
            let i = message["params"]["progressToken"].as_u64().unwrap() as usize;
            assert_eq!(
                message,
                &json!({
                    "jsonrpc": "2.0", "method": "notifications/progress",
                    "params": { "progressToken": i, "progress": 1, "total": 1 }
                })
            );
            assert!(progress_at[i].replace(at).is_none(), "progress {i} twice");
        } else {
            let i = message["id"].as_u64().unwrap() as usize;
            assert_eq!(
                message,
                &json!({
                    "jsonrpc": "2.0", "id": i,
                    "result": { "content": [{ "type": "text", "text": text(i).to_uppercase() }] }
                })
            );
            assert!(reply_at[i].replace(at).is_none(), "reply {i} twice");
        }
    }
    for i in 1..=CALLS {
        let (progress, reply) = (progress_at[i].unwrap(), reply_at[i].unwrap());
        assert!(progress < reply, "call {i}: its progress after its reply");
    }
}

/// Pipelined `add` calls, ids `from..to`, as one block of lines.
fn adds(from: usize, to: usize) -> Vec<u8> {
    let mut lines = String::new();
    for i in from..to {
        let call = json!({
            "jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {
                "name": "add",
                "arguments": { "a": i, "b": 1 },
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {}
                }
            }
        });
        lines.push_str(&call.to_string());
        lines.push('\n');
    }
    lines.into_bytes()
}

/// Adds.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// A client that stops reading stops the server reading soon after: the batches waiting
/// for the writer are bounded in bytes, not only in number (1,024 queued batches of up to
/// 32 KiB each would have taken in every one of these requests). Once the client reads
/// again, every reply arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_stops_the_server_reading() {
    const TOTAL: usize = 30_000;
    const CHUNK: usize = 100;
    let server = Server::from_registry().build().unwrap();
    let (client, server_io) = tokio::io::duplex(64 * 1024);
    let serving = tokio::spawn(async move {
        let (read, write) = tokio::io::split(server_io);
        server.serve_io(read, write).await
    });
    let (read, mut write) = tokio::io::split(client);

    // Write everything, counting what went in; read nothing until writing stalls (no
    // progress for half a second): the server stopped taking input.
    let written = Arc::new(AtomicUsize::new(0));
    let writing = tokio::spawn({
        let written = written.clone();
        async move {
            for from in (0..TOTAL).step_by(CHUNK) {
                write.write_all(&adds(from, from + CHUNK)).await.unwrap();
                written.store(from + CHUNK, SeqCst);
            }
            write.shutdown().await.unwrap();
        }
    });
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = written.load(SeqCst);
        if now == last || now == TOTAL {
            break;
        }
        last = now;
    }
    let stalled_at = written.load(SeqCst);
    assert!(
        stalled_at < TOTAL / 2,
        "the server took {stalled_at} of {TOTAL} requests in while nobody read its replies"
    );

    // Read again: the rest goes in, and every reply comes out.
    let mut lines = BufReader::new(read).lines();
    let mut seen = vec![false; TOTAL];
    while let Some(line) = lines.next_line().await.unwrap() {
        let reply: Value = serde_json::from_str(&line).unwrap();
        let id = reply["id"].as_u64().unwrap() as usize;
        assert_eq!(
            reply["result"]["content"][0]["text"],
            json!((id + 1).to_string())
        );
        assert!(!std::mem::replace(&mut seen[id], true), "reply {id} twice");
    }
    writing.await.unwrap();
    serving.await.unwrap().unwrap();
    assert!(seen.iter().all(|s| *s), "a reply is missing");
}

/// Input that never runs dry: the same call again and again, never `Pending`, until
/// `LIMIT` lines (then end of input, so a server that never stops still ends the test).
struct Endless {
    line: Vec<u8>,
    at: usize,
    lines: Arc<AtomicUsize>,
}

impl tokio::io::AsyncRead for Endless {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        const LIMIT: usize = 1_000_000;
        while buf.remaining() > 0 && self.lines.load(SeqCst) < LIMIT {
            let n = buf.remaining().min(self.line.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.line[at..at + n]);
            self.at += n;
            if self.at == self.line.len() {
                self.at = 0;
                self.lines.fetch_add(1, SeqCst);
            }
        }
        std::task::Poll::Ready(Ok(()))
    }
}

/// Output whose reader is gone: every write fails.
struct Broken;

impl tokio::io::AsyncWrite for Broken {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// A client that closed the server's output but keeps writing (its input is never
/// pending): the server stops reading once its writer fails, not at the end of input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_output_breaks_stops_reading_however_fast_input_comes() {
    let server = Server::from_registry().build().unwrap();
    let lines = Arc::new(AtomicUsize::new(0));
    let input = Endless {
        line: adds(1, 2),
        at: 0,
        lines: lines.clone(),
    };
    server.serve_io(input, Broken).await.unwrap();
    let read = lines.load(SeqCst);
    assert!(
        read < 100_000,
        "the server read {read} requests after its output broke"
    );
}
