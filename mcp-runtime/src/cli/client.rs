//! The command line's client: the server runs in this process and the two talk over the
//! in-memory transport (`serve_io` on a duplex pipe, as `testing` does), so `call`
//! goes through exactly the dispatcher, validation and handlers a remote client gets.
//!
//! Unlike the test client it has no request timeout (a tool may wait for the person at
//! the terminal) and hands server-to-client requests and notifications to the caller as
//! events, so they can be answered asynchronously.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{ErrorObject, ProtocolVersion};
use crate::server::Server;

type Outcome = Result<Box<RawValue>, ErrorObject>;
type Pending = Arc<Mutex<HashMap<i64, oneshot::Sender<Outcome>>>>;

/// Something the server sent that is not a response.
pub(crate) enum Event {
    /// A request to the client (elicitation, roots).
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// A notification.
    Notification { method: String, params: Value },
}

pub(crate) struct InProcess {
    writer: tokio::sync::Mutex<WriteHalf<tokio::io::DuplexStream>>,
    pending: Pending,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    next_id: AtomicI64,
}

#[derive(Deserialize)]
struct Incoming {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default)]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

impl InProcess {
    /// Starts `server` on an in-memory pipe and performs the session-era handshake with
    /// `capabilities`.
    pub(crate) async fn start(server: Server, capabilities: Value) -> Result<Self, ErrorObject> {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_io);
        tokio::spawn(async move {
            if let Err(e) = server.serve_io(server_read, server_write).await {
                tracing::debug!(error = %e, "in-process server stopped");
            }
        });
        let (read, write) = tokio::io::split(client_io);
        let pending: Pending = Arc::default();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(read_loop(read, pending.clone(), tx));
        let client = InProcess {
            writer: tokio::sync::Mutex::new(write),
            pending,
            events: tokio::sync::Mutex::new(rx),
            next_id: AtomicI64::new(1),
        };
        client
            .request(
                "initialize",
                json!({
                    "protocolVersion": ProtocolVersion::LATEST_SESSION.as_str(),
                    "capabilities": capabilities,
                    "clientInfo": { "name": "mcpserve-cli", "version": env!("CARGO_PKG_VERSION") },
                }),
            )
            .await?;
        client.notify("notifications/initialized", json!({})).await;
        Ok(client)
    }

    /// The id the next request will get.
    pub(crate) fn peek_id(&self) -> i64 {
        self.next_id.load(Ordering::Relaxed)
    }

    /// Sends a request and waits (without a time limit) for its result, as raw JSON.
    pub(crate) async fn request(&self, method: &str, params: Value) -> Outcome {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending").insert(id, tx);
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        rx.await.unwrap_or_else(|_| {
            Err(ErrorObject {
                code: -32603,
                message: "the server stopped".into(),
                data: None,
            })
        })
    }

    /// Sends a notification.
    pub(crate) async fn notify(&self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await;
    }

    /// Answers a server-to-client request.
    pub(crate) async fn respond(&self, id: Value, outcome: Result<Value, ErrorObject>) {
        let msg = match outcome {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error }),
        };
        self.send(&msg).await;
    }

    /// The next event; `None` once the server has gone.
    pub(crate) async fn next_event(&self) -> Option<Event> {
        self.events.lock().await.recv().await
    }

    async fn send(&self, msg: &Value) {
        let mut w = self.writer.lock().await;
        let mut line = msg.to_string();
        line.push('\n');
        // A closed pipe means the server is gone; the pending request reports it.
        let _ = w.write_all(line.as_bytes()).await;
        let _ = w.flush().await;
    }
}

async fn read_loop(
    read: tokio::io::ReadHalf<tokio::io::DuplexStream>,
    pending: Pending,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(msg) = serde_json::from_str::<Incoming>(&line) else {
            tracing::debug!(%line, "unparseable message from the server");
            continue;
        };
        match (msg.id, msg.method) {
            (Some(id), Some(method)) => {
                let _ = events.send(Event::Request {
                    id,
                    method,
                    params: msg.params.unwrap_or(Value::Null),
                });
            }
            (None, Some(method)) => {
                let _ = events.send(Event::Notification {
                    method,
                    params: msg.params.unwrap_or(Value::Null),
                });
            }
            (Some(id), None) => {
                let Some(id) = id.as_i64() else { continue };
                let Some(tx) = pending.lock().expect("pending").remove(&id) else {
                    continue;
                };
                let outcome = match (msg.error, msg.result) {
                    (Some(e), _) => Err(e),
                    (None, Some(r)) => Ok(r),
                    (None, None) => Ok(RawValue::from_string("null".into()).expect("valid")),
                };
                let _ = tx.send(outcome);
            }
            (None, None) => {}
        }
    }
    // Dropping the senders wakes everyone still waiting.
    pending.lock().expect("pending").clear();
}
