//! Middleware around tool calls, through `TestClient`: layer order, per-tool/group/predicate
//! scoping, tower's own layers, the built-ins (timeout, rate limit, cache, error masking,
//! tracing, metrics) and layers on tools added while serving.
//!
//! The registry is process-wide: every server here is built `without_registry()` from
//! run-time tools, so each test sees exactly the tools it defines.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::middleware::{
    from_fn, Cache, CacheScope, MaskErrors, Metrics, Next, RateLimit, Select, Timeout, Trace,
};
use mcpserve::protocol::ToolAnnotations;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{CallToolResult, Error, Server, ServerBuilder, ToolCall, ToolDef};
use serde_json::{json, Value};

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A tool answering `name` that counts its calls.
fn counting(name: &'static str, calls: Arc<AtomicUsize>) -> ToolDef {
    ToolDef::new(name, move |call: ToolCall| {
        let calls = calls.clone();
        async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            let args: Value = call.arguments()?;
            Ok::<_, Error>(format!("{n}: {args}"))
        }
    })
}

fn plain(name: &'static str) -> ToolDef {
    ToolDef::new(name, move |_call: ToolCall| async move { name.to_owned() })
}

fn builder() -> ServerBuilder {
    Server::builder().without_registry()
}

/// A layer that records `label` before and after the rest of the stack.
fn mark(
    log: &Arc<Mutex<Vec<String>>>,
    label: &'static str,
) -> mcpserve::middleware::FromFnLayer<
    impl Fn(
            ToolCall,
            Next,
        ) -> futures_util::future::BoxFuture<'static, mcpserve::Result<CallToolResult>>
        + Clone
        + Send
        + Sync
        + 'static,
> {
    let log = log.clone();
    from_fn(move |call: ToolCall, next: Next| {
        let log = log.clone();
        Box::pin(async move {
            log.lock()
                .unwrap()
                .push(format!("{label}>{}", call.tool_name()));
            let out = next.run(call).await;
            log.lock().unwrap().push(format!("<{label}"));
            out
        }) as futures_util::future::BoxFuture<'static, _>
    })
}

#[tokio::test]
async fn the_layer_added_last_runs_first() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let inner_log = log.clone();
    let tool = ToolDef::new("t", move |_call: ToolCall| {
        let log = inner_log.clone();
        async move {
            log.lock().unwrap().push("tool".into());
            "done"
        }
    });
    let server = builder()
        .tool(tool)
        .layer(mark(&log, "a"))
        .layer(mark(&log, "b"));
    let client = TestClient::session(server).await.unwrap();
    let result = client.call_tool("t", json!({})).await.unwrap();
    assert_eq!(text(&result), "done");
    assert_eq!(
        *log.lock().unwrap(),
        ["b>t", "a>t", "tool", "<a", "<b"],
        "b was added last, so it wraps a"
    );
}

#[tokio::test]
async fn layers_apply_only_to_the_tools_they_select() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let admin = ToolDef::new("reset", |_c: ToolCall| async { "reset" });
    let read_only =
        ToolDef::new("peek", |_c: ToolCall| async { "peek" }).annotations(ToolAnnotations {
            read_only_hint: Some(true),
            ..Default::default()
        });
    let server = builder()
        .tool(plain("one"))
        .tool(plain("two"))
        .tool(admin)
        .tool(read_only)
        .layer_for("one", mark(&log, "by-name"))
        .layer_for(["one", "reset"], mark(&log, "by-names"))
        .layer_for(
            Select::when(|t| t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true)),
            mark(&log, "read-only"),
        );
    let client = TestClient::session(server).await.unwrap();
    for tool in ["one", "two", "reset", "peek"] {
        let result = client.call_tool(tool, json!({})).await.unwrap();
        assert_eq!(text(&result), tool);
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "by-names>one",
            "by-name>one",
            "<by-name",
            "<by-names",
            "by-names>reset",
            "<by-names",
            "read-only>peek",
            "<read-only"
        ],
        "`two` is selected by no layer"
    );
}

