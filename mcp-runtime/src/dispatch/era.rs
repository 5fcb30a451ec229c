//! The two eras' envelope rules: which era a request belongs to, what it must carry,
//! and how results are decorated.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{CacheScope, MethodResult, Origin, Session};
use crate::error::{Error, ErrorKind};
use crate::extract::{CancelSlot, RequestScope};
use crate::protocol::jsonrpc::{self, Request, RequestId};
use crate::protocol::meta::{self, ClientInfo, RequestMeta};
use crate::protocol::types::{Implementation, LoggingLevel};
use crate::protocol::{Era, ProtocolVersion};
use crate::server::ServerConfig;

pub(super) struct Common {
    pub(super) origin: Arc<Origin>,
    pub(super) cancel: Option<CancellationToken>,
    pub(super) auth: Option<crate::auth::AuthContext>,
}

impl Common {
    fn scope(
        self,
        req: &Request,
        version: ProtocolVersion,
        meta: RequestMeta,
        client: Client,
    ) -> RequestScope {
        RequestScope {
            id: req.id.clone(),
            version,
            progress_token: meta.progress_token,
            meta: meta.rest,
            client: client.own,
            log_level: client.log_level,
            cancel: CancelSlot::new(self.cancel),
            origin: self.origin,
            session: client.session,
            last_progress: Mutex::new(None),
            done: AtomicBool::new(false),
            may_retry: req.params.is_some() && req.index().may_retry(),
            inputs: OnceLock::new(),
            task: OnceLock::new(),
            auth: self.auth,
        }
    }
}

/// What is known about the client for one request.
struct Client {
    /// Its capabilities and info when they are the request's own (`None`: the session's).
    own: Option<(Arc<Value>, ClientInfo)>,
    log_level: Option<LoggingLevel>,
    /// A session the connection does not hold.
    session: Option<Arc<Session>>,
}

/// What a transport knows about a request when its era is picked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EraSignals<'a> {
    /// The JSON-RPC method; `None` for requests without one (HTTP `GET`, `DELETE`).
    pub(crate) method: Option<&'a str>,
    /// `params._meta` carries 2026-07-28 per-request keys ([`meta::PER_REQUEST`]).
    pub(crate) modern_meta: bool,
    /// The request names a session (HTTP `Mcp-Session-Id`).
    pub(crate) names_session: bool,
    /// The connection it arrived on already has a session (stdio and sockets, after
    /// `initialize`).
    pub(crate) has_session: bool,
    /// The transport's protocol-version header.
    pub(crate) version_header: VersionHeader<'a>,
}

/// A transport's protocol-version header (HTTP `MCP-Protocol-Version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionHeader<'a> {
    /// The transport has none (stdio, sockets).
    NotApplicable,
    /// The transport has one and the request did not send it. 2026-07-28 clients
    /// always do, so its absence marks a session-era client (2025-03-26 sent none).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    Absent,
    /// Its value, as sent.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    Present(&'a str),
}

/// The era of a request: the one rule, for every transport.
///
/// ```text
/// names a session                               -> session era
/// _meta has 2026 per-request keys               -> 2026-07-28
/// version header: a session-era version         -> session era
///                 any other value               -> 2026-07-28
///                 absent (HTTP)                 -> session era
/// connection has a session, initialize, ping    -> session era
/// anything else                                 -> 2026-07-28 (its `_meta` check then
///                                                  names both ways to fix the request)
/// ```
///
/// Only the `io.modelcontextprotocol/*` per-request keys make `_meta` modern: a
/// session-era request may carry `_meta` too (a `progressToken`). So a 2026
/// `initialize` probe (2026 header or `_meta`) is a stateless request and gets "method
/// not found", never a session.
pub(crate) fn classify(s: &EraSignals<'_>) -> Era {
    if s.names_session {
        return Era::Session;
    }
    if s.modern_meta {
        return Era::Sessionless;
    }
    match s.version_header {
        VersionHeader::Present(v) => {
            return match ProtocolVersion::parse(v) {
                Some(v) if v.era() == Era::Session => Era::Session,
                _ => Era::Sessionless,
            }
        }
        VersionHeader::Absent => return Era::Session,
        VersionHeader::NotApplicable => {}
    }
    match s.method {
        _ if s.has_session => Era::Session,
        Some("initialize" | "ping") => Era::Session,
        _ => Era::Sessionless,
    }
}

