//! Protocol revisions and the two eras they fall into.

use std::fmt;

/// A protocol revision this runtime speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// 2024-11-05 (session era, HTTP+SSE).
    V2024_11_05,
    /// 2025-03-26 (session era, Streamable HTTP).
    V2025_03_26,
    /// 2025-06-18 (session era).
    V2025_06_18,
    /// 2025-11-25 (session era, latest legacy revision).
    V2025_11_25,
    /// 2026-07-28 (sessionless era).
    V2026_07_28,
}

/// Which family of the protocol a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Era {
    /// `initialize` handshake, sessions, server-to-client requests (2024-11-05 … 2025-11-25).
    Session,
    /// Per-request `_meta`, `server/discover`, input-required results (2026-07-28 and later).
    Sessionless,
}

impl ProtocolVersion {
    /// Session-era revisions, oldest first.
    pub const SESSION: [ProtocolVersion; 4] = [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
    ];
    /// Sessionless revisions, oldest first.
    pub const SESSIONLESS: [ProtocolVersion; 1] = [ProtocolVersion::V2026_07_28];
    /// The newest session-era revision, offered when a client asks for one we do not know.
    pub const LATEST_SESSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// The wire string, e.g. `"2025-11-25"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2024_11_05 => "2024-11-05",
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// Parses a wire string.
    pub fn parse(s: &str) -> Option<ProtocolVersion> {
        Self::SESSION
            .into_iter()
            .chain(Self::SESSIONLESS)
            .find(|v| v.as_str() == s)
    }

    /// The era this revision belongs to.
    pub const fn era(self) -> Era {
        match self {
            ProtocolVersion::V2026_07_28 => Era::Sessionless,
            _ => Era::Session,
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ProtocolVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
