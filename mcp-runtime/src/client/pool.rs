//! HTTP/1.1 connections to one server, kept for reuse (hyper's `client::conn`).
//!
//! A connection is driven by whoever uses it, not by a task of its own: the request's
//! future polls it until the response head, the response's body until the body's end,
//! which then puts it back among the idle ones. A request and its answer therefore never
//! change threads, and a body dropped early (a cancelled request) closes its connection.
//! Idle connections are not polled; one the server closed meanwhile is noticed when it
//! is taken out (polling it reads the end of file), and a request it could not send is
//! sent again on a new connection (hyper hands back a request it never wrote).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Idle connections kept (more are closed when their response ends).
const MAX_IDLE: usize = 32;
/// An idle connection older than this is closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long opening a TCP connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Connection = http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// The connections to one `host:port`.
pub(crate) struct Pool {
    host: String,
    port: u16,
    /// The `Host` header of every request.
    authority: HeaderValue,
    idle: Arc<Idle>,
}

#[derive(Default)]
struct Idle {
    conns: Mutex<Vec<(Box<Conn>, Instant)>>,
}

impl Idle {
    fn put(&self, conn: Box<Conn>) {
        let mut conns = self.conns.lock().expect("pool lock");
        if conns.len() < MAX_IDLE {
            conns.push((conn, Instant::now()));
        }
    }
}

/// One connection: its request handle and its state machine (polled by its user).
/// Boxed where it is held: it is large, and moves between pool, request and body.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    conn: Connection,
    /// The connection future finished (it is not polled again).
    ended: bool,
}

impl Conn {
    /// Lets the connection read and write; `Ready` once it has ended (closed or broken).
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.ended {
            return Poll::Ready(());
        }
        Pin::new(&mut self.conn).poll(cx).map(|ended| {
            self.ended = true;
            if let Err(e) = ended {
                tracing::debug!(error = %e, "HTTP connection to the server ended");
            }
        })
    }
}

/// Why a request got no response.
#[derive(Debug)]
pub(crate) enum SendError {
    Connect(String),
    Http(hyper::Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => f.write_str(e),
            SendError::Http(e) => {
                write!(f, "{e}")?;
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
        }
    }
}

impl Pool {
    /// The pool of `uri`'s `host:port` (an `http://` URI).
    pub(crate) fn new(uri: &Uri) -> Result<Self, String> {
        let host = uri.host().ok_or("the URL has no host")?;
        // `[::1]` is connected to as `::1`.
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(80);
        let authority = uri.authority().ok_or("the URL has no host")?;
        let authority = HeaderValue::try_from(authority.as_str()).map_err(|e| e.to_string())?;
        Ok(Pool {
            host,
            port,
            authority,
            idle: Arc::default(),
        })
    }

    /// Sends `req` (its URI in origin form) on an idle connection, else on a new one.
    pub(crate) async fn send(
        &self,
        mut req: Request<Full<Bytes>>,
    ) -> Result<Response<ResponseBody>, SendError> {
        req.headers_mut()
            .insert(http::header::HOST, self.authority.clone());
        while let Some(conn) = self.checkout().await {
            match self.exchange(conn, req).await {
                Ok(res) => return Ok(res),
                // Written: sending it again could run it twice.
                Err((e, None)) => return Err(SendError::Http(e)),
                // Never written: the server closed the idle connection; try the next.
                Err((_, Some(back))) => req = back,
            }
        }
        let conn = self.connect().await?;
        self.exchange(conn, req)
            .await
            .map_err(|(e, _)| SendError::Http(e))
    }

    /// Drops every idle connection.
    pub(crate) fn clear(&self) {
        self.idle.conns.lock().expect("pool lock").clear();
    }

    /// An idle connection that is still open and ready for a request.
    async fn checkout(&self) -> Option<Box<Conn>> {
        std::future::poll_fn(|cx| {
            Poll::Ready(loop {
                let idle = self.idle.conns.lock().expect("pool lock").pop();
                let Some((mut conn, since)) = idle else {
                    break None;
                };
                if since.elapsed() > IDLE_TIMEOUT || conn.drive(cx).is_ready() {
                    continue;
                }
                if let Poll::Ready(Ok(())) = conn.sender.poll_ready(cx) {
                    break Some(conn);
                }
            })
        })
        .await
    }

