//! Newline-delimited JSON-RPC over any `AsyncRead`/`AsyncWrite` pair: stdio, sockets,
//! pipes, and the in-memory pair used by `testing`.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::stream::{FuturesUnordered, StreamExt};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::lines::{next_line, InputBuffer, Line};
use crate::dispatch::{rejection_reply, Connection, Dispatcher, Origin, OutMessage, Outbound};
use crate::error::Result;
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::{code, ErrorObject};
use crate::server::Server;

/// Requests up to this size are tried inline on the reading task first (see below).
const INLINE_MAX_BYTES: usize = 16 * 1024;

/// Queued messages the writer takes at once (they share one flush).
const WRITE_BATCH: usize = 256;

/// Inline replies batched while more input is buffered are queued once they reach this
/// size (see [`Replies`]).
const REPLY_BATCH_BYTES: usize = 32 * 1024;

/// Batches queued and not yet written, at most: the queue's bound counts messages (1,024
/// by default), and a batch is up to 32 KiB where a reply is typically 100 bytes.
const MAX_QUEUED_BATCHES: usize = 2;

thread_local! {
    /// Set by a request, during a poll, when all it has left to do is wait for another
    /// party and copy its answer (a proxied call waiting for its remote).
    static ONLY_WAITS: Cell<bool> = const { Cell::new(false) };
}

/// Tells the transport polling this request that the rest of it is waiting and a copy
/// (see [`read_loop`]). Harmless anywhere else: only the stdio loop looks, and it clears
/// the mark before each first poll.
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
pub(crate) fn only_waits() {
    ONLY_WAITS.set(true);
}

/// Runs `fut` while polling the waiting requests (see [`only_waits`]): one of them may
/// hold what `fut` waits for (a permit), and their answers must not wait for the next
/// input line.
async fn driving<W, F>(waiting: &mut FuturesUnordered<W>, fut: F) -> F::Output
where
    W: Future<Output = ()>,
    F: Future,
{
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        // Finished ones return `Ready(Some)`; `Pending` or an empty set ends the loop
        // (a server with no proxied calls never looks).
        while !waiting.is_empty() && waiting.poll_next_unpin(cx) == Poll::Ready(Some(())) {}
        fut.as_mut().poll(cx)
    })
    .await
}

/// Replies answered on the reading task while more requests are already buffered (a
/// pipelining client), joined into one queued message: one send, one wake-up of the
/// writer and one write per batch instead of per reply, and each reply's buffer freed at
/// once (hundreds queued separately overflowed the allocator's per-thread cache).
///
/// Order: a request's own messages (progress, logs) are queued while it runs, so they
/// still precede its reply. The batch is queued before the loop waits for input, before
/// a request is left running, before an error reply and before a notification or
/// response is handled; `initialize`'s reply is never held. What a later request sends
/// while it runs inline may precede earlier requests' held replies: JSON-RPC orders
/// nothing between independent requests (concurrent ones interleave the same way).
struct Replies {
    buf: Vec<u8>,
    /// One permit per batch that may wait for the writer.
    room: Arc<Semaphore>,
}

/// A queued batch: the writer's drop of it (written, or dropped with the queue) returns
/// its permit.
struct Batch {
    bytes: Vec<u8>,
    _room: OwnedSemaphorePermit,
}

impl AsRef<[u8]> for Batch {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Replies {
    fn new() -> Self {
        Replies {
            buf: Vec::new(),
            room: Arc::new(Semaphore::new(MAX_QUEUED_BATCHES)),
        }
    }

    fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Answers `reply`: batched while `more` input is buffered, else queued with the batch.
    async fn answer(&mut self, out: &Outbound, reply: Vec<u8>, more: bool) {
        if self.buf.is_empty() && !more {
            // A lone reply (a client waiting for each answer) is queued as it is, uncopied.
            out.send(reply).await;
            return;
        }
        if !self.buf.is_empty() {
            // The writer ends each queued message with a newline: one between replies.
            self.buf.push(b'\n');
        }
        self.buf.extend_from_slice(&reply);
        if !more || self.buf.len() >= REPLY_BATCH_BYTES {
            self.flush(out).await;
        }
    }

