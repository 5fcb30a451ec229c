//! A small typed client for tests: it runs a [`Server`] over an in-memory pipe and
//! speaks either protocol era. Every helper returns the protocol's typed result, and
//! what its API takes ([`json!`], [`Value`], [`ErrorObject`]) is re-exported here, so a
//! test needs no `serde_json` of its own.
//!
//! The facade's `mcpserve::testing` shows a complete example.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Re-exported so tests build arguments and answers without depending on `serde_json`.
pub use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use crate::protocol::types::{CallToolResult, Content, ResourceContents, Tool};
pub use crate::protocol::ErrorObject;
pub use crate::protocol::{
    CompleteResult, Completion, GetPromptResult, Prompt, PromptMessage, ReadResourceResult,
    Resource, ResourceTemplate,
};
use crate::protocol::{meta, ProtocolVersion};
use crate::server::{Server, ServerBuilder};

type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Result<Value, ErrorObject>>>>>;
type Writer = Arc<tokio::sync::Mutex<tokio::io::WriteHalf<tokio::io::DuplexStream>>>;
type RequestHandler = Arc<dyn Fn(&str, &Value) -> Result<Value, ErrorObject> + Send + Sync>;

/// Why a test client call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc(ErrorObject),
    /// No answer within the timeout, or the connection closed.
    Transport(String),
    /// The tool answered with a tool error (`isError: true`) where a value was expected
    /// ([`TestClient::call_as`]); the result is kept whole.
    Tool(CallToolResult),
    /// The answer did not have the expected shape.
    Decode(String),
}

impl ClientError {
    /// The JSON-RPC error, if the server answered with one.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc(e) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Rpc(e) => write!(f, "JSON-RPC error {}: {}", e.code, e.message),
            ClientError::Transport(e) => write!(f, "transport: {e}"),
            ClientError::Tool(r) => write!(f, "tool error: {}", r.text()),
            ClientError::Decode(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A client connected to a server over an in-memory pipe.
pub struct TestClient {
    writer: Writer,
    pending: Pending,
    notifications: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    next_id: AtomicI64,
    modern_meta: Option<Value>,
    handler: Arc<Mutex<Option<RequestHandler>>>,
    silent: Arc<std::sync::atomic::AtomicBool>,
    timeout: Duration,
    _reader: JoinHandle<()>,
    _server: JoinHandle<()>,
}

/// Anything a test client can be started from.
pub trait IntoTestServer {
    /// Builds the server.
    fn into_test_server(self) -> Server;
}

impl IntoTestServer for Server {
    fn into_test_server(self) -> Server {
        self
    }
}

impl IntoTestServer for ServerBuilder {
    fn into_test_server(self) -> Server {
        self.build().expect("server failed to build")
    }
}

impl TestClient {
    /// Connects without any handshake.
    pub fn connect(server: impl IntoTestServer) -> Self {
        let server = server.into_test_server();
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_io);
        let server_task = tokio::spawn(async move {
            if let Err(e) = server.serve_io(server_read, server_write).await {
                tracing::debug!(error = %e, "test server stopped");
            }
        });
        let (read, write) = tokio::io::split(client_io);
        let pending: Pending = Arc::default();
        let handler: Arc<Mutex<Option<RequestHandler>>> = Arc::default();
        let (ntx, nrx) = mpsc::unbounded_channel();
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(write));
        let silent: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let reader = tokio::spawn(read_loop(
            read,
            pending.clone(),
            ntx,
            (handler.clone(), silent.clone()),
            writer.clone(),
        ));
        TestClient {
            writer,
            pending,
            notifications: tokio::sync::Mutex::new(nrx),
            next_id: AtomicI64::new(1),
            modern_meta: None,
            handler,
            silent,
            timeout: Duration::from_secs(10),
            _reader: reader,
            _server: server_task,
        }
    }

    /// Connects and performs the session-era handshake (`initialize` at 2025-11-25 with
    /// the given client capabilities, then `notifications/initialized`).
    pub async fn session_with(
        server: impl IntoTestServer,
        capabilities: Value,
    ) -> Result<Self, ClientError> {
        let client = Self::connect(server);
        client
            .request(
                "initialize",
                json!({
                    "protocolVersion": ProtocolVersion::LATEST_SESSION.as_str(),
                    "capabilities": capabilities,
                    "clientInfo": { "name": "mcpserve-test-client", "version": "1.0.0" }
                }),
            )
            .await?;
        client
            .notify("notifications/initialized", json!({}))
            .await?;
        Ok(client)
    }

