//! RFC 9728 Protected Resource Metadata, generated from the configuration and the
//! registry, and [`MetadataService`] to mount it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use super::http::AuthLayer;
use crate::server::Server;
use crate::transport::http::ResponseBody;

/// The metadata document (served without a token).
pub(crate) fn document(layer: &AuthLayer, server: &Server) -> Value {
    let mut doc = json!({
        "resource": layer.resource,
        "authorization_servers": layer.authorization_servers,
        "bearer_methods_supported": ["header"],
    });
    let scopes = layer.scopes_supported(&server.shared);
    if !scopes.is_empty() {
        doc["scopes_supported"] = json!(scopes);
    }
    let name = layer
        .resource_name
        .clone()
        .unwrap_or_else(|| server.info().name.clone());
    doc["resource_name"] = json!(name);
    if let Some(d) = &layer.resource_documentation {
        doc["resource_documentation"] = json!(d);
    }
    doc
}

/// Serves the endpoint's Protected Resource Metadata (RFC 9728) as a tower service:
/// `GET`/`HEAD` answer the JSON document (CORS-readable, so browser clients can
/// discover the authorization server), `OPTIONS` a preflight, anything else 405; 404 when
/// the endpoint has no [`Auth`](super::Auth). [`Server::serve_http`](crate::Server::serve_http)
/// mounts it by itself; with axum, mount it at each of
/// [`McpHttpService::metadata_paths`](crate::transport::http::McpHttpService::metadata_paths):
///
/// ```ignore
/// let mcp = server.http_service(HttpConfig::default().auth(auth));
/// let mut app = axum::Router::new().nest_service("/mcp", mcp.clone());
/// for path in mcp.metadata_paths() {
///     app = app.route_service(path, mcp.metadata_service());
/// }
/// ```
#[derive(Clone)]
pub struct MetadataService {
    pub(crate) layer: Option<Arc<AuthLayer>>,
    pub(crate) server: Server,
}

impl MetadataService {
    /// The response to one request (any path).
    pub(crate) fn respond<B>(&self, req: &Request<B>) -> Response<ResponseBody> {
        let Some(layer) = &self.layer else {
            return status(StatusCode::NOT_FOUND);
        };
        let mut res = match *req.method() {
            Method::GET | Method::HEAD => {
                let body = serde_json::to_vec(&document(layer, &self.server))
                    .expect("metadata serializes");
                let mut res = Response::new(if req.method() == Method::HEAD {
                    ResponseBody::empty()
                } else {
                    ResponseBody::full(body)
                });
                res.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                res.headers_mut().insert(
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                );
                res
            }
            Method::OPTIONS => {
                let mut res = status(StatusCode::NO_CONTENT);
                let h = res.headers_mut();
                h.insert(
                    "access-control-allow-methods",
                    HeaderValue::from_static("GET, HEAD, OPTIONS"),
                );
                h.insert(
                    "access-control-allow-headers",
                    HeaderValue::from_static("*"),
                );
                h.insert("access-control-max-age", HeaderValue::from_static("86400"));
                res
            }
            _ => {
                let mut res = status(StatusCode::METHOD_NOT_ALLOWED);
                res.headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
                res
            }
        };
        res.headers_mut()
            .insert("access-control-allow-origin", HeaderValue::from_static("*"));
        res
    }
}

fn status(status: StatusCode) -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::empty());
    *res.status_mut() = status;
    res
}

impl std::fmt::Debug for MetadataService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataService")
            .field("resource", &self.layer.as_ref().map(|l| &l.resource))
            .finish()
    }
}

impl<B: Send + 'static> tower_service::Service<Request<B>> for MetadataService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let res = self.respond(&req);
        Box::pin(std::future::ready(Ok(res)))
    }
}
