//! `server.json` for the official MCP Registry (schema `2025-12-11`).
//!
//! The Registry accepts packages from npm, PyPI, NuGet, OCI and MCPB (crates.io is not
//! one of them): a Rust server is published as an MCPB bundle (see [`super::mcpb`])
//! attached to a release, plus `remotes` for its HTTP deployments.

use serde::Serialize;

use super::card::Summary;
use super::{Repository, Setting};
use crate::protocol::types::Icon;
use crate::server::Server;

/// `$schema` of the documents this module writes.
pub const SCHEMA_URL: &str =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/// A `server.json` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerJson {
    /// [`SCHEMA_URL`].
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// Identity (icons: only those the Registry accepts, HTTPS PNG/JPEG/SVG/WebP).
    #[serde(flatten)]
    pub summary: Summary,
    /// Installable packages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    /// HTTP deployments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remotes: Vec<RemoteTransport>,
}

/// An installable package.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// `mcpb`.
    pub registry_type: &'static str,
    /// Download URL of the bundle (a GitHub or GitLab release asset).
    pub identifier: String,
    /// The package's version.
    pub version: String,
    /// SHA-256 of the bundle (the Registry requires it for MCPB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<String>,
    /// `{"type": "stdio"}`.
    pub transport: Transport,
    /// Declared settings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment_variables: Vec<EnvironmentVariable>,
}

/// A transport of a package or remote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transport {
    /// `stdio` or `streamable-http`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The endpoint, for HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A remote (HTTP) deployment.
pub type RemoteTransport = Transport;

/// A setting, as the Registry's `KeyValueInput`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentVariable {
    /// The variable.
    pub name: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `string`, `number`, `boolean` or `filepath`.
    pub format: &'static str,
    /// Must be set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_required: bool,
    /// A secret.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_secret: bool,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl From<&Setting> for EnvironmentVariable {
    fn from(s: &Setting) -> Self {
        EnvironmentVariable {
            name: s.env_name().to_owned(),
            description: s.describe().map(str::to_owned).or_else(|| {
                (s.display_title() != s.env_name()).then(|| s.display_title().to_owned())
            }),
            format: s.setting_kind().registry_format(),
            is_required: s.is_required(),
            is_secret: s.is_secret(),
            default: s.default_str().map(str::to_owned),
        }
    }
}

/// Where the MCPB package of a `server.json` is downloaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpbSource {
    /// Release asset URL.
    pub url: String,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: Option<String>,
}

impl Server {
    /// `server.json` with the builder's remotes plus `extra_remotes`, and an MCPB
    /// package when `mcpb` says where the bundle is published.
    pub fn server_json(&self, extra_remotes: &[String], mcpb: Option<McpbSource>) -> ServerJson {
        let info = self.info();
        let identity = self.identity();
        let settings: Vec<EnvironmentVariable> = identity
            .settings()
            .iter()
            .map(EnvironmentVariable::from)
            .collect();
        let mut summary = self.summary();
        summary.icons.retain(registry_accepts);
        ServerJson {
            schema: SCHEMA_URL,
            summary,
            packages: mcpb
                .map(|m| Package {
                    registry_type: "mcpb",
                    identifier: m.url,
                    version: info.version.clone(),
                    file_sha256: m.sha256,
                    transport: Transport {
                        kind: "stdio",
                        url: None,
                    },
                    environment_variables: settings,
                })
                .into_iter()
                .collect(),
            remotes: identity
                .remotes()
                .iter()
                .chain(extra_remotes)
                .map(|url| Transport {
                    kind: "streamable-http",
                    url: Some(url.clone()),
                })
                .collect(),
        }
    }
}

/// The Registry only takes HTTPS icons of a few image types.
fn registry_accepts(icon: &Icon) -> bool {
    const TYPES: [&str; 5] = [
        "image/png",
        "image/jpeg",
        "image/jpg",
        "image/svg+xml",
        "image/webp",
    ];
    icon.src.starts_with("https://")
        && icon.src.len() <= 255
        && icon.mime_type.as_deref().is_none_or(|m| TYPES.contains(&m))
        && icon.sizes.iter().all(|s| {
            s == "any"
                || s.split_once('x').is_some_and(|(w, h)| {
                    !w.is_empty()
                        && !h.is_empty()
                        && w.bytes().chain(h.bytes()).all(|b| b.is_ascii_digit())
                })
        })
}

/// The GitHub release asset URL a bundle would have by convention
/// (`<repo>/releases/download/v<version>/<file>`), when the repository is on GitHub.
pub fn github_release_url(repository: &Repository, version: &str, file: &str) -> Option<String> {
    repository.github_owner()?;
    let base = repository.url.trim_end_matches(".git");
    Some(format!("{base}/releases/download/v{version}/{file}"))
}