pub(super) fn sessionless_scope(
    req: &Request,
    meta: Option<RequestMeta>,
    common: Common,
) -> Result<RequestScope, Error> {
    let missing = |key: &str| {
        Error::invalid_params(format!(
            "Invalid params: `_meta[\"{key}\"]` is required (2026-07-28 requests carry per-request metadata; session-era clients must send `initialize` first)"
        ))
    };
    let mut meta = meta.ok_or_else(|| missing(meta::PROTOCOL_VERSION))?;
    if !meta.has_protocol_version() {
        return Err(missing(meta::PROTOCOL_VERSION));
    }
    let version = meta.known_version().filter(|v| v.era() == Era::Sessionless);
    let caps = meta
        .client_capabilities
        .take()
        .ok_or_else(|| missing(meta::CLIENT_CAPABILITIES))?;
    if !caps.is_object() {
        return Err(Error::invalid_params(format!(
            "`_meta[\"{}\"]` must be an object",
            meta::CLIENT_CAPABILITIES
        )));
    }
    let version = match version {
        Some(version) => version,
        None => return Err(unsupported_version(&meta.requested_version())),
    };
    let log_level = match meta.parsed_log_level() {
        None => None,
        Some(Ok(level)) => Some(level),
        Some(Err(())) => {
            return Err(Error::invalid_params(format!(
                "Invalid log level in `_meta[\"{}\"]`",
                meta::LOG_LEVEL
            )))
        }
    };
    let info = meta.take_client_info();
    let client = Client {
        own: Some((shared_capabilities(caps), info)),
        log_level,
        session: None,
    };
    Ok(common.scope(req, version, meta, client))
}

/// `caps` shared: an empty object (what most 2026 clients send on every request) is one
/// `Arc` for the whole process instead of an allocation per request.
fn shared_capabilities(caps: Value) -> Arc<Value> {
    static EMPTY: LazyLock<Arc<Value>> =
        LazyLock::new(|| Arc::new(Value::Object(Default::default())));
    match &caps {
        Value::Object(m) if m.is_empty() => EMPTY.clone(),
        _ => Arc::new(caps),
    }
}

/// `-32022` with the versions this server supports.
pub(crate) fn unsupported_version(requested: &Value) -> Error {
    let supported: Vec<&str> = ProtocolVersion::SESSIONLESS
        .iter()
        .map(|v| v.as_str())
        .collect();
    Error::new(
        ErrorKind::UnsupportedVersion,
        "Unsupported protocol version",
    )
    .with_data(serde_json::json!({
        "supported": supported,
        "requested": requested,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    capabilities: Value,
    #[serde(default)]
    client_info: Implementation,
}

#[inline]
pub(super) fn session_scope(
    req: &Request,
    meta: Option<RequestMeta>,
    common: Common,
) -> Result<RequestScope, Error> {
    let meta = meta.unwrap_or_default();
    let conn = common.origin.conn.as_ref();
    let session = conn.and_then(|c| c.session());
    if &*req.method == "initialize" {
        if session.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "Invalid Request: the session is already initialized",
            ));
        }
        let params: InitializeParams = req
            .params
            .as_deref()
            .ok_or_else(|| Error::invalid_params("initialize requires params"))
            .and_then(|p| {
                serde_json::from_str(p.get())
                    .map_err(|e| Error::invalid_params(format!("Invalid initialize params: {e}")))
            })?;
        let version = ProtocolVersion::parse(&params.protocol_version)
            .filter(|v| v.era() == Era::Session)
            .unwrap_or(ProtocolVersion::LATEST_SESSION);
        let caps = if params.capabilities.is_object() {
            params.capabilities
        } else {
            Value::Object(Default::default())
        };
        let (caps, info) = (Arc::new(caps), Arc::new(params.client_info));
        let session = Arc::new(Session::new(version, caps.clone(), info.clone()));
        if let Some(conn) = conn {
            if conn.session.set(session.clone()).is_err() {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "Invalid Request: the session is already initialized",
                ));
            }
        }
        let client = Client {
            own: Some((caps, ClientInfo::Known(Some(info)))),
            log_level: None,
            session: Some(session),
        };
        return Ok(common.scope(req, version, meta, client));
    }
    // The connection's session (read through it, not cloned into the request), or a
    // `ping` before any.
    let version = match session {
        Some(s) => s.version,
        None if &*req.method == "ping" => ProtocolVersion::LATEST_SESSION,
        None => {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "Invalid Request: no session; send `initialize` first",
            ))
        }
    };
    let client = Client {
        own: None,
        log_level: None,
        session: None,
    };
    Ok(common.scope(req, version, meta, client))
}

