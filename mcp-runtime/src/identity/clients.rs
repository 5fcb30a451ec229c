//! MCP clients: the configuration snippet that launches this binary (or reaches its HTTP
//! deployment) in each, where each keeps its configuration file, and merging an entry
//! into that file.

use std::path::{Path, PathBuf};

use super::json::Json;
use super::Setting;

/// A client whose configuration format is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Client {
    /// Claude Desktop (`claude_desktop_config.json`).
    Claude,
    /// Claude Code (user scope, `~/.claude.json`).
    ClaudeCode,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// Visual Studio Code (user `mcp.json`).
    Vscode,
    /// Windsurf (`~/.codeium/windsurf/mcp_config.json`).
    Windsurf,
    /// Gemini CLI (`~/.gemini/settings.json`).
    Gemini,
}

impl Client {
    /// Every known client, in the order `--help` lists them.
    pub const ALL: [Client; 6] = [
        Client::Claude,
        Client::ClaudeCode,
        Client::Cursor,
        Client::Vscode,
        Client::Windsurf,
        Client::Gemini,
    ];

    /// The command-line name.
    pub fn id(self) -> &'static str {
        match self {
            Client::Claude => "claude",
            Client::ClaudeCode => "claude-code",
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::Windsurf => "windsurf",
            Client::Gemini => "gemini",
        }
    }

    /// The product name.
    pub fn display_name(self) -> &'static str {
        match self {
            Client::Claude => "Claude Desktop",
            Client::ClaudeCode => "Claude Code",
            Client::Cursor => "Cursor",
            Client::Vscode => "VS Code",
            Client::Windsurf => "Windsurf",
            Client::Gemini => "Gemini CLI",
        }
    }

    /// Parses a command-line name.
    pub fn parse(id: &str) -> Option<Client> {
        Client::ALL.into_iter().find(|c| c.id() == id)
    }

    /// The object servers are listed under.
    fn servers_key(self) -> &'static str {
        match self {
            Client::Vscode => "servers",
            _ => "mcpServers",
        }
    }

    /// The user-level configuration file, under `home` (and the platform's application
    /// data folders, read from `env`).
    pub fn config_path(self, home: &Path, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
        let app_data = |app: &[&str]| -> PathBuf {
            let base = if cfg!(target_os = "macos") {
                home.join("Library/Application Support")
            } else if cfg!(windows) {
                env("APPDATA").map_or_else(|| home.join("AppData/Roaming"), PathBuf::from)
            } else {
                env("XDG_CONFIG_HOME")
                    .filter(|p| Path::new(p).is_absolute())
                    .map_or_else(|| home.join(".config"), PathBuf::from)
            };
            app.iter().fold(base, |p, part| p.join(part))
        };
        match self {
            Client::Claude => app_data(&["Claude", "claude_desktop_config.json"]),
            Client::ClaudeCode => home.join(".claude.json"),
            Client::Cursor => home.join(".cursor").join("mcp.json"),
            Client::Vscode => app_data(&["Code", "User", "mcp.json"]),
            Client::Windsurf => home
                .join(".codeium")
                .join("windsurf")
                .join("mcp_config.json"),
            Client::Gemini => home.join(".gemini").join("settings.json"),
        }
    }
}

/// How a client reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// Runs `command args…` with `env` and talks over stdio.
    Stdio {
        /// Absolute path of the binary.
        command: String,
        /// Arguments.
        args: Vec<String>,
        /// Environment, in declaration order.
        env: Vec<(String, EnvValue)>,
    },
    /// Connects to a Streamable HTTP endpoint.
    Http {
        /// The endpoint's URL.
        url: String,
    },
}

/// A value for an environment variable in a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// Given on the command line, or a setting's default.
    Value(String),
    /// Not known: a placeholder the user replaces (VS Code prompts for it instead).
    Ask {
        /// The setting.
        title: String,
        /// Masked input.
        secret: bool,
    },
}

