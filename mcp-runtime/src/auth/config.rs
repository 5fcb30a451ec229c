//! [`Auth`]: one builder value for the endpoint's authorization.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::introspection::IntrospectionVerifier;
use super::jwt::JwtVerifier;
use super::verifier::DynVerifier;
use super::{ScopeHierarchy, TokenVerifier};
use crate::error::Error;

/// How the Streamable HTTP endpoint authorizes requests, as an OAuth 2.1 resource
/// server. Set it with [`HttpConfig::auth`](crate::transport::http::HttpConfig::auth).
///
/// ```
/// use mcp_runtime::auth::Auth;
///
/// let auth = Auth::jwt()
///     .issuer("https://idp.example.com")                      // `iss`, exact match
///     .jwks_url("https://idp.example.com/.well-known/jwks.json")
///     .resource("https://mcp.example.com/mcp")                // this server: the audience
///     .scope_implies("notes", ["notes:read", "notes:write", "notes:delete"]);
/// assert!(auth.validate().is_ok());
/// ```
///
/// Every request needs `Authorization: Bearer <token>` (unless
/// [`allow_anonymous`](Self::allow_anonymous)); see the [module docs](super) for what
/// each failure answers. Cheap to clone; each endpoint built from it keeps its own
/// cache of verified tokens.
#[derive(Clone)]
#[must_use]
pub struct Auth {
    /// Which verifier (for `Debug` and misuse checks).
    kind: Kind,
    /// Builds the verifier, with what its constructor was given; made by the constructor,
    /// so a binary links the JWT and introspection verifiers (an HTTP client, TLS, JOSE)
    /// only if it calls theirs.
    make: MakeVerifier,
    issuer: Option<String>,
    jwks_url: Option<String>,
    pub(super) resource: Option<String>,
    pub(super) audiences: Vec<String>,
    pub(super) authorization_servers: Vec<String>,
    pub(super) hierarchy: ScopeHierarchy,
    pub(super) required: Vec<String>,
    pub(super) extra_scopes: Vec<String>,
    pub(super) allow_anonymous: bool,
    pub(super) hide_unpermitted: bool,
    pub(super) resource_name: Option<String>,
    pub(super) resource_documentation: Option<String>,
    pub(super) cache_capacity: usize,
    pub(super) cache_ttl: Option<Duration>,
    pub(super) timeout: Duration,
    pub(super) jwks_min_refetch: Duration,
    pub(super) jwks_max_age: Duration,
    pub(super) leeway: Duration,
    /// A setter used where it does not apply; reported by `validate`.
    pub(super) misuse: Option<&'static str>,
}

type MakeVerifier = Arc<dyn Fn(&Auth) -> Result<Arc<dyn DynVerifier>, Error> + Send + Sync>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jwt,
    Introspection,
    Custom,
}

impl Auth {
    fn with(kind: Kind, make: MakeVerifier) -> Auth {
        Auth {
            kind,
            make,
            issuer: None,
            jwks_url: None,
            resource: None,
            audiences: Vec::new(),
            authorization_servers: Vec::new(),
            hierarchy: ScopeHierarchy::default(),
            required: Vec::new(),
            extra_scopes: Vec::new(),
            allow_anonymous: false,
            hide_unpermitted: false,
            resource_name: None,
            resource_documentation: None,
            cache_capacity: 10_000,
            cache_ttl: None,
            timeout: Duration::from_secs(10),
            jwks_min_refetch: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(3600),
            leeway: Duration::from_secs(30),
            misuse: None,
        }
    }

    /// JWT access tokens, verified with the issuer's JWKS ([`JwtVerifier`]); set
    /// [`issuer`](Self::issuer) and [`jwks_url`](Self::jwks_url).
    pub fn jwt() -> Auth {
        Self::with(Kind::Jwt, Arc::new(make_jwt))
    }

