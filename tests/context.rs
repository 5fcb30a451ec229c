//! The handler's context over stdio in both eras: progress, logging, cancellation,
//! elicitation, sampling, roots. Every tool here is written once; the tests run it as a
//! session-era client (server-to-client requests) and as a 2026 client (input-required
//! results and retries), and assert the exact wire messages.

use std::sync::Once;

use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::Root;
use serde_json::{json, Value};

fn install_log_layer() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::prelude::*;
        let _ = tracing_subscriber::registry()
            .with(mcpserve::McpLogLayer::new())
            .try_init();
    });
}

#[derive(Deserialize, JsonSchema, Elicit, Debug, PartialEq)]
struct Confirm {
    proceed: bool,
    /// Why
    reason: Option<String>,
}

/// Delete a project after asking the user.
#[tool(annotations(destructive))]
async fn delete_project(name: String, ctx: Context) -> Result<String, Error> {
    ctx.progress(0, Some(3), "checking").await;
    tracing::info!(%name, "deleting");
    let answer = ctx.elicit::<Confirm>("Really delete?").await?;
    let Elicitation::Accepted(Confirm { proceed: true, .. }) = answer else {
        return Ok(format!("kept {name}"));
    };
    ctx.progress(1, Some(3), None).await;
    let summary = ctx
        .sample(
            format!("Summarise the deletion of {name}"),
            SamplingOptions::default().max_tokens(50),
        )
        .await?;
    let roots = ctx.roots().await?;
    ctx.progress(3, Some(3), "done".to_string()).await;
    Ok(format!(
        "deleted {name}: {} (roots: {})",
        summary.text(),
        roots
            .iter()
            .map(|r| r.uri.as_str())
            .collect::<Vec<_>>()
            .join(",")
    ))
}

/// Asks for three inputs at once.
#[tool]
async fn gather(ctx: Context) -> Result<String, Error> {
    #[derive(Deserialize, Elicit)]
    struct Name {
        name: String,
    }
    let (name, greeting, roots) = tokio::join!(
        ctx.elicit::<Name>("What is your name?").key("user_name"),
        ctx.sample(
            "Generate a greeting",
            SamplingOptions::default().max_tokens(50)
        )
        .key("greeting"),
        ctx.roots().key("client_roots"),
    );
    let name = name?.required()?.name;
    Ok(format!(
        "{} {name} ({} roots)",
        greeting?.text(),
        roots?.len()
    ))
}

/// Samples only.
#[tool]
async fn summarise(text: String, ctx: Context) -> Result<String, Error> {
    Ok(ctx.sample(text, SamplingOptions::default()).await?.text())
}

/// Lists the client's roots.
#[tool]
async fn list_roots(ctx: Context) -> Result<String, Error> {
    let roots: Vec<Root> = ctx.roots().await?;
    Ok(roots.len().to_string())
}

/// Waits until cancelled.
#[tool]
async fn wait_for_cancel(ctx: Context, State(seen): State<Seen>) -> String {
    ctx.cancelled().await;
    seen.0.notify_one();
    "cancelled".into()
}

#[derive(Clone, Default)]
struct Seen(std::sync::Arc<tokio::sync::Notify>);

fn server() -> mcpserve::ServerBuilder {
    install_log_layer();
    Server::from_registry()
        .name("context-test")
        .version("1.0.0")
        .state(Seen::default())
}

const ALL_CAPS: fn() -> Value = || json!({ "elicitation": {}, "sampling": {}, "roots": {} });

/// Answers server-to-client requests the way the conformance client mock does.
fn answer(method: &str, params: &Value) -> Result<Value, mcpserve::protocol::ErrorObject> {
    Ok(match method {
        "elicitation/create" => match params["message"].as_str() {
            Some("What is your name?") => {
                json!({ "action": "accept", "content": { "name": "Alice" } })
            }
            _ => json!({ "action": "accept", "content": { "proceed": true } }),
        },
        "sampling/createMessage" => json!({
            "role": "assistant",
            "content": { "type": "text", "text": "All gone." },
            "model": "test-model",
            "stopReason": "endTurn"
        }),
        "roots/list" => json!({ "roots": [{ "uri": "file:///test/root", "name": "Test Root" }] }),
        _ => json!({}),
    })
}