/// The environment of a stdio launch: each declared setting with the value given in
/// `given` (`KEY=VALUE` pairs), its default, or a prompt; plus the given ones that are
/// not settings. Optional settings without a value are left out.
pub fn launch_env(settings: &[Setting], given: &[(String, String)]) -> Vec<(String, EnvValue)> {
    let mut env: Vec<(String, EnvValue)> = Vec::new();
    for s in settings {
        let value = given
            .iter()
            .rev()
            .find(|(k, _)| k == s.env_name())
            .map(|(_, v)| EnvValue::Value(v.clone()))
            .or_else(|| s.default_str().map(|d| EnvValue::Value(d.to_owned())))
            .or_else(|| {
                s.is_required().then(|| EnvValue::Ask {
                    title: s.display_title().to_owned(),
                    secret: s.is_secret(),
                })
            });
        if let Some(v) = value {
            env.push((s.env_name().to_owned(), v));
        }
    }
    for (k, v) in given {
        if !env.iter().any(|(name, _)| name == k) {
            env.push((k.clone(), EnvValue::Value(v.clone())));
        }
    }
    env
}

/// Why a client cannot be configured this way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The server's entry for `client` and, for VS Code, the `inputs` its placeholders use.
pub fn entry(client: Client, launch: &Launch) -> Result<(Json, Vec<Json>), Unsupported> {
    let mut inputs = Vec::new();
    let entry = match launch {
        Launch::Http { url } => {
            let url = Json::str(url.clone());
            match client {
                Client::Claude => {
                    return Err(Unsupported(
                        "Claude Desktop's config file only launches local servers; add a remote server under Settings > Connectors".into(),
                    ))
                }
                Client::ClaudeCode | Client::Vscode => {
                    Json::object([("type", Json::str("http")), ("url", url)])
                }
                Client::Cursor => Json::object([("url", url)]),
                Client::Windsurf => Json::object([("serverUrl", url)]),
                Client::Gemini => Json::object([("httpUrl", url)]),
            }
        }
        Launch::Stdio { command, args, env } => {
            let mut members = Vec::new();
            if matches!(client, Client::Vscode | Client::ClaudeCode) {
                members.push(("type".to_owned(), Json::str("stdio")));
            }
            members.push(("command".to_owned(), Json::str(command.clone())));
            members.push((
                "args".to_owned(),
                Json::Array(args.iter().cloned().map(Json::String).collect()),
            ));
            if !env.is_empty() {
                let vars = env.iter().map(|(k, v)| {
                    let value = match v {
                        EnvValue::Value(v) => v.clone(),
                        EnvValue::Ask { title, secret } if client == Client::Vscode => {
                            let id = k.to_ascii_lowercase().replace('_', "-");
                            inputs.push(Json::object([
                                ("type", Json::str("promptString")),
                                ("id", Json::str(id.clone())),
                                ("description", Json::str(title.clone())),
                                ("password", Json::Bool(*secret)),
                            ]));
                            format!("${{input:{id}}}")
                        }
                        EnvValue::Ask { .. } => format!("<{k}>"),
                    };
                    (k.clone(), Json::String(value))
                });
                members.push(("env".to_owned(), Json::object(vars)));
            }
            Json::Object(members)
        }
    };
    Ok((entry, inputs))
}

/// The whole snippet for `client`: its configuration file's shape with one server in it.
pub fn snippet(client: Client, name: &str, launch: &Launch) -> Result<Json, Unsupported> {
    let (entry, inputs) = entry(client, launch)?;
    let mut doc = Json::object([(client.servers_key(), Json::object([(name, entry)]))]);
    if !inputs.is_empty() {
        doc.insert("inputs", Json::Array(inputs));
    }
    Ok(doc)
}

/// What merging an entry into a configuration file would do.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// The file already has exactly this entry.
    Unchanged,
    /// The entry is new.
    Added(Json),
    /// An entry with this name exists and differs: this is the file with it replaced.
    Replaced {
        /// The entry that is there now.
        previous: Json,
        /// The updated file.
        document: Json,
    },
}

