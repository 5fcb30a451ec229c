//! `_meta` keys and the per-request metadata of the 2026-07-28 era.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::types::{Implementation, LoggingLevel, ProgressToken};

/// `_meta` key carrying the request's protocol version.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key carrying the client's capabilities.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key carrying the client's identity.
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key carrying the minimum log level for this request.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key carrying the server's identity on results.
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key correlating a notification with its `subscriptions/listen` request.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The per-request keys of the 2026-07-28 era: a request whose `_meta` carries any of
/// them (not `null`) is a 2026 request (`dispatch::classify`).
pub(crate) const PER_REQUEST: [&str; 4] = [
    PROTOCOL_VERSION,
    CLIENT_CAPABILITIES,
    CLIENT_INFO,
    LOG_LEVEL,
];

/// The `_meta` object of an incoming request, with the keys the runtime interprets.
#[derive(Debug, Default, Clone)]
pub struct RequestMeta {
    /// Progress token (both eras).
    pub progress_token: Option<ProgressToken>,
    /// Protocol version (2026-07-28).
    pub protocol_version: Option<Value>,
    /// Client capabilities (2026-07-28).
    pub client_capabilities: Option<Value>,
    /// Client identity (2026-07-28, optional).
    pub client_info: Option<Implementation>,
    /// Requested log level (2026-07-28, optional).
    pub log_level: Option<Value>,
    /// Every other key, as sent.
    pub rest: Map<String, Value>,
}

// By hand rather than derived: `#[serde(flatten)]` would buffer the whole object as
// owned `Content` before reading a single field, on every 2026-era request.
impl<'de> Deserialize<'de> for RequestMeta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RequestMeta;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a `_meta` object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RequestMeta, A::Error> {
                let mut meta = RequestMeta::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match &*key {
                        "progressToken" => meta.progress_token = map.next_value()?,
                        PROTOCOL_VERSION => meta.protocol_version = map.next_value()?,
                        CLIENT_CAPABILITIES => meta.client_capabilities = map.next_value()?,
                        CLIENT_INFO => meta.client_info = map.next_value()?,
                        LOG_LEVEL => meta.log_level = map.next_value()?,
                        _ => {
                            let value = map.next_value()?;
                            meta.rest.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(meta)
            }
        }
        d.deserialize_map(V)
    }
}

/// An object key, borrowed from the input when it has no escapes. (`Cow<str>` itself
/// always deserializes as an owned `String`: an allocation per key.)
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl RequestMeta {
    /// Carries any of the 2026-07-28 per-request keys ([`PER_REQUEST`]).
    pub(crate) fn is_modern(&self) -> bool {
        self.protocol_version.is_some()
            || self.client_capabilities.is_some()
            || self.client_info.is_some()
            || self.log_level.is_some()
    }

    /// Reads `params._meta` of a request, parsing only `_meta` itself, found through the
    /// request's params index (built here if nothing built it yet: a walk over the
    /// params text, which the call path then reads `name` and `arguments` from too); the
    /// same result as [`from_params`].
    ///
    /// [`from_params`]: RequestMeta::from_params
    pub(crate) fn from_request(req: &super::jsonrpc::Request) -> Result<Option<Self>, String> {
        let Some(params) = req.params.as_deref() else {
            return Ok(None);
        };
        if !params.get().starts_with('{') {
            // Not an object: the full parse words the error.
            return Self::from_params(Some(params));
        }
        match req.index().meta(params) {
            None => Ok(None),
            Some(meta) => serde_json::from_str::<Option<RequestMeta>>(meta)
                .map_err(|e| format!("invalid _meta: {e}")),
        }
    }

    /// Reads `params._meta` out of raw params, tolerating anything else in them.
    pub fn from_params(
        params: Option<&serde_json::value::RawValue>,
    ) -> Result<Option<Self>, String> {
        #[derive(Deserialize)]
        struct P {
            #[serde(rename = "_meta", default)]
            meta: Option<RequestMeta>,
        }
        let Some(raw) = params else { return Ok(None) };
        if !super::scan::may_hold_keys(raw.get().as_bytes(), &*super::scan::META) {
            return Ok(None);
        }
        serde_json::from_str::<P>(raw.get())
            .map(|p| p.meta)
            .map_err(|e| format!("invalid _meta: {e}"))
    }

    /// The parsed log level, if present and valid.
    pub fn parsed_log_level(&self) -> Option<Result<LoggingLevel, ()>> {
        self.log_level
            .as_ref()
            .map(|v| LoggingLevel::deserialize(v).map_err(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_per_request_key_and_only_those_make_meta_modern() {
        let value = |key: &str| match key {
            CLIENT_CAPABILITIES => serde_json::json!({}),
            CLIENT_INFO => serde_json::json!({"name": "c", "version": "1"}),
            LOG_LEVEL => serde_json::json!("info"),
            _ => serde_json::json!("2026-07-28"),
        };
        for key in PER_REQUEST {
            let params = serde_json::json!({"_meta": {key: value(key)}}).to_string();
            let raw = serde_json::value::RawValue::from_string(params).unwrap();
            let meta = RequestMeta::from_params(Some(&raw)).unwrap().unwrap();
            assert!(meta.is_modern(), "{key}");
        }
        for meta in [
            serde_json::json!({"progressToken": 1}),
            serde_json::json!({"io.modelcontextprotocol/protocolVersion": null}),
            serde_json::json!({"com.example/other": true}),
        ] {
            let params = serde_json::json!({"_meta": meta}).to_string();
            let raw = serde_json::value::RawValue::from_string(params).unwrap();
            let meta = RequestMeta::from_params(Some(&raw)).unwrap().unwrap();
            assert!(!meta.is_modern(), "{meta:?}");
        }
    }
}
