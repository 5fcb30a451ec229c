//! Shared by the HTTP integration tests: test tools, a server on 127.0.0.1, and a small
//! client that speaks both eras over reqwest and parses SSE.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use mcpserve::prelude::*;
use mcpserve::{HttpConfig, McpHttpService};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use tokio::sync::{oneshot, Notify};

/// A named one-shot signal shared by a test and a tool (tests run in parallel, so each
/// uses its own names). `notify_one` stores a permit, so the order does not matter.
pub fn gate(name: &str) -> Arc<Notify> {
    static GATES: OnceLock<Mutex<HashMap<String, Arc<Notify>>>> = OnceLock::new();
    GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(name.to_owned())
        .or_default()
        .clone()
}

/// Add two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Reports progress 1, waits for `gate`, reports 2 and 3, then answers "done".
#[tool]
async fn stepped(ctx: Context, gate: String) -> String {
    ctx.progress(1, Some(3), None).await;
    self::gate(&gate).notified().await;
    ctx.progress(2, Some(3), None).await;
    ctx.progress(3, Some(3), None).await;
    "done".to_owned()
}

/// Closes its stream (SSE polling), waits for `gate`, reports progress, answers "resumed".
#[tool]
async fn reconnection(ctx: Context, gate: String) -> String {
    ctx.close_stream();
    self::gate(&gate).notified().await;
    ctx.progress(1, None, None).await;
    "resumed".to_owned()
}

/// Notifies `{gate}-started`, waits until cancelled, then notifies `{gate}-cancelled`.
#[tool]
async fn until_cancelled(ctx: Context, gate: String) -> Result<String, Error> {
    self::gate(&format!("{gate}-started")).notify_one();
    ctx.cancelled().await;
    self::gate(&format!("{gate}-cancelled")).notify_one();
    Err(Error::new(mcpserve::ErrorKind::Cancelled, "cancelled"))
}

/// Notifies `{gate}-started`, waits for `gate`, then answers "released".
#[tool]
async fn held(gate: String) -> String {
    self::gate(&format!("{gate}-started")).notify_one();
    self::gate(&gate).notified().await;
    "released".to_owned()
}

/// Always needs sampling, which the test clients never declare.
#[tool]
async fn needs_sampling() -> Result<String, Error> {
    Err(Error::missing_capability("sampling"))
}

/// Echoes its header-mirrored parameters.
#[tool]
async fn routed(
    #[arg(header = "Region")] region: String,
    #[arg(header = "Count")] count: Option<i64>,
) -> String {
    format!("{region}/{count:?}")
}

pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<mcpserve::Result<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with_config(HttpConfig::default()).await
    }

    pub async fn with_config(config: HttpConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = Server::from_registry().build().unwrap();
        let task = tokio::spawn(server.serve_http_on(listener, config, async {
            let _ = stopped.await;
        }));
        TestServer {
            url: format!("http://{addr}/mcp"),
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Starts a graceful shutdown.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A service for tests that mount it themselves.
pub fn service(config: HttpConfig) -> McpHttpService {
    Server::from_registry().http_service(config)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The `_meta` of a 2026-07-28 request.
pub fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"}
    })
}

/// A POST with the standard headers plus `extra`.
pub fn post(url: &str, body: &Value, extra: &[(&str, &str)]) -> reqwest::RequestBuilder {
    post_text(url, body.to_string(), extra)
}

/// [`post`] with the body as written (exact bytes, for error positions).
pub fn post_text(
    url: &str,
    body: impl Into<String>,
    extra: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let mut req = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.into());
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req
}

/// A 2026-07-28 request with matching headers (`Mcp-Name` from `params.name`/`uri`).
pub async fn post_2026(url: &str, id: i64, method: &str, mut params: Value) -> reqwest::Response {
    params["_meta"] = meta();
    let name = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let mut extra = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(name) = &name {
        extra.push(("mcp-name", name));
    }
    post(url, &body, &extra).send().await.unwrap()
}

/// A session-era session: `initialize` + `notifications/initialized`.
pub struct Session {
    pub url: String,
    pub id: String,
    pub version: String,
}

impl Session {
    pub async fn open(url: &str) -> Session {
        Self::open_version(url, "2025-11-25").await
    }