    /// [`session_with`](Self::session_with) and no client capabilities.
    pub async fn session(server: impl IntoTestServer) -> Result<Self, ClientError> {
        Self::session_with(server, json!({})).await
    }

    /// A 2026-07-28 client: every request carries `_meta` with the version and these capabilities.
    pub fn sessionless_with(server: impl IntoTestServer, capabilities: Value) -> Self {
        let mut client = Self::connect(server);
        client.modern_meta = Some(json!({
            meta::PROTOCOL_VERSION: ProtocolVersion::V2026_07_28.as_str(),
            meta::CLIENT_CAPABILITIES: capabilities,
            meta::CLIENT_INFO: { "name": "mcpserve-test-client", "version": "1.0.0" },
        }));
        client
    }

    /// [`sessionless_with`](Self::sessionless_with) and no client capabilities.
    pub fn sessionless(server: impl IntoTestServer) -> Self {
        Self::sessionless_with(server, json!({}))
    }

    /// Answers server-to-client requests (sampling, elicitation, roots) with `handler`.
    pub fn on_request(
        &self,
        handler: impl Fn(&str, &Value) -> Result<Value, ErrorObject> + Send + Sync + 'static,
    ) {
        *self.handler.lock().expect("handler lock") = Some(Arc::new(handler));
    }

    /// Stops answering server-to-client requests (they are still surfaced as
    /// notifications), to test what a server does with a client that never replies.
    pub fn stop_answering(&self) {
        self.silent.store(true, Ordering::Relaxed);
    }

