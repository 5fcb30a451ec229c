//! The session era (2025-03-26 … 2025-11-25) on the endpoint: `initialize` creates a
//! session; POST carries its messages, GET opens (or resumes) streams, DELETE ends it.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderValue;
use http::request::Parts;
use http::{Response, StatusCode};
use tokio::sync::mpsc;

use super::body::ResponseBody;
use super::event_store::StreamId;
use super::reply::{self, SESSION_NOT_FOUND, TEXT_EVENT_STREAM};
use super::service::{
    accepts, too_many, unavailable, unavailable_for, Inner, McpHeaders, LAST_EVENT_ID,
    SESSION_ID,
};
use super::session_store::{HttpSession, Reach, Shared};
use super::stream::{self, Exchange, Resumable, StreamWriter};
use super::{authz, sse};
use crate::auth::AuthContext;
use crate::dispatch::{Connection, OutMessage, Outbound, Session};
use crate::stores::{Admitted, ClusterMessage};
use crate::protocol::jsonrpc::{self, code, Message, Request};
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

async fn session_for(
    inner: &Arc<Inner>,
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
    let session = match (inner.sessions.get(sid), &inner.sessions.shared) {
        (Some(s), None) => s,
        (None, None) => return Err(session_not_found(id)),
        (local, Some(shared)) => shared_session(inner, shared, sid, local, id).await?,
    };
    Some(session)
        .filter(|s| s.owner.is_none() || s.owner == caller)
        .ok_or_else(|| session_not_found(id))
}

/// A shared session: the local copy if the store still has the session (one round
/// trip, which also marks it used everywhere), else a copy made from the store's
/// record.
async fn shared_session(
    inner: &Arc<Inner>,
    shared: &Shared,
    sid: &str,
    local: Option<Arc<HttpSession>>,
    id: Option<&RequestId>,
) -> Result<Arc<HttpSession>, Response<ResponseBody>> {
    let idle = inner.config.session_idle_timeout;
    if let Some(session) = local {
        let ids = [session.id.clone()];
        return match shared.backend.touch(&ids, idle).await {
            Ok(alive) if alive.first() == Some(&true) => Ok(session),
            Ok(_) => {
                // Ended or expired elsewhere.
                inner.sessions.remove(sid, Reach::Here);
                Err(session_not_found(id))
            }
            Err(e) => Err(store_unavailable(id, &e)),
        };
    }
    let record = match shared.backend.load(sid, idle).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(session_not_found(id)),
        Err(e) => return Err(store_unavailable(id, &e)),
    };
    let Some(state) = Session::restore(&record) else {
        return Err(session_not_found(id));
    };
    let reservation = match inner.sessions.reserve() {
        Ok(r) => r,
        Err(full) => {
            return Err(unavailable_for(
                id,
                "Service Unavailable: too many sessions on this instance",
                full.retry_after,
            ))
        }
    };
    state.share(shared.cluster.instance());
    let (out, unsolicited) = Outbound::channel(inner.server.config().outbound_capacity);
    let conn = Connection::new(out);
    let _ = conn.session.set(Arc::new(state));
    let session = HttpSession::with_id(
        sid.into(),
        conn.clone(),
        record.owner.map(Into::into),
        inner.sessions.stream_base,
    );
    let stored = reservation.fill_or_get(session.clone());
    if Arc::ptr_eq(&stored, &session) {
        tracing::debug!(session = %sid, "shared session adopted");
        inner.server.shared.hub.add_connection(&conn);
        spawn_standalone(inner, &session, unsolicited);
    }
    Ok(stored)
}

/// 503 while the shared store cannot be reached.
fn store_unavailable(id: Option<&RequestId>, e: &crate::Error) -> Response<ResponseBody> {
    tracing::warn!(error = %e, "shared session store unavailable");
    unavailable(id, "Service Unavailable: the session store cannot be reached")
}

/// Hands what changed in the session here (initialized, log level, subscriptions) to
/// the shared store and the other instances.
async fn share_changes(inner: &Inner, session: &HttpSession) {
    let Some(shared) = &inner.sessions.shared else {
        return;
    };
    let Some(state) = session.conn.session() else {
        return;
    };
    let changes = state.take_changes();
    if changes.is_empty() {
        return;
    }
    if let Err(e) = shared.backend.change(&session.id, &changes).await {
        tracing::warn!(error = %e, "could not store a session change");
    }
    shared.cluster.publish(ClusterMessage::SessionChanged {
        session: session.id.to_string(),
        changes,
    });
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
    let session = match session_for(inner, headers, id.as_ref(), auth.as_ref()).await {
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
            let res = stream::respond(inner.clone(), exchange).await;
            share_changes(inner, &session).await;
            res
        }
        Message::Notification(n) => {
            session.touch();
            if let Some(progress) = crate::input::progress::params(&n) {
                // The client's progress on a server-to-client request: used here if it
                // waits here, else where it waits.
                let here = session
                    .conn
                    .session()
                    .is_some_and(|s| s.client_progress(&progress));
                if let (false, Some(shared)) = (here, &inner.sessions.shared) {
                    shared.cluster.publish(ClusterMessage::ClientProgress {
                        session: session.id.to_string(),
                        progress,
                    });
                }
                return reply::status(StatusCode::ACCEPTED);
            }
            dispatcher.handle_notification(&n, Some(&session.conn));
            if let Some(shared) = &inner.sessions.shared {
                if let Some(request_id) = cancelled_request(&n) {
                    // It may run on another instance.
                    shared.cluster.publish(ClusterMessage::Cancelled {
                        session: session.id.to_string(),
                        request_id,
                    });
                }
            }
            share_changes(inner, &session).await;
            reply::status(StatusCode::ACCEPTED)
        }
        Message::Response(r) => {
            session.touch();
            let here = session.conn.session().is_some_and(|s| s.awaits(&r.id));
            match &inner.sessions.shared {
                Some(shared) if !here => {
                    // The request waits on another instance.
                    shared.cluster.publish(ClusterMessage::ClientResponse {
                        session: session.id.to_string(),
                        response: String::from_utf8_lossy(&response_bytes(&r)).into_owned(),
                    });
                }
                _ => dispatcher.handle_response(r, &session.conn),
            }
            reply::status(StatusCode::ACCEPTED)
        }
    }
}

