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
use std::sync::{Arc, Mutex};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::Response;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::admission::Ticket;
use super::body::ResponseBody;
use super::config::ResponseMode;
use super::event_store::{EventStore, StreamId};
use super::reply;
use super::service::Inner;
use super::session_store::{BusyGuard, HttpSession, LiveStream};
use super::sse;
use crate::auth::AuthContext;
use crate::dispatch::{
    Connection, OutMessage, OutReceiver, Outbound, Reply, RequestEnv, Session,
};
use crate::protocol::jsonrpc::{self, code, Request};
use crate::protocol::{Era, ErrorObject, RequestId};

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
    /// The request's slot (server, principal), released when it ends.
    pub(super) ticket: Ticket,
    /// The session's count of running requests, when it has one.
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
    // The request's own token, not a child of the server's shutdown token: a child would
    // take the shared parent's lock twice per request. A request that has to wait
    // watches for shutdown itself (`spawn_request`).
    let cancel = CancellationToken::new();
    // A 2026 request lives as long as its HTTP exchange; a session-era one outlives it
    // (unless it waits on a client that went away: `watch_detached`).
    let guard = (x.era == Era::Sessionless).then(|| cancel.clone().drop_guard());
    let request_cancel = cancel.clone();
    let initialize = x.on_reply.is_some();
    let mut headers = x.headers;
    let mode = inner.config.response_mode;
    let capacity = inner.server.config().outbound_capacity;
    // The request's channel is made by its first notification or question: most requests
    // send nothing but their response. A JSON-only response forwards whatever comes
    // (`forward`), and `initialize` runs once a session: those get a channel up front.
    let (out, mut rx) = if initialize || mode == ResponseMode::Json {
        let (out, rx) = Outbound::channel(capacity);
        (out, OutReceiver::from(rx))
    } else {
        Outbound::lazy(capacity)
    };
    // Only a stream that can be resumed can be closed early (SSE polling).
    let close = match &x.resumable {
        Some(r) if r.priming => Some(CancellationToken::new()),
        _ => None,
    };
    let out = match &close {
        Some(close) => out.with_close_signal(close.clone()),
        None => out,
    };
    // Where a JSON-only response sends what it cannot carry: the session's GET stream.
    let unsolicited = x.conn.as_ref().map(|c| c.out.clone());
    // Shared event stores: the request's id, so a client resuming the stream on another
    // instance gets an error for it if this instance dies first.
    let claim = match (&x.resumable, inner.config.event_store.stream_lease()) {
        (Some(_), Some(_)) => serde_json::to_string(&x.req.id).ok(),
        _ => None,
    };
    let reply_rx = spawn_request(
        &inner, x.req, x.era, x.conn, out, cancel, x.on_reply, x.ticket, x.busy, x.auth,
    );
    let mut reply_rx = Some(reply_rx);

    let mut first = Vec::new();
    let sse_now = match mode {
        _ if initialize => {
            // The session exists once `initialize` succeeded: its id goes out only
            // then, never for a failed one.
            let reply = reply_rx.take().expect("reply receiver").await;
            let created = reply.as_ref().is_some_and(|r| r.error_code.is_none());
            if !created {
                headers.clear();
            }
            rx.take_queued(&mut first).await;
            if !created
                || mode == ResponseMode::Json
                || (mode == ResponseMode::Lazy && first.is_empty())
            {
                forward(first, rx, unsolicited);
                return json_response(&inner, x.era, reply, &headers);
            }
            reply_rx = Some(ReplyRx::Ready(Some(reply)));
            true
        }
        ResponseMode::Sse => true,
        ResponseMode::Lazy if x.force_sse => true,
        ResponseMode::Json => {
            forward(Vec::new(), rx, unsolicited);
            let reply = reply_rx.take().expect("reply receiver").await;
            if let Some(g) = guard {
                g.disarm();
            }
            return json_response(&inner, x.era, reply, &headers);
        }
        ResponseMode::Lazy => {
            let event = tokio::select! {
                biased;
                r = reply_rx.as_mut().expect("reply receiver") => Lazy::Reply(r),
                m = rx.recv() => match m {
                    Some(m) => Lazy::Message(m),
                    // The request ended and dropped its sender; its reply is on the way.
                    None => Lazy::Reply(reply_rx.take().expect("reply receiver").await),
                },
                _ = closed_early(close.as_ref()) => Lazy::Closed,
            };
            match event {
                Lazy::Reply(reply) => {
                    rx.take_queued(&mut first).await;
                    if first.is_empty() {
                        if let Some(g) = guard {
                            g.disarm();
                        }
                        return json_response(&inner, x.era, reply, &headers);
                    }
                    // Notifications came first: stream them, then the reply.
                    reply_rx = Some(ReplyRx::Ready(Some(reply)));
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
            // With shared sessions the client may read the stream on another instance,
            // which this one cannot see: a question waits its full timeout instead.
            let detached = Detached {
                request: request_cancel,
                grace: Some(inner.config.detached_client_wait)
                    .filter(|_| inner.sessions.shared.is_none()),
                claim,
            };
            tokio::spawn(writer.pump(r.priming, first, rx, reply_rx, close, detached));
        }
    }
    reply::sse(body, &headers)
}

/// The reply of a request: already there (it finished on its first poll), or on its way
/// from the request's task. `None` when it was cancelled (or its task ended without one).
pub(super) enum ReplyRx {
    Ready(Option<Option<Reply>>),
    Waiting(oneshot::Receiver<Option<Reply>>),
}

impl Future for ReplyRx {
    type Output = Option<Reply>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Reply>> {
        match self.get_mut() {
            ReplyRx::Ready(reply) => Poll::Ready(reply.take().flatten()),
            ReplyRx::Waiting(rx) => Pin::new(rx).poll(cx).map(|r| r.ok().flatten()),
        }
    }
}

/// A JSON response carries only the response: the request's other messages go to the
/// session's standalone stream (`to`), or nowhere in the 2026 era.
fn forward(first: Vec<OutMessage>, mut rx: OutReceiver, to: Option<Outbound>) {
    tokio::spawn(async move {
        for m in first {
            if let Some(out) = &to {
                out.send(m).await;
            }
        }
        while let Some(m) = rx.recv().await {
            if let Some(out) = &to {
                out.send(m).await;
            }
        }
    });
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
    ticket: Ticket,
    busy: Option<BusyGuard>,
    auth: Option<AuthContext>,
) -> ReplyRx {
    let dispatcher = inner.server.dispatcher();
    // Open-ended requests end when the client closes them, not on a timer, and end
    // first in a graceful shutdown.
    let open_ended = &*req.method == OPEN_ENDED;
    let limit = inner.config.request_timeout.filter(|_| !open_ended);
    let server = inner.clone();
    let task = async move {
        let id = req.id.clone();
        let env = RequestEnv {
            out,
            conn,
            era: Some(era),
            cancel: Some(cancel.clone()),
            auth,
        };
        let mut work = std::pin::pin!(dispatcher.serve(req, env));
        // No timer for a request that finishes on its first poll (most do).
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        let reply = match first {
            Poll::Ready(reply) => reply,
            Poll::Pending => tokio::select! {
                r = &mut work => r,
                _ = shutdown(&server, open_ended) => {
                    cancel.cancel();
                    let reply = work.await;
                    match reply {
                        // Shared sessions: the client may be reading this stream on
                        // another instance; it gets an answer, never silence.
                        None if server.sessions.shared.is_some() && !open_ended => {
                            let error = ErrorObject {
                                code: code::INTERNAL_ERROR,
                                message: "The server instance handling this request shut down; retry it".into(),
                                data: None,
                            };
                            Some(Reply {
                                bytes: jsonrpc::error_response(Some(&id), &error),
                                error_code: Some(error.code),
                                era,
                            })
                        }
                        reply => reply,
                    }
                }
                _ = timeout(limit) => {
                    let limit = limit.unwrap_or_default();
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
        drop((ticket, busy));
        reply
    };
    // Most requests finish on their first poll: answer those right here, without a task,
    // a channel and a wake-up of the connection task. A request that has to wait gets its
    // own task (polled again there with a real waker), so a slow handler never holds up
    // the connection's other work and a 2026 request is still cancelled when its
    // response is dropped (the exchange's guard fires its token).
    let mut task = Box::pin(task);
    match task
        .as_mut()
        .poll(&mut TaskContext::from_waker(std::task::Waker::noop()))
    {
        Poll::Ready(reply) => ReplyRx::Ready(Some(reply)),
        Poll::Pending => {
            let (reply_tx, reply_rx) = oneshot::channel();
            tokio::spawn(async move {
                let _ = reply_tx.send(task.await);
            });
            ReplyRx::Waiting(reply_rx)
        }
    }
}

/// Resolves when a shutdown ends the request: at its start for open-ended requests, at
/// the end of the grace period for the others.
async fn shutdown(inner: &Inner, open_ended: bool) {
    if open_ended {
        inner.draining.cancelled().await
    } else {
        inner.abort.cancelled().await
    }
}

/// Resolves when the handler closes its stream early, or never (a stream that cannot be
/// resumed cannot be closed).
async fn closed_early(close: Option<&CancellationToken>) {
    match close {
        Some(close) => close.cancelled().await,
        None => std::future::pending().await,
    }
}

/// Resolves after `limit`, or never.
async fn timeout(limit: Option<Duration>) {
    match limit {
        Some(limit) => tokio::time::sleep(limit).await,
        None => std::future::pending().await,
    }
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
    mut rx: OutReceiver,
    mut reply_rx: ReplyRx,
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
            r = &mut reply_rx => break r,
            m = rx.recv() => match m {
                Some(m) => {
                    if tx.send(sse::event(None, &m)).await.is_err() {
                        return;
                    }
                }
                None => break reply_rx.await,
            },
        }
    };
    let mut rest = Vec::new();
    rx.take_queued(&mut rest).await;
    for m in rest {
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
        if self.store.stream_lease().is_some() {
            self.store.end_stream(&self.session.id, self.stream).await;
        }
    }

    /// Claims the stream in a shared event store and renews the claim until the
    /// returned guard drops.
    async fn hold(&self, request: &str) -> Option<tokio_util::sync::DropGuard> {
        let lease = self.store.stream_lease()?;
        let (store, session, stream) = (self.store.clone(), self.session.id.clone(), self.stream);
        if let Err(e) = store.claim_stream(&session, stream, request).await {
            tracing::warn!(error = %e, "could not claim a stream in the event store");
        }
        let done = CancellationToken::new();
        let stop = done.clone();
        let request = request.to_owned();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval((lease / 3).max(Duration::from_millis(10)));
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tick.tick() => {
                        if let Err(e) = store.claim_stream(&session, stream, &request).await {
                            tracing::warn!(error = %e, "could not renew a stream's claim");
                        }
                    }
                }
            }
        });
        Some(done.drop_guard())
    }

    async fn pump(
        self,
        priming: bool,
        first: Vec<OutMessage>,
        mut rx: OutReceiver,
        mut reply_rx: ReplyRx,
        close: Option<CancellationToken>,
        mut detached: Detached,
    ) {
        let _held = match &detached.claim.take() {
            Some(request) => self.hold(request).await,
            None => None,
        };
        let mut asked = Asked::new(detached);
        if priming {
            self.emit(Bytes::new()).await;
        }
        for m in first {
            asked.note(&m, &self);
            self.emit(m).await;
        }
        let mut closed = false;
        let reply = loop {
            tokio::select! {
                biased;
                _ = self.session.closed.cancelled() => break None,
                _ = closed_early(close.as_ref()), if !closed => {
                    closed = true;
                    // What the handler sent before asking to close still goes out live.
                    let mut sent = Vec::new();
                    rx.take_queued(&mut sent).await;
                    for m in sent {
                        asked.note(&m, &self);
                        self.emit(m).await;
                    }
                    self.detach().await;
                }
                r = &mut reply_rx => break r,
                m = rx.recv() => match m {
                    Some(m) => {
                        asked.note(&m, &self);
                        self.emit(m).await;
                    }
                    None => break reply_rx.await,
                },
            }
        };
        let mut rest = Vec::new();
        rx.take_queued(&mut rest).await;
        for m in rest {
            self.emit(m).await;
        }
        if let Some(r) = reply {
            self.emit(r.bytes.into()).await;
        }
        self.finish().await;
    }
}

