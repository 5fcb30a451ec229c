//! The issuer's JSON Web Key Set: fetched over HTTP, cached, refreshed in the background
//! when old and refetched at once for an unknown `kid` (at most once per
//! `min_refetch`, one fetch at a time however many requests wait for it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::fetch::Fetcher;
use super::TokenError;

/// Keys beyond this many in one set are ignored.
const MAX_KEYS: usize = 64;

/// One verification key and the algorithms it may verify: from its `alg` when it has
/// one, else from its type and curve. Never an HMAC algorithm: a public key set has no
/// shared secrets, so `HS256` signed "with the public key" can never verify.
pub(super) struct Key {
    pub(super) kid: Option<String>,
    pub(super) decoding: DecodingKey,
    pub(super) algorithms: Vec<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    keys: Vec<Arc<Key>>,
    fetched: Option<Instant>,
    generation: u64,
}

/// What a lookup found.
pub(super) enum Lookup {
    Keys(Vec<Arc<Key>>),
    /// The `kid` is known but its key does not allow the token's algorithm.
    AlgorithmMismatch,
    None,
}

impl KeySet {
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Lookup {
        let mut named = false;
        let keys: Vec<Arc<Key>> = self
            .keys
            .iter()
            .filter(|k| match kid {
                Some(kid) => {
                    k.kid.as_deref() == Some(kid) && {
                        named = true;
                        true
                    }
                }
                None => true,
            })
            .filter(|k| k.algorithms.contains(&alg))
            .cloned()
            .collect();
        match (keys.is_empty(), named) {
            (false, _) => Lookup::Keys(keys),
            (true, true) => Lookup::AlgorithmMismatch,
            (true, false) => Lookup::None,
        }
    }
}

#[derive(Clone)]
pub(super) struct Jwks {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    fetcher: Fetcher,
    keys: ArcSwap<KeySet>,
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
    min_refetch: Duration,
    max_age: Duration,
}

impl Jwks {
    pub(super) fn new(
        url: String,
        fetcher: Fetcher,
        min_refetch: Duration,
        max_age: Duration,
    ) -> Jwks {
        Jwks {
            inner: Arc::new(Inner {
                url,
                fetcher,
                keys: ArcSwap::from_pointee(KeySet::default()),
                last_attempt: tokio::sync::Mutex::new(None),
                min_refetch,
                max_age,
            }),
        }
    }

    /// The keys that may have signed a token with this `kid` and `alg`.
    pub(super) async fn lookup(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Lookup, TokenError> {
        let set = self.inner.keys.load_full();
        let Some(fetched) = set.fetched else {
            self.refresh(set.generation, true).await?;
            return Ok(self.inner.keys.load().find(kid, alg));
        };
        match set.find(kid, alg) {
            Lookup::None => {
                // Rotation: the issuer may have published a new key since we fetched.
                let _ = self.refresh(set.generation, false).await;
                Ok(self.inner.keys.load().find(kid, alg))
            }
            found => {
                if fetched.elapsed() >= self.inner.max_age {
                    let this = self.clone();
                    tokio::spawn(async move {
                        let _ = this.refresh(set.generation, false).await;
                    });
                }
                Ok(found)
            }
        }
    }

    /// Fetches the set again unless another caller did since `seen` or the last attempt
    /// was less than `min_refetch` ago. Fails only when no keys are known at all.
    async fn refresh(&self, seen: u64, first: bool) -> Result<(), TokenError> {
        let mut last = self.inner.last_attempt.lock().await;
        let current = self.inner.keys.load_full();
        if current.generation != seen {
            return Ok(());
        }
        let unavailable = |why: &str| TokenError::Unavailable(format!("the issuer's keys ({why})"));
        if let Some(at) = *last {
            if at.elapsed() < self.inner.min_refetch {
                return if current.fetched.is_none() {
                    Err(unavailable("fetching them failed recently"))
                } else {
                    Ok(())
                };
            }
        }
        *last = Some(Instant::now());
        match self
            .inner
            .fetcher
            .get_json(&self.inner.url)
            .await
            .and_then(parse)
        {
            Ok(keys) => {
                tracing::debug!(url = %self.inner.url, keys = keys.len(), first, "JWKS fetched");
                self.inner.keys.store(Arc::new(KeySet {
                    keys,
                    fetched: Some(Instant::now()),
                    generation: current.generation + 1,
                }));
                Ok(())
            }
            Err(why) => {
                tracing::warn!(url = %self.inner.url, %why, "fetching the JWKS failed");
                if current.fetched.is_none() {
                    Err(unavailable(&why))
                } else {
                    Ok(())
                }
            }
        }
    }
}

fn parse(doc: Value) -> Result<Vec<Arc<Key>>, String> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("not a JWK set (no `keys` array)")?;
    let mut out = Vec::new();
    for k in keys.iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(k.clone()) else {
            tracing::debug!("ignoring a JWK that does not parse");
            continue;
        };
        let Some(algorithms) = algorithms(&jwk) else {
            continue;
        };
        match DecodingKey::from_jwk(&jwk) {
            Ok(decoding) => out.push(Arc::new(Key {
                kid: jwk.common.key_id.clone(),
                decoding,
                algorithms,
            })),
            Err(e) => tracing::debug!(error = %e, "ignoring an unusable JWK"),
        }
    }
    Ok(out)
}

/// The algorithms a key may verify, or `None` for keys not meant for signatures.
fn algorithms(jwk: &Jwk) -> Option<Vec<Algorithm>> {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let family: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => &[Algorithm::EdDSA],
            _ => return None,
        },
        // Symmetric (`oct`) keys are never accepted from a key set.
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(family.to_vec()),
        // An HMAC `alg` is never in a public key family, so it is refused here too.
        Some(ka) => {
            let alg = Algorithm::try_from(ka).ok()?;
            family.contains(&alg).then(|| vec![alg])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn algorithms_come_from_the_key() {
        let rsa = json!({"kty": "RSA", "kid": "r", "n": "sXch", "e": "AQAB"});
        let rsa_alg = json!({"kty": "RSA", "n": "sXch", "e": "AQAB", "alg": "RS256"});
        let mismatched = json!({"kty": "RSA", "n": "sXch", "e": "AQAB", "alg": "ES256"});
        let enc = json!({"kty": "RSA", "n": "sXch", "e": "AQAB", "use": "enc"});
        let oct = json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"});
        let ec = json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"});
        let get = |v: Value| algorithms(&serde_json::from_value(v).unwrap());
        assert_eq!(get(rsa).unwrap().len(), 6);
        assert_eq!(get(rsa_alg).unwrap(), [Algorithm::RS256]);
        assert!(get(mismatched).is_none());
        assert!(get(enc).is_none());
        assert!(get(oct).is_none());
        assert_eq!(get(ec).unwrap(), [Algorithm::ES256]);
    }
}