    pub async fn open_version(url: &str, version: &str) -> Session {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}});
        let res = post(url, &init, &[]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let id = res.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let sse = res.headers()["content-type"] == "text/event-stream";
        let text = res.text().await.unwrap();
        let body: Value = if sse {
            let data = text
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .find(|d| !d.is_empty());
            serde_json::from_str(data.unwrap()).unwrap()
        } else {
            serde_json::from_str(&text).unwrap()
        };
        assert_eq!(body["result"]["protocolVersion"], version);
        let s = Session {
            url: url.to_owned(),
            id,
            version: version.to_owned(),
        };
        let res = s
            .post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        s
    }

    pub fn post(&self, body: &Value) -> reqwest::RequestBuilder {
        post(
            &self.url,
            body,
            &[
                ("mcp-session-id", &self.id),
                ("mcp-protocol-version", &self.version),
            ],
        )
    }

    pub fn call(
        &self,
        id: i64,
        tool: &str,
        args: Value,
        progress: bool,
    ) -> reqwest::RequestBuilder {
        let mut params = json!({"name": tool, "arguments": args});
        if progress {
            params["_meta"] = json!({"progressToken": format!("p{id}")});
        }
        self.post(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
    }

    pub fn get(&self) -> reqwest::RequestBuilder {
        client()
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &self.id)
            .header("mcp-protocol-version", &self.version)
    }
}

/// One parsed SSE event; comments are collected separately.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Option<String>,
    pub retry: Option<u64>,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("{e}: {:?}", self.data))
    }
}

/// Reads an SSE response incrementally.
pub struct SseReader {
    res: reqwest::Response,
    buf: String,
    pub comments: usize,
    pub headers: HeaderMap,
}

impl SseReader {
    pub fn new(res: reqwest::Response) -> Self {
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], "text/event-stream");
        SseReader {
            res,
            buf: String::new(),
            comments: 0,
            headers,
        }
    }

    /// The next event, or `None` at the end of the stream.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    retry: None,
                    data: String::new(),
                };
                let mut fields = 0;
                for line in block.lines().filter(|l| !l.is_empty()) {
                    if line.starts_with(':') {
                        self.comments += 1;
                        continue;
                    }
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    fields += 1;
                    match name {
                        "id" => event.id = Some(value.to_owned()),
                        "retry" => event.retry = Some(value.parse().unwrap()),
                        "data" => {
                            if !event.data.is_empty() {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                        }
                        "event" => assert_eq!(value, "message"),
                        other => panic!("unexpected SSE field {other:?}"),
                    }
                }
                if fields == 0 {
                    continue; // a keep-alive comment block
                }
                return Some(event);
            }
            match self.res.chunk().await.unwrap() {
                Some(chunk) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                None => {
                    assert!(self.buf.trim().is_empty(), "trailing bytes {:?}", self.buf);
                    return None;
                }
            }
        }
    }

    /// Reads until a keep-alive comment arrived; returns the events seen meanwhile.
    pub async fn until_comment(&mut self) -> Vec<Event> {
        let mut seen = Vec::new();
        while self.comments == 0 {
            if let Some(end) = self.buf.find("\n\n") {
                if self.buf[..end].lines().all(|l| l.starts_with(':')) {
                    self.buf.drain(..end + 2);
                    self.comments += 1;
                    continue;
                }
                seen.extend(self.next().await);
                continue;
            }
            match self.res.chunk().await.unwrap() {
                Some(chunk) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                None => panic!("stream ended before a keep-alive comment"),
            }
        }
        seen
    }

    /// Every remaining event.
    pub async fn rest(&mut self) -> Vec<Event> {
        let mut all = Vec::new();
        while let Some(e) = self.next().await {
            all.push(e);
        }
        all
    }
}

/// `notifications/progress` values and the final result text of a list of events.
pub fn summarize(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| {
            let v = e.json();
            if v["method"] == "notifications/progress" {
                format!("progress {}", v["params"]["progress"])
            } else if let Some(text) = v["result"]["content"][0]["text"].as_str() {
                format!("result {} {text}", v["id"])
            } else {
                format!("other {v}")
            }
        })
        .collect()
}

/// Raises this process's open-file limit to at least `want` (up to the hard limit, and
/// beyond it when running as root), for tests that open thousands of sockets. Returns
/// the soft limit in effect.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is `u64` on Linux, not everywhere
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < want as libc::rlim_t {
            let raised = libc::rlimit {
                rlim_cur: (want as libc::rlim_t).max(lim.rlim_cur),
                rlim_max: lim.rlim_max.max(want as libc::rlim_t),
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                let capped = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &capped);
            }
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    lim.rlim_cur as u64
}

/// A session-era `initialize` request with id `id`.
pub fn initialize_request(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "test", "version": "1"}}})
}

/// Raises the open-file limit to `want` for a test that opens thousands of sockets.
/// Where the hard limit does not allow it (and the test is not root), prints a visible
/// skip notice and returns false; under `CI=true` it fails instead.
#[cfg(unix)]
pub fn enough_files_or_skip(want: u64) -> bool {
    let got = raise_fd_limit(want);
    if got >= want {
        return true;
    }
    let notice = format!(
        "SKIPPED: this test needs {want} open files and RLIMIT_NOFILE allows {got}; \
         raise the hard limit (`ulimit -Hn {want}` as root) to run it"
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{notice}");
    // Straight to stderr: the test harness captures `println!`/`eprintln!` of passing
    // tests.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{notice}");
    false
}
