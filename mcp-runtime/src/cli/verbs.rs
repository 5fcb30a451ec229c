//! The verbs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::args::{ClientArgs, Command, Input, Kind};
use super::output::{self, Section};
use super::session::Session;
use super::Failure;
use crate::error::{Error, Result};
use crate::identity::clients::{self, Client, EnvValue, Launch, Merge};
use crate::identity::json::Json;
use crate::identity::server_json::{github_release_url, McpbSource};
use crate::server::Server;

type Outcome = std::result::Result<(), Failure>;

/// No verb: serve stdio, or HTTP with `--http`.
pub(super) async fn serve(server: Server, http: Option<String>) -> Result<()> {
    if let Some(missing) = missing_settings(&server) {
        let _ = writeln!(std::io::stderr(), "error: {missing}");
        std::process::exit(1);
    }
    let Some(addr) = http else {
        return server.serve_stdio().await;
    };
    serve_http(server, &addr).await
}

#[cfg(feature = "http")]
async fn serve_http(server: Server, addr: &str) -> Result<()> {
    let shutdown = crate::transport::http::shutdown_signal();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::startup(format!("cannot listen on {addr}: {e}")))?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    let _ = std::io::stdout().flush();
    server
        .serve_http_on(
            listener,
            crate::transport::http::HttpConfig::default(),
            shutdown,
        )
        .await
}

#[cfg(not(feature = "http"))]
async fn serve_http(_: Server, _: &str) -> Result<()> {
    Err(Error::startup(
        "--http needs mcpserve's `http` feature (on by default)",
    ))
}

fn missing_settings(server: &Server) -> Option<String> {
    let missing = server.identity().missing_settings();
    let first = missing.first()?;
    let what = first
        .describe()
        .map_or_else(|| first.display_title().to_owned(), str::to_owned);
    Some(format!(
        "missing required setting {} ({what}): set the environment variable",
        first.env_name()
    ))
}

fn check_settings(server: &Server) -> Outcome {
    missing_settings(server).map_or(Ok(()), |m| Err(Failure::failed(m)))
}

pub(super) async fn run(server: Server, command: Command) -> Outcome {
    match command {
        Command::List { kind, json } => list(server, kind, json).await,
        Command::Call { tool, input } => call(server, &tool, input).await,
        Command::Read { uri, json } => read(server, &uri, json).await,
        Command::Prompt { name, input } => prompt(server, &name, input).await,
        Command::Config(c) => config(&server, &c),
        Command::Install { client, yes } => install(&server, &client, yes),
        Command::Card { remotes } => {
            let remotes = if remotes.is_empty() {
                server.identity().remotes().to_vec()
            } else {
                remotes
            };
            print_json(&server.server_card_with(&remotes))
        }
        Command::ServerJson {
            remotes,
            mcpb_url,
            mcpb_file,
        } => server_json(&server, &remotes, mcpb_url, mcpb_file.as_deref()),
        Command::Bundle { out } => bundle(&server, &out),
    }
}

fn print_json(value: &impl serde::Serialize) -> Outcome {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::failed(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn parse_raw(raw: &serde_json::value::RawValue) -> Json {
    Json::parse(raw.get()).unwrap_or(Json::Null)
}

/// Every item of a list method, following cursors.
async fn list_all(
    session: &Session,
    method: &str,
    key: &str,
) -> std::result::Result<Vec<Json>, Failure> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => serde_json::json!({ "cursor": c }),
            None => serde_json::json!({}),
        };
        let page = parse_raw(&session.request(method, params).await?);
        if let Some(batch) = page.get(key).and_then(Json::as_array) {
            items.extend(batch.iter().cloned());
        }
        match page.get("nextCursor").and_then(Json::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Ok(items),
        }
    }
}

