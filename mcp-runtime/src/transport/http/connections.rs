//! The open connections of `serve_http`: what each is doing, closing the ones that stall
//! in their headers or idle too long, and the cap on how many are open.
//!
//! One registry and one sweeper task per server, instead of a timer per connection:
//! each connection keeps its state in a few atomics (requests in progress, when it went
//! idle, when the first byte of its next request arrived), the request path only bumps
//! a counter and reads a clock the sweeper stamps on each tick, and the sweeper closes
//! overdue connections by shutting their socket down, which the connection's own task
//! sees as the peer leaving. Nothing on the request path polls a timer or a signal.
//! HTTP/1 and HTTP/2 follow the same rules.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::config::HttpConfig;

/// The HTTP/2 connection preface; a connection that starts with it idles like HTTP/2.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// What the sweeper enforces.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_read: u64,
    keep_alive: u64,
    max: usize,
}

/// Every open connection of one server.
pub(super) struct Connections {
    epoch: Instant,
    /// Ms since `epoch` as of the sweeper's last tick: the connections' clock.
    clock: Arc<AtomicU64>,
    limits: Limits,
    registry: Mutex<Registry>,
    /// Signalled when a connection ends (the accept loop may be waiting for room).
    freed: Notify,
}

#[derive(Default)]
struct Registry {
    next: u64,
    open: HashMap<u64, Arc<ConnState>>,
    /// Open connections already told to close (they leave the map when their task ends).
    closing: usize,
}

/// One connection's state, shared by its IO, its requests and the sweeper.
pub(super) struct ConnState {
    clock: Arc<AtomicU64>,
    /// Its socket, shut down to close the connection from outside its task.
    socket: RawSocket,
    /// Requests in progress: from the service call until the response body is done.
    active: AtomicUsize,
    /// When the connection last had no request in progress (ms since `epoch`).
    idle_since: AtomicU64,
    /// When the first byte after going idle arrived, plus one (0: none yet). A new
    /// connection counts as having started its first request.
    first_byte: AtomicU64,
    /// The client spoke HTTP/2: idle means no open stream, whatever frames arrive.
    h2: AtomicBool,
    /// Told to close (timeout or eviction).
    closing: AtomicBool,
}

impl ConnState {
    /// The sweeper's clock: as coarse as its tick, and free to read.
    fn now(&self) -> u64 {
        self.clock.load(Ordering::Relaxed)
    }

    /// Counts a request in progress until the guard is dropped.
    pub(super) fn begin(self: &Arc<Self>) -> Active {
        self.active.fetch_add(1, Ordering::AcqRel);
        Active(self.clone())
    }

    fn note_read(&self, bytes: &[u8]) {
        if self.active.load(Ordering::Acquire) == 0 && self.first_byte.load(Ordering::Acquire) == 0
        {
            self.first_byte.store(self.now() + 1, Ordering::Release);
        }
        if bytes.starts_with(H2_PREFACE) {
            self.h2.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the connection is past a deadline at `now`.
    fn overdue(&self, limits: &Limits, now: u64) -> bool {
        if self.active.load(Ordering::Acquire) > 0 {
            return false;
        }
        let first_byte = self.first_byte.load(Ordering::Acquire);
        if first_byte != 0 && !self.h2.load(Ordering::Relaxed) {
            now >= first_byte - 1 + limits.header_read
        } else {
            now >= self.idle_since.load(Ordering::Acquire) + limits.keep_alive
        }
    }
}

/// A request in progress on a connection; kept by the response body until it is sent.
pub(super) struct Active(Arc<ConnState>);

impl Drop for Active {
    fn drop(&mut self) {
        let state = &self.0;
        if state.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            state.idle_since.store(state.now(), Ordering::Release);
            state.first_byte.store(0, Ordering::Release);
        }
    }
}

impl std::fmt::Debug for Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Active")
    }
}

/// Keeps a connection registered while its socket is open; see [`Watched`].
pub(super) struct Registration {
    connections: Arc<Connections>,
    id: u64,
    pub(super) state: Arc<ConnState>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = self.connections.registry.lock().expect("connections lock");
        registry.open.remove(&self.id);
        if self.state.closing.load(Ordering::Acquire) {
            registry.closing -= 1;
        }
        drop(registry);
        self.connections.freed.notify_one();
    }
}

impl Connections {
    pub(super) fn new(config: &HttpConfig) -> Arc<Self> {
        let ms = |d: Duration| d.as_millis().min(u64::MAX as u128 / 2) as u64;
        let max = fit_to_open_file_limit(config.max_connections.max(1));
        Arc::new(Connections {
            epoch: Instant::now(),
            clock: Arc::default(),
            limits: Limits {
                header_read: ms(config.header_read_timeout),
                keep_alive: ms(config.keep_alive_timeout),
                max,
            },
            registry: Mutex::default(),
            freed: Notify::new(),
        })
    }

