//! Resources, templates, prompts and completions at the wire level, in both eras.

use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{ResourceDef, Resources};
use serde_json::{json, Value};

#[derive(Clone)]
struct Config {
    name: &'static str,
}

/// The app's configuration.
#[resource(
    "config://app",
    mime_type = "application/json",
    title = "Configuration",
    icon = "https://example.com/cfg.png",
    meta = r#"{"example.com/owner": "ops"}"#
)]
async fn config(State(cfg): State<Config>) -> Json<Value> {
    Json(json!({ "name": cfg.name }))
}

#[derive(Serialize)]
struct Profile {
    id: u64,
    fields: Option<String>,
}

/// A user's profile.
#[resource("users://{id}/profile{?fields}", mime_type = "application/json", list = list_profiles)]
async fn profile(
    /// The user id.
    #[arg(complete = complete_id)]
    id: u64,
    fields: Option<String>,
) -> Result<Profile, NotFound> {
    if id == 0 {
        return Err(NotFound);
    }
    Ok(Profile { id, fields })
}

async fn list_profiles() -> Vec<Resource> {
    vec![Resource::new("users://1/profile", "alice").title("Alice")]
}

fn complete_id(partial: &str) -> Vec<String> {
    ["1", "2", "10"]
        .iter()
        .filter(|v| v.starts_with(partial))
        .map(|v| v.to_string())
        .collect()
}

/// Files under the workspace root.
#[resource("file:///{+path}")]
async fn file(path: SafePath, ctx: Context) -> Result<String, Error> {
    let _ = ctx.request_id();
    Ok(format!("contents of {path}"))
}

/// A document (more specific than `file:///{+path}`).
#[resource(
    "file:///docs/{name}",
    mime_type = "application/octet-stream",
    annotations(
        audience = ["user", "assistant"],
        priority = 0.5,
        last_modified = "2025-01-12T15:00:58Z"
    )
)]
fn doc(name: String) -> Vec<u8> {
    name.into_bytes()
}

/// Several contents with their own types.
#[resource("multi://both", size = 7)]
async fn both() -> Vec<Text> {
    vec![
        Text::new("# Title").mime_type("text/markdown"),
        Text::new("second").uri("multi://both#2"),
    ]
}

/// Fails loudly.
#[resource("fail://always")]
async fn failing() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Level {
    Beginner,
    Expert,
}

/// Ask for a code review.
#[prompt(title = "Code review")]
fn review(
    /// The code to review.
    code: String,
    /// Language of the code.
    #[arg(complete = languages)]
    language: Option<String>,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(format!(
            "Review this {} code:\n{code}",
            language.as_deref().unwrap_or("unknown")
        )),
        PromptMessage::assistant("Sure."),
    ]
}

/// Uses the other arguments: code that looks like Rust only completes to Rust.
fn languages(req: &CompletionRequest) -> Vec<String> {
    let looks_rusty = req.argument("code").is_some_and(|c| c.contains("fn "));
    ["python", "pytorch", "rust", "ruby"]
        .iter()
        .filter(|l| l.starts_with(req.value()) && (!looks_rusty || **l == "rust"))
        .map(|l| l.to_string())
        .collect()
}

/// Explain a topic.
#[prompt(
    name = "explain",
    icon(
        src = "https://example.com/explain.svg",
        mime_type = "image/svg+xml",
        sizes = "any"
    ),
    meta = r#"{"example.com/kind": "teaching"}"#
)]
async fn explain_topic(
    topic: String,
    /// How deep to go.
    level: Option<Level>,
    times: Option<u8>,
    ctx: Context,
) -> Result<String, Error> {
    let _ = ctx.era();
    let level = match level {
        Some(Level::Expert) => "expert",
        Some(Level::Beginner) | None => "beginner",
    };
    if topic == "boom" {
        return Err(Error::invalid_params("topic `boom` is not allowed"));
    }
    Ok(format!(
        "Explain {topic} to a {level}, {} time(s).",
        times.unwrap_or(1)
    ))
}

