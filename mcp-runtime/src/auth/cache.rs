//! Verified tokens, cached until they expire: a bounded concurrent cache keyed by the
//! token's SHA-256 (the token itself is never stored).

use std::time::{Duration, SystemTime};

use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use super::Principal;

pub(super) type Key = [u8; 32];

#[derive(Clone)]
struct Entry {
    principal: Principal,
    until: SystemTime,
}

pub(super) struct TokenCache {
    cache: Cache<Key, Entry>,
    max_ttl: Option<Duration>,
}

/// Without `exp` (introspection may omit it) a result is kept this long at most.
const NO_EXPIRY_TTL: Duration = Duration::from_secs(60);

impl TokenCache {
    pub(super) fn new(capacity: usize, max_ttl: Option<Duration>) -> TokenCache {
        TokenCache {
            cache: Cache::new(capacity.max(1)),
            max_ttl,
        }
    }

    pub(super) fn key(token: &str) -> Key {
        Sha256::digest(token.as_bytes()).into()
    }

    /// The principal of a token verified before, while it has not expired.
    pub(super) fn get(&self, key: &Key, now: SystemTime) -> Option<Principal> {
        let entry = self.cache.get(key)?;
        if entry.until > now {
            Some(entry.principal)
        } else {
            self.cache.remove(key);
            None
        }
    }

    pub(super) fn insert(&self, key: Key, principal: Principal, now: SystemTime) {
        let mut until = principal.expires_at().unwrap_or(now + NO_EXPIRY_TTL);
        if let Some(max) = self.max_ttl {
            until = until.min(now + max);
        }
        if until > now {
            self.cache.insert(key, Entry { principal, until });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_their_token_and_the_cache_is_bounded() {
        let now = SystemTime::now();
        let cache = TokenCache::new(2, None);
        let p = |exp: u64| {
            Principal::builder("a")
                .expires_at(now + Duration::from_secs(exp))
                .build()
        };
        let k1 = TokenCache::key("t1");
        cache.insert(k1, p(10), now);
        assert!(cache.get(&k1, now).is_some());
        assert!(cache.get(&k1, now + Duration::from_secs(11)).is_none());
        for i in 0..100 {
            cache.insert(TokenCache::key(&format!("t{i}")), p(100), now);
        }
        assert!(cache.cache.len() <= 2);
        let capped = TokenCache::new(4, Some(Duration::from_secs(5)));
        capped.insert(k1, p(100), now);
        assert!(capped.get(&k1, now + Duration::from_secs(6)).is_none());
    }
}
