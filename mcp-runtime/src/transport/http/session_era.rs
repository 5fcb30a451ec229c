//! The session era (2025-03-26 … 2025-11-25) on the endpoint: `initialize` creates a
//! session; POST carries its messages, GET opens (or resumes) streams, DELETE ends it.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;
use http::{Response, StatusCode};
use tokio::sync::mpsc;

use super::body::ResponseBody;
use super::event_store::StreamId;
use super::reply::{self, SESSION_NOT_FOUND, TEXT_EVENT_STREAM};
use super::service::{
    accepts, too_many, unavailable_for, Inner, McpHeaders, LAST_EVENT_ID, SESSION_ID,
};
use super::session_store::HttpSession;
use super::stream::{self, Exchange, Resumable, StreamWriter};
use super::{authz, sse};
use crate::auth::AuthContext;
use crate::dispatch::{Connection, OutMessage, Outbound};
use crate::protocol::jsonrpc::{code, Message, Request};
use crate::protocol::{Era, ProtocolVersion, RequestId};

/// The revision a request speaks: its header, or 2025-03-26 when absent (clients of that
/// revision did not send one). Unknown or non-session revisions are refused.
fn request_version(
    headers: &McpHeaders<'_>,
    id: Option<&RequestId>,
) -> Result<ProtocolVersion, Response<ResponseBody>> {
    match headers.version {
        None => Ok(ProtocolVersion::V2025_03_26),
        Some(v) => ProtocolVersion::parse(v)
            .filter(|v| v.era() == Era::Session)
            .ok_or_else(|| {
                reply::error(
                    StatusCode::BAD_REQUEST,
                    id,
                    code::INVALID_REQUEST,
                    format!("Bad Request: unsupported MCP-Protocol-Version {v:?}"),
                )
            }),
    }
}

fn session_for(
    inner: &Inner,
    headers: &McpHeaders<'_>,
    id: Option<&RequestId>,
    auth: Option<&AuthContext>,
) -> Result<Arc<HttpSession>, Response<ResponseBody>> {
    let Some(sid) = headers.session_id else {
        return Err(reply::error(
            StatusCode::BAD_REQUEST,
            id,
            code::INVALID_REQUEST,
            "Bad Request: the Mcp-Session-Id header is required",
        ));
    };
    // A session belongs to the principal that created it: to anyone else it does not
    // exist (the same 404, so ids of others' sessions cannot be probed).
    let caller = authz::owner(auth);
    inner
        .sessions
        .get(sid)
        .filter(|s| s.owner.is_none() || s.owner == caller)
        .ok_or_else(|| session_not_found(id))
}

fn session_not_found(id: Option<&RequestId>) -> Response<ResponseBody> {
    reply::error(
        StatusCode::NOT_FOUND,
        id,
        SESSION_NOT_FOUND,
        "Session not found: it was terminated or has expired; initialize a new one",
    )
}

/// Priming events (and so server-closed streams) are a 2025-11-25 feature; older
/// clients may not expect an event without data.
fn primes(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::V2025_11_25
}

pub(super) async fn post(
    inner: &Arc<Inner>,
    headers: &McpHeaders<'_>,
    msg: Message,
    auth: Option<AuthContext>,
) -> Response<ResponseBody> {
    let id = match &msg {
        Message::Request(r) => Some(r.id.clone()),
        _ => None,
    };
    let version = match request_version(headers, id.as_ref()) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let msg = match msg {
        Message::Request(req) if headers.session_id.is_none() && &*req.method == "initialize" => {
            return initialize(inner, headers, req, version, auth).await;
        }
        other => other,
    };
    let session = match session_for(inner, headers, id.as_ref(), auth.as_ref()) {
        Ok(s) => s,
        Err(res) => return res,
    };
    let dispatcher = inner.server.dispatcher();
    match msg {
        Message::Request(req) => {
            let max = inner.config.max_requests_per_session;
            let Ok(busy) = session.begin_request(max) else {
                return too_many(
                    &req.id,
                    &format!(
                        "Too Many Requests: this session already has {max} request{} in progress",
                        if max == 1 { "" } else { "s" }
                    ),
                );
            };
            if session.is_closed() {
                // It ended between the lookup and now.
                return session_not_found(Some(&req.id));
            }
            let ticket = match inner.admit(Era::Session, headers, &req.id) {
                Ok(t) => t,
                Err(res) => return res,
            };
            let exchange = Exchange {
                req,
                era: Era::Session,
                conn: Some(session.conn.clone()),
                resumable: Some(Resumable {
                    session: session.clone(),
                    priming: primes(version),
                }),
                force_sse: false,
                headers: Vec::new(),
                on_reply: None,
                ticket,
                busy: Some(busy),
                auth,
            };
            stream::respond(inner.clone(), exchange).await
        }
        Message::Notification(n) => {
            session.touch();
            dispatcher.handle_notification(&n, Some(&session.conn));
            reply::status(StatusCode::ACCEPTED)
        }
        Message::Response(r) => {
            session.touch();
            dispatcher.handle_response(r, &session.conn);
            reply::status(StatusCode::ACCEPTED)
        }
    }
}

