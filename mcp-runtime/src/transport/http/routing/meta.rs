//! The few `_meta` fields the HTTP transport looks at before dispatch (era routing, the
//! header ladder, SSE for progress), read once, borrowed, without allocating.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::jsonrpc::Message;
use crate::protocol::params::ParamsIndex;
use crate::protocol::scan::{may_hold_keys, META};

/// What the transport knows of a message's `params._meta`.
#[derive(Debug, Default)]
pub(in crate::transport::http) struct MetaHead {
    /// `_meta` is present and not `null` (whatever its shape).
    pub(in crate::transport::http) present: bool,
    /// `io.modelcontextprotocol/protocolVersion`: `Some(None)` when it is not a string.
    pub(in crate::transport::http) version: Option<Option<String>>,
    /// `io.modelcontextprotocol/clientCapabilities` is present and not `null`.
    pub(in crate::transport::http) capabilities: bool,
    /// A non-null `progressToken`.
    pub(in crate::transport::http) progress_token: bool,
}

#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow, rename = "io.modelcontextprotocol/protocolVersion")]
    version: Option<&'a RawValue>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    capabilities: Option<IgnoredAny>,
    #[serde(borrow, rename = "progressToken")]
    progress_token: Option<&'a RawValue>,
}

impl MetaHead {
    /// Reads the head of a message's `params`; anything malformed reads as absent (the
    /// dispatcher reports it). A request's params are indexed on the way, so the
    /// dispatcher reads its `_meta` without another pass over them.
    pub(in crate::transport::http) fn read(msg: &Message) -> MetaHead {
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
        let fields = serde_json::from_str::<Fields<'_>>(meta).ok();
        MetaHead {
            present: true,
            version: fields
                .as_ref()
                .and_then(|f| f.version)
                .map(|v| serde_json::from_str::<String>(v.get()).ok()),
            capabilities: fields.as_ref().is_some_and(|f| f.capabilities.is_some()),
            progress_token: fields.is_some_and(|f| f.progress_token.is_some()),
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

    #[test]
    fn reads_each_field() {
        let h = head(
            r#"{"name":"add","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":7}}"#,
        );
        assert!(h.present && h.capabilities && h.progress_token);
        assert_eq!(h.version, Some(Some("2026-07-28".to_owned())));
        let h = head(
            r#"{"_meta":{"progressToken":null,"io.modelcontextprotocol/clientCapabilities":null}}"#,
        );
        assert!(h.present && !h.capabilities && !h.progress_token && h.version.is_none());
    }

    #[test]
    fn absent_null_and_malformed() {
        assert!(!head(r#"{"name":"add"}"#).present);
        assert!(!head(r#"{"_meta":null}"#).present);
        // A `_meta` of the wrong shape still routes as 2026 (the dispatcher rejects it).
        let h = head(r#"{"_meta":5}"#);
        assert!(h.present && h.version.is_none());
        let line = br#"{"jsonrpc":"2.0","method":"notifications/x","params":{"_meta":{}}}"#;
        assert!(MetaHead::read(&crate::protocol::jsonrpc::parse(line).unwrap()).present);
    }
}
