//! The two eras' envelope rules: which era a request belongs to, what it must carry,
//! and how results are decorated.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{CacheScope, Connection, MethodResult, Outbound, Session};
use crate::error::{Error, ErrorKind};
use crate::extract::RequestScope;
use crate::protocol::jsonrpc::{self, Request, RequestId};
use crate::protocol::meta::{self, RequestMeta};
use crate::protocol::types::{Implementation, LoggingLevel};
use crate::protocol::{Era, ProtocolVersion};
use crate::server::{ServerConfig, ServerShared};

pub(super) struct Common<'a> {
    pub(super) server: &'a Arc<ServerShared>,
    pub(super) out: Outbound,
    pub(super) cancel: Option<CancellationToken>,
    pub(super) conn: Option<Arc<Connection>>,
    pub(super) auth: Option<crate::auth::AuthContext>,
}

impl Common<'_> {
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
            meta,
            client_capabilities: client.capabilities,
            client_info: client.info,
            log_level: client.log_level,
            cancel: self.cancel.map(OnceLock::from).unwrap_or_default(),
            out: self.out,
            session: client.session,
            server: self.server.clone(),
            last_progress: Mutex::new(None),
            done: AtomicBool::new(false),
            conn: self.conn,
            inputs: OnceLock::new(),
            task: OnceLock::new(),
            auth: self.auth,
        }
    }
}

/// What is known about the client for one request.
struct Client {
    capabilities: Arc<Value>,
    info: Option<Arc<Implementation>>,
    log_level: Option<LoggingLevel>,
    session: Option<Arc<Session>>,
}

/// Picks the era of a request the transport did not classify: per-request `_meta`
/// fields mean 2026-07-28; `initialize`, `ping` or an existing session mean the
/// session era; anything else is treated as a 2026 request (and then fails the
/// `_meta` check with a message that mentions both options).
pub(super) fn detect(method: &str, meta: Option<&RequestMeta>, has_session: bool) -> Era {
    let modern = meta.is_some_and(|m| {
        m.protocol_version.is_some()
            || m.client_capabilities.is_some()
            || m.client_info.is_some()
            || m.log_level.is_some()
    });
    if modern {
        Era::Sessionless
    } else if has_session || method == "initialize" || method == "ping" {
        Era::Session
    } else {
        Era::Sessionless
    }
}

pub(super) fn sessionless_scope(
    req: &Request,
    meta: Option<RequestMeta>,
    common: Common<'_>,
) -> Result<RequestScope, Error> {
    let missing = |key: &str| {
        Error::invalid_params(format!(
            "Invalid params: `_meta[\"{key}\"]` is required (2026-07-28 requests carry per-request metadata; session-era clients must send `initialize` first)"
        ))
    };
    let mut meta = meta.ok_or_else(|| missing(meta::PROTOCOL_VERSION))?;
    let requested = meta
        .protocol_version
        .clone()
        .ok_or_else(|| missing(meta::PROTOCOL_VERSION))?;
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
    let version = requested
        .as_str()
        .and_then(ProtocolVersion::parse)
        .filter(|v| v.era() == Era::Sessionless)
        .ok_or_else(|| unsupported_version(&requested))?;
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
    let info = meta.client_info.take().map(Arc::new);
    let client = Client {
        capabilities: Arc::new(caps),
        info,
        log_level,
        session: None,
    };
    Ok(common.scope(req, version, meta, client))
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

pub(super) fn session_scope(
    req: &Request,
    meta: Option<RequestMeta>,
    session: Option<Arc<Session>>,
    common: Common<'_>,
) -> Result<RequestScope, Error> {
    let meta = meta.unwrap_or_default();
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
        if let Some(conn) = &common.conn {
            if conn.session.set(session.clone()).is_err() {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "Invalid Request: the session is already initialized",
                ));
            }
        }
        let client = Client {
            capabilities: caps,
            info: Some(info),
            log_level: None,
            session: Some(session),
        };
        return Ok(common.scope(req, version, meta, client));
    }
    match session {
        Some(s) => {
            let (caps, info) = (s.client_capabilities.clone(), Some(s.client_info.clone()));
            Ok(common.scope(
                req,
                s.version,
                meta,
                Client {
                    capabilities: caps,
                    info,
                    log_level: None,
                    session: Some(s),
                },
            ))
        }
        None if &*req.method == "ping" => {
            let client = Client {
                capabilities: Arc::new(Value::Object(Default::default())),
                info: None,
                log_level: None,
                session: None,
            };
            Ok(common.scope(req, ProtocolVersion::LATEST_SESSION, meta, client))
        }
        None => Err(Error::new(
            ErrorKind::InvalidRequest,
            "Invalid Request: no session; send `initialize` first",
        )),
    }
}

/// The response for a result, with what the era requires on every result: nothing for
/// the session era; in the 2026 era `resultType` and, for cacheable results, `ttlMs` and
/// `cacheScope`. The result is copied once, straight into the response.
pub(super) fn response(
    id: &RequestId,
    era: Era,
    result: &MethodResult,
    config: &ServerConfig,
) -> Vec<u8> {
    match (era, result) {
        (_, MethodResult::Raw(body)) => jsonrpc::result_response(id, body),
        (Era::Session, MethodResult::Complete(body)) => jsonrpc::result_response(id, body),
        (Era::Session, MethodResult::Cacheable(body, _)) => jsonrpc::result_response(id, body),
        (Era::Sessionless, MethodResult::Complete(body)) => {
            jsonrpc::result_response_with(id, br#""resultType":"complete""#, body)
        }
        (Era::Sessionless, MethodResult::Cacheable(body, scope)) => {
            let (ttl, scope) = match scope {
                CacheScope::Public => (config.cache_ttl_public_ms, "public"),
                CacheScope::Private => (config.cache_ttl_private_ms, "private"),
            };
            let fields = format!(r#""resultType":"complete","ttlMs":{ttl},"cacheScope":"{scope}""#);
            jsonrpc::result_response_with(id, fields.as_bytes(), body)
        }
    }
}
