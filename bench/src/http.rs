//! The HTTP load generator: C keep-alive HTTP/1.1 connections (TCP_NODELAY on the client
//! side), each doing POSTs back to back until the shared request budget or time runs out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;

use crate::stats::Sample;
use crate::wire::{self, Template};

type Res<T> = Result<T, String>;

/// Protocol version header of the session-era runs.
pub const SESSION_VERSION: &str = "2025-11-25";

/// One client connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    /// `Mcp-Session-Id` once a session is initialized.
    pub session: Option<String>,
}

/// A decoded response.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The JSON-RPC message (the last `data:` event of an SSE body), empty for 202.
    pub message: Bytes,
    /// `Mcp-Session-Id`, if sent.
    pub session: Option<String>,
}

impl Conn {
    /// Opens a keep-alive connection.
    pub async fn open(addr: &str) -> Res<Conn> {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        Ok(Conn {
            sender,
            host: addr.to_owned(),
            session: None,
        })
    }

    /// POSTs one JSON-RPC message to `/mcp`.
    pub async fn post(&mut self, body: Vec<u8>, version: &str, t: Option<&Template>) -> Res<Reply> {
        let mut req = Request::post("/mcp")
            .header("host", &self.host)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", version);
        if let Some(t) = t {
            req = req.header("mcp-method", t.method());
            if let Some(tool) = t.tool() {
                req = req.header("mcp-name", tool);
            }
        }
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.sender
            .ready()
            .await
            .map_err(|e| format!("conn: {e}"))?;
        let res = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = res.status().as_u16();
        let session = res
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let sse = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/event-stream"));
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        let message = if sse { last_event(&body) } else { body };
        Ok(Reply {
            status,
            message,
            session,
        })
    }

    /// Session-era handshake on this connection: `initialize`, then `initialized`.
    pub async fn initialize(&mut self) -> Res<()> {
        let r = self
            .post(wire::initialize(SESSION_VERSION), SESSION_VERSION, None)
            .await?;
        if r.status != 200 {
            return Err(format!(
                "initialize: HTTP {} {}",
                r.status,
                wire::preview(&r.message)
            ));
        }
        wire::check_response(&r.message)?;
        self.session = Some(r.session.ok_or("initialize: no Mcp-Session-Id")?);
        let r = self
            .post(wire::INITIALIZED.to_vec(), SESSION_VERSION, None)
            .await?;
        if r.status != 202 && r.status != 200 {
            return Err(format!("initialized: HTTP {}", r.status));
        }
        Ok(())
    }
}

/// The data of the last non-empty SSE event that holds a JSON object.
fn last_event(body: &[u8]) -> Bytes {
    let mut last: &[u8] = &[];
    for line in body.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(data) = line.strip_prefix(b"data:") {
            let data = data.strip_prefix(b" ").unwrap_or(data);
            if data.first() == Some(&b'{') {
                last = data;
            }
        }
    }
    Bytes::copy_from_slice(last)
}

/// How the HTTP run talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2026-07-28: every POST stands alone, `_meta` carries version and capabilities.
    Stateless,
    /// 2025-11-25: each connection initializes its own session first.
    Session,
}

/// `conns` connections share a budget of `n` requests (stopping after `max`).
pub async fn load(
    addr: &str,
    call: wire::Call,
    era: Era,
    conns: usize,
    n: u64,
    max: Duration,
) -> Res<Sample> {
    let t = Arc::new(Template::new(call, era == Era::Stateless));
    let version = match era {
        Era::Stateless => "2026-07-28",
        Era::Session => SESSION_VERSION,
    };
    let mut opened = Vec::with_capacity(conns);
    for _ in 0..conns {
        let mut c = Conn::open(addr).await?;
        if era == Era::Session {
            c.initialize().await?;
        }
        // One checked call per connection doubles as warm-up.
        let r = c.post(t.bytes(0), version, Some(&t)).await?;
        if r.status != 200 {
            return Err(format!("HTTP {}: {}", r.status, wire::preview(&r.message)));
        }
        wire::check_response(&r.message)?;
        opened.push(c);
    }
    let next = Arc::new(AtomicU64::new(1));
    let start = Instant::now();
    let deadline = start + max;
    let mut tasks = Vec::with_capacity(conns);
    for mut c in opened {
        let (t, next) = (t.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id > n || Instant::now() > deadline {
                    break;
                }
                let t0 = Instant::now();
                let r = c.post(t.bytes(id), version, Some(&t)).await?;
                if r.status != 200 || r.message.is_empty() {
                    return Err(format!("HTTP {}: {}", r.status, wire::preview(&r.message)));
                }
                lat.push(t0.elapsed().as_nanos() as u64);
            }
            Ok::<_, String>(lat)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok(Sample::from_latencies(all, start.elapsed().as_secs_f64()))
}

/// Opens `count` idle sessions over `conns` connections (each initializes sessions back
/// to back; the sessions stay open on the server).
pub async fn open_sessions(addr: &str, count: u64, conns: usize) -> Res<()> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (addr, next) = (addr.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(&addr).await?;
            while next.fetch_add(1, Ordering::Relaxed) < count {
                c.session = None;
                c.initialize().await?;
            }
            Ok::<_, String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}
