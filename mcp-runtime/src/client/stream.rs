//! Newline-delimited JSON-RPC to a server over a byte stream: a child process's stdio or
//! any reader/writer pair. Same framing as the server side (`transport::lines`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::closing::Closing;
use super::{ClientError, EventReceiver, EventSender, Incoming, Outgoing, Router};
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::RequestId;
use crate::transport::lines::{next_line, Line};

/// Largest message accepted from a server.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Bytes queued for the server before senders wait for the writer (a server that stops
/// reading cannot grow the client's memory without bound).
const MAX_BACKLOG_BYTES: usize = 4 * 1024 * 1024;

/// What became of a line offered to the outbox.
enum Enqueued {
    Queued,
    Full,
    Closed,
}

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

/// Requests waiting for their answer, by id (the client's own sequential numbers: a
/// multiplicative hash is enough, SipHash's flood resistance is not needed).
type Pending = HashMap<RequestId, EventSender, BuildHasherDefault<IdHasher>>;

#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

/// Lines waiting for the writer. Senders append and wake the writer only when it has
/// nothing to do; the writer takes everything queued and writes it at once, so a burst
/// of requests is one write to the pipe and one wake-up, and no message changes threads.
struct Outbox {
    queue: Mutex<Queued>,
    /// Something was queued while the writer was idle.
    ready: Notify,
    /// The writer took the queue (senders over the backlog limit wait for this).
    drained: Notify,
}

struct Queued {
    bytes: Vec<u8>,
    closed: bool,
}

pub(crate) struct StreamLink {
    out: Arc<Outbox>,
    pending: Mutex<Pending>,
    router: Arc<Router>,
    pub(super) closing: Closing,
    child: tokio::sync::Mutex<Option<tokio::process::Child>>,
}

impl StreamLink {
    pub(crate) fn spawn(cmd: Command, router: Arc<Router>) -> Result<Arc<Self>, ClientError> {
        let mut command = tokio::process::Command::new(&cmd.program);
        command
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            // Dropping the link (or the runtime) kills the child; `close` first gives it
            // end of file and a grace period.
            .kill_on_drop(true);
        let mut child = spawn_child(command)
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
        let out = Arc::new(Outbox {
            queue: Mutex::new(Queued {
                bytes: Vec::new(),
                closed: false,
            }),
            ready: Notify::new(),
            drained: Notify::new(),
        });
        let link = Arc::new(StreamLink {
            out: out.clone(),
            pending: Mutex::default(),
            router,
            closing: Closing::new("the connection closed"),
            child: tokio::sync::Mutex::new(child),
        });
        tokio::spawn(write_loop(io.writer, out, link.closing.token.clone()));
        tokio::spawn(read_loop(
            io.reader,
            Arc::downgrade(&link),
            link.closing.token.clone(),
        ));
        link
    }

    pub(crate) fn router(&self) -> &Arc<Router> {
        &self.router
    }

    pub(crate) async fn start(&self, out: Outgoing) -> Result<EventReceiver, ClientError> {
        if self.closing.is_closed() {
            return Err(self.closing.error());
        }
        let (tx, rx) = super::exchange::events();
        self.pending
            .lock()
            .expect("pending lock")
            .insert(out.id.clone(), tx);
        let sent = match self.enqueue(&out.body) {
            Enqueued::Queued => Ok(()),
            Enqueued::Closed => Err(self.closing.error()),
            // Boxed: the wait's state would otherwise be part of every request's future.
            Enqueued::Full => Box::pin(self.send(out.body)).await,
        };
        if let Err(e) = sent {
            self.pending.lock().expect("pending lock").remove(&out.id);
            return Err(e);
        }
        Ok(rx)
    }

    /// Queues `line` if the backlog has room.
    fn enqueue(&self, line: &[u8]) -> Enqueued {
        let mut q = self.out.queue.lock().expect("outbox lock");
        if q.closed {
            return Enqueued::Closed;
        }
        if q.bytes.len() >= MAX_BACKLOG_BYTES {
            return Enqueued::Full;
        }
        let wake = q.bytes.is_empty();
        q.bytes.extend_from_slice(line);
        q.bytes.push(b'\n');
        drop(q);
        if wake {
            self.out.ready.notify_one();
        }
        Enqueued::Queued
    }

