//! The MCP client (`mcpserve::client`) against mcpserve servers: both eras over an
//! in-memory pipe, a child process (the quickstart example) and Streamable HTTP;
//! server-to-client requests in both eras, progress and log notifications of a request,
//! cancellation, SSE stream resumption, x-mcp-header parameters and unsolicited
//! notifications.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::client::{
    Client, ClientError, EraChoice, Incoming, RequestOptions, ServerNotification, Transport,
};
use mcpserve::prelude::*;
use mcpserve::{Era, HttpConfig};
use serde_json::{json, Value};

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Asks the user's name.
#[tool]
async fn ask_name(ctx: Context) -> Result<String, Error> {
    #[derive(Deserialize, Elicit)]
    struct Name {
        name: String,
    }
    let Name { name } = ctx.elicit::<Name>("Your name?").await?.required()?;
    Ok(format!("Hello, {name}!"))
}

/// Reports progress and logs while it works.
#[tool]
async fn busy(ctx: Context) -> &'static str {
    for step in [1u32, 2, 3] {
        ctx.progress(step, Some(3u32), "working").await;
        ctx.log(LoggingLevel::Info, format!("step {step}")).await;
    }
    "done"
}

/// Sleeps until cancelled; reports what happened.
#[tool]
async fn sleepy(ctx: Context, state: State<Seen>) -> &'static str {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(30)) => "slept",
        _ = ctx.cancelled() => {
            state.0 .0.lock().unwrap().push("cancelled".into());
            "cancelled"
        }
    }
}

/// Closes its response stream, then answers (SSE polling).
#[tool]
async fn reconnecting(ctx: Context) -> &'static str {
    ctx.close_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "after the reconnect"
}

/// A region mirrored into the `Mcp-Param-Region` header.
#[tool]
async fn regional(#[arg(header = "Region")] region: String) -> String {
    format!("in {region}")
}

/// Announces a tool list change.
#[tool]
async fn announce(ctx: Context) -> &'static str {
    ctx.server().tools_changed();
    "announced"
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

fn server(seen: &Seen) -> Server {
    Server::from_registry().state(seen.clone()).build().unwrap()
}

fn memory(server: Server) -> Transport {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let (sr, sw) = tokio::io::split(server_io);
    tokio::spawn(async move { server.serve_io(sr, sw).await });
    let (cr, cw) = tokio::io::split(client_io);
    Transport::io(cr, cw)
}

async fn http(server: Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        server
            .serve_http_on(listener, HttpConfig::default(), std::future::pending())
            .await
    });
    url
}

fn answering_names() -> mcpserve::client::ClientBuilder {
    Client::builder()
        .capabilities(json!({ "elicitation": { "form": {} } }))
        .on_request(|req| async move {
            assert_eq!(req.method, "elicitation/create");
            Ok(json!({ "action": "accept", "content": { "name": "Ada" } }))
        })
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text()).collect()
}

async fn exercise(client: &Client) {
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"add".to_owned()), "{names:?}");
    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(text(&sum), "5");
    // Elicitation: a real request in the session era, an input round in 2026.
    let hello = client.call_tool("ask_name", json!({})).await.unwrap();
    assert_eq!(text(&hello), "Hello, Ada!");
    let err = client.call_tool("nope", json!({})).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rpc(ref e) if e.code == -32602),
        "{err}"
    );
}

#[tokio::test]
async fn memory_both_eras() {
    let seen = Seen::default();
    for era in [EraChoice::Auto, EraChoice::Session] {
        let client = answering_names()
            .era(era)
            .connect(memory(server(&seen)))
            .await
            .unwrap();
        let expected = if era == EraChoice::Auto {
            Era::Sessionless
        } else {
            Era::Session
        };
        assert_eq!(client.era(), expected);
        exercise(&client).await;
        client.close().await;
    }
}

#[tokio::test]
async fn http_both_eras() {
    let seen = Seen::default();
    let url = http(server(&seen)).await;
    for era in [EraChoice::Auto, EraChoice::Session] {
        let client = answering_names()
            .era(era)
            .connect(Transport::http(&url))
            .await
            .unwrap();
        let expected = if era == EraChoice::Auto {
            Era::Sessionless
        } else {
            Era::Session
        };
        assert_eq!(client.era(), expected);
        exercise(&client).await;
        // The 2026 headers mirror tool parameters; a wrong or missing one is -32020.
        let r = client
            .call_tool("regional", json!({"region": "eu-west 1"}))
            .await
            .unwrap();
        assert_eq!(text(&r), "in eu-west 1");
        client.close().await;
    }
}