/// Many completions.
async fn many(req: CompletionRequest) -> Vec<String> {
    (0..150).map(|i| format!("{}{i}", req.value())).collect()
}

/// A prompt whose argument has many completions.
#[prompt]
fn counted(#[arg(complete = many)] n: String) -> String {
    n
}

fn server() -> mcpserve::Server {
    Server::from_registry()
        .name("resources-test")
        .version("1.0.0")
        .state(Config { name: "demo" })
        .build()
        .expect("server builds")
}

fn rpc(e: ClientError) -> Value {
    match e {
        ClientError::Rpc(e) => serde_json::to_value(e).unwrap(),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

fn strip(mut v: Value, era_fields: &[&str]) -> Value {
    if let Value::Object(m) = &mut v {
        for f in era_fields {
            m.remove(*f);
        }
    }
    v
}

const MODERN: &[&str] = &["resultType", "ttlMs", "cacheScope"];

async fn both_eras() -> [(TestClient, bool); 2] {
    [
        (TestClient::session(server()).await.unwrap(), false),
        (TestClient::sessionless(server()), true),
    ]
}

#[tokio::test]
async fn capabilities_declare_resources_prompts_and_completions() {
    let client = TestClient::connect(server());
    let init = client
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        init["capabilities"],
        json!({
            "tools": {"listChanged": true},
            "logging": {},
            "resources": {"subscribe": true, "listChanged": true},
            "prompts": {"listChanged": true},
            "completions": {}
        })
    );
    let modern = TestClient::sessionless(server());
    let discover = modern.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discover["capabilities"], init["capabilities"]);
}

#[tokio::test]
async fn lists_in_source_order_with_listed_template_instances() {
    for (client, modern) in both_eras().await {
        let list = client.request("resources/list", json!({})).await.unwrap();
        if modern {
            assert_eq!(list["resultType"], "complete");
            assert_eq!(list["cacheScope"], "public");
            assert_eq!(list["ttlMs"], 0);
        }
        assert_eq!(
            strip(list, MODERN),
            json!({"resources": [
                {"uri": "config://app", "name": "config", "title": "Configuration", "description": "The app's configuration.",
                 "mimeType": "application/json", "icons": [{"src": "https://example.com/cfg.png"}], "_meta": {"example.com/owner": "ops"}},
                {"uri": "multi://both", "name": "both", "description": "Several contents with their own types.", "size": 7},
                {"uri": "fail://always", "name": "failing", "description": "Fails loudly."},
                {"uri": "users://1/profile", "name": "alice", "title": "Alice", "mimeType": "application/json"}
            ]})
        );
        let templates = client
            .request("resources/templates/list", json!({}))
            .await
            .unwrap();
        if modern {
            assert_eq!(templates["cacheScope"], "public");
        }
        assert_eq!(
            strip(templates, MODERN),
            json!({"resourceTemplates": [
                {"uriTemplate": "users://{id}/profile{?fields}", "name": "profile", "description": "A user's profile.", "mimeType": "application/json"},
                {"uriTemplate": "file:///{+path}", "name": "file", "description": "Files under the workspace root."},
                {"uriTemplate": "file:///docs/{name}", "name": "doc", "description": "A document (more specific than `file:///{+path}`).",
                 "mimeType": "application/octet-stream",
                 "annotations": {"audience": ["user", "assistant"], "priority": 0.5, "lastModified": "2025-01-12T15:00:58Z"}}
            ]})
        );
    }
}

