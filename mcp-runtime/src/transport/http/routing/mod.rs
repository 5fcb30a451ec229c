//! Which era and which handler a request goes to. The era rule itself is the
//! dispatcher's ([`classify`]); this is what HTTP feeds it.

pub(super) mod meta;

use self::meta::MetaHead;
use super::service::McpHeaders;
use crate::dispatch::{classify, EraSignals, VersionHeader};
use crate::protocol::Era;

/// The era of an HTTP request: `Mcp-Session-Id` names a session, `MCP-Protocol-Version`
/// is the version header, and (for POST) the body's method and `_meta`.
pub(super) fn era(headers: &McpHeaders<'_>, method: Option<&str>, meta: &MetaHead) -> Era {
    classify(&EraSignals {
        method,
        modern_meta: meta.modern,
        names_session: headers.session_id.is_some(),
        has_session: false,
        version_header: headers
            .version
            .map_or(VersionHeader::Absent, VersionHeader::Present),
    })
}
