//! Tasks in both eras, over the in-memory client, with exact wire messages: lifecycle,
//! cancellation while running, input while running (and the handler resuming, not
//! re-running), TTL expiry, owner isolation, limits, panics, graceful shutdown.
//!
//! Task ids and timestamps vary: [`norm`] checks their format, then replaces them with
//! `<id>` and `<time>` so every other byte is compared exactly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::prelude::*;
use mcpserve::tasks::{InMemoryTaskStore, TaskConfig, TaskOwner, TaskStatus, TaskStore};
use mcpserve::testing::{ClientError, TestClient};
use serde_json::{json, Value};

const EXT: &str = "io.modelcontextprotocol/tasks";

mod http_common;
use http_common::gate;

/// Waits for `gate`, then answers `Done: <label>`.
#[tool(task = "optional")]
async fn t_gated(label: String) -> String {
    gate(&label).notified().await;
    format!("Done: {label}")
}

/// Only as a task: sleeps `ms`, then answers.
#[tool(task = "required")]
async fn t_required(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// Never a task.
#[tool]
fn t_plain() -> &'static str {
    "plain"
}

/// Notifies `{label}-started`, then waits until cancelled and notifies `{label}-stopped`.
#[tool(task = "optional")]
async fn t_cancellable(label: String, ctx: Context) -> Result<String, Error> {
    gate(&format!("{label}-started")).notify_one();
    ctx.cancelled().await;
    gate(&format!("{label}-stopped")).notify_one();
    Err(Error::tool("stopped"))
}

#[derive(Deserialize, Elicit)]
struct Answer {
    word: String,
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Counts its runs, works a little, then asks for a word.
#[tool(task = "optional")]
async fn t_ask(ctx: Context) -> Result<String, Error> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let Answer { word } = ctx
        .elicit::<Answer>("Say a word")
        .key("word")
        .await?
        .required()?;
    Ok(format!(
        "You said {word}; runs: {}",
        RUNS.load(Ordering::SeqCst)
    ))
}

/// Panics after a moment.
#[tool(task = "optional")]
async fn t_panics() -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    panic!("boom")
}

/// Fails with a tool error.
#[tool(task = "optional")]
async fn t_tool_error() -> Result<String, Error> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    Err(Error::tool("nope"))
}

/// Reports progress with a message, then waits for `gate`.
#[tool(task = "optional")]
async fn t_progress(label: String, ctx: Context) -> String {
    ctx.progress(1, Some(2), "halfway").await;
    gate(&label).notified().await;
    "finished".to_owned()
}

fn norm(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), &v) {
                        ("createdAt" | "lastUpdatedAt", Value::String(s)) => {
                            assert!(is_time(s), "{k} is ISO 8601 UTC: {s}");
                            json!("<time>")
                        }
                        ("taskId", Value::String(s)) => {
                            assert!(is_uuid(s), "taskId is a random UUID: {s}");
                            json!("<id>")
                        }
                        _ => norm(v),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(norm).collect()),
        other => other,
    }
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && s.ends_with('Z')
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.as_bytes()[14] == b'4' && s.chars().filter(|c| *c == '-').count() == 4
}

