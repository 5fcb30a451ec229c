//! The tower [`Service`]: checks what every request must pass (Host/Origin, method,
//! content negotiation, body size), picks the era and hands over to the era's handler.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body::Body;
use tokio_util::sync::CancellationToken;
use tower_service::Service;

use super::admission::{Admission, FairnessKey, Refusal, Ticket};
use super::body::ResponseBody;
use super::config::HttpConfig;
use super::reply::{self, APPLICATION_JSON, TEXT_EVENT_STREAM};
use super::request_body::{self, BodyLimits, ReadError};
use super::routing::{self, meta::MetaHead};
use super::session_store::{SessionStore, Shared};
use super::{authz, cluster, origin, session_era, stateless};
use crate::stores::SessionLimits;
use crate::auth::AuthContext;
use crate::protocol::jsonrpc::{self, code, Message};
use crate::protocol::{Era, RequestId};
use crate::server::Server;

// Header names as `HeaderName`s: a lookup by `&str` parses and lowercases the name
// first, on every request.
pub(super) const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
pub(super) const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
pub(super) const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// The Streamable HTTP endpoint as a [`tower_service::Service`], serving both protocol
/// eras. Mount it anywhere: `axum::Router::new().nest_service("/mcp", service)`, or
/// hand it to hyper directly. Cheap to clone; clones share sessions and limits.
#[derive(Clone)]
pub struct McpHttpService {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) server: Server,
    pub(super) config: HttpConfig,
    pub(super) sessions: Arc<SessionStore>,
    admission: Admission,
    /// Parent of every request's cancellation token (end of a graceful shutdown).
    pub(super) abort: CancellationToken,
    /// Set when a graceful shutdown begins: open-ended requests (`subscriptions/listen`)
    /// end.
    pub(super) draining: CancellationToken,
    /// Set with `draining`: new requests are refused (an atomic load per request, where
    /// the token would take its lock).
    shutting_down: AtomicBool,
    /// The endpoint's authorization (`HttpConfig::auth`).
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(super) auth: authz::Layer,
}

impl McpHttpService {
    /// The endpoint for `server` with `config`.
    ///
    /// # Panics
    ///
    /// When `config.auth` is invalid; check it first with `Auth::validate`.
    pub fn new(server: Server, mut config: HttpConfig) -> Self {
        let stores = server.shared.stores.clone();
        if let Some(events) = stores.events {
            config.event_store = events;
        }
        let shared = match (stores.sessions, stores.cluster) {
            (Some(backend), Some(cluster)) => Some(Shared {
                backend,
                cluster,
                limits: SessionLimits {
                    max_sessions: config.max_sessions,
                    idle: config.session_idle_timeout,
                    policy: config.session_cap_policy,
                },
            }),
            _ => None,
        };
        let sessions = SessionStore::new(&config, shared);
        let service = McpHttpService {
            inner: Arc::new(Inner {
                admission: Admission::new(&config),
                auth: authz::build(&server, &config),
                server,
                config,
                sessions,
                abort: CancellationToken::new(),
                draining: CancellationToken::new(),
                shutting_down: AtomicBool::new(false),
            }),
        };
        if let Some(shared) = &service.inner.sessions.shared {
            cluster::listen(&service.inner, shared.cluster.subscribe());
        }
        service
    }

    /// The configuration in effect.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The Protected Resource Metadata (RFC 9728) of this endpoint as a tower service,
    /// to mount next to it (see [`metadata_paths`](Self::metadata_paths)); 404s when the
    /// endpoint has no `Auth`. `serve_http` mounts it by itself.
    #[cfg(feature = "auth")]
    pub fn metadata_service(&self) -> crate::auth::MetadataService {
        authz::metadata_service(&self.inner)
    }

    /// Where clients look for the metadata: `/.well-known/oauth-protected-resource`
    /// followed by the canonical URI's path (e.g. `/mcp`), and the same at the root.
    /// Empty without `Auth`.
    #[cfg(feature = "auth")]
    pub fn metadata_paths(&self) -> &[String] {
        self.inner
            .auth
            .as_ref()
            .map_or(&[], |layer| &layer.metadata_paths)
    }

