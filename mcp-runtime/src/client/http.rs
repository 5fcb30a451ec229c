//! Streamable HTTP, as a client: one POST per message; JSON or SSE answers; the
//! session era's `Mcp-Session-Id`, standalone GET stream, `Last-Event-ID` resumption
//! and DELETE; the 2026 era's per-request headers. HTTP/1.1 connections of our own
//! ([`pool`](super::pool)), driven by the requests that use them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use super::closing::Closing;
use super::pool::{Pool, ResponseBody as Body};
use super::sse;
use super::{ClientError, EventReceiver, EventSender, Incoming, Outgoing, Router};
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::{Era, ErrorObject, RequestId};

const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How often one request's response stream is resumed before giving up.
const MAX_RESUMES: usize = 16;

/// Requests in flight by id (the client's own numbers: no SipHash needed).
type Inflight = HashMap<
    RequestId,
    Option<tokio::task::AbortHandle>,
    std::hash::BuildHasherDefault<super::stream::IdHasher>,
>;

pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
}

pub(crate) struct HttpLink {
    pool: Pool,
    uri: Uri,
    /// The request target (`/mcp`): requests go out in origin form.
    path: Uri,
    extra: HeaderMap,
    session: Mutex<Option<HeaderValue>>,
    version: Mutex<Option<HeaderValue>>,
    router: Arc<Router>,
    pub(super) closing: Closing,
    /// Requests in flight: their task, or `None` for one driven by its exchange.
    inflight: Mutex<Inflight>,
    me: Weak<HttpLink>,
}