#[tokio::test]
async fn both_eras_on_one_connection() {
    let seen = Seen::default();
    let url = http(server(&seen)).await;
    let client = answering_names()
        .era(EraChoice::Both)
        .connect(Transport::http(&url))
        .await
        .unwrap();
    assert!(client.speaks(Era::Session) && client.speaks(Era::Sessionless));
    for era in [Era::Session, Era::Sessionless] {
        let raw = client
            .raw_request(
                "tools/call",
                json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
                RequestOptions::new().era(era),
            )
            .await
            .unwrap();
        let v: Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(v["content"][0]["text"], "2");
        assert_eq!(v.get("resultType").is_some(), era == Era::Sessionless);
    }
}

#[tokio::test]
async fn an_exchange_carries_progress_and_logs() {
    let seen = Seen::default();
    for http_transport in [false, true] {
        for era in [Era::Session, Era::Sessionless] {
            let transport = if http_transport {
                Transport::http(http(server(&seen)).await)
            } else {
                memory(server(&seen))
            };
            let client = Client::builder()
                .era(EraChoice::Both)
                .connect(transport)
                .await
                .unwrap();
            if era == Era::Session {
                client
                    .raw_request(
                        "logging/setLevel",
                        json!({"level": "info"}),
                        RequestOptions::new().era(Era::Session),
                    )
                    .await
                    .unwrap();
            }
            let mut options = RequestOptions::new().era(era).progress(true);
            if era == Era::Sessionless {
                options = options.log_level(LoggingLevel::Info);
            }
            let mut ex = client
                .start(
                    "tools/call",
                    json!({"name": "busy", "arguments": {}}),
                    options,
                )
                .await
                .unwrap();
            let mut progress = Vec::new();
            let mut logs = Vec::new();
            let result = loop {
                match ex.next().await {
                    Incoming::Notification { method, params }
                        if method == "notifications/progress" =>
                    {
                        progress.push(params["progress"].as_f64().unwrap())
                    }
                    Incoming::Notification { method, params }
                        if method == "notifications/message" =>
                    {
                        logs.push(params["data"].as_str().unwrap().to_owned())
                    }
                    Incoming::Result(r) => break r.unwrap(),
                    other => panic!("unexpected {other:?}"),
                }
            };
            assert_eq!(progress, [1.0, 2.0, 3.0], "http {http_transport}, {era:?}");
            assert_eq!(
                logs,
                ["step 1", "step 2", "step 3"],
                "http {http_transport}, {era:?}"
            );
            assert!(result.get().contains("done"));
        }
    }
}