    /// The protected resource metadata, when `req` asks for one of its paths.
    pub(super) fn metadata<B>(&self, req: &Request<B>) -> Option<Response<ResponseBody>> {
        authz::metadata(&self.inner, req)
    }

    /// The endpoint's state, whose `handle` answers one request (`serve_http` awaits it
    /// in place of the boxed future of [`Service::call`]).
    pub(super) fn endpoint(&self) -> Arc<Inner> {
        self.inner.clone()
    }

    /// Live session-era sessions.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Gracefully stops: refuses new requests (503), waits up to
    /// [`HttpConfig::shutdown_grace`] for running ones, cancels what is left, then closes
    /// every session and its streams.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        inner.shutting_down.store(true, Ordering::Release);
        inner.draining.cancel();
        // Running tasks get the same grace as requests, then end `failed`.
        let tasks = async {
            if let Some(tasks) = &inner.server.shared.tasks {
                tasks.shutdown(inner.config.shutdown_grace).await;
            }
        };
        let requests = async {
            let grace = inner.config.shutdown_grace;
            if tokio::time::timeout(grace, inner.admission.drain())
                .await
                .is_err()
            {
                tracing::info!("shutdown grace period over; cancelling running requests");
                inner.abort.cancel();
                let cancel_grace = inner.server.config().cancel_grace;
                let _ = tokio::time::timeout(cancel_grace, inner.admission.drain()).await;
            }
            inner.abort.cancel();
        };
        tokio::join!(requests, tasks);
        inner.sessions.close_all();
    }
}

impl std::fmt::Debug for McpHttpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpHttpService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl<B> Service<Request<B>> for McpHttpService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move { Ok(inner.handle(req).await) })
    }
}

/// The request headers (and extensions) every handler looks at.
pub(super) struct McpHeaders<'a> {
    pub(super) session_id: Option<&'a str>,
    pub(super) version: Option<&'a str>,
    /// Whose share the request counts against: what a layer in front named, else the
    /// authenticated principal.
    pub(super) principal: Option<FairnessKey>,
}

impl<'a> McpHeaders<'a> {
    fn read(parts: &'a Parts) -> Result<Self, &'static str> {
        let text = |name: HeaderName, what: &'static str| match parts.headers.get(name) {
            None => Ok(None),
            Some(v) => v.to_str().map(|s| Some(s.trim())).map_err(|_| what),
        };
        Ok(McpHeaders {
            session_id: text(SESSION_ID, "invalid Mcp-Session-Id header")?,
            version: text(PROTOCOL_VERSION, "invalid MCP-Protocol-Version header")?,
            principal: parts.extensions.get().cloned(),
        })
    }
}

