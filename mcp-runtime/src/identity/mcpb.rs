//! MCP Bundles (`.mcpb`, manifest version 0.3): a zip holding `manifest.json` and the
//! server's binary, installed with one click by clients such as Claude Desktop.
//!
//! The manifest is generated from the same registry and identity as everything else:
//! tools listed from `tools/list`, `user_config` from the declared settings (passed to
//! the binary as environment variables), `server.type` `binary`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::card::short_description;
use super::Setting;
use crate::server::Server;

/// The manifest version written.
pub const MANIFEST_VERSION: &str = "0.3";

/// `manifest.json` of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub manifest_version: &'static str,
    /// Machine-readable name (`serverInfo.name`).
    pub name: String,
    /// `serverInfo.title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Version.
    pub version: String,
    /// One line.
    pub description: String,
    /// The full description, when the line had to be shortened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_description: Option<String>,
    /// First Cargo author, else the repository owner.
    pub author: Author,
    /// Source repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<ManifestRepository>,
    /// Home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// How to run the server.
    pub server: ManifestServer,
    /// The registered tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ManifestTool>,
    /// Prompts are rendered by code, so they are not listed; this says there are some.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub prompts_generated: bool,
    /// SPDX expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// The platform the bundled binary was built for.
    pub compatibility: Compatibility,
    /// Declared settings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub user_config: BTreeMap<String, UserConfigOption>,
}

/// `author`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Author {
    /// Name.
    pub name: String,
    /// E-mail, from `Name <email>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `repository`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestRepository {
    /// `git`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// URL.
    pub url: String,
}

/// `server`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestServer {
    /// `binary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `server/<binary>`.
    pub entry_point: String,
    /// The command line.
    pub mcp_config: McpConfig,
}

/// `server.mcp_config`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpConfig {
    /// `${__dirname}/server/<binary>`.
    pub command: String,
    /// No arguments: stdio.
    pub args: Vec<String>,
    /// Settings, filled from `user_config`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// A tool entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestTool {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `compatibility`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compatibility {
    /// `darwin`, `win32` or `linux`.
    pub platforms: Vec<&'static str>,
}

/// A `user_config` option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserConfigOption {
    /// `string`, `number`, `boolean`, `directory` or `file`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Display name.
    pub title: String,
    /// Help text.
    pub description: String,
    /// Must be given.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Masked and stored securely.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// Default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl From<&Setting> for UserConfigOption {
    fn from(s: &Setting) -> Self {
        UserConfigOption {
            kind: s.setting_kind().mcpb_type(),
            title: s.display_title().to_owned(),
            description: s.describe().unwrap_or(s.display_title()).to_owned(),
            required: s.is_required(),
            sensitive: s.is_secret(),
            default: s.default_str().map(str::to_owned),
        }
    }
}

/// The MCPB name of the platform this was compiled for.
pub fn current_platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        _ => "linux",
    }
}

impl Server {
    /// The bundle manifest for a binary stored as `server/<binary_file>`.
    pub fn mcpb_manifest(&self, binary_file: &str) -> Manifest {
        let info = self.info();
        let identity = self.identity();
        let krate = identity.crate_meta();
        let description = short_description(self);
        let long_description = info
            .description
            .as_ref()
            .filter(|d| d.trim() != description)
            .cloned();
        let author = krate
            .authors
            .first()
            .map(|a| parse_author(a))
            .unwrap_or_else(|| Author {
                name: identity
                    .repository()
                    .and_then(|r| r.owner())
                    .unwrap_or(&info.name)
                    .to_owned(),
                email: None,
            });
        let entry_point = format!("server/{binary_file}");
        Manifest {
            manifest_version: MANIFEST_VERSION,
            name: info.name.clone(),
            display_name: info.title.clone(),
            version: info.version.clone(),
            description,
            long_description,
            author,
            repository: identity.repository().map(|r| ManifestRepository {
                kind: "git",
                url: r.url.clone(),
            }),
            homepage: info.website_url.clone(),
            server: ManifestServer {
                kind: "binary",
                mcp_config: McpConfig {
                    command: format!("${{__dirname}}/{entry_point}"),
                    args: Vec::new(),
                    env: identity
                        .settings()
                        .iter()
                        .map(|s| {
                            (
                                s.env_name().to_owned(),
                                format!("${{user_config.{}}}", s.config_key()),
                            )
                        })
                        .collect(),
                },
                entry_point,
            },
            tools: self
                .tools()
                .into_iter()
                .map(|t| ManifestTool {
                    name: t.name,
                    description: t.description,
                })
                .collect(),
            prompts_generated: !self.shared.prompts.load().is_empty(),
            license: krate.license.clone(),
            compatibility: Compatibility {
                platforms: vec![current_platform()],
            },
            user_config: identity
                .settings()
                .iter()
                .map(|s| (s.config_key(), UserConfigOption::from(s)))
                .collect(),
        }
    }
}

/// `Name <email>` → name and e-mail.
fn parse_author(a: &str) -> Author {
    match a.split_once('<') {
        Some((name, rest)) => Author {
            name: name.trim().to_owned(),
            email: rest
                .split_once('>')
                .map(|(e, _)| e.trim().to_owned())
                .filter(|e| !e.is_empty()),
        },
        None => Author {
            name: a.trim().to_owned(),
            email: None,
        },
    }
}

#[cfg(feature = "cli")]
pub use bundle::{write_bundle, Bundle};

#[cfg(feature = "cli")]
mod bundle {
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use sha2::{Digest, Sha256};
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    use crate::server::Server;

    /// A written bundle.
    #[derive(Debug, Clone)]
    pub struct Bundle {
        /// Where it was written.
        pub path: PathBuf,
        /// SHA-256 of the file (for `server.json`'s `fileSha256`).
        pub sha256: String,
        /// Size in bytes.
        pub size: u64,
        /// The entries, in order.
        pub entries: Vec<String>,
    }

    /// Writes `out`: `manifest.json` and `binary` as `server/<its file name>`
    /// (mode 755). The file appears whole or not at all.
    pub fn write_bundle(server: &Server, binary: &Path, out: &Path) -> std::io::Result<Bundle> {
        let file_name = binary
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| std::io::Error::other("the binary has no file name"))?
            .to_owned();
        let manifest = server.mcpb_manifest(&file_name);
        let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        let binary_bytes = std::fs::read(binary)?;
        let tmp = out.with_extension("mcpb.partial");
        let result = (|| {
            let mut zip = zip::ZipWriter::new(std::fs::File::create(&tmp)?);
            let options =
                SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
            zip.start_file("manifest.json", options.unix_permissions(0o644))
                .map_err(std::io::Error::other)?;
            zip.write_all(&manifest_json)?;
            zip.write_all(b"\n")?;
            let entry = format!("server/{file_name}");
            zip.start_file(&*entry, options.unix_permissions(0o755))
                .map_err(std::io::Error::other)?;
            zip.write_all(&binary_bytes)?;
            zip.finish().map_err(std::io::Error::other)?.sync_all()?;
            std::fs::rename(&tmp, out)?;
            Ok(vec!["manifest.json".to_owned(), entry])
        })();
        let entries = match result {
            Ok(entries) => entries,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let bytes = std::fs::read(out)?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Bundle {
            path: out.to_path_buf(),
            sha256,
            size: bytes.len() as u64,
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_split_into_name_and_email() {
        assert_eq!(
            parse_author("Ada Lovelace <ada@example.com>"),
            Author {
                name: "Ada Lovelace".into(),
                email: Some("ada@example.com".into())
            }
        );
        assert_eq!(parse_author("Ada").email, None);
    }
}