fn rpc_error(r: Result<Value, ClientError>) -> Value {
    match r {
        Err(ClientError::Rpc(e)) => serde_json::to_value(e).unwrap(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

async fn session() -> TestClient {
    TestClient::session(Server::from_registry()).await.unwrap()
}

fn modern() -> TestClient {
    TestClient::sessionless_with(
        Server::from_registry(),
        json!({ "elicitation": {}, "extensions": { EXT: {} } }),
    )
}

async fn call(client: &TestClient, tool: &str, args: Value, task: Option<Value>) -> Value {
    let mut params = json!({ "name": tool, "arguments": args });
    if let Some(task) = task {
        params["task"] = task;
    }
    client.request("tools/call", params).await.unwrap()
}

/// Polls `tasks/get` until `done` accepts the task.
async fn until(client: &TestClient, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        let task = client
            .request("tasks/get", json!({ "taskId": id }))
            .await
            .unwrap();
        if done(&task) {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("task {id} never reached the expected state");
}

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |t| t["status"] == status
}

// --- session era (2025-11-25 core tasks) -------------------------------------------

#[tokio::test]
async fn session_era_declares_tasks_and_tool_support() {
    let client = TestClient::connect(Server::from_registry());
    let init = client
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        init["capabilities"]["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
    );
    assert!(
        init["capabilities"].get("extensions").is_none(),
        "the tasks extension is a 2026-07-28 capability: {init}"
    );
    let tools = client.list_tools().await.unwrap();
    let support = |name: &str| {
        let t = tools.iter().find(|t| t.name == name).unwrap();
        serde_json::to_value(&t.execution).unwrap()
    };
    assert_eq!(support("t_gated"), json!({"taskSupport": "optional"}));
    assert_eq!(support("t_required"), json!({"taskSupport": "required"}));
    assert_eq!(support("t_plain"), Value::Null);
}

#[tokio::test]
async fn session_era_lifecycle() {
    let client = session().await;
    let created = call(
        &client,
        "t_gated",
        json!({"label": "s-life"}),
        Some(json!({"ttl": 60000})),
    )
    .await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        norm(created),
        json!({"task": {"taskId": "<id>", "status": "working", "createdAt": "<time>",
                        "lastUpdatedAt": "<time>", "ttl": 60000, "pollInterval": 500}})
    );
    // Stored before the handle was returned.
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        norm(got),
        json!({"taskId": "<id>", "status": "working", "createdAt": "<time>",
               "lastUpdatedAt": "<time>", "ttl": 60000, "pollInterval": 500})
    );
    let listed = client.request("tasks/list", json!({})).await.unwrap();
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(listed["tasks"][0]["taskId"], id.as_str());
    // tasks/result blocks until the task ends.
    let waiting = {
        let id = id.clone();
        let client = &client;
        async move {
            client
                .request("tasks/result", json!({ "taskId": id }))
                .await
        }
    };
    let (result, _) = tokio::join!(waiting, async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        gate("s-life").notify_one();
    });
    assert_eq!(
        result.unwrap(),
        json!({"content": [{"type": "text", "text": "Done: s-life"}],
               "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}})
    );
    let done = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(done["status"], "completed");
    // The status change was announced.
    let mut saw = None;
    while let Some(n) = client
        .next_notification_within(Duration::from_millis(200))
        .await
    {
        if n["method"] == "notifications/tasks/status" && n["params"]["status"] == "completed" {
            saw = Some(n);
        }
    }
    let saw = saw.expect("a notifications/tasks/status for the completion");
    assert_eq!(
        norm(saw),
        json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
               "params": {"taskId": "<id>", "status": "completed", "createdAt": "<time>",
                          "lastUpdatedAt": "<time>", "ttl": 60000, "pollInterval": 500}})
    );
    assert_eq!(
        rpc_error(
            client
                .request("tasks/cancel", json!({ "taskId": id }))
                .await
        ),
        json!({"code": -32602, "message": "Cannot cancel task: already in terminal status 'completed'"})
    );
    assert_eq!(
        rpc_error(client.request("tasks/get", json!({"taskId": "nope"})).await),
        json!({"code": -32602, "message": "Failed to retrieve task: Task not found"})
    );
}

#[tokio::test]
async fn session_era_task_support_rules() {
    let client = session().await;
    assert_eq!(
        rpc_error(
            client
                .request(
                    "tools/call",
                    json!({"name": "t_plain", "arguments": {}, "task": {}})
                )
                .await
        ),
        json!({"code": -32601, "message": "Method not found: tool `t_plain` does not support task-augmented calls"})
    );
    assert_eq!(
        rpc_error(
            client
                .request(
                    "tools/call",
                    json!({"name": "t_required", "arguments": {"ms": 1}})
                )
                .await
        ),
        json!({"code": -32601, "message": "Method not found: tool `t_required` must be called as a task (add `task` to the params)"})
    );
    // An optional tool without `task` is a plain call.
    let plain = client.call_tool("t_required", json!({"ms": 1})).await;
    assert!(plain.is_err());
    let created = call(&client, "t_required", json!({"ms": 1}), Some(json!({}))).await;
    assert_eq!(created["task"]["ttl"], 3_600_000, "the default TTL");
    let id = created["task"]["taskId"].as_str().unwrap();
    let result = client
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "slept 1");
}

