//! The proxy, in process: an mcpserve server served over HTTP (the remote), proxied by
//! another, called with `TestClient` in both eras. Forwarded calls, lists, prompts,
//! resources and completions; progress, logs and cancellation; sampling/elicitation
//! across every combination of eras (server-to-client requests and input rounds); list
//! changes; error codes; a remote that goes away and comes back; a stdio child.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::client::EraChoice;
use mcpserve::prelude::*;
use mcpserve::proxy::Remote;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{HttpConfig, ServerHandle};
use serde_json::{json, Value};

/// Adds two numbers.
#[tool(annotations(read_only, idempotent))]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Reports progress and logs while it works.
#[tool]
async fn busy(ctx: Context) -> &'static str {
    for step in [1u32, 2, 3] {
        ctx.progress(step, Some(3u32), format!("step {step}")).await;
        ctx.log(LoggingLevel::Info, format!("step {step}")).await;
    }
    "done"
}

#[derive(Deserialize, Elicit)]
struct Name {
    name: String,
}

#[derive(Deserialize, Elicit)]
struct Color {
    color: String,
}

/// Asks two questions, then samples.
#[tool]
async fn interview(ctx: Context) -> Result<String, Error> {
    let Name { name } = ctx.elicit::<Name>("Name?").key("name").await?.required()?;
    let Color { color } = ctx
        .elicit::<Color>("Color?")
        .key("color")
        .await?
        .required()?;
    let answer = ctx
        .sample("Say hi", SamplingOptions::default().max_tokens(10))
        .key("hi")
        .await?;
    Ok(format!(
        "{name} likes {color}; model says {}",
        answer.text()
    ))
}

/// Waits to be cancelled.
#[tool]
async fn sleepy(ctx: Context, seen: State<Seen>) -> &'static str {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(30)) => "slept",
        _ = ctx.cancelled() => {
            seen.0 .0.lock().unwrap().push("cancelled".into());
            "cancelled"
        }
    }
}

/// Doubles `n` after a moment; may run as a task.
#[tool(task = "optional")]
async fn later(n: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(30)).await;
    n * 2
}

/// Only as a task: adds one after a moment.
#[tool(task = "required")]
async fn task_only(n: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(30)).await;
    n + 1
}

/// A result with its own `_meta` and structured content.
#[tool]
async fn traced() -> CallToolResult {
    let mut meta = serde_json::Map::new();
    meta.insert("trace".into(), json!({"id": "abc", "hops": [1, 2]}));
    CallToolResult {
        content: vec![Content::text("traced \"ok\"")],
        structured_content: Some(json!({"z": 1, "a": [true, null]})),
        meta: Some(meta),
        ..Default::default()
    }
}

/// A greeting.
#[resource("greet://{name}", mime_type = "text/plain")]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Colors, for completion.
fn colors(partial: &str) -> Vec<String> {
    ["red", "green", "blue"]
        .iter()
        .filter(|c| c.starts_with(partial))
        .map(|c| c.to_string())
        .collect()
}

/// Paint something.
#[prompt]
fn paint(#[arg(complete = colors)] color: String) -> String {
    format!("Paint it {color}")
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

/// The remote: this binary's tools served over HTTP on `port` (0: any).
async fn remote(seen: &Seen, port: u16) -> (String, ServerHandle, tokio::task::JoinHandle<()>) {
    let server = Server::from_registry().state(seen.clone()).build().unwrap();
    let handle = server.handle();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = server
            .serve_http_on(listener, HttpConfig::default(), std::future::pending())
            .await;
    });
    (url, handle, task)
}

async fn proxy_of(remote: Remote, namespace: &str) -> Server {
    let server = Server::builder()
        .without_registry()
        .proxy(namespace, remote)
        .build()
        .unwrap();
    server.ready().await;
    server
}

/// Answers elicitation and sampling like a user and a model would.
fn answering(client: &TestClient) {
    client.on_request(|method, params| match method {
        "elicitation/create" => {
            let field = params["requestedSchema"]["properties"]
                .as_object()
                .and_then(|p| p.keys().next().cloned())
                .unwrap_or_default();
            let value = if field == "name" { "Ada" } else { "teal" };
            Ok(json!({ "action": "accept", "content": { field: value } }))
        }
        "sampling/createMessage" => Ok(json!({
            "role": "assistant",
            "content": { "type": "text", "text": "hi!" },
            "model": "test"
        })),
        other => panic!("unexpected request {other}"),
    });
}