fn confirm_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "proceed": { "type": "boolean" },
            "reason": { "type": "string", "description": "Why" }
        },
        "required": ["proceed"]
    })
}

fn elicit_request() -> Value {
    json!({ "mode": "form", "message": "Really delete?", "requestedSchema": confirm_schema() })
}

fn sampling_request() -> Value {
    json!({
        "maxTokens": 50,
        "messages": [{ "role": "user", "content": { "type": "text", "text": "Summarise the deletion of demo" } }]
    })
}

fn drain(client: &TestClient) -> Vec<Value> {
    std::iter::from_fn(|| client.try_next_notification()).collect()
}

#[tokio::test]
async fn session_era_asks_with_server_to_client_requests() {
    let client = TestClient::session_with(server(), ALL_CAPS())
        .await
        .unwrap();
    client.on_request(answer);
    client
        .request("logging/setLevel", json!({ "level": "info" }))
        .await
        .unwrap();
    let result = client
        .request(
            "tools/call",
            json!({ "name": "delete_project", "arguments": { "name": "demo" }, "_meta": { "progressToken": "p1" } }),
        )
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "deleted demo: All gone. (roots: file:///test/root)" }] })
    );
    let seen = drain(&client);
    let expected = vec![
        json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": "p1", "progress": 0, "total": 3, "message": "checking" } }),
        json!({ "jsonrpc": "2.0", "method": "notifications/message", "params": { "level": "info", "logger": "context", "data": { "message": "deleting", "name": "demo" } } }),
        json!({ "jsonrpc": "2.0", "id": 0, "method": "elicitation/create", "params": elicit_request() }),
        json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": "p1", "progress": 1, "total": 3 } }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "sampling/createMessage", "params": sampling_request() }),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "roots/list", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": "p1", "progress": 3, "total": 3, "message": "done" } }),
    ];
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn sessionless_era_asks_with_input_required_rounds() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    client.on_request(answer);
    let call = json!({
        "name": "delete_project",
        "arguments": { "name": "demo" },
        "_meta": { "progressToken": "p1", "io.modelcontextprotocol/logLevel": "info" }
    });
    // Round 1: the elicitation is needed.
    let r1 = client.request("tools/call", call.clone()).await.unwrap();
    let state1 = r1["requestState"].as_str().unwrap().to_owned();
    assert_eq!(
        r1,
        json!({ "resultType": "input_required", "inputRequests": { "elicitation_1": { "method": "elicitation/create", "params": elicit_request() } }, "requestState": state1 })
    );
    assert_eq!(
        drain(&client),
        vec![
            json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": "p1", "progress": 0, "total": 3, "message": "checking" } }),
            json!({ "jsonrpc": "2.0", "method": "notifications/message", "params": { "level": "info", "logger": "context", "data": { "message": "deleting", "name": "demo" } } }),
        ]
    );
    // Round 2: answered; now sampling is needed. Only this round's answer is sent back.
    let r2 = client
        .retry(
            "tools/call",
            call.clone(),
            &r1,
            json!({ "elicitation_1": { "action": "accept", "content": { "proceed": true } } }),
        )
        .await
        .unwrap();
    let state2 = r2["requestState"].as_str().unwrap().to_owned();
    assert_ne!(state1, state2);
    assert_eq!(
        r2,
        json!({ "resultType": "input_required", "inputRequests": { "sampling_2": { "method": "sampling/createMessage", "params": sampling_request() } }, "requestState": state2 })
    );
    drain(&client);
    // Round 3: the earlier answer travels in requestState.
    let r3 = client
        .retry(
            "tools/call",
            call.clone(),
            &r2,
            json!({ "sampling_2": answer("sampling/createMessage", &json!({})).unwrap() }),
        )
        .await
        .unwrap();
    assert_eq!(
        r3["inputRequests"],
        json!({ "roots_3": { "method": "roots/list", "params": {} } })
    );
    let r4 = client
        .retry(
            "tools/call",
            call.clone(),
            &r3,
            json!({ "roots_3": answer("roots/list", &json!({})).unwrap() }),
        )
        .await
        .unwrap();
    assert_eq!(
        r4,
        json!({ "resultType": "complete", "content": [{ "type": "text", "text": "deleted demo: All gone. (roots: file:///test/root)" }] })
    );
}

