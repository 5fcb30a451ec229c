//! [`TokenVerifier`]: turns an access token into a [`Principal`], or says why not.

use std::fmt;
use std::future::Future;

use super::Principal;
use crate::tool::BoxFuture;

/// Checks access tokens. Two implementations ship: [`JwtVerifier`] (signed JWTs against
/// the issuer's JWKS) and [`IntrospectionVerifier`] (RFC 7662); plug in your own with
/// [`Auth::verifier`].
///
/// A verifier checks the token itself (signature or the authorization server's word,
/// expiry, issuer). The endpoint then checks, for every verifier alike, that the
/// principal's audiences include the server's canonical URI, caches the result until
/// the token expires, and applies scopes.
///
/// ```
/// use mcp_runtime::auth::{Principal, TokenError, TokenVerifier};
///
/// /// Accepts one static token (for a demo; never do this in production).
/// struct Static;
///
/// impl TokenVerifier for Static {
///     async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
///         if token == "let-me-in" {
///             Ok(Principal::builder("demo")
///                 .audience("http://127.0.0.1:8080/mcp")
///                 .scopes(["notes:read"])
///                 .build())
///         } else {
///             Err(TokenError::Invalid("unknown token".into()))
///         }
///     }
/// }
/// ```
///
/// [`JwtVerifier`]: super::JwtVerifier
/// [`IntrospectionVerifier`]: super::IntrospectionVerifier
/// [`Auth::verifier`]: super::Auth::verifier
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verifies `token` (never log it, never put it in the error).
    fn verify(&self, token: &str) -> impl Future<Output = Result<Principal, TokenError>> + Send;
}

/// The object-safe form the endpoint stores.
pub(crate) trait DynVerifier: Send + Sync + 'static {
    fn verify_dyn<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, TokenError>>;
}

impl<T: TokenVerifier> DynVerifier for T {
    fn verify_dyn<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, TokenError>> {
        Box::pin(self.verify(token))
    }
}

/// Why a token was refused. The `Display` text is the `error_description` of the
/// challenge: it names the rule, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a token this verifier can read (e.g. not a JWT, an unsupported algorithm).
    Malformed(&'static str),
    /// `exp` is in the past.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// The signature does not verify, or the algorithm does not fit the key.
    BadSignature,
    /// No key of the issuer's key set fits the token (unknown `kid`).
    UnknownKey,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not include this server's canonical URI.
    WrongAudience,
    /// The authorization server says the token is not active (introspection).
    Inactive,
    /// Any other reason (custom verifiers).
    Invalid(String),
    /// The token could not be checked now (the issuer's keys or the introspection
    /// endpoint are unreachable): 503, not 401, so the client does not re-authorize.
    Unavailable(String),
}

impl TokenError {
    /// Whether the client's token is at fault (401) rather than the server (503).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, TokenError::Unavailable(_))
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed(why) => write!(f, "The access token is malformed: {why}"),
            TokenError::Expired => f.write_str("The access token expired"),
            TokenError::NotYetValid => f.write_str("The access token is not valid yet"),
            TokenError::BadSignature => f.write_str("The access token signature is invalid"),
            TokenError::UnknownKey => {
                f.write_str("The access token is signed with a key the issuer does not publish")
            }
            TokenError::WrongIssuer => {
                f.write_str("The access token was issued by another authorization server")
            }
            TokenError::WrongAudience => {
                f.write_str("The access token was not issued for this server (audience)")
            }
            TokenError::Inactive => f.write_str("The access token is not active"),
            TokenError::Invalid(why) => write!(f, "The access token is invalid: {why}"),
            TokenError::Unavailable(why) => {
                write!(f, "The access token cannot be checked now: {why}")
            }
        }
    }
}

impl std::error::Error for TokenError {}

/// A principal from standard claims, shared by the JWT (RFC 9068) and introspection
/// (RFC 7662) verifiers: `sub` (else `client_id`, `azp`, `username`), `client_id` or
/// `azp`, `iss`, `aud` (string or array), `scope` (space-separated) or `scp` (array or
/// string), `exp`. Every claim stays available as [`Principal::claims`].
pub(super) fn principal_from_claims(
    claims: serde_json::Map<String, serde_json::Value>,
) -> Result<Principal, TokenError> {
    use serde_json::Value;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let client_id = text("client_id").or_else(|| text("azp"));
    let subject = text("sub")
        .or_else(|| client_id.clone())
        .or_else(|| text("username"))
        .filter(|s| !s.is_empty())
        .ok_or(TokenError::Malformed("the token names no subject (`sub`)"))?;
    let mut builder = Principal::builder(subject);
    if let Some(c) = client_id {
        builder = builder.client_id(c);
    }
    if let Some(iss) = text("iss") {
        builder = builder.issuer(iss);
    }
    match claims.get("aud") {
        None | Some(Value::Null) => {}
        Some(Value::String(a)) => builder = builder.audience(a.clone()),
        Some(Value::Array(items)) => {
            for a in items {
                let a = a
                    .as_str()
                    .ok_or(TokenError::Malformed("`aud` must hold strings"))?;
                builder = builder.audience(a);
            }
        }
        Some(_) => return Err(TokenError::Malformed("`aud` must be a string or an array")),
    }
    let scopes: Vec<String> = match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => {
            s.split_whitespace().map(str::to_owned).collect()
        }
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or(TokenError::Malformed("`scp` must hold strings"))?,
        (None, None) | (Some(Value::Null), _) => Vec::new(),
        _ => {
            return Err(TokenError::Malformed(
                "`scope` must be a space-separated string",
            ))
        }
    };
    builder = builder.scopes(scopes);
    match claims.get("exp") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let secs = v
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or(TokenError::Malformed("`exp` must be a number"))?;
            let at = std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::from_secs_f64(secs.min(1e12)))
                .ok_or(TokenError::Malformed("`exp` is out of range"))?;
            builder = builder.expires_at(at);
        }
    }
    Ok(builder.claims(claims).build())
}
