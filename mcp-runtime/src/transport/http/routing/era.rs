//! One endpoint, two eras: the per-request routing rule.
//!
//! ```text
//! sid = Mcp-Session-Id; ver = MCP-Protocol-Version; meta = body.params._meta
//! legacy_header = ver is a session-era version && meta is absent
//! sid absent && (ver present || meta present) && !legacy_header  -> 2026-07-28 (stateless)
//! otherwise                                                      -> session era
//! ```
//!
//! So a 2026 `initialize` probe (2026 header + `_meta`) is a stateless request and gets
//! "method not found", never a session.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::{Era, ProtocolVersion};

/// Picks the era of a request from its headers and (for POST) its raw params.
pub(in crate::transport::http) fn route(
    session_id: bool,
    version: Option<&str>,
    params: Option<&RawValue>,
) -> Era {
    let meta = params.is_some_and(has_meta);
    let legacy_header = version
        .and_then(ProtocolVersion::parse)
        .is_some_and(|v| v.era() == Era::Session)
        && !meta;
    if !session_id && (version.is_some() || meta) && !legacy_header {
        Era::Sessionless
    } else {
        Era::Session
    }
}

fn has_meta(params: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct P<'a> {
        #[serde(borrow, rename = "_meta")]
        meta: Option<&'a RawValue>,
    }
    serde_json::from_str::<P<'_>>(params.get())
        .ok()
        .and_then(|p| p.meta)
        .is_some_and(|m| m.get() != "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn classifies_the_suite_traffic() {
        let meta = raw(r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#);
        let plain = raw(r#"{"protocolVersion":"2025-11-25"}"#);
        // Legacy initialize, with or without a version header.
        assert_eq!(route(false, None, Some(&plain)), Era::Session);
        assert_eq!(route(false, Some("2025-11-25"), Some(&plain)), Era::Session);
        // Anything with a session id.
        assert_eq!(route(true, Some("2026-07-28"), Some(&meta)), Era::Session);
        // 2026 traffic, including an initialize probe.
        assert_eq!(
            route(false, Some("2026-07-28"), Some(&meta)),
            Era::Sessionless
        );
        assert_eq!(
            route(false, Some("2025-11-25"), Some(&meta)),
            Era::Sessionless
        );
        assert_eq!(route(false, None, Some(&meta)), Era::Sessionless);
        assert_eq!(route(false, Some("2026-07-28"), None), Era::Sessionless);
        assert_eq!(
            route(false, Some("v999.0.0"), Some(&plain)),
            Era::Sessionless
        );
        // Neither: the session era (which then asks for a session id).
        assert_eq!(route(false, None, None), Era::Session);
    }
}
