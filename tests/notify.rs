//! Notifications from outside handlers: run-time tool changes announced to session-era
//! clients and on 2026 `subscriptions/listen` streams; server-side pings; roots changes.

use std::sync::{Arc, Mutex};

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;
use mcpserve::ToolDef;
use serde_json::{json, Value};

/// Always there.
#[tool]
fn base() -> &'static str {
    "base"
}

fn server() -> Server {
    Server::from_registry()
        .name("notify-test")
        .version("1.0.0")
        .build()
        .unwrap()
}

fn extra(name: &str) -> ToolDef {
    ToolDef::new(name, |_call: mcpserve::ToolCall| async { "extra" })
        .description("Added at run time.")
}

async fn tool_names(client: &TestClient) -> Vec<String> {
    client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[tokio::test]
async fn session_clients_hear_about_run_time_tool_changes_once() {
    let server = server();
    let handle = server.handle();
    let client = TestClient::session(server).await.unwrap();
    assert_eq!(tool_names(&client).await, ["base"]);
    // Three changes inside the debounce window: one notification.
    handle.add_tool(extra("one")).unwrap();
    handle.add_tool(extra("two")).unwrap();
    assert!(handle.disable_tool("one"));
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({ "jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {} })
    );
    assert_eq!(tool_names(&client).await, ["base", "two"]);
    assert_eq!(
        client
            .call_tool_raw("one", json!({}))
            .await
            .unwrap_err()
            .to_string(),
        "JSON-RPC error -32602: Unknown tool: one"
    );
    assert!(handle.enable_tool("one"));
    assert_eq!(
        client.next_notification().await.unwrap()["method"],
        "notifications/tools/list_changed"
    );
    assert_eq!(tool_names(&client).await, ["base", "two", "one"]);
    assert!(handle.remove_tool("two"));
    assert!(!handle.remove_tool("two"));
    client.next_notification().await.unwrap();
    assert_eq!(tool_names(&client).await, ["base", "one"]);
}

fn listen(id: &str, notifications: Value) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
        "params": {
            "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} },
            "notifications": notifications
        }
    })
}

#[tokio::test]
async fn subscriptions_listen_acknowledges_tags_and_filters() {
    let server = server();
    let handle = server.handle();
    let client = TestClient::sessionless(server);
    client
        .send(&listen(
            "tools",
            json!({ "toolsListChanged": true, "promptsListChanged": true }),
        ))
        .await
        .unwrap();
    // The server has no prompts capability: only tools are honoured.
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({ "jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": { "_meta": { "io.modelcontextprotocol/subscriptionId": "tools" }, "notifications": { "toolsListChanged": true } } })
    );
    client
        .send(&listen("prompts", json!({ "promptsListChanged": true })))
        .await
        .unwrap();
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({ "jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": { "_meta": { "io.modelcontextprotocol/subscriptionId": "prompts" }, "notifications": {} } })
    );
    handle.add_tool(extra("late")).unwrap();
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({ "jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": { "_meta": { "io.modelcontextprotocol/subscriptionId": "tools" } } })
    );
    // The stream that only wanted prompts got nothing: the next message is the result of
    // a graceful close, for each stream.
    handle.close_subscriptions();
    let mut closing = vec![
        client.next_notification().await.unwrap(),
        client.next_notification().await.unwrap(),
    ];
    closing.sort_by_key(|m| m["id"].as_str().unwrap().to_owned());
    assert_eq!(
        closing,
        vec![
            json!({ "jsonrpc": "2.0", "id": "prompts", "result": { "resultType": "complete", "_meta": { "io.modelcontextprotocol/subscriptionId": "prompts" } } }),
            json!({ "jsonrpc": "2.0", "id": "tools", "result": { "resultType": "complete", "_meta": { "io.modelcontextprotocol/subscriptionId": "tools" } } }),
        ]
    );
}

#[tokio::test]
async fn cancelled_subscriptions_end_without_a_response() {
    let server = server();
    let handle = server.handle();
    let client = TestClient::sessionless(server);
    client
        .send(&listen("s1", json!({ "toolsListChanged": true })))
        .await
        .unwrap();
    assert_eq!(
        client.next_notification().await.unwrap()["method"],
        "notifications/subscriptions/acknowledged"
    );
    client
        .notify("notifications/cancelled", json!({ "requestId": "s1" }))
        .await
        .unwrap();
    // Once this request is answered the cancellation was processed (messages are read
    // in order); a change then reaches nobody, and no response to s1 ever came.
    client.request("tools/list", json!({})).await.unwrap();
    tokio::task::yield_now().await;
    handle.close_subscriptions();
    client.request("tools/list", json!({})).await.unwrap();
    let rest: Vec<Value> = std::iter::from_fn(|| client.try_next_notification()).collect();
    assert_eq!(rest, Vec::<Value>::new());
}

#[tokio::test]
async fn the_server_pings_session_clients() {
    let server = server();
    let handle = server.handle();
    let client = TestClient::session(server).await.unwrap();
    let peers = handle.peers();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].client_info().name, "mcpserve-test-client");
    peers[0].ping().await.unwrap();
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({ "jsonrpc": "2.0", "id": 0, "method": "ping", "params": {} })
    );
}

#[tokio::test]
async fn a_silent_client_fails_the_ping() {
    let server = Server::from_registry()
        .configure(|c| c.client_request_timeout = std::time::Duration::from_millis(50))
        .build()
        .unwrap();
    let handle = server.handle();
    let client = TestClient::session(server).await.unwrap();
    client.stop_answering();
    let err = handle.peers()[0].ping().await.unwrap_err();
    assert_eq!(
        err.message(),
        "The client did not answer `ping` within 50ms"
    );
}

#[tokio::test]
async fn roots_changes_reach_the_callback() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let server = Server::from_registry()
        .on_roots_changed(move |peer| {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(peer.roots().await);
            });
        })
        .build()
        .unwrap();
    let client = TestClient::session_with(server, json!({ "roots": { "listChanged": true } }))
        .await
        .unwrap();
    let calls = Arc::new(Mutex::new(0));
    let counted = calls.clone();
    client.on_request(move |method, _| {
        assert_eq!(method, "roots/list");
        *counted.lock().unwrap() += 1;
        Ok(json!({ "roots": [{ "uri": "file:///work", "name": "work" }] }))
    });
    client
        .notify("notifications/roots/list_changed", json!({}))
        .await
        .unwrap();
    let roots = rx.recv().await.unwrap().unwrap();
    assert_eq!(
        roots,
        vec![mcpserve::Root {
            uri: "file:///work".into(),
            name: Some("work".into())
        }]
    );
    assert_eq!(*calls.lock().unwrap(), 1);
}

/// The `resources` capability a new session-era client is offered.
async fn offered_resources(server: &Server) -> Value {
    let client = TestClient::connect(server.clone());
    let init = json!({
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "late", "version": "1"}
    });
    let result = client.request("initialize", init).await.unwrap();
    result["capabilities"]["resources"].clone()
}

#[tokio::test]
async fn resources_added_while_serving_are_declared_to_later_clients() {
    let server = server();
    assert_eq!(offered_resources(&server).await, Value::Null);
    server
        .resources()
        .add(mcpserve::ResourceDef::text(
            "info://late",
            "late",
            "Added late.",
        ))
        .unwrap();
    assert_eq!(
        offered_resources(&server).await,
        json!({"subscribe": true, "listChanged": true})
    );
}