async fn initialize(
    inner: &Arc<Inner>,
    headers: &McpHeaders<'_>,
    req: Request,
    version: ProtocolVersion,
    auth: Option<AuthContext>,
) -> Response<ResponseBody> {
    // The slot is taken now and filled when the reply succeeds: concurrent `initialize`s
    // at the cap cannot all pass a check and then find no room.
    let reservation = match inner.sessions.reserve() {
        Ok(r) => r,
        Err(full) => {
            return unavailable_for(
                Some(&req.id),
                "Service Unavailable: too many sessions",
                full.retry_after,
            )
        }
    };
    let ticket = match inner.admit(Era::Session, headers, &req.id) {
        Ok(t) => t,
        Err(res) => return res,
    };
    let (out, unsolicited) = Outbound::channel(inner.server.config().outbound_capacity);
    let conn = Connection::new(out);
    let session = HttpSession::new(conn.clone(), authz::owner(auth.as_ref()));
    let sid = HeaderValue::from_str(&session.id).expect("session ids are visible ASCII");
    let on_reply = {
        let (inner, session) = (inner.clone(), session.clone());
        Box::new(move |reply: &crate::dispatch::Reply| {
            if reply.error_code.is_none() {
                reservation.fill(session.clone());
                tracing::debug!(session = %session.id, "session created");
                spawn_standalone(&inner, &session, unsolicited);
            } else {
                drop(reservation);
                inner.sessions.close(&session);
            }
        })
    };
    let exchange = Exchange {
        req,
        era: Era::Session,
        conn: Some(conn),
        resumable: Some(Resumable {
            session: session.clone(),
            priming: primes(version),
        }),
        force_sse: false,
        headers: vec![(HeaderName::from_static(SESSION_ID), sid)],
        on_reply: Some(on_reply),
        ticket,
        busy: None,
        auth,
    };
    stream::respond(inner.clone(), exchange).await
}

/// Moves the session's unsolicited messages (list changes, server pings) onto stream 0,
/// which GET attaches to.
fn spawn_standalone(
    inner: &Arc<Inner>,
    session: &Arc<HttpSession>,
    mut unsolicited: mpsc::Receiver<OutMessage>,
) {
    let writer = standalone_writer(inner, session);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = writer.session.closed.cancelled() => break,
                m = unsolicited.recv() => match m {
                    Some(m) => writer.emit(m).await,
                    None => break,
                },
            }
        }
        writer.detach().await;
    });
}

fn standalone_writer(inner: &Inner, session: &Arc<HttpSession>) -> StreamWriter {
    StreamWriter {
        store: inner.config.event_store.clone(),
        session: session.clone(),
        stream: 0,
        live: session.standalone(),
        retry_ms: inner.config.sse_retry.as_millis(),
    }
}