    /// The next notification if one is already queued, without waiting.
    pub fn try_next_notification(&self) -> Option<Value> {
        let mut rx = self.notifications.try_lock().ok()?;
        // Polled once, not `try_recv`: that parks the thread while a send is in progress,
        // on the parker a `block_on` (a `#[tokio::test]`) sleeps on, and can swallow its
        // wake-up (see `dispatch::take_queued`).
        let next = std::pin::pin!(tokio::task::unconstrained(rx.recv()));
        match std::future::Future::poll(
            next,
            &mut std::task::Context::from_waker(std::task::Waker::noop()),
        ) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => None,
        }
    }

    /// The next notification, waiting at most `wait`.
    pub async fn next_notification_within(&self, wait: Duration) -> Option<Value> {
        let mut rx = self.notifications.lock().await;
        tokio::time::timeout(wait, rx.recv()).await.ok().flatten()
    }

    /// Calls a tool and returns the raw result object (an `input_required` result stays
    /// as it is).
    pub async fn call_tool_raw(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<Value, ClientError> {
        self.request(
            "tools/call",
            json!({ "name": name, "arguments": arguments }),
        )
        .await
    }

    /// Retries `method` with `params` after an `input_required` result: adds
    /// `inputResponses` and echoes `requestState` as the 2026 client rules require.
    pub async fn retry(
        &self,
        method: &str,
        params: Value,
        previous: &Value,
        input_responses: Value,
    ) -> Result<Value, ClientError> {
        let mut params = params;
        params["inputResponses"] = input_responses;
        if let Some(state) = previous.get("requestState") {
            params["requestState"] = state.clone();
        }
        self.request(method, params).await
    }

    /// Sends `method` and, while the result is `input_required`, answers every input
    /// request with the [`on_request`](Self::on_request) handler and retries, the way a
    /// 2026 client does. Returns the final result and the number of rounds.
    pub async fn request_resolving_inputs(
        &self,
        method: &str,
        params: Value,
    ) -> Result<(Value, usize), ClientError> {
        let mut result = self.request(method, params.clone()).await?;
        let mut rounds = 1;
        while result.get("resultType").and_then(Value::as_str) == Some("input_required") {
            let handler = self.handler.lock().expect("handler lock").clone();
            let mut responses = serde_json::Map::new();
            if let Some(Value::Object(requests)) = result.get("inputRequests") {
                for (key, request) in requests {
                    let method = request["method"].as_str().unwrap_or_default();
                    let answer = match &handler {
                        Some(h) => h(method, request.get("params").unwrap_or(&Value::Null)),
                        None => Err(ErrorObject {
                            code: -32601,
                            message: "Method not found".into(),
                            data: None,
                        }),
                    };
                    let answer = answer.map_err(ClientError::Rpc)?;
                    responses.insert(key.clone(), answer);
                }
            }
            result = self
                .retry(method, params.clone(), &result, Value::Object(responses))
                .await?;
            rounds += 1;
            if rounds > 16 {
                return Err(ClientError::Transport("more than 16 input rounds".into()));
            }
        }
        Ok((result, rounds))
    }

    /// Sends a request and waits for its result.
    pub async fn request(
        &self,
        method: &str,
        params: impl Serialize,
    ) -> Result<Value, ClientError> {
        let mut params =
            serde_json::to_value(params).map_err(|e| ClientError::Transport(e.to_string()))?;
        if let (Some(m), Value::Object(p)) = (&self.modern_meta, &mut params) {
            let entry = p.entry("_meta").or_insert_with(|| json!({}));
            if let (Value::Object(dst), Value::Object(src)) = (entry, m) {
                for (k, v) in src {
                    dst.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending lock").insert(id, tx);
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await?;
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => Err(ClientError::Rpc(e)),
            Ok(Err(_)) => Err(ClientError::Transport("connection closed".into())),
            Err(_) => Err(ClientError::Transport(format!(
                "no response to `{method}` within {:?}",
                self.timeout
            ))),
        }
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: impl Serialize) -> Result<(), ClientError> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await
    }

    /// Sends any JSON value as one line.
    pub async fn send(&self, message: &Value) -> Result<(), ClientError> {
        self.send_raw(&message.to_string()).await
    }

    /// Sends raw text as one line (for malformed-input tests).
    pub async fn send_raw(&self, line: &str) -> Result<(), ClientError> {
        let mut w = self.writer.lock().await;
        let io = |e: std::io::Error| ClientError::Transport(e.to_string());
        w.write_all(line.as_bytes()).await.map_err(io)?;
        w.write_all(b"\n").await.map_err(io)?;
        w.flush().await.map_err(io)
    }

    /// The next notification (or unsolicited message) from the server.
    pub async fn next_notification(&self) -> Option<Value> {
        let mut rx = self.notifications.lock().await;
        tokio::time::timeout(self.timeout, rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Every tool, following cursors.
    pub async fn list_tools(&self) -> Result<Vec<Tool>, ClientError> {
        self.list_all("tools/list", "tools").await
    }

    /// Every resource of `resources/list`, following cursors.
    pub async fn list_resources(&self) -> Result<Vec<Resource>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// Every resource template, following cursors.
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// Every prompt, following cursors.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    async fn list_all<T: DeserializeOwned>(
        &self,
        method: &str,
        field: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({ "cursor": c }),
                None => json!({}),
            };
            let mut page = self.request(method, params).await?;
            let batch: Vec<T> = decode(method, page[field].take())?;
            items.extend(batch);
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// Sends a request that may need input: a 2026 client answers `input_required`
    /// results with the [`on_request`](Self::on_request) handler and retries, so the same
    /// test code covers server-to-client requests in both eras.
    async fn request_with_inputs(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        if self.modern_meta.is_some() {
            Ok(self.request_resolving_inputs(method, params).await?.0)
        } else {
            self.request(method, params).await
        }
    }

    /// Calls a tool. A tool error is an `Ok` result with `is_error` set (check it, or use
    /// [`call_as`](Self::call_as)); protocol errors are `Err(ClientError::Rpc)`.
    pub async fn call(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<CallToolResult, ClientError> {
        let params = json!({ "name": name, "arguments": arguments });
        decode("tools/call", self.request_with_inputs("tools/call", params).await?)
    }

    /// Same as [`call`](Self::call).
    #[doc(hidden)]
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<CallToolResult, ClientError> {
        self.call(name, arguments).await
    }

    /// Calls a tool and decodes its value: the structured content if there is one, else
    /// the text read as JSON (`42`, `"x"`), else the text itself as a string. A tool
    /// error is `Err(ClientError::Tool)`.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<T, ClientError> {
        let result = self.call(name, arguments).await?;
        if result.is_error {
            return Err(ClientError::Tool(result));
        }
        if let Some(v) = &result.structured_content {
            return decode("tools/call", v.clone());
        }
        let text = result.text();
        match serde_json::from_str::<T>(&text) {
            Ok(v) => Ok(v),
            Err(_) => decode("tools/call", Value::String(text)),
        }
    }

    /// Reads a resource (answering input rounds like [`call`](Self::call)).
    pub async fn read(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        let params = json!({ "uri": uri });
        decode(
            "resources/read",
            self.request_with_inputs("resources/read", params).await?,
        )
    }

    /// Renders a prompt with its arguments (strings on the wire: `json!({ "code": ".." })`).
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<GetPromptResult, ClientError> {
        let params = json!({ "name": name, "arguments": arguments });
        decode(
            "prompts/get",
            self.request_with_inputs("prompts/get", params).await?,
        )
    }

    /// Completes a prompt argument from a partial `value`.
    pub async fn complete_prompt_argument(
        &self,
        prompt: &str,
        argument: &str,
        value: &str,
    ) -> Result<Completion, ClientError> {
        self.complete(json!({ "type": "ref/prompt", "name": prompt }), argument, value)
            .await
    }

    /// Completes a variable of a resource template (`uri_template` as written on the
    /// `#[resource]`) from a partial `value`.
    pub async fn complete_resource_variable(
        &self,
        uri_template: &str,
        variable: &str,
        value: &str,
    ) -> Result<Completion, ClientError> {
        self.complete(
            json!({ "type": "ref/resource", "uri": uri_template }),
            variable,
            value,
        )
        .await
    }

    async fn complete(
        &self,
        reference: Value,
        argument: &str,
        value: &str,
    ) -> Result<Completion, ClientError> {
        let params = json!({ "ref": reference, "argument": { "name": argument, "value": value } });
        let result: CompleteResult =
            decode("completion/complete", self.request("completion/complete", params).await?)?;
        Ok(result.completion)
    }

    /// Pings the server (session era).
    pub async fn ping(&self) -> Result<(), ClientError> {
        self.request("ping", json!({})).await.map(drop)
    }
}

fn decode<T: DeserializeOwned>(method: &str, value: Value) -> Result<T, ClientError> {
    serde_json::from_value(value)
        .map_err(|e| ClientError::Decode(format!("bad {method} result: {e}")))
}

async fn read_loop(
    read: tokio::io::ReadHalf<tokio::io::DuplexStream>,
    pending: Pending,
    notifications: mpsc::UnboundedSender<Value>,
    (handler, silent): (
        Arc<Mutex<Option<RequestHandler>>>,
        Arc<std::sync::atomic::AtomicBool>,
    ),
    writer: Writer,
) {
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            let _ = notifications.send(json!({ "unparseable": line }));
            continue;
        };
        let id = msg.get("id").and_then(Value::as_i64);
        if let (Some(method), Some(_)) = (msg.get("method").and_then(Value::as_str), msg.get("id"))
        {
            // A server-to-client request: surface it and answer it.
            let _ = notifications.send(msg.clone());
            if silent.load(Ordering::Relaxed) {
                continue;
            }
            let h = handler.lock().expect("handler lock").clone();
            let reply = match h {
                _ if method == "ping" => Ok(json!({})),
                Some(h) => h(method, msg.get("params").unwrap_or(&Value::Null)),
                None => Err(ErrorObject {
                    code: -32601,
                    message: "Method not found".into(),
                    data: None,
                }),
            };
            let response = match reply {
                Ok(result) => json!({ "jsonrpc": "2.0", "id": msg["id"], "result": result }),
                Err(error) => json!({ "jsonrpc": "2.0", "id": msg["id"], "error": error }),
            };
            let mut w = writer.lock().await;
            let _ = w.write_all(format!("{response}\n").as_bytes()).await;
            let _ = w.flush().await;
            continue;
        }
        match (id, msg.get("method")) {
            (Some(id), None) => {
                let waiter = pending.lock().expect("pending lock").remove(&id);
                if waiter.is_none() {
                    // A response nobody waits for (e.g. to a raw `send`): surface it.
                    let _ = notifications.send(msg);
                    continue;
                }
                if let Some(tx) = waiter {
                    let outcome = match msg.get("error") {
                        Some(e) => Err(serde_json::from_value(e.clone()).unwrap_or(ErrorObject {
                            code: 0,
                            message: e.to_string(),
                            data: None,
                        })),
                        None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
                    };
                    let _ = tx.send(outcome);
                }
            }
            _ => {
                let _ = notifications.send(msg);
            }
        }
    }
}