#[tokio::test]
async fn same_handler_same_result_in_both_eras() {
    let session = TestClient::session_with(server(), ALL_CAPS())
        .await
        .unwrap();
    session.on_request(answer);
    let modern = TestClient::sessionless_with(server(), ALL_CAPS());
    modern.on_request(answer);
    for tool in ["delete_project", "gather"] {
        let args = json!({ "name": "demo" });
        let args = if tool == "gather" { json!({}) } else { args };
        let a = session.call(tool, args.clone()).await.unwrap();
        let b = modern.call(tool, args).await.unwrap();
        assert_eq!(a, b, "{tool}");
    }
    let text = session.call("gather", json!({})).await.unwrap();
    assert_eq!(
        serde_json::to_value(text).unwrap()["content"][0]["text"],
        "All gone. Alice (1 roots)"
    );
}

#[tokio::test]
async fn joined_asks_form_one_round_with_explicit_keys() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    let r1 = client.call_tool_raw("gather", json!({})).await.unwrap();
    assert_eq!(r1["resultType"], "input_required");
    assert_eq!(
        r1["inputRequests"],
        json!({
            "user_name": { "method": "elicitation/create", "params": { "mode": "form", "message": "What is your name?", "requestedSchema": { "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] } } },
            "greeting": { "method": "sampling/createMessage", "params": { "maxTokens": 50, "messages": [{ "role": "user", "content": { "type": "text", "text": "Generate a greeting" } }] } },
            "client_roots": { "method": "roots/list", "params": {} }
        })
    );
    // A partial answer asks again for what is missing; unknown keys are ignored.
    client.on_request(answer);
    let call = json!({ "name": "gather", "arguments": {} });
    let r2 = client
        .retry(
            "tools/call",
            call.clone(),
            &r1,
            json!({
                "user_name": { "action": "accept", "content": { "name": "Alice" } },
                "unknown_extra_key": { "x": 1 }
            }),
        )
        .await
        .unwrap();
    assert_eq!(r2["resultType"], "input_required");
    let mut keys: Vec<&String> = r2["inputRequests"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["client_roots", "greeting"]);
    let r3 = client
        .retry(
            "tools/call",
            call,
            &r2,
            json!({
                "greeting": answer("sampling/createMessage", &json!({})).unwrap(),
                "client_roots": answer("roots/list", &json!({})).unwrap()
            }),
        )
        .await
        .unwrap();
    assert_eq!(r3["content"][0]["text"], "All gone. Alice (1 roots)");
}

#[tokio::test]
async fn answers_without_request_state_are_accepted() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    let result = client
        .request("tools/call", json!({
            "name": "summarise",
            "arguments": { "text": "hi" },
            "inputResponses": { "sampling_1": answer("sampling/createMessage", &json!({})).unwrap(), "another_unexpected": {} }
        }))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({ "resultType": "complete", "content": [{ "type": "text", "text": "All gone." }] })
    );
}

