//! The bare limit: `srv-limit stdio` (a blocking read-parse-write loop) or
//! `srv-limit http ADDR` (a bare hyper HTTP/1.1 service with TCP_NODELAY).
//!
//! The proxy's limit: `srv-limit relay-stdio` and `srv-limit relay-http ADDR` front the same
//! server the proxy fronts (`srv-mcpserve stdio` / `srv-mcpserve http`, a child) and copy
//! bytes both ways without reading them — what any proxy costs before it does a proxy's work.

use std::convert::Infallible;
use std::io::{BufRead, Write};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use mcpserve_bench::limit::{answer, answer_listing};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("stdio") | None => stdio(None),
        // The 1,000-tool list row: FILE holds the `tools/list` result to answer with.
        Some("stdio-list") => {
            let path = args.get(1).expect("usage: srv-limit stdio-list FILE");
            stdio(Some(&std::fs::read(path)?))
        }
        Some("http") => {
            let addr = args.get(1).expect("usage: srv-limit http ADDR").clone();
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(http(addr))
        }
        Some("relay-stdio") => relay_stdio(),
        Some("relay-http") => {
            let addr = args
                .get(1)
                .expect("usage: srv-limit relay-http ADDR")
                .clone();
            let upstream = mcpserve_bench::proc::spawn_http_upstream("srv-mcpserve")?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(relay_http(addr, upstream))
        }
        Some(other) => {
            eprintln!("srv-limit: unknown mode `{other}`");
            std::process::exit(2)
        }
    }
}

/// `list`: the canned `tools/list` result, if not the 3-tool one of `answer`.
fn stdio(list: Option<&[u8]>) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(64 * 1024, stdin.lock());
    let mut output = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut line = Vec::new();
    let mut reply = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        reply.clear();
        let answered = match list {
            None => answer(&line, &mut reply),
            Some(list) => answer_listing(&line, &mut reply, list),
        };
        if answered {
            reply.push(b'\n');
            output.write_all(&reply)?;
        }
        // Flush once the input we already have is used up: batches under load, prompt
        // when requests come one at a time.
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()
}

async fn http(addr: String) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(tcp);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, hyper::service::service_fn(handle))
                .await;
        });
    }
}

async fn handle(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let session = req.headers().contains_key("mcp-session-id");
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(status(StatusCode::BAD_REQUEST)),
    };
    let is_initialize = body.windows(12).any(|w| w == b"\"initialize\"");
    let mut reply = Vec::with_capacity(body.len() + 128);
    if !answer(&body, &mut reply) {
        return Ok(status(StatusCode::ACCEPTED));
    }
    let mut res = if session {
        // Session era: every reply is a one-event SSE stream.
        let mut sse = Vec::with_capacity(reply.len() + 24);
        sse.extend_from_slice(b"event: message\ndata: ");
        sse.extend_from_slice(&reply);
        sse.extend_from_slice(b"\n\n");
        let mut r = Response::new(Full::new(Bytes::from(sse)));
        r.headers_mut()
            .insert("content-type", "text/event-stream".parse().unwrap());
        r
    } else {
        let mut r = Response::new(Full::new(Bytes::from(reply)));
        r.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        r
    };
    if is_initialize {
        res.headers_mut()
            .insert("mcp-session-id", "limit-session".parse().unwrap());
    }
    Ok(res)
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = code;
    r
}

/// Copies stdin to a `srv-mcpserve stdio` child and its stdout to ours, as bytes arrive.
fn relay_stdio() -> std::io::Result<()> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(mcpserve_bench::proc::bin_path("srv-mcpserve"))
        .arg("stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut to_child = child.stdin.take().expect("piped");
    let mut from_child = child.stdout.take().expect("piped");
    let upward = std::thread::spawn(move || -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        let mut buf = vec![0; 64 * 1024];
        loop {
            let n = from_child.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            out.write_all(&buf[..n])?;
            out.flush()?;
        }
    });
    let mut input = std::io::stdin().lock();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        to_child.write_all(&buf[..n])?;
    }
    drop(to_child);
    let copied = upward.join().expect("relay thread");
    child.wait()?;
    copied
}

/// Serves ADDR and sends every request, as it came, over one HTTP/1.1 connection per
/// client connection to the `srv-mcpserve http` child at `upstream`; answers with its
/// response as it came.
async fn relay_http(addr: String, upstream: String) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        let upstream = upstream.clone();
        tokio::spawn(async move {
            let Ok(up) = tokio::net::TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = up.set_nodelay(true);
            let Ok((sender, conn)) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(up)).await
            else {
                return;
            };
            tokio::spawn(conn);
            // HTTP/1.1 serves one request at a time per connection, so the lock is never
            // contended; it only hands the sender to the request in flight.
            let sender = std::sync::Arc::new(tokio::sync::Mutex::new(sender));
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let sender = sender.clone();
                async move {
                    let mut sender = sender.lock().await;
                    sender.ready().await?;
                    sender.send_request(req).await
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await;
        });
    }
}
