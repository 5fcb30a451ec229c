//! MCP Apps (`io.modelcontextprotocol/ui`) on the wire, in both eras: tools declared
//! with `#[tool(app = .., visibility = ..)]` carry `_meta.ui` (and the legacy
//! `ui/resourceUri`), views declared with `#[resource("ui://..", app(..))]` are served
//! as `text/html;profile=mcp-app` with `_meta.ui` on their list entry and read contents,
//! app-only tools exist only for clients that declare MCP Apps, and the build checks
//! links and settings of tools and views made at run time.

use mcpserve::apps::{UiResource, Visibility};
use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{ResourceDef, ToolDef};
use serde_json::{json, Value};

const EXT: &str = "io.modelcontextprotocol/ui";
const MIME: &str = "text/html;profile=mcp-app";

/// Shows a greeting card.
#[tool(app = "ui://cards/greeting")]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Refreshes the card (its view calls it).
#[tool(app = "ui://cards/greeting", visibility = ["app"])]
async fn refresh_card() -> String {
    "refreshed".into()
}

/// The greeting card.
#[resource(
    "ui://cards/greeting",
    name = "greeting-card",
    app(
        csp(connect = ["https://api.example.com"], resource = ["https://*.cdn.example.com"]),
        permissions = ["clipboard_write", "camera"],
        domain = "cards.example.com",
        prefers_border = false
    )
)]
fn greeting_view() -> Html {
    Html::from("<!doctype html><p id=card></p>")
}

fn ui_client() -> Value {
    json!({"extensions": { EXT: {"mimeTypes": [MIME]} }})
}

fn greet_tool() -> Value {
    json!({"name": "greet", "description": "Shows a greeting card.",
           "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}},
                           "required": ["name"]},
           "_meta": {"ui": {"resourceUri": "ui://cards/greeting"},
                     "ui/resourceUri": "ui://cards/greeting"}})
}

fn refresh_tool() -> Value {
    json!({"name": "refresh_card", "description": "Refreshes the card (its view calls it).",
           "inputSchema": {"type": "object", "properties": {}},
           "_meta": {"ui": {"resourceUri": "ui://cards/greeting", "visibility": ["app"]},
                     "ui/resourceUri": "ui://cards/greeting"}})
}

fn view_meta() -> Value {
    json!({"ui": {
        "csp": {"connectDomains": ["https://api.example.com"],
                "resourceDomains": ["https://*.cdn.example.com"]},
        "permissions": {"clipboardWrite": {}, "camera": {}},
        "domain": "cards.example.com",
        "prefersBorder": false,
    }})
}

fn tools(listed: &Value) -> Value {
    listed["tools"].clone()
}

fn rpc_error(r: Result<Value, ClientError>) -> Value {
    match r {
        Err(ClientError::Rpc(e)) => serde_json::to_value(e).unwrap(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn modern_tools_carry_their_view_and_app_only_tools_need_the_extension() {
    let plain = TestClient::sessionless(Server::from_registry());
    let discover = plain.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discover["capabilities"]["extensions"], json!({ EXT: {} }));
    let listed = plain.request("tools/list", json!({})).await.unwrap();
    assert_eq!(tools(&listed), json!([greet_tool()]));
    // The list depends on the client's extensions: no shared cache may serve it to others.
    assert_eq!(listed["cacheScope"], "private");
    assert_eq!(
        rpc_error(
            plain
                .request(
                    "tools/call",
                    json!({"name": "refresh_card", "arguments": {}})
                )
                .await
        ),
        json!({"code": -32602, "message": "Unknown tool: refresh_card"})
    );

    let host = TestClient::sessionless_with(Server::from_registry(), ui_client());
    let listed = host.request("tools/list", json!({})).await.unwrap();
    assert_eq!(tools(&listed), json!([greet_tool(), refresh_tool()]));
    assert_eq!(listed["cacheScope"], "private");
    assert_eq!(
        host.request(
            "tools/call",
            json!({"name": "refresh_card", "arguments": {}})
        )
        .await
        .unwrap(),
        json!({"resultType": "complete", "content": [{"type": "text", "text": "refreshed"}]})
    );
}

#[tokio::test]
async fn modern_views_are_served_with_the_apps_mime_type_and_meta() {
    let host = TestClient::sessionless_with(Server::from_registry(), ui_client());
    let listed = host.request("resources/list", json!({})).await.unwrap();
    assert_eq!(
        listed["resources"],
        json!([{"uri": "ui://cards/greeting", "name": "greeting-card",
                "description": "The greeting card.", "mimeType": MIME, "_meta": view_meta()}])
    );
    assert_eq!(
        host.request("resources/read", json!({"uri": "ui://cards/greeting"}))
            .await
            .unwrap(),
        json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "contents": [
            {"uri": "ui://cards/greeting", "mimeType": MIME,
             "text": "<!doctype html><p id=card></p>", "_meta": view_meta()}]})
    );
}

