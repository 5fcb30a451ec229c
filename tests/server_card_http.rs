//! The server card over HTTP, as the SEP-2127 draft asks: at `<endpoint>/server-card` and
//! through `/.well-known/ai-catalog.json`, with `ETag`/`304`, `Cache-Control` and CORS;
//! the same document `card` prints, valid against the draft's schema, and never
//! disagreeing with `server/discover` or `initialize`.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use mcpserve::prelude::*;
use mcpserve::HttpConfig;
use serde_json::{json, Value};

/// `quickstart --http 127.0.0.1:0`, killed on drop.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start() -> HttpServer {
        let mut child = Command::new(common::example_bin("quickstart"))
            .args(["--http", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn quickstart --http");
        let url = common::listening_url(&mut child);
        HttpServer { child, url }
    }

    fn base(&self) -> &str {
        self.url.strip_suffix("/mcp").expect("endpoint at /mcp")
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(url: impl reqwest::IntoUrl, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = client().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn get_json(url: impl reqwest::IntoUrl) -> Value {
    get(url, &[]).await.json().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The card validator from the draft's schema (`tests/fixtures/server-card/`).
pub fn card_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server-card/schema.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    schema["$ref"] = json!("#/$defs/ServerCard");
    jsonschema::validator_for(&schema).expect("the draft's schema compiles")
}

#[tokio::test]
async fn the_card_is_served_with_etag_cache_control_and_cors() {
    let server = HttpServer::start();
    let res = get(
        format!("{}/server-card", server.url),
        &[("accept", "application/mcp-server-card+json")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type"),
        "application/mcp-server-card+json"
    );
    assert_eq!(header(&res, "cache-control"), "public, max-age=3600");
    assert_eq!(header(&res, "access-control-allow-origin"), "*");
    assert_eq!(header(&res, "access-control-expose-headers"), "ETag");
    let etag = header(&res, "etag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "{etag}"
    );
    let card: Value = res.json().await.unwrap();

    // The very document `card` prints for this endpoint: one source.
    let printed = Command::new(common::example_bin("quickstart"))
        .args(["card", "--remote", &server.url])
        .output()
        .unwrap();
    assert_eq!(
        card,
        serde_json::from_slice::<Value>(&printed.stdout).unwrap()
    );
    assert_eq!(
        card["remotes"],
        json!([{ "type": "streamable-http", "url": server.url,
                 "supportedProtocolVersions": ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] }])
    );
    let validator = card_validator();
    let errors: Vec<String> = validator
        .iter_errors(&card)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "card invalid against the draft schema: {errors:?}\n{card:#}"
    );

    // Revalidation: the same tag (strong or weak) is 304 with no body, another is 200.
    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let res = get(
            format!("{}/server-card", server.url),
            &[("if-none-match", &tag)],
        )
        .await;
        assert_eq!(res.status(), 304, "If-None-Match: {tag}");
        assert_eq!(header(&res, "etag"), etag);
        assert_eq!(header(&res, "cache-control"), "public, max-age=3600");
        assert_eq!(header(&res, "access-control-allow-origin"), "*");
        assert!(res.bytes().await.unwrap().is_empty());
    }
    let res = get(
        format!("{}/server-card", server.url),
        &[("if-none-match", "\"stale\"")],
    )
    .await;
    assert_eq!(res.status(), 200);

    // HEAD: the headers without the body; other methods are refused.
    let res = client()
        .head(format!("{}/server-card", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), etag);
    assert!(header(&res, "content-length").parse::<usize>().unwrap() > 100);
    let res = client()
        .put(format!("{}/server-card", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(header(&res, "allow"), "GET, HEAD, OPTIONS");
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let server = HttpServer::start();
    for path in [
        format!("{}/server-card", server.url),
        format!("{}/.well-known/ai-catalog.json", server.base()),
    ] {
        let res = client()
            .request(reqwest::Method::OPTIONS, &path)
            .header("origin", "https://app.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "if-none-match")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "{path}");
        assert_eq!(header(&res, "access-control-allow-origin"), "*");
        assert_eq!(header(&res, "access-control-allow-methods"), "GET");
        assert_eq!(
            header(&res, "access-control-allow-headers"),
            "Content-Type, If-None-Match"
        );
    }
}

#[tokio::test]
async fn the_ai_catalog_points_at_the_card() {
    let server = HttpServer::start();
    let res = get(
        format!("{}/.well-known/ai-catalog.json", server.base()),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "application/ai-catalog+json");
    assert_eq!(header(&res, "cache-control"), "public, max-age=3600");
    let etag = header(&res, "etag");
    let catalog: Value = res.json().await.unwrap();
    assert_eq!(
        catalog,
        json!({ "specVersion": "1.0", "entries": [{
            "identifier": "urn:air:example.invalid:mcp:mcpserve",
            "type": "application/mcp-server-card+json",
            "url": format!("{}/server-card", server.url)
        }] })
    );
    let res = get(
        format!("{}/.well-known/ai-catalog.json", server.base()),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(res.status(), 304);
    // Anything else on the host is still 404.
    let res = get(format!("{}/.well-known/other", server.base()), &[]).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_card_and_the_live_server_agree() {
    let server = HttpServer::start();
    let card: Value = get_json(format!("{}/server-card", server.url)).await;
    let discover = client()
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "server/discover")
        .body(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "server/discover",
                    "params": { "_meta": common::modern_meta() } })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(discover.status(), 200);
    let discover: Value = discover.json().await.unwrap();
    let info = &discover["result"]["_meta"]["io.modelcontextprotocol/serverInfo"];
    assert_eq!(info, &common::server_info());
    assert_eq!(card["version"], info["version"]);
    assert_eq!(card["description"], info["description"]);
    assert_eq!(card.get("title"), info.get("title"));
    assert_eq!(card.get("websiteUrl"), info.get("websiteUrl"));
    assert_eq!(card.get("icons"), info.get("icons"));
    // The card's reverse-DNS name ends in serverInfo.name.
    assert!(card["name"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{}", info["name"].as_str().unwrap())));
    let served = card["remotes"][0]["supportedProtocolVersions"]
        .as_array()
        .unwrap();
    for v in discover["result"]["supportedVersions"].as_array().unwrap() {
        assert!(served.contains(v), "{v} missing from the card");
    }
}

async fn in_process(
    server: Server,
    config: HttpConfig,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_http_on(listener, config, async {
        let _ = stopped.await;
    }));
    (url, stop)
}

#[tokio::test]
async fn configured_identity_and_remotes_are_what_the_card_says() {
    let server = Server::builder()
        .without_registry()
        .name("weather")
        .version("2.1.0")
        .title("Weather")
        .description("Forecasts for any city.")
        .website_url("https://weather.example.com")
        .registry_name("com.example/weather")
        .repository("https://github.com/example/weather")
        .remote("https://weather.example.com/mcp")
        .build()
        .unwrap();
    let (url, _stop) = in_process(server, HttpConfig::default()).await;
    let card: Value = get_json(format!("{url}/server-card")).await;
    assert_eq!(
        card,
        json!({
            "$schema": "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json",
            "name": "com.example/weather",
            "version": "2.1.0",
            "description": "Forecasts for any city.",
            "title": "Weather",
            "websiteUrl": "https://weather.example.com",
            "repository": { "url": "https://github.com/example/weather", "source": "github" },
            "remotes": [{ "type": "streamable-http", "url": "https://weather.example.com/mcp",
                          "supportedProtocolVersions": ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] }]
        })
    );
    assert!(card_validator().is_valid(&card));
    let base = url.strip_suffix("/mcp").unwrap();
    let catalog: Value = get_json(format!("{base}/.well-known/ai-catalog.json")).await;
    assert_eq!(
        catalog["entries"][0]["identifier"],
        "urn:air:example.com:mcp:weather"
    );
    assert_eq!(
        catalog["entries"][0]["url"],
        "https://weather.example.com/mcp/server-card"
    );
}

#[tokio::test]
async fn the_card_can_be_switched_off() {
    let server = Server::builder()
        .without_registry()
        .name("quiet")
        .build()
        .unwrap();
    let config = HttpConfig::default().configure(|c| c.server_card = false);
    let (url, _stop) = in_process(server, config).await;
    let base = url.strip_suffix("/mcp").unwrap();
    for path in [
        format!("{url}/server-card"),
        format!("{base}/.well-known/ai-catalog.json"),
    ] {
        let res = get(&path, &[]).await;
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_card_service_mounts_next_to_the_endpoint_in_axum() {
    let server = Server::builder()
        .without_registry()
        .name("mounted")
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cards = server.server_card_service(&format!("http://{addr}/api/mcp"));
    let app = axum::Router::new()
        .nest_service("/api/mcp", server.http_service(HttpConfig::default()))
        .route_service("/api/mcp/server-card", cards.clone())
        .route_service("/.well-known/ai-catalog.json", cards);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let res = get(format!("http://{addr}/api/mcp/server-card"), &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type"),
        "application/mcp-server-card+json"
    );
    let card: Value = res.json().await.unwrap();
    assert_eq!(card["remotes"][0]["url"], format!("http://{addr}/api/mcp"));
    let catalog: Value = get_json(format!("http://{addr}/.well-known/ai-catalog.json")).await;
    assert_eq!(
        catalog["entries"][0]["url"],
        format!("http://{addr}/api/mcp/server-card")
    );
}
