//! What both eras share on one endpoint: era routing, DNS-rebinding protection, content
//! negotiation, limits, graceful shutdown, and mounting the service in axum.
#![cfg(feature = "http")]

mod http_common;

use std::time::Duration;

use http_common::*;
use mcpserve::http::ResponseMode;
use mcpserve::HttpConfig;
use serde_json::{json, Value};

#[tokio::test]
async fn both_eras_share_one_endpoint() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let legacy = s
        .call(1, "add", json!({"a": 1, "b": 2}), false)
        .send()
        .await
        .unwrap();
    let modern = post_2026(
        &server.url,
        1,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
    )
    .await;
    let legacy: Value = legacy.json().await.unwrap();
    let modern: Value = modern.json().await.unwrap();
    assert_eq!(
        legacy["result"],
        json!({"content": [{"type": "text", "text": "3"}]})
    );
    assert_eq!(
        modern["result"],
        json!({"resultType": "complete", "content": [{"type": "text", "text": "3"}]})
    );
    // A 2026 initialize probe is a stateless request: method not found, no session.
    let res = post_2026(&server.url, 2, "initialize", json!({})).await;
    assert_eq!(res.status(), 404);
    assert!(res.headers().get("mcp-session-id").is_none());
    // A legacy initialize with a version header and Mcp-Method is still the session era.
    let init = json!({"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let res = post(
        &server.url,
        &init,
        &[
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-method", "initialize"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("mcp-session-id").is_some());
}

#[tokio::test]
async fn dns_rebinding_is_refused() {
    let server = TestServer::start().await;
    let port = server.addr.port();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let bad_host = post(
        &server.url,
        &init,
        &[
            ("host", "evil.example.com"),
            ("origin", "http://evil.example.com"),
        ],
    );
    assert_eq!(bad_host.send().await.unwrap().status(), 403);
    let bad_origin = post(&server.url, &init, &[("origin", "http://evil.example.com")]);
    assert_eq!(bad_origin.send().await.unwrap().status(), 403);
    let host = format!("127.0.0.1:{port}");
    let origin = format!("http://127.0.0.1:{port}");
    let good = post(&server.url, &init, &[("host", &host), ("origin", &origin)]);
    assert_eq!(good.send().await.unwrap().status(), 200);
    for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
        let res = post(&server.url, &init, &[("host", &host)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
    // 2026 traffic is checked the same way.
    let discover = json!({"jsonrpc": "2.0", "id": 2, "method": "server/discover", "params": {"_meta": meta()}});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "server/discover"),
        ("host", "evil.example.com"),
    ];
    assert_eq!(
        post(&server.url, &discover, &headers)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // A configured allow-list replaces the localhost names.
    let config = HttpConfig::default().allow_hosts(["mcp.example.com"]);
    let server = TestServer::with_config(config).await;
    let res = post(&server.url, &init, &[("host", "mcp.example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = post(&server.url, &init, &[]).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn content_negotiation_and_body_limits() {
    let config = HttpConfig::default().configure(|c| c.max_body_bytes = 1024);
    let server = TestServer::with_config(config).await;
    let s = Session::open(&server.url).await;
    let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"});
    let send = |accept: &'static str, content_type: &'static str, body: String| {
        client()
            .post(&server.url)
            .header("accept", accept)
            .header("content-type", content_type)
            .header("mcp-session-id", &s.id)
            .body(body)
            .send()
    };
    let res = send("application/json", "application/json", list.to_string())
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], 5);
    let res = send("text/event-stream", "application/json", list.to_string())
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
    let res = send("*/*", "application/json; charset=utf-8", list.to_string())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = send(
        "application/json, text/event-stream",
        "text/plain",
        list.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 415);
    let huge = json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "x".repeat(2000)}}});
    let res = send(
        "application/json, text/event-stream",
        "application/json",
        huge.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 413);
    // Not JSON at all: a parse error.
    let res = send(
        "application/json, text/event-stream",
        "application/json",
        "{".into(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], -32700);
    // Other methods and paths.
    let res = client().put(&server.url).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let res = client()
        .get(format!("http://{}/other", server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn concurrency_limit_and_request_timeout() {
    let config = HttpConfig::default().configure(|c| {
        c.max_concurrent_requests = 1;
        c.request_timeout = Some(Duration::from_millis(200));
    });
    let server = TestServer::with_config(config).await;
    let url = server.url.clone();
    let held = tokio::spawn(async move {
        post_2026(
            &url,
            1,
            "tools/call",
            json!({"name": "until_cancelled", "arguments": {"gate": "limit"}}),
        )
        .await
    });
    gate("limit-started").notified().await;
    let res = post_2026(
        &server.url,
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], 2);
    // The held request times out: cancelled, answered with an error.
    let res = held.await.unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["id"].clone(), body["error"]["code"].clone()),
        (json!(1), json!(-32603))
    );
    gate("limit-cancelled").notified().await;
    let res = post_2026(
        &server.url,
        3,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let mut server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let in_flight = tokio::spawn(s.call(1, "held", json!({"gate": "shutdown"}), false).send());
    gate("shutdown-started").notified().await;
    server.stop();
    // Give a broken shutdown the chance to return early; a correct one cannot.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !server.task.is_finished(),
        "the server waits for the running request"
    );
    gate("shutdown").notify_one();
    let res = in_flight.await.unwrap().unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "released");
    server.task.await.unwrap().unwrap();
    assert!(
        client().post(&server.url).send().await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn the_service_nests_in_axum() {
    let app = axum::Router::new()
        .nest_service("/mcp", service(HttpConfig::default()))
        .route("/health", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("http://{addr}/mcp");
    let s = Session::open(&url).await;
    let res = s
        .call(1, "add", json!({"a": 20, "b": 22}), false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["result"]["content"][0]["text"],
        "42"
    );
    let res = post_2026(
        &url,
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["result"]["content"][0]["text"],
        "2"
    );
    gate("axum-sse").notify_one();
    let events = SseReader::new(
        s.call(3, "stepped", json!({"gate": "axum-sse"}), true)
            .send()
            .await
            .unwrap(),
    )
    .rest()
    .await;
    assert_eq!(summarize(&events).last().unwrap(), "result 3 done");
    let health = client()
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn response_modes() {
    // JSON only: notifications are dropped, the reply is one JSON body.
    let json_only = HttpConfig::default().configure(|c| c.response_mode = ResponseMode::Json);
    let server = TestServer::with_config(json_only).await;
    let s = Session::open(&server.url).await;
    gate("mode-json").notify_one();
    let res = s
        .call(1, "stepped", json!({"gate": "mode-json"}), true)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        res.json::<Value>().await.unwrap()["result"]["content"][0]["text"],
        "done"
    );
    gate("mode-json-2026").notify_one();
    let mut params = json!({"name": "stepped", "arguments": {"gate": "mode-json-2026"}});
    params["_meta"] = json!({"progressToken": 1});
    let res = post_2026(&server.url, 2, "tools/call", params).await;
    assert_eq!(res.headers()["content-type"], "application/json");

    // SSE always: even a plain reply is an event stream.
    let sse_only = HttpConfig::default().configure(|c| c.response_mode = ResponseMode::Sse);
    let server = TestServer::with_config(sse_only).await;
    let s = Session::open(&server.url).await;
    let events = SseReader::new(
        s.call(1, "add", json!({"a": 1, "b": 2}), false)
            .send()
            .await
            .unwrap(),
    )
    .rest()
    .await;
    assert_eq!(summarize(&events), ["result 1 3"]);
    let res = post_2026(
        &server.url,
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 2}}),
    )
    .await;
    assert_eq!(summarize(&SseReader::new(res).rest().await), ["result 2 4"]);
}