impl HttpLink {
    pub(crate) fn new(target: Target, router: Arc<Router>) -> Result<Arc<Self>, ClientError> {
        let uri: Uri = target
            .url
            .parse()
            .map_err(|e| ClientError::Transport(format!("invalid URL {:?}: {e}", target.url)))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(ClientError::Transport(
                    "https:// URLs need TLS, which this client does not include; put a TLS-terminating proxy in front or use http:// on a trusted network".into(),
                ))
            }
            _ => {
                return Err(ClientError::Transport(format!(
                    "invalid URL {:?}: expected http://host:port/path",
                    target.url
                )))
            }
        }
        let mut extra = HeaderMap::new();
        for (k, v) in target.headers {
            let name = HeaderName::try_from(k.as_str())
                .map_err(|e| ClientError::Transport(format!("invalid header name {k:?}: {e}")))?;
            let value = HeaderValue::try_from(v).map_err(|e| {
                ClientError::Transport(format!("invalid value for header {k}: {e}"))
            })?;
            extra.append(name, value);
        }
        let pool = Pool::new(&uri)
            .map_err(|e| ClientError::Transport(format!("invalid URL {:?}: {e}", target.url)))?;
        let path = uri
            .path_and_query()
            .map_or_else(|| Uri::from_static("/"), |p| Uri::from(p.clone()));
        Ok(Arc::new_cyclic(|me| HttpLink {
            pool,
            uri,
            path,
            extra,
            session: Mutex::default(),
            version: Mutex::default(),
            router,
            closing: Closing::new("the client closed"),
            inflight: Mutex::default(),
            me: me.clone(),
        }))
    }

    pub(crate) fn router(&self) -> &Arc<Router> {
        &self.router
    }

    pub(crate) fn set_session_version(&self, version: &str) {
        if let Ok(v) = HeaderValue::try_from(version) {
            *self.version.lock().expect("version lock") = Some(v);
        }
    }

    fn request(&self, method: Method, era: Era, body: Option<Vec<u8>>) -> Request<Full<Bytes>> {
        let has_body = body.is_some();
        let mut req = Request::new(Full::new(Bytes::from(body.unwrap_or_default())));
        *req.method_mut() = method;
        *req.uri_mut() = self.path.clone();
        // Room for every header a request gets (the 2026 ones and `Host` included): no
        // growth on the way.
        let mut headers = HeaderMap::with_capacity(12 + self.extra.len());
        headers.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        if has_body {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        if era == Era::Session {
            if let Some(id) = self.session.lock().expect("session lock").clone() {
                headers.insert("mcp-session-id", id);
            }
            if let Some(v) = self.version.lock().expect("version lock").clone() {
                headers.insert("mcp-protocol-version", v);
            }
        }
        *req.headers_mut() = headers;
        req
    }

    async fn send(&self, req: Request<Full<Bytes>>) -> Result<Response<Body>, ClientError> {
        tokio::select! {
            res = self.pool.send(req) => res.map_err(|e| {
                ClientError::Transport(format!("{} ({e})", self.uri))
            }),
            _ = self.closing.token.cancelled() => Err(self.closing.error()),
        }
    }

    /// Starts a request: spawned, or (`inline`) driven by whoever waits on its exchange.
    pub(crate) fn start(&self, mut out: Outgoing) -> Result<EventReceiver, ClientError> {
        if self.closing.is_closed() {
            return Err(self.closing.error());
        }
        let mut req = self.request(Method::POST, out.era, Some(out.body));
        let headers = req.headers_mut();
        for (k, v) in std::mem::take(&mut out.headers) {
            headers.insert(k, v);
        }
        let (tx, rx) = super::exchange::events();
        let link = self.me.upgrade().expect("a live link starts requests");
        let id = out.id.clone();
        let inline = out.inline;
        let work = {
            let id = id.clone();
            let link = link.clone();
            async move {
                let outcome = link.exchange(req, &out.method, &id, out.era, &tx).await;
                if let Err(e) = outcome {
                    tx.send(Incoming::Failed(e));
                }
                link.inflight.lock().expect("inflight lock").remove(&id);
            }
        };
        if inline {
            // Driven by whoever waits on the exchange: no task, no wake-up hop.
            self.inflight
                .lock()
                .expect("inflight lock")
                .insert(id, None);
            // Its HTTP client's own events are not the caller's request's logs.
            return Ok(rx.driven_by(Box::pin(crate::logging::quiet(work))));
        }
        let task = tokio::spawn(work);
        self.inflight
            .lock()
            .expect("inflight lock")
            .insert(id, Some(task.abort_handle()));
        Ok(rx)
    }

    /// Sends one request and feeds what comes back to `tx` until its result.
    async fn exchange(
        &self,
        req: Request<Full<Bytes>>,
        method: &str,
        id: &RequestId,
        era: Era,
        tx: &EventSender,
    ) -> Result<(), ClientError> {
        let sent_session = req.headers().contains_key("mcp-session-id");
        let res = self.send(req).await?;
        let status = res.status();
        if method == "initialize" && status.is_success() {
            if let Some(sid) = res.headers().get("mcp-session-id") {
                *self.session.lock().expect("session lock") = Some(sid.clone());
            }
        }
        if status == StatusCode::NOT_FOUND && sent_session {
            let reason = "the server ended the session (HTTP 404)".to_owned();
            self.closing.close(reason.clone());
            return Err(ClientError::Closed(reason));
        }
        if is_sse(&res) && status.is_success() {
            let mut parser = sse::Parser::default();
            let mut body = res.into_body();
            for attempt in 0..=MAX_RESUMES {
                if self.read_stream(&mut body, &mut parser, id, tx).await? {
                    body.release();
                    return Ok(());
                }
                // The stream ended before the result: resume it (session era).
                let (Era::Session, Some(last)) = (era, parser.last_id.clone()) else {
                    return Err(ClientError::Transport(format!(
                        "the server closed the response stream of `{method}` without answering"
                    )));
                };
                if attempt == MAX_RESUMES {
                    break;
                }
                tx.send(Incoming::Interrupted);
                tokio::time::sleep(Duration::from_millis(parser.retry.unwrap_or(0).min(5_000)))
                    .await;
                let mut get = self.request(Method::GET, Era::Session, None);
                get.headers_mut().insert(
                    http::header::ACCEPT,
                    HeaderValue::from_static("text/event-stream"),
                );
                if let Ok(v) = HeaderValue::try_from(last) {
                    get.headers_mut().insert("last-event-id", v);
                }
                let res = self.send(get).await?;
                if !res.status().is_success() {
                    return Err(ClientError::Transport(format!(
                        "resuming the response stream of `{method}` failed: HTTP {}",
                        res.status()
                    )));
                }
                body = res.into_body();
            }
            return Err(ClientError::Transport(format!(
                "the response stream of `{method}` was interrupted too often"
            )));
        }
        let bytes = read_body(res.into_body()).await?;
        match jsonrpc::parse_incoming_reply(&bytes) {
            Ok(Message::Response(r)) => {
                tx.send(Incoming::Result(r.outcome));
                Ok(())
            }
            Err(rejected) if rejected.id.is_some() || !status.is_success() => {
                // An error response the parser files as malformed (e.g. `id: null`).
                match serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| {
                    serde_json::from_value::<ErrorObject>(v.get("error")?.clone()).ok()
                }) {
                    Some(error) => {
                        tx.send(Incoming::Result(Err(error)));
                        Ok(())
                    }
                    None => Err(http_error(status, &bytes)),
                }
            }
            _ => Err(http_error(status, &bytes)),
        }
    }

    /// Reads SSE events until the result of `id` (true) or the end of the stream (false).
    async fn read_stream(
        &self,
        body: &mut Body,
        parser: &mut sse::Parser,
        id: &RequestId,
        tx: &EventSender,
    ) -> Result<bool, ClientError> {
        loop {
            let frame = tokio::select! {
                f = body.frame() => f,
                _ = self.closing.token.cancelled() => {
                    return Err(self.closing.error())
                }
            };
            let chunk = match frame {
                None => return Ok(false),
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "response stream broke");
                    return Ok(false);
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue,
                },
            };
            for event in parser.push(&chunk) {
                if event.data.trim().is_empty() {
                    continue;
                }
                match jsonrpc::parse_incoming_reply(event.data.as_bytes()) {
                    Ok(Message::Response(r)) if &r.id == id => {
                        tx.send(Incoming::Result(r.outcome));
                        return Ok(true);
                    }
                    Ok(Message::Response(_)) => {}
                    Ok(Message::Notification(n)) => {
                        let params = raw_value(n.params.as_deref());
                        tx.send(Incoming::Notification {
                            method: n.method.into_string(),
                            params,
                        });
                    }
                    Ok(Message::Request(r)) => {
                        let params = raw_value(r.params.as_deref());
                        let rid = serde_json::to_value(&r.id).unwrap_or(Value::Null);
                        tx.send(Incoming::Request {
                            id: rid,
                            method: r.method.into_string(),
                            params,
                        });
                    }
                    Err(rejected) => {
                        // A stream's error response may carry the id the parser rejects.
                        if let Some(error) = serde_json::from_str::<Value>(&event.data)
                            .ok()
                            .filter(|v| {
                                v.get("id").is_some_and(|i| {
                                    serde_json::to_value(id).ok().as_ref() == Some(i)
                                })
                            })
                            .and_then(|v| {
                                serde_json::from_value::<ErrorObject>(v.get("error")?.clone()).ok()
                            })
                        {
                            tx.send(Incoming::Result(Err(error)));
                            return Ok(true);
                        }
                        tracing::debug!(error = %rejected.error.message, "unparseable event from the server");
                    }
                }
            }
        }
    }

    /// POSTs a notification or a response (answered `202 Accepted`).
    pub(crate) async fn post_message(&self, body: Vec<u8>, era: Era) -> Result<(), ClientError> {
        let mut req = self.request(Method::POST, era, Some(body));
        if era == Era::Sessionless {
            req.headers_mut().insert(
                "mcp-protocol-version",
                HeaderValue::from_static("2026-07-28"),
            );
        }
        let res = self.send(req).await?;
        let status = res.status();
        if status.is_success() {
            res.into_body().release();
            return Ok(());
        }
        let bytes = read_body(res.into_body()).await.unwrap_or_default();
        Err(http_error(status, &bytes))
    }

    /// Stops a request: its response stream is dropped (the 2026 era's cancellation);
    /// in the session era the server is also sent `notifications/cancelled`.
    pub(crate) fn cancel(&self, id: &RequestId, era: Era) {
        let task = self.inflight.lock().expect("inflight lock").remove(id);
        let Some(task) = task else { return };
        if let Some(task) = task {
            task.abort();
        }
        if era == Era::Session && !self.closing.is_closed() {
            let Some(link) = self.me.upgrade() else {
                return;
            };
            let body = jsonrpc::notification(
                "notifications/cancelled",
                &serde_json::json!({ "requestId": id, "reason": "the client gave up on the request" }),
            );
            tokio::spawn(async move {
                let _ = link.post_message(body, Era::Session).await;
            });
        }
    }

    /// Keeps the session era's standalone GET stream open (list changes, resource
    /// updates, requests outside any call), reconnecting with backoff.
    pub(crate) fn open_listen_stream(&self) {
        let Some(link) = self.me.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(250);
            let mut last: Option<String> = None;
            loop {
                if link.closing.is_closed() {
                    return;
                }
                let mut get = link.request(Method::GET, Era::Session, None);
                get.headers_mut().insert(
                    http::header::ACCEPT,
                    HeaderValue::from_static("text/event-stream"),
                );
                if let Some(v) = last.as_deref().and_then(|l| HeaderValue::try_from(l).ok()) {
                    get.headers_mut().insert("last-event-id", v);
                }
                match link.send(get).await {
                    Ok(res) if res.status() == StatusCode::METHOD_NOT_ALLOWED => return,
                    Ok(res) if res.status() == StatusCode::NOT_FOUND => {
                        link.closing
                            .close("the server ended the session (HTTP 404)".into());
                        return;
                    }
                    Ok(res) if res.status().is_success() && is_sse(&res) => {
                        backoff = Duration::from_millis(250);
                        let mut parser = sse::Parser::default();
                        link.read_unsolicited(res.into_body(), &mut parser).await;
                        last = parser.last_id.or(last);
                    }
                    Ok(res) => tracing::debug!(status = %res.status(), "standalone stream refused"),
                    Err(ClientError::Closed(_)) => return,
                    Err(e) => tracing::debug!(error = %e, "standalone stream failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = link.closing.token.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        });
    }

    async fn read_unsolicited(self: &Arc<Self>, mut body: Body, parser: &mut sse::Parser) {
        loop {
            let frame = tokio::select! {
                f = body.frame() => f,
                _ = self.closing.token.cancelled() => return,
            };
            let Some(Ok(frame)) = frame else { return };
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            for event in parser.push(&chunk) {
                match jsonrpc::parse_incoming_reply(event.data.as_bytes()) {
                    Ok(Message::Notification(n)) => {
                        self.router
                            .notify(n.method.into_string(), raw_value(n.params.as_deref()));
                    }
                    Ok(Message::Request(r)) => {
                        let link = self.clone();
                        let id = serde_json::to_value(&r.id).unwrap_or(Value::Null);
                        let (method, params) =
                            (r.method.into_string(), raw_value(r.params.as_deref()));
                        tokio::spawn(async move {
                            let answer = link.router.answer(method, params).await;
                            if let Ok(body) = super::response(id, answer) {
                                let _ = link.post_message(body, Era::Session).await;
                            }
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    /// Ends the session (`DELETE`) and every request in flight.
    pub(crate) async fn close(&self) {
        let had_session = self.session.lock().expect("session lock").is_some();
        if had_session && !self.closing.is_closed() {
            let req = self.request(Method::DELETE, Era::Session, None);
            let _ = tokio::time::timeout(Duration::from_secs(2), self.pool.send(req)).await;
        }
        self.closing
            .close("the client closed the connection".into());
        self.pool.clear();
        // (Requests driven by their exchanges see the link closed.)
        for task in self.inflight.lock().expect("inflight lock").drain() {
            if let (_, Some(task)) = task {
                task.abort();
            }
        }
    }
}

fn is_sse(res: &Response<Body>) -> bool {
    res.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// The whole body, up to [`MAX_BODY_BYTES`]. A body in one frame (the usual JSON answer)
/// is taken as it is, without copying.
async fn read_body(mut body: Body) -> Result<Bytes, ClientError> {
    let failed = |e: &dyn std::fmt::Display| {
        ClientError::Transport(format!("reading the response failed: {e}"))
    };
    let mut first: Option<Bytes> = None;
    let mut more: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|e| failed(&e))?.into_data() else {
            continue;
        };
        let held = if more.is_empty() {
            first.as_ref().map_or(0, Bytes::len)
        } else {
            more.len()
        };
        let len = held + data.len();
        if len > MAX_BODY_BYTES {
            return Err(failed(&"length limit exceeded"));
        }
        match &first {
            None => first = Some(data),
            Some(f) => {
                if more.is_empty() {
                    more.extend_from_slice(f);
                }
                more.extend_from_slice(&data);
            }
        }
    }
    Ok(if more.is_empty() {
        first.unwrap_or_default()
    } else {
        more.into()
    })
}

fn http_error(status: StatusCode, body: &[u8]) -> ClientError {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    ClientError::Transport(format!("HTTP {status}: {}", text.trim()))
}

fn raw_value(raw: Option<&serde_json::value::RawValue>) -> Value {
    raw.and_then(|p| serde_json::from_str(p.get()).ok())
        .unwrap_or(Value::Null)
}
