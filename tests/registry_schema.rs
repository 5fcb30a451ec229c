//! `server.json` against the official MCP Registry schema (`2025-12-11`, copied in
//! `tests/fixtures/registry/`), and cards against the server-card draft's schema: what the
//! `server-json` and `card` verbs print, and documents built from a fully configured
//! builder (settings, icons, remotes).

mod common;

use std::path::Path;
use std::process::Command;

use mcpserve::prelude::*;
use mcpserve::{Setting, SettingKind};
use serde_json::{json, Value};

fn fixture(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn registry_validator() -> jsonschema::Validator {
    jsonschema::validator_for(&fixture("registry/server.schema.json"))
        .expect("the registry schema compiles")
}

fn card_validator() -> jsonschema::Validator {
    let mut schema = fixture("server-card/schema.json");
    schema["$ref"] = json!("#/$defs/ServerCard");
    jsonschema::validator_for(&schema).expect("the card schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} is invalid: {errors:#?}\n{doc:#}");
}

fn quickstart(args: &[&str]) -> Value {
    let out = Command::new(common::example_bin("quickstart"))
        .args(args)
        .output()
        .expect("run quickstart");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn the_validators_reject_what_the_registry_rejects() {
    // A test that cannot fail proves nothing: the copies must bite.
    let registry = registry_validator();
    assert!(
        !registry.is_valid(&json!({ "name": "no-namespace", "description": "x", "version": "1" }))
    );
    assert!(!registry
        .is_valid(&json!({ "name": "a.b/c", "description": "x".repeat(101), "version": "1" })));
    assert!(!registry.is_valid(&json!({ "name": "a.b/c", "description": "x", "version": "1",
        "packages": [{ "registryType": "mcpb", "identifier": "https://x", "version": "latest", "transport": { "type": "stdio" } }] })));
    let card = card_validator();
    assert!(!card.is_valid(&json!({ "name": "a.b/c", "description": "x", "version": "1" })));
    assert!(!card.is_valid(&json!({ "$schema": "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json",
        "name": "a.b/c", "description": "x", "version": "1", "remotes": [{ "type": "stdio", "url": "x" }] })));
}

#[test]
fn server_json_with_a_bundle_and_remotes_is_valid() {
    let bundle =
        std::env::temp_dir().join(format!("mcpserve-registry-{}.mcpb", std::process::id()));
    std::fs::write(&bundle, b"not really a bundle, only hashed").unwrap();
    let doc = quickstart(&[
        "server-json",
        "--remote",
        "https://qs.example.com/mcp",
        "--mcpb-url",
        "https://github.com/example/quickstart/releases/download/v0.1.0/quickstart.mcpb",
        "--mcpb-file",
        bundle.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&bundle);
    assert_valid(&registry_validator(), &doc, "server-json");
    assert_eq!(
        doc,
        json!({
            "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
            "name": "invalid.example/mcpserve",
            "description": "Write Model Context Protocol servers as plain annotated Rust functions.",
            "version": "0.1.0",
            "repository": { "url": "https://example.invalid/mcpserve", "source": "example.invalid" },
            "packages": [{
                "registryType": "mcpb",
                "identifier": "https://github.com/example/quickstart/releases/download/v0.1.0/quickstart.mcpb",
                "version": "0.1.0",
                // sha256 of the bytes written above
                "fileSha256": "b59b000eaa71fd1159c0028e2ffdd082d7a513d517dbcb309442b9ee182c5370",
                "transport": { "type": "stdio" }
            }],
            "remotes": [{ "type": "streamable-http", "url": "https://qs.example.com/mcp" }]
        })
    );
    assert_valid(
        &registry_validator(),
        &quickstart(&["server-json"]),
        "server-json without packages",
    );
    assert_valid(&card_validator(), &quickstart(&["card"]), "card");
    assert_valid(
        &card_validator(),
        &quickstart(&["card", "--remote", "https://qs.example.com/mcp"]),
        "card with a remote",
    );
}

#[test]
fn a_fully_configured_server_is_valid_everywhere() {
    let server = Server::builder()
        .without_registry()
        .name("weather")
        .version("1.4.0")
        .title("Weather")
        .description(format!("Forecasts. {}", "Very detailed. ".repeat(10)))
        .website_url("https://weather.example.com")
        .icon(mcpserve::protocol::Icon {
            src: "https://weather.example.com/icon.png".into(),
            mime_type: Some("image/png".into()),
            sizes: vec!["48x48".into()],
            theme: None,
        })
        .icon(mcpserve::protocol::Icon {
            src: "data:image/gif;base64,R0lGOD".into(),
            mime_type: Some("image/gif".into()),
            sizes: vec![],
            theme: None,
        })
        .repository("https://github.com/example/weather")
        .remote("https://weather.example.com/mcp")
        .setting(
            Setting::env("WEATHER_API_KEY")
                .title("API key")
                .description("Key for the forecast API")
                .secret()
                .required(),
        )
        .setting(
            Setting::env("WEATHER_UNITS")
                .kind(SettingKind::String)
                .default_value("metric"),
        )
        .setting(Setting::env("WEATHER_CACHE").kind(SettingKind::Directory))
        .build()
        .unwrap();
    assert_eq!(
        server.identity().registry_name(),
        "io.github.example/weather"
    );
    let doc = serde_json::to_value(server.server_json(
        &[],
        Some(mcpserve::identity::server_json::McpbSource {
            url: "https://github.com/example/weather/releases/download/v1.4.0/weather.mcpb".into(),
            sha256: Some("0".repeat(64)),
        }),
    ))
    .unwrap();
    assert_valid(&registry_validator(), &doc, "server.json");
    // Descriptions are clipped to the Registry's 100 characters.
    let description = doc["description"].as_str().unwrap();
    assert!(
        description.chars().count() <= 100 && description.ends_with('…'),
        "{description}"
    );
    // Only icons the Registry accepts.
    assert_eq!(
        doc["icons"],
        json!([{ "src": "https://weather.example.com/icon.png", "mimeType": "image/png", "sizes": ["48x48"] }])
    );
    assert_eq!(
        doc["packages"][0]["environmentVariables"],
        json!([
            { "name": "WEATHER_API_KEY", "description": "Key for the forecast API", "format": "string", "isRequired": true, "isSecret": true },
            { "name": "WEATHER_UNITS", "format": "string", "default": "metric" },
            { "name": "WEATHER_CACHE", "format": "filepath" }
        ])
    );
    let card = serde_json::to_value(server.server_card()).unwrap();
    assert_valid(&card_validator(), &card, "card");
    assert_eq!(
        card["icons"].as_array().unwrap().len(),
        2,
        "the card keeps serverInfo's icons"
    );
}

#[test]
fn builder_mistakes_are_startup_errors() {
    let err = Server::builder()
        .without_registry()
        .registry_name("weather")
        .build()
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("registry name `weather` must look like `io.github.owner/server`"),
        "{err}"
    );
    let err = Server::builder()
        .without_registry()
        .remote("weather.example.com/mcp")
        .build()
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("must be an http:// or https:// URL"),
        "{err}"
    );
    let err = Server::builder()
        .without_registry()
        .setting(Setting::env("API_KEY"))
        .setting(Setting::env("api_key"))
        .build()
        .err()
        .unwrap();
    assert!(err.to_string().contains("declared twice"), "{err}");
    let err = Server::builder()
        .without_registry()
        .setting(Setting::env("1X"))
        .build()
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("environment variable name"),
        "{err}"
    );
}
