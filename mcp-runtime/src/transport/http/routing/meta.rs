//! The few `_meta` fields the HTTP transport looks at before dispatch (era routing, the
//! header ladder, SSE for progress), read once, borrowed, without allocating.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::protocol::jsonrpc::{Message, Request};
use crate::protocol::meta::{self, Key, RequestMeta};
use crate::protocol::params::ParamsIndex;
use crate::protocol::scan::{may_hold_keys, META};

/// What the transport knows of a message's `params._meta`.
#[derive(Debug, Default)]
pub(in crate::transport::http) struct MetaHead {
    /// It carries 2026-07-28 per-request keys ([`meta::PER_REQUEST`], not `null`).
    pub(in crate::transport::http) modern: bool,
    /// `io.modelcontextprotocol/protocolVersion`, if present: read its text with
    /// [`version`](Self::version).
    version: Option<Version>,
    /// `io.modelcontextprotocol/clientCapabilities` is present and not `null`.
    pub(in crate::transport::http) capabilities: bool,
    /// A non-null `progressToken`.
    pub(in crate::transport::http) progress_token: bool,
}

/// Where the body's protocol version is.
#[derive(Debug)]
enum Version {
    /// In the request's parsed `_meta` (not copied out: the request is at hand wherever
    /// the version is read).
    InRequest,
    /// Read from a `_meta` that does not parse as a whole; `None` when not a string.
    Text(Option<String>),
}

/// The fields of `_meta` the transport reads, borrowed.
#[derive(Default)]
struct Fields<'a> {
    modern: bool,
    version: Option<&'a RawValue>,
    capabilities: bool,
    progress_token: bool,
}

// By hand, so the 2026 keys come from the one list the dispatcher uses too.
impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a `_meta` object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Fields::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let value: Option<&'de RawValue> = map.next_value()?;
                    let Some(value) = value.filter(|v| v.get() != "null") else {
                        continue;
                    };
                    fields.modern |= meta::PER_REQUEST.contains(&&*key);
                    match &*key {
                        meta::PROTOCOL_VERSION => fields.version = Some(value),
                        meta::CLIENT_CAPABILITIES => fields.capabilities = true,
                        "progressToken" => fields.progress_token = true,
                        _ => {}
                    }
                }
                Ok(fields)
            }
        }
        d.deserialize_map(V)
    }
}

impl MetaHead {
    /// `io.modelcontextprotocol/protocolVersion` of `req`, the request this head was
    /// read from: `Some(None)` when it is not a string.
    pub(in crate::transport::http) fn version<'a>(
        &'a self,
        req: &'a Request,
    ) -> Option<Option<&'a str>> {
        match self.version.as_ref()? {
            Version::Text(text) => Some(text.as_deref()),
            Version::InRequest => {
                let meta = req.meta().as_ref().ok()?.as_ref()?;
                meta.has_protocol_version().then(|| meta.protocol_version())
            }
        }
    }

    /// Whether `_meta` names a protocol version.
    pub(in crate::transport::http) fn has_version(&self) -> bool {
        self.version.is_some()
    }

    fn of(meta: &RequestMeta) -> MetaHead {
        MetaHead {
            modern: meta.is_modern(),
            version: meta.has_protocol_version().then_some(Version::InRequest),
            capabilities: meta.client_capabilities.is_some(),
            progress_token: meta.progress_token.is_some(),
        }
    }

    /// Reads the head of a message's `params`; anything malformed reads as absent (the
    /// dispatcher reports it). A request's params are indexed on the way, so the
    /// dispatcher reads its `_meta` without another pass over them.
    pub(in crate::transport::http) fn read(msg: &Message) -> MetaHead {
        // A request's `_meta` is parsed once, here, and the dispatcher takes it from the
        // request. One that does not parse reads as below (the dispatcher reports it).
        if let Message::Request(req) = msg {
            if let Ok(meta) = req.meta() {
                return meta.as_ref().map(MetaHead::of).unwrap_or_default();
            }
        }
        let (params, req) = match msg {
            Message::Request(r) => (r.params.as_deref(), Some(r)),
            Message::Notification(n) => (n.params.as_deref(), None),
            Message::Response(_) => (None, None),
        };
        let Some(params) = params else {
            return MetaHead::default();
        };
        let raw = params.get();
        if !may_hold_keys(raw.as_bytes(), &*META) {
            return MetaHead::default();
        }
        let own_index;
        let index = match req {
            Some(req) => req.index(),
            None => {
                own_index = ParamsIndex::build(params);
                &own_index
            }
        };
        let meta = index.meta(params);
        let Some(meta) = meta.filter(|m| *m != "null") else {
            return MetaHead::default();
        };
        let fields = serde_json::from_str::<Fields<'_>>(meta).unwrap_or_default();
        MetaHead {
            modern: fields.modern,
            version: fields
                .version
                .map(|v| Version::Text(serde_json::from_str::<String>(v.get()).ok())),
            capabilities: fields.capabilities,
            progress_token: fields.progress_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(params: &str) -> MetaHead {
        let line = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{params}}}"#);
        MetaHead::read(&crate::protocol::jsonrpc::parse(line.as_bytes()).unwrap())
    }

    /// The version text as the header ladder reads it, from the request itself.
    fn version(params: &str) -> Option<Option<String>> {
        let line = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{params}}}"#);
        let msg = crate::protocol::jsonrpc::parse(line.as_bytes()).unwrap();
        let head = MetaHead::read(&msg);
        let Message::Request(req) = &msg else {
            panic!("a request");
        };
        let text = head.version(req).map(|v| v.map(str::to_owned));
        assert_eq!(head.has_version(), text.is_some());
        text
    }

    #[test]
    fn reads_each_field() {
        let h = head(
            r#"{"name":"add","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":7}}"#,
        );
        assert!(h.modern && h.capabilities && h.progress_token);
        assert_eq!(
            version(r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#),
            Some(Some("2026-07-28".to_owned()))
        );
        assert_eq!(
            version(r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}"#),
            Some(None)
        );
        assert_eq!(version(r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":null}}"#), None);
        let h = head(
            r#"{"_meta":{"progressToken":null,"io.modelcontextprotocol/clientCapabilities":null}}"#,
        );
        assert!(!h.modern && !h.capabilities && !h.progress_token);
        assert!(h.version.is_none());
        // A progress token alone is not 2026 metadata.
        let h = head(r#"{"_meta":{"progressToken":"t"}}"#);
        assert!(!h.modern && h.progress_token);
        let h = head(r#"{"_meta":{"io.modelcontextprotocol/logLevel":"info"}}"#);
        assert!(h.modern && h.version.is_none());
    }

    #[test]
    fn absent_null_and_malformed() {
        let nothing =
            |h: MetaHead| !h.modern && !h.capabilities && !h.progress_token && h.version.is_none();
        assert!(nothing(head(r#"{"name":"add"}"#)));
        assert!(nothing(head(r#"{"_meta":null}"#)));
        // A `_meta` of the wrong shape carries no 2026 keys (the dispatcher rejects it).
        assert!(nothing(head(r#"{"_meta":5}"#)));
        let line = br#"{"jsonrpc":"2.0","method":"notifications/x","params":{"_meta":{"progressToken":1,"io.modelcontextprotocol/clientInfo":{}}}}"#;
        let h = MetaHead::read(&crate::protocol::jsonrpc::parse(line).unwrap());
        assert!(h.modern && h.progress_token);
    }
}
