//! The one dispatcher. Transports hand it parsed messages; it picks the protocol era,
//! validates the era's envelope rules, runs the method and decorates the result the way
//! the era wants it. Method semantics live in [`methods`] and are shared by both eras.

mod catch;
mod content;
pub(crate) use catch::CatchUnwind;
mod era;
#[cfg(feature = "http")]
pub(crate) use era::classify;
pub(crate) use era::{EraSignals, VersionHeader};
mod methods;
pub(crate) use methods::CORE_METHODS;
mod outbound;
mod session;

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;

use tokio_util::sync::CancellationToken;

#[cfg(feature = "http")]
pub(crate) use outbound::OutReceiver;
pub use outbound::{OutMessage, Outbound};
pub use session::{ClientReply, Connection, Session, SessionChange, SessionRecord};

use crate::error::{Error, ErrorKind};
use crate::extract::{Canceller, Context, RequestScope};
use crate::protocol::jsonrpc::{self, Notification, Request, Response};
use crate::protocol::meta::RequestMeta;
use crate::protocol::{Era, ErrorObject, RequestId};
use crate::server::ServerShared;

/// How a transport wants a request handled.
pub struct RequestEnv {
    /// Where request-related notifications and server-to-client requests go.
    pub out: Outbound,
    /// The connection the request arrived on (stdio, socket, HTTP session), if any.
    pub conn: Option<Arc<Connection>>,
    /// The era the transport already decided on (HTTP does, from headers); `None` lets
    /// the dispatcher decide from the message.
    pub era: Option<Era>,
    /// This request's own token: the transport fires it when it gives up on the request
    /// (e.g. a closed HTTP stream), and the dispatcher fires it when the client cancels the
    /// request. Never share one token between requests (derive a `child_token()` per
    /// request from a connection-wide one instead). `None` when only the client can cancel
    /// the request: a token is then created if anything asks for one.
    pub cancel: Option<CancellationToken>,
    /// What the transport's authorization established (the caller, list policy); `None`
    /// on transports without authorization (stdio, in-memory).
    pub auth: Option<crate::auth::AuthContext>,
}

/// A serialized response and, for errors, the JSON-RPC code (transports map it to
/// HTTP statuses without re-parsing).
#[derive(Debug)]
pub struct Reply {
    /// The full JSON-RPC response.
    pub bytes: Vec<u8>,
    /// The error code, if this is an error response.
    pub error_code: Option<i64>,
    /// The era the request was served in.
    pub era: Era,
}

/// What a method produced, before era decoration.
pub(crate) enum MethodResult {
    /// A plain result object.
    Complete(Vec<u8>),
    /// A result carrying caching hints in the 2026 era.
    Cacheable(Body, CacheScope),
    /// A result that already carries its own `resultType`.
    Raw(Vec<u8>),
    /// The whole JSON-RPC response, the era's result fields included: a result written
    /// straight into the response (see `methods::finish`).
    Response(Vec<u8>),
}

/// A serialized result: made for this request, or a pre-serialized list page shared
/// with every other request for it.
pub(crate) enum Body {
    Owned(Vec<u8>),
    Shared(crate::server::pager::Page),
}

impl std::ops::Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Body::Owned(v) => v,
            Body::Shared(p) => p,
        }
    }
}

/// `cacheScope` of a cacheable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    /// Shareable across users.
    Public,
    /// Only for the same authorization context.
    Private,
}

/// The dispatcher. Cheap to clone; one per server.
#[derive(Clone)]
pub struct Dispatcher {
    pub(crate) server: Arc<ServerShared>,
}

impl Dispatcher {
    /// Handles one request. `None` means no response must be sent (it was cancelled).
    pub async fn handle_request(&self, req: Request, env: RequestEnv) -> Option<Reply> {
        self.clone().serve(req, env).await
    }

