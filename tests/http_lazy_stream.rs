//! The default response mode (`ResponseMode::Lazy`) in both eras: a request that sends
//! nothing but its response is answered with a JSON body; one whose handler sends a
//! notification is answered with an SSE stream carrying it, then the response, whether
//! the handler sends before its first await, only after waiting, or sends and answers
//! at once. (The request's channel is made by its first send: these pin that switch.)
#![cfg(feature = "http")]

mod http_common;

use http_common::*;
use mcpserve::prelude::*;
use serde_json::{json, Value};

/// Logs `before` (if set), waits for `gate` (if set), logs `after` (if set), answers "ok".
#[tool]
async fn logs(
    ctx: Context,
    before: Option<String>,
    gate: Option<String>,
    after: Option<String>,
) -> String {
    if let Some(text) = before {
        assert!(ctx.log(LoggingLevel::Info, text).await);
    }
    if let Some(gate) = gate {
        self::gate(&gate).notified().await;
    }
    if let Some(text) = after {
        assert!(ctx.log(LoggingLevel::Info, text).await);
    }
    "ok".to_owned()
}

/// What a list of events carried: log texts and the result text.
fn carried(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| {
            let v = e.json();
            match v["method"].as_str() {
                Some("notifications/message") => format!("log {}", v["params"]["data"]),
                _ => format!("result {}", v["result"]["content"][0]["text"]),
            }
        })
        .collect()
}

/// A 2026-07-28 `tools/call` of `logs` asking for log messages at `debug` and up.
async fn call_2026(url: &str, id: i64, args: Value) -> reqwest::Response {
    let mut meta = meta();
    meta["io.modelcontextprotocol/logLevel"] = json!("debug");
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "logs", "arguments": args, "_meta": meta}});
    post(
        url,
        &body,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "logs"),
        ],
    )
    .send()
    .await
    .unwrap()
}

/// Opens `name` after the request under test is surely waiting on it.
async fn release_later(name: &str) {
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    gate(name).notify_one();
}

async fn json_result(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json::<Value>().await.unwrap()["result"]["content"][0]["text"].clone()
}

#[tokio::test]
async fn sessionless_requests_switch_to_sse_when_the_handler_notifies() {
    let server = TestServer::start().await;
    // Nothing but the response: JSON.
    assert_eq!(
        json_result(call_2026(&server.url, 1, json!({})).await).await,
        "ok"
    );

    // A notification and the answer on the first poll.
    let res = call_2026(&server.url, 2, json!({"before": "a"})).await;
    assert_eq!(
        carried(&SseReader::new(res).rest().await),
        [r#"log "a""#, r#"result "ok""#]
    );

    // The first notification only after the handler waited: the response is already
    // waiting for the reply when the channel is made.
    let call = call_2026(&server.url, 3, json!({"gate": "lazy-2026", "after": "b"}));
    let release = release_later("lazy-2026");
    let (res, ()) = tokio::join!(call, release);
    assert_eq!(
        carried(&SseReader::new(res).rest().await),
        [r#"log "b""#, r#"result "ok""#]
    );

    // Notifications both before and after waiting, all on the one stream, in order.
    let call = call_2026(
        &server.url,
        4,
        json!({"before": "c", "gate": "lazy-2026-2", "after": "d"}),
    );
    let release = release_later("lazy-2026-2");
    let (res, ()) = tokio::join!(call, release);
    assert_eq!(
        carried(&SseReader::new(res).rest().await),
        [r#"log "c""#, r#"log "d""#, r#"result "ok""#]
    );

    // And the next plain request is JSON again.
    assert_eq!(
        json_result(call_2026(&server.url, 5, json!({})).await).await,
        "ok"
    );
}

#[tokio::test]
async fn session_requests_switch_to_sse_when_the_handler_notifies() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let res = s
        .post(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel",
            "params": {"level": "debug"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let call = |id: i64, args: Value| s.call(id, "logs", args, false).send();

    assert_eq!(json_result(call(2, json!({})).await.unwrap()).await, "ok");

    // On the first poll: the stream opens with its priming event, then the log and the
    // answer.
    let events = SseReader::new(call(3, json!({"before": "a"})).await.unwrap())
        .rest()
        .await;
    assert!(events[0].data.is_empty(), "priming event first: {events:?}");
    assert_eq!(carried(&events), [r#"log "a""#, r#"result "ok""#]);

    // Only after waiting.
    let release = release_later("lazy-session");
    let (res, ()) = tokio::join!(
        call(4, json!({"gate": "lazy-session", "after": "b"})),
        release
    );
    assert_eq!(
        carried(&SseReader::new(res.unwrap()).rest().await),
        [r#"log "b""#, r#"result "ok""#]
    );

    assert_eq!(json_result(call(5, json!({})).await.unwrap()).await, "ok");
}