#[tokio::test]
async fn session_era_cancel_while_running() {
    let client = session().await;
    let created = call(
        &client,
        "t_cancellable",
        json!({"label": "s-cancel"}),
        Some(json!({})),
    )
    .await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    gate("s-cancel-started").notified().await;
    let cancelled = client
        .request("tasks/cancel", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        norm(cancelled),
        json!({"taskId": "<id>", "status": "cancelled",
               "statusMessage": "The task was cancelled by request.", "createdAt": "<time>",
               "lastUpdatedAt": "<time>", "ttl": 3600000, "pollInterval": 500})
    );
    // The handler saw the cancellation.
    tokio::time::timeout(Duration::from_secs(5), gate("s-cancel-stopped").notified())
        .await
        .expect("the handler was cancelled");
    // It stays cancelled even though the handler then returned a result.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(got["status"], "cancelled");
    assert_eq!(
        rpc_error(
            client
                .request("tasks/result", json!({ "taskId": id }))
                .await
        ),
        json!({"code": -32602, "message": format!("Task {id} was cancelled: it has no result")})
    );
}

#[tokio::test]
async fn session_era_input_goes_through_tasks_result() {
    let client = TestClient::session_with(Server::from_registry(), json!({"elicitation": {}}))
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let seen = seen.clone();
        client.on_request(move |method, params| {
            seen.lock()
                .unwrap()
                .push(json!({"method": method, "params": params}));
            Ok(json!({"action": "accept", "content": {"word": "tea"}}))
        });
    }
    let created = call(&client, "t_ask", json!({}), Some(json!({}))).await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let waiting = until(&client, &id, status_is("input_required")).await;
    assert_eq!(waiting["status"], "input_required");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the question waits for tasks/result"
    );
    let result = client
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert!(result["content"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("You said tea"));
    let asked = seen.lock().unwrap().clone();
    assert_eq!(
        asked,
        vec![json!({"method": "elicitation/create", "params": {
            "mode": "form",
            "message": "Say a word",
            "requestedSchema": {"type": "object", "properties": {"word": {"type": "string"}},
                                "required": ["word"]},
            "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}
        }})]
    );
}

#[tokio::test]
async fn session_era_tasks_are_bound_to_their_session() {
    let alice = session().await;
    let bob = session().await;
    let created = call(&alice, "t_required", json!({"ms": 1}), Some(json!({}))).await;
    let id = created["task"]["taskId"].as_str().unwrap();
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        assert_eq!(
            rpc_error(bob.request(method, json!({ "taskId": id })).await)["code"],
            -32602,
            "{method} from another session"
        );
    }
    let listed = bob.request("tasks/list", json!({})).await.unwrap();
    assert_eq!(listed, json!({"tasks": []}));
    assert!(alice
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .is_ok());
}

#[tokio::test]
async fn session_era_panic_fails_the_task_with_the_error() {
    let client = session().await;
    let created = call(&client, "t_panics", json!({}), Some(json!({}))).await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        rpc_error(
            client
                .request("tasks/result", json!({ "taskId": id }))
                .await
        ),
        json!({"code": -32603, "message": "Tool `t_panics` panicked: boom"})
    );
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(got["status"], "failed");
    assert_eq!(got["statusMessage"], "Tool `t_panics` panicked: boom");
}

#[tokio::test]
async fn session_era_progress_reaches_the_client_and_the_status_message() {
    let client = session().await;
    let params = json!({"name": "t_progress", "arguments": {"label": "s-prog"}, "task": {},
                        "_meta": {"progressToken": "tok"}});
    let created = client.request("tools/call", params).await.unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let progress = loop {
        let n = client.next_notification().await.expect("a notification");
        if n["method"] == "notifications/progress" {
            break n;
        }
    };
    assert_eq!(
        progress,
        json!({"jsonrpc": "2.0", "method": "notifications/progress",
               "params": {"progressToken": "tok", "progress": 1, "total": 2, "message": "halfway"}})
    );
    let got = until(&client, &id, |t| t["statusMessage"] == "halfway").await;
    assert_eq!(got["status"], "working");
    gate("s-prog").notify_one();
    until(&client, &id, status_is("completed")).await;
}

// --- 2026-07-28 (the io.modelcontextprotocol/tasks extension) -------------------------