/// Merges the server's entry (and VS Code `inputs`) into the text of a configuration
/// file (empty for a missing file), keeping every other key and their order.
pub fn merge(client: Client, existing: &str, name: &str, launch: &Launch) -> Result<Merge, String> {
    let (entry, inputs) = entry(client, launch).map_err(|e| e.0)?;
    let mut doc = if existing.trim().is_empty() {
        Json::Object(Vec::new())
    } else {
        Json::parse(existing).map_err(|e| format!("not valid JSON ({e})"))?
    };
    if !matches!(doc, Json::Object(_)) {
        return Err("the top level is not a JSON object".into());
    }
    let servers = doc
        .entry(client.servers_key(), Json::Object(Vec::new()))
        .expect("an object");
    if !matches!(servers, Json::Object(_)) {
        return Err(format!("`{}` is not a JSON object", client.servers_key()));
    }
    let previous = servers.get(name).cloned();
    if previous.as_ref() == Some(&entry) && inputs.is_empty() {
        return Ok(Merge::Unchanged);
    }
    servers.insert(name, entry);
    if !inputs.is_empty() {
        let list = doc
            .entry("inputs", Json::Array(Vec::new()))
            .expect("an object");
        if let Json::Array(items) = list {
            for input in inputs {
                let id = input.get("id").cloned();
                items.retain(|i| i.get("id") != id.as_ref());
                items.push(input);
            }
        }
    }
    Ok(match previous {
        None => Merge::Added(doc),
        Some(previous) => Merge::Replaced {
            previous,
            document: doc,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdio(env: Vec<(String, EnvValue)>) -> Launch {
        Launch::Stdio {
            command: "/opt/weather".into(),
            args: vec![],
            env,
        }
    }

    #[test]
    fn claude_snippets_list_command_args_and_env_in_that_order() {
        let env = vec![(
            "KEY".to_owned(),
            EnvValue::Ask {
                title: "API key".into(),
                secret: true,
            },
        )];
        let s = snippet(Client::Claude, "weather", &stdio(env)).unwrap();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"mcpServers":{"weather":{"command":"/opt/weather","args":[],"env":{"KEY":"<KEY>"}}}}"#
        );
    }

    #[test]
    fn vscode_prompts_for_unknown_values() {
        let env = vec![(
            "API_KEY".to_owned(),
            EnvValue::Ask {
                title: "API key".into(),
                secret: true,
            },
        )];
        let s = snippet(Client::Vscode, "weather", &stdio(env)).unwrap();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"servers":{"weather":{"type":"stdio","command":"/opt/weather","args":[],"env":{"API_KEY":"${input:api-key}"}}},"inputs":[{"type":"promptString","id":"api-key","description":"API key","password":true}]}"#
        );
    }

    #[test]
    fn merging_keeps_other_servers_and_key_order() {
        let existing = r#"{"theme":"dark","mcpServers":{"other":{"command":"x"}},"z":1}"#;
        let Merge::Added(doc) = merge(Client::Claude, existing, "weather", &stdio(vec![])).unwrap()
        else {
            panic!("expected an addition")
        };
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            r#"{"theme":"dark","mcpServers":{"other":{"command":"x"},"weather":{"command":"/opt/weather","args":[]}},"z":1}"#
        );
        let again = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            merge(Client::Claude, &again, "weather", &stdio(vec![])).unwrap(),
            Merge::Unchanged
        );
        assert!(merge(Client::Claude, "[1]", "weather", &stdio(vec![])).is_err());
    }

    #[test]
    fn claude_desktop_refuses_remote_urls() {
        let http = Launch::Http {
            url: "https://x/mcp".into(),
        };
        assert!(snippet(Client::Claude, "w", &http).is_err());
        assert_eq!(
            serde_json::to_string(&snippet(Client::Windsurf, "w", &http).unwrap()).unwrap(),
            r#"{"mcpServers":{"w":{"serverUrl":"https://x/mcp"}}}"#
        );
    }
}