    /// Any tokens, verified by RFC 7662 introspection at `endpoint`, as the client
    /// `client_id` / `client_secret` ([`IntrospectionVerifier`]).
    pub fn introspection(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Auth {
        let (endpoint, client_id, client_secret) =
            (endpoint.into(), client_id.into(), client_secret.into());
        Self::with(
            Kind::Introspection,
            Arc::new(move |auth: &Auth| {
                check_url(&endpoint).map_err(|e| bad(&format!("introspection endpoint {e}")))?;
                let mut v = IntrospectionVerifier::new(&endpoint, &client_id, &client_secret)
                    .timeout(auth.timeout);
                if let Some(i) = &auth.issuer {
                    v = v.issuer(i);
                }
                Ok(Arc::new(v) as Arc<dyn DynVerifier>)
            }),
        )
    }

    /// Tokens checked by your own [`TokenVerifier`] (the endpoint still checks the
    /// audience, caches results and applies scopes).
    pub fn verifier(verifier: impl TokenVerifier) -> Auth {
        let verifier: Arc<dyn DynVerifier> = Arc::new(verifier);
        Self::with(Kind::Custom, Arc::new(move |_: &Auth| Ok(verifier.clone())))
    }

    /// The authorization server's issuer identifier: tokens' `iss` must equal it exactly,
    /// and it is the default entry of the metadata's `authorization_servers`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Where the issuer publishes its signing keys (JWT only).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        if self.kind == Kind::Jwt {
            self.jwks_url = Some(url.into());
        } else {
            self.misuse
                .get_or_insert("jwks_url applies to Auth::jwt() only");
        }
        self
    }

    /// The canonical URI of the MCP endpoint, e.g. `https://mcp.example.com/mcp`: what
    /// clients name as `resource` (RFC 8707) and tokens must carry in `aud`. Required.
    /// `https`, except on loopback (`http://127.0.0.1:8080/mcp` for local use).
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resource = Some(uri.into());
        self
    }

    /// Also accepts tokens whose `aud` is `audience` (for authorization servers that
    /// name APIs by their own identifiers). The canonical URI is always accepted.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Lists an authorization server in the metadata's `authorization_servers` (by
    /// default the issuer alone).
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// A token granted `parent` may do everything `children` allow (transitively).
    pub fn scope_implies<I, S>(mut self, parent: &str, children: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.hierarchy.implies(parent, children);
        self
    }

    /// Scopes every request needs, whatever the operation (also suggested in every
    /// 401 challenge).
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds scopes to the metadata's `scopes_supported` beyond those operations declare
    /// (e.g. an umbrella scope of [`scope_implies`](Self::scope_implies)).
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Requests without an `Authorization` header proceed anonymously
    /// (`Option<Principal>` is `None`); operations with scopes still answer 401. A token
    /// that is sent must be valid.
    pub fn allow_anonymous(mut self) -> Self {
        self.allow_anonymous = true;
        self
    }

    /// Lists show only the tools, prompts and resources the caller's scopes permit
    /// (by default everything is listed, so clients can step up when they call it).
    pub fn hide_unpermitted(mut self) -> Self {
        self.hide_unpermitted = true;
        self
    }

    /// `resource_name` in the metadata (default: the server's name).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// `resource_documentation` in the metadata: a page for developers.
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// Verified tokens kept in memory (default 10 000; least recently used go first).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// Keeps a verified token at most this long, even if it expires later (default:
    /// until it expires). Bounds how long a revoked token stays usable with
    /// introspection.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = Some(ttl);
        self
    }

    /// Timeout of requests to the authorization server (JWKS, introspection; default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The JWKS is fetched again for an unknown `kid` at most this often (default 30 s),
    /// and refreshed in the background once older than `max_age` (default 1 h).
    pub fn jwks_refresh(mut self, min_refetch: Duration, max_age: Duration) -> Self {
        self.jwks_min_refetch = min_refetch;
        self.jwks_max_age = max_age;
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Checks the configuration: a valid canonical URI, a complete verifier, at least
    /// one authorization server, valid scopes. Serving with an invalid one fails with
    /// this error.
    pub fn validate(&self) -> Result<(), Error> {
        super::http::AuthLayer::new(self).map(drop)
    }

    pub(super) fn make_verifier(&self) -> Result<(Arc<dyn DynVerifier>, Option<String>), Error> {
        if let Some(m) = self.misuse {
            return Err(bad(m));
        }
        Ok(((self.make)(self)?, self.issuer.clone()))
    }
}

fn bad(m: &str) -> Error {
    Error::startup(format!("Auth: {m}"))
}

fn make_jwt(auth: &Auth) -> Result<Arc<dyn DynVerifier>, Error> {
    let issuer = auth
        .issuer
        .clone()
        .ok_or_else(|| bad("Auth::jwt() needs .issuer(..)"))?;
    let url = auth
        .jwks_url
        .clone()
        .ok_or_else(|| bad("Auth::jwt() needs .jwks_url(..)"))?;
    check_url(&url).map_err(|e| bad(&format!("jwks_url {e}")))?;
    Ok(Arc::new(JwtVerifier::with_options(
        issuer,
        url,
        auth.timeout,
        auth.jwks_min_refetch,
        auth.jwks_max_age,
        auth.leeway,
    )))
}

fn check_url(url: &str) -> Result<(), String> {
    match url.split_once("://") {
        Some(("http" | "https", rest)) if !rest.is_empty() => Ok(()),
        _ => Err(format!("{url:?} is not an http(s) URL")),
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field(
                "verifier",
                &match self.kind {
                    Kind::Jwt => "jwt",
                    Kind::Introspection => "introspection",
                    Kind::Custom => "custom",
                },
            )
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .field("allow_anonymous", &self.allow_anonymous)
            .field("hide_unpermitted", &self.hide_unpermitted)
            .finish_non_exhaustive()
    }
}