impl Inner {
    pub(super) async fn handle<B>(self: Arc<Self>, req: Request<B>) -> Response<ResponseBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = req.into_parts();
        let (mut headers, auth) = match self.check_before_body(&parts).await {
            Ok(admitted) => admitted,
            Err(res) => return reply::closing(res),
        };
        if headers.principal.is_none() {
            headers.principal = authz::fairness_key(auth.as_ref());
        }
        match parts.method {
            Method::POST => self.post(&parts, &headers, body, auth).await,
            Method::GET => {
                if routing::era(&headers, None, &MetaHead::default()) == Era::Sessionless {
                    return reply::method_not_allowed("POST");
                }
                session_era::get(&self, &parts, &headers, auth.as_ref()).await
            }
            Method::DELETE => {
                if routing::era(&headers, None, &MetaHead::default()) == Era::Sessionless {
                    return reply::method_not_allowed("POST");
                }
                session_era::delete(&self, &headers, auth.as_ref()).await
            }
            _ => reply::method_not_allowed("GET, POST, DELETE"),
        }
    }

    /// What is checked before the body is read: the Host/Origin, shutdown, the token and
    /// the MCP headers. An unauthenticated client costs no more than this.
    async fn check_before_body<'a>(
        &self,
        parts: &'a Parts,
    ) -> Result<(McpHeaders<'a>, Option<AuthContext>), Response<ResponseBody>> {
        if let Err(why) = origin::check(
            parts,
            &self.config.allowed_hosts,
            &self.config.allowed_origins,
        ) {
            tracing::debug!(%why, "request refused (DNS-rebinding protection)");
            return Err(reply::error(
                StatusCode::FORBIDDEN,
                None,
                code::INVALID_REQUEST,
                format!("Forbidden: {why}"),
            ));
        }
        if self.shutting_down.load(Ordering::Acquire) {
            return Err(unavailable(
                None,
                "Service Unavailable: the server is shutting down",
            ));
        }
        let auth = authz::authenticate(self, parts).await?;
        let headers = McpHeaders::read(parts).map_err(|why| {
            reply::error(StatusCode::BAD_REQUEST, None, code::INVALID_REQUEST, why)
        })?;
        Ok((headers, auth))
    }

    async fn post<B>(
        self: &Arc<Self>,
        parts: &Parts,
        headers: &McpHeaders<'_>,
        body: B,
        auth: Option<AuthContext>,
    ) -> Response<ResponseBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let bytes = match self.read_body(parts, body).await {
            Ok(bytes) => bytes,
            Err(res) => return res,
        };
        let parsed = jsonrpc::parse(&bytes);
        let known_id = match &parsed {
            Ok(Message::Request(r)) => Some(r.id.clone()),
            Ok(_) => None,
            Err(rejected) => rejected.id.clone(),
        };
        if !content_type_is_json(parts) {
            return reply::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                known_id.as_ref(),
                code::INVALID_REQUEST,
                "Unsupported Media Type: Content-Type must be application/json",
            );
        }
        let msg = match parsed {
            Ok(msg) => msg,
            Err(rejected) => return reply::json(StatusCode::BAD_REQUEST, rejected.to_bytes()),
        };
        let meta = MetaHead::read(&msg);
        let id = known_id.as_ref();
        if !accepts_all(parts, [APPLICATION_JSON, TEXT_EVENT_STREAM]) {
            return reply::error(
                StatusCode::NOT_ACCEPTABLE,
                id,
                code::INVALID_REQUEST,
                "Not Acceptable: Accept must allow both application/json and text/event-stream",
            );
        }
        if let Message::Request(req) = &msg {
            if let Err(res) = authz::authorize(self, req, auth.as_ref()) {
                return res;
            }
        }
        let method = match &msg {
            Message::Request(r) => Some(&*r.method),
            Message::Notification(n) => Some(&*n.method),
            Message::Response(_) => None,
        };
        match routing::era(headers, method, &meta) {
            Era::Sessionless => stateless::post(self, parts, headers, meta, msg, auth).await,
            Era::Session => session_era::post(self, headers, msg, auth).await,
        }
    }

    async fn read_body<B>(&self, parts: &Parts, body: B) -> Result<Bytes, Response<ResponseBody>>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let limit = self.config.max_body_bytes;
        let too_large = || {
            reply::closing(reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                code::INVALID_REQUEST,
                format!("Payload Too Large: the body exceeds {limit} bytes"),
            ))
        };
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let limits = BodyLimits {
            max_bytes: limit,
            total: self.config.body_read_timeout,
            idle: self.config.body_idle_timeout,
        };
        match request_body::read(body, &limits).await {
            Ok(bytes) => Ok(bytes),
            Err(ReadError::TooLarge) => Err(too_large()),
            Err(ReadError::TimedOut) => {
                let mut res = reply::error(
                    StatusCode::REQUEST_TIMEOUT,
                    None,
                    code::INVALID_REQUEST,
                    "Request Timeout: the body did not arrive in time",
                );
                // The rest of the body may still come; only HTTP/1 needs telling that
                // the connection ends here.
                if parts.version <= http::Version::HTTP_11 {
                    res.headers_mut().insert(
                        http::header::CONNECTION,
                        http::HeaderValue::from_static("close"),
                    );
                }
                Err(res)
            }
            Err(ReadError::Failed(e)) => {
                tracing::debug!(error = %e, "reading the request body failed");
                Err(reply::error(
                    StatusCode::BAD_REQUEST,
                    None,
                    code::PARSE_ERROR,
                    "Bad Request: could not read the body",
                ))
            }
        }
    }

    /// A slot for one request of `era`, or the 503/429 to send instead.
    pub(super) fn admit(
        &self,
        era: Era,
        headers: &McpHeaders<'_>,
        id: &RequestId,
    ) -> Result<Ticket, Response<ResponseBody>> {
        self.admission
            .admit(era, headers.principal.as_ref())
            .map_err(|refusal| match refusal {
                Refusal::Server => unavailable(
                    Some(id),
                    "Service Unavailable: too many requests in progress",
                ),
                Refusal::Principal(max) => too_many(
                    id,
                    &format!(
                        "Too Many Requests: this client already has {max} request{} in progress",
                        if max == 1 { "" } else { "s" }
                    ),
                ),
            })
    }
}

