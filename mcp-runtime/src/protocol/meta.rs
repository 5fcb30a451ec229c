//! `_meta` keys and the per-request metadata of the 2026-07-28 era.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::params::MetaKeys;
use super::types::{Implementation, LoggingLevel, ProgressToken};
use super::ProtocolVersion;

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
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) const PER_REQUEST: [&str; 4] = [
    PROTOCOL_VERSION,
    CLIENT_CAPABILITIES,
    CLIENT_INFO,
    LOG_LEVEL,
];

/// The `_meta` object of an incoming request, with the keys the runtime interprets.
///
/// Read without copying what most requests never look at: the protocol version is kept
/// as the [`ProtocolVersion`] it names, and the client's identity is checked when the
/// request is read (a malformed one is refused then) but decoded into an
/// [`Implementation`] only when asked for ([`client_info`](Self::client_info)).
///
/// ```
/// use mcp_runtime::protocol::meta::RequestMeta;
/// use serde_json::value::RawValue;
///
/// let params = RawValue::from_string(
///     r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
///        "io.modelcontextprotocol/clientInfo":{"name":"inspector","version":"1"}}}"#.into(),
/// )
/// .unwrap();
/// let meta = RequestMeta::from_params(Some(&params)).unwrap().unwrap();
/// assert_eq!(meta.protocol_version(), Some("2026-07-28"));
/// assert_eq!(meta.client_info().unwrap().name, "inspector");
/// ```
#[derive(Debug, Default, Clone)]
pub struct RequestMeta {
    /// Progress token (both eras).
    pub progress_token: Option<ProgressToken>,
    /// Protocol version (2026-07-28): read it with [`protocol_version`](Self::protocol_version).
    protocol_version: Option<VersionField>,
    /// Client capabilities (2026-07-28).
    pub client_capabilities: Option<Value>,
    /// Client identity (2026-07-28, optional): read it with [`client_info`](Self::client_info).
    client_info: ClientInfo,
    /// Requested log level (2026-07-28, optional).
    pub log_level: Option<Value>,
    /// Every other key, as sent.
    pub rest: Map<String, Value>,
}

/// `io.modelcontextprotocol/protocolVersion` as sent.
#[derive(Debug, Clone)]
enum VersionField {
    /// A version this runtime knows, sent as its plain string (no copy kept).
    Known(ProtocolVersion),
    /// Anything else (an unknown version, or not a string), for the error that names it.
    Other(Value),
}

impl VersionField {
    fn of(value: Value) -> VersionField {
        match value.as_str().and_then(ProtocolVersion::parse) {
            Some(v) => VersionField::Known(v),
            None => VersionField::Other(value),
        }
    }
}

/// A client's identity: known (from `initialize`, or a `_meta` that was parsed whole), or
/// the raw `_meta` member, already checked to decode, decoded on first use. Requests
/// carry it on every 2026-07-28 call and handlers rarely read it: decoding it up front
/// cost two `String`s and an `Arc` a call.
#[derive(Clone)]
pub(crate) enum ClientInfo {
    /// Decoded already (or absent).
    Known(Option<Arc<Implementation>>),
    /// A `clientInfo` value that decodes, decoded on first use.
    Raw {
        text: Box<str>,
        parsed: OnceLock<Option<Arc<Implementation>>>,
    },
}

impl Default for ClientInfo {
    fn default() -> Self {
        ClientInfo::Known(None)
    }
}

impl ClientInfo {
    /// `text` (a `clientInfo` value, not `null`) when it decodes into an
    /// [`Implementation`], checked without building one; `None` when it does not.
    fn checked(text: &str) -> Option<ClientInfo> {
        if !is_plain_name_version(text) {
            serde_json::from_str::<ImplementationShape>(text).ok()?;
        }
        Some(ClientInfo::Raw {
            text: text.into(),
            parsed: OnceLock::new(),
        })
    }

    /// The identity, decoded on first use.
    pub(crate) fn get(&self) -> Option<&Implementation> {
        match self {
            ClientInfo::Known(info) => info.as_deref(),
            // Checked when the request was read, so this decodes.
            ClientInfo::Raw { text, parsed } => parsed
                .get_or_init(|| serde_json::from_str(text).ok().map(Arc::new))
                .as_deref(),
        }
    }

    fn is_present(&self) -> bool {
        match self {
            ClientInfo::Known(info) => info.is_some(),
            ClientInfo::Raw { .. } => true,
        }
    }
}