async fn list(server: Server, kind: Option<Kind>, json: bool) -> Outcome {
    let session = Session::start(server).await?;
    let wanted = |k: Kind| kind.is_none_or(|only| only == k);
    let kinds = [
        (Kind::Tools, "tools/list", "tools"),
        (Kind::Resources, "resources/list", "resources"),
        (
            Kind::Templates,
            "resources/templates/list",
            "resourceTemplates",
        ),
        (Kind::Prompts, "prompts/list", "prompts"),
    ];
    let mut results: Vec<(Kind, &str, Vec<Json>)> = Vec::new();
    for (k, method, key) in kinds {
        if wanted(k) {
            results.push((k, key, list_all(&session, method, key).await?));
        }
    }
    if json {
        let doc = Json::object(
            results
                .into_iter()
                .map(|(_, key, items)| (key, Json::Array(items))),
        );
        println!("{}", doc.pretty());
        return Ok(());
    }
    let sections: Vec<Section> = results
        .iter()
        .map(|(k, _, items)| {
            let s = |item: &Json, key: &str| {
                item.get(key)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let describe = |item: &Json| {
                let d = output::summary(item.get("description"));
                if d.is_empty() {
                    output::summary(item.get("title"))
                } else {
                    d
                }
            };
            let rows = items.iter().map(|item| match k {
                Kind::Tools => [
                    s(item, "name"),
                    output::params(item.get("inputSchema")),
                    describe(item),
                ],
                Kind::Resources => [s(item, "uri"), s(item, "mimeType"), describe(item)],
                Kind::Templates => [s(item, "uriTemplate"), s(item, "mimeType"), describe(item)],
                Kind::Prompts => {
                    let args = item
                        .get("arguments")
                        .and_then(Json::as_array)
                        .unwrap_or_default()
                        .iter()
                        .map(|a| {
                            let required = matches!(a.get("required"), Some(Json::Bool(true)));
                            format!("{}{}", s(a, "name"), if required { "" } else { "?" })
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    [s(item, "name"), args, describe(item)]
                }
            });
            Section {
                title: match k {
                    Kind::Tools => "Tools",
                    Kind::Resources => "Resources",
                    Kind::Templates => "Resource templates",
                    Kind::Prompts => "Prompts",
                },
                rows: rows.collect(),
            }
        })
        .collect();
    print!("{}", output::table(&sections));
    Ok(())
}

/// The arguments object from a JSON text and `KEY=VALUE` pairs (which win), each value
/// typed by `types` (the property's schema type) when it says how.
fn arguments(
    input: &Input,
    types: impl Fn(&str) -> Option<String>,
) -> std::result::Result<Map<String, Value>, Failure> {
    let mut args = match &input.arguments {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(Failure::usage(
                    "arguments must be a JSON object, e.g. '{\"a\": 1}'",
                ))
            }
            Err(e) => return Err(Failure::usage(format!("invalid JSON arguments: {e}"))),
        },
    };
    for pair in &input.args {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(Failure::usage(format!(
                "--arg expects KEY=VALUE, got `{pair}`"
            )));
        };
        let value = match types(key).as_deref() {
            Some("string") => Value::String(raw.to_owned()),
            Some(_) | None => {
                serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
            }
        };
        args.insert(key.to_owned(), value);
    }
    Ok(args)
}

/// The text of a result's content blocks (`content`) or resource contents (`contents`).
fn blocks(result: &Json, key: &str) -> String {
    let mut text = String::new();
    for item in result.get(key).and_then(Json::as_array).unwrap_or_default() {
        match key {
            "contents" => output::resource_contents(item, &mut text),
            _ => output::content_block(item, &mut text),
        }
    }
    text
}