#[tokio::test]
async fn reads_static_and_templated_resources() {
    for (client, modern) in both_eras().await {
        let read = |uri: &str| client.request("resources/read", json!({ "uri": uri }));
        let cfg = read("config://app").await.unwrap();
        if modern {
            assert_eq!(cfg["resultType"], "complete");
            assert_eq!(cfg["cacheScope"], "private");
            assert_eq!(cfg["ttlMs"], 0);
        }
        assert_eq!(
            strip(cfg, MODERN),
            json!({"contents": [{"uri": "config://app", "mimeType": "application/json", "text": "{\"name\":\"demo\"}"}]})
        );
        assert_eq!(
            strip(
                read("users://42/profile?fields=name%2Cemail")
                    .await
                    .unwrap(),
                MODERN
            ),
            json!({"contents": [{"uri": "users://42/profile?fields=name%2Cemail", "mimeType": "application/json",
                                 "text": "{\"id\":42,\"fields\":\"name,email\"}"}]})
        );
        assert_eq!(
            strip(read("file:///src/main.rs").await.unwrap(), MODERN),
            json!({"contents": [{"uri": "file:///src/main.rs", "text": "contents of src/main.rs"}]})
        );
        // The more specific template wins; bytes are sent as a base64 blob.
        assert_eq!(
            strip(read("file:///docs/abc").await.unwrap(), MODERN),
            json!({"contents": [{"uri": "file:///docs/abc", "mimeType": "application/octet-stream", "blob": "YWJj"}]})
        );
        assert_eq!(
            strip(read("multi://both").await.unwrap(), MODERN),
            json!({"contents": [
                {"uri": "multi://both", "mimeType": "text/markdown", "text": "# Title"},
                {"uri": "multi://both#2", "text": "second"}
            ]})
        );
    }
}

#[tokio::test]
async fn read_errors_per_era() {
    for (client, modern) in both_eras().await {
        let read = |uri: &str| client.request("resources/read", json!({ "uri": uri }));
        let not_found = if modern { -32602 } else { -32002 };
        assert_eq!(
            rpc(read("users://0/profile").await.unwrap_err()),
            json!({"code": not_found, "message": "Resource not found: users://0/profile", "data": {"uri": "users://0/profile"}})
        );
        assert_eq!(
            rpc(read("nothing://here").await.unwrap_err()),
            json!({"code": not_found, "message": "Resource not found: nothing://here", "data": {"uri": "nothing://here"}})
        );
        assert_eq!(
            rpc(read("users://abc/profile").await.unwrap_err()),
            json!({"code": -32602, "message": "Invalid URI variable `id` in users://abc/profile: invalid digit found in string",
                   "data": {"uri": "users://abc/profile"}})
        );
        for (uri, why) in [
            ("file:///../etc/passwd", "`..` segments are not allowed"),
            (
                "file:///a/%2e%2e/%2E%2E/etc",
                "`..` segments are not allowed",
            ),
            (
                "file:///a/%252e%252e/x",
                "doubly encoded path characters are not allowed",
            ),
            ("file:////etc/passwd", "absolute paths are not allowed"),
            ("file:///a%5c..%5cb", "backslashes are not allowed"),
            ("file:///a%00b", "control characters are not allowed"),
        ] {
            assert_eq!(
                rpc(read(uri).await.unwrap_err()),
                json!({"code": -32602, "message": format!("Invalid URI variable `path` in {uri}: unsafe path: {why}"), "data": {"uri": uri}}),
                "{uri}"
            );
        }
        assert_eq!(
            rpc(read("fail://always").await.unwrap_err()),
            json!({"code": -32603, "message": "disk on fire"})
        );
        assert_eq!(
            rpc(client
                .request("resources/read", json!({}))
                .await
                .unwrap_err())["code"],
            -32602
        );
    }
}