    /// Queues the batch, if any, once fewer than [`MAX_QUEUED_BATCHES`] wait for the
    /// writer: a client that stops reading stops this loop after a bounded number of bytes.
    async fn flush(&mut self, out: &Outbound) {
        if self.buf.is_empty() {
            return;
        }
        let room = self.room.clone().acquire_owned().await;
        let room = room.expect("the batch semaphore is never closed");
        let batch = Batch {
            bytes: std::mem::take(&mut self.buf),
            _room: room,
        };
        out.send(bytes::Bytes::from_owner(batch)).await;
    }
}

/// Serves `server` over a reader/writer pair until the reader reaches end of file, then
/// lets in-flight requests finish (cancelling them after the grace period) and flushes.
pub async fn serve_io<R, W>(server: Server, reader: R, writer: W) -> Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let config = server.shared.config.clone();
    let (out, rx) = Outbound::channel(config.outbound_capacity);
    let closed = CancellationToken::new();
    // Reading and writing are two futures of one task, not two tasks: a reply produced
    // while reading is written on the same thread, in the same poll (`duplex`), and its
    // buffer is freed by the thread that allocated it (a spawned writer cost a
    // cross-thread wake-up and, with glibc's allocator, a contended arena lock per
    // message).
    let writing = write_loop(writer, rx, closed.clone());
    let reading = read_loop(server, reader, out, closed);
    let ((), written) = super::duplex::both(reading, writing).await;
    written.map_err(Into::into)
}