/// 429 for a client over its own share (session or principal): retrying soon is fine,
/// its own requests free the slots.
pub(super) fn too_many(id: &RequestId, message: &str) -> Response<ResponseBody> {
    let mut res = reply::error(
        StatusCode::TOO_MANY_REQUESTS,
        Some(id),
        code::INTERNAL_ERROR,
        message,
    );
    res.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    );
    res
}

pub(super) fn unavailable(id: Option<&RequestId>, message: &str) -> Response<ResponseBody> {
    unavailable_for(id, message, Duration::from_secs(1))
}

/// 503 with a `Retry-After` of `wait` (whole seconds, at least one).
pub(super) fn unavailable_for(
    id: Option<&RequestId>,
    message: &str,
    wait: Duration,
) -> Response<ResponseBody> {
    let mut res = reply::error(
        StatusCode::SERVICE_UNAVAILABLE,
        id,
        code::INTERNAL_ERROR,
        message,
    );
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    res.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from(secs.max(1)),
    );
    res
}

fn content_type_is_json(parts: &Parts) -> bool {
    let value = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    value.is_some_and(|v| {
        let v = v.as_bytes();
        let end = v.iter().position(|b| *b == b';').unwrap_or(v.len());
        v[..end]
            .trim_ascii()
            .eq_ignore_ascii_case(APPLICATION_JSON.as_bytes())
    })
}

/// Whether the `Accept` header allows `mime` (wildcards included, `q=0` excluded).
pub(super) fn accepts(parts: &Parts, mime: &str) -> bool {
    accepts_all(parts, [mime])
}

/// Whether the `Accept` header allows every one of `mimes`, read in one pass over its
/// bytes.
pub(super) fn accepts_all<const N: usize>(parts: &Parts, mimes: [&str; N]) -> bool {
    let values = parts.headers.get_all(ACCEPT);
    // What MCP clients send (the spec's own example): one compare, no parsing.
    const USUAL: &[u8] = b"application/json, text/event-stream";
    let mut first = values.iter();
    if let (Some(only), None) = (first.next(), first.next()) {
        if only.as_bytes() == USUAL {
            return mimes.iter().all(|m| {
                m.eq_ignore_ascii_case(APPLICATION_JSON) || m.eq_ignore_ascii_case(TEXT_EVENT_STREAM)
            });
        }
    }
    let mut allowed = [false; N];
    // Values with bytes `to_str` refuses are skipped whole, as before.
    for value in values.iter().filter(|v| v.to_str().is_ok()) {
        for item in value.as_bytes().split(|b| *b == b',') {
            let (range, params) = match item.iter().position(|b| *b == b';') {
                Some(i) => (&item[..i], &item[i + 1..]),
                None => (item, &[][..]),
            };
            let range = range.trim_ascii();
            if !params.is_empty() && refuses(params) {
                continue;
            }
            let kind = range.strip_suffix(b"/*");
            for (mime, allowed) in mimes.iter().zip(&mut allowed) {
                *allowed |= match kind {
                    Some(b"*") => true,
                    Some(kind) => mime
                        .split_once('/')
                        .is_some_and(|(k, _)| kind.eq_ignore_ascii_case(k.as_bytes())),
                    None => range.eq_ignore_ascii_case(mime.as_bytes()),
                };
            }
        }
    }
    allowed.iter().all(|a| *a)
}