    /// The cap in effect (after fitting it to the open-file limit).
    pub(super) fn max(&self) -> usize {
        self.limits.max
    }

    /// Watches a connection just accepted.
    pub(super) fn watch(self: &Arc<Self>, stream: TcpStream) -> Watched<TcpStream> {
        Watched {
            registration: self.register(raw_socket(&stream)),
            io: stream,
        }
    }

    fn register(self: &Arc<Self>, socket: RawSocket) -> Registration {
        let now = self.clock.load(Ordering::Relaxed);
        let state = Arc::new(ConnState {
            clock: self.clock.clone(),
            socket,
            active: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now),
            first_byte: AtomicU64::new(now + 1),
            h2: AtomicBool::new(false),
            closing: AtomicBool::new(false),
        });
        let mut registry = self.registry.lock().expect("connections lock");
        registry.next += 1;
        let id = registry.next;
        registry.open.insert(id, state.clone());
        Registration {
            connections: self.clone(),
            id,
            state,
        }
    }

    /// Waits until one more connection fits under the cap: closes the connection idle
    /// the longest when needed, or waits for one to end when every one is busy.
    pub(super) async fn room(&self) {
        loop {
            let freed = self.freed.notified();
            if self.make_room() {
                return;
            }
            freed.await;
        }
    }

    /// True when there is room; else starts making some by closing the longest-idle
    /// connection (unless one is closing already). Connections being closed still
    /// count until their descriptor is gone, so the cap bounds descriptors, too.
    fn make_room(&self) -> bool {
        let mut registry = self.registry.lock().expect("connections lock");
        if registry.open.len() < self.limits.max {
            return true;
        }
        if registry.closing == 0 {
            self.close_oldest_idle(&mut registry);
        }
        false
    }

    /// Accepting failed for lack of descriptors (the process holds other files too):
    /// closes the connection idle the longest, unless one is closing already, and waits
    /// (at most 50 ms) for a connection to end.
    pub(super) async fn shed(&self) {
        let freed = self.freed.notified();
        {
            let mut registry = self.registry.lock().expect("connections lock");
            if registry.closing == 0 {
                self.close_oldest_idle(&mut registry);
            }
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), freed).await;
    }

    fn close_oldest_idle(&self, registry: &mut Registry) -> bool {
        // Idle since the earliest stamp; within one stamp (the clock is as coarse as the
        // sweeper's tick), accepted first: a connection accepted just now goes last.
        let oldest = registry
            .open
            .iter()
            .filter(|(_, c)| {
                !c.closing.load(Ordering::Acquire) && c.active.load(Ordering::Acquire) == 0
            })
            .min_by_key(|(id, c)| (c.idle_since.load(Ordering::Acquire), **id))
            .map(|(_, c)| c.clone());
        match oldest {
            Some(conn) => {
                tracing::debug!("connection cap reached: closing the connection idle the longest");
                Self::mark_closing(registry, &conn);
                true
            }
            None => false,
        }
    }

    /// Closes `conn`: its socket is shut down, so its task reads end-of-file and ends
    /// (writes fail). Called with the registry locked: a registered socket is open.
    fn mark_closing(registry: &mut Registry, conn: &ConnState) {
        if !conn.closing.swap(true, Ordering::AcqRel) {
            registry.closing += 1;
            shut_down(conn.socket);
        }
    }

    /// Closes overdue connections on a tick until the server is dropped.
    pub(super) fn start_sweeper(self: &Arc<Self>) {
        let shortest = self.limits.header_read.min(self.limits.keep_alive);
        let every = Duration::from_millis(shortest / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        let weak: Weak<Connections> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(connections) = weak.upgrade() else {
                    break;
                };
                connections.sweep();
            }
        });
    }

    fn sweep(&self) {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.clock.store(now, Ordering::Relaxed);
        let mut registry = self.registry.lock().expect("connections lock");
        let overdue: Vec<_> = registry
            .open
            .values()
            .filter(|c| !c.closing.load(Ordering::Acquire) && c.overdue(&self.limits, now))
            .cloned()
            .collect();
        for conn in overdue {
            tracing::debug!("closing a connection that stalled or idled past its timeout");
            Self::mark_closing(&mut registry, &conn);
        }
    }
}

/// `max` lowered, when needed, so that many connections fit in the open-file limit with
/// an eighth of it (at least 32) left for everything else.
fn fit_to_open_file_limit(max: usize) -> usize {
    #[cfg(target_os = "linux")]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes only the struct passed in.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0
            && lim.rlim_cur != libc::RLIM_INFINITY
        {
            let files = lim.rlim_cur as usize;
            let budget = files.saturating_sub((files / 8).max(32)).max(1);
            if budget < max {
                tracing::info!(
                    max_connections = budget,
                    open_file_limit = files,
                    "max_connections lowered to fit the open-file limit (raise RLIMIT_NOFILE to allow more)"
                );
                return budget;
            }
        }
    }
    max
}

