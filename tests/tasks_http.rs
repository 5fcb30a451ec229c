//! Tasks over Streamable HTTP: a task outlives the HTTP exchange (and connection) that
//! created it, in both eras; the 2026-07-28 `Mcp-Name` = `taskId` header rule.

mod http_common;

use std::time::Duration;

use http_common::{client, gate, post, Session, TestServer};
use mcpserve::prelude::*;
use serde_json::{json, Value};

/// Waits for `gate`, then answers.
#[tool(task = "optional")]
async fn h_gated(label: String) -> String {
    http_common::gate(&label).notified().await;
    format!("Done: {label}")
}

fn meta_with_tasks() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
    })
}

/// A 2026 request on a fresh connection (a new reqwest client each time).
async fn modern(url: &str, method: &str, mut params: Value, name: Option<&str>) -> (u16, Value) {
    params["_meta"] = meta_with_tasks();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(name) = name {
        headers.push(("mcp-name", name));
    }
    let res = post(url, &body, &headers).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn modern_task_outlives_its_connection() {
    let server = TestServer::start().await;
    let (status, created) = modern(
        &server.url,
        "tools/call",
        json!({"name": "h_gated", "arguments": {"label": "hm-outlive"}}),
        Some("h_gated"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(created["result"]["resultType"], "task");
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    // The exchange and its connection are gone; the task keeps running.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, working) = modern(&server.url, "tasks/get", json!({"taskId": id}), Some(&id)).await;
    assert_eq!(working["result"]["status"], "working");
    gate("hm-outlive").notify_one();
    let mut done = Value::Null;
    for _ in 0..200 {
        let (_, got) = modern(&server.url, "tasks/get", json!({"taskId": id}), Some(&id)).await;
        if got["result"]["status"] == "completed" {
            done = got;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        done["result"]["result"],
        json!({"content": [{"type": "text", "text": "Done: hm-outlive"}]})
    );
}

#[tokio::test]
async fn modern_task_methods_check_mcp_name() {
    let server = TestServer::start().await;
    let (_, created) = modern(
        &server.url,
        "tools/call",
        json!({"name": "h_gated", "arguments": {"label": "hm-headers"}}),
        Some("h_gated"),
    )
    .await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let (status, wrong) = modern(
        &server.url,
        "tasks/get",
        json!({"taskId": id}),
        Some("another-task"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        wrong,
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32020,
            "message": format!("Header mismatch: Mcp-Name header value \"another-task\" does not match body value \"{id}\"")}})
    );
    let (status, missing) = modern(&server.url, "tasks/cancel", json!({"taskId": id}), None).await;
    assert_eq!(status, 400);
    assert_eq!(
        missing["error"],
        json!({"code": -32020, "message": "Header mismatch: the Mcp-Name header is required"})
    );
    let (status, ack) = modern(
        &server.url,
        "tasks/cancel",
        json!({"taskId": id}),
        Some(&id),
    )
    .await;
    assert_eq!(
        (status, ack["result"].clone()),
        (200, json!({"resultType": "complete"}))
    );
    // Removed methods are unknown on this wire: HTTP 404.
    let (status, removed) = modern(&server.url, "tasks/result", json!({"taskId": id}), None).await;
    assert_eq!(status, 404);
    assert_eq!(removed["error"]["code"], -32601);
    gate("hm-headers").notify_one();
}

#[tokio::test]
async fn session_task_outlives_its_connection() {
    let server = TestServer::start().await;
    let session = Session::open(&server.url).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "h_gated", "arguments": {"label": "hs-outlive"}, "task": {"ttl": 60000}}});
    let created: Value = session
        .post(&call)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created["result"]["task"]["status"], "working");
    // A new connection of the same session blocks on the result until the task ends.
    let result = {
        let body =
            json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/result", "params": {"taskId": id}});
        let waiting = client()
            .post(&server.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", &session.id)
            .header("mcp-protocol-version", "2025-11-25")
            .body(body.to_string())
            .send();
        let (res, _) = tokio::join!(waiting, async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            gate("hs-outlive").notify_one();
        });
        res.unwrap().json::<Value>().await.unwrap()
    };
    assert_eq!(
        result,
        json!({"jsonrpc": "2.0", "id": 2, "result": {
            "content": [{"type": "text", "text": "Done: hs-outlive"}],
            "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}}})
    );
}
