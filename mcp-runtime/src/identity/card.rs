//! The server card (SEP-2127 draft, `modelcontextprotocol/experimental-ext-server-card`)
//! and the AI Catalog that points clients at it.
//!
//! The card describes a remote server before anyone connects: identity (the same
//! `serverInfo` `initialize` and `server/discover` return), remotes and the protocol
//! versions they serve. The HTTP transport serves it at `<endpoint>/server-card` (the
//! draft's reserved location) and lists it in `/.well-known/ai-catalog.json`.

use serde::Serialize;

use super::{supported_protocol_versions, Repository};
use crate::protocol::types::Icon;
use crate::server::Server;

/// `$schema` of every card.
pub const SCHEMA_URL: &str =
    "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json";
/// The card's media type.
pub const MEDIA_TYPE: &str = "application/mcp-server-card+json";
/// The AI Catalog's media type.
pub const CATALOG_MEDIA_TYPE: &str = "application/ai-catalog+json";
/// Where the AI Catalog lives on a host.
pub const CATALOG_PATH: &str = "/.well-known/ai-catalog.json";
/// Appended to the Streamable HTTP endpoint's path to get the card's.
pub const CARD_SUFFIX: &str = "/server-card";
/// Longest `description` and `title` a card (and `server.json`) accepts.
pub const MAX_TEXT: usize = 100;

/// What every document about the server starts with: the same `serverInfo` fields
/// (`initialize` and `server/discover` send them too) under the reverse-DNS name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Reverse-DNS name.
    pub name: String,
    /// `serverInfo.version`.
    pub version: String,
    /// `serverInfo.description` (else the title or a generic line), at most 100 characters.
    pub description: String,
    /// `serverInfo.title`, at most 100 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `serverInfo.websiteUrl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    /// Source repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
    /// `serverInfo.icons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Icon>,
}

impl Server {
    /// The [`Summary`] of this server.
    pub fn summary(&self) -> Summary {
        let info = self.info();
        let identity = self.identity();
        Summary {
            name: identity.registry_name().to_owned(),
            version: info.version.clone(),
            description: short_description(self),
            title: info.title.as_deref().map(|t| clip(t, MAX_TEXT)),
            website_url: info.website_url.clone(),
            repository: identity.repository().cloned(),
            icons: info.icons.clone(),
        }
    }
}

/// A server card document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerCard {
    /// [`SCHEMA_URL`].
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// Identity.
    #[serde(flatten)]
    pub summary: Summary,
    /// Where the server can be reached over HTTP.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remotes: Vec<Remote>,
}

/// One HTTP endpoint of the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remote {
    /// Always `streamable-http`.
    #[serde(rename = "type")]
    pub transport: &'static str,
    /// The endpoint's URL.
    pub url: String,
    /// Every revision the endpoint serves (both eras).
    pub supported_protocol_versions: Vec<&'static str>,
}

impl Remote {
    /// A Streamable HTTP endpoint of this runtime at `url`.
    pub fn streamable_http(url: impl Into<String>) -> Self {
        Remote {
            transport: "streamable-http",
            url: url.into(),
            supported_protocol_versions: supported_protocol_versions(),
        }
    }
}

impl Server {
    /// The server card, listing the remotes given to
    /// [`ServerBuilder::remote`](crate::ServerBuilder::remote).
    pub fn server_card(&self) -> ServerCard {
        self.server_card_with(self.identity().remotes())
    }

    /// The server card listing these endpoint URLs as its remotes.
    pub fn server_card_with(&self, remotes: &[String]) -> ServerCard {
        ServerCard {
            schema: SCHEMA_URL,
            summary: self.summary(),
            remotes: remotes.iter().map(Remote::streamable_http).collect(),
        }
    }
}

/// The card's (and `server.json`'s) one-line description: `serverInfo.description`,
/// else the title, else a generic line; at most [`MAX_TEXT`] characters.
pub(crate) fn short_description(server: &Server) -> String {
    let info = server.info();
    let text = info
        .description
        .as_deref()
        .or(info.title.as_deref())
        .map(|d| d.lines().next().unwrap_or_default().trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("MCP server {}", info.name));
    clip(&text, MAX_TEXT)
}

/// At most `max` characters, ending in `…` when shortened.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// An AI Catalog (`/.well-known/ai-catalog.json`) with one entry for this server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AiCatalog {
    /// `1.0`.
    pub spec_version: &'static str,
    /// The entries.
    pub entries: Vec<CatalogEntry>,
}

/// An AI Catalog entry for a server card: by URL, or inline when no URL is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogEntry {
    /// `urn:air:<publisher>:mcp:<name>`.
    pub identifier: String,
    /// [`MEDIA_TYPE`].
    #[serde(rename = "type")]
    pub media_type: &'static str,
    /// Where the card is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The card itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<ServerCard>,
}

impl AiCatalog {
    /// A catalog pointing at `card_url`, or carrying `card` inline when there is none.
    pub fn for_card(card: &ServerCard, card_url: Option<String>) -> Self {
        let full = &card.summary.name;
        let (namespace, name) = full.split_once('/').unwrap_or(("local", full));
        let publisher: Vec<&str> = namespace.rsplit('.').collect();
        AiCatalog {
            spec_version: "1.0",
            entries: vec![CatalogEntry {
                identifier: format!("urn:air:{}:mcp:{name}", publisher.join(".")),
                media_type: MEDIA_TYPE,
                data: card_url.is_none().then(|| card.clone()),
                url: card_url,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_clipped_to_the_limit() {
        let long = "word ".repeat(40);
        let c = clip(&long, MAX_TEXT);
        assert_eq!(c.chars().count(), 100);
        assert!(c.ends_with("word…"));
        // A cut after a space does not leave the space before the ellipsis.
        let c = clip(&"abcd ".repeat(40), MAX_TEXT);
        assert!(c.ends_with("abcd…") && c.chars().count() <= MAX_TEXT, "{c}");
        assert_eq!(clip("short", MAX_TEXT), "short");
    }

    #[test]
    fn catalog_identifiers_follow_the_domain_anchored_form() {
        let server = Server::builder()
            .without_registry()
            .name("weather")
            .registry_name("com.example/weather")
            .build()
            .unwrap();
        let card = server.server_card();
        let cat = AiCatalog::for_card(&card, Some("https://example.com/mcp/server-card".into()));
        assert_eq!(cat.entries[0].identifier, "urn:air:example.com:mcp:weather");
        assert!(cat.entries[0].data.is_none());
        let inline = AiCatalog::for_card(&card, None);
        assert_eq!(inline.entries[0].data.as_ref(), Some(&card));
    }
}