    async fn connect(&self) -> Result<Box<Conn>, SendError> {
        let stream = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| SendError::Connect(format!("connecting timed out after {CONNECT_TIMEOUT:?}")))?
        .map_err(|e| SendError::Connect(format!("tcp connect error: {e}")))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(SendError::Http)?;
        Ok(Box::new(Conn {
            sender,
            conn,
            ended: false,
        }))
    }

    /// Sends `req` on `conn`, driving it until the response head. A request the
    /// connection never wrote comes back with the error.
    async fn exchange(
        &self,
        mut conn: Box<Conn>,
        req: Request<Full<Bytes>>,
    ) -> Result<Response<ResponseBody>, (hyper::Error, Option<Request<Full<Bytes>>>)> {
        let mut sent = std::pin::pin!(conn.sender.try_send_request(req));
        let head = std::future::poll_fn(|cx| {
            // The connection first: it writes the request and reads the answer.
            let ended = conn.drive(cx).is_ready();
            match sent.as_mut().poll(cx) {
                Poll::Ready(r) => Poll::Ready(Some(r)),
                Poll::Pending if ended => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        let (head, conn) = match head {
            Some(head) => (head, Some(conn).filter(|c| !c.ended)),
            // Ended without answering: dropping it fails the request.
            None => {
                drop(conn);
                (sent.await, None)
            }
        };
        match head {
            Ok(res) => Ok(res.map(|body| ResponseBody {
                body,
                conn,
                idle: self.idle.clone(),
            })),
            Err(mut e) => {
                let back = e.take_message();
                Err((e.into_error(), back))
            }
        }
    }
}

/// A response's body; it drives its connection, which goes back to the pool at the
/// body's end (dropped before it, the connection is closed).
pub(crate) struct ResponseBody {
    body: Incoming,
    conn: Option<Box<Conn>>,
    idle: Arc<Idle>,
}

impl ResponseBody {
    /// Returns the connection to the pool when the body has already ended (a response
    /// read up to its last event, an empty `202`); else it is closed with the body.
    pub(crate) fn release(mut self) {
        if self.body.is_end_stream() {
            if let Some(conn) = self.conn.take() {
                self.idle.put(conn);
            }
        }
    }

    fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            if let Some(conn) = self.conn.take() {
                self.idle.put(conn);
            }
        }
        polled
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = this.poll_body(cx) {
            return Poll::Ready(frame);
        }
        let Some(conn) = this.conn.as_mut() else {
            return Poll::Pending;
        };
        if conn.drive(cx).is_ready() {
            // Ended: the body sees its end (or the break) once the connection is gone.
            this.conn = None;
        }
        this.poll_body(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A raw HTTP/1.1 server: `/full` answers `hello`; `/half` announces 10 bytes and
    /// sends 5, then waits; `/bye` answers, then closes the connection (no
    /// `Connection: close`). Counts connections, and connections that ended.
    async fn server() -> (Uri, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri: Uri = format!("http://{}/full", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        let (opened, closed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let counts = (opened.clone(), closed.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counts.0.fetch_add(1, Ordering::SeqCst);
                let closed = counts.1.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n");
                        let Some(end) = head_end else {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .map_or(0, |v| v.trim().parse().unwrap());
                        while buf.len() < end + 4 + len {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf.drain(..end + 4 + len);
                        let answer: &[u8] = if head.starts_with("post /half") {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
                        };
                        if sock.write_all(answer).await.is_err() || head.starts_with("post /bye") {
                            break;
                        }
                    }
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        (uri, opened, closed)
    }

    fn post(path: &'static str) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(Bytes::from_static(b"{}")));
        *req.method_mut() = http::Method::POST;
        *req.uri_mut() = Uri::from_static(path);
        req
    }

    async fn body(res: Response<ResponseBody>) -> Bytes {
        use http_body_util::BodyExt;
        res.into_body().collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn connections_are_reused_and_a_body_dropped_early_closes_its_connection() {
        let (uri, opened, closed) = server().await;
        let pool = Pool::new(&uri).unwrap();
        for _ in 0..5 {
            let res = pool.send(post("/full")).await.unwrap();
            assert_eq!(body(res).await, "hello");
        }
        assert_eq!(opened.load(Ordering::SeqCst), 1, "one connection, reused");

        // A response dropped before its end (a cancelled request): its connection is
        // closed, not pooled, and the next request opens a new one.
        let half = pool.send(post("/half")).await.unwrap();
        drop(half);
        for _ in 0..50 {
            if closed.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(closed.load(Ordering::SeqCst), 1, "the server saw the close");
        let res = pool.send(post("/full")).await.unwrap();
        assert_eq!(body(res).await, "hello");
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_while_idle_is_replaced() {
        let (uri, opened, _closed) = server().await;
        let pool = Pool::new(&uri).unwrap();
        let res = pool.send(post("/full")).await.unwrap();
        assert_eq!(body(res).await, "hello");
        let res = pool.send(post("/bye")).await.unwrap();
        assert_eq!(body(res).await, "hello");
        // The server closed that connection after answering, as when its keep-alive
        // timer fires: the next request does not fail, it goes out on a new one.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let res = pool.send(post("/full")).await.unwrap();
        assert_eq!(body(res).await, "hello");
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let uri: Uri = format!("http://{}/mcp", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        drop(listener);
        let pool = Pool::new(&uri).unwrap();
        let Err(e) = pool.send(post("/mcp")).await else {
            panic!("connected to nothing");
        };
        assert!(e.to_string().starts_with("tcp connect error"), "{e}");
    }
}
