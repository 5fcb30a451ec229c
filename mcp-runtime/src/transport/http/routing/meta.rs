//! The few `_meta` fields the HTTP transport looks at before dispatch (era routing, the
//! header ladder, SSE for progress), read once, borrowed, without allocating.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::scan::may_hold_keys;

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
struct Params<'a> {
    #[serde(borrow, rename = "_meta")]
    meta: Option<&'a RawValue>,
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
    /// Reads the head of `params`; anything malformed reads as absent (the dispatcher
    /// reports it).
    pub(in crate::transport::http) fn read(params: Option<&RawValue>) -> MetaHead {
        let Some(raw) = params.map(RawValue::get) else {
            return MetaHead::default();
        };
        if !may_hold_keys(raw.as_bytes(), &["_meta"]) {
            return MetaHead::default();
        }
        let Some(meta) = serde_json::from_str::<Params<'_>>(raw)
            .ok()
            .and_then(|p| p.meta)
            .filter(|m| m.get() != "null")
        else {
            return MetaHead::default();
        };
        let fields = serde_json::from_str::<Fields<'_>>(meta.get()).ok();
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
        MetaHead::read(Some(&RawValue::from_string(params.into()).unwrap()))
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
        assert!(!MetaHead::read(None).present);
    }
}