#[tokio::test]
async fn modern_lifecycle() {
    let client = modern();
    let discover = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discover["capabilities"]["extensions"], json!({ EXT: {} }));
    assert!(discover["capabilities"].get("tasks").is_none());
    let created = call(&client, "t_gated", json!({"label": "m-life"}), None).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        norm(created),
        json!({"resultType": "task", "taskId": "<id>", "status": "working",
               "createdAt": "<time>", "lastUpdatedAt": "<time>", "ttlMs": 3600000,
               "pollIntervalMs": 500})
    );
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        norm(got),
        json!({"resultType": "complete", "taskId": "<id>", "status": "working",
               "createdAt": "<time>", "lastUpdatedAt": "<time>", "ttlMs": 3600000,
               "pollIntervalMs": 500})
    );
    gate("m-life").notify_one();
    let done = until(&client, &id, status_is("completed")).await;
    assert_eq!(
        norm(done),
        json!({"resultType": "complete", "taskId": "<id>", "status": "completed",
               "createdAt": "<time>", "lastUpdatedAt": "<time>", "ttlMs": 3600000,
               "pollIntervalMs": 500,
               "result": {"content": [{"type": "text", "text": "Done: m-life"}]}})
    );
    // Cancelling a finished task is acknowledged (idempotent).
    assert_eq!(
        client
            .request("tasks/cancel", json!({ "taskId": id }))
            .await
            .unwrap(),
        json!({"resultType": "complete"})
    );
    assert_eq!(
        rpc_error(client.request("tasks/get", json!({"taskId": "nope"})).await),
        json!({"code": -32602, "message": "Failed to retrieve task: Task not found"})
    );
    for removed in ["tasks/result", "tasks/list"] {
        assert_eq!(
            rpc_error(client.request(removed, json!({ "taskId": id })).await),
            json!({"code": -32601, "message": format!("Method not found: {removed}")})
        );
    }
}

#[tokio::test]
async fn modern_clients_without_the_extension() {
    let client = TestClient::sessionless(Server::from_registry());
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        assert_eq!(
            rpc_error(
                client
                    .request(method, json!({"taskId": "x", "inputResponses": {}}))
                    .await
            ),
            json!({"code": -32021,
                   "message": "Missing required client capability: extension `io.modelcontextprotocol/tasks`",
                   "data": {"requiredCapabilities": {"extensions": { EXT: {} }}}}),
            "{method}"
        );
    }
    assert_eq!(
        rpc_error(
            client
                .request(
                    "tools/call",
                    json!({"name": "t_required", "arguments": {"ms": 1}})
                )
                .await
        ),
        json!({"code": -32021,
               "message": "Missing required client capability: extension `io.modelcontextprotocol/tasks`",
               "data": {"requiredCapabilities": {"extensions": { EXT: {} }}}})
    );
    // An optional task tool runs as a plain call; the legacy `task` param is ignored.
    gate("m-noext").notify_one();
    let plain = client
        .request(
            "tools/call",
            json!({"name": "t_gated", "arguments": {"label": "m-noext"}, "task": {"ttl": 5}}),
        )
        .await
        .unwrap();
    assert_eq!(
        plain,
        json!({"resultType": "complete", "content": [{"type": "text", "text": "Done: m-noext"}]})
    );
    // Declared on one request only: that request gets a task.
    let params = json!({"name": "t_required", "arguments": {"ms": 1},
        "_meta": {"io.modelcontextprotocol/clientCapabilities": {"extensions": { EXT: {} }}}});
    let created = client.request("tools/call", params).await.unwrap();
    assert_eq!(created["resultType"], "task");
}

#[tokio::test]
async fn modern_input_resumes_the_handler_without_rerunning_it() {
    let client = modern();
    let before = RUNS.load(Ordering::SeqCst);
    let created = call(&client, "t_ask", json!({}), None).await;
    assert_eq!(created["resultType"], "task");
    let id = created["taskId"].as_str().unwrap().to_owned();
    let waiting = until(&client, &id, status_is("input_required")).await;
    assert_eq!(
        norm(waiting),
        json!({"resultType": "complete", "taskId": "<id>", "status": "input_required",
               "createdAt": "<time>", "lastUpdatedAt": "<time>", "ttlMs": 3600000,
               "pollIntervalMs": 500,
               "inputRequests": {"word": {"method": "elicitation/create", "params": {
                   "mode": "form", "message": "Say a word",
                   "requestedSchema": {"type": "object",
                                       "properties": {"word": {"type": "string"}},
                                       "required": ["word"]}}}}})
    );
    // Unknown keys are ignored; the ack carries nothing else.
    let ack = client
        .request(
            "tasks/update",
            json!({"taskId": id, "inputResponses": {
                "other": {"action": "accept"},
                "word": {"action": "accept", "content": {"word": "tea"}}}}),
        )
        .await
        .unwrap();
    assert_eq!(ack, json!({"resultType": "complete"}));
    let done = until(&client, &id, status_is("completed")).await;
    let text = done["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("You said tea"), "{text}");
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        before + 1,
        "the handler continued where it waited"
    );
    assert!(done.get("inputRequests").is_none());
    assert_eq!(
        rpc_error(
            client
                .request("tasks/update", json!({"taskId": id, "inputResponses": 5}))
                .await
        ),
        json!({"code": -32602, "message": "Invalid params: inputResponses must be an object"})
    );
}

