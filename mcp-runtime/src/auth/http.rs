//! The endpoint's side of [`Auth`]: reads the bearer token, verifies it (cached),
//! checks audience and scopes, and words refusals as challenges. The transport calls it
//! at three points: before anything else ([`AuthLayer::authenticate`]), once the
//! request's operation is known ([`AuthLayer::authorize`]), and on a reply that is an
//! authorization error ([`AuthLayer::challenge_for`]).

use std::sync::Arc;
use std::time::SystemTime;

use http::header::AUTHORIZATION;
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use super::cache::TokenCache;
use super::challenge::{self, Challenge, Rejection};
use super::config::Auth;
use super::verifier::DynVerifier;
use super::{operation, AuthContext, Principal, ScopeHierarchy, Scopes, TokenError};
use crate::error::Error;
use crate::protocol::jsonrpc::{code, Request};
use crate::server::ServerShared;

/// Longest accepted token (JWTs with many claims reach a few KiB).
const MAX_TOKEN: usize = 16 * 1024;

/// Where RFC 9728 metadata lives, under the origin of the resource.
pub(crate) const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

pub(crate) struct AuthLayer {
    verifier: Arc<dyn DynVerifier>,
    cache: TokenCache,
    /// The canonical URI, normalized.
    pub(crate) resource: String,
    audiences: Vec<String>,
    pub(crate) metadata_url: String,
    /// Paths the metadata is served at: under the resource's path, and at the root.
    pub(crate) metadata_paths: Vec<String>,
    pub(crate) authorization_servers: Vec<String>,
    hierarchy: ScopeHierarchy,
    required: Scopes,
    allow_anonymous: bool,
    hide_unpermitted: bool,
    pub(crate) resource_name: Option<String>,
    pub(crate) resource_documentation: Option<String>,
    pub(crate) extra_scopes: Vec<String>,
}

impl AuthLayer {
    pub(crate) fn new(auth: &Auth) -> Result<AuthLayer, Error> {
        let bad = |m: String| Error::startup(format!("Auth: {m}"));
        let (verifier, issuer) = auth.make_verifier()?;
        let resource = auth.resource.as_deref().ok_or_else(|| {
            bad("set the server's canonical URI with .resource(\"https://…/mcp\")".into())
        })?;
        let canonical = canonical_uri(resource).map_err(bad)?;
        let (origin, path) = split_origin(&canonical);
        let mut metadata_paths = Vec::new();
        if !path.is_empty() {
            metadata_paths.push(format!("{WELL_KNOWN}{path}"));
        }
        metadata_paths.push(WELL_KNOWN.to_owned());
        let mut authorization_servers = auth.authorization_servers.clone();
        if authorization_servers.is_empty() {
            authorization_servers.extend(issuer);
        }
        if authorization_servers.is_empty() {
            return Err(bad(
                "no authorization server: set .issuer(..) or .authorization_server(..)".into(),
            ));
        }
        let required = Scopes::new(&auth.required).map_err(|e| bad(e.to_string()))?;
        Scopes::new(&auth.extra_scopes).map_err(|e| bad(e.to_string()))?;
        Scopes::new(auth.hierarchy.all()).map_err(|e| bad(e.to_string()))?;
        let mut audiences = vec![normalize(&canonical)];
        audiences.extend(auth.audiences.iter().map(|a| normalize(a)));
        Ok(AuthLayer {
            verifier,
            cache: TokenCache::new(auth.cache_capacity, auth.cache_ttl),
            metadata_url: format!("{origin}{WELL_KNOWN}{path}"),
            resource: canonical,
            audiences,
            metadata_paths,
            authorization_servers,
            hierarchy: auth.hierarchy.clone(),
            required,
            allow_anonymous: auth.allow_anonymous,
            hide_unpermitted: auth.hide_unpermitted,
            resource_name: auth.resource_name.clone(),
            resource_documentation: auth.resource_documentation.clone(),
            extra_scopes: auth.extra_scopes.clone(),
        })
    }

