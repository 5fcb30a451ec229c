//! The 2026-07-28 era on the endpoint: POST only, no session state, so any instance can
//! serve any request. Validates the request in the order clients rely on:
//! `_meta` present (-32602) → header/`_meta` version match (-32020) → supported version
//! (-32022) → SEP-2243 headers (-32020) → method exists (404, -32601) → capabilities
//! (-32021). The dispatcher owns the `_meta`, version, method and capability steps; the
//! transport slots its header checks in between.

use std::sync::Arc;

use http::request::Parts;
use http::{Response, StatusCode};

use super::body::ResponseBody;
use super::headers;
use super::reply;
use super::routing::meta::MetaHead;
use super::service::{Inner, McpHeaders};
use super::stream::{self, Exchange};
use crate::auth::AuthContext;
use crate::protocol::jsonrpc::{code, Message, Request};
use crate::protocol::{Era, ProtocolVersion};

pub(super) async fn post(
    inner: &Arc<Inner>,
    parts: &Parts,
    mcp: &McpHeaders<'_>,
    meta: MetaHead,
    msg: Message,
    auth: Option<AuthContext>,
) -> Response<ResponseBody> {
    match msg {
        Message::Request(req) => {
            if let Err(message) = check_headers(inner, parts, mcp, &meta, &req) {
                return reply::error(
                    StatusCode::BAD_REQUEST,
                    Some(&req.id),
                    code::HEADER_MISMATCH,
                    message,
                );
            }
            let ticket = match inner.admit(Era::Sessionless, mcp, &req.id) {
                Ok(t) => t,
                Err(res) => return res,
            };
            let exchange = Exchange {
                // A `tools/call` that asked for progress is answered as SSE (once its
                // `_meta` is complete: one that is not gets a plain 400).
                force_sse: meta.progress_token
                    && meta.capabilities
                    && meta.has_version()
                    && &*req.method == "tools/call",
                req,
                era: Era::Sessionless,
                conn: None,
                resumable: None,
                headers: Vec::new(),
                on_reply: None,
                ticket,
                busy: None,
                auth,
            };
            stream::respond(inner.clone(), exchange).await
        }
        Message::Notification(n) => {
            inner.server.dispatcher().handle_notification(&n, None);
            reply::status(StatusCode::ACCEPTED)
        }
        Message::Response(_) => reply::error(
            StatusCode::BAD_REQUEST,
            None,
            code::INVALID_REQUEST,
            "Invalid Request: 2026-07-28 clients send no JSON-RPC responses",
        ),
    }
}

/// The transport's steps of the ladder: nothing to say while `_meta` is incomplete (the
/// dispatcher answers -32602) or the version is unsupported (-32022); otherwise the
/// header must name the `_meta` version and the SEP-2243 headers must match the body.
fn check_headers(
    inner: &Inner,
    parts: &Parts,
    mcp: &McpHeaders<'_>,
    meta: &MetaHead,
    req: &Request,
) -> Result<(), String> {
    let (Some(body_version), true) = (meta.version(req), meta.capabilities) else {
        return Ok(());
    };
    match (mcp.version, body_version) {
        (Some(h), Some(b)) if h == b => {}
        (None, _) => return Err("Header mismatch: the MCP-Protocol-Version header is required".into()),
        (Some(h), b) => {
            return Err(format!(
                "Header mismatch: MCP-Protocol-Version header {h:?} does not match _meta protocolVersion {}",
                b.map_or_else(|| "(not a string)".to_owned(), |b| format!("{b:?}"))
            ))
        }
    }
    let supported = body_version
        .and_then(ProtocolVersion::parse)
        .is_some_and(|v| v.era() == Era::Sessionless);
    if !supported {
        return Ok(());
    }
    let shared = &inner.server.shared;
    let tools = shared.tools.load();
    headers::validate(&parts.headers, req, &tools, &shared.extensions)
}
