//! Runtime robustness through the in-memory `TestClient` and raw `serve_io`: slow tools
//! do not block others, panics are contained, oversize messages are rejected, and
//! cancelled requests are never answered.

use std::sync::{Arc, Mutex};

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot, Notify};

/// Signals between a test and its tools: `started` fires when a gated tool begins,
/// `release` lets it finish, `observed` records that it saw its cancellation.
#[derive(Clone, Default)]
struct Gate {
    started: Arc<Notify>,
    release: Arc<Notify>,
    observed: Arc<Mutex<Option<oneshot::Sender<()>>>>,
}

/// Waits until the test releases it.
#[tool]
async fn slow(gate: State<Gate>) -> &'static str {
    gate.started.notify_one();
    gate.release.notified().await;
    "slow done"
}

/// Returns at once.
#[tool]
async fn fast() -> &'static str {
    "fast done"
}

/// Always panics.
#[tool]
async fn boom(#[arg(default)] sync: bool) -> String {
    if sync {
        panic!("sync kaboom")
    }
    panic!("kaboom {}", 42)
}

/// Panics on the blocking pool.
#[tool]
fn boom_blocking() -> String {
    panic!("blocking kaboom")
}

/// Runs until cancelled, then reports that it saw the cancellation.
#[tool]
async fn wait_for_cancel(ctx: Context, gate: State<Gate>) -> &'static str {
    gate.started.notify_one();
    ctx.cancelled().await;
    if let Some(tx) = gate.observed.lock().unwrap().take() {
        let _ = tx.send(());
    }
    "finished after cancellation"
}

/// Never looks at its cancellation; says when it is dropped.
#[tool]
async fn ignores_cancel(gate: State<Gate>) -> &'static str {
    struct Dropped(Option<oneshot::Sender<()>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            if let Some(tx) = self.0.take() {
                let _ = tx.send(());
            }
        }
    }
    let _dropped = Dropped(gate.observed.lock().unwrap().take());
    gate.started.notify_one();
    std::future::pending::<()>().await;
    "never"
}

fn text(result: &CallToolResult) -> &str {
    result.content[0].as_text().expect("text content")
}

#[tokio::test]
async fn slow_tool_does_not_block_other_requests() {
    let gate = Gate::default();
    let client = Arc::new(
        TestClient::session(Server::from_registry().state(gate.clone()))
            .await
            .unwrap(),
    );
    let slow_call = tokio::spawn({
        let client = client.clone();
        async move { client.call("slow", json!({})).await }
    });
    gate.started.notified().await;
    // The slow tool is running and holds no lock: everything else is served meanwhile.
    assert_eq!(client.request("ping", json!({})).await.unwrap(), json!({}));
    assert_eq!(
        text(&client.call("fast", json!({})).await.unwrap()),
        "fast done"
    );
    assert!(!slow_call.is_finished());
    gate.release.notify_one();
    assert_eq!(text(&slow_call.await.unwrap().unwrap()), "slow done");
}

#[tokio::test]
async fn panicking_tool_is_an_error_result_and_the_server_keeps_serving() {
    let client = TestClient::session(Server::from_registry().state(Gate::default()))
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            client
                .request("tools/call", json!({ "name": "boom", "arguments": {} }))
                .await
                .unwrap(),
            json!({
                "content": [{ "type": "text", "text": "Tool `boom` panicked: kaboom 42" }],
                "isError": true
            })
        );
    }
    assert_eq!(
        client
            .request(
                "tools/call",
                json!({ "name": "boom", "arguments": { "sync": true } })
            )
            .await
            .unwrap(),
        json!({
            "content": [{ "type": "text", "text": "Tool `boom` panicked: sync kaboom" }],
            "isError": true
        })
    );
    assert_eq!(
        client
            .request("tools/call", json!({ "name": "boom_blocking" }))
            .await
            .unwrap(),
        json!({
            "content": [{ "type": "text", "text": "Tool `boom_blocking` panicked: blocking kaboom" }],
            "isError": true
        })
    );
    assert_eq!(
        text(&client.call("fast", json!({})).await.unwrap()),
        "fast done"
    );
}

