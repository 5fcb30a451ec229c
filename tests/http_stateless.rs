//! 2026-07-28 Streamable HTTP against a real server on 127.0.0.1: the error ladder,
//! SEP-2243 header validation, SSE responses and cancellation by closing the stream.
#![cfg(feature = "http")]

mod http_common;

use std::time::Duration;

use http_common::*;
use mcpserve::HttpConfig;
use serde_json::{json, Value};

async fn status_and_body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/json");
    (status, res.json().await.unwrap())
}

/// A raw 2026 POST: `body` as given, exactly these headers on top of the content ones.
async fn raw(url: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
    status_and_body(post(url, body, headers).send().await.unwrap()).await
}

fn call_body(id: i64, tool: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": args, "_meta": meta()}})
}

const V: (&str, &str) = ("mcp-protocol-version", "2026-07-28");

#[tokio::test]
async fn a_plain_request_gets_a_json_result() {
    let server = TestServer::start().await;
    let res = post_2026(
        &server.url,
        1,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 2}}),
    )
    .await;
    assert!(res.headers().get("mcp-session-id").is_none());
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete", "content": [{"type": "text", "text": "4"}]}})
    );
    let (status, body) =
        status_and_body(post_2026(&server.url, 2, "server/discover", json!({})).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["supportedVersions"], json!(["2026-07-28"]));
}

#[tokio::test]
async fn the_error_ladder_in_order() {
    let server = TestServer::start().await;
    let url = &server.url;
    let discover = |id: i64, meta: Value| json!({"jsonrpc": "2.0", "id": id, "method": "server/discover", "params": {"_meta": meta}});
    let m = ("mcp-method", "server/discover");

    // _meta missing: -32602, even though the header names a version.
    let body = json!({"jsonrpc": "2.0", "id": 101, "method": "server/discover", "params": {}});
    let (s, b) = raw(url, &body, &[V, m]).await;
    assert_eq!(
        (s, b["id"].clone(), b["error"]["code"].clone()),
        (400, json!(101), json!(-32602))
    );
    // _meta without protocolVersion / clientCapabilities: -32602, not -32020.
    let (s, b) = raw(
        url,
        &discover(
            102,
            json!({"io.modelcontextprotocol/clientCapabilities": {}}),
        ),
        &[V, m],
    )
    .await;
    assert_eq!(
        (s, b["id"].clone(), b["error"]["code"].clone()),
        (400, json!(102), json!(-32602))
    );
    let (s, b) = raw(
        url,
        &discover(
            104,
            json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"}),
        ),
        &[V, m],
    )
    .await;
    assert_eq!(
        (s, b["id"].clone(), b["error"]["code"].clone()),
        (400, json!(104), json!(-32602))
    );
    // No clientInfo is fine.
    let minimal = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}});
    assert_eq!(raw(url, &discover(105, minimal), &[V, m]).await.0, 200);
    // Header and _meta disagree: -32020.
    let odd = json!({"io.modelcontextprotocol/protocolVersion": "v999.0.0", "io.modelcontextprotocol/clientCapabilities": {}});
    let (s, b) = raw(url, &discover(302, odd.clone()), &[V, m]).await;
    assert_eq!(
        (s, b["id"].clone(), b["error"]["code"].clone()),
        (400, json!(302), json!(-32020))
    );
    // Both name an unsupported version: -32022 with the supported list.
    let (s, b) = raw(
        url,
        &discover(301, odd),
        &[("mcp-protocol-version", "v999.0.0"), m],
    )
    .await;
    assert_eq!((s, b["id"].clone()), (400, json!(301)));
    assert_eq!(
        b["error"]["data"],
        json!({"supported": ["2026-07-28"], "requested": "v999.0.0"})
    );
    assert_eq!(b["error"]["code"], -32022);
    // Unknown and removed methods: 404 + -32601, after the header checks passed.
    for method in ["unknown/method", "initialize", "ping", "logging/setLevel"] {
        let res = post_2026(url, 500, method, json!({})).await;
        let (s, b) = status_and_body(res).await;
        assert_eq!(
            (s, b["id"].clone(), b["error"]["code"].clone()),
            (404, json!(500), json!(-32601)),
            "{method}"
        );
    }
    // A missing client capability: 400 + -32021 with the capability as an object.
    let res = post_2026(
        url,
        401,
        "tools/call",
        json!({"name": "needs_sampling", "arguments": {}}),
    )
    .await;
    let (s, b) = status_and_body(res).await;
    assert_eq!(
        (s, b["id"].clone(), b["error"]["code"].clone()),
        (400, json!(401), json!(-32021))
    );
    assert_eq!(
        b["error"]["data"],
        json!({"requiredCapabilities": {"sampling": {}}})
    );
    // A method that does not exist with a wrong Mcp-Method header: the header check wins.
    let body = json!({"jsonrpc": "2.0", "id": 600, "method": "unknown/method", "params": {"_meta": meta()}});
    let (s, b) = raw(url, &body, &[V, ("mcp-method", "other")]).await;
    assert_eq!((s, b["error"]["code"].clone()), (400, json!(-32020)));
}

