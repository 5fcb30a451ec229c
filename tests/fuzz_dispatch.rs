//! Fuzzes the dispatcher end to end over the in-memory transport: random methods and
//! params (biased towards real ones) against a server with one of every kind of tool,
//! resource and prompt, in both eras. The server must never panic, and every request
//! must get exactly one well-formed response carrying its id.
//!
//! 64 cases per run in `cargo test`; a longer run sets `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz_dispatch`.
//! (`subscriptions/listen` is left out: it is answered only when the stream ends.)

use std::sync::LazyLock;
use std::time::Duration;

use mcpserve::prelude::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

// ---- one of every kind ---------------------------------------------------------------

/// Sync, on the blocking pool.
#[tool]
fn sync_add(a: i64, b: i64) -> Result<i64, Error> {
    a.checked_add(b).ok_or_else(|| Error::tool("overflow"))
}

#[derive(Serialize, JsonSchema)]
struct Out {
    n: u32,
    tags: Vec<String>,
}

/// Structured output, optional and defaulted arguments.
#[tool(annotations(read_only))]
async fn structured(n: Option<u32>, #[arg(default = 2)] repeat: usize) -> Out {
    Out {
        n: n.unwrap_or(0),
        tags: vec!["t".into(); repeat.min(8)],
    }
}

#[derive(Deserialize, JsonSchema)]
struct Filter {
    /// A bounded number: the schema validator runs.
    #[schemars(range(min = 1, max = 10))]
    limit: u8,
    query: Option<String>,
}

/// A flattened argument struct.
#[tool]
async fn flat(#[arg(flatten)] f: Filter) -> String {
    format!("{} {:?}", f.limit, f.query)
}

#[derive(Deserialize, Elicit)]
struct Confirm {
    ok: bool,
}

/// Asks the client: elicitation, sampling and roots, progress and logs.
#[tool]
async fn asks(ctx: Context, what: String) -> Result<String, Error> {
    ctx.progress(1, Some(2), "asking").await;
    ctx.log(LoggingLevel::Info, "asking").await;
    match what.as_str() {
        "sample" => Ok(ctx.sample("hi", SamplingOptions::default()).await?.text()),
        "roots" => Ok(ctx.roots().await?.len().to_string()),
        _ => match ctx.elicit::<Confirm>("Sure?").await? {
            Elicitation::Accepted(c) => Ok(c.ok.to_string()),
            _ => Ok("no".into()),
        },
    }
}

#[derive(Clone)]
struct Counter(std::sync::Arc<std::sync::atomic::AtomicU64>);

/// Shared state.
#[tool]
async fn count(State(c): State<Counter>) -> u64 {
    c.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A tool that panics: contained, reported as a tool error.
#[tool]
async fn boom(really: bool) -> String {
    if really {
        panic!("boom");
    }
    "fine".into()
}

/// A static text resource.
#[resource("fuzz://static", mime_type = "text/plain")]
async fn static_text() -> &'static str {
    "static"
}

/// A template with a typed variable and a query.
#[resource("fuzz://items/{id}{?verbose}")]
async fn item(id: u32, verbose: Option<bool>) -> Json<Value> {
    Json(json!({ "id": id, "verbose": verbose }))
}

/// A reserved-expansion template, screened against traversal.
#[resource("fuzz://files/{+path}")]
async fn file(path: SafePath) -> Vec<u8> {
    path.as_str().as_bytes().to_vec()
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Tone {
    Calm,
    Loud,
}

/// A prompt with required, optional and enum arguments.
#[prompt]
async fn greet(name: String, tone: Option<Tone>, ctx: Context) -> Vec<PromptMessage> {
    let _ = ctx.request_id();
    let loud = matches!(tone, Some(Tone::Loud));
    vec![PromptMessage::user(if loud {
        format!("HELLO {name}")
    } else {
        format!("hello {name}")
    })]
}

// ---- generators ----------------------------------------------------------------------

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "notifications/initialized",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec![
            "sync_add",
            "structured",
            "flat",
            "asks",
            "count",
            "boom",
            "greet",
            "sample",
            "roots",
            "fuzz://static",
            "fuzz://items/7?verbose=true",
            "fuzz://items/x",
            "fuzz://files/a/b",
            "fuzz://files/../etc",
            "fuzz://nope",
            "debug",
            "2026-07-28",
            "2025-11-25",
            "2024-11-05",
            "ref/prompt",
            "ref/resource",
            "",
        ])
        .prop_map(|s| Value::String(s.into())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "name", "arguments", "uri", "cursor", "a", "b", "n", "repeat", "limit", "query",
            "what", "really", "id", "verbose", "path", "tone", "level", "ref", "argument",
            "value", "type", "_meta", "progressToken", "inputResponses", "requestState",
            "protocolVersion", "capabilities", "clientInfo",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// `_meta` of a 2026 request (sometimes broken), or none.
fn meta() -> impl Strategy<Value = Option<Value>> {
    let caps = prop::sample::subsequence(vec!["elicitation", "sampling", "roots"], 0..=3)
        .prop_map(|c| Value::Object(c.into_iter().map(|k| (k.to_owned(), json!({}))).collect()));
    prop_oneof![
        2 => Just(None),
        3 => (caps, prop::option::of(scalar()), prop::option::of(value())).prop_map(|(caps, token, junk)| {
            let mut m = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": caps,
                "io.modelcontextprotocol/clientInfo": { "name": "fuzz", "version": "0" },
            });
            if let Some(t) = token {
                m["progressToken"] = t;
            }
            if let Some(j) = junk {
                m["io.modelcontextprotocol/logLevel"] = j;
            }
            Some(m)
        }),
        1 => value().prop_map(Some),
    ]
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    params: Option<Value>,
}

