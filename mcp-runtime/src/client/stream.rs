//! Newline-delimited JSON-RPC to a server over a byte stream: a child process's stdio or
//! any reader/writer pair. Same framing as the server side (`transport::lines`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{ClientError, EventReceiver, EventSender, Incoming, Outgoing, Router};
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::RequestId;
use crate::transport::lines::{next_line, Line};

/// Largest message accepted from a server.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// A child process to run.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub(crate) program: String,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

impl Command {
    pub(crate) fn new(program: String, args: Vec<String>) -> Self {
        Command {
            program,
            args,
            env: Vec::new(),
        }
    }
}

pub(crate) struct BoxedIo {
    pub(crate) reader: Box<dyn AsyncRead + Unpin + Send>,
    pub(crate) writer: Box<dyn AsyncWrite + Unpin + Send>,
}

pub(crate) struct StreamLink {
    out: mpsc::Sender<Vec<u8>>,
    pending: Mutex<HashMap<RequestId, Arc<EventSender>>>,
    router: Arc<Router>,
    closed: CancellationToken,
    reason: Mutex<Option<String>>,
    child: tokio::sync::Mutex<Option<tokio::process::Child>>,
}

impl StreamLink {
    pub(crate) fn spawn(cmd: Command, router: Arc<Router>) -> Result<Arc<Self>, ClientError> {
        let mut child = tokio::process::Command::new(&cmd.program)
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ClientError::Transport(format!("cannot start `{}`: {e}", cmd.program)))?;
        let io = BoxedIo {
            reader: Box::new(child.stdout.take().expect("piped stdout")),
            writer: Box::new(child.stdin.take().expect("piped stdin")),
        };
        Ok(Self::over(io, router, Some(child)))
    }

    pub(crate) fn over(
        io: BoxedIo,
        router: Arc<Router>,
        child: Option<tokio::process::Child>,
    ) -> Arc<Self> {
        let (out, rx) = mpsc::channel(1024);
        let link = Arc::new(StreamLink {
            out,
            pending: Mutex::default(),
            router,
            closed: CancellationToken::new(),
            reason: Mutex::default(),
            child: tokio::sync::Mutex::new(child),
        });
        tokio::spawn(write_loop(io.writer, rx, link.closed.clone()));
        tokio::spawn(read_loop(
            io.reader,
            Arc::downgrade(&link),
            link.closed.clone(),
        ));
        link
    }

    pub(crate) fn router(&self) -> &Arc<Router> {
        &self.router
    }

    pub(crate) async fn start(&self, out: Outgoing) -> Result<EventReceiver, ClientError> {
        if let Some(reason) = self.closed_reason() {
            return Err(ClientError::Closed(reason));
        }
        let (tx, rx) = super::exchange::events();
        self.pending
            .lock()
            .expect("pending lock")
            .insert(out.id.clone(), Arc::new(tx));
        if let Err(e) = self.send(out.body).await {
            self.pending.lock().expect("pending lock").remove(&out.id);
            return Err(e);
        }
        Ok(rx)
    }

    pub(crate) async fn send(&self, line: Vec<u8>) -> Result<(), ClientError> {
        if self.out.send(line).await.is_err() {
            return Err(ClientError::Closed(
                self.closed_reason()
                    .unwrap_or_else(|| "the connection closed".into()),
            ));
        }
        Ok(())
    }

    /// Stops waiting for `id` and tells the server (`notifications/cancelled`).
    pub(crate) fn cancel(&self, id: &RequestId) {
        if self
            .pending
            .lock()
            .expect("pending lock")
            .remove(id)
            .is_none()
        {
            return;
        }
        let notice = jsonrpc::notification(
            "notifications/cancelled",
            &serde_json::json!({ "requestId": id, "reason": "the client gave up on the request" }),
        );
        let _ = self.out.try_send(notice);
    }

    pub(crate) fn closed_token(&self) -> CancellationToken {
        self.closed.clone()
    }

    pub(crate) fn closed_reason(&self) -> Option<String> {
        self.reason.lock().expect("reason lock").clone()
    }

    fn fail(&self, reason: String) {
        self.reason
            .lock()
            .expect("reason lock")
            .get_or_insert(reason);
        self.closed.cancel();
        // Dropping the senders ends every exchange with `Failed(Closed)`.
        self.pending.lock().expect("pending lock").clear();
    }

    pub(crate) async fn close(&self) {
        self.fail("the client closed the connection".into());
        let mut child = self.child.lock().await;
        if let Some(child) = child.as_mut() {
            // stdin is closed by the writer ending; give the server a moment to exit.
            if tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }

    /// Hands a message to the exchange it belongs to, or to the client's handlers.
    async fn route(self: &Arc<Self>, msg: Message) {
        match msg {
            Message::Response(r) => {
                let tx = self.pending.lock().expect("pending lock").remove(&r.id);
                match tx {
                    Some(tx) => {
                        tx.send(Incoming::Result(r.outcome));
                    }
                    None => tracing::debug!(id = %r.id, "response to no pending request"),
                }
            }
            Message::Notification(n) => {
                let params: Value = n
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p.get()).ok())
                    .unwrap_or(Value::Null);
                let method = n.method.into_string();
                let target = match method.as_str() {
                    "notifications/progress" => params
                        .get("progressToken")
                        .and_then(|t| serde_json::from_value::<RequestId>(t.clone()).ok())
                        .and_then(|token| self.pending_sender(&token)),
                    // stdio carries no correlation for logs: the one request in flight, if
                    // there is exactly one.
                    "notifications/message" => self.only_pending(),
                    _ => None,
                };
                match target {
                    Some(tx) => {
                        tx.send(Incoming::Notification { method, params });
                    }
                    None => self.router.notify(method, params),
                }
            }
            Message::Request(req) => {
                let params: Value = req
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p.get()).ok())
                    .unwrap_or(Value::Null);
                let id = serde_json::to_value(&req.id).unwrap_or(Value::Null);
                let method = req.method.into_string();
                if method != "ping" {
                    if let Some(tx) = self.only_pending() {
                        tx.send(Incoming::Request { id, method, params });
                        return;
                    }
                }
                let link = self.clone();
                tokio::spawn(async move {
                    let answer = link.router.answer(method, params).await;
                    let body = match answer {
                        Ok(result) => {
                            serde_json::json!({ "jsonrpc": "2.0", "id": id, "result": result })
                        }
                        Err(error) => {
                            serde_json::json!({ "jsonrpc": "2.0", "id": id, "error": error })
                        }
                    };
                    if let Ok(body) = serde_json::to_vec(&body) {
                        let _ = link.send(body).await;
                    }
                });
            }
        }
    }

    fn pending_sender(&self, id: &RequestId) -> Option<Arc<EventSender>> {
        self.pending.lock().expect("pending lock").get(id).cloned()
    }

    fn only_pending(&self) -> Option<Arc<EventSender>> {
        let pending = self.pending.lock().expect("pending lock");
        (pending.len() == 1)
            .then(|| pending.values().next().cloned())
            .flatten()
    }
}