#[tokio::test]
async fn dropping_an_exchange_cancels_the_request() {
    for http_transport in [false, true] {
        for era in [Era::Session, Era::Sessionless] {
            let seen = Seen::default();
            let transport = if http_transport {
                Transport::http(http(server(&seen)).await)
            } else {
                memory(server(&seen))
            };
            let client = Client::builder()
                .era(EraChoice::Both)
                .connect(transport)
                .await
                .unwrap();
            let ex = client
                .start(
                    "tools/call",
                    json!({"name": "sleepy", "arguments": {}}),
                    RequestOptions::new().era(era),
                )
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(ex);
            let mut waited = 0;
            while seen.0.lock().unwrap().is_empty() && waited < 50 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                waited += 1;
            }
            assert_eq!(
                *seen.0.lock().unwrap(),
                ["cancelled"],
                "http {http_transport}, {era:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_closed_response_stream_is_resumed() {
    let seen = Seen::default();
    let url = http(server(&seen)).await;
    let client = Client::builder()
        .era(EraChoice::Session)
        .connect(Transport::http(url))
        .await
        .unwrap();
    let mut ex = client
        .start(
            "tools/call",
            json!({"name": "reconnecting", "arguments": {}}),
            RequestOptions::new(),
        )
        .await
        .unwrap();
    let mut interrupted = false;
    let result = loop {
        match ex.next().await {
            Incoming::Interrupted => interrupted = true,
            Incoming::Result(r) => break r.unwrap(),
            Incoming::Notification { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(interrupted, "the server closed the stream first");
    assert!(result.get().contains("after the reconnect"));
}

#[tokio::test]
async fn unsolicited_notifications_reach_the_handler() {
    let seen = Seen::default();
    let url = http(server(&seen)).await;
    for (era, transport) in [
        (EraChoice::Session, Transport::http(&url)),
        (EraChoice::Session, memory(server(&seen))),
    ] {
        let got: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = got.clone();
        let client = Client::builder()
            .era(era)
            .on_notification(move |n: ServerNotification| sink.lock().unwrap().push(n.method))
            .connect(transport)
            .await
            .unwrap();
        // The GET stream needs a moment to open.
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.call_tool("announce", json!({})).await.unwrap();
        let mut waited = 0;
        while got.lock().unwrap().is_empty() && waited < 50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        assert_eq!(*got.lock().unwrap(), ["notifications/tools/list_changed"]);
    }
}

#[tokio::test]
async fn a_child_process_over_stdio() {
    let bin = common::example_bin("quickstart");
    let client = Client::connect(Transport::stdio(
        bin.to_string_lossy(),
        Vec::<String>::new(),
    ))
    .await
    .unwrap();
    assert_eq!(
        client.era(),
        Era::Sessionless,
        "mcpserve servers speak 2026-07-28"
    );
    let sum = client
        .call_tool("add", json!({"a": 40, "b": 2}))
        .await
        .unwrap();
    assert_eq!(text(&sum), "42");
    let about = client.read_resource("info://about").await.unwrap();
    assert!(serde_json::to_string(&about)
        .unwrap()
        .contains("Quickstart"));
    let prompt = client
        .get_prompt("explain_code", json!({"code": "x = 1"}))
        .await
        .unwrap();
    assert_eq!(prompt.messages.len(), 1);
    client.close().await;
    let err = client
        .call_tool("add", json!({"a": 1, "b": 1}))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Closed(_)), "{err}");
}

#[tokio::test]
async fn a_child_that_cannot_start_is_a_clear_error() {
    let err = Client::connect(Transport::stdio("/nonexistent/mcp-server", ["--x"]))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot start `/nonexistent/mcp-server`"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_url_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = Client::connect(Transport::http(format!("http://127.0.0.1:{port}/mcp")))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

/// One line a scripted server answers a request with, given its id.
type Reply = fn(&Value) -> String;

/// A hand-written session-era server on the other end of a pipe: it answers
/// `initialize`, then answers each request with `reply(id)` (one line).
fn scripted(reply: Reply) -> Transport {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        let (r, mut w) = tokio::io::split(server_io);
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let msg: Value = serde_json::from_str(&line).unwrap();
            let Some(id) = msg.get("id") else { continue };
            let out = if msg["method"] == "initialize" {
                json!({"jsonrpc": "2.0", "id": id, "result": {
                    "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "scripted", "version": "1"}}})
                .to_string()
            } else {
                reply(id)
            };
            w.write_all(format!("{out}\n").as_bytes()).await.unwrap();
        }
    });
    let (cr, cw) = tokio::io::split(client_io);
    Transport::io(cr, cw)
}

#[tokio::test]
async fn an_answer_that_is_not_json_rpc_fails_its_request_instead_of_leaving_it_waiting() {
    // Shapes a broken server might answer with, each carrying the request's id.
    let replies: [(Reply, &str); 4] = [
        (
            |id| json!({"jsonrpc": "1.0", "id": id, "result": {"content": []}}).to_string(),
            r#"Invalid Request: jsonrpc must be "2.0""#,
        ),
        (
            |id| json!({"jsonrpc": "2.0", "id": id}).to_string(),
            "Invalid Request: missing method",
        ),
        (
            |id| {
                json!({"jsonrpc": "2.0", "id": id, "result": {}, "error": {"code": 1}}).to_string()
            },
            "Invalid Request: missing method",
        ),
        (
            |id| json!({"jsonrpc": "2.0", "id": id, "error": "broken"}).to_string(),
            "Invalid Request: malformed error object",
        ),
    ];
    for (reply, why) in replies {
        let client = Client::builder()
            .era(EraChoice::Session)
            .request_timeout(None)
            .connect(scripted(reply))
            .await
            .unwrap();
        let call = client.call_tool("add", json!({"a": 1, "b": 2}));
        let err = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the call still waits for an answer that came")
            .unwrap_err();
        let ClientError::Transport(text) = &err else {
            panic!("{err:?}")
        };
        let (head, tail) = text
            .split_once(" is not ")
            .unwrap_or_else(|| panic!("{text}"));
        let id = head.strip_prefix("the server's answer to request ");
        assert!(id.is_some_and(|id| id.parse::<u64>().is_ok()), "{text}");
        assert_eq!(tail, format!("a JSON-RPC response: {why}"));
        client.close().await;
    }
}
