//! Serving the server card and the AI Catalog over HTTP, as the SEP-2127 draft asks:
//! `GET <endpoint>/server-card` and `GET /.well-known/ai-catalog.json`, each with an
//! `ETag` (and `304 Not Modified` for a matching `If-None-Match`),
//! `Cache-Control: public, max-age=3600`, and CORS for browser clients (any origin,
//! preflight answered). Both documents are public, read-only metadata, built once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW,
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use http::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use tower_service::Service;

use super::body::ResponseBody;
use super::reply;
use crate::identity::card::{self, AiCatalog};
use crate::server::Server;

const CACHE: &str = "public, max-age=3600";

/// One precomputed document.
struct Doc {
    body: Bytes,
    etag: HeaderValue,
    content_type: &'static str,
}

impl Doc {
    fn new(value: &impl serde::Serialize, content_type: &'static str) -> Doc {
        let mut body = serde_json::to_vec_pretty(value).expect("cards always serialize");
        body.push(b'\n');
        let digest = Sha256::digest(&body);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Doc {
            body: Bytes::from(body),
            etag: HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header"),
            content_type,
        }
    }
}

/// The card's and the catalog's routes.
pub(super) struct CardRoutes {
    card_path: String,
    card: Doc,
    catalog: Doc,
}

impl CardRoutes {
    /// Routes for an endpoint served at `endpoint_path`, whose public URLs are `remotes`
    /// (the first one locates the card in the catalog; none puts the card inline).
    pub(super) fn new(server: &Server, endpoint_path: &str, remotes: &[String]) -> CardRoutes {
        let card = server.server_card_with(remotes);
        let card_url = remotes
            .first()
            .map(|r| format!("{}{}", r.trim_end_matches('/'), card::CARD_SUFFIX));
        let catalog = AiCatalog::for_card(&card, card_url);
        CardRoutes {
            card_path: format!(
                "{}{}",
                endpoint_path.trim_end_matches('/'),
                card::CARD_SUFFIX
            ),
            card: Doc::new(&card, card::MEDIA_TYPE),
            catalog: Doc::new(&catalog, card::CATALOG_MEDIA_TYPE),
        }
    }

    /// The response when `req` is for the card or the catalog, else `None`.
    pub(super) fn respond<B>(&self, req: &Request<B>) -> Option<Response<ResponseBody>> {
        let path = req.uri().path();
        let doc = if path == self.card_path {
            &self.card
        } else if path == card::CATALOG_PATH {
            &self.catalog
        } else {
            return None;
        };
        Some(respond(doc, req))
    }
}

fn respond<B>(doc: &Doc, req: &Request<B>) -> Response<ResponseBody> {
    let mut res = match *req.method() {
        Method::OPTIONS => {
            let mut res = reply::status(StatusCode::NO_CONTENT);
            let h = res.headers_mut();
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET"),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type, If-None-Match"),
            );
            h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
            res
        }
        Method::GET | Method::HEAD => {
            let fresh = req
                .headers()
                .get_all(IF_NONE_MATCH)
                .iter()
                .any(|v| etag_matches(v.as_bytes(), doc.etag.as_bytes()));
            let mut res = if fresh {
                reply::status(StatusCode::NOT_MODIFIED)
            } else if req.method() == Method::HEAD {
                let mut res = reply::status(StatusCode::OK);
                res.headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from(doc.body.len()));
                res
            } else {
                Response::new(ResponseBody::full(doc.body.clone()))
            };
            let h = res.headers_mut();
            if !fresh {
                h.insert(CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
            }
            h.insert(ETAG, doc.etag.clone());
            h.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
            h.insert(
                ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("ETag"),
            );
            res
        }
        _ => {
            let mut res = reply::status(StatusCode::METHOD_NOT_ALLOWED);
            res.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
            res
        }
    };
    res.headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

/// `If-None-Match` semantics (RFC 9110 §13.1.2): `*`, or any listed tag equal to ours
/// under weak comparison.
fn etag_matches(header: &[u8], etag: &[u8]) -> bool {
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    let ours = std::str::from_utf8(etag).unwrap_or_default();
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// The server card and AI Catalog as a tower service, for servers mounted in a router of
/// their own (`Server::serve_http` serves them already): route
/// `<endpoint path>/server-card` and `/.well-known/ai-catalog.json` to it.
///
/// ```no_run
/// # fn demo(server: mcp_runtime::Server) {
/// let cards = server.server_card_service("https://weather.example.com/mcp");
/// // axum: .route_service("/mcp/server-card", cards.clone())
/// //       .route_service("/.well-known/ai-catalog.json", cards)
/// # }
/// ```
#[derive(Clone)]
pub struct ServerCardService {
    routes: Arc<CardRoutes>,
}

impl Server {
    /// The card service for an endpoint reachable at `endpoint_url`. The card lists the
    /// builder's remotes, or `endpoint_url` when there are none.
    pub fn server_card_service(&self, endpoint_url: &str) -> ServerCardService {
        let path = endpoint_url
            .split_once("://")
            .map_or(endpoint_url, |(_, rest)| {
                rest.find('/').map_or("/", |i| &rest[i..])
            });
        ServerCardService {
            routes: Arc::new(CardRoutes::new(
                self,
                path,
                &card_remotes(self, Some(endpoint_url)),
            )),
        }
    }
}

/// What a card served over HTTP lists: the builder's remotes, else the serving URL.
pub(super) fn card_remotes(server: &Server, serving: Option<&str>) -> Vec<String> {
    let configured = server.identity().remotes();
    if configured.is_empty() {
        serving.map(str::to_owned).into_iter().collect()
    } else {
        configured.to_vec()
    }
}

impl<B: Send + 'static> Service<Request<B>> for ServerCardService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let res = self
            .routes
            .respond(&req)
            .unwrap_or_else(|| reply::status(StatusCode::NOT_FOUND));
        Box::pin(std::future::ready(Ok(res)))
    }
}

#[cfg(test)]
mod tests {
    use super::etag_matches;

    #[test]
    fn if_none_match_uses_weak_comparison_and_lists() {
        let ours = br#""abc""#;
        assert!(etag_matches(br#""abc""#, ours));
        assert!(etag_matches(br#"W/"abc""#, ours));
        assert!(etag_matches(br#""x", "abc""#, ours));
        assert!(etag_matches(b"*", ours));
        assert!(!etag_matches(br#""abd""#, ours));
        assert!(!etag_matches(b"abc", ours));
    }
}
