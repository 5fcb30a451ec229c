//! Who the server is outside the protocol: the documents that describe it before anyone
//! connects, and the ones that install it.
//!
//! * [`card`]: the server card (SEP-2127 draft) and its AI Catalog entry, served by the
//!   HTTP transport and printed by `card`.
//! * [`server_json`]: `server.json` for the official MCP Registry.
//! * [`mcpb`]: the MCPB bundle manifest (`manifest.json`).
//! * [`clients`]: configuration snippets for MCP clients and their config files.
//!
//! All of them read one [`Identity`], resolved once by [`ServerBuilder::build`] from the
//! builder and the Cargo metadata of the server's crate. `serverInfo` (in `initialize`
//! and `server/discover`) is part of it, so the card and the live server never disagree.
//!
//! [`ServerBuilder::build`]: crate::ServerBuilder::build

pub mod card;
pub mod clients;
pub mod json;
pub mod mcpb;
mod names;
pub mod server_json;
mod settings;

pub use names::Repository;
pub use settings::{Setting, SettingKind};

use crate::error::{Error, Result};
use crate::protocol::types::Implementation;
use crate::protocol::ProtocolVersion;
use crate::registry::CrateInfo;
use crate::server::{Server, ServerBuilder};

/// Cargo metadata of the server's crate, owned (the fallback when no crate is known is
/// made at run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateMeta {
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// `description`, if set.
    pub description: Option<String>,
    /// `homepage`, if set.
    pub homepage: Option<String>,
    /// `repository`, if set.
    pub repository: Option<String>,
    /// `license`, if set.
    pub license: Option<String>,
    /// `authors`, in manifest order.
    pub authors: Vec<String>,
}