#[tokio::test]
async fn standard_headers_must_match_the_body() {
    let server = TestServer::start().await;
    let url = &server.url;
    let list =
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta()}});
    let code = |r: (u16, Value)| (r.0, r.1["error"]["code"].as_i64(), r.1["id"].clone());
    let rejected = (400, Some(-32020), json!(1));
    assert_eq!(
        code(raw(url, &list, &[V, ("mcp-method", "prompts/list")]).await),
        rejected
    );
    assert_eq!(code(raw(url, &list, &[V]).await), rejected);
    assert_eq!(
        code(raw(url, &list, &[V, ("mcp-method", "TOOLS/LIST")]).await),
        rejected
    );
    assert_eq!(
        code(raw(url, &list, &[V, ("MCP-METHOD", "tools/list")]).await).0,
        200
    );

    let call = call_body(1, "add", json!({"a": 1, "b": 1}));
    let cm = ("mcp-method", "tools/call");
    assert_eq!(
        code(raw(url, &call, &[V, cm, ("mcp-name", "wrong_tool_name")]).await),
        rejected
    );
    assert_eq!(code(raw(url, &call, &[V, cm]).await), rejected);
    assert_eq!(
        raw(url, &call, &[V, cm, ("mcp-name", " \t add \t")])
            .await
            .0,
        200
    );
    assert_eq!(
        raw(url, &call, &[V, cm, ("mcp-name", "=?base64?YWRk?=")])
            .await
            .0,
        200
    );
    // resources/read and prompts/get mirror `uri` and `name`.
    let read = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read",
                      "params": {"uri": "test://a", "_meta": meta()}});
    let rm = ("mcp-method", "resources/read");
    assert_eq!(
        code(raw(url, &read, &[V, rm, ("mcp-name", "test://b")]).await),
        rejected
    );
    assert_eq!(code(raw(url, &read, &[V, rm]).await), rejected);
    let get = json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get",
                     "params": {"name": "p", "_meta": meta()}});
    let pm = ("mcp-method", "prompts/get");
    assert_eq!(
        code(raw(url, &get, &[V, pm, ("mcp-name", "q")]).await),
        rejected
    );
    // Sent twice: ambiguous, rejected.
    let res = post(
        url,
        &call,
        &[V, cm, ("mcp-name", "add"), ("mcp-name", "add")],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn x_mcp_header_parameters_are_validated() {
    let server = TestServer::start().await;
    let url = &server.url;
    let base = [V, ("mcp-method", "tools/call"), ("mcp-name", "routed")];
    let send = |args: Value, region: Option<&'static str>, count: Option<&'static str>| {
        let mut headers = base.to_vec();
        headers.extend(region.map(|r| ("mcp-param-region", r)));
        headers.extend(count.map(|c| ("Mcp-Param-Count", c)));
        let body = call_body(7, "routed", args);
        async move { raw(url, &body, &headers).await }
    };
    let ok = |r: (u16, Value)| {
        assert_eq!(r.0, 200, "{}", r.1);
        r.1["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let rejected = |r: (u16, Value)| {
        assert_eq!(
            (r.0, r.1["error"]["code"].as_i64(), r.1["id"].clone()),
            (400, Some(-32020), json!(7)),
            "{}",
            r.1
        );
    };
    assert_eq!(
        ok(send(
            json!({"region": "Hello"}),
            Some("=?base64?SGVsbG8=?="),
            None
        )
        .await),
        "Hello/None"
    );
    rejected(send(json!({"region": "Hello"}), Some("=?base64?SGVsbG8?="), None).await);
    rejected(
        send(
            json!({"region": "Hello"}),
            Some("=?base64?SGVs!!!bG8=?="),
            None,
        )
        .await,
    );
    assert_eq!(
        ok(send(json!({"region": "SGVsbG8="}), Some("SGVsbG8="), None).await),
        "SGVsbG8=/None"
    );
    assert_eq!(
        ok(send(
            json!({"region": "=?base64?SGVsbG8="}),
            Some("=?base64?SGVsbG8="),
            None
        )
        .await),
        "=?base64?SGVsbG8=/None"
    );
    rejected(send(json!({"region": "test-value"}), None, None).await);
    rejected(send(json!({"region": "a"}), Some("b"), None).await);
    assert_eq!(
        ok(send(json!({"region": "eu"}), Some("  eu\t"), None).await),
        "eu/None"
    );
    // Integers compare numerically; a header without a body value is a mismatch.
    assert_eq!(
        ok(send(
            json!({"region": "eu", "count": 42}),
            Some("eu"),
            Some("42.0")
        )
        .await),
        "eu/Some(42)"
    );
    rejected(send(json!({"region": "eu", "count": 42}), Some("eu"), Some("43")).await);
    rejected(send(json!({"region": "eu", "count": 42}), Some("eu"), None).await);
    rejected(send(json!({"region": "eu"}), Some("eu"), Some("1")).await);
    // A null value needs no header.
    assert_eq!(
        ok(send(json!({"region": "eu", "count": null}), Some("eu"), None).await),
        "eu/None"
    );
}

#[tokio::test]
async fn progress_requests_are_answered_with_sse() {
    let server = TestServer::start().await;
    gate("sse-2026").notify_one();
    let mut body = call_body(3, "stepped", json!({"gate": "sse-2026"}));
    body["params"]["_meta"]["progressToken"] = json!("tok");
    let headers = [V, ("mcp-method", "tools/call"), ("mcp-name", "stepped")];
    let mut sse = SseReader::new(post(&server.url, &body, &headers).send().await.unwrap());
    assert_eq!(sse.headers["x-accel-buffering"], "no");
    let events = sse.rest().await;
    // No priming, no ids: 2026 streams are not resumable.
    assert!(events.iter().all(|e| e.id.is_none() && e.retry.is_none()));
    assert_eq!(
        summarize(&events),
        ["progress 1", "progress 2", "progress 3", "result 3 done"]
    );
    assert_eq!(events[0].json()["params"]["progressToken"], "tok");
    assert_eq!(events[3].json()["result"]["resultType"], "complete");
}

#[tokio::test]
async fn quiet_streams_get_keep_alive_comments() {
    let config = HttpConfig::default().configure(|c| c.sse_keep_alive = Duration::from_millis(5));
    let server = TestServer::with_config(config).await;
    let mut body = call_body(1, "held", json!({"gate": "keep-alive"}));
    body["params"]["_meta"]["progressToken"] = json!(1);
    let headers = [V, ("mcp-method", "tools/call"), ("mcp-name", "held")];
    let mut sse = SseReader::new(post(&server.url, &body, &headers).send().await.unwrap());
    let mut res = sse.until_comment().await;
    gate("keep-alive").notify_one();
    res.append(&mut sse.rest().await);
    assert_eq!(summarize(&res), ["result 1 released"]);
}

#[tokio::test]
async fn closing_the_response_stream_cancels_the_request() {
    let server = TestServer::start().await;
    let mut body = call_body(1, "until_cancelled", json!({"gate": "close-2026"}));
    body["params"]["_meta"]["progressToken"] = json!(1);
    let headers = [
        V,
        ("mcp-method", "tools/call"),
        ("mcp-name", "until_cancelled"),
    ];
    let res = post(&server.url, &body, &headers).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    drop(res);
    // The handler's cancellation token fires (otherwise this waits forever).
    gate("close-2026-cancelled").notified().await;

    // The same for a JSON-mode request whose client goes away before the reply.
    let body = call_body(2, "until_cancelled", json!({"gate": "close-json"}));
    let headers = [
        V,
        ("mcp-method", "tools/call"),
        ("mcp-name", "until_cancelled"),
    ];
    let pending = tokio::spawn(post(&server.url, &body, &headers).send());
    gate("close-json-started").notified().await;
    pending.abort();
    gate("close-json-cancelled").notified().await;
}

#[tokio::test]
async fn get_and_delete_are_not_part_of_the_2026_era() {
    let server = TestServer::start().await;
    let res = client()
        .get(&server.url)
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let res = client()
        .delete(&server.url)
        .header("mcp-protocol-version", "2026-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}