async fn clients(server: &Server) -> Vec<(&'static str, TestClient)> {
    let caps = json!({ "elicitation": {}, "sampling": {} });
    let session = TestClient::session_with(server.clone(), caps.clone())
        .await
        .unwrap();
    let modern = TestClient::sessionless_with(server.clone(), caps);
    answering(&session);
    answering(&modern);
    vec![("session", session), ("2026", modern)]
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text()).collect()
}

#[tokio::test]
async fn calls_lists_prompts_resources_and_completions_are_forwarded() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "up").await;
    for (era, client) in clients(&proxy).await {
        let tools: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            tools,
            [
                "up_add",
                "up_busy",
                "up_interview",
                "up_sleepy",
                "up_later",
                "up_task_only",
                "up_traced"
            ],
            "{era}"
        );
        let sum = client
            .call_tool("up_add", json!({"a": 2, "b": 40}))
            .await
            .unwrap();
        assert_eq!(text(&sum), "42", "{era}");
        // The remote's own argument errors come back as they are.
        let bad = client.call_tool("up_add", json!({"a": "x"})).await.unwrap();
        assert!(
            bad.is_error && text(&bad).contains("Invalid arguments for tool `add`"),
            "{era}: {bad:?}"
        );

        let prompt = client
            .request(
                "prompts/get",
                json!({"name": "up_paint", "arguments": {"color": "red"}}),
            )
            .await
            .unwrap();
        assert_eq!(
            prompt["messages"][0]["content"]["text"], "Paint it red",
            "{era}"
        );
        let done = client
            .request(
                "completion/complete",
                json!({"ref": {"type": "ref/prompt", "name": "up_paint"}, "argument": {"name": "color", "value": "g"}}),
            )
            .await
            .unwrap();
        assert_eq!(done["completion"]["values"], json!(["green"]), "{era}");

        let templates = client
            .request("resources/templates/list", json!({}))
            .await
            .unwrap();
        assert_eq!(
            templates["resourceTemplates"][0]["uriTemplate"],
            "greet://{name}"
        );
        let read = client
            .request("resources/read", json!({"uri": "greet://Bob"}))
            .await
            .unwrap();
        assert_eq!(read["contents"][0]["text"], "Hello, Bob!", "{era}");
    }
}

#[tokio::test]
async fn errors_keep_their_codes_and_eras() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "").await;
    for (era, client) in clients(&proxy).await {
        let unknown = client.call_tool("nope", json!({})).await.unwrap_err();
        assert!(
            matches!(unknown, ClientError::Rpc(ref e) if e.code == -32602),
            "{era}: {unknown}"
        );
        let prompt = client
            .request("prompts/get", json!({"name": "paint"}))
            .await
            .unwrap_err();
        assert!(
            matches!(prompt, ClientError::Rpc(ref e) if e.code == -32602),
            "{era}: {prompt}"
        );
    }
}

#[tokio::test]
async fn progress_and_logs_reach_the_caller() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "").await;
    let client = TestClient::session(proxy).await.unwrap();
    client
        .request("logging/setLevel", json!({"level": "info"}))
        .await
        .unwrap();
    let result = client
        .request(
            "tools/call",
            json!({"name": "busy", "arguments": {}, "_meta": {"progressToken": "tok"}}),
        )
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "done");
    let mut progress = Vec::new();
    let mut logs = Vec::new();
    while let Some(n) = client.try_next_notification() {
        match n["method"].as_str() {
            Some("notifications/progress") => {
                assert_eq!(n["params"]["progressToken"], "tok");
                progress.push(n["params"]["progress"].clone());
            }
            Some("notifications/message") => logs.push(n["params"]["data"].clone()),
            _ => {}
        }
    }
    assert_eq!(progress, [json!(1), json!(2), json!(3)]);
    assert_eq!(logs, [json!("step 1"), json!("step 2"), json!("step 3")]);
}