/// A connection's byte stream, registered while open, noting when the first byte of
/// each request arrives.
pub(super) struct Watched<T> {
    // Dropped first (fields drop in order): the connection leaves the registry before
    // its socket closes, so the sweeper never shuts down a reused descriptor.
    registration: Registration,
    io: T,
}

impl<T> Watched<T> {
    /// The connection's state, for counting its requests.
    pub(super) fn state(&self) -> &Arc<ConnState> {
        &self.registration.state
    }
}

#[cfg(unix)]
type RawSocket = std::os::fd::RawFd;
#[cfg(windows)]
type RawSocket = std::os::windows::io::RawSocket;

#[cfg(unix)]
fn raw_socket(stream: &TcpStream) -> RawSocket {
    std::os::fd::AsRawFd::as_raw_fd(stream)
}

#[cfg(windows)]
fn raw_socket(stream: &TcpStream) -> RawSocket {
    std::os::windows::io::AsRawSocket::as_raw_socket(stream)
}

fn shut_down(socket: RawSocket) {
    // SAFETY: only called for a registered connection, with the registry locked; a
    // connection leaves the registry before its socket closes (see `Watched`).
    #[cfg(unix)]
    let socket = unsafe { std::os::fd::BorrowedFd::borrow_raw(socket) };
    #[cfg(windows)]
    let socket = unsafe { std::os::windows::io::BorrowedSocket::borrow_raw(socket) };
    if let Err(e) = socket2::SockRef::from(&socket).shutdown(std::net::Shutdown::Both) {
        tracing::debug!(error = %e, "shutting a connection down failed");
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.registration.state.note_read(&buf.filled()[before..]);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registration with a socket of its own (a UDP one: shutting it down only fails,
    /// and the tests look at the bookkeeping).
    fn register(c: &Arc<Connections>) -> Registration {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        #[cfg(unix)]
        let raw = std::os::fd::AsRawFd::as_raw_fd(&socket);
        #[cfg(windows)]
        let raw = std::os::windows::io::AsRawSocket::as_raw_socket(&socket);
        // Open for the rest of the test process.
        std::mem::forget(socket);
        c.register(raw)
    }

    fn connections(max: usize) -> Arc<Connections> {
        Connections::new(&HttpConfig::default().configure(|c| {
            c.max_connections = max;
            c.header_read_timeout = Duration::from_millis(100);
            c.keep_alive_timeout = Duration::from_millis(1_000);
        }))
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_is_closed_and_busy_ones_are_kept() {
        let c = connections(2);
        let a = register(&c);
        let b = register(&c);
        let _busy = a.state.begin();
        // Full: `b` (idle) is told to close; room comes once it is gone.
        assert!(!c.make_room());
        assert!(b.state.closing.load(Ordering::Acquire));
        assert!(!a.state.closing.load(Ordering::Acquire));
        assert!(!c.make_room(), "no second eviction while one is closing");
        drop(b);
        assert!(c.make_room());
        // Every connection busy: nothing to close, wait.
        let d = register(&c);
        let _busy_d = d.state.begin();
        assert!(!c.make_room());
        assert!(!d.state.closing.load(Ordering::Acquire));
        assert_eq!(c.registry.lock().unwrap().closing, 0);
    }

    #[test]
    fn within_one_clock_stamp_the_earliest_accepted_goes_first() {
        let c = connections(3);
        // No sweeper here: every stamp is the same.
        let regs: Vec<_> = (0..3).map(|_| register(&c)).collect();
        assert!(!c.make_room());
        let closing: Vec<_> = regs
            .iter()
            .map(|r| r.state.closing.load(Ordering::Acquire))
            .collect();
        assert_eq!(closing, [true, false, false]);
    }

    #[test]
    fn deadlines_follow_what_the_connection_is_doing() {
        let c = connections(10);
        let r = register(&c);
        let s = &r.state;
        let limits = c.limits;
        // A new connection: its first request's headers are due within header_read.
        assert!(!s.overdue(&limits, 50));
        assert!(s.overdue(&limits, 100));
        // Busy: never overdue here (the body has its own timeouts).
        let active = s.begin();
        assert!(!s.overdue(&limits, 10_000));
        drop(active);
        // Idle after a request: keep-alive applies until a byte arrives.
        let idle_since = s.idle_since.load(Ordering::Acquire);
        assert!(!s.overdue(&limits, idle_since + 500));
        assert!(s.overdue(&limits, idle_since + 1_000));
        s.note_read(b"P");
        let first = s.first_byte.load(Ordering::Acquire) - 1;
        assert!(s.overdue(&limits, first + 100));
        // HTTP/2 idles by keep-alive whatever frames arrive.
        s.note_read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert!(!s.overdue(&limits, first + 100));
    }
}
