//! `requestState`: the answers of earlier input rounds, carried by the client between
//! retries. The client is untrusted, so the state is HMAC-SHA256 sealed and bound to the
//! request it belongs to (method, target, a digest of the arguments) and to an expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::extract::rejection::InvalidRequestState;

type HmacSha256 = Hmac<Sha256>;

/// The secret that seals `requestState`. Random per process unless configured, so
/// instances behind a load balancer must share one (`ServerBuilder::request_state_key`).
#[derive(Clone)]
pub(crate) struct StateKey(Vec<u8>);

impl StateKey {
    pub(crate) fn random() -> Self {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source is available");
        StateKey(key)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Self {
        StateKey(bytes.to_vec())
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(..)")
    }
}

/// What the sealed state binds and carries.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// Method, e.g. `tools/call`.
    m: String,
    /// Target: tool or prompt name, resource URI.
    t: String,
    /// SHA-256 of the canonical arguments, hex.
    d: String,
    /// Expiry, seconds since the epoch.
    e: u64,
    /// Random, so two states never repeat.
    n: String,
    /// Answers of earlier rounds, by input key.
    r: Map<String, Value>,
    /// The principal the state was sealed for (`Principal::owner_key`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<String>,
}

/// Identifies the request a state belongs to.
pub(crate) struct Binding<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) arguments: Option<&'a RawValue>,
    /// Who made the request (`Principal::owner_key`): a state sealed for one principal
    /// is refused for another.
    pub(crate) owner: Option<&'a str>,
}

impl Binding<'_> {
    /// Computed only when a state is sealed or opened, not on every call.
    fn args_digest(&self) -> String {
        // Raw arguments are valid JSON; only an over-deep value fails, as it did on input.
        let args = self
            .arguments
            .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok());
        digest(args.as_ref())
    }
}

pub(crate) fn seal(
    key: &StateKey,
    binding: &Binding<'_>,
    ttl: Duration,
    answers: Map<String, Value>,
) -> String {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).expect("the OS random source is available");
    let payload = Payload {
        m: binding.method.to_owned(),
        t: binding.target.to_owned(),
        d: binding.args_digest(),
        e: now_secs().saturating_add(ttl.as_secs().max(1)),
        n: B64.encode(nonce),
        r: answers,
        o: binding.owner.map(str::to_owned),
    };
    let body = B64.encode(serde_json::to_vec(&payload).expect("state serializes"));
    let mut mac = key.mac();
    mac.update(body.as_bytes());
    let tag = B64.encode(mac.finalize().into_bytes());
    format!("{body}.{tag}")
}

/// Verifies a state and returns the answers it carries.
pub(crate) fn open(
    key: &StateKey,
    binding: &Binding<'_>,
    state: &str,
) -> Result<Map<String, Value>, Error> {
    open_at(key, binding, state, now_secs())
}

fn open_at(
    key: &StateKey,
    binding: &Binding<'_>,
    state: &str,
    now: u64,
) -> Result<Map<String, Value>, Error> {
    let invalid = |reason: &'static str| Error::from(InvalidRequestState { reason });
    let (body, tag) = state.split_once('.').ok_or_else(|| invalid("malformed"))?;
    let tag = B64.decode(tag).map_err(|_| invalid("malformed"))?;
    let mut mac = key.mac();
    mac.update(body.as_bytes());
    mac.verify_slice(&tag)
        .map_err(|_| invalid("integrity check failed"))?;
    let bytes = B64.decode(body).map_err(|_| invalid("malformed"))?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| invalid("malformed"))?;
    if payload.e < now {
        return Err(invalid("expired; retry the request without it"));
    }
    if payload.o.as_deref() != binding.owner {
        return Err(invalid("it was sealed for another principal"));
    }
    if payload.m != binding.method
        || payload.t != binding.target
        || payload.d != binding.args_digest()
    {
        return Err(invalid("it belongs to a different request"));
    }
    Ok(payload.r)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// SHA-256 (hex) of the arguments in canonical form (sorted keys, no whitespace), so a
/// client that re-serializes them differently still matches.
pub(crate) fn digest(args: Option<&Value>) -> String {
    let mut canonical = Vec::new();
    match args {
        None | Some(Value::Null) => canonical.extend_from_slice(b"{}"),
        Some(v) => write_canonical(v, &mut canonical),
    }
    let hash = Sha256::digest(&canonical);
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).expect("strings serialize");
                out.push(b':');
                write_canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        other => serde_json::to_writer(&mut *out, other).expect("scalars serialize"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding() -> Binding<'static> {
        Binding {
            method: "tools/call",
            target: "greet",
            arguments: Some(Box::leak(
                RawValue::from_string(r#"{"b": 1, "a": [1, {"y": 2, "x": 1}]}"#.into()).unwrap(),
            )),
            owner: None,
        }
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let key = StateKey::random();
        let mut answers = Map::new();
        answers.insert("name".into(), json!({"action": "accept"}));
        let state = seal(&key, &binding(), Duration::from_secs(60), answers.clone());
        assert_eq!(open(&key, &binding(), &state).unwrap(), answers);
        let tampered = format!("{state}-TAMPERED");
        let err = open(&key, &binding(), &tampered).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidParams);
        assert!(err.message().starts_with("Invalid requestState: "));
        let other_key = StateKey::random();
        assert_eq!(
            open(&other_key, &binding(), &state).unwrap_err().message(),
            "Invalid requestState: integrity check failed"
        );
        let other = Binding {
            target: "other",
            ..binding()
        };
        assert_eq!(
            open(&key, &other, &state).unwrap_err().message(),
            "Invalid requestState: it belongs to a different request"
        );
    }

    #[test]
    fn states_are_bound_to_their_principal() {
        let key = StateKey::random();
        let alice = Binding {
            owner: Some("alice"),
            ..binding()
        };
        let state = seal(&key, &alice, Duration::from_secs(60), Map::new());
        assert!(open(&key, &alice, &state).is_ok());
        for other in [Some("bob"), None] {
            let b = Binding {
                owner: other,
                ..binding()
            };
            assert_eq!(
                open(&key, &b, &state).unwrap_err().message(),
                "Invalid requestState: it was sealed for another principal"
            );
        }
    }

    #[test]
    fn expired_states_are_rejected() {
        let key = StateKey::random();
        let state = seal(&key, &binding(), Duration::from_secs(60), Map::new());
        assert!(open_at(&key, &binding(), &state, now_secs() + 30).is_ok());
        assert_eq!(
            open_at(&key, &binding(), &state, now_secs() + 120)
                .unwrap_err()
                .message(),
            "Invalid requestState: expired; retry the request without it"
        );
    }

    #[test]
    fn digest_ignores_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"a": 1, "b": {"d": 2, "c": 3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"c":3,"d":2},"a":1}"#).unwrap();
        assert_eq!(digest(Some(&a)), digest(Some(&b)));
        assert_eq!(digest(None), digest(Some(&json!({}))));
        assert_ne!(digest(Some(&a)), digest(None));
    }
}