fn rpc_error(r: Result<Value, ClientError>) -> mcpserve::protocol::ErrorObject {
    match r {
        Err(ClientError::Rpc(e)) => e,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn tampered_request_state_is_rejected() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    let call = json!({ "name": "summarise", "arguments": { "text": "hi" } });
    let r1 = client.request("tools/call", call.clone()).await.unwrap();
    let mut tampered = r1.clone();
    tampered["requestState"] = json!(format!("{}-TAMPERED", r1["requestState"].as_str().unwrap()));
    let answer = json!({ "sampling_1": answer("sampling/createMessage", &json!({})).unwrap() });
    let e = rpc_error(
        client
            .retry("tools/call", call.clone(), &tampered, answer.clone())
            .await,
    );
    assert_eq!(e.code, -32602);
    assert!(
        e.message.starts_with("Invalid requestState: "),
        "{}",
        e.message
    );
    // The state is bound to its request: other arguments do not match it.
    let other = json!({ "name": "summarise", "arguments": { "text": "other" } });
    let e = rpc_error(client.retry("tools/call", other, &r1, answer.clone()).await);
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            -32602,
            "Invalid requestState: it belongs to a different request"
        )
    );
    // A state sealed by another server (another key) is rejected too.
    let foreign = TestClient::sessionless_with(server().request_state_key("other key"), ALL_CAPS());
    let e = rpc_error(
        foreign
            .retry("tools/call", call.clone(), &r1, answer.clone())
            .await,
    );
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "Invalid requestState: integrity check failed")
    );
    // The untouched state works.
    let ok = client.retry("tools/call", call, &r1, answer).await.unwrap();
    assert_eq!(ok["resultType"], "complete");
}

#[tokio::test]
async fn shared_request_state_key_works_across_instances() {
    let a = TestClient::sessionless_with(server().request_state_key("shared"), ALL_CAPS());
    let b = TestClient::sessionless_with(server().request_state_key("shared"), ALL_CAPS());
    let call = json!({ "name": "gather", "arguments": {} });
    let r1 = a.request("tools/call", call.clone()).await.unwrap();
    let r2 = b
        .retry(
            "tools/call",
            call,
            &r1,
            json!({ "user_name": { "action": "accept", "content": { "name": "Bo" } } }),
        )
        .await
        .unwrap();
    assert_eq!(r2["resultType"], "input_required");
}

#[tokio::test]
async fn malformed_input_responses_are_errors() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    let call = |responses: Value| json!({ "name": "summarise", "arguments": { "text": "hi" }, "inputResponses": responses });
    let e = rpc_error(
        client
            .request("tools/call", call(json!({ "sampling_1": 12345 })))
            .await,
    );
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "Invalid params: inputResponses[\"sampling_1\"] must be an object (the client's result for that input request)")
    );
    // A response that is an object but not a sampling result.
    let e = rpc_error(
        client
            .request(
                "tools/call",
                call(json!({ "sampling_1": { "nope": true } })),
            )
            .await,
    );
    assert_eq!(e.code, -32602);
    assert!(e.message.starts_with("Invalid params: inputResponses[\"sampling_1\"]: The client sent an invalid sampling result"), "{}", e.message);
    // `null` means no answers: ask again.
    let again = client
        .request("tools/call", call(Value::Null))
        .await
        .unwrap();
    assert_eq!(again["resultType"], "input_required");
}

#[tokio::test]
async fn non_tool_requests_never_need_input() {
    let client = TestClient::sessionless_with(server(), ALL_CAPS());
    let list = client
        .request("tools/list", json!({ "inputResponses": {} }))
        .await
        .unwrap();
    assert_eq!(list["resultType"], "complete");
}

#[tokio::test]
async fn missing_capability_in_both_eras() {
    // 2026: -32021 with the capability the request needed.
    let modern = TestClient::sessionless(server());
    let e = rpc_error(
        modern
            .call_tool_raw("summarise", json!({ "text": "hi" }))
            .await,
    );
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({ "code": -32021, "message": "Missing required client capability: sampling", "data": { "requiredCapabilities": { "sampling": {} } } })
    );
    // Session era: a tool error the model can read; no request is sent.
    let session = TestClient::session(server()).await.unwrap();
    let result = session
        .call_tool_raw("list_roots", json!({}))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "Missing required client capability: roots" }], "isError": true })
    );
    assert_eq!(drain(&session), Vec::<Value>::new());
}

#[tokio::test]
async fn unanswered_client_requests_time_out() {
    let server =
        server().configure(|c| c.client_request_timeout = std::time::Duration::from_millis(100));
    let client = TestClient::session_with(server, ALL_CAPS()).await.unwrap();
    client.stop_answering();
    let result = client.call_tool_raw("list_roots", json!({})).await.unwrap();
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "The client did not answer `roots/list` within 100ms" }], "isError": true })
    );
    assert_eq!(
        drain(&client),
        vec![
            json!({ "jsonrpc": "2.0", "id": 0, "method": "roots/list", "params": {} }),
            json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": 0, "reason": "timed out" } }),
        ]
    );
}