async fn call(server: Server, name: &str, input: Input) -> Outcome {
    check_settings(&server)?;
    let tools = server.tools();
    let Some(tool) = tools.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        return Err(Failure::failed(format!(
            "unknown tool `{name}` (tools: {})",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    let schema = tool.input_schema.clone();
    let args = arguments(&input, |key| match &schema["properties"][key]["type"] {
        Value::String(t) => Some(t.clone()),
        // `["string", "null"]`: text unless it is JSON `null`.
        Value::Array(ts) if ts.iter().all(|t| t == "string" || t == "null") => {
            Some("string".into())
        }
        _ => None,
    })?;
    let session = Session::start(server).await?;
    let params = serde_json::json!({
        "name": name,
        "arguments": args,
        "_meta": { "progressToken": "cli" },
    });
    let result = parse_raw(&session.request("tools/call", params).await?);
    if matches!(result.get("isError"), Some(Json::Bool(true))) {
        let text = blocks(&result, "content");
        let line = text
            .trim()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Failure::failed(if line.is_empty() {
            format!("tool `{name}` failed")
        } else {
            line
        }));
    }
    if input.json {
        println!("{}", result.pretty());
    } else if let Some(structured) = result.get("structuredContent") {
        println!("{}", structured.pretty());
    } else {
        print!("{}", blocks(&result, "content"));
    }
    Ok(())
}

async fn read(server: Server, uri: &str, as_json: bool) -> Outcome {
    check_settings(&server)?;
    let session = Session::start(server).await?;
    let params = serde_json::json!({ "uri": uri });
    let result = parse_raw(&session.request("resources/read", params).await?);
    if as_json {
        println!("{}", result.pretty());
    } else {
        print!("{}", blocks(&result, "contents"));
    }
    Ok(())
}

async fn prompt(server: Server, name: &str, input: Input) -> Outcome {
    check_settings(&server)?;
    // Prompt arguments are strings on the wire.
    let args: Map<String, Value> = arguments(&input, |_| Some("string".into()))?
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(_) => (k, v),
            other => (k, Value::String(other.to_string())),
        })
        .collect();
    let session = Session::start(server).await?;
    let params = serde_json::json!({ "name": name, "arguments": args });
    let result = parse_raw(&session.request("prompts/get", params).await?);
    if input.json {
        println!("{}", result.pretty());
        return Ok(());
    }
    let mut text = String::new();
    let messages = result
        .get("messages")
        .and_then(Json::as_array)
        .unwrap_or_default();
    for (i, message) in messages.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let role = message.get("role").and_then(Json::as_str).unwrap_or("user");
        text.push_str(&format!("[{role}]\n"));
        if let Some(content) = message.get("content") {
            output::content_block(content, &mut text);
        }
    }
    print!("{text}");
    Ok(())
}

/// This executable, by absolute path.
fn this_binary() -> std::result::Result<PathBuf, Failure> {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Failure::failed(format!("cannot locate this binary: {e}")))
}

/// The launch a client configuration describes: this binary (absolute path), or a URL.
fn launch(server: &Server, c: &ClientArgs) -> std::result::Result<Launch, Failure> {
    if let Some(url) = &c.url {
        return Ok(Launch::Http { url: url.clone() });
    }
    let exe = this_binary()?;
    let mut given = Vec::new();
    for pair in &c.env {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(Failure::usage(format!(
                "--env expects KEY=VALUE, got `{pair}`"
            )));
        };
        given.push((k.to_owned(), v.to_owned()));
    }
    Ok(Launch::Stdio {
        command: exe.to_string_lossy().into_owned(),
        args: c.args.clone(),
        env: clients::launch_env(server.identity().settings(), &given),
    })
}

fn unfilled(launch: &Launch, client: Client) -> Vec<String> {
    match launch {
        Launch::Stdio { env, .. } if client != Client::Vscode => env
            .iter()
            .filter(|(_, v)| matches!(v, EnvValue::Ask { .. }))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    }
}

fn config(server: &Server, c: &ClientArgs) -> Outcome {
    let launch = launch(server, c)?;
    let name = c.name.clone().unwrap_or_else(|| server.info().name.clone());
    let doc = clients::snippet(c.client, &name, &launch).map_err(|e| Failure::failed(e.0))?;
    println!("{}", doc.pretty());
    for k in unfilled(&launch, c.client) {
        eprintln!("note: replace <{k}> with its value (or pass --env {k}=VALUE)");
    }
    Ok(())
}

fn home() -> std::result::Result<PathBuf, Failure> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| Failure::failed("cannot find the home directory (HOME is not set)"))
}

