//! Running one request and delivering its response: a JSON body, or an SSE stream that
//! carries the request's notifications and server-to-client requests, then the response.
//!
//! The request runs in its own task. In the session era its stream is resumable: every
//! message goes through the event store, and the HTTP response is only the currently
//! attached reader, so a dropped connection (or [`Context::close_stream`]) loses
//! nothing. In the 2026-07-28 era the response stream *is* the request: dropping it
//! cancels the handler.
//!
//! [`Context::close_stream`]: crate::Context::close_stream

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::Response;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;

use super::body::ResponseBody;
use super::config::ResponseMode;
use super::event_store::{EventStore, StreamId};
use super::reply;
use super::service::Inner;
use super::session_store::{BusyGuard, HttpSession, LiveStream};
use super::sse;
use crate::auth::AuthContext;
use crate::dispatch::{Connection, OutMessage, Outbound, Reply, RequestEnv};
use crate::protocol::jsonrpc::{self, code, Request};
use crate::protocol::{Era, ErrorObject};

/// The method whose response stream stays open until the client closes it.
const OPEN_ENDED: &str = "subscriptions/listen";

/// Called with a successful or failed reply before the client can see it.
pub(super) type OnReply = Box<dyn FnOnce(&Reply) + Send>;

/// One request and how to answer it.
pub(super) struct Exchange {
    pub(super) req: Request,
    pub(super) era: Era,
    pub(super) conn: Option<Arc<Connection>>,
    /// Session-era streams are resumable within their session.
    pub(super) resumable: Option<Resumable>,
    /// Answer with SSE from the start (a 2026 `tools/call` that asked for progress).
    pub(super) force_sse: bool,
    /// Headers added to the response (`Mcp-Session-Id` on `initialize`).
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) on_reply: Option<OnReply>,
    pub(super) permit: OwnedSemaphorePermit,
    pub(super) busy: Option<BusyGuard>,
    /// The caller, as the endpoint's authorization established it.
    pub(super) auth: Option<AuthContext>,
}

/// Where a resumable stream's events go.
pub(super) struct Resumable {
    pub(super) session: Arc<HttpSession>,
    /// Open the stream with a priming event (clients of 2025-11-25 and later).
    pub(super) priming: bool,
}