async fn write_loop(
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    mut rx: mpsc::Receiver<Vec<u8>>,
    closed: CancellationToken,
) {
    let mut w = BufWriter::new(writer);
    let result: std::io::Result<()> = async {
        loop {
            let msg = tokio::select! {
                msg = rx.recv() => msg,
                _ = closed.cancelled() => None,
            };
            let Some(msg) = msg else { break };
            w.write_all(&msg).await?;
            w.write_all(b"\n").await?;
            while let Ok(msg) = rx.try_recv() {
                w.write_all(&msg).await?;
                w.write_all(b"\n").await?;
            }
            w.flush().await?;
        }
        w.shutdown().await
    }
    .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "client output closed");
    }
}

async fn read_loop(
    reader: Box<dyn AsyncRead + Unpin + Send>,
    link: std::sync::Weak<StreamLink>,
    closed: CancellationToken,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut bytes = Vec::new();
    let reason = loop {
        let line = tokio::select! {
            line = next_line(&mut reader, &mut bytes, MAX_MESSAGE_BYTES) => line,
            _ = closed.cancelled() => break None,
        };
        match line {
            Ok(Line::Message) => {}
            Ok(Line::Eof) => break Some("the server closed its output".to_owned()),
            Ok(Line::TooLong) => {
                tracing::warn!(
                    "a message from the server exceeded {MAX_MESSAGE_BYTES} bytes; skipped"
                );
                continue;
            }
            Err(e) => break Some(format!("reading from the server failed: {e}")),
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(link) = link.upgrade() else { return };
        match jsonrpc::parse(&bytes) {
            Ok(msg) => link.route(msg).await,
            Err(rejected) => tracing::debug!(
                error = %rejected.error.message,
                "unparseable message from the server"
            ),
        }
    };
    let Some(link) = link.upgrade() else { return };
    let Some(mut reason) = reason else { return };
    // A child that exited says how.
    let mut child = link.child.lock().await;
    if let Some(child) = child.as_mut() {
        if let Ok(Ok(status)) = tokio::time::timeout(Duration::from_millis(200), child.wait()).await
        {
            reason = format!("the server process exited ({status})");
        }
    }
    drop(child);
    link.fail(reason);
}
