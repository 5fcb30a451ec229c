//! One era rule for every transport: the same message is put in the same era over stdio
//! (the quickstart binary) and over HTTP. A `progressToken` is not 2026 metadata; only
//! the `io.modelcontextprotocol/*` keys are.

mod common;
mod http_common;

use common::Spawned;
use http_common::{meta, post, TestServer};
use serde_json::{json, Value};

fn initialize(meta: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "era-test", "version": "1"}, "_meta": meta}})
}

fn stdio(message: &Value) -> Value {
    let mut s = Spawned::stdio("quickstart", &[]);
    s.peer.send(message);
    s.peer.recv()
}

async fn http(message: &Value, headers: &[(&str, &str)]) -> (u16, Option<String>, Value) {
    let server = TestServer::start().await;
    let res = post(&server.url, message, headers).send().await.unwrap();
    let status = res.status().as_u16();
    let sid = res
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, sid, res.json().await.unwrap())
}

#[tokio::test]
async fn a_legacy_initialize_with_only_a_progress_token_starts_a_session_everywhere() {
    let message = initialize(json!({"progressToken": "init-1"}));
    let over_stdio = stdio(&message);
    assert_eq!(over_stdio["result"]["protocolVersion"], "2025-11-25");
    for headers in [&[][..], &[("mcp-protocol-version", "2025-11-25")][..]] {
        let (status, sid, body) = http(&message, headers).await;
        assert_eq!(status, 200, "{headers:?}: {body}");
        assert!(sid.is_some(), "{headers:?}");
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    }
}

#[tokio::test]
async fn an_initialize_with_2026_metadata_is_a_2026_request_everywhere() {
    // `initialize` does not exist in 2026-07-28.
    let message = initialize(meta());
    let expected = json!({"jsonrpc": "2.0", "id": 1, "error": {
        "code": -32601, "message": "Method not found: initialize"}});
    assert_eq!(stdio(&message), expected);
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "initialize"),
    ];
    let (status, sid, body) = http(&message, &headers).await;
    assert_eq!((status, sid, body), (404, None, expected));
}

#[tokio::test]
async fn a_progress_token_alone_does_not_make_a_request_2026() {
    // Without a session, a ping is a session-era ping on stdio (answered) and a
    // session-era request on HTTP (where it needs its session id), not a 2026
    // request missing its `_meta` keys.
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": {"_meta": {"progressToken": 1}}});
    assert_eq!(
        stdio(&ping),
        json!({"jsonrpc": "2.0", "id": 3, "result": {}})
    );
    let (status, _, body) = http(&ping, &[]).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32600,
                "message": "Bad Request: the Mcp-Session-Id header is required"}})
        )
    );
}

#[tokio::test]
async fn a_2026_header_without_2026_metadata_is_a_2026_request_missing_it() {
    let call = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
        "name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {"progressToken": 1}}});
    let missing = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32602, "message":
        "Invalid params: `_meta[\"io.modelcontextprotocol/protocolVersion\"]` is required (2026-07-28 requests carry per-request metadata; session-era clients must send `initialize` first)"}});
    // stdio has no header: with no session, a non-`initialize` request is a 2026 one.
    assert_eq!(stdio(&call), missing);
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "add"),
    ];
    let (status, _, body) = http(&call, &headers).await;
    assert_eq!((status, body), (400, missing));
}