#[tokio::test]
async fn group_layers_wrap_the_groups_tools() {
    // Group membership comes from `#[tool(group = "...")]`; this binary's only grouped
    // tool is `audited_purge`.
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let server = Server::builder()
        .groups(["audited"])
        .layer_for(Select::group("audited"), mark(&log, "group"));
    let client = TestClient::session(server).await.unwrap();
    let result = client.call_tool("audited_purge", json!({})).await.unwrap();
    assert_eq!(text(&result), "purged");
    let result = client
        .call_tool("ungrouped_echo", json!({"text": "x"}))
        .await
        .unwrap();
    assert_eq!(text(&result), "x");
    assert_eq!(*log.lock().unwrap(), ["group>audited_purge", "<group"]);
}

/// In the `audited` group.
#[mcpserve::tool(group = "audited")]
async fn audited_purge() -> &'static str {
    "purged"
}

/// Not in a group.
#[mcpserve::tool]
async fn ungrouped_echo(text: String) -> String {
    text
}

/// Never answers in time: its own layer (from the attribute) ends it.
#[mcpserve::tool(layer = Timeout::new(Duration::from_millis(50)))]
async fn slow_layered() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

/// Answers without calling the tool when asked to, from the attribute's `from_fn` layer.
#[mcpserve::tool(layer = from_fn(|call: ToolCall, next: Next| async move {
    if call.raw_arguments().is_some_and(|a| a.get().contains("short")) {
        return Ok(CallToolResult::success(vec![mcpserve::Content::text("short-circuited")]));
    }
    next.run(call).await
}))]
async fn gated_echo(text: String) -> String {
    text
}

#[tokio::test]
async fn a_tools_own_layer_from_the_attribute_runs_inside_the_servers_layers() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let server = Server::builder().layer(mark(&log, "server"));
    let client = TestClient::session(server).await.unwrap();
    let result = client.call_tool("slow_layered", json!({})).await.unwrap();
    assert!(result.is_error, "{result:?}");
    assert_eq!(text(&result), "Tool `slow_layered` timed out after 50ms");
    // The server's layer wraps the tool's own.
    assert_eq!(*log.lock().unwrap(), ["server>slow_layered", "<server"]);

    let short = client
        .call_tool("gated_echo", json!({"text": "short"}))
        .await
        .unwrap();
    assert_eq!(text(&short), "short-circuited");
    let long = client
        .call_tool("gated_echo", json!({"text": "long"}))
        .await
        .unwrap();
    assert_eq!(text(&long), "long");
    // Other tools do not get it.
    let plain = client
        .call_tool("ungrouped_echo", json!({"text": "short"}))
        .await
        .unwrap();
    assert_eq!(text(&plain), "short");
}

/// An extractor whose backing service is gone: an internal error before the handler runs.
struct Broken;

impl mcpserve::FromContext for Broken {
    async fn from_context(_ctx: &mcpserve::Context) -> Result<Self, Error> {
        Err(Error::internal("the pool behind State<Pool> is closed"))
    }
}

/// Needs an extractor that fails.
#[mcpserve::tool]
async fn needs_state(_s: Broken) -> &'static str {
    "unreachable"
}

/// Records when the handler future is dropped before finishing.
struct DropFlag(Arc<AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn sleeper(dropped: Arc<AtomicUsize>, finished: Arc<AtomicUsize>) -> ToolDef {
    ToolDef::new("slow", move |_call: ToolCall| {
        let (dropped, finished) = (dropped.clone(), finished.clone());
        async move {
            let flag = DropFlag(dropped);
            tokio::time::sleep(Duration::from_secs(30)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            std::mem::forget(flag);
            "finished"
        }
    })
}

#[tokio::test]
async fn timeout_answers_a_tool_error_and_cancels_the_handler() {
    let (dropped, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let server = builder()
        .tool(sleeper(dropped.clone(), finished.clone()))
        .tool(plain("fast"))
        .layer(Timeout::new(Duration::from_millis(50)));
    let client = TestClient::session(server).await.unwrap();
    let result = client.call_tool("slow", json!({})).await.unwrap();
    assert!(result.is_error);
    assert_eq!(text(&result), "Tool `slow` timed out after 50ms");
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "the handler was dropped");
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    // Calls within the limit are untouched.
    let result = client.call_tool("fast", json!({})).await.unwrap();
    assert_eq!(text(&result), "fast");
}

#[tokio::test]
async fn towers_own_timeout_layer_works() {
    let (dropped, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let server = builder()
        .tool(sleeper(dropped.clone(), finished))
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(50)));
    let client = TestClient::session(server).await.unwrap();
    let result = client.call_tool("slow", json!({})).await.unwrap();
    assert!(result.is_error);
    assert_eq!(text(&result), "Tool `slow` failed: request timed out");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn towers_concurrency_limit_layer_works() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let tool = ToolDef::new("busy", move |_call: ToolCall| {
        let (running, peak) = (r.clone(), p.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            "ok"
        }
    });
    let server = builder()
        .tool(tool)
        .layer(tower::limit::ConcurrencyLimitLayer::new(2));
    let client = Arc::new(TestClient::session(server).await.unwrap());
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call_tool("busy", json!({})).await })
        })
        .collect();
    for call in calls {
        assert_eq!(text(&call.await.unwrap().unwrap()), "ok");
    }
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "never more than two at once"
    );
}