fn request() -> impl Strategy<Value = Req> {
    let method = prop_oneof![
        8 => prop::sample::select(METHODS).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let params = prop_oneof![
        1 => Just(None),
        1 => value().prop_map(Some),
        6 => (prop::collection::vec((key(), value()), 0..5), meta()).prop_map(|(kv, meta)| {
            let mut m: Map<String, Value> = kv.into_iter().collect();
            if let Some(meta) = meta {
                m.insert("_meta".into(), meta);
            }
            Some(Value::Object(m))
        }),
    ];
    (method, params).prop_map(|(method, params)| Req { method, params })
}

fn session_start() -> impl Strategy<Value = Option<Value>> {
    let caps = prop::sample::subsequence(vec!["elicitation", "sampling", "roots"], 0..=3)
        .prop_map(|c| Value::Object(c.into_iter().map(|k| (k.to_owned(), json!({}))).collect()));
    prop::option::of(caps)
}

// ---- the harness ---------------------------------------------------------------------

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

static SERVER: LazyLock<Server> = LazyLock::new(|| {
    Server::from_registry()
        .name("fuzz")
        .version("0")
        .state(Counter(Default::default()))
        .configure(|c| {
            c.client_request_timeout = Duration::from_millis(200);
            c.cancel_grace = Duration::from_millis(200);
        })
        .build()
        .unwrap()
});

/// Sends the requests on one connection and checks the answers.
async fn run(start: Option<Value>, reqs: Vec<Req>, string_ids: bool) -> Result<(), String> {
    let (client, server_io) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_io);
    let serving = tokio::spawn(SERVER.clone().serve_io(sr, sw));
    let (cr, mut cw) = tokio::io::split(client);
    let mut lines = BufReader::new(cr).lines();
    let mut expected: Vec<Value> = Vec::new();
    let mut out = String::new();
    if let Some(caps) = start {
        expected.push(json!("init"));
        out += &json!({ "jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": caps,
            "clientInfo": { "name": "fuzz", "version": "0" } } })
        .to_string();
        out += "\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    }
    for (i, r) in reqs.iter().enumerate() {
        let id = if string_ids {
            json!(format!("r{i}"))
        } else {
            json!(i)
        };
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": r.method });
        if let Some(p) = &r.params {
            msg["params"] = p.clone();
        }
        // Params that are neither object nor array are refused by the envelope check.
        expected.push(id);
        out += &msg.to_string();
        out.push('\n');
    }
    cw.write_all(out.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answered: Vec<Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut closed = false;
    loop {
        if !closed && expected.iter().all(|id| answered.contains(id)) {
            // Everything answered: end input and collect anything left (duplicates).
            cw.shutdown().await.map_err(|e| e.to_string())?;
            closed = true;
        }
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .map_err(|_| {
                let missing: Vec<_> = expected
                    .iter()
                    .filter(|id| !answered.contains(id))
                    .collect();
                format!("no answer within 20 s for {missing:?}")
            })?
            .map_err(|e| e.to_string())?;
        let Some(line) = line else { break };
        let msg: Value =
            serde_json::from_str(&line).map_err(|e| format!("not JSON ({e}): {line}"))?;
        if msg["jsonrpc"] != "2.0" {
            return Err(format!("no jsonrpc 2.0: {line}"));
        }
        match (msg.get("id"), msg.get("method")) {
            // A server-to-client request: refuse it so the ask ends quickly.
            (Some(id), Some(_)) => {
                let reply = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": "no" } });
                if !closed {
                    cw.write_all(format!("{reply}\n").as_bytes())
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }
            (None, Some(_)) => {}
            (Some(id), None) => {
                let has_result = msg.get("result").is_some();
                let error = msg.get("error");
                if has_result == error.is_some() {
                    return Err(format!("exactly one of result and error: {line}"));
                }
                if let Some(e) = error {
                    if !e["code"].is_i64() || !e["message"].is_string() {
                        return Err(format!("malformed error: {line}"));
                    }
                }
                if !expected.contains(id) {
                    return Err(format!("answer to an unknown id: {line}"));
                }
                if answered.contains(id) {
                    return Err(format!("second answer for {id}: {line}"));
                }
                if line.contains("panicked") && !line.contains("Tool `boom` panicked: boom") {
                    return Err(format!("a panic escaped: {line}"));
                }
                answered.push(id.clone());
            }
            (None, None) => return Err(format!("neither request nor response: {line}")),
        }
    }
    if let Some(id) = expected.iter().find(|id| !answered.contains(id)) {
        return Err(format!("no answer for {id} before the server closed"));
    }
    match tokio::time::timeout(Duration::from_secs(10), serving).await {
        Ok(Ok(Ok(()))) => Ok(()),
        other => Err(format!("the server did not end cleanly: {other:?}")),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_request_gets_exactly_one_answer(
        start in session_start(),
        reqs in prop::collection::vec(request(), 1..12),
        string_ids in any::<bool>(),
    ) {
        // Params that are not an object or array cannot be sent in a valid envelope.
        let reqs: Vec<Req> = reqs.into_iter().map(|mut r| {
            if r.params.as_ref().is_some_and(|p| !p.is_object() && !p.is_array()) {
                r.params = None;
            }
            r
        }).collect();
        let outcome = RT.block_on(run(start, reqs, string_ids));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