impl From<CrateInfo> for CrateMeta {
    fn from(c: CrateInfo) -> Self {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        CrateMeta {
            name: c.name.to_owned(),
            version: c.version.to_owned(),
            description: opt(c.description),
            homepage: opt(c.homepage),
            repository: opt(c.repository),
            license: opt(c.license),
            authors: c
                .authors
                .split(':')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// What the builder was told about identity beyond `serverInfo`.
#[derive(Default)]
pub(crate) struct IdentityConfig {
    registry_name: Option<String>,
    repository: Option<String>,
    remotes: Vec<String>,
    settings: Vec<Setting>,
    crate_info: Option<CrateInfo>,
}

/// The server's identity, resolved once when it is built.
#[derive(Debug, Clone)]
pub struct Identity {
    registry_name: String,
    krate: CrateMeta,
    repository: Option<Repository>,
    remotes: Vec<String>,
    settings: Vec<Setting>,
}

impl Identity {
    /// The reverse-DNS name (`io.github.owner/server`) of the card, `server.json` and
    /// the MCPB manifest's `_meta`.
    pub fn registry_name(&self) -> &str {
        &self.registry_name
    }

    /// The Cargo metadata in effect.
    pub fn crate_meta(&self) -> &CrateMeta {
        &self.krate
    }

    /// The source repository, if known.
    pub fn repository(&self) -> Option<&Repository> {
        self.repository.as_ref()
    }

    /// Public URLs of HTTP deployments ([`ServerBuilder::remote`]).
    pub fn remotes(&self) -> &[String] {
        &self.remotes
    }

    /// Declared settings ([`ServerBuilder::setting`]).
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// Required settings whose environment variable is unset or empty.
    pub fn missing_settings(&self) -> Vec<&Setting> {
        self.settings
            .iter()
            .filter(|s| {
                s.is_required() && std::env::var_os(s.env_name()).is_none_or(|v| v.is_empty())
            })
            .collect()
    }
}

/// Every protocol revision the endpoints serve, oldest first: what a card's remote
/// declares in `supportedProtocolVersions`.
pub fn supported_protocol_versions() -> Vec<&'static str> {
    ProtocolVersion::SESSION
        .iter()
        .chain(ProtocolVersion::SESSIONLESS.iter())
        .map(|v| v.as_str())
        .collect()
}

impl ServerBuilder {
    /// Sets the reverse-DNS name used by the server card, `server.json` and MCPB
    /// bundles, e.g. `"io.github.acme/weather"` (the MCP Registry verifies the
    /// namespace: `io.github.<user>` through GitHub, a domain through DNS or HTTP).
    ///
    /// By default it is derived from the repository (`https://github.com/acme/...` gives
    /// `io.github.acme/<name>`), else from the homepage's domain (`com.example/<name>`),
    /// where `<name>` is `serverInfo.name`.
    pub fn registry_name(mut self, name: impl Into<String>) -> Self {
        self.identity.registry_name = Some(name.into());
        self
    }

    /// Sets the source repository URL (default: the crate's `repository`).
    pub fn repository(mut self, url: impl Into<String>) -> Self {
        self.identity.repository = Some(url.into());
        self
    }

    /// Adds the public URL of an HTTP deployment of this server
    /// (`https://weather.example.com/mcp`): listed in the server card's and
    /// `server.json`'s `remotes`. Without one, an HTTP server's card names the address
    /// it listens on.
    pub fn remote(mut self, url: impl Into<String>) -> Self {
        self.identity.remotes.push(url.into());
        self
    }

    /// Declares a setting the server reads from its environment: it becomes the MCPB
    /// manifest's `user_config`, `server.json`'s `environmentVariables` and the `env`
    /// of client configuration snippets; a missing required one stops the server at
    /// startup with a clear message.
    ///
    /// ```
    /// use mcp_runtime::{Server, Setting};
    /// let builder = Server::builder().setting(
    ///     Setting::env("WEATHER_API_KEY").title("API key").secret().required(),
    /// );
    /// ```
    pub fn setting(mut self, setting: Setting) -> Self {
        self.identity.settings.push(setting);
        self
    }

    /// Uses this crate's metadata (from [`crate_info!`](crate::crate_info)) for the
    /// defaults of `serverInfo`, the card, `--help` and `--version`.
    ///
    /// Needed only when the binary's crate defines no registered items itself (they all
    /// live in library crates): by default the metadata is that of the binary's own crate
    /// when it defines items, else only the executable's name is known (version
    /// `0.0.0`); a library's metadata never names the server.
    pub fn crate_info(mut self, info: CrateInfo) -> Self {
        self.identity.crate_info = Some(info);
        self
    }
}

/// The pieces of `build` that concern identity: `serverInfo` defaults and the rest.
pub(crate) fn resolve(
    config: IdentityConfig,
    default_crate: Option<CrateInfo>,
    info: InfoOverrides,
) -> Result<(Implementation, Identity)> {
    let krate = match config.crate_info.or(default_crate) {
        Some(c) => CrateMeta::from(c),
        None => CrateMeta {
            name: crate::server::executable_name(),
            version: "0.0.0".to_owned(),
            description: None,
            homepage: None,
            repository: None,
            license: None,
            authors: Vec::new(),
        },
    };
    let implementation = Implementation {
        name: info.name.unwrap_or_else(|| krate.name.clone()),
        version: info.version.unwrap_or_else(|| krate.version.clone()),
        title: info.title,
        description: info.description.or_else(|| krate.description.clone()),
        website_url: info.website_url.or_else(|| krate.homepage.clone()),
        icons: info.icons,
    };
    let repository = config
        .repository
        .or_else(|| krate.repository.clone())
        .map(|url| Repository::parse(&url));
    let registry_name = match config.registry_name {
        Some(name) => {
            names::check_registry_name(&name).map_err(Error::startup)?;
            name
        }
        None => names::derive_registry_name(
            repository.as_ref(),
            implementation.website_url.as_deref(),
            &implementation.name,
        ),
    };
    for remote in &config.remotes {
        if !(remote.starts_with("https://") || remote.starts_with("http://")) {
            return Err(Error::startup(format!(
                "remote `{remote}`: must be an http:// or https:// URL"
            )));
        }
    }
    settings::check(&config.settings).map_err(Error::startup)?;
    Ok((
        implementation,
        Identity {
            registry_name,
            krate,
            repository,
            remotes: config.remotes,
            settings: config.settings,
        },
    ))
}

/// `serverInfo` fields set on the builder.
pub(crate) struct InfoOverrides {
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) website_url: Option<String>,
    pub(crate) icons: Vec<crate::protocol::types::Icon>,
}

impl Server {
    /// The server's identity: registry name, repository, remotes, settings, Cargo
    /// metadata. `serverInfo` is [`Server::info`].
    pub fn identity(&self) -> &Identity {
        &self.shared.identity
    }
}
