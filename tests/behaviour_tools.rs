//! What tools see and what clients get: extractors, groups, runtime tools, pagination,
//! schema constraints, flattened arguments and sync tools, through `TestClient`.
//!
//! The registry is process-wide: tests look tools up by name and never count them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{ErrorKind, ServerBuilder, ToolDef};
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

/// The caller's client name, from `initialize` or the request's `_meta`.
struct ClientName(String);

impl FromContext for ClientName {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        ctx.client_info()
            .map(|i| ClientName(i.name.clone()))
            .ok_or_else(|| Error::tool("this tool needs to know who is calling"))
    }
}

/// Counts calls.
#[tool]
async fn bump(counter: State<Counter>, #[arg(default = 1)] by: usize) -> usize {
    counter.0 .0.fetch_add(by, Ordering::SeqCst) + by
}

/// Greets the calling client.
#[tool]
async fn whoami(name: ClientName, ctx: Context) -> String {
    format!("{} ({:?} era)", name.0, ctx.era())
}

/// The calling client's identity as the runtime read it, as JSON.
#[tool]
async fn identity(ctx: Context) -> String {
    serde_json::to_string(&ctx.client_info()).unwrap()
}

/// Only for administrators.
#[tool(group = "admin")]
async fn purge() -> &'static str {
    "purged"
}

#[derive(Deserialize, JsonSchema)]
struct Order {
    /// What to buy.
    item: String,
    /// How many; at least one.
    #[schemars(range(min = 1, max = 10))]
    quantity: u32,
    /// A discount code.
    #[schemars(length(min = 4))]
    code: Option<String>,
}

/// Places an order.
#[tool]
async fn order(#[arg(flatten)] order: Order, name: ClientName) -> String {
    format!(
        "{} x{} for {}{}",
        order.item,
        order.quantity,
        name.0,
        order.code.map(|c| format!(" with {c}")).unwrap_or_default()
    )
}

/// Repeats text; runs on the blocking pool.
#[tool]
fn repeat(text: String, #[arg(default = 2)] times: usize, ctx: Context) -> String {
    assert!(!ctx.is_cancelled());
    text.repeat(times)
}

/// Every tool here is served: `bump` needs its counter.
fn server() -> ServerBuilder {
    Server::from_registry().state(Counter::default())
}

#[tokio::test]
async fn state_and_custom_extractor() {
    let counter = Counter::default();
    let client = TestClient::session(Server::from_registry().state(counter.clone()))
        .await
        .unwrap();
    let call = |name: &'static str, args: Value| {
        let client = &client;
        async move {
            client
                .request("tools/call", json!({ "name": name, "arguments": args }))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        call("bump", json!({})).await,
        json!({ "content": [{ "type": "text", "text": "1" }] })
    );
    assert_eq!(
        call("bump", json!({ "by": 5 })).await,
        json!({ "content": [{ "type": "text", "text": "6" }] })
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 6);
    assert_eq!(
        call("whoami", json!({})).await,
        json!({ "content": [{ "type": "text", "text": "mcpserve-test-client (Session era)" }] })
    );

    let modern = TestClient::sessionless(Server::from_registry().state(counter.clone()));
    assert_eq!(
        modern
            .request("tools/call", json!({ "name": "whoami" }))
            .await
            .unwrap(),
        json!({
            "resultType": "complete",
            "content": [{ "type": "text", "text": "mcpserve-test-client (Sessionless era)" }]
        })
    );
}

#[tokio::test]
async fn extractor_schema_is_only_the_arguments() {
    let server = server().build().unwrap();
    let tool = server
        .tools()
        .into_iter()
        .find(|t| t.name == "bump")
        .unwrap();
    assert_eq!(
        tool.input_schema,
        json!({
            "type": "object",
            "properties": {
                "by": { "type": "integer", "minimum": 0, "default": 1 }
            }
        })
    );
}

/// A `#[tool]` taking `State<T>` with no `T` registered is a startup error naming the
/// tool and the type, not a `-32603` on every call.
#[tokio::test]
async fn missing_state_fails_the_build_naming_the_tool_and_type() {
    let err = Server::from_registry()
        .build()
        .err()
        .expect("the build must fail");
    assert_eq!(err.kind(), ErrorKind::Startup);
    let message = err.message();
    assert!(
        message.starts_with("tool `bump` (at tests/behaviour_tools.rs:")
            && message.ends_with(") takes `State<behaviour_tools::Counter>`, but no `behaviour_tools::Counter` was registered: add `.state(value)` to the server builder"),
        "{message}"
    );
    // Tools outside the selected groups are not served, so not checked either.
    server().build().unwrap();
}