    pub(crate) async fn send(&self, line: Vec<u8>) -> Result<(), ClientError> {
        loop {
            // Registered before looking, so a drain in between is not missed.
            let drained = self.out.drained.notified();
            match self.enqueue(&line) {
                Enqueued::Queued => return Ok(()),
                Enqueued::Closed => return Err(self.closing.error()),
                Enqueued::Full => drained.await,
            }
        }
    }

    /// Queues a line without waiting (dropped when the backlog is full).
    fn try_send(&self, line: &[u8]) {
        let _ = self.enqueue(line);
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
        self.try_send(&notice);
    }

    fn fail(&self, reason: String) {
        self.closing.close(reason);
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

    /// Ends the request a message that is not valid JSON-RPC answers, when it is
    /// response-shaped (an object with no `method`) and names a request in flight:
    /// ignoring it would leave that request waiting for ever. False when it is not that.
    fn fail_answered(&self, bytes: &[u8], why: &str) -> bool {
        // The error path only: a second, general parse costs nothing that matters here.
        let Ok(Value::Object(msg)) = serde_json::from_slice::<Value>(bytes) else {
            return false;
        };
        if msg.contains_key("method") {
            return false;
        }
        let Some(id) = msg
            .get("id")
            .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok())
        else {
            return false;
        };
        let Some(tx) = self.pending.lock().expect("pending lock").remove(&id) else {
            return false;
        };
        tx.send(Incoming::Failed(ClientError::Transport(format!(
            "the server's answer to request {id} is not a JSON-RPC response: {why}"
        ))));
        true
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
                let event = Incoming::Notification { method, params };
                let unclaimed = match &event {
                    Incoming::Notification { method, params } => match method.as_str() {
                        "notifications/progress" => match params
                            .get("progressToken")
                            .and_then(|t| serde_json::from_value::<RequestId>(t.clone()).ok())
                        {
                            Some(token) => self.send_to(&token, event),
                            None => Some(event),
                        },
                        // stdio carries no correlation for logs: the one request in
                        // flight, if there is exactly one.
                        "notifications/message" => self.send_to_only(event),
                        _ => Some(event),
                    },
                    _ => Some(event),
                };
                if let Some(Incoming::Notification { method, params }) = unclaimed {
                    self.router.notify(method, params);
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
                let (id, method, params) = if method != "ping" {
                    match self.send_to_only(Incoming::Request { id, method, params }) {
                        None => return,
                        Some(Incoming::Request { id, method, params }) => (id, method, params),
                        Some(_) => return,
                    }
                } else {
                    (id, method, params)
                };
                let link = self.clone();
                tokio::spawn(async move {
                    let answer = link.router.answer(method, params).await;
                    if let Ok(body) = super::response(id, answer) {
                        let _ = link.send(body).await;
                    }
                });
            }
        }
    }

    /// Hands `event` to the request `id`; gives it back when there is no such request.
    fn send_to(&self, id: &RequestId, event: Incoming) -> Option<Incoming> {
        match self.pending.lock().expect("pending lock").get(id) {
            Some(tx) => {
                tx.send(event);
                None
            }
            None => Some(event),
        }
    }

    /// Hands `event` to the one request in flight, if there is exactly one.
    fn send_to_only(&self, event: Incoming) -> Option<Incoming> {
        let pending = self.pending.lock().expect("pending lock");
        match pending.values().next() {
            Some(tx) if pending.len() == 1 => {
                tx.send(event);
                None
            }
            _ => Some(event),
        }
    }
}