impl fmt::Debug for ClientInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// What [`Implementation`] accepts, accepted without building it: the same derive, the
/// same fields and defaults, strings checked but not copied (`icons`, rare, are read as
/// they are). `fuzz::jsonrpc::meta_read_agrees_with_a_full_parse` holds them
/// together.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Read for its verdict only.
struct ImplementationShape {
    name: AnyString,
    version: AnyString,
    #[serde(default)]
    title: Option<AnyString>,
    #[serde(default)]
    description: Option<AnyString>,
    #[serde(default)]
    website_url: Option<AnyString>,
    #[serde(default)]
    icons: Vec<super::types::Icon>,
}

/// `text` (valid JSON) is exactly `{"name":"…","version":"…"}`, both strings without
/// escapes: what most clients send, and certainly an [`Implementation`]. Anything else
/// (other members, whitespace, escapes) is left to [`ImplementationShape`].
fn is_plain_name_version(text: &str) -> bool {
    fn plain_string(s: &str) -> Option<&str> {
        // Valid JSON: the first `"` ends the string unless a `\` escaped it.
        let end = s.find('"')?;
        (!s[..end].contains('\\')).then(|| &s[end..])
    }
    let check = || {
        let s = text.strip_prefix(r#"{"name":""#)?;
        let s = plain_string(s)?.strip_prefix(r#"","version":""#)?;
        (plain_string(s)? == r#""}"#).then_some(())
    };
    check().is_some()
}

/// Any JSON string, not copied.
struct AnyString;

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AnyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> Result<AnyString, E> {
                Ok(AnyString)
            }
        }
        d.deserialize_str(V)
    }
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
                        PROTOCOL_VERSION => {
                            meta.protocol_version =
                                map.next_value::<Option<Value>>()?.map(VersionField::of);
                        }
                        CLIENT_CAPABILITIES => meta.client_capabilities = map.next_value()?,
                        CLIENT_INFO => {
                            let info = map.next_value::<Option<Implementation>>()?;
                            meta.client_info = ClientInfo::Known(info.map(Arc::new));
                        }
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
            || self.client_info.is_present()
            || self.log_level.is_some()
    }

    /// `io.modelcontextprotocol/protocolVersion`, when it is a string.
    pub fn protocol_version(&self) -> Option<&str> {
        match self.protocol_version.as_ref()? {
            VersionField::Known(v) => Some(v.as_str()),
            VersionField::Other(v) => v.as_str(),
        }
    }

    /// The protocol version when it is one this runtime knows.
    pub(crate) fn known_version(&self) -> Option<ProtocolVersion> {
        match self.protocol_version.as_ref()? {
            VersionField::Known(v) => Some(*v),
            VersionField::Other(_) => None,
        }
    }

    /// `io.modelcontextprotocol/protocolVersion` is present (and not `null`).
    pub fn has_protocol_version(&self) -> bool {
        self.protocol_version.is_some()
    }

    /// The protocol version as sent (`null` when absent), for the error naming it.
    pub(crate) fn requested_version(&self) -> Value {
        match &self.protocol_version {
            None => Value::Null,
            Some(VersionField::Known(v)) => Value::from(v.as_str()),
            Some(VersionField::Other(v)) => v.clone(),
        }
    }

    /// `io.modelcontextprotocol/clientInfo`, decoded (a copy; handlers read it through
    /// `Context::client_info`).
    pub fn client_info(&self) -> Option<Implementation> {
        self.client_info.get().cloned()
    }

    /// The client's identity, moved out.
    pub(crate) fn take_client_info(&mut self) -> ClientInfo {
        std::mem::take(&mut self.client_info)
    }

    /// Reads a plain `_meta` (see [`MetaKeys`]) from the keys the params walk found,
    /// each value parsed alone; `None` when any of them does not parse (the full parse
    /// then words the error, with its position in `_meta`).
    fn from_keys(meta: &str, keys: &MetaKeys) -> Option<RequestMeta> {
        let text = |at: &super::params::InMeta| at.get(meta).filter(|v| *v != "null");
        let mut meta = RequestMeta::default();
        if let Some(v) = text(&keys.progress_token) {
            meta.progress_token = Some(serde_json::from_str(v).ok()?);
        }
        if let Some(v) = text(&keys.protocol_version) {
            let plain = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.contains('\\'));
            meta.protocol_version = Some(match plain.and_then(ProtocolVersion::parse) {
                Some(version) => VersionField::Known(version),
                None => VersionField::of(serde_json::from_str(v).ok()?),
            });
        }
        if let Some(v) = text(&keys.client_capabilities) {
            meta.client_capabilities = Some(if v == "{}" {
                Value::Object(Map::new())
            } else {
                serde_json::from_str(v).ok()?
            });
        }
        if let Some(v) = text(&keys.client_info) {
            meta.client_info = ClientInfo::checked(v)?;
        }
        if let Some(v) = text(&keys.log_level) {
            meta.log_level = Some(serde_json::from_str(v).ok()?);
        }
        Some(meta)
    }

    /// Reads `params._meta` of a request, parsing only `_meta` itself, found through the
    /// request's params index (built here if nothing built it yet: a walk over the
    /// params text, which the call path then reads `name` and `arguments` from too); the
    /// same result as [`from_params`].
    ///
    /// [`from_params`]: RequestMeta::from_params
    pub(crate) fn from_request(req: &super::jsonrpc::Request) -> Result<Option<Self>, String> {
        let (_, keys) = req.index_with_meta_keys();
        Self::from_request_indexed(req, keys)
    }

    /// [`from_request`](Self::from_request) for a request whose index is built: `keys`
    /// are the `_meta` keys its walk found, when the caller built it just now.
    pub(crate) fn from_request_indexed(
        req: &super::jsonrpc::Request,
        keys: Option<Option<super::params::MetaKeys>>,
    ) -> Result<Option<Self>, String> {
        let Some(params) = req.params.as_deref() else {
            return Ok(None);
        };
        if !params.get().starts_with('{') {
            // Not an object: the full parse words the error.
            return Self::from_params(Some(params));
        }
        let index = req.index();
        let Some(text) = index.meta(params) else {
            return Ok(None);
        };
        let keys = keys.unwrap_or_else(|| super::params::meta_keys(text));
        if let Some(meta) = keys.and_then(|keys| Self::from_keys(text, &keys)) {
            return Ok(Some(meta));
        }
        serde_json::from_str::<Option<RequestMeta>>(text).map_err(|e| format!("invalid _meta: {e}"))
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

    #[test]
    fn a_plain_meta_is_read_from_the_walk_and_client_info_decoded_on_first_use() {
        use crate::protocol::jsonrpc::{parse, Message};
        let request = |meta: &str| {
            let line = format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"add","_meta":{meta}}}}}"#
            );
            let Ok(Message::Request(req)) = parse(line.as_bytes()) else {
                panic!("a request");
            };
            req
        };
        let info = r#"{"name":"c\u0041","version":"1"}"#;
        let req = request(&format!(
            r#"{{"{PROTOCOL_VERSION}":"2026-07-28","{CLIENT_CAPABILITIES}":{{}},"{CLIENT_INFO}":{info}}}"#
        ));
        let (index, keys) = req.index_with_meta_keys();
        let text = index.meta(req.params.as_deref().unwrap()).unwrap();
        let keys = keys
            .flatten()
            .expect("a plain _meta, its keys found by the walk");
        assert_eq!(
            format!("{:?}", super::super::params::meta_keys(text)),
            format!("{:?}", Some(keys)),
            "the same keys from `_meta` alone"
        );
        let meta = RequestMeta::from_keys(text, &keys).expect("read from the walk");
        let ClientInfo::Raw { text, parsed } = &meta.client_info else {
            panic!("kept raw");
        };
        assert_eq!((&**text, parsed.get()), (info, None), "not decoded yet");
        assert_eq!(meta.client_info.get().map(|i| i.name.as_str()), Some("cA"));
        assert_eq!(meta.known_version(), Some(ProtocolVersion::V2026_07_28));
        assert_eq!(meta.client_capabilities, Some(serde_json::json!({})));
        assert!(meta.is_modern());
        // Another key, a key given twice, an escaped key: left to the full parse.
        for meta in [
            format!(r#"{{"{PROTOCOL_VERSION}":"2026-07-28","x":1}}"#),
            format!(r#"{{"{LOG_LEVEL}":"info","{LOG_LEVEL}":"debug"}}"#),
            r#"{"progress\u0054oken":1}"#.to_owned(),
        ] {
            let req = request(&meta);
            let (_, keys) = req.index_with_meta_keys();
            assert!(keys.flatten().is_none(), "{meta}");
        }
    }
}