#[tokio::test]
async fn extractor_error_becomes_a_tool_error() {
    // A raw connection without initialize or clientInfo: the 2026 `_meta` lacks clientInfo.
    let client = TestClient::connect(Server::from_registry().state(Counter::default()));
    let result = client
        .request(
            "tools/call",
            json!({
                "name": "whoami",
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {}
                }
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({
            "resultType": "complete",
            "content": [{ "type": "text", "text": "this tool needs to know who is calling" }],
            "isError": true
        })
    );
}

#[tokio::test]
async fn grouped_tools_are_hidden_unless_selected() {
    let plain = TestClient::session(server()).await.unwrap();
    let names: Vec<String> = plain
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.iter().any(|n| n == "bump"));
    assert!(!names.iter().any(|n| n == "purge"), "{names:?}");
    match plain.call("purge", json!({})).await {
        Err(ClientError::Rpc(e)) => {
            assert_eq!(
                (e.code, e.message.as_str()),
                (-32602, "Unknown tool: purge")
            )
        }
        other => panic!("expected unknown tool, got {other:?}"),
    }

    let admin = TestClient::session(server().groups(["admin"]))
        .await
        .unwrap();
    let names: Vec<String> = admin
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.iter().any(|n| n == "purge"), "{names:?}");
    assert_eq!(
        admin
            .request("tools/call", json!({ "name": "purge" }))
            .await
            .unwrap(),
        json!({ "content": [{ "type": "text", "text": "purged" }] })
    );
}

#[derive(Deserialize, JsonSchema)]
struct ShoutArgs {
    text: String,
}

fn shout() -> ToolDef {
    ToolDef::new("shout", |call: mcpserve::ToolCall| async move {
        let args: ShoutArgs = call.arguments()?;
        Ok::<_, Error>(args.text.to_uppercase())
    })
    .title("Shout")
    .description("Upper-cases text.")
    .input_schema_for::<ShoutArgs>()
}

#[tokio::test]
async fn runtime_tool_def() {
    let client = TestClient::session(server().tool(shout())).await.unwrap();
    let tool = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "shout")
        .unwrap();
    assert_eq!(
        serde_json::to_value(&tool).unwrap(),
        json!({
            "name": "shout",
            "title": "Shout",
            "description": "Upper-cases text.",
            "inputSchema": {
                "type": "object",
                "properties": { "text": { "type": "string" } },
                "required": ["text"]
            }
        })
    );
    assert_eq!(
        client
            .request(
                "tools/call",
                json!({ "name": "shout", "arguments": { "text": "hi" } })
            )
            .await
            .unwrap(),
        json!({ "content": [{ "type": "text", "text": "HI" }] })
    );
    assert_eq!(
        client
            .request(
                "tools/call",
                json!({ "name": "shout", "arguments": { "txt": "hi" } })
            )
            .await
            .unwrap(),
        json!({
            "content": [{ "type": "text", "text": "Invalid arguments for tool `shout`: missing field `text`" }],
            "isError": true
        })
    );
}

