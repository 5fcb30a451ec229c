//! The handler context over Streamable HTTP, with one handler serving both eras:
//! session-era server-to-client requests travel on the POST's SSE stream and their answers
//! are POSTed back; 2026 asks become input-required rounds; `subscriptions/listen` is an
//! open SSE stream.

mod http_common;

use http_common::{client, post, post_2026, post_text, Session, SseReader, TestServer};
use mcpserve::prelude::*;
use mcpserve::{Elicit, Elicitation, SamplingOptions};
use serde_json::{json, Value};

#[derive(Deserialize, JsonSchema, Elicit)]
struct Proceed {
    proceed: bool,
}

/// Asks the user, then the model.
#[tool]
async fn ask_then_sample(ctx: Context) -> Result<String, Error> {
    let Elicitation::Accepted(Proceed { proceed: true }) =
        ctx.elicit::<Proceed>("Go on?").key("go").await?
    else {
        return Ok("stopped".into());
    };
    let reply = ctx
        .sample("Say hi", SamplingOptions::default().max_tokens(10))
        .key("hi")
        .await?;
    Ok(format!("model said {}", reply.text()))
}

/// The calling client's identity as the runtime read it, as JSON.
#[tool]
async fn client_identity(ctx: Context) -> String {
    serde_json::to_string(&ctx.client_info()).unwrap()
}

/// Announces that the tool list changed.
#[tool]
async fn touch_tools(ctx: Context) -> &'static str {
    ctx.server().tools_changed();
    "touched"
}

fn elicit_request() -> Value {
    json!({"method": "elicitation/create", "params": {
        "mode": "form", "message": "Go on?",
        "requestedSchema": {"type": "object", "properties": {"proceed": {"type": "boolean"}}, "required": ["proceed"]}}})
}

fn sample_request() -> Value {
    json!({"method": "sampling/createMessage", "params": {
        "maxTokens": 10,
        "messages": [{"role": "user", "content": {"type": "text", "text": "Say hi"}}]}})
}

fn sampled() -> Value {
    json!({"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m", "stopReason": "endTurn"})
}

#[tokio::test]
async fn session_era_asks_travel_on_the_post_stream() {
    let server = TestServer::start().await;
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}, "sampling": {}},
        "clientInfo": {"name": "test", "version": "1"}}});
    let res = post(&server.url, &init, &[]).send().await.unwrap();
    let sid = res.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    res.text().await.unwrap();
    let headers = [
        ("mcp-session-id", sid.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let res = post(&server.url, &initialized, &headers)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask_then_sample"}});
    let mut sse = SseReader::new(post(&server.url, &call, &headers).send().await.unwrap());
    let priming = sse.next().await.unwrap();
    assert!(priming.data.is_empty() && priming.id.is_some());

    // Each server-to-client request arrives on this stream; its answer is a POST.
    for (expected, answer) in [
        (
            elicit_request(),
            json!({"action": "accept", "content": {"proceed": true}}),
        ),
        (sample_request(), sampled()),
    ] {
        let request = sse.next().await.unwrap().json();
        let id = request["id"].clone();
        assert!(id.is_number());
        assert_eq!(
            request,
            json!({"jsonrpc": "2.0", "id": id, "method": expected["method"], "params": expected["params"]})
        );
        let reply = json!({"jsonrpc": "2.0", "id": id, "result": answer});
        let res = post(&server.url, &reply, &headers).send().await.unwrap();
        assert_eq!(res.status(), 202);
    }
    assert_eq!(
        sse.next().await.unwrap().json(),
        json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "model said hi"}]}})
    );
    assert!(sse.next().await.is_none());
}

fn meta_with(caps: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
    })
}