/// Starts a server's child process. On Linux the child also dies with this process,
/// however it ends (`SIGKILL` included): it is started with `PR_SET_PDEATHSIG` set to
/// `SIGKILL`. That signal fires when the *thread* that forked the child exits, not the
/// process, so children are forked on one thread kept for the process's lifetime rather
/// than on whichever runtime thread asks (a blocking-pool thread retires when idle).
#[cfg(target_os = "linux")]
fn spawn_child(mut command: tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    use std::sync::mpsc as std_mpsc;
    use std::sync::OnceLock;

    type Reply = std_mpsc::SyncSender<std::io::Result<tokio::process::Child>>;
    type Job = (tokio::process::Command, tokio::runtime::Handle, Reply);
    static FORKER: OnceLock<Mutex<std_mpsc::Sender<Job>>> = OnceLock::new();

    let parent = std::process::id();
    // SAFETY: between fork and exec the closure calls only async-signal-safe functions
    // (prctl, getppid) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent died before the signal was armed: it will never come. (A raw OS
            // error: a message would allocate, which is not safe between fork and exec.)
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    let forker = FORKER.get_or_init(|| {
        let (tx, rx) = std_mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("mcp-child-forker".into())
            .spawn(move || {
                for (mut command, runtime, reply) in rx {
                    // The child is reaped by the caller's runtime.
                    let _entered = runtime.enter();
                    let _ = reply.send(command.spawn());
                }
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "no thread to start child processes on");
        }
        Mutex::new(tx)
    });
    let (reply, answer) = std_mpsc::sync_channel(1);
    let job = (command, tokio::runtime::Handle::current(), reply);
    if let Err(std_mpsc::SendError((mut command, _, _))) =
        forker.lock().expect("forker lock").send(job)
    {
        // No forker thread: start it here (the signal then follows this thread).
        return command.spawn();
    }
    // A fork and an exec: as long as `spawn` itself would block this thread.
    answer
        .recv()
        .unwrap_or_else(|_| Err(std::io::Error::other("the child process forker stopped")))
}

#[cfg(not(target_os = "linux"))]
fn spawn_child(mut command: tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    command.spawn()
}

impl Drop for StreamLink {
    fn drop(&mut self) {
        // Ends the writer (closing the server's input) once nobody can send any more.
        self.closing.token.cancel();
    }
}

async fn write_loop(
    mut writer: Box<dyn AsyncWrite + Unpin + Send>,
    out: Arc<Outbox>,
    closed: CancellationToken,
) {
    let mut batch = Vec::new();
    let mut stop = std::pin::pin!(closed.cancelled());
    let result: std::io::Result<()> = async {
        loop {
            let ready = out.ready.notified();
            {
                let mut q = out.queue.lock().expect("outbox lock");
                std::mem::swap(&mut q.bytes, &mut batch);
            }
            if batch.is_empty() {
                tokio::select! {
                    _ = ready => continue,
                    () = &mut stop => break,
                }
            }
            out.drained.notify_waiters();
            writer.write_all(&batch).await?;
            writer.flush().await?;
            batch.clear();
        }
        writer.shutdown().await
    }
    .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "client output closed");
    }
    let mut q = out.queue.lock().expect("outbox lock");
    q.closed = true;
    q.bytes = Vec::new();
    drop(q);
    out.drained.notify_waiters();
}

async fn read_loop(
    reader: Box<dyn AsyncRead + Unpin + Send>,
    link: std::sync::Weak<StreamLink>,
    closed: CancellationToken,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut bytes = Vec::new();
    // One waiter for the whole loop, looked at only when no line is ready: a waiter made
    // and dropped per line is two locks of the token's tree per response.
    let mut stop = std::pin::pin!(closed.cancelled());
    let reason = loop {
        let line = tokio::select! {
            biased;
            line = next_line(&mut reader, &mut bytes, MAX_MESSAGE_BYTES) => line,
            () = &mut stop => break None,
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
        match jsonrpc::parse_incoming_reply(&bytes) {
            Ok(msg) => link.route(msg).await,
            Err(rejected) => {
                if !link.fail_answered(&bytes, &rejected.error.message) {
                    tracing::debug!(
                        error = %rejected.error.message,
                        "unparseable message from the server"
                    );
                }
            }
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