async fn read_loop<R>(server: Server, reader: R, out: Outbound, closed: CancellationToken)
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let config = server.shared.config.clone();
    let dispatcher = server.dispatcher();
    let conn = Connection::new(out.clone());
    // What every request of this connection shares, made once.
    let origin = Arc::new(Origin {
        dispatcher: dispatcher.clone(),
        out: out.clone(),
        conn: Some(conn.clone()),
    });
    let permits = Arc::new(Semaphore::new(config.max_in_flight));
    let mut reader = InputBuffer::with_capacity(64 * 1024, reader);
    let mut bytes = Vec::new();
    // Requests that only wait (see `only_waits`), polled by this task itself (the type
    // is the request's future below: no box of its own).
    let mut waiting = FuturesUnordered::new();
    let mut replies = Replies::new();
    // One registration for the whole loop, not one per line.
    let closed = closed.cancelled();
    tokio::pin!(closed);

    loop {
        if !replies.is_empty() && !reader.has_line() {
            // About to wait for input (or to find its end): what was answered goes out
            // first.
            replies.flush(&out).await;
        }
        // The writer gave up (its output closed, the queue's receiver dropped with it):
        // stop reading. An atomic load per line, where polling `closed` takes two locks
        // (≈4 of the call's atomic read-modify-writes): `closed` is only polled below
        // while input is pending.
        if out.is_closed() {
            break;
        }
        let next = next_line(&mut reader, &mut bytes, config.max_message_bytes);
        let line = tokio::select! {
            biased;
            line = driving(&mut waiting, next) => line,
            _ = &mut closed => break,
        };
        match line {
            Ok(Line::Message) => {}
            Ok(Line::Eof) => break,
            Ok(Line::TooLong) => {
                let error = ErrorObject {
                    code: code::INVALID_REQUEST,
                    message: format!(
                        "Invalid Request: message exceeds {} bytes",
                        config.max_message_bytes
                    ),
                    data: None,
                };
                replies.flush(&out).await;
                out.send(jsonrpc::error_response(None, &error)).await;
                continue;
            }
            Err(e) => {
                tracing::debug!(error = %e, "input closed");
                break;
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let inline_ok = bytes.len() <= INLINE_MAX_BYTES;
        match jsonrpc::parse(&bytes) {
            Err(rejected) => {
                replies.flush(&out).await;
                out.send(rejection_reply(&rejected).bytes).await;
            }
            Ok(Message::Request(req)) => {
                // The first reply a client waits for is never held.
                let hold = &*req.method != "initialize";
                let mut work = Box::pin(Dispatcher::serve_from(
                    req,
                    origin.clone(),
                    None,
                    None,
                    None,
                ));
                // Most requests (lists, pings, quick async tools) finish on their first poll:
                // answer those right here instead of paying for a task, a permit and a
                // cross-thread wake-up each. A request that has to wait is spawned and
                // polled again with a real waker (futures must accept a new waker per poll).
                // Big messages are always spawned: decoding and encoding them on another
                // worker overlaps with reading the next one.
                ONLY_WAITS.set(false);
                let first = if inline_ok {
                    work.as_mut().poll(&mut Context::from_waker(Waker::noop()))
                } else {
                    Poll::Pending
                };
                match first {
                    Poll::Ready(reply) => {
                        if let Some(reply) = reply {
                            let more = hold && reader.has_line();
                            replies.answer(&out, reply.bytes, more).await;
                        }
                    }
                    Poll::Pending => {
                        // Read before anything else runs on this thread.
                        let only_waits = inline_ok && ONLY_WAITS.get();
                        // The request may send before this loop looks again.
                        replies.flush(&out).await;
                        let acquire = permits.clone().acquire_owned();
                        let Ok(permit) = driving(&mut waiting, acquire).await else {
                            break;
                        };
                        let out = out.clone();
                        let rest = async move {
                            if let Some(reply) = work.await {
                                out.send(reply.bytes).await;
                            }
                            drop(permit);
                        };
                        // A request that only waits (a proxied call) stays on this task:
                        // no task to spawn, and the answers that arrive together (a
                        // remote's batch) are all sent before the writer runs, so they
                        // share one write instead of one wake-up and write each.
                        if only_waits {
                            waiting.push(rest);
                        } else {
                            tokio::spawn(rest);
                        }
                    }
                }
            }
            Ok(Message::Notification(n)) => {
                replies.flush(&out).await;
                dispatcher.handle_notification(&n, Some(&conn));
            }
            Ok(Message::Response(r)) => {
                replies.flush(&out).await;
                dispatcher.handle_response(r, &conn);
            }
        }
    }

    // The peer is gone: its subscriptions end now rather than after the grace period.
    dispatcher.server.hub.drop_subscriptions_on(&out);
    // Let in-flight requests finish; past the grace period, cancel what is left.
    let all = config.max_in_flight as u32;
    let settled = async {
        if tokio::time::timeout(config.cancel_grace, permits.acquire_many(all))
            .await
            .is_err()
        {
            conn.cancel_all();
            let _ = tokio::time::timeout(config.cancel_grace, permits.acquire_many(all)).await;
        }
    };
    driving(&mut waiting, settled).await;
    // Past both grace periods: what still waits is dropped (cancelled).
    drop(waiting);
    // Dropping the last senders ends the writer once it has flushed everything.
    drop(conn);
    drop(out);
}

async fn write_loop<W: AsyncWrite + Unpin>(
    writer: W,
    mut rx: mpsc::Receiver<OutMessage>,
    closed: CancellationToken,
) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(64 * 1024, writer);
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let result = async {
        // Whatever is already queued goes out in the same flush. `recv_many`, not a
        // `try_recv` loop: tokio's `try_recv`, finding a message whose sender is still
        // pushing it, parks the calling thread on its thread-local parker until the push
        // ends. That is the parker `block_on` sleeps on, and this future may run in
        // `block_on` (`serve_io` awaited in `#[tokio::main]`; `serve_stdio` did so until
        // it moved to a task of its own): the park swallowed a wake-up meant for the
        // reading half (input had arrived) and the server stopped reading its input for
        // good.
        while rx.recv_many(&mut batch, WRITE_BATCH).await > 0 {
            for msg in batch.drain(..) {
                w.write_all(&msg).await?;
                w.write_all(b"\n").await?;
            }
            w.flush().await?;
        }
        w.shutdown().await
    }
    .await;
    if let Err(e) = &result {
        tracing::debug!(error = %e, "output closed");
        closed.cancel();
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(());
        }
    }
    result
}