#[tokio::test]
async fn prompts_list_and_get() {
    for (client, modern) in both_eras().await {
        let list = client.request("prompts/list", json!({})).await.unwrap();
        if modern {
            assert_eq!(list["cacheScope"], "public");
        }
        assert_eq!(
            strip(list, MODERN),
            json!({"prompts": [
                {"name": "review", "title": "Code review", "description": "Ask for a code review.", "arguments": [
                    {"name": "code", "description": "The code to review.", "required": true},
                    {"name": "language", "description": "Language of the code.", "required": false}
                ]},
                {"name": "explain", "description": "Explain a topic.", "arguments": [
                    {"name": "topic", "required": true},
                    {"name": "level", "description": "How deep to go.", "required": false},
                    {"name": "times", "required": false}
                ], "icons": [{"src": "https://example.com/explain.svg", "mimeType": "image/svg+xml", "sizes": ["any"]}],
                 "_meta": {"example.com/kind": "teaching"}},
                {"name": "counted", "description": "A prompt whose argument has many completions.", "arguments": [
                    {"name": "n", "required": true}
                ]},
                {"name": "picture", "description": "Prompts can carry images and embedded resources."}
            ]})
        );
        let got = client
            .request("prompts/get", json!({"name": "review", "arguments": {"code": "fn main() {}", "language": "rust"}}))
            .await
            .unwrap();
        if modern {
            assert_eq!(got["resultType"], "complete");
            assert!(got.get("cacheScope").is_none());
        }
        assert_eq!(
            strip(got, MODERN),
            json!({"description": "Ask for a code review.", "messages": [
                {"role": "user", "content": {"type": "text", "text": "Review this rust code:\nfn main() {}"}},
                {"role": "assistant", "content": {"type": "text", "text": "Sure."}}
            ]})
        );
        let got = client
            .request("prompts/get", json!({"name": "explain", "arguments": {"topic": "monads", "level": "expert", "times": "3"}}))
            .await
            .unwrap();
        assert_eq!(
            strip(got, MODERN),
            json!({"description": "Explain a topic.", "messages": [{"role": "user", "content": {"type": "text", "text": "Explain monads to a expert, 3 time(s)."}}]})
        );
        let err =
            |params: Value| async { rpc(client.request("prompts/get", params).await.unwrap_err()) };
        assert_eq!(
            err(json!({"name": "review", "arguments": {}})).await,
            json!({"code": -32602, "message": "Invalid arguments for prompt `review`: missing required argument `code`"})
        );
        assert_eq!(
            err(json!({"name": "review"})).await,
            json!({"code": -32602, "message": "Invalid arguments for prompt `review`: missing required argument `code`"})
        );
        assert_eq!(
            err(json!({"name": "nope"})).await,
            json!({"code": -32602, "message": "Unknown prompt: nope"})
        );
        assert_eq!(
            err(json!({"name": "explain", "arguments": {"topic": "x", "level": "guru"}})).await,
            json!({"code": -32602, "message": "Invalid arguments for prompt `explain`: `level`: unknown variant `guru`, expected `beginner` or `expert`"})
        );
        assert_eq!(
            err(json!({"name": "explain", "arguments": {"topic": "x", "times": "-1"}})).await,
            json!({"code": -32602, "message": "Invalid arguments for prompt `explain`: `times`: invalid digit found in string"})
        );
        assert_eq!(
            err(json!({"name": "explain", "arguments": {"topic": "boom"}})).await,
            json!({"code": -32602, "message": "topic `boom` is not allowed"})
        );
    }
}