#[tokio::test]
async fn modern_cancel_while_running() {
    let client = modern();
    let created = call(&client, "t_cancellable", json!({"label": "m-cancel"}), None).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    gate("m-cancel-started").notified().await;
    let ack = client
        .request("tasks/cancel", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(ack, json!({"resultType": "complete"}));
    tokio::time::timeout(Duration::from_secs(5), gate("m-cancel-stopped").notified())
        .await
        .expect("the handler was cancelled");
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        norm(got),
        json!({"resultType": "complete", "taskId": "<id>", "status": "cancelled",
               "statusMessage": "The task was cancelled by request.", "createdAt": "<time>",
               "lastUpdatedAt": "<time>", "ttlMs": 3600000, "pollIntervalMs": 500})
    );
}

#[tokio::test]
async fn modern_panic_fails_the_task_with_an_inlined_error() {
    let client = modern();
    let created = call(&client, "t_panics", json!({}), None).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    let failed = until(&client, &id, status_is("failed")).await;
    assert_eq!(
        norm(failed),
        json!({"resultType": "complete", "taskId": "<id>", "status": "failed",
               "statusMessage": "Tool `t_panics` panicked: boom", "createdAt": "<time>",
               "lastUpdatedAt": "<time>", "ttlMs": 3600000, "pollIntervalMs": 500,
               "error": {"code": -32603, "message": "Tool `t_panics` panicked: boom"}})
    );
}

#[tokio::test]
async fn tool_errors_complete_in_2026_and_fail_in_the_session_era() {
    let client = modern();
    let created = call(&client, "t_tool_error", json!({}), None).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    let done = until(&client, &id, |t| t["status"] != "working").await;
    assert_eq!(
        norm(done),
        json!({"resultType": "complete", "taskId": "<id>", "status": "completed",
               "statusMessage": "Tool execution failed: nope", "createdAt": "<time>",
               "lastUpdatedAt": "<time>", "ttlMs": 3600000, "pollIntervalMs": 500,
               "result": {"content": [{"type": "text", "text": "nope"}], "isError": true}})
    );
    let client = session().await;
    let created = call(&client, "t_tool_error", json!({}), Some(json!({}))).await;
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = client
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({"content": [{"type": "text", "text": "nope"}], "isError": true,
               "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}})
    );
    let got = client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(got["status"], "failed");
    assert_eq!(got["statusMessage"], "Tool execution failed: nope");
}

// --- store-level behaviour: TTL, limits, shutdown --------------------------------------

#[tokio::test]
async fn ttl_is_capped_and_expired_tasks_are_gone() {
    let server = Server::from_registry().tasks(TaskConfig::default().configure(|c| {
        c.max_ttl = Duration::from_millis(300);
    }));
    let client = TestClient::session(server).await.unwrap();
    let created = call(
        &client,
        "t_required",
        json!({"ms": 1}),
        Some(json!({"ttl": 999_999_999})),
    )
    .await;
    assert_eq!(created["task"]["ttl"], 300, "capped at max_ttl");
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    until(&client, &id, status_is("completed")).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        rpc_error(client.request("tasks/get", json!({ "taskId": id })).await),
        json!({"code": -32602, "message": "Failed to retrieve task: Task not found"})
    );
    assert_eq!(
        client.request("tasks/list", json!({})).await.unwrap(),
        json!({"tasks": []})
    );
}