pub(super) async fn respond(inner: Arc<Inner>, x: Exchange) -> Response<ResponseBody> {
    // Open-ended requests never finish on their own: a graceful shutdown ends them first.
    let cancel = if &*x.req.method == OPEN_ENDED {
        inner.draining.child_token()
    } else {
        inner.abort.child_token()
    };
    // A 2026 request lives as long as its HTTP exchange; a session-era one outlives it.
    let guard = (x.era == Era::Sessionless).then(|| cancel.clone().drop_guard());
    let (out, mut rx) = Outbound::channel(inner.server.config().outbound_capacity);
    let close = CancellationToken::new();
    let out = match &x.resumable {
        Some(r) if r.priming => out.with_close_signal(close.clone()),
        _ => out,
    };
    // Where a JSON-only response sends what it cannot carry: the session's GET stream.
    let unsolicited = x.conn.as_ref().map(|c| c.out.clone());
    let reply_rx = spawn_request(
        &inner, x.req, x.era, x.conn, out, cancel, x.on_reply, x.permit, x.busy, x.auth,
    );
    let mut reply_rx = Some(reply_rx);

    let mut first = Vec::new();
    let sse_now = match inner.config.response_mode {
        ResponseMode::Sse => true,
        ResponseMode::Lazy if x.force_sse => true,
        ResponseMode::Json => {
            // The response body carries only the response: other messages go to the
            // session's standalone stream, or nowhere in the 2026 era.
            tokio::spawn(async move {
                while let Some(m) = rx.recv().await {
                    if let Some(out) = &unsolicited {
                        out.send(m).await;
                    }
                }
            });
            let reply = reply_rx
                .take()
                .expect("reply receiver")
                .await
                .ok()
                .flatten();
            if let Some(g) = guard {
                g.disarm();
            }
            return json_response(&inner, x.era, reply, &x.headers);
        }
        ResponseMode::Lazy => {
            let event = tokio::select! {
                biased;
                r = reply_rx.as_mut().expect("reply receiver") => Lazy::Reply(r.ok().flatten()),
                m = rx.recv() => match m {
                    Some(m) => Lazy::Message(m),
                    // The request ended and dropped its sender; its reply is on the way.
                    None => Lazy::Reply(
                        reply_rx.take().expect("reply receiver").await.ok().flatten(),
                    ),
                },
                _ = close.cancelled() => Lazy::Closed,
            };
            match event {
                Lazy::Reply(reply) => {
                    while let Ok(m) = rx.try_recv() {
                        first.push(m);
                    }
                    if first.is_empty() {
                        if let Some(g) = guard {
                            g.disarm();
                        }
                        return json_response(&inner, x.era, reply, &x.headers);
                    }
                    // Notifications came first: stream them, then the reply.
                    let (tx, rx_done) = oneshot::channel();
                    let _ = tx.send(reply);
                    reply_rx = Some(rx_done);
                }
                Lazy::Message(m) => first.push(m),
                Lazy::Closed => {}
            }
            true
        }
    };
    debug_assert!(sse_now);
    let reply_rx = reply_rx.expect("reply receiver");
    let (tx, body_rx) = mpsc::channel(inner.config.sse_buffer.max(1));
    let body = ResponseBody::stream(VecDeque::new(), body_rx, inner.config.sse_keep_alive);
    let body = match guard {
        Some(g) => body.with_guard(g),
        None => body,
    };
    match x.resumable {
        None => {
            tokio::spawn(pump_plain(first, rx, reply_rx, tx));
        }
        Some(r) => {
            let (stream, live) = r.session.open_stream();
            live.sink.lock().await.tx = Some(tx);
            let writer = StreamWriter {
                store: inner.config.event_store.clone(),
                session: r.session,
                stream,
                live,
                retry_ms: inner.config.sse_retry.as_millis(),
            };
            tokio::spawn(writer.pump(r.priming, first, rx, reply_rx, close));
        }
    }
    reply::sse(body, &x.headers)
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
fn spawn_request(
    inner: &Arc<Inner>,
    req: Request,
    era: Era,
    conn: Option<Arc<Connection>>,
    out: Outbound,
    cancel: CancellationToken,
    on_reply: Option<OnReply>,
    permit: OwnedSemaphorePermit,
    busy: Option<BusyGuard>,
    auth: Option<AuthContext>,
) -> oneshot::Receiver<Option<Reply>> {
    let (reply_tx, reply_rx) = oneshot::channel();
    let dispatcher = inner.server.dispatcher();
    // Open-ended requests end when the client closes them, not on a timer.
    let limit = inner
        .config
        .request_timeout
        .filter(|_| &*req.method != OPEN_ENDED);
    let task = async move {
        let id = req.id.clone();
        let env = RequestEnv {
            out,
            conn,
            era: Some(era),
            cancel: Some(cancel.clone()),
            auth,
        };
        let mut work = std::pin::pin!(dispatcher.handle_request(req, env));
        // No timer for a request that finishes on its first poll (most do).
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        let reply = match (first, limit) {
            (Poll::Ready(reply), _) => reply,
            (Poll::Pending, None) => work.await,
            (Poll::Pending, Some(limit)) => tokio::select! {
                r = &mut work => r,
                _ = tokio::time::sleep(limit) => {
                    cancel.cancel();
                    let _ = work.await;
                    let error = ErrorObject {
                        code: code::INTERNAL_ERROR,
                        message: format!("Request timed out after {} ms", limit.as_millis()),
                        data: None,
                    };
                    Some(Reply {
                        bytes: jsonrpc::error_response(Some(&id), &error),
                        error_code: Some(error.code),
                        era,
                    })
                }
            },
        };
        if let (Some(f), Some(r)) = (on_reply, &reply) {
            f(r);
        }
        let _ = reply_tx.send(reply);
        drop((permit, busy));
    };
    // Its own task, even when it could finish on a first poll right here: answering
    // inline from the connection task measured the same throughput but a 3-4x worse p99
    // at 64 connections (bench `load-http`), unlike stdio where inline wins outright.
    tokio::spawn(task);
    reply_rx
}

fn json_response(
    inner: &Inner,
    era: Era,
    reply: Option<Reply>,
    headers: &[(HeaderName, HeaderValue)],
) -> Response<ResponseBody> {
    let mut res = match reply {
        Some(r) => match super::authz::challenge(inner, &r) {
            None => reply::json(reply::status_for(era, r.error_code), r.bytes),
            Some((status, challenge)) => {
                let mut res = reply::json(status, r.bytes);
                res.headers_mut()
                    .insert(http::header::WWW_AUTHENTICATE, challenge);
                res
            }
        },
        // Cancelled: JSON-RPC sends nothing back.
        None => reply::status(http::StatusCode::NO_CONTENT),
    };
    for (name, value) in headers {
        res.headers_mut().insert(name.clone(), value.clone());
    }
    res
}

/// What a lazy response saw first: the reply (answer with JSON), a message (switch to
/// SSE), or the handler closing its stream early (SSE polling).
enum Lazy {
    Reply(Option<Reply>),
    Message(OutMessage),
    Closed,
}

/// A non-resumable stream: messages go straight to the client, which paces the handler.
async fn pump_plain(
    first: Vec<OutMessage>,
    mut rx: mpsc::Receiver<OutMessage>,
    mut reply_rx: oneshot::Receiver<Option<Reply>>,
    tx: mpsc::Sender<Bytes>,
) {
    for m in first {
        if tx.send(sse::event(None, &m)).await.is_err() {
            return;
        }
    }
    let reply = loop {
        tokio::select! {
            biased;
            r = &mut reply_rx => break r.ok().flatten(),
            m = rx.recv() => match m {
                Some(m) => {
                    if tx.send(sse::event(None, &m)).await.is_err() {
                        return;
                    }
                }
                None => break reply_rx.await.ok().flatten(),
            },
        }
    };
    while let Ok(m) = rx.try_recv() {
        if tx.send(sse::event(None, &m)).await.is_err() {
            return;
        }
    }
    if let Some(r) = reply {
        let _ = tx.send(sse::event(None, &r.bytes)).await;
    }
}

/// Writes one resumable stream: stores each event, then hands it to the attached client
/// if there is one.
pub(super) struct StreamWriter {
    pub(super) store: Arc<dyn EventStore>,
    pub(super) session: Arc<HttpSession>,
    pub(super) stream: StreamId,
    pub(super) live: Arc<LiveStream>,
    pub(super) retry_ms: u128,
}

impl StreamWriter {
    /// Stores `message` (empty: a priming event) and forwards it. A client that cannot
    /// keep up is detached; it resumes from the store.
    pub(super) async fn emit(&self, message: Bytes) {
        let mut sink = self.live.sink.lock().await;
        let id = match self
            .store
            .append(&self.session.id, self.stream, message.clone())
            .await
        {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(error = %e, "event store failed; the event cannot be resumed");
                None
            }
        };
        let frame = match (&id, message.is_empty()) {
            (Some(id), true) => sse::priming(id, self.retry_ms),
            (None, true) => return,
            (id, false) => sse::event(id.as_deref(), &message),
        };
        if let Some(tx) = &sink.tx {
            if tx.try_send(frame).is_err() {
                tracing::debug!(
                    stream = self.stream,
                    "SSE reader gone or too slow; detached"
                );
                sink.tx = None;
            }
        }
    }

    /// Ends the attached response (the client may resume later).
    pub(super) async fn detach(&self) {
        self.live.sink.lock().await.tx = None;
    }

    async fn finish(&self) {
        let mut sink = self.live.sink.lock().await;
        sink.tx = None;
        sink.finished = true;
        drop(sink);
        self.session.finish_stream(self.stream);
    }

    async fn pump(
        self,
        priming: bool,
        first: Vec<OutMessage>,
        mut rx: mpsc::Receiver<OutMessage>,
        mut reply_rx: oneshot::Receiver<Option<Reply>>,
        close: CancellationToken,
    ) {
        if priming {
            self.emit(Bytes::new()).await;
        }
        for m in first {
            self.emit(m.into()).await;
        }
        let mut closed = false;
        let reply = loop {
            tokio::select! {
                biased;
                _ = self.session.closed.cancelled() => break None,
                _ = close.cancelled(), if !closed => {
                    closed = true;
                    // What the handler sent before asking to close still goes out live.
                    while let Ok(m) = rx.try_recv() {
                        self.emit(m.into()).await;
                    }
                    self.detach().await;
                }
                r = &mut reply_rx => break r.ok().flatten(),
                m = rx.recv() => match m {
                    Some(m) => self.emit(m.into()).await,
                    None => break reply_rx.await.ok().flatten(),
                },
            }
        };
        while let Ok(m) = rx.try_recv() {
            self.emit(m.into()).await;
        }
        if let Some(r) = reply {
            self.emit(r.bytes.into()).await;
        }
        self.finish().await;
    }
}