pub(super) async fn get(
    inner: &Arc<Inner>,
    parts: &Parts,
    headers: &McpHeaders<'_>,
    auth: Option<&AuthContext>,
) -> Response<ResponseBody> {
    if !accepts(parts, TEXT_EVENT_STREAM) {
        return reply::error(
            StatusCode::NOT_ACCEPTABLE,
            None,
            code::INVALID_REQUEST,
            "Not Acceptable: Accept must allow text/event-stream",
        );
    }
    let version = match request_version(headers, None) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let session = match session_for(inner, headers, None, auth) {
        Ok(s) => s,
        Err(res) => return res,
    };
    let last_event_id = parts
        .headers
        .get(LAST_EVENT_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match last_event_id {
        Some(last) => resume(inner, &session, last).await,
        None if !inner.config.enable_get_stream => reply::method_not_allowed("POST, DELETE"),
        None => standalone(inner, &session, version).await,
    }
}

/// Opens the standalone stream for server-initiated messages (one per session).
async fn standalone(
    inner: &Arc<Inner>,
    session: &Arc<HttpSession>,
    version: ProtocolVersion,
) -> Response<ResponseBody> {
    let writer = standalone_writer(inner, session);
    let (tx, rx) = mpsc::channel(inner.config.sse_buffer.max(1));
    {
        let mut sink = writer.live.sink.lock().await;
        if sink.tx.as_ref().is_some_and(|tx| !tx.is_closed()) {
            return reply::error(
                StatusCode::CONFLICT,
                None,
                code::INVALID_REQUEST,
                "Conflict: this session already has a standalone SSE stream",
            );
        }
        sink.tx = Some(tx);
    }
    if primes(version) {
        writer.emit(Bytes::new()).await;
    }
    let body = ResponseBody::stream(VecDeque::new(), rx, inner.config.sse_keep_alive)
        .with_guard(session.busy());
    reply::sse(body, &[])
}

/// Replays what a stream sent after `last`, then keeps delivering it if its producer is
/// still running. The reader replaces whatever reader the stream had, so no message is
/// ever sent on two connections.
async fn resume(
    inner: &Arc<Inner>,
    session: &Arc<HttpSession>,
    last: &str,
) -> Response<ResponseBody> {
    let store = &inner.config.event_store;
    let unknown = || {
        reply::error(
            StatusCode::BAD_REQUEST,
            None,
            code::INVALID_REQUEST,
            "Bad Request: Last-Event-ID is unknown, or the events after it are no longer stored",
        )
    };
    let failed = |e: crate::Error| {
        tracing::warn!(error = %e, "event store failed during resumption");
        reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            code::INTERNAL_ERROR,
            "Internal Server Error: could not read stored events",
        )
    };
    // The first read only finds the stream; the authoritative one happens under the
    // stream's lock so no event slips between replay and attach.
    let stream: StreamId = match store.replay_after(&session.id, last).await {
        Ok(Some(r)) => r.stream,
        Ok(None) => return unknown(),
        Err(e) => return failed(e),
    };
    let live = if stream == 0 {
        Some(session.standalone())
    } else {
        session.live_stream(stream)
    };
    let (tx, rx) = mpsc::channel(inner.config.sse_buffer.max(1));
    let replay = match &live {
        Some(live) => {
            let mut sink = live.sink.lock().await;
            let replay = match store.replay_after(&session.id, last).await {
                Ok(Some(r)) => r,
                Ok(None) => return unknown(),
                Err(e) => return failed(e),
            };
            if !sink.finished {
                sink.tx = Some(tx);
            }
            replay
        }
        None => match store.replay_after(&session.id, last).await {
            Ok(Some(r)) => r,
            Ok(None) => return unknown(),
            Err(e) => return failed(e),
        },
    };
    let first: VecDeque<Bytes> = replay
        .events
        .iter()
        .map(|(id, message)| sse::event(Some(id), message))
        .collect();
    let body =
        ResponseBody::stream(first, rx, inner.config.sse_keep_alive).with_guard(session.busy());
    reply::sse(body, &[])
}

pub(super) fn delete(
    inner: &Inner,
    headers: &McpHeaders<'_>,
    auth: Option<&AuthContext>,
) -> Response<ResponseBody> {
    if let Err(res) = request_version(headers, None) {
        return res;
    }
    let session = match session_for(inner, headers, None, auth) {
        Ok(s) => s,
        Err(res) => return res,
    };
    inner.sessions.remove(&session.id);
    tracing::debug!(session = %session.id, "session deleted");
    reply::status(StatusCode::OK)
}