    fn challenge<'a>(
        &'a self,
        error: Option<&'static str>,
        description: Option<&'a str>,
        scope: Option<&'a str>,
    ) -> Challenge<'a> {
        Challenge {
            resource_metadata: &self.metadata_url,
            error,
            description,
            scope,
        }
    }

    /// Who makes this request: its bearer token verified, or a refusal (401, 403 for
    /// scopes every request needs, 503 when the token cannot be checked now).
    pub(crate) async fn authenticate(&self, parts: &Parts) -> Result<AuthContext, Rejection> {
        let required = (!self.required.is_empty()).then(|| self.required.to_string());
        let required = required.as_deref();
        if query_has_token(parts.uri.query()) {
            return Err(self
                .challenge(
                    Some("invalid_request"),
                    Some("access tokens are never accepted in the query string; send Authorization: Bearer"),
                    required,
                )
                .reject(StatusCode::UNAUTHORIZED, None));
        }
        let token = match bearer(parts) {
            Ok(Some(token)) => token,
            // Scopes every request needs rule anonymous requests out.
            Ok(None) if self.allow_anonymous && self.required.is_empty() => {
                return Ok(self.context(None))
            }
            Ok(None) => {
                return Err(self
                    .challenge(None, None, required)
                    .reject(StatusCode::UNAUTHORIZED, None))
            }
            Err(why) => {
                return Err(self
                    .challenge(Some("invalid_request"), Some(why), required)
                    .reject(StatusCode::UNAUTHORIZED, None))
            }
        };
        let principal = match self.verify(token).await {
            Ok(p) => p,
            Err(TokenError::Unavailable(why)) => {
                tracing::warn!(%why, "cannot verify access tokens");
                return Err(challenge::unavailable(&format!(
                    "cannot verify the access token now ({why})"
                )));
            }
            Err(e) => {
                tracing::debug!(reason = %e, "access token refused");
                let description = e.to_string();
                return Err(self
                    .challenge(Some("invalid_token"), Some(&description), required)
                    .reject(StatusCode::UNAUTHORIZED, None));
            }
        };
        if !principal.has_all(&self.required) {
            let description = "the token lacks scopes every request needs";
            return Err(self
                .challenge(Some("insufficient_scope"), Some(description), required)
                .reject(StatusCode::FORBIDDEN, None));
        }
        Ok(self.context(Some(principal)))
    }

    fn context(&self, principal: Option<Principal>) -> AuthContext {
        AuthContext::new(principal).hide_unpermitted(self.hide_unpermitted)
    }

    /// The principal of `token`: from the cache while it has not expired, else verified,
    /// its audience checked and its scopes expanded, then cached.
    async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let key = TokenCache::key(token);
        let now = SystemTime::now();
        if let Some(p) = self.cache.get(&key, now) {
            return Ok(p);
        }
        let principal = self.verifier.verify_dyn(token).await?;
        if principal.expires_at().is_some_and(|exp| exp <= now) {
            return Err(TokenError::Expired);
        }
        let fits = principal
            .audiences()
            .iter()
            .any(|a| self.audiences.contains(&normalize(a)));
        if !fits {
            return Err(TokenError::WrongAudience);
        }
        let principal = principal.with_hierarchy(&self.hierarchy);
        self.cache.insert(key, principal.clone(), now);
        Ok(principal)
    }

    /// Whether the caller may run the operation `req` names: its declared scopes (and
    /// those every request needs) in one challenge when not.
    pub(crate) fn authorize(
        &self,
        server: &ServerShared,
        req: &Request,
        auth: &AuthContext,
    ) -> Result<(), Rejection> {
        let needed = operation::required(server, req);
        if needed.is_empty() || auth.permits(&needed) {
            return Ok(());
        }
        let all = Scopes::new(needed.iter().chain(self.required.iter()))
            .unwrap_or(needed)
            .to_string();
        match &auth.principal {
            None => Err(self
                .challenge(None, None, Some(&all))
                .reject(StatusCode::UNAUTHORIZED, Some(&req.id))),
            Some(_) => {
                let description = format!("this operation needs {all}");
                Err(self
                    .challenge(Some("insufficient_scope"), Some(&description), Some(&all))
                    .reject(StatusCode::FORBIDDEN, Some(&req.id)))
            }
        }
    }

    /// For a reply that is an authorization error raised while the request ran
    /// (`Principal::require`, a `Principal` parameter on an anonymous request): the
    /// status and challenge to send it with.
    pub(crate) fn challenge_for(
        &self,
        error_code: i64,
        reply: &[u8],
    ) -> Option<(StatusCode, HeaderValue)> {
        let status = match error_code {
            code::UNAUTHORIZED => StatusCode::UNAUTHORIZED,
            code::INSUFFICIENT_SCOPE => StatusCode::FORBIDDEN,
            _ => return None,
        };
        let reply: serde_json::Value = serde_json::from_slice(reply).ok()?;
        let scope = reply["error"]["data"]["scope"].as_str();
        let header = match status {
            StatusCode::FORBIDDEN => self
                .challenge(Some("insufficient_scope"), None, scope)
                .header(),
            _ => self.challenge(None, None, scope).header(),
        };
        Some((status, header))
    }

    /// Every scope the metadata lists: declared by operations, needed by every request,
    /// added by configuration; never `offline_access`.
    pub(crate) fn scopes_supported(&self, server: &ServerShared) -> Vec<String> {
        let tools = server.tools.load();
        let prompts = server.prompts.load();
        let resources = server.resources.load();
        let mut all: Vec<String> = tools
            .scopes()
            .chain(prompts.entries().iter().flat_map(|p| p.scopes.iter()))
            .chain(resources.scopes())
            .chain(self.required.iter())
            .chain(self.extra_scopes.iter().map(String::as_str))
            .filter(|s| *s != "offline_access")
            .map(str::to_owned)
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The `Authorization: Bearer` token, `None` without credentials, or why the header is
/// unusable.
fn bearer(parts: &Parts) -> Result<Option<&str>, &'static str> {
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("send one Authorization header");
    }
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII")?;
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or("expected Authorization: Bearer <token>")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("expected Authorization: Bearer <token>");
    }
    let token = rest.trim_matches(' ');
    if token.is_empty() || token.len() > MAX_TOKEN || !is_b64token(token) {
        return Err("the bearer token is not a valid token68 value");
    }
    Ok(Some(token))
}

/// RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    // Every request checks its whole token: a branch-free fold the compiler vectorizes
    // (a JWT is 300-1000 bytes), instead of a test and an early exit per byte.
    !body.is_empty() && body.bytes().fold(true, |ok, b| ok & is_b64token_byte(b))
}

/// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`, without branches.
#[inline(always)]
fn is_b64token_byte(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter
        | digit
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

/// Whether the query carries an `access_token` parameter (RFC 6750 §2.3), which MCP
/// forbids.
fn query_has_token(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&').any(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            name.replace("%5F", "_")
                .replace("%5f", "_")
                .eq_ignore_ascii_case("access_token")
        })
    })
}

/// Checks and normalizes the canonical URI: absolute `https` (or `http` on loopback), no
/// fragment or query, scheme and host lowercase, no trailing `/` after the host alone.
fn canonical_uri(uri: &str) -> Result<String, String> {
    let parsed: http::Uri = uri
        .parse()
        .map_err(|_| format!("the resource {uri:?} is not a URI"))?;
    if uri.contains('#') || parsed.query().is_some() {
        return Err(format!(
            "the resource {uri:?} must have no fragment or query"
        ));
    }
    let scheme = parsed
        .scheme_str()
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("the resource {uri:?} must be absolute (https://…)"))?;
    let authority = parsed
        .authority()
        .ok_or_else(|| format!("the resource {uri:?} must name a host"))?;
    let host = authority.host().to_ascii_lowercase();
    let loopback =
        matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") || host.starts_with("127.");
    match scheme.as_str() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(format!(
                "the resource {uri:?} must be https (TLS may end at a proxy, but clients use https); http only on loopback"
            ))
        }
    }
    Ok(normalize(uri))
}

/// Lowercase scheme and authority, no trailing `/` after the authority alone: the form
/// URIs are compared in (RFC 8707 audiences and the metadata's `resource`).
fn normalize(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let path = if path == "/" { "" } else { path };
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

/// `https://h:1/a/b` → (`https://h:1`, `/a/b`).
fn split_origin(uri: &str) -> (&str, &str) {
    let after = uri.find("://").map_or(0, |i| i + 3);
    match uri[after..].find('/') {
        Some(i) => uri.split_at(after + i),
        None => (uri, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_bytes_are_exactly_rfc_6750s() {
        for b in 0..=255u8 {
            let rfc =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64token_byte(b), rfc, "byte {b:#04x}");
        }
        assert!(is_b64token("eyJhbGciOiJFUzI1NiJ9.e30.sig-_~+/=="));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("abc def"));
        assert!(!is_b64token("abc=d"));
        assert!(!is_b64token(&format!("{}é", "a".repeat(600))));
    }

    #[test]
    fn canonical_uris() {
        assert_eq!(
            canonical_uri("HTTPS://MCP.Example.com/mcp").unwrap(),
            "https://mcp.example.com/mcp"
        );
        assert_eq!(
            canonical_uri("https://mcp.example.com/").unwrap(),
            "https://mcp.example.com"
        );
        assert_eq!(
            canonical_uri("http://127.0.0.1:8080/mcp").unwrap(),
            "http://127.0.0.1:8080/mcp"
        );
        for bad in [
            "mcp.example.com",
            "http://example.com/mcp",
            "https://h/mcp#x",
            "https://h/mcp?a=1",
            "/mcp",
        ] {
            assert!(canonical_uri(bad).is_err(), "{bad}");
        }
        assert_eq!(split_origin("https://h:1/a/b"), ("https://h:1", "/a/b"));
        assert_eq!(split_origin("https://h"), ("https://h", ""));
    }

    #[test]
    fn query_tokens_and_bearer_syntax() {
        assert!(query_has_token(Some("a=1&access_token=x")));
        assert!(query_has_token(Some("access%5Ftoken=x")));
        assert!(!query_has_token(Some("token=x")));
        assert!(!query_has_token(None));
        assert!(is_b64token("eyJ.abc-_~+/=="));
        assert!(!is_b64token("a b") && !is_b64token("==") && !is_b64token("a\"b"));
    }
}