#[tokio::test]
async fn completions_for_prompts_and_templates() {
    for (client, modern) in both_eras().await {
        let complete = |r: Value, name: &str, value: &str, ctx: Value| {
            client.request(
                "completion/complete",
                json!({"ref": r, "argument": {"name": name, "value": value}, "context": {"arguments": ctx}}),
            )
        };
        let prompt = |name: &str| json!({"type": "ref/prompt", "name": name});
        let c = complete(prompt("review"), "language", "py", json!({"code": "x"}))
            .await
            .unwrap();
        if modern {
            assert_eq!(c["resultType"], "complete");
        }
        assert_eq!(
            strip(c, MODERN),
            json!({"completion": {"values": ["python", "pytorch"]}})
        );
        let c = complete(
            prompt("review"),
            "language",
            "r",
            json!({"code": "fn main() {}"}),
        )
        .await
        .unwrap();
        assert_eq!(
            strip(c, MODERN),
            json!({"completion": {"values": ["rust"]}})
        );
        // Enums complete from their variants, filtered by prefix.
        assert_eq!(
            strip(
                complete(prompt("explain"), "level", "E", json!({}))
                    .await
                    .unwrap(),
                MODERN
            ),
            json!({"completion": {"values": ["expert"], "total": 1, "hasMore": false}})
        );
        // A known argument without a completer: no values.
        assert_eq!(
            strip(
                complete(prompt("explain"), "topic", "a", json!({}))
                    .await
                    .unwrap(),
                MODERN
            ),
            json!({"completion": {"values": []}})
        );
        // More than 100 values are cut with total and hasMore.
        let c = complete(prompt("counted"), "n", "v", json!({}))
            .await
            .unwrap();
        assert_eq!(c["completion"]["values"].as_array().unwrap().len(), 100);
        assert_eq!(c["completion"]["values"][0], "v0");
        assert_eq!(c["completion"]["total"], 150);
        assert_eq!(c["completion"]["hasMore"], true);
        // Template variables.
        let template = json!({"type": "ref/resource", "uri": "users://{id}/profile{?fields}"});
        assert_eq!(
            strip(
                complete(template.clone(), "id", "1", json!({}))
                    .await
                    .unwrap(),
                MODERN
            ),
            json!({"completion": {"values": ["1", "10"]}})
        );
        assert_eq!(
            strip(
                complete(template, "fields", "", json!({})).await.unwrap(),
                MODERN
            ),
            json!({"completion": {"values": []}})
        );
        assert_eq!(
            rpc(complete(prompt("nope"), "x", "", json!({}))
                .await
                .unwrap_err()),
            json!({"code": -32602, "message": "Unknown prompt: nope"})
        );
        assert_eq!(
            rpc(complete(
                json!({"type": "ref/resource", "uri": "x://{y}"}),
                "y",
                "",
                json!({})
            )
            .await
            .unwrap_err()),
            json!({"code": -32602, "message": "Unknown resource template: x://{y}"})
        );
    }
}

#[tokio::test]
async fn pagination_uses_opaque_cursors() {
    let server = Server::from_registry()
        .state(Config { name: "demo" })
        .configure(|c| c.page_size = 2)
        .build()
        .unwrap();
    let client = TestClient::session(server).await.unwrap();
    for (method, key, total) in [
        ("prompts/list", "prompts", 4),
        ("resources/list", "resources", 4),
        ("resources/templates/list", "resourceTemplates", 3),
    ] {
        let first = client.request(method, json!({})).await.unwrap();
        assert_eq!(first[key].as_array().unwrap().len(), 2, "{method}");
        let cursor = first["nextCursor"]
            .as_str()
            .expect("a next cursor")
            .to_owned();
        let second = client
            .request(method, json!({"cursor": cursor}))
            .await
            .unwrap();
        assert_eq!(second[key].as_array().unwrap().len(), total - 2, "{method}");
        assert!(second.get("nextCursor").is_none());
        assert_eq!(
            rpc(client
                .request(method, json!({"cursor": "bogus"}))
                .await
                .unwrap_err()),
            json!({"code": -32602, "message": "Invalid cursor: bogus"})
        );
    }
    let prompts_cursor =
        client.request("prompts/list", json!({})).await.unwrap()["nextCursor"].clone();
    assert_eq!(
        rpc(client
            .request(
                "resources/templates/list",
                json!({"cursor": prompts_cursor})
            )
            .await
            .unwrap_err())["code"],
        -32602
    );
}

async fn expect_notification(client: &TestClient, expected: Value) {
    let n = client.next_notification().await.expect("a notification");
    assert_eq!(n, expected);
}

