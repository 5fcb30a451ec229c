//! Who may start a request now: the server's request slots, split so session-era load
//! cannot take the share reserved for 2026-07-28 requests, and a cap per principal
//! (per session lives with the session). All checks are `try_`: a request over a limit
//! is refused at once, never queued.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::config::HttpConfig;
use crate::protocol::Era;

/// Whose share of the server a request counts against, beyond the server as a whole.
///
/// With `HttpConfig::auth`, each authenticated principal is a key of its own (the one
/// its sessions belong to). Without it, or to group callers differently (per API key,
/// per tenant), a layer in front of the service inserts a key into the request's
/// extensions, which takes precedence. Requests with the same key share
/// [`HttpConfig::max_requests_per_principal`] slots, across their sessions and both
/// eras. The key is opaque: the service only compares it.
///
/// ```
/// use mcp_runtime::transport::http::FairnessKey;
///
/// let mut req = http::Request::new(());
/// req.extensions_mut().insert(FairnessKey::new("user-42"));
/// assert_eq!(req.extensions().get::<FairnessKey>().unwrap().as_str(), "user-42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FairnessKey(Arc<str>);

impl FairnessKey {
    /// A key for `principal` (a subject, client id, API-key id…).
    pub fn new(principal: impl Into<Arc<str>>) -> Self {
        FairnessKey(principal.into())
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a request may not start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Every slot the request's era may use is taken (503).
    Server,
    /// Its principal is at its cap (429).
    Principal(usize),
}

/// Independent shards of the per-principal counts, so principals rarely share a lock.
const SHARDS: usize = 16;

/// The request slots of one service.
pub(super) struct Admission {
    /// Slots either era may use.
    shared: Arc<Semaphore>,
    /// Slots only 2026-07-28 requests may use.
    reserved: Arc<Semaphore>,
    shared_total: u32,
    reserved_total: u32,
    per_principal: usize,
    principals: Arc<Principals>,
}

struct Principals {
    hasher: std::collections::hash_map::RandomState,
    shards: [Mutex<HashMap<FairnessKey, usize>>; SHARDS],
}

impl Principals {
    fn shard(&self, key: &FairnessKey) -> &Mutex<HashMap<FairnessKey, usize>> {
        &self.shards[self.hasher.hash_one(key) as usize % SHARDS]
    }
}

/// Held while a request runs; releases its slots when dropped.
pub(super) struct Ticket {
    _permit: OwnedSemaphorePermit,
    _principal: Option<PrincipalSlot>,
}

struct PrincipalSlot {
    principals: Arc<Principals>,
    key: FairnessKey,
}

impl Drop for PrincipalSlot {
    fn drop(&mut self) {
        let mut counts = self
            .principals
            .shard(&self.key)
            .lock()
            .expect("principals lock");
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

impl Admission {
    pub(super) fn new(config: &HttpConfig) -> Self {
        let max = Semaphore::MAX_PERMITS.min(u32::MAX as usize);
        let total = config.max_concurrent_requests.clamp(1, max);
        // At least one slot stays usable by the session era.
        let reserved = config.reserved_sessionless_requests.min(total - 1);
        let shared = total - reserved;
        Admission {
            shared: Arc::new(Semaphore::new(shared)),
            reserved: Arc::new(Semaphore::new(reserved)),
            shared_total: shared as u32,
            reserved_total: reserved as u32,
            per_principal: config.max_requests_per_principal.max(1),
            principals: Arc::new(Principals {
                hasher: Default::default(),
                shards: Default::default(),
            }),
        }
    }

    /// A slot for one request of `era`, counted against `principal` when there is one.
    pub(super) fn admit(
        &self,
        era: Era,
        principal: Option<&FairnessKey>,
    ) -> Result<Ticket, Refusal> {
        let principal = match principal {
            Some(key) => Some(self.principal_slot(key)?),
            None => None,
        };
        // A 2026 request takes from its reserve first, leaving shared slots to the
        // session era for as long as possible.
        let permit = match era {
            Era::Sessionless => self
                .reserved
                .clone()
                .try_acquire_owned()
                .or_else(|_| self.shared.clone().try_acquire_owned()),
            Era::Session => self.shared.clone().try_acquire_owned(),
        };
        Ok(Ticket {
            _permit: permit.map_err(|_| Refusal::Server)?,
            _principal: principal,
        })
    }

    fn principal_slot(&self, key: &FairnessKey) -> Result<PrincipalSlot, Refusal> {
        let mut counts = self.principals.shard(key).lock().expect("principals lock");
        let n = counts.entry(key.clone()).or_default();
        if *n >= self.per_principal {
            return Err(Refusal::Principal(self.per_principal));
        }
        *n += 1;
        Ok(PrincipalSlot {
            principals: self.principals.clone(),
            key: key.clone(),
        })
    }

    /// Waits until every request slot is free (graceful shutdown), keeping them taken.
    pub(super) async fn drain(&self) {
        let shared = self.shared.acquire_many(self.shared_total);
        let reserved = self.reserved.acquire_many(self.reserved_total);
        if let (Ok(a), Ok(b)) = tokio::join!(shared, reserved) {
            a.forget();
            b.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(total: usize, reserved: usize, per_principal: usize) -> Admission {
        Admission::new(&HttpConfig::default().configure(|c| {
            c.max_concurrent_requests = total;
            c.reserved_sessionless_requests = reserved;
            c.max_requests_per_principal = per_principal;
        }))
    }

    #[test]
    fn the_session_era_never_takes_the_reserve() {
        let a = admission(4, 2, 100);
        let s1 = a.admit(Era::Session, None).unwrap();
        let _s2 = a.admit(Era::Session, None).unwrap();
        assert_eq!(a.admit(Era::Session, None).err(), Some(Refusal::Server));
        let _m1 = a.admit(Era::Sessionless, None).unwrap();
        let _m2 = a.admit(Era::Sessionless, None).unwrap();
        assert_eq!(a.admit(Era::Sessionless, None).err(), Some(Refusal::Server));
        drop(s1);
        // A freed shared slot serves either era.
        let _m3 = a.admit(Era::Sessionless, None).unwrap();
    }

    #[test]
    fn a_reserve_as_large_as_the_total_still_leaves_the_session_era_one_slot() {
        let a = admission(2, 10, 100);
        let _s = a.admit(Era::Session, None).unwrap();
        assert_eq!(a.admit(Era::Session, None).err(), Some(Refusal::Server));
        let _m = a.admit(Era::Sessionless, None).unwrap();
    }

    #[test]
    fn principals_are_capped_separately_and_released() {
        let a = admission(100, 0, 2);
        let (alice, bob) = (FairnessKey::new("alice"), FairnessKey::new("bob"));
        let t1 = a.admit(Era::Sessionless, Some(&alice)).unwrap();
        let _t2 = a.admit(Era::Session, Some(&alice)).unwrap();
        assert_eq!(
            a.admit(Era::Sessionless, Some(&alice)).err(),
            Some(Refusal::Principal(2))
        );
        let _b = a.admit(Era::Sessionless, Some(&bob)).unwrap();
        drop(t1);
        let _t3 = a.admit(Era::Sessionless, Some(&alice)).unwrap();
    }

    #[test]
    fn a_refused_request_holds_no_principal_slot() {
        let a = admission(1, 0, 5);
        let key = FairnessKey::new("k");
        let _t = a.admit(Era::Session, Some(&key)).unwrap();
        for _ in 0..10 {
            assert_eq!(
                a.admit(Era::Session, Some(&key)).err(),
                Some(Refusal::Server)
            );
        }
        let shard = a.principals.shard(&key).lock().unwrap();
        assert_eq!(shard.get(&key), Some(&1));
    }
}
