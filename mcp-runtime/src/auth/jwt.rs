//! [`JwtVerifier`]: signed JWT access tokens (RFC 9068) checked against the issuer's JWKS.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::fetch::Fetcher;
use super::jwks::{Jwks, Lookup};
use super::verifier::principal_from_claims;
use super::{Principal, TokenError, TokenVerifier};

/// Verifies JWT access tokens: the signature with the issuer's published keys (RS256/384/
/// 512, PS256/384/512, ES256, ES384, EdDSA; the algorithms each key allows come from the
/// key, never from the token, so `alg: none` and HMAC-with-the-public-key are refused),
/// `exp` (required), `nbf`, and `iss` (required, exact match). The endpoint adds the
/// audience check.
///
/// Usually configured through [`Auth::jwt`](super::Auth::jwt); build one directly to
/// combine it with your own verifier.
pub struct JwtVerifier {
    issuer: String,
    jwks: Jwks,
    leeway: Duration,
}

/// Defaults: see the setters.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(30);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);
const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

impl JwtVerifier {
    /// Tokens from `issuer` (the exact `iss` value), keys from `jwks_url`.
    pub fn new(issuer: impl Into<String>, jwks_url: impl Into<String>) -> JwtVerifier {
        Self::with_options(
            issuer.into(),
            jwks_url.into(),
            DEFAULT_TIMEOUT,
            DEFAULT_MIN_REFETCH,
            DEFAULT_MAX_AGE,
            DEFAULT_LEEWAY,
        )
    }

    pub(super) fn with_options(
        issuer: String,
        jwks_url: String,
        timeout: Duration,
        min_refetch: Duration,
        max_age: Duration,
        leeway: Duration,
    ) -> JwtVerifier {
        let fetcher = Fetcher::new(timeout).expect("the TLS backend initializes");
        JwtVerifier {
            issuer,
            jwks: Jwks::new(jwks_url, fetcher, min_refetch, max_age),
            leeway,
        }
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.algorithms = vec![alg];
        v.set_issuer(&[&self.issuer]);
        v.set_required_spec_claims(&["exp", "iss"]);
        v.validate_nbf = true;
        // One audience rule for every verifier: the endpoint checks it.
        v.validate_aud = false;
        v.leeway = self.leeway.as_secs();
        v
    }
}

impl TokenVerifier for JwtVerifier {
    async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            JwtErrorKind::InvalidAlgorithmName | JwtErrorKind::UnsupportedAlgorithm => {
                TokenError::Malformed("unsupported `alg`")
            }
            _ if names_an_alg(token) => TokenError::Malformed("unsupported `alg`"),
            _ => TokenError::Malformed("not a JWT"),
        })?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            // The issuer's keys are public: a shared-secret signature can never be its.
            return Err(TokenError::BadSignature);
        }
        let keys = match self.jwks.lookup(header.kid.as_deref(), header.alg).await? {
            Lookup::Keys(keys) => keys,
            Lookup::AlgorithmMismatch => return Err(TokenError::BadSignature),
            Lookup::None => return Err(TokenError::UnknownKey),
        };
        let validation = self.validation(header.alg);
        let mut last = TokenError::BadSignature;
        for key in keys {
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &validation) {
                Ok(data) => return principal_from_claims(data.claims),
                Err(e) => {
                    last = map_error(e.kind());
                    if last != TokenError::BadSignature {
                        break;
                    }
                }
            }
        }
        Err(last)
    }
}

/// Whether a header jsonwebtoken refused still has an `alg` string (`none`, say): then
/// the algorithm is what is wrong, not the token's shape.
fn names_an_alg(token: &str) -> bool {
    use base64::Engine;
    let header = token.split('.').next().unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .is_some_and(|h| h.get("alg").is_some_and(Value::is_string))
}

fn map_error(kind: &JwtErrorKind) -> TokenError {
    match kind {
        JwtErrorKind::InvalidSignature | JwtErrorKind::InvalidAlgorithm => TokenError::BadSignature,
        JwtErrorKind::ExpiredSignature => TokenError::Expired,
        JwtErrorKind::ImmatureSignature => TokenError::NotYetValid,
        JwtErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        JwtErrorKind::InvalidAudience => TokenError::WrongAudience,
        JwtErrorKind::MissingRequiredClaim(c) if c == "exp" => {
            TokenError::Malformed("`exp` is missing or not a number")
        }
        JwtErrorKind::MissingRequiredClaim(_) => {
            TokenError::Malformed("`iss` is missing or not a string")
        }
        JwtErrorKind::InvalidClaimFormat(_) => TokenError::Malformed("a claim has the wrong type"),
        _ => TokenError::Malformed("not a valid JWT"),
    }
}