    /// [`handle_request`](Self::handle_request) owning its dispatcher, for transports that
    /// box or spawn the request: a wrapping `async move` block would hold the arguments
    /// twice and be copied whole into its box, then copy the inner future again.
    ///
    /// Not an `async fn`: one keeps its arguments in every state besides the locals they
    /// are moved into (192 bytes here). The scope is built before the first poll, and the
    /// future holds only what the request needs from then on.
    pub(crate) fn serve(
        self,
        req: Request,
        env: RequestEnv,
    ) -> impl Future<Output = Option<Reply>> + Send + 'static {
        let origin = Arc::new(Origin {
            dispatcher: self,
            out: env.out,
            conn: env.conn,
        });
        Self::serve_from(req, origin, env.era, env.cancel, env.auth)
    }

    /// [`serve`](Self::serve) for a request from `origin`, which transports that take many
    /// requests from one connection make once (stdio, sockets) and share.
    pub(crate) fn serve_from(
        mut req: Request,
        origin: Arc<Origin>,
        era: Option<Era>,
        cancel: Option<CancellationToken>,
        auth: Option<crate::auth::AuthContext>,
    ) -> impl Future<Output = Option<Reply>> + Send + 'static {
        let prepared = match Self::prepare(&mut req, origin, era, cancel, auth) {
            Ok(scope) => Ok(Arc::new(scope)),
            Err((era, e)) => Err(error_reply(&req.id, era, &e)),
        };
        async move {
            match prepared {
                Ok(scope) => Self::run(&req, scope).await,
                Err(reply) => Some(reply),
            }
        }
    }

    /// Runs a prepared request to its reply.
    async fn run(req: &Request, scope: Arc<RequestScope>) -> Option<Reply> {
        let id = &req.id;
        let era = scope.version.era();
        // `initialize` is never cancellable: a session half set up helps nobody.
        let cancellable = &*req.method != "initialize";
        let ctx = Context { scope, home: None };
        let this = &ctx.scope.origin.dispatcher;
        // Pinned in this future, not boxed: transports box `serve` already, and a second
        // box per request cost an allocation and a copy of the route's whole future.
        let mut work = std::pin::pin!(crate::logging::in_request(
            ctx.clone(),
            methods::route(this, req, &ctx),
        ));
        // Most requests finish on their first poll, before a `notifications/cancelled` for
        // them could be read: only a request that has to wait is registered with the
        // connection (a locked map insert and remove saved on every quick request).
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        let outcome = match first {
            // A handler that returns because it was cancelled still gets no answer.
            Poll::Ready(r) if cancellable => Some(r).filter(|_| !ctx.scope.is_cancelled()),
            Poll::Ready(r) => Some(r),
            // Boxed: the wait's state (a cancellation waiter, a grace timer) would otherwise
            // be part of every request's future, which the transports move when they box it.
            Poll::Pending if cancellable => {
                let cancel = ctx.scope.cancel.canceller();
                let conn = ctx.scope.conn().map(|c| &**c);
                Box::pin(this.wait_cancellable(work.as_mut(), cancel, id, conn)).await
            }
            Poll::Pending => Some(work.await),
        };
        ctx.scope.done.store(true, Ordering::Release);
        if let (Some(conn), Some(Ok(_)), false) = (ctx.scope.conn(), &outcome, cancellable) {
            this.server.hub.add_connection(conn);
            if let (Some(every), Some(peer)) = (
                this.server.config.keepalive,
                crate::server::Peer::new(conn.clone(), &this.server),
            ) {
                peer.keepalive(every);
            }
        }
        match outcome? {
            Ok(result) => Some(Reply {
                bytes: era::response(id, era, result, &this.server.config),
                error_code: None,
                era,
            }),
            Err(e) if e.kind() == ErrorKind::Cancelled => None,
            Err(e) => Some(error_reply(id, era, &e)),
        }
    }

    /// Waits for a request that did not finish on its first poll, answering nothing if
    /// it is cancelled meanwhile (after letting it wind down for the grace period).
    /// `work` must have just been polled, in the same poll as this future's first one.
    async fn wait_cancellable<F: Future + Unpin>(
        &self,
        mut work: F,
        cancel: Canceller,
        id: &RequestId,
        conn: Option<&Connection>,
    ) -> Option<F::Output> {
        if let Some(conn) = conn {
            conn.track(id.clone(), cancel.clone());
        }
        // `work` was polled a moment ago, in this same poll of `serve`: the first round
        // only registers the cancellation waiter (polling it again at once was a whole
        // walk of the handler's future, wakers re-registered, for nothing).
        let mut just_polled = true;
        let mut token = std::pin::pin!(cancel.token().map(CancellationToken::cancelled));
        let finished = std::future::poll_fn(|cx| {
            if !std::mem::take(&mut just_polled) {
                if let Poll::Ready(r) = std::pin::Pin::new(&mut work).poll(cx) {
                    return Poll::Ready(Some(r));
                }
            }
            let cancelled = match token.as_mut().as_pin_mut() {
                Some(token) => token.poll(cx),
                None => cancel.poll_flag(cx),
            };
            cancelled.map(|()| None)
        })
        .await;
        let outcome = match finished {
            Some(r) => Some(r).filter(|_| !cancel.is_cancelled()),
            None => {
                // Give the handler a moment to wind down, but never answer.
                let _ = tokio::time::timeout(self.server.config.cancel_grace, work).await;
                None
            }
        };
        if let Some(conn) = conn {
            conn.untrack(id);
        }
        outcome
    }

    /// Handles a notification from the client.
    pub fn handle_notification(&self, n: &Notification, conn: Option<&Connection>) {
        match &*n.method {
            "notifications/initialized" => {
                if let Some(session) = conn.and_then(Connection::session) {
                    session.mark_initialized();
                }
            }
            "notifications/cancelled" => {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct P {
                    request_id: RequestId,
                }
                let parsed = n
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<P>(p.get()).ok());
                if let (Some(p), Some(conn)) = (parsed, conn) {
                    tracing::debug!(id = %p.request_id, "client cancelled request");
                    conn.cancel(&p.request_id);
                }
            }
            "notifications/progress" => {
                // The client's progress on a request the server sent it (session era).
                let session = conn.and_then(Connection::session);
                if let (Some(p), Some(session)) = (crate::input::progress::params(n), session) {
                    session.client_progress(&p);
                }
            }
            "notifications/roots/list_changed" => {
                let (Some(callback), Some(conn)) = (&self.server.on_roots_changed, conn) else {
                    return;
                };
                let live = self.server.hub.connections();
                if let Some(peer) = live
                    .into_iter()
                    .find(|c| std::ptr::eq(Arc::as_ptr(c), conn))
                    .and_then(|c| crate::server::Peer::new(c, &self.server))
                {
                    callback(peer);
                }
            }
            other => tracing::trace!(method = other, "ignoring notification"),
        }
    }

    /// Routes a client's response to the server-to-client request awaiting it.
    pub fn handle_response(&self, r: Response, conn: &Connection) {
        let delivered = conn
            .session()
            .is_some_and(|s| s.complete_request(&r.id, r.outcome));
        if !delivered {
            tracing::debug!(id = %r.id, "response to an unknown request ignored");
        }
    }

    fn prepare(
        req: &mut Request,
        origin: Arc<Origin>,
        era: Option<Era>,
        cancel: Option<CancellationToken>,
        auth: Option<crate::auth::AuthContext>,
    ) -> Result<RequestScope, (Era, Error)> {
        // Parsed already when the transport routed the request by it (HTTP).
        let meta = req
            .take_meta()
            .map_err(|e| (era.unwrap_or(Era::Session), Error::invalid_params(e)))?;
        let era = era.unwrap_or_else(|| {
            era::classify(&EraSignals {
                method: Some(&req.method),
                modern_meta: meta.as_ref().is_some_and(RequestMeta::is_modern),
                names_session: false,
                has_session: origin.conn.as_ref().is_some_and(|c| c.session().is_some()),
                version_header: VersionHeader::NotApplicable,
            })
        });
        // The transport's token is this request's own (see `RequestEnv::cancel`): a child
        // token would cost a tree node and two lock round trips per request for nothing.
        let common = era::Common {
            origin,
            cancel,
            auth,
        };
        match era {
            Era::Sessionless => era::sessionless_scope(req, meta, common).map_err(|e| (era, e)),
            Era::Session => era::session_scope(req, meta, common).map_err(|e| (era, e)),
        }
    }
}