#[tokio::test]
async fn subscriptions_and_run_time_changes_in_the_session_era() {
    let server = server();
    let resources: Resources = server.resources();
    let client = TestClient::session(server.clone()).await.unwrap();

    assert_eq!(
        client
            .request("resources/subscribe", json!({"uri": "users://7/profile"}))
            .await
            .unwrap(),
        json!({})
    );
    assert_eq!(
        rpc(client
            .request("resources/subscribe", json!({"uri": "nothing://x"}))
            .await
            .unwrap_err()),
        json!({"code": -32002, "message": "Resource not found: nothing://x", "data": {"uri": "nothing://x"}})
    );
    // Updates go out at once and in order: the unsubscribed URI must not show up first.
    resources.notify_updated("users://8/profile");
    resources.notify_updated("users://7/profile");
    expect_notification(
        &client,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": "users://7/profile"}}),
    )
    .await;

    resources
        .add(ResourceDef::text("mem://note", "note", "hello").mime_type("text/plain"))
        .unwrap();
    expect_notification(
        &client,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed", "params": {}}),
    )
    .await;
    let list = client.request("resources/list", json!({})).await.unwrap();
    assert_eq!(
        list["resources"][3],
        json!({"uri": "mem://note", "name": "note", "mimeType": "text/plain"})
    );
    assert_eq!(
        client
            .request("resources/read", json!({"uri": "mem://note"}))
            .await
            .unwrap(),
        json!({"contents": [{"uri": "mem://note", "mimeType": "text/plain", "text": "hello"}]})
    );
    assert!(resources
        .add(ResourceDef::text("config://app", "dup", "x"))
        .is_err());
    assert!(resources
        .add(ResourceDef::text("mem://{x}", "tpl", "x"))
        .is_err());
    assert!(resources.remove("mem://note"));
    assert!(!resources.remove("mem://note"));
    expect_notification(
        &client,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed", "params": {}}),
    )
    .await;
    assert_eq!(
        rpc(client
            .request("resources/read", json!({"uri": "mem://note"}))
            .await
            .unwrap_err())["code"],
        -32002
    );

    assert_eq!(
        client
            .request("resources/unsubscribe", json!({"uri": "users://7/profile"}))
            .await
            .unwrap(),
        json!({})
    );
    resources.notify_updated("users://7/profile");
    // The ping reply is queued after anything the update would have sent.
    assert_eq!(client.request("ping", json!({})).await.unwrap(), json!({}));
    assert_eq!(client.try_next_notification(), None);
}

#[tokio::test]
async fn subscribe_is_session_era_only() {
    let client = TestClient::sessionless(server());
    assert_eq!(
        rpc(client
            .request("resources/subscribe", json!({"uri": "config://app"}))
            .await
            .unwrap_err()),
        json!({"code": -32601, "message": "Method not found: resources/subscribe"})
    );
}

#[tokio::test]
async fn a_server_without_resources_or_prompts_declares_neither() {
    let server = Server::builder().without_registry().build().unwrap();
    let client = TestClient::connect(server);
    let init = client
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        init["capabilities"],
        json!({"tools": {"listChanged": true}, "logging": {}})
    );
    assert_eq!(
        client.request("resources/list", json!({})).await.unwrap(),
        json!({"resources": []})
    );
}

#[test]
fn the_resources_handle_is_cloneable_and_thread_safe() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Resources>();
    check::<mcpserve::ServerHandle>();
}

/// Prompts can carry images and embedded resources.
#[prompt]
fn picture() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image("iVBORw0KGgo=", "image/png")),
        PromptMessage::assistant(Content::embedded_text(
            "config://app",
            "application/json",
            "{}",
        )),
    ]
}

#[tokio::test]
async fn prompt_messages_with_images_and_embedded_resources() {
    let client = TestClient::sessionless(server());
    let got = client
        .request("prompts/get", json!({"name": "picture"}))
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({"resultType": "complete",
            "description": "Prompts can carry images and embedded resources.",
            "messages": [
            {"role": "user", "content": {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}},
            {"role": "assistant", "content": {"type": "resource", "resource": {"uri": "config://app", "mimeType": "application/json", "text": "{}"}}}
        ]})
    );
}