/// The principal comes from an outer `from_fn` layer here (an API key check); with
/// authorization it is the token's subject.
fn principal_from_args() -> mcpserve::middleware::FromFnLayer<
    impl Fn(
            ToolCall,
            Next,
        ) -> futures_util::future::BoxFuture<'static, mcpserve::Result<CallToolResult>>
        + Clone
        + Send
        + Sync
        + 'static,
> {
    from_fn(|mut call: ToolCall, next: Next| {
        Box::pin(async move {
            let args: Value = call.arguments()?;
            if let Some(user) = args.get("user").and_then(Value::as_str) {
                call.set_principal(user.to_owned());
            }
            next.run(call).await
        }) as futures_util::future::BoxFuture<'static, _>
    })
}

#[tokio::test]
async fn rate_limit_answers_a_clear_error_per_principal() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = builder()
        .tool(counting("search", calls.clone()))
        .layer(RateLimit::per_principal(2, Duration::from_secs(60)))
        .layer(principal_from_args());
    let client = TestClient::session(server).await.unwrap();
    for _ in 0..2 {
        let ok = client
            .call_tool("search", json!({"user": "ann"}))
            .await
            .unwrap();
        assert!(!ok.is_error, "{ok:?}");
    }
    let limited = client
        .call_tool("search", json!({"user": "ann"}))
        .await
        .unwrap();
    assert!(limited.is_error);
    let message = text(&limited);
    assert!(
        message.starts_with("Rate limit exceeded for `search`: at most 2 calls per 60s; retry in "),
        "{message}"
    );
    let retry = limited.meta.as_ref().unwrap()["io.mcpserve/retryAfterMs"]
        .as_u64()
        .unwrap();
    assert!((1..=30_000).contains(&retry), "retry after {retry} ms");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the limited call did not run"
    );
    // Another principal has its own budget.
    let other = client
        .call_tool("search", json!({"user": "bob"}))
        .await
        .unwrap();
    assert!(!other.is_error);
}

#[tokio::test]
async fn rate_limit_per_client_separates_connections() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = builder()
        .tool(counting("search", calls))
        .layer(RateLimit::per_client(1, Duration::from_secs(60)))
        .build()
        .unwrap();
    let first = TestClient::session(server.clone()).await.unwrap();
    let second = TestClient::session(server).await.unwrap();
    assert!(!first.call_tool("search", json!({})).await.unwrap().is_error);
    assert!(first.call_tool("search", json!({})).await.unwrap().is_error);
    assert!(
        !second
            .call_tool("search", json!({}))
            .await
            .unwrap()
            .is_error
    );
}

fn idempotent(def: ToolDef) -> ToolDef {
    def.annotations(ToolAnnotations {
        idempotent_hint: Some(true),
        ..Default::default()
    })
}

