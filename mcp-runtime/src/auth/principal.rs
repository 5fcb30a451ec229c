//! [`Principal`]: who a request acts for, as its access token says.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::scopes::{ScopeHierarchy, Scopes};
use crate::error::Error;
use crate::extract::{Context, FromContext};

/// The authenticated caller of a request: the subject and client its access token was
/// issued to, the scopes it grants and its claims. Cheap to clone.
///
/// Take it as a handler parameter (an extractor, never part of the input schema):
///
/// ```
/// use mcp_runtime::{auth::Principal, Error};
///
/// /// Who am I?
/// async fn whoami(who: Principal) -> Result<String, Error> {
///     who.require(["profile"])?; // 403 insufficient_scope unless granted (or implied)
///     Ok(format!("{} via {}", who.subject(), who.client_id().unwrap_or("?")))
/// }
/// ```
///
/// `Option<Principal>` is `None` for anonymous requests (`Auth::allow_anonymous`) and on
/// transports without authorization (stdio, in-memory: credentials come from the
/// environment there); a plain `Principal` parameter then fails the call with
/// `-32010` (HTTP 401 with a challenge when the endpoint has `Auth`).
#[derive(Clone)]
pub struct Principal {
    inner: Arc<Inner>,
}

struct Inner {
    subject: String,
    client_id: Option<String>,
    issuer: Option<String>,
    audiences: Vec<String>,
    /// As issued.
    scopes: Vec<String>,
    /// Issued plus implied (`scope_implies`), sorted.
    effective: Vec<Box<str>>,
    expires_at: Option<SystemTime>,
    claims: Map<String, Value>,
    owner: String,
}

impl Principal {
    /// Starts a principal for `subject`, for custom [`TokenVerifier`]s.
    ///
    /// [`TokenVerifier`]: crate::auth::TokenVerifier
    pub fn builder(subject: impl Into<String>) -> PrincipalBuilder {
        PrincipalBuilder {
            subject: subject.into(),
            client_id: None,
            issuer: None,
            audiences: Vec::new(),
            scopes: Vec::new(),
            expires_at: None,
            claims: Map::new(),
        }
    }

    /// `sub`: whom the token was issued for (for client-credentials tokens without one,
    /// the client id).
    pub fn subject(&self) -> &str {
        &self.inner.subject
    }

    /// `client_id` (or `azp`): the OAuth client that obtained the token.
    pub fn client_id(&self) -> Option<&str> {
        self.inner.client_id.as_deref()
    }

    /// `iss`: the authorization server that issued the token.
    pub fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    /// `aud`: the audiences the token is valid for (this server's canonical URI among them).
    pub fn audiences(&self) -> &[String] {
        &self.inner.audiences
    }

    /// The scopes the token grants, as issued (implied scopes not added).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// When the token expires, if it says.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.inner.expires_at
    }

    /// True when the token grants `scope`, directly or through `scope_implies`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner
            .effective
            .binary_search_by(|s| (**s).cmp(scope))
            .is_ok()
    }

    /// Succeeds when the token grants every scope in `scopes`; otherwise the error is an
    /// `insufficient_scope` rejection naming all of them (HTTP 403 with a step-up
    /// challenge when the response has not started streaming yet).
    pub fn require<I, S>(&self, scopes: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let needed: Vec<S> = scopes.into_iter().collect();
        if needed.iter().all(|s| self.has_scope(s.as_ref())) {
            Ok(())
        } else {
            Err(Error::insufficient_scope(needed.iter().map(AsRef::as_ref)))
        }
    }

    /// Every claim of the token (for JWTs the payload, for introspection the response).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.inner.claims
    }

    /// One claim as `T`; `None` when absent or of another shape.
    pub fn claim<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        self.inner
            .claims
            .get(name)
            .and_then(|v| T::deserialize(v).ok())
    }

    /// All claims as your own type, e.g. a struct with the custom claims you use.
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&Value::Object(self.inner.claims.clone()))
            .map_err(|e| Error::internal(format!("the token's claims do not fit: {e}")))
    }

    /// A stable key for what this principal owns (sessions, tasks, sealed request state):
    /// the same for every token of one subject at one issuer, different otherwise.
    /// 64 hex characters (a SHA-256 of issuer and subject), safe in store keys and logs.
    pub fn owner_key(&self) -> &str {
        &self.inner.owner
    }

    pub(crate) fn has_all(&self, scopes: &Scopes) -> bool {
        scopes.iter().all(|s| self.has_scope(s))
    }

    /// The same principal with its effective scopes expanded through `hierarchy`.
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(crate) fn with_hierarchy(self, hierarchy: &ScopeHierarchy) -> Principal {
        let effective = hierarchy.expand(self.inner.scopes.iter().map(String::as_str));
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            subject: shared.subject.clone(),
            client_id: shared.client_id.clone(),
            issuer: shared.issuer.clone(),
            audiences: shared.audiences.clone(),
            scopes: shared.scopes.clone(),
            effective: Vec::new(),
            expires_at: shared.expires_at,
            claims: shared.claims.clone(),
            owner: shared.owner.clone(),
        });
        Principal {
            inner: Arc::new(Inner { effective, ..inner }),
        }
    }
}

