//! [`IntrospectionVerifier`]: opaque (or any) tokens checked by asking the authorization
//! server (RFC 7662).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::fetch::Fetcher;
use super::verifier::principal_from_claims;
use super::{Principal, TokenError, TokenVerifier};

/// Verifies tokens with RFC 7662 token introspection: POSTs the token to the
/// authorization server's introspection endpoint, authenticated as this resource server
/// with client credentials (`client_secret_basic`). `active: false` is a 401; an
/// unreachable endpoint a 503. The endpoint caches each answer until the token's `exp`
/// (bounded; see [`Auth::cache_capacity`](super::Auth::cache_capacity) and
/// [`Auth::cache_ttl`](super::Auth::cache_ttl)), so the authorization server sees one
/// request per token, not per call.
pub struct IntrospectionVerifier {
    endpoint: String,
    client_id: String,
    client_secret: String,
    issuer: Option<String>,
    fetcher: Fetcher,
}

impl IntrospectionVerifier {
    /// Introspects at `endpoint` as the client `client_id` / `client_secret`.
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> IntrospectionVerifier {
        IntrospectionVerifier {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            issuer: None,
            fetcher: Fetcher::new(Duration::from_secs(10)).expect("the TLS backend initializes"),
        }
    }

    /// Refuses answers whose `iss` is present and is not `issuer`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Timeout of each introspection request (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.fetcher = Fetcher::new(timeout).expect("the TLS backend initializes");
        self
    }
}

impl fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionVerifier")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"..")
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl TokenVerifier for IntrospectionVerifier {
    async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let answer = self
            .fetcher
            .post_form(
                &self.endpoint,
                &[("token", token), ("token_type_hint", "access_token")],
                Some((&self.client_id, &self.client_secret)),
            )
            .await
            .map_err(|why| TokenError::Unavailable(format!("token introspection: {why}")))?;
        let Value::Object(claims) = answer else {
            return Err(TokenError::Unavailable(
                "token introspection: the answer is not an object".into(),
            ));
        };
        if claims.get("active") != Some(&Value::Bool(true)) {
            return Err(TokenError::Inactive);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let time = |name: &str| claims.get(name).and_then(Value::as_f64);
        if time("exp").is_some_and(|exp| exp <= now) {
            return Err(TokenError::Expired);
        }
        if time("nbf").is_some_and(|nbf| nbf > now) {
            return Err(TokenError::NotYetValid);
        }
        if let (Some(want), Some(iss)) = (&self.issuer, claims.get("iss")) {
            if iss.as_str() != Some(want.as_str()) {
                return Err(TokenError::WrongIssuer);
            }
        }
        principal_from_claims(claims)
    }
}