#[tokio::test]
async fn oversize_message_is_rejected_and_the_next_one_served() {
    let server = Server::from_registry()
        .state(Gate::default())
        .configure(|c| c.max_message_bytes = 256);
    let client = TestClient::session(server).await.unwrap();
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{{"name":"fast","arguments":{{"pad":"{}"}}}}}}"#,
        "x".repeat(1000)
    );
    client.send_raw(&big).await.unwrap();
    // The id cannot be read from a message that was never buffered: `id: null`.
    assert_eq!(
        client.next_notification().await.unwrap(),
        json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": -32600, "message": "Invalid Request: message exceeds 256 bytes" }
        })
    );
    assert_eq!(
        text(&client.call("fast", json!({})).await.unwrap()),
        "fast done"
    );
}

/// Runs a server over an in-memory pipe: a request that waits for its cancellation, the
/// cancellation, one more request, end of input; returns every message the server wrote
/// until it closed its output.
async fn cancelled_request_transcript(gate: Gate) -> Vec<Value> {
    let server = Server::from_registry().state(gate.clone()).build().unwrap();
    let (client, server_io) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server.serve_io(server_read, server_write));
    let (read, mut write) = tokio::io::split(client);

    let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = lines_tx.send(serde_json::from_str::<Value>(&line).unwrap());
        }
    });
    let line = |v: Value| format!("{v}\n");
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let request = line(json!({
        "jsonrpc": "2.0", "id": "long", "method": "tools/call",
        "params": { "name": "wait_for_cancel", "_meta": meta }
    }));
    write.write_all(request.as_bytes()).await.unwrap();
    gate.started.notified().await;
    let cancel = line(json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": { "requestId": "long", "reason": "user gave up" }
    }));
    write.write_all(cancel.as_bytes()).await.unwrap();
    let ping = line(json!({
        "jsonrpc": "2.0", "id": "after", "method": "tools/call",
        "params": { "name": "fast", "_meta": meta }
    }));
    write.write_all(ping.as_bytes()).await.unwrap();
    write.shutdown().await.unwrap();

    serving.await.unwrap().unwrap();
    reader.await.unwrap();
    let mut out = Vec::new();
    while let Ok(v) = lines_rx.try_recv() {
        out.push(v);
    }
    out
}

#[tokio::test]
async fn cancelled_request_gets_no_response() {
    let gate = Gate::default();
    let (observed_tx, observed_rx) = oneshot::channel();
    *gate.observed.lock().unwrap() = Some(observed_tx);
    let transcript = cancelled_request_transcript(gate).await;
    // The tool saw the cancellation and returned, yet its result was not sent.
    observed_rx
        .await
        .expect("the tool observed its cancellation");
    assert_eq!(
        transcript,
        vec![json!({
            "jsonrpc": "2.0",
            "id": "after",
            "result": { "resultType": "complete", "content": [{ "type": "text", "text": "fast done" }] }
        })]
    );
}

/// A handler that never asks about cancellation is still cancelled: the client's
/// `notifications/cancelled` wakes the dispatcher, which drops the handler after the
/// grace period and answers nothing, while the connection stays open.
#[tokio::test]
async fn a_handler_that_ignores_cancellation_is_dropped_after_the_grace_period() {
    let gate = Gate::default();
    let (dropped_tx, dropped_rx) = oneshot::channel();
    *gate.observed.lock().unwrap() = Some(dropped_tx);
    let server = Server::from_registry()
        .state(gate.clone())
        .configure(|c| c.cancel_grace = std::time::Duration::from_millis(50))
        .build()
        .unwrap();
    let (client, server_io) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server.serve_io(server_read, server_write));
    let (read, mut write) = tokio::io::split(client);
    let mut lines = BufReader::new(read).lines();
    let line = |v: Value| format!("{v}\n");
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let call = |id: &str, name: &str| {
        line(json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": { "name": name, "_meta": meta }
        }))
    };
    write
        .write_all(call("long", "ignores_cancel").as_bytes())
        .await
        .unwrap();
    gate.started.notified().await;
    let cancel = line(json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": { "requestId": "long" }
    }));
    write.write_all(cancel.as_bytes()).await.unwrap();
    // Dropped while the connection is still open (not by its shutdown).
    tokio::time::timeout(std::time::Duration::from_secs(10), dropped_rx)
        .await
        .expect("the handler was dropped after the grace period")
        .unwrap();
    write
        .write_all(call("after", "fast").as_bytes())
        .await
        .unwrap();
    let next: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(next["id"], "after", "{next}");
    write.shutdown().await.unwrap();
    assert!(lines.next_line().await.unwrap().is_none());
    serving.await.unwrap().unwrap();
}