#[tokio::test]
async fn limits_refuse_tasks_with_a_clear_error() {
    let server = Server::from_registry().tasks(TaskConfig::default().configure(|c| {
        c.max_running_per_owner = 1;
    }));
    let client = TestClient::session(server).await.unwrap();
    call(
        &client,
        "t_gated",
        json!({"label": "limit-1"}),
        Some(json!({})),
    )
    .await;
    let refused = rpc_error(
        client
            .request(
                "tools/call",
                json!({"name": "t_gated", "arguments": {"label": "limit-2"}, "task": {}}),
            )
            .await,
    );
    assert_eq!(
        refused,
        json!({"code": -32600, "message": "Too many tasks in progress: at most 1 unfinished tasks per client; wait for one to finish or cancel one"})
    );
    gate("limit-1").notify_one();
}

#[tokio::test]
async fn shutdown_fails_unfinished_tasks() {
    let store = Arc::new(InMemoryTaskStore::new(100));
    let server = Server::from_registry()
        .tasks(TaskConfig::default().store(store.clone()))
        .build()
        .unwrap();
    let service = server.http_service(mcpserve::HttpConfig::default().configure(|c| {
        c.shutdown_grace = Duration::from_millis(100);
    }));
    let client = TestClient::sessionless_with(server.clone(), json!({ "extensions": { EXT: {} } }));
    let created = call(&client, "t_gated", json!({"label": "never"}), None).await;
    let id = created["taskId"].as_str().unwrap().to_owned();
    service.shutdown().await;
    let record = store
        .get(&TaskOwner::unbound(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, TaskStatus::Failed);
    assert_eq!(
        record.status_message.as_deref(),
        Some("The server shut down before the task finished")
    );
}

#[tokio::test]
async fn a_task_whose_runner_died_ends_failed_once_its_lease_lapses() {
    // A task another instance was running, found in a shared store after that instance
    // stopped renewing its lease.
    let store = Arc::new(InMemoryTaskStore::new(100));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let orphan = mcpserve::tasks::TaskRecord {
        id: "0b9f1f3e-5d7a-4c59-9a51-3f0f5b1e2d77".into(),
        owner: TaskOwner::unbound(),
        api: mcpserve::tasks::TaskApi::Extension,
        method: "tools/call".into(),
        target: "t_gated".into(),
        status: TaskStatus::Working,
        status_message: None,
        created_at_ms: now - 60_000,
        updated_at_ms: now - 60_000,
        ttl_ms: 3_600_000,
        poll_interval_ms: 500,
        input_requests: Default::default(),
        input_responses: Default::default(),
        result: None,
        error: None,
        lease: Some(mcpserve::tasks::Lease {
            holder: "instance-gone".into(),
            until_ms: now - 1_000,
        }),
    };
    let limits = mcpserve::tasks::TaskLimits {
        max_running_per_owner: 10,
        max_running: 10,
    };
    store.create(orphan, limits).await.unwrap();
    let server = Server::from_registry().tasks(TaskConfig::default().store(store.clone()));
    let client = TestClient::sessionless_with(server, json!({ "extensions": { EXT: {} } }));
    let got = client
        .request(
            "tasks/get",
            json!({"taskId": "0b9f1f3e-5d7a-4c59-9a51-3f0f5b1e2d77"}),
        )
        .await
        .unwrap();
    assert_eq!(
        norm(got),
        json!({"resultType": "complete", "taskId": "<id>", "status": "failed",
               "statusMessage": "The server instance running this task stopped",
               "createdAt": "<time>", "lastUpdatedAt": "<time>", "ttlMs": 3600000,
               "pollIntervalMs": 500,
               "error": {"code": -32603, "message": "The server instance running this task stopped"}})
    );
}

#[tokio::test]
async fn modern_tasks_expire_after_their_ttl() {
    let server = Server::from_registry().tasks(TaskConfig::default().configure(|c| {
        c.default_ttl = Duration::from_millis(200);
    }));
    let client = TestClient::sessionless_with(server, json!({ "extensions": { EXT: {} } }));
    let created = call(&client, "t_required", json!({"ms": 1}), None).await;
    assert_eq!(created["ttlMs"], 200);
    let id = created["taskId"].as_str().unwrap().to_owned();
    until(&client, &id, status_is("completed")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rpc_error(client.request("tasks/get", json!({ "taskId": id })).await),
        json!({"code": -32602, "message": "Failed to retrieve task: Task not found"})
    );
}