/// How a session-era request whose client went away is ended.
struct Detached {
    /// The request's own token.
    request: CancellationToken,
    /// How long it may wait on the client with nobody reading its stream (`None`: its
    /// full timeout).
    grace: Option<Duration>,
    /// The request's id as JSON, to claim the stream in a shared event store: a client
    /// resuming it on another instance gets an error for the request if this one dies.
    claim: Option<String>,
}

/// The server-to-client requests a stream carried, watched once there is one.
struct Asked {
    detached: Detached,
    ids: Option<Arc<Mutex<Vec<RequestId>>>>,
    /// Ends the watcher with the stream.
    _done: Option<tokio_util::sync::DropGuard>,
}

impl Asked {
    fn new(detached: Detached) -> Self {
        Asked {
            detached,
            ids: None,
            _done: None,
        }
    }

    /// Notes `message` if it is a request to the client; the first one starts the
    /// watcher. Plain notifications cost a prefix compare.
    fn note(&mut self, message: &[u8], writer: &StreamWriter) {
        let Some(grace) = self.detached.grace else {
            return;
        };
        let Some(id) = jsonrpc::outgoing_request_id(message) else {
            return;
        };
        if let Some(ids) = &self.ids {
            ids.lock().expect("asked lock").push(id);
            return;
        }
        let Some(client) = writer.session.conn.session().cloned() else {
            return;
        };
        let ids = Arc::new(Mutex::new(vec![id]));
        let done = CancellationToken::new();
        tokio::spawn(watch_detached(
            writer.live.clone(),
            client,
            ids.clone(),
            self.detached.request.clone(),
            grace,
            done.clone(),
        ));
        self.ids = Some(ids);
        self._done = Some(done.drop_guard());
    }
}

/// Cancels the request once it has waited on the client for `grace` with no client
/// reading its stream: the connection that carried it dropped and nobody resumed it, so
/// no answer is coming and its slot would otherwise be held for the whole
/// `client_request_timeout`. A resumed stream or an answer stops the clock.
async fn watch_detached(
    live: Arc<LiveStream>,
    client: Arc<Session>,
    ids: Arc<Mutex<Vec<RequestId>>>,
    request: CancellationToken,
    grace: Duration,
    done: CancellationToken,
) {
    loop {
        // While a client reads the stream, wait for it to go.
        let reader = live.sink.lock().await.tx.clone();
        if let Some(reader) = reader.filter(|r| !r.is_closed()) {
            tokio::select! {
                _ = reader.closed() => {}
                _ = done.cancelled() => return,
            }
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(grace) => {}
            _ = done.cancelled() => return,
        }
        if live.sink.lock().await.attached() {
            continue;
        }
        let waiting = ids
            .lock()
            .expect("asked lock")
            .iter()
            .any(|id| client.awaits(id));
        if waiting {
            tracing::debug!("cancelling a request that waits on a client that went away");
            request.cancel();
            return;
        }
    }
}