#[tokio::test]
async fn session_era_gates_on_the_initialize_capabilities() {
    let plain = TestClient::session(Server::from_registry()).await.unwrap();
    let listed = plain.request("tools/list", json!({})).await.unwrap();
    assert_eq!(listed, json!({"tools": [greet_tool()]}));

    let host = TestClient::session_with(Server::from_registry(), ui_client())
        .await
        .unwrap();
    let listed = host.request("tools/list", json!({})).await.unwrap();
    assert_eq!(listed, json!({"tools": [greet_tool(), refresh_tool()]}));
    assert_eq!(
        host.request("resources/read", json!({"uri": "ui://cards/greeting"}))
            .await
            .unwrap(),
        json!({"contents": [{"uri": "ui://cards/greeting", "mimeType": MIME,
                             "text": "<!doctype html><p id=card></p>", "_meta": view_meta()}]})
    );
}

#[tokio::test]
async fn views_and_links_made_at_run_time() {
    let server = Server::builder()
        .without_registry()
        .resource(
            ResourceDef::new("ui://run/chart", "chart", |_| async {
                Html::from("<!doctype html>")
            })
            .app(
                UiResource::new()
                    .connect_domains(["wss://live.example.com:8443"])
                    .frame_domains(["https://player.example.com"])
                    .base_uri_domains(["https://cdn.example.com"])
                    .permission("microphone")
                    .prefers_border(true),
            ),
        )
        .tool(
            ToolDef::new("chart", |_| async { "ok" })
                .app("ui://run/chart")
                .visibility(&[Visibility::Model, Visibility::App]),
        )
        .build()
        .unwrap();
    let client = TestClient::sessionless(server);
    let listed = client.request("tools/list", json!({})).await.unwrap();
    assert_eq!(
        listed["tools"][0]["_meta"],
        json!({"ui": {"resourceUri": "ui://run/chart", "visibility": ["model", "app"]},
               "ui/resourceUri": "ui://run/chart"})
    );
    let read = client
        .request("resources/read", json!({"uri": "ui://run/chart"}))
        .await
        .unwrap();
    assert_eq!(
        read["contents"],
        json!([{"uri": "ui://run/chart", "mimeType": MIME, "text": "<!doctype html>",
                "_meta": {"ui": {
                    "csp": {"connectDomains": ["wss://live.example.com:8443"],
                            "frameDomains": ["https://player.example.com"],
                            "baseUriDomains": ["https://cdn.example.com"]},
                    "permissions": {"microphone": {}},
                    "prefersBorder": true}}}])
    );
}

fn build_error(builder: mcpserve::ServerBuilder) -> String {
    match builder.build() {
        Ok(_) => panic!("the build should fail"),
        Err(e) => e.message().to_owned(),
    }
}

#[test]
fn the_build_checks_links_and_settings() {
    let view = || {
        ResourceDef::new("ui://run/view", "view", |_| async {
            Html::from("<!doctype html>")
        })
    };
    let tool = || ToolDef::new("show", |_| async { "ok" });
    assert_eq!(
        build_error(
            Server::builder()
                .without_registry()
                .tool(tool().app("ui://run/missing"))
                .resource(view())
        ),
        "tool `show` shows its result in `ui://run/missing`, but the server serves no such resource: \
         declare it with #[resource(\"ui://run/missing\")] returning Html (or add a ResourceDef with .app(..))"
    );
    assert_eq!(
        build_error(
            Server::builder()
                .without_registry()
                .tool(tool().app("https://example.com/view"))
        ),
        "tool `show`: _meta.ui: `https://example.com/view` is not an MCP Apps UI resource: UI resources use the `ui://` scheme"
    );
    assert_eq!(
        build_error(
            Server::builder()
                .without_registry()
                .tool(tool().visibility(&[]))
        ),
        "tool `show`: _meta.ui: visibility lists nobody: give \"model\", \"app\" or both"
    );
    assert_eq!(
        build_error(
            Server::builder()
                .without_registry()
                .resource(view().app(UiResource::new().connect_domains(["api.example.com"])))
        ),
        "resource `ui://run/view`: CSP origin `api.example.com`: write an origin with its scheme, e.g. \"https://api.example.com\""
    );
    assert_eq!(
        build_error(
            Server::builder()
                .without_registry()
                .resource(view().app(UiResource::new().permission("usb")))
        ),
        "resource `ui://run/view`: unknown permission `usb`: expected camera, microphone, geolocation or clipboard_write"
    );
    assert_eq!(
        build_error(Server::builder().without_registry().resource(
            ResourceDef::new("https://example.com/v", "v", |_| async {
                Html::from("<!doctype html>")
            })
            .app(UiResource::new())
        )),
        "resource `https://example.com/v`: an MCP Apps view (text/html;profile=mcp-app) must use the `ui://` scheme"
    );
}