#[tokio::test]
async fn client_errors_become_tool_errors() {
    let client = TestClient::session_with(server(), ALL_CAPS())
        .await
        .unwrap();
    client.on_request(|_, _| {
        Err(mcpserve::protocol::ErrorObject {
            code: -1,
            message: "User rejected sampling request".into(),
            data: None,
        })
    });
    let result = client
        .call_tool_raw("summarise", json!({ "text": "hi" }))
        .await
        .unwrap();
    assert_eq!(
        result["content"][0]["text"],
        "The client refused `sampling/createMessage` (-1: User rejected sampling request)"
    );
    assert_eq!(result["isError"], true);
}

#[tokio::test]
async fn cancelled_requests_get_no_response_in_both_eras() {
    for modern in [false, true] {
        let seen = Seen::default();
        let builder = server().state(seen.clone());
        let client = if modern {
            TestClient::sessionless(builder)
        } else {
            TestClient::session(builder).await.unwrap()
        };
        let meta = if modern {
            json!({ "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} })
        } else {
            json!({})
        };
        let notified = seen.0.notified();
        client
            .send(&json!({ "jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": { "name": "wait_for_cancel", "arguments": {}, "_meta": meta } }))
            .await
            .unwrap();
        // The handler is running once the cancel reaches it; wait until it saw it.
        loop {
            client
                .notify(
                    "notifications/cancelled",
                    json!({ "requestId": "slow", "reason": "user" }),
                )
                .await
                .unwrap();
            if tokio::time::timeout(
                std::time::Duration::from_millis(50),
                &mut Box::pin(seen.0.notified()),
            )
            .await
            .is_ok()
            {
                break;
            }
        }
        drop(notified);
        // Everything queued before this ping's answer has been delivered: no response
        // to "slow" among it.
        if modern {
            client.request("tools/list", json!({})).await.unwrap();
        } else {
            client.request("ping", json!({})).await.unwrap();
        }
        assert_eq!(drain(&client), Vec::<Value>::new(), "modern: {modern}");
    }
}

#[tokio::test]
async fn initialize_is_never_cancelled() {
    let client = TestClient::connect(server());
    client
        .send(&json!({ "jsonrpc": "2.0", "id": "init", "method": "initialize", "params": { "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } } }))
        .await
        .unwrap();
    client
        .notify("notifications/cancelled", json!({ "requestId": "init" }))
        .await
        .unwrap();
    let reply = client.next_notification().await.unwrap();
    assert_eq!(reply["id"], "init");
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25");
}

#[tokio::test]
async fn logs_only_when_asked() {
    let modern = TestClient::sessionless(server());
    modern
        .call("delete_project", json!({ "name": "x" }))
        .await
        .ok();
    let session = TestClient::session_with(server(), ALL_CAPS())
        .await
        .unwrap();
    session.on_request(|_, _| Ok(json!({ "action": "decline" })));
    let r = session
        .call("delete_project", json!({ "name": "x" }))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(r).unwrap()["content"][0]["text"],
        "kept x"
    );
    let methods: Vec<Value> = drain(&session)
        .into_iter()
        .map(|m| m["method"].clone())
        .collect();
    assert_eq!(methods, vec![json!("elicitation/create")]);
    assert!(drain(&modern).is_empty());
    // Below the requested level nothing is sent either.
    session
        .request("logging/setLevel", json!({ "level": "warning" }))
        .await
        .unwrap();
    session
        .call("delete_project", json!({ "name": "x" }))
        .await
        .unwrap();
    let methods: Vec<Value> = drain(&session)
        .into_iter()
        .map(|m| m["method"].clone())
        .collect();
    assert_eq!(methods, vec![json!("elicitation/create")]);
}

#[test]
fn confirm_schema_is_derived() {
    assert_eq!(Confirm::requested_schema(), confirm_schema());
}

/// Reports progress in steps, some of them out of order.
#[tool]
async fn steps(ctx: Context) -> String {
    let sent = [
        ctx.progress(1, Some(4), "one").await,
        ctx.progress(1, Some(4), "again").await,
        ctx.progress(0.5, None, None).await,
        ctx.progress(2, None, String::from("two")).await,
    ];
    format!("{sent:?}")
}

#[tokio::test]
async fn progress_needs_a_token_and_increases() {
    for modern in [false, true] {
        let client = if modern {
            TestClient::sessionless(server())
        } else {
            TestClient::session(server()).await.unwrap()
        };
        let with_token = client
            .request(
                "tools/call",
                json!({ "name": "steps", "arguments": {}, "_meta": { "progressToken": 7 } }),
            )
            .await
            .unwrap();
        assert_eq!(
            with_token["content"][0]["text"],
            "[true, false, false, true]"
        );
        assert_eq!(
            drain(&client),
            vec![
                json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": 7, "progress": 1, "total": 4, "message": "one" } }),
                json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": 7, "progress": 2, "message": "two" } }),
            ]
        );
        let without = client.call_tool_raw("steps", json!({})).await.unwrap();
        assert_eq!(
            without["content"][0]["text"],
            "[false, false, false, false]"
        );
        assert_eq!(drain(&client), Vec::<Value>::new());
    }
}

/// Offers the model a tool while sampling.
#[tool]
async fn sample_with_tools(ctx: Context) -> Result<String, Error> {
    let weather = mcpserve::protocol::Tool {
        name: "get_weather".into(),
        title: None,
        description: Some("Current weather".into()),
        input_schema: json!({ "type": "object", "properties": { "city": { "type": "string" } } }),
        output_schema: None,
        annotations: None,
        icons: Vec::new(),
        execution: None,
        meta: None,
    };
    let options = SamplingOptions::default()
        .max_tokens(10)
        .tool(weather)
        .tool_choice(mcpserve::ToolChoice::Required);
    Ok(ctx.sample("Weather in Paris?", options).await?.text())
}

#[tokio::test]
async fn sampling_with_tools_needs_the_tools_capability() {
    let plain = TestClient::sessionless_with(server(), json!({ "sampling": {} }));
    let e = rpc_error(plain.call_tool_raw("sample_with_tools", json!({})).await);
    assert_eq!(
        serde_json::to_value(e).unwrap(),
        json!({ "code": -32021, "message": "Missing required client capability: sampling", "data": { "requiredCapabilities": { "sampling": { "tools": {} } } } })
    );
    let able = TestClient::sessionless_with(server(), json!({ "sampling": { "tools": {} } }));
    let r1 = able
        .call_tool_raw("sample_with_tools", json!({}))
        .await
        .unwrap();
    assert_eq!(
        r1["inputRequests"]["sampling_1"],
        json!({ "method": "sampling/createMessage", "params": {
            "maxTokens": 10,
            "messages": [{ "role": "user", "content": { "type": "text", "text": "Weather in Paris?" } }],
            "tools": [{ "name": "get_weather", "description": "Current weather", "inputSchema": { "type": "object", "properties": { "city": { "type": "string" } } } }],
            "toolChoice": { "mode": "required" }
        } })
    );
}

#[tokio::test]
async fn keepalive_cancels_the_requests_of_a_dead_client() {
    let seen = Seen::default();
    let builder = server().state(seen.clone()).configure(|c| {
        c.keepalive = Some(std::time::Duration::from_millis(20));
        c.client_request_timeout = std::time::Duration::from_millis(20);
    });
    let client = TestClient::session(builder).await.unwrap();
    client.stop_answering();
    let notified = seen.0.notified();
    client
        .send(&json!({ "jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": { "name": "wait_for_cancel", "arguments": {} } }))
        .await
        .unwrap();
    notified.await;
    let pings: Vec<Value> = drain(&client)
        .into_iter()
        .filter(|m| m["method"] == "ping")
        .collect();
    assert!(!pings.is_empty());
}