async fn call_2026(url: &str, id: i64, extra: Value) -> (u16, Value) {
    let mut params = json!({"name": "ask_then_sample", "arguments": {},
        "_meta": meta_with(json!({"elicitation": {}, "sampling": {}}))});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "ask_then_sample"),
    ];
    let res = post(url, &body, &headers).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn sessionless_asks_are_input_required_rounds() {
    let server = TestServer::start().await;
    let (status, first) = call_2026(&server.url, 1, json!({})).await;
    assert_eq!(status, 200);
    let state1 = first["result"]["requestState"].as_str().unwrap().to_owned();
    assert_eq!(
        first,
        json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "input_required",
            "inputRequests": {"go": elicit_request()}, "requestState": state1}})
    );

    let answer1 = json!({"go": {"action": "accept", "content": {"proceed": true}}});
    let (_, second) = call_2026(
        &server.url,
        2,
        json!({"inputResponses": answer1, "requestState": state1}),
    )
    .await;
    let state2 = second["result"]["requestState"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(state1, state2);
    assert_eq!(
        second,
        json!({"jsonrpc": "2.0", "id": 2, "result": {"resultType": "input_required",
            "inputRequests": {"hi": sample_request()}, "requestState": state2}})
    );

    // Round three sends only the new answer; the first travels inside requestState.
    let (_, third) = call_2026(
        &server.url,
        3,
        json!({"inputResponses": {"hi": sampled()}, "requestState": state2}),
    )
    .await;
    assert_eq!(
        third,
        json!({"jsonrpc": "2.0", "id": 3, "result": {"resultType": "complete",
            "content": [{"type": "text", "text": "model said hi"}]}})
    );

    let (status, tampered) = call_2026(
        &server.url,
        4,
        json!({"inputResponses": {"hi": sampled()}, "requestState": format!("{state2}-TAMPERED")}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(tampered["id"], 4);
    assert_eq!(tampered["error"]["code"], -32602);
}

#[tokio::test]
async fn subscriptions_listen_is_an_open_sse_stream() {
    let server = TestServer::start().await;
    let listen = json!({"jsonrpc": "2.0", "id": 9, "method": "subscriptions/listen", "params": {
        "_meta": meta_with(json!({})), "notifications": {"toolsListChanged": true}}});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "subscriptions/listen"),
    ];
    let mut sse = SseReader::new(post(&server.url, &listen, &headers).send().await.unwrap());
    assert_eq!(
        sse.next().await.unwrap().json(),
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": {
            "_meta": {"io.modelcontextprotocol/subscriptionId": 9},
            "notifications": {"toolsListChanged": true}}})
    );

    let touch = json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {
        "name": "touch_tools", "_meta": meta_with(json!({}))}});
    let touch_headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "touch_tools"),
    ];
    let res = client()
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .headers(
            touch_headers
                .iter()
                .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
                .collect(),
        )
        .body(touch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        sse.next().await.unwrap().json(),
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {
            "_meta": {"io.modelcontextprotocol/subscriptionId": 9}}})
    );
}

/// `Context::client_info` over HTTP: from `initialize` in the session era, from the
/// request's `_meta` in 2026 (read when the handler asks); a malformed clientInfo is
/// refused up front with serde_json's words, before any handler runs.
#[tokio::test]
async fn client_info_over_http_in_both_eras() {
    let server = TestServer::start().await;
    let text = |body: &Value| {
        body["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let call = json!({"name": "client_identity", "arguments": {}});
    let res = post_2026(&server.url, 1, "tools/call", call.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        text(&res.json().await.unwrap()),
        r#"{"name":"test","version":"1"}"#
    );

    let session = Session::open(&server.url).await;
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call});
    let res = session.post(&body).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        text(&res.json().await.unwrap()),
        r#"{"name":"test","version":"1"}"#
    );

    let line = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"client_identity","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c","version":1}}}}"#;
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "client_identity"),
    ];
    let res = post_text(&server.url, line, &headers).send().await.unwrap();
    let status = res.status().as_u16();
    assert_eq!(
        (status, res.text().await.unwrap().as_str()),
        (
            400,
            r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `1`, expected a string at line 1 column 164"}}"#
        )
    );
}
