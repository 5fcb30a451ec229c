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

use crate::protocol::{Era, ProtocolVersion};

/// Picks the era of a request from its headers and (for POST) whether its params carry
/// a non-null `_meta`.
pub(in crate::transport::http) fn route(
    session_id: bool,
    version: Option<&str>,
    meta: bool,
) -> Era {
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

#[cfg(test)]
mod tests {
    use super::super::meta::MetaHead;
    use super::*;

    fn has_meta(params: &str) -> bool {
        let line = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{params}}}"#);
        MetaHead::read(&crate::protocol::jsonrpc::parse(line.as_bytes()).unwrap()).present
    }

    #[test]
    fn classifies_the_suite_traffic() {
        let meta =
            has_meta(r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#);
        let plain = has_meta(r#"{"protocolVersion":"2025-11-25"}"#);
        // Legacy initialize, with or without a version header.
        assert_eq!(route(false, None, plain), Era::Session);
        assert_eq!(route(false, Some("2025-11-25"), plain), Era::Session);
        // Anything with a session id.
        assert_eq!(route(true, Some("2026-07-28"), meta), Era::Session);
        // 2026 traffic, including an initialize probe.
        assert_eq!(route(false, Some("2026-07-28"), meta), Era::Sessionless);
        assert_eq!(route(false, Some("2025-11-25"), meta), Era::Sessionless);
        assert_eq!(route(false, None, meta), Era::Sessionless);
        assert_eq!(route(false, Some("2026-07-28"), false), Era::Sessionless);
        assert_eq!(route(false, Some("v999.0.0"), plain), Era::Sessionless);
        // Neither: the session era (which then asks for a session id).
        assert_eq!(route(false, None, false), Era::Session);
    }
}