/// The response for a result, with what the era requires on every result: nothing for
/// the session era; in the 2026 era `resultType` and, for cacheable results, `ttlMs` and
/// `cacheScope`. The result is copied once, straight into the response.
pub(super) fn response(
    id: &RequestId,
    era: Era,
    result: MethodResult,
    config: &ServerConfig,
) -> Vec<u8> {
    match (era, result) {
        (_, MethodResult::Response(response)) => response,
        (_, MethodResult::Raw(body)) => jsonrpc::result_response(id, &body),
        (era, MethodResult::Complete(body)) => {
            jsonrpc::result_response_with(id, complete_fields(era), &body)
        }
        (Era::Session, MethodResult::Cacheable(body, _)) => jsonrpc::result_response(id, &body),
        (Era::Sessionless, MethodResult::Cacheable(body, scope)) => {
            let (ttl, scope) = match scope {
                CacheScope::Public => (config.cache_ttl_public_ms, "public"),
                CacheScope::Private => (config.cache_ttl_private_ms, "private"),
            };
            let fields = format!(r#""resultType":"complete","ttlMs":{ttl},"cacheScope":"{scope}""#);
            jsonrpc::result_response_with(id, fields.as_bytes(), &body)
        }
    }
}

/// The fields a complete result carries in `era` (serialized `"k":v` pairs): the 2026-07-28
/// `resultType`, nothing in the session era.
pub(super) fn complete_fields(era: Era) -> &'static [u8] {
    match era {
        Era::Session => b"",
        Era::Sessionless => br#""resultType":"complete""#,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(method: &str) -> EraSignals<'_> {
        EraSignals {
            method: Some(method),
            modern_meta: false,
            names_session: false,
            has_session: false,
            version_header: VersionHeader::NotApplicable,
        }
    }

    #[test]
    fn stdio_without_headers() {
        let plain = signals("initialize");
        assert_eq!(classify(&plain), Era::Session);
        assert_eq!(classify(&signals("ping")), Era::Session);
        assert_eq!(classify(&signals("tools/list")), Era::Sessionless);
        let in_session = EraSignals {
            has_session: true,
            ..signals("tools/list")
        };
        assert_eq!(classify(&in_session), Era::Session);
        // 2026 metadata wins over a session the connection happens to have.
        let modern = EraSignals {
            modern_meta: true,
            ..in_session
        };
        assert_eq!(classify(&modern), Era::Sessionless);
        let probe = EraSignals {
            modern_meta: true,
            ..plain
        };
        assert_eq!(classify(&probe), Era::Sessionless);
    }

    #[test]
    fn http_with_headers() {
        let http = |names_session, header: Option<&'static str>, modern_meta| EraSignals {
            method: Some("tools/call"),
            modern_meta,
            names_session,
            has_session: false,
            version_header: header.map_or(VersionHeader::Absent, VersionHeader::Present),
        };
        // A legacy initialize, with or without a version header.
        assert_eq!(classify(&http(false, None, false)), Era::Session);
        assert_eq!(
            classify(&http(false, Some("2025-11-25"), false)),
            Era::Session
        );
        // Anything naming a session.
        assert_eq!(
            classify(&http(true, Some("2026-07-28"), true)),
            Era::Session
        );
        // 2026 traffic, including an initialize probe and unknown versions.
        assert_eq!(
            classify(&http(false, Some("2026-07-28"), true)),
            Era::Sessionless
        );
        assert_eq!(
            classify(&http(false, Some("2025-11-25"), true)),
            Era::Sessionless
        );
        assert_eq!(classify(&http(false, None, true)), Era::Sessionless);
        assert_eq!(
            classify(&http(false, Some("2026-07-28"), false)),
            Era::Sessionless
        );
        assert_eq!(
            classify(&http(false, Some("v999.0.0"), false)),
            Era::Sessionless
        );
    }
}