#[tokio::test]
async fn input_is_relayed_across_every_combination_of_eras() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    for remote_era in [EraChoice::Both, EraChoice::Session, EraChoice::Sessionless] {
        let proxy = proxy_of(Remote::http(&url).era(remote_era), "").await;
        for (era, client) in clients(&proxy).await {
            let result = client.call_tool("interview", json!({})).await;
            let result = result.unwrap_or_else(|e| panic!("{era} via {remote_era:?}: {e}"));
            assert_eq!(
                text(&result),
                "Ada likes teal; model says hi!",
                "{era} client, remote spoken to as {remote_era:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_caller_without_the_capability_gets_the_remotes_error() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "").await;
    let session = TestClient::session(proxy.clone()).await.unwrap();
    let result = session.call_tool("interview", json!({})).await.unwrap();
    assert!(result.is_error);
    assert!(text(&result).contains("elicitation"), "{result:?}");
    let modern = TestClient::sessionless(proxy);
    let err = modern.call_tool("interview", json!({})).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rpc(ref e) if e.code == -32021),
        "{err}"
    );
}

#[tokio::test]
async fn cancelling_a_call_cancels_it_remotely() {
    for remote_era in [EraChoice::Session, EraChoice::Sessionless] {
        let seen = Seen::default();
        let (url, _h, _t) = remote(&seen, 0).await;
        let proxy = proxy_of(Remote::http(&url).era(remote_era), "").await;
        call_sleepy_then_cancel(proxy, &seen).await;
        assert_eq!(*seen.0.lock().unwrap(), ["cancelled"], "{remote_era:?}");
    }
}

/// The remote hears of a cancelled call at once, not when the proxy's grace period for
/// its handler ends (here longer than the test waits).
#[tokio::test]
async fn a_cancelled_call_reaches_the_remote_at_once_not_after_the_grace_period() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = Server::builder()
        .without_registry()
        .proxy("", Remote::http(&url))
        .configure(|c| c.cancel_grace = Duration::from_secs(60))
        .build()
        .unwrap();
    proxy.ready().await;
    call_sleepy_then_cancel(proxy, &seen).await;
    assert_eq!(*seen.0.lock().unwrap(), ["cancelled"]);
}