impl fmt::Debug for Principal {
    /// Identity and scopes only: claims may hold personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.inner.subject)
            .field("client_id", &self.inner.client_id)
            .field("issuer", &self.inner.issuer)
            .field("scopes", &self.inner.scopes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Principal`]; see [`Principal::builder`].
#[derive(Debug)]
#[must_use]
pub struct PrincipalBuilder {
    subject: String,
    client_id: Option<String>,
    issuer: Option<String>,
    audiences: Vec<String>,
    scopes: Vec<String>,
    expires_at: Option<SystemTime>,
    claims: Map<String, Value>,
}

impl PrincipalBuilder {
    /// The OAuth client.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The issuer.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Adds an audience. The endpoint accepts a principal only when one of its audiences
    /// is the server's canonical URI (or another audience `Auth` accepts).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Adds granted scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// When the token expires (verified tokens are cached until then, never longer).
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The token's claims.
    pub fn claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = claims;
        self
    }

    /// The principal (its scopes not yet expanded by any hierarchy).
    pub fn build(self) -> Principal {
        let owner = owner_key(self.issuer.as_deref().unwrap_or(""), &self.subject);
        let mut effective: Vec<Box<str>> = self.scopes.iter().map(|s| s.as_str().into()).collect();
        effective.sort();
        effective.dedup();
        Principal {
            inner: Arc::new(Inner {
                subject: self.subject,
                client_id: self.client_id,
                issuer: self.issuer,
                audiences: self.audiences,
                scopes: self.scopes,
                effective,
                expires_at: self.expires_at,
                claims: self.claims,
                owner,
            }),
        }
    }
}

fn owner_key(issuer: &str, subject: &str) -> String {
    let mut h = Sha256::new();
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    h.update((issuer.len() as u64).to_be_bytes());
    h.update(issuer.as_bytes());
    h.update(subject.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a transport's authorization established for one request, handed to the
/// dispatcher in [`RequestEnv::auth`](crate::dispatch::RequestEnv::auth).
#[derive(Clone, Debug, Default)]
pub struct AuthContext {
    pub(crate) principal: Option<Principal>,
    pub(crate) hide_unpermitted: bool,
}

impl AuthContext {
    /// A request made by `principal` (`None`: anonymous, where the endpoint allows it).
    pub fn new(principal: Option<Principal>) -> Self {
        AuthContext {
            principal,
            hide_unpermitted: false,
        }
    }

    /// Leave tools, resources and prompts whose scopes the caller lacks out of lists.
    pub fn hide_unpermitted(mut self, hide: bool) -> Self {
        self.hide_unpermitted = hide;
        self
    }

    /// The caller, if authenticated.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// Whether the caller may use an operation needing `scopes`.
    pub(crate) fn permits(&self, scopes: &Scopes) -> bool {
        scopes.is_empty() || self.principal.as_ref().is_some_and(|p| p.has_all(scopes))
    }

    /// Whether lists should leave out an item needing `scopes`.
    pub(crate) fn hides(&self, scopes: &Scopes) -> bool {
        self.hide_unpermitted && !self.permits(scopes)
    }
}

impl FromContext for Principal {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        match &ctx.scope.auth {
            Some(auth) => auth.principal.clone().ok_or_else(|| {
                Error::unauthorized("Unauthorized: this operation needs an access token")
            }),
            None => Err(Error::unauthorized(
                "Unauthorized: this operation needs an authenticated principal, and this transport has no authorization (stdio and in-memory transports take credentials from the environment; serve over HTTP with `Auth`)",
            )),
        }
    }
}

impl FromContext for Option<Principal> {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        Ok(ctx.principal().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_hierarchy_and_require() {
        let mut h = ScopeHierarchy::default();
        h.implies("notes", ["notes:read", "notes:write", "notes:delete"]);
        let p = Principal::builder("alice")
            .issuer("https://idp")
            .scopes(["notes"])
            .build();
        assert!(!p.has_scope("notes:read"));
        let p = p.with_hierarchy(&h);
        assert!(p.has_scope("notes:read") && p.has_scope("notes:delete"));
        assert!(p.require(["notes:write", "notes:delete"]).is_ok());
        let e = p.require(["notes:write", "admin"]).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InsufficientScope);
        assert_eq!(e.data().unwrap()["scope"], "admin notes:write");
        assert_eq!(p.scopes(), ["notes"]);
    }

    #[test]
    fn owner_keys_separate_issuer_and_subject() {
        let a = Principal::builder("bc").issuer("a").build();
        let b = Principal::builder("c").issuer("ab").build();
        let a2 = Principal::builder("bc").issuer("a").scopes(["x"]).build();
        assert_ne!(a.owner_key(), b.owner_key());
        assert_eq!(a.owner_key(), a2.owner_key());
        assert_eq!(a.owner_key().len(), 64);
    }

    #[test]
    fn typed_claims() {
        #[derive(serde::Deserialize)]
        struct Custom {
            tenant: String,
        }
        let mut claims = Map::new();
        claims.insert("tenant".into(), Value::from("acme"));
        claims.insert("level".into(), Value::from(3));
        let p = Principal::builder("bob").claims(claims).build();
        assert_eq!(p.claim::<u32>("level"), Some(3));
        assert_eq!(p.claim::<String>("level"), None);
        assert_eq!(p.claims_as::<Custom>().unwrap().tenant, "acme");
    }
}
