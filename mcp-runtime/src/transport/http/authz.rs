//! Where the endpoint consults its authorization ([`crate::auth`]), all in one place:
//! every request before anything else, each operation before it is dispatched, and
//! replies that are authorization errors. Without the `auth` feature (or without
//! [`HttpConfig::auth`](super::HttpConfig::auth)) every hook lets the request through.

use std::sync::Arc;

use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};

use super::admission::FairnessKey;
use super::body::ResponseBody;
use super::config::HttpConfig;
use super::service::Inner;
use crate::auth::AuthContext;
use crate::dispatch::Reply;
use crate::protocol::jsonrpc::Request;
use crate::server::Server;

#[cfg(feature = "auth")]
pub(super) type Layer = Option<Arc<crate::auth::http::AuthLayer>>;
#[cfg(not(feature = "auth"))]
pub(super) type Layer = ();

/// The endpoint's authorization, built once.
///
/// # Panics
///
/// When the configured `Auth` is invalid (see `Auth::validate`).
pub(super) fn build(server: &Server, config: &HttpConfig) -> Layer {
    #[cfg(feature = "auth")]
    if let Some(auth) = &config.auth {
        return match crate::auth::http::AuthLayer::new(auth) {
            Ok(layer) => Some(Arc::new(layer)),
            Err(e) => panic!("{e}"),
        };
    }
    let _ = config;
    let shared = &server.shared;
    let declared = shared.tools.load().scopes().next().is_some()
        || shared
            .prompts
            .load()
            .entries()
            .iter()
            .any(|p| !p.scopes.is_empty())
        || shared.resources.load().scopes().next().is_some();
    if declared {
        tracing::warn!(
            "operations declare scopes but the HTTP endpoint has no authorization: anyone who can reach it may call them (set HttpConfig::auth)"
        );
    }
    #[cfg(feature = "auth")]
    return None;
}

/// The caller of a request, or the refusal to send instead.
pub(super) async fn authenticate(
    inner: &Inner,
    parts: &Parts,
) -> Result<Option<AuthContext>, Response<ResponseBody>> {
    #[cfg(feature = "auth")]
    if let Some(layer) = &inner.auth {
        return layer.authenticate(parts).await.map(Some).map_err(rejection);
    }
    let _ = (inner, parts);
    Ok(None)
}

/// Refuses an operation whose declared scopes the caller lacks.
pub(super) fn authorize(
    inner: &Inner,
    req: &Request,
    auth: Option<&AuthContext>,
) -> Result<(), Response<ResponseBody>> {
    #[cfg(feature = "auth")]
    if let (Some(layer), Some(auth)) = (&inner.auth, auth) {
        return layer
            .authorize(&inner.server.shared, req, auth)
            .map_err(rejection);
    }
    let _ = (inner, req, auth);
    Ok(())
}

/// Whom a session created by this caller belongs to.
pub(super) fn owner(auth: Option<&AuthContext>) -> Option<Arc<str>> {
    auth.and_then(AuthContext::principal)
        .map(|p| Arc::from(p.owner_key()))
}

/// Whose share of the server the caller's requests count against
/// (`HttpConfig::max_requests_per_principal`): the authenticated principal, the same
/// key that owns its sessions.
pub(super) fn fairness_key(auth: Option<&AuthContext>) -> Option<FairnessKey> {
    owner(auth).map(FairnessKey::new)
}

/// For a reply that is an authorization error raised while the request ran: the status
/// and challenge to send it with (the response is still a plain JSON body).
pub(super) fn challenge(inner: &Inner, reply: &Reply) -> Option<(StatusCode, HeaderValue)> {
    #[cfg(feature = "auth")]
    if let (Some(layer), Some(code)) = (&inner.auth, reply.error_code) {
        return layer.challenge_for(code, &reply.bytes);
    }
    let _ = (inner, reply);
    None
}

/// The metadata response, when `path` is one of the metadata paths.
pub(super) fn metadata<B>(
    inner: &Arc<Inner>,
    req: &http::Request<B>,
) -> Option<Response<ResponseBody>> {
    #[cfg(feature = "auth")]
    if let Some(layer) = &inner.auth {
        if layer.metadata_paths.iter().any(|p| p == req.uri().path()) {
            return Some(metadata_service(inner).respond(req));
        }
    }
    let _ = (inner, req);
    None
}

#[cfg(feature = "auth")]
pub(super) fn metadata_service(inner: &Inner) -> crate::auth::MetadataService {
    crate::auth::MetadataService {
        layer: inner.auth.clone(),
        server: inner.server.clone(),
    }
}

#[cfg(feature = "auth")]
fn rejection(r: crate::auth::challenge::Rejection) -> Response<ResponseBody> {
    let mut res = super::reply::json(r.status, r.body);
    if let Some(challenge) = r.challenge {
        res.headers_mut()
            .insert(http::header::WWW_AUTHENTICATE, challenge);
    }
    if r.retry_after {
        res.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("5"),
        );
    }
    res
}