/// A client's response as JSON again, to forward it.
fn response_bytes(r: &crate::protocol::jsonrpc::Response) -> Vec<u8> {
    match &r.outcome {
        Ok(result) => jsonrpc::result_response(&r.id, result.get().as_bytes()),
        Err(error) => jsonrpc::error_response(Some(&r.id), error),
    }
}

/// The request a `notifications/cancelled` names.
fn cancelled_request(n: &crate::protocol::jsonrpc::Notification) -> Option<RequestId> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct P {
        request_id: RequestId,
    }
    if &*n.method != "notifications/cancelled" {
        return None;
    }
    let p: P = serde_json::from_str(n.params.as_deref()?.get()).ok()?;
    Some(p.request_id)
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
    let session = HttpSession::new(
        conn.clone(),
        authz::owner(auth.as_ref()),
        inner.sessions.stream_base,
    );
    if let Some(shared) = &inner.sessions.shared {
        // The cap counts sessions across the cluster.
        match shared.backend.admit(&session.id, &shared.limits).await {
            Ok(Admitted::Yes { evicted }) => {
                if let Some(evicted) = evicted {
                    tracing::debug!(session = %evicted, "idle session closed to admit a new one");
                    inner.sessions.remove(&evicted, Reach::Here);
                    shared
                        .cluster
                        .publish(ClusterMessage::SessionClosed { session: evicted });
                }
            }
            Ok(Admitted::Full { retry_after }) => {
                return unavailable_for(
                    Some(&req.id),
                    "Service Unavailable: too many sessions",
                    retry_after,
                )
            }
            Err(e) => return store_unavailable(Some(&req.id), &e),
        }
    }
    let req_id = req.id.clone();
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
                inner.sessions.close(&session, Reach::Everywhere);
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
        headers: vec![(SESSION_ID, sid)],
        on_reply: Some(on_reply),
        ticket,
        busy: None,
        auth,
    };
    let res = stream::respond(inner.clone(), exchange).await;
    match (&inner.sessions.shared, session.conn.session()) {
        (Some(shared), Some(state)) if !session.is_closed() => {
            // Stored before the client learns the id: its next request may reach any
            // instance.
            state.share(shared.cluster.instance());
            let _ = state.take_changes();
            let record = state.record(session.owner.as_deref());
            let idle = inner.config.session_idle_timeout;
            if let Err(e) = shared.backend.store(&session.id, &record, idle).await {
                inner.sessions.remove(&session.id, Reach::Everywhere);
                return store_unavailable(Some(&req_id), &e);
            }
            res
        }
        _ => res,
    }
}

/// Moves the session's unsolicited messages (list changes, server pings) onto stream 0,
/// which GET attaches to.
fn spawn_standalone(
    inner: &Arc<Inner>,
    session: &Arc<HttpSession>,
    mut unsolicited: mpsc::Receiver<OutMessage>,
) {
    let writer = standalone_writer(inner, session);
    // A shared session has a copy on every instance that served it, and each hears
    // every announcement: only the copy whose GET stream is attached here delivers.
    let shared = inner.sessions.shared.is_some();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = writer.session.closed.cancelled() => break,
                m = unsolicited.recv() => match m {
                    Some(m) if shared && !writer.live.sink.lock().await.attached() => drop(m),
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
    let session = match session_for(inner, headers, None, auth).await {
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
            Ok(Some(r)) => {
                // Produced on another instance (shared stores): follow it from the
                // last event replayed until it ends.
                let from = r.events.last().map_or(last, |(id, _)| id.as_str());
                if let Some(events) = store.follow(&session.id, stream, from) {
                    spawn_follower(events, tx);
                }
                r
            }
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

/// Forwards events another instance produces to a resumed stream's reader.
fn spawn_follower(mut events: mpsc::Receiver<(String, Bytes)>, tx: mpsc::Sender<Bytes>) {
    tokio::spawn(async move {
        while let Some((id, message)) = events.recv().await {
            if tx.send(sse::event(Some(&id), &message)).await.is_err() {
                return;
            }
        }
    });
}

pub(super) async fn delete(
    inner: &Arc<Inner>,
    headers: &McpHeaders<'_>,
    auth: Option<&AuthContext>,
) -> Response<ResponseBody> {
    if let Err(res) = request_version(headers, None) {
        return res;
    }
    let session = match session_for(inner, headers, None, auth).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    // The shared record goes before the 200: every instance checks it on each request,
    // so none serves the session once the client has been told it ended.
    if let Err(e) = inner.sessions.end(&session.id).await {
        return store_unavailable(None, &e);
    }
    tracing::debug!(session = %session.id, "session deleted");
    reply::status(StatusCode::OK)
}