#[tokio::test]
async fn runtime_tool_clashing_with_a_registered_name_fails_to_build() {
    let clash = ToolDef::new("bump", |_call: mcpserve::ToolCall| async { "never" });
    let err = server().tool(clash).build().err().expect("duplicate");
    assert!(
        err.message()
            .starts_with("duplicate tool name `bump`: defined at tests/behaviour_tools.rs:"),
        "{}",
        err.message()
    );
    assert!(
        err.message().ends_with(" and at run time"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn pagination_follows_cursors_in_a_stable_order() {
    let tools = ["t1", "t2", "t3", "t4", "t5"];
    let build = || {
        tools.iter().fold(
            Server::builder()
                .without_registry()
                .configure(|c| c.page_size = 2),
            |b, name| {
                b.tool(ToolDef::new(*name, |_call: mcpserve::ToolCall| async {
                    "ok"
                }))
            },
        )
    };
    let client = TestClient::session(build()).await.unwrap();
    let names = |page: &Value| -> Vec<String> {
        page["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = client.request("tools/list", json!({})).await.unwrap();
    assert_eq!(names(&first), ["t1", "t2"]);
    let c1 = first["nextCursor"].as_str().unwrap().to_owned();
    let second = client
        .request("tools/list", json!({ "cursor": c1 }))
        .await
        .unwrap();
    assert_eq!(names(&second), ["t3", "t4"]);
    let c2 = second["nextCursor"].as_str().unwrap().to_owned();
    let third = client
        .request("tools/list", json!({ "cursor": c2 }))
        .await
        .unwrap();
    assert_eq!(names(&third), ["t5"]);
    assert_eq!(third.get("nextCursor"), None);
    // Same cursors, same pages, also from another server built the same way.
    let again = TestClient::session(build()).await.unwrap();
    assert_eq!(
        again
            .request("tools/list", json!({ "cursor": c1 }))
            .await
            .unwrap(),
        second
    );

    for bad in ["garbage", "", "dG9vbHM6OTk"] {
        match client.request("tools/list", json!({ "cursor": bad })).await {
            Err(ClientError::Rpc(e)) => {
                assert_eq!(
                    (e.code, e.message),
                    (-32602, format!("Invalid cursor: {bad}"))
                )
            }
            other => panic!("expected invalid cursor for {bad:?}, got {other:?}"),
        }
    }
    // The 2026 era pages the same way, with caching hints.
    let modern = TestClient::sessionless(build());
    let page = modern
        .request("tools/list", json!({ "cursor": c2 }))
        .await
        .unwrap();
    assert_eq!(
        (
            &page["resultType"],
            &page["ttlMs"],
            &page["cacheScope"],
            names(&page)
        ),
        (
            &json!("complete"),
            &json!(0),
            &json!("public"),
            vec!["t5".to_owned()]
        )
    );
}

#[tokio::test]
async fn schema_constraints_are_enforced_naming_the_field() {
    let client = TestClient::session(server()).await.unwrap();
    let call = |args: Value| {
        let client = &client;
        async move {
            client
                .request("tools/call", json!({ "name": "order", "arguments": args }))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        call(json!({ "item": "tea", "quantity": 2 })).await,
        json!({ "content": [{ "type": "text", "text": "tea x2 for mcpserve-test-client" }] })
    );
    assert_eq!(
        call(json!({ "item": "tea", "quantity": 0 })).await,
        json!({
            "content": [{ "type": "text", "text": "Invalid arguments for tool `order`: `quantity`: 0 is less than the minimum of 1" }],
            "isError": true
        })
    );
    assert_eq!(
        call(json!({ "item": "tea", "quantity": 11, "code": "ab" })).await,
        json!({
            "content": [{ "type": "text", "text": "Invalid arguments for tool `order`: `code`: \"ab\" is shorter than 4 characters; `quantity`: 11 is greater than the maximum of 10" }],
            "isError": true
        })
    );
}

#[tokio::test]
async fn flattened_argument_schema_is_the_struct() {
    let server = server().build().unwrap();
    let tool = server
        .tools()
        .into_iter()
        .find(|t| t.name == "order")
        .unwrap();
    assert_eq!(
        tool.input_schema,
        json!({
            "type": "object",
            "properties": {
                "item": { "description": "What to buy.", "type": "string" },
                "quantity": {
                    "description": "How many; at least one.",
                    "type": "integer", "minimum": 1, "maximum": 10
                },
                "code": {
                    "description": "A discount code.",
                    "type": "string", "minLength": 4
                }
            },
            "required": ["item", "quantity"]
        })
    );
}

#[tokio::test]
async fn sync_tools_run_with_defaults() {
    let client = TestClient::sessionless(server());
    assert_eq!(
        client
            .request(
                "tools/call",
                json!({ "name": "repeat", "arguments": { "text": "ab" } })
            )
            .await
            .unwrap(),
        json!({ "resultType": "complete", "content": [{ "type": "text", "text": "abab" }] })
    );
    assert_eq!(
        client
            .request(
                "tools/call",
                json!({ "name": "repeat", "arguments": { "text": "ab", "times": 3 } })
            )
            .await
            .unwrap(),
        json!({ "resultType": "complete", "content": [{ "type": "text", "text": "ababab" }] })
    );
}

/// `Context::client_info` in both eras: from `initialize` for a session, from each 2026
/// request's `_meta` (read when the handler asks), every field and escape decoded.
#[tokio::test]
async fn client_info_is_what_the_client_sent_in_both_eras() {
    let identity = |result: Value| -> Value {
        serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap()
    };
    let session = TestClient::session(server()).await.unwrap();
    let result = session
        .request("tools/call", json!({ "name": "identity" }))
        .await
        .unwrap();
    assert_eq!(
        identity(result),
        json!({ "name": "mcpserve-test-client", "version": "1.0.0" })
    );

    let modern = TestClient::sessionless(server());
    let sent = json!({
        "name": "café \"client\"", "version": "2.1", "title": "Café",
        "websiteUrl": "https://example.com", "unknown": [1, {"x": null}],
        "icons": [{ "src": "https://example.com/i.png", "sizes": ["48x48"] }]
    });
    for (info, expected) in [
        (sent.clone(), sent.clone()),
        (Value::Null, Value::Null),
        (json!(["c", "1"]), json!({ "name": "c", "version": "1" })),
    ] {
        let result = modern
            .request(
                "tools/call",
                json!({ "name": "identity", "_meta": { "io.modelcontextprotocol/clientInfo": info } }),
            )
            .await
            .unwrap();
        let mut expected = expected;
        if let Some(o) = expected.as_object_mut() {
            o.remove("unknown");
        }
        assert_eq!(identity(result), expected, "{info}");
    }
    // Without clientInfo, the tool sees none.
    let bare = TestClient::connect(server());
    let result = bare
        .request(
            "tools/call",
            json!({ "name": "identity", "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {} } }),
        )
        .await
        .unwrap();
    assert_eq!(identity(result), Value::Null);
}