/// What every request from one connection shares: the dispatcher (and through it the
/// server), the connection, and the queue for what its requests send. A connection that
/// brings many requests (stdio, sockets) makes it once: a request then costs one
/// reference count instead of one per part (each an atomic read-modify-write when the
/// request starts and another when it ends).
pub(crate) struct Origin {
    pub(crate) dispatcher: Dispatcher,
    pub(crate) out: Outbound,
    pub(crate) conn: Option<Arc<Connection>>,
}

/// Lists are the same for everyone unless the endpoint hides what each caller may not use.
fn list_scope(ctx: &Context) -> CacheScope {
    match &ctx.scope.auth {
        Some(a) if a.hide_unpermitted => CacheScope::Private,
        _ => CacheScope::Public,
    }
}

fn error_reply(id: &RequestId, era: Era, e: &Error) -> Reply {
    let obj: ErrorObject = e.to_error_object(era);
    Reply {
        error_code: Some(obj.code),
        bytes: jsonrpc::error_response(Some(id), &obj),
        era,
    }
}

/// The error response for a message that could not be parsed or is not a request.
pub fn rejection_reply(rejected: &jsonrpc::Rejected) -> Reply {
    Reply {
        bytes: rejected.to_bytes(),
        error_code: Some(rejected.error.code),
        era: Era::Session,
    }
}

/// `-32601` for a method the era does not have.
pub(crate) fn method_not_found(method: &str) -> Error {
    Error::new(
        ErrorKind::MethodNotFound,
        format!("Method not found: {method}"),
    )
}