/// Whether a media range's parameters (after its `;`) carry `q=0`.
fn refuses(params: &[u8]) -> bool {
    params.split(|b| *b == b';').any(|p| {
        p.trim_ascii()
            .strip_prefix(b"q=")
            .and_then(|q| std::str::from_utf8(q).ok())
            .and_then(|q| q.trim().parse::<f32>().ok())
            == Some(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(accept: &[&str]) -> Parts {
        let mut b = http::Request::builder().uri("/mcp");
        for a in accept {
            b = b.header(ACCEPT, *a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn accept_header_allows_each_type_with_wildcards_and_without_q0() {
        let both = [APPLICATION_JSON, TEXT_EVENT_STREAM];
        for ok in [
            &["application/json, text/event-stream"][..],
            &["text/event-stream", "application/json"],
            &["*/*"],
            &["application/*;q=0.5, TEXT/EVENT-STREAM"],
        ] {
            assert!(accepts_all(&parts(ok), both), "{ok:?}");
        }
        for bad in [
            &[][..],
            &["application/json"],
            &["application/json, text/event-stream;q=0"],
            &["text/*, application/json; q=0.0"],
        ] {
            assert!(!accepts_all(&parts(bad), both), "{bad:?}");
        }
        assert!(accepts(&parts(&["text/*"]), TEXT_EVENT_STREAM));
        assert!(!accepts(&parts(&["text/*"]), APPLICATION_JSON));
        // The usual value (compared whole) allows its two types and nothing else.
        let usual = ["application/json, text/event-stream"];
        assert!(accepts(&parts(&usual), APPLICATION_JSON));
        assert!(!accepts(&parts(&usual), "text/plain"));
        assert!(!accepts_all(&parts(&[usual[0], usual[0]]), [APPLICATION_JSON, "text/plain"]));
        // Parameters other than q, q with spaces, several headers, empty items.
        for ok in [
            &["application/json;charset=utf-8 ,text/event-stream; level=1"][..],
            &["application/json; q = 0.5", "text/event-stream;q=1"],
            &[",application/json,,text/event-stream,"],
        ] {
            assert!(accepts_all(&parts(ok), both), "{ok:?}");
        }
        for bad in [
            &["application/json; q=0, */*;q=0"][..],
            &["application/json, text/event-stream;charset=x;q=0.000"],
            &["application/jsonx, text/event-stream"],
        ] {
            assert!(!accepts_all(&parts(bad), both), "{bad:?}");
        }
    }

    #[test]
    fn content_type_names_json_with_or_without_parameters() {
        let with = |v: &[u8]| {
            let mut b = http::Request::builder().uri("/mcp");
            b = b.header(CONTENT_TYPE, http::HeaderValue::from_bytes(v).unwrap());
            content_type_is_json(&b.body(()).unwrap().into_parts().0)
        };
        for ok in [
            &b"application/json"[..],
            b"Application/JSON",
            b" application/json ; charset=utf-8",
        ] {
            assert!(with(ok), "{ok:?}");
        }
        for bad in [
            &b"text/json"[..],
            b"application/json2",
            b"application/json;charset=\xff",
            b"",
        ] {
            assert!(!with(bad), "{bad:?}");
        }
        let none = http::Request::builder().uri("/mcp").body(()).unwrap();
        assert!(!content_type_is_json(&none.into_parts().0));
    }
}