/// Calls the remote's `sleepy` through `proxy`, cancels it, and waits up to 5 s for the
/// remote's handler to see the cancellation.
async fn call_sleepy_then_cancel(proxy: Server, seen: &Seen) {
    let client = TestClient::session(proxy).await.unwrap();
    client
        .send(&json!({"jsonrpc": "2.0", "id": 77, "method": "tools/call", "params": {"name": "sleepy", "arguments": {}}}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    client
        .notify("notifications/cancelled", json!({"requestId": 77}))
        .await
        .unwrap();
    let mut waited = 0;
    while seen.0.lock().unwrap().is_empty() && waited < 50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
}

#[tokio::test]
async fn the_remotes_list_changes_reach_the_callers() {
    for remote_era in [EraChoice::Both, EraChoice::Sessionless] {
        let seen = Seen::default();
        let (url, handle, _t) = remote(&seen, 0).await;
        let proxy = proxy_of(Remote::http(&url).era(remote_era), "up").await;
        let client = TestClient::session(proxy).await.unwrap();
        handle
            .add_tool(mcpserve::ToolDef::new(
                "late",
                |_c: mcpserve::ToolCall| async { "late" },
            ))
            .unwrap();
        let note = client
            .next_notification_within(Duration::from_secs(10))
            .await
            .expect("a list change");
        assert_eq!(
            note["method"], "notifications/tools/list_changed",
            "{remote_era:?}"
        );
        let result = client.call_tool("up_late", json!({})).await.unwrap();
        assert_eq!(text(&result), "late", "{remote_era:?}");
    }
}

#[tokio::test]
async fn an_unreachable_remote_is_a_clear_tool_error_until_it_is_back() {
    let seen = Seen::default();
    let (url, _h, task) = remote(&seen, 0).await;
    let port: u16 = url
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/mcp")
        .parse()
        .unwrap();
    let remote_def = Remote::http(&url)
        .era(EraChoice::Sessionless)
        .max_backoff(Duration::from_millis(500));
    let proxy = proxy_of(remote_def, "").await;
    let client = TestClient::session(proxy).await.unwrap();
    assert_eq!(
        text(
            &client
                .call_tool("add", json!({"a": 1, "b": 1}))
                .await
                .unwrap()
        ),
        "2"
    );

    task.abort();
    let _ = task.await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let down = client
        .call_tool("add", json!({"a": 1, "b": 1}))
        .await
        .unwrap();
    assert!(down.is_error);
    let message = text(&down);
    assert!(
        message.starts_with("Upstream `http://127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("is unavailable"), "{message}");

    let (_url, _h2, _t2) = remote(&seen, port).await;
    let mut back = None;
    for _ in 0..50 {
        let r = client
            .call_tool("add", json!({"a": 1, "b": 1}))
            .await
            .unwrap();
        if !r.is_error {
            back = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(text(&back.expect("the proxy reconnected")), "2");
}

#[tokio::test]
async fn a_remote_that_never_answers_is_reported_at_the_first_call() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    drop(listener);
    let proxy = proxy_of(
        Remote::http(&url).connect_timeout(Duration::from_secs(2)),
        "",
    )
    .await;
    let client = TestClient::session(proxy).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    assert!(tools.is_empty());
    let err = client.call_tool("add", json!({})).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rpc(ref e) if e.code == -32602),
        "{err}"
    );
}

#[tokio::test]
async fn a_stdio_child_is_proxied() {
    let bin = common::example_bin("quickstart");
    let proxy = proxy_of(
        Remote::stdio(bin.to_string_lossy(), Vec::<String>::new()),
        "qs",
    )
    .await;
    for (era, client) in clients(&proxy).await {
        let result = client
            .call_tool("qs_add", json!({"a": 20, "b": 22}))
            .await
            .unwrap();
        assert_eq!(text(&result), "42", "{era}");
        let read = client
            .request("resources/read", json!({"uri": "greetings://Eve"}))
            .await
            .unwrap();
        assert_eq!(read["contents"][0]["text"], "Hello, Eve!", "{era}");
        let missing = client
            .request("resources/read", json!({"uri": "info://nothing"}))
            .await
            .unwrap_err();
        let expected = if era == "session" { -32002 } else { -32602 };
        assert!(
            matches!(missing, ClientError::Rpc(ref e) if e.code == expected),
            "{era}: {missing}"
        );
    }
    let listed: Value = TestClient::session(proxy)
        .await
        .unwrap()
        .request("resources/list", json!({}))
        .await
        .unwrap();
    assert_eq!(listed["resources"][0]["uri"], "info://about");
}

#[tokio::test]
async fn results_are_answered_as_the_remote_sent_them() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "").await;
    let direct = Server::from_registry().state(seen.clone()).build().unwrap();
    for era in ["session", "2026"] {
        let (via, to) = match era {
            "session" => (
                TestClient::session(proxy.clone()).await.unwrap(),
                TestClient::session(direct.clone()).await.unwrap(),
            ),
            _ => (
                TestClient::sessionless(proxy.clone()),
                TestClient::sessionless(direct.clone()),
            ),
        };
        let params = json!({"name": "traced", "arguments": {}});
        let proxied = via.request("tools/call", &params).await.unwrap();
        let expected = to.request("tools/call", &params).await.unwrap();
        assert_eq!(proxied, expected, "{era}");
        let mut exact = json!({
            "content": [{"type": "text", "text": "traced \"ok\""}],
            "structuredContent": {"z": 1, "a": [true, null]},
            "_meta": {"trace": {"id": "abc", "hops": [1, 2]}}
        });
        if era == "2026" {
            exact["resultType"] = json!("complete");
        }
        assert_eq!(proxied, exact, "{era}");
    }
}

/// Polls the 2026 task `created` until it is no longer working; it must have completed.
async fn finished(client: &TestClient, created: &Value) -> Value {
    let id = created["taskId"].as_str().expect("a task handle");
    for _ in 0..500 {
        let task = client
            .request("tasks/get", json!({ "taskId": id }))
            .await
            .unwrap();
        if task["status"] != "working" {
            assert_eq!(task["status"], "completed", "{task}");
            return task;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("task {id} never finished");
}

#[tokio::test]
async fn a_task_augmented_call_runs_as_a_task_around_the_forwarded_call() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let proxy = proxy_of(Remote::http(&url), "up").await;

    // Session era: the remote's task support is listed and declared, `params.task` makes
    // a task of the proxy's, `tasks/result` answers the remote's result.
    let session = TestClient::session(proxy.clone()).await.unwrap();
    let tools = session.request("tools/list", json!({})).await.unwrap();
    let support = |name: &str| {
        tools["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t.get("execution").cloned().unwrap_or(Value::Null))
            .unwrap()
    };
    assert_eq!(support("up_later"), json!({"taskSupport": "optional"}));
    assert_eq!(support("up_add"), Value::Null);
    let created = session
        .request(
            "tools/call",
            json!({"name": "up_later", "arguments": {"n": 21}, "task": {"ttl": 60000}}),
        )
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(created["task"]["status"], "working");
    assert_eq!(created["task"]["ttl"], 60000);
    let result = session
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({"content": [{"type": "text", "text": "42"}],
               "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}})
    );
    assert_eq!(support("up_task_only"), json!({"taskSupport": "required"}));
    let created = session
        .request(
            "tools/call",
            json!({"name": "up_task_only", "arguments": {"n": 1}, "task": {}}),
        )
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = session
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({"content": [{"type": "text", "text": "2"}],
               "_meta": {"io.modelcontextprotocol/related-task": {"taskId": id}}})
    );
    // As the remote does, the proxy refuses it as a plain call.
    let plain = session
        .request(
            "tools/call",
            json!({"name": "up_task_only", "arguments": {"n": 1}}),
        )
        .await
        .unwrap_err();
    assert_eq!(plain.rpc().map(|e| e.code), Some(-32601), "{plain:?}");
    // A tool without task support refuses `params.task`, as the remote would.
    let refused = session
        .request(
            "tools/call",
            json!({"name": "up_add", "arguments": {"a": 1, "b": 2}, "task": {}}),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.rpc().map(|e| e.code), Some(-32601), "{refused:?}");

    // 2026-07-28 with the tasks extension: a task handle, then the result inline.
    let modern = TestClient::sessionless_with(
        proxy.clone(),
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
    );
    let created = modern
        .request(
            "tools/call",
            json!({"name": "up_later", "arguments": {"n": 5}}),
        )
        .await
        .unwrap();
    assert_eq!(created["resultType"], "task", "{created}");
    assert_eq!(created["status"], "working", "{created}");
    let done = finished(&modern, &created).await;
    assert_eq!(
        done["result"],
        json!({"content": [{"type": "text", "text": "10"}]})
    );
    // A tool the remote runs only as a task: started there as one and followed.
    let created = modern
        .request(
            "tools/call",
            json!({"name": "up_task_only", "arguments": {"n": 41}}),
        )
        .await
        .unwrap();
    let done = finished(&modern, &created).await;
    assert_eq!(
        done["result"],
        json!({"content": [{"type": "text", "text": "42"}]})
    );
    // Without the extension the same tool is a plain forwarded call.
    let plain = TestClient::sessionless(proxy.clone())
        .request(
            "tools/call",
            json!({"name": "up_later", "arguments": {"n": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(
        plain,
        json!({"content": [{"type": "text", "text": "2"}], "resultType": "complete"})
    );
}

/// A TCP relay to `target` whose connections can all be cut at once (a network drop,
/// or a remote closing its keep-alive connections).
struct Relay {
    url: String,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Relay {
    async fn to(url: &str) -> Relay {
        let target = url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            url: format!("http://{}/mcp", listener.local_addr().unwrap()),
            accepted: Arc::default(),
            conns: Arc::default(),
        };
        let (accepted, conns) = (relay.accepted.clone(), relay.conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let target = target.clone();
                let task = tokio::spawn(async move {
                    let mut outbound = tokio::net::TcpStream::connect(target).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                conns.lock().unwrap().push(task.abort_handle());
            }
        });
        relay
    }

    /// Closes every relayed connection (both sockets are dropped).
    fn cut(&self) {
        for conn in self.conns.lock().unwrap().drain(..) {
            conn.abort();
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_connection_dropped_mid_call_is_a_clear_tool_error_and_the_next_call_reconnects() {
    for remote_era in [EraChoice::Session, EraChoice::Sessionless] {
        let seen = Seen::default();
        let (url, _h, _t) = remote(&seen, 0).await;
        let relay = Relay::to(&url).await;
        let proxy = proxy_of(Remote::http(&relay.url).era(remote_era), "").await;
        let client = TestClient::session(proxy).await.unwrap();
        let add = || client.call_tool("add", json!({"a": 1, "b": 2}));
        assert_eq!(text(&add().await.unwrap()), "3", "{remote_era:?}");

        let slow = client.call_tool("sleepy", json!({}));
        let cut = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            relay.cut();
        };
        let (dropped, ()) = tokio::join!(slow, cut);
        let dropped = dropped.unwrap();
        assert!(dropped.is_error, "{remote_era:?}");
        let message = text(&dropped);
        assert!(
            message.starts_with(&format!("Upstream `{}` is unavailable", relay.url)),
            "{remote_era:?}: {message}"
        );
        assert!(message.contains("closed"), "{remote_era:?}: {message}");

        // The next call goes out on a new connection.
        let before = relay.accepted();
        assert_eq!(text(&add().await.unwrap()), "3", "{remote_era:?}");
        assert!(relay.accepted() > before, "{remote_era:?}");
    }
}

#[tokio::test]
async fn idle_connections_are_reused_and_ones_the_remote_closed_are_replaced() {
    let seen = Seen::default();
    let (url, _h, _t) = remote(&seen, 0).await;
    let relay = Relay::to(&url).await;
    let proxy = proxy_of(Remote::http(&relay.url).era(EraChoice::Sessionless), "").await;
    let client = TestClient::session(proxy).await.unwrap();
    let add = || client.call_tool("add", json!({"a": 2, "b": 2}));
    assert_eq!(text(&add().await.unwrap()), "4");
    let opened = relay.accepted();
    for _ in 0..20 {
        assert_eq!(text(&add().await.unwrap()), "4");
    }
    assert_eq!(
        relay.accepted(),
        opened,
        "sequential calls share one connection"
    );

    // The remote closes its idle connections: the next call does not fail.
    for _ in 0..5 {
        relay.cut();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = add().await.unwrap();
        assert!(!r.is_error, "{}", text(&r));
        assert_eq!(text(&r), "4");
    }
    // (A close that crosses a request already written fails that request, as with any
    // HTTP client: a POST is not sent twice.)
}

/// Pipelined proxied calls over a byte stream (the stdio transport): a proxied call
/// waits on the transport's reading task rather than a task of its own. With fewer
/// permits than calls, the reading task must keep answering the waiting calls while it
/// waits for a permit; the calls still in flight when the input ends are answered.
#[tokio::test]
async fn pipelined_stdio_calls_are_all_answered_even_past_the_in_flight_limit() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let bin = common::example_bin("quickstart");
    let proxy = Server::builder()
        .without_registry()
        .configure(|c| c.max_in_flight = 4)
        .proxy(
            "",
            Remote::stdio(bin.to_string_lossy(), Vec::<String>::new()),
        )
        .build()
        .unwrap();
    proxy.ready().await;
    let (client, server) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(proxy.serve_io(server_read, server_write));
    let (read, mut write) = tokio::io::split(client);
    let mut input = String::from(
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
    );
    input.push('\n');
    input.push_str(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    input.push('\n');
    const CALLS: i64 = 200;
    for id in 1..=CALLS {
        input.push_str(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{id},"b":1000}}}}}}"#
        ));
        input.push('\n');
    }
    write.write_all(input.as_bytes()).await.unwrap();
    // End of input right away: every call is still in flight.
    write.shutdown().await.unwrap();
    let mut lines = tokio::io::BufReader::new(read).lines();
    let mut answered = std::collections::BTreeMap::new();
    let read_all = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let v: Value = serde_json::from_str(&line).unwrap();
            answered.insert(v["id"].as_i64().unwrap(), v);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .expect("every answer within 30 s");
    serving.await.unwrap().unwrap();
    assert_eq!(answered.len() as i64, CALLS + 1, "one answer per request");
    for id in 1..=CALLS {
        assert_eq!(
            answered[&id],
            json!({
                "jsonrpc": "2.0",
                "id": id,
                "result": {"content": [{"type": "text", "text": (id + 1000).to_string()}]}
            }),
            "call {id}"
        );
    }
}