#[tokio::test]
async fn cache_hits_and_misses() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let writes = Arc::new(AtomicUsize::new(0));
    let server = builder()
        .tool(idempotent(counting("lookup", lookups.clone())))
        .tool(counting("write", writes.clone()))
        .layer(Cache::idempotent().ttl(Duration::from_millis(300)));
    let client = TestClient::session(server).await.unwrap();

    let first = client
        .call_tool("lookup", json!({"a": 1, "b": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(text(&first), r#"1: {"a":1,"b":[1,2]}"#);
    // Same arguments in another order: a hit.
    let again = client
        .call_tool("lookup", json!({"b": [1, 2], "a": 1}))
        .await
        .unwrap();
    assert_eq!(text(&again), text(&first));
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    // Other arguments: a miss.
    let other = client.call_tool("lookup", json!({"a": 2})).await.unwrap();
    assert_eq!(text(&other), r#"2: {"a":2}"#);
    // Tools not marked idempotent are never cached.
    client.call_tool("write", json!({})).await.unwrap();
    client.call_tool("write", json!({})).await.unwrap();
    assert_eq!(writes.load(Ordering::SeqCst), 2);
    // After the TTL: a miss.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let expired = client
        .call_tool("lookup", json!({"a": 1, "b": [1, 2]}))
        .await
        .unwrap();
    assert_eq!(text(&expired), r#"3: {"a":1,"b":[1,2]}"#);
}

#[tokio::test]
async fn cache_never_stores_errors_and_keeps_private_results_per_principal() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let flaky = ToolDef::new("flaky", move |call: ToolCall| {
        let calls = c.clone();
        async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            let args: Value = call.arguments()?;
            if args["fail"] == true {
                return Err(Error::tool("failed"));
            }
            Ok(format!("{n}"))
        }
    });
    let server = builder()
        .tool(flaky)
        .layer(Cache::for_tools(["flaky"]).scope(CacheScope::Private))
        .layer(principal_from_args());
    let client = TestClient::session(server).await.unwrap();
    for _ in 0..2 {
        let r = client
            .call_tool("flaky", json!({"fail": true}))
            .await
            .unwrap();
        assert!(r.is_error);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "errors are not cached");
    let ann = client
        .call_tool("flaky", json!({"user": "ann"}))
        .await
        .unwrap();
    let ann_again = client
        .call_tool("flaky", json!({"user": "ann"}))
        .await
        .unwrap();
    assert_eq!(text(&ann), text(&ann_again));
    // Same arguments from another principal (and the user key is part of the args here,
    // so compare with a shared-args call): private entries are per principal.
    let shared_args = json!({"q": 1});
    let a = TestClient::session(
        builder()
            .tool(idempotent(counting("q", calls.clone())))
            .layer(Cache::idempotent())
            .layer(from_fn(|mut call: ToolCall, next: Next| async move {
                let who = call
                    .context()
                    .meta()
                    .get("who")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if let Some(who) = who {
                    call.set_principal(who);
                }
                next.run(call).await
            })),
    )
    .await
    .unwrap();
    let call_as = |who: &str| json!({"name": "q", "arguments": shared_args, "_meta": {"who": who}});
    let x1 = a.request("tools/call", call_as("x")).await.unwrap();
    let x2 = a.request("tools/call", call_as("x")).await.unwrap();
    let y1 = a.request("tools/call", call_as("y")).await.unwrap();
    assert_eq!(x1, x2, "a hit for the same principal");
    assert_ne!(x1, y1, "another principal does not see x's result");
}

#[tokio::test]
async fn public_cache_is_shared_between_clients() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = builder()
        .tool(idempotent(counting("lookup", calls.clone())))
        .layer(Cache::idempotent().scope(CacheScope::Public))
        .build()
        .unwrap();
    let a = TestClient::session(server.clone()).await.unwrap();
    let b = TestClient::sessionless(server);
    let ra = a.call_tool("lookup", json!({"k": 1})).await.unwrap();
    let rb = b.call_tool("lookup", json!({"k": 1})).await.unwrap();
    assert_eq!(text(&ra), text(&rb));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn mask_errors_hides_internal_errors_and_panics() {
    let internal = ToolDef::new("db", |_c: ToolCall| async {
        Err::<String, _>(Error::internal(
            "connection to postgres://admin:hunter2@db failed",
        ))
    });
    let panics = ToolDef::new("boom", |_c: ToolCall| async {
        let v: Vec<u8> = Vec::new();
        #[allow(clippy::useless_vec)]
        let _ = v[3];
        "unreachable"
    });
    let tool_error = ToolDef::new("nope", |_c: ToolCall| async {
        Err::<String, _>(Error::tool("no such user"))
    });
    let server = Server::builder()
        .tool(internal)
        .tool(panics)
        .tool(tool_error)
        .layer(MaskErrors::new());
    let client = TestClient::session(server).await.unwrap();
    let db = client.call_tool("db", json!({})).await.unwrap();
    assert!(db.is_error);
    assert!(
        text(&db).starts_with("Internal error (reference "),
        "{}",
        text(&db)
    );
    assert!(!text(&db).contains("hunter2"));
    // An internal error around the handler (a failing extractor) stays -32603.
    let err = client
        .call_tool("needs_state", json!({}))
        .await
        .unwrap_err();
    let ClientError::Rpc(e) = err else {
        panic!("expected a JSON-RPC error, got {err:?}")
    };
    assert_eq!(e.code, -32603);
    assert!(
        e.message.starts_with("Internal error (reference "),
        "{}",
        e.message
    );
    assert!(!e.message.contains("State<"));
    let boom = client.call_tool("boom", json!({})).await.unwrap();
    assert!(boom.is_error);
    assert!(
        text(&boom).starts_with("Internal error (reference "),
        "{}",
        text(&boom)
    );
    assert!(!text(&boom).contains("index out of bounds"));
    // Tool errors are for the model: they pass unless asked.
    let nope = client.call_tool("nope", json!({})).await.unwrap();
    assert_eq!(text(&nope), "no such user");
}

#[tokio::test]
async fn mask_errors_can_mask_tool_errors_too() {
    let tool_error = ToolDef::new("nope", |_c: ToolCall| async {
        Err::<String, _>(Error::tool("stack trace: /srv/app/db.rs:42"))
    });
    let server = builder().tool(tool_error).layer(
        MaskErrors::new()
            .tool_errors(true)
            .message("Something went wrong"),
    );
    let client = TestClient::session(server).await.unwrap();
    let nope = client.call_tool("nope", json!({})).await.unwrap();
    assert!(nope.is_error);
    assert!(text(&nope).starts_with("Something went wrong (reference "));
}

#[tokio::test]
async fn layers_wrap_tools_added_while_serving() {
    let server = builder()
        .tool(plain("first"))
        .layer(from_fn(|call: ToolCall, next: Next| async move {
            let mut out = next.run(call).await?;
            out.content.push(mcpserve::Content::text("(wrapped)"));
            Ok(out)
        }))
        .build()
        .unwrap();
    let client = TestClient::session(server.clone()).await.unwrap();
    server.handle().add_tool(plain("later")).unwrap();
    let result = client.call_tool("later", json!({})).await.unwrap();
    assert_eq!(text(&result), "later\n(wrapped)");
}

#[tokio::test]
async fn from_fn_can_answer_without_calling_the_tool() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = builder()
        .tool(counting("guarded", calls.clone()))
        .layer(from_fn(|call: ToolCall, next: Next| async move {
            if call
                .raw_arguments()
                .is_some_and(|a| a.get().contains("forbidden"))
            {
                return Ok(CallToolResult::error("refused by policy"));
            }
            next.run(call).await
        }));
    let client = TestClient::session(server).await.unwrap();
    let refused = client
        .call_tool("guarded", json!({"x": "forbidden"}))
        .await
        .unwrap();
    assert_eq!(text(&refused), "refused by policy");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn trace_and_metrics_record_calls() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    static SNAPSHOTTER: std::sync::OnceLock<metrics_util::debugging::Snapshotter> =
        std::sync::OnceLock::new();
    let snapshotter = SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("the only recorder of this test binary");
        snapshotter
    });
    let failing = ToolDef::new("measured_fail", |_c: ToolCall| async {
        Err::<String, _>(Error::tool("no"))
    });
    let server = builder()
        .tool(plain("measured"))
        .tool(failing)
        .layer(Trace::new())
        .layer(Metrics::new());
    let client = TestClient::session(server).await.unwrap();
    client.call_tool("measured", json!({})).await.unwrap();
    client.call_tool("measured", json!({})).await.unwrap();
    client.call_tool("measured_fail", json!({})).await.unwrap();
    let snapshot = snapshotter.snapshot().into_vec();
    let counter = |tool: &str, outcome: &str| {
        snapshot.iter().find_map(|(key, _, _, value)| {
            let k = key.key();
            let labels: Vec<(String, String)> = k
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (k.name() == "mcp_tool_calls_total"
                && labels.contains(&("tool".into(), tool.into()))
                && labels.contains(&("outcome".into(), outcome.into())))
            .then_some(match value {
                DebugValue::Counter(n) => *n,
                _ => 0,
            })
        })
    };
    assert_eq!(counter("measured", "ok"), Some(2));
    assert_eq!(counter("measured_fail", "tool_error"), Some(1));
    assert!(snapshot
        .iter()
        .any(|(key, _, _, _)| key.key().name() == "mcp_tool_call_duration_seconds"));
}