fn install(server: &Server, c: &ClientArgs, yes: bool) -> Outcome {
    let launch = launch(server, c)?;
    let name = c.name.clone().unwrap_or_else(|| server.info().name.clone());
    let path = c.client.config_path(&home()?, &|k| std::env::var(k).ok());
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::failed(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let merged = clients::merge(c.client, existing.as_deref().unwrap_or(""), &name, &launch)
        .map_err(|e| {
            Failure::failed(format!(
                "{}: {e}; fix or move it, then retry",
                path.display()
            ))
        })?;
    let (document, verb) = match merged {
        Merge::Unchanged => {
            println!(
                "`{name}` is already in {} ({})",
                path.display(),
                c.client.display_name()
            );
            return Ok(());
        }
        Merge::Added(doc) => (doc, "add"),
        Merge::Replaced { document, .. } => (document, "replace"),
    };
    let (entry, _) = clients::entry(c.client, &launch).map_err(|e| Failure::failed(e.0))?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::failed(format!(
                "would {verb} `{name}` in {}; stdin is not a terminal to ask, re-run with --yes",
                path.display()
            )));
        }
        eprintln!(
            "{} ({}): {verb} `{name}`:",
            path.display(),
            c.client.display_name()
        );
        eprintln!("{}", entry.pretty());
        eprint!("Write it? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(Failure::failed("nothing written"));
        }
    }
    write_config(&path, existing.is_some(), &document)?;
    println!(
        "{} `{name}` in {}; restart {} to load it",
        if verb == "add" { "added" } else { "replaced" },
        path.display(),
        c.client.display_name()
    );
    for k in unfilled(&launch, c.client) {
        eprintln!("note: `{k}` is a placeholder: edit the file or re-run with --env {k}=VALUE");
    }
    Ok(())
}

/// Writes the whole file at once (temporary file + rename), keeping the previous
/// version as `<file>.bak`.
fn write_config(path: &Path, existed: bool, document: &Json) -> Outcome {
    let fail = |e: std::io::Error| Failure::failed(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    if existed {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        std::fs::copy(path, &backup).map_err(fail)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let mut text = document.pretty();
    text.push('\n');
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

fn sha256_file(path: &Path) -> std::result::Result<String, Failure> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::failed(format!("cannot read {}: {e}", path.display())))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn server_json(
    server: &Server,
    remotes: &[String],
    url: Option<String>,
    file: Option<&Path>,
) -> Outcome {
    let sha256 = file.map(sha256_file).transpose()?;
    let default_file = || {
        file.and_then(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}.mcpb", server.info().name))
    };
    let url = url.or_else(|| {
        let repo = server.identity().repository()?;
        github_release_url(repo, &server.info().version, &default_file())
    });
    let mcpb = match url {
        Some(url) => {
            if sha256.is_none() {
                eprintln!("note: the Registry requires fileSha256 for MCPB packages: pass --mcpb-file FILE.mcpb");
            }
            Some(McpbSource { url, sha256 })
        }
        None => {
            eprintln!(
                "note: no MCPB package listed: pass --mcpb-url URL (where the bundle is published)"
            );
            None
        }
    };
    print_json(&server.server_json(remotes, mcpb))
}

fn bundle(server: &Server, out: &Path) -> Outcome {
    let exe = this_binary()?;
    let written = crate::identity::mcpb::write_bundle(server, &exe, out)
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", out.display())))?;
    println!(
        "wrote {} ({} bytes, sha256 {}): {}",
        written.path.display(),
        written.size,
        written.sha256,
        written.entries.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_typed_by_the_schema() {
        let types = |k: &str| match k {
            "name" => Some("string".to_owned()),
            "n" => Some("integer".to_owned()),
            _ => None,
        };
        let input = |json: Option<&str>, args: &[&str]| Input {
            arguments: json.map(str::to_owned),
            args: args.iter().map(|a| a.to_string()).collect(),
            json: false,
        };
        let args = arguments(
            &input(
                Some(r#"{"n": 1, "keep": true}"#),
                &["name=42", "n=7", "list=[1,2]", "free=hello"],
            ),
            types,
        )
        .ok()
        .unwrap();
        assert_eq!(
            Value::Object(args),
            serde_json::json!({ "n": 7, "keep": true, "name": "42", "list": [1, 2], "free": "hello" })
        );
        assert_eq!(
            arguments(&input(Some("[1]"), &[]), types)
                .err()
                .unwrap()
                .code,
            2
        );
        assert_eq!(
            arguments(&input(None, &["oops"]), types)
                .err()
                .unwrap()
                .code,
            2
        );
    }
}
